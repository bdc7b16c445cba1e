//! att-bench: seeds the demo data at a chosen scale, serves it with att-coord on SQLite and on
//! PostgreSQL, drives the dashboards', scripts' and partners' workloads with N concurrent
//! clients, and sets each read beside the same answer produced by one hand-written SQL
//! statement through pgbench on the same database, in the same run.
//!
//! `bench/run --scale 1` builds everything in release mode and runs it; `--readme README.md`
//! writes the results table into the README.

mod cpu;
mod load;
mod server;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Parser, ValueEnum as _};
use serde_json::{Value, json};

use load::{Job, Stats};
use server::{Database, Server};

#[derive(Parser)]
#[command(about = "Benchmark att-coord against hand-written SQL on the same database")]
struct Args {
    /// Demo data scale: 1 is about 50,000 activity reports, 20 about 1,000,000.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Concurrent clients of the read workloads (and pgbench clients beside them).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Concurrent partners submitting reports.
    #[arg(long, default_value_t = 32)]
    writers: usize,
    /// Seconds each round of a workload is measured.
    #[arg(long, default_value_t = 5)]
    duration: u64,
    /// Rounds per workload, the API and its hand-written SQL taking turns, so that a change in
    /// the machine's speed during the run falls on both sides of the ratio.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Seconds each workload runs before it is measured.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// The databases to serve from, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    databases: Vec<Backend>,
    /// The workloads to measure (all by default; `--readme` needs all of them).
    #[arg(long, value_delimiter = ',', default_value = "dashboard,dossier,pages,submissions")]
    workloads: Vec<Workload>,
    /// The PostgreSQL server (any database on it): the bench creates and drops its own there.
    #[arg(long, env = "BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// The att-coord binary (default: the one built beside this bench).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Where the SQLite files, server logs and pgbench scripts go.
    #[arg(long, default_value = "target/bench")]
    workdir: PathBuf,
    /// Writes the results table into this README, between its bench markers.
    #[arg(long)]
    readme: Option<PathBuf>,
    /// Writes the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A workload of the bench, as `--workloads` names it.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    /// The region dashboard.
    Dashboard,
    /// The state dossier.
    Dossier,
    /// The first and the last report page.
    Pages,
    /// Partner submissions.
    Submissions,
}

const REGION: &str = "query RegionDashboard($continent: Continent, $first: Int) { states(continent: $continent, first: $first) { totalCount nodes { iso3 name attStatus currentAssessment { tier } supportNeeds { status } vtfApproved { currency amount } activityReports(first: 5) { totalCount nodes { title startDate organization { name } } } } } }";
const DOSSIER: &str = "query StateDossier($iso3: String!) { state(iso3: $iso3) { iso3 name attStatus signatureDate currentAssessment { tier processStage assessedOn } assessments { tier assessedOn } supportNeeds { category status sharedWithPartners } contactPoints { name emails } engagements { occurredOn channel } accompaniedBy { since champion { state { iso3 } } } vtfProjects { title status amountApproved currency cycle { year } } vtfApproved { currency amount } sponsorshipAwards { status cost meeting { title } } consultations { pathway consultedOn } planTargets { milestone targetYear plan { title } } activityReports(first: 5) { totalCount nodes { title startDate organization { name } targetStates { iso3 } } } } }";
const PAGE: &str = "query ReportPage($after: String) { activityReports(first: 100, after: $after, orderBy: UPDATED_AT) { pageInfo { hasNextPage endCursor } nodes { id title activityType status startDate endDate reviewStatus updatedAt organization { id name } targetStates { iso3 } } } }";
/// The state of the dossier workload: one with champions, projects, awards and advice.
const DOSSIER_STATE: &str = "NGA";

/// One measured workload.
struct Row {
    name: &'static str,
    stats: Stats,
    peak_rss_mib: Option<f64>,
    /// pgbench's rate for the same answer (or the same writes), when measured.
    raw_per_sec: Option<f64>,
    /// Whether the hand-written statement gave exactly the API's answer.
    same_answer: Option<bool>,
    /// Where the CPU of one request went.
    cpu: Cpu,
}

/// CPU milliseconds per request (per transaction for pgbench), by side.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    /// The server (on SQLite, the database too: it runs inside).
    server: Option<f64>,
    /// PostgreSQL's processes, serving the API.
    database: Option<f64>,
    /// PostgreSQL's processes, serving pgbench's hand-written statement.
    sql_database: Option<f64>,
}

impl Cpu {
    /// The highest API/SQL ratio the database alone allows: were the server free, the API
    /// could not outrun its own statements' cost to the database.
    fn ceiling(&self) -> Option<f64> {
        match (self.database, self.sql_database) {
            (Some(api), Some(sql)) if api > 0.0 => Some(sql / api),
            _ => None,
        }
    }
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.raw_per_sec.filter(|r| *r > 0.0).map(|r| self.stats.per_sec() / r)
    }
}

/// Everything measured on one database.
struct Run {
    label: &'static str,
    seed: Duration,
    rows: Vec<Row>,
    /// Statements of the dashboard's first request (resolved field by field) and of the next.
    dashboard_statements: (Option<f64>, Option<f64>),
    dashboard_audit_rows: Option<f64>,
    dashboard_bytes: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("att-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("att-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(args: &Args) -> Result<(), String> {
    if !(args.scale > 0.0 && args.scale <= 100.0) || args.clients == 0 || args.writers == 0 || args.rounds == 0 {
        return Err("--scale must be in (0, 100], --clients, --writers and --rounds at least 1".into());
    }
    if args.readme.is_some() && !Workload::value_variants().iter().all(|w| args.workloads.contains(w)) {
        return Err("--readme writes the whole table: run every workload".into());
    }
    let bin = server::server_binary(args.server.clone())?;
    std::fs::create_dir_all(&args.workdir).map_err(|e| format!("cannot create {}: {e}", args.workdir.display()))?;
    let mut runs = Vec::new();
    for backend in &args.databases {
        let name = format!("att_bench_{}", std::process::id());
        let db = match backend {
            Backend::Sqlite => Database::sqlite(&args.workdir, &name)?,
            Backend::Postgres => Database::postgres(&args.postgres_url, &name)?,
        };
        let run = bench_one(args, &bin, &db).await;
        db.drop_it();
        let run = run?;
        println!("\n{}", table(args, &run));
        runs.push(run);
    }
    let report = report(args, &runs);
    println!("{}", verdicts(&runs));
    if let Some(path) = &args.readme {
        write_readme(path, &report)?;
        println!("wrote the results into {}", path.display());
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&json_of(&runs)).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

async fn bench_one(args: &Args, bin: &Path, db: &Database) -> Result<Run, String> {
    println!("\n== {}: seeding the demo data at scale {}", db.label(), args.scale);
    let seed = server::seed(bin, db, args.scale)?;
    println!("seeded in {:.1} s", seed.as_secs_f64());
    let log = args.workdir.join(format!("server-{}.log", db.backend));
    let server = Server::start(bin, db, &log).await?;
    let url = server.graphql();
    let wgtu: Arc<str> = server::token(bin, "wgtu", None, "bench-dashboard")?.into();
    let partners: Vec<String> = (1..=4)
        .map(|org| {
            let org_id = URL_SAFE_NO_PAD.encode(format!("Organization:{org}"));
            server::token(bin, "partner", Some(&org_id), &format!("bench-partner-{org}"))
        })
        .collect::<Result<_, _>>()?;

    // The workloads, each with its hand-written statement.
    let (last_cursor, last_condition) = last_page(&url, &wgtu).await?;
    let reads: Vec<(Workload, &'static str, Value, String)> = vec![
        (
            Workload::Dashboard,
            "region dashboard",
            json!({ "query": REGION, "variables": { "continent": "AFRICA", "first": 100 } }),
            include_str!("../sql/region_dashboard.sql").to_owned(),
        ),
        (
            Workload::Dossier,
            "state dossier",
            json!({ "query": DOSSIER, "variables": { "iso3": DOSSIER_STATE } }),
            include_str!("../sql/state_dossier.sql").replace("{{iso3}}", DOSSIER_STATE),
        ),
        (
            Workload::Pages,
            "report page: first",
            json!({ "query": PAGE, "variables": { "after": null } }),
            include_str!("../sql/report_page.sql").replace("{{after}}", ""),
        ),
        (
            Workload::Pages,
            "report page: last",
            json!({ "query": PAGE, "variables": { "after": last_cursor } }),
            include_str!("../sql/report_page.sql").replace("{{after}}", &last_condition),
        ),
    ];

    // What one dashboard request costs inside: statements, audit rows, bytes. The server
    // resolves a query's first run field by field; later ones it may plan (PostgreSQL).
    let statements = || server.metric("att_db_statements_total");
    let before = statements().await;
    post_json(&url, &wgtu, &reads[0].2).await?;
    let between = (statements().await, audit_reads(&server).await);
    let dashboard = post_json(&url, &wgtu, &reads[0].2).await?;
    let after = (statements().await, audit_reads(&server).await);
    let dashboard_statements = (before.zip(between.0).map(|(b, a)| a - b), between.0.zip(after.0).map(|(b, a)| a - b));
    let dashboard_audit_rows = between.1.zip(after.1).map(|(b, a)| a - b);
    let dashboard_bytes = serde_json::to_vec(&dashboard).map(|v| v.len()).unwrap_or(0);

    let mut rows = Vec::new();
    for (_, name, body, sql) in reads.into_iter().filter(|(w, ..)| args.workloads.contains(w)) {
        let same_answer = match &db.postgres {
            Some((pg, _)) => Some(same_answer(&url, &wgtu, &body, pg, &sql).await?),
            None => None,
        };
        let job = Job::Read { body: body.to_string().into(), token: wgtu.clone() };
        let pg = db.postgres.as_ref().map(|(pg, _)| (pg.as_str(), sql.as_str()));
        let (stats, peak_rss_mib, raw_per_sec, cpu) = measure(args, &server, name, &job, args.clients, pg).await?;
        rows.push(Row { name, stats, peak_rss_mib, raw_per_sec, same_answer, cpu });
    }
    if args.workloads.contains(&Workload::Submissions) {
        let job = Job::Submit { tokens: partners.into(), nonce: format!("{}", std::process::id()) };
        let name = "partner submissions";
        let pg = db.postgres.as_ref().map(|(pg, _)| (pg.as_str(), include_str!("../sql/partner_submission.sql")));
        let (stats, peak_rss_mib, raw_per_sec, cpu) = measure(args, &server, name, &job, args.writers, pg).await?;
        rows.push(Row { name, stats, peak_rss_mib, raw_per_sec, same_answer: None, cpu });
    }

    Ok(Run { label: db.label(), seed, rows, dashboard_statements, dashboard_audit_rows, dashboard_bytes })
}

async fn audit_reads(server: &Server) -> Option<f64> {
    server.metric("att_audit_events_total{kind=\"read\"}").await
}

/// Warms up, then measures one workload against the server in `--rounds` rounds, taking turns
/// with the same answer's hand-written SQL through pgbench when `pg` gives the database and
/// the script. Returns the API's requests over all rounds, its peak RSS, pgbench's mean rate,
/// and the CPU each side spent per request.
async fn measure(
    args: &Args,
    server: &Server,
    name: &str,
    job: &Job,
    clients: usize,
    pg: Option<(&str, &str)>,
) -> Result<(Stats, Option<f64>, Option<f64>, Cpu), String> {
    let url = server.graphql();
    let script = match pg {
        Some((pg, sql)) => {
            let path = args.workdir.join(format!("{}.sql", name.replace([' ', ':'], "_")));
            std::fs::write(&path, sql).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Some((pg, path))
        }
        None => None,
    };
    if args.warmup > 0 {
        load::drive(&url, job, clients, Duration::from_secs(args.warmup), "warmup").await;
        if let Some((pg, path)) = &script {
            server::pgbench(pg, path, clients, args.warmup)?;
        }
    }
    server.reset_peak_rss();
    let mut stats = Stats::default();
    let mut raw_rates = Vec::new();
    // CPU seconds: the server's and PostgreSQL's under the API, PostgreSQL's under pgbench
    // (the machine's busy time less pgbench's own: its backends end before they can be read),
    // and pgbench's transactions.
    let (mut server_secs, mut db_secs, mut sql_db_secs, mut sql_txs) = (Some(0.0), 0.0, Some(0.0), 0.0);
    for round in 0..args.rounds {
        let before = (cpu::process(server.pid()), cpu::postgres());
        let this = load::drive(&url, job, clients, Duration::from_secs(args.duration), &format!("run{round}")).await;
        let after = (cpu::process(server.pid()), cpu::postgres());
        server_secs = server_secs.zip(before.0.zip(after.0)).map(|(sum, (b, a))| sum + a - b);
        db_secs += cpu::postgres_between(&before.1, &after.1);
        let elapsed = this.elapsed;
        stats.absorb(this, elapsed);
        if let Some((pg, path)) = &script {
            let before = cpu::machine().zip(cpu::children());
            let rate = server::pgbench(pg, path, clients, args.duration)?;
            let after = cpu::machine().zip(cpu::children());
            sql_db_secs =
                sql_db_secs.zip(before.zip(after)).map(|(sum, ((mb, cb), (ma, ca)))| sum + (ma - mb) - (ca - cb));
            sql_txs += rate * args.duration as f64;
            raw_rates.push(rate);
        }
    }
    let per = |secs: f64, n: f64| (n > 0.0).then(|| secs * 1000.0 / n);
    let requests = stats.requests as f64;
    let cpu = Cpu {
        server: server_secs.and_then(|s| per(s, requests)),
        database: script.as_ref().and_then(|_| per(db_secs, requests)),
        sql_database: script.as_ref().and(sql_db_secs).and_then(|s| per(s, sql_txs)),
    };
    let rss = server.peak_rss_mib();
    let raw = (!raw_rates.is_empty()).then(|| raw_rates.iter().sum::<f64>() / raw_rates.len() as f64);
    println!(
        "{name}: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} errors{}{}",
        stats.per_sec(),
        ms(stats.percentile(50.0)),
        ms(stats.percentile(99.0)),
        stats.errors,
        stats.first_error.as_ref().map(|e| format!(" (first: {e})")).unwrap_or_default(),
        raw.map(|r| format!("; hand-written SQL through pgbench: {r:.0} req/s")).unwrap_or_default(),
    );
    Ok((stats, rss, raw, cpu))
}

/// The cursor after which the last 100 reports lie, and the same position as SQL.
async fn last_page(url: &str, token: &str) -> Result<(Value, String), String> {
    let tail = post_json(
        url,
        token,
        &json!({ "query": "{ activityReports(last: 100, orderBy: UPDATED_AT) { edges { cursor } } }" }),
    )
    .await?;
    let Some(first_of_tail) = tail["data"]["activityReports"]["edges"][0]["cursor"].as_str() else {
        return Err("the database holds no reports to page through".into());
    };
    let before = post_json(
        url,
        token,
        &json!({
            "query": "query($before: String) { activityReports(last: 1, before: $before, orderBy: UPDATED_AT) { edges { cursor node { id updatedAt } } } }",
            "variables": { "before": first_of_tail },
        }),
    )
    .await?;
    let edge = &before["data"]["activityReports"]["edges"][0];
    let (Some(cursor), Some(id), Some(updated)) =
        (edge["cursor"].as_str(), edge["node"]["id"].as_str(), edge["node"]["updatedAt"].as_str())
    else {
        return Err("fewer than 101 visible reports: use a larger --scale".into());
    };
    let decoded = URL_SAFE_NO_PAD.decode(id).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
    let number: i64 = decoded
        .strip_prefix("ActivityReport:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("not a report id: {id}"))?;
    if !updated.chars().all(|c| c.is_ascii_alphanumeric() || "-:.+".contains(c)) {
        return Err(format!("not a timestamp: {updated}"));
    }
    Ok((json!(cursor), format!("AND (r.updated_at, r.id) > ('{updated}', {number})")))
}

/// Whether psql's answer to `sql` is exactly the API's answer to `body`.
async fn same_answer(url: &str, token: &str, body: &Value, pg: &str, sql: &str) -> Result<bool, String> {
    let api = post_json(url, token, body).await?;
    let raw: Value = serde_json::from_str(server::psql(pg, sql)?.trim()).map_err(|e| format!("psql's answer: {e}"))?;
    Ok(api == raw)
}

async fn post_json(url: &str, token: &str, body: &Value) -> Result<Value, String> {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let value: Value = response.json().await.map_err(|e| format!("not JSON: {e}"))?;
    if let Some(errors) = value.get("errors") {
        return Err(format!("the API answered with errors: {errors}"));
    }
    Ok(value)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn table(args: &Args, run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{}**, scale {} (seeded in {:.0} s); {} clients, {} submitting partners; {} rounds of {} s, API and SQL taking turns, after {} s of warm-up.\n",
        run.label,
        args.scale,
        run.seed.as_secs_f64(),
        args.clients,
        args.writers,
        args.rounds,
        args.duration,
        args.warmup
    );
    let _ = writeln!(
        out,
        "| workload | req/s | p50 ms | p99 ms | errors | peak RSS MiB | CPU ms/req: server + db | SQL req/s | SQL db ms/req | API / SQL |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in &run.rows {
        let raw = row.raw_per_sec.map(|r| format!("{r:.0}")).unwrap_or_else(|| "—".into());
        let ratio = row.ratio().map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into());
        let mark = match row.same_answer {
            Some(false) => " (answers differ)",
            _ => "",
        };
        let cpu = match (row.cpu.server, row.cpu.database) {
            (Some(s), Some(d)) => format!("{s:.2} + {d:.2}"),
            (Some(s), None) => format!("{s:.2}"),
            _ => "—".into(),
        };
        let sql_cpu = row.cpu.sql_database.map(|c| format!("{c:.2}")).unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "| {}{mark} | {:.0} | {:.1} | {:.1} | {} | {} | {cpu} | {raw} | {sql_cpu} | {ratio} |",
            row.name,
            row.stats.per_sec(),
            ms(row.stats.percentile(50.0)),
            ms(row.stats.percentile(99.0)),
            row.stats.errors,
            row.peak_rss_mib.map(|m| format!("{m:.0}")).unwrap_or_else(|| "—".into()),
        );
    }
    let _ = writeln!(
        out,
        "\nOne region dashboard request: {} SQL statements ({} on its first run, resolved field by field), {} audit rows written, {} KB of JSON.",
        run.dashboard_statements.1.map(|n| format!("{n:.0}")).unwrap_or_else(|| "?".into()),
        run.dashboard_statements.0.map(|n| format!("{n:.0}")).unwrap_or_else(|| "?".into()),
        run.dashboard_audit_rows.map(|n| format!("{n:.0}")).unwrap_or_else(|| "?".into()),
        run.dashboard_bytes / 1000,
    );
    if let Some(c) = run.rows.iter().find(|r| r.name == "region dashboard").map(|r| r.cpu)
        && let Some(ceiling) = c.ceiling()
    {
        let _ = writeln!(
            out,
            "Its statements cost PostgreSQL {:.2} ms a request, the hand-written one {:.2} ms: were the server free, the dashboard could reach at most {:.0}% of the SQL rate.",
            c.database.unwrap_or_default(),
            c.sql_database.unwrap_or_default(),
            ceiling * 100.0
        );
    }
    out
}

/// The targets of the performance issue, each met or not, with the figure.
fn verdicts(runs: &[Run]) -> String {
    let mut out = String::from("Targets:\n");
    let mut line = |ok: bool, text: String| {
        let _ = writeln!(out, "- {} {text}", if ok { "met:" } else { "NOT met:" });
    };
    for run in runs {
        let row = |name: &str| run.rows.iter().find(|r| r.name == name);
        if let Some(r) = row("region dashboard") {
            if let Some(ratio) = r.ratio() {
                line(
                    ratio >= 0.75,
                    format!("{}: region dashboard at {:.0}% of the SQL rate (≥ 75%)", run.label, ratio * 100.0),
                );
            }
            if let Some(rss) = r.peak_rss_mib {
                let mb = rss * 1.048_576;
                line(
                    mb <= 100.0,
                    format!("{}: peak RSS under the dashboard load {mb:.0} MB ({rss:.0} MiB; ≤ 100 MB)", run.label),
                );
            }
        }
        for name in ["report page: first", "report page: last"] {
            if let Some(ratio) = row(name).and_then(Row::ratio) {
                line(ratio >= 0.60, format!("{}: {name} at {:.0}% of the SQL rate (≥ 60%)", run.label, ratio * 100.0));
            }
        }
        if let (Some(first), Some(last)) = (row("report page: first"), row("report page: last")) {
            let slower = first.stats.per_sec() / last.stats.per_sec().max(1e-9);
            line(slower <= 1.2, format!("{}: the last page takes {slower:.2}× the first (≤ 1.2×)", run.label));
        }
        if let Some(r) = row("partner submissions") {
            match r.ratio() {
                Some(ratio) => line(
                    ratio >= 0.50,
                    format!("{}: partner submissions at {:.0}% of pgbench's rate (≥ 50%)", run.label, ratio * 100.0),
                ),
                None => line(
                    r.stats.errors == 0,
                    format!("{}: {} errors among {} submissions", run.label, r.stats.errors, r.stats.requests),
                ),
            }
        }
        for r in &run.rows {
            if r.same_answer == Some(false) {
                line(false, format!("{}: the SQL of {} does not give the API's answer", run.label, r.name));
            }
        }
    }
    out
}

fn report(args: &Args, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {}.\n", today(), machine());
    let _ = writeln!(
        out,
        "`bench/run --scale {} --clients {} --writers {} --duration {} --rounds {} --warmup {}`\n",
        args.scale, args.clients, args.writers, args.duration, args.rounds, args.warmup
    );
    for run in runs {
        let _ = writeln!(out, "{}", table(args, run));
    }
    out.push_str(&verdicts(runs));
    out
}

fn write_readme(path: &Path, report: &str) -> Result<(), String> {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        return Err(format!("{} has no {START} … {END} markers", path.display()));
    };
    if b < a {
        return Err(format!("{}: {END} comes before {START}", path.display()));
    }
    let updated = format!("{}{START}\n{report}{}", &text[..a], &text[b..]);
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn json_of(runs: &[Run]) -> Value {
    Value::Array(
        runs.iter()
            .map(|run| {
                json!({
                    "database": run.label,
                    "dashboardStatements": run.dashboard_statements.1,
                    "dashboardStatementsFirstRun": run.dashboard_statements.0,
                    "dashboardAuditRows": run.dashboard_audit_rows,
                    "dashboardBytes": run.dashboard_bytes,
                    "workloads": run.rows.iter().map(|r| json!({
                        "name": r.name,
                        "requests": r.stats.requests,
                        "errors": r.stats.errors,
                        "firstError": r.stats.first_error,
                        "perSec": r.stats.per_sec(),
                        "p50Ms": ms(r.stats.percentile(50.0)),
                        "p99Ms": ms(r.stats.percentile(99.0)),
                        "peakRssMib": r.peak_rss_mib,
                        "sqlPerSec": r.raw_per_sec,
                        "sameAnswer": r.same_answer,
                        "cpuMsPerRequest": { "server": r.cpu.server, "database": r.cpu.database, "sqlDatabase": r.cpu.sql_database },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "(unknown date)".into())
}

/// The CPU, core count and memory of this machine.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split(':').nth(1)))
        .map(str::trim)
        .unwrap_or("an unknown CPU");
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{cores} cores of {cpu}, {mem_gib:.0} GiB")
}
