//! A state: UN member, the Holy See or the State of Palestine, with its ATT status (public).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "states")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub iso3: String,
    #[sea_orm(unique)]
    pub iso2: String,
    pub name: String,
    pub un_regional_group: UnRegionalGroup,
    pub continent: Continent,
    pub att_status: AttStatus,
    pub signature_date: Option<Date>,
    pub consent_date: Option<Date>,
    pub consent_kind: Option<ConsentKind>,
    pub entry_into_force_date: Option<Date>,
    pub geneva_mission: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
