//! The Secretariat keeps the register of partner organisations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::organization;
use serde::Serialize;

use super::Organization;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::OrganizationKind;
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, key, payload, report_all, versioned, written};

versioned!(organization);

payload!(OrganizationPayload, organization, Organization, Public, "organisation");

/// A new partner organisation.
#[derive(InputObject, Serialize)]
pub struct CreateOrganizationInput {
    /// Full name (at most 300 characters).
    pub name: String,
    /// Short name (at most 40 characters).
    pub acronym: Option<String>,
    /// The kind of organisation.
    pub kind: OrganizationKind,
    /// Its IATI organisation identifier: the agency prefix and its code, e.g. `GB-CHC-202918`.
    pub iati_identifier: Option<String>,
    /// Where it works, in its own words (at most 5,000 characters).
    pub coverage: Option<String>,
    /// Internal notes of the ATT bodies (SENSITIVE; at most 10,000 characters).
    pub internal_notes: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to an organisation; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateOrganizationInput {
    /// The organisation's id.
    pub id: ID,
    /// The version you read; if the organisation changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Full name (at most 300 characters).
    pub name: Option<String>,
    /// Short name (at most 40 characters).
    #[serde(skip)]
    pub acronym: MaybeUndefined<String>,
    /// The kind of organisation.
    pub kind: Option<OrganizationKind>,
    /// Its IATI organisation identifier, e.g. `GB-CHC-202918`.
    #[serde(skip)]
    pub iati_identifier: MaybeUndefined<String>,
    /// Where it works, in its own words (at most 5,000 characters).
    #[serde(skip)]
    pub coverage: MaybeUndefined<String>,
    /// Internal notes of the ATT bodies (SENSITIVE; at most 10,000 characters).
    #[serde(skip)]
    pub internal_notes: MaybeUndefined<String>,
}

/// Checks an organisation as it would be stored.
fn check_organization(c: &mut Check, o: &mut organization::Model) {
    o.name = c.text("input.name", &o.name, 300);
    o.acronym = c.opt_text("input.acronym", o.acronym.as_deref(), 40);
    o.iati_identifier = match o.iati_identifier.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(c.iati("input.iatiIdentifier", id)),
    };
    o.coverage = c.opt_text("input.coverage", o.coverage.as_deref(), 5_000);
    o.internal_notes = c.opt_text("input.internalNotes", o.internal_notes.as_deref(), 10_000);
}

/// Mutations of the register of partner organisations.
#[derive(Default)]
pub struct OrganizationsMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl OrganizationsMutation {
    /// Registers a partner organisation. Its partners' tokens carry its id as `org`.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateOrganizationInput,
    ) -> ApiResult<OrganizationPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let mut o = organization::Model {
                id: 0,
                name: input.name.clone(),
                acronym: input.acronym.clone(),
                kind: input.kind.into(),
                iati_identifier: input.iati_identifier.clone(),
                coverage: input.coverage.clone(),
                internal_notes: input.internal_notes.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_organization(&mut c, &mut o);
            c.finish()?;
            let m = Mutation::keyed("createOrganization", "Organization", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<organization::Entity>(o)).await?;
            Ok(OrganizationPayload(written::<organization::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes the record of a partner organisation.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateOrganizationInput,
    ) -> ApiResult<OrganizationPayload> {
        async {
            let id = expect_id(&input.id, "Organization", "input.id")?;
            let db = ctx.db()?;
            let mut o = write::current::<organization::Entity, _>(db, id, input.version, "the organisation").await?;
            let mut c = Check::new();
            if let Some(v) = &input.name {
                o.name = v.clone();
            }
            if let Some(v) = input.kind {
                o.kind = v.into();
            }
            o.acronym = write::patch(&input.acronym, o.acronym);
            o.iati_identifier = write::patch(&input.iati_identifier, o.iati_identifier);
            o.coverage = write::patch(&input.coverage, o.coverage);
            o.internal_notes = write::patch(&input.internal_notes, o.internal_notes);
            check_organization(&mut c, &mut o);
            c.finish()?;
            let m = Mutation::versioned("updateOrganization", "Organization");
            write::update(ctx, m, id, input.version, write::row::<organization::Entity>(o), "the organisation").await?;
            Ok(OrganizationPayload(written::<organization::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
