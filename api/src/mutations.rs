//! The mutation root, merged from the areas.

use async_graphql::MergedObject;

use crate::areas::advice::AdviceMutation;
use crate::areas::assessments::AssessmentsMutation;
use crate::areas::bodies::BodiesMutation;
use crate::areas::champions::ChampionsMutation;
use crate::areas::organizations::OrganizationsMutation;
use crate::areas::plans::PlansMutation;
use crate::areas::reports::ReportsMutation;
use crate::areas::sponsorship::SponsorshipMutation;
use crate::areas::states::StatesMutation;
use crate::areas::vtf::VtfMutation;

/// Every mutation of att-coord.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    ReportsMutation,
    AssessmentsMutation,
    PlansMutation,
    ChampionsMutation,
    VtfMutation,
    SponsorshipMutation,
    AdviceMutation,
    StatesMutation,
    BodiesMutation,
    OrganizationsMutation,
);
