//! What the server logs: one line per request with its id, errors with their detail — and
//! never a token or the value of a SENSITIVE or FINANCIAL field.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::json;

use crate::helpers::{As, spawn_app_with_demo};

/// A writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the buffer")).into_owned()
    }
}

/// The process's logs from the first call on, at TRACE. A subscriber scoped to one test
/// thread misses events whose interest other threads cached first, so the capture is global:
/// it also holds the logs of tests running alongside, which must be as clean.
fn capture() -> Captured {
    static CAPTURE: OnceLock<Captured> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let logs = Captured::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
            logs
        })
        .clone()
}

#[tokio::test]
async fn logs_carry_neither_tokens_nor_sensitive_or_financial_values() {
    let logs = capture();
    let app = spawn_app_with_demo(0.001).await;
    let secret = "SECRET-CHALLENGE-7f3a";
    let budget = "987654.32";

    // Write and read SENSITIVE and FINANCIAL values, fail a request on a bad token, and make
    // the database fail a mutation.
    let m = "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { challenges } } }";
    app.data(As::Wgtu, m, json!({ "i": { "state": "AGO", "assessedOn": "2026-11-25", "tier": 2, "processStage": "LEGAL_REVIEW", "challenges": secret, "assessedBy": "WGTU" } }))
        .await;
    let read = app.data(As::Wgtu, r#"{ state(iso3: "AGO") { currentAssessment { challenges } } }"#, json!({})).await;
    assert_eq!(read["state"]["currentAssessment"]["challenges"], secret);
    let report = json!({ "title": "Logged?", "description": "x", "activityType": "TRAINING", "status": "PLANNED", "startDate": "2026-12-01", "endDate": "2026-12-02", "targetStates": ["AGO"], "budget": budget, "currency": "EUR" });
    let created = app.data(As::Partner(1), "mutation($i: CreateActivityReportInput!) { createActivityReport(input: $i) { activityReport { budget } } }", json!({ "i": report })).await;
    assert_eq!(created["createActivityReport"]["activityReport"]["budget"], budget);
    let token = As::Wgtu.token().expect("a token");
    let tampered = format!("{token}x");
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&tampered)
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.status(), 401);
    {
        use sea_orm::ConnectionTrait;
        let sql = match app.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "CREATE FUNCTION no_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$ LANGUAGE plpgsql; CREATE TRIGGER no_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION no_audit();"
            }
            _ => {
                "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;"
            }
        };
        app.db.execute_unprepared(sql).await.expect("install the trigger");
    }
    let failed = app.gql(As::Wgtu, m, json!({ "i": { "state": "AGO", "assessedOn": "2026-11-26", "tier": 1, "processStage": "PARLIAMENT", "challenges": secret, "assessedBy": "WGTU" } })).await;
    assert_eq!(failed["errors"][0]["extensions"]["code"], "INTERNAL");
    let request_id = failed["errors"][0]["extensions"]["requestId"].as_str().expect("a request id").to_owned();

    let text = logs.text();
    assert!(text.contains("request done"), "the capture works");
    assert!(text.contains(&request_id), "the internal error is logged under its request id");
    assert!(text.contains("audit unavailable"), "the internal error's detail is in the log");
    for forbidden in [secret, budget, "987654", token.as_str(), tampered.as_str()] {
        assert!(!text.contains(forbidden), "the log contains {forbidden:?}");
    }
}
