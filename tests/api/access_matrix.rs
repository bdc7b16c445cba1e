//! The access matrix of DESIGN.md §2–§3, written out here independently of the code, and
//! checked two ways: the generated schema declares exactly these classes (a field without a
//! class, or with another one, fails), and every field, queried through a real path on demo
//! data as every role, answers with data or `FORBIDDEN` exactly as the matrix says.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, ConstDirective, FieldDefinition, Type, TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with_demo};

/// Every object type's fields by access class, as DESIGN.md §3 and §4 give them.
const MATRIX: &str = "
Query: PUBLIC node nodes me rateLimit state states conference conferences meetings organization organizations champions vtfCycles vtfCycle universalizationOverview; PARTNER plans plan supportNeeds vtfProjects sponsorshipAwards activityReport activityReports coordinationOverlaps; SENSITIVE assessments advisoryConsultations; AUDIT auditEvents
State: PUBLIC id iso3 iso2 name unRegionalGroup continent attStatus signatureDate consentDate consentKind entryIntoForceDate genevaMission createdAt updatedAt version championTerms officeTerms; SENSITIVE currentAssessment assessments contactPoints engagements accompaniedBy consultations planTargets; PARTNER supportNeeds vtfProjects sponsorshipAwards activityReports; FINANCIAL vtfApproved
Conference: PUBLIC id number startDate endDate venue presidentState presidentName meetings officeTerms updatedAt version
Meeting: PUBLIC id conference kind title startDate endDate venue updatedAt version; PARTNER sponsorshipAwards
OfficeTerm: PUBLIC id office state conference holderName
Organization: PUBLIC id name acronym kind iatiIdentifier coverage createdAt updatedAt version; SENSITIVE internalNotes; PARTNER activityReports vtfProjects
Plan: PUBLIC id; PARTNER title firstYear lastYear endorsedAt status objectives priorityRegions updatedAt version; SENSITIVE targets
PlanTarget: PUBLIC id; SENSITIVE plan state milestone targetYear rationale version
Assessment: PUBLIC id; SENSITIVE state assessedOn tier processStage challenges notes assessedBy createdAt
SupportNeed: PUBLIC id; PARTNER state category description status sharedWithPartners updatedAt version
ContactPoint: PUBLIC id; SENSITIVE state name jobTitle ministry emails phones address version
Engagement: PUBLIC id; SENSITIVE state occurredOn channel actor summary outcome followUpOn version
Champion: PUBLIC id state unRegionalGroup kind termStart termEnd version; SENSITIVE accompaniedStates
ChampionAssignment: PUBLIC id; SENSITIVE champion state since note version
VtfCycle: PUBLIC id year callOpens callCloses version; FINANCIAL fundsAvailable currency; PARTNER projects
VtfProject: PUBLIC id; PARTNER cycle state title category status implementingOrganization startDate endDate updatedAt version; FINANCIAL amountRequested amountApproved amountDisbursed currency; SENSITIVE committeeAssessment
SponsorshipAward: PUBLIC id; PARTNER meeting state status updatedAt version; SENSITIVE delegateName; FINANCIAL cost currency
AdvisoryConsultation: PUBLIC id; SENSITIVE state consultedOn pathway rationale followUp updatedAt version
ActivityReport: PUBLIC id; PARTNER organization title description activityType status startDate endDate targetStates attThemes participantsTotal participantsWomen outcomes participatingOrganizations vtfProject reviewStatus reviewComment reviewedAt submittedAt createdAt updatedAt version; FINANCIAL budget currency fundingSource; SENSITIVE reviewedBy
AuditEvent: PUBLIC id; AUDIT occurredAt requestId actorSub actorRole actorOrganizationId operation action targetType targetId field
OverviewGroup: PUBLIC key continent unRegionalGroup stateCount statesByStatus; SENSITIVE statesByTier statesWithOpenNeeds; PARTNER statesWithOpenSharedNeeds activityReports; FINANCIAL vtfApproved
StatusCount: PUBLIC status count
TierCount: PUBLIC tier count
CurrencyAmount: PUBLIC currency amount
CoordinationOverlap: PUBLIC state activityType periodStart periodEnd reports organizations vtfProjects
Me: PUBLIC role sub organization
RateLimitStatus: PUBLIC limit remaining cost resetInSeconds
PageInfo: PUBLIC hasNextPage hasPreviousPage startCursor endCursor
ActivityReportPayload: PARTNER activityReport
AssessmentPayload: SENSITIVE assessment
SupportNeedPayload: PARTNER supportNeed
ContactPointPayload: SENSITIVE contactPoint
EngagementPayload: SENSITIVE engagement
PlanPayload: PARTNER plan
PlanTargetPayload: SENSITIVE planTarget
ChampionPayload: PUBLIC champion
ChampionAssignmentPayload: SENSITIVE championAssignment
EndChampionAssignmentPayload: SENSITIVE endedAssignmentId; PUBLIC champion
VtfCyclePayload: PUBLIC vtfCycle
VtfProjectPayload: PARTNER vtfProject
SponsorshipAwardPayload: PARTNER sponsorshipAward
AdvisoryConsultationPayload: SENSITIVE advisoryConsultation
StatePayload: PUBLIC state
ConferencePayload: PUBLIC conference
MeetingPayload: PUBLIC meeting
OfficeTermPayload: PUBLIC officeTerm
OrganizationPayload: PUBLIC organization
";

/// Arguments that filter, order or count by a restricted value.
const ARGUMENTS: &str = "
Query.states.tier SENSITIVE
Query.states.processStage SENSITIVE
";

/// Who may call each mutation (DESIGN.md §2).
const WRITERS: &str = "
PARTNER: createActivityReport updateActivityReport submitActivityReport withdrawActivityReport
SECRETARIAT: acceptActivityReport returnActivityReport createContactPoint updateContactPoint
SECRETARIAT: createChampion updateChampion createVtfCycle updateVtfCycle createVtfProject updateVtfProject
SECRETARIAT: createSponsorshipAward updateSponsorshipAward createAdvisoryConsultation updateAdvisoryConsultation
SECRETARIAT: updateStateTreatyStatus createConference updateConference createMeeting updateMeeting createOfficeTerm createOrganization updateOrganization
WGTU SECRETARIAT: createAssessment createSupportNeed updateSupportNeed createEngagement updateEngagement
WGTU SECRETARIAT: createPlan updatePlan createPlanTarget updatePlanTarget createChampionAssignment updateChampionAssignment endChampionAssignment
VTF_COMMITTEE SECRETARIAT: decideVtfProject
";

/// The fields of every connection and edge type are PUBLIC: the field returning the
/// connection carries the class of its rows.
fn is_page_type(name: &str) -> bool {
    name.ends_with("Connection") || name.ends_with("Edge")
}

fn matrix() -> BTreeMap<(String, String), String> {
    let mut m = BTreeMap::new();
    for line in MATRIX.lines().filter(|l| !l.trim().is_empty()) {
        let (ty, rest) = line.split_once(':').expect("Type: CLASS fields");
        for group in rest.split(';') {
            let mut words = group.split_whitespace();
            let class = words.next().expect("a class");
            for field in words {
                m.insert((ty.trim().to_owned(), field.to_owned()), class.to_owned());
            }
        }
    }
    m
}

fn directive_arg(directives: &[async_graphql::Positioned<ConstDirective>], name: &str, arg: &str) -> Option<String> {
    let d = directives.iter().find(|d| d.node.name.node == name)?;
    d.node.get_argument(arg).map(|v| v.node.to_string())
}

/// Object types of the generated schema with their field definitions.
fn schema_objects() -> BTreeMap<String, Vec<FieldDefinition>> {
    let doc = parse_schema(api::schema::sdl()).expect("the SDL parses");
    let mut out = BTreeMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def
            && let TypeKind::Object(o) = t.node.kind
        {
            out.insert(t.node.name.node.to_string(), o.fields.into_iter().map(|f| f.node).collect());
        }
    }
    out
}

#[test]
fn every_field_declares_the_class_design_md_gives_it() {
    let expected = matrix();
    let writers: BTreeMap<String, BTreeSet<String>> = WRITERS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| {
            let (roles, names) = l.split_once(':').expect("ROLES: mutations");
            let roles: BTreeSet<String> = roles.split_whitespace().map(str::to_owned).collect();
            names.split_whitespace().map(move |n| (n.to_owned(), roles.clone())).collect::<Vec<_>>()
        })
        .collect();
    let arguments: BTreeSet<String> =
        ARGUMENTS.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut seen_args = BTreeSet::new();
    for (ty, fields) in schema_objects() {
        for f in fields {
            let name = f.name.node.to_string();
            if ty == "Mutation" {
                let declared: Option<BTreeSet<String>> = directive_arg(&f.directives, "writers", "roles").map(|v| {
                    v.trim_matches(|c| c == '[' || c == ']').split(',').map(|r| r.trim().to_owned()).collect()
                });
                match (declared, writers.get(&name)) {
                    (Some(d), Some(w)) if &d == w => {}
                    (d, w) => problems.push(format!("Mutation.{name}: declares {d:?}, DESIGN gives {w:?}")),
                }
                continue;
            }
            let declared = directive_arg(&f.directives, "access", "class");
            let want = if is_page_type(&ty) {
                Some("PUBLIC".to_owned())
            } else {
                expected.get(&(ty.clone(), name.clone())).cloned()
            };
            seen.insert((ty.clone(), name.clone()));
            match (&declared, &want) {
                (None, _) => problems.push(format!("{ty}.{name} declares no access class")),
                (Some(d), Some(w)) if d == w => {}
                (Some(d), w) => problems.push(format!("{ty}.{name} declares {d}, DESIGN gives {w:?}")),
            }
            if declared.as_deref() != Some("PUBLIC") && !f.ty.node.nullable {
                problems.push(format!("{ty}.{name} is above PUBLIC and must be nullable"));
            }
            for a in &f.arguments {
                if let Some(class) = directive_arg(&a.node.directives, "access", "class") {
                    let line = format!("{ty}.{name}.{} {class}", a.node.name.node);
                    if !arguments.contains(&line) {
                        problems.push(format!("argument {line} is not in the matrix"));
                    }
                    seen_args.insert(line);
                }
            }
        }
    }
    for (ty, f) in expected.keys() {
        if !seen.contains(&(ty.clone(), f.clone())) {
            problems.push(format!("{ty}.{f} is in the matrix but not in the schema"));
        }
    }
    for a in arguments.difference(&seen_args) {
        problems.push(format!("argument {a} is in the matrix but not declared in the schema"));
    }
    assert!(problems.is_empty(), "the schema and DESIGN.md disagree:\n{}", problems.join("\n"));
}

/// Whether `who` may read a value of `class` on a record owned by organisation `owner`, as
/// DESIGN.md §2 says (written out here, not taken from the code).
fn design_allows(who: As, class: &str, owner: Option<i64>) -> bool {
    match class {
        "PUBLIC" => true,
        "PARTNER" => who != As::Anonymous,
        "SENSITIVE" => matches!(who, As::Wgtu | As::Secretariat),
        "FINANCIAL" => {
            matches!(who, As::VtfCommittee | As::Wgtu | As::Secretariat)
                || matches!(who, As::Partner(o) if Some(o) == owner)
        }
        "AUDIT" => who == As::Secretariat,
        other => panic!("unknown class {other}"),
    }
}

const ROLES: [As; 6] = [As::Anonymous, As::Partner(1), As::Partner(2), As::VtfCommittee, As::Wgtu, As::Secretariat];

fn base(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => base(inner),
    }
}

/// The selection of `f` in a query: scalars as they are, objects with `__typename`, and the
/// sample arguments a field requires.
fn selection(f: &FieldDefinition, objects: &BTreeMap<String, Vec<FieldDefinition>>) -> String {
    let name = f.name.node.as_str();
    let has = |arg: &str| f.arguments.iter().any(|a| a.node.name.node == arg);
    let args = match name {
        "state" if has("iso3") => r#"(iso3: "AGO")"#,
        "conference" if has("number") => "(number: 1)",
        "vtfCycle" => "(year: 2020)",
        "universalizationOverview" => "(groupBy: CONTINENT)",
        "coordinationOverlaps" => r#"(from: "2015-01-01", to: "2026-12-31", limit: 1)"#,
        "node" => r#"(id: "U3RhdGU6MQ")"#,
        "nodes" => r#"(ids: ["U3RhdGU6MQ"])"#,
        "organization" if has("id") => "(id: $org)",
        "plan" if has("id") => "(id: $plan)",
        "activityReport" if has("id") => "(id: $report)",
        _ => "",
    };
    let ty = base(&f.ty.node);
    let sub = if objects.contains_key(ty) || ty == "Node" { " { __typename }" } else { "" };
    format!("{name}{args}{sub}")
}

/// Queries every field of `ty` through `prefix`/`suffix` as every role and checks each answer
/// against the matrix. `path` is where the object sits in the response.
async fn check_type(
    app: &TestApp,
    ty: &str,
    prefix: &str,
    suffix: &str,
    path: &[Value],
    owner: Option<i64>,
    vars: Value,
) -> Vec<String> {
    let objects = schema_objects();
    let expected = matrix();
    let fields = &objects[ty];
    let selections: Vec<String> = fields.iter().map(|f| selection(f, &objects)).collect();
    let query = format!("{prefix} {} {suffix}", selections.join(" "));
    let mut problems = Vec::new();
    for who in ROLES {
        let body = app.gql(who, &query, vars.clone()).await;
        if body["data"].is_null() {
            problems.push(format!("{ty} as {who:?}: the query failed: {body}"));
            continue;
        }
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        for f in fields {
            let name = f.name.node.as_str();
            let class = &expected[&(ty.to_owned(), name.to_owned())];
            let mut field_path = path.to_vec();
            field_path.push(json!(name));
            let at: Vec<&Value> = errors.iter().filter(|e| e["path"].as_array() == Some(&field_path)).collect();
            let forbidden = at.iter().any(|e| e["extensions"]["code"] == "FORBIDDEN");
            let mut pointer = String::new();
            for p in &field_path {
                pointer.push('/');
                pointer.push_str(&p.as_str().map(str::to_owned).unwrap_or_else(|| p.to_string()));
            }
            let value = body["data"].pointer(&pointer);
            if design_allows(who, class, owner) {
                if !at.is_empty() {
                    problems.push(format!("{who:?} may read {ty}.{name} ({class}) but got {at:?}"));
                }
            } else if !forbidden || value != Some(&Value::Null) {
                problems.push(format!("{who:?} may not read {ty}.{name} ({class}) but got {value:?} with {at:?}"));
            }
        }
    }
    problems
}

/// The database id of the first row `sql` returns.
async fn id_of(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let row =
        app.db.query_one_raw(Statement::from_string(backend, sql.to_owned())).await.expect("a query").expect("a row");
    row.try_get::<i64>("", "id").expect("an id")
}

#[tokio::test]
async fn each_role_reads_exactly_what_design_md_allows() {
    let app = spawn_app_with_demo(0.001).await;
    use sea_orm::ConnectionTrait;
    // Arrange records whose owner matters: an accepted report and a VTF project of org 1.
    let report =
        id_of(&app, "SELECT id FROM activity_reports WHERE review_status = 'ACCEPTED' ORDER BY id LIMIT 1").await;
    app.db
        .execute_unprepared(&format!("UPDATE activity_reports SET organization_id = 1 WHERE id = {report}"))
        .await
        .expect("arrange");
    let project = id_of(&app, "SELECT id FROM vtf_projects ORDER BY id LIMIT 1").await;
    app.db
        .execute_unprepared(&format!("UPDATE vtf_projects SET implementing_organization_id = 1 WHERE id = {project}"))
        .await
        .expect("arrange");
    // A SENSITIVE read leaves an audit event to look at.
    app.data(As::Wgtu, r#"{ state(iso3: "AGO") { currentAssessment { tier } } }"#, json!({})).await;

    let nodes: Vec<(&str, String, Option<i64>)> = vec![
        ("State", "SELECT id FROM states WHERE iso3 = 'AGO'".into(), None),
        ("Conference", "SELECT id FROM conferences ORDER BY id LIMIT 1".into(), None),
        ("Meeting", "SELECT id FROM meetings ORDER BY id LIMIT 1".into(), None),
        ("OfficeTerm", "SELECT id FROM office_terms ORDER BY id LIMIT 1".into(), None),
        ("Organization", "SELECT id FROM organizations ORDER BY id LIMIT 1".into(), None),
        ("Plan", "SELECT id FROM plans ORDER BY id LIMIT 1".into(), None),
        ("PlanTarget", "SELECT id FROM plan_targets ORDER BY id LIMIT 1".into(), None),
        ("Assessment", "SELECT id FROM assessments ORDER BY id LIMIT 1".into(), None),
        (
            "SupportNeed",
            "SELECT id FROM support_needs WHERE shared_with_partners = TRUE ORDER BY id LIMIT 1".into(),
            None,
        ),
        ("ContactPoint", "SELECT id FROM contact_points ORDER BY id LIMIT 1".into(), None),
        ("Engagement", "SELECT id FROM engagements ORDER BY id LIMIT 1".into(), None),
        ("Champion", "SELECT id FROM champions ORDER BY id LIMIT 1".into(), None),
        ("ChampionAssignment", "SELECT id FROM champion_assignments ORDER BY id LIMIT 1".into(), None),
        ("VtfCycle", "SELECT id FROM vtf_cycles ORDER BY id LIMIT 1".into(), None),
        ("VtfProject", format!("SELECT id FROM vtf_projects WHERE id = {project}"), Some(1)),
        ("SponsorshipAward", "SELECT id FROM sponsorship_awards ORDER BY id LIMIT 1".into(), None),
        ("AdvisoryConsultation", "SELECT id FROM advisory_consultations ORDER BY id LIMIT 1".into(), None),
        ("ActivityReport", format!("SELECT id FROM activity_reports WHERE id = {report}"), Some(1)),
        ("AuditEvent", "SELECT id FROM audit_events ORDER BY id LIMIT 1".into(), None),
    ];
    let org = api::node::global_id("Organization", 1).to_string();
    let plan = api::node::global_id("Plan", 1).to_string();
    let act = api::node::global_id("ActivityReport", report).to_string();

    let mut problems = Vec::new();
    for (ty, sql, owner) in &nodes {
        let id = api::node::global_id(ty, id_of(&app, sql).await).to_string();
        let prefix = format!("query($node: ID!) {{ node(id: $node) {{ ... on {ty} {{");
        problems.extend(check_type(&app, ty, &prefix, "} } }", &[json!("node")], *owner, json!({ "node": id })).await);
    }
    let vars = json!({ "org": org, "plan": plan, "report": act });
    problems
        .extend(check_type(&app, "Query", "query($org: ID!, $plan: ID!, $report: ID!) {", "}", &[], None, vars).await);
    problems.extend(check_type(&app, "Me", "{ me {", "} }", &[json!("me")], None, json!({})).await);
    problems.extend(
        check_type(
            &app,
            "OverviewGroup",
            "{ universalizationOverview(groupBy: CONTINENT) {",
            "} }",
            &[json!("universalizationOverview"), json!(0)],
            None,
            json!({}),
        )
        .await,
    );
    assert!(problems.is_empty(), "{} disagreements with DESIGN.md:\n{}", problems.len(), problems.join("\n"));
}
