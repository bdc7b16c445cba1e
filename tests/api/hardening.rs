//! Abuse, refused cheaply and clearly: each attack ends with its code, and nothing is written.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with, spawn_app_with_demo};

const CREATE: &str =
    "mutation($i: CreateActivityReportInput!) { createActivityReport(input: $i) { activityReport { id } } }";

fn report() -> Value {
    json!({ "title": "Abuse", "description": "x", "activityType": "TRAINING", "status": "PLANNED", "startDate": "2026-12-01", "endDate": "2026-12-02", "targetStates": ["AGO"] })
}

async fn reports(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::activity_report::Entity::find().count(&app.db).await.expect("a count")
}

async fn code_of(resp: reqwest::Response) -> (u16, String, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>").to_owned();
    (status, code, body)
}

fn partner_token() -> String {
    As::Partner(1).token().expect("a token")
}

#[tokio::test]
async fn mutations_sent_by_get_are_refused() {
    let app = spawn_app_with_demo(0.001).await;
    let before = reports(&app).await;
    let query = r#"mutation { createActivityReport(input: { title: "x", description: "x", activityType: TRAINING, status: PLANNED, startDate: "2026-12-01", endDate: "2026-12-02", targetStates: ["AGO"] }) { activityReport { id } } }"#;

    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)])
        .bearer_auth(partner_token())
        .send()
        .await
        .expect("a response");

    assert_eq!(resp.headers().get("allow").map(|v| v.to_str().unwrap_or("")), Some("POST"));
    let (status, code, _) = code_of(resp).await;
    assert_eq!((status, code.as_str()), (405, "BAD_REQUEST"));
    assert_eq!(reports(&app).await, before);

    // Queries by GET are fine.
    let resp =
        app.client.get(app.url("/graphql")).query(&[("query", "{ me { role } }")]).send().await.expect("a response");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn mutations_posted_as_forms_or_plain_text_are_refused() {
    let app = spawn_app_with_demo(0.001).await;
    let before = reports(&app).await;
    let body = json!({ "query": CREATE, "variables": { "i": report() } }).to_string();

    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .bearer_auth(partner_token())
            .body(body.clone())
            .send()
            .await
            .expect("a response");
        let (status, code, _) = code_of(resp).await;
        assert_eq!((status, code.as_str()), (415, "BAD_REQUEST"), "{content_type}");
    }
    assert_eq!(reports(&app).await, before);
}

/// Posts `body` to `/graphql` as JSON, exactly as written.
async fn post_text(app: &TestApp, body: &'static str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("a response")
}

#[tokio::test]
async fn bodies_that_are_not_a_request_or_a_non_empty_batch_are_refused_saying_why() {
    let app = spawn_app_with_demo(0.001).await;
    let cases = [
        ("[]", "non-empty"),
        (" [ ] ", "non-empty"),
        (r#"{"query": 5}"#, "invalid type"),
        (r#"[{"query": "{ me { role } }"}, {"variables": []}]"#, "invalid type"),
        ("42", "invalid type"),
        ("", "EOF"),
        (r#"{"query": "{ me { role } }""#, "EOF"),
    ];
    for (body, says) in cases {
        let (status, code, answer) = code_of(post_text(&app, body).await).await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert_eq!((status, code.as_str()), (400, "BAD_REQUEST"), "{body:?}: {answer}");
        assert!(
            message.starts_with("the body is not a GraphQL request") && message.contains(says),
            "{body:?}: {message}"
        );
    }

    // With whitespace around them, a request and a batch are read as usual.
    for body in [" \n{\"query\": \"{ me { role } }\"}\n", "\t[{\"query\": \"{ me { role } }\"}] "] {
        let resp = post_text(&app, body).await;
        let status = resp.status().as_u16();
        let answer: Value = resp.json().await.unwrap_or(Value::Null);
        let role = if body.trim_start().starts_with('[') { &answer[0] } else { &answer };
        assert_eq!((status, role["data"]["me"]["role"].as_str()), (200, Some("ANONYMOUS")), "{body:?}: {answer}");
    }
}

#[tokio::test]
async fn batches_are_bounded_and_hold_no_mutations() {
    let app = spawn_app_with_demo(0.001).await;
    let before = reports(&app).await;
    let mutation = json!({ "query": "mutation { withdrawActivityReport(input: { id: \"QWN0aXZpdHlSZXBvcnQ6MQ\" }) { activityReport { id } } }" });

    let thousand: Vec<Value> = (0..1000).map(|_| mutation.clone()).collect();
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&thousand)
        .send()
        .await
        .expect("a response");
    let (status, code, body) = code_of(resp).await;
    assert_eq!((status, code.as_str()), (400, "QUERY_TOO_COMPLEX"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("limit of 10"));

    let three = vec![mutation.clone(), mutation.clone(), mutation];
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&three)
        .send()
        .await
        .expect("a response");
    let (status, code, _) = code_of(resp).await;
    assert_eq!((status, code.as_str()), (400, "QUERY_TOO_COMPLEX"));
    assert_eq!(reports(&app).await, before);

    // A small batch of queries runs.
    let queries =
        vec![json!({ "query": "{ me { role } }" }), json!({ "query": "{ states(first: 1) { totalCount } }" })];
    let resp = app.client.post(app.url("/graphql")).json(&queries).send().await.expect("a response");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body[1]["data"]["states"]["totalCount"], 195);
}

#[tokio::test]
async fn thousands_of_aliases_fields_or_directives_are_refused_before_anything_runs() {
    let app = spawn_app_with_demo(0.001).await;
    let statements = app.statements.get();
    let aliases: String = (0..5000).map(|i| format!("a{i}: me {{ role }} ")).collect();
    let repeats = "role ".repeat(20_000);
    let directives = "@unknown ".repeat(20_000);
    let cases = [
        (format!("{{ {aliases} }}"), "number of aliases"),
        (format!("{{ me {{ {repeats} }} }}"), "number of repeats of one field"),
        (format!("{{ me {{ role {directives} }} }}"), "number of directives"),
        ("{ states(first: 100) { nodes { activityReports(first: 100) { nodes { targetStates { activityReports(first: 100) { nodes { title } } } } } } } }".to_owned(), "complexity"),
        ("{ me { organization { activityReports { nodes { organization { activityReports { nodes { organization { activityReports { nodes { organization { activityReports { nodes { title } } } } } } } } } } } } } }".to_owned(), "depth"),
    ];
    for (query, limit) in cases {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(partner_token())
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("a response");
        let bytes = resp.content_length().unwrap_or(0);
        let (status, code, body) = code_of(resp).await;
        assert_eq!((status, code.as_str()), (200, "QUERY_TOO_COMPLEX"), "{limit}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["limit"], limit);
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "one error, not one per offence");
        assert!(bytes < 2_000, "{limit}: a short answer ({bytes} bytes)");
    }
    let ids: Vec<String> = (1..=101).map(|i| api::node::global_id("State", i).to_string()).collect();
    let body = app.gql(As::Anonymous, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // Refused before any resolver: the database was not asked anything beyond authentication.
    assert!(app.statements.get() - statements <= 6, "{} statements", app.statements.get() - statements);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app_with_demo(0.001).await;
    let before = reports(&app).await;
    let mut input = report();
    input["description"] = json!("x".repeat(20 * 1024 * 1024));

    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&json!({ "query": CREATE, "variables": { "i": input } }))
        .send()
        .await
        .expect("a response");

    let (status, code, body) = code_of(resp).await;
    assert_eq!((status, code.as_str()), (413, "BAD_REQUEST"), "{body}");
    assert_eq!(reports(&app).await, before);
}

#[tokio::test]
async fn suggestions_and_introspection_are_for_authenticated_callers() {
    let app = spawn_app_with_demo(0.001).await;

    let anonymous = app.gql(As::Anonymous, "{ statez { totalCount } }", json!({})).await;
    assert!(!anonymous["errors"][0]["message"].as_str().unwrap_or("").contains("Did you mean"), "{anonymous}");
    let partner = app.gql(As::Partner(1), "{ statez { totalCount } }", json!({})).await;
    assert!(partner["errors"][0]["message"].as_str().unwrap_or("").contains("Did you mean"), "{partner}");

    let introspection = "{ __schema { queryType { name } } }";
    let body = app.gql(As::Anonymous, introspection, json!({})).await;
    assert_eq!(body["data"]["__schema"], Value::Null, "no introspection for anonymous callers: {body}");
    let data = app.data(As::Partner(1), introspection, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn a_caller_over_budget_is_rate_limited_until_its_budget_refills() {
    let app = spawn_app_with(|c| {
        c.limits.rate_limit_per_sec = 1;
        c.limits.rate_limit_burst = 500;
    })
    .await;
    api::seed::load_demo_if_empty(&app.db, 0.001, false).await.expect("demo data");

    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&json!({ "query": "{ rateLimit { limit remaining cost } states(first: 100) { nodes { iso3 name } } }" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["ratelimit-limit"], "500");
    let remaining: u64 = resp.headers()["ratelimit-remaining"].to_str().expect("ascii").parse().expect("a number");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["rateLimit"]["remaining"], remaining);
    assert!(body["data"]["rateLimit"]["cost"].as_u64() > Some(100));

    let before = reports(&app).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&json!({ "query": "{ states(first: 100) { nodes { iso3 name attStatus } } }" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!(retry > 0);
    let (_, code, body) = code_of(resp).await;
    assert_eq!(code, "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(reports(&app).await, before);

    // Another caller has its own budget.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(As::Wgtu.token().expect("a token"))
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_request_over_time_ends_with_408_and_writes_nothing() {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    let app = spawn_app_with(|c| c.limits.request_timeout_secs = 1).await;
    api::seed::load_demo_if_empty(&app.db, 0.001, false).await.expect("demo data");
    let before = reports(&app).await;

    // Hold the write lock so that the mutation waits past its time.
    let blocker = app.db.begin().await.expect("a transaction");
    match app.db.get_database_backend() {
        DbBackend::Postgres => blocker.execute_unprepared("LOCK TABLE activity_reports IN ACCESS EXCLUSIVE MODE").await.expect("lock"),
        _ => blocker.execute_unprepared("INSERT INTO idempotency_records (principal, key, operation, request_hash, target_type, target_id, created_at) VALUES ('x', 'lock', 'x', 'x', 'x', 0, '2026-01-01T00:00:00Z')").await.expect("lock"),
    };

    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(partner_token())
        .json(&json!({ "query": CREATE, "variables": { "i": report() } }))
        .send()
        .await
        .expect("a response");

    let (status, code, _) = code_of(resp).await;
    assert_eq!((status, code.as_str()), (408, "TIMEOUT"));
    blocker.rollback().await.expect("release");
    assert_eq!(reports(&app).await, before, "the timed-out mutation left nothing behind");
}

#[tokio::test]
async fn every_response_carries_security_headers_and_cors_is_closed_by_default() {
    let app = spawn_app_with_demo(0.001).await;

    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example")
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .expect("a response");
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["content-security-policy"].to_str().expect("ascii").contains("default-src 'none'"));
    assert!(h.get("access-control-allow-origin").is_none(), "no origin is allowed unless configured");

    let open = spawn_app_with(|c| c.cors_origins = vec!["https://dashboard.example".into()]).await;
    let resp = open
        .client
        .request(reqwest::Method::OPTIONS, open.url("/graphql"))
        .header("origin", "https://dashboard.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.headers()["access-control-allow-origin"], "https://dashboard.example");
}

#[tokio::test]
async fn responses_are_gzipped_only_for_clients_that_accept_it() {
    let app = spawn_app_with_demo(0.001).await;
    let body = json!({ "query": "{ states(first: 100) { nodes { iso3 name } } }" });

    for (accept, encoding) in [(Some("gzip"), Some("gzip")), (None, None)] {
        let mut request = app.client.post(app.url("/graphql")).json(&body);
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        let resp = request.send().await.expect("a response");

        let h = resp.headers();
        assert_eq!(h.get("content-encoding").and_then(|v| v.to_str().ok()), encoding, "accepting {accept:?}");
        assert_eq!(h["x-content-type-options"], "nosniff", "the security headers are set either way");
        let bytes = resp.bytes().await.expect("the body");
        if encoding.is_some() {
            assert_eq!(bytes.get(..2), Some(&[0x1f, 0x8b][..]), "a gzip stream");
        } else {
            let answer: Value = serde_json::from_slice(&bytes).expect("plain JSON");
            assert!(answer["data"]["states"]["nodes"].as_array().is_some_and(|n| !n.is_empty()), "{answer}");
        }
    }
}

#[tokio::test]
async fn queries_that_do_not_parse_or_fit_the_schema_have_their_own_codes() {
    let app = spawn_app_with_demo(0.001).await;

    let cases = [
        ("{ states { totalCount ", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ statez { totalCount } }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int) { states(first: $n) { totalCount } }", json!({ "n": "ten" }), "GRAPHQL_VALIDATION_FAILED"),
        ("query A { me { role } } query B { me { role } }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        // A value of the right kind that its scalar refuses is the field's input, named by its path.
        ("{ states(updatedSince: \"yesterday\") { totalCount } }", json!({}), "BAD_USER_INPUT"),
    ];
    for (query, variables, want) in cases {
        let body = app.gql(As::Partner(1), query, variables).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], want, "{query}: {body}");
        assert_eq!(body["data"], Value::Null, "nothing ran for {query}: {body}");
    }
}

#[tokio::test]
async fn a_forbidden_field_is_null_even_when_it_is_all_its_object_asked_for() {
    let app = spawn_app_with_demo(0.001).await;

    let body = app.gql(As::Partner(1), "{ state(iso3: \"AGO\") { currentAssessment { tier } } }", json!({})).await;
    assert_eq!(body["data"], json!({ "state": { "currentAssessment": null } }), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["state", "currentAssessment"]), "{body}");
}
