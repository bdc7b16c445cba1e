//! The side doors of DESIGN.md §3: filters, aggregates, global ids, nested lists, aliases and
//! fragments never reveal what a field's class keeps from the caller.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, codes, only_error, spawn_app_with_demo};

const A: As = As::Partner(1);
const B: As = As::Partner(2);

/// The global id of a report of organisation 1 in `status`.
async fn report_of_a(app: &TestApp, status: entity::enums::ReviewStatus) -> (String, i64) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let r = entity::activity_report::Entity::find()
        .filter(entity::activity_report::Column::ReviewStatus.eq(status))
        .one(&app.db)
        .await
        .expect("a query")
        .expect("a report in that status");
    let mut am: entity::activity_report::ActiveModel = r.clone().into();
    am.organization_id = Set(1);
    am.update(&app.db).await.expect("arrange");
    (api::node::global_id("ActivityReport", r.id).to_string(), r.id)
}

#[tokio::test]
async fn a_partner_may_not_filter_states_by_tier_or_process_stage() {
    let app = spawn_app_with_demo(0.01).await;
    for (query, vars) in [
        ("{ states(tier: 1) { totalCount } }", json!({})),
        ("query($t: Int) { states(tier: $t) { totalCount } }", json!({ "t": 2 })),
        ("{ states(processStage: PARLIAMENT) { totalCount } }", json!({})),
    ] {
        for who in [As::Anonymous, A, As::VtfCommittee] {
            let body = app.gql(who, query, vars.clone()).await;
            assert_eq!(only_error(&body), ("FORBIDDEN".into(), "states".into()), "{who:?} {query}: {body}");
            assert_eq!(body["data"], Value::Null, "no count leaks");
        }
    }
    // A null filter is no filter.
    let data = app.data(A, "query($t: Int) { states(tier: $t) { totalCount } }", json!({ "t": null })).await;
    assert_eq!(data["states"]["totalCount"], 195);
    // The WGTU may.
    let data = app.data(As::Wgtu, "{ states(tier: 1) { totalCount } }", json!({})).await;
    assert!(data["states"]["totalCount"].as_i64().expect("a count") > 0);
}

#[tokio::test]
async fn aggregates_carry_the_class_of_what_they_sum() {
    let app = spawn_app_with_demo(0.01).await;
    let q = "{ universalizationOverview(groupBy: UN_REGIONAL_GROUP) { key stateCount statesByStatus { status count } statesByTier { tier count } statesWithOpenNeeds statesWithOpenSharedNeeds vtfApproved { currency amount } activityReports } }";

    let body = app.gql(A, q, json!({})).await;

    let groups = body["data"]["universalizationOverview"].as_array().expect("groups");
    assert_eq!(groups.len(), 5);
    let total: i64 = groups.iter().map(|g| g["stateCount"].as_i64().expect("count")).sum();
    assert_eq!(total, 195);
    for g in groups {
        assert_eq!(g["statesByTier"], Value::Null);
        assert_eq!(g["statesWithOpenNeeds"], Value::Null);
        assert_eq!(g["vtfApproved"], Value::Null);
        assert!(g["statesWithOpenSharedNeeds"].is_i64());
    }
    let forbidden: Vec<String> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["path"][2].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        forbidden.iter().all(|f| ["statesByTier", "statesWithOpenNeeds", "vtfApproved"].contains(&f.as_str())),
        "{forbidden:?}"
    );
    assert!(codes(&body).iter().all(|c| c == "FORBIDDEN"));

    let wgtu = app.data(As::Wgtu, q, json!({})).await;
    let tiers: i64 = wgtu["universalizationOverview"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["statesByTier"].as_array().cloned().unwrap_or_default())
        .map(|t| t["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(tiers, 78, "every state that has not joined has a current tier in the demo data");
}

#[tokio::test]
async fn another_organisation_s_draft_is_not_found_by_any_path() {
    let app = spawn_app_with_demo(0.01).await;
    let (draft, _) = report_of_a(&app, entity::enums::ReviewStatus::Draft).await;
    let org_a = api::node::global_id("Organization", 1).to_string();

    // Typed lookup, global id, several ids.
    let body = app.gql(B, "query($id: ID!) { activityReport(id: $id) { title } }", json!({ "id": draft })).await;
    assert_eq!(only_error(&body).0, "NOT_FOUND");
    let body = app.gql(B, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": draft })).await;
    assert_eq!(only_error(&body).0, "NOT_FOUND");
    let state = api::node::global_id("State", 1).to_string();
    let body = app.gql(B, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": [state, draft] })).await;
    assert_eq!(body["data"]["nodes"][0]["id"], state.as_str());
    assert_eq!(body["data"]["nodes"][1], Value::Null);
    assert_eq!(only_error(&body), ("NOT_FOUND".into(), "nodes.1".into()));

    // Nested lists and their counts.
    let q = "query($org: ID!) { organization(id: $org) { activityReports(first: 100) { totalCount nodes { id } } } }";
    let theirs = app.data(B, q, json!({ "org": org_a })).await;
    let mine = app.data(A, q, json!({ "org": org_a })).await;
    let ids = |d: &Value| {
        d["organization"]["activityReports"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id").to_owned())
            .collect::<Vec<_>>()
    };
    assert!(!ids(&theirs).contains(&draft));
    assert!(ids(&mine).contains(&draft));
    assert!(
        mine["organization"]["activityReports"]["totalCount"].as_i64()
            > theirs["organization"]["activityReports"]["totalCount"].as_i64()
    );
}

#[tokio::test]
async fn a_partner_reads_the_budget_of_its_own_reports_only() {
    let app = spawn_app_with_demo(0.01).await;
    let (mine, _) = report_of_a(&app, entity::enums::ReviewStatus::Accepted).await;
    let q = "query($id: ID!) { node(id: $id) { ... on ActivityReport { title budget currency fundingSource reviewedBy } } }";

    let as_a = app.gql(A, q, json!({ "id": mine })).await;
    assert!(as_a["data"]["node"]["budget"].is_string(), "{as_a}");
    assert_eq!(only_error(&as_a), ("FORBIDDEN".into(), "node.reviewedBy".into()));

    let as_b = app.gql(B, q, json!({ "id": mine })).await;
    assert!(as_b["data"]["node"]["title"].is_string());
    for field in ["budget", "currency", "fundingSource", "reviewedBy"] {
        assert_eq!(as_b["data"]["node"][field], Value::Null, "{field}");
    }
    assert_eq!(codes(&as_b), ["FORBIDDEN"; 4]);
}

#[tokio::test]
async fn aliases_and_fragments_reach_no_further_than_the_field_itself() {
    let app = spawn_app_with_demo(0.01).await;
    let q = r#"query { state(iso3: "AGO") {
        name
        a: currentAssessment { tier }
        b: currentAssessment { tier }
        ... on State { currentAssessment { tier } }
        ...F
    } }
    fragment F on State { c: currentAssessment { processStage } contactPoints { emails } }"#;

    let body = app.gql(A, q, json!({})).await;

    let s = &body["data"]["state"];
    assert_eq!(s["name"], "Angola");
    for key in ["a", "b", "currentAssessment", "c", "contactPoints"] {
        assert_eq!(s[key], Value::Null, "{key}");
    }
    let paths: Vec<String> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["path"][1].as_str().unwrap_or("").to_owned())
        .collect();
    for key in ["a", "b", "currentAssessment", "c", "contactPoints"] {
        assert!(paths.contains(&key.to_owned()), "{key} has its FORBIDDEN error: {paths:?}");
    }
    assert!(codes(&body).iter().all(|c| c == "FORBIDDEN"));
}

#[tokio::test]
async fn a_need_the_state_did_not_share_is_hidden_from_partners() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app_with_demo(0.01).await;
    let hidden = entity::support_need::Entity::find()
        .filter(entity::support_need::Column::SharedWithPartners.eq(false))
        .one(&app.db)
        .await
        .expect("a query")
        .expect("a need not shared");
    let id = api::node::global_id("SupportNeed", hidden.id).to_string();
    let q = "query($id: ID!) { node(id: $id) { ... on SupportNeed { description } } }";

    assert_eq!(only_error(&app.gql(A, q, json!({ "id": id })).await).0, "NOT_FOUND");
    assert_eq!(app.data(As::Wgtu, q, json!({ "id": id })).await["node"]["description"], hidden.description.as_str());

    let state =
        entity::state::Entity::find_by_id(hidden.state_id).one(&app.db).await.expect("a query").expect("its state");
    let q = "query($iso3: String!) { state(iso3: $iso3) { supportNeeds { sharedWithPartners } } }";
    let needs = app.data(A, q, json!({ "iso3": state.iso3 })).await;
    assert!(needs["state"]["supportNeeds"].as_array().expect("needs").iter().all(|n| n["sharedWithPartners"] == true));
}
