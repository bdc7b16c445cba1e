//! Validated values: parsed once at the edge, so that code past it can trust them.

/// Whether `text` is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`), e.g. an operation's.
pub fn is_graphql_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// An ISO 3166-1 alpha-3 code: three ASCII letters, kept in upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iso3(String);

impl Iso3 {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(t.to_ascii_uppercase()))
        } else {
            Err("an ISO 3166-1 alpha-3 code is three letters, e.g. GHA".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IATI organisation identifier: the registration agency's prefix (two capital letters, a
/// hyphen, then the agency's code) and the organisation's number, e.g. `GB-CHC-202918` or
/// `XM-DAC-41114`; at most 100 characters, without spaces or `/`, `&`, `|`, `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IatiIdentifier(String);

impl IatiIdentifier {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let b = t.as_bytes();
        let ok = t.len() >= 4
            && t.len() <= 100
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_uppercase()
            && b[2] == b'-'
            && b[3..].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            && b[3..].iter().any(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err("an IATI organisation identifier is a two-letter agency prefix, a hyphen and the organisation's code, e.g. GB-CHC-202918".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_names_are_letters_digits_and_underscores_not_starting_with_a_digit() {
        for good in ["Dashboard", "_private", "sync2", "A"] {
            assert!(is_graphql_name(good), "{good}");
        }
        for bad in ["", "2fast", "a b", "a-b", "é", "a\n"] {
            assert!(!is_graphql_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn iati_identifiers_have_an_agency_prefix_and_no_forbidden_characters() {
        for good in ["GB-CHC-202918", "XM-DAC-41114", "XI-IATI-ATT_1", " US-EIN-12.3 "] {
            assert!(IatiIdentifier::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "GB", "GB-", "gb-CHC-1", "G1-CHC-1", "GBCHC1", "GB-CHC 1", "GB-CHC/1", "GB-&", "GB---"] {
            assert!(IatiIdentifier::parse(bad).is_err(), "{bad}");
        }
        assert!(IatiIdentifier::parse(&format!("GB-{}", "1".repeat(98))).is_err());
    }

    #[test]
    fn iso3_codes_are_three_letters_in_upper_case() {
        assert_eq!(Iso3::parse("gha").map(|c| c.as_str().to_owned()), Ok("GHA".into()));
        for bad in ["", "GH", "GHAN", "G1A", "ÄBC", "' OR 1=1"] {
            assert!(Iso3::parse(bad).is_err(), "{bad}");
        }
    }
}

use chrono::NaiveDate;

use crate::error::{ApiError, Violation};
use crate::scalars::Money;

/// Collects every violation of one input, each under its input path (`input.title`), so that
/// all of them are reported together.
#[derive(Debug, Default)]
pub struct Check {
    violations: Vec<Violation>,
}

/// The earliest and latest dates accepted anywhere.
const EARLIEST: (i32, u32, u32) = (1990, 1, 1);
const LATEST: (i32, u32, u32) = (2100, 12, 31);

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.violations.push(Violation::new(field, message));
    }

    /// Records a violation found elsewhere.
    pub fn push(&mut self, v: Violation) {
        self.violations.push(v);
    }

    /// Whether a violation was recorded.
    pub fn failed(&self) -> bool {
        !self.violations.is_empty()
    }

    /// Whether a violation was recorded for input `field` (so as not to pile a second one on it).
    pub fn has(&self, field: &str) -> bool {
        self.violations.iter().any(|v| v.field == field)
    }

    /// A required text: trimmed, not empty, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let t = value.trim();
        if t.is_empty() {
            self.fail(field, format!("`{field}` must not be empty"));
        } else if t.chars().count() > max {
            self.fail(field, format!("`{field}` is longer than {max} characters"));
        }
        t.to_owned()
    }

    /// An optional text: trimmed, empty means absent, at most `max` characters.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let t = value?.trim();
        if t.is_empty() {
            return None;
        }
        if t.chars().count() > max {
            self.fail(field, format!("`{field}` is longer than {max} characters"));
        }
        Some(t.to_owned())
    }

    /// A list of short texts: at most `max_items`, each non-empty and at most `max` characters.
    pub fn texts(&mut self, field: &str, values: &[String], max_items: usize, max: usize) -> Vec<String> {
        if values.len() > max_items {
            self.fail(field, format!("`{field}` has more than {max_items} items"));
        }
        values.iter().enumerate().map(|(i, v)| self.text(&format!("{field}[{i}]"), v, max)).collect()
    }

    /// A date within the years the system deals with.
    pub fn date(&mut self, field: &str, value: NaiveDate) -> NaiveDate {
        let (lo, hi) = (
            NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).unwrap_or_default(),
            NaiveDate::from_ymd_opt(LATEST.0, LATEST.1, LATEST.2).unwrap_or_default(),
        );
        if value < lo || value > hi {
            self.fail(field, format!("`{field}` must be between {lo} and {hi}"));
        }
        value
    }

    /// Two dates in order: `end` not before `start`.
    pub fn date_range(&mut self, start_field: &str, start: NaiveDate, end_field: &str, end: NaiveDate) {
        self.date(start_field, start);
        self.date(end_field, end);
        if end < start {
            self.fail(end_field, format!("`{end_field}` ({end}) is before `{start_field}` ({start})"));
        }
    }

    /// A whole number within `lo..=hi`.
    pub fn int(&mut self, field: &str, value: i32, lo: i32, hi: i32) -> i32 {
        if !(lo..=hi).contains(&value) {
            self.fail(field, format!("`{field}` must be between {lo} and {hi} (got {value})"));
        }
        value
    }

    /// A non-negative amount of money.
    pub fn amount(&mut self, field: &str, value: Money) -> i64 {
        if value.0 < 0 {
            self.fail(field, format!("`{field}` must not be negative"));
        }
        value.0
    }

    /// An ISO 4217 currency code: three letters, kept in upper case.
    pub fn currency(&mut self, field: &str, value: &str) -> String {
        let c = value.trim().to_ascii_uppercase();
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            self.fail(field, format!("`{field}` must be an ISO 4217 currency code such as USD"));
        }
        c
    }

    /// An ISO 3166-1 alpha-3 code (its existence is checked against the database elsewhere).
    pub fn iso3(&mut self, field: &str, value: &str) -> Option<Iso3> {
        match Iso3::parse(value) {
            Ok(c) => Some(c),
            Err(m) => {
                self.fail(field, m);
                None
            }
        }
    }

    /// An IATI organisation identifier.
    pub fn iati(&mut self, field: &str, value: &str) -> String {
        match IatiIdentifier::parse(value) {
            Ok(id) => id.as_str().to_owned(),
            Err(m) => {
                self.fail(field, m);
                value.to_owned()
            }
        }
    }

    /// A list naming each value at most once: every repeat is a violation at its index.
    pub fn distinct<T: PartialEq>(&mut self, field: &str, values: &[T]) {
        for (i, v) in values.iter().enumerate() {
            if let Some(first) = values[..i].iter().position(|w| w == v) {
                self.fail(format!("{field}[{i}]"), format!("`{field}[{i}]` repeats `{field}[{first}]`"));
            }
        }
    }

    /// The value of `result`, or `None` with its violations recorded when it is
    /// `BAD_USER_INPUT` (an unknown reference is one more invalid value); other errors pass.
    pub fn absorb<T>(&mut self, result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::BadUserInput(v)) => {
                self.violations.extend(v);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// `Ok` if nothing was recorded, otherwise every violation as `BAD_USER_INPUT`.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.violations.is_empty() { Ok(()) } else { Err(ApiError::BadUserInput(self.violations)) }
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn every_violation_is_kept_with_its_path() {
        let mut c = Check::new();
        c.text("input.title", "  ", 10);
        c.date_range("input.startDate", d("2026-02-01"), "input.endDate", d("2026-01-01"));
        c.amount("input.budget", Money(-1));
        c.currency("input.currency", "dollars");
        let Err(ApiError::BadUserInput(v)) = c.finish() else { panic!("violations expected") };
        let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["input.title", "input.endDate", "input.budget", "input.currency"]);
    }

    #[test]
    fn repeats_and_absorbed_errors_are_violations() {
        let mut c = Check::new();
        c.distinct("input.pathway", &["VTF", "SPONSORSHIP", "VTF"]);
        assert_eq!(c.absorb::<i64>(Err(ApiError::bad_input("input.state", "unknown"))).ok(), Some(None));
        assert_eq!(c.absorb(Ok(7)).ok(), Some(Some(7)));
        assert!(c.absorb::<i64>(Err(ApiError::Internal("db".into()))).is_err());
        let Err(ApiError::BadUserInput(v)) = c.finish() else { panic!("violations expected") };
        let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["input.pathway[2]", "input.state"]);
    }

    #[test]
    fn valid_values_pass_and_are_normalised() {
        let mut c = Check::new();
        assert_eq!(c.text("t", "  Workshop  ", 20), "Workshop");
        assert_eq!(c.currency("c", "usd"), "USD");
        assert_eq!(c.opt_text("o", Some("   "), 5), None);
        assert!(c.finish().is_ok());
    }
}
