//! The WGTU's multi-year universalization plans and their per-state targets.
//!
//! A plan and a target are each checked as a whole, as they would be stored: a create from its
//! input, an update as the stored record with the patch applied. So a change to one year is
//! checked against the other, and a target's year against its plan's period.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::enums::{PlanStatus as Stored, RegionList};
use entity::{plan, plan_target};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use super::{Plan, PlanTarget};
use crate::areas::bodies::conference_by_number;
use crate::areas::states::state_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::{Milestone, PlanStatus, UnRegionalGroup};
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(plan, plan_target);

payload!(PlanPayload, plan, Plan, Partner, "plan");
payload!(PlanTargetPayload, plan_target, PlanTarget, Sensitive, "plan target");

/// The years a plan may cover: from the Treaty's adoption on.
const YEARS: (i32, i32) = (2013, 2100);

/// A new universalization plan.
#[derive(InputObject, Serialize)]
pub struct CreatePlanInput {
    /// Title (at most 300 characters).
    pub title: String,
    /// First year of the plan's period (2013 to 2100).
    pub first_year: i32,
    /// Last year of the plan's period (not before the first).
    pub last_year: i32,
    /// The number of the CSP that endorsed the plan (required when `status` is `ENDORSED`,
    /// absent for a `DRAFT`).
    pub endorsed_at: Option<i32>,
    /// Whether the plan is a draft, endorsed, or closed.
    pub status: PlanStatus,
    /// What the plan sets out to achieve (at most 10,000 characters).
    pub objectives: String,
    /// The UN regional groups the plan gives priority to, each named once.
    #[graphql(default)]
    pub priority_regions: Vec<UnRegionalGroup>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a plan; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdatePlanInput {
    /// The plan's id.
    pub id: ID,
    /// The version you read; if the plan changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Title (at most 300 characters).
    pub title: Option<String>,
    /// First year of the plan's period; every target's year must stay within the period.
    pub first_year: Option<i32>,
    /// Last year of the plan's period; every target's year must stay within the period.
    pub last_year: Option<i32>,
    /// The number of the CSP that endorsed the plan.
    #[serde(skip)]
    pub endorsed_at: MaybeUndefined<i32>,
    /// Whether the plan is a draft, endorsed, or closed.
    pub status: Option<PlanStatus>,
    /// What the plan sets out to achieve; replaces the text.
    pub objectives: Option<String>,
    /// The UN regional groups the plan gives priority to; replaces the list.
    pub priority_regions: Option<Vec<UnRegionalGroup>>,
}

/// A new target of a plan for one state.
#[derive(InputObject, Serialize)]
pub struct CreatePlanTargetInput {
    /// The plan's id.
    pub plan: ID,
    /// ISO alpha-3 code of the state.
    pub state: String,
    /// The step the state is to reach.
    pub milestone: Milestone,
    /// By when: a year within the plan's period.
    pub target_year: i32,
    /// Why this target (at most 5,000 characters).
    pub rationale: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a plan target; fields left out keep their value.
#[derive(InputObject, Serialize)]
pub struct UpdatePlanTargetInput {
    /// The target's id.
    pub id: ID,
    /// The version you read; if the target changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Moves the target to another plan (its id); the year must fall within that plan's period.
    pub plan: Option<ID>,
    /// ISO alpha-3 code of the state.
    pub state: Option<String>,
    /// The step the state is to reach.
    pub milestone: Option<Milestone>,
    /// By when: a year within the plan's period.
    pub target_year: Option<i32>,
    /// Why this target (at most 5,000 characters).
    pub rationale: Option<String>,
}

/// Resolves the CSP number given in `input.endorsedAt` into `p`.
async fn endorsed_at(ctx: &Context<'_>, c: &mut Check, p: &mut plan::Model, number: Option<i32>) -> ApiResult<()> {
    p.endorsed_at_conference_id = match number {
        Some(n) => c.absorb(conference_by_number(ctx.db()?, n, "input.endorsedAt").await)?.map(|conf| conf.id),
        None => None,
    };
    Ok(())
}

/// Checks a plan as it would be stored, naming each problem by its input path.
fn check_plan(c: &mut Check, p: &mut plan::Model) {
    p.title = c.text("input.title", &p.title, 300);
    c.int("input.firstYear", p.first_year, YEARS.0, YEARS.1);
    c.int("input.lastYear", p.last_year, YEARS.0, YEARS.1);
    if p.last_year < p.first_year {
        c.fail("input.lastYear", format!("`lastYear` ({}) is before `firstYear` ({})", p.last_year, p.first_year));
    }
    p.objectives = c.text("input.objectives", &p.objectives, 10_000);
    c.distinct("input.priorityRegions", &p.priority_regions.0);
    if !c.has("input.endorsedAt") {
        match (p.status, p.endorsed_at_conference_id) {
            (Stored::Endorsed, None) => {
                c.fail("input.endorsedAt", "an ENDORSED plan names the CSP that endorsed it in `endorsedAt`")
            }
            (Stored::Draft, Some(_)) => {
                c.fail("input.endorsedAt", "a DRAFT plan has not been endorsed: leave `endorsedAt` out")
            }
            _ => {}
        }
    }
}

/// Checks a target as it would be stored, against the plan it belongs to (when known).
fn check_target(c: &mut Check, t: &mut plan_target::Model, plan: Option<&plan::Model>) {
    t.rationale = c.text("input.rationale", &t.rationale, 5_000);
    if let Some(p) = plan
        && !c.has("input.targetYear")
        && !(p.first_year..=p.last_year).contains(&t.target_year)
    {
        c.fail(
            "input.targetYear",
            // The year itself is SENSITIVE: not echoed.
            format!("`targetYear` must fall within the plan's period, {} to {}", p.first_year, p.last_year),
        );
    }
}

/// Mutations of universalization plans and their targets.
#[derive(Default)]
pub struct PlansMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl PlansMutation {
    /// Creates a universalization plan.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreatePlanInput,
    ) -> ApiResult<PlanPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let mut p = plan::Model {
                id: 0,
                title: input.title.clone(),
                first_year: input.first_year,
                last_year: input.last_year,
                endorsed_at_conference_id: None,
                status: input.status.into(),
                objectives: input.objectives.clone(),
                priority_regions: RegionList(input.priority_regions.iter().map(|r| (*r).into()).collect()),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            endorsed_at(ctx, &mut c, &mut p, input.endorsed_at).await?;
            check_plan(&mut c, &mut p);
            c.finish()?;
            let m = Mutation::keyed("createPlan", "Plan", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<plan::Entity>(p)).await?;
            Ok(PlanPayload(written::<plan::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a universalization plan: its period, endorsement, status, objectives or
    /// priority regions.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn update_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")] input: UpdatePlanInput,
    ) -> ApiResult<PlanPayload> {
        async {
            let id = expect_id(&input.id, "Plan", "input.id")?;
            let db = ctx.db()?;
            let mut p = write::current::<plan::Entity, _>(db, id, input.version, "the plan").await?;
            let mut c = Check::new();
            if let Some(v) = &input.title {
                p.title = v.clone();
            }
            p.first_year = input.first_year.unwrap_or(p.first_year);
            p.last_year = input.last_year.unwrap_or(p.last_year);
            if let Some(v) = input.status {
                p.status = v.into();
            }
            if let Some(v) = &input.objectives {
                p.objectives = v.clone();
            }
            if let Some(v) = &input.priority_regions {
                p.priority_regions = RegionList(v.iter().map(|r| (*r).into()).collect());
            }
            match input.endorsed_at {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => p.endorsed_at_conference_id = None,
                MaybeUndefined::Value(n) => endorsed_at(ctx, &mut c, &mut p, Some(n)).await?,
            }
            check_plan(&mut c, &mut p);
            if (input.first_year.is_some() || input.last_year.is_some()) && !c.has("input.lastYear") {
                let outside = plan_target::Entity::find()
                    .filter(plan_target::Column::PlanId.eq(id))
                    .filter(
                        Condition::any()
                            .add(plan_target::Column::TargetYear.lt(p.first_year))
                            .add(plan_target::Column::TargetYear.gt(p.last_year)),
                    )
                    .count(db)
                    .await?;
                if outside > 0 {
                    let field = if input.first_year.is_some() { "input.firstYear" } else { "input.lastYear" };
                    c.fail(
                        field,
                        format!(
                            "targets of the plan would fall outside {} to {}; change their `targetYear` first",
                            p.first_year, p.last_year
                        ),
                    );
                }
            }
            c.finish()?;
            let m = Mutation::versioned("updatePlan", "Plan");
            write::update(ctx, m, id, input.version, write::row::<plan::Entity>(p), "the plan").await?;
            Ok(PlanPayload(written::<plan::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Sets a target of a plan for one state.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_plan_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreatePlanTargetInput,
    ) -> ApiResult<PlanTargetPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let db = ctx.db()?;
            let mut c = Check::new();
            let plan = c.absorb(write::referenced::<plan::Entity, _>(db, &input.plan, "Plan", "input.plan").await)?;
            let state = c.absorb(state_by_iso3(db, &input.state, "input.state").await)?;
            c.int("input.targetYear", input.target_year, YEARS.0, YEARS.1);
            let mut t = plan_target::Model {
                id: 0,
                plan_id: plan.as_ref().map_or(0, |p| p.id),
                state_id: state.map_or(0, |s| s.id),
                milestone: input.milestone.into(),
                target_year: input.target_year,
                rationale: input.rationale.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_target(&mut c, &mut t, plan.as_ref());
            c.finish()?;
            let m = Mutation::keyed("createPlanTarget", "PlanTarget", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<plan_target::Entity>(t)).await?;
            Ok(PlanTargetPayload(written::<plan_target::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a plan target: its plan, state, milestone, year or rationale.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn update_plan_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdatePlanTargetInput,
    ) -> ApiResult<PlanTargetPayload> {
        async {
            let id = expect_id(&input.id, "PlanTarget", "input.id")?;
            let db = ctx.db()?;
            let mut t = write::current::<plan_target::Entity, _>(db, id, input.version, "the plan target").await?;
            let mut c = Check::new();
            let plan = match &input.plan {
                Some(p) => c.absorb(write::referenced::<plan::Entity, _>(db, p, "Plan", "input.plan").await)?,
                None => plan::Entity::find_by_id(t.plan_id).one(db).await?,
            };
            if let Some(p) = &plan {
                t.plan_id = p.id;
            }
            if let Some(s) = &input.state
                && let Some(s) = c.absorb(state_by_iso3(db, s, "input.state").await)?
            {
                t.state_id = s.id;
            }
            if let Some(v) = input.milestone {
                t.milestone = v.into();
            }
            if let Some(v) = input.target_year {
                t.target_year = c.int("input.targetYear", v, YEARS.0, YEARS.1);
            }
            if let Some(v) = &input.rationale {
                t.rationale = v.clone();
            }
            check_target(&mut c, &mut t, plan.as_ref());
            c.finish()?;
            let m = Mutation::versioned("updatePlanTarget", "PlanTarget");
            write::update(ctx, m, id, input.version, write::row::<plan_target::Entity>(t), "the plan target").await?;
            Ok(PlanTargetPayload(written::<plan_target::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
