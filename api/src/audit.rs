//! The audit trail: every mutation and every read of a SENSITIVE field is recorded with who,
//! what, which record, when and the request id — never the values (DESIGN.md §3).
//!
//! Reads are collected during a request by the field guard and written in one batch when the
//! request ends; mutations write their event inside their own transaction.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::sea_query::{Alias, Expr, InsertStatement, Query, SelectStatement};
use sea_orm::{ActiveEnum, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::context::RequestContext;

/// The `action` of a read of a SENSITIVE field.
pub const READ: &str = "READ";

/// One SENSITIVE field of one record, read during the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Read {
    target_type: String,
    field: String,
    record_id: Option<i64>,
}

/// The reads of one request, each recorded once however often it was resolved, and how many
/// mutation events the request committed.
#[derive(Default)]
pub struct AuditLog {
    reads: Mutex<HashSet<Read>>,
    mutations: AtomicU64,
}

impl AuditLog {
    /// Notes that `field` of the `target_type` record `record_id` was read.
    pub fn sensitive_read(&self, target_type: &str, field: &str, record_id: Option<i64>) {
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(Read { target_type: target_type.to_owned(), field: field.to_owned(), record_id });
        }
    }

    /// Notes that a mutation's event was committed.
    pub fn mutation_committed(&self) {
        self.mutations.fetch_add(1, Ordering::Relaxed);
    }

    /// How many mutation events this request committed.
    pub fn mutations_committed(&self) -> u64 {
        self.mutations.load(Ordering::Relaxed)
    }

    fn take(&self) -> Vec<Read> {
        match self.reads.lock() {
            Ok(mut reads) => {
                let mut v: Vec<Read> = reads.drain().collect();
                v.sort_by(|a, b| (&a.target_type, &a.field, a.record_id).cmp(&(&b.target_type, &b.field, b.record_id)));
                v
            }
            Err(_) => Vec::new(),
        }
    }
}

/// The audit event of `action` by the caller of `rc`.
pub(crate) fn event(
    rc: &RequestContext,
    action: &str,
    target_type: &str,
    target_id: Option<String>,
    field: Option<String>,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Default::default(),
        occurred_at: Set(crate::db::now()),
        request_id: Set(rc.request_id.clone()),
        actor_sub: Set(rc.principal.sub.clone()),
        actor_role: Set(rc.principal.role),
        actor_org_id: Set(rc.principal.org_id),
        operation: Set(rc.operation.clone()),
        action: Set(action.to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id),
        field: Set(field),
    }
}

/// The READ events of the caller of `rc` as an `INSERT ... SELECT` over `reads`, a statement
/// of the records read: `tt` (the type), `tid` (the record's id as text) and `fld` (the field).
/// The planned reads (`crate::planned`) write them so, in the statement that reads them; the
/// columns are those of [`event`], the events' time `at`. `None` only if the two lists differed.
pub(crate) fn insert_reads(rc: &RequestContext, at: DateTime<Utc>, reads: SelectStatement) -> Option<InsertStatement> {
    use audit_event::Column as A;
    let r = Alias::new("r");
    let p = &rc.principal;
    let events = Query::select()
        .expr(Expr::val(at))
        .expr(Expr::val(rc.request_id.clone()))
        .expr(Expr::val(p.sub.clone()))
        .expr(Expr::val(p.role.to_value()))
        .expr(Expr::val(p.org_id))
        .expr(Expr::val(rc.operation.clone()))
        .expr(Expr::val(READ))
        .column((r.clone(), Alias::new("tt")))
        .column((r.clone(), Alias::new("tid")))
        .column((r.clone(), Alias::new("fld")))
        .from_subquery(reads, r)
        .to_owned();
    let mut insert = Query::insert();
    insert.into_table(audit_event::Entity).columns([
        A::OccurredAt,
        A::RequestId,
        A::ActorSub,
        A::ActorRole,
        A::ActorOrgId,
        A::Operation,
        A::Action,
        A::TargetType,
        A::TargetId,
        A::Field,
    ]);
    insert.select_from(events).ok()?;
    Some(insert)
}

/// Writes the SENSITIVE reads collected during the request, in batches.
pub async fn flush_reads<C: ConnectionTrait>(db: &C, rc: &RequestContext) -> Result<usize, DbErr> {
    let reads = rc.audit.take();
    let n = reads.len();
    for chunk in reads.chunks(500) {
        let rows = chunk
            .iter()
            .map(|r| event(rc, READ, &r.target_type, r.record_id.map(|id| id.to_string()), Some(r.field.clone())));
        audit_event::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(n)
}

/// Records a mutation (`action`, e.g. `createActivityReport`) on a record, inside the
/// mutation's transaction.
pub async fn record_mutation<C: ConnectionTrait>(
    txn: &C,
    rc: &RequestContext,
    action: &str,
    target_type: &str,
    target_id: i64,
) -> Result<(), DbErr> {
    audit_event::Entity::insert(event(rc, action, target_type, Some(target_id.to_string()), None))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
