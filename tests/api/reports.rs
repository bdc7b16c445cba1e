//! Partners' activity reports end to end over HTTP: the workflow, the visibility rules, and
//! that nothing is lost, written twice, or touched by another organisation.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, codes, only_error, spawn_app_with_demo};

const A: As = As::Partner(1);
const B: As = As::Partner(2);

const CREATE: &str = "mutation($input: CreateActivityReportInput!) { createActivityReport(input: $input) { activityReport { id version reviewStatus title budget } } }";
const UPDATE: &str = "mutation($input: UpdateActivityReportInput!) { updateActivityReport(input: $input) { activityReport { id version title reviewStatus } } }";
const SUBMIT: &str = "mutation($input: ReportTransitionInput!) { submitActivityReport(input: $input) { activityReport { id version reviewStatus } } }";
const WITHDRAW: &str = "mutation($input: ReportTransitionInput!) { withdrawActivityReport(input: $input) { activityReport { id version reviewStatus } } }";
const ACCEPT: &str = "mutation($input: ReviewActivityReportInput!) { acceptActivityReport(input: $input) { activityReport { id version reviewStatus reviewComment } } }";
const RETURN: &str = "mutation($input: ReviewActivityReportInput!) { returnActivityReport(input: $input) { activityReport { id version reviewStatus reviewComment } } }";
const READ: &str =
    "query($id: ID!) { node(id: $id) { ... on ActivityReport { id title version reviewStatus budget } } }";

fn new_report(title: &str) -> Value {
    json!({
        "title": title,
        "description": "A workshop on national control lists [test]",
        "activityType": "WORKSHOP",
        "status": "COMPLETED",
        "startDate": "2026-03-02",
        "endDate": "2026-03-04",
        "targetStates": ["GHA", "TGO"],
        "attThemes": ["Article 5"],
        "participantsTotal": 40,
        "participantsWomen": 18,
        "budget": "12500.00",
        "currency": "USD",
        "fundingSource": "Test donor"
    })
}

/// Variables of a review.
fn review(id: &str) -> Value {
    json!({ "input": { "id": id, "comment": "x" } })
}

/// Variables of a partner's transition.
fn step(id: &str) -> Value {
    json!({ "input": { "id": id } })
}

/// Creates a draft as `who`; returns (id, version).
async fn create(app: &TestApp, who: As, title: &str) -> (String, i64) {
    let data = app.data(who, CREATE, json!({ "input": new_report(title) })).await;
    let r = &data["createActivityReport"]["activityReport"];
    (r["id"].as_str().expect("an id").to_owned(), r["version"].as_i64().expect("a version"))
}

/// The report as the secretariat sees it (drafts included: read from the database).
async fn stored(app: &TestApp, id: &str) -> entity::activity_report::Model {
    use sea_orm::EntityTrait;
    let (_, n) = api::node::parse_global_id(id).expect("a global id");
    entity::activity_report::Entity::find_by_id(n).one(&app.db).await.expect("a query").expect("the report exists")
}

async fn report_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::activity_report::Entity::find().count(&app.db).await.expect("a count")
}

#[tokio::test]
async fn a_report_goes_from_draft_to_accepted_and_only_then_other_partners_see_it() {
    let app = spawn_app_with_demo(0.001).await;

    // A writes a draft: it is A's alone.
    let (id, v1) = create(&app, A, "Control list workshop").await;
    assert_eq!(v1, 1);
    let mine = app.data(A, READ, json!({ "id": id })).await;
    assert_eq!(mine["node"]["reviewStatus"], "DRAFT");
    assert_eq!(mine["node"]["budget"], "12500.00", "a partner reads the budget of its own report");
    for who in [B, As::Secretariat, As::Wgtu] {
        let body = app.gql(who, READ, json!({ "id": id })).await;
        assert_eq!(only_error(&body).0, "NOT_FOUND", "{who:?} must not see A's draft: {body}");
    }

    // A edits it, submits it; the Secretariat returns it with a comment.
    let data = app
        .data(A, UPDATE, json!({ "input": { "id": id, "version": v1, "title": "Control list workshop, Accra" } }))
        .await;
    let v2 = data["updateActivityReport"]["activityReport"]["version"].as_i64().expect("version");
    assert_eq!(v2, 2);
    let data = app.data(A, SUBMIT, json!({ "input": { "id": id } })).await;
    assert_eq!(data["submitActivityReport"]["activityReport"]["reviewStatus"], "SUBMITTED");
    assert_eq!(app.gql(B, READ, json!({ "id": id })).await["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let data =
        app.data(As::Secretariat, RETURN, json!({ "input": { "id": id, "comment": "Please add outcomes" } })).await;
    assert_eq!(data["returnActivityReport"]["activityReport"]["reviewStatus"], "RETURNED");
    assert_eq!(data["returnActivityReport"]["activityReport"]["reviewComment"], "Please add outcomes");

    // A edits the returned report and submits again; the Secretariat accepts.
    let v = app.data(A, READ, json!({ "id": id })).await["node"]["version"].as_i64().expect("version");
    app.data(A, UPDATE, json!({ "input": { "id": id, "version": v, "outcomes": "A draft control list" } })).await;
    app.data(A, SUBMIT, json!({ "input": { "id": id } })).await;
    let data = app.data(As::Secretariat, ACCEPT, json!({ "input": { "id": id } })).await;
    assert_eq!(data["acceptActivityReport"]["activityReport"]["reviewStatus"], "ACCEPTED");

    // Now B sees it, but not its budget.
    let body = app.gql(B, READ, json!({ "id": id })).await;
    assert_eq!(body["data"]["node"]["title"], "Control list workshop, Accra");
    assert_eq!(body["data"]["node"]["budget"], Value::Null);
    assert_eq!(only_error(&body), ("FORBIDDEN".into(), "node.budget".into()));
    let stored = stored(&app, &id).await;
    assert_eq!(stored.reviewed_by.as_deref(), Some("secretariat-user"));
    assert_eq!(stored.organization_id, 1, "the organisation comes from the token, never from input");
}

#[tokio::test]
async fn illegal_transitions_are_refused_saying_the_state_and_change_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, _) = create(&app, A, "Transitions").await;

    // (who, mutation, allowed from DRAFT?)
    let table: [(As, &str, &str); 3] = [
        (As::Secretariat, ACCEPT, "acceptActivityReport"),
        (As::Secretariat, RETURN, "returnActivityReport"),
        (A, SUBMIT, "submitActivityReport"),
    ];
    for (who, mutation, name) in &table[..2] {
        let before = stored(&app, &id).await;
        let body = app.gql(*who, mutation, review(&id)).await;
        // The secretariat does not see drafts at all.
        assert_eq!(only_error(&body).0, "NOT_FOUND", "{name}: {body}");
        assert_eq!(stored(&app, &id).await, before);
    }
    app.data(A, table[2].1, json!({ "input": { "id": id } })).await;

    // Submitted: it cannot be submitted again or edited.
    let before = stored(&app, &id).await;
    let body = app.gql(A, SUBMIT, json!({ "input": { "id": id } })).await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().expect("a message").contains("the report is SUBMITTED"), "{body}");
    let body = app.gql(A, UPDATE, json!({ "input": { "id": id, "version": before.version, "title": "x" } })).await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().expect("a message").contains("SUBMITTED"), "{body}");
    assert_eq!(stored(&app, &id).await, before);

    // Accepted: no review, no withdrawal, no edit.
    app.data(As::Secretariat, ACCEPT, json!({ "input": { "id": id } })).await;
    let before = stored(&app, &id).await;
    for (who, mutation, vars) in [
        (As::Secretariat, ACCEPT, review(&id)),
        (As::Secretariat, RETURN, review(&id)),
        (A, WITHDRAW, step(&id)),
        (A, SUBMIT, step(&id)),
    ] {
        let body = app.gql(who, mutation, vars).await;
        assert_eq!(only_error(&body).0, "BAD_USER_INPUT", "{body}");
        assert!(body["errors"][0]["message"].as_str().expect("a message").contains("ACCEPTED"), "{body}");
    }
    assert_eq!(stored(&app, &id).await, before);

    // Withdrawn is final.
    let (id2, _) = create(&app, A, "To withdraw").await;
    app.data(A, WITHDRAW, json!({ "input": { "id": id2 } })).await;
    let before = stored(&app, &id2).await;
    let body = app.gql(A, SUBMIT, json!({ "input": { "id": id2 } })).await;
    assert!(body["errors"][0]["message"].as_str().expect("a message").contains("WITHDRAWN"), "{body}");
    assert_eq!(stored(&app, &id2).await, before);
}

#[tokio::test]
async fn another_organisation_can_neither_touch_nor_see_a_report() {
    let app = spawn_app_with_demo(0.001).await;
    let (draft, v) = create(&app, A, "A's draft").await;
    let (published, _) = create(&app, A, "A's published report").await;
    app.data(A, SUBMIT, json!({ "input": { "id": published } })).await;
    app.data(As::Secretariat, ACCEPT, json!({ "input": { "id": published } })).await;
    let published_v = stored(&app, &published).await.version;

    let attempts = [
        (UPDATE, json!({ "input": { "id": draft, "version": v, "title": "hijacked" } }), "NOT_FOUND"),
        (SUBMIT, json!({ "input": { "id": draft } }), "NOT_FOUND"),
        (WITHDRAW, json!({ "input": { "id": draft } }), "NOT_FOUND"),
        (READ, json!({ "id": draft }), "NOT_FOUND"),
        (UPDATE, json!({ "input": { "id": published, "version": published_v, "title": "hijacked" } }), "FORBIDDEN"),
        (WITHDRAW, json!({ "input": { "id": published } }), "FORBIDDEN"),
    ];
    let (before_draft, before_published) = (stored(&app, &draft).await, stored(&app, &published).await);
    for (query, vars, code) in attempts {
        let body = app.gql(B, query, vars.clone()).await;
        assert_eq!(only_error(&body).0, code, "{vars}: {body}");
    }
    assert_eq!(stored(&app, &draft).await, before_draft);
    assert_eq!(stored(&app, &published).await, before_published);

    // Lists and counts do not show A's draft to B either.
    let q = r#"{ activityReports(first: 100, organization: "T3JnYW5pemF0aW9uOjE") { totalCount nodes { id } } }"#;
    let theirs = app.data(B, q, json!({})).await;
    let ids: Vec<&str> =
        theirs["activityReports"]["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["id"].as_str()).collect();
    assert!(!ids.contains(&draft.as_str()));
    assert!(ids.contains(&published.as_str()));
    let mine = app.data(A, q, json!({})).await;
    let (all_of_a, accepted_of_a) = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let of_a =
            || entity::activity_report::Entity::find().filter(entity::activity_report::Column::OrganizationId.eq(1));
        let accepted =
            of_a().filter(entity::activity_report::Column::ReviewStatus.eq(entity::enums::ReviewStatus::Accepted));
        (of_a().count(&app.db).await.expect("count"), accepted.count(&app.db).await.expect("count"))
    };
    assert_eq!(mine["activityReports"]["totalCount"].as_u64(), Some(all_of_a), "a partner counts all its own reports");
    assert_eq!(
        theirs["activityReports"]["totalCount"].as_u64(),
        Some(accepted_of_a),
        "and only the accepted ones of others"
    );
}

#[tokio::test]
async fn stale_version_is_a_conflict_and_overwrites_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, v) = create(&app, A, "Versioned").await;
    app.data(A, UPDATE, json!({ "input": { "id": id, "version": v, "title": "first edit" } })).await;

    let body = app.gql(A, UPDATE, json!({ "input": { "id": id, "version": v, "title": "stale edit" } })).await;

    assert_eq!(only_error(&body).0, "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(stored(&app, &id).await.title, "first edit");
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_result_and_writes_once() {
    let app = spawn_app_with_demo(0.001).await;
    let before = report_count(&app).await;
    let mut input = new_report("Idempotent");
    input["idempotencyKey"] = json!("create-0001");

    let first = app.data(A, CREATE, json!({ "input": input })).await;
    let again = app.data(A, CREATE, json!({ "input": input })).await;

    assert_eq!(first, again);
    assert_eq!(report_count(&app).await, before + 1);

    // The same key with another input is a conflict, and writes nothing.
    input["title"] = json!("Something else");
    let body = app.gql(A, CREATE, json!({ "input": input })).await;
    assert_eq!(only_error(&body).0, "CONFLICT");
    assert_eq!(report_count(&app).await, before + 1);

    // Keys belong to their caller: another partner may use the same one.
    let theirs = app.data(B, CREATE, json!({ "input": input })).await;
    assert_ne!(
        theirs["createActivityReport"]["activityReport"]["id"],
        first["createActivityReport"]["activityReport"]["id"]
    );
}

#[tokio::test]
async fn fifty_concurrent_retries_with_one_key_create_one_report() {
    let app = spawn_app_with_demo(0.001).await;
    let before = report_count(&app).await;
    let mut input = new_report("Concurrent");
    input["idempotencyKey"] = json!("burst-42");

    let bodies = join_all((0..50).map(|_| app.gql(A, CREATE, json!({ "input": input.clone() })))).await;

    let ids: Vec<&Value> = bodies.iter().map(|b| &b["data"]["createActivityReport"]["activityReport"]["id"]).collect();
    assert!(bodies.iter().all(|b| b.get("errors").is_none()), "{bodies:?}");
    assert!(ids.iter().all(|id| *id == ids[0]), "every retry gets the first result");
    assert_eq!(report_count(&app).await, before + 1);
}

#[tokio::test]
async fn twenty_concurrent_updates_of_one_version_have_one_winner() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, v) = create(&app, A, "Race").await;

    let bodies = join_all(
        (0..20)
            .map(|i| app.gql(A, UPDATE, json!({ "input": { "id": id, "version": v, "title": format!("edit {i}") } }))),
    )
    .await;

    let winners: Vec<&Value> = bodies.iter().filter(|b| b.get("errors").is_none()).collect();
    assert_eq!(winners.len(), 1, "{bodies:?}");
    let conflicts = bodies.iter().filter(|b| codes(b) == ["CONFLICT"]).count();
    assert_eq!(conflicts, 19);
    let title = winners[0]["data"]["updateActivityReport"]["activityReport"]["title"].as_str().expect("title");
    let stored = stored(&app, &id).await;
    assert_eq!(stored.title, title);
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn a_mutation_whose_audit_write_fails_leaves_no_report_behind() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app_with_demo(0.001).await;
    let before = report_count(&app).await;
    // Make every insert into the audit trail fail.
    match app.db.get_database_backend() {
        DbBackend::Postgres => {
            app.db
                .execute_unprepared(
                    "CREATE FUNCTION fail_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$ LANGUAGE plpgsql; \
                     CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail_audit();",
                )
                .await
                .expect("install the failing trigger");
        }
        _ => {
            app.db
                .execute_unprepared("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;")
                .await
                .expect("install the failing trigger");
        }
    }

    let body = app.gql(A, CREATE, json!({ "input": new_report("Never stored") })).await;

    assert_eq!(only_error(&body).0, "INTERNAL");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string(), "an internal error names its request id: {body}");
    assert!(!body.to_string().contains("audit unavailable"), "no database detail leaks: {body}");
    assert_eq!(report_count(&app).await, before);
}

#[tokio::test]
async fn every_invalid_value_is_reported_together_and_nothing_is_written() {
    let app = spawn_app_with_demo(0.001).await;
    let before = report_count(&app).await;
    let mut input = new_report("");
    input["endDate"] = json!("2026-03-01");
    input["targetStates"] = json!(["GHA", "XXX", "G1"]);
    input["participantsWomen"] = json!(41);
    input["budget"] = json!("-5.00");
    input["currency"] = json!("dollars");

    let body = app.gql(A, CREATE, json!({ "input": input })).await;

    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap_or(""))
        .collect();
    assert!(codes(&body).iter().all(|c| c == "BAD_USER_INPUT"), "{body}");
    for expected in [
        "input.title",
        "input.endDate",
        "input.targetStates[1]",
        "input.targetStates[2]",
        "input.participantsWomen",
        "input.budget",
        "input.currency",
    ] {
        assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
    }
    assert_eq!(report_count(&app).await, before);
}

#[tokio::test]
async fn only_partners_write_reports_and_only_the_secretariat_reviews_them() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, _) = create(&app, A, "Roles").await;
    app.data(A, SUBMIT, json!({ "input": { "id": id } })).await;
    let before = report_count(&app).await;

    for who in [As::Anonymous, As::VtfCommittee, As::Wgtu, As::Secretariat] {
        let body = app.gql(who, CREATE, json!({ "input": new_report("Not theirs") })).await;
        assert_eq!(only_error(&body).0, "FORBIDDEN", "{who:?}: {body}");
    }
    for who in [As::Anonymous, A, B, As::VtfCommittee, As::Wgtu] {
        let body = app.gql(who, ACCEPT, json!({ "input": { "id": id } })).await;
        assert_eq!(only_error(&body).0, "FORBIDDEN", "{who:?}: {body}");
    }
    assert_eq!(report_count(&app).await, before);
    assert_eq!(stored(&app, &id).await.review_status, entity::enums::ReviewStatus::Submitted);
}

#[tokio::test]
async fn idempotency_keys_are_kept_a_day_at_least_then_forgotten() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
    let app = spawn_app_with_demo(0.001).await;
    let mut input = new_report("Kept");
    input["idempotencyKey"] = json!("kept-1");
    app.data(A, CREATE, json!({ "input": input })).await;
    // A key from three days ago.
    app.db
        .execute_unprepared(
            "INSERT INTO idempotency_records (principal, key, operation, request_hash, target_type, target_id, created_at) \
             VALUES ('PARTNER:1:partner-user', 'old-1', 'createActivityReport', 'x', 'ActivityReport', 1, '2026-01-01T00:00:00Z')",
        )
        .await
        .expect("an old key");

    let purged = api::write::purge_idempotency_records(&app.db, std::time::Duration::from_secs(24 * 3600))
        .await
        .expect("a purge");

    assert_eq!(purged, 1, "only the old key goes");
    assert_eq!(entity::idempotency_record::Entity::find().count(&app.db).await.expect("count"), 1);
    let before = report_count(&app).await;
    app.data(A, CREATE, json!({ "input": input })).await;
    assert_eq!(report_count(&app).await, before, "the day-old key still protects its retry");
}

#[tokio::test]
async fn a_step_retried_under_its_key_returns_the_first_result_even_after_the_report_moved_on() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, _) = create(&app, A, "Keyed submission").await;
    let keyed = json!({ "input": { "id": id, "idempotencyKey": "submit-1" } });

    let first = app.data(A, SUBMIT, keyed.clone()).await;
    assert_eq!(first["submitActivityReport"]["activityReport"]["version"], 2);
    // The report is no longer a draft, so the step itself would now be refused; the retry
    // under the same key is recognised and answered with the first result instead.
    let bodies = join_all((0..10).map(|_| app.gql(A, SUBMIT, keyed.clone()))).await;
    for body in &bodies {
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["submitActivityReport"]["activityReport"]["id"], json!(id));
    }
    assert_eq!(stored(&app, &id).await.version, 2, "submitted once");

    // Without the key, the same step is refused and says why.
    let body = app.gql(A, SUBMIT, step(&id)).await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("SUBMITTED")), "{body}");

    // The key belongs to that step: reusing it for another is a conflict that writes nothing.
    let body = app.gql(A, WITHDRAW, keyed).await;
    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(stored(&app, &id).await.review_status, entity::enums::ReviewStatus::Submitted);
}

#[tokio::test]
async fn concurrent_first_submissions_under_one_key_submit_once() {
    let app = spawn_app_with_demo(0.001).await;
    let (id, _) = create(&app, A, "Burst of submissions").await;
    let keyed = json!({ "input": { "id": id, "idempotencyKey": "submit-burst" } });

    let bodies = join_all((0..20).map(|_| app.gql(A, SUBMIT, keyed.clone()))).await;

    assert!(bodies.iter().all(|b| b.get("errors").is_none()), "{bodies:?}");
    assert_eq!(stored(&app, &id).await.version, 2, "submitted once");
}

#[tokio::test]
async fn a_keyed_create_and_submit_write_without_reading_back() {
    let app = spawn_app_with_demo(0.001).await;
    create(&app, A, "Warms the caches of organisations and state codes").await;
    let mut input = new_report("Counted");
    input["idempotencyKey"] = json!("count-create");

    let before = app.statements.get();
    let data = app.data(A, CREATE, json!({ "input": input })).await;
    let created = app.statements.get() - before;
    let id = data["createActivityReport"]["activityReport"]["id"].as_str().expect("an id").to_owned();
    let before = app.statements.get();
    let data = app.data(A, SUBMIT, json!({ "input": { "id": id, "idempotencyKey": "count-submit" } })).await;
    let submitted = app.statements.get() - before;

    assert_eq!(data["submitActivityReport"]["activityReport"]["reviewStatus"], "SUBMITTED");
    // The report, its target states, the audit event and the key; then the step, its links,
    // the audit event and the key. No lookups, no reading back. PostgreSQL runs each set as one
    // statement of data-modifying CTEs; SQLite as four in a transaction.
    let each =
        if sea_orm::ConnectionTrait::get_database_backend(&app.db) == sea_orm::DbBackend::Postgres { 1 } else { 4 };
    assert_eq!((created, submitted), (each, each), "statements of the create and of the submission");
}
