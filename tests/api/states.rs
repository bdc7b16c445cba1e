use serde_json::json;

use crate::helpers::{As, only_error, spawn_app_with_demo};

const FIRST_FIVE: &str = "{ states(first: 5) { totalCount edges { cursor node { iso3 iso2 name attStatus unRegionalGroup continent } } pageInfo { hasNextPage endCursor } } }";

#[tokio::test]
async fn anyone_reads_the_public_list_of_states() {
    let app = spawn_app_with_demo(0.01).await;

    let data = app.data(As::Anonymous, FIRST_FIVE, json!({})).await;

    let states = &data["states"];
    assert_eq!(states["totalCount"], 195);
    let names: Vec<&str> =
        states["edges"].as_array().expect("edges").iter().map(|e| e["node"]["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Afghanistan", "Albania", "Algeria", "Andorra", "Angola"]);
    assert_eq!(states["edges"][0]["node"]["iso3"], "AFG");
    assert_eq!(states["edges"][0]["node"]["unRegionalGroup"], "ASIA_PACIFIC");
    assert_eq!(states["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn a_state_is_found_by_its_iso_code_and_an_unknown_code_is_not_found() {
    let app = spawn_app_with_demo(0.01).await;

    let data = app
        .data(As::Anonymous, r#"{ state(iso3: "gbr") { name attStatus consentKind entryIntoForceDate } }"#, json!({}))
        .await;
    assert_eq!(data["state"]["name"], "United Kingdom of Great Britain and Northern Ireland");
    assert_eq!(data["state"]["attStatus"], "STATE_PARTY");
    assert_eq!(data["state"]["entryIntoForceDate"], "2014-12-24");

    let body = app.gql(As::Anonymous, r#"{ state(iso3: "XXX") { name } }"#, json!({})).await;
    assert_eq!(only_error(&body), ("NOT_FOUND".into(), "state".into()));
    let body = app.gql(As::Anonymous, r#"{ state(iso3: "XX1") { name } }"#, json!({})).await;
    assert_eq!(only_error(&body), ("BAD_USER_INPUT".into(), "state".into()));
}

#[tokio::test]
async fn states_filter_by_status_region_and_continent() {
    let app = spawn_app_with_demo(0.01).await;

    let q = "query($s: AttStatus, $g: UnRegionalGroup, $c: Continent) { states(first: 100, attStatus: $s, unRegionalGroup: $g, continent: $c) { totalCount nodes { attStatus unRegionalGroup continent } } }";
    let data = app.data(As::Anonymous, q, json!({ "s": "SIGNATORY" })).await;
    let n = data["states"]["totalCount"].as_i64().expect("count");
    assert!((20..=30).contains(&n), "{n} signatories");
    assert!(data["states"]["nodes"].as_array().expect("nodes").iter().all(|s| s["attStatus"] == "SIGNATORY"));

    let data = app.data(As::Anonymous, q, json!({ "g": "AFRICAN", "c": "AFRICA" })).await;
    assert_eq!(data["states"]["totalCount"], 54);
}
