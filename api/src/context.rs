//! What resolvers reach through `ctx.data::<T>()`: the shared application state, set once on
//! the schema, and the per-request context (request id, caller, audit buffer, loaders).

use std::sync::{Arc, Mutex};

use sea_orm::DatabaseConnection;

use crate::audit::AuditLog;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::loaders::Loaders;
use crate::rate_limit::Decision;

/// Built once at start and shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The states' ids by ISO code, remembered.
    pub state_ids: Arc<crate::areas::states::StateIds>,
}

impl AppState {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, state_ids: Arc::default() }
    }
}

/// One request's context.
pub struct RequestContext {
    /// The request id: from a well-formed `x-request-id` header, or generated.
    pub request_id: String,
    /// The GraphQL operation name, when the client sent one.
    pub operation: Option<String>,
    pub principal: Principal,
    /// SENSITIVE reads of this request, written to the audit trail when it ends.
    pub audit: AuditLog,
    /// Batched loaders, created on first use, scoped to this caller.
    pub loaders: Loaders,
    /// Whom the rate limiter charges: the token's subject, or the address when anonymous.
    pub client: String,
    /// What the rate limiter decided for this operation.
    rate: Mutex<Option<Decision>>,
}

impl RequestContext {
    pub fn new(
        request_id: String,
        operation: Option<String>,
        principal: Principal,
        client: String,
        db: DatabaseConnection,
    ) -> Arc<Self> {
        let loaders = Loaders::new(db, principal.clone());
        Arc::new(Self {
            request_id,
            operation,
            principal,
            audit: AuditLog::default(),
            loaders,
            client,
            rate: Mutex::default(),
        })
    }

    /// Keeps the rate limiter's decision for this operation.
    pub fn set_rate(&self, d: Decision) {
        match self.rate.lock() {
            Ok(mut r) => *r = Some(d),
            Err(poisoned) => *poisoned.into_inner() = Some(d),
        }
    }

    /// The rate limiter's decision for this operation, if it was limited.
    pub fn rate(&self) -> Option<Decision> {
        match self.rate.lock() {
            Ok(r) => *r,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// Shortcuts for resolvers.
pub trait ContextExt {
    /// The request's context.
    fn request(&self) -> ApiResult<&RequestContext>;
    /// The database.
    fn db(&self) -> ApiResult<&DatabaseConnection>;
    /// The state shared by every request.
    fn app(&self) -> ApiResult<&AppState>;
}

impl ContextExt for async_graphql::Context<'_> {
    fn request(&self) -> ApiResult<&RequestContext> {
        Ok(self.data::<Arc<RequestContext>>().map_err(ApiError::from)?.as_ref())
    }

    fn db(&self) -> ApiResult<&DatabaseConnection> {
        Ok(&self.app()?.db)
    }

    fn app(&self) -> ApiResult<&AppState> {
        self.data::<AppState>().map_err(ApiError::from)
    }
}
