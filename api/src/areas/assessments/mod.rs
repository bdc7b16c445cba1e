//! What the WGTU knows of each state (mostly SENSITIVE): dated assessments (tier and national
//! process stage, kept as a history), support needs, national points of contact, and outreach
//! engagements.

mod mutations;

pub use mutations::AssessmentsMutation;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{assessment, contact_point, engagement, state, support_need};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Select};

use super::states::{State, state_id_by_iso3};
use super::wrapper;
use crate::auth::{AccessClass, AccessSubject, FieldGuard, Principal, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::{EngagementActor, EngagementChannel, NeedStatus, ProcessStage, SupportCategory};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{HasMany, Table, open_table};
use crate::node::global_id;
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(assessment, contact_point, engagement);

impl Table for support_need::Entity {
    fn id_column() -> support_need::Column {
        support_need::Column::Id
    }
    fn id_of(model: &support_need::Model) -> i64 {
        model.id
    }
    /// Needs the state did not agree to share are SENSITIVE as a whole: callers who may not
    /// read SENSITIVE data do not see those rows at all.
    fn visible_to(principal: &Principal) -> Condition {
        if principal.may_read(AccessClass::Sensitive, None) {
            Condition::all()
        } else {
            Condition::all().add(support_need::Column::SharedWithPartners.eq(true))
        }
    }
}

wrapper!(Assessment, assessment::Model);
wrapper!(ContactPoint, contact_point::Model);
wrapper!(Engagement, engagement::Model);

/// A support need of a state.
#[derive(Clone)]
pub struct SupportNeed(pub support_need::Model);

impl From<support_need::Model> for SupportNeed {
    fn from(m: support_need::Model) -> Self {
        Self(m)
    }
}

impl AccessSubject for SupportNeed {
    fn record_id(&self) -> Option<i64> {
        Some(self.0.id)
    }
    fn floor(&self) -> Option<AccessClass> {
        (!self.0.shared_with_partners).then_some(AccessClass::Sensitive)
    }
}

crate::connection!(AssessmentConnection, AssessmentEdge, Assessment, "assessments");
crate::connection!(SupportNeedConnection, SupportNeedEdge, SupportNeed, "support needs");

/// A state's assessments, newest first (the first is the current one).
pub struct AssessmentsOfState;
impl HasMany for AssessmentsOfState {
    type Child = assessment::Entity;
    fn parent_column() -> assessment::Column {
        assessment::Column::StateId
    }
    fn order(select: Select<assessment::Entity>) -> Select<assessment::Entity> {
        select.order_by_desc(assessment::Column::AssessedOn).order_by_desc(assessment::Column::Id)
    }
}

/// A state's support needs the caller may see.
pub struct NeedsOfState;
impl HasMany for NeedsOfState {
    type Child = support_need::Entity;
    fn parent_column() -> support_need::Column {
        support_need::Column::StateId
    }
}

/// A state's national points of contact.
pub struct ContactPointsOfState;
impl HasMany for ContactPointsOfState {
    type Child = contact_point::Entity;
    fn parent_column() -> contact_point::Column {
        contact_point::Column::StateId
    }
}

/// Outreach contacts with a state, newest first.
pub struct EngagementsOfState;
impl HasMany for EngagementsOfState {
    type Child = engagement::Entity;
    fn parent_column() -> engagement::Column {
        engagement::Column::StateId
    }
    fn order(select: Select<engagement::Entity>) -> Select<engagement::Entity> {
        select.order_by_desc(engagement::Column::OccurredOn).order_by_desc(engagement::Column::Id)
    }
}

async fn state_of(ctx: &Context<'_>, id: i64) -> ApiResult<Option<State>> {
    Ok(ctx.request()?.loaders.one::<state::Entity>(id).await?.map(Into::into))
}

/// A dated WGTU assessment of a state: its tier and where its national process stands.
/// Assessments are never edited: a new one is appended and becomes the current one.
#[Object(guard = "FieldGuard::new(self)")]
impl Assessment {
    /// The global id of this assessment.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Assessment", self.0.id)
    }
    /// The state assessed.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        state_of(ctx, self.0.state_id).await
    }
    /// The date of the assessment.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn assessed_on(&self) -> Option<NaiveDate> {
        Some(self.0.assessed_on)
    }
    /// Tier 1: signatory likely to join soon; 2: signatory likely to join in coming years;
    /// 3: other state inclined to join; 4: all others.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn tier(&self) -> Option<i32> {
        Some(self.0.tier.into())
    }
    /// Where the national ratification or accession process stands.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn process_stage(&self) -> Option<ProcessStage> {
        Some(self.0.process_stage.into())
    }
    /// What blocks or slows the process.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn challenges(&self) -> Option<&str> {
        Some(&self.0.challenges)
    }
    /// Further notes.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Who assessed (a WGTU member or body).
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn assessed_by(&self) -> Option<&str> {
        Some(&self.0.assessed_by)
    }
    /// When this record was created.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn created_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }
}

/// A support need of a state. Needs the state agreed to share are PARTNER data; the others
/// are SENSITIVE as a whole, and hidden from callers who may not read SENSITIVE data.
#[Object(guard = "FieldGuard::new(self)")]
impl SupportNeed {
    /// The global id of this need.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("SupportNeed", self.0.id)
    }
    /// The state in need.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        state_of(ctx, self.0.state_id).await
    }
    /// The kind of support needed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn category(&self) -> Option<SupportCategory> {
        Some(self.0.category.into())
    }
    /// What is needed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn description(&self) -> Option<&str> {
        Some(&self.0.description)
    }
    /// Whether the need is open, being met, met or closed.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn status(&self) -> Option<NeedStatus> {
        Some(self.0.status.into())
    }
    /// Whether the state agreed to share this need with partners.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn shared_with_partners(&self) -> Option<bool> {
        Some(self.0.shared_with_partners)
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

/// An ATT national point of contact of a state.
#[Object(guard = "FieldGuard::new(self)")]
impl ContactPoint {
    /// The global id of this contact point.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("ContactPoint", self.0.id)
    }
    /// The state.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        state_of(ctx, self.0.state_id).await
    }
    /// Name of the person.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }
    /// Job title.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }
    /// Ministry or agency.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn ministry(&self) -> Option<&str> {
        self.0.ministry.as_deref()
    }
    /// E-mail addresses.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn emails(&self) -> Option<&[String]> {
        Some(&self.0.emails.0)
    }
    /// Telephone numbers.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn phones(&self) -> Option<&[String]> {
        Some(&self.0.phones.0)
    }
    /// Postal address.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// An outreach contact with a state.
#[Object(guard = "FieldGuard::new(self)")]
impl Engagement {
    /// The global id of this engagement.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Engagement", self.0.id)
    }
    /// The state contacted.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn state(&self, ctx: &Context<'_>) -> ApiResult<Option<State>> {
        state_of(ctx, self.0.state_id).await
    }
    /// When the contact took place.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn occurred_on(&self) -> Option<NaiveDate> {
        Some(self.0.occurred_on)
    }
    /// How.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn channel(&self) -> Option<EngagementChannel> {
        Some(self.0.channel.into())
    }
    /// By whom.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn actor(&self) -> Option<EngagementActor> {
        Some(self.0.actor.into())
    }
    /// What was discussed.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn summary(&self) -> Option<&str> {
        Some(&self.0.summary)
    }
    /// What came of it.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// When to follow up.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn follow_up_on(&self) -> Option<NaiveDate> {
        self.0.follow_up_on
    }
    /// The version to send back when updating this record.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// Root fields of this area.
#[derive(Default)]
pub struct AssessmentsQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl AssessmentsQuery {
    /// All assessments (the whole history), oldest change first: for scripts pulling changes.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    #[allow(clippy::too_many_arguments)]
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only assessments of the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only assessments with this tier.")] tier: Option<i32>,
        #[graphql(desc = "Only assessments created or changed at or after this time.")] updated_since: Option<
            DateTime<Utc>,
        >,
    ) -> ApiResult<Option<AssessmentConnection>> {
        let mut q = assessment::Entity::find();
        if let Some(iso3) = state {
            q = q.filter(assessment::Column::StateId.eq(state_id_by_iso3(ctx, &iso3, "state").await?));
        }
        if let Some(t) = tier {
            if !(1..=4).contains(&t) {
                return Err(ApiError::bad_input("tier", format!("`tier` must be 1, 2, 3 or 4 (got {t})")));
            }
            q = q.filter(assessment::Column::Tier.eq(t as i16));
        }
        if let Some(t) = updated_since {
            q = q.filter(assessment::Column::UpdatedAt.gte(t));
        }
        let order = Keyset {
            name: "updated",
            key: Some((assessment::Column::UpdatedAt, KeyKind::Timestamp)),
            id: assessment::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(Assessment::from).into()))
    }

    /// Support needs the caller may see, oldest change first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    #[allow(clippy::too_many_arguments)]
    async fn support_needs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only needs of the state with this ISO alpha-3 code.")] state: Option<String>,
        #[graphql(desc = "Only needs of this category.")] category: Option<SupportCategory>,
        #[graphql(desc = "Only needs with this status.")] status: Option<NeedStatus>,
        #[graphql(desc = "Only needs changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<SupportNeedConnection>> {
        let mut q = support_need::Entity::find_visible(&ctx.request()?.principal);
        if let Some(iso3) = state {
            q = q.filter(support_need::Column::StateId.eq(state_id_by_iso3(ctx, &iso3, "state").await?));
        }
        if let Some(c) = category {
            q = q.filter(support_need::Column::Category.eq(entity::enums::SupportCategory::from(c)));
        }
        if let Some(s) = status {
            q = q.filter(support_need::Column::Status.eq(entity::enums::NeedStatus::from(s)));
        }
        if let Some(t) = updated_since {
            q = q.filter(support_need::Column::UpdatedAt.gte(t));
        }
        let order = Keyset {
            name: "updated",
            key: Some((support_need::Column::UpdatedAt, KeyKind::Timestamp)),
            id: support_need::Column::Id,
            descending: false,
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(Some(page.map(SupportNeed::from).into()))
    }
}
