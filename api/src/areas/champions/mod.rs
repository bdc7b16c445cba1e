//! Regional champions (PUBLIC) and the states each accompanies (SENSITIVE).

mod mutations;

pub use mutations::ChampionsMutation;

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use entity::{champion, champion_assignment, state};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::states::State;
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::context::ContextExt;
use crate::enums::{ChampionKind, UnRegionalGroup};
use crate::error::ApiResult;
use crate::loaders::{HasMany, Table, open_table};
use crate::node::global_id;

open_table!(champion, champion_assignment);

wrapper!(Champion, champion::Model);
wrapper!(ChampionAssignment, champion_assignment::Model);

/// The states a champion accompanies.
pub struct AssignmentsOfChampion;
impl HasMany for AssignmentsOfChampion {
    type Child = champion_assignment::Entity;
    fn parent_column() -> champion_assignment::Column {
        champion_assignment::Column::ChampionId
    }
}

/// The champions accompanying a state.
pub struct AssignmentsOfState;
impl HasMany for AssignmentsOfState {
    type Child = champion_assignment::Entity;
    fn parent_column() -> champion_assignment::Column {
        champion_assignment::Column::StateId
    }
}

/// The terms a state serves as champion.
pub struct ChampionTermsOfState;
impl HasMany for ChampionTermsOfState {
    type Child = champion::Entity;
    fn parent_column() -> champion::Column {
        champion::Column::StateId
    }
}

/// A regional champion: a State Party (a CSP Vice-President or a volunteer) championing
/// universalization in its UN regional group for a term, and liaising with regional
/// organisations.
#[Object(guard = "FieldGuard::new(self)")]
impl Champion {
    /// The global id of this champion term.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Champion", self.0.id)
    }
    /// The championing State Party.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// The regional group it champions in.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn un_regional_group(&self) -> UnRegionalGroup {
        self.0.un_regional_group.into()
    }
    /// Vice-President or volunteer.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn kind(&self) -> ChampionKind {
        self.0.kind.into()
    }
    /// First day of the term.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn term_start(&self) -> NaiveDate {
        self.0.term_start
    }
    /// Last day of the term.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn term_end(&self) -> NaiveDate {
        self.0.term_end
    }
    /// The states this champion accompanies.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn accompanied_states(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<ChampionAssignment>>> {
        let rows = ctx.request()?.loaders.children::<AssignmentsOfChampion>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A state accompanied by a champion.
#[Object(guard = "FieldGuard::new(self)")]
impl ChampionAssignment {
    /// The global id of this assignment.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("ChampionAssignment", self.0.id)
    }
    /// The champion.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn champion(&self, ctx: &Context<'_>) -> ApiResult<Option<Champion>> {
        Ok(ctx.request()?.loaders.one::<champion::Entity>(self.0.champion_id).await?.map(Into::into))
    }
    /// The accompanied state.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// Since when.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn since(&self) -> Option<NaiveDate> {
        Some(self.0.since)
    }
    /// Notes on the accompaniment.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct ChampionsQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl ChampionsQuery {
    /// Regional champions, latest term first.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn champions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only champions of this UN regional group.")] un_regional_group: Option<UnRegionalGroup>,
        #[graphql(desc = "Only champions whose term includes this day.")] serving_on: Option<NaiveDate>,
    ) -> ApiResult<Vec<Champion>> {
        let mut q = champion::Entity::find();
        if let Some(g) = un_regional_group {
            q = q.filter(champion::Column::UnRegionalGroup.eq(entity::enums::UnRegionalGroup::from(g)));
        }
        if let Some(d) = serving_on {
            q = q.filter(champion::Column::TermStart.lte(d)).filter(champion::Column::TermEnd.gte(d));
        }
        let rows =
            q.order_by_desc(champion::Column::TermStart).order_by_asc(champion::Column::Id).all(ctx.db()?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
