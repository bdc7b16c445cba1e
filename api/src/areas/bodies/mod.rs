//! ATT bodies and their meetings (PUBLIC): Conferences of States Parties, meetings, and the
//! offices states hold.

mod mutations;

pub use mutations::BodiesMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{conference, meeting, office_term, state};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};

use super::sponsorship::{AwardsOfMeeting, SponsorshipAward};
use super::states::State;
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::{MeetingKind, Office};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{HasMany, Table, open_table};
use crate::node::global_id;
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(conference, meeting, office_term);

wrapper!(Conference, conference::Model);
wrapper!(Meeting, meeting::Model);
wrapper!(OfficeTerm, office_term::Model);

crate::connection!(MeetingConnection, MeetingEdge, Meeting, "meetings");

/// The Conference of States Parties with this number; `BAD_USER_INPUT` naming `field` when
/// there is none.
pub async fn conference_by_number(db: &impl ConnectionTrait, number: i32, field: &str) -> ApiResult<conference::Model> {
    conference::Entity::find()
        .filter(conference::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, format!("there is no CSP{number}")))
}

/// Offices held by a state.
pub struct OfficeTermsOfState;
impl HasMany for OfficeTermsOfState {
    type Child = office_term::Entity;
    fn parent_column() -> office_term::Column {
        office_term::Column::StateId
    }
}

/// Offices elected at a conference.
pub struct OfficeTermsOfConference;
impl HasMany for OfficeTermsOfConference {
    type Child = office_term::Entity;
    fn parent_column() -> office_term::Column {
        office_term::Column::ConferenceId
    }
}

/// Meetings belonging to a conference.
pub struct MeetingsOfConference;
impl HasMany for MeetingsOfConference {
    type Child = meeting::Entity;
    fn parent_column() -> meeting::Column {
        meeting::Column::ConferenceId
    }
    fn order(select: Select<meeting::Entity>) -> Select<meeting::Entity> {
        select.order_by_asc(meeting::Column::StartDate).order_by_asc(meeting::Column::Id)
    }
}

/// A Conference of States Parties (CSP), the Treaty's governing body, meeting once a year.
#[Object(guard = "FieldGuard::new(self)")]
impl Conference {
    /// The global id of this conference.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Conference", self.0.id)
    }
    /// Its number: 1 for CSP1 (Cancún, 2015).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// First day.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Last day.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }
    /// Where it met.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn venue(&self) -> &str {
        &self.0.venue
    }
    /// The state holding the presidency.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn president_state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        let Some(id) = self.0.president_state_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<state::Entity>(id).await?.map(Into::into))
    }
    /// The person presiding.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn president_name(&self) -> Option<&str> {
        self.0.president_name.as_deref()
    }
    /// The meetings of this conference's cycle.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn meetings(&self, ctx: &Context<'_>) -> ApiResult<Vec<Meeting>> {
        let rows = ctx.request()?.loaders.children::<MeetingsOfConference>(self.0.id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
    /// The offices elected for this conference.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn office_terms(&self, ctx: &Context<'_>) -> ApiResult<Vec<OfficeTerm>> {
        let rows = ctx.request()?.loaders.children::<OfficeTermsOfConference>(self.0.id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
    /// When this record last changed.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A meeting of the ATT process: a CSP session, a working group, a preparatory meeting.
#[Object(guard = "FieldGuard::new(self)")]
impl Meeting {
    /// The global id of this meeting.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Meeting", self.0.id)
    }
    /// The conference whose cycle the meeting belongs to.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn conference(&self, ctx: &Context<'_>) -> ApiResult<Option<Conference>> {
        let Some(id) = self.0.conference_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<conference::Entity>(id).await?.map(Into::into))
    }
    /// The kind of meeting.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn kind(&self) -> MeetingKind {
        self.0.kind.into()
    }
    /// Title, e.g. "WGTU meeting, first preparatory cycle".
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// First day.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Last day.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }
    /// Where it met.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn venue(&self) -> &str {
        &self.0.venue
    }
    /// Sponsorship Programme awards for this meeting.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn sponsorship_awards(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<SponsorshipAward>>> {
        let rows = ctx.request()?.loaders.children::<AwardsOfMeeting>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// When this record last changed.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An office of the ATT process held by a state for the term of one conference.
#[Object(guard = "FieldGuard::new(self)")]
impl OfficeTerm {
    /// The global id of this office term.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("OfficeTerm", self.0.id)
    }
    /// The office.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn office(&self) -> Office {
        self.0.office.into()
    }
    /// The state holding it.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        Ok(ctx.request()?.loaders.one::<state::Entity>(self.0.state_id).await?.map(Into::into))
    }
    /// The conference it was elected for.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn conference(&self, ctx: &Context<'_>) -> ApiResult<Option<Conference>> {
        Ok(ctx.request()?.loaders.one::<conference::Entity>(self.0.conference_id).await?.map(Into::into))
    }
    /// The person serving, when the state named one.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn holder_name(&self) -> Option<&str> {
        self.0.holder_name.as_deref()
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct BodiesQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl BodiesQuery {
    /// The Conference of States Parties with this number (1 for CSP1).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CSP's number.")] number: i32,
    ) -> ApiResult<Option<Conference>> {
        let row = conference::Entity::find().filter(conference::Column::Number.eq(number)).one(ctx.db()?).await?;
        match row {
            Some(c) => Ok(Some(c.into())),
            None => Err(ApiError::NotFound(format!("conference {number}"))),
        }
    }

    /// All Conferences of States Parties, first to latest.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn conferences(&self, ctx: &Context<'_>) -> ApiResult<Vec<Conference>> {
        let rows = conference::Entity::find().order_by_asc(conference::Column::Number).all(ctx.db()?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Meetings, earliest first.
    #[graphql(directive = access::apply(AccessClass::Public))]
    #[allow(clippy::too_many_arguments)]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only meetings of this kind.")] kind: Option<MeetingKind>,
        #[graphql(desc = "Only meetings of the cycle of this CSP (its number).")] conference: Option<i32>,
    ) -> ApiResult<MeetingConnection> {
        let mut q = meeting::Entity::find();
        if let Some(k) = kind {
            q = q.filter(meeting::Column::Kind.eq(entity::enums::MeetingKind::from(k)));
        }
        if let Some(n) = conference {
            let c = conference::Entity::find().filter(conference::Column::Number.eq(n)).one(ctx.db()?).await?;
            let Some(c) = c else {
                return Err(ApiError::bad_input("conference", format!("there is no CSP{n}")));
            };
            q = q.filter(meeting::Column::ConferenceId.eq(c.id));
        }
        let order = Keyset {
            name: "start",
            key: Some((meeting::Column::StartDate, KeyKind::Date)),
            id: meeting::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(page.map(Meeting::from).into())
    }
}
