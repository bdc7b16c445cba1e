//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// An amount of money in its currency's major unit with two decimals, written as a string
/// (`"12500.00"`) so that no client rounds it through a float. Input accepts the same string,
/// or a number with at most two decimals. Stored exactly, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Money(pub i64);

/// An amount of money with two decimals, as a string: `"12500.00"`.
#[Scalar(name = "Money")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = match &value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        parse_money(&text)
            .map(Money)
            .ok_or_else(|| InputValueError::custom("expected an amount with at most two decimals, like \"12500.00\""))
    }

    fn to_value(&self) -> Value {
        Value::String(format_money(self.0))
    }
}

/// Formats minor units as `"123.45"`.
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parses `"123"`, `"123.4"`, `"123.45"` (and negatives) into minor units.
pub fn parse_money(text: &str) -> Option<i64> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty()
        || whole.len() > 15
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let v = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_exactly() {
        for (text, minor) in [("0.00", 0), ("12500.00", 1_250_000), ("0.05", 5), ("-3.10", -310)] {
            assert_eq!(parse_money(text), Some(minor));
            assert_eq!(format_money(minor), text);
        }
        assert_eq!(parse_money("7"), Some(700));
        assert_eq!(parse_money("7.5"), Some(750));
    }

    #[test]
    fn money_rejects_what_is_not_an_amount() {
        for bad in ["", ".5", "1.234", "1e3", "12,00", "abc", "1.2.3", "9999999999999999"] {
            assert_eq!(parse_money(bad), None, "{bad}");
        }
    }
}
