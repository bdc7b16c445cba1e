//! Validated values: parsed once at the edge, so that code past it can trust them.

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn valid_values_pass_and_are_normalised() {
        let mut c = Check::new();
        assert_eq!(c.text("t", "  Workshop  ", 20), "Workshop");
        assert_eq!(c.currency("c", "usd"), "USD");
        assert_eq!(c.opt_text("o", Some("   "), 5), None);
        assert!(c.finish().is_ok());
    }
}
