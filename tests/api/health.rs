use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_and_readyz_follows_the_database() {
    let app = spawn_app().await;

    let health = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"), "every response carries a request id");

    // The database goes away: readiness says so, liveness does not change.
    app.db.close_by_ref().await.expect("close the pool");
    let ready = app.client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let health = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_well_formed_request_id_is_echoed_and_a_forged_one_replaced() {
    let app = spawn_app().await;

    let resp =
        app.client.get(app.url("/healthz")).header("x-request-id", "job-42.retry_1").send().await.expect("healthz");
    assert_eq!(resp.headers()["x-request-id"], "job-42.retry_1");

    let resp = app.client.get(app.url("/healthz")).header("x-request-id", "a b\"c").send().await.expect("healthz");
    let id = resp.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_ne!(id, "a b\"c");
    assert_eq!(id.len(), 36, "a generated UUID: {id}");
}
