//! The Voluntary Trust Fund: yearly cycles (call window PUBLIC, funds FINANCIAL) and projects
//! (titles and status PARTNER, amounts FINANCIAL, the committee's assessment SENSITIVE).

mod mutations;

pub use mutations::VtfMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{organization, state, vtf_cycle, vtf_project};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Select};

use super::organizations::Organization;
use super::states::{State, state_id_by_iso3};
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::{SupportCategory, VtfProjectStatus};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{HasMany, Table, open_table};
use crate::node::{expect_id, global_id};
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};
use crate::scalars::Money;

open_table!(vtf_cycle, vtf_project);

wrapper!(VtfCycle, vtf_cycle::Model);
wrapper!(VtfProject, vtf_project::Model, |m| m.implementing_organization_id);

crate::connection!(VtfProjectConnection, VtfProjectEdge, VtfProject, "VTF projects");

/// A state's projects, newest first.
pub struct ProjectsOfState;
impl HasMany for ProjectsOfState {
    type Child = vtf_project::Entity;
    fn parent_column() -> vtf_project::Column {
        vtf_project::Column::StateId
    }
    fn order(select: Select<vtf_project::Entity>) -> Select<vtf_project::Entity> {
        select.order_by_desc(vtf_project::Column::CycleId).order_by_desc(vtf_project::Column::Id)
    }
}

/// A cycle's projects.
pub struct ProjectsOfCycle;
impl HasMany for ProjectsOfCycle {
    type Child = vtf_project::Entity;
    fn parent_column() -> vtf_project::Column {
        vtf_project::Column::CycleId
    }
}

/// The projects an organisation implements.
pub struct ProjectsOfOrganization;
impl HasMany for ProjectsOfOrganization {
    type Child = vtf_project::Entity;
    fn parent_column() -> vtf_project::Column {
        vtf_project::Column::ImplementingOrganizationId
    }
}

/// A yearly call for proposals of the Voluntary Trust Fund.
#[Object(guard = "FieldGuard::new(self)")]
impl VtfCycle {
    /// The global id of this cycle.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("VtfCycle", self.0.id)
    }
    /// The year of the cycle.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// When the call for proposals opens.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn call_opens(&self) -> NaiveDate {
        self.0.call_opens
    }
    /// When the call for proposals closes.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn call_closes(&self) -> NaiveDate {
        self.0.call_closes
    }
    /// Funds available in the cycle.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn funds_available(&self) -> Option<Money> {
        Some(Money(self.0.funds_available))
    }
    /// Currency of the funds (ISO 4217).
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn currency(&self) -> Option<&str> {
        Some(&self.0.currency)
    }
    /// The projects applied for in this cycle.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn projects(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<VtfProject>>> {
        let rows = ctx.request()?.loaders.children::<ProjectsOfCycle>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A project applied for by a state under the Voluntary Trust Fund.
#[Object(guard = "FieldGuard::new(self)")]
impl VtfProject {
    /// The global id of this project.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("VtfProject", self.0.id)
    }
    /// The cycle applied in.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn cycle(&self, ctx: &Context<'_>) -> ApiResult<Option<VtfCycle>> {
        Ok(ctx.request()?.loaders.one::<vtf_cycle::Entity>(self.0.cycle_id).await?.map(Into::into))
    }
    /// The beneficiary state.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// Title.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }
    /// The kind of support.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn category(&self) -> Option<SupportCategory> {
        Some(self.0.category.into())
    }
    /// Where the project stands.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn status(&self) -> Option<VtfProjectStatus> {
        Some(self.0.status.into())
    }
    /// The organisation implementing it, if any.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn implementing_organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        let Some(id) = self.0.implementing_organization_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<organization::Entity>(id).await?.map(Into::into))
    }
    /// Planned or actual start.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn start_date(&self) -> Option<NaiveDate> {
        self.0.start_date
    }
    /// Planned or actual end.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    /// Amount applied for.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn amount_requested(&self) -> Option<Money> {
        Some(Money(self.0.amount_requested))
    }
    /// Amount the Selection Committee approved.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn amount_approved(&self) -> Option<Money> {
        self.0.amount_approved.map(Money)
    }
    /// Amount disbursed so far.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn amount_disbursed(&self) -> Option<Money> {
        self.0.amount_disbursed.map(Money)
    }
    /// Currency of the amounts (ISO 4217).
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn currency(&self) -> Option<&str> {
        Some(&self.0.currency)
    }
    /// The Selection Committee's assessment of the application.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn committee_assessment(&self) -> Option<&str> {
        self.0.committee_assessment.as_deref()
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

/// Root fields of this area.
#[derive(Default)]
pub struct VtfQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl VtfQuery {
    /// VTF cycles, latest first.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn vtf_cycles(&self, ctx: &Context<'_>) -> ApiResult<Vec<VtfCycle>> {
        let rows = vtf_cycle::Entity::find().order_by_desc(vtf_cycle::Column::Year).all(ctx.db()?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The VTF cycle of this year.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn vtf_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cycle's year.")] year: i32,
    ) -> ApiResult<Option<VtfCycle>> {
        let row = vtf_cycle::Entity::find().filter(vtf_cycle::Column::Year.eq(year)).one(ctx.db()?).await?;
        match row {
            Some(c) => Ok(Some(c.into())),
            None => Err(ApiError::NotFound(format!("VTF cycle {year}"))),
        }
    }

    /// VTF projects, oldest change first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    #[allow(clippy::too_many_arguments)]
    async fn vtf_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only projects of the cycle of this year.")] cycle: Option<i32>,
        #[graphql(desc = "Only projects of the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only projects with this status.")] status: Option<VtfProjectStatus>,
        #[graphql(desc = "Only projects implemented by this organisation (its global id).")] organization: Option<ID>,
        #[graphql(desc = "Only projects changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<VtfProjectConnection>> {
        let db = ctx.db()?;
        let mut q = vtf_project::Entity::find();
        if let Some(year) = cycle {
            let c = vtf_cycle::Entity::find().filter(vtf_cycle::Column::Year.eq(year)).one(db).await?;
            let Some(c) = c else {
                return Err(ApiError::bad_input("cycle", format!("there is no VTF cycle {year}")));
            };
            q = q.filter(vtf_project::Column::CycleId.eq(c.id));
        }
        if let Some(iso3) = state {
            q = q.filter(vtf_project::Column::StateId.eq(state_id_by_iso3(ctx, &iso3, "state").await?));
        }
        if let Some(s) = status {
            q = q.filter(vtf_project::Column::Status.eq(entity::enums::VtfProjectStatus::from(s)));
        }
        if let Some(org) = organization {
            q = q.filter(vtf_project::Column::ImplementingOrganizationId.eq(expect_id(
                &org,
                "Organization",
                "organization",
            )?));
        }
        if let Some(t) = updated_since {
            q = q.filter(vtf_project::Column::UpdatedAt.gte(t));
        }
        let order = Keyset {
            name: "updated",
            key: Some((vtf_project::Column::UpdatedAt, KeyKind::Timestamp)),
            id: vtf_project::Column::Id,
            descending: false,
        };
        let page = paginate(db, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(VtfProject::from).into()))
    }
}
