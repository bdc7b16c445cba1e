//! The combined views a dashboard needs: one state's whole picture, a region at a glance,
//! and the proof that their cost in SQL statements does not grow with the rows.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with_demo};

const DOSSIER: &str = r#"query($iso3: String!) { state(iso3: $iso3) {
  iso3 name attStatus signatureDate
  currentAssessment { tier processStage assessedOn }
  assessments { tier assessedOn }
  supportNeeds { category status sharedWithPartners }
  contactPoints { name emails }
  engagements { occurredOn channel }
  accompaniedBy { since champion { state { iso3 } } }
  vtfProjects { title status amountApproved currency cycle { year } }
  vtfApproved { currency amount }
  sponsorshipAwards { status cost meeting { title } }
  consultations { pathway consultedOn }
  planTargets { milestone targetYear plan { title } }
  activityReports(first: 5) { totalCount nodes { title startDate organization { name } targetStates { iso3 } } }
} }"#;

const REGION: &str = r#"query($continent: Continent, $first: Int) { states(continent: $continent, first: $first) {
  totalCount
  nodes {
    iso3 name attStatus
    currentAssessment { tier }
    supportNeeds { status }
    vtfApproved { currency amount }
    activityReports(first: 5) { totalCount nodes { title startDate organization { name } } }
  }
} }"#;

async fn state_id(app: &TestApp, iso3: &str) -> i64 {
    entity::state::Entity::find()
        .filter(entity::state::Column::Iso3.eq(iso3))
        .one(&app.db)
        .await
        .expect("a query")
        .expect("the state exists")
        .id
}

/// The reports targeting a state that the WGTU sees (every report ever submitted), latest
/// activity first.
async fn reports_of(app: &TestApp, state: i64) -> Vec<entity::activity_report::Model> {
    use entity::{activity_report as r, activity_report_state as link};
    let ids: Vec<i64> = link::Entity::find()
        .filter(link::Column::StateId.eq(state))
        .all(&app.db)
        .await
        .expect("links")
        .into_iter()
        .map(|l| l.report_id)
        .collect();
    r::Entity::find()
        .filter(r::Column::Id.is_in(ids))
        .filter(r::Column::ReviewStatus.ne(entity::enums::ReviewStatus::Draft))
        .order_by_desc(r::Column::StartDate)
        .order_by_desc(r::Column::Id)
        .all(&app.db)
        .await
        .expect("reports")
}

#[tokio::test]
async fn the_dossier_of_a_state_joins_every_body_s_records() {
    let app = spawn_app_with_demo(0.05).await;
    let id = state_id(&app, "AGO").await;

    let data = app.data(As::Wgtu, DOSSIER, json!({ "iso3": "AGO" })).await;
    let s = &data["state"];

    assert_eq!(s["name"], "Angola");
    assert_eq!(s["attStatus"], "SIGNATORY");
    // The current assessment is the latest of the history.
    let history = entity::assessment::Entity::find()
        .filter(entity::assessment::Column::StateId.eq(id))
        .order_by_desc(entity::assessment::Column::AssessedOn)
        .order_by_desc(entity::assessment::Column::Id)
        .all(&app.db)
        .await
        .expect("assessments");
    assert!(!history.is_empty());
    assert_eq!(s["assessments"].as_array().expect("history").len(), history.len());
    assert_eq!(s["currentAssessment"]["tier"], history[0].tier);
    assert_eq!(s["currentAssessment"]["assessedOn"], history[0].assessed_on.to_string());
    // VTF totals are the sums of the approved amounts listed.
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for p in s["vtfProjects"].as_array().expect("projects") {
        if let Some(a) = p["amountApproved"].as_str() {
            *sums.entry(p["currency"].as_str().expect("currency").to_owned()).or_default() +=
                api::scalars::parse_money(a).expect("money");
        }
    }
    let listed: BTreeMap<String, i64> = s["vtfApproved"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| {
            (
                t["currency"].as_str().expect("c").to_owned(),
                api::scalars::parse_money(t["amount"].as_str().expect("a")).expect("money"),
            )
        })
        .collect();
    assert_eq!(listed, sums);
    // The activities are the latest five the WGTU may see, with their organisations.
    let reports = reports_of(&app, id).await;
    assert_eq!(s["activityReports"]["totalCount"], reports.len());
    let titles: Vec<&str> = s["activityReports"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    let expected: Vec<&str> = reports.iter().take(5).map(|r| r.title.as_str()).collect();
    assert_eq!(titles, expected);
    for n in s["activityReports"]["nodes"].as_array().expect("nodes") {
        assert!(n["organization"]["name"].as_str().expect("an organisation").starts_with("Demo"));
        assert!(n["targetStates"].as_array().expect("targets").iter().any(|t| t["iso3"] == "AGO"));
    }
    assert_eq!(s["contactPoints"][0]["emails"][0], "att.ago@example.org");
}

#[tokio::test]
async fn the_region_dashboard_answers_for_every_state_of_a_continent() {
    let app = spawn_app_with_demo(0.05).await;

    let data = app.data(As::Wgtu, REGION, json!({ "continent": "AFRICA", "first": 100 })).await;

    let states = data["states"]["nodes"].as_array().expect("states");
    assert_eq!(states.len(), 54);
    assert_eq!(data["states"]["totalCount"], 54);
    for s in states {
        let id = state_id(&app, s["iso3"].as_str().expect("iso3")).await;
        let reports = reports_of(&app, id).await;
        assert_eq!(s["activityReports"]["totalCount"], reports.len(), "{}", s["iso3"]);
        let titles: Vec<&str> = s["activityReports"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["title"].as_str().expect("t"))
            .collect();
        let expected: Vec<&str> = reports.iter().take(5).map(|r| r.title.as_str()).collect();
        assert_eq!(titles, expected, "{}", s["iso3"]);
        let open_needs = s["supportNeeds"].as_array().expect("needs").len();
        let stored = entity::support_need::Entity::find()
            .filter(entity::support_need::Column::StateId.eq(id))
            .all(&app.db)
            .await
            .expect("needs")
            .len();
        assert_eq!(open_needs, stored, "the WGTU sees every need of {}", s["iso3"]);
        if s["attStatus"] == "STATE_PARTY" {
            assert_eq!(s["currentAssessment"], Value::Null, "States Parties are not assessed in the demo data");
        }
    }
}

#[tokio::test]
async fn the_dashboards_cost_the_same_statements_however_many_states_they_show() {
    let app = spawn_app_with_demo(0.05).await;

    let mut costs = Vec::new();
    for first in [2, 10, 54] {
        let before = app.statements.get();
        app.data(As::Wgtu, REGION, json!({ "continent": "AFRICA", "first": first })).await;
        costs.push(app.statements.get() - before);
    }
    assert!(costs.windows(2).all(|w| w[0] == w[1]), "statements per dashboard request: {costs:?}");
    assert!(costs[0] <= 12, "the region dashboard takes {} statements", costs[0]);

    // A dossier costs one statement per relation it walks (fewer when a relation is empty, as
    // nothing hangs below it), whatever the number of rows behind each.
    for iso3 in ["AGO", "NGA", "USA"] {
        let before = app.statements.get();
        app.data(As::Wgtu, DOSSIER, json!({ "iso3": iso3 })).await;
        let cost = app.statements.get() - before;
        assert!(cost <= 20, "the dossier of {iso3} takes {cost} statements");
    }
}
