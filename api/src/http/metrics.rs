//! Observing every request for the metrics, and `GET /metrics`.
//!
//! One layer times every request by route. For `/graphql` it also counts each operation with
//! its outcome: the GraphQL handlers note the operations' names and outcomes in an
//! [`Observation`] carried by the request, and a response refused before anything ran carries
//! its code ([`ErrorCode`], set by `error_response`). A request stopped by the timeout is
//! counted with the names noted so far and the code `TIMEOUT`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::HttpState;
use crate::metrics::{CONTENT_TYPE, Metrics};

/// The route of the GraphQL endpoint.
pub const GRAPHQL_ROUTE: &str = "/graphql";

/// The code of a response refused before any operation ran.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// What a GraphQL handler noted about its request: the operations' names, then each one's
/// outcome (`OK`, or the code of its first error).
#[derive(Clone, Default)]
pub struct Observation(Arc<Mutex<Observed>>);

#[derive(Default)]
struct Observed {
    operations: Vec<Option<String>>,
    outcomes: Vec<String>,
}

impl Observation {
    fn with<T>(&self, f: impl FnOnce(&mut Observed) -> T) -> T {
        match self.0.lock() {
            Ok(mut o) => f(&mut o),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Notes the names of the request's operations (`None` for an unnamed one).
    pub fn operations(&self, names: Vec<Option<String>>) {
        self.with(|o| o.operations = names);
    }

    /// Notes each operation's outcome, in the order of [`operations`](Self::operations).
    pub fn outcomes(&self, outcomes: Vec<String>) {
        self.with(|o| o.outcomes = outcomes);
    }
}

/// Times the request and, on `/graphql`, counts its operations.
pub async fn layer(State(metrics): State<Arc<Metrics>>, mut request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let observation = Observation::default();
    request.extensions_mut().insert(observation.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    metrics.observe_http(&route, elapsed);

    let refused = response.extensions().get::<ErrorCode>().map(|c| c.0);
    let Observed { operations, outcomes } = observation.with(std::mem::take);
    // GraphiQL's page is neither an operation nor a refusal.
    if route != GRAPHQL_ROUTE || (outcomes.is_empty() && refused.is_none()) {
        return response;
    }
    metrics.observe_graphql(&operations, &outcomes, refused, elapsed);
    response
}

/// `GET /metrics`: the Prometheus text format.
pub async fn serve(State(state): State<HttpState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
