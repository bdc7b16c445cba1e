//! The Voluntary Trust Fund: cycles and applications kept by the Secretariat, decisions taken
//! by the Selection Committee.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const CREATE_CYCLE: &str =
    "mutation($i: CreateVtfCycleInput!) { createVtfCycle(input: $i) { vtfCycle { id version year } } }";
const UPDATE_CYCLE: &str =
    "mutation($i: UpdateVtfCycleInput!) { updateVtfCycle(input: $i) { vtfCycle { id version year } } }";
const CREATE_PROJECT: &str =
    "mutation($i: CreateVtfProjectInput!) { createVtfProject(input: $i) { vtfProject { id version status } } }";
const DECIDE: &str = "mutation($i: DecideVtfProjectInput!) { decideVtfProject(input: $i) { vtfProject { id version status amountApproved } } }";
const AMOUNTS: &str = "query($id: ID!) { node(id: $id) { ... on VtfProject { status amountRequested amountApproved amountDisbursed currency version } } }";

/// An application of Angola in the 2026 cycle; returns its id.
async fn application(app: &TestApp) -> String {
    let input = json!({ "cycle": 2026, "state": "AGO", "title": "Drafting a national control list", "category": "LEGAL", "startDate": "2026-06-01", "endDate": "2027-05-31", "amountRequested": "50000.00", "currency": "usd" });
    let data = app.data(As::Secretariat, CREATE_PROJECT, json!({ "i": input })).await;
    assert_eq!(data["createVtfProject"]["vtfProject"]["status"], "APPLIED");
    data["createVtfProject"]["vtfProject"]["id"].as_str().expect("an id").to_owned()
}

fn decision(id: &str, version: i64, fields: Value) -> Value {
    let mut i = json!({ "id": id, "version": version });
    if let (Some(i), Some(f)) = (i.as_object_mut(), fields.as_object()) {
        i.extend(f.clone());
    }
    json!({ "i": i })
}

#[tokio::test]
async fn the_committee_decides_a_project_and_reads_the_amounts_back() {
    let app = spawn_app_with_demo(0.001).await;
    let id = application(&app).await;

    let d =
        json!({ "status": "APPROVED", "amountApproved": "40000.00", "committeeAssessment": "Sound and sustainable" });
    let data = app.data(As::VtfCommittee, DECIDE, decision(&id, 1, d)).await;
    assert_eq!(data["decideVtfProject"]["vtfProject"]["status"], "APPROVED");

    let d = json!({ "status": "IMPLEMENTING", "amountDisbursed": "15000.50" });
    app.data(As::VtfCommittee, DECIDE, decision(&id, 2, d)).await;

    let read = app.data(As::VtfCommittee, AMOUNTS, json!({ "id": id })).await;
    assert_eq!(
        read["node"],
        json!({ "status": "IMPLEMENTING", "amountRequested": "50000.00", "amountApproved": "40000.00", "amountDisbursed": "15000.50", "currency": "USD", "version": 3 })
    );
    // The committee's assessment is SENSITIVE: kept, and read by the WGTU.
    let q = "query($id: ID!) { node(id: $id) { ... on VtfProject { committeeAssessment } } }";
    assert_eq!(
        app.data(As::Wgtu, q, json!({ "id": id })).await["node"]["committeeAssessment"],
        "Sound and sustainable"
    );
    // A partner sees the status, never the amounts.
    let body = app.gql(As::Partner(1), AMOUNTS, json!({ "id": id })).await;
    assert_eq!(body["data"]["node"]["status"], "IMPLEMENTING");
    assert_eq!(body["data"]["node"]["amountApproved"], Value::Null);
}

#[tokio::test]
async fn a_second_cycle_for_a_year_is_refused_naming_the_year() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;

    let cycle = json!({ "year": 2026, "callOpens": "2026-01-15", "callCloses": "2026-03-15", "fundsAvailable": "1000000.00", "currency": "USD" });
    let body = app.gql(As::Secretariat, CREATE_CYCLE, json!({ "i": cycle })).await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.year"]);

    let q = "{ vtfCycles { id version year } }";
    let cycles = app.data(As::Secretariat, q, json!({})).await;
    let latest = &cycles["vtfCycles"][0];
    let change = json!({ "id": latest["id"], "version": latest["version"], "year": 2025 });
    let body = app.gql(As::Secretariat, UPDATE_CYCLE, json!({ "i": change })).await;
    assert_eq!(error_fields(&body), ["input.year"], "{body}");

    assert_eq!(rows(&app).await, before);
    let data = app.data(As::Secretariat, CREATE_CYCLE, json!({ "i": { "year": 2027, "callOpens": "2027-01-15", "callCloses": "2027-03-15", "fundsAvailable": "0", "currency": "USD" } })).await;
    assert_eq!(data["createVtfCycle"]["vtfCycle"]["year"], 2027);
}

#[tokio::test]
async fn a_stale_decision_is_a_conflict_and_changes_no_amount() {
    let app = spawn_app_with_demo(0.001).await;
    let id = application(&app).await;
    app.data(As::VtfCommittee, DECIDE, decision(&id, 1, json!({ "status": "APPROVED", "amountApproved": "40000.00" })))
        .await;
    let before = rows(&app).await;

    let body = app
        .gql(As::Secretariat, DECIDE, decision(&id, 1, json!({ "status": "APPROVED", "amountApproved": "45000.00" })))
        .await;

    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(app.data(As::VtfCommittee, AMOUNTS, json!({ "id": id })).await["node"]["amountApproved"], "40000.00");
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn invalid_applications_and_decisions_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let id = application(&app).await;
    let before = rows(&app).await;

    let input = json!({ "cycle": 1999, "state": "ZZZ", "title": "", "category": "LEGAL", "implementingOrganization": api::node::global_id("Organization", 999_999).to_string(), "startDate": "2027-01-01", "endDate": "2026-01-01", "amountRequested": "-5.00", "currency": "dollars" });
    let body = app.gql(As::Secretariat, CREATE_PROJECT, json!({ "i": input })).await;
    assert_eq!(
        error_fields(&body),
        [
            "input.amountRequested",
            "input.currency",
            "input.cycle",
            "input.endDate",
            "input.implementingOrganization",
            "input.state",
            "input.title"
        ],
        "{body}"
    );

    let d = json!({ "status": "APPROVED", "amountApproved": "60000.00", "amountDisbursed": "-1.00" });
    let body = app.gql(As::VtfCommittee, DECIDE, decision(&id, 1, d)).await;
    assert_eq!(error_fields(&body), ["input.amountApproved", "input.amountDisbursed"], "{body}");

    let body = app.gql(As::VtfCommittee, DECIDE, decision(&id, 1, json!({ "status": "COMPLETED" }))).await;
    assert_eq!(error_fields(&body), ["input.amountApproved"], "{body}");

    assert_eq!(rows(&app).await, before);
    assert_eq!(app.data(As::VtfCommittee, AMOUNTS, json!({ "id": id })).await["node"]["status"], "APPLIED");
}

#[tokio::test]
async fn a_retried_create_whose_unique_value_is_now_taken_returns_the_first_result() {
    let app = spawn_app_with_demo(0.001).await;
    let cycle = json!({ "year": 2031, "callOpens": "2031-01-15", "callCloses": "2031-03-15", "fundsAvailable": "0", "currency": "USD", "idempotencyKey": "cycle-2031" });

    let first = app.data(As::Secretariat, CREATE_CYCLE, json!({ "i": cycle })).await;
    let before = rows(&app).await;
    // The retry's insert collides with the first one's year; the key tells it is a retry.
    let again = app.data(As::Secretariat, CREATE_CYCLE, json!({ "i": cycle })).await;

    assert_eq!(first, again);
    assert_eq!(rows(&app).await, before, "the retry wrote nothing");

    // Without the key, the year taken is the client's mistake, named.
    let mut fresh = cycle.clone();
    fresh.as_object_mut().map(|o| o.remove("idempotencyKey"));
    let body = app.gql(As::Secretariat, CREATE_CYCLE, json!({ "i": fresh })).await;
    assert_eq!(error_fields(&body), ["input.year"], "{body}");
}
