//! The Voluntary Trust Fund's records: the Secretariat keeps cycles and applications, the
//! Selection Committee decides on them.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::enums::VtfProjectStatus as Stored;
use entity::{organization, vtf_cycle, vtf_project};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::{VtfCycle, VtfProject};
use crate::areas::states::state_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::{SupportCategory, VtfProjectStatus};
use crate::error::{ApiError, ApiResult};
use crate::node::expect_id;
use crate::scalars::Money;
use crate::validation::Check;
use crate::write::{self, Mutation, UniqueKey, key, on_unique, payload, report_all, versioned, written};

versioned!(vtf_cycle, vtf_project);

payload!(VtfCyclePayload, vtf_cycle, VtfCycle, Public, "VTF cycle");
payload!(VtfProjectPayload, vtf_project, VtfProject, Partner, "VTF project");

/// One cycle per year.
const CYCLE_YEAR: UniqueKey = UniqueKey {
    table: "vtf_cycles",
    column: "year",
    field: "input.year",
    message: "there is already a VTF cycle of this year",
};

/// The years a cycle may have.
const YEARS: (i32, i32) = (2013, 2100);

/// A new yearly call of the Voluntary Trust Fund.
#[derive(InputObject, Serialize)]
pub struct CreateVtfCycleInput {
    /// The year of the cycle (one cycle per year).
    pub year: i32,
    /// When the call for proposals opens.
    pub call_opens: NaiveDate,
    /// When the call for proposals closes (not before it opens).
    pub call_closes: NaiveDate,
    /// Funds available in the cycle (not negative).
    pub funds_available: Money,
    /// ISO 4217 currency of the funds.
    pub currency: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a VTF cycle; fields left out keep their value.
#[derive(InputObject, Serialize)]
pub struct UpdateVtfCycleInput {
    /// The cycle's id.
    pub id: ID,
    /// The version you read; if the cycle changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// The year of the cycle (one cycle per year).
    pub year: Option<i32>,
    /// When the call for proposals opens.
    pub call_opens: Option<NaiveDate>,
    /// When the call for proposals closes.
    pub call_closes: Option<NaiveDate>,
    /// Funds available in the cycle (not negative).
    pub funds_available: Option<Money>,
    /// ISO 4217 currency of the funds.
    pub currency: Option<String>,
}

/// A state's application to the Voluntary Trust Fund. It is recorded as `APPLIED`; the
/// Selection Committee's decision is `decideVtfProject`.
#[derive(InputObject, Serialize)]
pub struct CreateVtfProjectInput {
    /// The year of the cycle applied in.
    pub cycle: i32,
    /// ISO alpha-3 code of the beneficiary state.
    pub state: String,
    /// Title (at most 300 characters).
    pub title: String,
    /// The kind of support.
    pub category: SupportCategory,
    /// The organisation implementing the project (its id), if any.
    pub implementing_organization: Option<ID>,
    /// Planned start.
    pub start_date: Option<NaiveDate>,
    /// Planned end (not before the start).
    pub end_date: Option<NaiveDate>,
    /// Amount applied for (not negative).
    pub amount_requested: Money,
    /// ISO 4217 currency of the amounts.
    pub currency: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a VTF application; fields left out keep their value, `null` clears an optional
/// one. The decision (status, approved and disbursed amounts, assessment) is
/// `decideVtfProject`.
#[derive(InputObject, Serialize)]
pub struct UpdateVtfProjectInput {
    /// The project's id.
    pub id: ID,
    /// The version you read; if the project changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// The year of the cycle applied in.
    pub cycle: Option<i32>,
    /// ISO alpha-3 code of the beneficiary state.
    pub state: Option<String>,
    /// Title (at most 300 characters).
    pub title: Option<String>,
    /// The kind of support.
    pub category: Option<SupportCategory>,
    /// The organisation implementing the project (its id).
    #[serde(skip)]
    pub implementing_organization: MaybeUndefined<ID>,
    /// Planned or actual start.
    #[serde(skip)]
    pub start_date: MaybeUndefined<NaiveDate>,
    /// Planned or actual end.
    #[serde(skip)]
    pub end_date: MaybeUndefined<NaiveDate>,
    /// Amount applied for (not below an amount already approved).
    pub amount_requested: Option<Money>,
    /// ISO 4217 currency of the amounts.
    pub currency: Option<String>,
}

/// The Selection Committee's decision on a project. Amounts left out keep their value, `null`
/// clears one.
#[derive(InputObject, Serialize)]
pub struct DecideVtfProjectInput {
    /// The project's id.
    pub id: ID,
    /// The version you read; if the project changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Where the project stands now. `APPROVED`, `IMPLEMENTING` and `COMPLETED` need an
    /// approved amount; `APPLIED` and `REJECTED` have no approved or disbursed amount.
    pub status: VtfProjectStatus,
    /// Amount approved: not negative, not more than the amount requested.
    #[serde(skip)]
    pub amount_approved: MaybeUndefined<Money>,
    /// Amount disbursed so far: not negative, not more than the amount approved.
    #[serde(skip)]
    pub amount_disbursed: MaybeUndefined<Money>,
    /// The Committee's assessment of the application (at most 10,000 characters).
    #[serde(skip)]
    pub committee_assessment: MaybeUndefined<String>,
}

/// The cycle of `year`; `BAD_USER_INPUT` naming `field` when there is none.
async fn cycle_by_year(db: &impl ConnectionTrait, year: i32, field: &str) -> ApiResult<vtf_cycle::Model> {
    vtf_cycle::Entity::find()
        .filter(vtf_cycle::Column::Year.eq(year))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, format!("there is no VTF cycle {year}")))
}

/// Checks a cycle as it would be stored.
fn check_cycle(c: &mut Check, cy: &mut vtf_cycle::Model) {
    c.int("input.year", cy.year, YEARS.0, YEARS.1);
    c.date_range("input.callOpens", cy.call_opens, "input.callCloses", cy.call_closes);
    c.amount("input.fundsAvailable", Money(cy.funds_available));
    cy.currency = c.currency("input.currency", &cy.currency);
}

/// Checks an application as it would be stored.
fn check_project(c: &mut Check, p: &mut vtf_project::Model) {
    p.title = c.text("input.title", &p.title, 300);
    match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => c.date_range("input.startDate", s, "input.endDate", e),
        (Some(s), None) => {
            c.date("input.startDate", s);
        }
        (None, Some(e)) => {
            c.date("input.endDate", e);
        }
        (None, None) => {}
    }
    c.amount("input.amountRequested", Money(p.amount_requested));
    p.currency = c.currency("input.currency", &p.currency);
}

/// Checks a decision: the amounts against each other and against the status.
fn check_decision(c: &mut Check, p: &mut vtf_project::Model) {
    let (approved, disbursed) = ("input.amountApproved", "input.amountDisbursed");
    if let Some(a) = p.amount_approved {
        c.amount(approved, Money(a));
        if a > p.amount_requested {
            c.fail(approved, "`amountApproved` is more than the amount requested");
        }
    }
    if let Some(d) = p.amount_disbursed {
        c.amount(disbursed, Money(d));
        match p.amount_approved {
            None => c.fail(disbursed, "nothing is disbursed before an amount is approved"),
            Some(a) if d > a => c.fail(disbursed, "`amountDisbursed` is more than the amount approved"),
            Some(_) => {}
        }
    }
    let status = p.status.as_str();
    match p.status {
        Stored::Approved | Stored::Implementing | Stored::Completed if p.amount_approved.is_none() => {
            c.fail(approved, format!("a project that is {status} needs `amountApproved`"));
        }
        Stored::Applied | Stored::Rejected => {
            if p.amount_approved.is_some() {
                c.fail(
                    approved,
                    format!("a project that is {status} has no approved amount: send `amountApproved: null`"),
                );
            }
            if p.amount_disbursed.is_some() && !c.has(disbursed) {
                c.fail(
                    disbursed,
                    format!("a project that is {status} has no disbursement: send `amountDisbursed: null`"),
                );
            }
        }
        _ => {}
    }
    if let Some(t) = &p.committee_assessment {
        p.committee_assessment = c.opt_text("input.committeeAssessment", Some(t), 10_000);
    }
}

/// Mutations of the Voluntary Trust Fund.
#[derive(Default)]
pub struct VtfMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl VtfMutation {
    /// Opens a yearly cycle of the Voluntary Trust Fund.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_vtf_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateVtfCycleInput,
    ) -> ApiResult<VtfCyclePayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let mut cy = vtf_cycle::Model {
                id: 0,
                year: input.year,
                call_opens: input.call_opens,
                call_closes: input.call_closes,
                funds_available: input.funds_available.0,
                currency: input.currency.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_cycle(&mut c, &mut cy);
            c.finish()?;
            let m = Mutation::keyed("createVtfCycle", "VtfCycle", key.as_ref(), &input);
            let id = on_unique(write::insert(ctx, m, write::row::<vtf_cycle::Entity>(cy)).await, &[CYCLE_YEAR])?;
            Ok(VtfCyclePayload(written::<vtf_cycle::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a VTF cycle: its year, call window or funds.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_vtf_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateVtfCycleInput,
    ) -> ApiResult<VtfCyclePayload> {
        async {
            let id = expect_id(&input.id, "VtfCycle", "input.id")?;
            let db = ctx.db()?;
            let mut cy = write::current::<vtf_cycle::Entity, _>(db, id, input.version, "the VTF cycle").await?;
            let mut c = Check::new();
            cy.year = input.year.unwrap_or(cy.year);
            cy.call_opens = input.call_opens.unwrap_or(cy.call_opens);
            cy.call_closes = input.call_closes.unwrap_or(cy.call_closes);
            cy.funds_available = input.funds_available.map_or(cy.funds_available, |m| m.0);
            if let Some(v) = &input.currency {
                cy.currency = v.clone();
            }
            check_cycle(&mut c, &mut cy);
            c.finish()?;
            let m = Mutation::versioned("updateVtfCycle", "VtfCycle");
            let row = write::row::<vtf_cycle::Entity>(cy);
            on_unique(write::update(ctx, m, id, input.version, row, "the VTF cycle").await, &[CYCLE_YEAR])?;
            Ok(VtfCyclePayload(written::<vtf_cycle::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records a state's application to the Voluntary Trust Fund.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_vtf_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateVtfProjectInput,
    ) -> ApiResult<VtfProjectPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let db = ctx.db()?;
            let mut c = Check::new();
            let cycle = c.absorb(cycle_by_year(db, input.cycle, "input.cycle").await)?;
            let state = c.absorb(state_by_iso3(db, &input.state, "input.state").await)?;
            let org = match &input.implementing_organization {
                Some(o) => c.absorb(
                    write::referenced::<organization::Entity, _>(
                        db,
                        o,
                        "Organization",
                        "input.implementingOrganization",
                    )
                    .await,
                )?,
                None => None,
            };
            let mut p = vtf_project::Model {
                id: 0,
                cycle_id: cycle.map_or(0, |cy| cy.id),
                state_id: state.map_or(0, |s| s.id),
                title: input.title.clone(),
                category: input.category.into(),
                status: Stored::Applied,
                implementing_organization_id: org.map(|o| o.id),
                start_date: input.start_date,
                end_date: input.end_date,
                amount_requested: input.amount_requested.0,
                amount_approved: None,
                amount_disbursed: None,
                currency: input.currency.clone(),
                committee_assessment: None,
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_project(&mut c, &mut p);
            c.finish()?;
            let m = Mutation::keyed("createVtfProject", "VtfProject", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<vtf_project::Entity>(p)).await?;
            Ok(VtfProjectPayload(written::<vtf_project::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a VTF application: its cycle, state, title, category, implementing
    /// organisation, dates, requested amount or currency.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_vtf_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateVtfProjectInput,
    ) -> ApiResult<VtfProjectPayload> {
        async {
            let id = expect_id(&input.id, "VtfProject", "input.id")?;
            let db = ctx.db()?;
            let mut p = write::current::<vtf_project::Entity, _>(db, id, input.version, "the VTF project").await?;
            let mut c = Check::new();
            if let Some(year) = input.cycle
                && let Some(cy) = c.absorb(cycle_by_year(db, year, "input.cycle").await)?
            {
                p.cycle_id = cy.id;
            }
            if let Some(s) = &input.state
                && let Some(s) = c.absorb(state_by_iso3(db, s, "input.state").await)?
            {
                p.state_id = s.id;
            }
            match &input.implementing_organization {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => p.implementing_organization_id = None,
                MaybeUndefined::Value(o) => {
                    let field = "input.implementingOrganization";
                    let org = write::referenced::<organization::Entity, _>(db, o, "Organization", field).await;
                    if let Some(org) = c.absorb(org)? {
                        p.implementing_organization_id = Some(org.id);
                    }
                }
            }
            if let Some(v) = &input.title {
                p.title = v.clone();
            }
            if let Some(v) = input.category {
                p.category = v.into();
            }
            p.start_date = write::patch(&input.start_date, p.start_date);
            p.end_date = write::patch(&input.end_date, p.end_date);
            p.amount_requested = input.amount_requested.map_or(p.amount_requested, |m| m.0);
            if let Some(v) = &input.currency {
                p.currency = v.clone();
            }
            check_project(&mut c, &mut p);
            if p.amount_approved.is_some_and(|a| a > p.amount_requested) && !c.has("input.amountRequested") {
                c.fail("input.amountRequested", "`amountRequested` is below the amount already approved");
            }
            c.finish()?;
            let m = Mutation::versioned("updateVtfProject", "VtfProject");
            let row = write::row::<vtf_project::Entity>(p);
            write::update(ctx, m, id, input.version, row, "the VTF project").await?;
            Ok(VtfProjectPayload(written::<vtf_project::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records the Selection Committee's decision on a project: its status, the amounts
    /// approved and disbursed, and the Committee's assessment.
    #[graphql(directive = writers::apply(vec![RoleName::VtfCommittee, RoleName::Secretariat]))]
    async fn decide_vtf_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and the decision.")] input: DecideVtfProjectInput,
    ) -> ApiResult<VtfProjectPayload> {
        async {
            let id = expect_id(&input.id, "VtfProject", "input.id")?;
            let db = ctx.db()?;
            let mut p = write::current::<vtf_project::Entity, _>(db, id, input.version, "the VTF project").await?;
            let mut c = Check::new();
            p.status = input.status.into();
            p.amount_approved = write::patch(&input.amount_approved, p.amount_approved.map(Money)).map(|m| m.0);
            p.amount_disbursed = write::patch(&input.amount_disbursed, p.amount_disbursed.map(Money)).map(|m| m.0);
            p.committee_assessment = write::patch(&input.committee_assessment, p.committee_assessment);
            check_decision(&mut c, &mut p);
            c.finish()?;
            let m = Mutation::versioned("decideVtfProject", "VtfProject");
            // Only what the decision covers is written.
            let row = vtf_project::ActiveModel {
                status: sea_orm::ActiveValue::Set(p.status),
                amount_approved: sea_orm::ActiveValue::Set(p.amount_approved),
                amount_disbursed: sea_orm::ActiveValue::Set(p.amount_disbursed),
                committee_assessment: sea_orm::ActiveValue::Set(p.committee_assessment),
                ..Default::default()
            };
            write::update(ctx, m, id, input.version, row, "the VTF project").await?;
            Ok(VtfProjectPayload(written::<vtf_project::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
