//! How every mutation writes: in one transaction with its audit event, idempotent under an
//! optional key, and guarded by the record's version when it updates.

use std::future::Future;
use std::pin::Pin;

use async_graphql::{Context, ID, MaybeUndefined};
use entity::{audit_event, idempotency_record};
use sea_orm::sea_query::{
    Alias, Asterisk, CommonTableExpression, Expr, ExprTrait, Func, InsertStatement, Query, SubQueryStatement,
    WithClause, WithQuery,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityName, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter, SqlErr, Statement,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::context::{ContextExt, RequestContext};
use crate::db::{begin_write, now, statement};
use crate::error::{ApiError, ApiResult, Violation};
use crate::loaders::Table;
use crate::node::expect_id;

/// The longest idempotency key accepted.
pub const MAX_KEY_LEN: usize = 200;

/// A client's idempotency key: 1 to 200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses the key of input `field`.
    pub fn parse(text: &str, field: &str) -> Result<Self, Violation> {
        if text.is_empty() || text.len() > MAX_KEY_LEN || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Violation::new(
                field,
                format!("an idempotency key is 1 to {MAX_KEY_LEN} visible ASCII characters"),
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

/// A fingerprint of what a mutation was asked to do, so a key reused for something else is
/// recognised. The key itself is not part of it.
pub fn fingerprint(operation: &str, input: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(input).unwrap_or_default());
    hex(&h.finalize())
}

/// `bytes` in lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The body of a mutation: the writes, inside the transaction; returns the id of the record
/// written.
pub type Writes<'c> = Pin<Box<dyn Future<Output = ApiResult<i64>> + Send + 'c>>;

/// What a mutation's writes return: something that names the record written.
pub trait Written: Send {
    fn written_id(&self) -> i64;
}

impl Written for i64 {
    fn written_id(&self) -> i64 {
        *self
    }
}

/// How a mutation ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// This request wrote it: what the writes returned.
    Done(T),
    /// A retry under an idempotency key already used for the same request: the id of the record
    /// the first request wrote. Nothing was written now.
    Retried(i64),
}

impl<T: Written> Outcome<T> {
    /// The id of the record written, now or by the first request.
    pub fn id(&self) -> i64 {
        match self {
            Outcome::Done(t) => t.written_id(),
            Outcome::Retried(id) => *id,
        }
    }
}

/// One mutation's identity: what it is called, what it writes, and its idempotency.
pub struct Mutation<'a> {
    /// The mutation's name, e.g. `createActivityReport` (also the audit action).
    pub operation: &'static str,
    /// The type of the record written, e.g. `ActivityReport`.
    pub target_type: &'static str,
    pub key: Option<&'a IdempotencyKey>,
    pub fingerprint: String,
}

impl<'a> Mutation<'a> {
    /// A mutation that may be retried under `key`, fingerprinted by its `input`.
    pub fn keyed(
        operation: &'static str,
        target_type: &'static str,
        key: Option<&'a IdempotencyKey>,
        input: &impl Serialize,
    ) -> Self {
        Self { operation, target_type, key, fingerprint: fingerprint(operation, input) }
    }

    /// A mutation without an idempotency key (an update or delete, guarded by the version).
    pub fn versioned(operation: &'static str, target_type: &'static str) -> Self {
        Self { operation, target_type, key: None, fingerprint: String::new() }
    }
}

/// Runs `writes` and the audit event in one transaction. With a key, a retry of the same
/// mutation returns the first result and writes nothing; the same key with another input is
/// `CONFLICT`. Returns the id of the record written.
///
/// The key is claimed last, in the same transaction, with the id of the record written: a
/// unique index on (principal, key) lets one request claim it. A retry finds it either when its
/// claim conflicts (PostgreSQL makes the claim wait for a first request still running, then
/// reports the conflict) or when its writes fail because the first request's are already there
/// (a unique value taken, a report no longer in the state the step starts from). Either way
/// the retry rolls back and answers with the first request's record.
pub async fn run<F>(ctx: &Context<'_>, m: Mutation<'_>, writes: F) -> ApiResult<i64>
where
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Writes<'c>,
{
    let rc = ctx.request()?;
    let db = ctx.db()?;
    let txn = begin_write(db).await?;
    let written = match writes(&txn).await {
        Ok(written) => written,
        Err(e) => {
            txn.rollback().await?;
            return Ok(retried_or::<i64>(db, rc, &m, e).await?.id());
        }
    };
    Ok(finish(db, txn, rc, &m, written).await?.id())
}

/// After writes that failed with `e` (and rolled back): the first request's record when the
/// mutation was a retry under its key, else `e`.
async fn retried_or<T>(
    db: &DatabaseConnection,
    rc: &RequestContext,
    m: &Mutation<'_>,
    e: ApiError,
) -> ApiResult<Outcome<T>> {
    match m.key {
        Some(key) => match first_use(db, rc, m, key).await? {
            Some(id) => Ok(Outcome::Retried(id)),
            None => Err(e),
        },
        None => Err(e),
    }
}

/// After a `main` statement that wrote nothing: the first request's record when the mutation
/// was a retry under its key (which it may have moved on), else nothing.
async fn nothing_written<T>(
    db: &DatabaseConnection,
    rc: &RequestContext,
    m: &Mutation<'_>,
) -> ApiResult<Option<Outcome<T>>> {
    Ok(match m.key {
        Some(key) => first_use(db, rc, m, key).await?.map(Outcome::Retried),
        None => None,
    })
}

/// Records the audit event of `written`, claims the key and commits.
async fn finish<T: Written>(
    db: &DatabaseConnection,
    txn: DatabaseTransaction,
    rc: &RequestContext,
    m: &Mutation<'_>,
    written: T,
) -> ApiResult<Outcome<T>> {
    let id = written.written_id();
    crate::audit::record_mutation(&txn, rc, m.operation, m.target_type, id).await?;
    if let Some(key) = m.key {
        let claimed = txn
            .execute_raw(statement(
                txn.get_database_backend(),
                "INSERT INTO idempotency_records (principal, key, operation, request_hash, target_type, target_id, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (principal, key) DO NOTHING",
                vec![
                    rc.principal.idempotency_scope().into(),
                    key.0.clone().into(),
                    m.operation.into(),
                    m.fingerprint.clone().into(),
                    m.target_type.into(),
                    id.into(),
                    now().into(),
                ],
            ))
            .await?
            .rows_affected();
        if claimed == 0 {
            // Another request has used this key and committed: undo ours.
            txn.rollback().await?;
            let first = first_use(db, rc, m, key).await?;
            return first
                .map(Outcome::Retried)
                .ok_or_else(|| ApiError::Internal("an idempotency key conflicted but has no record".into()));
        }
    }
    txn.commit().await?;
    rc.audit.mutation_committed();
    Ok(Outcome::Done(written))
}

/// Runs a mutation whose writes are known as statements before they run: `main` writes at
/// most one record of `E` and returns it (`RETURNING *`); `then(id)` gives the statements that
/// go with it, `id` being an expression of the record's id.
///
/// On PostgreSQL the writes, the audit event and the key claim are one statement of
/// data-modifying CTEs: atomic without a transaction, one round trip. A retry's claim violates
/// the key's unique index, which undoes the whole statement. There `then` is given
/// `(SELECT id FROM w)`, which is NULL when `main` wrote nothing. Elsewhere the statements run
/// one by one in a transaction, as in [`run`], and `then` only after `main` wrote.
///
/// `Ok(None)`: `main` wrote nothing (and the key, if any, was not used before); the caller says
/// why.
pub async fn run_statements<E, Then>(
    db: &DatabaseConnection,
    rc: &RequestContext,
    m: Mutation<'_>,
    main: SubQueryStatement,
    then: Then,
) -> ApiResult<Option<Outcome<E::Model>>>
where
    E: EntityTrait,
    E::Model: Written,
    Then: FnOnce(Expr) -> ApiResult<Vec<SubQueryStatement>>,
{
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        let mut with = WithClause::new();
        with.cte(cte("w", main));
        let w_id = Expr::cust("(SELECT id FROM w)");
        for (i, q) in then(w_id)?.into_iter().enumerate() {
            with.cte(cte(&format!("t{i}"), q));
        }
        with.cte(cte("a", audit_from_w(rc, &m)?.into()));
        if let Some(key) = m.key {
            with.cte(cte("i", claim_from_w(rc, &m, key)?.into()));
        }
        let mut select = Query::select();
        select.column(Asterisk).from("w");
        // Built in place: `WithClause::query` would copy every CTE with its values once more.
        let mut all = WithQuery::new();
        all.with_clause(with).query(select);
        return match E::Model::find_by_statement(backend.build(&all)).one(db).await {
            Ok(Some(written)) => {
                rc.audit.mutation_committed();
                Ok(Some(Outcome::Done(written)))
            }
            Ok(None) => nothing_written(db, rc, &m).await,
            Err(e) => retried_or(db, rc, &m, e.into()).await.map(Some),
        };
    }
    let txn = begin_write(db).await?;
    let written = match E::Model::find_by_statement(build(backend, &main)).one(&txn).await {
        Ok(Some(written)) => written,
        Ok(None) => {
            txn.rollback().await?;
            return nothing_written(db, rc, &m).await;
        }
        Err(e) => {
            txn.rollback().await?;
            return retried_or(db, rc, &m, e.into()).await.map(Some);
        }
    };
    let follow = async {
        for q in then(Expr::val(written.written_id()))? {
            txn.execute_raw(build(backend, &q)).await?;
        }
        ApiResult::Ok(())
    };
    if let Err(e) = follow.await {
        txn.rollback().await?;
        return retried_or(db, rc, &m, e).await.map(Some);
    }
    finish(db, txn, rc, &m, written).await.map(Some)
}

/// `name AS (q)`.
fn cte(name: &str, q: SubQueryStatement) -> CommonTableExpression {
    let mut cte = CommonTableExpression::new();
    cte.query(q).table_name(Alias::new(name));
    cte
}

/// One statement of any kind, for `backend`.
fn build(backend: DbBackend, q: &SubQueryStatement) -> Statement {
    match q {
        SubQueryStatement::SelectStatement(s) => backend.build(s),
        SubQueryStatement::InsertStatement(s) => backend.build(s),
        SubQueryStatement::UpdateStatement(s) => backend.build(s),
        SubQueryStatement::DeleteStatement(s) => backend.build(s),
        SubQueryStatement::WithStatement(s) => backend.build(s),
    }
}

/// `INSERT INTO <table of row> (<columns set in row>, <columns of from_w>) SELECT ... FROM w`:
/// one row per record `w` returned, with `from_w`'s values computed from it.
fn insert_from_w<A: ActiveModelTrait>(
    row: A,
    from_w: Vec<(<A::Entity as EntityTrait>::Column, Expr)>,
) -> ApiResult<InsertStatement> {
    let mut columns = Vec::new();
    let mut select = Query::select();
    for c in <<A::Entity as EntityTrait>::Column as Iterable>::iter() {
        if let Some((_, e)) = from_w.iter().find(|(w, _)| w.as_str() == c.as_str()) {
            columns.push(c);
            select.expr(e.clone());
        } else if let ActiveValue::Set(v) | ActiveValue::Unchanged(v) = row.get(c) {
            columns.push(c);
            select.expr(c.save_as(Expr::val(v)));
        }
    }
    select.from("w");
    let mut insert = Query::insert();
    insert
        .into_table(A::Entity::default().table_ref())
        .columns(columns)
        .select_from(select)
        .map_err(|e| ApiError::Internal(format!("an insert from a CTE: {e}")))?;
    Ok(insert)
}

/// The audit event of the record `w` written by `m`.
fn audit_from_w(rc: &RequestContext, m: &Mutation<'_>) -> ApiResult<InsertStatement> {
    let row = crate::audit::event(rc, m.operation, m.target_type, None, None);
    let id_text = Func::cast_as(Expr::col(("w", "id")), "text");
    insert_from_w(row, vec![(audit_event::Column::TargetId, id_text.into())])
}

/// The claim of `key` for the record `w` written by `m`; it fails when the key is taken.
fn claim_from_w(rc: &RequestContext, m: &Mutation<'_>, key: &IdempotencyKey) -> ApiResult<InsertStatement> {
    let row = idempotency_record::ActiveModel {
        principal: ActiveValue::Set(rc.principal.idempotency_scope()),
        key: ActiveValue::Set(key.0.clone()),
        operation: ActiveValue::Set(m.operation.to_owned()),
        request_hash: ActiveValue::Set(m.fingerprint.clone()),
        target_type: ActiveValue::Set(m.target_type.to_owned()),
        created_at: ActiveValue::Set(now()),
        ..Default::default()
    };
    insert_from_w(row, vec![(idempotency_record::Column::TargetId, Expr::col(("w", "id")))])
}

/// The record written by the first request under `key`, if there was one: its id when that
/// request was this same mutation with the same input, `CONFLICT` when it was another.
async fn first_use(
    db: &DatabaseConnection,
    rc: &RequestContext,
    m: &Mutation<'_>,
    key: &IdempotencyKey,
) -> ApiResult<Option<i64>> {
    let Some(first) = idempotency_record::Entity::find()
        .filter(idempotency_record::Column::Principal.eq(rc.principal.idempotency_scope()))
        .filter(idempotency_record::Column::Key.eq(key.0.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if first.operation != m.operation || first.request_hash != m.fingerprint {
        return Err(ApiError::Conflict {
            message: format!(
                "this idempotency key was already used for another request ({}); use a new key for a new request",
                first.operation
            ),
            current_version: None,
        });
    }
    Ok(Some(first.target_id))
}

/// The least time an idempotency key is kept: a retry within a day always finds it.
pub const MIN_KEY_RETENTION_HOURS: u64 = 24;

/// Forgets the idempotency keys older than `retention`; returns how many.
pub async fn purge_idempotency_records(
    db: &DatabaseConnection,
    retention: std::time::Duration,
) -> Result<u64, sea_orm::DbErr> {
    let cutoff = now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(2));
    let done = idempotency_record::Entity::delete_many()
        .filter(idempotency_record::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// A table whose rows carry `created_at`, `updated_at` and a `version`.
pub trait Versioned: Table {
    fn version_column() -> Self::Column;
    fn created_at_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
}

/// Implements [`Versioned`] for entities with the usual columns.
macro_rules! versioned {
    ($($m:ident),+ $(,)?) => {$(
        impl $crate::write::Versioned for entity::$m::Entity {
            fn version_column() -> Self::Column { entity::$m::Column::Version }
            fn created_at_column() -> Self::Column { entity::$m::Column::CreatedAt }
            fn updated_at_column() -> Self::Column { entity::$m::Column::UpdatedAt }
        }
    )+};
}
pub(crate) use versioned;

/// Inserts `row` (its id left to the database; timestamps and version set here) as the
/// mutation `m`; returns the new id.
pub async fn insert<E, A>(ctx: &Context<'_>, m: Mutation<'_>, mut row: A) -> ApiResult<i64>
where
    E: Versioned<PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i64>>,
    A: ActiveModelTrait<Entity = E> + Send + 'static,
{
    let ts = now();
    row.set(E::created_at_column(), ts.into());
    row.set(E::updated_at_column(), ts.into());
    row.set(E::version_column(), 1.into());
    run(ctx, m, move |txn| Box::pin(async move { Ok(E::insert(row).exec(txn).await?.last_insert_id) })).await
}

/// Writes `changes` to row `id` at `version` as the mutation `m` (see [`update_versioned`]).
pub async fn update<E, A>(
    ctx: &Context<'_>,
    m: Mutation<'_>,
    id: i64,
    version: i32,
    changes: A,
    what: &'static str,
) -> ApiResult<i64>
where
    E: Versioned,
    A: ActiveModelTrait<Entity = E> + Send + 'static,
{
    run(ctx, m, move |txn| {
        Box::pin(async move {
            update_versioned::<E, A>(txn, id, version, changes, what).await?;
            Ok(id)
        })
    })
    .await
}

/// Deletes row `id` at `version` as the mutation `m` (see [`delete_versioned`]).
pub async fn delete<E>(ctx: &Context<'_>, m: Mutation<'_>, id: i64, version: i32, what: &'static str) -> ApiResult<i64>
where
    E: Versioned,
{
    run(ctx, m, move |txn| {
        Box::pin(async move {
            delete_versioned::<E>(txn, id, version, what).await?;
            Ok(id)
        })
    })
    .await
}

/// The columns of `model` to write: all of the record's own values, none of the id and
/// bookkeeping columns (`created_at`, `updated_at`, `version`) that [`insert`] and [`update`]
/// manage. Used to write a record checked as a whole (a create, or a stored row with a patch
/// applied).
pub fn row<E>(model: E::Model) -> E::ActiveModel
where
    E: Versioned,
    E::ActiveModel: From<E::Model>,
{
    let mut am = E::ActiveModel::from(model).reset_all();
    for c in [E::id_column(), E::created_at_column(), E::updated_at_column(), E::version_column()] {
        am.not_set(c);
    }
    am
}

/// Row `id` as it is now, if it is still at version `expected`: what an update checks its
/// patch against. `NOT_FOUND` when there is no such row, `CONFLICT` (with the current version)
/// when it has moved on. The write itself checks the version again.
pub async fn current<E, C>(db: &C, id: i64, expected: i32, what: &str) -> ApiResult<E::Model>
where
    E: Versioned,
    C: ConnectionTrait,
{
    let model = E::find_by_id_col(id).one(db).await?.ok_or_else(|| ApiError::NotFound(what.to_owned()))?;
    let version = E::version_of(&model);
    if version != expected {
        return Err(stale(what, expected, version));
    }
    Ok(model)
}

/// The record of type `type_name` (`E`) whose global id is given in input field `field`;
/// `BAD_USER_INPUT` naming the field when the id is malformed or names no record.
pub async fn referenced<E, C>(db: &C, id: &ID, type_name: &str, field: &str) -> ApiResult<E::Model>
where
    E: Table,
    C: ConnectionTrait,
{
    let n = expect_id(id, type_name, field)?;
    E::find()
        .filter(E::id_column().eq(n))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, format!("no {type_name} has the id given in `{field}`")))
}

/// A unique key of a table, and the input field that sets it.
#[derive(Debug, Clone, Copy)]
pub struct UniqueKey {
    pub table: &'static str,
    pub column: &'static str,
    /// The input path reported, e.g. `input.year`.
    pub field: &'static str,
    /// What a client is told, e.g. "a VTF cycle of this year already exists".
    pub message: &'static str,
}

impl UniqueKey {
    /// Whether `err` is a violation of this key. The one place that reads the databases'
    /// messages: SQLite says `UNIQUE constraint failed: table.column`, PostgreSQL names the
    /// constraint of a column declared unique `table_column_key`.
    pub fn violated_by(&self, err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(message)) if self.named_in(&message))
    }

    /// Whether a unique-violation message of either database names this key.
    fn named_in(&self, message: &str) -> bool {
        message.contains(&format!("{}.{}", self.table, self.column))
            || message.contains(&format!("\"{}_{}_key\"", self.table, self.column))
    }
}

/// Maps the violation of one of `keys` by a write to `BAD_USER_INPUT` naming the key's input
/// field; every other error passes unchanged. The write's transaction has rolled back, so
/// nothing was written.
pub fn on_unique<T>(result: ApiResult<T>, keys: &[UniqueKey]) -> ApiResult<T> {
    match result {
        Err(ApiError::Database(err)) => match keys.iter().find(|k| k.violated_by(&err)) {
            Some(k) => Err(ApiError::bad_input(k.field, k.message)),
            None => Err(ApiError::Database(err)),
        },
        other => other,
    }
}

/// An optional value after a patch: `Undefined` keeps `current`, `null` clears it.
pub fn patch<T: Clone>(v: &MaybeUndefined<T>, current: Option<T>) -> Option<T> {
    match v {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(x) => Some(x.clone()),
    }
}

/// Declares the payload type of mutations on one kind of record: the record as it is now,
/// with the access class of the record.
macro_rules! payload {
    ($payload:ident, $field:ident, $node:ty, $class:ident, $what:tt) => {
        #[doc = concat!("The ", $what, " a mutation wrote.")]
        pub struct $payload(pub Option<$node>);

        impl $crate::auth::AccessSubject for $payload {}

        #[async_graphql::Object(guard = "crate::auth::FieldGuard::new(self)")]
        #[doc = concat!("The result of a mutation on one ", $what, ".")]
        impl $payload {
            #[doc = concat!("The ", $what, " as it is now.")]
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::$class))]
            async fn $field(&self) -> Option<&$node> {
                self.0.as_ref()
            }
        }
    };
}
pub(crate) use payload;

/// The payload of a mutation that wrote row `id` of `E`, as the caller may see it now.
pub async fn written<E, N>(ctx: &Context<'_>, id: i64) -> ApiResult<Option<N>>
where
    E: Table,
    N: From<E::Model>,
{
    Ok(ctx.request()?.loaders.one::<E>(id).await?.map(N::from))
}

/// Parses an optional idempotency key of input field `input.idempotencyKey`.
pub fn key(text: &Option<String>) -> ApiResult<Option<IdempotencyKey>> {
    text.as_deref()
        .map(|k| IdempotencyKey::parse(k, "input.idempotencyKey"))
        .transpose()
        .map_err(|v| ApiError::BadUserInput(vec![v]))
}

/// Writes `changes` to row `id` only if its version is still `expected`, and moves the
/// version on. A stale version is `CONFLICT` carrying the current one, and nothing is written.
pub async fn update_versioned<E, A>(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    changes: A,
    what: &str,
) -> ApiResult<()>
where
    E: Versioned,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let result = E::update_many()
        .set(changes)
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .col_expr(E::updated_at_column(), Expr::val(now()))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected))
        .exec(txn)
        .await?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    Err(missing_or_stale::<E>(txn, id, expected, what).await?)
}

/// Deletes row `id` only if its version is still `expected`. A stale version is `CONFLICT`
/// carrying the current one, and nothing is deleted.
pub async fn delete_versioned<E>(txn: &DatabaseTransaction, id: i64, expected: i32, what: &str) -> ApiResult<()>
where
    E: Versioned,
{
    let result =
        E::delete_many().filter(E::id_column().eq(id)).filter(E::version_column().eq(expected)).exec(txn).await?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    Err(missing_or_stale::<E>(txn, id, expected, what).await?)
}

/// Why a write guarded by version `expected` touched no row: `NOT_FOUND` or `CONFLICT`.
async fn missing_or_stale<E: Versioned>(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    what: &str,
) -> ApiResult<ApiError> {
    Ok(match E::find_by_id_col(id).one(txn).await? {
        None => ApiError::NotFound(what.to_owned()),
        Some(m) => stale(what, expected, E::version_of(&m)),
    })
}

/// The `CONFLICT` of a write based on version `expected` of a record now at `version`.
fn stale(what: &str, expected: i32, version: i32) -> ApiError {
    ApiError::Conflict {
        message: format!(
            "{what} has changed since you read it (version {expected}, now {version}); read it again and reapply your change"
        ),
        current_version: Some(version),
    }
}

/// Helpers every versioned table gets.
pub trait VersionedExt: Versioned {
    fn find_by_id_col(id: i64) -> sea_orm::Select<Self> {
        Self::find().filter(Self::id_column().eq(id))
    }
    fn version_of(model: &Self::Model) -> i32 {
        match sea_orm::ModelTrait::get(model, Self::version_column()) {
            sea_orm::Value::Int(Some(v)) => v,
            _ => 0,
        }
    }
}

impl<T: Versioned> VersionedExt for T {}

/// Reports every violation of a `BAD_USER_INPUT` error as its own GraphQL error: all but the
/// last go to the response directly, the last is returned.
pub fn report_all(ctx: &Context<'_>, err: ApiError) -> ApiError {
    match err {
        ApiError::BadUserInput(mut violations) if violations.len() > 1 => {
            let last = violations.pop().map(|v| vec![v]).unwrap_or_default();
            for e in ApiError::BadUserInput(violations).into_graphql_errors() {
                ctx.add_error(ctx.set_error_path(e.into_server_error(ctx.item.pos)));
            }
            ApiError::BadUserInput(last)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lower_case_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn idempotency_keys_are_visible_ascii_of_bounded_length() {
        assert!(IdempotencyKey::parse("submit-2026-11-28-0001", "k").is_ok());
        assert!(IdempotencyKey::parse("", "k").is_err());
        assert!(IdempotencyKey::parse("has space", "k").is_err());
        assert!(IdempotencyKey::parse(&"x".repeat(MAX_KEY_LEN + 1), "k").is_err());
    }

    #[test]
    fn unique_keys_are_recognised_in_both_databases_messages() {
        let key = UniqueKey { table: "vtf_cycles", column: "year", field: "input.year", message: "taken" };
        assert!(key.named_in("UNIQUE constraint failed: vtf_cycles.year"));
        assert!(key.named_in(r#"duplicate key value violates unique constraint "vtf_cycles_year_key""#));
        assert!(!key.named_in("UNIQUE constraint failed: conferences.number"));
        assert!(!key.named_in(r#"duplicate key value violates unique constraint "vtf_cycles_year_extra_key""#));
        // An error that is not a unique violation of the driver passes unchanged.
        let passed =
            on_unique::<()>(Err(DbErr::Custom("UNIQUE constraint failed: vtf_cycles.year".into()).into()), &[key]);
        assert!(matches!(passed, Err(ApiError::Database(_))));
    }

    #[test]
    fn fingerprints_tell_inputs_and_operations_apart() {
        let a = fingerprint("create", &serde_json::json!({"title": "A"}));
        assert_eq!(a, fingerprint("create", &serde_json::json!({"title": "A"})));
        assert_ne!(a, fingerprint("create", &serde_json::json!({"title": "B"})));
        assert_ne!(a, fingerprint("update", &serde_json::json!({"title": "A"})));
    }
}
