//! The audit trail: SENSITIVE reads and mutations are recorded (who, what, which record, when,
//! request id), never their values; only the Secretariat reads it.

use serde_json::json;

use crate::helpers::{As, only_error, spawn_app_with_demo};

const EVENTS: &str = "query($rid: String) { auditEvents(first: 100, requestId: $rid) { totalCount nodes { actorSub actorRole action targetType targetId field requestId operation occurredAt } } }";

#[tokio::test]
async fn sensitive_reads_and_mutations_are_recorded_without_values() {
    let app = spawn_app_with_demo(0.01).await;

    // A SENSITIVE read by the WGTU, with a request id to find it by.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(As::Wgtu.token().expect("a token"))
        .header("x-request-id", "audit-test-read-1")
        .json(&json!({ "query": r#"query Dossier { state(iso3: "AGO") { name currentAssessment { tier challenges } } }"#, "operationName": "Dossier" }))
        .send()
        .await
        .expect("a response");
    assert_eq!(resp.status(), 200);
    let read: serde_json::Value = resp.json().await.expect("json");
    assert!(read["data"]["state"]["currentAssessment"]["tier"].is_i64());

    let data = app.data(As::Secretariat, EVENTS, json!({ "rid": "audit-test-read-1" })).await;
    let events = data["auditEvents"]["nodes"].as_array().expect("events");
    let fields: Vec<(&str, &str)> =
        events.iter().map(|e| (e["targetType"].as_str().expect("type"), e["field"].as_str().expect("field"))).collect();
    assert!(fields.contains(&("State", "currentAssessment")), "{fields:?}");
    assert!(fields.contains(&("Assessment", "tier")), "{fields:?}");
    assert!(fields.contains(&("Assessment", "challenges")), "{fields:?}");
    assert!(!fields.iter().any(|(_, f)| *f == "name"), "PUBLIC reads are not audited");
    for e in events {
        assert_eq!(e["actorSub"], "wgtu-user");
        assert_eq!(e["actorRole"], "WGTU");
        assert_eq!(e["action"], "READ");
        assert_eq!(e["operation"], "Dossier");
        assert!(e["targetId"].is_string(), "which record");
        assert!(e["occurredAt"].is_string(), "when");
    }
    // The table has no place for values: check no column holds the tier read.
    let row_text = format!("{events:?}");
    assert!(!row_text.contains("Synthetic challenges"), "no value is recorded");

    // A mutation is recorded with its name and record.
    let m = "mutation($i: CreateSupportNeedInput!) { createSupportNeed(input: $i) { supportNeed { id } } }";
    let created = app
        .data(As::Wgtu, m, json!({ "i": { "state": "AGO", "category": "LEGAL", "description": "Drafting assistance", "status": "OPEN", "sharedWithPartners": false } }))
        .await;
    let need = created["createSupportNeed"]["supportNeed"]["id"].as_str().expect("an id").to_owned();
    let q =
        r#"{ auditEvents(first: 100, action: "createSupportNeed") { nodes { actorRole targetType targetId field } } }"#;
    let data = app.data(As::Secretariat, q, json!({})).await;
    let events = data["auditEvents"]["nodes"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["targetType"], "SupportNeed");
    assert_eq!(events[0]["targetId"], need.as_str());
    assert_eq!(events[0]["field"], serde_json::Value::Null);
}

#[tokio::test]
async fn only_the_secretariat_reads_the_audit_trail() {
    let app = spawn_app_with_demo(0.001).await;
    app.data(As::Wgtu, r#"{ state(iso3: "AGO") { currentAssessment { tier } } }"#, json!({})).await;

    for who in [As::Anonymous, As::Partner(1), As::VtfCommittee, As::Wgtu] {
        let body = app.gql(who, EVENTS, json!({})).await;
        assert_eq!(only_error(&body), ("FORBIDDEN".into(), "auditEvents".into()), "{who:?}");
    }
    let data = app.data(As::Secretariat, EVENTS, json!({})).await;
    assert!(data["auditEvents"]["totalCount"].as_i64().expect("a count") > 0);
}
