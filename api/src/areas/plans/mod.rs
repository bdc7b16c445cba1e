//! Multi-year universalization plans (objectives and priority regions: PARTNER) and their
//! per-state targets (SENSITIVE).

mod mutations;

pub use mutations::PlansMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{conference, plan, plan_target, state};
use sea_orm::{EntityTrait, QueryOrder};

use super::bodies::Conference;
use super::states::State;
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::context::ContextExt;
use crate::enums::{Milestone, PlanStatus, UnRegionalGroup};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{HasMany, Table, open_table};
use crate::node::{expect_id, global_id};

open_table!(plan, plan_target);

wrapper!(Plan, plan::Model);
wrapper!(PlanTarget, plan_target::Model);

/// The targets of a plan.
pub struct TargetsOfPlan;
impl HasMany for TargetsOfPlan {
    type Child = plan_target::Entity;
    fn parent_column() -> plan_target::Column {
        plan_target::Column::PlanId
    }
}

/// The targets plans set for a state.
pub struct TargetsOfState;
impl HasMany for TargetsOfState {
    type Child = plan_target::Entity;
    fn parent_column() -> plan_target::Column {
        plan_target::Column::StateId
    }
}

/// A multi-year universalization plan: a period spanning several CSPs, its objectives and
/// priority regions, and targets for individual states.
#[Object(guard = "FieldGuard::new(self)")]
impl Plan {
    /// The global id of this plan.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Plan", self.0.id)
    }
    /// Title.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }
    /// First year of the plan's period.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn first_year(&self) -> Option<i32> {
        Some(self.0.first_year)
    }
    /// Last year of the plan's period.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn last_year(&self) -> Option<i32> {
        Some(self.0.last_year)
    }
    /// The CSP that endorsed the plan.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn endorsed_at(&self, ctx: &Context<'_>) -> ApiResult<Option<Conference>> {
        let Some(id) = self.0.endorsed_at_conference_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<conference::Entity>(id).await?.map(Into::into))
    }
    /// Whether the plan is a draft, endorsed, or closed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn status(&self) -> Option<PlanStatus> {
        Some(self.0.status.into())
    }
    /// What the plan sets out to achieve.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn objectives(&self) -> Option<&str> {
        Some(&self.0.objectives)
    }
    /// The UN regional groups the plan gives priority to.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn priority_regions(&self) -> Option<Vec<UnRegionalGroup>> {
        Some(self.0.priority_regions.0.iter().map(|r| (*r).into()).collect())
    }
    /// The plan's per-state targets.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn targets(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<PlanTarget>>> {
        let rows = ctx.request()?.loaders.children::<TargetsOfPlan>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// When this record last changed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.updated_at)
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// What a plan aims for one state to reach, and by when.
#[Object(guard = "FieldGuard::new(self)")]
impl PlanTarget {
    /// The global id of this target.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("PlanTarget", self.0.id)
    }
    /// The plan.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Option<Plan>> {
        Ok(ctx.request()?.loaders.one::<plan::Entity>(self.0.plan_id).await?.map(Into::into))
    }
    /// The state.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// The step to reach.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn milestone(&self) -> Option<Milestone> {
        Some(self.0.milestone.into())
    }
    /// By when.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn target_year(&self) -> Option<i32> {
        Some(self.0.target_year)
    }
    /// Why this target.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn rationale(&self) -> Option<&str> {
        Some(&self.0.rationale)
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct PlansQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl PlansQuery {
    /// Universalization plans, latest period first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn plans(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Plan>>> {
        let rows = plan::Entity::find()
            .order_by_desc(plan::Column::FirstYear)
            .order_by_desc(plan::Column::Id)
            .all(ctx.db()?)
            .await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }

    /// The plan with this id.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's global id.")] id: ID,
    ) -> ApiResult<Option<Plan>> {
        let id = expect_id(&id, "Plan", "id")?;
        match ctx.request()?.loaders.one::<plan::Entity>(id).await? {
            Some(p) => Ok(Some(p.into())),
            None => Err(ApiError::NotFound("plan".into())),
        }
    }
}
