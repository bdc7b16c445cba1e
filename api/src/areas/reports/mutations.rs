//! Partners write their organisation's activity reports; the Secretariat reviews them.
//!
//! draft → submitted → accepted, or returned (with a comment) → edited → submitted again;
//! a partner may withdraw a report until it is accepted. Server-owned fields (organisation,
//! review status, reviewer, timestamps) are never taken from input.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::enums::{ReviewStatus as Stored, StringList};
use entity::{activity_report, activity_report_state, state, vtf_project};
use sea_orm::sea_query::{Expr, ExprTrait, InsertStatement, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait};
use serde::Serialize;

use super::ActivityReport;
use crate::auth::{AccessClass, AccessSubject, FieldGuard, Principal, RoleName, access, writers};
use crate::context::{ContextExt, RequestContext};
use crate::db::now;
use crate::enums::{ActivityStatus, ActivityType};
use crate::error::{ApiError, ApiResult};
use crate::loaders::Table;
use crate::node::expect_id;
use crate::scalars::Money;
use crate::validation::Check;
use crate::write::{self, Mutation, key, report_all};

crate::write::versioned!(activity_report);

/// Most states one report may target.
const MAX_TARGET_STATES: usize = 50;

/// A new activity report. It is created as a draft of the caller's organisation.
#[derive(InputObject, Serialize)]
pub struct CreateActivityReportInput {
    /// Title (at most 300 characters).
    pub title: String,
    /// What was done (at most 10,000 characters).
    pub description: String,
    /// The kind of activity.
    pub activity_type: ActivityType,
    /// Whether it is planned, under way, done or cancelled.
    pub status: ActivityStatus,
    /// First day of the activity.
    pub start_date: NaiveDate,
    /// Last day of the activity (not before the first).
    pub end_date: NaiveDate,
    /// ISO alpha-3 codes of the states targeted (1 to 50).
    pub target_states: Vec<String>,
    /// ATT articles or themes addressed (at most 20).
    #[graphql(default)]
    pub att_themes: Vec<String>,
    /// How many people took part.
    pub participants_total: Option<i32>,
    /// How many of them were women (not more than the total).
    pub participants_women: Option<i32>,
    /// What came of it.
    pub outcomes: Option<String>,
    /// Other organisations that took part, by name (at most 50).
    #[graphql(default)]
    pub participating_organizations: Vec<String>,
    /// The VTF project the activity belongs to (its id).
    pub vtf_project: Option<ID>,
    /// The budget (not negative; give `currency` with it).
    pub budget: Option<Money>,
    /// ISO 4217 currency of the budget.
    pub currency: Option<String>,
    /// Who funded the activity.
    pub funding_source: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a draft or returned report. Fields left out keep their value; `null` clears an
/// optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateActivityReportInput {
    /// The report's id.
    pub id: ID,
    /// The version you read; if the report changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Title (at most 300 characters).
    pub title: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// The kind of activity.
    pub activity_type: Option<ActivityType>,
    /// Whether it is planned, under way, done or cancelled.
    pub status: Option<ActivityStatus>,
    /// First day of the activity.
    pub start_date: Option<NaiveDate>,
    /// Last day of the activity.
    pub end_date: Option<NaiveDate>,
    /// ISO alpha-3 codes of the states targeted; replaces the list.
    pub target_states: Option<Vec<String>>,
    /// ATT articles or themes; replaces the list.
    pub att_themes: Option<Vec<String>>,
    /// How many people took part.
    #[serde(skip)]
    pub participants_total: MaybeUndefined<i32>,
    /// How many of them were women.
    #[serde(skip)]
    pub participants_women: MaybeUndefined<i32>,
    /// What came of it.
    #[serde(skip)]
    pub outcomes: MaybeUndefined<String>,
    /// Other organisations that took part; replaces the list.
    pub participating_organizations: Option<Vec<String>>,
    /// The VTF project the activity belongs to.
    #[serde(skip)]
    pub vtf_project: MaybeUndefined<ID>,
    /// The budget.
    #[serde(skip)]
    pub budget: MaybeUndefined<Money>,
    /// ISO 4217 currency of the budget.
    #[serde(skip)]
    pub currency: MaybeUndefined<String>,
    /// Who funded the activity.
    #[serde(skip)]
    pub funding_source: MaybeUndefined<String>,
}

/// Which report to move on in its review, and safely retried.
#[derive(InputObject, Serialize)]
pub struct ReportTransitionInput {
    /// The report's id.
    pub id: ID,
    /// Makes a retry safe: the same key returns the first result and writes nothing.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// The Secretariat's review of a submitted report.
#[derive(InputObject, Serialize)]
pub struct ReviewActivityReportInput {
    /// The report's id.
    pub id: ID,
    /// The reviewer's comment (required when returning a report; at most 2,000 characters).
    pub comment: Option<String>,
    /// Makes a retry safe: the same key returns the first result and writes nothing.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// The report a mutation wrote.
pub struct ActivityReportPayload {
    report: Option<ActivityReport>,
}
impl AccessSubject for ActivityReportPayload {}

/// The result of a mutation on an activity report.
#[Object(guard = "FieldGuard::new(self)")]
impl ActivityReportPayload {
    /// The report as it is now.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn activity_report(&self) -> Option<&ActivityReport> {
        self.report.as_ref()
    }
}

/// Every value of a report, checked and ready to store.
struct Fields {
    title: String,
    description: String,
    activity_type: entity::enums::ActivityType,
    status: entity::enums::ActivityStatus,
    start_date: NaiveDate,
    end_date: NaiveDate,
    states: Vec<i64>,
    att_themes: Vec<String>,
    participants_total: Option<i32>,
    participants_women: Option<i32>,
    outcomes: Option<String>,
    participating_organizations: Vec<String>,
    vtf_project_id: Option<i64>,
    budget: Option<i64>,
    currency: Option<String>,
    funding_source: Option<String>,
}

/// A report's values before checking: from a create input, or a stored report with an
/// update applied.
struct Draft {
    title: String,
    description: String,
    activity_type: entity::enums::ActivityType,
    status: entity::enums::ActivityStatus,
    start_date: NaiveDate,
    end_date: NaiveDate,
    target_states: Vec<String>,
    att_themes: Vec<String>,
    participants_total: Option<i32>,
    participants_women: Option<i32>,
    outcomes: Option<String>,
    participating_organizations: Vec<String>,
    vtf_project: Option<ID>,
    vtf_project_id: Option<i64>,
    budget: Option<Money>,
    currency: Option<String>,
    funding_source: Option<String>,
}

/// Checks every value of `d`, naming each problem by its input path; returns them all at once.
async fn check(ctx: &Context<'_>, d: Draft) -> ApiResult<Fields> {
    let mut c = Check::new();
    let title = c.text("input.title", &d.title, 300);
    let description = c.text("input.description", &d.description, 10_000);
    c.date_range("input.startDate", d.start_date, "input.endDate", d.end_date);
    if d.target_states.is_empty() || d.target_states.len() > MAX_TARGET_STATES {
        c.fail("input.targetStates", format!("name 1 to {MAX_TARGET_STATES} target states"));
    }
    let codes: Vec<(usize, String)> = d
        .target_states
        .iter()
        .enumerate()
        .filter_map(|(i, s)| c.iso3(&format!("input.targetStates[{i}]"), s).map(|code| (i, code.as_str().to_owned())))
        .collect();
    let att_themes = c.texts("input.attThemes", &d.att_themes, 20, 100);
    if let Some(t) = d.participants_total {
        c.int("input.participantsTotal", t, 0, 1_000_000);
    }
    if let Some(w) = d.participants_women {
        c.int("input.participantsWomen", w, 0, 1_000_000);
        if d.participants_total.is_some_and(|t| w > t) {
            c.fail("input.participantsWomen", "`participantsWomen` is more than `participantsTotal`");
        }
    }
    let outcomes = c.opt_text("input.outcomes", d.outcomes.as_deref(), 10_000);
    let participating_organizations =
        c.texts("input.participatingOrganizations", &d.participating_organizations, 50, 300);
    let budget = d.budget.map(|b| c.amount("input.budget", b));
    let currency = d.currency.as_deref().map(|cur| c.currency("input.currency", cur));
    if budget.is_some() && currency.is_none() {
        c.fail("input.currency", "give the `currency` of the budget");
    }
    let funding_source = c.opt_text("input.fundingSource", d.funding_source.as_deref(), 300);
    let mut vtf_project_id = d.vtf_project_id;
    if let Some(id) = &d.vtf_project {
        match expect_id(id, "VtfProject", "input.vtfProject") {
            Ok(n) => vtf_project_id = Some(n),
            Err(ApiError::BadUserInput(v)) => v.into_iter().for_each(|v| c.push(v)),
            Err(e) => return Err(e),
        }
    }

    // What the database must confirm: the states and the project exist.
    let app = ctx.app()?;
    let db = &app.db;
    let wanted: Vec<&str> = codes.iter().map(|(_, code)| code.as_str()).collect();
    let found = app.state_ids.of(db, &wanted).await?;
    let mut states = Vec::with_capacity(codes.len());
    for (i, code) in &codes {
        match found.get(code) {
            Some(id) if !states.contains(id) => states.push(*id),
            Some(_) => c.fail(format!("input.targetStates[{i}]"), format!("{code} is named twice")),
            None => c.fail(format!("input.targetStates[{i}]"), format!("no state has the ISO code {code}")),
        }
    }
    if let Some(p) = vtf_project_id
        && d.vtf_project.is_some()
        && vtf_project::Entity::find_by_id(p).one(db).await?.is_none()
    {
        c.fail("input.vtfProject", "no VTF project has this id");
    }
    c.finish()?;
    Ok(Fields {
        title,
        description,
        activity_type: d.activity_type,
        status: d.status,
        start_date: d.start_date,
        end_date: d.end_date,
        states,
        att_themes,
        participants_total: d.participants_total,
        participants_women: d.participants_women,
        outcomes,
        participating_organizations,
        vtf_project_id,
        budget,
        currency,
        funding_source,
    })
}

impl Fields {
    fn apply(&self, am: &mut activity_report::ActiveModel) {
        am.title = Set(self.title.clone());
        am.description = Set(self.description.clone());
        am.activity_type = Set(self.activity_type);
        am.status = Set(self.status);
        am.start_date = Set(self.start_date);
        am.end_date = Set(self.end_date);
        am.att_themes = Set(StringList(self.att_themes.clone()));
        am.participants_total = Set(self.participants_total);
        am.participants_women = Set(self.participants_women);
        am.outcomes = Set(self.outcomes.clone());
        am.participating_organizations = Set(StringList(self.participating_organizations.clone()));
        am.vtf_project_id = Set(self.vtf_project_id);
        am.budget = Set(self.budget);
        am.currency = Set(self.currency.clone());
        am.funding_source = Set(self.funding_source.clone());
    }
}

/// The links of report `report` (an expression of its id) to its target states; each link
/// carries the report's start date, review status and organisation.
fn links(
    report: Expr,
    states: &[i64],
    start_date: NaiveDate,
    review_status: Stored,
    organization_id: i64,
) -> ApiResult<InsertStatement> {
    use activity_report_state::Column as C;
    let mut q = Query::insert();
    q.into_table(activity_report_state::Entity).columns([
        C::ReportId,
        C::StateId,
        C::StartDate,
        C::ReviewStatus,
        C::OrganizationId,
    ]);
    for s in states {
        q.values([
            report.clone(),
            Expr::val(*s),
            Expr::val(start_date),
            Expr::val(review_status.as_str()),
            Expr::val(organization_id),
        ])
        .map_err(|e| ApiError::Internal(format!("the links of a report: {e}")))?;
    }
    Ok(q)
}

/// The report `id` as the caller may act on it: `NOT_FOUND` when the caller may not see it,
/// `FORBIDDEN` when it is another organisation's and `own` is required.
async fn report_for(
    rc: &RequestContext,
    db: &impl ConnectionTrait,
    id: &ID,
    own: bool,
) -> ApiResult<activity_report::Model> {
    let id = expect_id(id, "ActivityReport", "input.id")?;
    report_by_number(&rc.principal, db, id, own).await
}

/// [`report_for`] with the id parsed.
async fn report_by_number(
    principal: &Principal,
    db: &impl ConnectionTrait,
    id: i64,
    own: bool,
) -> ApiResult<activity_report::Model> {
    let report = activity_report::Entity::find_visible(principal)
        .filter(activity_report::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("activity report".into()))?;
    if own && Some(report.organization_id) != principal.org_id {
        return Err(ApiError::Forbidden("this report belongs to another organisation".into()));
    }
    Ok(report)
}

impl write::Written for activity_report::Model {
    fn written_id(&self) -> i64 {
        self.id
    }
}

/// The payload of a report mutation: the report as written, or as the first request under the
/// same idempotency key left it. The report written is always the caller's to see: partners
/// write only their own organisation's, and the Secretariat's reviews leave no drafts.
async fn payload_of(
    ctx: &Context<'_>,
    outcome: write::Outcome<activity_report::Model>,
) -> ApiResult<ActivityReportPayload> {
    match outcome {
        write::Outcome::Done(report) => Ok(ActivityReportPayload { report: Some(report.into()) }),
        write::Outcome::Retried(id) => payload(ctx, id).await,
    }
}

async fn payload(ctx: &Context<'_>, id: i64) -> ApiResult<ActivityReportPayload> {
    let report = activity_report::Entity::find_visible(&ctx.request()?.principal)
        .filter(activity_report::Column::Id.eq(id))
        .one(ctx.db()?)
        .await?;
    Ok(ActivityReportPayload { report: report.map(Into::into) })
}

fn status_name(s: Stored) -> &'static str {
    s.as_str()
}

/// A step of the review workflow.
struct Transition {
    operation: &'static str,
    /// Only the report's own organisation may take it.
    own: bool,
    from: &'static [Stored],
    to: Stored,
    /// A review: the comment, and whether it is required.
    review: Option<(Option<String>, bool)>,
}

/// Moves a report from one of `t.from` to `t.to`, setting what the step sets. The status is
/// checked again inside the transaction, so two racing transitions cannot both apply.
async fn transition(
    ctx: &Context<'_>,
    t: Transition,
    input_id: &ID,
    idempotency_key: &Option<String>,
    fingerprint: String,
) -> ApiResult<ActivityReportPayload> {
    let Transition { operation, own, from, to, review } = t;
    let rc = ctx.request()?;
    let key = key(idempotency_key)?;
    let id = expect_id(input_id, "ActivityReport", "input.id")?;
    let comment = match &review {
        Some((comment, required)) => {
            let mut c = Check::new();
            let comment = c.opt_text("input.comment", comment.as_deref(), 2_000);
            if *required && comment.is_none() {
                c.fail("input.comment", "say why the report is returned: `comment` is required");
            }
            c.finish()?;
            comment
        }
        None => None,
    };
    let principal = &rc.principal;
    let ts = now();
    let mut q = activity_report::Entity::update_many()
        .col_expr(activity_report::Column::ReviewStatus, Expr::val(to.as_str()))
        .col_expr(activity_report::Column::Version, Expr::col(activity_report::Column::Version).add(1))
        .col_expr(activity_report::Column::UpdatedAt, Expr::val(ts));
    if to == Stored::Submitted {
        q = q.col_expr(activity_report::Column::SubmittedAt, Expr::val(ts));
    }
    if review.is_some() {
        q = q
            .col_expr(activity_report::Column::ReviewComment, Expr::val(comment))
            .col_expr(activity_report::Column::ReviewedBy, Expr::val(principal.sub.clone()))
            .col_expr(activity_report::Column::ReviewedAt, Expr::val(ts));
    }
    // The step applies only to a report the caller sees (and owns, where it must), in a state
    // the step starts from: one statement checks it all and writes.
    q = q
        .filter(activity_report::Entity::visible_to(principal))
        .filter(activity_report::Column::Id.eq(id))
        .filter(activity_report::Column::ReviewStatus.is_in(from.iter().map(|s| s.as_str())));
    if own {
        q = q.filter(activity_report::Column::OrganizationId.eq(principal.org_id.unwrap_or(0)));
    }
    let mut step = q.into_query();
    step.returning_all();
    let m = Mutation { operation, target_type: "ActivityReport", key: key.as_ref(), fingerprint };
    let db = ctx.db()?;
    let written = write::run_statements::<activity_report::Entity, _>(db, rc, m, step.into(), |report| {
        let links = activity_report_state::Entity::update_many()
            .col_expr(activity_report_state::Column::ReviewStatus, Expr::val(to.as_str()))
            .filter(Expr::col(activity_report_state::Column::ReportId).eq(report))
            .into_query();
        Ok(vec![links.into()])
    })
    .await?;
    match written {
        Some(written) => payload_of(ctx, written).await,
        None => {
            // Say why: not there for the caller, not theirs, or not in the right state.
            let report = report_by_number(principal, db, id, own).await?;
            let allowed: Vec<&str> = from.iter().map(|s| status_name(*s)).collect();
            Err(ApiError::bad_input(
                "input.id",
                format!(
                    "the report is {}; {operation} applies only to a report that is {}",
                    status_name(report.review_status),
                    allowed.join(" or ")
                ),
            ))
        }
    }
}

/// The mutations of partners' activity reports.
#[derive(Default)]
pub struct ReportsMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl ReportsMutation {
    /// Creates a draft activity report of the caller's organisation.
    #[graphql(directive = writers::apply(vec![RoleName::Partner]))]
    async fn create_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateActivityReportInput,
    ) -> ApiResult<ActivityReportPayload> {
        async {
            let rc = ctx.request()?;
            let org = rc
                .principal
                .org_id
                .ok_or_else(|| ApiError::Forbidden("only a partner bound to an organisation writes reports".into()))?;
            let key = key(&input.idempotency_key)?;
            let fingerprint = write::fingerprint("createActivityReport", &input);
            let draft = Draft {
                title: input.title,
                description: input.description,
                activity_type: input.activity_type.into(),
                status: input.status.into(),
                start_date: input.start_date,
                end_date: input.end_date,
                target_states: input.target_states,
                att_themes: input.att_themes,
                participants_total: input.participants_total,
                participants_women: input.participants_women,
                outcomes: input.outcomes,
                participating_organizations: input.participating_organizations,
                vtf_project: input.vtf_project,
                vtf_project_id: None,
                budget: input.budget,
                currency: input.currency,
                funding_source: input.funding_source,
            };
            let fields = check(ctx, draft).await?;
            let creator = rc.principal.sub.clone().unwrap_or_default();
            let m = Mutation {
                operation: "createActivityReport",
                target_type: "ActivityReport",
                key: key.as_ref(),
                fingerprint,
            };
            let ts = now();
            let mut am = activity_report::ActiveModel {
                organization_id: Set(org),
                review_status: Set(Stored::Draft),
                review_comment: Set(None),
                reviewed_by: Set(None),
                reviewed_at: Set(None),
                submitted_at: Set(None),
                created_by: Set(creator),
                created_at: Set(ts),
                updated_at: Set(ts),
                version: Set(1),
                ..Default::default()
            };
            fields.apply(&mut am);
            let mut insert = activity_report::Entity::insert(am).into_query();
            insert.returning_all();
            let written =
                write::run_statements::<activity_report::Entity, _>(ctx.db()?, rc, m, insert.into(), |report| {
                    Ok(vec![links(report, &fields.states, fields.start_date, Stored::Draft, org)?.into()])
                })
                .await?
                .ok_or_else(|| ApiError::Internal("inserting a report returned no row".into()))?;
            payload_of(ctx, written).await
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a draft or returned report of the caller's organisation.
    #[graphql(directive = writers::apply(vec![RoleName::Partner]))]
    async fn update_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateActivityReportInput,
    ) -> ApiResult<ActivityReportPayload> {
        async {
            let rc = ctx.request()?;
            let db = ctx.db()?;
            let report = report_for(rc, db, &input.id, true).await?;
            if !matches!(report.review_status, Stored::Draft | Stored::Returned) {
                return Err(ApiError::bad_input(
                    "input.id",
                    format!(
                        "the report is {}; only drafts and returned reports can be edited",
                        report.review_status.as_str()
                    ),
                ));
            }
            let current_states: Vec<String> = activity_report_state::Entity::find()
                .filter(activity_report_state::Column::ReportId.eq(report.id))
                .find_also_related(state::Entity)
                .all(db)
                .await?
                .into_iter()
                .filter_map(|(_, s)| s.map(|s| s.iso3))
                .collect();
            fn patch<T: Clone>(v: MaybeUndefined<T>, current: Option<T>) -> Option<T> {
                match v {
                    MaybeUndefined::Undefined => current,
                    MaybeUndefined::Null => None,
                    MaybeUndefined::Value(v) => Some(v),
                }
            }
            let draft = Draft {
                title: input.title.clone().unwrap_or(report.title.clone()),
                description: input.description.clone().unwrap_or(report.description.clone()),
                activity_type: input.activity_type.map(Into::into).unwrap_or(report.activity_type),
                status: input.status.map(Into::into).unwrap_or(report.status),
                start_date: input.start_date.unwrap_or(report.start_date),
                end_date: input.end_date.unwrap_or(report.end_date),
                target_states: input.target_states.clone().unwrap_or(current_states),
                att_themes: input.att_themes.clone().unwrap_or(report.att_themes.0.clone()),
                participants_total: patch(input.participants_total, report.participants_total),
                participants_women: patch(input.participants_women, report.participants_women),
                outcomes: patch(input.outcomes.clone(), report.outcomes.clone()),
                participating_organizations: input
                    .participating_organizations
                    .clone()
                    .unwrap_or(report.participating_organizations.0.clone()),
                vtf_project: match &input.vtf_project {
                    MaybeUndefined::Value(id) => Some(id.clone()),
                    _ => None,
                },
                vtf_project_id: match &input.vtf_project {
                    MaybeUndefined::Undefined => report.vtf_project_id,
                    _ => None,
                },
                budget: patch(input.budget, report.budget.map(Money)),
                currency: patch(input.currency.clone(), report.currency.clone()),
                funding_source: patch(input.funding_source.clone(), report.funding_source.clone()),
            };
            let fields = check(ctx, draft).await?;
            let fingerprint = write::fingerprint("updateActivityReport", &input);
            let (id, version) = (report.id, input.version);
            let (review_status, organization_id) = (report.review_status, report.organization_id);
            let m =
                Mutation { operation: "updateActivityReport", target_type: "ActivityReport", key: None, fingerprint };
            write::run(ctx, m, move |txn| {
                Box::pin(async move {
                    let mut am = activity_report::ActiveModel::default();
                    fields.apply(&mut am);
                    write::update_versioned::<activity_report::Entity, _>(txn, id, version, am, "the activity report")
                        .await?;
                    // The links are replaced whole: drop the old ones, write the new.
                    activity_report_state::Entity::delete_many()
                        .filter(activity_report_state::Column::ReportId.eq(id))
                        .exec(txn)
                        .await?;
                    let links =
                        links(Expr::val(id), &fields.states, fields.start_date, review_status, organization_id)?;
                    txn.execute(&links).await?;
                    Ok(id)
                })
            })
            .await?;
            payload(ctx, id).await
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Sends a draft or returned report of the caller's organisation to the Secretariat.
    #[graphql(directive = writers::apply(vec![RoleName::Partner]))]
    async fn submit_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, and an optional idempotency key.")] input: ReportTransitionInput,
    ) -> ApiResult<ActivityReportPayload> {
        let fp = write::fingerprint("submitActivityReport", &input);
        let t = Transition {
            operation: "submitActivityReport",
            own: true,
            from: &[Stored::Draft, Stored::Returned],
            to: Stored::Submitted,
            review: None,
        };
        transition(ctx, t, &input.id, &input.idempotency_key, fp).await.map_err(|e| report_all(ctx, e))
    }

    /// Withdraws a report of the caller's organisation that is not accepted yet.
    #[graphql(directive = writers::apply(vec![RoleName::Partner]))]
    async fn withdraw_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, and an optional idempotency key.")] input: ReportTransitionInput,
    ) -> ApiResult<ActivityReportPayload> {
        let fp = write::fingerprint("withdrawActivityReport", &input);
        let t = Transition {
            operation: "withdrawActivityReport",
            own: true,
            from: &[Stored::Draft, Stored::Submitted, Stored::Returned],
            to: Stored::Withdrawn,
            review: None,
        };
        transition(ctx, t, &input.id, &input.idempotency_key, fp).await.map_err(|e| report_all(ctx, e))
    }

    /// Accepts a submitted report: every authenticated caller sees it from now on.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn accept_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the reviewer's comment, and an optional idempotency key.")]
        input: ReviewActivityReportInput,
    ) -> ApiResult<ActivityReportPayload> {
        let fp = write::fingerprint("acceptActivityReport", &input);
        let review = Some((input.comment.clone(), false));
        let t = Transition {
            operation: "acceptActivityReport",
            own: false,
            from: &[Stored::Submitted],
            to: Stored::Accepted,
            review,
        };
        transition(ctx, t, &input.id, &input.idempotency_key, fp).await.map_err(|e| report_all(ctx, e))
    }

    /// Returns a submitted report to its organisation with a comment saying what to change.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn return_activity_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the reviewer's comment, and an optional idempotency key.")]
        input: ReviewActivityReportInput,
    ) -> ApiResult<ActivityReportPayload> {
        let fp = write::fingerprint("returnActivityReport", &input);
        let review = Some((input.comment.clone(), true));
        let t = Transition {
            operation: "returnActivityReport",
            own: false,
            from: &[Stored::Submitted],
            to: Stored::Returned,
            review,
        };
        transition(ctx, t, &input.id, &input.idempotency_key, fp).await.map_err(|e| report_all(ctx, e))
    }
}
