//! The README's sync scripts (scripts/sync_reports.py and scripts/sync-reports.sh), run against
//! a real server: every accepted report mirrored exactly once, then only the changes, resuming
//! where an interrupted run stopped, and waiting out the rate limit. The server runs the
//! safelist of scripts/operations.graphql, so the scripts' query is proved registered there.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use api::node::global_id;
use entity::activity_report;
use entity::enums::ReviewStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, spawn_app_with};

/// The demo scale: a few hundred reports, so a sync takes several pages of 20.
const SCALE: f64 = 0.004;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The test's writes, registered beside the shipped operations (the safelist refuses the rest).
const ACCEPT: &str = "mutation Accept($input: ReviewActivityReportInput!) { acceptActivityReport(input: $input) { activityReport { id } } }";
const CREATE: &str = "mutation Create($input: CreateActivityReportInput!) { createActivityReport(input: $input) { activityReport { id } } }";
const SUBMIT: &str =
    "mutation Submit($input: ReportTransitionInput!) { submitActivityReport(input: $input) { activityReport { id } } }";

/// A server with demo data running only the registered operations, and its rate limiter set
/// by `limit` (per second, burst; none when `None`).
async fn spawn(limit: Option<(u64, u64)>) -> TestApp {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("operations.graphql");
    let shipped = std::fs::read_to_string(repo("scripts/operations.graphql")).expect("the operations file");
    std::fs::write(&file, format!("{shipped}\n{ACCEPT}\n{CREATE}\n{SUBMIT}\n")).expect("the file is written");
    let app = spawn_app_with(|c| {
        c.persisted_operations = Some(file);
        c.safelist = true;
        if let Some((per_sec, burst)) = limit {
            c.limits.rate_limit_per_sec = per_sec;
            c.limits.rate_limit_burst = burst;
        }
    })
    .await;
    api::seed::load_demo_if_empty(&app.db, SCALE, false).await.expect("demo data");
    app
}

/// Which script runs.
#[derive(Debug, Clone, Copy)]
enum Script {
    Python,
    Bash,
}

/// What one run of a script did.
#[derive(Debug)]
struct Run {
    success: bool,
    summary: Value,
    stderr: String,
}

/// Runs `script` against `app` with its state and mirror in `dir`, as a partner.
async fn sync(app: &TestApp, script: Script, dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = match script {
        Script::Python => {
            let mut c = Command::new("python3");
            c.arg(repo("scripts/sync_reports.py"));
            c
        }
        Script::Bash => {
            let mut c = Command::new("bash");
            c.arg(repo("scripts/sync-reports.sh"));
            c
        }
    };
    cmd.arg("--url")
        .arg(app.url("/graphql"))
        .arg("--state")
        .arg(dir.join("state.json"))
        .arg("--out")
        .arg(dir.join("reports.jsonl"))
        .args(["--page-size", "20"])
        .args(extra)
        .env("ATT_TOKEN", As::Partner(2).token().expect("a token"));
    // The server runs on this test's runtime: wait for the script without blocking it.
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.expect("the task ends").expect("the script runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    Run {
        success: out.status.success(),
        summary: serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The mirror: one report per line, each id once.
fn mirror(dir: &Path) -> HashMap<String, Value> {
    let text = std::fs::read_to_string(dir.join("reports.jsonl")).unwrap_or_default();
    let mut reports = HashMap::new();
    for line in text.lines() {
        let report: Value = serde_json::from_str(line).expect("a JSON line");
        let id = report["id"].as_str().expect("an id").to_owned();
        assert!(reports.insert(id.clone(), report).is_none(), "{id} is mirrored twice");
    }
    reports
}

/// The accepted reports in the database: global id → version.
async fn accepted(app: &TestApp) -> HashMap<String, i64> {
    activity_report::Entity::find()
        .filter(activity_report::Column::ReviewStatus.eq(ReviewStatus::Accepted))
        .all(&app.db)
        .await
        .expect("the reports")
        .into_iter()
        .map(|r| (global_id("ActivityReport", r.id).to_string(), i64::from(r.version)))
        .collect()
}

/// Asserts that the mirror holds exactly the accepted reports, each at its current version.
async fn assert_mirrors_accepted(app: &TestApp, dir: &Path) {
    let expected = accepted(app).await;
    let mirrored: HashMap<String, i64> =
        mirror(dir).into_iter().map(|(id, r)| (id, r["version"].as_i64().expect("a version"))).collect();
    let missing: HashSet<_> = expected.keys().filter(|id| !mirrored.contains_key(*id)).collect();
    let extra: HashSet<_> = mirrored.keys().filter(|id| !expected.contains_key(*id)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}, not accepted {extra:?}");
    assert_eq!(mirrored, expected, "every report at its current version");
}

/// Accepts a submitted demo report, and a new one written, submitted and accepted now;
/// returns their ids.
async fn accept_two(app: &TestApp) -> [String; 2] {
    let submitted = activity_report::Entity::find()
        .filter(activity_report::Column::ReviewStatus.eq(ReviewStatus::Submitted))
        .one(&app.db)
        .await
        .expect("a query")
        .expect("the demo data has a submitted report");
    let old = global_id("ActivityReport", submitted.id).to_string();
    app.data(As::Secretariat, ACCEPT, json!({ "input": { "id": old, "comment": "accepted [test]" } })).await;
    let input = json!({ "title": "Mirrored [test]", "description": "x", "activityType": "TRAINING", "status": "PLANNED", "startDate": "2026-12-01", "endDate": "2026-12-02", "targetStates": ["GHA"] });
    let data = app.data(As::Partner(1), CREATE, json!({ "input": input })).await;
    let new = data["createActivityReport"]["activityReport"]["id"].as_str().expect("an id").to_owned();
    app.data(As::Partner(1), SUBMIT, json!({ "input": { "id": new } })).await;
    app.data(As::Secretariat, ACCEPT, json!({ "input": { "id": new, "comment": "accepted [test]" } })).await;
    [old, new]
}

#[tokio::test]
async fn the_python_sync_mirrors_every_accepted_report_once_then_only_the_changes() {
    let app = spawn(None).await;
    let dir = tempfile::tempdir().expect("a directory");

    let first = sync(&app, Script::Python, dir.path(), &[]).await;

    assert!(first.success, "{}", first.stderr);
    assert_eq!(first.summary["complete"], true, "{first:?}");
    assert!(first.summary["pages"].as_u64() > Some(2), "several pages: {first:?}");
    assert_mirrors_accepted(&app, dir.path()).await;
    assert!(!dir.path().join("reports.jsonl.journal").exists(), "the journal is merged and removed");

    let [old, new] = accept_two(&app).await;
    let second = sync(&app, Script::Python, dir.path(), &[]).await;

    assert!(second.success, "{}", second.stderr);
    assert_mirrors_accepted(&app, dir.path()).await;
    assert_eq!(second.summary["fetched"], 2, "only the two changes are fetched: {second:?}");
    let reports = mirror(dir.path());
    assert_eq!(reports[&old]["reviewStatus"], "ACCEPTED");
    assert_eq!(reports[&new]["title"], "Mirrored [test]");

    let third = sync(&app, Script::Python, dir.path(), &[]).await;
    assert!(third.success, "{}", third.stderr);
    assert_eq!(third.summary["fetched"], 0, "nothing changed: {third:?}");
    assert_mirrors_accepted(&app, dir.path()).await;
}

#[tokio::test]
async fn an_interrupted_sync_goes_on_where_it_stopped() {
    let app = spawn(None).await;
    let dir = tempfile::tempdir().expect("a directory");

    let stopped = sync(&app, Script::Python, dir.path(), &["--max-pages", "2"]).await;

    assert!(stopped.success, "{}", stopped.stderr);
    assert_eq!(stopped.summary["complete"], false);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("state.json")).expect("a state file"))
            .expect("JSON");
    assert!(state["after"].is_string() && state["since"].is_string(), "the place is kept: {state}");
    assert_eq!(mirror(dir.path()).len(), 40, "what the two pages fetched is mirrored");

    let resumed = sync(&app, Script::Python, dir.path(), &[]).await;

    assert!(resumed.success, "{}", resumed.stderr);
    assert_mirrors_accepted(&app, dir.path()).await;
    let total = accepted(&app).await.len() as u64;
    let fetched = stopped.summary["fetched"].as_u64().unwrap_or(0) + resumed.summary["fetched"].as_u64().unwrap_or(0);
    assert_eq!(fetched, total, "the resumed run went on where the first stopped");
}

#[tokio::test]
async fn the_sync_waits_out_the_rate_limit() {
    // Budget for about two pages, refilled at a page a second: the script must wait.
    let page = page_cost();
    let app = spawn(Some((page, page * 2 + page / 2))).await;
    let dir = tempfile::tempdir().expect("a directory");

    let run = sync(&app, Script::Python, dir.path(), &[]).await;

    assert!(run.success, "{}", run.stderr);
    assert!(run.stderr.contains("rate"), "it waited: {}", run.stderr);
    assert_mirrors_accepted(&app, dir.path()).await;
}

#[tokio::test]
async fn the_bash_sync_mirrors_the_same_as_the_python_one() {
    if Command::new("jq").arg("--version").output().is_err() {
        eprintln!(
            "jq is not installed: the bash sync script is not tested (scripts/sync-reports.sh needs curl and jq)"
        );
        return;
    }
    let app = spawn(None).await;
    let (py, sh) = (tempfile::tempdir().expect("a directory"), tempfile::tempdir().expect("a directory"));

    let stopped = sync(&app, Script::Bash, sh.path(), &["--max-pages", "1"]).await;
    assert!(stopped.success, "{}", stopped.stderr);
    assert_eq!(stopped.summary["complete"], false, "{stopped:?}");
    let resumed = sync(&app, Script::Bash, sh.path(), &[]).await;
    assert!(resumed.success, "{}", resumed.stderr);
    assert_mirrors_accepted(&app, sh.path()).await;

    accept_two(&app).await;
    let second = sync(&app, Script::Bash, sh.path(), &[]).await;
    assert!(second.success, "{}", second.stderr);
    assert_eq!(second.summary["fetched"], 2, "{second:?}");
    assert_mirrors_accepted(&app, sh.path()).await;

    let python = sync(&app, Script::Python, py.path(), &[]).await;
    assert!(python.success, "{}", python.stderr);
    let read = |dir: &Path| std::fs::read_to_string(dir.join("reports.jsonl")).expect("a mirror");
    assert_eq!(read(sh.path()), read(py.path()), "the two scripts write the same mirror");
}

#[test]
fn the_readme_shows_the_scripts_as_they_are_shipped() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("the README");
    for script in ["scripts/sync_reports.py", "scripts/sync-reports.sh"] {
        let text = std::fs::read_to_string(repo(script)).expect("the script");
        assert!(readme.contains(&text), "README.md must show {script} exactly as it is; copy it in again");
    }
}

/// The complexity of one page of 20 as the scripts ask it: what the rate limiter charges.
fn page_cost() -> u64 {
    let ops = api::http::persisted::PersistedOperations::load(&repo("scripts/operations.graphql"), false)
        .expect("the operations file");
    let sync = ops.operations().iter().find(|o| o.name == "SyncActivityReports").expect("the scripts' query");
    let doc = async_graphql::parser::parse_query(&sync.document).expect("GraphQL");
    let types = api::limits::TypeInfo::from_sdl(&api::schema::sdl());
    let variables = async_graphql::Variables::from_json(json!({ "first": 20 }));
    api::limits::measure(&doc, None, &variables, &types, &api::limits::Limits::default()).complexity as u64
}
