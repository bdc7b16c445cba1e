//! The Secretariat's advice to states: an ordered pathway of programmes.

use serde_json::json;

use crate::helpers::{As, TestApp, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const CREATE: &str = "mutation($i: CreateAdvisoryConsultationInput!) { createAdvisoryConsultation(input: $i) { advisoryConsultation { id version pathway } } }";
const UPDATE: &str = "mutation($i: UpdateAdvisoryConsultationInput!) { updateAdvisoryConsultation(input: $i) { advisoryConsultation { id version pathway followUp } } }";

/// Advice to Angola: sponsorship first, then the VTF; returns its id.
async fn advise(app: &TestApp) -> String {
    let input = json!({ "state": "AGO", "consultedOn": "2026-11-02", "pathway": ["SPONSORSHIP", "VTF"], "rationale": "Build a delegation's experience first", "followUp": "Call in January" });
    let data = app.data(As::Secretariat, CREATE, json!({ "i": input })).await;
    data["createAdvisoryConsultation"]["advisoryConsultation"]["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn advice_keeps_the_order_of_its_pathway_and_only_the_wgtu_and_secretariat_read_it() {
    let app = spawn_app_with_demo(0.001).await;
    let id = advise(&app).await;

    let change = json!({ "id": id, "version": 1, "pathway": ["UNSCAR", "SPONSORSHIP", "VTF"], "followUp": null });
    let data = app.data(As::Secretariat, UPDATE, json!({ "i": change })).await;
    assert_eq!(
        data["updateAdvisoryConsultation"]["advisoryConsultation"]["pathway"],
        json!(["UNSCAR", "SPONSORSHIP", "VTF"])
    );

    let q = r#"{ state(iso3: "AGO") { consultations { consultedOn pathway followUp } } }"#;
    let read = app.data(As::Wgtu, q, json!({})).await;
    assert_eq!(
        read["state"]["consultations"][0],
        json!({ "consultedOn": "2026-11-02", "pathway": ["UNSCAR", "SPONSORSHIP", "VTF"], "followUp": null })
    );
    let body = app.gql(As::Partner(1), q, json!({})).await;
    assert_eq!(only_error(&body), ("FORBIDDEN".into(), "state.consultations".into()));
}

#[tokio::test]
async fn a_stale_consultation_version_is_a_conflict_and_overwrites_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let id = advise(&app).await;
    app.data(As::Secretariat, UPDATE, json!({ "i": { "id": id, "version": 1, "pathway": ["VTF"] } })).await;
    let before = rows(&app).await;

    let body = app.gql(As::Secretariat, UPDATE, json!({ "i": { "id": id, "version": 1, "pathway": ["OTHER"] } })).await;

    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let q = "query($id: ID!) { node(id: $id) { ... on AdvisoryConsultation { pathway } } }";
    assert_eq!(app.data(As::Wgtu, q, json!({ "id": id })).await["node"]["pathway"], json!(["VTF"]));
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn invalid_advice_is_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let id = advise(&app).await;
    let before = rows(&app).await;

    let input = json!({ "state": "XX", "consultedOn": "1900-01-01", "pathway": [], "rationale": " " });
    let body = app.gql(As::Secretariat, CREATE, json!({ "i": input })).await;
    assert_eq!(error_fields(&body), ["input.consultedOn", "input.pathway", "input.rationale", "input.state"], "{body}");

    let change =
        json!({ "id": id, "version": 1, "pathway": ["VTF", "SPONSORSHIP", "VTF"], "followUp": "x".repeat(2_001) });
    let body = app.gql(As::Secretariat, UPDATE, json!({ "i": change })).await;
    assert_eq!(error_fields(&body), ["input.followUp", "input.pathway[2]"], "{body}");

    assert_eq!(rows(&app).await, before);
}
