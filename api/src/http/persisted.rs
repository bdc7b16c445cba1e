//! Persisted operations and the safelist.
//!
//! A deployment registers the operations its dashboards and scripts use in one `.graphql` file
//! of named operations (and the fragments they use). Each is registered under its name and
//! under the SHA-256 (hex) of its normalised text: the operation followed by the fragments it
//! uses, in file order, without what GraphQL ignores (see [`normalise`]).
//! `att-coord operations FILE` prints them.
//!
//! A client may then send, instead of the text:
//! - `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}` (Apollo's
//!   automatic persisted queries), or
//! - `{"operationName": "X", "extensions": {"persistedQuery": {"version": 1}}}`,
//!
//! and the server runs the registered text. With the safelist on, only registered operations
//! run: free text runs only when its normalised text is registered; anything else is refused
//! before it is parsed, charged or executed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_graphql::{BatchRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::graphql::{BAD_REQUEST, error_response};
use crate::error::code;
use crate::validation::is_graphql_name;

/// The message of an unknown hash: Apollo clients recognise it (and send the text instead).
const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

/// One registered operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name.
    pub name: String,
    /// `query`, `mutation` or `subscription`.
    pub kind: String,
    /// The normalised text: the operation, then the fragments it uses.
    pub document: String,
    /// The SHA-256 of `document`, lower-case hex.
    pub sha256: String,
}

/// Why the operations file cannot be used, naming the file and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum PersistedError {
    #[error("cannot read the persisted operations file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the persisted operations file {path} is not GraphQL: {reason}")]
    Syntax { path: PathBuf, reason: String },
    #[error("the persisted operations file {path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// The registered operations and whether only they may run.
#[derive(Debug, Default)]
pub struct PersistedOperations {
    /// In file order.
    operations: Vec<Arc<Operation>>,
    by_name: HashMap<String, Arc<Operation>>,
    by_hash: HashMap<String, Arc<Operation>>,
    safelist: bool,
}

/// Why a request was refused before anything ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `PERSISTED_QUERY_NOT_FOUND`: no operation is registered under this hash or name.
    NotFound(String),
    /// `OPERATION_NOT_ALLOWED`: the safelist is on and the text is not a registered operation.
    NotAllowed,
    /// `BAD_REQUEST`: the `persistedQuery` extension is malformed or contradicts the request.
    BadRequest(String),
}

impl Refusal {
    /// The stable `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotFound(_) => code::PERSISTED_QUERY_NOT_FOUND,
            Refusal::NotAllowed => code::OPERATION_NOT_ALLOWED,
            Refusal::BadRequest(_) => BAD_REQUEST,
        }
    }

    /// The response: `200` for an unknown hash (as Apollo servers answer, so that Apollo
    /// clients send the text next), `403` for an operation outside the safelist, `400` for a
    /// malformed extension.
    pub fn into_response(self) -> Response {
        let code = self.code();
        match self {
            Refusal::NotFound(message) => error_response(StatusCode::OK, code, &message),
            Refusal::NotAllowed => error_response(
                StatusCode::FORBIDDEN,
                code,
                "this server runs only registered operations (the safelist is on): send the \
                 `sha256Hash` or `operationName` of a persisted operation, or its registered text",
            ),
            Refusal::BadRequest(message) => error_response(StatusCode::BAD_REQUEST, code, &message),
        }
    }
}

/// The `persistedQuery` request extension.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersistedQuery {
    version: i64,
    sha256_hash: Option<String>,
}

impl PersistedOperations {
    /// No registered operation, free text allowed: how a server without a file behaves.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the operations file; with `safelist`, only its operations will run.
    pub fn load(path: &Path, safelist: bool) -> Result<Self, PersistedError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| PersistedError::Read { path: path.to_owned(), source })?;
        Self::parse(&text, safelist).map_err(|e| match e {
            ParseError::Syntax(reason) => PersistedError::Syntax { path: path.to_owned(), reason },
            ParseError::Invalid(reason) => PersistedError::Invalid { path: path.to_owned(), reason },
        })
    }

    /// Registers the named operations of a GraphQL document.
    fn parse(text: &str, safelist: bool) -> Result<Self, ParseError> {
        let tokens: Vec<&str> = tokens(text).collect();
        let definitions = definitions(&tokens);
        let mut fragments: HashMap<&str, (usize, &[&str])> = HashMap::new();
        let mut operations: Vec<(&str, &str, &[&str])> = Vec::new();
        for (i, def) in definitions.iter().enumerate() {
            match def.first().copied() {
                Some("fragment") => {
                    fragments.insert(def.get(1).copied().unwrap_or_default(), (i, def));
                }
                Some(kind @ ("query" | "mutation" | "subscription")) => match def.get(1).copied() {
                    Some(name) if is_graphql_name(name) => operations.push((kind, name, def)),
                    _ => return Err(ParseError::Invalid(format!("every operation needs a name (an unnamed {kind})"))),
                },
                Some("{") => {
                    return Err(ParseError::Invalid(
                        "every operation needs a name (an unnamed query `{ ... }`)".into(),
                    ));
                }
                // Not GraphQL: the parser says why.
                _ => {}
            }
        }
        // Checked after the names, which the parser would report as "multiple operations". It
        // also refuses a document without operations and names defined twice.
        async_graphql::parser::parse_query(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
        let mut registered = Self { safelist, ..Self::default() };
        for (kind, name, def) in operations {
            // The fragments the operation uses, directly or through other fragments.
            let mut used: Vec<usize> = Vec::new();
            let mut pending: Vec<&str> = spreads(def);
            while let Some(fragment) = pending.pop() {
                let (index, body) = fragments.get(fragment).ok_or_else(|| {
                    ParseError::Invalid(format!(
                        "the operation {name} uses the fragment {fragment}, which is not defined"
                    ))
                })?;
                if !used.contains(index) {
                    used.push(*index);
                    pending.extend(spreads(body));
                }
            }
            used.sort_unstable();
            let document = join(def.iter().chain(used.iter().flat_map(|&i| definitions[i].iter())).copied());
            let op = Arc::new(Operation {
                name: name.to_owned(),
                kind: kind.to_owned(),
                sha256: sha256_hex(&document),
                document,
            });
            registered.by_name.insert(op.name.clone(), op.clone());
            registered.by_hash.insert(op.sha256.clone(), op.clone());
            registered.operations.push(op);
        }
        Ok(registered)
    }

    /// The registered operations, in file order.
    pub fn operations(&self) -> &[Arc<Operation>] {
        &self.operations
    }

    /// Puts the registered text in place of a persisted reference, and refuses what may not
    /// run. The request is left as sent when it needs nothing from the registry.
    pub fn resolve(&self, request: &mut Request) -> Result<(), Refusal> {
        let Some(extension) = request.extensions.remove("persistedQuery") else {
            return self.free_text(request);
        };
        let pq: PersistedQuery = async_graphql::from_value(extension).map_err(|_| {
            Refusal::BadRequest(
                "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<hex>\"} or {\"version\": 1} with operationName".into(),
            )
        })?;
        if pq.version != 1 {
            return Err(Refusal::BadRequest(format!(
                "only version 1 of extensions.persistedQuery is supported (got {})",
                pq.version
            )));
        }
        if !request.query.trim().is_empty() {
            // Apollo's registration step: the text with its hash. The hash must be the text's.
            if let Some(hash) = &pq.sha256_hash {
                let hash = hash.to_ascii_lowercase();
                if hash != sha256_hex(&request.query) && hash != sha256_hex(&normalise(&request.query)) {
                    return Err(Refusal::BadRequest(
                        "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query".into(),
                    ));
                }
            }
            return self.free_text(request);
        }
        let op = match (&pq.sha256_hash, &request.operation_name) {
            (Some(hash), _) => self
                .by_hash
                .get(&hash.to_ascii_lowercase())
                .ok_or_else(|| Refusal::NotFound(NOT_FOUND_MESSAGE.into()))?,
            (None, Some(name)) => self
                .by_name
                .get(name)
                .ok_or_else(|| Refusal::NotFound(format!("no operation named {name} is registered")))?,
            (None, None) => {
                return Err(Refusal::BadRequest(
                    "name the persisted operation: extensions.persistedQuery.sha256Hash or operationName".into(),
                ));
            }
        };
        substitute(request, op)
    }

    /// [`resolve`](Self::resolve) for every operation of a request; one refusal refuses all.
    pub fn resolve_batch(&self, batch: &mut BatchRequest) -> Result<(), Refusal> {
        match batch {
            BatchRequest::Single(r) => self.resolve(r),
            BatchRequest::Batch(rs) => rs.iter_mut().try_for_each(|r| self.resolve(r)),
        }
    }

    /// Text sent as text: as it is, or with the safelist on, only when it is registered.
    fn free_text(&self, request: &mut Request) -> Result<(), Refusal> {
        if !self.safelist {
            return Ok(());
        }
        match self.by_hash.get(&sha256_hex(&normalise(&request.query))) {
            Some(op) => substitute(request, op),
            None => Err(Refusal::NotAllowed),
        }
    }
}

/// Runs `op`'s registered text. A registered document holds one operation, so an
/// `operationName` naming another would only fail later; it is refused here, clearly.
fn substitute(request: &mut Request, op: &Operation) -> Result<(), Refusal> {
    match &request.operation_name {
        Some(name) if *name != op.name => {
            return Err(Refusal::BadRequest(format!(
                "operationName {name} does not match the persisted operation {}",
                op.name
            )));
        }
        _ => {}
    }
    request.query = op.document.clone();
    request.operation_name = Some(op.name.clone());
    Ok(())
}

enum ParseError {
    Syntax(String),
    Invalid(String),
}

/// The lower-case hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    crate::write::hex(&Sha256::digest(text.as_bytes()))
}

/// A document without what GraphQL ignores (white space, commas, comments): its tokens, with a
/// space only where two would otherwise run together (between two tokens that are not
/// punctuators, and before `...` after one), as graphql-js's `stripIgnoredCharacters` writes
/// them (block strings are kept as written). Two texts that differ only in what GraphQL
/// ignores normalise to the same text.
pub fn normalise(text: &str) -> String {
    join(tokens(text))
}

fn join<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut after_word = false;
    for t in tokens {
        let word = !matches!(t, "!" | "$" | "&" | "(" | ")" | "..." | ":" | "=" | "@" | "[" | "]" | "{" | "|" | "}");
        if after_word && (word || t == "...") {
            out.push(' ');
        }
        out.push_str(t);
        after_word = word;
    }
    out
}

/// The lexical tokens of a GraphQL document (GraphQL spec §2.1), without the ignored ones.
/// Strings are kept whole, as written. Characters GraphQL does not know become tokens of
/// their own (the parser refuses such a document anyway).
fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, at: 0 }
}

struct Tokens<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let mut i = self.at;
        // Skip what GraphQL ignores.
        loop {
            match bytes.get(i) {
                None => return None,
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',') => i += 1,
                Some(b'#') => {
                    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                        i += 1;
                    }
                }
                Some(_) => break,
            }
        }
        let start = i;
        let digits = |i: &mut usize| {
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
        };
        match bytes[i] {
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if bytes[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => i += 3,
            b'-' | b'0'..=b'9' => {
                i += 1;
                digits(&mut i);
                if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                    i += 1;
                    digits(&mut i);
                }
                if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                    i += 1;
                    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                        i += 1;
                    }
                    digits(&mut i);
                }
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
            }
            // Tokens end on ASCII bytes or at the end, so `i` is on a character's first byte.
            _ => i += text.get(i..).and_then(|t| t.chars().next()).map_or(1, char::len_utf8),
        }
        // An unterminated string or escape may run past the end.
        self.at = i.min(bytes.len());
        text.get(start..self.at)
    }
}

/// The name of the first operation of a document, read without parsing it (for the metrics
/// of a request that does not give `operationName`); `None` when it has no name.
pub fn first_operation_name(text: &str) -> Option<String> {
    let mut tokens = tokens(text);
    let (mut braces, mut parens, mut in_fragment) = (0usize, 0usize, false);
    while let Some(t) = tokens.next() {
        let top = braces == 0 && parens == 0;
        match t {
            "query" | "mutation" | "subscription" if top && !in_fragment => {
                return tokens.next().filter(|n| is_graphql_name(n)).map(str::to_owned);
            }
            "fragment" if top => in_fragment = true,
            // An unnamed `{ ... }` operation.
            "{" if top && !in_fragment => return None,
            "(" => parens += 1,
            ")" => parens = parens.saturating_sub(1),
            "{" if parens == 0 => braces += 1,
            "}" if parens == 0 => {
                braces = braces.saturating_sub(1);
                in_fragment &= braces > 0;
            }
            _ => {}
        }
    }
    None
}

/// Splits a document's tokens into its definitions: each ends with the `}` that closes its
/// selection set (braces inside parentheses are values, not selections).
fn definitions<'t, 'a>(tokens: &'t [&'a str]) -> Vec<&'t [&'a str]> {
    let mut defs = Vec::new();
    let (mut start, mut braces, mut parens) = (0, 0usize, 0usize);
    for (i, t) in tokens.iter().enumerate() {
        match *t {
            "(" => parens += 1,
            ")" => parens = parens.saturating_sub(1),
            "{" if parens == 0 => braces += 1,
            "}" if parens == 0 => {
                braces = braces.saturating_sub(1);
                if braces == 0 {
                    defs.push(&tokens[start..=i]);
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    defs
}

/// The fragments a definition spreads (`...Name`, not `... on Type`).
fn spreads<'a>(def: &[&'a str]) -> Vec<&'a str> {
    def.windows(2).filter(|w| w[0] == "..." && w[1] != "on" && is_graphql_name(w[1])).map(|w| w[1]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# Dashboards
query States($first: Int = 10) {
  states(first: $first) { nodes { ...StateName } }
}

fragment StateName on State { iso3, name   # the label
  ...Status }
fragment Status on State { attStatus }
fragment Unused on State { iso2 }

mutation Accept($id: ID!) { acceptActivityReport(input: { id: $id, comment: "ok, \"done\"" }) { activityReport { id } } }
"#;

    fn load(text: &str) -> PersistedOperations {
        match PersistedOperations::parse(text, true) {
            Ok(p) => p,
            Err(ParseError::Syntax(e) | ParseError::Invalid(e)) => panic!("{e}"),
        }
    }

    fn invalid(text: &str) -> String {
        match PersistedOperations::parse(text, true) {
            Ok(_) => panic!("accepted: {text}"),
            Err(ParseError::Syntax(e) | ParseError::Invalid(e)) => e,
        }
    }

    #[test]
    fn each_operation_is_registered_with_the_fragments_it_uses_in_file_order() {
        let p = load(FILE);
        let names: Vec<&str> = p.operations().iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["States", "Accept"]);
        assert_eq!(
            p.operations()[0].document,
            "query States($first:Int=10){states(first:$first){nodes{...StateName}}}\
             fragment StateName on State{iso3 name ...Status}fragment Status on State{attStatus}"
        );
        assert_eq!(p.operations()[0].sha256, sha256_hex(&p.operations()[0].document));
        assert_eq!(p.operations()[1].kind, "mutation");
        assert!(p.operations()[1].document.contains(r#""ok, \"done\"""#), "strings are kept as written");
    }

    #[test]
    fn what_graphql_ignores_does_not_change_the_normalised_text() {
        assert_eq!(normalise("{ a(x: 1, y: -2.5e3) { ...F } }"), normalise("{a(x:1 y:-2.5e3){...F}} # c"));
        assert_eq!(normalise(r#"{ a(s: "x  ,  y", t: "") }"#), r#"{a(s:"x  ,  y" t:"")}"#);
        assert_eq!(normalise("{ a(s: \"\"\"block \\\"\"\" , \"\"\") }"), "{a(s:\"\"\"block \\\"\"\" , \"\"\")}");
        assert_ne!(normalise("{ a b }"), normalise("{ ab }"));
        // Any text at all, well formed or not, is read without a panic.
        assert_eq!(normalise("{ a(s: \"\"\"é ü\"\"\", t: \"ö\\é\") } ü"), "{a(s:\"\"\"é ü\"\"\" t:\"ö\\é\")}ü");
        for odd in ["\"\"\"é", "\"é\\", "\"\\é", "é\"\"\"ü", "#é", "-é", "...é", "\\"] {
            let _ = normalise(odd);
            let _ = first_operation_name(odd);
        }
        // What graphql-js's stripIgnoredCharacters gives for the same text.
        assert_eq!(
            normalise(
                "query Q($first: Int = 10) {\n  s(first: $first) { nodes { ...N, ... on S { a } } }\n} fragment N on S { i, n  # c\n ...T @include(if: true) x(a: \"s t\", b: [1, 2.5e3, -3], c: {d: $e}) }"
            ),
            "query Q($first:Int=10){s(first:$first){nodes{...N ...on S{a}}}}fragment N on S{i n ...T@include(if:true)x(a:\"s t\" b:[1 2.5e3 -3]c:{d:$e})}"
        );
    }

    #[test]
    fn the_first_operation_is_named_without_parsing() {
        assert_eq!(first_operation_name("query Dash($a: Int) { x }").as_deref(), Some("Dash"));
        assert_eq!(first_operation_name("# q\nfragment F on query { query } mutation M { y }").as_deref(), Some("M"));
        assert_eq!(first_operation_name("{ query }"), None);
        assert_eq!(first_operation_name("query { x }"), None);
        assert_eq!(first_operation_name("query Broken { states(").as_deref(), Some("Broken"));
        assert_eq!(first_operation_name(""), None);
    }

    #[test]
    fn a_file_that_cannot_be_served_is_refused_with_the_reason() {
        assert!(invalid("query {").contains("expected"), "syntax");
        assert!(invalid("querry A { me { role } }").contains("expected"), "syntax");
        assert!(invalid("{ states { totalCount } }").contains("needs a name"));
        assert!(invalid("query { me { role } }").contains("needs a name"));
        assert!(invalid("query A { me { role } } query A { me { sub } }").contains("defined twice"));
        assert!(invalid("query A { states { ...Missing } }").contains("fragment Missing"));
        assert!(invalid("fragment F on State { iso3 }").contains("does not contain an operation"));
        assert!(
            invalid("fragment F on State { iso3 } fragment F on State { name } query A { me { role } }")
                .contains("defined twice")
        );
    }

    fn request(body: serde_json::Value) -> Request {
        serde_json::from_value(body).expect("a request")
    }

    #[test]
    fn references_are_replaced_by_the_registered_text() {
        let p = load(FILE);
        let states = p.operations()[0].clone();
        let by_hash = json_ext(Some(&states.sha256));

        let mut r = request(serde_json::json!({ "extensions": by_hash }));
        assert_eq!(p.resolve(&mut r), Ok(()));
        assert_eq!((r.query.as_str(), r.operation_name.as_deref()), (states.document.as_str(), Some("States")));

        let mut r = request(serde_json::json!({ "operationName": "Accept", "extensions": json_ext(None) }));
        assert_eq!(p.resolve(&mut r), Ok(()));
        assert!(r.query.starts_with("mutation Accept"));

        let mut r = request(serde_json::json!({ "extensions": json_ext(Some(&"0".repeat(64))) }));
        assert_eq!(p.resolve(&mut r), Err(Refusal::NotFound(NOT_FOUND_MESSAGE.into())));
        let mut r = request(serde_json::json!({ "operationName": "Nope", "extensions": json_ext(None) }));
        assert!(matches!(p.resolve(&mut r), Err(Refusal::NotFound(_))));
        let mut r = request(serde_json::json!({ "operationName": "Accept", "extensions": by_hash }));
        assert!(matches!(p.resolve(&mut r), Err(Refusal::BadRequest(_))), "name and hash disagree");
        let mut r = request(
            serde_json::json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": states.sha256 } } }),
        );
        assert!(matches!(p.resolve(&mut r), Err(Refusal::BadRequest(_))));
        let mut r = request(serde_json::json!({ "query": "{ me { role } }", "extensions": by_hash }));
        assert!(matches!(p.resolve(&mut r), Err(Refusal::BadRequest(_))), "a hash that is not the text's");
    }

    #[test]
    fn the_safelist_lets_through_registered_text_only() {
        let p = load(FILE);
        let mut r = request(
            serde_json::json!({ "query": "query States($first: Int = 10) { states(first: $first) { nodes { ...StateName } } } fragment StateName on State { iso3 name ...Status } fragment Status on State { attStatus }" }),
        );
        assert_eq!(p.resolve(&mut r), Ok(()));
        assert_eq!(r.operation_name.as_deref(), Some("States"));

        let mut r = request(serde_json::json!({ "query": "{ me { role } }" }));
        assert_eq!(p.resolve(&mut r), Err(Refusal::NotAllowed));
        let mut open = load(FILE);
        open.safelist = false;
        let mut r = request(serde_json::json!({ "query": "{ me { role } }" }));
        assert_eq!(open.resolve(&mut r), Ok(()));
        assert_eq!(r.query, "{ me { role } }", "free text runs as sent");
    }

    fn json_ext(hash: Option<&str>) -> serde_json::Value {
        match hash {
            Some(h) => serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": h } }),
            None => serde_json::json!({ "persistedQuery": { "version": 1 } }),
        }
    }
}
