//! A VTF project: applied for by a state in a cycle.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vtf_projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cycle_id: i64,
    pub state_id: i64,
    pub title: String,
    pub category: SupportCategory,
    pub status: VtfProjectStatus,
    pub implementing_organization_id: Option<i64>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub amount_requested: i64,
    pub amount_approved: Option<i64>,
    pub amount_disbursed: Option<i64>,
    pub currency: String,
    pub committee_assessment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::vtf_cycle::Entity", from = "Column::CycleId", to = "super::vtf_cycle::Column::Id")]
    Cycle,
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::ImplementingOrganizationId",
        to = "super::organization::Column::Id"
    )]
    ImplementingOrganization,
}

impl ActiveModelBehavior for ActiveModel {}
