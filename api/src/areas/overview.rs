//! The dashboards' combined views: a universalization overview per region, and the
//! coordination overlaps the paper wants to avoid (several partners doing the same kind of
//! activity for the same state at the same time).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, Object};
use chrono::NaiveDate;
use entity::enums::ReviewStatus as StoredReview;
use entity::{activity_report, activity_report_state, organization, state, vtf_project};
use futures_util::TryStreamExt;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    QueryTrait, RelationTrait,
};
use tokio::sync::OnceCell;

use super::organizations::Organization;
use super::reports::ActivityReport;
use super::states::{State, state_id_by_iso3};
use super::vtf::VtfProject;
use crate::auth::{AccessClass, AccessSubject, FieldGuard, Principal, access};
use crate::context::ContextExt;
use crate::db::statement;
use crate::enums::{ActivityType, AttStatus, Continent, UnRegionalGroup};
use crate::error::{ApiError, ApiResult};
use crate::loaders::Table;
use crate::scalars::Money;

/// How to group states in the overview.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OverviewGrouping {
    /// By continent.
    Continent,
    /// By UN regional group.
    UnRegionalGroup,
}

impl OverviewGrouping {
    fn column(self) -> &'static str {
        match self {
            Self::Continent => "continent",
            Self::UnRegionalGroup => "un_regional_group",
        }
    }
}

/// A number of states with one treaty status.
#[derive(Clone)]
pub struct StatusCount {
    status: entity::enums::AttStatus,
    count: i64,
}
impl AccessSubject for StatusCount {}

/// How many states of a group have a treaty status.
#[Object(guard = "FieldGuard::new(self)")]
impl StatusCount {
    /// The status.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn status(&self) -> AttStatus {
        self.status.into()
    }
    /// How many states have it.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn count(&self) -> i64 {
        self.count
    }
}

/// A number of states in one tier.
#[derive(Clone)]
pub struct TierCount {
    tier: i32,
    count: i64,
}
impl AccessSubject for TierCount {}

/// How many states of a group are currently in a tier.
#[Object(guard = "FieldGuard::new(self)")]
impl TierCount {
    /// The tier (1 to 4).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn tier(&self) -> i32 {
        self.tier
    }
    /// How many states are in it.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn count(&self) -> i64 {
        self.count
    }
}

/// A sum of money in one currency.
#[derive(Clone)]
pub struct CurrencyAmount {
    pub currency: String,
    pub amount: i64,
}
impl AccessSubject for CurrencyAmount {}

/// A sum of money in one currency (sums are never mixed across currencies).
#[Object(guard = "FieldGuard::new(self)")]
impl CurrencyAmount {
    /// ISO 4217 code.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn currency(&self) -> &str {
        &self.currency
    }
    /// The sum.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn amount(&self) -> Money {
        Money(self.amount)
    }
}

#[derive(FromQueryResult)]
struct KeyCount {
    g: String,
    k: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct GroupCount {
    g: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct GroupSum {
    g: String,
    k: String,
    n: i64,
}

type ByGroup<T> = HashMap<String, T>;

/// Everything the groups of one overview share; each aggregate is computed once, for all
/// groups, the first time a group asks for it.
struct OverviewData {
    db: DatabaseConnection,
    principal: Principal,
    grouping: OverviewGrouping,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    statuses: OnceCell<ByGroup<Vec<StatusCount>>>,
    tiers: OnceCell<ByGroup<Vec<TierCount>>>,
    open_needs: OnceCell<ByGroup<i64>>,
    open_shared_needs: OnceCell<ByGroup<i64>>,
    vtf: OnceCell<ByGroup<Vec<CurrencyAmount>>>,
    reports: OnceCell<ByGroup<i64>>,
}

impl OverviewData {
    fn g(&self) -> &'static str {
        self.grouping.column()
    }

    async fn key_counts(&self, sql: &str) -> ApiResult<Vec<KeyCount>> {
        let backend = self.db.get_database_backend();
        Ok(KeyCount::find_by_statement(statement(backend, sql, vec![])).all(&self.db).await?)
    }

    async fn group_counts(&self, sql: &str) -> ApiResult<ByGroup<i64>> {
        let backend = self.db.get_database_backend();
        let rows = GroupCount::find_by_statement(statement(backend, sql, vec![])).all(&self.db).await?;
        Ok(rows.into_iter().map(|r| (r.g, r.n)).collect())
    }

    async fn statuses(&self) -> ApiResult<&ByGroup<Vec<StatusCount>>> {
        self.statuses
            .get_or_try_init(|| async {
                let sql = format!("SELECT {g} AS g, att_status AS k, COUNT(*) AS n FROM states GROUP BY {g}, att_status ORDER BY {g}, att_status", g = self.g());
                let mut out: ByGroup<Vec<StatusCount>> = HashMap::new();
                for r in self.key_counts(&sql).await? {
                    let status = match r.k.as_str() {
                        "STATE_PARTY" => entity::enums::AttStatus::StateParty,
                        "SIGNATORY" => entity::enums::AttStatus::Signatory,
                        _ => entity::enums::AttStatus::NotJoined,
                    };
                    out.entry(r.g).or_default().push(StatusCount { status, count: r.n });
                }
                Ok(out)
            })
            .await
    }

    async fn tiers(&self) -> ApiResult<&ByGroup<Vec<TierCount>>> {
        self.tiers
            .get_or_try_init(|| async {
                let sql = format!(
                    "SELECT s.{g} AS g, CAST(a.tier AS TEXT) AS k, COUNT(*) AS n FROM states s \
                     JOIN assessments a ON a.state_id = s.id \
                     WHERE NOT EXISTS (SELECT 1 FROM assessments b WHERE b.state_id = a.state_id \
                       AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id))) \
                     GROUP BY s.{g}, a.tier ORDER BY s.{g}, a.tier",
                    g = self.g()
                );
                let mut out: ByGroup<Vec<TierCount>> = HashMap::new();
                for r in self.key_counts(&sql).await? {
                    out.entry(r.g).or_default().push(TierCount { tier: r.k.parse().unwrap_or_default(), count: r.n });
                }
                Ok(out)
            })
            .await
    }

    async fn open_needs(&self, shared_only: bool) -> ApiResult<&ByGroup<i64>> {
        let cell = if shared_only { &self.open_shared_needs } else { &self.open_needs };
        cell.get_or_try_init(|| async {
            let shared = if shared_only { "AND n.shared_with_partners = TRUE" } else { "" };
            let sql = format!(
                "SELECT s.{g} AS g, COUNT(DISTINCT s.id) AS n FROM states s JOIN support_needs n ON n.state_id = s.id \
                 WHERE n.status IN ('OPEN', 'IN_PROGRESS') {shared} GROUP BY s.{g}",
                g = self.g()
            );
            self.group_counts(&sql).await
        })
        .await
    }

    async fn vtf(&self) -> ApiResult<&ByGroup<Vec<CurrencyAmount>>> {
        self.vtf
            .get_or_try_init(|| async {
                let sql = format!(
                    "SELECT s.{g} AS g, p.currency AS k, CAST(SUM(p.amount_approved) AS BIGINT) AS n FROM vtf_projects p \
                     JOIN states s ON s.id = p.state_id WHERE p.amount_approved IS NOT NULL \
                     GROUP BY s.{g}, p.currency ORDER BY s.{g}, p.currency",
                    g = self.g()
                );
                let backend = self.db.get_database_backend();
                let rows = GroupSum::find_by_statement(statement(backend, &sql, vec![])).all(&self.db).await?;
                let mut out: ByGroup<Vec<CurrencyAmount>> = HashMap::new();
                for r in rows {
                    out.entry(r.g).or_default().push(CurrencyAmount { currency: r.k, amount: r.n });
                }
                Ok(out)
            })
            .await
    }

    async fn reports(&self) -> ApiResult<&ByGroup<i64>> {
        self.reports
            .get_or_try_init(|| async {
                let group_col = match self.grouping {
                    OverviewGrouping::Continent => state::Column::Continent,
                    OverviewGrouping::UnRegionalGroup => state::Column::UnRegionalGroup,
                };
                let mut q = activity_report::Entity::find_visible(&self.principal)
                    .join(JoinType::InnerJoin, activity_report_state::Relation::Report.def().rev())
                    .join(JoinType::InnerJoin, activity_report_state::Relation::State.def());
                if let Some(f) = self.from {
                    q = q.filter(activity_report::Column::EndDate.gte(f));
                }
                if let Some(t) = self.to {
                    q = q.filter(activity_report::Column::StartDate.lte(t));
                }
                let q = q
                    .select_only()
                    .expr_as(group_col.into_expr(), "g")
                    .expr_as(
                        Func::count_distinct(Expr::col((activity_report::Entity, activity_report::Column::Id))),
                        "n",
                    )
                    .group_by(group_col.into_expr());
                let backend = self.db.get_database_backend();
                let rows = GroupCount::find_by_statement(backend.build(&q.into_query())).all(&self.db).await?;
                Ok(rows.into_iter().map(|r| (r.g, r.n)).collect())
            })
            .await
    }
}

/// One group (continent or UN regional group) of the universalization overview.
#[derive(Clone)]
pub struct OverviewGroup {
    key: String,
    state_count: i64,
    data: Arc<OverviewData>,
}
impl AccessSubject for OverviewGroup {}

/// One group of states (a continent or a UN regional group) and where universalization stands
/// in it. Each aggregate carries the access class of the data it sums up.
#[Object(guard = "FieldGuard::new(self)")]
impl OverviewGroup {
    /// The group's code, e.g. `AFRICA` or `AFRICAN`.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn key(&self) -> &str {
        &self.key
    }
    /// The continent, when grouping by continent.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn continent(&self) -> Option<Continent> {
        entity::enums::Continent::try_from_value(&self.key).ok().map(Into::into)
    }
    /// The UN regional group, when grouping by UN regional group.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn un_regional_group(&self) -> Option<UnRegionalGroup> {
        entity::enums::UnRegionalGroup::try_from_value(&self.key).ok().map(Into::into)
    }
    /// How many states the group has.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn state_count(&self) -> i64 {
        self.state_count
    }
    /// How many of them have each treaty status.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn states_by_status(&self) -> ApiResult<Vec<StatusCount>> {
        Ok(self.data.statuses().await?.get(&self.key).cloned().unwrap_or_default())
    }
    /// How many of them are currently in each tier.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn states_by_tier(&self) -> ApiResult<Option<Vec<TierCount>>> {
        Ok(Some(self.data.tiers().await?.get(&self.key).cloned().unwrap_or_default()))
    }
    /// How many of them have open support needs (shared or not).
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn states_with_open_needs(&self) -> ApiResult<Option<i64>> {
        Ok(Some(self.data.open_needs(false).await?.get(&self.key).copied().unwrap_or(0)))
    }
    /// How many of them have open support needs they agreed to share.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn states_with_open_shared_needs(&self) -> ApiResult<Option<i64>> {
        Ok(Some(self.data.open_needs(true).await?.get(&self.key).copied().unwrap_or(0)))
    }
    /// VTF amounts approved for the group's states, per currency.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn vtf_approved(&self) -> ApiResult<Option<Vec<CurrencyAmount>>> {
        Ok(Some(self.data.vtf().await?.get(&self.key).cloned().unwrap_or_default()))
    }
    /// Activity reports (that the caller may see) targeting the group's states in the period.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn activity_reports(&self) -> ApiResult<Option<i64>> {
        Ok(Some(self.data.reports().await?.get(&self.key).copied().unwrap_or(0)))
    }
}

/// Activities of different organisations of the same type, for the same state, in
/// overlapping periods: candidates for coordination.
#[derive(Clone)]
pub struct CoordinationOverlap {
    state: state::Model,
    activity_type: entity::enums::ActivityType,
    reports: Vec<activity_report::Model>,
    projects: Vec<vtf_project::Model>,
}
impl AccessSubject for CoordinationOverlap {}

/// Activities of different organisations of the same type, for the same state, in
/// overlapping periods, with the VTF projects for that state running at the same time: the
/// duplication coordination should avoid.
#[Object(guard = "FieldGuard::new(self)")]
impl CoordinationOverlap {
    /// The state targeted.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn state(&self) -> State {
        self.state.clone().into()
    }
    /// The activity type the reports share.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn activity_type(&self) -> ActivityType {
        self.activity_type.into()
    }
    /// The earliest start among the reports.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn period_start(&self) -> Option<NaiveDate> {
        self.reports.iter().map(|r| r.start_date).min()
    }
    /// The latest end among the reports.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn period_end(&self) -> Option<NaiveDate> {
        self.reports.iter().map(|r| r.end_date).max()
    }
    /// The overlapping activity reports, by start date.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn reports(&self) -> Vec<ActivityReport> {
        self.reports.iter().cloned().map(Into::into).collect()
    }
    /// The organisations involved.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn organizations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organization>> {
        let mut ids: Vec<i64> = self.reports.iter().map(|r| r.organization_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let loader = ctx.request()?.loaders.get::<crate::loaders::ById<organization::Entity>>();
        let mut orgs: Vec<organization::Model> =
            loader.load_many(ids).await.map_err(ApiError::from)?.into_values().collect();
        orgs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(orgs.into_iter().map(Into::into).collect())
    }
    /// VTF projects for the state running in the same period.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn vtf_projects(&self) -> Vec<VtfProject> {
        self.projects.iter().cloned().map(Into::into).collect()
    }
}

/// One accepted report targeting one state, as the overlap sweep reads it.
#[derive(FromQueryResult)]
struct OverlapCandidate {
    state_id: i64,
    activity_type: entity::enums::ActivityType,
    id: i64,
    organization_id: i64,
    start_date: NaiveDate,
    end_date: NaiveDate,
}

/// Finds, within one (state, activity type) group fed in order of start date, the reports that
/// overlap a report of another organisation. Each report is compared only with the earlier
/// ones still running when it starts, so a group costs about its size times the number of
/// activities running at once, never its size squared.
#[derive(Default)]
struct OverlapSweep {
    /// Reports of the group so far: id, and whether it overlaps another organisation's.
    seen: Vec<(i64, bool)>,
    /// Earlier reports still running: end date, organisation, index into `seen`.
    running: Vec<(NaiveDate, i64, usize)>,
}

impl OverlapSweep {
    fn push(&mut self, c: &OverlapCandidate) {
        // Sorted by start date, an earlier report overlaps this one exactly when it ends on
        // or after this one's start; one that ended before cannot overlap any later report.
        self.running.retain(|(end, _, _)| *end >= c.start_date);
        let mut overlaps = false;
        for (_, org, i) in &self.running {
            if *org != c.organization_id {
                overlaps = true;
                self.seen[*i].1 = true;
            }
        }
        self.running.push((c.end_date, c.organization_id, self.seen.len()));
        self.seen.push((c.id, overlaps));
    }

    /// The reports of the group that overlap another organisation's, and a fresh sweep.
    fn finish(&mut self) -> Vec<i64> {
        self.running.clear();
        self.seen.drain(..).filter(|(_, hit)| *hit).map(|(id, _)| id).collect()
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct OverviewQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl OverviewQuery {
    /// Where universalization stands, per continent or UN regional group.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn universalization_overview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How to group the states.")] group_by: OverviewGrouping,
        #[graphql(desc = "Count activity reports of activities running on or after this day.")] from: Option<NaiveDate>,
        #[graphql(desc = "Count activity reports of activities begun on or before this day.")] to: Option<NaiveDate>,
    ) -> ApiResult<Vec<OverviewGroup>> {
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(ApiError::bad_input("to", format!("`to` ({t}) is before `from` ({f})")));
        }
        let rc = ctx.request()?;
        let db = ctx.db()?;
        let sql =
            format!("SELECT {g} AS g, COUNT(*) AS n FROM states GROUP BY {g} ORDER BY {g}", g = group_by.column());
        let groups = GroupCount::find_by_statement(statement(db.get_database_backend(), &sql, vec![])).all(db).await?;
        let data = Arc::new(OverviewData {
            db: db.clone(),
            principal: rc.principal.clone(),
            grouping: group_by,
            from,
            to,
            statuses: OnceCell::new(),
            tiers: OnceCell::new(),
            open_needs: OnceCell::new(),
            open_shared_needs: OnceCell::new(),
            vtf: OnceCell::new(),
            reports: OnceCell::new(),
        });
        Ok(groups.into_iter().map(|g| OverviewGroup { key: g.g, state_count: g.n, data: data.clone() }).collect())
    }

    /// Accepted activity reports of different organisations with the same activity type,
    /// targeting the same state in overlapping periods within `from`..`to`, grouped per state
    /// and type, with the VTF projects for that state in the period.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn coordination_overlaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day of the period looked at.")] from: NaiveDate,
        #[graphql(desc = "The last day of the period looked at.")] to: NaiveDate,
        #[graphql(desc = "Only this state (ISO alpha-3 code).")] state: Option<String>,
        #[graphql(desc = "Only this activity type.")] activity_type: Option<ActivityType>,
        #[graphql(desc = "At most this many overlaps (1 to 100).", default = 20)] limit: i32,
    ) -> ApiResult<Option<Vec<CoordinationOverlap>>> {
        if to < from {
            return Err(ApiError::bad_input("to", format!("`to` ({to}) is before `from` ({from})")));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiError::bad_input("limit", format!("`limit` must be between 1 and 100 (got {limit})")));
        }
        let db = ctx.db()?;
        let mut sql = String::from(
            "SELECT s.state_id AS state_id, r.activity_type AS activity_type, r.id AS id, \
                    r.organization_id AS organization_id, r.start_date AS start_date, r.end_date AS end_date \
             FROM activity_report_states s JOIN activity_reports r ON r.id = s.report_id \
             WHERE r.review_status = ? AND r.end_date >= ? AND r.start_date <= ?",
        );
        let mut values: Vec<sea_orm::Value> = vec![StoredReview::Accepted.as_str().into(), from.into(), to.into()];
        if let Some(iso3) = state {
            sql.push_str(" AND s.state_id = ?");
            values.push(state_id_by_iso3(ctx, &iso3, "state").await?.into());
        }
        if let Some(t) = activity_type {
            sql.push_str(" AND r.activity_type = ?");
            values.push(entity::enums::ActivityType::from(t).as_str().into());
        }
        sql.push_str(" ORDER BY s.state_id, r.activity_type, r.start_date, r.id");

        // One pass over the candidates in order, state by state, stopping as soon as `limit`
        // overlaps are known: the work is bounded by the states read, never by all pairs.
        let limit = limit as usize;
        let mut chosen: Vec<(i64, entity::enums::ActivityType, Vec<i64>)> = Vec::new();
        {
            let mut rows = OverlapCandidate::find_by_statement(statement(db.get_database_backend(), &sql, values))
                .stream(db)
                .await?;
            let mut state_clusters: Vec<(i64, entity::enums::ActivityType, Vec<i64>)> = Vec::new();
            let mut group: Option<(i64, entity::enums::ActivityType)> = None;
            let mut sweep = OverlapSweep::default();
            loop {
                let next = rows.try_next().await?;
                let key = next.as_ref().map(|c| (c.state_id, c.activity_type));
                if let Some((state_id, activity_type)) = group
                    && key != group
                {
                    let members = sweep.finish();
                    if !members.is_empty() {
                        state_clusters.push((state_id, activity_type, members));
                    }
                    if key.map(|(s, _)| s) != Some(state_id) {
                        // A state is complete: its overlaps go out in the order of their type.
                        state_clusters.sort_by_key(|(_, t, _)| t.as_str());
                        chosen.append(&mut state_clusters);
                        if chosen.len() >= limit {
                            break;
                        }
                    }
                }
                let Some(candidate) = next else { break };
                group = key;
                sweep.push(&candidate);
            }
        }
        chosen.truncate(limit);

        let mut ids: Vec<i64> = chosen.iter().flat_map(|(_, _, members)| members.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        let reports: HashMap<i64, activity_report::Model> = activity_report::Entity::find()
            .filter(activity_report::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let state_ids: Vec<i64> = chosen.iter().map(|(s, _, _)| *s).collect();
        let states: HashMap<i64, state::Model> = state::Entity::find()
            .filter(state::Column::Id.is_in(state_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let projects = vtf_project::Entity::find()
            .filter(vtf_project::Column::StateId.is_in(state_ids))
            .filter(vtf_project::Column::StartDate.lte(to))
            .filter(vtf_project::Column::EndDate.gte(from))
            .all(db)
            .await?;
        let mut out = Vec::with_capacity(chosen.len());
        for (state_id, activity_type, members) in chosen {
            // The sweep gave the members in order of start date, then id.
            let rows: Vec<activity_report::Model> = members.iter().filter_map(|id| reports.get(id).cloned()).collect();
            let Some(state) = states.get(&state_id) else { continue };
            let (start, end) = (rows.iter().map(|r| r.start_date).min(), rows.iter().map(|r| r.end_date).max());
            let projects = projects
                .iter()
                .filter(|p| p.state_id == state_id && p.start_date <= end && p.end_date >= start)
                .cloned()
                .collect();
            out.push(CoordinationOverlap { state: state.clone(), activity_type, reports: rows, projects });
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::rng::Rng;

    /// The sweep finds exactly the reports that a comparison of every pair finds.
    #[test]
    fn the_sweep_agrees_with_comparing_every_pair() {
        let mut rng = Rng::new(7);
        let base = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
        for round in 0..200 {
            let mut group: Vec<OverlapCandidate> = (0..rng.between(0, 30))
                .map(|i| {
                    let start_date = base + chrono::Duration::days(rng.between(0, 200));
                    OverlapCandidate {
                        state_id: 1,
                        activity_type: entity::enums::ActivityType::Workshop,
                        id: i + 1,
                        organization_id: rng.between(1, 4),
                        start_date,
                        end_date: start_date + chrono::Duration::days(rng.between(0, 40)),
                    }
                })
                .collect();
            group.sort_by_key(|c| (c.start_date, c.id));
            let mut sweep = OverlapSweep::default();
            for c in &group {
                sweep.push(c);
            }
            let mut found = sweep.finish();
            found.sort_unstable();
            let mut expected: Vec<i64> = group
                .iter()
                .filter(|a| {
                    group.iter().any(|b| {
                        a.organization_id != b.organization_id
                            && a.start_date <= b.end_date
                            && b.start_date <= a.end_date
                    })
                })
                .map(|a| a.id)
                .collect();
            expected.sort_unstable();
            assert_eq!(found, expected, "round {round}");
            assert!(sweep.finish().is_empty(), "a finished sweep starts afresh");
        }
    }
}
