//! The Secretariat's advice to states (SENSITIVE): which programmes to use, in which order,
//! before a first VTF application.

mod mutations;

pub use mutations::AdviceMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{advisory_consultation, state};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Select};

use super::states::{State, state_id_by_iso3};
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::Programme;
use crate::error::ApiResult;
use crate::loaders::{HasMany, Table, open_table};
use crate::node::global_id;
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(advisory_consultation);

wrapper!(AdvisoryConsultation, advisory_consultation::Model);

crate::connection!(
    AdvisoryConsultationConnection,
    AdvisoryConsultationEdge,
    AdvisoryConsultation,
    "advisory consultations"
);

/// A state's consultations, newest first.
pub struct ConsultationsOfState;
impl HasMany for ConsultationsOfState {
    type Child = advisory_consultation::Entity;
    fn parent_column() -> advisory_consultation::Column {
        advisory_consultation::Column::StateId
    }
    fn order(select: Select<advisory_consultation::Entity>) -> Select<advisory_consultation::Entity> {
        select
            .order_by_desc(advisory_consultation::Column::ConsultedOn)
            .order_by_desc(advisory_consultation::Column::Id)
    }
}

/// The Secretariat's advice to a state: an ordered pathway of support programmes.
#[Object(guard = "FieldGuard::new(self)")]
impl AdvisoryConsultation {
    /// The global id of this consultation.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("AdvisoryConsultation", self.0.id)
    }
    /// The state advised.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// When the advice was given.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn consulted_on(&self) -> Option<NaiveDate> {
        Some(self.0.consulted_on)
    }
    /// The programmes to use, in order (e.g. Sponsorship, then VTF).
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn pathway(&self) -> Option<Vec<Programme>> {
        Some(self.0.pathway.0.iter().map(|p| (*p).into()).collect())
    }
    /// Why this pathway.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn rationale(&self) -> Option<&str> {
        Some(&self.0.rationale)
    }
    /// What follows.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn follow_up(&self) -> Option<&str> {
        self.0.follow_up.as_deref()
    }
    /// When this record last changed.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.updated_at)
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct AdviceQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl AdviceQuery {
    /// Advisory consultations, oldest change first.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    #[allow(clippy::too_many_arguments)]
    async fn advisory_consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only consultations of the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only consultations changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<AdvisoryConsultationConnection>> {
        let mut q = advisory_consultation::Entity::find();
        if let Some(iso3) = state {
            q = q.filter(advisory_consultation::Column::StateId.eq(state_id_by_iso3(ctx, &iso3, "state").await?));
        }
        if let Some(t) = updated_since {
            q = q.filter(advisory_consultation::Column::UpdatedAt.gte(t));
        }
        let order = Keyset {
            name: "updated",
            key: Some((advisory_consultation::Column::UpdatedAt, KeyKind::Timestamp)),
            id: advisory_consultation::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(AdvisoryConsultation::from).into()))
    }
}
