//! Each link of a report to a state carries copies of the report's start date, review status
//! and organisation, so that "the latest reports of these states that the caller may see",
//! and their counts, are read from one index instead of sorting every report of the states.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_activity_report_states_latest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            date("start_date").default("1970-01-01").take(),
            string_len("review_status", 40).default("DRAFT").take(),
            big_integer("organization_id").default(0).take(),
        ] {
            m.alter_table(Table::alter().table("activity_report_states").add_column(column).take()).await?;
        }
        m.get_connection()
            .execute_unprepared(
                "UPDATE activity_report_states SET start_date = r.start_date, review_status = r.review_status, \
                 organization_id = r.organization_id FROM activity_reports r WHERE r.id = activity_report_states.report_id",
            )
            .await?;
        m.create_index(
            Index::create()
                .name(INDEX)
                .table("activity_report_states")
                .col("state_id")
                .col("start_date")
                .col("report_id")
                .col("review_status")
                .col("organization_id")
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_activity_reports_org_latest")
                .table("activity_reports")
                .col("organization_id")
                .col("start_date")
                .col("id")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_activity_reports_org_latest").table("activity_reports").to_owned()).await?;
        m.drop_index(Index::drop().name(INDEX).table("activity_report_states").to_owned()).await?;
        for column in ["organization_id", "review_status", "start_date"] {
            m.alter_table(Table::alter().table("activity_report_states").drop_column(column).take()).await?;
        }
        Ok(())
    }
}
