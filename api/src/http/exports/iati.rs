//! Accepted activity reports as an IATI activity file (standard version 2.03).
//!
//! The mapping (README, "Exports"):
//! - `iati-identifier`: the reporting organisation's IATI identifier, or `XM-ATT-DEMO-<org id>`
//!   when it has none, then `-<report id>`;
//! - `reporting-org` and a `participating-org` with role 4 (implementing): the reporting
//!   organisation; the report's participating organisations as role 4 by name; its funding
//!   source as role 1 (funding) where the caller may read it;
//! - `title`, `description`, `activity-status` (PLANNED 1, ONGOING 2, COMPLETED 3, CANCELLED 5)
//!   and `activity-date` (planned or actual start and end, as the status says);
//! - `recipient-country`: the ISO alpha-2 code of each target state, shares summing to 100;
//! - `sector`: DAC 5-digit code 15240 (reintegration and SALW control): every activity here
//!   supports the Arms Trade Treaty, which is conventional arms control;
//! - `budget` and an incoming-commitment `transaction` from the funding source: only where
//!   the caller may read the FINANCIAL fields of that row's organisation.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::auth::{AccessClass, Principal};
use crate::node::parse_global_id;

/// The FINANCIAL fields of a report the file uses, read only where the caller may.
pub const FINANCIAL_FIELDS: [&str; 3] = ["budget", "currency", "fundingSource"];

/// DAC 5-digit purpose code "Reintegration and SALW control".
const SECTOR_SALW_CONTROL: &str = "15240";

/// Turns pages of reports into `iati-activity` elements for one caller.
pub struct IatiWriter {
    principal: Principal,
    /// The classes the schema declares for [`FINANCIAL_FIELDS`], in that order.
    financial: Vec<AccessClass>,
    generated: DateTime<Utc>,
}

impl IatiWriter {
    /// A writer for `principal`; `financial` are the declared classes of [`FINANCIAL_FIELDS`].
    pub fn new(principal: Principal, financial: Vec<AccessClass>) -> Self {
        Self { principal, financial, generated: Utc::now() }
    }

    /// Whether the caller may read the financial fields of some rows (its own organisation's,
    /// for a partner): only then are they asked for.
    fn wants_financial(&self) -> bool {
        self.financial
            .iter()
            .all(|c| self.principal.may_read(*c, None) || self.principal.may_read(*c, self.principal.org_id))
    }

    fn may_read_financial(&self, owner_org: i64) -> bool {
        self.financial.iter().all(|c| self.principal.may_read(*c, Some(owner_org)))
    }

    /// The GraphQL selection of one report.
    pub fn selection(&self) -> String {
        let mut s = String::from(
            "id title description status startDate endDate updatedAt participatingOrganizations \
             organization { id name iatiIdentifier kind } targetStates { iso2 }",
        );
        if self.wants_financial() {
            for f in FINANCIAL_FIELDS {
                s.push(' ');
                s.push_str(f);
            }
        }
        s
    }

    /// The XML declaration and the opening `iati-activities` element.
    pub fn start(&self) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"{}\">\n",
            self.generated.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
        .into_bytes()
    }

    /// The closing `iati-activities` element.
    pub fn end(&self) -> Vec<u8> {
        b"</iati-activities>\n".to_vec()
    }

    /// One `iati-activity` per report.
    pub fn activities(&self, nodes: &[Value]) -> Result<Vec<u8>, String> {
        let mut x = Xml::default();
        for node in nodes {
            self.activity(&mut x, node)?;
        }
        Ok(x.out.into_bytes())
    }

    fn activity(&self, x: &mut Xml, node: &Value) -> Result<(), String> {
        let text = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).map(str::to_owned);
        let report_id =
            text(node, "id").and_then(|id| parse_global_id(&id)).map(|(_, n)| n).ok_or("a report without id")?;
        let org = node.get("organization").filter(|o| o.is_object()).ok_or("a report without organisation")?;
        let org_id =
            text(org, "id").and_then(|id| parse_global_id(&id)).map(|(_, n)| n).ok_or("an organisation without id")?;
        let org_name = text(org, "name").unwrap_or_default();
        let org_ref = text(org, "iatiIdentifier")
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| format!("XM-ATT-DEMO-{org_id}"));
        let org_type = organisation_type(text(org, "kind").as_deref());
        let status = text(node, "status");
        let start = text(node, "startDate");
        let end = text(node, "endDate");

        let mut attrs = vec![("xml:lang", "en".to_owned())];
        if let Some(t) = text(node, "updatedAt") {
            attrs.push(("last-updated-datetime", t));
        }
        x.open("iati-activity", &attrs);
        x.leaf("iati-identifier", &[], &format!("{org_ref}-{report_id}"));
        x.open("reporting-org", &[("ref", org_ref.clone()), ("type", org_type.into())]);
        x.narrative(&org_name);
        x.close("reporting-org");
        x.open("title", &[]);
        x.narrative(&text(node, "title").unwrap_or_default());
        x.close("title");
        x.open("description", &[("type", "1".into())]);
        x.narrative(&text(node, "description").unwrap_or_default());
        x.close("description");

        x.open("participating-org", &[("ref", org_ref), ("type", org_type.into()), ("role", "4".into())]);
        x.narrative(&org_name);
        x.close("participating-org");
        for other in node.get("participatingOrganizations").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = other.as_str().filter(|n| !n.trim().is_empty()) {
                x.open("participating-org", &[("role", "4".into())]);
                x.narrative(name);
                x.close("participating-org");
            }
        }
        let financial = self.may_read_financial(org_id);
        let funding = if financial { text(node, "fundingSource").filter(|f| !f.trim().is_empty()) } else { None };
        if let Some(funder) = &funding {
            x.open("participating-org", &[("role", "1".into())]);
            x.narrative(funder);
            x.close("participating-org");
        }

        x.empty("activity-status", &[("code", activity_status(status.as_deref()).into())]);
        let (start_type, end_type) = date_types(status.as_deref());
        if let Some(d) = &start {
            x.empty("activity-date", &[("type", start_type.into()), ("iso-date", d.clone())]);
        }
        if let Some(d) = &end {
            x.empty("activity-date", &[("type", end_type.into()), ("iso-date", d.clone())]);
        }

        let countries: Vec<String> = node
            .get("targetStates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| text(s, "iso2"))
            .collect();
        for (code, share) in countries.iter().zip(shares(countries.len())) {
            x.empty("recipient-country", &[("code", code.clone()), ("percentage", share)]);
        }
        x.empty(
            "sector",
            &[("vocabulary", "1".into()), ("code", SECTOR_SALW_CONTROL.into()), ("percentage", "100".into())],
        );

        let budget = if financial { text(node, "budget").zip(text(node, "currency")) } else { None };
        if let (Some((amount, currency)), Some(start), Some(end)) = (&budget, &start, &end) {
            x.open("budget", &[("type", "1".into()), ("status", "1".into())]);
            x.empty("period-start", &[("iso-date", start.clone())]);
            x.empty("period-end", &[("iso-date", end.clone())]);
            x.leaf("value", &[("currency", currency.clone()), ("value-date", start.clone())], amount);
            x.close("budget");
            if let Some(funder) = &funding {
                x.open("transaction", &[]);
                x.empty("transaction-type", &[("code", "11".into())]);
                x.empty("transaction-date", &[("iso-date", start.clone())]);
                x.leaf("value", &[("currency", currency.clone()), ("value-date", start.clone())], amount);
                x.open("provider-org", &[]);
                x.narrative(funder);
                x.close("provider-org");
                x.close("transaction");
            }
        }
        x.close("iati-activity");
        Ok(())
    }
}

/// IATI OrganisationType of an organisation kind.
fn organisation_type(kind: Option<&str>) -> &'static str {
    match kind {
        Some("CIVIL_SOCIETY") => "21",
        Some("REGIONAL" | "INTERNATIONAL") => "40",
        Some("RESEARCH") => "80",
        _ => "90",
    }
}

/// IATI ActivityStatus of a report's status.
fn activity_status(status: Option<&str>) -> &'static str {
    match status {
        Some("PLANNED") => "1",
        Some("ONGOING") => "2",
        Some("COMPLETED") => "3",
        Some("CANCELLED") => "5",
        _ => "1",
    }
}

/// IATI ActivityDateType of the start and end dates: planned (1, 3) or actual (2, 4).
fn date_types(status: Option<&str>) -> (&'static str, &'static str) {
    match status {
        Some("ONGOING") => ("2", "3"),
        Some("COMPLETED") => ("2", "4"),
        _ => ("1", "3"),
    }
}

/// `n` percentages with two decimals that sum to exactly 100 (the first takes the rest).
pub fn shares(n: usize) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let each = 10_000 / n as u64;
    let first = 10_000 - each * (n as u64 - 1);
    std::iter::once(first).chain(std::iter::repeat_n(each, n - 1)).map(format_hundredths).collect()
}

fn format_hundredths(h: u64) -> String {
    if h.is_multiple_of(100) { (h / 100).to_string() } else { format!("{}.{:02}", h / 100, h % 100) }
}

/// Whether XML 1.0 allows this character at all.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for element content or a double-quoted attribute value; characters XML cannot
/// carry are dropped, line breaks and tabs kept as references so that they survive parsing.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// A minimal indenting XML writer; every text and attribute goes through [`escape`].
#[derive(Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn tag(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.out.push_str(&"  ".repeat(self.depth + 1));
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.out.push_str(&"  ".repeat(self.depth + 1));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.tag(name, attrs);
        self.out.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, String)], text: &str) {
        self.tag(name, attrs);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn narrative(&mut self, text: &str) {
        self.leaf("narrative", &[], text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_shares_always_sum_to_one_hundred() {
        assert_eq!(shares(1), ["100"]);
        assert_eq!(shares(2), ["50", "50"]);
        assert_eq!(shares(3), ["33.34", "33.33", "33.33"]);
        assert_eq!(shares(7).len(), 7);
        for n in 1..40 {
            let total: u64 = shares(n)
                .iter()
                .map(|s| {
                    let (w, f) = s.split_once('.').unwrap_or((s, "0"));
                    w.parse::<u64>().expect("whole") * 100 + format!("{f:0<2}").parse::<u64>().expect("fraction")
                })
                .sum();
            assert_eq!(total, 10_000, "{n} countries");
        }
    }

    #[test]
    fn text_is_escaped_and_what_xml_cannot_carry_is_dropped() {
        assert_eq!(escape("a & <b> \"c\" 'd'"), "a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;");
        assert_eq!(escape("line\nbreak\u{1}\u{FFFE}"), "line&#10;break");
    }

    #[test]
    fn statuses_map_to_the_iati_codes() {
        assert_eq!(activity_status(Some("PLANNED")), "1");
        assert_eq!(activity_status(Some("ONGOING")), "2");
        assert_eq!(activity_status(Some("COMPLETED")), "3");
        assert_eq!(activity_status(Some("CANCELLED")), "5");
        assert_eq!(date_types(Some("COMPLETED")), ("2", "4"));
        assert_eq!(date_types(Some("PLANNED")), ("1", "3"));
    }
}
