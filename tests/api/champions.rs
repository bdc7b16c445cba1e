//! Regional champions (recorded by the Secretariat) and the states they accompany (assigned
//! and ended by the WGTU).

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{As, TestApp, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const CREATE_CHAMPION: &str = "mutation($i: CreateChampionInput!) { createChampion(input: $i) { champion { id version state { iso3 } unRegionalGroup } } }";
const ASSIGN: &str = "mutation($i: CreateChampionAssignmentInput!) { createChampionAssignment(input: $i) { championAssignment { id version state { iso3 } } } }";
const UPDATE_ASSIGNMENT: &str = "mutation($i: UpdateChampionAssignmentInput!) { updateChampionAssignment(input: $i) { championAssignment { id version note } } }";
const END: &str = "mutation($i: EndChampionAssignmentInput!) { endChampionAssignment(input: $i) { endedAssignmentId champion { accompaniedStates { state { iso3 } } } } }";

/// Ghana, a State Party of the African Group, as a volunteer champion; returns its id.
async fn ghana(app: &TestApp) -> String {
    let input = json!({ "state": "GHA", "unRegionalGroup": "AFRICAN", "kind": "VOLUNTEER", "termStart": "2026-08-29", "termEnd": "2027-08-27" });
    let data = app.data(As::Secretariat, CREATE_CHAMPION, json!({ "i": input })).await;
    data["createChampion"]["champion"]["id"].as_str().expect("an id").to_owned()
}

/// Ghana accompanying Angola; returns (id, version).
async fn assign(app: &TestApp, champion: &str) -> (String, i64) {
    let input = json!({ "champion": champion, "state": "AGO", "since": "2026-09-01", "note": "Visit planned" });
    let data = app.data(As::Wgtu, ASSIGN, json!({ "i": input })).await;
    let a = &data["createChampionAssignment"]["championAssignment"];
    (a["id"].as_str().expect("an id").to_owned(), a["version"].as_i64().expect("a version"))
}

#[tokio::test]
async fn the_wgtu_assigns_a_champion_to_a_state_and_ends_it_with_an_audit_record() {
    let app = spawn_app_with_demo(0.001).await;
    let champion = ghana(&app).await;
    let (id, version) = assign(&app, &champion).await;

    // The same accompaniment twice is refused.
    let again = json!({ "champion": champion, "state": "AGO", "since": "2026-10-01" });
    let body = app.gql(As::Wgtu, ASSIGN, json!({ "i": again })).await;
    assert_eq!(error_fields(&body), ["input.state"], "{body}");

    let data = app.data(As::Wgtu, END, json!({ "i": { "id": id, "version": version } })).await;
    assert_eq!(data["endChampionAssignment"]["endedAssignmentId"], id.as_str());
    assert_eq!(data["endChampionAssignment"]["champion"]["accompaniedStates"], json!([]));

    let ended = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("endChampionAssignment"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(ended, 1);
    let body = app.gql(As::Wgtu, END, json!({ "i": { "id": id, "version": version } })).await;
    assert_eq!(only_error(&body).0, "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn a_stale_assignment_version_is_a_conflict_and_neither_edits_nor_ends_it() {
    let app = spawn_app_with_demo(0.001).await;
    let champion = ghana(&app).await;
    let (id, version) = assign(&app, &champion).await;
    app.data(As::Wgtu, UPDATE_ASSIGNMENT, json!({ "i": { "id": id, "version": version, "note": "Met in Geneva" } }))
        .await;
    let before = rows(&app).await;

    let body = app
        .gql(As::Secretariat, UPDATE_ASSIGNMENT, json!({ "i": { "id": id, "version": version, "note": null } }))
        .await;
    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], version + 1);

    let body = app.gql(As::Wgtu, END, json!({ "i": { "id": id, "version": version } })).await;
    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");

    assert_eq!(rows(&app).await, before);
    let q = "query($id: ID!) { node(id: $id) { ... on ChampionAssignment { note } } }";
    assert_eq!(app.data(As::Wgtu, q, json!({ "id": id })).await["node"]["note"], "Met in Geneva");
}

#[tokio::test]
async fn invalid_champions_and_assignments_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;

    // Angola is a signatory, not a State Party; the term ends before it starts.
    let input = json!({ "state": "AGO", "unRegionalGroup": "AFRICAN", "kind": "VOLUNTEER", "termStart": "2027-08-27", "termEnd": "2026-08-29" });
    let body = app.gql(As::Secretariat, CREATE_CHAMPION, json!({ "i": input })).await;
    assert_eq!(error_fields(&body), ["input.state", "input.termEnd"], "{body}");

    // Ghana champions in the African Group, not another.
    let input = json!({ "state": "GHA", "unRegionalGroup": "ASIA_PACIFIC", "kind": "VOLUNTEER", "termStart": "2026-08-29", "termEnd": "2027-08-27" });
    let body = app.gql(As::Secretariat, CREATE_CHAMPION, json!({ "i": input })).await;
    assert_eq!(error_fields(&body), ["input.unRegionalGroup"], "{body}");

    let input = json!({ "champion": api::node::global_id("Champion", 999_999).to_string(), "state": "ZZZ", "since": "1900-01-01", "note": "x".repeat(2_001) });
    let body = app.gql(As::Wgtu, ASSIGN, json!({ "i": input })).await;
    assert_eq!(error_fields(&body), ["input.champion", "input.note", "input.since", "input.state"], "{body}");

    assert_eq!(rows(&app).await, before);
}
