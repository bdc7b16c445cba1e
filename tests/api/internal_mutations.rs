//! The internal bodies' mutations: each is open exactly to the roles DESIGN.md §2 gives, and a
//! refused call writes nothing.

use serde_json::{Value, json};

use api::node::global_id;

use crate::helpers::{As, TestApp, codes, spawn_app_with_demo};

const ROLES: [As; 5] = [As::Anonymous, As::Partner(1), As::VtfCommittee, As::Wgtu, As::Secretariat];

/// One mutation to try as every role: its document, variables made fresh per call (so that
/// allowed calls do not collide), and the roles that may call it.
struct Case {
    name: &'static str,
    query: &'static str,
    variables: fn(&Ids) -> Value,
    allowed: &'static [As],
}

/// Existing records the cases refer to, with their current versions: (id, version); and a
/// number that differs on every call, for values that must be unique.
#[derive(Debug, PartialEq)]
struct Ids {
    seq: u64,
    need: (String, i64),
    contact: (String, i64),
    engagement: (String, i64),
    plan: (String, i64),
    target: (String, i64),
    champion: (String, i64),
    assignment: (String, i64),
    cycle: (String, i64),
    project: (String, i64),
    award: (String, i64),
    consultation: (String, i64),
    state: (String, i64),
    conference: (String, i64),
    meeting: (String, i64),
    organization: (String, i64),
}

/// Every record the cases update, read in one query.
const CURRENT: &str = r#"query($plan: ID!, $champion: ID!) {
    supportNeeds(first: 1) { nodes { id version } }
    ago: state(iso3: "AGO") { id version contactPoints { id version } engagements { id version } }
    plan(id: $plan) { id version targets { id version } }
    champion: node(id: $champion) { ... on Champion { id version accompaniedStates { id version } } }
    vtfCycles { id version }
    vtfProjects(first: 1) { nodes { id version } }
    sponsorshipAwards(first: 1) { nodes { id version } }
    advisoryConsultations(first: 1) { nodes { id version } }
    conference(number: 9) { id version }
    meetings(first: 1) { nodes { id version } }
    organizations(first: 1) { nodes { id version } }
}"#;

/// The records the cases update, as they are now.
async fn current(app: &TestApp, seq: u64) -> Ids {
    // Demo records the creates leave in place (a new plan or champion would come first in a list).
    let ids = json!({ "plan": global_id("Plan", 2).to_string(), "champion": global_id("Champion", 1).to_string() });
    let data = app.data(As::Secretariat, CURRENT, ids).await;
    let at = |pointer: &str| {
        let node = data.pointer(pointer).unwrap_or_else(|| panic!("nothing at {pointer} in {data}"));
        (node["id"].as_str().expect("an id").to_owned(), node["version"].as_i64().expect("a version"))
    };
    Ids {
        seq,
        need: at("/supportNeeds/nodes/0"),
        contact: at("/ago/contactPoints/0"),
        engagement: at("/ago/engagements/0"),
        plan: at("/plan"),
        target: at("/plan/targets/0"),
        champion: at("/champion"),
        assignment: at("/champion/accompaniedStates/0"),
        cycle: at("/vtfCycles/0"),
        project: at("/vtfProjects/nodes/0"),
        award: at("/sponsorshipAwards/nodes/0"),
        consultation: at("/advisoryConsultations/nodes/0"),
        state: at("/ago"),
        conference: at("/conference"),
        meeting: at("/meetings/nodes/0"),
        organization: at("/organizations/nodes/0"),
    }
}

/// Rows written so far, for checking that a refused call wrote nothing.
pub(crate) async fn rows(app: &TestApp) -> Vec<u64> {
    use entity::*;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let db = &app.db;
    vec![
        assessment::Entity::find().count(db).await.expect("count"),
        support_need::Entity::find().count(db).await.expect("count"),
        contact_point::Entity::find().count(db).await.expect("count"),
        engagement::Entity::find().count(db).await.expect("count"),
        plan::Entity::find().count(db).await.expect("count"),
        plan_target::Entity::find().count(db).await.expect("count"),
        champion::Entity::find().count(db).await.expect("count"),
        champion_assignment::Entity::find().count(db).await.expect("count"),
        vtf_cycle::Entity::find().count(db).await.expect("count"),
        vtf_project::Entity::find().count(db).await.expect("count"),
        sponsorship_award::Entity::find().count(db).await.expect("count"),
        advisory_consultation::Entity::find().count(db).await.expect("count"),
        state::Entity::find().count(db).await.expect("count"),
        conference::Entity::find().count(db).await.expect("count"),
        meeting::Entity::find().count(db).await.expect("count"),
        office_term::Entity::find().count(db).await.expect("count"),
        organization::Entity::find().count(db).await.expect("count"),
        // Mutations' events only: the reads of SENSITIVE fields by `current` are recorded too.
        audit_event::Entity::find().filter(audit_event::Column::Action.ne("READ")).count(db).await.expect("count"),
    ]
}

const WGTU: &[As] = &[As::Wgtu, As::Secretariat];
const SECRETARIAT: &[As] = &[As::Secretariat];
const VTF_COMMITTEE: &[As] = &[As::VtfCommittee, As::Secretariat];

/// States Parties no demo champion accompanies, one per call that assigns a champion.
const PARTIES: [&str; 8] = ["FRA", "DEU", "BRA", "JPN", "NZL", "MEX", "NOR", "PER"];

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "createAssessment",
            query: "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { id tier } } }",
            variables: |_| json!({ "i": { "state": "AGO", "assessedOn": "2026-11-01", "tier": 1, "processStage": "PARLIAMENT", "challenges": "x", "assessedBy": "WGTU" } }),
            allowed: WGTU,
        },
        Case {
            name: "createSupportNeed",
            query: "mutation($i: CreateSupportNeedInput!) { createSupportNeed(input: $i) { supportNeed { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "category": "LEGAL", "description": "x", "status": "OPEN", "sharedWithPartners": true } }),
            allowed: WGTU,
        },
        Case {
            name: "updateSupportNeed",
            query: "mutation($i: UpdateSupportNeedInput!) { updateSupportNeed(input: $i) { supportNeed { id status } } }",
            variables: |ids| json!({ "i": { "id": ids.need.0, "version": ids.need.1, "status": "MET" } }),
            allowed: WGTU,
        },
        Case {
            name: "createContactPoint",
            query: "mutation($i: CreateContactPointInput!) { createContactPoint(input: $i) { contactPoint { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "name": "x", "emails": ["a@example.org"] } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateContactPoint",
            query: "mutation($i: UpdateContactPointInput!) { updateContactPoint(input: $i) { contactPoint { id } } }",
            variables: |ids| json!({ "i": { "id": ids.contact.0, "version": ids.contact.1, "jobTitle": null } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createEngagement",
            query: "mutation($i: CreateEngagementInput!) { createEngagement(input: $i) { engagement { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "occurredOn": "2026-10-01", "channel": "CALL", "actor": "WGTU", "summary": "x" } }),
            allowed: WGTU,
        },
        Case {
            name: "updateEngagement",
            query: "mutation($i: UpdateEngagementInput!) { updateEngagement(input: $i) { engagement { id outcome } } }",
            variables: |ids| json!({ "i": { "id": ids.engagement.0, "version": ids.engagement.1, "outcome": "agreed" } }),
            allowed: WGTU,
        },
        Case {
            name: "createPlan",
            query: "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            variables: |_| json!({ "i": { "title": "x", "firstYear": 2027, "lastYear": 2030, "status": "DRAFT", "objectives": "x", "priorityRegions": ["AFRICAN"] } }),
            allowed: WGTU,
        },
        Case {
            name: "updatePlan",
            query: "mutation($i: UpdatePlanInput!) { updatePlan(input: $i) { plan { id title } } }",
            variables: |ids| json!({ "i": { "id": ids.plan.0, "version": ids.plan.1, "title": format!("x{}", ids.seq) } }),
            allowed: WGTU,
        },
        Case {
            name: "createPlanTarget",
            query: "mutation($i: CreatePlanTargetInput!) { createPlanTarget(input: $i) { planTarget { id } } }",
            variables: |ids| json!({ "i": { "plan": ids.plan.0, "state": "AGO", "milestone": "SIGNATURE", "targetYear": 2028, "rationale": "x" } }),
            allowed: WGTU,
        },
        Case {
            name: "updatePlanTarget",
            query: "mutation($i: UpdatePlanTargetInput!) { updatePlanTarget(input: $i) { planTarget { id } } }",
            variables: |ids| json!({ "i": { "id": ids.target.0, "version": ids.target.1, "rationale": format!("x{}", ids.seq) } }),
            allowed: WGTU,
        },
        Case {
            name: "createChampion",
            query: "mutation($i: CreateChampionInput!) { createChampion(input: $i) { champion { id } } }",
            variables: |_| json!({ "i": { "state": "GHA", "unRegionalGroup": "AFRICAN", "kind": "VOLUNTEER", "termStart": "2026-08-29", "termEnd": "2027-08-27" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateChampion",
            query: "mutation($i: UpdateChampionInput!) { updateChampion(input: $i) { champion { id } } }",
            variables: |ids| json!({ "i": { "id": ids.champion.0, "version": ids.champion.1, "termEnd": "2026-08-29" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createChampionAssignment",
            query: "mutation($i: CreateChampionAssignmentInput!) { createChampionAssignment(input: $i) { championAssignment { id } } }",
            variables: |ids| json!({ "i": { "champion": ids.champion.0, "state": PARTIES[ids.seq as usize % PARTIES.len()], "since": "2026-01-15" } }),
            allowed: WGTU,
        },
        Case {
            name: "updateChampionAssignment",
            query: "mutation($i: UpdateChampionAssignmentInput!) { updateChampionAssignment(input: $i) { championAssignment { id } } }",
            variables: |ids| json!({ "i": { "id": ids.assignment.0, "version": ids.assignment.1, "note": null } }),
            allowed: WGTU,
        },
        Case {
            name: "endChampionAssignment",
            query: "mutation($i: EndChampionAssignmentInput!) { endChampionAssignment(input: $i) { endedAssignmentId } }",
            variables: |ids| json!({ "i": { "id": ids.assignment.0, "version": ids.assignment.1 } }),
            allowed: WGTU,
        },
        Case {
            name: "createVtfCycle",
            query: "mutation($i: CreateVtfCycleInput!) { createVtfCycle(input: $i) { vtfCycle { id } } }",
            variables: |ids| json!({ "i": { "year": 2030 + ids.seq % 60, "callOpens": "2040-01-15", "callCloses": "2040-03-15", "fundsAvailable": "2000000.00", "currency": "USD" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateVtfCycle",
            query: "mutation($i: UpdateVtfCycleInput!) { updateVtfCycle(input: $i) { vtfCycle { id } } }",
            variables: |ids| json!({ "i": { "id": ids.cycle.0, "version": ids.cycle.1, "fundsAvailable": "1.00" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createVtfProject",
            query: "mutation($i: CreateVtfProjectInput!) { createVtfProject(input: $i) { vtfProject { id } } }",
            variables: |_| json!({ "i": { "cycle": 2026, "state": "AGO", "title": "x", "category": "LEGAL", "amountRequested": "50000.00", "currency": "USD" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateVtfProject",
            query: "mutation($i: UpdateVtfProjectInput!) { updateVtfProject(input: $i) { vtfProject { id } } }",
            variables: |ids| json!({ "i": { "id": ids.project.0, "version": ids.project.1, "title": format!("x{}", ids.seq) } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "decideVtfProject",
            query: "mutation($i: DecideVtfProjectInput!) { decideVtfProject(input: $i) { vtfProject { id status } } }",
            variables: |ids| json!({ "i": { "id": ids.project.0, "version": ids.project.1, "status": "APPROVED", "amountApproved": "1.00", "amountDisbursed": null } }),
            allowed: VTF_COMMITTEE,
        },
        Case {
            name: "createSponsorshipAward",
            query: "mutation($i: CreateSponsorshipAwardInput!) { createSponsorshipAward(input: $i) { sponsorshipAward { id } } }",
            variables: |ids| json!({ "i": { "meeting": ids.meeting.0, "state": "AGO", "status": "OFFERED", "cost": "4000.00", "currency": "CHF" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateSponsorshipAward",
            query: "mutation($i: UpdateSponsorshipAwardInput!) { updateSponsorshipAward(input: $i) { sponsorshipAward { id } } }",
            variables: |ids| json!({ "i": { "id": ids.award.0, "version": ids.award.1, "status": "ATTENDED" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createAdvisoryConsultation",
            query: "mutation($i: CreateAdvisoryConsultationInput!) { createAdvisoryConsultation(input: $i) { advisoryConsultation { id } } }",
            variables: |_| json!({ "i": { "state": "AGO", "consultedOn": "2026-11-02", "pathway": ["SPONSORSHIP", "VTF"], "rationale": "x" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateAdvisoryConsultation",
            query: "mutation($i: UpdateAdvisoryConsultationInput!) { updateAdvisoryConsultation(input: $i) { advisoryConsultation { id } } }",
            variables: |ids| json!({ "i": { "id": ids.consultation.0, "version": ids.consultation.1, "followUp": null } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateStateTreatyStatus",
            query: "mutation($i: UpdateStateTreatyStatusInput!) { updateStateTreatyStatus(input: $i) { state { attStatus } } }",
            variables: |ids| json!({ "i": { "id": ids.state.0, "version": ids.state.1, "attStatus": "SIGNATORY", "signatureDate": "2013-09-24" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createConference",
            query: "mutation($i: CreateConferenceInput!) { createConference(input: $i) { conference { id } } }",
            variables: |ids| json!({ "i": { "number": 100 + ids.seq, "startDate": "2030-08-26", "endDate": "2030-08-30", "venue": "Geneva" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateConference",
            query: "mutation($i: UpdateConferenceInput!) { updateConference(input: $i) { conference { id } } }",
            variables: |ids| json!({ "i": { "id": ids.conference.0, "version": ids.conference.1, "venue": format!("Geneva {}", ids.seq) } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createMeeting",
            query: "mutation($i: CreateMeetingInput!) { createMeeting(input: $i) { meeting { id } } }",
            variables: |_| json!({ "i": { "conference": 12, "kind": "WORKING_GROUP", "title": "x", "startDate": "2026-02-10", "endDate": "2026-02-11", "venue": "Geneva" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateMeeting",
            query: "mutation($i: UpdateMeetingInput!) { updateMeeting(input: $i) { meeting { id } } }",
            variables: |ids| json!({ "i": { "id": ids.meeting.0, "version": ids.meeting.1, "title": format!("x{}", ids.seq) } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createOfficeTerm",
            query: "mutation($i: CreateOfficeTermInput!) { createOfficeTerm(input: $i) { officeTerm { id } } }",
            variables: |_| json!({ "i": { "office": "VICE_PRESIDENT", "state": "FRA", "conference": 12 } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "createOrganization",
            query: "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }",
            variables: |_| json!({ "i": { "name": "x", "kind": "CIVIL_SOCIETY", "iatiIdentifier": "XM-DAC-1" } }),
            allowed: SECRETARIAT,
        },
        Case {
            name: "updateOrganization",
            query: "mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { organization { id } } }",
            variables: |ids| json!({ "i": { "id": ids.organization.0, "version": ids.organization.1, "coverage": format!("x{}", ids.seq) } }),
            allowed: SECRETARIAT,
        },
    ]
}

#[test]
fn the_table_covers_every_mutation_of_the_internal_bodies() {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let doc = parse_schema(api::schema::sdl()).expect("the SDL parses");
    let mut internal: Vec<String> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) if t.node.name.node == "Mutation" => match &t.node.kind {
                TypeKind::Object(o) => Some(o.fields.iter().map(|f| f.node.name.node.to_string()).collect::<Vec<_>>()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        // Partners' reports and their review have their own tests (reports.rs).
        .filter(|name| !name.ends_with("ActivityReport"))
        .collect();
    let mut covered: Vec<String> = cases().iter().map(|c| c.name.to_owned()).collect();
    internal.sort_unstable();
    covered.sort_unstable();
    assert_eq!(covered, internal);
}

#[tokio::test]
async fn every_internal_mutation_is_open_exactly_to_its_roles() {
    let app = spawn_app_with_demo(0.001).await;

    let mut seq = 0;
    for case in cases() {
        for who in ROLES {
            seq += 1;
            let ids = current(&app, seq).await;
            let before = rows(&app).await;
            let body = app.gql(who, case.query, (case.variables)(&ids)).await;
            if case.allowed.contains(&who) {
                assert!(body.get("errors").is_none(), "{} as {who:?} must succeed: {body}", case.name);
            } else {
                assert_eq!(codes(&body), ["FORBIDDEN"], "{} as {who:?} must be refused: {body}", case.name);
                assert_eq!(rows(&app).await, before, "{} as {who:?} wrote something", case.name);
                assert_eq!(current(&app, seq).await, ids, "{} as {who:?} changed something", case.name);
            }
        }
    }
}

#[tokio::test]
async fn a_new_assessment_becomes_the_current_one_and_the_history_is_kept() {
    let app = spawn_app_with_demo(0.001).await;
    let q =
        r#"{ state(iso3: "AGO") { currentAssessment { tier processStage assessedOn } assessments { assessedOn } } }"#;
    let before = app.data(As::Wgtu, q, json!({})).await;
    let history = before["state"]["assessments"].as_array().expect("history").len();

    let m = "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { tier } } }";
    let input = json!({ "i": { "state": "AGO", "assessedOn": "2026-11-20", "tier": 2, "processStage": "EXECUTIVE_APPROVAL", "challenges": "x", "assessedBy": "WGTU co-chairs" } });
    app.data(As::Wgtu, m, input).await;

    let after = app.data(As::Wgtu, q, json!({})).await;
    assert_eq!(
        after["state"]["currentAssessment"],
        json!({ "tier": 2, "processStage": "EXECUTIVE_APPROVAL", "assessedOn": "2026-11-20" })
    );
    assert_eq!(after["state"]["assessments"].as_array().expect("history").len(), history + 1);
    assert_eq!(after["state"]["assessments"][0]["assessedOn"], "2026-11-20", "newest first");
}

#[tokio::test]
async fn invalid_assessments_are_refused_naming_every_field() {
    let app = spawn_app_with_demo(0.001).await;
    let before = rows(&app).await;
    let m = "mutation($i: CreateAssessmentInput!) { createAssessment(input: $i) { assessment { tier } } }";

    let body = app
        .gql(As::Wgtu, m, json!({ "i": { "state": "ZZZ", "assessedOn": "1900-01-01", "tier": 7, "processStage": "PARLIAMENT", "challenges": " ", "assessedBy": "" } }))
        .await;

    let mut fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["extensions"]["field"].as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["input.assessedBy", "input.assessedOn", "input.challenges", "input.state", "input.tier"],
        "{body}"
    );
    assert_eq!(rows(&app).await, before);
}
