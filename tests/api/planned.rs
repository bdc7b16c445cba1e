//! Planned reads (PostgreSQL): the dashboards' queries answered by one statement must give
//! exactly what the executor gives — the same data, the same READ events in the audit trail,
//! the same refusals — for every role. The first run of a document goes through the executor;
//! each later one through the planner where it can. On SQLite both runs are the executor's,
//! and the comparisons still hold.

use std::collections::BTreeSet;

use entity::{activity_report, audit_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, codes, spawn_app_with_demo};

/// Every field the planner answers, by the class a role may read.
const PUBLIC: &str = "id __typename iso3 iso2 name unRegionalGroup continent attStatus signatureDate consentDate consentKind entryIntoForceDate genevaMission version";
const PARTNER: &str = "supportNeeds { id __typename category description status sharedWithPartners version }
    activityReports(first: 5) { __typename totalCount nodes { id title description activityType status startDate endDate
        participantsTotal participantsWomen reviewStatus version
        organization { id __typename name acronym kind iatiIdentifier coverage version } } }";
const FINANCIAL: &str = "vtfApproved { __typename currency amount }";
const SENSITIVE: &str = "currentAssessment { id tier processStage assessedOn challenges notes assessedBy }
    assessments { id __typename tier processStage assessedOn }";

/// The whole selection a role may read, on every state of a continent.
fn query_for(who: As) -> String {
    let fields = match who {
        As::Anonymous => PUBLIC.to_owned(),
        As::Partner(_) => format!("{PUBLIC} {PARTNER}"),
        As::VtfCommittee => format!("{PUBLIC} {PARTNER} {FINANCIAL}"),
        As::Wgtu | As::Secretariat => format!("{PUBLIC} {PARTNER} {FINANCIAL} {SENSITIVE}"),
    };
    format!(
        "query Everything($continent: Continent) {{ __typename states(continent: $continent, first: 60) {{ __typename totalCount nodes {{ {fields} }} }} }}"
    )
}

fn is_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// The READ events written after event `after`: (role, type, record, field).
async fn reads_since(app: &TestApp, after: i64) -> (i64, BTreeSet<(String, String, String, String)>) {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::Id.gt(after))
        .filter(audit_event::Column::Action.eq("READ"))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("audit events");
    let last = rows.last().map(|r| r.id).unwrap_or(after);
    let set = rows
        .into_iter()
        .map(|r| {
            (
                r.actor_role.as_str().to_owned(),
                r.target_type,
                r.target_id.unwrap_or_default(),
                r.field.unwrap_or_default(),
            )
        })
        .collect();
    (last, set)
}

async fn last_event(app: &TestApp) -> i64 {
    audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .expect("audit events")
        .map(|e| e.id)
        .unwrap_or(0)
}

/// A draft of the demo data: only its organisation sees it.
async fn a_draft(app: &TestApp) -> activity_report::Model {
    activity_report::Entity::find()
        .filter(activity_report::Column::ReviewStatus.eq(entity::enums::ReviewStatus::Draft))
        .one(&app.db)
        .await
        .expect("reports")
        .expect("the demo data has drafts")
}

/// Runs `query` as `who` three times: the executor's answer, then the planner's (on
/// PostgreSQL), built and then from the planner's cache. All must match in data and audit
/// trail, and the planned runs must cost one statement each there.
async fn both_ways(app: &TestApp, who: As, query: &str, variables: Value) -> Value {
    let start = last_event(app).await;
    let executed = app.gql(who, query, variables.clone()).await;
    let (mut after, first_reads) = reads_since(app, start).await;
    for run in ["built", "cached"] {
        let before = app.statements.get();
        let planned = app.gql(who, query, variables.clone()).await;
        let statements = app.statements.get() - before;
        let (last, reads) = reads_since(app, after).await;
        after = last;
        assert_eq!(planned, executed, "{who:?}: the planned answer ({run}) differs from the executor's");
        assert_eq!(reads, first_reads, "{who:?}: the planned read ({run}) audits differently");
        if is_postgres() && executed.get("errors").is_none() {
            assert_eq!(statements, 1, "{who:?}: the {run} run was not planned ({statements} statements)");
        }
    }
    executed
}

/// The executor's answer to `query`, even once the planner knows it: the same text with a
/// space added is a document not yet run, so the executor answers it.
async fn executed(app: &TestApp, who: As, query: &str, variables: Value) -> Value {
    app.gql(who, &format!("{query} "), variables).await
}

#[tokio::test]
async fn planned_reads_give_every_role_the_executor_s_answer_and_audit_trail() {
    let app = spawn_app_with_demo(0.05).await;
    // A partner with a draft (which only it may see), on the continent of a state its draft
    // targets: the partner's counts and lists must include it, nobody else's.
    let draft = a_draft(&app).await;
    let partner = As::Partner(draft.organization_id);

    for continent in ["AFRICA", "AMERICAS", "EUROPE"] {
        for who in [As::Anonymous, partner, As::VtfCommittee, As::Wgtu, As::Secretariat] {
            let body = both_ways(&app, who, &query_for(who), json!({ "continent": continent })).await;
            assert!(body.get("errors").is_none(), "{who:?}: {}", body["errors"]);
            let nodes = body["data"]["states"]["nodes"].as_array().expect("states");
            assert!(!nodes.is_empty(), "{continent} has states");
        }
    }
}

#[tokio::test]
async fn planned_reads_follow_aliases_fragments_directives_and_orders() {
    let app = spawn_app_with_demo(0.05).await;
    let q = r#"query Shaped($skip: Boolean!, $n: Int = 3) {
        first: states(first: 5, orderBy: ISO_3, attStatus: NOT_JOINED) { count: totalCount nodes { ...Basics code: iso3 } }
        second: states(first: $n, unRegionalGroup: AFRICAN) { nodes { ... on State { name @skip(if: $skip) iso2 @include(if: $skip) }
            latest: activityReports(first: 2) { nodes { title org: organization { name } } } } }
    }
    fragment Basics on State { name attStatus tier: currentAssessment { tier } }"#;
    for skip in [true, false] {
        let body = both_ways(&app, As::Wgtu, q, json!({ "skip": skip })).await;
        assert!(body.get("errors").is_none(), "{}", body["errors"]);
        let first = &body["data"]["first"];
        assert_eq!(first["nodes"].as_array().map(Vec::len), Some(5));
        let codes: Vec<&str> =
            first["nodes"].as_array().into_iter().flatten().filter_map(|n| n["code"].as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted, "ordered by ISO code");
        let second = body["data"]["second"]["nodes"].as_array().expect("nodes");
        assert_eq!(second.len(), 3, "the variable's default applies");
        assert_eq!(second[0].get("name").is_some(), !skip);
        assert_eq!(second[0].get("iso2").is_some(), skip);
    }
}

#[tokio::test]
async fn a_document_planned_for_one_role_is_refused_to_another_as_the_guard_refuses_it() {
    let app = spawn_app_with_demo(0.05).await;
    let q = query_for(As::Wgtu);
    let vars = json!({ "continent": "AFRICA" });
    both_ways(&app, As::Wgtu, &q, vars.clone()).await;

    // The document is known good now; a partner sending it still meets the guard, field by
    // field: FORBIDDEN where it may not read, data where it may.
    let org = activity_report::Entity::find().one(&app.db).await.expect("reports").expect("a report").organization_id;
    let body = app.gql(As::Partner(org), &q, vars.clone()).await;
    let codes = codes(&body);
    assert!(!codes.is_empty() && codes.iter().all(|c| c == "FORBIDDEN"), "{codes:?}");
    let state = &body["data"]["states"]["nodes"][0];
    assert_eq!(state["currentAssessment"], Value::Null);
    assert_eq!(state["vtfApproved"], Value::Null);
    assert!(state["iso3"].is_string() && state["supportNeeds"].is_array());

    // Values the resolvers refuse are still refused, with their codes.
    for (vars, code) in [
        (json!({ "continent": "ATLANTIS" }), "GRAPHQL_VALIDATION_FAILED"),
        (json!({ "continent": 7 }), "GRAPHQL_VALIDATION_FAILED"),
    ] {
        let (_, body) = app.post(As::Wgtu, &q, vars).await;
        assert_eq!(crate::helpers::codes(&body), vec![code], "{body}");
    }
    let page = "query($n: Int) { states(first: $n) { nodes { iso3 } } }";
    both_ways(&app, As::Wgtu, page, json!({ "n": 3 })).await;
    for n in [0, 101, -1] {
        let (_, body) = app.post(As::Wgtu, page, json!({ "n": n })).await;
        assert_eq!(crate::helpers::codes(&body), vec!["BAD_USER_INPUT"], "first: {n}: {body}");
    }
}

#[tokio::test]
async fn the_planner_can_be_turned_off() {
    let app = crate::helpers::spawn_app_with(|c| c.planned_reads = false).await;
    api::seed::load_demo_if_empty(&app.db, 0.05, false).await.expect("demo data loads");
    let q = "{ states(first: 3) { nodes { iso3 activityReports(first: 2) { nodes { title } } } } }";
    app.data(As::Wgtu, q, json!({})).await;
    let before = app.statements.get();
    app.data(As::Wgtu, q, json!({})).await;
    assert!(
        app.statements.get() - before > 1,
        "field by field, the states and their reports take more than one statement"
    );
}

#[tokio::test]
async fn a_built_statement_serves_only_its_own_caller_and_variables() {
    let app = spawn_app_with_demo(0.05).await;
    // A draft: only its organisation sees it, in the counts and lists of the states it targets.
    let draft = a_draft(&app).await;
    let target = entity::activity_report_state::Entity::find()
        .filter(entity::activity_report_state::Column::ReportId.eq(draft.id))
        .find_also_related(entity::state::Entity)
        .one(&app.db)
        .await
        .expect("links")
        .and_then(|(_, s)| s)
        .expect("the draft targets a state");
    let other_org = entity::organization::Entity::find()
        .filter(entity::organization::Column::Id.ne(draft.organization_id))
        .one(&app.db)
        .await
        .expect("organisations")
        .expect("a second organisation")
        .id;
    let (owner, other) = (As::Partner(draft.organization_id), As::Partner(other_org));
    let q = query_for(owner);
    let here = json!({ "continent": target.continent.as_str() });
    let elsewhere =
        json!({ "continent": if target.continent == entity::enums::Continent::Europe { "AFRICA" } else { "EUROPE" } });
    let owners = both_ways(&app, owner, &q, here.clone()).await;
    // (A partner's first request looks its organisation up, once.)
    app.data(other, "{ __typename }", json!({})).await;

    // The statement built for the owner is not the other partner's, nor the owner's on
    // another continent: each gets the executor's answer, planned in one statement.
    for (who, vars) in [(other, here.clone()), (owner, elsewhere.clone()), (other, elsewhere)] {
        let before = app.statements.get();
        let planned = app.gql(who, &q, vars.clone()).await;
        if is_postgres() {
            assert_eq!(app.statements.get() - before, 1, "{who:?} {vars}: planned");
        }
        assert_eq!(planned, executed(&app, who, &q, vars.clone()).await, "{who:?} {vars}");
        if who == other && vars == here {
            assert_ne!(planned, owners, "the other partner does not see the owner's draft");
        }
    }

    // Each request writes its own READ events: its request id, its time, its caller. (The
    // first run, the executor's, proves the document; the next three are planned.)
    let sensitive = query_for(As::Wgtu);
    app.data(As::Wgtu, &sensitive, here.clone()).await;
    let start = last_event(&app).await;
    for _ in 0..3 {
        app.data(As::Wgtu, &sensitive, here.clone()).await;
    }
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Id.gt(start))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("audit events");
    let requests: BTreeSet<&str> = events.iter().map(|e| e.request_id.as_str()).collect();
    assert_eq!(requests.len(), 3, "three requests, three request ids");
    for id in &requests {
        let mine: Vec<_> = events.iter().filter(|e| e.request_id == *id).collect();
        assert_eq!(mine.len() * 3, events.len(), "each request audits the same reads");
        assert!(mine.iter().all(|e| e.actor_role.as_str() == "WGTU"));
        if is_postgres() {
            // A planned read's events share its time (the executor's each have their own).
            assert!(mine.iter().all(|e| e.occurred_at == mine[0].occurred_at));
        }
    }
    if is_postgres() {
        let times: BTreeSet<_> = events.iter().map(|e| e.occurred_at).collect();
        assert_eq!(times.len(), 3, "each request audits at its own time");
    }
}
