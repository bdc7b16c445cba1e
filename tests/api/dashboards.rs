//! The combined views a dashboard needs: one state's whole picture, a region at a glance,
//! and the proof that their cost in SQL statements does not grow with the rows.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with_demo};

pub const DOSSIER: &str = r#"query($iso3: String!) { state(iso3: $iso3) {
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

pub const REGION: &str = r#"query($continent: Continent, $first: Int) { states(continent: $continent, first: $first) {
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
    // Field by field: the planner (tests/api/planned.rs) answers a dashboard in one statement.
    let app = crate::helpers::spawn_app_with(|c| c.planned_reads = false).await;
    api::seed::load_demo_if_empty(&app.db, 0.05, false).await.expect("demo data loads");

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

#[tokio::test]
async fn coordination_overlaps_are_different_organisations_doing_the_same_at_the_same_time() {
    use std::collections::{BTreeSet, HashMap};
    let app = spawn_app_with_demo(0.05).await;
    let q = r#"query($state: String) { coordinationOverlaps(from: "2024-01-01", to: "2025-12-31", state: $state, limit: 100) {
        state { iso3 } activityType periodStart periodEnd
        reports { id startDate endDate activityType reviewStatus organization { id } targetStates { iso3 } }
        organizations { id }
        vtfProjects { startDate endDate state { iso3 } }
    } }"#;

    let data = app.data(As::Wgtu, q, json!({})).await;
    let overlaps = data["coordinationOverlaps"].as_array().expect("overlaps");
    assert!(!overlaps.is_empty(), "the demo data has overlapping activities");
    for o in overlaps {
        let iso3 = o["state"]["iso3"].as_str().expect("a state");
        let reports = o["reports"].as_array().expect("reports");
        assert!(reports.len() >= 2);
        let orgs: BTreeSet<&str> = reports.iter().map(|r| r["organization"]["id"].as_str().expect("org")).collect();
        assert!(orgs.len() >= 2, "different organisations");
        let listed: BTreeSet<&str> =
            o["organizations"].as_array().expect("orgs").iter().map(|x| x["id"].as_str().expect("id")).collect();
        assert_eq!(listed, orgs);
        for r in reports {
            assert_eq!(r["activityType"], o["activityType"]);
            assert_eq!(r["reviewStatus"], "ACCEPTED");
            assert!(r["targetStates"].as_array().expect("targets").iter().any(|t| t["iso3"] == iso3));
            let (s, e) = (r["startDate"].as_str().expect("start"), r["endDate"].as_str().expect("end"));
            assert!(e >= "2024-01-01" && s <= "2025-12-31", "within the period looked at");
            let overlaps_another = reports.iter().any(|x| {
                x["organization"]["id"] != r["organization"]["id"]
                    && x["startDate"].as_str() <= Some(e)
                    && x["endDate"].as_str() >= Some(s)
            });
            assert!(overlaps_another, "{} overlaps an activity of another organisation", r["id"]);
        }
        for p in o["vtfProjects"].as_array().expect("projects") {
            assert_eq!(p["state"]["iso3"], iso3);
            assert!(
                p["startDate"].as_str() <= o["periodEnd"].as_str()
                    && p["endDate"].as_str() >= o["periodStart"].as_str()
            );
        }
    }

    // For one state, the overlaps are exactly what a brute-force pairing of the stored reports finds.
    let iso3 = overlaps[0]["state"]["iso3"].as_str().expect("a state").to_owned();
    let state = state_id(&app, &iso3).await;
    let stored: Vec<entity::activity_report::Model> = reports_of(&app, state)
        .await
        .into_iter()
        .filter(|r| r.review_status == entity::enums::ReviewStatus::Accepted)
        .filter(|r| {
            r.end_date.to_string().as_str() >= "2024-01-01" && r.start_date.to_string().as_str() <= "2025-12-31"
        })
        .collect();
    let mut expected: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    for a in &stored {
        for b in &stored {
            if a.id != b.id
                && a.organization_id != b.organization_id
                && a.activity_type == b.activity_type
                && a.start_date <= b.end_date
                && b.start_date <= a.end_date
            {
                expected.entry(a.activity_type.as_str()).or_default().insert(a.id);
            }
        }
    }
    let one = app.data(As::Wgtu, q, json!({ "state": iso3 })).await;
    let mut found: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    for o in one["coordinationOverlaps"].as_array().expect("overlaps") {
        let ids = o["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .map(|r| api::node::parse_global_id(r["id"].as_str().expect("id")).expect("an id").1);
        found.entry(o["activityType"].as_str().expect("type")).or_default().extend(ids);
    }
    assert_eq!(found, expected);
}

#[tokio::test]
async fn the_overview_adds_up_to_the_stored_records() {
    use std::collections::HashMap;
    let app = spawn_app_with_demo(0.05).await;
    let q = "{ universalizationOverview(groupBy: CONTINENT) { key stateCount statesByStatus { status count } statesByTier { tier count } vtfApproved { currency amount } } }";

    let data = app.data(As::Secretariat, q, json!({})).await;

    let states = entity::state::Entity::find().all(&app.db).await.expect("states");
    let projects = entity::vtf_project::Entity::find().all(&app.db).await.expect("projects");
    for g in data["universalizationOverview"].as_array().expect("groups") {
        let key = g["key"].as_str().expect("a key");
        let members: Vec<&entity::state::Model> = states.iter().filter(|s| s.continent.as_str() == key).collect();
        assert_eq!(g["stateCount"], members.len());
        for s in g["statesByStatus"].as_array().expect("statuses") {
            let n = members.iter().filter(|m| m.att_status.as_str() == s["status"].as_str().expect("status")).count();
            assert_eq!(s["count"], n, "{key} {}", s["status"]);
        }
        let assessed: i64 =
            g["statesByTier"].as_array().expect("tiers").iter().map(|t| t["count"].as_i64().expect("n")).sum();
        let not_joined = members.iter().filter(|m| m.att_status != entity::enums::AttStatus::StateParty).count() as i64;
        assert_eq!(assessed, not_joined, "{key}: every state that has not joined has one current tier");
        let mut sums: HashMap<String, i64> = HashMap::new();
        for p in projects.iter().filter(|p| members.iter().any(|m| m.id == p.state_id)) {
            if let Some(a) = p.amount_approved {
                *sums.entry(p.currency.clone()).or_default() += a;
            }
        }
        for v in g["vtfApproved"].as_array().expect("amounts") {
            let c = v["currency"].as_str().expect("currency");
            assert_eq!(
                api::scalars::parse_money(v["amount"].as_str().expect("amount")),
                sums.get(c).copied(),
                "{key} {c}"
            );
        }
    }
}

#[tokio::test]
async fn long_fields_of_reports_are_read_wherever_a_list_selects_them() {
    let app = spawn_app_with_demo(0.05).await;
    let id = state_id(&app, "AGO").await;
    let stored = reports_of(&app, id).await;

    // The same state's reports twice: once with titles only (the long columns left unread),
    // once with every long field, through `edges` and a fragment.
    let query = r#"query { state(iso3: "AGO") {
      short: activityReports(first: 5) { nodes { title } }
      long: activityReports(first: 5) { edges { node { ...Long } } }
    } }
    fragment Long on ActivityReport { title description outcomes attThemes participatingOrganizations reviewComment fundingSource }"#;
    let data = app.data(As::Secretariat, query, json!({})).await;
    let long = data["state"]["long"]["edges"].as_array().expect("edges");
    assert_eq!(long.len(), 5);
    for (edge, want) in long.iter().zip(&stored) {
        let n = &edge["node"];
        assert_eq!(n["title"], want.title.as_str());
        assert_eq!(n["description"], want.description.as_str());
        assert_eq!(n["outcomes"], json!(want.outcomes));
        assert_eq!(n["attThemes"], json!(want.att_themes.0));
        assert_eq!(n["participatingOrganizations"], json!(want.participating_organizations.0));
        assert_eq!(n["reviewComment"], json!(want.review_comment));
        assert_eq!(n["fundingSource"], json!(want.funding_source));
    }
    assert!(stored.iter().take(5).any(|r| !r.description.is_empty() && !r.att_themes.0.is_empty()));
    let short: Vec<&Value> = data["state"]["short"]["nodes"].as_array().expect("nodes").iter().collect();
    assert_eq!(short.len(), 5);
    assert!(short.iter().all(|n| n.as_object().is_some_and(|o| o.len() == 1)), "{short:?}");

    // And the root list, by the pull query's order.
    let page = app
        .data(
            As::Secretariat,
            "{ activityReports(first: 3, orderBy: UPDATED_AT) { nodes { id description attThemes } } }",
            json!({}),
        )
        .await;
    for n in page["activityReports"]["nodes"].as_array().expect("nodes") {
        let (_, db_id) = api::node::parse_global_id(n["id"].as_str().expect("id")).expect("a global id");
        let r = entity::activity_report::Entity::find_by_id(db_id).one(&app.db).await.expect("query").expect("report");
        assert_eq!(n["description"], r.description.as_str());
        assert_eq!(n["attThemes"], json!(r.att_themes.0));
    }
}

/// Which way to page through a list: its paging arguments, the page-info flag that says more
/// lie beyond, and the cursor to go on from.
struct Direction {
    args: &'static str,
    more: &'static str,
    cursor: &'static str,
}

const FORWARD: Direction = Direction { args: "first: 3, after: $c", more: "hasNextPage", cursor: "endCursor" };
const BACKWARD: Direction = Direction { args: "last: 3, before: $c", more: "hasPreviousPage", cursor: "startCursor" };

/// The report ids of every page of Ghana's reports, read in `way`, in the order they came.
async fn ghana_pages(app: &TestApp, way: &Direction) -> Vec<Vec<i64>> {
    let query = format!(
        "query($c: String) {{ state(iso3: \"GHA\") {{ activityReports({}) {{ pageInfo {{ {} {} }} edges {{ node {{ id }} }} }} }} }}",
        way.args, way.more, way.cursor
    );
    let (mut pages, mut cursor) = (Vec::new(), Value::Null);
    loop {
        let data = app.data(As::Wgtu, &query, json!({ "c": cursor })).await;
        let page = &data["state"]["activityReports"];
        pages.push(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| api::node::parse_global_id(e["node"]["id"].as_str().expect("id")).expect("a global id").1)
                .collect(),
        );
        if page["pageInfo"][way.more] != true {
            return pages;
        }
        cursor = page["pageInfo"][way.cursor].clone();
    }
}

#[tokio::test]
async fn a_state_s_reports_page_forwards_and_backwards_in_their_order() {
    let app = spawn_app_with_demo(0.05).await;
    let id = state_id(&app, "GHA").await;
    let want: Vec<i64> = reports_of(&app, id).await.iter().map(|r| r.id).collect();
    assert!(want.len() > 3 && !want.len().is_multiple_of(3), "pages full and partial: {}", want.len());

    let forward: Vec<i64> = ghana_pages(&app, &FORWARD).await.into_iter().flatten().collect();
    assert_eq!(forward, want);
    let backward: Vec<i64> = ghana_pages(&app, &BACKWARD).await.into_iter().rev().flatten().collect();
    assert_eq!(backward, want);
}
