//! The one GraphQL schema: the root types merged from the areas, global object
//! identification, and the schema's build (limits, extensions) and SDL.

use async_graphql::{Context, EmptySubscription, ID, Interface, MergedObject, Object, Schema, SchemaBuilder};
use entity::*;

use crate::areas::advice::{AdviceQuery, AdvisoryConsultation};
use crate::areas::assessments::{Assessment, AssessmentsQuery, ContactPoint, Engagement, SupportNeed};
use crate::areas::audit::{AuditEvent, AuditQuery};
use crate::areas::bodies::{BodiesQuery, Conference, Meeting, OfficeTerm};
use crate::areas::champions::{Champion, ChampionAssignment, ChampionsQuery};
use crate::areas::organizations::{Organization, OrganizationsQuery};
use crate::areas::overview::OverviewQuery;
use crate::areas::plans::{Plan, PlanTarget, PlansQuery};
use crate::areas::reports::{ActivityReport, ReportsQuery};
use crate::areas::sponsorship::{SponsorshipAward, SponsorshipQuery};
use crate::areas::states::{State, StatesQuery};
use crate::areas::vtf::{VtfCycle, VtfProject, VtfQuery};
use crate::auth::RoleName;
use crate::auth::{AccessClass, AccessSubject, FieldGuard, access};
use crate::context::ContextExt;
use crate::error::{ApiError, ApiResult};
use crate::mutations::Mutation;
use crate::node::parse_global_id;

/// The most ids one `nodes(ids:)` call may ask for.
pub const MAX_NODES: usize = 100;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The global id of this object.", directive = access::apply(AccessClass::Public)))]
pub enum Node {
    ActivityReport(ActivityReport),
    AdvisoryConsultation(AdvisoryConsultation),
    Assessment(Assessment),
    AuditEvent(AuditEvent),
    Champion(Champion),
    ChampionAssignment(ChampionAssignment),
    Conference(Conference),
    ContactPoint(ContactPoint),
    Engagement(Engagement),
    Meeting(Meeting),
    OfficeTerm(OfficeTerm),
    Organization(Organization),
    Plan(Plan),
    PlanTarget(PlanTarget),
    SponsorshipAward(SponsorshipAward),
    State(State),
    SupportNeed(SupportNeed),
    VtfCycle(VtfCycle),
    VtfProject(VtfProject),
}

/// Loads the object a global id names, if it exists and the caller may see it.
async fn load_node(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let Some((type_name, id)) = parse_global_id(id) else {
        return Ok(None);
    };
    let loaders = &ctx.request()?.loaders;
    macro_rules! load {
        ($($name:literal => $variant:ident($entity:ident)),+ $(,)?) => {
            match type_name.as_str() {
                $($name => loaders.one::<$entity::Entity>(id).await?.map(|m| Node::$variant(m.into())),)+
                _ => None,
            }
        };
    }
    Ok(load! {
        "ActivityReport" => ActivityReport(activity_report),
        "AdvisoryConsultation" => AdvisoryConsultation(advisory_consultation),
        "Assessment" => Assessment(assessment),
        "AuditEvent" => AuditEvent(audit_event),
        "Champion" => Champion(champion),
        "ChampionAssignment" => ChampionAssignment(champion_assignment),
        "Conference" => Conference(conference),
        "ContactPoint" => ContactPoint(contact_point),
        "Engagement" => Engagement(engagement),
        "Meeting" => Meeting(meeting),
        "OfficeTerm" => OfficeTerm(office_term),
        "Organization" => Organization(organization),
        "Plan" => Plan(plan),
        "PlanTarget" => PlanTarget(plan_target),
        "SponsorshipAward" => SponsorshipAward(sponsorship_award),
        "State" => State(state),
        "SupportNeed" => SupportNeed(support_need),
        "VtfCycle" => VtfCycle(vtf_cycle),
        "VtfProject" => VtfProject(vtf_project),
    })
}

/// The caller as the API sees it.
pub struct Me {
    role: entity::enums::Role,
    sub: Option<String>,
    org_id: Option<i64>,
}
impl AccessSubject for Me {}

/// Who the API takes the caller to be, from the token sent (or anonymous).
#[Object(guard = "FieldGuard::new(self)")]
impl Me {
    /// The caller's role.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn role(&self) -> RoleName {
        self.role.into()
    }
    /// The token's subject; null for anonymous callers.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }
    /// The partner's organisation.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Option<Organization>> {
        let Some(id) = self.org_id else { return Ok(None) };
        Ok(ctx.request()?.loaders.one::<organization::Entity>(id).await?.map(Into::into))
    }
}

/// A caller's rate-limit budget.
pub struct RateLimitStatus(crate::rate_limit::Decision);
impl AccessSubject for RateLimitStatus {}

/// The caller's rate-limit budget, as it stands after this operation (also in the
/// `RateLimit-*` response headers). Each operation costs its complexity.
#[Object(guard = "FieldGuard::new(self)")]
impl RateLimitStatus {
    /// The most points the caller may spend at once.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn limit(&self) -> u64 {
        self.0.limit
    }
    /// Points left.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn remaining(&self) -> u64 {
        self.0.remaining
    }
    /// What this operation cost.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn cost(&self) -> u64 {
        self.0.cost
    }
    /// Seconds until the budget is full again.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn reset_in_seconds(&self) -> u64 {
        self.0.reset_secs
    }
}

/// Global object identification and the caller.
#[derive(Default)]
pub struct NodeQuery;

#[Object(guard = "FieldGuard::root(\"Query\")")]
impl NodeQuery {
    /// The object with this global id, if it exists and the caller may see it.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "A global id.")] id: ID) -> ApiResult<Option<Node>> {
        match load_node(ctx, &id).await? {
            Some(n) => Ok(Some(n)),
            None => Err(ApiError::NotFound(format!("node {}", id.as_str()))),
        }
    }

    /// The objects with these global ids, in the same order; null (with a `NOT_FOUND` error)
    /// where one does not exist or the caller may not see it.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100).")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids per call (got {})", ids.len())));
        }
        let found = futures_util::future::try_join_all(ids.iter().map(|id| load_node(ctx, id))).await?;
        let mut out = Vec::with_capacity(found.len());
        for (i, (node, id)) in found.into_iter().zip(&ids).enumerate() {
            if node.is_none() {
                let err = async_graphql::Error::from(ApiError::NotFound(format!("node {}", id.as_str())))
                    .into_server_error(ctx.item.pos)
                    .with_path(vec![
                        async_graphql::PathSegment::Field("nodes".into()),
                        async_graphql::PathSegment::Index(i),
                    ]);
                ctx.add_error(err);
            }
            out.push(node);
        }
        Ok(out)
    }

    /// The caller's rate-limit budget after this operation; null when rate limiting is off.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn rate_limit(&self, ctx: &Context<'_>) -> ApiResult<Option<RateLimitStatus>> {
        Ok(ctx.request()?.rate().map(RateLimitStatus))
    }

    /// Who the API takes the caller to be.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Me> {
        let p = &ctx.request()?.principal;
        Ok(Me { role: p.role, sub: p.sub.clone(), org_id: p.org_id })
    }
}

/// Every query of att-coord.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(
    NodeQuery,
    StatesQuery,
    BodiesQuery,
    OrganizationsQuery,
    AssessmentsQuery,
    PlansQuery,
    ChampionsQuery,
    VtfQuery,
    SponsorshipQuery,
    AdviceQuery,
    ReportsQuery,
    OverviewQuery,
    AuditQuery,
);

/// The schema type.
pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its types, before data and limits are attached.
pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
