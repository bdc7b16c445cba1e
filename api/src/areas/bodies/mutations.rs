//! The Secretariat keeps the public record of ATT bodies: Conferences of States Parties,
//! meetings, and the offices states hold.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::enums::Office as StoredOffice;
use entity::{conference, meeting, office_term};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use super::{Conference, Meeting, OfficeTerm, conference_by_number};
use crate::areas::states::state_by_iso3;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::db::now;
use crate::enums::{MeetingKind, Office};
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, UniqueKey, key, on_unique, payload, report_all, versioned, written};

versioned!(conference, meeting, office_term);

payload!(ConferencePayload, conference, Conference, Public, "conference");
payload!(MeetingPayload, meeting, Meeting, Public, "meeting");
payload!(OfficeTermPayload, office_term, OfficeTerm, Public, "office term");

/// One conference per number.
const CONFERENCE_NUMBER: UniqueKey = UniqueKey {
    table: "conferences",
    column: "number",
    field: "input.number",
    message: "there is already a CSP with this number",
};

/// A new Conference of States Parties.
#[derive(InputObject, Serialize)]
pub struct CreateConferenceInput {
    /// Its number (1 for CSP1); one conference per number.
    pub number: i32,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day (not before the first).
    pub end_date: NaiveDate,
    /// Where it meets (at most 200 characters).
    pub venue: String,
    /// ISO alpha-3 code of the state holding the presidency.
    pub president_state: Option<String>,
    /// The person presiding (at most 200 characters).
    pub president_name: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a conference; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject, Serialize)]
pub struct UpdateConferenceInput {
    /// The conference's id.
    pub id: ID,
    /// The version you read; if the conference changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Its number; one conference per number.
    pub number: Option<i32>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Where it meets (at most 200 characters).
    pub venue: Option<String>,
    /// ISO alpha-3 code of the state holding the presidency.
    #[serde(skip)]
    pub president_state: MaybeUndefined<String>,
    /// The person presiding (at most 200 characters).
    #[serde(skip)]
    pub president_name: MaybeUndefined<String>,
}

/// A new meeting of the ATT process.
#[derive(InputObject, Serialize)]
pub struct CreateMeetingInput {
    /// The number of the CSP whose cycle the meeting belongs to.
    pub conference: Option<i32>,
    /// The kind of meeting.
    pub kind: MeetingKind,
    /// Title (at most 300 characters).
    pub title: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day (not before the first).
    pub end_date: NaiveDate,
    /// Where it meets (at most 200 characters).
    pub venue: String,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Changes to a meeting; fields left out keep their value, `null` clears the conference.
#[derive(InputObject, Serialize)]
pub struct UpdateMeetingInput {
    /// The meeting's id.
    pub id: ID,
    /// The version you read; if the meeting changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// The number of the CSP whose cycle the meeting belongs to.
    #[serde(skip)]
    pub conference: MaybeUndefined<i32>,
    /// The kind of meeting.
    pub kind: Option<MeetingKind>,
    /// Title (at most 300 characters).
    pub title: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Where it meets (at most 200 characters).
    pub venue: Option<String>,
}

/// A state's election to an office for the term of one conference.
#[derive(InputObject, Serialize)]
pub struct CreateOfficeTermInput {
    /// The office (a conference has one President).
    pub office: Office,
    /// ISO alpha-3 code of the state holding it.
    pub state: String,
    /// The number of the CSP it was elected for.
    pub conference: i32,
    /// The person serving, when the state named one (at most 200 characters).
    pub holder_name: Option<String>,
    /// Makes a retry safe: the same key with the same input returns the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

/// Checks a conference as it would be stored.
fn check_conference(c: &mut Check, conf: &mut conference::Model) {
    c.int("input.number", conf.number, 1, 1_000);
    c.date_range("input.startDate", conf.start_date, "input.endDate", conf.end_date);
    conf.venue = c.text("input.venue", &conf.venue, 200);
    conf.president_name = c.opt_text("input.presidentName", conf.president_name.as_deref(), 200);
}

/// Checks a meeting as it would be stored.
fn check_meeting(c: &mut Check, m: &mut meeting::Model) {
    m.title = c.text("input.title", &m.title, 300);
    c.date_range("input.startDate", m.start_date, "input.endDate", m.end_date);
    m.venue = c.text("input.venue", &m.venue, 200);
}

/// Mutations of ATT bodies, their meetings and offices.
#[derive(Default)]
pub struct BodiesMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl BodiesMutation {
    /// Records a Conference of States Parties.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateConferenceInput,
    ) -> ApiResult<ConferencePayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let president = match &input.president_state {
                Some(s) => c.absorb(state_by_iso3(ctx.db()?, s, "input.presidentState").await)?,
                None => None,
            };
            let mut conf = conference::Model {
                id: 0,
                number: input.number,
                start_date: input.start_date,
                end_date: input.end_date,
                venue: input.venue.clone(),
                president_state_id: president.map(|s| s.id),
                president_name: input.president_name.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_conference(&mut c, &mut conf);
            c.finish()?;
            let m = Mutation::keyed("createConference", "Conference", key.as_ref(), &input);
            let row = write::row::<conference::Entity>(conf);
            let id = on_unique(write::insert(ctx, m, row).await, &[CONFERENCE_NUMBER])?;
            Ok(ConferencePayload(written::<conference::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes the record of a Conference of States Parties.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")]
        input: UpdateConferenceInput,
    ) -> ApiResult<ConferencePayload> {
        async {
            let id = expect_id(&input.id, "Conference", "input.id")?;
            let db = ctx.db()?;
            let mut conf = write::current::<conference::Entity, _>(db, id, input.version, "the conference").await?;
            let mut c = Check::new();
            conf.number = input.number.unwrap_or(conf.number);
            conf.start_date = input.start_date.unwrap_or(conf.start_date);
            conf.end_date = input.end_date.unwrap_or(conf.end_date);
            if let Some(v) = &input.venue {
                conf.venue = v.clone();
            }
            match &input.president_state {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => conf.president_state_id = None,
                MaybeUndefined::Value(s) => {
                    if let Some(s) = c.absorb(state_by_iso3(db, s, "input.presidentState").await)? {
                        conf.president_state_id = Some(s.id);
                    }
                }
            }
            conf.president_name = write::patch(&input.president_name, conf.president_name);
            check_conference(&mut c, &mut conf);
            c.finish()?;
            let m = Mutation::versioned("updateConference", "Conference");
            let row = write::row::<conference::Entity>(conf);
            on_unique(write::update(ctx, m, id, input.version, row, "the conference").await, &[CONFERENCE_NUMBER])?;
            Ok(ConferencePayload(written::<conference::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records a meeting of the ATT process.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateMeetingInput,
    ) -> ApiResult<MeetingPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let mut c = Check::new();
            let conference = match input.conference {
                Some(n) => c.absorb(conference_by_number(ctx.db()?, n, "input.conference").await)?,
                None => None,
            };
            let mut m = meeting::Model {
                id: 0,
                conference_id: conference.map(|conf| conf.id),
                kind: input.kind.into(),
                title: input.title.clone(),
                start_date: input.start_date,
                end_date: input.end_date,
                venue: input.venue.clone(),
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            check_meeting(&mut c, &mut m);
            c.finish()?;
            let op = Mutation::keyed("createMeeting", "Meeting", key.as_ref(), &input);
            let id = write::insert(ctx, op, write::row::<meeting::Entity>(m)).await?;
            Ok(MeetingPayload(written::<meeting::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Changes the record of a meeting.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, the version you read, and the fields to change.")] input: UpdateMeetingInput,
    ) -> ApiResult<MeetingPayload> {
        async {
            let id = expect_id(&input.id, "Meeting", "input.id")?;
            let db = ctx.db()?;
            let mut m = write::current::<meeting::Entity, _>(db, id, input.version, "the meeting").await?;
            let mut c = Check::new();
            match input.conference {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => m.conference_id = None,
                MaybeUndefined::Value(n) => {
                    if let Some(conf) = c.absorb(conference_by_number(db, n, "input.conference").await)? {
                        m.conference_id = Some(conf.id);
                    }
                }
            }
            if let Some(v) = input.kind {
                m.kind = v.into();
            }
            if let Some(v) = &input.title {
                m.title = v.clone();
            }
            m.start_date = input.start_date.unwrap_or(m.start_date);
            m.end_date = input.end_date.unwrap_or(m.end_date);
            if let Some(v) = &input.venue {
                m.venue = v.clone();
            }
            check_meeting(&mut c, &mut m);
            c.finish()?;
            let op = Mutation::versioned("updateMeeting", "Meeting");
            write::update(ctx, op, id, input.version, write::row::<meeting::Entity>(m), "the meeting").await?;
            Ok(MeetingPayload(written::<meeting::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }

    /// Records a state's election to an office for the term of a conference.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn create_office_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The values of the new record; with `idempotencyKey`, a retry is safe.")]
        input: CreateOfficeTermInput,
    ) -> ApiResult<OfficeTermPayload> {
        async {
            let key = key(&input.idempotency_key)?;
            let db = ctx.db()?;
            let mut c = Check::new();
            let state = c.absorb(state_by_iso3(db, &input.state, "input.state").await)?;
            let conference = c.absorb(conference_by_number(db, input.conference, "input.conference").await)?;
            let holder_name = c.opt_text("input.holderName", input.holder_name.as_deref(), 200);
            let office: StoredOffice = input.office.into();
            if let Some(conf) = &conference
                && office == StoredOffice::President
            {
                let presidents = office_term::Entity::find()
                    .filter(office_term::Column::ConferenceId.eq(conf.id))
                    .filter(office_term::Column::Office.eq(StoredOffice::President))
                    .count(db)
                    .await?;
                if presidents > 0 {
                    c.fail("input.office", format!("CSP{} already has a President", conf.number));
                }
            }
            c.finish()?;
            let term = office_term::Model {
                id: 0,
                state_id: state.map_or(0, |s| s.id),
                office,
                conference_id: conference.map_or(0, |conf| conf.id),
                holder_name,
                created_at: now(),
                updated_at: now(),
                version: 1,
            };
            let m = Mutation::keyed("createOfficeTerm", "OfficeTerm", key.as_ref(), &input);
            let id = write::insert(ctx, m, write::row::<office_term::Entity>(term)).await?;
            Ok(OfficeTermPayload(written::<office_term::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}
