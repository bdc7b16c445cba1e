//! A regional champion: a State Party championing universalization in its UN regional group for a term.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "champions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub state_id: i64,
    pub un_regional_group: UnRegionalGroup,
    pub kind: ChampionKind,
    pub term_start: Date,
    pub term_end: Date,
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
