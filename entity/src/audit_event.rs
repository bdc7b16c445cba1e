//! One entry of the audit trail: who did or read what, on which record, when. Never the values.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub request_id: String,
    pub actor_sub: Option<String>,
    pub actor_role: Role,
    pub actor_org_id: Option<i64>,
    pub operation: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub field: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
