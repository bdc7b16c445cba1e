//! The bench at a tiny scale, so that it cannot rot: every workload runs without an error and,
//! on PostgreSQL, every hand-written statement gives exactly the API's answer. It measures
//! nothing: timings belong to `bench/run`, not to tests.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[test]
fn the_bench_runs_every_workload_without_an_error() {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_att-bench"));
    let server = bench.with_file_name("att-coord");
    assert!(server.is_file(), "build att-coord first (cargo test --workspace does): {}", server.display());
    let workdir = std::env::temp_dir().join(format!("att-bench-smoke-{}", std::process::id()));
    let results = workdir.join("results.json");

    // PostgreSQL joins in when the suite runs against it (and its clients are installed).
    let postgres = std::env::var("TEST_DATABASE_URL").ok().filter(|_| has("pgbench") && has("psql"));
    let databases = if postgres.is_some() { "sqlite,postgres" } else { "sqlite" };
    let mut cmd = Command::new(&bench);
    cmd.args([
        "--scale",
        "0.005",
        "--clients",
        "2",
        "--writers",
        "4",
        "--duration",
        "1",
        "--rounds",
        "2",
        "--warmup",
        "0",
    ])
    .args(["--databases", databases])
    .arg("--server")
    .arg(&server)
    .arg("--workdir")
    .arg(&workdir)
    .arg("--json")
    .arg(&results);
    if let Some(url) = &postgres {
        cmd.args(["--postgres-url", url]);
    }
    let out = cmd.output().expect("the bench runs");
    let log = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the bench failed:\n{log}");

    let runs: Vec<Value> = serde_json::from_slice(&std::fs::read(&results).expect("results")).expect("JSON results");
    assert_eq!(runs.len(), if postgres.is_some() { 2 } else { 1 }, "{log}");
    for run in &runs {
        let workloads = run["workloads"].as_array().expect("workloads");
        let names: Vec<&str> = workloads.iter().filter_map(|w| w["name"].as_str()).collect();
        assert_eq!(
            names,
            ["region dashboard", "state dossier", "report page: first", "report page: last", "partner submissions"]
        );
        for w in workloads {
            let label = format!("{} {}", run["database"], w["name"]);
            assert!(w["requests"].as_u64() > Some(0), "{label} sent no request:\n{log}");
            assert_eq!(w["errors"].as_u64(), Some(0), "{label} had errors ({}):\n{log}", w["firstError"]);
            assert!(w["peakRssMib"].as_f64() > Some(0.0), "{label} has no peak RSS");
            assert!(w["cpuMsPerRequest"]["server"].as_f64() > Some(0.0), "{label}: no server CPU:\n{log}");
            if run["database"] == "PostgreSQL" {
                assert!(w["sqlPerSec"].as_f64() > Some(0.0), "{label} has no pgbench rate:\n{log}");
                assert!(w["cpuMsPerRequest"]["database"].as_f64() > Some(0.0), "{label}: no database CPU:\n{log}");
                assert!(w["cpuMsPerRequest"]["sqlDatabase"].as_f64() > Some(0.0), "{label}: no SQL CPU:\n{log}");
                if w["name"] != "partner submissions" {
                    assert_eq!(w["sameAnswer"], true, "{label}: the SQL must give the API's answer");
                }
            }
        }
        assert!(run["dashboardStatementsFirstRun"].as_f64() > Some(1.0), "field by field: {log}");
        // On PostgreSQL the planner answers the dashboard's later requests in one statement.
        let planned =
            if run["database"] == "PostgreSQL" { Some(1.0) } else { run["dashboardStatementsFirstRun"].as_f64() };
        assert_eq!(run["dashboardStatements"].as_f64(), planned, "{log}");
        assert!(run["dashboardAuditRows"].as_f64() > Some(0.0), "a wgtu dashboard reads tiers: {log}");
    }
    let _ = std::fs::remove_dir_all(&workdir);
}

fn has(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}
