//! A state's support need; shared with partners only when the state consented.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_needs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub state_id: i64,
    pub category: SupportCategory,
    pub description: String,
    pub status: NeedStatus,
    pub shared_with_partners: bool,
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
