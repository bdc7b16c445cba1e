//! A state targeted by an activity report (one report, one or more states). The link keeps
//! copies of the report's start date, review status and organisation, kept in step by every
//! write of the report, so that the latest reports of a state come from one index.

use sea_orm::entity::prelude::*;

use crate::enums::ReviewStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_report_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_id: i64,
    /// The report's start date.
    pub start_date: Date,
    /// The report's review status.
    pub review_status: ReviewStatus,
    /// The report's organisation.
    pub organization_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::activity_report::Entity",
        from = "Column::ReportId",
        to = "super::activity_report::Column::Id"
    )]
    Report,
    #[sea_orm(belongs_to = "super::state::Entity", from = "Column::StateId", to = "super::state::Column::Id")]
    State,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::state::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::State.def()
    }
}

impl Related<super::activity_report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Report.def()
    }
}
