//! Streamed exports: the rows of the GraphQL answer, the columns the caller's role may read,
//! CSV a spreadsheet cannot be attacked through, and an IATI file that validates.

use std::collections::HashMap;

use entity::enums::{ActivityStatus, ActivityType, ReviewStatus, StringList};
use entity::{activity_report, activity_report_state, audit_event, state};
use futures_util::future::join_all;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with_demo};

/// Every column of an activity-report export, in order (README, "Exports").
const REPORT_COLUMNS: [&str; 27] = [
    "id",
    "organizationId",
    "organizationName",
    "title",
    "description",
    "activityType",
    "status",
    "startDate",
    "endDate",
    "targetStates",
    "attThemes",
    "participantsTotal",
    "participantsWomen",
    "outcomes",
    "participatingOrganizations",
    "vtfProjectId",
    "budget",
    "currency",
    "fundingSource",
    "reviewStatus",
    "reviewComment",
    "reviewedBy",
    "reviewedAt",
    "submittedAt",
    "createdAt",
    "updatedAt",
    "version",
];

/// What a partner's report export leaves out: the FINANCIAL and SENSITIVE fields.
const PARTNER_OMITS: &[&str] = &["budget", "currency", "fundingSource", "reviewedBy"];

/// Relation columns and the fields they flatten; every other column is the field of its name.
const FLATTENED: &[(&str, &str)] = &[
    ("organizationId", "organization.id"),
    ("organizationName", "organization.name"),
    ("targetStates", "targetStates.iso3"),
    ("vtfProjectId", "vtfProject.id"),
    ("cycleYear", "cycle.year"),
    ("stateIso3", "state.iso3"),
    ("implementingOrganizationId", "implementingOrganization.id"),
    ("implementingOrganizationName", "implementingOrganization.name"),
    ("meetingId", "meeting.id"),
    ("meetingTitle", "meeting.title"),
];

fn path_of(column: &str) -> Vec<&str> {
    FLATTENED.iter().find(|(c, _)| *c == column).map(|(_, p)| p.split('.').collect()).unwrap_or_else(|| vec![column])
}

/// The GraphQL selection that reads `columns`.
fn selection(columns: &[String]) -> String {
    let mut order: Vec<&str> = Vec::new();
    let mut nested: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in columns {
        let path = path_of(c);
        if !order.contains(&path[0]) {
            order.push(path[0]);
        }
        if let Some(sub) = path.get(1) {
            nested.entry(path[0]).or_default().push(sub);
        }
    }
    order
        .iter()
        .map(|f| match nested.get(f) {
            Some(sub) => format!("{f} {{ {} }}", sub.join(" ")),
            None => (*f).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_at(node: &Value, path: &[&str]) -> Value {
    match path.split_first() {
        None => node.clone(),
        Some((first, rest)) => match node {
            Value::Object(o) => o.get(*first).map_or(Value::Null, |v| value_at(v, rest)),
            Value::Array(items) => Value::Array(items.iter().map(|i| value_at(i, path)).collect()),
            _ => Value::Null,
        },
    }
}

/// The CSV cell the README promises for a GraphQL value.
fn expected_cell(v: &Value) -> String {
    fn plain(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(";"),
            other => other.to_string(),
        }
    }
    let text = plain(v);
    let is_text = matches!(v, Value::String(_) | Value::Array(_));
    if is_text && text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text }
}

/// An export as the client receives it.
struct Export {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Export {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `extensions.code` of the first error of a refusal.
    fn code(&self) -> String {
        let body: Value =
            serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("a JSON error body: {}", self.body));
        body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()
    }
}

async fn send(app: &TestApp, who: As, path: &str) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = who.token() {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("the server answers")
}

async fn export(app: &TestApp, who: As, path: &str) -> Export {
    let resp = send(app, who, path).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap_or_else(|e| panic!("{path}: the body arrives whole: {e}"));
    Export { status, headers, body }
}

/// Every node of a root list field, read 100 at a time through `POST /graphql`.
async fn graphql_rows(app: &TestApp, who: As, field: &str, args: &str, selection: &str) -> Vec<Value> {
    let query = format!(
        "query($after: String) {{ list: {field}(first: 100, after: $after{args}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}"
    );
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(who, &query, json!({ "after": after })).await;
        let list = &data["list"];
        rows.extend(list["nodes"].as_array().expect("nodes").iter().cloned());
        if list["pageInfo"]["hasNextPage"] != true {
            return rows;
        }
        after = list["pageInfo"]["endCursor"].clone();
    }
}

fn parse_csv(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.expect("an RFC 4180 record").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// The CSV's rows are the GraphQL rows, cell by cell.
fn assert_csv_matches(what: &str, columns: &[String], rows: &[Vec<String>], expected: &[Value]) {
    assert_eq!(rows.len(), expected.len(), "{what}: as many rows as GraphQL answers");
    for (i, (row, node)) in rows.iter().zip(expected).enumerate() {
        for (c, (cell, column)) in row.iter().zip(columns).enumerate() {
            let want = expected_cell(&value_at(node, &path_of(column)));
            assert_eq!(cell, &want, "{what}: row {i}, column {c} ({column})");
        }
    }
}

/// Each NDJSON line is the GraphQL row with the CSV's columns as keys, in order.
fn assert_ndjson_matches(what: &str, columns: &[String], body: &str, expected: &[Value]) {
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{what}: one line per row");
    for (i, (line, node)) in lines.iter().zip(expected).enumerate() {
        let object: serde_json::Map<String, Value> = serde_json::from_str(line).expect("a JSON object per line");
        let keys: Vec<&String> = object.keys().collect();
        let mut sorted: Vec<&String> = columns.iter().collect();
        sorted.sort();
        assert_eq!(keys, sorted, "{what}: line {i} has exactly the columns");
        assert!(line.starts_with(&format!("{{\"{}\":", columns[0])), "{what}: keys keep the column order");
        for column in columns {
            assert_eq!(object[column], value_at(node, &path_of(column)), "{what}: line {i}, {column}");
        }
    }
}

/// Two organisations with reports; the first also has a draft, which only it may see.
async fn two_partner_orgs(app: &TestApp) -> (i64, i64) {
    let draft = activity_report::Entity::find()
        .filter(activity_report::Column::ReviewStatus.eq(ReviewStatus::Draft))
        .order_by_asc(activity_report::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the demo data has drafts");
    let other = activity_report::Entity::find()
        .filter(activity_report::Column::OrganizationId.ne(draft.organization_id))
        .order_by_asc(activity_report::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("reports of another organisation");
    (draft.organization_id, other.organization_id)
}

fn org_global_id(id: i64) -> String {
    api::node::global_id("Organization", id).to_string()
}

/// Exports the reports as `who`, checks the columns and every row against GraphQL, and
/// returns the rows.
async fn check_report_export(app: &TestApp, who: As, omitted: &[&str]) -> Vec<Vec<String>> {
    let what = format!("{who:?}");
    let expected_columns: Vec<String> =
        REPORT_COLUMNS.iter().filter(|c| !omitted.contains(c)).map(|c| (*c).to_owned()).collect();
    let fields = selection(&expected_columns);
    let (e, nodes) = tokio::join!(
        export(app, who, "/export/activity_reports.csv"),
        graphql_rows(app, who, "activityReports", "", &fields),
    );
    assert_eq!(e.status, 200, "{what}: {}", e.body.chars().take(300).collect::<String>());
    assert_eq!(e.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(e.header("content-disposition"), Some("attachment; filename=\"activity_reports.csv\""));
    assert_eq!(e.header("x-omitted-columns"), Some(omitted.join(",").as_str()), "{what}");

    let (header, rows) = parse_csv(&e.body);
    assert_eq!(header, expected_columns, "{what}: the columns its role may read, no more");
    assert_csv_matches(&what, &header, &rows, &nodes);
    rows
}

// The server runs in the test's runtime: more than one worker lets it serve the roles side by
// side (the database calls wait, so four keep two cores busy).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_exported_report_is_the_graphql_answer_under_each_role() {
    let app = spawn_app_with_demo(1.0).await;
    let (org_a, org_b) = two_partner_orgs(&app).await;

    let anonymous = export(&app, As::Anonymous, "/export/activity_reports.csv").await;
    assert_eq!((anonymous.status, anonymous.code()), (403, "FORBIDDEN".to_owned()));

    let roles: [(As, &[&str]); 5] = [
        (As::Partner(org_a), PARTNER_OMITS),
        (As::Partner(org_b), PARTNER_OMITS),
        (As::VtfCommittee, &["reviewedBy"]),
        (As::Wgtu, &[]),
        (As::Secretariat, &[]),
    ];
    let results = join_all(roles.iter().map(|(who, omitted)| check_report_export(&app, *who, omitted))).await;

    assert!(results[4].len() > 40_000, "the whole list is streamed: {} rows", results[4].len());
    let (a, b) = (&results[0], &results[1]);
    let review = REPORT_COLUMNS.iter().filter(|c| !PARTNER_OMITS.contains(c)).position(|c| *c == "reviewStatus");
    let (review, org) = (review.expect("reviewStatus"), 1);
    for (rows, own) in [(a, org_a), (b, org_b)] {
        assert!(
            rows.iter().all(|r| r[review] == "ACCEPTED" || r[org] == org_global_id(own)),
            "a partner sees accepted reports and its own only"
        );
    }
    assert!(a.iter().any(|r| r[review] == "DRAFT"), "partner A sees its own drafts");
    assert!(!b.iter().any(|r| r[org] == org_global_id(org_a) && r[review] == "DRAFT"), "B never sees A's drafts");
}

#[tokio::test]
async fn columns_are_chosen_by_role_and_the_omitted_ones_are_named() {
    let app = spawn_app_with_demo(0.01).await;
    let (org, _) = two_partner_orgs(&app).await;

    let table: [(As, &str, &str); 9] = [
        (As::Partner(org), "activity_reports", "budget,currency,fundingSource,reviewedBy"),
        (As::VtfCommittee, "activity_reports", "reviewedBy"),
        (As::Secretariat, "activity_reports", ""),
        (
            As::Partner(org),
            "vtf_projects",
            "amountRequested,amountApproved,amountDisbursed,currency,committeeAssessment",
        ),
        (As::VtfCommittee, "vtf_projects", "committeeAssessment"),
        (As::Partner(org), "sponsorship_awards", "delegateName,cost,currency"),
        (As::Anonymous, "organizations", "internalNotes"),
        (As::Wgtu, "organizations", ""),
        (As::Anonymous, "states", ""),
    ];
    for (who, dataset, omitted) in table {
        let what = format!("{who:?} {dataset}");
        let all = export(&app, As::Secretariat, &format!("/export/{dataset}.csv")).await;
        let (all_columns, _) = parse_csv(&all.body);
        let e = export(&app, who, &format!("/export/{dataset}.csv")).await;
        assert_eq!(e.status, 200, "{what}: {}", e.body);
        assert_eq!(e.header("x-omitted-columns"), Some(omitted), "{what}");
        let (header, rows) = parse_csv(&e.body);
        let left_out: Vec<&str> = omitted.split(',').filter(|s| !s.is_empty()).collect();
        let expected: Vec<String> = all_columns.iter().filter(|c| !left_out.contains(&c.as_str())).cloned().collect();
        assert_eq!(header, expected, "{what}: every readable column, and none other");
        assert!(rows.iter().all(|r| r.len() == header.len()), "{what}: no blank-filled cells for missing columns");
    }
    let (header, _) = parse_csv(&export(&app, As::Secretariat, "/export/activity_reports.csv").await.body);
    assert_eq!(header, REPORT_COLUMNS, "the secretariat's file has them all");
}

#[tokio::test]
async fn every_dataset_exports_the_graphql_answer_as_csv_and_ndjson_with_its_filters() {
    let app = spawn_app_with_demo(0.01).await;
    let (org, _) = two_partner_orgs(&app).await;

    let cases: [(As, &str, &str, &str, &str); 6] = [
        (As::Anonymous, "states", "states", "?attStatus=SIGNATORY", ", attStatus: SIGNATORY"),
        (As::Anonymous, "organizations", "organizations", "?kind=RESEARCH", ", kind: RESEARCH"),
        (As::Partner(org), "vtf_projects", "vtfProjects", "", ""),
        (As::VtfCommittee, "sponsorship_awards", "sponsorshipAwards", "", ""),
        (As::Wgtu, "assessments", "assessments", "?tier=1", ", tier: 1"),
        (
            As::Secretariat,
            "activity_reports",
            "activityReports",
            "?status=COMPLETED&updatedSince=2000-01-01T00:00:00Z&orderBy=UPDATED_AT",
            ", status: COMPLETED, updatedSince: \"2000-01-01T00:00:00Z\", orderBy: UPDATED_AT",
        ),
    ];
    for (who, dataset, field, query, args) in cases {
        let what = format!("{who:?} {dataset}{query}");
        let csv = export(&app, who, &format!("/export/{dataset}.csv{query}")).await;
        assert_eq!(csv.status, 200, "{what}: {}", csv.body);
        let (columns, rows) = parse_csv(&csv.body);
        let nodes = graphql_rows(&app, who, field, args, &selection(&columns)).await;
        assert!(!nodes.is_empty(), "{what}: the case exports something");
        assert_csv_matches(&what, &columns, &rows, &nodes);

        let nd = export(&app, who, &format!("/export/{dataset}.ndjson{query}")).await;
        assert_eq!(nd.status, 200, "{what}: {}", nd.body);
        assert_eq!(nd.header("content-type"), Some("application/x-ndjson"));
        assert_eq!(nd.header("x-omitted-columns"), csv.header("x-omitted-columns"));
        assert_ndjson_matches(&what, &columns, &nd.body, &nodes);
    }

    let bom = export(&app, As::Anonymous, "/export/states.csv?bom=true").await;
    assert!(bom.body.starts_with("\u{feff}id,"), "a BOM for spreadsheets when asked");
    let plain = export(&app, As::Anonymous, "/export/states.csv").await;
    assert!(plain.body.starts_with("id,"), "no BOM unless asked");
    assert!(plain.body.contains("\r\n"), "RFC 4180 line ends");
}

#[tokio::test]
async fn a_formula_in_a_cell_is_exported_inert() {
    let app = spawn_app_with_demo(0.01).await;
    let (org, _) = two_partner_orgs(&app).await;
    let now = chrono::Utc::now();
    let report = activity_report::ActiveModel {
        id: NotSet,
        organization_id: Set(org),
        title: Set("=HYPERLINK(\"x\")".into()),
        description: Set("@SUM(A1:A2)".into()),
        activity_type: Set(ActivityType::Workshop),
        status: Set(ActivityStatus::Completed),
        start_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date")),
        end_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date")),
        att_themes: Set(StringList(vec!["-1+1".into()])),
        participants_total: Set(Some(-3)),
        participants_women: Set(None),
        outcomes: Set(Some("+CMD".into())),
        participating_organizations: Set(StringList(vec![])),
        vtf_project_id: Set(None),
        budget: Set(Some(100)),
        currency: Set(Some("USD".into())),
        funding_source: Set(Some("\tTab".into())),
        review_status: Set(ReviewStatus::Accepted),
        review_comment: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        submitted_at: Set(Some(now)),
        created_by: Set("test".into()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .expect("the report is stored");
    let gha = state::Entity::find().filter(state::Column::Iso3.eq("GHA")).one(&app.db).await.expect("query");
    let gha = gha.expect("Ghana");
    activity_report_state::ActiveModel {
        report_id: Set(report.id),
        state_id: Set(gha.id),
        start_date: Set(report.start_date),
        review_status: Set(report.review_status),
        organization_id: Set(report.organization_id),
    }
    .insert(&app.db)
    .await
    .expect("the target is stored");

    let e = export(&app, As::Secretariat, "/export/activity_reports.csv").await;
    let (header, rows) = parse_csv(&e.body);
    let col = |name: &str| header.iter().position(|c| c == name).expect(name);
    let id = api::node::global_id("ActivityReport", report.id).to_string();
    let row = rows.iter().find(|r| r[col("id")] == id).expect("the report is exported");
    assert_eq!(row[col("title")], "'=HYPERLINK(\"x\")");
    assert_eq!(row[col("description")], "'@SUM(A1:A2)");
    assert_eq!(row[col("attThemes")], "'-1+1");
    assert_eq!(row[col("outcomes")], "'+CMD");
    assert_eq!(row[col("fundingSource")], "'\tTab");
    assert_eq!(row[col("participantsTotal")], "-3", "a number is not a formula");
    assert!(e.body.contains("\"'=HYPERLINK(\"\"x\"\")\""), "quotes are doubled inside a quoted cell");

    // NDJSON is not read by spreadsheets: the value is the GraphQL value, untouched.
    let nd = export(&app, As::Secretariat, "/export/activity_reports.ndjson").await;
    let line = nd.body.lines().find(|l| l.contains(&id)).expect("the report is exported");
    let object: Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(object["title"], "=HYPERLINK(\"x\")");
}

#[tokio::test]
async fn a_sensitive_column_read_through_an_export_is_audited() {
    let app = spawn_app_with_demo(0.01).await;

    let e = export(&app, As::Secretariat, "/export/activity_reports.csv").await;
    assert_eq!(e.status, 200);
    let request_id = e.header("x-request-id").expect("a request id").to_owned();
    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::RequestId.eq(request_id))
        .filter(audit_event::Column::Field.eq("reviewedBy"))
        .all(&app.db)
        .await
        .expect("query");
    let (_, rows) = parse_csv(&e.body);
    assert_eq!(reads.len(), rows.len(), "one READ of reviewedBy per exported report");
}

const VALIDATE: &str = "import sys
from lxml import etree
schema = etree.XMLSchema(etree.parse(sys.argv[1]))
doc = etree.parse(sys.argv[2])
if not schema.validate(doc):
    print(schema.error_log)
    sys.exit(1)
";

/// Validates `xml` against the IATI 2.03 activity schema shipped in tests/fixtures/iati.
fn assert_valid_iati(xml: &str) {
    let lxml = std::process::Command::new("python3").args(["-c", "import lxml.etree"]).output();
    match lxml {
        Ok(out) if out.status.success() => {}
        _ => {
            panic!("validating the IATI file needs python3 with lxml: run `python3 -m pip install lxml` (.ci/run does)")
        }
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("activities.xml");
    std::fs::write(&file, xml).expect("write the XML");
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/iati/iati-activities-schema.xsd");
    let out =
        std::process::Command::new("python3").args(["-c", VALIDATE, xsd]).arg(&file).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "the IATI file does not validate against the 2.03 schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_iati_file_of_the_demo_data_validates_and_shows_budgets_only_where_readable() {
    let app = spawn_app_with_demo(0.01).await;
    let (org, _) = two_partner_orgs(&app).await;
    let accepted = async |who| {
        let q = "query($o: ID) { all: activityReports(reviewStatus: ACCEPTED) { totalCount } own: activityReports(reviewStatus: ACCEPTED, organization: $o) { totalCount } }";
        let data = app.data(who, q, json!({ "o": org_global_id(org) })).await;
        (data["all"]["totalCount"].as_u64().expect("count"), data["own"]["totalCount"].as_u64().expect("count"))
    };

    let anonymous = export(&app, As::Anonymous, "/export/activity_reports.iati.xml").await;
    assert_eq!((anonymous.status, anonymous.code()), (403, "FORBIDDEN".to_owned()));

    let e = export(&app, As::Secretariat, "/export/activity_reports.iati.xml").await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.header("content-type"), Some("application/xml; charset=utf-8"));
    assert_valid_iati(&e.body);
    let (all, _) = accepted(As::Secretariat).await;
    assert_eq!(e.body.matches("<iati-activity ").count() as u64, all, "every accepted report, nothing else");
    assert_eq!(e.body.matches("<budget ").count() as u64, all, "the secretariat reads every budget");
    assert!(e.body.contains("<sector vocabulary=\"1\" code=\"15240\" percentage=\"100\"/>"));
    assert!(e.body.contains("<iati-identifier>XM-ATT-DEMO-") || e.body.contains("<iati-identifier>XM-DAC-DEMO-"));

    let p = export(&app, As::Partner(org), "/export/activity_reports.iati.xml").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_valid_iati(&p.body);
    let (all, own) = accepted(As::Partner(org)).await;
    assert!(own > 0 && own < all, "the case needs own and other reports");
    assert_eq!(p.body.matches("<iati-activity ").count() as u64, all);
    assert_eq!(p.body.matches("<budget ").count() as u64, own, "a partner sees the budgets of its own reports only");

    let filtered = export(&app, As::Secretariat, "/export/activity_reports.iati.xml?state=GHA").await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    assert!(filtered.body.matches("<iati-activity ").count() < e.body.matches("<iati-activity ").count());
    assert!(
        filtered.body.split("<iati-activity ").skip(1).all(|a| a.contains("<recipient-country code=\"GH\"")),
        "filters apply to the IATI file too"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_with_their_code() {
    let app = spawn_app_with_demo(0.01).await;
    let (org, _) = two_partner_orgs(&app).await;

    let table: [(As, &str, u16, &str); 10] = [
        (As::Anonymous, "/export/nope.csv", 404, "NOT_FOUND"),
        (As::Anonymous, "/export/states.xlsx", 404, "NOT_FOUND"),
        (As::Anonymous, "/export/states.iati.xml", 404, "NOT_FOUND"),
        (As::Anonymous, "/export/states.csv?colour=red", 400, "BAD_USER_INPUT"),
        (As::Anonymous, "/export/states.csv?first=5", 400, "BAD_USER_INPUT"),
        (As::Anonymous, "/export/states.ndjson?bom=true", 400, "BAD_USER_INPUT"),
        (As::Wgtu, "/export/assessments.csv?tier=one", 400, "BAD_USER_INPUT"),
        (As::Secretariat, "/export/activity_reports.iati.xml?reviewStatus=DRAFT", 400, "BAD_USER_INPUT"),
        (As::Partner(org), "/export/assessments.csv", 403, "FORBIDDEN"),
        (As::Partner(org), "/export/states.csv?tier=1", 403, "FORBIDDEN"),
    ];
    for (who, path, status, code) in table {
        let e = export(&app, who, path).await;
        assert_eq!((e.status, e.code()), (status, code.to_owned()), "{who:?} {path}: {}", e.body);
    }

    let e = export(&app, As::Anonymous, "/export/states.csv?colour=red&size=9").await;
    let body: Value = serde_json::from_str(&e.body).expect("JSON");
    let named: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().filter_map(|e| e["extensions"]["field"].as_str()).collect();
    assert_eq!(named, ["colour", "size"], "each unknown parameter is named");

    let resp = app.client.get(app.url("/export/states.csv")).bearer_auth("not-a-token").send().await.expect("answer");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_page_that_fails_part_way_ends_the_export_with_an_error_not_a_short_file() {
    let app = spawn_app_with_demo(0.01).await;
    // The oldest report can no longer be read: the last page fails, the first ones do not.
    let victim = activity_report::Entity::find()
        .filter(activity_report::Column::ReviewStatus.eq(ReviewStatus::Accepted))
        .order_by_asc(activity_report::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("an accepted report");
    app.db
        .execute_unprepared(&format!(
            "UPDATE activity_reports SET activity_type = 'NOT_A_TYPE', start_date = '2000-01-01' WHERE id = {}",
            victim.id
        ))
        .await
        .expect("corrupt one row");

    let nd = export(&app, As::Secretariat, "/export/activity_reports.ndjson").await;
    assert_eq!(nd.status, 200, "the first page was fine: {}", nd.body);
    let lines: Vec<&str> = nd.body.lines().collect();
    assert!(lines.len() > 100, "rows of the pages before the failure: {}", lines.len());
    let last: Value = serde_json::from_str(lines[lines.len() - 1]).expect("a JSON last line");
    let request_id = nd.header("x-request-id").expect("a request id");
    assert_eq!(last, json!({ "error": { "code": "INTERNAL", "requestId": request_id } }));

    for path in ["/export/activity_reports.csv", "/export/activity_reports.iati.xml"] {
        let resp = send(&app, As::Secretariat, path).await;
        assert_eq!(resp.status(), 200);
        assert!(resp.bytes().await.is_err(), "{path}: the transfer breaks off instead of ending short");
    }
}
