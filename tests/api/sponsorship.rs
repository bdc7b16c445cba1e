//! Sponsorship Programme awards, kept by the Secretariat.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const CREATE: &str = "mutation($i: CreateSponsorshipAwardInput!) { createSponsorshipAward(input: $i) { sponsorshipAward { id version status } } }";
const UPDATE: &str = "mutation($i: UpdateSponsorshipAwardInput!) { updateSponsorshipAward(input: $i) { sponsorshipAward { id version status cost } } }";
const READ: &str = "query($id: ID!) { node(id: $id) { ... on SponsorshipAward { status delegateName cost currency version meeting { title } } } }";

/// The id of the first meeting.
async fn meeting(app: &TestApp) -> String {
    let data = app.data(As::Secretariat, "{ meetings(first: 1) { nodes { id } } }", json!({})).await;
    data["meetings"]["nodes"][0]["id"].as_str().expect("an id").to_owned()
}

/// An award to an Angolan delegate; returns its id.
async fn award(app: &TestApp) -> String {
    let input = json!({ "meeting": meeting(app).await, "state": "AGO", "status": "OFFERED", "delegateName": "A. Delegate", "cost": "4200.00", "currency": "chf" });
    let data = app.data(As::Secretariat, CREATE, json!({ "i": input })).await;
    data["createSponsorshipAward"]["sponsorshipAward"]["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn an_award_is_recorded_and_updated_and_each_reader_sees_its_share() {
    let app = spawn_app_with_demo(0.001).await;
    let id = award(&app).await;

    let change = json!({ "id": id, "version": 1, "status": "ATTENDED", "cost": "4550.25", "delegateName": null });
    let data = app.data(As::Secretariat, UPDATE, json!({ "i": change })).await;
    assert_eq!(data["updateSponsorshipAward"]["sponsorshipAward"]["cost"], "4550.25");

    let read = app.data(As::Wgtu, READ, json!({ "id": id })).await;
    assert_eq!(read["node"]["status"], "ATTENDED");
    assert_eq!(read["node"]["delegateName"], Value::Null);
    assert_eq!(read["node"]["currency"], "CHF");
    assert_eq!(read["node"]["version"], 2);

    let body = app.gql(As::Partner(1), READ, json!({ "id": id })).await;
    assert_eq!(body["data"]["node"]["status"], "ATTENDED");
    assert_eq!(body["data"]["node"]["cost"], Value::Null);
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "{body}");
}

#[tokio::test]
async fn a_stale_award_version_is_a_conflict_and_overwrites_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let id = award(&app).await;
    app.data(As::Secretariat, UPDATE, json!({ "i": { "id": id, "version": 1, "status": "ACCEPTED" } })).await;
    let before = rows(&app).await;

    let body = app.gql(As::Secretariat, UPDATE, json!({ "i": { "id": id, "version": 1, "status": "DECLINED" } })).await;

    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(app.data(As::Wgtu, READ, json!({ "id": id })).await["node"]["status"], "ACCEPTED");
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn invalid_awards_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let id = award(&app).await;
    let before = rows(&app).await;

    let input = json!({ "meeting": api::node::global_id("State", 1).to_string(), "state": "Angola", "status": "OFFERED", "delegateName": "x".repeat(201), "cost": "-1.00", "currency": "Swiss francs" });
    let body = app.gql(As::Secretariat, CREATE, json!({ "i": input })).await;
    assert_eq!(
        error_fields(&body),
        ["input.cost", "input.currency", "input.delegateName", "input.meeting", "input.state"],
        "{body}"
    );

    let change = json!({ "id": id, "version": 1, "cost": "-0.01", "currency": "" });
    let body = app.gql(As::Secretariat, UPDATE, json!({ "i": change })).await;
    assert_eq!(error_fields(&body), ["input.cost", "input.currency"], "{body}");

    assert_eq!(rows(&app).await, before);
}
