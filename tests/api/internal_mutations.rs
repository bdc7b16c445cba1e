//! The internal bodies' mutations: each is open exactly to the roles DESIGN.md §2 gives, and a
//! refused call writes nothing.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, codes, spawn_app_with_demo};

const ROLES: [As; 5] = [As::Anonymous, As::Partner(1), As::VtfCommittee, As::Wgtu, As::Secretariat];

/// One mutation to try as every role: its document, variables made fresh per call (so that
/// allowed calls do not collide), and the roles that may call it.
struct Case {
    name: &'static str,
    query: &'static str,
    variables: fn(&Ids) -> Value,
    allowed: &'static [As],
}

/// Existing records the cases refer to, with their current versions: (id, version).
struct Ids {
    need: (String, i64),
    contact: (String, i64),
    engagement: (String, i64),
}

/// The first record at `pointer` (an object with `id` and `version`) of `query`.
async fn first(app: &TestApp, query: &str, pointer: &str) -> (String, i64) {
    let data = app.data(As::Secretariat, query, json!({})).await;
    let node = data.pointer(pointer).unwrap_or_else(|| panic!("nothing at {pointer} in {data}"));
    (node["id"].as_str().expect("an id").to_owned(), node["version"].as_i64().expect("a version"))
}

/// The records the cases update, as they are now.
async fn current(app: &TestApp) -> Ids {
    Ids {
        need: first(app, "{ supportNeeds(first: 1) { nodes { id version } } }", "/supportNeeds/nodes/0").await,
        contact: first(app, r#"{ state(iso3: "AGO") { contactPoints { id version } } }"#, "/state/contactPoints/0")
            .await,
        engagement: first(app, r#"{ state(iso3: "AGO") { engagements { id version } } }"#, "/state/engagements/0")
            .await,
    }
}

/// Rows written so far, for checking that a refused call wrote nothing.
async fn rows(app: &TestApp) -> Vec<u64> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    vec![
        entity::assessment::Entity::find().count(&app.db).await.expect("count"),
        entity::support_need::Entity::find().count(&app.db).await.expect("count"),
        entity::contact_point::Entity::find().count(&app.db).await.expect("count"),
        entity::engagement::Entity::find().count(&app.db).await.expect("count"),
        entity::audit_event::Entity::find().count(&app.db).await.expect("count"),
    ]
}

const WGTU: &[As] = &[As::Wgtu, As::Secretariat];
const SECRETARIAT: &[As] = &[As::Secretariat];

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "createAssessment",
            query: "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { id tier } } }",
            variables: |_| json!({ "i": { "state": "AGO", "assessedOn": "2026-11-01", "tier": 1, "processStage": "PARLIAMENT", "challenges": "x", "assessedBy": "WGTU" } }),
            allowed: WGTU,
        },
        Case {
            name: "createSupportNeed",
            query: "mutation($i: CreateSupportNeedInput!) { createSupportNeed(input: $i) { supportNeed { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "category": "LEGAL", "description": "x", "status": "OPEN", "sharedWithPartners": true } }),
            allowed: WGTU,
        },
        Case {
            name: "updateSupportNeed",
            query: "mutation($i: UpdateSupportNeedInput!) { updateSupportNeed(input: $i) { supportNeed { id status } } }",
            variables: |ids| json!({ "i": { "id": ids.need.0, "version": ids.need.1, "status": "MET" } }),
            allowed: WGTU,
        },
        Case {
            name: "createContactPoint",
            query: "mutation($i: CreateContactPointInput!) { createContactPoint(input: $i) { contactPoint { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "name": "x", "emails": ["a@example.org"] } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateContactPoint",
            query: "mutation($i: UpdateContactPointInput!) { updateContactPoint(input: $i) { contactPoint { id } } }",
            variables: |ids| json!({ "i": { "id": ids.contact.0, "version": ids.contact.1, "jobTitle": null } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createEngagement",
            query: "mutation($i: CreateEngagementInput!) { createEngagement(input: $i) { engagement { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "occurredOn": "2026-10-01", "channel": "CALL", "actor": "WGTU", "summary": "x" } }),
            allowed: WGTU,
        },
        Case {
            name: "updateEngagement",
            query: "mutation($i: UpdateEngagementInput!) { updateEngagement(input: $i) { engagement { id outcome } } }",
            variables: |ids| json!({ "i": { "id": ids.engagement.0, "version": ids.engagement.1, "outcome": "agreed" } }),
            allowed: WGTU,
        },
    ]
}

#[tokio::test]
async fn every_internal_mutation_is_open_exactly_to_its_roles() {
    let app = spawn_app_with_demo(0.001).await;

    for case in cases() {
        for who in ROLES {
            let ids = current(&app).await;
            let before = rows(&app).await;
            let body = app.gql(who, case.query, (case.variables)(&ids)).await;
            if case.allowed.contains(&who) {
                assert!(body.get("errors").is_none(), "{} as {who:?} must succeed: {body}", case.name);
            } else {
                assert_eq!(codes(&body), ["FORBIDDEN"], "{} as {who:?} must be refused: {body}", case.name);
                assert_eq!(rows(&app).await, before, "{} as {who:?} wrote something", case.name);
            }
        }
    }
}

#[tokio::test]
async fn a_new_assessment_becomes_the_current_one_and_the_history_is_kept() {
    let app = spawn_app_with_demo(0.001).await;
    let q =
        r#"{ state(iso3: "AGO") { currentAssessment { tier processStage assessedOn } assessments { assessedOn } } }"#;
    let before = app.data(As::Wgtu, q, json!({})).await;
    let history = before["state"]["assessments"].as_array().expect("history").len();

    let m = "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { tier } } }";
    let input = json!({ "i": { "state": "AGO", "assessedOn": "2026-11-20", "tier": 2, "processStage": "EXECUTIVE_APPROVAL", "challenges": "x", "assessedBy": "WGTU co-chairs" } });
    app.data(As::Wgtu, m, input).await;

    let after = app.data(As::Wgtu, q, json!({})).await;
    assert_eq!(
        after["state"]["currentAssessment"],
        json!({ "tier": 2, "processStage": "EXECUTIVE_APPROVAL", "assessedOn": "2026-11-20" })
    );
    assert_eq!(after["state"]["assessments"].as_array().expect("history").len(), history + 1);
    assert_eq!(after["state"]["assessments"][0]["assessedOn"], "2026-11-20", "newest first");
}

#[tokio::test]
async fn invalid_assessments_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;
    let m = "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { tier } } }";

    let body = app
        .gql(As::Wgtu, m, json!({ "i": { "state": "ZZZ", "assessedOn": "1900-01-01", "tier": 7, "processStage": "PARLIAMENT", "challenges": " ", "assessedBy": "" } }))
        .await;

    let mut fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["extensions"]["field"].as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["input.assessedBy", "input.assessedOn", "input.challenges", "input.state", "input.tier"],
        "{body}"
    );
    assert_eq!(rows(&app).await, before);
}
