//! States and their treaty status (PUBLIC), and the root of each state's dossier: every
//! relation a dashboard walks from a state.

mod mutations;

pub use mutations::StatesMutation;

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{assessment, state};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use std::collections::HashMap;
use std::sync::RwLock;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select};

use super::advice::AdvisoryConsultation;
use super::assessments::{
    Assessment, AssessmentsOfState, ContactPoint, ContactPointsOfState, Engagement, EngagementsOfState, NeedsOfState,
    SupportNeed,
};
use super::bodies::{OfficeTerm, OfficeTermsOfState};
use super::champions::{AssignmentsOfState, Champion, ChampionAssignment, ChampionTermsOfState};
use super::overview::CurrencyAmount;
use super::plans::{PlanTarget, TargetsOfState};
use super::reports::ActivityReportConnection;
use super::sponsorship::{AwardsOfState, SponsorshipAward};
use super::vtf::{ProjectsOfState, VtfProject};
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::{AttStatus, ConsentKind, Continent, ProcessStage, UnRegionalGroup};
use crate::error::{ApiError, ApiResult};
use crate::loaders::{Table, open_table};
use crate::node::global_id;
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(state);

wrapper!(State, state::Model);

crate::connection!(StateConnection, StateEdge, State, "states");

/// A state (UN member, the Holy See or the State of Palestine) and its status under the Arms
/// Trade Treaty. The treaty status is public; what the ATT bodies and partners know about the
/// state hangs off it, each field with its own access class.
#[Object(guard = "FieldGuard::new(self)")]
impl State {
    /// The global id of this state.
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("State", self.0.id)
    }
    /// ISO 3166-1 alpha-3 code, e.g. `GHA`.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn iso3(&self) -> &str {
        &self.0.iso3
    }
    /// ISO 3166-1 alpha-2 code, e.g. `GH`.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn iso2(&self) -> &str {
        &self.0.iso2
    }
    /// Short name as used by the United Nations.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The UN regional group the state belongs to.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn un_regional_group(&self) -> UnRegionalGroup {
        self.0.un_regional_group.into()
    }
    /// The continent.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn continent(&self) -> Continent {
        self.0.continent.into()
    }
    /// Status under the Treaty.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn att_status(&self) -> AttStatus {
        self.0.att_status.into()
    }
    /// When the state signed the Treaty (it opened for signature on 3 June 2013).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn signature_date(&self) -> Option<NaiveDate> {
        self.0.signature_date
    }
    /// When the state deposited its instrument of ratification, acceptance, approval or accession.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn consent_date(&self) -> Option<NaiveDate> {
        self.0.consent_date
    }
    /// How the state consented to be bound.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn consent_kind(&self) -> Option<ConsentKind> {
        self.0.consent_kind.map(Into::into)
    }
    /// When the Treaty entered into force for the state: 24 December 2014, or 90 days after a
    /// later deposit.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn entry_into_force_date(&self) -> Option<NaiveDate> {
        self.0.entry_into_force_date
    }
    /// Whether the state has a permanent mission in Geneva, where the ATT meets.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn geneva_mission(&self) -> bool {
        self.0.geneva_mission
    }
    /// When this record was created.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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

    /// The latest WGTU assessment: tier and national process stage.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn current_assessment(&self, ctx: &Context<'_>) -> ApiResult<Option<Assessment>> {
        let rows = ctx.request()?.loaders.children::<AssessmentsOfState>(self.0.id).await?;
        Ok(rows.into_iter().next().map(Into::into))
    }
    /// Every WGTU assessment of the state, newest first: the history of its national process.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn assessments(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Assessment>>> {
        let rows = ctx.request()?.loaders.children::<AssessmentsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The state's support needs: those it agreed to share, and for `wgtu` and `secretariat`
    /// all of them.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn support_needs(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<SupportNeed>>> {
        let rows = ctx.request()?.loaders.children::<NeedsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The state's ATT national points of contact.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn contact_points(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<ContactPoint>>> {
        let rows = ctx.request()?.loaders.children::<ContactPointsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// Outreach contacts with the state, newest first.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn engagements(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Engagement>>> {
        let rows = ctx.request()?.loaders.children::<EngagementsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The regional champions accompanying the state.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn accompanied_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<ChampionAssignment>>> {
        let rows = ctx.request()?.loaders.children::<AssignmentsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The terms in which this state (a State Party) serves as a regional champion.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn champion_terms(&self, ctx: &Context<'_>) -> ApiResult<Vec<Champion>> {
        let rows = ctx.request()?.loaders.children::<ChampionTermsOfState>(self.0.id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
    /// Offices of the ATT process the state has held.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn office_terms(&self, ctx: &Context<'_>) -> ApiResult<Vec<OfficeTerm>> {
        let rows = ctx.request()?.loaders.children::<OfficeTermsOfState>(self.0.id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
    /// Voluntary Trust Fund projects of the state, newest cycle first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn vtf_projects(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<VtfProject>>> {
        let rows = ctx.request()?.loaders.children::<ProjectsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// VTF amounts approved for the state, summed per currency.
    #[graphql(directive = access::apply(AccessClass::Financial))]
    async fn vtf_approved(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<CurrencyAmount>>> {
        let rows = ctx.request()?.loaders.children::<ProjectsOfState>(self.0.id).await?;
        let mut sums: Vec<CurrencyAmount> = Vec::new();
        for p in rows {
            let Some(amount) = p.amount_approved else { continue };
            match sums.iter_mut().find(|s| s.currency == p.currency) {
                Some(s) => s.amount += amount,
                None => sums.push(CurrencyAmount { currency: p.currency, amount }),
            }
        }
        sums.sort_by(|a, b| a.currency.cmp(&b.currency));
        Ok(Some(sums))
    }
    /// Sponsorship Programme awards to the state's delegates.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn sponsorship_awards(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<SponsorshipAward>>> {
        let rows = ctx.request()?.loaders.children::<AwardsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// The Secretariat's advice to the state on which programmes to use, newest first.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn consultations(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<AdvisoryConsultation>>> {
        let rows = ctx.request()?.loaders.children::<super::advice::ConsultationsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// Targets that universalization plans set for the state.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn plan_targets(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<PlanTarget>>> {
        let rows = ctx.request()?.loaders.children::<TargetsOfState>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// Partners' activity reports targeting the state, latest activity first.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn activity_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
    ) -> ApiResult<Option<ActivityReportConnection>> {
        let args = PageArgs { first, after, last, before };
        let page = super::reports::page_for_state(ctx, self.0.id, args, wants_total(ctx)).await?;
        Ok(Some(page))
    }
}

/// The orders a list of states can be read in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum StateOrder {
    /// By name, A to Z.
    #[default]
    Name,
    /// By ISO alpha-3 code.
    Iso3,
    /// Oldest change first: with `updatedSince`, what a script pulling changes wants.
    UpdatedAt,
}

impl StateOrder {
    pub(crate) fn keyset(self) -> Keyset<state::Entity> {
        let (name, key) = match self {
            Self::Name => ("name", (state::Column::Name, KeyKind::Text)),
            Self::Iso3 => ("iso3", (state::Column::Iso3, KeyKind::Text)),
            Self::UpdatedAt => ("updated", (state::Column::UpdatedAt, KeyKind::Timestamp)),
        };
        Keyset { name, key: Some(key), id: state::Column::Id, descending: false }
    }
}

/// The id of the state with this ISO alpha-3 code; `BAD_USER_INPUT` naming `field` when the
/// code is malformed or no state has it.
pub async fn state_id_by_iso3(ctx: &Context<'_>, iso3: &str, field: &str) -> ApiResult<i64> {
    let code = crate::validation::Iso3::parse(iso3).map_err(|m| ApiError::bad_input(field, m))?;
    let app = ctx.app()?;
    app.state_ids
        .of(&app.db, &[code.as_str()])
        .await?
        .get(code.as_str())
        .copied()
        .ok_or_else(|| ApiError::bad_input(field, format!("no state has the ISO code {}", code.as_str())))
}

/// The states' ids by ISO alpha-3 code, remembered. States are reference data: the migrations
/// and the seed load them, and no mutation creates, recodes or deletes one (their rows are
/// referenced everywhere), so a code once found keeps its id. A code not remembered is looked
/// up in the database every time, so a state loaded later is found.
#[derive(Default)]
pub struct StateIds(RwLock<HashMap<String, i64>>);

impl StateIds {
    /// The ids of those of `codes` (well-formed ISO codes) that name a state.
    pub async fn of(&self, db: &impl ConnectionTrait, codes: &[&str]) -> Result<HashMap<String, i64>, DbErr> {
        let mut found = HashMap::with_capacity(codes.len());
        let mut missing = Vec::new();
        match self.0.read() {
            Ok(known) => {
                for code in codes {
                    match known.get(*code) {
                        Some(id) => _ = found.insert((*code).to_owned(), *id),
                        None => missing.push((*code).to_owned()),
                    }
                }
            }
            Err(_) => missing.extend(codes.iter().map(|c| (*c).to_owned())),
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let rows: Vec<(i64, String)> = state::Entity::find()
            .select_only()
            .column(state::Column::Id)
            .column(state::Column::Iso3)
            .filter(state::Column::Iso3.is_in(missing))
            .into_tuple()
            .all(db)
            .await?;
        if let Ok(mut known) = self.0.write() {
            known.extend(rows.iter().map(|(id, code)| (code.clone(), *id)));
        }
        found.extend(rows.into_iter().map(|(id, code)| (code, id)));
        Ok(found)
    }
}

/// The state with this ISO alpha-3 code; `BAD_USER_INPUT` naming `field` when the code is
/// malformed or no state has it.
pub async fn state_by_iso3(db: &impl ConnectionTrait, iso3: &str, field: &str) -> ApiResult<state::Model> {
    let code = crate::validation::Iso3::parse(iso3).map_err(|m| ApiError::bad_input(field, m))?;
    state::Entity::find()
        .filter(state::Column::Iso3.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, format!("no state has the ISO code {}", code.as_str())))
}

/// The condition "the state's current assessment has `column = value`" on `states.id`. The
/// current assessment is the one no other assessment of the state follows in
/// (`assessed_on`, `id`).
fn current_assessment_where(column: assessment::Column, value: sea_orm::Value) -> Expr {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let newer = Query::select()
        .expr(Expr::val(1))
        .from_as(assessment::Entity, b.clone())
        .and_where(Expr::col((b.clone(), assessment::Column::StateId)).equals((a.clone(), assessment::Column::StateId)))
        .and_where(
            Expr::tuple([
                Expr::col((b.clone(), assessment::Column::AssessedOn)),
                Expr::col((b, assessment::Column::Id)),
            ])
            .gt(Expr::tuple([
                Expr::col((a.clone(), assessment::Column::AssessedOn)),
                Expr::col((a.clone(), assessment::Column::Id)),
            ])),
        )
        .to_owned();
    let current = Query::select()
        .column((a.clone(), assessment::Column::StateId))
        .from_as(assessment::Entity, a.clone())
        .and_where(Expr::col((a, column)).eq(value))
        .and_where(Expr::exists(newer).not())
        .to_owned();
    state::Column::Id.in_subquery(current)
}

/// Root fields of this area.
#[derive(Default)]
pub struct StatesQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl StatesQuery {
    /// The state with this ISO 3166-1 alpha-3 code.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn state(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO alpha-3 code, e.g. `GHA`.")] iso3: String,
    ) -> ApiResult<Option<State>> {
        let code = crate::validation::Iso3::parse(&iso3).map_err(|m| ApiError::bad_input("iso3", m))?;
        let row = state::Entity::find().filter(state::Column::Iso3.eq(code.as_str())).one(ctx.db()?).await?;
        match row {
            Some(s) => Ok(Some(s.into())),
            None => Err(ApiError::NotFound(format!("state {}", code.as_str()))),
        }
    }

    /// All states, filtered and ordered.
    #[graphql(directive = access::apply(AccessClass::Public))]
    #[allow(clippy::too_many_arguments)]
    async fn states(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only states with this treaty status.")] att_status: Option<AttStatus>,
        #[graphql(desc = "Only states of this UN regional group.")] un_regional_group: Option<UnRegionalGroup>,
        #[graphql(desc = "Only states of this continent.")] continent: Option<Continent>,
        #[graphql(desc = "Only states whose current assessment has this tier (1 to 4).", directive = access::apply(AccessClass::Sensitive))]
        tier: Option<i32>,
        #[graphql(desc = "Only states whose current assessment is at this stage.", directive = access::apply(AccessClass::Sensitive))]
        process_stage: Option<ProcessStage>,
        #[graphql(desc = "Only states changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
        #[graphql(desc = "The order of the rows.", default)] order_by: StateOrder,
    ) -> ApiResult<StateConnection> {
        let mut q: Select<state::Entity> = state::Entity::find();
        if let Some(s) = att_status {
            q = q.filter(state::Column::AttStatus.eq(entity::enums::AttStatus::from(s)));
        }
        if let Some(g) = un_regional_group {
            q = q.filter(state::Column::UnRegionalGroup.eq(entity::enums::UnRegionalGroup::from(g)));
        }
        if let Some(c) = continent {
            q = q.filter(state::Column::Continent.eq(entity::enums::Continent::from(c)));
        }
        if let Some(t) = tier {
            if !(1..=4).contains(&t) {
                return Err(ApiError::bad_input("tier", format!("`tier` must be 1, 2, 3 or 4 (got {t})")));
            }
            q = q.filter(current_assessment_where(assessment::Column::Tier, (t as i16).into()));
        }
        if let Some(p) = process_stage {
            q = q.filter(current_assessment_where(
                assessment::Column::ProcessStage,
                entity::enums::ProcessStage::from(p).as_str().into(),
            ));
        }
        if let Some(t) = updated_since {
            q = q.filter(state::Column::UpdatedAt.gte(t));
        }
        let args = PageArgs { first, after, last, before };
        let page = paginate(ctx.db()?, q, &order_by.keyset(), &args, wants_total(ctx)).await?;
        Ok(page.map(State::from).into())
    }
}
