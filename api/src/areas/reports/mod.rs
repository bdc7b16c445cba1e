//! Partners' activity reports (PARTNER; budgets FINANCIAL), their target states, and the
//! visibility rule that keeps one organisation's unpublished reports from every other.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{ReviewStatus as StoredReview, Role};
use entity::{activity_report, activity_report_state, organization, state, vtf_project};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, JoinType,
    Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select,
};

mod columns;
mod mutations;

pub use columns::ReportColumns;
pub use mutations::{ActivityReportPayload, ReportsMutation};

use super::organizations::Organization;
use super::states::{State, state_id_by_iso3};
use super::vtf::VtfProject;
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, Principal, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::{ActivityStatus, ActivityType, ReviewStatus};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{LoadError, Scoped, Table, group};
use crate::node::{expect_id, global_id};
use crate::pagination::{
    KeyKind, Keyset, Page, PageArgs, Window, apply_window, ascending, finish_page, paginate, within,
};
use crate::scalars::Money;

impl Table for activity_report::Entity {
    fn id_column() -> activity_report::Column {
        activity_report::Column::Id
    }
    fn id_of(model: &activity_report::Model) -> i64 {
        model.id
    }
    fn visible_to(principal: &Principal) -> Condition {
        visibility(principal, activity_report::Column::ReviewStatus, activity_report::Column::OrganizationId)
    }
}

/// Which reports `principal` sees, on any table that carries a report's review status and
/// organisation (the reports, and their links to states): a partner sees accepted reports and
/// every report of its own organisation; the internal bodies see every report that has been
/// submitted; drafts stay with their organisation; anonymous callers see accepted reports.
pub(crate) fn visibility<C: ColumnTrait>(principal: &Principal, review_status: C, organization: C) -> Condition {
    let accepted = review_status.eq(StoredReview::Accepted);
    match (principal.role, principal.org_id) {
        (Role::Partner, Some(org)) => Condition::any().add(accepted).add(organization.eq(org)),
        (Role::VtfCommittee | Role::Wgtu | Role::Secretariat, _) => {
            Condition::all().add(review_status.ne(StoredReview::Draft))
        }
        _ => Condition::all().add(accepted),
    }
}

wrapper!(ActivityReport, activity_report::Model, |m| Some(m.organization_id));

crate::connection!(ActivityReportConnection, ActivityReportEdge, ActivityReport, "activity reports");

/// The order of nested report lists: latest activity first.
pub(crate) fn latest_first() -> Keyset<activity_report::Entity> {
    Keyset {
        name: "start",
        key: Some((activity_report::Column::StartDate, KeyKind::Date)),
        id: activity_report::Column::Id,
        descending: true,
    }
}

/// The orders a list of reports can be read in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ActivityReportOrder {
    /// Latest activity first (by start date).
    #[default]
    StartDateDesc,
    /// Oldest change first: with `updatedSince`, what a script pulling changes wants.
    UpdatedAt,
}

impl ActivityReportOrder {
    fn keyset(self) -> Keyset<activity_report::Entity> {
        match self {
            Self::StartDateDesc => latest_first(),
            Self::UpdatedAt => Keyset {
                name: "updated",
                key: Some((activity_report::Column::UpdatedAt, KeyKind::Timestamp)),
                id: activity_report::Column::Id,
                descending: false,
            },
        }
    }
}

/// The states a report targets.
pub struct TargetStatesOfReport {
    db: DatabaseConnection,
}

impl Scoped for TargetStatesOfReport {
    type Key = i64;
    fn new(db: DatabaseConnection, _principal: Principal) -> Self {
        Self { db }
    }
}

impl Loader<i64> for TargetStatesOfReport {
    type Value = Vec<state::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, LoadError> {
        use activity_report_state::Column as L;
        // The links as bare id pairs, then each state once: decoding every state's columns
        // for every link (a join) cost more than the second statement.
        let links: Vec<(i64, i64)> = activity_report_state::Entity::find()
            .select_only()
            .columns([L::ReportId, L::StateId])
            .filter(L::ReportId.is_in(keys.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        let mut ids: Vec<i64> = links.iter().map(|(_, s)| *s).collect();
        ids.sort_unstable();
        ids.dedup();
        let states: HashMap<i64, state::Model> = state::Entity::find()
            .filter(state::Column::Id.is_in(ids))
            .all(&self.db)
            .await
            .map_err(Arc::new)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut rows: Vec<(i64, state::Model)> =
            links.into_iter().filter_map(|(report, s)| states.get(&s).map(|s| (report, s.clone()))).collect();
        rows.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        Ok(group(rows, |(r, _)| *r).into_iter().map(|(k, v)| (k, v.into_iter().map(|(_, s)| s).collect())).collect())
    }
}

/// A partner's report of an activity it carried out, modelled on IATI and OCHA 3W. Other
/// partners see it once the Secretariat accepted it; its budget stays with its organisation
/// and the ATT bodies.
#[Object(guard = "FieldGuard::new(self)")]
impl ActivityReport {
    /// The global id of this report.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("ActivityReport", self.0.id)
    }
    /// The reporting organisation.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        Ok(ctx.request()?.loaders.one::<organization::Entity>(self.0.organization_id).await?.map(Into::into))
    }
    /// Title.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }
    /// What was done.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn description(&self) -> Option<&str> {
        Some(&self.0.description)
    }
    /// The kind of activity.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn activity_type(&self) -> Option<ActivityType> {
        Some(self.0.activity_type.into())
    }
    /// Whether it is planned, under way, done or cancelled.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn status(&self) -> Option<ActivityStatus> {
        Some(self.0.status.into())
    }
    /// First day of the activity.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn start_date(&self) -> Option<NaiveDate> {
        Some(self.0.start_date)
    }
    /// Last day of the activity.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn end_date(&self) -> Option<NaiveDate> {
        Some(self.0.end_date)
    }
    /// The states the activity targets.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn target_states(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<State>>> {
        let rows =
            ctx.request()?.loaders.get::<TargetStatesOfReport>().load_one(self.0.id).await.map_err(ApiError::from)?;
        Ok(Some(rows.unwrap_or_default().into_iter().map(Into::into).collect()))
    }
    /// ATT articles or themes addressed, e.g. "Article 5", "gender-based violence".
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn att_themes(&self) -> Option<&[String]> {
        Some(&self.0.att_themes.0)
    }
    /// How many people took part.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn participants_total(&self) -> Option<i32> {
        self.0.participants_total
    }
    /// How many of them were women.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn participants_women(&self) -> Option<i32> {
        self.0.participants_women
    }
    /// What came of it.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn outcomes(&self) -> Option<&str> {
        self.0.outcomes.as_deref()
    }
    /// Other organisations that took part, by name.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn participating_organizations(&self) -> Option<&[String]> {
        Some(&self.0.participating_organizations.0)
    }
    /// The VTF project the activity belongs to, if any.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn vtf_project(&self, ctx: &Context<'_>) -> ApiResult<Option<VtfProject>> {
        let Some(id) = self.0.vtf_project_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<vtf_project::Entity>(id).await?.map(Into::into))
    }
    /// The activity's budget.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn budget(&self) -> Option<Money> {
        self.0.budget.map(Money)
    }
    /// Currency of the budget (ISO 4217).
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// Who funded the activity.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn funding_source(&self) -> Option<&str> {
        self.0.funding_source.as_deref()
    }
    /// Where the report stands in the Secretariat's review.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn review_status(&self) -> Option<ReviewStatus> {
        Some(self.0.review_status.into())
    }
    /// The reviewer's comment when the report was returned or accepted.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn review_comment(&self) -> Option<&str> {
        self.0.review_comment.as_deref()
    }
    /// Who at the Secretariat reviewed the report.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn reviewed_by(&self) -> Option<&str> {
        self.0.reviewed_by.as_deref()
    }
    /// When the report was last reviewed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// When the report was last submitted.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// When this record was created.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn created_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }
    /// When this record last changed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.updated_at)
    }
    /// The version to send back when updating this report.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// What owns a nested list of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportParent {
    /// Reports targeting a state (through `activity_report_states`).
    State,
    /// Reports of an organisation.
    Organization,
}

/// One nested page of reports: whose, which page, and whether to count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NestedKey {
    pub parent: ReportParent,
    pub id: i64,
    pub args: PageArgs,
    pub total: bool,
    /// The long columns the page's selection shows.
    pub columns: ReportColumns,
}

/// Nested report pages for many parents at once: one windowed statement per distinct page
/// request (and one grouped count when asked), whatever the number of parents.
pub struct NestedReports {
    db: DatabaseConnection,
    principal: Principal,
}

impl Scoped for NestedReports {
    type Key = NestedKey;
    fn new(db: DatabaseConnection, principal: Principal) -> Self {
        Self { db, principal }
    }
}

#[derive(FromQueryResult)]
struct ParentCount {
    parent_id: i64,
    n: i64,
}

impl NestedReports {
    /// The reports of `parents` the caller may see, with the parent id as `parent_id`.
    fn base(&self, parent: ReportParent, parents: &[i64]) -> Select<activity_report::Entity> {
        let q = activity_report::Entity::find_visible(&self.principal);
        match parent {
            ReportParent::State => q
                .join(sea_orm::JoinType::InnerJoin, activity_report_state::Relation::Report.def().rev())
                .filter(activity_report_state::Column::StateId.is_in(parents.iter().copied())),
            ReportParent::Organization => {
                q.filter(activity_report::Column::OrganizationId.is_in(parents.iter().copied()))
            }
        }
    }

    fn parent_column(parent: ReportParent) -> Expr {
        match parent {
            ReportParent::State => activity_report_state::Column::StateId.into_expr(),
            ReportParent::Organization => activity_report::Column::OrganizationId.into_expr(),
        }
    }

    /// The parent column as SQL (identical in SQLite and PostgreSQL).
    fn parent_sql(parent: ReportParent) -> &'static str {
        match parent {
            ReportParent::State => "\"activity_report_states\".\"state_id\"",
            ReportParent::Organization => "\"activity_reports\".\"organization_id\"",
        }
    }

    async fn load_group(
        &self,
        parent: ReportParent,
        args: &PageArgs,
        total: bool,
        columns: ReportColumns,
        parents: &[i64],
    ) -> ApiResult<HashMap<i64, Page<activity_report::Model>>> {
        let backend = self.db.get_database_backend();
        let order = latest_first();
        let window = args.window(&order)?;
        let parent_col = Self::parent_column(parent);
        let dir = if window.backwards { "ASC" } else { "DESC" };
        let reports = columns.select(self.base(parent, parents), backend);
        let inner: SelectStatement = apply_window(reports, &order, &Window { limit: window.limit, ..window.clone() })
            .expr_as(parent_col.clone(), "parent_id")
            .expr_as(
                Expr::cust(format!(
                    "ROW_NUMBER() OVER (PARTITION BY {} ORDER BY \"activity_reports\".\"start_date\" {dir}, \"activity_reports\".\"id\" {dir})",
                    Self::parent_sql(parent)
                )),
                "rn",
            )
            .into_query();
        // The window's LIMIT applies per parent through the row number, not to the whole set.
        let mut inner = inner;
        inner.reset_limit();
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(inner, Alias::new("t"))
            .and_where(Expr::col(Alias::new("rn")).lte((window.limit + 1) as i64))
            .to_owned();
        let rows = self.db.query_all_raw(backend.build(&outer)).await?;
        let mut by_parent: HashMap<i64, Vec<(i64, activity_report::Model)>> = HashMap::new();
        for row in rows {
            let parent_id: i64 = row.try_get("", "parent_id")?;
            let rn: i64 = row.try_get("", "rn")?;
            let model = activity_report::Model::from_query_result(&row, "")?;
            by_parent.entry(parent_id).or_default().push((rn, model));
        }
        let counts: HashMap<i64, u64> = if total {
            let q = self
                .base(parent, parents)
                .select_only()
                .expr_as(parent_col, "parent_id")
                .expr_as(Func::count(Expr::col((activity_report::Entity, activity_report::Column::Id))), "n")
                .group_by(Self::parent_column(parent));
            ParentCount::find_by_statement(backend.build(&q.into_query()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|c| (c.parent_id, c.n as u64))
                .collect()
        } else {
            HashMap::new()
        };
        Ok(parents
            .iter()
            .map(|p| {
                let mut rows = by_parent.remove(p).unwrap_or_default();
                rows.sort_by_key(|(rn, _)| *rn);
                let rows = rows.into_iter().map(|(_, m)| m).collect();
                let total_count = total.then(|| counts.get(p).copied().unwrap_or(0));
                (*p, finish_page(&order, &window, rows, total_count))
            })
            .collect())
    }
}

impl NestedReports {
    /// The latest reports of many states, read from the links' index: on PostgreSQL a lateral
    /// join takes the first rows of each state; SQLite, without lateral joins, the same rows by
    /// a correlated subquery per state.
    async fn load_states(
        &self,
        args: &PageArgs,
        total: bool,
        columns: ReportColumns,
        parents: &[i64],
    ) -> ApiResult<HashMap<i64, Page<activity_report::Model>>> {
        use activity_report_state as link;
        let order = latest_first();
        let window = args.window(&order)?;
        // The links in the same order as the reports, so the reports' cursors apply to them.
        let link_order = Keyset::<link::Entity> {
            name: order.name,
            key: Some((link::Column::StartDate, KeyKind::Date)),
            id: link::Column::ReportId,
            descending: order.descending,
        };
        let visible = visibility(&self.principal, link::Column::ReviewStatus, link::Column::OrganizationId);
        let dir = if ascending(&link_order, &window) { Order::Asc } else { Order::Desc };
        let (p, top) = (Alias::new("p"), Alias::new("top"));
        let backend = self.db.get_database_backend();
        // The first rows of one state `p`, from the links' index.
        let latest = within(link::Entity::find(), &link_order, &window)
            .select_only()
            .column(link::Column::ReportId)
            .filter(Expr::col((link::Entity, link::Column::StateId)).equals((p.clone(), state::Column::Id)))
            .filter(visible.clone())
            .order_by(link::Column::StartDate, dir.clone())
            .order_by(link::Column::ReportId, dir)
            .limit(window.limit + 1)
            .into_query();
        let report_id = Expr::col((activity_report::Entity, activity_report::Column::Id));
        let mut q = Query::select();
        q.expr_as(Expr::col((p.clone(), state::Column::Id)), Alias::new("parent_id")).from_as(state::Entity, p.clone());
        if backend == DbBackend::Postgres {
            q.join_lateral(JoinType::InnerJoin, latest, top.clone(), Expr::val(true)).join(
                JoinType::InnerJoin,
                activity_report::Entity,
                report_id.equals((top, link::Column::ReportId)),
            );
        } else {
            // SQLite has no lateral joins, but runs a correlated `IN (... LIMIT n)` once per
            // state, from the same index: numbering every link of the states with a window
            // function instead cost fifty times as much.
            q.join(JoinType::InnerJoin, activity_report::Entity, report_id.in_subquery(latest));
        }
        q.and_where(Expr::col((p, state::Column::Id)).is_in(parents.iter().copied()));
        columns.add_to(&mut q, backend);
        let mut by_parent: HashMap<i64, Vec<activity_report::Model>> = HashMap::new();
        for row in self.db.query_all_raw(backend.build(&q)).await? {
            let parent_id: i64 = row.try_get("", "parent_id")?;
            by_parent.entry(parent_id).or_default().push(activity_report::Model::from_query_result(&row, "")?);
        }
        let counts: HashMap<i64, u64> = if total {
            let q = link::Entity::find()
                .select_only()
                .column_as(link::Column::StateId, "parent_id")
                .expr_as(Func::count(Expr::col((link::Entity, link::Column::ReportId))), "n")
                .filter(link::Column::StateId.is_in(parents.iter().copied()))
                .filter(visible)
                .group_by(link::Column::StateId);
            ParentCount::find_by_statement(backend.build(&q.into_query()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|c| (c.parent_id, c.n as u64))
                .collect()
        } else {
            HashMap::new()
        };
        let read_upwards = ascending(&link_order, &window);
        Ok(parents
            .iter()
            .map(|p| {
                let mut rows = by_parent.remove(p).unwrap_or_default();
                rows.sort_by(|a, b| {
                    let (ka, kb) = ((a.start_date, a.id), (b.start_date, b.id));
                    if read_upwards { ka.cmp(&kb) } else { kb.cmp(&ka) }
                });
                let total_count = total.then(|| counts.get(p).copied().unwrap_or(0));
                (*p, finish_page(&order, &window, rows, total_count))
            })
            .collect())
    }
}

impl Loader<NestedKey> for NestedReports {
    type Value = Page<activity_report::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[NestedKey]) -> Result<HashMap<NestedKey, Self::Value>, Self::Error> {
        let groups = group(keys.to_vec(), |k| (k.parent, k.args.clone(), k.total, k.columns));
        let mut out = HashMap::new();
        for ((parent, args, total, columns), members) in groups {
            let ids: Vec<i64> = members.iter().map(|k| k.id).collect();
            let mut pages = match parent {
                ReportParent::State => self.load_states(&args, total, columns, &ids).await?,
                ReportParent::Organization => self.load_group(parent, &args, total, columns, &ids).await?,
            };
            for k in members {
                if let Some(p) = pages.remove(&k.id) {
                    out.insert(k, p);
                }
            }
        }
        Ok(out)
    }
}

async fn nested_page(
    ctx: &Context<'_>,
    parent: ReportParent,
    id: i64,
    args: PageArgs,
    total: bool,
) -> ApiResult<ActivityReportConnection> {
    // Reject bad arguments here, naming them, before they reach the batch.
    args.window(&latest_first())?;
    let rc = ctx.request()?;
    let key = NestedKey { parent, id, args, total, columns: ReportColumns::shown_by(ctx) };
    let page = rc.loaders.get::<NestedReports>().load_one(key).await?;
    let page = page.unwrap_or(Page {
        rows: Vec::new(),
        has_next_page: false,
        has_previous_page: false,
        total_count: total.then_some(0),
    });
    Ok(page.map(ActivityReport::from).into())
}

/// A page of the reports targeting a state, batched across states.
pub async fn page_for_state(
    ctx: &Context<'_>,
    state_id: i64,
    args: PageArgs,
    total: bool,
) -> ApiResult<ActivityReportConnection> {
    nested_page(ctx, ReportParent::State, state_id, args, total).await
}

/// A page of an organisation's reports, batched across organisations.
pub async fn page_for_organization(
    ctx: &Context<'_>,
    org_id: i64,
    args: PageArgs,
    total: bool,
) -> ApiResult<ActivityReportConnection> {
    nested_page(ctx, ReportParent::Organization, org_id, args, total).await
}

/// Root fields of this area.
#[derive(Default)]
pub struct ReportsQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl ReportsQuery {
    /// The activity report with this id, if the caller may see it.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's global id.")] id: ID,
    ) -> ApiResult<Option<ActivityReport>> {
        let id = expect_id(&id, "ActivityReport", "id")?;
        match ctx.request()?.loaders.one::<activity_report::Entity>(id).await? {
            Some(r) => Ok(Some(r.into())),
            None => Err(ApiError::NotFound("activity report".into())),
        }
    }

    /// Activity reports the caller may see: accepted ones, and a partner's own.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    #[allow(clippy::too_many_arguments)]
    async fn activity_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only reports of this organisation (its global id).")] organization: Option<ID>,
        #[graphql(desc = "Only reports targeting the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only activities of this type.")] activity_type: Option<ActivityType>,
        #[graphql(desc = "Only activities with this status.")] status: Option<ActivityStatus>,
        #[graphql(desc = "Only reports at this stage of review.")] review_status: Option<ReviewStatus>,
        #[graphql(desc = "Only activities still running on or after this day.")] from: Option<NaiveDate>,
        #[graphql(desc = "Only activities begun on or before this day.")] to: Option<NaiveDate>,
        #[graphql(desc = "Only reports changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
        #[graphql(desc = "The order of the rows.", default)] order_by: ActivityReportOrder,
    ) -> ApiResult<Option<ActivityReportConnection>> {
        let rc = ctx.request()?;
        let mut q = activity_report::Entity::find_visible(&rc.principal);
        if let Some(org) = organization {
            q = q.filter(activity_report::Column::OrganizationId.eq(expect_id(&org, "Organization", "organization")?));
        }
        if let Some(iso3) = state {
            let state_id = state_id_by_iso3(ctx, &iso3, "state").await?;
            q = q.filter(
                activity_report::Column::Id.in_subquery(
                    Query::select()
                        .column(activity_report_state::Column::ReportId)
                        .from(activity_report_state::Entity)
                        .and_where(activity_report_state::Column::StateId.eq(state_id))
                        .to_owned(),
                ),
            );
        }
        if let Some(t) = activity_type {
            q = q.filter(activity_report::Column::ActivityType.eq(entity::enums::ActivityType::from(t)));
        }
        if let Some(s) = status {
            q = q.filter(activity_report::Column::Status.eq(entity::enums::ActivityStatus::from(s)));
        }
        if let Some(s) = review_status {
            q = q.filter(activity_report::Column::ReviewStatus.eq(StoredReview::from(s)));
        }
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(ApiError::bad_input("to", format!("`to` ({t}) is before `from` ({f})")));
        }
        if let Some(f) = from {
            q = q.filter(activity_report::Column::EndDate.gte(f));
        }
        if let Some(t) = to {
            q = q.filter(activity_report::Column::StartDate.lte(t));
        }
        if let Some(t) = updated_since {
            q = q.filter(activity_report::Column::UpdatedAt.gte(t));
        }
        let db = ctx.db()?;
        let q = ReportColumns::shown_by(ctx).select(q, db.get_database_backend());
        let page =
            paginate(db, q, &order_by.keyset(), &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(ActivityReport::from).into()))
    }
}
