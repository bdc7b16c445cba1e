//! Demo data: the real public list of states with their treaty status and the Conferences of
//! States Parties (see the README for source and date), then deterministic synthetic records
//! for everything internal. Every synthetic text says it is demo data; none is an assessment
//! of a real state.

pub(crate) mod rng;

use chrono::{Datelike, NaiveDate};
use entity::enums::*;
use entity::*;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::prelude::DateTimeUtc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, Statement, TransactionTrait,
};
use serde::Deserialize;

use self::rng::Rng;
use crate::db::now;

/// The public list of states, as of the date named in the README.
const STATES_CSV: &str = include_str!("states.csv");
/// The Conferences of States Parties held so far.
const CONFERENCES_CSV: &str = include_str!("conferences.csv");
/// Every synthetic text carries this mark.
pub const DEMO: &str = "[demo data]";
/// Activity reports at scale 1.
const REPORTS_AT_SCALE_1: f64 = 50_000.0;
/// Rows per INSERT: within SQLite's and PostgreSQL's limits on bound values.
const CHUNK: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the embedded reference data is invalid: {0}")]
    Data(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Deserialize)]
struct StateRow {
    iso3: String,
    iso2: String,
    name: String,
    un_regional_group: UnRegionalGroup,
    continent: Continent,
    att_status: AttStatus,
    signature_date: Option<NaiveDate>,
    consent_date: Option<NaiveDate>,
    consent_kind: Option<ConsentKind>,
    entry_into_force_date: Option<NaiveDate>,
    geneva_mission: bool,
}

#[derive(Deserialize)]
struct ConferenceRow {
    number: i32,
    start_date: NaiveDate,
    end_date: NaiveDate,
    venue: String,
    president_state_iso3: Option<String>,
    president_name: Option<String>,
}

fn read_csv<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<Vec<T>, SeedError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| SeedError::Data(format!("{what}: {e}")))
}

/// Loads the demo data if the database holds no states yet. Returns whether it loaded.
pub async fn load_demo_if_empty(db: &DatabaseConnection, scale: f64, progress: bool) -> Result<bool, SeedError> {
    if state::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let txn = db.begin().await?;
    load(&txn, scale, progress).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Rows were inserted with explicit ids; move each id sequence past them.
        for table in TABLES {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    txn.commit().await?;
    // Fresh statistics, so the planner sees the data just loaded instead of empty tables, and
    // on PostgreSQL a visibility map, so counts over an index need not visit the table
    // (autovacuum would catch up within minutes, at a time of its choosing; queries before
    // that suffered, and a benchmark's figures depended on when it struck).
    let refresh = match db.get_database_backend() {
        DbBackend::Postgres => {
            // This schema's tables only: the whole database's would add the catalogs' time.
            let tables = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
                ))
                .await?
                .iter()
                .map(|row| row.try_get_by_index::<String>(0))
                .collect::<Result<Vec<_>, _>>()?;
            format!("VACUUM (ANALYZE) {}", tables.join(", "))
        }
        _ => "ANALYZE".to_owned(),
    };
    db.execute_unprepared(&refresh).await?;
    Ok(true)
}

/// When a synthetic report was written, submitted, reviewed and last changed: spread after its
/// activity ended (never later than `now`), as real reports are, so that lists ordered by
/// `updatedAt` and `updatedSince` pulls meet distinct times. Derived from the id, not drawn
/// from the seed's generator, so every other synthetic value stays as it was.
struct History {
    created: DateTimeUtc,
    submitted: Option<DateTimeUtc>,
    reviewed: Option<DateTimeUtc>,
    updated: DateTimeUtc,
}

impl History {
    fn of(id: i64, end: NaiveDate, submitted: bool, reviewed: bool, now: DateTimeUtc) -> Self {
        const DAY: i64 = 86_400;
        let spread = |salt: i64, max: i64| chrono::Duration::seconds((id.wrapping_mul(7_919) ^ salt).rem_euclid(max));
        let ended = end.and_time(chrono::NaiveTime::MIN).and_utc();
        let created = (ended + spread(0x5eed, 30 * DAY)).min(now);
        let submitted = submitted.then(|| (created + spread(0x5ab, 14 * DAY)).min(now));
        let reviewed = submitted.filter(|_| reviewed).map(|s| (s + spread(0x4e7, 21 * DAY)).min(now));
        let updated = reviewed.or(submitted).unwrap_or(created);
        Self { created, submitted, reviewed, updated }
    }
}

/// Tables with an `id` sequence that the seed fills.
const TABLES: [&str; 19] = [
    "states",
    "conferences",
    "meetings",
    "office_terms",
    "organizations",
    "plans",
    "plan_targets",
    "assessments",
    "support_needs",
    "contact_points",
    "engagements",
    "champions",
    "champion_assignments",
    "vtf_cycles",
    "vtf_projects",
    "sponsorship_awards",
    "advisory_consultations",
    "activity_reports",
    "audit_events",
];

async fn insert_all<A, C>(db: &C, rows: Vec<A>, bar: &ProgressBar) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        let n = chunk.len() as u64;
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
        bar.inc(n);
    }
    Ok(())
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Parameters of the synthetic part, derived from the scale.
struct Sizes {
    organizations: usize,
    reports: usize,
    projects_per_cycle: usize,
    awards_per_meeting: usize,
}

impl Sizes {
    fn at(scale: f64) -> Self {
        let n = |base: f64, min: usize| ((base * scale).round() as usize).max(min);
        Self {
            organizations: n(300.0, 12),
            reports: n(REPORTS_AT_SCALE_1, 40),
            projects_per_cycle: n(15.0, 3),
            awards_per_meeting: n(20.0, 2),
        }
    }
}

async fn load<C: ConnectionTrait>(db: &C, scale: f64, progress: bool) -> Result<(), SeedError> {
    let sizes = Sizes::at(scale);
    let bar = if progress {
        let b = ProgressBar::new(sizes.reports as u64 + 2_000);
        b.set_style(
            ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} rows ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let ts = now();
    let mut rng = Rng::new(0x0A77_C00D);

    // States (public, real).
    bar.set_message("states");
    let state_rows: Vec<StateRow> = read_csv(STATES_CSV, "states.csv")?;
    let states: Vec<state::Model> = state_rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| state::Model {
            id: i as i64 + 1,
            iso3: r.iso3,
            iso2: r.iso2,
            name: r.name,
            un_regional_group: r.un_regional_group,
            continent: r.continent,
            att_status: r.att_status,
            signature_date: r.signature_date,
            consent_date: r.consent_date,
            consent_kind: r.consent_kind,
            entry_into_force_date: r.entry_into_force_date,
            geneva_mission: r.geneva_mission,
            created_at: ts,
            updated_at: ts,
            version: 1,
        })
        .collect();
    insert_all(db, states.iter().cloned().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    let state_id = |iso3: &str| states.iter().find(|s| s.iso3 == iso3).map(|s| s.id);
    let parties: Vec<&state::Model> = states.iter().filter(|s| s.att_status == AttStatus::StateParty).collect();
    let non_parties: Vec<&state::Model> = states.iter().filter(|s| s.att_status != AttStatus::StateParty).collect();

    // Conferences (public, real), their meetings and offices.
    bar.set_message("conferences");
    let conference_rows: Vec<ConferenceRow> = read_csv(CONFERENCES_CSV, "conferences.csv")?;
    let conferences: Vec<conference::Model> = conference_rows
        .into_iter()
        .map(|r| conference::Model {
            id: r.number as i64,
            number: r.number,
            start_date: r.start_date,
            end_date: r.end_date,
            venue: r.venue,
            president_state_id: r.president_state_iso3.as_deref().and_then(state_id),
            president_name: r.president_name.filter(|n| !n.is_empty()),
            created_at: ts,
            updated_at: ts,
            version: 1,
        })
        .collect();
    insert_all(db, conferences.iter().cloned().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    let mut meetings = Vec::new();
    let mut office_terms = Vec::new();
    for c in &conferences {
        meetings.push(meeting::Model {
            id: meetings.len() as i64 + 1,
            conference_id: Some(c.id),
            kind: MeetingKind::ConferenceOfStatesParties,
            title: format!("CSP{}", c.number),
            start_date: c.start_date,
            end_date: c.end_date,
            venue: c.venue.clone(),
            created_at: ts,
            updated_at: ts,
            version: 1,
        });
        for (k, (kind, title)) in [
            (MeetingKind::WorkingGroup, format!("CSP{} working groups, first meeting {DEMO}", c.number)),
            (MeetingKind::WorkingGroup, format!("CSP{} working groups, second meeting {DEMO}", c.number)),
            (MeetingKind::Preparatory, format!("CSP{} informal preparatory meeting {DEMO}", c.number)),
        ]
        .into_iter()
        .enumerate()
        {
            let start = d(c.start_date.year(), [2u32, 4, 5][k], 10 + k as u32);
            meetings.push(meeting::Model {
                id: meetings.len() as i64 + 1,
                conference_id: Some(c.id),
                kind,
                title,
                start_date: start,
                end_date: start + chrono::Duration::days(2),
                venue: "Geneva, Switzerland".into(),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
        if let Some(p) = c.president_state_id {
            office_terms.push(office_term::Model {
                id: office_terms.len() as i64 + 1,
                state_id: p,
                office: Office::President,
                conference_id: c.id,
                holder_name: c.president_name.clone(),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
        for _ in 0..4 {
            office_terms.push(office_term::Model {
                id: office_terms.len() as i64 + 1,
                state_id: rng.pick(&parties).id,
                office: Office::VicePresident,
                conference_id: c.id,
                holder_name: None,
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
    }
    insert_all(db, meetings.iter().cloned().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, office_terms.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    // Organisations (synthetic).
    bar.set_message("organisations");
    const KINDS: [OrganizationKind; 4] = [
        OrganizationKind::CivilSociety,
        OrganizationKind::Regional,
        OrganizationKind::International,
        OrganizationKind::Research,
    ];
    const NOUNS: [&str; 8] =
        ["Network", "Forum", "Institute", "Initiative", "Alliance", "Centre", "Coalition", "Foundation"];
    let organizations: Vec<organization::Model> = (0..sizes.organizations)
        .map(|i| {
            let kind = *rng.pick(&KINDS);
            organization::Model {
                id: i as i64 + 1,
                name: format!("Demo Arms Control {} {:03}", NOUNS[i % NOUNS.len()], i + 1),
                acronym: Some(format!("DAC{:03}", i + 1)),
                kind,
                iati_identifier: rng.chance(0.6).then(|| format!("XM-DAC-DEMO-{:04}", i + 1)),
                coverage: Some(format!("Works in several regions {DEMO}")),
                internal_notes: Some(format!("Internal note on organisation {} {DEMO}", i + 1)),
                created_at: ts,
                updated_at: ts,
                version: 1,
            }
        })
        .collect();
    insert_all(db, organizations.iter().cloned().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    // WGTU records for the states that have not joined (synthetic).
    bar.set_message("assessments");
    const STAGES: [ProcessStage; 7] = [
        ProcessStage::NotStarted,
        ProcessStage::InterAgencyReview,
        ProcessStage::LegalReview,
        ProcessStage::ExecutiveApproval,
        ProcessStage::Parliament,
        ProcessStage::DepositPending,
        ProcessStage::Completed,
    ];
    let mut assessments = Vec::new();
    let mut needs = Vec::new();
    let mut engagements = Vec::new();
    let mut consultations = Vec::new();
    for s in &non_parties {
        let signed = s.att_status == AttStatus::Signatory;
        let mut stage = rng.below(3) as usize;
        let history = rng.between(1, 4);
        for k in 0..history {
            let tier = if signed { 1 + (rng.chance(0.5) as i16) } else { 3 + (rng.chance(0.5) as i16) };
            assessments.push(assessment::Model {
                id: assessments.len() as i64 + 1,
                state_id: s.id,
                assessed_on: d(2019 + 2 * k as i32, 3 + rng.below(8) as u32, 1 + rng.below(27) as u32),
                tier,
                process_stage: STAGES[stage.min(5)],
                challenges: format!("Synthetic challenges, step {} {DEMO}", k + 1),
                notes: rng.chance(0.5).then(|| format!("Synthetic note {DEMO}")),
                assessed_by: "WGTU (demo)".into(),
                created_at: ts,
                updated_at: ts,
            });
            stage += rng.below(2) as usize;
        }
        for _ in 0..rng.between(0, 3) {
            needs.push(support_need::Model {
                id: needs.len() as i64 + 1,
                state_id: s.id,
                category: *rng.pick(&[
                    SupportCategory::Legal,
                    SupportCategory::Institutional,
                    SupportCategory::Technical,
                    SupportCategory::Material,
                    SupportCategory::Awareness,
                ]),
                description: format!("Synthetic support need {DEMO}"),
                status: *rng.pick(&[NeedStatus::Open, NeedStatus::Open, NeedStatus::InProgress, NeedStatus::Met]),
                shared_with_partners: rng.chance(0.5),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
        for _ in 0..rng.between(2, 6) {
            engagements.push(engagement::Model {
                id: engagements.len() as i64 + 1,
                state_id: s.id,
                occurred_on: rng.date(d(2021, 1, 1), d(2026, 10, 31)),
                channel: *rng.pick(&[
                    EngagementChannel::Meeting,
                    EngagementChannel::Letter,
                    EngagementChannel::Call,
                    EngagementChannel::Visit,
                ]),
                actor: *rng.pick(&[
                    EngagementActor::Presidency,
                    EngagementActor::Secretariat,
                    EngagementActor::Champion,
                    EngagementActor::Wgtu,
                ]),
                summary: format!("Synthetic outreach contact {DEMO}"),
                outcome: rng.chance(0.6).then(|| format!("Synthetic outcome {DEMO}")),
                follow_up_on: rng.chance(0.4).then(|| rng.date(d(2026, 11, 1), d(2027, 6, 30))),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
        for _ in 0..rng.between(0, 2) {
            let pathway = if rng.chance(0.7) {
                vec![Programme::Sponsorship, Programme::Vtf]
            } else {
                vec![Programme::Unscar, Programme::Vtf]
            };
            consultations.push(advisory_consultation::Model {
                id: consultations.len() as i64 + 1,
                state_id: s.id,
                consulted_on: rng.date(d(2022, 1, 1), d(2026, 10, 31)),
                pathway: ProgrammeList(pathway),
                rationale: format!("Synthetic advice {DEMO}"),
                follow_up: rng.chance(0.5).then(|| format!("Synthetic follow-up {DEMO}")),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
    }
    insert_all(db, assessments.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, needs.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, engagements.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, consultations.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    let contact_points: Vec<contact_point::ActiveModel> = states
        .iter()
        .map(|s| {
            let code = s.iso3.to_lowercase();
            contact_point::Model {
                id: s.id,
                state_id: s.id,
                name: format!("Demo Contact {}", s.iso3),
                job_title: Some("National point of contact (demo)".into()),
                ministry: Some(format!("Ministry of Foreign Affairs {DEMO}")),
                emails: StringList(vec![format!("att.{code}@example.org")]),
                phones: StringList(vec!["+00 000 000 000".into()]),
                address: Some(format!("Demo address {DEMO}")),
                created_at: ts,
                updated_at: ts,
                version: 1,
            }
            .into_active_model()
        })
        .collect();
    insert_all(db, contact_points, &bar).await?;

    // Plans and targets.
    bar.set_message("plans");
    let plans = vec![
        plan::Model {
            id: 1,
            title: format!("Universalization plan 2023–2026 {DEMO}"),
            first_year: 2023,
            last_year: 2026,
            endorsed_at_conference_id: Some(9),
            status: PlanStatus::Endorsed,
            objectives: format!("Synthetic objectives {DEMO}"),
            priority_regions: RegionList(vec![UnRegionalGroup::African, UnRegionalGroup::AsiaPacific]),
            created_at: ts,
            updated_at: ts,
            version: 1,
        },
        plan::Model {
            id: 2,
            title: format!("Universalization plan 2027–2030 {DEMO}"),
            first_year: 2027,
            last_year: 2030,
            endorsed_at_conference_id: None,
            status: PlanStatus::Draft,
            objectives: format!("Synthetic objectives {DEMO}"),
            priority_regions: RegionList(vec![UnRegionalGroup::AsiaPacific]),
            created_at: ts,
            updated_at: ts,
            version: 1,
        },
    ];
    let mut targets = Vec::new();
    for (i, s) in non_parties.iter().enumerate() {
        if i % 2 == 0 {
            let plan_id = 1 + (i % 4 == 0) as i64;
            // Within the plan's period.
            let (first, last) = if plan_id == 1 { (2024, 2026) } else { (2027, 2030) };
            targets.push(plan_target::Model {
                id: targets.len() as i64 + 1,
                plan_id,
                state_id: s.id,
                milestone: *rng.pick(&[
                    Milestone::Signature,
                    Milestone::NationalProcessStarted,
                    Milestone::InstrumentDeposited,
                ]),
                target_year: rng.between(first, last) as i32,
                rationale: format!("Synthetic rationale {DEMO}"),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
    }
    insert_all(db, plans.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, targets.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    // Champions: two per UN regional group, each accompanying non-parties of its group.
    bar.set_message("champions");
    const GROUPS: [UnRegionalGroup; 5] = [
        UnRegionalGroup::African,
        UnRegionalGroup::AsiaPacific,
        UnRegionalGroup::EasternEuropean,
        UnRegionalGroup::LatinAmericanAndCaribbean,
        UnRegionalGroup::WesternEuropeanAndOthers,
    ];
    let mut champions = Vec::new();
    let mut assignments = Vec::new();
    for g in GROUPS {
        let candidates: Vec<&&state::Model> = parties.iter().filter(|s| s.un_regional_group == g).collect();
        if candidates.is_empty() {
            continue;
        }
        for (k, kind) in [ChampionKind::VicePresident, ChampionKind::Volunteer].into_iter().enumerate() {
            let champion_id = champions.len() as i64 + 1;
            champions.push(champion::Model {
                id: champion_id,
                state_id: rng.pick(&candidates).id,
                un_regional_group: g,
                kind,
                term_start: d(2025, 8, 30),
                term_end: d(2026, 8, 28),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
            for (i, s) in non_parties.iter().filter(|s| s.un_regional_group == g).enumerate() {
                if i % 2 == k {
                    assignments.push(champion_assignment::Model {
                        id: assignments.len() as i64 + 1,
                        champion_id,
                        state_id: s.id,
                        since: d(2025, 9, 15),
                        note: Some(format!("Synthetic accompaniment {DEMO}")),
                        created_at: ts,
                        updated_at: ts,
                        version: 1,
                    });
                }
            }
        }
    }
    insert_all(db, champions.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, assignments.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    // VTF cycles and projects.
    bar.set_message("VTF");
    let cycles: Vec<vtf_cycle::Model> = (2017..=2026)
        .enumerate()
        .map(|(i, year)| vtf_cycle::Model {
            id: i as i64 + 1,
            year,
            call_opens: d(year, 1, 15),
            call_closes: d(year, 3, 15),
            funds_available: rng.between(1_500_000, 3_000_000) * 100,
            currency: "USD".into(),
            created_at: ts,
            updated_at: ts,
            version: 1,
        })
        .collect();
    let mut projects = Vec::new();
    for c in &cycles {
        for _ in 0..sizes.projects_per_cycle {
            let status = *rng.pick(&[
                VtfProjectStatus::Applied,
                VtfProjectStatus::Approved,
                VtfProjectStatus::Rejected,
                VtfProjectStatus::Implementing,
                VtfProjectStatus::Completed,
                VtfProjectStatus::Completed,
            ]);
            let requested = rng.between(40_000, 200_000) * 100;
            let approved = matches!(
                status,
                VtfProjectStatus::Approved | VtfProjectStatus::Implementing | VtfProjectStatus::Completed
            )
            .then(|| requested / 100 * rng.between(60, 100));
            let start = d(c.year, 6 + rng.below(4) as u32, 1);
            projects.push(vtf_project::Model {
                id: projects.len() as i64 + 1,
                cycle_id: c.id,
                state_id: rng.pick(&states).id,
                title: format!("Synthetic VTF project {} {DEMO}", projects.len() + 1),
                category: *rng.pick(&[
                    SupportCategory::Legal,
                    SupportCategory::Institutional,
                    SupportCategory::Technical,
                    SupportCategory::Awareness,
                ]),
                status,
                implementing_organization_id: rng.chance(0.6).then(|| rng.pick(&organizations).id),
                start_date: Some(start),
                end_date: Some(start + chrono::Duration::days(rng.between(90, 540))),
                amount_requested: requested,
                amount_approved: approved,
                amount_disbursed: approved.filter(|_| status == VtfProjectStatus::Completed),
                currency: "USD".into(),
                committee_assessment: Some(format!("Synthetic committee assessment {DEMO}")),
                created_at: ts,
                updated_at: ts,
                version: 1,
            });
        }
    }
    insert_all(db, cycles.into_iter().map(IntoActiveModel::into_active_model).collect(), &bar).await?;
    insert_all(db, projects.iter().cloned().map(IntoActiveModel::into_active_model).collect(), &bar).await?;

    // Sponsorship awards.
    bar.set_message("sponsorship");
    let mut awards = Vec::new();
    for m in &meetings {
        for _ in 0..sizes.awards_per_meeting {
            awards.push(
                sponsorship_award::Model {
                    id: awards.len() as i64 + 1,
                    meeting_id: m.id,
                    state_id: rng.pick(&states).id,
                    status: *rng.pick(&[
                        SponsorshipStatus::Attended,
                        SponsorshipStatus::Attended,
                        SponsorshipStatus::Accepted,
                        SponsorshipStatus::Declined,
                    ]),
                    delegate_name: Some(format!("Demo Delegate {}", awards.len() + 1)),
                    cost: Some(rng.between(2_500, 6_000) * 100),
                    currency: "CHF".into(),
                    created_at: ts,
                    updated_at: ts,
                    version: 1,
                }
                .into_active_model(),
            );
        }
    }
    insert_all(db, awards, &bar).await?;

    // Activity reports, in batches so that memory stays flat at any scale.
    bar.set_message("reports");
    const TYPES: [ActivityType; 8] = [
        ActivityType::Workshop,
        ActivityType::Training,
        ActivityType::LegislativeAssistance,
        ActivityType::Awareness,
        ActivityType::Research,
        ActivityType::Outreach,
        ActivityType::Conference,
        ActivityType::Other,
    ];
    const THEMES: [&str; 6] =
        ["Article 5", "Article 6", "Article 7", "Article 11", "Article 13", "gender-based violence"];
    let mut next = 0usize;
    while next < sizes.reports {
        let batch = (sizes.reports - next).min(CHUNK * 4);
        let mut reports = Vec::with_capacity(batch);
        let mut links = Vec::with_capacity(batch * 2);
        for i in next..next + batch {
            let id = i as i64 + 1;
            let start = rng.date(d(2015, 1, 1), d(2026, 11, 20));
            let end = start + chrono::Duration::days(rng.between(0, 120));
            let review = match rng.below(100) {
                0..=79 => ReviewStatus::Accepted,
                80..=87 => ReviewStatus::Submitted,
                88..=92 => ReviewStatus::Draft,
                93..=96 => ReviewStatus::Returned,
                _ => ReviewStatus::Withdrawn,
            };
            let total = rng.between(8, 120) as i32;
            let submitted = review != ReviewStatus::Draft;
            let reviewed = matches!(review, ReviewStatus::Accepted | ReviewStatus::Returned);
            let organization_id = rng.pick(&organizations).id;
            let history = History::of(id, end, submitted, reviewed, ts);
            reports.push(
                activity_report::Model {
                    id,
                    organization_id,
                    title: format!("Synthetic activity {id} {DEMO}"),
                    description: format!("Synthetic description of activity {id} {DEMO}"),
                    activity_type: *rng.pick(&TYPES),
                    status: if end < d(2026, 11, 1) { ActivityStatus::Completed } else { ActivityStatus::Ongoing },
                    start_date: start,
                    end_date: end,
                    att_themes: StringList(vec![rng.pick(&THEMES).to_string()]),
                    participants_total: Some(total),
                    participants_women: Some((total as f64 * rng.between(20, 60) as f64 / 100.0) as i32),
                    outcomes: Some(format!("Synthetic outcomes {DEMO}")),
                    participating_organizations: StringList(vec![]),
                    vtf_project_id: (rng.chance(0.05) && !projects.is_empty()).then(|| rng.pick(&projects).id),
                    budget: Some(rng.between(5_000, 500_000) * 100),
                    currency: Some(rng.pick(&["USD", "EUR", "CHF"]).to_string()),
                    funding_source: Some(format!("Synthetic donor {} {DEMO}", rng.between(1, 25))),
                    review_status: review,
                    review_comment: (review == ReviewStatus::Returned).then(|| format!("Please add outcomes {DEMO}")),
                    reviewed_by: reviewed.then(|| "secretariat-demo".into()),
                    reviewed_at: history.reviewed,
                    submitted_at: history.submitted,
                    created_by: "partner-demo".into(),
                    created_at: history.created,
                    updated_at: history.updated,
                    version: 1,
                }
                .into_active_model(),
            );
            // Most activities target a state that has not joined; some also a neighbour.
            let link = |state_id| {
                activity_report_state::Model {
                    report_id: id,
                    state_id,
                    start_date: start,
                    review_status: review,
                    organization_id,
                }
                .into_active_model()
            };
            let first = if rng.chance(0.8) { rng.pick(&non_parties).id } else { rng.pick(&states).id };
            links.push(link(first));
            if rng.chance(0.35) {
                let second = rng.pick(&states).id;
                if second != first {
                    links.push(link(second));
                }
            }
        }
        insert_all(db, reports, &ProgressBar::hidden()).await?;
        insert_all(db, links, &ProgressBar::hidden()).await?;
        bar.inc(batch as u64);
        next += batch;
    }
    bar.finish_with_message("done");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_data_is_complete_and_consistent() {
        let states: Vec<StateRow> = read_csv(STATES_CSV, "states").expect("states.csv parses");
        assert_eq!(states.len(), 195, "193 UN members, the Holy See and the State of Palestine");
        let parties = states.iter().filter(|s| s.att_status == AttStatus::StateParty).count();
        assert!((110..=125).contains(&parties), "{parties} States Parties");
        for s in &states {
            assert_eq!(s.iso3.len(), 3, "{}", s.iso3);
            assert_eq!(s.iso2.len(), 2, "{}", s.iso2);
            if s.att_status == AttStatus::StateParty {
                assert!(s.consent_date.is_some() && s.entry_into_force_date.is_some(), "{}", s.iso3);
                assert!(s.entry_into_force_date >= Some(d(2014, 12, 24)), "{}", s.iso3);
            }
        }
        let conferences: Vec<ConferenceRow> = read_csv(CONFERENCES_CSV, "conferences").expect("conferences.csv parses");
        assert!(conferences.len() >= 11);
        assert!(conferences.iter().all(|c| c.start_date <= c.end_date));
    }

    #[test]
    fn sizes_scale_with_a_floor() {
        assert_eq!(Sizes::at(1.0).reports, 50_000);
        assert_eq!(Sizes::at(0.0001).reports, 40);
    }
}
