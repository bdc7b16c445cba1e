//! The server's metrics, served on `GET /metrics` in the Prometheus text format (version
//! 0.0.4).
//!
//! A handful of counters and two latency histograms, kept by hand: no registry crate is worth
//! its dependencies for this. Every label has a bounded set of values: outcomes are the
//! server's own codes, routes its route templates, and operation names are registered names,
//! or at most [`MAX_OPERATION_NAMES`] other names seen first, then `other`; an unnamed
//! operation (or a name that is not a GraphQL name) is `anonymous`.
//!
//! Database pool figures are read from sqlx's pool at scrape time: connections open, idle and
//! the most allowed. sqlx (and so sea-orm 2) does not tell how many tasks wait for a
//! connection; statement counts come from sea-orm's metric callback instead.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::db::StatementCounter;
use crate::rate_limit::RateLimiter;
use crate::validation::is_graphql_name;

/// Distinct unregistered operation names labelled by name; later ones are `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// The longest operation name used as a label; a longer one is `other`.
const MAX_NAME_LEN: usize = 100;
/// The label of an operation without a (valid) name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of operation names past the cap.
pub const OTHER: &str = "other";
/// The operation label of a batched request's latency.
pub const BATCH: &str = "batch";
/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency buckets, in seconds (the request timeout defaults to 30 s).
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Observations of one latency series.
#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Observations per bucket (not cumulative); the last slot is above every bound.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = BUCKETS.iter().position(|&b| secs <= b).unwrap_or(BUCKETS.len());
        self.buckets[slot] += 1;
        self.sum += secs;
    }
}

#[derive(Clone, Default)]
struct Series {
    /// GraphQL operations by (operation, outcome).
    requests: BTreeMap<(String, String), u64>,
    /// GraphQL request latency by operation.
    operation_latency: BTreeMap<String, Histogram>,
    /// HTTP request latency by route.
    http_latency: BTreeMap<String, Histogram>,
    /// Unregistered operation names given a label of their own.
    names: HashSet<String>,
}

/// Everything `/metrics` reports; one per server, shared by every request.
pub struct Metrics {
    series: Mutex<Series>,
    /// Names of the persisted operations: always labelled by name.
    registered: HashSet<String>,
    audit_reads: AtomicU64,
    audit_mutations: AtomicU64,
    db: DatabaseConnection,
    statements: StatementCounter,
    limiter: Option<Arc<RateLimiter>>,
}

impl Metrics {
    /// Metrics reading the pool of `db`, the statement counter and the rate limiter when they
    /// are scraped; `registered` are the persisted operations' names.
    pub fn new(
        db: DatabaseConnection,
        statements: StatementCounter,
        limiter: Option<Arc<RateLimiter>>,
        registered: HashSet<String>,
    ) -> Self {
        Self {
            series: Mutex::default(),
            registered,
            audit_reads: AtomicU64::new(0),
            audit_mutations: AtomicU64::new(0),
            db,
            statements,
            limiter,
        }
    }

    fn series(&self) -> MutexGuard<'_, Series> {
        match self.series.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The label of an operation name (see the module's documentation).
    fn label(&self, series: &mut Series, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| is_graphql_name(n)) else {
            return ANONYMOUS.to_owned();
        };
        if self.registered.contains(name) {
            return name.to_owned();
        }
        if name.len() > MAX_NAME_LEN {
            return OTHER.to_owned();
        }
        if series.names.contains(name) || series.names.len() < MAX_OPERATION_NAMES {
            series.names.insert(name.to_owned());
            name.to_owned()
        } else {
            OTHER.to_owned()
        }
    }

    /// Records one `/graphql` request: each operation (by name; none known is one `anonymous`)
    /// with its outcome (`OK`, or the code of its first error; `refused`, the code of a request
    /// refused as a whole, stands in for a missing one), and how long the request took (by the
    /// operation's label, or `batch`).
    pub fn observe_graphql(
        &self,
        operations: &[Option<String>],
        outcomes: &[String],
        refused: Option<&str>,
        elapsed: Duration,
    ) {
        let mut series = self.series();
        let labels: Vec<String> = if operations.is_empty() {
            vec![ANONYMOUS.to_owned()]
        } else {
            operations.iter().map(|name| self.label(&mut series, name.as_deref())).collect()
        };
        for (i, label) in labels.iter().enumerate() {
            let outcome = outcomes.get(i).map(String::as_str).or(refused).unwrap_or("OK");
            *series.requests.entry((label.clone(), outcome.to_owned())).or_default() += 1;
        }
        let latency = match labels.as_slice() {
            [one] => one.clone(),
            _ => BATCH.to_owned(),
        };
        series.operation_latency.entry(latency).or_default().observe(elapsed);
    }

    /// Records how long an HTTP request took, by route template.
    pub fn observe_http(&self, route: &str, elapsed: Duration) {
        self.series().http_latency.entry(route.to_owned()).or_default().observe(elapsed);
    }

    /// Counts audit events written: SENSITIVE reads and mutations.
    pub fn audit_events_written(&self, reads: u64, mutations: u64) {
        self.audit_reads.fetch_add(reads, Ordering::Relaxed);
        self.audit_mutations.fetch_add(mutations, Ordering::Relaxed);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // A copy, so that requests do not wait while the text is written.
        let series = self.series().clone();

        family(
            &mut out,
            "att_requests_total",
            "counter",
            "GraphQL operations on /graphql by operation name and outcome (OK, or the code of the first error).",
        );
        for ((operation, outcome), n) in &series.requests {
            let _ = writeln!(
                out,
                "att_requests_total{{operation=\"{}\",outcome=\"{}\"}} {n}",
                escape(operation),
                escape(outcome)
            );
        }
        family(
            &mut out,
            "att_request_duration_seconds",
            "histogram",
            "Time to answer a GraphQL request on /graphql, by operation name (batch for a batch).",
        );
        for (operation, h) in &series.operation_latency {
            histogram(&mut out, "att_request_duration_seconds", "operation", operation, h);
        }
        family(&mut out, "att_http_request_duration_seconds", "histogram", "Time to answer an HTTP request, by route.");
        for (route, h) in &series.http_latency {
            histogram(&mut out, "att_http_request_duration_seconds", "route", route, h);
        }

        let rate_limited = self.limiter.as_ref().map_or(0, |l| l.rejections());
        family(
            &mut out,
            "att_rate_limited_total",
            "counter",
            "Operations refused because the caller's rate-limit budget was spent.",
        );
        let _ = writeln!(out, "att_rate_limited_total {rate_limited}");
        family(
            &mut out,
            "att_audit_events_total",
            "counter",
            "Audit events written, by kind (read of a SENSITIVE field, or mutation).",
        );
        let _ = writeln!(out, "att_audit_events_total{{kind=\"read\"}} {}", self.audit_reads.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "att_audit_events_total{{kind=\"mutation\"}} {}",
            self.audit_mutations.load(Ordering::Relaxed)
        );

        family(&mut out, "att_db_statements_total", "counter", "SQL statements sent to the database.");
        let _ = writeln!(out, "att_db_statements_total {}", self.statements.get());
        family(&mut out, "att_db_statement_errors_total", "counter", "SQL statements that failed.");
        let _ = writeln!(out, "att_db_statement_errors_total {}", self.statements.failed());
        if let Some(pool) = crate::db::pool_stats(&self.db) {
            family(&mut out, "att_db_pool_connections", "gauge", "Open database connections, in use or idle.");
            let _ = writeln!(out, "att_db_pool_connections{{state=\"in_use\"}} {}", pool.in_use());
            let _ = writeln!(out, "att_db_pool_connections{{state=\"idle\"}} {}", pool.idle);
            family(&mut out, "att_db_pool_max_connections", "gauge", "The most connections the pool opens.");
            let _ = writeln!(out, "att_db_pool_max_connections {}", pool.max);
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn histogram(out: &mut String, name: &str, label: &str, value: &str, h: &Histogram) {
    let value = escape(value);
    let mut cumulative = 0;
    for (bound, n) in BUCKETS.iter().zip(&h.buckets) {
        cumulative += n;
        let _ = writeln!(out, "{name}_bucket{{{label}=\"{value}\",le=\"{bound}\"}} {cumulative}");
    }
    cumulative += h.buckets[BUCKETS.len()];
    let _ = writeln!(out, "{name}_bucket{{{label}=\"{value}\",le=\"+Inf\"}} {cumulative}");
    let _ = writeln!(out, "{name}_sum{{{label}=\"{value}\"}} {}", h.sum);
    let _ = writeln!(out, "{name}_count{{{label}=\"{value}\"}} {cumulative}");
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn metrics(registered: &[&str]) -> Metrics {
        let db = sea_orm::Database::connect("sqlite::memory:").await.expect("an in-memory database");
        Metrics::new(db, StatementCounter::default(), None, registered.iter().map(|s| (*s).to_owned()).collect())
    }

    #[tokio::test]
    async fn operation_labels_stay_bounded() {
        let m = metrics(&["Registered"]).await;
        let label = |name: &str| m.label(&mut m.series(), Some(name));
        assert_eq!(m.label(&mut m.series(), None), ANONYMOUS);
        assert_eq!(label("not a name"), ANONYMOUS);
        assert_eq!(label(&"A".repeat(MAX_NAME_LEN + 1)), OTHER);
        for i in 0..MAX_OPERATION_NAMES {
            assert_eq!(label(&format!("Op{i}")), format!("Op{i}"));
        }
        assert_eq!(label("OneTooMany"), OTHER);
        assert_eq!(label("Op0"), "Op0", "a name seen before keeps its label");
        assert_eq!(label("Registered"), "Registered", "registered names are never capped");
    }

    #[tokio::test]
    async fn the_text_format_has_cumulative_buckets_and_escaped_labels() {
        let m = metrics(&[]).await;
        let dash = [Some("Dash".to_owned())];
        m.observe_graphql(&dash, &["OK".to_owned()], None, Duration::from_millis(3));
        m.observe_graphql(&dash, &[], Some("OK"), Duration::from_millis(300));
        m.observe_graphql(&dash, &["FORBIDDEN".to_owned()], None, Duration::from_secs(40));
        m.observe_graphql(&[Some("A".into()), None], &["OK".into(), "FORBIDDEN".into()], None, Duration::ZERO);
        m.observe_http("/a\"b", Duration::from_secs(60));
        let text = m.render();
        assert!(text.contains("att_requests_total{operation=\"Dash\",outcome=\"OK\"} 2\n"), "{text}");
        assert!(text.contains("att_requests_total{operation=\"Dash\",outcome=\"FORBIDDEN\"} 1\n"));
        assert!(text.contains("att_request_duration_seconds_bucket{operation=\"Dash\",le=\"0.005\"} 1\n"));
        assert!(text.contains("att_request_duration_seconds_bucket{operation=\"Dash\",le=\"0.25\"} 1\n"));
        assert!(text.contains("att_request_duration_seconds_bucket{operation=\"Dash\",le=\"0.5\"} 2\n"));
        assert!(text.contains("att_request_duration_seconds_count{operation=\"Dash\"} 3\n"));
        assert!(text.contains("att_request_duration_seconds_bucket{operation=\"Dash\",le=\"30\"} 2\n"));
        assert!(text.contains("att_requests_total{operation=\"anonymous\",outcome=\"FORBIDDEN\"} 1\n"));
        assert!(text.contains("att_request_duration_seconds_count{operation=\"batch\"} 1\n"));
        assert!(text.contains("att_http_request_duration_seconds_bucket{route=\"/a\\\"b\",le=\"30\"} 0\n"));
        assert!(text.contains("att_http_request_duration_seconds_bucket{route=\"/a\\\"b\",le=\"+Inf\"} 1\n"));
        assert!(text.contains("# TYPE att_rate_limited_total counter\natt_rate_limited_total 0\n"));
        assert!(text.contains("att_db_pool_connections{state=\"idle\"}"), "{text}");
    }
}
