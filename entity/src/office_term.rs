//! An office held by a state for a term (President, Vice-President, WGTU co-chair ...).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_terms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub state_id: i64,
    pub office: Office,
    pub conference_id: i64,
    pub holder_name: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
    #[sea_orm(
        belongs_to = "super::conference::Entity",
        from = "Column::ConferenceId",
        to = "super::conference::Column::Id"
    )]
    Conference,
}

impl ActiveModelBehavior for ActiveModel {}
