//! The one error type of the API and its mapping to the stable `extensions.code` values of
//! DESIGN.md §5.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// One invalid input value: where it is (`extensions.field`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The input path, e.g. `input.endDate` or `first`.
    pub field: String,
    /// What is wrong, in words a developer can act on. Never echoes a sensitive value.
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every failure a client can see. Each variant has one stable code (see [`ApiError::code`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// `UNAUTHENTICATED`: the token is missing where required, malformed, expired, or names an
    /// unknown role or organisation.
    #[error("{0}")]
    Unauthenticated(String),
    /// `FORBIDDEN`: the caller's role may not read or do this.
    #[error("{0}")]
    Forbidden(String),
    /// `NOT_FOUND`: no such record, or none the caller may see.
    #[error("{0} not found")]
    NotFound(String),
    /// `BAD_USER_INPUT`: one or more input values are invalid; each names its input path.
    #[error("{}", .0.first().map(|v| v.message.as_str()).unwrap_or("invalid input"))]
    BadUserInput(Vec<Violation>),
    /// `CONFLICT`: a stale version, or an idempotency key reused with another input.
    #[error("{message}")]
    Conflict { message: String, current_version: Option<i32> },
    /// `RATE_LIMITED`: the caller's budget is spent until the reset time.
    #[error("rate limit exceeded; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// `QUERY_TOO_COMPLEX`: the operation exceeds one of the configured limits.
    #[error("{0}")]
    QueryTooComplex(String),
    /// `INTERNAL`: a database or server failure. Logged in full; the client sees only the code
    /// and the request id.
    #[error("internal error")]
    Database(Arc<DbErr>),
    /// `INTERNAL`: an unexpected server-side failure, described for the log only.
    #[error("internal error")]
    Internal(String),
}

/// The codes of `extensions.code`.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const INTERNAL: &str = "INTERNAL";
    pub const TIMEOUT: &str = "TIMEOUT";
    /// No operation is registered under the hash or name a persisted request names.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// The safelist is on and the request's text is not a registered operation.
    pub const OPERATION_NOT_ALLOWED: &str = "OPERATION_NOT_ALLOWED";
}

impl ApiError {
    /// A single invalid input value.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput(vec![Violation::new(field, message)])
    }

    /// The stable client-facing code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::BadUserInput(_) => code::BAD_USER_INPUT,
            Self::Conflict { .. } => code::CONFLICT,
            Self::RateLimited { .. } => code::RATE_LIMITED,
            Self::QueryTooComplex(_) => code::QUERY_TOO_COMPLEX,
            Self::Database(_) | Self::Internal(_) => code::INTERNAL,
        }
    }

    /// Converts into GraphQL errors: one per violation for `BAD_USER_INPUT`, otherwise one.
    /// Internal details are logged here (inside the request's span, which carries the request
    /// id) and replaced by a generic message; the HTTP layer adds the request id to the error.
    pub fn into_graphql_errors(self) -> Vec<async_graphql::Error> {
        match self {
            Self::BadUserInput(violations) => violations
                .into_iter()
                .map(|v| {
                    async_graphql::Error::new(v.message).extend_with(|_, e| {
                        e.set("code", code::BAD_USER_INPUT);
                        e.set("field", v.field);
                    })
                })
                .collect(),
            other => vec![other.into()],
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        match err {
            ApiError::Database(ref db) => {
                tracing::error!(error = %db, "database error");
                async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", code))
            }
            ApiError::Internal(ref detail) => {
                tracing::error!(error = %detail, "internal error");
                async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", code))
            }
            ApiError::BadUserInput(ref violations) => {
                let field = violations.first().map(|v| v.field.clone()).unwrap_or_default();
                async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
                    e.set("code", code);
                    e.set("field", field);
                })
            }
            ApiError::Conflict { current_version, .. } => {
                async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
                    e.set("code", code);
                    if let Some(v) = current_version {
                        e.set("currentVersion", v);
                    }
                })
            }
            ApiError::RateLimited { retry_after_secs } => {
                async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
                    e.set("code", code);
                    e.set("retryAfterSeconds", retry_after_secs);
                })
            }
            _ => async_graphql::Error::new(err.to_string()).extend_with(|_, e| e.set("code", code)),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        ApiError::Database(Arc::new(e))
    }
}

impl From<async_graphql::Error> for ApiError {
    /// Only the executor's own failures (missing context data) arrive here: internal.
    fn from(e: async_graphql::Error) -> Self {
        ApiError::Internal(e.message)
    }
}

/// Result of API operations.
pub type ApiResult<T> = Result<T, ApiError>;
