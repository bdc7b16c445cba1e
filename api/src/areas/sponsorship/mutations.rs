//! The Secretariat's records of Sponsorship Programme awards.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{meeting, sponsorship_award};
use serde::Serialize;

use super::SponsorshipAward;
use crate::areas::states::state_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::SponsorshipStatus;
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::scalars::Money;
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(sponsorship_award);

payload!(SponsorshipAwardPayload, sponsorship_award, SponsorshipAward, Partner, "sponsorship award");

/// A new Sponsorship Programme award.
#[derive(InputObject, Serialize)]
pub struct CreateSponsorshipAwardInput {
    /// The meeting (its id).
    pub meeting: ID,
    /// ISO alpha-3 code of the sponsored state.
    pub state: String,
    /// Where the award stands.
    pub status: SponsorshipStatus,
    /// The sponsored delegate's name (at most 200 characters).
    pub delegate_name: Option<String>,
    /// What the sponsorship costs (not negative).
    pub cost: Option<Money>,
    /// ISO 4217 currency of the cost.
    pub currency: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to an award; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateSponsorshipAwardInput {
    /// The award's id.
    pub id: ID,
    /// The version you read; if the award changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// The meeting (its id).
    pub meeting: Option<ID>,
    /// ISO alpha-3 code of the sponsored state.
    pub state: Option<String>,
    /// Where the award stands.
    pub status: Option<SponsorshipStatus>,
    /// The sponsored delegate's name (at most 200 characters).
    #[serde(skip)]
    pub delegate_name: MaybeUndefined<String>,
    /// What the sponsorship costs (not negative).
    #[serde(skip)]
    pub cost: MaybeUndefined<Money>,
    /// ISO 4217 currency of the cost.
    pub currency: Option<String>,
}

/// Checks an award as it would be stored.
fn check_award(c: &mut Check, a: &mut sponsorship_award::Model) {
    a.delegate_name = c.opt_text("input.delegateName", a.delegate_name.as_deref(), 200);
    if let Some(cost) = a.cost {
        c.amount("input.cost", Money(cost));
    }
    a.currency = c.currency("input.currency", &a.currency);
}

/// Mutations of Sponsorship Programme awards.
#[derive(Default)]
pub struct SponsorshipMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl SponsorshipMutation {
    /// Records a Sponsorship Programme award to a state's delegate for a meeting.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_sponsorship_award(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateSponsorshipAwardInput,
    ) -> ApiResult<SponsorshipAwardPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let db = ctx.db()?;
            let mut c = Check::new();
            let meeting = c.absorb(
                write::referenced::<meeting::Entity, _>(db, &input.meeting, "Meeting", "input.meeting").await,
            )?;
            let state = c.absorb(state_by_iso3(db, &input.state, "input.state").await)?;
            let mut a = sponsorship_award::Model {
                id: 0,
                meeting_id: meeting.map_or(0, |m| m.id),
                state_id: state.map_or(0, |s| s.id),
                status: input.status.into(),
                delegate_name: input.delegate_name.clone(),
                cost: input.cost.map(|m| m.0),
                currency: input.currency.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_award(&mut c, &mut a);
            c.finish()?;
            let m = Mutation::keyed("createSponsorshipAward", "SponsorshipAward", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<sponsorship_award::Entity>(a)).await?;
            Ok(SponsorshipAwardPayload(written::<sponsorship_award::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a Sponsorship Programme award, e.g. its status or cost.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_sponsorship_award(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateSponsorshipAwardInput,
    ) -> ApiResult<SponsorshipAwardPayload> {
        async {
            let id = expect_id(&input.id, "SponsorshipAward", "input.id")?;
            let db = ctx.db()?;
            let mut a =
                write::current::<sponsorship_award::Entity, _>(db, id, input.version, "the sponsorship award").await?;
            let mut c = Check::new();
            if let Some(m) = &input.meeting
                && let Some(m) =
                    c.absorb(write::referenced::<meeting::Entity, _>(db, m, "Meeting", "input.meeting").await)?
            {
                a.meeting_id = m.id;
            }
            if let Some(s) = &input.state
                && let Some(s) = c.absorb(state_by_iso3(db, s, "input.state").await)?
            {
                a.state_id = s.id;
            }
            if let Some(v) = input.status {
                a.status = v.into();
            }
            a.delegate_name = write::patch(&input.delegate_name, a.delegate_name);
            a.cost = write::patch(&input.cost, a.cost.map(Money)).map(|m| m.0);
            if let Some(v) = &input.currency {
                a.currency = v.clone();
            }
            check_award(&mut c, &mut a);
            c.finish()?;
            let m = Mutation::versioned("updateSponsorshipAward", "SponsorshipAward");
            let row = write::row::<sponsorship_award::Entity>(a);
            write::update(ctx, m, id, input.version, row, "the sponsorship award").await?;
            Ok(SponsorshipAwardPayload(written::<sponsorship_award::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
