//! The load generator: N clients, each on its own keep-alive connection, sending requests
//! back to back for a fixed time, with every latency kept for the percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// What the clients send.
#[derive(Clone)]
pub enum Job {
    /// One GraphQL POST, the same each time.
    Read { body: Arc<str>, token: Arc<str> },
    /// A partner's submission: `createActivityReport`, then `submitActivityReport` of the
    /// report it created, each with an idempotency key. One submission counts as one request.
    Submit { tokens: Arc<[String]>, nonce: String },
}

/// The outcome of one run.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    latencies: Vec<Duration>,
    /// The first error seen, to say what went wrong.
    pub first_error: Option<String>,
}

impl Stats {
    pub fn per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Adds `other`'s requests to these, `elapsed` being the time `other` adds (zero for
    /// clients that ran side by side, its own time for a run that followed).
    pub fn absorb(&mut self, other: Stats, elapsed: Duration) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.elapsed += elapsed;
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// The latency below which `p` percent of the requests finished.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

/// Runs `job` with `clients` concurrent clients for `duration`; `phase` keeps the
/// idempotency keys of a warm-up apart from those of the measured run.
pub async fn drive(url: &str, job: &Job, clients: usize, duration: Duration, phase: &str) -> Stats {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let (url, job, phase) = (url.to_owned(), job.clone(), phase.to_owned());
        tasks.push(tokio::spawn(async move { run_client(&url, &job, client, deadline, &phase).await }));
    }
    let mut total = Stats::default();
    for task in tasks {
        match task.await {
            Ok(s) => total.absorb(s, Duration::ZERO),
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert_with(|| format!("a client failed: {e}"));
            }
        }
    }
    total.elapsed = start.elapsed();
    total.latencies.sort_unstable();
    total
}

async fn run_client(url: &str, job: &Job, client: usize, deadline: Instant, phase: &str) -> Stats {
    let mut stats = Stats::default();
    // Parsed once: reqwest would parse a `&str` again for every request.
    let url = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            stats.errors += 1;
            stats.first_error = Some(format!("{url} is not a URL: {e}"));
            return stats;
        }
    };
    // One connection per client, as a dashboard or a script would hold.
    let http = match reqwest::Client::builder().pool_max_idle_per_host(1).build() {
        Ok(c) => c,
        Err(e) => {
            stats.errors += 1;
            stats.first_error = Some(format!("no HTTP client: {e}"));
            return stats;
        }
    };
    let mut n = 0u64;
    while Instant::now() < deadline {
        let began = Instant::now();
        let outcome = match job {
            Job::Read { body, token } => post(&http, &url, token, body.to_string()).await.map(|_| ()),
            Job::Submit { tokens, nonce } => {
                let token = &tokens[client % tokens.len()];
                let key = format!("{nonce}-{phase}-{client}-{n}");
                submit(&http, &url, token, &key).await
            }
        };
        stats.latencies.push(began.elapsed());
        stats.requests += 1;
        if let Err(e) = outcome {
            stats.errors += 1;
            stats.first_error.get_or_insert(e);
        }
        n += 1;
    }
    stats
}

/// Posts one GraphQL request; an HTTP error or a response with `errors` is an error.
async fn post(
    http: &reqwest::Client,
    url: &reqwest::Url,
    token: &str,
    body: String,
) -> Result<impl AsRef<[u8]>, String> {
    let auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?;
    let response = http
        .post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, auth)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| format!("reading the response failed: {e}"))?;
    // The client shares the cores with the server: a 50 KB dashboard is searched with SIMD, not
    // window by window.
    if !status.is_success() || memchr::memmem::find(&bytes, b"\"errors\"").is_some() {
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>()));
    }
    Ok(bytes)
}

const CREATE: &str = "mutation($input: CreateActivityReportInput!) { createActivityReport(input: $input) { activityReport { id version reviewStatus } } }";
const SUBMIT: &str = "mutation($input: ReportTransitionInput!) { submitActivityReport(input: $input) { activityReport { id version reviewStatus } } }";

/// The bodies of a submission's two requests, up to the idempotency key: the client shares the
/// cores with the server, so it pastes the key (and the id) into text built once instead of
/// building a JSON tree per request.
struct Bodies {
    /// `createActivityReport`'s body up to its key.
    create: String,
    /// `submitActivityReport`'s body up to the report's id.
    submit: String,
}

impl Bodies {
    /// What follows a key: the closing of `input`, `variables` and the body.
    const END: &str = "\"}}}";

    fn new() -> Self {
        let input = serde_json::json!({
            "title": "Bench workshop",
            "description": "A workshop on national control lists [bench]",
            "activityType": "WORKSHOP",
            "status": "COMPLETED",
            "startDate": "2026-03-02",
            "endDate": "2026-03-04",
            "targetStates": ["GHA", "TGO"],
            "attThemes": ["Article 5"],
            "participantsTotal": 40,
            "participantsWomen": 18,
            "budget": "12500.00",
            "currency": "USD",
            "fundingSource": "Bench donor",
        })
        .to_string();
        let open = |query: &str| format!("{{\"query\":{},\"variables\":{{\"input\":", serde_json::Value::from(query));
        Self {
            create: format!("{}{},\"idempotencyKey\":\"c-", open(CREATE), &input[..input.len() - 1]),
            submit: format!("{}{{\"id\":\"", open(SUBMIT)),
        }
    }

    fn create(&self, key: &str) -> String {
        [self.create.as_str(), key, Self::END].concat()
    }

    fn submit(&self, id: &str, key: &str) -> String {
        [self.submit.as_str(), id, "\",\"idempotencyKey\":\"s-", key, Self::END].concat()
    }
}

static BODIES: std::sync::LazyLock<Bodies> = std::sync::LazyLock::new(Bodies::new);

/// The report's id in `createActivityReport`'s answer: the first `"id":"..."` (global ids are
/// base64, never escaped).
fn created_id(answer: &[u8]) -> Option<&str> {
    const ID: &[u8] = b"\"id\":\"";
    let start = memchr::memmem::find(answer, ID)? + ID.len();
    let len = memchr::memchr(b'"', &answer[start..])?;
    std::str::from_utf8(&answer[start..start + len]).ok()
}

async fn submit(http: &reqwest::Client, url: &reqwest::Url, token: &str, key: &str) -> Result<(), String> {
    let created = post(http, url, token, BODIES.create(key)).await?;
    let id = created_id(created.as_ref()).ok_or("createActivityReport returned no id")?;
    post(http, url, token, BODIES.submit(id, key)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bodies_are_the_json_of_the_two_requests() {
        let create: serde_json::Value = serde_json::from_str(&BODIES.create("k-1")).expect("JSON");
        let submit: serde_json::Value =
            serde_json::from_str(&BODIES.submit("QWN0aXZpdHlSZXBvcnQ6MQ", "k-1")).expect("JSON");

        assert_eq!(create["query"], CREATE);
        assert_eq!(create["variables"]["input"]["idempotencyKey"], "c-k-1");
        assert_eq!(create["variables"]["input"]["targetStates"], serde_json::json!(["GHA", "TGO"]));
        assert_eq!(submit["query"], SUBMIT);
        assert_eq!(
            submit["variables"]["input"],
            serde_json::json!({ "id": "QWN0aXZpdHlSZXBvcnQ6MQ", "idempotencyKey": "s-k-1" })
        );
    }

    #[test]
    fn the_created_id_is_read_from_the_answer() {
        let answer =
            br#"{"data":{"createActivityReport":{"activityReport":{"id":"QWN0aXZpdHlSZXBvcnQ6MTI=","version":1}}}}"#;

        assert_eq!(created_id(answer), Some("QWN0aXZpdHlSZXBvcnQ6MTI="));
        assert_eq!(created_id(br#"{"data":null}"#), None);
    }
}
