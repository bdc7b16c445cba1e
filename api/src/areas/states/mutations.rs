//! The Secretariat keeps each state's treaty status. The entry-into-force date follows from
//! the deposit (Article 22) and is computed here, never taken from input.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{Days, NaiveDate, Utc};
use entity::enums::{AttStatus as Status, ConsentKind as Kind};
use entity::state;
use sea_orm::ActiveValue::Set;
use serde::Serialize;

use super::State;
use crate::auth::{FieldGuard, RoleName, writers};
use crate::context::ContextExt;
use crate::enums::{AttStatus, ConsentKind};
use crate::error::ApiResult;
use crate::node::expect_id;
use crate::validation::Check;
use crate::write::{self, Mutation, payload, report_all, versioned, written};

versioned!(state);

payload!(StatePayload, state, State, Public, "state");

/// The Treaty opened for signature on 3 June 2013 (Article 14).
const OPENED_FOR_SIGNATURE: (i32, u32, u32) = (2013, 6, 3);
/// The Treaty entered into force on 24 December 2014, ninety days after the fiftieth
/// instrument (deposited 25 September 2014); signature closed then (Article 14).
const ENTERED_INTO_FORCE: (i32, u32, u32) = (2014, 12, 24);

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// When the Treaty enters into force for a state that deposited its instrument on `deposit`:
/// the Treaty's own entry into force for instruments deposited before it (Article 22(1)),
/// otherwise ninety days after the deposit (Article 22(2)).
pub fn entry_into_force(deposit: NaiveDate) -> NaiveDate {
    let eif = date(ENTERED_INTO_FORCE);
    if deposit < eif { eif } else { deposit + Days::new(90) }
}

/// A state's treaty status as a whole.
struct TreatyStatus {
    status: Status,
    signature: Option<NaiveDate>,
    consent: Option<NaiveDate>,
    kind: Option<Kind>,
}

/// Checks that a treaty status holds together and that its dates fall within the Treaty's
/// life up to `today`, naming each problem by its input path.
fn check_treaty_status(c: &mut Check, t: &TreatyStatus, today: NaiveDate) {
    let (sig, con, kind) = ("input.signatureDate", "input.consentDate", "input.consentKind");
    let opened = date(OPENED_FOR_SIGNATURE);
    let status = t.status.as_str();
    match t.status {
        Status::StateParty => {
            if t.consent.is_none() {
                c.fail(con, "a STATE_PARTY has deposited its instrument: give `consentDate`");
            }
            match t.kind {
                None => c.fail(kind, "a STATE_PARTY consented in some way: give `consentKind`"),
                Some(Kind::Accession) if t.signature.is_some() => c.fail(
                    sig,
                    "only a state that has not signed accedes (Article 15): leave `signatureDate` out or change `consentKind`",
                ),
                Some(Kind::Accession) => {}
                Some(k) if t.signature.is_none() => c.fail(
                    sig,
                    format!("{} follows a signature (Article 14): give `signatureDate`", k.as_str()),
                ),
                Some(_) => {}
            }
        }
        Status::Signatory => {
            if t.signature.is_none() {
                c.fail(sig, "a SIGNATORY has signed: give `signatureDate`");
            }
            if t.consent.is_some() {
                c.fail(con, "a SIGNATORY has not deposited an instrument yet: leave `consentDate` out");
            }
            if t.kind.is_some() {
                c.fail(kind, "a SIGNATORY has not consented to be bound yet: leave `consentKind` out");
            }
        }
        Status::NotJoined => {
            for (field, given) in [(sig, t.signature.is_some()), (con, t.consent.is_some()), (kind, t.kind.is_some())] {
                if given {
                    c.fail(field, format!("a state that is {status} has neither signed nor deposited: leave it out"));
                }
            }
        }
    }
    if let Some(s) = t.signature
        && !c.has(sig)
    {
        if s < opened || s >= date(ENTERED_INTO_FORCE) {
            c.fail(sig, "the Treaty was open for signature from 2013-06-03 until its entry into force on 2014-12-24");
        } else if s > today {
            c.fail(sig, "`signatureDate` is in the future");
        }
    }
    if let Some(d) = t.consent
        && !c.has(con)
    {
        if d < opened {
            c.fail(con, "no instrument could be deposited before the Treaty opened for signature on 2013-06-03");
        } else if d > today {
            c.fail(con, "`consentDate` is in the future");
        } else if t.signature.is_some_and(|s| d < s) {
            c.fail(con, "`consentDate` is before `signatureDate`");
        }
    }
}

/// A state's treaty status as it now stands. It replaces the status as a whole: a date or
/// kind left out is cleared. The entry-into-force date is computed from the deposit.
#[derive(InputObject, Serialize)]
pub struct UpdateStateTreatyStatusInput {
    /// The state's id.
    pub id: ID,
    /// The version you read; if the state changed since, nothing is written (`CONFLICT`).
    pub version: i32,
    /// Status under the Treaty.
    pub att_status: AttStatus,
    /// When the state signed (3 June 2013 to 23 December 2014). Required for a `SIGNATORY`
    /// and for a `STATE_PARTY` that ratified, accepted or approved; absent for one that acceded.
    pub signature_date: Option<NaiveDate>,
    /// When the state deposited its instrument. Required for a `STATE_PARTY`, absent otherwise.
    pub consent_date: Option<NaiveDate>,
    /// How the state consented to be bound. Required for a `STATE_PARTY`, absent otherwise.
    pub consent_kind: Option<ConsentKind>,
}

/// Mutations of states' public records.
#[derive(Default)]
pub struct StatesMutation;

#[Object(guard = "FieldGuard::root(\"Mutation\")")]
impl StatesMutation {
    /// Records a change in a state's treaty status: a signature, a deposit, or a correction.
    #[graphql(directive = writers::apply(vec![RoleName::Secretariat]))]
    async fn update_state_treaty_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The state, the version you read, and its treaty status as it now stands.")]
        input: UpdateStateTreatyStatusInput,
    ) -> ApiResult<StatePayload> {
        async {
            let id = expect_id(&input.id, "State", "input.id")?;
            write::current::<state::Entity, _>(ctx.db()?, id, input.version, "the state").await?;
            let t = TreatyStatus {
                status: input.att_status.into(),
                signature: input.signature_date,
                consent: input.consent_date,
                kind: input.consent_kind.map(Into::into),
            };
            let mut c = Check::new();
            check_treaty_status(&mut c, &t, Utc::now().date_naive());
            c.finish()?;
            let row = state::ActiveModel {
                att_status: Set(t.status),
                signature_date: Set(t.signature),
                consent_date: Set(t.consent),
                consent_kind: Set(t.kind),
                entry_into_force_date: Set(t.consent.filter(|_| t.status == Status::StateParty).map(entry_into_force)),
                ..Default::default()
            };
            let m = Mutation::versioned("updateStateTreatyStatus", "State");
            write::update(ctx, m, id, input.version, row, "the state").await?;
            Ok(StatePayload(written::<state::Entity, _>(ctx, id).await?))
        }
        .await
        .map_err(|e| report_all(ctx, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn violations(t: &TreatyStatus) -> Vec<String> {
        let mut c = Check::new();
        check_treaty_status(&mut c, t, d("2026-11-28"));
        match c.finish() {
            Ok(()) => vec![],
            Err(ApiError::BadUserInput(v)) => v.into_iter().map(|v| v.field).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    fn party(signature: Option<&str>, consent: &str, kind: Kind) -> TreatyStatus {
        TreatyStatus {
            status: Status::StateParty,
            signature: signature.map(d),
            consent: Some(d(consent)),
            kind: Some(kind),
        }
    }

    #[test]
    fn the_treaty_enters_into_force_on_24_december_2014_or_ninety_days_after_a_later_deposit() {
        assert_eq!(entry_into_force(d("2014-04-02")), d("2014-12-24"));
        assert_eq!(entry_into_force(d("2014-09-25")), d("2014-12-24"), "the fiftieth instrument");
        assert_eq!(entry_into_force(d("2014-12-22")), d("2014-12-24"), "deposited before entry into force");
        assert_eq!(entry_into_force(d("2014-12-24")), d("2015-03-24"));
        assert_eq!(entry_into_force(d("2020-07-29")), d("2020-10-27"));
    }

    #[test]
    fn the_computed_date_matches_the_published_list_of_states() {
        let csv = include_str!("../../seed/states.csv");
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).expect("a column");
        let (consent, eif) = (col("consent_date"), col("entry_into_force_date"));
        let mut checked = 0;
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[consent].is_empty() {
                continue;
            }
            assert_eq!(entry_into_force(d(cells[consent])), d(cells[eif]), "{line}");
            checked += 1;
        }
        assert!(checked > 100);
    }

    #[test]
    fn consistent_statuses_pass() {
        assert!(violations(&party(Some("2013-06-03"), "2014-04-02", Kind::Ratification)).is_empty());
        assert!(violations(&party(None, "2020-07-29", Kind::Accession)).is_empty());
        let signatory =
            TreatyStatus { status: Status::Signatory, signature: Some(d("2013-09-24")), consent: None, kind: None };
        assert!(violations(&signatory).is_empty());
        let none = TreatyStatus { status: Status::NotJoined, signature: None, consent: None, kind: None };
        assert!(violations(&none).is_empty());
    }

    #[test]
    fn inconsistent_statuses_name_the_fields_to_change() {
        let party_without_deposit =
            TreatyStatus { status: Status::StateParty, signature: None, consent: None, kind: None };
        assert_eq!(violations(&party_without_deposit), ["input.consentDate", "input.consentKind"]);
        assert_eq!(violations(&party(Some("2013-06-03"), "2016-01-01", Kind::Accession)), ["input.signatureDate"]);
        assert_eq!(violations(&party(None, "2016-01-01", Kind::Ratification)), ["input.signatureDate"]);
        let signatory = TreatyStatus {
            status: Status::Signatory,
            signature: None,
            consent: Some(d("2016-01-01")),
            kind: Some(Kind::Ratification),
        };
        assert_eq!(violations(&signatory), ["input.signatureDate", "input.consentDate", "input.consentKind"]);
        let joined =
            TreatyStatus { status: Status::NotJoined, signature: Some(d("2013-07-01")), consent: None, kind: None };
        assert_eq!(violations(&joined), ["input.signatureDate"]);
    }

    #[test]
    fn dates_fall_within_the_treatys_life() {
        assert_eq!(violations(&party(Some("2013-06-02"), "2014-04-02", Kind::Ratification)), ["input.signatureDate"]);
        assert_eq!(violations(&party(Some("2015-01-05"), "2016-04-02", Kind::Ratification)), ["input.signatureDate"]);
        assert_eq!(violations(&party(None, "2013-05-01", Kind::Accession)), ["input.consentDate"]);
        assert_eq!(violations(&party(None, "2027-01-01", Kind::Accession)), ["input.consentDate"]);
        assert_eq!(violations(&party(Some("2014-06-03"), "2014-04-02", Kind::Ratification)), ["input.consentDate"]);
    }
}
