//! A multi-year universalization plan.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub endorsed_at_conference_id: Option<i64>,
    pub status: PlanStatus,
    pub objectives: String,
    pub priority_regions: RegionList,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::conference::Entity",
        from = "Column::EndorsedAtConferenceId",
        to = "super::conference::Column::Id"
    )]
    EndorsedAt,
}

impl ActiveModelBehavior for ActiveModel {}
