//! Public reference data kept by the Secretariat: states' treaty status, conferences,
//! meetings, offices and partner organisations.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const TREATY_STATUS: &str = "mutation($i: UpdateStateTreatyStatusInput!) { updateStateTreatyStatus(input: $i) { state { attStatus signatureDate consentDate consentKind entryIntoForceDate version } } }";
const CREATE_CONFERENCE: &str = "mutation($i: CreateConferenceInput!) { createConference(input: $i) { conference { id version number presidentState { iso3 } } } }";
const UPDATE_CONFERENCE: &str =
    "mutation($i: UpdateConferenceInput!) { updateConference(input: $i) { conference { id version number venue } } }";
const CREATE_MEETING: &str =
    "mutation($i: CreateMeetingInput!) { createMeeting(input: $i) { meeting { id conference { number } } } }";
const CREATE_OFFICE: &str =
    "mutation($i: CreateOfficeTermInput!) { createOfficeTerm(input: $i) { officeTerm { id office state { iso3 } } } }";
const CREATE_ORG: &str = "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id version name iatiIdentifier } } }";
const UPDATE_ORG: &str = "mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id version name acronym } } }";

/// Angola's id and version.
async fn angola(app: &TestApp) -> (String, i64) {
    let data = app.data(As::Anonymous, r#"{ state(iso3: "AGO") { id version } }"#, json!({})).await;
    (data["state"]["id"].as_str().expect("an id").to_owned(), data["state"]["version"].as_i64().expect("a version"))
}

fn status(id: &str, version: i64, fields: Value) -> Value {
    let mut i = json!({ "id": id, "version": version });
    if let (Some(i), Some(f)) = (i.as_object_mut(), fields.as_object()) {
        i.extend(f.clone());
    }
    json!({ "i": i })
}

#[tokio::test]
async fn a_ratification_makes_a_state_party_with_the_entry_into_force_computed() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, version) = angola(&app).await;

    let ratified = json!({ "attStatus": "STATE_PARTY", "signatureDate": "2013-09-24", "consentDate": "2026-01-15", "consentKind": "RATIFICATION" });
    app.data(As::Secretariat, TREATY_STATUS, status(&id, version, ratified)).await;

    let q = r#"{ state(iso3: "AGO") { attStatus signatureDate consentDate consentKind entryIntoForceDate } }"#;
    assert_eq!(
        app.data(As::Anonymous, q, json!({})).await["state"],
        json!({ "attStatus": "STATE_PARTY", "signatureDate": "2013-09-24", "consentDate": "2026-01-15", "consentKind": "RATIFICATION", "entryIntoForceDate": "2026-04-15" })
    );

    // A correction back to signatory clears the deposit and the entry into force.
    let corrected = json!({ "attStatus": "SIGNATORY", "signatureDate": "2013-09-24" });
    let data = app.data(As::Secretariat, TREATY_STATUS, status(&id, version + 1, corrected)).await;
    let s = &data["updateStateTreatyStatus"]["state"];
    assert_eq!((s["consentDate"].clone(), s["entryIntoForceDate"].clone()), (Value::Null, Value::Null));

    // The entry-into-force date is not an input.
    let body = app
        .gql(
            As::Secretariat,
            TREATY_STATUS,
            status(&id, version + 2, json!({ "attStatus": "NOT_JOINED", "entryIntoForceDate": "2026-01-01" })),
        )
        .await;
    assert!(body.get("errors").is_some(), "{body}");
}

#[tokio::test]
async fn a_stale_treaty_status_is_a_conflict_and_overwrites_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, version) = angola(&app).await;
    let acceded = json!({ "attStatus": "NOT_JOINED" });
    app.data(As::Secretariat, TREATY_STATUS, status(&id, version, acceded)).await;
    let before = rows(&app).await;

    let signed = json!({ "attStatus": "SIGNATORY", "signatureDate": "2013-09-24" });
    let body = app.gql(As::Secretariat, TREATY_STATUS, status(&id, version, signed)).await;

    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], version + 1);
    let q = r#"{ state(iso3: "AGO") { attStatus } }"#;
    assert_eq!(app.data(As::Anonymous, q, json!({})).await["state"]["attStatus"], "NOT_JOINED");
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn an_inconsistent_treaty_status_is_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, version) = angola(&app).await;
    let before = rows(&app).await;

    // A party without its deposit, and a signature before the Treaty opened for signature.
    let body = app
        .gql(
            As::Secretariat,
            TREATY_STATUS,
            status(&id, version, json!({ "attStatus": "STATE_PARTY", "signatureDate": "2013-01-01" })),
        )
        .await;
    assert_eq!(error_fields(&body), ["input.consentDate", "input.consentKind", "input.signatureDate"], "{body}");

    // An accession by a state that signed, deposited in the future.
    let acceded = json!({ "attStatus": "STATE_PARTY", "signatureDate": "2013-09-24", "consentDate": "2099-01-01", "consentKind": "ACCESSION" });
    let body = app.gql(As::Secretariat, TREATY_STATUS, status(&id, version, acceded)).await;
    assert_eq!(error_fields(&body), ["input.consentDate", "input.signatureDate"], "{body}");

    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn conferences_are_numbered_once_and_meetings_and_offices_refer_to_them() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;

    let taken = json!({ "number": 9, "startDate": "2023-08-21", "endDate": "2023-08-25", "venue": "Geneva" });
    let body = app.gql(As::Secretariat, CREATE_CONFERENCE, json!({ "i": taken })).await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.number"]);

    let bad = json!({ "number": 0, "startDate": "2030-08-30", "endDate": "2030-08-26", "venue": "", "presidentState": "ZZZ" });
    let body = app.gql(As::Secretariat, CREATE_CONFERENCE, json!({ "i": bad })).await;
    assert_eq!(error_fields(&body), ["input.endDate", "input.number", "input.presidentState", "input.venue"], "{body}");
    let body = app
        .gql(As::Secretariat, CREATE_OFFICE, json!({ "i": { "office": "PRESIDENT", "state": "FRA", "conference": 9 } }))
        .await;
    assert_eq!(error_fields(&body), ["input.office"], "{body}");
    assert_eq!(rows(&app).await, before);

    let new = json!({ "number": 13, "startDate": "2027-08-23", "endDate": "2027-08-27", "venue": "Geneva", "presidentState": "NZL" });
    let data = app.data(As::Secretariat, CREATE_CONFERENCE, json!({ "i": new })).await;
    let conf = &data["createConference"]["conference"];
    assert_eq!(conf["presidentState"]["iso3"], "NZL");
    let (conf_id, conf_version) = (conf["id"].clone(), conf["version"].clone());

    let renumber = json!({ "id": conf_id, "version": conf_version, "number": 12 });
    let body = app.gql(As::Secretariat, UPDATE_CONFERENCE, json!({ "i": renumber })).await;
    assert_eq!(error_fields(&body), ["input.number"], "{body}");
    let stale = json!({ "id": conf_id, "version": 7, "venue": "Vienna" });
    let body = app.gql(As::Secretariat, UPDATE_CONFERENCE, json!({ "i": stale })).await;
    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");

    let meeting = json!({ "conference": 13, "kind": "PREPARATORY", "title": "First informal preparatory meeting", "startDate": "2027-02-10", "endDate": "2027-02-10", "venue": "Geneva" });
    let data = app.data(As::Secretariat, CREATE_MEETING, json!({ "i": meeting })).await;
    assert_eq!(data["createMeeting"]["meeting"]["conference"]["number"], 13);
    let office = json!({ "office": "PRESIDENT", "state": "NZL", "conference": 13, "holderName": "A. President" });
    let data = app.data(As::Secretariat, CREATE_OFFICE, json!({ "i": office })).await;
    assert_eq!(data["createOfficeTerm"]["officeTerm"]["state"]["iso3"], "NZL");

    let q = "{ conference(number: 13) { venue meetings { title } officeTerms { office } } }";
    assert_eq!(
        app.data(As::Anonymous, q, json!({})).await["conference"],
        json!({ "venue": "Geneva", "meetings": [{ "title": "First informal preparatory meeting" }], "officeTerms": [{ "office": "PRESIDENT" }] })
    );
}

#[tokio::test]
async fn organizations_are_registered_with_a_checked_iati_identifier_and_private_notes() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;

    let bad =
        json!({ "name": "", "acronym": "x".repeat(41), "kind": "REGIONAL", "iatiIdentifier": "not an identifier" });
    let body = app.gql(As::Secretariat, CREATE_ORG, json!({ "i": bad })).await;
    assert_eq!(error_fields(&body), ["input.acronym", "input.iatiIdentifier", "input.name"], "{body}");
    assert_eq!(rows(&app).await, before);

    let org = json!({ "name": "Arms Control Test Network", "acronym": "ACTN", "kind": "CIVIL_SOCIETY", "iatiIdentifier": "GB-CHC-202918", "internalNotes": "Reliable partner" });
    let data = app.data(As::Secretariat, CREATE_ORG, json!({ "i": org })).await;
    let id = data["createOrganization"]["organization"]["id"].clone();

    let q = "query($id: ID!) { organization(id: $id) { name iatiIdentifier internalNotes } }";
    let body = app.gql(As::Anonymous, q, json!({ "id": id })).await;
    assert_eq!(body["data"]["organization"]["iatiIdentifier"], "GB-CHC-202918");
    assert_eq!(only_error(&body), ("FORBIDDEN".into(), "organization.internalNotes".into()));

    let change = json!({ "id": id, "version": 1, "acronym": null, "name": "Arms Control Test Network (ACTN)" });
    let data = app.data(As::Secretariat, UPDATE_ORG, json!({ "i": change })).await;
    assert_eq!(data["updateOrganization"]["organization"]["acronym"], Value::Null);
    let body = app.gql(As::Secretariat, UPDATE_ORG, json!({ "i": { "id": id, "version": 1, "name": "Again" } })).await;
    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
}
