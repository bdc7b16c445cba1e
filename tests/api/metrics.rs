//! `GET /metrics`: operations counted by name and outcome, latencies, refusals, audit events
//! and the database pool, in the Prometheus text format.

use serde_json::json;

use crate::helpers::{As, TestApp, spawn_app_with, spawn_app_with_demo};

/// The metrics text.
async fn scrape(app: &TestApp) -> String {
    let resp = app.client.get(app.url("/metrics")).send().await.expect("a response");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    resp.text().await.expect("text")
}

/// The value of one series (`name{labels}`), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn requests(text: &str, operation: &str, outcome: &str) -> f64 {
    sample(text, &format!("att_requests_total{{operation=\"{operation}\",outcome=\"{outcome}\"}}")).unwrap_or(0.0)
}

#[tokio::test]
async fn operations_are_counted_by_name_and_outcome() {
    let app = spawn_app_with_demo(0.001).await;

    app.data(As::Anonymous, "query Dashboard { states(first: 2) { totalCount } }", json!({})).await;
    app.data(As::Anonymous, "query Dashboard { states(first: 3) { totalCount } }", json!({})).await;
    app.data(As::Anonymous, "{ me { role } }", json!({})).await;
    app.gql(As::Partner(1), r#"query Tiers { state(iso3: "AGO") { currentAssessment { tier } } }"#, json!({})).await;
    app.gql(As::Anonymous, "query Broken { states(", json!({})).await;
    let bad_token = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth("not-a-token")
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(bad_token.status(), 401);
    let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "00" } } });
    app.client.post(app.url("/graphql")).json(&by_hash).send().await.expect("a response");
    let graphiql = app.client.get(app.url("/graphql")).send().await.expect("a response");
    assert_eq!(graphiql.status(), 200);

    let text = scrape(&app).await;

    assert_eq!(requests(&text, "Dashboard", "OK"), 2.0, "{text}");
    assert_eq!(requests(&text, "anonymous", "OK"), 1.0, "an unnamed operation: {text}");
    assert_eq!(requests(&text, "Tiers", "FORBIDDEN"), 1.0, "{text}");
    assert_eq!(requests(&text, "Broken", "GRAPHQL_PARSE_FAILED"), 1.0, "{text}");
    assert_eq!(requests(&text, "anonymous", "UNAUTHENTICATED"), 1.0, "refused before it was read: {text}");
    assert_eq!(requests(&text, "anonymous", "PERSISTED_QUERY_NOT_FOUND"), 1.0, "{text}");
    let counted: f64 = text
        .lines()
        .filter(|l| l.starts_with("att_requests_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(counted, 7.0, "GraphiQL's page is not an operation: {text}");

    assert_eq!(sample(&text, "att_request_duration_seconds_count{operation=\"Dashboard\"}"), Some(2.0), "{text}");
    assert_eq!(sample(&text, "att_request_duration_seconds_bucket{operation=\"Dashboard\",le=\"+Inf\"}"), Some(2.0));
    assert_eq!(sample(&text, "att_http_request_duration_seconds_count{route=\"/graphql\"}"), Some(8.0), "{text}");
    assert!(sample(&text, "att_db_statements_total").is_some_and(|n| n > 0.0), "{text}");
    assert!(sample(&text, "att_db_pool_connections{state=\"idle\"}").is_some(), "{text}");
    assert!(sample(&text, "att_db_pool_connections{state=\"in_use\"}").is_some(), "{text}");
    assert_eq!(sample(&text, "att_db_pool_max_connections"), Some(8.0), "the test pool's size: {text}");
    for family in
        ["att_requests_total counter", "att_request_duration_seconds histogram", "att_rate_limited_total counter"]
    {
        assert!(text.contains(&format!("# TYPE {family}\n")), "{family}: {text}");
    }
}

#[tokio::test]
async fn audit_events_are_counted_as_they_are_written() {
    let app = spawn_app_with_demo(0.001).await;
    let before = scrape(&app).await;
    assert_eq!(sample(&before, "att_audit_events_total{kind=\"read\"}"), Some(0.0));

    app.data(As::Wgtu, r#"{ state(iso3: "AGO") { currentAssessment { tier } } }"#, json!({})).await;
    let create =
        "mutation($i: CreateActivityReportInput!) { createActivityReport(input: $i) { activityReport { id } } }";
    let input = json!({ "title": "Counted", "description": "x", "activityType": "TRAINING", "status": "PLANNED", "startDate": "2026-12-01", "endDate": "2026-12-02", "targetStates": ["AGO"] });
    app.data(As::Partner(1), create, json!({ "i": input })).await;

    let text = scrape(&app).await;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let written = entity::audit_event::Entity::find().count(&app.db).await.expect("a count") as f64;
    let reads = sample(&text, "att_audit_events_total{kind=\"read\"}").unwrap_or_default();
    let mutations = sample(&text, "att_audit_events_total{kind=\"mutation\"}").unwrap_or_default();
    assert!(reads >= 1.0, "{text}");
    assert_eq!(mutations, 1.0, "{text}");
    assert_eq!(reads + mutations, written, "the metrics count what the audit trail holds: {text}");
}

#[tokio::test]
async fn a_rate_limited_request_is_counted() {
    let app = spawn_app_with(|c| {
        c.limits.rate_limit_per_sec = 1;
        c.limits.rate_limit_burst = 300;
    })
    .await;
    let query = "query Big { states(first: 100) { nodes { iso3 name attStatus } } }";

    let mut allowed = 0.0;
    loop {
        let (status, body) = app.post(As::Wgtu, query, json!({})).await;
        if status == 429 {
            break;
        }
        assert_eq!(status, 200, "{body}");
        allowed += 1.0;
        assert!(allowed < 10.0, "the budget never ran out");
    }

    let text = scrape(&app).await;
    assert_eq!(requests(&text, "Big", "OK"), allowed, "{text}");
    assert_eq!(requests(&text, "Big", "RATE_LIMITED"), 1.0, "{text}");
    assert_eq!(sample(&text, "att_rate_limited_total"), Some(1.0), "{text}");
}

#[tokio::test]
async fn metrics_can_be_switched_off() {
    let app = spawn_app_with(|c| c.metrics = false).await;

    let resp = app.client.get(app.url("/metrics")).send().await.expect("a response");

    assert_eq!(resp.status(), 404);
}
