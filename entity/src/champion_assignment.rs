//! A state accompanied by a champion (sensitive).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "champion_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub champion_id: i64,
    pub state_id: i64,
    pub since: Date,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::champion::Entity", from = "Column::ChampionId", to = "super::champion::Column::Id")]
    Champion,
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
}

impl ActiveModelBehavior for ActiveModel {}
