//! Persisted operations and the safelist: registered operations run by hash or name, unknown
//! ones are named clearly, and with the safelist on nothing else runs, not even in part.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app, spawn_app_with};

/// The operations file the repository ships (the scripts' query and a dashboard's).
fn operations_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/operations.graphql")
}

/// The registered operations by name: (hash, normalised text).
fn registered() -> std::collections::HashMap<String, (String, String)> {
    let ops = api::http::persisted::PersistedOperations::load(&operations_file(), false).expect("the file loads");
    ops.operations().iter().map(|op| (op.name.clone(), (op.sha256.clone(), op.document.clone()))).collect()
}

fn hash_of(name: &str) -> String {
    registered().remove(name).expect("registered").0
}

async fn spawn(safelist: bool) -> TestApp {
    let app = spawn_app_with(|c| {
        c.persisted_operations = Some(operations_file());
        c.safelist = safelist;
    })
    .await;
    api::seed::load_demo_if_empty(&app.db, 0.001, false).await.expect("demo data");
    app
}

/// POSTs a raw body as `who`; returns the status and the JSON body.
async fn send(app: &TestApp, who: As, body: Value) -> (u16, Value) {
    let mut req = app.client.post(app.url("/graphql")).json(&body);
    if let Some(t) = who.token() {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("a response");
    (resp.status().as_u16(), resp.json().await.expect("a JSON body"))
}

/// GETs `/graphql` with these query-string parameters.
async fn get(app: &TestApp, params: &[(&str, String)]) -> (u16, Value) {
    let resp = app.client.get(app.url("/graphql")).query(params).send().await.expect("a response");
    (resp.status().as_u16(), resp.json().await.expect("a JSON body"))
}

fn persisted(hash: Option<&str>) -> Value {
    match hash {
        Some(h) => json!({ "persistedQuery": { "version": 1, "sha256Hash": h } }),
        None => json!({ "persistedQuery": { "version": 1 } }),
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

const SIGNATORIES: &str = "query StatesByStatus($status: AttStatus!, $first: Int = 100, $after: String) { states(attStatus: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ...StateSummary } } } fragment StateSummary on State { iso3 name attStatus unRegionalGroup }";

#[tokio::test]
async fn a_persisted_operation_runs_by_hash_as_its_text_would() {
    let app = spawn(false).await;
    let variables = json!({ "status": "SIGNATORY", "first": 5 });
    let by_text = app.data(As::Anonymous, SIGNATORIES, variables.clone()).await;

    let (status, body) = send(
        &app,
        As::Anonymous,
        json!({ "variables": variables, "extensions": persisted(Some(&hash_of("StatesByStatus"))) }),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"], by_text);
    assert_eq!(by_text["states"]["totalCount"], 25);
}

#[tokio::test]
async fn an_unknown_hash_is_persisted_query_not_found_and_the_text_with_its_hash_runs() {
    // No file at all: Apollo clients send the hash first, then the text with it.
    let app = spawn_app().await;
    let text = "query Me { me { role } }";
    let hash = api::http::persisted::sha256_hex(text);

    let (status, body) = send(&app, As::Wgtu, json!({ "extensions": persisted(Some(&hash)) })).await;
    assert_eq!(status, 200, "Apollo clients retry with the text only after a 200: {body}");
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "the message Apollo clients look for");

    let (status, body) = send(&app, As::Wgtu, json!({ "query": text, "extensions": persisted(Some(&hash)) })).await;
    assert_eq!((status, &body["data"]["me"]["role"]), (200, &json!("WGTU")), "{body}");

    let wrong = api::http::persisted::sha256_hex("query Other { me { sub } }");
    let (status, body) = send(&app, As::Wgtu, json!({ "query": text, "extensions": persisted(Some(&wrong)) })).await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "a hash that is not the text's: {body}");
}

#[tokio::test]
async fn a_malformed_persisted_query_is_a_bad_request() {
    let app = spawn(false).await;
    for extensions in [
        json!({ "persistedQuery": "abc" }),
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash_of("Me") } }),
        json!({ "persistedQuery": { "version": 1 } }),
    ] {
        let (status, body) = send(&app, As::Anonymous, json!({ "extensions": extensions })).await;
        assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{extensions}: {body}");
    }
    let (status, body) =
        send(&app, As::Anonymous, json!({ "operationName": "Nope", "extensions": persisted(None) })).await;
    assert_eq!((status, code(&body)), (200, "PERSISTED_QUERY_NOT_FOUND"), "{body}");
    let (status, body) = send(
        &app,
        As::Anonymous,
        json!({ "operationName": "StateProfile", "extensions": persisted(Some(&hash_of("Me"))) }),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "the name and the hash disagree: {body}");
}

#[tokio::test]
async fn with_the_safelist_unregistered_operations_are_refused_before_anything_runs() {
    let app = spawn(true).await;
    let create = r#"mutation { createActivityReport(input: { title: "x", description: "x", activityType: TRAINING, status: PLANNED, startDate: "2026-12-01", endDate: "2026-12-02", targetStates: ["AGO"] }) { activityReport { id } } }"#;
    let attempts = [
        (As::Anonymous, json!({ "query": "{ states(first: 3) { nodes { iso3 } } }" })),
        (As::Secretariat, json!({ "query": "query Me { me { role sub } }" })),
        (As::Secretariat, json!({ "query": create })),
        (As::Secretariat, json!({ "query": "{ __schema { types { name } } }" })),
        (As::Secretariat, json!([{ "query": "query Me { me { role } }" }, { "query": "{ me { sub } }" }])),
    ];
    for (who, body) in attempts {
        let statements = app.statements.get();

        let (status, answer) = send(&app, who, body.clone()).await;

        assert_eq!((status, code(&answer)), (403, "OPERATION_NOT_ALLOWED"), "{body}: {answer}");
        assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("registered")), "{answer}");
        assert_eq!(app.statements.get(), statements, "nothing ran for {body}");
    }

    let statements = app.statements.get();
    let (status, answer) = get(&app, &[("query", "{ states(first: 3) { nodes { iso3 } } }".into())]).await;
    assert_eq!((status, code(&answer)), (403, "OPERATION_NOT_ALLOWED"), "by GET too: {answer}");
    let (status, answer) =
        get(&app, &[("extensions", persisted(Some(&"0".repeat(64))).to_string()), ("variables", "{}".into())]).await;
    assert_eq!((status, code(&answer)), (200, "PERSISTED_QUERY_NOT_FOUND"), "{answer}");
    assert_eq!(app.statements.get(), statements, "nothing ran for GET");
}

#[tokio::test]
async fn with_the_safelist_registered_operations_run_by_name_by_hash_and_as_their_text() {
    let app = spawn(true).await;
    let variables = json!({ "iso3": "GHA" });
    let expect = |body: &Value| {
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["state"]["name"], "Ghana", "{body}");
        assert_eq!(body["data"]["state"]["attStatus"], "STATE_PARTY", "{body}");
    };

    let (status, by_name) = send(
        &app,
        As::Anonymous,
        json!({ "operationName": "StateProfile", "variables": variables, "extensions": persisted(None) }),
    )
    .await;
    assert_eq!(status, 200);
    expect(&by_name);

    let hash = hash_of("StateProfile");
    let (_, by_hash) =
        send(&app, As::Anonymous, json!({ "variables": variables, "extensions": persisted(Some(&hash)) })).await;
    expect(&by_hash);

    // The registered text, however it is laid out, is the registered operation.
    let text = "query StateProfile($iso3: String!) {\n  state(iso3: $iso3) { ...StateSummary, signatureDate entryIntoForceDate }\n}\n# a comment\nfragment StateSummary on State { iso3 name attStatus unRegionalGroup }";
    let (_, as_text) = send(&app, As::Anonymous, json!({ "query": text, "variables": variables })).await;
    expect(&as_text);

    // By GET, as Apollo clients send hashed queries, and by name with `operationName`.
    let (status, by_get) =
        get(&app, &[("variables", variables.to_string()), ("extensions", persisted(Some(&hash)).to_string())]).await;
    assert_eq!(status, 200);
    expect(&by_get);
    let (_, by_get_name) = get(
        &app,
        &[
            ("operationName", "StateProfile".into()),
            ("variables", variables.to_string()),
            ("extensions", persisted(None).to_string()),
        ],
    )
    .await;
    expect(&by_get_name);

    let me = app.data(As::Wgtu, "query Me { me { role } }", json!({})).await;
    assert_eq!(me["me"]["role"], "WGTU");
}

#[tokio::test]
async fn a_persisted_mutation_is_not_run_by_get() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("ops.graphql");
    std::fs::write(
        &file,
        "mutation Withdraw($id: ID!) { withdrawActivityReport(input: { id: $id }) { activityReport { id } } }",
    )
    .expect("the file is written");
    let app = spawn_app_with(|c| c.persisted_operations = Some(file.clone())).await;

    let (status, body) =
        get(&app, &[("operationName", "Withdraw".into()), ("extensions", persisted(None).to_string())]).await;

    assert_eq!((status, code(&body)), (405, "BAD_REQUEST"), "{body}");
}

#[test]
fn the_operations_command_prints_each_operation_with_its_hash() {
    let out = crate::cli::att_coord(&["operations", &operations_file().display().to_string()], &[]);

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(manifest["format"], "apollo-persisted-query-manifest");
    let operations = manifest["operations"].as_array().expect("operations");
    let names: Vec<&str> = operations.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names, ["SyncActivityReports", "StatesByStatus", "StateProfile", "Me"]);
    for op in operations {
        let body = op["body"].as_str().expect("a body");
        assert_eq!(op["id"].as_str(), Some(api::http::persisted::sha256_hex(body).as_str()));
    }
    assert_eq!(operations[1]["body"], api::http::persisted::normalise(SIGNATORIES));
}

#[test]
fn a_bad_operations_file_stops_the_server_with_the_reason() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("ops.graphql");
    std::fs::write(&file, "query A { me { role } }\nquery { me { sub } }").expect("the file is written");
    let path = file.display().to_string();
    let missing = dir.path().join("missing.graphql").display().to_string();

    for (args, hint) in [
        (vec!["operations", path.as_str()], "every operation needs a name"),
        (vec!["operations", missing.as_str()], "cannot read the persisted operations file"),
        (vec!["serve", "--persisted-operations", path.as_str()], "every operation needs a name"),
    ] {
        let out = crate::cli::att_coord(&args, &[("DATABASE_URL", "sqlite::memory:"), ("ATT_BIND", "127.0.0.1:0")]);

        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().last().unwrap_or_default();
        assert!(line.starts_with("error: ") && line.contains(hint), "{args:?}: {err}");
    }

    let out = crate::cli::att_coord(&["serve", "--safelist"], &[("DATABASE_URL", "sqlite::memory:")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--persisted-operations"), "the safelist needs a file");
}
