//! The whole data model of DESIGN.md §4: reference data, WGTU records, support programmes,
//! partners' activity reports, the audit trail and idempotency records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Short text for enum values and codes.
const CODE: u32 = 40;

/// A table with an id, `created_at`, `updated_at` and, when its rows are edited, `version`.
fn table(name: &'static str, editable: bool) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name).col(big_pk_auto("id"));
    t.col(timestamp_with_time_zone("created_at"));
    t.col(timestamp_with_time_zone("updated_at"));
    if editable {
        t.col(integer("version").default(1));
    }
    t.take()
}

/// A foreign key from `table.column` to `target.id`.
fn fk(table: &'static str, column: &'static str, target: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// An index on `columns` of `table`.
fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", columns.join("_"))).table(table);
    for c in columns {
        i.col(*c);
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Public reference data.
        m.create_table(
            table("states", true)
                .col(string_len_uniq("iso3", 3))
                .col(string_len_uniq("iso2", 2))
                .col(string_len("name", 200))
                .col(string_len("un_regional_group", CODE))
                .col(string_len("continent", CODE))
                .col(string_len("att_status", CODE))
                .col(date_null("signature_date"))
                .col(date_null("consent_date"))
                .col(string_len_null("consent_kind", CODE))
                .col(date_null("entry_into_force_date"))
                .col(boolean("geneva_mission"))
                .take(),
        )
        .await?;
        for cols in
            [&["att_status"][..], &["un_regional_group"], &["continent"], &["updated_at", "id"], &["name", "id"]]
        {
            m.create_index(index("states", cols)).await?;
        }

        m.create_table(
            table("conferences", true)
                .col(integer_uniq("number"))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(string_len("venue", 200))
                .col(big_integer_null("president_state_id"))
                .col(string_len_null("president_name", 200))
                .foreign_key(&mut fk("conferences", "president_state_id", "states"))
                .take(),
        )
        .await?;

        m.create_table(
            table("meetings", true)
                .col(big_integer_null("conference_id"))
                .col(string_len("kind", CODE))
                .col(string_len("title", 300))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(string_len("venue", 200))
                .foreign_key(&mut fk("meetings", "conference_id", "conferences"))
                .take(),
        )
        .await?;
        m.create_index(index("meetings", &["start_date", "id"])).await?;
        m.create_index(index("meetings", &["conference_id"])).await?;

        m.create_table(
            table("office_terms", true)
                .col(big_integer("state_id"))
                .col(string_len("office", CODE))
                .col(big_integer("conference_id"))
                .col(string_len_null("holder_name", 200))
                .foreign_key(&mut fk("office_terms", "state_id", "states"))
                .foreign_key(&mut fk("office_terms", "conference_id", "conferences"))
                .take(),
        )
        .await?;
        m.create_index(index("office_terms", &["conference_id"])).await?;
        m.create_index(index("office_terms", &["state_id"])).await?;

        m.create_table(
            table("organizations", true)
                .col(string_len("name", 300))
                .col(string_len_null("acronym", 40))
                .col(string_len("kind", CODE))
                .col(string_len_null("iati_identifier", 100))
                .col(text_null("coverage"))
                .col(text_null("internal_notes"))
                .take(),
        )
        .await?;
        m.create_index(index("organizations", &["name", "id"])).await?;
        m.create_index(index("organizations", &["updated_at", "id"])).await?;

        // WGTU records.
        m.create_table(
            table("plans", true)
                .col(string_len("title", 300))
                .col(integer("first_year"))
                .col(integer("last_year"))
                .col(big_integer_null("endorsed_at_conference_id"))
                .col(string_len("status", CODE))
                .col(text("objectives"))
                .col(json("priority_regions"))
                .foreign_key(&mut fk("plans", "endorsed_at_conference_id", "conferences"))
                .take(),
        )
        .await?;

        m.create_table(
            table("plan_targets", true)
                .col(big_integer("plan_id"))
                .col(big_integer("state_id"))
                .col(string_len("milestone", CODE))
                .col(integer("target_year"))
                .col(text("rationale"))
                .foreign_key(&mut fk("plan_targets", "plan_id", "plans"))
                .foreign_key(&mut fk("plan_targets", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("plan_targets", &["plan_id"])).await?;
        m.create_index(index("plan_targets", &["state_id"])).await?;

        m.create_table(
            table("assessments", false)
                .col(big_integer("state_id"))
                .col(date("assessed_on"))
                .col(small_integer("tier").check(Expr::col("tier").between(1, 4)))
                .col(string_len("process_stage", CODE))
                .col(text("challenges"))
                .col(text_null("notes"))
                .col(string_len("assessed_by", 200))
                .foreign_key(&mut fk("assessments", "state_id", "states"))
                .take(),
        )
        .await?;
        // The current assessment of a state is the latest by (assessed_on, id).
        m.create_index(index("assessments", &["state_id", "assessed_on", "id"])).await?;
        m.create_index(index("assessments", &["updated_at", "id"])).await?;

        m.create_table(
            table("support_needs", true)
                .col(big_integer("state_id"))
                .col(string_len("category", CODE))
                .col(text("description"))
                .col(string_len("status", CODE))
                .col(boolean("shared_with_partners"))
                .foreign_key(&mut fk("support_needs", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("support_needs", &["state_id"])).await?;

        m.create_table(
            table("contact_points", true)
                .col(big_integer("state_id"))
                .col(string_len("name", 200))
                .col(string_len_null("job_title", 200))
                .col(string_len_null("ministry", 200))
                .col(json("emails"))
                .col(json("phones"))
                .col(text_null("address"))
                .foreign_key(&mut fk("contact_points", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("contact_points", &["state_id"])).await?;

        m.create_table(
            table("engagements", true)
                .col(big_integer("state_id"))
                .col(date("occurred_on"))
                .col(string_len("channel", CODE))
                .col(string_len("actor", CODE))
                .col(text("summary"))
                .col(text_null("outcome"))
                .col(date_null("follow_up_on"))
                .foreign_key(&mut fk("engagements", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("engagements", &["state_id", "occurred_on"])).await?;

        m.create_table(
            table("champions", true)
                .col(big_integer("state_id"))
                .col(string_len("un_regional_group", CODE))
                .col(string_len("kind", CODE))
                .col(date("term_start"))
                .col(date("term_end"))
                .foreign_key(&mut fk("champions", "state_id", "states"))
                .take(),
        )
        .await?;

        m.create_table(
            table("champion_assignments", true)
                .col(big_integer("champion_id"))
                .col(big_integer("state_id"))
                .col(date("since"))
                .col(text_null("note"))
                .foreign_key(&mut fk("champion_assignments", "champion_id", "champions"))
                .foreign_key(&mut fk("champion_assignments", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("champion_assignments", &["champion_id"])).await?;
        m.create_index(index("champion_assignments", &["state_id"])).await?;

        // Support programmes.
        m.create_table(
            table("vtf_cycles", true)
                .col(integer_uniq("year"))
                .col(date("call_opens"))
                .col(date("call_closes"))
                .col(big_integer("funds_available"))
                .col(string_len("currency", 3))
                .take(),
        )
        .await?;

        m.create_table(
            table("vtf_projects", true)
                .col(big_integer("cycle_id"))
                .col(big_integer("state_id"))
                .col(string_len("title", 300))
                .col(string_len("category", CODE))
                .col(string_len("status", CODE))
                .col(big_integer_null("implementing_organization_id"))
                .col(date_null("start_date"))
                .col(date_null("end_date"))
                .col(big_integer("amount_requested"))
                .col(big_integer_null("amount_approved"))
                .col(big_integer_null("amount_disbursed"))
                .col(string_len("currency", 3))
                .col(text_null("committee_assessment"))
                .foreign_key(&mut fk("vtf_projects", "cycle_id", "vtf_cycles"))
                .foreign_key(&mut fk("vtf_projects", "state_id", "states"))
                .foreign_key(&mut fk("vtf_projects", "implementing_organization_id", "organizations"))
                .take(),
        )
        .await?;
        for cols in [&["cycle_id", "id"][..], &["state_id"], &["implementing_organization_id"], &["updated_at", "id"]] {
            m.create_index(index("vtf_projects", cols)).await?;
        }

        m.create_table(
            table("sponsorship_awards", true)
                .col(big_integer("meeting_id"))
                .col(big_integer("state_id"))
                .col(string_len("status", CODE))
                .col(string_len_null("delegate_name", 200))
                .col(big_integer_null("cost"))
                .col(string_len("currency", 3))
                .foreign_key(&mut fk("sponsorship_awards", "meeting_id", "meetings"))
                .foreign_key(&mut fk("sponsorship_awards", "state_id", "states"))
                .take(),
        )
        .await?;
        for cols in [&["meeting_id"][..], &["state_id"], &["updated_at", "id"]] {
            m.create_index(index("sponsorship_awards", cols)).await?;
        }

        m.create_table(
            table("advisory_consultations", true)
                .col(big_integer("state_id"))
                .col(date("consulted_on"))
                .col(json("pathway"))
                .col(text("rationale"))
                .col(text_null("follow_up"))
                .foreign_key(&mut fk("advisory_consultations", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("advisory_consultations", &["state_id"])).await?;

        // Partners' activity reports.
        m.create_table(
            table("activity_reports", true)
                .col(big_integer("organization_id"))
                .col(string_len("title", 300))
                .col(text("description"))
                .col(string_len("activity_type", CODE))
                .col(string_len("status", CODE))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(json("att_themes"))
                .col(integer_null("participants_total"))
                .col(integer_null("participants_women"))
                .col(text_null("outcomes"))
                .col(json("participating_organizations"))
                .col(big_integer_null("vtf_project_id"))
                .col(big_integer_null("budget"))
                .col(string_len_null("currency", 3))
                .col(string_len_null("funding_source", 300))
                .col(string_len("review_status", CODE))
                .col(text_null("review_comment"))
                .col(string_len_null("reviewed_by", 200))
                .col(timestamp_with_time_zone_null("reviewed_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(string_len("created_by", 200))
                .foreign_key(&mut fk("activity_reports", "organization_id", "organizations"))
                .foreign_key(&mut fk("activity_reports", "vtf_project_id", "vtf_projects"))
                .take(),
        )
        .await?;
        for cols in [
            &["organization_id", "id"][..],
            &["review_status", "id"],
            &["start_date", "id"],
            &["updated_at", "id"],
            &["vtf_project_id"],
        ] {
            m.create_index(index("activity_reports", cols)).await?;
        }

        m.create_table(
            Table::create()
                .table("activity_report_states")
                .col(big_integer("report_id"))
                .col(big_integer("state_id"))
                .primary_key(Index::create().col("report_id").col("state_id"))
                .foreign_key(
                    &mut fk("activity_report_states", "report_id", "activity_reports")
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                )
                .foreign_key(&mut fk("activity_report_states", "state_id", "states"))
                .take(),
        )
        .await?;
        m.create_index(index("activity_report_states", &["state_id", "report_id"])).await?;

        // Operational records.
        m.create_table(
            Table::create()
                .table("audit_events")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(string_len("request_id", 100))
                .col(string_len_null("actor_sub", 200))
                .col(string_len("actor_role", CODE))
                .col(big_integer_null("actor_org_id"))
                .col(string_len_null("operation", 200))
                .col(string_len("action", CODE))
                .col(string_len("target_type", 100))
                .col(string_len_null("target_id", 100))
                .col(string_len_null("field", 100))
                .take(),
        )
        .await?;
        for cols in [&["occurred_at", "id"][..], &["actor_sub"], &["target_type", "target_id"], &["request_id"]] {
            m.create_index(index("audit_events", cols)).await?;
        }

        m.create_table(
            Table::create()
                .table("idempotency_records")
                .col(big_pk_auto("id"))
                .col(string_len("principal", 300))
                .col(string_len("key", 200))
                .col(string_len("operation", 100))
                .col(string_len("request_hash", 64))
                .col(string_len("target_type", 100))
                .col(big_integer("target_id"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("idempotency_records", &["principal", "key"]).unique().take()).await?;
        m.create_index(index("idempotency_records", &["created_at"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "idempotency_records",
            "audit_events",
            "activity_report_states",
            "activity_reports",
            "advisory_consultations",
            "sponsorship_awards",
            "vtf_projects",
            "vtf_cycles",
            "champion_assignments",
            "champions",
            "engagements",
            "contact_points",
            "support_needs",
            "assessments",
            "plan_targets",
            "plans",
            "organizations",
            "office_terms",
            "meetings",
            "conferences",
            "states",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
