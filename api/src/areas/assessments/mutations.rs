//! The WGTU's records of a state: assessments (appended, never edited), support needs,
//! national points of contact, outreach engagements.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::enums::StringList;
use entity::{assessment, contact_point, engagement, support_need};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde::Serialize;

use super::{Assessment, ContactPoint, Engagement, SupportNeed};
use crate::areas::states::state_id_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::db::now;
use crate::enums::{EngagementActor, EngagementChannel, NeedStatus, ProcessStage, SupportCategory};
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(support_need, contact_point, engagement);

payload!(AssessmentPayload, assessment, Assessment, Sensitive, "assessment");
payload!(SupportNeedPayload, support_need, SupportNeed, Partner, "support need");
payload!(ContactPointPayload, contact_point, ContactPoint, Sensitive, "contact point");
payload!(EngagementPayload, engagement, Engagement, Sensitive, "engagement");

/// A new assessment of a state; it becomes the state's current one if it is the latest.
#[derive(InputObject, Serialize)]
pub struct CreateAssessmentInput {
    /// ISO alpha-3 code of the state assessed.
    pub state: String,
    /// The date of the assessment.
    pub assessed_on: NaiveDate,
    /// Tier 1 to 4 (see `Assessment.tier`).
    pub tier: i32,
    /// Where the national process stands.
    pub process_stage: ProcessStage,
    /// What blocks or slows the process (at most 5,000 characters).
    pub challenges: String,
    /// Further notes (at most 5,000 characters).
    pub notes: Option<String>,
    /// Who assessed: a WGTU member or body (at most 200 characters).
    pub assessed_by: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// A new support need of a state.
#[derive(InputObject, Serialize)]
pub struct CreateSupportNeedInput {
    /// ISO alpha-3 code of the state.
    pub state: String,
    /// The kind of support needed.
    pub category: SupportCategory,
    /// What is needed (at most 5,000 characters).
    pub description: String,
    /// Whether the need is open, being met, met or closed.
    pub status: NeedStatus,
    /// Whether the state agreed to share the need with partners.
    pub shared_with_partners: bool,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a support need; fields left out keep their value.
#[derive(InputObject, Serialize)]
pub struct UpdateSupportNeedInput {
    /// The need's id.
    pub id: ID,
    /// The version you read; if the need changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// The kind of support needed.
    pub category: Option<SupportCategory>,
    /// What is needed.
    pub description: Option<String>,
    /// Whether the need is open, being met, met or closed.
    pub status: Option<NeedStatus>,
    /// Whether the state agreed to share the need with partners.
    pub shared_with_partners: Option<bool>,
}

/// A new national point of contact of a state.
#[derive(InputObject, Serialize)]
pub struct CreateContactPointInput {
    /// ISO alpha-3 code of the state.
    pub state: String,
    /// Name of the person (at most 200 characters).
    pub name: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Ministry or agency.
    pub ministry: Option<String>,
    /// E-mail addresses (at most 5).
    #[graphql(default)]
    pub emails: Vec<String>,
    /// Telephone numbers (at most 5).
    #[graphql(default)]
    pub phones: Vec<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a contact point; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateContactPointInput {
    /// The contact point's id.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// Name of the person.
    pub name: Option<String>,
    /// Job title.
    #[serde(skip)]
    pub job_title: MaybeUndefined<String>,
    /// Ministry or agency.
    #[serde(skip)]
    pub ministry: MaybeUndefined<String>,
    /// E-mail addresses; replaces the list.
    pub emails: Option<Vec<String>>,
    /// Telephone numbers; replaces the list.
    pub phones: Option<Vec<String>>,
    /// Postal address.
    #[serde(skip)]
    pub address: MaybeUndefined<String>,
}

/// A new outreach contact with a state.
#[derive(InputObject, Serialize)]
pub struct CreateEngagementInput {
    /// ISO alpha-3 code of the state.
    pub state: String,
    /// When the contact took place.
    pub occurred_on: NaiveDate,
    /// How.
    pub channel: EngagementChannel,
    /// By whom.
    pub actor: EngagementActor,
    /// What was discussed (at most 5,000 characters).
    pub summary: String,
    /// What came of it.
    pub outcome: Option<String>,
    /// When to follow up.
    pub follow_up_on: Option<NaiveDate>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to an engagement; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateEngagementInput {
    /// The engagement's id.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// What was discussed.
    pub summary: Option<String>,
    /// What came of it.
    #[serde(skip)]
    pub outcome: MaybeUndefined<String>,
    /// When to follow up.
    #[serde(skip)]
    pub follow_up_on: MaybeUndefined<NaiveDate>,
}

/// Resolves a state's ISO code inside a check: a bad or unknown code is one more violation.
async fn state_in(ctx: &Context<'_>, c: &mut Check, iso3: &str) -> ApiResult<i64> {
    Ok(c.absorb(state_id_by_iso3(ctx, iso3, "input.state").await)?.unwrap_or(0))
}

/// Checks a list of e-mail addresses.
fn emails(c: &mut Check, field: &str, values: &[String]) -> Vec<String> {
    let list = c.texts(field, values, 5, 254);
    for (i, e) in list.iter().enumerate() {
        let ok = e
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace));
        if !ok {
            c.fail(format!("{field}[{i}]"), "not an e-mail address");
        }
    }
    list
}

/// Applies `MaybeUndefined` to an optional column.
fn maybe<T: Into<sea_orm::Value> + Clone>(v: &MaybeUndefined<T>) -> Option<sea_orm::ActiveValue<Option<T>>>
where
    Option<T>: Into<sea_orm::Value>,
{
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(Set(None)),
        MaybeUndefined::Value(x) => Some(Set(Some(x.clone()))),
    }
}

/// Mutations of the WGTU's records of states.
#[derive(Default)]
pub struct AssessmentsMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl AssessmentsMutation {
    /// Appends an assessment to a state's history.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateAssessmentInput,
    ) -> ApiResult<AssessmentPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state_id = state_in(ctx, &mut c, &input.state).await?;
            c.date("input.assessedOn", input.assessed_on);
            let tier = c.int("input.tier", input.tier, 1, 4) as i16;
            let challenges = c.text("input.challenges", &input.challenges, 5_000);
            let notes = c.opt_text("input.notes", input.notes.as_deref(), 5_000);
            let assessed_by = c.text("input.assessedBy", &input.assessed_by, 200);
            c.finish()?;
            let m = Mutation {
                operation: "createAssessment",
                target_type: "Assessment",
                key: key.as_ref(),
                fingerprint: write::fingerprint("createAssessment", &input),
            };
            let row = assessment::ActiveModel {
                state_id: Set(state_id),
                assessed_on: Set(input.assessed_on),
                tier: Set(tier),
                process_stage: Set(input.process_stage.into()),
                challenges: Set(challenges),
                notes: Set(notes),
                assessed_by: Set(assessed_by),
                created_at: Set(now()),
                updated_at: Set(now()),
                ..Default::default()
            };
            // Assessments are appended, never edited: no version.
            let id = write::run(ctx, m, move |txn| {
                Box::pin(async move { Ok(assessment::Entity::insert(row).exec(txn).await?.last_insert_id) })
            })
            .await?;
            Ok(AssessmentPayload(written::<assessment::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records a support need of a state.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_support_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateSupportNeedInput,
    ) -> ApiResult<SupportNeedPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state_id = state_in(ctx, &mut c, &input.state).await?;
            let description = c.text("input.description", &input.description, 5_000);
            c.finish()?;
            let m = Mutation {
                operation: "createSupportNeed",
                target_type: "SupportNeed",
                key: key.as_ref(),
                fingerprint: write::fingerprint("createSupportNeed", &input),
            };
            let row = support_need::ActiveModel {
                state_id: Set(state_id),
                category: Set(input.category.into()),
                description: Set(description),
                status: Set(input.status.into()),
                shared_with_partners: Set(input.shared_with_partners),
                ..Default::default()
            };
            let id = write::insert(ctx, m, row).await?;
            Ok(SupportNeedPayload(written::<support_need::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a support need, e.g. its status or whether it is shared.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn update_support_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateSupportNeedInput,
    ) -> ApiResult<SupportNeedPayload> {
        async {
            let id = expect_id(&input.id, "SupportNeed", "input.id")?;
            let mut c = Check::new();
            let mut row = support_need::ActiveModel::default();
            if let Some(d) = &input.description {
                row.description = Set(c.text("input.description", d, 5_000));
            }
            c.finish()?;
            if let Some(v) = input.category {
                row.category = Set(v.into());
            }
            if let Some(v) = input.status {
                row.status = Set(v.into());
            }
            if let Some(v) = input.shared_with_partners {
                row.shared_with_partners = Set(v);
            }
            let m = Mutation {
                operation: "updateSupportNeed",
                target_type: "SupportNeed",
                key: None,
                fingerprint: write::fingerprint("updateSupportNeed", &input),
            };
            write::update(ctx, m, id, input.version, row, "the support need").await?;
            Ok(SupportNeedPayload(written::<support_need::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records a national point of contact of a state.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_contact_point(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateContactPointInput,
    ) -> ApiResult<ContactPointPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state_id = state_in(ctx, &mut c, &input.state).await?;
            let row = contact_point::ActiveModel {
                state_id: Set(state_id),
                name: Set(c.text("input.name", &input.name, 200)),
                job_title: Set(c.opt_text("input.jobTitle", input.job_title.as_deref(), 200)),
                ministry: Set(c.opt_text("input.ministry", input.ministry.as_deref(), 200)),
                emails: Set(StringList(emails(&mut c, "input.emails", &input.emails))),
                phones: Set(StringList(c.texts("input.phones", &input.phones, 5, 40))),
                address: Set(c.opt_text("input.address", input.address.as_deref(), 1_000)),
                ..Default::default()
            };
            c.finish()?;
            let m = Mutation {
                operation: "createContactPoint",
                target_type: "ContactPoint",
                key: key.as_ref(),
                fingerprint: write::fingerprint("createContactPoint", &input),
            };
            let id = write::insert(ctx, m, row).await?;
            Ok(ContactPointPayload(written::<contact_point::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes a national point of contact.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_contact_point(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateContactPointInput,
    ) -> ApiResult<ContactPointPayload> {
        async {
            let id = expect_id(&input.id, "ContactPoint", "input.id")?;
            let mut c = Check::new();
            let mut row = contact_point::ActiveModel::default();
            if let Some(n) = &input.name {
                row.name = Set(c.text("input.name", n, 200));
            }
            if let Some(e) = &input.emails {
                row.emails = Set(StringList(emails(&mut c, "input.emails", e)));
            }
            if let Some(p) = &input.phones {
                row.phones = Set(StringList(c.texts("input.phones", p, 5, 40)));
            }
            for (field, value, max) in [
                ("input.jobTitle", &input.job_title, 200),
                ("input.ministry", &input.ministry, 200),
                ("input.address", &input.address, 1_000),
            ] {
                if let MaybeUndefined::Value(v) = value {
                    c.opt_text(field, Some(v), max);
                }
            }
            c.finish()?;
            if let Some(v) = maybe(&input.job_title) {
                row.job_title = v;
            }
            if let Some(v) = maybe(&input.ministry) {
                row.ministry = v;
            }
            if let Some(v) = maybe(&input.address) {
                row.address = v;
            }
            let m = Mutation {
                operation: "updateContactPoint",
                target_type: "ContactPoint",
                key: None,
                fingerprint: write::fingerprint("updateContactPoint", &input),
            };
            write::update(ctx, m, id, input.version, row, "the contact point").await?;
            Ok(ContactPointPayload(written::<contact_point::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records an outreach contact with a state.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn create_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateEngagementInput,
    ) -> ApiResult<EngagementPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let state_id = state_in(ctx, &mut c, &input.state).await?;
            c.date("input.occurredOn", input.occurred_on);
            if let Some(f) = input.follow_up_on {
                c.date_range("input.occurredOn", input.occurred_on, "input.followUpOn", f);
            }
            let row = engagement::ActiveModel {
                state_id: Set(state_id),
                occurred_on: Set(input.occurred_on),
                channel: Set(input.channel.into()),
                actor: Set(input.actor.into()),
                summary: Set(c.text("input.summary", &input.summary, 5_000)),
                outcome: Set(c.opt_text("input.outcome", input.outcome.as_deref(), 5_000)),
                follow_up_on: Set(input.follow_up_on),
                ..Default::default()
            };
            c.finish()?;
            let m = Mutation {
                operation: "createEngagement",
                target_type: "Engagement",
                key: key.as_ref(),
                fingerprint: write::fingerprint("createEngagement", &input),
            };
            let id = write::insert(ctx, m, row).await?;
            Ok(EngagementPayload(written::<engagement::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes an outreach contact, e.g. its outcome or follow-up date.
    #[graphql(directive = writers::apply(vec![RoleName::Wgtu, RoleName::Secretariat]))]
    async fn update_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateEngagementInput,
    ) -> ApiResult<EngagementPayload> {
        async {
            let id = expect_id(&input.id, "Engagement", "input.id")?;
            let mut c = Check::new();
            let mut row = engagement::ActiveModel::default();
            if let Some(s) = &input.summary {
                row.summary = Set(c.text("input.summary", s, 5_000));
            }
            if let MaybeUndefined::Value(o) = &input.outcome {
                c.opt_text("input.outcome", Some(o), 5_000);
            }
            if let MaybeUndefined::Value(f) = &input.follow_up_on {
                c.date("input.followUpOn", *f);
            }
            c.finish()?;
            if let Some(v) = maybe(&input.outcome) {
                row.outcome = v;
            }
            if let Some(v) = maybe(&input.follow_up_on) {
                row.follow_up_on = v;
            }
            let m = Mutation {
                operation: "updateEngagement",
                target_type: "Engagement",
                key: None,
                fingerprint: write::fingerprint("updateEngagement", &input),
            };
            write::update(ctx, m, id, input.version, row, "the engagement").await?;
            Ok(EngagementPayload(written::<engagement::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
