//! Planned reads: a dashboard's query answered by one PostgreSQL statement.
//!
//! Resolving a region dashboard field by field costs the server more than the database: about
//! 2,200 fields, each a future, and every row decoded before it is encoded again. For the
//! queries dashboards send most — `states` with their treaty status, current tier, needs, VTF
//! totals and latest activity reports — the planner instead turns the selection into one
//! statement that builds the response's `data` with `json_build_object` and `json_agg`, and
//! writes the audit trail's READ events in the same statement. The server passes the text on.
//!
//! It answers only what it can answer exactly as the resolvers would, and declines everything
//! else, which then runs as usual:
//! - only on PostgreSQL, only a single query, and only a document the executor has already
//!   run once without any error in this process (so it is known to be valid for the schema;
//!   the planner does not validate);
//! - only the fields and arguments [`Planning::field`] knows (the README lists them), with
//!   argument values the resolvers would accept;
//! - only when every field's read is allowed for the caller whatever the record, by the same
//!   decision the field guard makes ([`ReadOf::decide`]) on the classes `@access` declares in
//!   the SDL. A read the guard might refuse for some record (a partner's FINANCIAL read of
//!   its own rows) is never planned: the guard answers it, with its errors.
//!
//! Rows come from the same visibility rules the loaders apply ([`Table::visible_to`], the
//! reports' [`visibility`](crate::areas::reports::visibility)), and lists in the loaders'
//! orders. A test
//! runs every plannable field for every role both ways and compares data and audit rows.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{
    Directive, ExecutableDocument, Field, OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{InputType, Name, Positioned, Request, Value};
use chrono::{DateTime, Utc};
use entity::{
    activity_report, activity_report_state as link, assessment, audit_event, organization, state, support_need,
    vtf_project,
};
use sea_orm::sea_query::{
    Alias, Asterisk, CommonTableExpression, Expr, ExprTrait, Func, Order, PostgresQueryBuilder, Query, SelectStatement,
    SubQueryStatement, UnionType, Value as SeaValue, WithClause,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, EntityTrait, Iterable,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, Values,
};

use crate::areas::assessments::{AssessmentsOfState, NeedsOfState};
use crate::areas::reports::{latest_first, visibility as report_visibility};
use crate::areas::states::StateOrder;
use crate::auth::guard::ReadOf;
use crate::auth::{AccessClass, Principal};
use crate::context::RequestContext;
use crate::limits::{TypeInfo, operation};
use crate::loaders::{HasMany, Table};
use crate::pagination::{Keyset, PageArgs};

/// `json_build_object` takes at most 100 arguments: 50 keys.
const MAX_KEYS: usize = 50;
/// Documents remembered as run cleanly; the set starts over when full.
const MAX_PROVEN: usize = 2048;
/// Statements remembered as built, and the bytes they may hold in all (a document may be as
/// large as a request body); the cache starts over when either is reached.
const MAX_BUILT: usize = 512;
const MAX_BUILT_BYTES: usize = 16 << 20;

/// The planner, with the documents the executor has run without errors and the statements it
/// has built.
pub struct Planner {
    enabled: bool,
    /// Hashes (keyed at random per process) of the documents known to be valid.
    proven: Mutex<HashSet<u64>>,
    /// The statements built, by everything they were built from.
    built: Mutex<BuiltCache>,
    hasher: RandomState,
}

/// Everything a statement is built from, bar the request's own audit values: the document,
/// the variables, the caller and the operation name the audit trail records. A dashboard that
/// polls sends the same again and again; its statement is built once.
#[derive(PartialEq, Eq, Hash)]
struct Source {
    query: String,
    operation_name: Option<String>,
    /// The variables as JSON (their map is ordered by name).
    variables: String,
    principal: Principal,
    operation: Option<String>,
}

/// The statements built, and the bytes their sources and texts take.
#[derive(Default)]
struct BuiltCache {
    statements: HashMap<Source, Arc<Built>>,
    bytes: usize,
}

impl BuiltCache {
    fn keep(&mut self, source: Source, built: Built) {
        let bytes = source.query.len() + source.variables.len() + built.sql.len() + 64 * built.values.0.len();
        if self.statements.len() >= MAX_BUILT || self.bytes + bytes > MAX_BUILT_BYTES {
            self.statements.clear();
            self.bytes = 0;
        }
        if bytes <= MAX_BUILT_BYTES {
            self.bytes += bytes;
            self.statements.insert(source, Arc::new(built));
        }
    }
}

/// A statement as built for its [`Source`].
struct Built {
    sql: String,
    values: Values,
    /// Where the READ events' time and request id sit in `values`, set anew for each request;
    /// `None` when the statement writes no events.
    own: Option<(usize, usize)>,
}

impl Built {
    /// The built statement, holding the values of the request it was built for: `at` and
    /// `request_id` are found in its values, each exactly once, or it is not kept.
    fn new(statement: &Statement, at: DateTime<Utc>, request_id: &str) -> Option<Self> {
        let values = statement.values.clone()?;
        let once = |wanted: &SeaValue| {
            let mut found = values.0.iter().enumerate().filter(|(_, v)| *v == wanted).map(|(i, _)| i);
            let first = found.next();
            first.filter(|_| found.next().is_none())
        };
        let time = once(&SeaValue::from(at));
        let id = once(&SeaValue::from(request_id.to_owned()));
        let own = match (time, id) {
            (Some(t), Some(r)) => Some((t, r)),
            (None, None) => None,
            _ => return None,
        };
        Some(Self { sql: statement.sql.clone(), values, own })
    }

    /// The statement for another request of the same source.
    fn statement(&self, at: DateTime<Utc>, request_id: &str) -> Statement {
        let mut values = self.values.clone();
        if let Some((t, r)) = self.own {
            values.0[t] = SeaValue::from(at);
            values.0[r] = SeaValue::from(request_id.to_owned());
        }
        Statement::from_sql_and_values(DbBackend::Postgres, self.sql.clone(), values)
    }
}

/// A planned read: the statement, ready to run.
pub struct Plan {
    statement: Statement,
}

/// What a planned read gave: the response's `data` as JSON text, and the READ events written.
pub struct Answer {
    pub data: String,
    pub audited: u64,
}

/// Which document a request runs, for the proven set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DocumentKey(u64);

impl Planner {
    /// The planner of a server on `backend`: it plans on PostgreSQL when `enabled`, and
    /// otherwise does nothing, not even remember documents.
    pub fn new(enabled: bool, backend: DbBackend) -> Self {
        Self {
            enabled: enabled && backend == DbBackend::Postgres,
            proven: Mutex::default(),
            built: Mutex::default(),
            hasher: RandomState::new(),
        }
    }

    /// The key of a query's document (for the public schema when `anonymous`), or `None` when
    /// the planner is off (or not on PostgreSQL) or the operation is not a query.
    pub fn key(&self, anonymous: bool, doc: &ExecutableDocument, request: &Request) -> Option<DocumentKey> {
        let name = request.operation_name.as_deref();
        if !self.enabled || operation(doc, name)?.node.ty != OperationType::Query {
            return None;
        }
        Some(DocumentKey(self.hasher.hash_one((anonymous, name, request.query.as_str()))))
    }

    /// Notes that the executor ran this document without errors: it is valid, and may be
    /// planned from now on.
    pub fn prove(&self, key: DocumentKey) {
        if let Ok(mut proven) = self.proven.lock() {
            if proven.len() >= MAX_PROVEN {
                proven.clear();
            }
            proven.insert(key.0);
        }
    }

    fn is_proven(&self, key: DocumentKey) -> bool {
        self.proven.lock().is_ok_and(|p| p.contains(&key.0))
    }

    /// The plan for `request` (already parsed into `doc`), or `None` when the executor must
    /// answer it.
    pub fn plan(
        &self,
        key: DocumentKey,
        types: &TypeInfo,
        doc: &ExecutableDocument,
        request: &Request,
        rc: &RequestContext,
    ) -> Option<Plan> {
        if !self.is_proven(key) {
            return None;
        }
        let source = Source {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
            principal: rc.principal.clone(),
            operation: rc.operation.clone(),
        };
        let at = crate::db::now();
        let cached = self.built.lock().ok().and_then(|built| built.statements.get(&source).cloned());
        if let Some(built) = cached {
            return Some(Plan { statement: built.statement(at, &rc.request_id) });
        }
        let op = operation(doc, request.operation_name.as_deref())?;
        if op.node.ty != OperationType::Query || !op.node.directives.is_empty() {
            return None;
        }
        let vars = variables(&op.node.variable_definitions, &request.variables)?;
        let mut p = Planning { doc, types, principal: &rc.principal, vars, next: 0, audits: Vec::new() };
        let data = p.root(&op.node.selection_set.node)?;
        let statement = p.statement(data, rc, at)?;
        if let Some(built) = Built::new(&statement, at, &rc.request_id)
            && let Ok(mut cache) = self.built.lock()
        {
            cache.keep(source, built);
        }
        Some(Plan { statement })
    }
}

impl Plan {
    /// Runs the statement: the data and the audit trail's READ events, at once.
    pub async fn run(self, db: &DatabaseConnection) -> Result<Answer, DbErr> {
        let row = db.query_one_raw(self.statement).await?.ok_or_else(|| DbErr::RecordNotFound("no row".into()))?;
        let data: String = row.try_get("", "data")?;
        let audited: i64 = row.try_get("", "audited")?;
        Ok(Answer { data, audited: u64::try_from(audited).unwrap_or(0) })
    }
}

/// The operation's variables: those sent, else their defaults; `None` when one that is
/// declared non-null is missing.
fn variables(defs: &[Positioned<VariableDefinition>], sent: &async_graphql::Variables) -> Option<HashMap<Name, Value>> {
    let mut vars = HashMap::with_capacity(defs.len());
    for d in defs {
        let name = &d.node.name.node;
        let value = match sent.get(name) {
            Some(v) => v.clone(),
            None => d.node.default_value().cloned()?,
        };
        vars.insert(name.clone(), value);
    }
    Some(vars)
}

/// The object types the planner knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    State,
    Assessment,
    SupportNeed,
    ActivityReport,
    Organization,
    CurrencyAmount,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::State => "State",
            Self::Assessment => "Assessment",
            Self::SupportNeed => "SupportNeed",
            Self::ActivityReport => "ActivityReport",
            Self::Organization => "Organization",
            Self::CurrencyAmount => "CurrencyAmount",
        }
    }

    /// The class some records of this kind need as a whole, and which: the SQL form of their
    /// [`AccessSubject::floor`](crate::auth::AccessSubject::floor).
    fn floor(self, row: &Alias) -> Option<(AccessClass, Expr)> {
        match self {
            // `SupportNeed::floor`: a need the state did not agree to share is SENSITIVE.
            Self::SupportNeed => Some((
                AccessClass::Sensitive,
                Expr::col((row.clone(), support_need::Column::SharedWithPartners)).eq(false),
            )),
            _ => None,
        }
    }
}

/// One level of the response: the rows of one kind, under an alias, and how to reach them
/// from the root (for the audit trail).
struct Level {
    kind: Kind,
    alias: Alias,
    /// The table its rows are read from, when they are whole rows of one: the rows are then
    /// read with only the columns the response uses (a report's description is long).
    table: Option<&'static str>,
    /// The columns of its rows the response uses.
    used: RefCell<BTreeSet<&'static str>>,
    /// Every row of this level the response shows, as a statement of whole rows (`None` for
    /// rows that are not records: sums).
    reach: Option<SelectStatement>,
}

/// The value of an argument or directive argument (a `Positioned` parser value), its
/// variables filled in; `None` for an undefined variable.
macro_rules! filled {
    ($planning:expr, $value:expr) => {
        $value.node.clone().into_const_with(|name| $planning.vars.get(&name).cloned().ok_or(())).ok()
    };
}

impl Level {
    fn new(kind: Kind, alias: Alias, table: Option<&'static str>, reach: Option<SelectStatement>) -> Self {
        Self { kind, alias, table, used: RefCell::default(), reach }
    }

    /// The column `name` of this level's row, noted as used.
    fn column(&self, name: &'static str) -> Expr {
        self.used.borrow_mut().insert(name);
        Expr::col((self.alias.clone(), Alias::new(name)))
    }

    /// The ids of this level's rows, for the audit trail.
    fn ids(&self) -> Option<SelectStatement> {
        let reach = self.reach.clone()?;
        Some(
            Query::select()
                .column((self.alias.clone(), Alias::new("id")))
                .from_subquery(reach, self.alias.clone())
                .to_owned(),
        )
    }

    /// Reads only the used columns in `rows`, when they are whole rows of one table.
    fn prune(&self, rows: &mut SelectStatement) {
        let Some(table) = self.table else { return };
        let used = self.used.borrow();
        rows.clear_selects();
        rows.column((Alias::new(table), Alias::new("id")));
        for c in used.iter().filter(|c| **c != "id") {
            rows.column((Alias::new(table), Alias::new(*c)));
        }
    }
}

struct Planning<'a> {
    doc: &'a ExecutableDocument,
    types: &'a TypeInfo,
    principal: &'a Principal,
    vars: HashMap<Name, Value>,
    next: usize,
    /// `(target_type, target_id, field)` of each READ event, one statement per audited field.
    audits: Vec<SelectStatement>,
}

impl<'a> Planning<'a> {
    fn alias(&mut self) -> Alias {
        self.next += 1;
        Alias::new(format!("t{}", self.next))
    }

    /// Whether `@skip` / `@include` keep a selection; `None` for any other directive.
    fn kept(&self, directives: &[Positioned<Directive>]) -> Option<bool> {
        let mut kept = true;
        for d in directives {
            let condition = match filled!(self, d.node.get_argument("if")?)? {
                Value::Boolean(b) => b,
                _ => return None,
            };
            match d.node.name.node.as_str() {
                "skip" => kept &= !condition,
                "include" => kept &= condition,
                _ => return None,
            }
        }
        Some(kept)
    }

    /// The fields a selection set selects on `type_name`, fragments flattened, by response
    /// key; `None` when a key repeats (merging is left to the executor) or a fragment is on
    /// another type.
    fn fields(&self, set: &'a SelectionSet, type_name: &str) -> Option<Vec<(&'a str, &'a Field)>> {
        let mut out = Vec::new();
        self.collect(set, type_name, &mut out)?;
        let mut seen = HashSet::with_capacity(out.len());
        if !out.iter().all(|(key, _)| seen.insert(*key)) || out.len() > MAX_KEYS {
            return None;
        }
        Some(out)
    }

    fn collect(&self, set: &'a SelectionSet, type_name: &str, out: &mut Vec<(&'a str, &'a Field)>) -> Option<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if self.kept(&f.node.directives)? {
                        out.push((f.node.response_key().node.as_str(), &f.node));
                    }
                }
                Selection::FragmentSpread(s) => {
                    let frag = self.doc.fragments.get(&s.node.fragment_name.node)?;
                    if frag.node.type_condition.node.on.node != type_name || !frag.node.directives.is_empty() {
                        return None;
                    }
                    if self.kept(&s.node.directives)? {
                        self.collect(&frag.node.selection_set.node, type_name, out)?;
                    }
                }
                Selection::InlineFragment(i) => {
                    if i.node.type_condition.as_ref().is_some_and(|c| c.node.on.node != type_name) {
                        return None;
                    }
                    if self.kept(&i.node.directives)? {
                        self.collect(&i.node.selection_set.node, type_name, out)?;
                    }
                }
            }
        }
        Some(())
    }

    /// The field's arguments that were given a non-null value.
    fn arguments(&self, field: &'a Field) -> Option<HashMap<&'a str, Value>> {
        let mut args = HashMap::new();
        for (name, value) in &field.arguments {
            match filled!(self, value)? {
                Value::Null => {}
                v => _ = args.insert(name.node.as_str(), v),
            }
        }
        Some(args)
    }

    /// The guard's decision on reading `field` of `type_name` on any row of `level`:
    /// `None` when some row might be refused; else whether (and on which rows) the read is
    /// audited.
    fn allow(&mut self, level: Option<&Level>, type_name: &str, field: &Field) -> Option<()> {
        let name = field.name.node.as_str();
        if name == "__typename" {
            return Some(());
        }
        let (class, arg_classes) = self.types.access(type_name, name)?;
        let args = self.arguments(field)?;
        let given: Vec<(&str, AccessClass)> =
            arg_classes.iter().filter(|(n, _)| args.contains_key(n.as_str())).map(|(n, c)| (n.as_str(), *c)).collect();
        // No owner: a read only an owner may make is refused here, and left to the guard.
        let read = ReadOf { type_name, field_name: name, class, owner_org: None, floor: None };
        let audit_all = read.decide(self.principal, given.iter().copied()).ok()?;
        // A read audited outside any record (none is, today) is left to the guard.
        let Some(level) = level else {
            return (!audit_all).then_some(());
        };
        let mut audit_where = audit_all.then(|| Expr::val(true));
        // Rows whose floor the caller may not read are not in the level (see `floored_out`).
        if let Some((floor, floored)) = level.kind.floor(&level.alias)
            && self.principal.may_read(floor, None)
        {
            let read = ReadOf { floor: Some(floor), ..read };
            if read.decide(self.principal, given.iter().copied()).ok()? && !audit_all {
                audit_where = Some(floored);
            }
        }
        if let Some(condition) = audit_where {
            let reach = level.reach.clone()?;
            let mut q = Query::select();
            q.expr_as(Expr::val(type_name), Alias::new("tt"))
                .expr_as(
                    Expr::cust_with_expr("($1)::text", Expr::col((level.alias.clone(), Alias::new("id")))),
                    Alias::new("tid"),
                )
                .expr_as(Expr::val(name), Alias::new("fld"))
                .from_subquery(reach, level.alias.clone())
                .and_where(condition);
            self.audits.push(q);
        }
        Some(())
    }

    /// `data`: the root fields.
    fn root(&mut self, set: &'a SelectionSet) -> Option<Expr> {
        let mut pairs = Vec::new();
        for (key, field) in self.fields(set, "Query")? {
            self.allow(None, "Query", field)?;
            let value = match field.name.node.as_str() {
                "__typename" => Expr::val("Query"),
                "states" => self.states(field)?,
                _ => return None,
            };
            pairs.push((key, value));
        }
        object(pairs)
    }

    /// `states(...)`: the first page of states, filtered and ordered.
    fn states(&mut self, field: &'a Field) -> Option<Expr> {
        let mut args = self.arguments(field)?;
        let order = match args.remove("orderBy") {
            Some(v) => StateOrder::parse(Some(v)).ok()?,
            None => StateOrder::default(),
        };
        let keyset = order.keyset();
        let first = first(args.remove("first"), &keyset)?;
        let mut filtered = state::Entity::find();
        for (name, value) in args {
            filtered =
                match name {
                    "continent" => filtered.filter(
                        state::Column::Continent
                            .eq(entity::enums::Continent::from(crate::enums::Continent::parse(Some(value)).ok()?)),
                    ),
                    "attStatus" => filtered.filter(
                        state::Column::AttStatus
                            .eq(entity::enums::AttStatus::from(crate::enums::AttStatus::parse(Some(value)).ok()?)),
                    ),
                    "unRegionalGroup" => filtered.filter(state::Column::UnRegionalGroup.eq(
                        entity::enums::UnRegionalGroup::from(crate::enums::UnRegionalGroup::parse(Some(value)).ok()?),
                    )),
                    _ => return None,
                };
        }
        let dir = if keyset.descending { Order::Desc } else { Order::Asc };
        let mut page = filtered.clone();
        if let Some((key, _)) = keyset.key {
            page = page.order_by(key, dir.clone());
        }
        let page = page.order_by(keyset.id, dir).limit(first).into_query();
        let total = filtered.select_only().expr(Func::count(Expr::col(Asterisk))).into_query();
        self.connection(field, "StateConnection", total, |alias| {
            let level = Level::new(Kind::State, alias, Some(state::Entity.table_name()), Some(page.clone()));
            (page, level)
        })
    }

    /// A connection's `totalCount` and `nodes`, the rows of `rows` (built for the nodes'
    /// alias); `edges` and `pageInfo` are left to the executor.
    fn connection(
        &mut self,
        field: &'a Field,
        type_name: &'static str,
        total: SelectStatement,
        rows: impl FnOnce(Alias) -> (SelectStatement, Level),
    ) -> Option<Expr> {
        let mut pairs = Vec::new();
        let mut rows = Some(rows);
        for (key, f) in self.fields(&field.selection_set.node, type_name)? {
            self.allow(None, type_name, f)?;
            let value = match f.name.node.as_str() {
                "__typename" => Expr::val(type_name),
                "totalCount" => subquery(total.clone()),
                "nodes" => {
                    let alias = self.alias();
                    let (statement, level) = rows.take()?(alias);
                    self.list(statement, &level, &f.selection_set.node)?
                }
                _ => return None,
            };
            pairs.push((key, value));
        }
        object(pairs)
    }

    /// A JSON array of the objects of `level`, one per row of `rows`, in its order.
    fn list(&mut self, mut rows: SelectStatement, level: &Level, set: &'a SelectionSet) -> Option<Expr> {
        let json = self.object(level, set)?;
        level.prune(&mut rows);
        let inner = Query::select().expr_as(json, Alias::new("j")).from_subquery(rows, level.alias.clone()).to_owned();
        let outer = Query::select()
            .expr(Expr::cust("coalesce(json_agg(x.j), '[]'::json)"))
            .from_subquery(inner, Alias::new("x"))
            .to_owned();
        Some(subquery(outer))
    }

    /// The JSON object of the (at most one) row of `rows`, or null.
    fn one(&mut self, mut rows: SelectStatement, level: &Level, set: &'a SelectionSet) -> Option<Expr> {
        let json = self.object(level, set)?;
        level.prune(&mut rows);
        Some(subquery(Query::select().expr(json).from_subquery(rows, level.alias.clone()).to_owned()))
    }

    /// A child level of `parent`: the rows `rows` (correlated to the parent's alias) under a
    /// new alias.
    fn child(&mut self, parent: &Level, kind: Kind, table: &'static str, rows: &SelectStatement) -> Level {
        let alias = self.alias();
        let reach = parent.reach.clone().map(|p| lateral(p, parent.alias.clone(), rows.clone(), alias.clone()));
        Level::new(kind, alias, Some(table), reach)
    }

    /// A child level whose rows, for all the parent's rows at once, are `all`: a whole list
    /// of each parent, read for the audit trail in one pass rather than parent by parent.
    fn children_of(&mut self, kind: Kind, table: &'static str, all: Option<SelectStatement>) -> Level {
        let alias = self.alias();
        let reach = all.map(|rows| Query::select().column(Asterisk).from_subquery(rows, alias.clone()).to_owned());
        Level::new(kind, alias, Some(table), reach)
    }

    /// The JSON object of one row of `level`, with the fields `set` selects.
    fn object(&mut self, level: &Level, set: &'a SelectionSet) -> Option<Expr> {
        let type_name = level.kind.name();
        let mut pairs = Vec::new();
        for (key, field) in self.fields(set, type_name)? {
            self.allow(Some(level), type_name, field)?;
            let value = self.field(level, field)?;
            pairs.push((key, value));
        }
        object(pairs)
    }

    fn field(&mut self, level: &Level, field: &'a Field) -> Option<Expr> {
        let name = field.name.node.as_str();
        let col = |c: &'static str| level.column(c);
        if name == "__typename" {
            return Some(Expr::val(level.kind.name()));
        }
        if name == "id" && level.kind != Kind::CurrencyAmount {
            return Some(global_id(level.kind.name(), col("id")));
        }
        let id = level.column("id");
        match (level.kind, name) {
            (Kind::State, "iso3" | "iso2" | "name" | "signatureDate" | "consentDate" | "entryIntoForceDate")
            | (Kind::State, "genevaMission" | "version")
            | (Kind::Assessment, "assessedOn" | "tier" | "challenges" | "notes" | "assessedBy")
            | (Kind::SupportNeed, "description" | "sharedWithPartners" | "version")
            | (Kind::ActivityReport, "title" | "description" | "startDate" | "endDate" | "version")
            | (Kind::ActivityReport, "participantsTotal" | "participantsWomen")
            | (Kind::Organization, "name" | "acronym" | "iatiIdentifier" | "coverage" | "version")
            | (Kind::CurrencyAmount, "currency") => Some(col(snake(name)?)),
            (Kind::State, "unRegionalGroup") => {
                Some(enum_json::<entity::enums::UnRegionalGroup, crate::enums::UnRegionalGroup>(col(snake(name)?)))
            }
            (Kind::State, "continent") => {
                Some(enum_json::<entity::enums::Continent, crate::enums::Continent>(col(snake(name)?)))
            }
            (Kind::State, "attStatus") => {
                Some(enum_json::<entity::enums::AttStatus, crate::enums::AttStatus>(col(snake(name)?)))
            }
            (Kind::State, "consentKind") => {
                Some(enum_json::<entity::enums::ConsentKind, crate::enums::ConsentKind>(col(snake(name)?)))
            }
            (Kind::Assessment, "processStage") => {
                Some(enum_json::<entity::enums::ProcessStage, crate::enums::ProcessStage>(col(snake(name)?)))
            }
            (Kind::SupportNeed, "category") => {
                Some(enum_json::<entity::enums::SupportCategory, crate::enums::SupportCategory>(col(snake(name)?)))
            }
            (Kind::SupportNeed, "status") => {
                Some(enum_json::<entity::enums::NeedStatus, crate::enums::NeedStatus>(col(snake(name)?)))
            }
            (Kind::ActivityReport, "activityType") => {
                Some(enum_json::<entity::enums::ActivityType, crate::enums::ActivityType>(col(snake(name)?)))
            }
            (Kind::ActivityReport, "status") => {
                Some(enum_json::<entity::enums::ActivityStatus, crate::enums::ActivityStatus>(col(snake(name)?)))
            }
            (Kind::ActivityReport, "reviewStatus") => {
                Some(enum_json::<entity::enums::ReviewStatus, crate::enums::ReviewStatus>(col(snake(name)?)))
            }
            (Kind::Organization, "kind") => {
                Some(enum_json::<entity::enums::OrganizationKind, crate::enums::OrganizationKind>(col(snake(name)?)))
            }
            (Kind::CurrencyAmount, "amount") => {
                Some(Expr::cust_with_expr("(($1) / 100.0)::numeric(20, 2)::text", col("amount")))
            }
            (Kind::State, "currentAssessment") => {
                let mut rows = children::<AssessmentsOfState>(self.principal, |c| c.eq(id));
                rows.limit(1);
                let child = self.child(level, Kind::Assessment, assessment::Entity.table_name(), &rows);
                self.one(rows, &child, &field.selection_set.node)
            }
            (Kind::State, "assessments") => {
                let rows = children::<AssessmentsOfState>(self.principal, |c| c.eq(id));
                let all = level.ids().map(|ids| children::<AssessmentsOfState>(self.principal, |c| c.in_subquery(ids)));
                let child = self.children_of(Kind::Assessment, assessment::Entity.table_name(), all);
                self.list(rows, &child, &field.selection_set.node)
            }
            (Kind::State, "supportNeeds") => {
                let table = support_need::Entity.table_name();
                let mut rows = children::<NeedsOfState>(self.principal, |c| c.eq(id));
                floored_out(&mut rows, Kind::SupportNeed, table, self.principal);
                let all = level.ids().map(|ids| {
                    let mut all = children::<NeedsOfState>(self.principal, |c| c.in_subquery(ids));
                    floored_out(&mut all, Kind::SupportNeed, table, self.principal);
                    all
                });
                let child = self.children_of(Kind::SupportNeed, table, all);
                self.list(rows, &child, &field.selection_set.node)
            }
            (Kind::State, "vtfApproved") => {
                // `State::vtf_approved`: the approved amounts of the state's projects, summed
                // per currency, by currency.
                let rows = vtf_project::Entity::find_visible(self.principal)
                    .select_only()
                    .column(vtf_project::Column::Currency)
                    .expr_as(
                        Expr::cust_with_expr(
                            "(sum($1))::bigint",
                            Expr::col((vtf_project::Entity, vtf_project::Column::AmountApproved)),
                        ),
                        "amount",
                    )
                    .filter(Expr::col((vtf_project::Entity, vtf_project::Column::StateId)).eq(level.column("id")))
                    .filter(Expr::col((vtf_project::Entity, vtf_project::Column::AmountApproved)).is_not_null())
                    .group_by(vtf_project::Column::Currency)
                    .order_by(Expr::cust("\"currency\" COLLATE \"C\""), Order::Asc)
                    .into_query();
                let alias = self.alias();
                // Sums carry no record id and no restricted field: nothing to reach.
                let child = Level::new(Kind::CurrencyAmount, alias, None, None);
                self.list(rows, &child, &field.selection_set.node)
            }
            (Kind::State, "activityReports") => self.reports_of_state(level, field),
            (Kind::ActivityReport, "organization") => {
                let rows = organization::Entity::find_visible(self.principal)
                    .filter(
                        Expr::col((organization::Entity, organization::Column::Id)).eq(level.column("organization_id")),
                    )
                    .into_query();
                let child = self.child(level, Kind::Organization, organization::Entity.table_name(), &rows);
                self.one(rows, &child, &field.selection_set.node)
            }
            _ => None,
        }
    }

    /// `State.activityReports(first:)`: the state's latest reports the caller may see, from
    /// the links' index as the nested loader reads them, and their count.
    fn reports_of_state(&mut self, level: &Level, field: &'a Field) -> Option<Expr> {
        let mut args = self.arguments(field)?;
        let first = first(args.remove("first"), &latest_first())?;
        if !args.is_empty() {
            return None;
        }
        let parent = Expr::col((link::Entity, link::Column::StateId)).eq(level.column("id"));
        let visible = report_visibility(self.principal, link::Column::ReviewStatus, link::Column::OrganizationId);
        let links = link::Entity::find().filter(parent).filter(visible);
        let total = links.clone().select_only().expr(Func::count(Expr::col(Asterisk))).into_query();
        let l = Alias::new("l");
        let latest = links
            .select_only()
            .column(link::Column::ReportId)
            .column(link::Column::StartDate)
            .order_by_desc(link::Column::StartDate)
            .order_by_desc(link::Column::ReportId)
            .limit(first)
            .into_query();
        let rows = Query::select()
            .column((activity_report::Entity, Asterisk))
            .from_subquery(latest, l.clone())
            .inner_join(
                activity_report::Entity,
                Expr::col((activity_report::Entity, activity_report::Column::Id))
                    .equals((l.clone(), link::Column::ReportId)),
            )
            .order_by((l.clone(), link::Column::StartDate), Order::Desc)
            .order_by((l, link::Column::ReportId), Order::Desc)
            .to_owned();
        let reach_parent = level.reach.clone();
        let parent_alias = level.alias.clone();
        self.connection(field, "ActivityReportConnection", total, move |alias| {
            let reach = reach_parent.map(|parent| lateral(parent, parent_alias, rows.clone(), alias.clone()));
            (rows, Level::new(Kind::ActivityReport, alias, Some(activity_report::Entity.table_name()), reach))
        })
    }

    /// The whole statement: the READ events inserted, and the data as text.
    fn statement(self, data: Expr, rc: &RequestContext, at: DateTime<Utc>) -> Option<Statement> {
        let mut select = Query::select();
        select.expr_as(Expr::cust_with_expr("($1)::text", data), Alias::new("data"));
        let mut audits = self.audits.into_iter();
        let Some(mut reads) = audits.next() else {
            select.expr_as(Expr::val(0i64), Alias::new("audited"));
            let (sql, values) = select.build(PostgresQueryBuilder);
            return Some(Statement::from_sql_and_values(DbBackend::Postgres, sql, values));
        };
        for more in audits {
            reads.union(UnionType::Distinct, more);
        }
        let mut insert = crate::audit::insert_reads(rc, at, reads)?;
        insert.returning_col(audit_event::Column::Id);
        let audit = Alias::new("audit");
        let cte = CommonTableExpression::new().query(insert).table_name(audit.clone()).to_owned();
        select.expr_as(
            subquery(Query::select().expr(Func::count(Expr::col(Asterisk))).from(audit).to_owned()),
            Alias::new("audited"),
        );
        let (sql, values) = select.with(WithClause::new().cte(cte).to_owned()).build(PostgresQueryBuilder);
        Some(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
    }
}

/// The rows `first` asks for in `order`, by the resolvers' own check
/// ([`PageArgs::window`]); `None` for a value they refuse (theirs to refuse, with its code).
fn first<E: EntityTrait>(value: Option<Value>, order: &Keyset<E>) -> Option<u64> {
    let first = match value {
        None => None,
        Some(Value::Number(n)) => Some(i32::try_from(n.as_i64()?).ok()?),
        Some(_) => return None,
    };
    PageArgs { first, ..PageArgs::default() }.window(order).ok().map(|w| w.limit)
}

/// The children of relation `R` whose parent column meets `parent` (equals a parent's id, or
/// is among a set of them), visible to `principal`, in the relation's order: the rows the
/// loader would give.
fn children<R: HasMany>(principal: &Principal, parent: impl FnOnce(Expr) -> Expr) -> SelectStatement {
    let parent = parent(Expr::col((R::Child::default(), R::parent_column())));
    R::order(<R::Child as Table>::find_visible(principal).filter(parent)).into_query()
}

/// Leaves out of `rows` (of the table `table`) those whose floor `principal` may not read: the
/// guard would refuse every field of them. (The loaders' visibility already leaves them out
/// — a partner sees only the needs a state shares — and the tests hold both to the same rows;
/// this keeps the planner from ever showing one if that changed.)
fn floored_out(rows: &mut SelectStatement, kind: Kind, table: &str, principal: &Principal) {
    if let Some((floor, floored)) = kind.floor(&Alias::new(table))
        && !principal.may_read(floor, None)
    {
        rows.and_where(floored.not());
    }
}

/// The rows of `rows`, correlated to `parent_alias`, for each row of `parent`.
fn lateral(parent: SelectStatement, parent_alias: Alias, rows: SelectStatement, alias: Alias) -> SelectStatement {
    Query::select()
        .column((alias.clone(), Asterisk))
        .from_subquery(parent, parent_alias)
        .join_lateral(sea_orm::JoinType::InnerJoin, rows, alias, Expr::val(true))
        .to_owned()
}

/// `json_build_object` of the pairs; `None` for an empty selection.
fn object(pairs: Vec<(&str, Expr)>) -> Option<Expr> {
    if pairs.is_empty() {
        return None;
    }
    let mut args = Vec::with_capacity(pairs.len() * 2);
    for (key, value) in pairs {
        // A response key is a GraphQL name (letters, digits, underscores): safe as a literal.
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        args.push(Expr::cust(format!("'{key}'")));
        args.push(value);
    }
    Some(Func::cust("json_build_object").args(args).into())
}

fn subquery(q: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(q)))
}

/// `node::global_id` in SQL: `type:id`, base64url without padding.
fn global_id(type_name: &str, id: Expr) -> Expr {
    Expr::cust_with_exprs(
        "translate(rtrim(encode(convert_to($1 || ':' || ($2)::text, 'UTF8'), 'base64'), '='), '+/', '-_')",
        [Expr::val(type_name.to_owned()), id],
    )
}

/// An enum column as the GraphQL enum's name: the column itself where every stored value is
/// the name (as for all of them today), else mapped.
fn enum_json<S, G>(column: Expr) -> Expr
where
    S: ActiveEnum<Value = String> + Iterable + Copy,
    G: From<S> + InputType,
{
    let pairs: Vec<(String, String)> = S::iter()
        .map(|s| {
            let name = match G::from(s).to_value() {
                Value::Enum(n) => n.to_string(),
                other => other.to_string(),
            };
            (s.to_value(), name)
        })
        .collect();
    if pairs.iter().all(|(stored, name)| stored == name) {
        return column;
    }
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (stored, name) in pairs {
        case = case.case(column.clone().eq(stored), Expr::val(name));
    }
    case.into()
}

/// The column of a scalar field: its name in `snake_case`.
fn snake(name: &str) -> Option<&'static str> {
    Some(match name {
        "iso3" => "iso3",
        "iso2" => "iso2",
        "name" => "name",
        "signatureDate" => "signature_date",
        "consentDate" => "consent_date",
        "entryIntoForceDate" => "entry_into_force_date",
        "genevaMission" => "geneva_mission",
        "version" => "version",
        "assessedOn" => "assessed_on",
        "tier" => "tier",
        "challenges" => "challenges",
        "notes" => "notes",
        "assessedBy" => "assessed_by",
        "description" => "description",
        "sharedWithPartners" => "shared_with_partners",
        "title" => "title",
        "startDate" => "start_date",
        "endDate" => "end_date",
        "participantsTotal" => "participants_total",
        "participantsWomen" => "participants_women",
        "acronym" => "acronym",
        "iatiIdentifier" => "iati_identifier",
        "coverage" => "coverage",
        "currency" => "currency",
        "unRegionalGroup" => "un_regional_group",
        "continent" => "continent",
        "attStatus" => "att_status",
        "consentKind" => "consent_kind",
        "processStage" => "process_stage",
        "category" => "category",
        "status" => "status",
        "activityType" => "activity_type",
        "reviewStatus" => "review_status",
        "kind" => "kind",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(query: &str) -> Source {
        Source {
            query: query.to_owned(),
            operation_name: None,
            variables: "{}".into(),
            principal: Principal::anonymous(),
            operation: None,
        }
    }

    fn built(sql_bytes: usize) -> Built {
        Built { sql: "x".repeat(sql_bytes), values: Values(Vec::new()), own: None }
    }

    #[test]
    fn the_cache_of_built_statements_stays_within_its_count_and_bytes() {
        let mut cache = BuiltCache::default();
        for n in 0..MAX_BUILT {
            cache.keep(source(&n.to_string()), built(10));
        }
        assert_eq!(cache.statements.len(), MAX_BUILT);
        cache.keep(source("one more"), built(10));
        assert_eq!(cache.statements.len(), 1, "full by count: it starts over");

        cache.keep(source("big"), built(MAX_BUILT_BYTES / 2));
        cache.keep(source("bigger"), built(MAX_BUILT_BYTES / 2));
        assert_eq!(cache.statements.len(), 1, "full by bytes: it starts over");
        assert!(cache.bytes <= MAX_BUILT_BYTES);
        cache.keep(source("too big"), built(MAX_BUILT_BYTES));
        assert!(cache.statements.is_empty(), "a statement larger than the budget is not kept");
    }

    #[test]
    fn a_built_statement_takes_each_request_s_own_time_and_id() {
        let at = crate::db::now();
        let later = at + chrono::Duration::seconds(1);
        let values = vec![SeaValue::from(at), SeaValue::from("r1".to_owned()), SeaValue::from("AFRICA".to_owned())];
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT $1, $2, $3", values);
        let built = Built::new(&statement, at, "r1").expect("kept");
        let next = built.statement(later, "r2");
        let expected =
            vec![SeaValue::from(later), SeaValue::from("r2".to_owned()), SeaValue::from("AFRICA".to_owned())];
        assert_eq!(next.values, Some(Values(expected)));
        assert_eq!(next.sql, statement.sql);

        // A value that could be either the request's own or the query's is not guessed at.
        let twice = vec![SeaValue::from(at), SeaValue::from("r1".to_owned()), SeaValue::from("r1".to_owned())];
        let ambiguous = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT $1, $2, $3", twice);
        assert!(Built::new(&ambiguous, at, "r1").is_none());
    }
}
