//! The Secretariat's records of its advice to states.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::advisory_consultation;
use entity::enums::ProgrammeList;
use serde::Serialize;

use super::AdvisoryConsultation;
use crate::areas::states::state_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::Programme;
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(advisory_consultation);

payload!(AdvisoryConsultationPayload, advisory_consultation, AdvisoryConsultation, Sensitive, "advisory consultation");

/// The Secretariat's advice to a state.
#[derive(InputObject, Serialize)]
pub struct CreateAdvisoryConsultationInput {
    /// ISO alpha-3 code of the state advised.
    pub state: String,
    /// When the advice was given.
    pub consulted_on: NaiveDate,
    /// The programmes to use, in order (e.g. `SPONSORSHIP`, then `VTF`): at least one, each
    /// named once.
    pub pathway: Vec<Programme>,
    /// Why this pathway (at most 5,000 characters).
    pub rationale: String,
    /// What follows (at most 2,000 characters).
    pub follow_up: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a consultation; fields left out keep their value, `null` clears the follow-up.
#[derive(InputObject, Serialize)]
pub struct UpdateAdvisoryConsultationInput {
    /// The consultation's id.
    pub id: ID,
    /// The version you read; if the consultation changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// ISO alpha-3 code of the state advised.
    pub state: Option<String>,
    /// When the advice was given.
    pub consulted_on: Option<NaiveDate>,
    /// The programmes to use, in order; replaces the pathway.
    pub pathway: Option<Vec<Programme>>,
    /// Why this pathway (at most 5,000 characters).
    pub rationale: Option<String>,
    /// What follows (at most 2,000 characters).
    #[serde(skip)]
    pub follow_up: MaybeUndefined<String>,
}

/// Checks a consultation as it would be stored.
fn check_consultation(c: &mut Check, a: &mut advisory_consultation::Model) {
    c.date("input.consultedOn", a.consulted_on);
    if a.pathway.0.is_empty() {
        c.fail("input.pathway", "`pathway` names at least one programme");
    }
    c.distinct("input.pathway", &a.pathway.0);
    a.rationale = c.text("input.rationale", &a.rationale, 5_000);
    a.follow_up = c.opt_text("input.followUp", a.follow_up.as_deref(), 2_000);
}

fn pathway(programmes: &[Programme]) -> ProgrammeList {
    ProgrammeList(programmes.iter().map(|p| (*p).into()).collect())
}

/// Mutations of the Secretariat's advice to states.
#[derive(Default)]
pub struct AdviceMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl AdviceMutation {
    /// Records the Secretariat's advice to a state on which programmes to use, in which order.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_advisory_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateAdvisoryConsultationInput,
    ) -> ApiResult<AdvisoryConsultationPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state = c.absorb(state_by_iso3(ctx.db()?, &input.state, "input.state").await)?;
            let mut a = advisory_consultation::Model {
                id: 0,
                state_id: state.map_or(0, |s| s.id),
                consulted_on: input.consulted_on,
                pathway: pathway(&input.pathway),
                rationale: input.rationale.clone(),
                follow_up: input.follow_up.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_consultation(&mut c, &mut a);
            c.finish()?;
            let m = Mutation::keyed("createAdvisoryConsultation", "AdvisoryConsultation", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<advisory_consultation::Entity>(a)).await?;
            Ok(AdvisoryConsultationPayload(written::<advisory_consultation::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a record of advice to a state.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_advisory_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateAdvisoryConsultationInput,
    ) -> ApiResult<AdvisoryConsultationPayload> {
        async {
            let id = expect_id(&input.id, "AdvisoryConsultation", "input.id")?;
            let db = ctx.db()?;
            let what = "the advisory consultation";
            let mut a = write::current::<advisory_consultation::Entity, _>(db, id, input.version, what).await?;
            let mut c = Check::new();
            if let Some(s) = &input.state
                && let Some(s) = c.absorb(state_by_iso3(db, s, "input.state").await)?
            {
                a.state_id = s.id;
            }
            a.consulted_on = input.consulted_on.unwrap_or(a.consulted_on);
            if let Some(p) = &input.pathway {
                a.pathway = pathway(p);
            }
            if let Some(v) = &input.rationale {
                a.rationale = v.clone();
            }
            a.follow_up = write::patch(&input.follow_up, a.follow_up);
            check_consultation(&mut c, &mut a);
            c.finish()?;
            let m = Mutation::versioned("updateAdvisoryConsultation", "AdvisoryConsultation");
            let row = write::row::<advisory_consultation::Entity>(a);
            write::update(ctx, m, id, input.version, row, what).await?;
            Ok(AdvisoryConsultationPayload(written::<advisory_consultation::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
