//! A partner's report of an activity, modelled on IATI and OCHA 3W, with its review workflow.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub title: String,
    pub description: String,
    pub activity_type: ActivityType,
    pub status: ActivityStatus,
    pub start_date: Date,
    pub end_date: Date,
    pub att_themes: StringList,
    pub participants_total: Option<i32>,
    pub participants_women: Option<i32>,
    pub outcomes: Option<String>,
    pub participating_organizations: StringList,
    pub vtf_project_id: Option<i64>,
    pub budget: Option<i64>,
    pub currency: Option<String>,
    pub funding_source: Option<String>,
    pub review_status: ReviewStatus,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::vtf_project::Entity",
        from = "Column::VtfProjectId",
        to = "super::vtf_project::Column::Id"
    )]
    VtfProject,
}

impl ActiveModelBehavior for ActiveModel {}
