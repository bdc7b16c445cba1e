//! A dated WGTU assessment of a state: tier and national process stage. Appended, never edited: the latest is current.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub state_id: i64,
    pub assessed_on: Date,
    pub tier: i16,
    pub process_stage: ProcessStage,
    pub challenges: String,
    pub notes: Option<String>,
    pub assessed_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
}

impl ActiveModelBehavior for ActiveModel {}
