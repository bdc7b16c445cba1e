//! The audit trail as a list the Secretariat can read (AUDIT). Writing it lives in
//! [`crate::audit`].

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::wrapper;
use crate::auth::RoleName;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::loaders::{Table, open_table};
use crate::node::global_id;
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(audit_event);

wrapper!(AuditEvent, audit_event::Model);

crate::connection!(AuditEventConnection, AuditEventEdge, AuditEvent, "audit events");

/// One entry of the audit trail: who read a SENSITIVE field or made a change, on which record,
/// when, in which request. It never holds the values read or written.
#[Object(guard = "FieldGuard::new(self)")]
impl AuditEvent {
    /// The global id of this event.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("AuditEvent", self.0.id)
    }
    /// When it happened.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn occurred_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.occurred_at)
    }
    /// The request it happened in (the `x-request-id` response header).
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn request_id(&self) -> Option<&str> {
        Some(&self.0.request_id)
    }
    /// The caller's token subject.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn actor_sub(&self) -> Option<&str> {
        self.0.actor_sub.as_deref()
    }
    /// The caller's role.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn actor_role(&self) -> Option<RoleName> {
        Some(self.0.actor_role.into())
    }
    /// The caller's organisation (global id), for partners.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn actor_organization_id(&self) -> Option<ID> {
        self.0.actor_org_id.map(|id| global_id("Organization", id))
    }
    /// The GraphQL operation name the client gave, if any.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }
    /// `READ` for a SENSITIVE read, otherwise the mutation's name.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn action(&self) -> Option<&str> {
        Some(&self.0.action)
    }
    /// The type of the record, e.g. `Assessment`.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn target_type(&self) -> Option<&str> {
        Some(&self.0.target_type)
    }
    /// The record's global id.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn target_id(&self) -> Option<ID> {
        let id = self.0.target_id.as_deref()?.parse().ok()?;
        Some(global_id(&self.0.target_type, id))
    }
    /// The field read, for `READ` events.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    async fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct AuditQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl AuditQuery {
    /// The audit trail, oldest first.
    #[graphql(directive = access::apply(AccessClass::Audit))]
    #[allow(clippy::too_many_arguments)]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only events of this token subject.")] actor_sub: Option<String>,
        #[graphql(desc = "Only events of this action (`READ` or a mutation name).")] action: Option<String>,
        #[graphql(desc = "Only events on records of this type, e.g. `Assessment`.")] target_type: Option<String>,
        #[graphql(desc = "Only events of this request.")] request_id: Option<String>,
        #[graphql(desc = "Only events at or after this time.")] since: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<AuditEventConnection>> {
        let mut q = audit_event::Entity::find();
        if let Some(s) = actor_sub {
            q = q.filter(audit_event::Column::ActorSub.eq(s));
        }
        if let Some(a) = action {
            q = q.filter(audit_event::Column::Action.eq(a));
        }
        if let Some(t) = target_type {
            q = q.filter(audit_event::Column::TargetType.eq(t));
        }
        if let Some(r) = request_id {
            q = q.filter(audit_event::Column::RequestId.eq(r));
        }
        if let Some(t) = since {
            q = q.filter(audit_event::Column::OccurredAt.gte(t));
        }
        let order = Keyset {
            name: "time",
            key: Some((audit_event::Column::OccurredAt, KeyKind::Timestamp)),
            id: audit_event::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(AuditEvent::from).into()))
    }
}
