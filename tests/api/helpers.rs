//! The test harness: a real server on port 0 over a fresh, uniquely named database (a SQLite
//! file, or a PostgreSQL database when `TEST_DATABASE_URL` is set), with tokens for every role.

#![allow(dead_code)] // a harness: each helper serves some tests, not every build uses all

use std::net::SocketAddr;

use api::auth::jwt::{self, Claims};
use api::config::{AuthArgs, DatabaseArgs, LimitArgs, ServeArgs};
use api::db::StatementCounter;
use api::node::global_id;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The HS256 secret of every test server.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Where a test's database lives; dropped (and the database with it) when the test ends.
enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // The test's runtime is shutting down: drop the database from a runtime of our own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// The server's own connection (to arrange data and to check what was written).
    pub db: DatabaseConnection,
    pub statements: StatementCounter,
    _database: TestDatabase,
}

/// A fresh, empty (migrated) database URL for one test.
async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("att_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("TEST_DATABASE_URL must reach PostgreSQL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create the test database");
            admin.close().await.expect("close the admin connection");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url.clone());
            (format!("{base}/{name}"), TestDatabase::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
    }
}

/// The configuration of a test server.
pub fn test_config(database_url: String) -> ServeArgs {
    ServeArgs {
        bind: "127.0.0.1:0".parse().expect("an address"),
        demo: false,
        graphiql: true,
        cors_origins: vec![],
        idempotency_retention_hours: 48,
        persisted_operations: None,
        safelist: false,
        metrics: true,
        planned_reads: true,
        database: DatabaseArgs { database_url, db_max_connections: Some(8) },
        auth: AuthArgs {
            jwt_secret: Some(SecretString::from(SECRET)),
            jwt_public_keys: vec![],
            jwt_jwks: None,
            jwt_issuer: "att-coord".into(),
            jwt_audience: "att-coord".into(),
            jwt_leeway_secs: 5,
        },
        // Rate limiting is off unless a test turns it on: the suite runs far faster than any
        // caller would.
        limits: LimitArgs { rate_limit_per_sec: 0, ..LimitArgs::default() },
    }
}

/// A server over an empty, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server with the demo data at `scale`.
pub async fn spawn_app_with_demo(scale: f64) -> TestApp {
    let app = spawn_app().await;
    api::seed::load_demo_if_empty(&app.db, scale, false).await.expect("demo data loads");
    app
}

/// A server whose configuration `adjust` changes first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let (url, database) = fresh_database().await;
    let mut config = test_config(url);
    adjust(&mut config);
    let app = api::Application::build(&config).await.expect("the application builds");
    let addr = app.local_addr().expect("a bound address");
    let db = app.db().clone();
    let statements = app.statements();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp { addr, client: reqwest::Client::new(), db, statements, _database: database }
}

/// The roles of DESIGN.md §2, as tests name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    Anonymous,
    /// A partner of the organisation with this database id.
    Partner(i64),
    VtfCommittee,
    Wgtu,
    Secretariat,
}

/// A signed token with these claims.
pub fn token_with(claims: &Claims) -> String {
    jwt::mint(&SecretString::from(SECRET), claims).expect("a token")
}

/// Valid claims for `role` (`org` as the API's global id).
pub fn claims(role: &str, org: Option<i64>) -> Claims {
    let now = jwt::now_secs();
    Claims {
        sub: format!("{role}-user"),
        role: role.into(),
        org: org.map(|o| global_id("Organization", o).to_string()),
        iss: "att-coord".into(),
        aud: "att-coord".into(),
        exp: now + 3600,
        nbf: Some(now),
        iat: Some(now),
    }
}

impl As {
    /// The bearer token of this role (none for anonymous).
    pub fn token(self) -> Option<String> {
        let (role, org) = match self {
            As::Anonymous => return None,
            As::Partner(org) => ("partner", Some(org)),
            As::VtfCommittee => ("vtf_committee", None),
            As::Wgtu => ("wgtu", None),
            As::Secretariat => ("secretariat", None),
        };
        Some(token_with(&claims(role, org)))
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL request as `who`; returns the HTTP status and the JSON body.
    pub async fn post(&self, who: As, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = who.token() {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("a JSON body"))
    }

    /// A GraphQL request as `who` that must succeed at the HTTP level; returns the body.
    pub async fn gql(&self, who: As, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(who, query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A GraphQL request as `who` that must succeed without errors; returns `data`.
    pub async fn data(&self, who: As, query: &str, variables: Value) -> Value {
        let body = self.gql(who, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {}", body["errors"]);
        body["data"].clone()
    }
}

/// The `extensions.code` of every error of a response.
pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()).collect())
        .unwrap_or_default()
}

/// The single error of a response: (code, path as a string).
pub fn only_error(body: &Value) -> (String, String) {
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected an error in {body}"));
    assert_eq!(errors.len(), 1, "expected one error: {body}");
    let e = &errors[0];
    let path = e["path"]
        .as_array()
        .map(|p| p.iter().map(|s| s.to_string().trim_matches('"').to_owned()).collect::<Vec<_>>().join("."))
        .unwrap_or_default();
    (e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned(), path)
}

/// The `extensions.field` of every error of a response, sorted.
pub fn error_fields(body: &Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["extensions"]["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    fields.sort_unstable();
    fields
}
