//! The Secretariat's advice to a state on which programmes to use, in which order (sensitive).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_consultations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub state_id: i64,
    pub consulted_on: Date,
    pub pathway: ProgrammeList,
    pub rationale: String,
    pub follow_up: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
}

impl ActiveModelBehavior for ActiveModel {}
