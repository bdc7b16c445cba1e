//! The Sponsorship Programme: awards that bring states' delegates to ATT meetings (status
//! PARTNER, delegate's name SENSITIVE, cost FINANCIAL).

mod mutations;

pub use mutations::SponsorshipMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{meeting, sponsorship_award, state};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::bodies::Meeting;
use super::states::{State, state_id_by_iso3};
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::SponsorshipStatus;
use crate::error::ApiResult;
use crate::loaders::{HasMany, Table, open_table};
use crate::node::{expect_id, global_id};
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};
use crate::scalars::Money;

open_table!(sponsorship_award);

wrapper!(SponsorshipAward, sponsorship_award::Model);

crate::connection!(SponsorshipAwardConnection, SponsorshipAwardEdge, SponsorshipAward, "sponsorship awards");

/// A state's awards.
pub struct AwardsOfState;
impl HasMany for AwardsOfState {
    type Child = sponsorship_award::Entity;
    fn parent_column() -> sponsorship_award::Column {
        sponsorship_award::Column::StateId
    }
}

/// A meeting's awards.
pub struct AwardsOfMeeting;
impl HasMany for AwardsOfMeeting {
    type Child = sponsorship_award::Entity;
    fn parent_column() -> sponsorship_award::Column {
        sponsorship_award::Column::MeetingId
    }
}

/// A Sponsorship Programme award: a state's delegate sponsored to attend a meeting.
#[Object(guard = "FieldGuard::new(self)")]
impl SponsorshipAward {
    /// The global id of this award.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("SponsorshipAward", self.0.id)
    }
    /// The meeting.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn meeting(&self, ctx: &Context<'_>) -> ApiResult<Option<Meeting>> {
        Ok(ctx.request()?.loaders.one::<meeting::Entity>(self.0.meeting_id).await?.map(Into::into))
    }
    /// The sponsored state.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// Where the award stands.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn status(&self) -> Option<SponsorshipStatus> {
        Some(self.0.status.into())
    }
    /// The sponsored delegate's name.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn delegate_name(&self) -> Option<&str> {
        self.0.delegate_name.as_deref()
    }
    /// What the sponsorship cost.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn cost(&self) -> Option<Money> {
        self.0.cost.map(Money)
    }
    /// Currency of the cost (ISO 4217).
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn currency(&self) -> Option<&str> {
        Some(&self.0.currency)
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
pub struct SponsorshipQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl SponsorshipQuery {
    /// Sponsorship awards, oldest change first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    #[allow(clippy::too_many_arguments)]
    async fn sponsorship_awards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only awards for this meeting (its global id).")] meeting: Option<ID>,
        #[graphql(desc = "Only awards to the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only awards with this status.")] status: Option<SponsorshipStatus>,
        #[graphql(desc = "Only awards changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<SponsorshipAwardConnection>> {
        let mut q = sponsorship_award::Entity::find();
        if let Some(m) = meeting {
            q = q.filter(sponsorship_award::Column::MeetingId.eq(expect_id(&m, "Meeting", "meeting")?));
        }
        if let Some(iso3) = state {
            q = q.filter(sponsorship_award::Column::StateId.eq(state_id_by_iso3(ctx, &iso3, "state").await?));
        }
        if let Some(s) = status {
            q = q.filter(sponsorship_award::Column::Status.eq(entity::enums::SponsorshipStatus::from(s)));
        }
        if let Some(t) = updated_since {
            q = q.filter(sponsorship_award::Column::UpdatedAt.gte(t));
        }
        let order = Keyset {
            name: "updated",
            key: Some((sponsorship_award::Column::UpdatedAt, KeyKind::Timestamp)),
            id: sponsorship_award::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(SponsorshipAward::from).into()))
    }
}
