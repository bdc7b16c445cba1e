//! Partner organisations: civil society, regional, international and research bodies.

mod mutations;

pub use mutations::OrganizationsMutation;

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::organization;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::reports::ActivityReportConnection;
use super::vtf::{ProjectsOfOrganization, VtfProject};
use super::wrapper;
use crate::auth::{AccessClass, FieldGuard, access};
use crate::connection::wants_total;
use crate::context::ContextExt;
use crate::enums::OrganizationKind;
use crate::error::{ApiError, ApiResult};
use crate::loaders::{Table, open_table};
use crate::node::{expect_id, global_id};
use crate::pagination::{KeyKind, Keyset, PageArgs, paginate};

open_table!(organization);

wrapper!(Organization, organization::Model);

crate::connection!(OrganizationConnection, OrganizationEdge, Organization, "organisations");

/// A partner organisation: its name and profile are public; the WGTU's notes on it are not.
#[Object(guard = "FieldGuard::new(self)")]
impl Organization {
    /// The global id of this organisation (also the `org` claim of its partners' tokens).
    #[graphql(directive = access::apply(AccessClass::Public))]
    pub async fn id(&self) -> ID {
        global_id("Organization", self.0.id)
    }
    /// Full name.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short name, when it has one.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// The kind of organisation.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// Its IATI organisation identifier, when it publishes to IATI.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn iati_identifier(&self) -> Option<&str> {
        self.0.iati_identifier.as_deref()
    }
    /// Where it works, in its own words.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn coverage(&self) -> Option<&str> {
        self.0.coverage.as_deref()
    }
    /// Internal notes of the ATT bodies on this organisation.
    #[graphql(directive = access::apply(AccessClass::Sensitive))]
    async fn internal_notes(&self) -> Option<&str> {
        self.0.internal_notes.as_deref()
    }
    /// The organisation's activity reports that the caller may see, latest activity first.
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
        Ok(Some(super::reports::page_for_organization(ctx, self.0.id, args, wants_total(ctx)).await?))
    }
    /// VTF projects the organisation implements.
    #[graphql(directive = access::apply(AccessClass::Partner))]
    async fn vtf_projects(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<VtfProject>>> {
        let rows = ctx.request()?.loaders.children::<ProjectsOfOrganization>(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
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
}

/// The orders a list of organisations can be read in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrganizationOrder {
    /// By name, A to Z.
    #[default]
    Name,
    /// Oldest change first: with `updatedSince`, what a script pulling changes wants.
    UpdatedAt,
}

/// Root fields of this area.
#[derive(Default)]
pub struct OrganizationsQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl OrganizationsQuery {
    /// The organisation with this id.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's global id.")] id: ID,
    ) -> ApiResult<Option<Organization>> {
        let id = expect_id(&id, "Organization", "id")?;
        match ctx.request()?.loaders.one::<organization::Entity>(id).await? {
            Some(o) => Ok(Some(o.into())),
            None => Err(ApiError::NotFound("organization".into())),
        }
    }

    /// Partner organisations.
    #[graphql(directive = access::apply(AccessClass::Public))]
    #[allow(clippy::too_many_arguments)]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rows from the start (1 to 100; 20 when neither `first` nor `last` is given).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Read the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Rows from the end (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Read the rows before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only organisations of this kind.")] kind: Option<OrganizationKind>,
        #[graphql(desc = "Only organisations changed at or after this time.")] updated_since: Option<DateTime<Utc>>,
        #[graphql(desc = "The order of the rows.", default)] order_by: OrganizationOrder,
    ) -> ApiResult<OrganizationConnection> {
        let mut q = organization::Entity::find();
        if let Some(k) = kind {
            q = q.filter(organization::Column::Kind.eq(entity::enums::OrganizationKind::from(k)));
        }
        if let Some(t) = updated_since {
            q = q.filter(organization::Column::UpdatedAt.gte(t));
        }
        let order = match order_by {
            OrganizationOrder::Name => Keyset {
                name: "name",
                key: Some((organization::Column::Name, KeyKind::Text)),
                id: organization::Column::Id,
                descending: false,
            },
            OrganizationOrder::UpdatedAt => Keyset {
                name: "updated",
                key: Some((organization::Column::UpdatedAt, KeyKind::Timestamp)),
                id: organization::Column::Id,
                descending: false,
            },
        };
        let page = paginate(ctx.db()?, q, &order, &PageArgs { first, after, last, before }, wants_total(ctx)).await?;
        Ok(page.map(Organization::from).into())
    }
}
