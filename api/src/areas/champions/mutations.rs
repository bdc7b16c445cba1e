//! Regional champions (the Secretariat records the terms) and the states each accompanies
//! (the WGTU assigns and ends them).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::enums::AttStatus;
use entity::{champion, champion_assignment, state};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use super::{Champion, ChampionAssignment};
use crate::areas::states::state_by_iso3;
use crate::auth::{AccessClass, AccessSubject, FieldGuard, RoleName, access, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::{ChampionKind, UnRegionalGroup};
use crate::error::ApiResult;
use crate::node::{expect_id, global_id};
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(champion, champion_assignment);

payload!(ChampionPayload, champion, Champion, Public, "champion");
payload!(ChampionAssignmentPayload, champion_assignment, ChampionAssignment, Sensitive, "champion assignment");

/// A new regional champion's term.
#[derive(InputObject, Serialize)]
pub struct CreateChampionInput {
    /// ISO alpha-3 code of the championing state: a State Party.
    pub state: String,
    /// The regional group it champions in: the state's own group.
    pub un_regional_group: UnRegionalGroup,
    /// Vice-President or volunteer.
    pub kind: ChampionKind,
    /// First day of the term.
    pub term_start: NaiveDate,
    /// Last day of the term (not before the first).
    pub term_end: NaiveDate,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a champion's term; fields left out keep their value.
#[derive(InputObject, Serialize)]
pub struct UpdateChampionInput {
    /// The champion's id.
    pub id: ID,
    /// The version you read; if the champion changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// ISO alpha-3 code of the championing state: a State Party.
    pub state: Option<String>,
    /// The regional group it champions in: the state's own group.
    pub un_regional_group: Option<UnRegionalGroup>,
    /// Vice-President or volunteer.
    pub kind: Option<ChampionKind>,
    /// First day of the term.
    pub term_start: Option<NaiveDate>,
    /// Last day of the term.
    pub term_end: Option<NaiveDate>,
}

/// A state a champion starts to accompany.
#[derive(InputObject, Serialize)]
pub struct CreateChampionAssignmentInput {
    /// The champion's id.
    pub champion: ID,
    /// ISO alpha-3 code of the accompanied state.
    pub state: String,
    /// Since when.
    pub since: NaiveDate,
    /// Notes on the accompaniment (at most 2,000 characters).
    pub note: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to an accompaniment; fields left out keep their value, `null` clears the note.
#[derive(InputObject, Serialize)]
pub struct UpdateChampionAssignmentInput {
    /// The assignment's id.
    pub id: ID,
    /// The version you read; if the assignment changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Since when.
    pub since: Option<NaiveDate>,
    /// Notes on the accompaniment (at most 2,000 characters).
    #[serde(skip)]
    pub note: MaybeUndefined<String>,
}

/// Which accompaniment ends.
#[derive(InputObject, Serialize)]
pub struct EndChampionAssignmentInput {
    /// The assignment's id.
    pub id: ID,
    /// The version you read; if the assignment changed since, nothing is deleted (`CONFLICT`).
    pub version: i32,
}

/// The result of ending an accompaniment.
pub struct EndChampionAssignmentPayload {
    assignment_id: i64,
    champion: Option<champion::Model>,
}
impl AccessSubject for EndChampionAssignmentPayload {}

/// The result of ending an accompaniment: the assignment no longer exists.
#[Object(guard = "FieldGuard::new(self)")]
impl EndChampionAssignmentPayload {
    /// The id the ended assignment had.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn ended_assignment_id(&self) -> Option<ID> {
        Some(global_id("ChampionAssignment", self.assignment_id))
    }
    /// The champion, with the states it still accompanies.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn champion(&self) -> Option<Champion> {
        self.champion.clone().map(Into::into)
    }
}

/// Checks a champion's term as it would be stored, against its state (when known).
fn check_champion(c: &mut Check, ch: &champion::Model, state: Option<&state::Model>) {
    if let Some(s) = state {
        if s.att_status != AttStatus::StateParty {
            c.fail("input.state", format!("{} is not a State Party; only States Parties are champions", s.iso3));
        } else if ch.un_regional_group != s.un_regional_group {
            c.fail(
                "input.unRegionalGroup",
                format!(
                    "{} belongs to the {} group; a champion champions in its own group",
                    s.iso3,
                    s.un_regional_group.as_str()
                ),
            );
        }
    }
    c.date_range("input.termStart", ch.term_start, "input.termEnd", ch.term_end);
}

/// Mutations of regional champions and their accompaniment of states.
#[derive(Default)]
pub struct ChampionsMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl ChampionsMutation {
    /// Records a regional champion's term.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_champion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateChampionInput,
    ) -> ApiResult<ChampionPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state = c.absorb(state_by_iso3(ctx.db()?, &input.state, "input.state").await)?;
            let ch = champion::Model {
                id: 0,
                state_id: state.as_ref().map_or(0, |s| s.id),
                un_regional_group: input.un_regional_group.into(),
                kind: input.kind.into(),
                term_start: input.term_start,
                term_end: input.term_end,
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_champion(&mut c, &ch, state.as_ref());
            c.finish()?;
            let m = Mutation::keyed("createChampion", "Champion", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<champion::Entity>(ch)).await?;
            Ok(ChampionPayload(written::<champion::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a regional champion's term.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_champion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateChampionInput,
    ) -> ApiResult<ChampionPayload> {
        async {
            let id = expect_id(&input.id, "Champion", "input.id")?;
            let db = ctx.db()?;
            let mut ch = write::current::<champion::Entity, _>(db, id, input.version, "the champion").await?;
            let mut c = Check::new();
            let state = match &input.state {
                Some(s) => c.absorb(state_by_iso3(db, s, "input.state").await)?,
                None => state::Entity::find_by_id(ch.state_id).one(db).await?,
            };
            if let Some(s) = &state {
                ch.state_id = s.id;
            }
            if let Some(v) = input.un_regional_group {
                ch.un_regional_group = v.into();
            }
            if let Some(v) = input.kind {
                ch.kind = v.into();
            }
            ch.term_start = input.term_start.unwrap_or(ch.term_start);
            ch.term_end = input.term_end.unwrap_or(ch.term_end);
            check_champion(&mut c, &ch, state.as_ref());
            c.finish()?;
            let m = Mutation::versioned("updateChampion", "Champion");
            write::update(ctx, m, id, input.version, write::row::<champion::Entity>(ch), "the champion").await?;
            Ok(ChampionPayload(written::<champion::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records that a champion accompanies a state.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_champion_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateChampionAssignmentInput,
    ) -> ApiResult<ChampionAssignmentPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let db = ctx.db()?;
            let mut c = Check::new();
            let champion = c.absorb(
                write::referenced::<champion::Entity, _>(db, &input.champion, "Champion", "input.champion").await,
            )?;
            let state = c.absorb(state_by_iso3(db, &input.state, "input.state").await)?;
            c.date("input.since", input.since);
            let note = c.opt_text("input.note", input.note.as_deref(), 2_000);
            if let (Some(ch), Some(s)) = (&champion, &state) {
                if ch.state_id == s.id {
                    c.fail("input.state", "a champion does not accompany its own state");
                } else {
                    let already = champion_assignment::Entity::find()
                        .filter(champion_assignment::Column::ChampionId.eq(ch.id))
                        .filter(champion_assignment::Column::StateId.eq(s.id))
                        .count(db)
                        .await?;
                    if already > 0 {
                        c.fail("input.state", "the champion already accompanies this state");
                    }
                }
            }
            c.finish()?;
            let a = champion_assignment::Model {
                id: 0,
                champion_id: champion.map_or(0, |ch| ch.id),
                state_id: state.map_or(0, |s| s.id),
                since: input.since,
                note,
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            let m = Mutation::keyed("createChampionAssignment", "ChampionAssignment", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<champion_assignment::Entity>(a)).await?;
            Ok(ChampionAssignmentPayload(written::<champion_assignment::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes when an accompaniment started, or its note.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn update_champion_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateChampionAssignmentInput,
    ) -> ApiResult<ChampionAssignmentPayload> {
        async {
            let id = expect_id(&input.id, "ChampionAssignment", "input.id")?;
            let db = ctx.db()?;
            let mut a =
                write::current::<champion_assignment::Entity, _>(db, id, input.version, "the champion assignment")
                    .await?;
            let mut c = Check::new();
            if let Some(v) = input.since {
                a.since = c.date("input.since", v);
            }
            a.note = c.opt_text("input.note", write::patch(&input.note, a.note.clone()).as_deref(), 2_000);
            c.finish()?;
            let m = Mutation::versioned("updateChampionAssignment", "ChampionAssignment");
            let row = write::row::<champion_assignment::Entity>(a);
            write::update(ctx, m, id, input.version, row, "the champion assignment").await?;
            Ok(ChampionAssignmentPayload(written::<champion_assignment::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Ends a champion's accompaniment of a state: the assignment is deleted (the audit trail
    /// keeps who ended it and when).
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn end_champion_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assignment and the version you read.")] input: EndChampionAssignmentInput,
    ) -> ApiResult<EndChampionAssignmentPayload> {
        async {
            let id = expect_id(&input.id, "ChampionAssignment", "input.id")?;
            let db = ctx.db()?;
            let a = write::current::<champion_assignment::Entity, _>(db, id, input.version, "the champion assignment")
                .await?;
            let m = Mutation::versioned("endChampionAssignment", "ChampionAssignment");
            write::delete::<champion_assignment::Entity>(ctx, m, id, input.version, "the champion assignment").await?;
            let champion = champion::Entity::find_by_id(a.champion_id).one(db).await?;
            Ok(EndChampionAssignmentPayload { assignment_id: id, champion })
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
