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
