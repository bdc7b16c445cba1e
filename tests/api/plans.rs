//! Universalization plans and their targets: written by the WGTU, checked as a whole, and
//! guarded by their version.

use serde_json::json;

use crate::helpers::{As, error_fields, only_error, spawn_app_with_demo};
use crate::internal_mutations::rows;

const CREATE_PLAN: &str = "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version title firstYear lastYear status endorsedAt { number } priorityRegions } } }";
const UPDATE_PLAN: &str =
    "mutation($i: UpdatePlanInput!) { updatePlan(input: $i) { plan { id version title firstYear lastYear } } }";
const CREATE_TARGET: &str =
    "mutation($i: CreatePlanTargetInput!) { createPlanTarget(input: $i) { planTarget { id version targetYear } } }";
const UPDATE_TARGET: &str =
    "mutation($i: UpdatePlanTargetInput!) { updatePlanTarget(input: $i) { planTarget { id version targetYear } } }";

fn new_plan() -> serde_json::Value {
    json!({ "title": "Plan 2027–2030", "firstYear": 2027, "lastYear": 2030, "endorsedAt": 11, "status": "ENDORSED", "objectives": "Twenty more States Parties", "priorityRegions": ["AFRICAN", "ASIA_PACIFIC"] })
}

#[tokio::test]
async fn a_plan_and_its_targets_are_written_by_the_wgtu_and_kept_within_its_period() {
    let app = spawn_app_with_demo(0.001).await;

    let data = app.data(As::Wgtu, CREATE_PLAN, json!({ "i": new_plan() })).await;
    let plan = &data["createPlan"]["plan"];
    assert_eq!(plan["endorsedAt"]["number"], 11);
    assert_eq!(plan["priorityRegions"], json!(["AFRICAN", "ASIA_PACIFIC"]));
    let plan_id = plan["id"].as_str().expect("an id");

    let target = json!({ "plan": plan_id, "state": "AGO", "milestone": "INSTRUMENT_DEPOSITED", "targetYear": 2029, "rationale": "Parliament sits in 2028" });
    let data = app.data(As::Wgtu, CREATE_TARGET, json!({ "i": target })).await;
    let t = &data["createPlanTarget"]["planTarget"];
    let (target_id, target_version) = (t["id"].as_str().expect("an id"), t["version"].as_i64().expect("a version"));

    // A target year outside the plan's period is refused, naming the field.
    let body = app
        .gql(
            As::Wgtu,
            UPDATE_TARGET,
            json!({ "i": { "id": target_id, "version": target_version, "targetYear": 2031 } }),
        )
        .await;
    assert_eq!(only_error(&body).0, "BAD_USER_INPUT", "{body}");
    assert_eq!(error_fields(&body), ["input.targetYear"]);

    // So is a period that would leave the target outside it.
    let body = app.gql(As::Wgtu, UPDATE_PLAN, json!({ "i": { "id": plan_id, "version": 1, "lastYear": 2028 } })).await;
    assert_eq!(error_fields(&body), ["input.lastYear"], "{body}");

    let data = app.data(As::Wgtu, UPDATE_PLAN, json!({ "i": { "id": plan_id, "version": 1, "lastYear": 2031 } })).await;
    assert_eq!(data["updatePlan"]["plan"]["version"], 2);
    let data = app
        .data(
            As::Wgtu,
            UPDATE_TARGET,
            json!({ "i": { "id": target_id, "version": target_version, "targetYear": 2031 } }),
        )
        .await;
    assert_eq!(data["updatePlanTarget"]["planTarget"]["targetYear"], 2031);

    // Partners read the plan's objectives, not its per-state targets.
    let q = "query($id: ID!) { plan(id: $id) { objectives targets { targetYear } } }";
    let body = app.gql(As::Partner(1), q, json!({ "id": plan_id })).await;
    assert_eq!(body["data"]["plan"]["objectives"], "Twenty more States Parties");
    assert_eq!(only_error(&body), ("FORBIDDEN".into(), "plan.targets".into()));
}

#[tokio::test]
async fn a_stale_plan_version_is_a_conflict_and_overwrites_nothing() {
    let app = spawn_app_with_demo(0.001).await;
    let data = app.data(As::Wgtu, CREATE_PLAN, json!({ "i": new_plan() })).await;
    let id = data["createPlan"]["plan"]["id"].as_str().expect("an id").to_owned();
    app.data(As::Secretariat, UPDATE_PLAN, json!({ "i": { "id": id, "version": 1, "title": "First edit" } })).await;
    let before = rows(&app).await;

    let body = app.gql(As::Wgtu, UPDATE_PLAN, json!({ "i": { "id": id, "version": 1, "title": "Second edit" } })).await;

    assert_eq!(only_error(&body).0, "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let q = "query($id: ID!) { plan(id: $id) { title version } }";
    assert_eq!(
        app.data(As::Wgtu, q, json!({ "id": id })).await["plan"],
        json!({ "title": "First edit", "version": 2 })
    );
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn invalid_plans_and_targets_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;

    let bad_plan = json!({ "title": " ", "firstYear": 2031, "lastYear": 2027, "endorsedAt": 99, "status": "ENDORSED", "objectives": "", "priorityRegions": ["AFRICAN", "AFRICAN"] });
    let body = app.gql(As::Wgtu, CREATE_PLAN, json!({ "i": bad_plan })).await;
    assert_eq!(
        error_fields(&body),
        ["input.endorsedAt", "input.lastYear", "input.objectives", "input.priorityRegions[1]", "input.title"],
        "{body}"
    );

    let bad_target =
        json!({ "plan": "bm9wZQ", "state": "ZZZ", "milestone": "SIGNATURE", "targetYear": 1900, "rationale": "" });
    let body = app.gql(As::Wgtu, CREATE_TARGET, json!({ "i": bad_target })).await;
    assert_eq!(error_fields(&body), ["input.plan", "input.rationale", "input.state", "input.targetYear"], "{body}");

    let draft_endorsed = json!({ "title": "x", "firstYear": 2027, "lastYear": 2030, "endorsedAt": 11, "status": "DRAFT", "objectives": "x" });
    let body = app.gql(As::Wgtu, CREATE_PLAN, json!({ "i": draft_endorsed })).await;
    assert_eq!(error_fields(&body), ["input.endorsedAt"], "{body}");

    assert_eq!(rows(&app).await, before);
}
