//! CSV and NDJSON rows from the nodes of a GraphQL page.
//!
//! CSV: RFC 4180 (comma, double quotes, CRLF), UTF-8, a header row, lists joined with `;`,
//! and every text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab,
//! carriage return first) prefixed with `'`. NDJSON: one object per row with the same keys in
//! the same order, values as the GraphQL answer has them (lists stay arrays).

use serde_json::Value;

use super::catalog::Column;

/// The UTF-8 byte order mark, for spreadsheets that guess the encoding otherwise.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The value at `path` inside `node`; through a list, the values of every element.
pub fn extract(node: &Value, path: &[String]) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return node.clone();
    };
    match node {
        Value::Object(fields) => fields.get(first).map_or(Value::Null, |v| extract(v, rest)),
        Value::Array(items) => Value::Array(items.iter().map(|item| extract(item, path)).collect()),
        _ => Value::Null,
    }
}

/// Neutralises a text that a spreadsheet would run as a formula.
pub fn formula_safe(text: String) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text,
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(";"),
        Value::Object(_) => value.to_string(),
    }
}

/// The CSV cell of a value: numbers and booleans as written, text (and lists) formula-safe.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => plain(value),
        _ => formula_safe(plain(value)),
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, String> {
    w.into_inner().map_err(|e| e.to_string())
}

/// The header row.
pub fn csv_header(columns: &[Column]) -> Result<Vec<u8>, String> {
    let mut w = csv_writer();
    w.write_record(columns.iter().map(|c| c.name.as_str())).map_err(|e| e.to_string())?;
    finish(w)
}

/// One CSV row per node.
pub fn csv_rows(columns: &[Column], nodes: &[Value]) -> Result<Vec<u8>, String> {
    let mut w = csv_writer();
    for node in nodes {
        w.write_record(columns.iter().map(|c| cell(&extract(node, &c.path)))).map_err(|e| e.to_string())?;
    }
    finish(w)
}

/// One NDJSON line per node, keys in column order.
pub fn ndjson_rows(columns: &[Column], nodes: &[Value]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(b'{');
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &c.name).map_err(|e| e.to_string())?;
            out.push(b':');
            serde_json::to_writer(&mut out, &extract(node, &c.path)).map_err(|e| e.to_string())?;
        }
        out.extend_from_slice(b"}\n");
    }
    Ok(out)
}

/// The last NDJSON line of an export that failed part-way.
pub fn ndjson_failure(code: &str, request_id: &str) -> Vec<u8> {
    let mut line = serde_json::json!({ "error": { "code": code, "requestId": request_id } }).to_string().into_bytes();
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AccessClass;
    use serde_json::json;

    fn column(name: &str, path: &[&str]) -> Column {
        Column {
            name: name.into(),
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            classes: vec![AccessClass::Partner],
        }
    }

    #[test]
    fn formulas_are_neutralised_and_other_text_is_left_alone() {
        for (given, expected) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain = text", "plain = text"),
            ("", ""),
        ] {
            assert_eq!(formula_safe(given.into()), expected, "{given:?}");
        }
        assert_eq!(cell(&json!(-5)), "-5", "numbers are numbers, not formulas");
        assert_eq!(cell(&json!(["=A", "B"])), "'=A;B");
    }

    #[test]
    fn relations_and_lists_flatten_along_their_path() {
        let node = json!({ "organization": { "name": "Org" }, "targetStates": [{ "iso3": "GHA" }, { "iso3": "TGO" }], "vtfProject": null });
        assert_eq!(extract(&node, &["organization".into(), "name".into()]), json!("Org"));
        assert_eq!(extract(&node, &["targetStates".into(), "iso3".into()]), json!(["GHA", "TGO"]));
        assert_eq!(extract(&node, &["vtfProject".into(), "id".into()]), Value::Null);
    }

    #[test]
    fn csv_is_rfc_4180_and_ndjson_keeps_the_column_order() {
        let columns = [column("title", &["title"]), column("states", &["targetStates", "iso3"])];
        let nodes = [json!({ "title": "a, \"quoted\"\nline", "targetStates": [{ "iso3": "GHA" }, { "iso3": "TGO" }] })];
        let mut csv = csv_header(&columns).expect("header");
        csv.extend(csv_rows(&columns, &nodes).expect("rows"));
        assert_eq!(String::from_utf8(csv).expect("utf-8"), "title,states\r\n\"a, \"\"quoted\"\"\nline\",GHA;TGO\r\n");
        let nd = ndjson_rows(&columns, &nodes).expect("ndjson");
        assert_eq!(
            String::from_utf8(nd).expect("utf-8"),
            "{\"title\":\"a, \\\"quoted\\\"\\nline\",\"states\":[\"GHA\",\"TGO\"]}\n"
        );
    }
}
