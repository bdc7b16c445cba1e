//! Relay connections with keyset pagination: every row exactly once, in order, in both
//! directions, and bad paging arguments named.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{As, only_error, spawn_app_with_demo};

const PAGE: &str = "query($after: String) { activityReports(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id startDate updatedAt } } } }";

#[tokio::test]
async fn paging_through_all_50000_reports_returns_each_exactly_once_in_order() {
    let app = spawn_app_with_demo(1.0).await;
    let visible = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::activity_report::Entity::find()
            .filter(entity::activity_report::Column::ReviewStatus.ne(entity::enums::ReviewStatus::Draft))
            .count(&app.db)
            .await
            .expect("a count")
    };
    assert!(visible > 45_000, "scale 1 holds about 50,000 reports ({visible} submitted)");

    let mut seen = HashSet::new();
    let mut previous: Option<(String, i64)> = None;
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app.data(As::Secretariat, PAGE, json!({ "after": after })).await;
        let conn = &data["activityReports"];
        assert_eq!(conn["totalCount"].as_u64(), Some(visible));
        for edge in conn["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            let id = node["id"].as_str().expect("an id").to_owned();
            let (_, n) = api::node::parse_global_id(&id).expect("a global id");
            let key = (node["startDate"].as_str().expect("a date").to_owned(), n);
            if let Some(p) = &previous {
                assert!(key < *p, "latest first, strictly: {key:?} after {p:?}");
            }
            previous = Some(key);
            assert!(seen.insert(id), "a report came twice");
        }
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len() as u64, visible, "every report exactly once");
    assert_eq!(pages, visible.div_ceil(100));
}

#[tokio::test]
async fn pages_read_backwards_are_the_same_pages() {
    let app = spawn_app_with_demo(0.01).await;
    let q = "query($first: Int, $after: String, $last: Int, $before: String) { states(first: $first, after: $after, last: $last, before: $before) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { iso3 } } }";

    let first = app.data(As::Anonymous, q, json!({ "first": 10 })).await;
    let second =
        app.data(As::Anonymous, q, json!({ "first": 10, "after": first["states"]["pageInfo"]["endCursor"] })).await;
    let back =
        app.data(As::Anonymous, q, json!({ "last": 10, "before": second["states"]["pageInfo"]["startCursor"] })).await;

    assert_eq!(back["states"]["nodes"], first["states"]["nodes"]);
    assert_eq!(back["states"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(second["states"]["pageInfo"]["hasPreviousPage"], true);
    let tail = app.data(As::Anonymous, q, json!({ "last": 3 })).await;
    let codes: Vec<&str> =
        tail["states"]["nodes"].as_array().expect("nodes").iter().map(|n| n["iso3"].as_str().expect("iso3")).collect();
    let by_name = {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::state::Entity::find()
            .order_by_asc(entity::state::Column::Name)
            .order_by_asc(entity::state::Column::Id)
            .all(&app.db)
            .await
            .expect("states")
    };
    let expected: Vec<&str> = by_name[by_name.len() - 3..].iter().map(|s| s.iso3.as_str()).collect();
    assert_eq!(codes, expected, "the last three by name, in order");
    assert_eq!(tail["states"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn bad_paging_and_filter_arguments_are_named() {
    let app = spawn_app_with_demo(0.01).await;
    let forged = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("updated|1|2026-01-01T00:00:00Z")
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("query { states(first: 0) { totalCount } }", json!({}), "first"),
        ("query { states(first: 1000) { totalCount } }", json!({}), "first"),
        ("query { states(last: -1) { totalCount } }", json!({}), "last"),
        (r#"query { states(first: 5, after: "not a cursor") { totalCount } }"#, json!({}), "after"),
        ("query($c: String) { states(first: 5, before: $c) { totalCount } }", json!({ "c": forged }), "before"),
        (r#"query { activityReports(first: 5, state: "XXX") { totalCount } }"#, json!({}), "state"),
        (r#"query { activityReports(first: 5, state: "G1") { totalCount } }"#, json!({}), "state"),
        (
            r#"query { activityReports(first: 5, from: "2026-02-01", to: "2026-01-01") { totalCount } }"#,
            json!({}),
            "to",
        ),
        (r#"query { vtfProjects(first: 5, cycle: 1999) { totalCount } }"#, json!({}), "cycle"),
        (
            r#"query { activityReports(first: 5, organization: "U3RhdGU6MQ") { totalCount } }"#,
            json!({}),
            "organization",
        ),
    ];
    for (query, vars, field) in cases {
        let body = app.gql(As::Secretariat, query, vars).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{query}: expected an error, got {body}"));
        assert_eq!(errors.len(), 1, "{query}: {body}");
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{query}: {body}");
        assert_eq!(errors[0]["extensions"]["field"], field, "{query}: {body}");
        assert_eq!(only_error(&body).0, "BAD_USER_INPUT");
    }
}
