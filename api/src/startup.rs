//! Building the application so that `main` and the tests start it the same way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::auth::jwt::{KeyConfigError, Verifier};
use crate::config::ServeArgs;
use crate::context::AppState;
use crate::db::{ConnectError, StatementCounter};
use crate::guardrails::{DocumentCache, Guardrails};
use crate::http::persisted::PersistedOperations;
use crate::http::{HttpOptions, HttpState};
use crate::limits::TypeInfo;
use crate::metrics::Metrics;
use crate::planned::Planner;
use crate::rate_limit::RateLimiter;
use crate::schema::AppSchema;

/// Why the server could not start, each saying what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error("applying migrations failed: {0}")]
    Migration(sea_orm::DbErr),
    #[error("loading the demo data failed: {0}")]
    Seed(String),
    #[error("cannot listen on {addr}: {source}. Choose another address with --bind or ATT_BIND")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Keys(#[from] KeyConfigError),
    #[error(transparent)]
    Exports(#[from] crate::http::exports::CatalogError),
    #[error(transparent)]
    PersistedOperations(#[from] crate::http::persisted::PersistedError),
}

/// A built, bound, not yet serving application.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: DatabaseConnection,
    statements: StatementCounter,
    key_retention: Duration,
}

/// How often expired idempotency keys are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The schema for callers of one kind (anonymous or not), with the shared state attached.
pub fn build_schema(db: &DatabaseConnection, anonymous: bool) -> AppSchema {
    let mut b = crate::schema::builder().data(AppState::new(db.clone()));
    if anonymous {
        b = b.disable_introspection().disable_suggestions();
    }
    b.finish()
}

impl Application {
    /// Connects, migrates, loads demo data when asked and the database is empty, and binds.
    pub async fn build(config: &ServeArgs) -> Result<Self, StartupError> {
        let verifier = Verifier::from_config(&config.auth)?;
        let persisted = match &config.persisted_operations {
            Some(path) => {
                let p = PersistedOperations::load(path, config.safelist)?;
                tracing::info!(
                    operations = p.operations().len(),
                    safelist = config.safelist,
                    "persisted operations registered"
                );
                p
            }
            None => PersistedOperations::none(),
        };
        if !verifier.has_keys() {
            tracing::warn!(
                "no token keys configured (ATT_JWT_SECRET, ATT_JWT_PUBLIC_KEYS, ATT_JWT_JWKS): every token will be refused"
            );
        }
        let (db, statements) =
            crate::db::connect(&config.database.database_url, config.database.max_connections()).await?;
        for name in crate::db::migrate(&db).await.map_err(StartupError::Migration)? {
            tracing::info!(migration = %name, "migration applied");
        }
        if config.demo {
            match crate::seed::load_demo_if_empty(&db, 1.0, false).await {
                Ok(true) => tracing::info!("demo data loaded"),
                Ok(false) => tracing::info!("database not empty: demo data not loaded"),
                Err(e) => return Err(StartupError::Seed(e.to_string())),
            }
        }
        let listener =
            TcpListener::bind(config.bind).await.map_err(|source| StartupError::Bind { addr: config.bind, source })?;
        let limits = config.limits.limits();
        let limiter = RateLimiter::new(config.limits.rate_limit_per_sec, config.limits.rate_limit_burst).map(Arc::new);
        let schema = build_schema(&db, false);
        let sdl = schema.sdl();
        let guardrails = Guardrails {
            limits: limits.clone(),
            types: TypeInfo::from_sdl(&sdl),
            limiter: limiter.clone(),
            documents: DocumentCache::new(),
        };
        let exports = crate::http::exports::Catalog::from_sdl(&sdl)?;
        let registered = persisted.operations().iter().map(|op| op.name.clone()).collect();
        let metrics = Metrics::new(db.clone(), statements.clone(), limiter.clone(), registered);
        let state = HttpState {
            schema,
            public_schema: build_schema(&db, true),
            guardrails: Arc::new(guardrails),
            planner: Arc::new(Planner::new(config.planned_reads, db.get_database_backend())),
            db: db.clone(),
            verifier: Arc::new(verifier),
            graphiql: config.graphiql,
            orgs: Arc::default(),
            limits: limits.clone(),
            max_body_bytes: config.limits.max_body_bytes,
            exports: Arc::new(exports),
            persisted: Arc::new(persisted),
            metrics: Arc::new(metrics),
        };
        let options = HttpOptions {
            max_body_bytes: config.limits.max_body_bytes,
            request_timeout: config.limits.request_timeout(),
            cors_origins: config.cors_origins.clone(),
            metrics: config.metrics,
        };
        let router = crate::http::router(state, &options);
        let key_retention = Duration::from_secs(config.idempotency_retention_hours * 3600);
        Ok(Self { listener, router, db, statements, key_retention })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The database connection the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Counts the statements the server sends to the database.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (db, retention) = (self.db.clone(), self.key_retention);
        let purge = tokio::spawn(async move {
            // The first purge an interval after start, not at start: nothing is old yet.
            let mut every = tokio::time::interval_at(tokio::time::Instant::now() + PURGE_EVERY, PURGE_EVERY);
            loop {
                every.tick().await;
                match crate::write::purge_idempotency_records(&db, retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired idempotency keys forgotten"),
                    Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed; will retry"),
                }
            }
        });
        let served = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        purge.abort();
        served
    }

    /// Serves until the process gets SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
