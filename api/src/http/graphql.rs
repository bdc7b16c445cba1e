//! `POST /graphql` (JSON) and `GET /graphql` (queries in the URL, or GraphiQL).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Request, ServerError};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use entity::organization;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use serde::Deserialize;

use super::metrics::{ErrorCode, Observation};
use super::persisted::first_operation_name;
use super::{HttpState, RequestId};
use crate::auth::jwt::TokenError;
use crate::auth::{Principal, Role, parse_role};
use crate::context::RequestContext;
use crate::error::code;
use crate::node::parse_global_id;
use crate::rate_limit::Decision;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// `extensions.code` of an HTTP request that is not a GraphQL request.
pub const BAD_REQUEST: &str = "BAD_REQUEST";

/// Organisations known to exist, remembered briefly so a partner's every request does not
/// cost a lookup.
#[derive(Default)]
pub struct KnownOrganizations {
    seen: Mutex<HashMap<i64, Instant>>,
}

impl KnownOrganizations {
    const TTL: Duration = Duration::from_secs(60);

    async fn exists(&self, db: &DatabaseConnection, id: i64) -> Result<bool, DbErr> {
        if let Ok(seen) = self.seen.lock()
            && seen.get(&id).is_some_and(|t| t.elapsed() < Self::TTL)
        {
            return Ok(true);
        }
        let found = organization::Entity::find_by_id(id).one(db).await?.is_some();
        if found && let Ok(mut seen) = self.seen.lock() {
            seen.insert(id, Instant::now());
        }
        Ok(found)
    }
}

/// A GraphQL-shaped error response for failures before execution (its code is also kept for
/// the metrics).
pub(super) fn error_response(status: StatusCode, code: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.to_string())
            .into_response();
    response.extensions_mut().insert(ErrorCode(code));
    response
}

fn unauthenticated(reason: &TokenError) -> Response {
    let mut r = error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, &reason.to_string());
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    r
}

/// The caller: anonymous without a token, the token's principal with a valid one, and a
/// `401` response with the reason otherwise.
pub(super) async fn authenticate(state: &HttpState, headers: &HeaderMap) -> Result<Principal, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Principal::anonymous());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| unauthenticated(&TokenError::NotBearer))?;
    let claims = state.verifier.verify(token).map_err(|e| unauthenticated(&e))?;
    let role =
        parse_role(&claims.role).ok_or_else(|| unauthenticated(&TokenError::UnknownRole(claims.role.clone())))?;
    let org_id = if role == Role::Partner {
        let org = claims.org.as_deref().ok_or_else(|| unauthenticated(&TokenError::PartnerWithoutOrg))?;
        let id = match parse_global_id(org) {
            Some((t, id)) if t == "Organization" => id,
            _ => return Err(unauthenticated(&TokenError::NotAnOrganizationId)),
        };
        match state.orgs.exists(&state.db, id).await {
            Ok(true) => Some(id),
            Ok(false) => return Err(unauthenticated(&TokenError::UnknownOrganization)),
            Err(e) => {
                tracing::error!(error = %e, "organisation lookup failed");
                return Err(error_response(StatusCode::SERVICE_UNAVAILABLE, code::INTERNAL, "internal error"));
            }
        }
    } else {
        None
    };
    Ok(Principal { sub: Some(claims.sub), role, org_id })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn wants_graphql_response_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GRAPHQL_RESPONSE_JSON))
}

/// Whom the rate limiter charges: the token's subject, or the address of an anonymous caller.
pub(super) fn client_key(principal: &Principal, addr: SocketAddr) -> String {
    match &principal.sub {
        Some(_) => format!("sub:{}", principal.idempotency_scope()),
        None => format!("ip:{}", addr.ip()),
    }
}

/// A refusal of the whole request for a limit (before anything runs).
fn too_complex(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, code::QUERY_TOO_COMPLEX, message)
}

/// `POST /graphql`: a request or a batch as JSON.
pub async fn post(
    State(state): State<HttpState>,
    Extension(rid): Extension<RequestId>,
    Extension(observation): Extension<Observation>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request body is larger than the limit of {} bytes", state.max_body_bytes)
            } else {
                format!("cannot read the request body: {rejection}")
            };
            return error_response(status, BAD_REQUEST, &message);
        }
    };
    if !is_json(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BAD_REQUEST,
            "send GraphQL requests as JSON with `Content-Type: application/json`",
        );
    }
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut batch = match parse_body(&body) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                BAD_REQUEST,
                &format!(
                    "the body is not a GraphQL request: {e} (expected {{\"query\": \"...\", \"variables\": {{...}}}})"
                ),
            );
        }
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > state.limits.max_batch
    {
        return too_complex(&format!(
            "a batch of {} operations is more than the limit of {}",
            requests.len(),
            state.limits.max_batch
        ));
    }
    let resolved = state.persisted.resolve_batch(&mut batch);
    observation.operations(operation_names(&batch));
    if let Err(refusal) = resolved {
        return refusal.into_response();
    }
    if let BatchRequest::Batch(requests) = &batch
        && !state.limits.batch_mutations
        && requests.iter().any(is_mutation)
    {
        return too_complex("mutations may not be batched: send each in its own request");
    }
    let client = client_key(&principal, addr);
    execute(&state, rid, &observation, principal, client, batch, wants_graphql_response_json(&headers)).await
}

/// Reads a request (an object) or a batch (an array) from a JSON body. `BatchRequest`'s own
/// `Deserialize` is untagged: it reads the whole body into an intermediate tree and then tries
/// each shape on it. The first byte says which shape it is, so the body is read once, and an
/// error names what is wrong with that shape. A batch must not be empty, as for
/// `BatchRequest`.
fn parse_body(body: &[u8]) -> serde_json::Result<BatchRequest> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => match serde_json::from_slice::<Vec<Request>>(body)? {
            requests if requests.is_empty() => {
                Err(serde::de::Error::invalid_length(0, &"a non-empty array of GraphQL requests"))
            }
            requests => Ok(BatchRequest::Batch(requests)),
        },
        _ => serde_json::from_slice(body).map(BatchRequest::Single),
    }
}

/// The name of a request's operation, for the metrics: `operationName`, or else the name the
/// text gives its first operation (`None` for an unnamed one).
fn operation_name(r: &Request) -> Option<String> {
    r.operation_name.clone().or_else(|| first_operation_name(&r.query))
}

/// The names of a request's operations, for the metrics.
fn operation_names(batch: &BatchRequest) -> Vec<Option<String>> {
    match batch {
        BatchRequest::Single(r) => vec![operation_name(r)],
        BatchRequest::Batch(rs) => rs.iter().map(operation_name).collect(),
    }
}

/// The parameters of `GET /graphql`. GraphQL over HTTP names the operation `operationName`
/// (async-graphql's own query-string parser reads only `operation_name`; both are accepted).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParameters {
    #[serde(default)]
    query: String,
    #[serde(alias = "operation_name")]
    operation_name: Option<String>,
    /// JSON.
    variables: Option<String>,
    /// JSON.
    extensions: Option<String>,
}

/// Reads a GraphQL request from a query string.
fn parse_get(query: &str) -> Result<Request, String> {
    let p: GetParameters = serde_urlencoded::from_str(query).map_err(|e| e.to_string())?;
    let mut request = Request::new(p.query);
    request.operation_name = p.operation_name;
    if let Some(v) = p.variables {
        request.variables = serde_json::from_str(&v).map_err(|e| format!("invalid variables: {e}"))?;
    }
    if let Some(x) = p.extensions {
        request.extensions = serde_json::from_str(&x).map_err(|e| format!("invalid extensions: {e}"))?;
    }
    Ok(request)
}

/// `GET /graphql`: GraphiQL for browsers, or a query (never a mutation) in the URL.
pub async fn get(
    State(state): State<HttpState>,
    Extension(rid): Extension<RequestId>,
    Extension(observation): Extension<Observation>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if query.is_empty() {
        if state.graphiql {
            return Html(async_graphql::http::GraphiQLSource::build().endpoint("/graphql").title("att-coord").finish())
                .into_response();
        }
        return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, "pass the query as ?query=... or POST it as JSON");
    }
    let mut request = match parse_get(&query) {
        Ok(r) => r,
        Err(e) => {
            return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &format!("cannot read the query string: {e}"));
        }
    };
    let resolved = state.persisted.resolve(&mut request);
    observation.operations(vec![operation_name(&request)]);
    if let Err(refusal) = resolved {
        return refusal.into_response();
    }
    if is_mutation(&request) {
        let mut r = error_response(StatusCode::METHOD_NOT_ALLOWED, BAD_REQUEST, "mutations must be sent with POST");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let client = client_key(&principal, addr);
    let batch = BatchRequest::Single(request);
    execute(&state, rid, &observation, principal, client, batch, wants_graphql_response_json(&headers)).await
}

/// Whether the operation a request would run is a mutation (a query that does not parse is
/// left to the executor, which reports it).
fn is_mutation(request: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let name = request.operation_name.as_deref();
    doc.operations.iter().any(|(op_name, op)| {
        op.node.ty == OperationType::Mutation && (name.is_none() || op_name.map(|n| n.as_str()) == name)
    })
}

/// A response of one `INTERNAL` error, its detail logged by the caller (`run` adds the
/// request id to it).
fn internal_error() -> async_graphql::Response {
    let mut err = ServerError::new("internal error", None);
    err.extensions.get_or_insert_with(Default::default).set("code", code::INTERNAL);
    async_graphql::Response::from_errors(vec![err])
}

/// What running a request gave.
struct Ran {
    response: BatchResponse,
    /// A planned read's `data`, as JSON text (`response` is then empty).
    planned: Option<String>,
    /// The rate limiter's decision for the last operation it charged.
    rate: Option<Decision>,
}

/// What running one operation gave: the executor's response, or a planned read's `data`.
enum Outcome {
    Executed(async_graphql::Response),
    Planned(String),
}

/// Runs a request or a batch as `principal`, charging `client` (nobody when empty): one
/// context per operation (its own audit reads), each operation admitted by the guardrails
/// before it runs and finished by them after, the SENSITIVE reads written to the audit trail
/// before anything is returned, and every error given a code. A single query the planner can
/// answer (`plan`) is answered by one statement, its READ events written by it.
async fn run(
    state: &HttpState,
    rid: &RequestId,
    principal: Principal,
    client: String,
    batch: BatchRequest,
    plan: bool,
) -> Ran {
    let anonymous = principal.role == Role::Anonymous;
    let schema = if anonymous { &state.public_schema } else { &state.schema };
    let one = |mut r: Request, plan: bool| {
        let rc = RequestContext::new(
            rid.0.clone(),
            r.operation_name.clone(),
            principal.clone(),
            client.clone(),
            state.db.clone(),
        );
        async move {
            let doc = match state.guardrails.admit(&mut r, &rc) {
                Err(refused) => return (Outcome::Executed(async_graphql::Response::from_errors(vec![refused])), rc),
                Ok(doc) => doc,
            };
            let key = plan.then(|| state.planner.key(anonymous, &doc, &r)).flatten();
            let planned = key.and_then(|k| state.planner.plan(k, &state.guardrails.types, &doc, &r, &rc));
            if let Some(planned) = planned {
                return match planned.run(&state.db).await {
                    Ok(answer) => {
                        state.metrics.audit_events_written(answer.audited, 0);
                        (Outcome::Planned(answer.data), rc)
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "a planned read failed");
                        (Outcome::Executed(internal_error()), rc)
                    }
                };
            }
            let name = r.operation_name.clone();
            let mut response = schema.execute(r.data(rc.clone())).await;
            state.guardrails.finish(&doc, name.as_deref(), &mut response);
            if let Some(key) = key
                && response.errors.is_empty()
            {
                state.planner.prove(key);
            }
            (Outcome::Executed(response), rc)
        }
    };
    // One context per operation of a batch, each with its own audit reads; the operations run
    // one after the other, as async-graphql runs a batch.
    let (mut response, contexts) = match batch {
        BatchRequest::Single(r) => match one(r, plan).await {
            (Outcome::Planned(data), rc) => {
                let rate = rc.rate();
                return Ran { response: BatchResponse::Single(Default::default()), planned: Some(data), rate };
            }
            (Outcome::Executed(response), rc) => (BatchResponse::Single(response), vec![rc]),
        },
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            let mut contexts = Vec::with_capacity(requests.len());
            for r in requests {
                // Planned only alone: a batch's responses are the executor's.
                if let (Outcome::Executed(response), rc) = one(r, false).await {
                    responses.push(response);
                    contexts.push(rc);
                }
            }
            (BatchResponse::Batch(responses), contexts)
        }
    };

    // No SENSITIVE value leaves without its read in the audit trail.
    let mutations = contexts.iter().map(|rc| rc.audit.mutations_committed()).sum();
    let mut reads = 0;
    for rc in &contexts {
        match crate::audit::flush_reads(&state.db, rc).await {
            Ok(n) => reads += n as u64,
            Err(e) => {
                tracing::error!(error = %e, "writing the audit trail failed; the response is withheld");
                response = BatchResponse::Single(internal_error());
                break;
            }
        }
    }
    state.metrics.audit_events_written(reads, mutations);

    let tag = |r: &mut async_graphql::Response| {
        for e in &mut r.errors {
            let ext = e.extensions.get_or_insert_with(Default::default);
            // Our own errors all carry a code, and the guardrails coded those of requests
            // refused before they ran; what reaches here without one is the executor refusing
            // an input value of a field (e.g. a date that does not parse).
            if ext.get("code").is_none() {
                ext.set("code", code::BAD_USER_INPUT);
            }
            if ext.get("code").is_some_and(|c| *c == async_graphql::Value::from(code::INTERNAL)) {
                ext.set("requestId", rid.0.as_str());
            }
        }
    };
    match &mut response {
        BatchResponse::Single(r) => tag(r),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(tag),
    }
    let rate = contexts.iter().rev().find_map(|rc| rc.rate());
    Ran { response, planned: None, rate }
}

/// Runs one operation as `principal`, exactly as `POST /graphql` would (same schema, guard,
/// audit and error codes): the exports page through lists with it.
///
/// `client` is charged for the operation, as by `POST /graphql`; an empty one is not charged.
pub(super) async fn run_one(
    state: &HttpState,
    rid: &RequestId,
    principal: Principal,
    client: String,
    request: Request,
) -> async_graphql::Response {
    match run(state, rid, principal, client, BatchRequest::Single(request), false).await.response {
        BatchResponse::Single(r) => r,
        // `run` answers a single request with a single response; anything else is a bug.
        BatchResponse::Batch(mut rs) => rs.pop().unwrap_or_else(|| {
            let mut response = internal_error();
            for e in &mut response.errors {
                e.extensions.get_or_insert_with(Default::default).set("requestId", rid.0.as_str());
            }
            response
        }),
    }
}

async fn execute(
    state: &HttpState,
    rid: RequestId,
    observation: &Observation,
    principal: Principal,
    client: String,
    batch: BatchRequest,
    graphql_response_json: bool,
) -> Response {
    let Ran { response, planned, rate } = run(state, &rid, principal, client, batch, true).await;
    let body = match planned {
        Some(data) => {
            observation.outcomes(vec!["OK".to_owned()]);
            let mut body = Vec::with_capacity(data.len() + 10);
            body.extend_from_slice(b"{\"data\":");
            body.extend_from_slice(data.as_bytes());
            body.push(b'}');
            body
        }
        None => {
            observation.outcomes(match &response {
                BatchResponse::Single(r) => vec![outcome(r)],
                BatchResponse::Batch(rs) => rs.iter().map(outcome).collect(),
            });
            match serde_json::to_vec(&response) {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "serialising the response failed");
                    return error_response(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error");
                }
            }
        }
    };
    let request_error = match &response {
        BatchResponse::Single(r) => is_request_error(r),
        BatchResponse::Batch(rs) => rs.iter().any(is_request_error),
    };
    let refused = rate.is_some_and(|d| !d.allowed);
    let content_type = if graphql_response_json { GRAPHQL_RESPONSE_JSON } else { "application/json" };
    let status = if refused {
        StatusCode::TOO_MANY_REQUESTS
    } else if graphql_response_json && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut resp = (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response();
    if let Some(d) = rate {
        let h = resp.headers_mut();
        h.insert("ratelimit-limit", HeaderValue::from(d.limit));
        h.insert("ratelimit-remaining", HeaderValue::from(d.remaining));
        h.insert("ratelimit-reset", HeaderValue::from(d.reset_secs));
        if !d.allowed {
            h.insert(header::RETRY_AFTER, HeaderValue::from(d.retry_after_secs));
        }
    }
    resp
}

/// `OK`, or the code of the response's first error (every error has one by now).
fn outcome(r: &async_graphql::Response) -> String {
    match r.errors.first() {
        None => "OK".to_owned(),
        Some(e) => match e.extensions.as_ref().and_then(|x| x.get("code")) {
            Some(async_graphql::Value::String(c)) => c.clone(),
            _ => code::INTERNAL.to_owned(),
        },
    }
}

/// A response without data, only errors: the request as a whole was refused.
fn is_request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null && !r.errors.is_empty()
}
