//! A Conference of States Parties (CSP n).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conferences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: i32,
    pub start_date: Date,
    pub end_date: Date,
    pub venue: String,
    pub president_state_id: Option<i64>,
    pub president_name: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::PresidentStateId", to = "super::state::Column::Id")]
    PresidentState,
}

impl ActiveModelBehavior for ActiveModel {}
