//! The HTTP side: routes, request ids, authentication, the GraphQL endpoint with its persisted
//! operations, the streamed exports built on it, and the metrics.

pub mod exports;
mod graphql;
pub mod metrics;
pub mod persisted;
mod request_id;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::jwt::Verifier;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::schema::AppSchema;

pub use request_id::RequestId;

/// What every HTTP handler shares.
#[derive(Clone)]
pub struct HttpState {
    /// The schema for authenticated callers.
    pub schema: AppSchema,
    /// The schema for anonymous callers: no introspection, no field suggestions.
    pub public_schema: AppSchema,
    /// Parsing, limits and rate limits before an operation runs; codes and nulls after.
    pub guardrails: Arc<crate::guardrails::Guardrails>,
    /// Dashboards' queries answered by one statement each, where it can (PostgreSQL).
    pub planner: Arc<crate::planned::Planner>,
    pub db: DatabaseConnection,
    pub verifier: Arc<Verifier>,
    pub graphiql: bool,
    pub orgs: Arc<graphql::KnownOrganizations>,
    /// The limits batches are checked against (operations are checked by the schema).
    pub limits: Limits,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// The exportable datasets, read once from the schema's SDL.
    pub exports: Arc<exports::Catalog>,
    /// The registered operations, and whether only they may run.
    pub persisted: Arc<persisted::PersistedOperations>,
    /// What `/metrics` reports.
    pub metrics: Arc<Metrics>,
}

/// Options of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub cors_origins: Vec<String>,
    /// Serve `GET /metrics`.
    pub metrics: bool,
}

/// The application's routes and layers.
pub fn router(state: HttpState, options: &HttpOptions) -> Router {
    let cors = if options.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        let origins: Vec<HeaderValue> =
            options.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o.trim()).ok()).collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .expose_headers([header::HeaderName::from_static("x-request-id")])
    };
    let mut routes = Router::new()
        .route(metrics::GRAPHQL_ROUTE, get(graphql::get).post(graphql::post))
        .route("/export/{file}", get(exports::export))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if options.metrics {
        routes = routes.route("/metrics", get(metrics::serve));
    }
    let observed = state.metrics.clone();
    // Only what needs the matched route is a layer of each route: every layer given to
    // `Router::layer` wraps each route in a box of its own, and every box clones its whole
    // inner stack (the handler's state with it) on every request. The rest wraps the router
    // once, as one stack of plain types.
    let routes = routes
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(options.request_timeout, timeout))
        // Outside the timeout, so that a request it stops is counted too.
        .layer(axum::middleware::from_fn_with_state(observed, metrics::layer));
    let around = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(request_id::layer))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(cors)
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .service(routes);
    Router::new().fallback_service(around)
}

/// Ends a request that takes longer than the configured time with `408` and code `TIMEOUT`.
/// The handler's future is dropped, and with it any open transaction, which rolls back.
async fn timeout(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs_f64(), "request timed out");
            graphql::error_response(
                StatusCode::REQUEST_TIMEOUT,
                crate::error::code::TIMEOUT,
                &format!(
                    "the request took longer than {} s and was stopped; nothing it started was kept",
                    limit.as_secs_f64()
                ),
            )
        }
    }
}

/// The process is up.
async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// The database answers.
async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
