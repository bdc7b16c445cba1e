//! `GET /export/{dataset}.csv`, `.ndjson` and `/export/activity_reports.iati.xml`: streamed
//! exports that are the GraphQL answer by construction.
//!
//! The handler runs the dataset's GraphQL list query itself, as the caller, 100 rows at a time
//! (following `endCursor`), and writes each page out before it asks for the next: memory stays
//! flat whatever the size, and filters, visibility, access classes and the audit trail are
//! those of `POST /graphql`, enforced by the one guard. The first page is read before the
//! response starts, so a caller who may not read the list gets a `403`, not a broken file.
//! Columns are chosen per role from the classes the SDL declares ([`catalog`]): a column the
//! role may not read is left out and named in `X-Omitted-Columns`.

mod catalog;
mod iati;
mod tabular;

use std::collections::HashSet;
use std::net::SocketAddr;

use async_graphql::{Request, ServerError, Variables};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::graphql::{authenticate, client_key, error_response, run_one};
use super::{HttpState, RequestId};
use crate::auth::Principal;
use crate::error::code;
use crate::pagination::MAX_PAGE_SIZE;

pub use catalog::{Catalog, CatalogError, Column, Dataset};

/// The response header naming the columns left out for the caller's role.
pub const OMITTED_COLUMNS: HeaderName = HeaderName::from_static("x-omitted-columns");

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Ndjson,
    Iati,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
            Format::Iati => "application/xml; charset=utf-8",
        }
    }
}

/// Splits `activity_reports.csv` into the dataset and the format.
fn parse_file(file: &str) -> Option<(&str, Format)> {
    if let Some(name) = file.strip_suffix(".iati.xml") {
        return (name == "activity_reports").then_some((name, Format::Iati));
    }
    if let Some(name) = file.strip_suffix(".csv") {
        return Some((name, Format::Csv));
    }
    file.strip_suffix(".ndjson").map(|name| (name, Format::Ndjson))
}

/// A `400` naming each offending query-string parameter (`extensions.field`).
fn bad_parameters(problems: Vec<(String, String)>) -> Response {
    let errors: Vec<Value> = problems
        .into_iter()
        .map(|(field, message)| json!({ "message": message, "extensions": { "code": code::BAD_USER_INPUT, "field": field } }))
        .collect();
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], json!({ "errors": errors }).to_string())
        .into_response()
}

/// The parameters of one export: the GraphQL variables, and whether to write a BOM.
struct Parameters {
    variables: Map<String, Value>,
    bom: bool,
}

/// Reads the query string against the list field's arguments; otherwise every unknown,
/// repeated or malformed parameter, each with what is wrong with it.
fn parameters(
    dataset: &Dataset,
    format: Format,
    pairs: Vec<(String, String)>,
) -> Result<Parameters, Vec<(String, String)>> {
    let mut variables = Map::new();
    let mut bom = false;
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for (name, raw) in pairs {
        if !seen.insert(name.clone()) {
            problems.push((name.clone(), format!("`{name}` is given more than once")));
            continue;
        }
        if name == "bom" && format == Format::Csv {
            match raw.as_str() {
                "true" => bom = true,
                "false" => bom = false,
                _ => problems.push((name, "`bom` is `true` or `false`".into())),
            }
            continue;
        }
        if format == Format::Iati && name == "reviewStatus" {
            problems
                .push((name, "the IATI file holds accepted reports only; `reviewStatus` is not a filter here".into()));
            continue;
        }
        let Some(arg) = dataset.argument(&name) else {
            let known: Vec<&str> = dataset.arguments.iter().map(|a| a.name.as_str()).collect();
            let message = if catalog::PAGING_ARGUMENTS.contains(&name.as_str()) {
                format!("`{name}` is not a filter: an export pages through the whole list itself")
            } else {
                format!(
                    "unknown parameter `{name}`; {} exports take {}{}",
                    dataset.name,
                    known.join(", "),
                    if format == Format::Csv { ", bom" } else { "" }
                )
            };
            problems.push((name, message));
            continue;
        };
        let items: Vec<&str> = if arg.list { raw.split(',').map(str::trim).collect() } else { vec![raw.as_str()] };
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let value = match arg.kind {
                catalog::ValueKind::Int => item.parse::<i64>().ok().map(Value::from),
                catalog::ValueKind::Float => item.parse::<f64>().ok().map(Value::from),
                catalog::ValueKind::Boolean => item.parse::<bool>().ok().map(Value::from),
                catalog::ValueKind::Text => Some(Value::from(item)),
            };
            match value {
                Some(v) => values.push(v),
                None => problems.push((name.clone(), format!("`{name}` must be a {}", arg.graphql_type))),
            }
        }
        let value = if arg.list { Value::Array(values) } else { values.pop().unwrap_or(Value::Null) };
        variables.insert(name, value);
    }
    if problems.is_empty() { Ok(Parameters { variables, bom }) } else { Err(problems) }
}

/// The paged GraphQL operation of an export: `$after` plus one variable per filter given.
fn operation(dataset: &Dataset, variables: &Map<String, Value>, fixed: &str, selection: &str) -> String {
    let mut declarations = vec!["$after: String".to_owned()];
    let mut arguments = vec![format!("first: {MAX_PAGE_SIZE}"), "after: $after".to_owned()];
    for name in variables.keys() {
        if let Some(arg) = dataset.argument(name) {
            declarations.push(format!("${name}: {}", arg.graphql_type));
            arguments.push(format!("{name}: ${name}"));
        }
    }
    if !fixed.is_empty() {
        arguments.push(fixed.to_owned());
    }
    format!(
        "query Export({}) {{ list: {}({}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }} }}",
        declarations.join(", "),
        dataset.field,
        arguments.join(", ")
    )
}

/// The GraphQL selection that yields `columns`, relations nested (`organization { id name }`).
fn selection(columns: &[Column]) -> String {
    #[derive(Default)]
    struct Node(Vec<(String, Node)>);
    impl Node {
        fn insert(&mut self, path: &[String]) {
            let Some((first, rest)) = path.split_first() else { return };
            let pos = match self.0.iter().position(|(n, _)| n == first) {
                Some(p) => p,
                None => {
                    self.0.push((first.clone(), Node::default()));
                    self.0.len() - 1
                }
            };
            self.0[pos].1.insert(rest);
        }
        fn render(&self) -> String {
            self.0
                .iter()
                .map(
                    |(name, child)| {
                        if child.0.is_empty() { name.clone() } else { format!("{name} {{ {} }}", child.render()) }
                    },
                )
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
    let mut root = Node::default();
    for c in columns {
        root.insert(&c.path);
    }
    root.render()
}

/// One page of the list.
struct Page {
    nodes: Vec<Value>,
    next: Option<String>,
}

/// Why a page could not be read: the GraphQL errors, and the first one's code.
struct PageFailure {
    code: String,
    errors: Vec<ServerError>,
}

impl PageFailure {
    fn internal(rid: &RequestId, detail: &str) -> Self {
        tracing::error!(request_id = %rid.0, detail, "export page is not what the query asks for");
        let mut e = ServerError::new("internal error", None);
        let ext = e.extensions.get_or_insert_with(Default::default);
        ext.set("code", code::INTERNAL);
        ext.set("requestId", rid.0.as_str());
        Self { code: code::INTERNAL.into(), errors: vec![e] }
    }

    /// The response for a failure before anything was streamed: GraphQL-shaped, with the
    /// status the first error's code calls for.
    fn into_response(self) -> Response {
        let status = match self.code.as_str() {
            code::FORBIDDEN => StatusCode::FORBIDDEN,
            code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
            code::NOT_FOUND => StatusCode::NOT_FOUND,
            code::INTERNAL => StatusCode::INTERNAL_SERVER_ERROR,
            code::RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = json!({ "errors": self.errors });
        (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

/// The caller's paged query, run through the GraphQL executor page after page.
struct Pager {
    state: HttpState,
    rid: RequestId,
    principal: Principal,
    /// Whom the rate limiter charges.
    client: String,
    query: String,
    variables: Map<String, Value>,
    /// Field errors that are part of the answer, not a failure: the IATI file asks a partner
    /// for the budget of every report and the guard refuses it on other organisations' rows.
    tolerated: &'static [&'static str],
}

impl Pager {
    fn tolerated(&self, e: &ServerError) -> bool {
        let forbidden = e
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from(code::FORBIDDEN));
        let field = match e.path.last() {
            Some(async_graphql::PathSegment::Field(f)) => f.as_str(),
            _ => "",
        };
        forbidden && e.path.len() > 1 && self.tolerated.contains(&field)
    }

    async fn page(&self, after: Option<&str>) -> Result<Page, PageFailure> {
        let mut variables = self.variables.clone();
        variables.insert("after".into(), after.map_or(Value::Null, Value::from));
        let request = Request::new(self.query.as_str())
            .operation_name("Export")
            .variables(Variables::from_json(Value::Object(variables)));
        // The export is charged once, for its first page, like one request.
        let client = if after.is_none() { self.client.clone() } else { String::new() };
        let response = run_one(&self.state, &self.rid, self.principal.clone(), client, request).await;
        let errors: Vec<ServerError> = response.errors.into_iter().filter(|e| !self.tolerated(e)).collect();
        if let Some(first) = errors.first() {
            let code = first
                .extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .and_then(|c| match c {
                    async_graphql::Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| code::INTERNAL.to_owned());
            return Err(PageFailure { code, errors });
        }
        let data = response.data.into_json().map_err(|e| PageFailure::internal(&self.rid, &e.to_string()))?;
        let list =
            data.get("list").filter(|l| l.is_object()).ok_or_else(|| PageFailure::internal(&self.rid, "no list"))?;
        let nodes = match list.get("nodes") {
            Some(Value::Array(nodes)) => nodes.clone(),
            _ => return Err(PageFailure::internal(&self.rid, "no nodes")),
        };
        let info = list.get("pageInfo");
        let has_next = info.and_then(|i| i.get("hasNextPage")).and_then(Value::as_bool).unwrap_or(false);
        let cursor = info.and_then(|i| i.get("endCursor")).and_then(Value::as_str).map(str::to_owned);
        Ok(Page { nodes, next: if has_next { cursor } else { None } })
    }
}

/// How rows are written.
enum Writer {
    Csv { columns: Vec<Column>, bom: bool },
    Ndjson { columns: Vec<Column> },
    Iati(iati::IatiWriter),
}

impl Writer {
    fn start(&self) -> Result<Vec<u8>, String> {
        match self {
            Writer::Csv { columns, bom } => {
                let mut out = if *bom { tabular::BOM.to_vec() } else { Vec::new() };
                out.extend(tabular::csv_header(columns)?);
                Ok(out)
            }
            Writer::Ndjson { .. } => Ok(Vec::new()),
            Writer::Iati(w) => Ok(w.start()),
        }
    }

    fn rows(&self, nodes: &[Value]) -> Result<Vec<u8>, String> {
        match self {
            Writer::Csv { columns, .. } => tabular::csv_rows(columns, nodes),
            Writer::Ndjson { columns } => tabular::ndjson_rows(columns, nodes),
            Writer::Iati(w) => w.activities(nodes),
        }
    }

    fn end(&self) -> Vec<u8> {
        match self {
            Writer::Iati(w) => w.end(),
            _ => Vec::new(),
        }
    }

    /// What ends a body that failed part-way: NDJSON says so in a last line; CSV and XML have
    /// no place for it, so their transfer is broken off and the client sees it fail.
    fn failure(&self, code: &str, request_id: &str) -> Option<Vec<u8>> {
        match self {
            Writer::Ndjson { .. } => Some(tabular::ndjson_failure(code, request_id)),
            _ => None,
        }
    }
}

/// Where the streamed body is.
enum Step {
    /// A page read and not yet written (the first one also writes the start).
    Write {
        page: Page,
        first: bool,
    },
    /// The next page is to be read.
    Read(String),
    /// Every page is written; the end is next.
    End,
    Done,
}

/// The streamed body: the first page with the file's start, then page after page, each read
/// only when the previous one is written, then the file's end.
fn body(pager: Pager, writer: Writer, first: Page) -> Body {
    let pages = futures_util::stream::unfold(
        (pager, writer, Step::Write { page: first, first: true }),
        |(pager, writer, step)| async move {
            let (page, first) = match step {
                Step::Done => return None,
                Step::End => {
                    let end = writer.end();
                    return if end.is_empty() {
                        None
                    } else {
                        Some((Ok(Bytes::from(end)), (pager, writer, Step::Done)))
                    };
                }
                Step::Write { page, first } => (Ok(page), first),
                Step::Read(cursor) => (pager.page(Some(&cursor)).await, false),
            };
            let written = page.map_err(|f| f.code).and_then(|page| {
                let rendered = if first { writer.start() } else { Ok(Vec::new()) }.and_then(|mut out| {
                    out.extend(writer.rows(&page.nodes)?);
                    Ok(out)
                });
                match rendered {
                    Ok(out) => Ok((out, page.next)),
                    Err(e) => {
                        tracing::error!(request_id = %pager.rid.0, error = %e, "writing export rows failed");
                        Err(code::INTERNAL.to_owned())
                    }
                }
            });
            match written {
                Ok((out, next)) => {
                    let step = next.map_or(Step::End, Step::Read);
                    Some((Ok(Bytes::from(out)), (pager, writer, step)))
                }
                Err(code) => {
                    tracing::error!(request_id = %pager.rid.0, code, "export failed part-way; the body ends with an error");
                    let item = match writer.failure(&code, &pager.rid.0) {
                        Some(line) => Ok(Bytes::from(line)),
                        None => Err(std::io::Error::other(format!("export failed part-way ({code})"))),
                    };
                    Some((item, (pager, writer, Step::Done)))
                }
            }
        },
    );
    Body::from_stream(pages)
}

/// `GET /export/{file}`.
pub async fn export(
    State(state): State<HttpState>,
    Extension(rid): Extension<RequestId>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(file): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let catalog = state.exports.clone();
    let Some((dataset, format)) = parse_file(&file).and_then(|(name, f)| Some((catalog.dataset(name)?, f))) else {
        let names: Vec<&str> = catalog.names().collect();
        return error_response(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            &format!(
                "no export `{file}`: ask for {{dataset}}.csv or {{dataset}}.ndjson with a dataset of {}, or activity_reports.iati.xml",
                names.join(", ")
            ),
        );
    };
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs = match Query::<Vec<(String, String)>>::try_from_uri(&uri) {
        Ok(Query(pairs)) => pairs,
        Err(e) => return bad_parameters(vec![(String::new(), format!("cannot read the query string: {e}"))]),
    };
    let params = match parameters(dataset, format, pairs) {
        Ok(p) => p,
        Err(problems) => return bad_parameters(problems),
    };

    let (writer, omitted, query, tolerated): (Writer, Vec<Column>, String, &'static [&'static str]) = match format {
        Format::Csv | Format::Ndjson => {
            let (columns, omitted) = dataset.split_columns(&principal);
            let query = operation(dataset, &params.variables, "", &selection(&columns));
            let writer = if format == Format::Csv {
                Writer::Csv { columns, bom: params.bom }
            } else {
                Writer::Ndjson { columns }
            };
            (writer, omitted, query, &[])
        }
        Format::Iati => {
            let classes: Option<Vec<_>> =
                iati::FINANCIAL_FIELDS.iter().map(|f| catalog.class_of(&dataset.node_type, f)).collect();
            let Some(classes) = classes else {
                return PageFailure::internal(&rid, "a financial field of the IATI file is not in the schema")
                    .into_response();
            };
            let w = iati::IatiWriter::new(principal.clone(), classes);
            let query = operation(dataset, &params.variables, "reviewStatus: ACCEPTED", &w.selection());
            (Writer::Iati(w), Vec::new(), query, &iati::FINANCIAL_FIELDS)
        }
    };

    let client = client_key(&principal, addr);
    let pager = Pager {
        state: state.clone(),
        rid: rid.clone(),
        principal,
        client,
        query,
        variables: params.variables,
        tolerated,
    };
    // The first page decides the status: a refusal is an error response, not a broken file.
    let first = match pager.page(None).await {
        Ok(page) => page,
        Err(failure) => return failure.into_response(),
    };

    let filename = match format {
        Format::Csv => format!("{}.csv", dataset.name),
        Format::Ndjson => format!("{}.ndjson", dataset.name),
        Format::Iati => format!("{}.iati.xml", dataset.name),
    };
    let omitted = omitted.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(",");
    let mut response = Response::new(body(pager, writer, first));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // The IATI file has elements, not columns: what it leaves out is per row (README).
    if format != Format::Iati
        && let Ok(v) = HeaderValue::from_str(&omitted)
    {
        h.insert(OMITTED_COLUMNS, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_name_a_dataset_and_a_format() {
        assert_eq!(parse_file("states.csv"), Some(("states", Format::Csv)));
        assert_eq!(parse_file("activity_reports.ndjson"), Some(("activity_reports", Format::Ndjson)));
        assert_eq!(parse_file("activity_reports.iati.xml"), Some(("activity_reports", Format::Iati)));
        assert_eq!(parse_file("states.iati.xml"), None, "only activity reports are IATI activities");
        assert_eq!(parse_file("states.xlsx"), None);
    }

    #[test]
    fn the_selection_nests_relations_once() {
        let col = |name: &str, path: &[&str]| Column {
            name: name.into(),
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            classes: vec![],
        };
        let columns = [
            col("id", &["id"]),
            col("organizationId", &["organization", "id"]),
            col("organizationName", &["organization", "name"]),
        ];
        assert_eq!(selection(&columns), "id organization { id name }");
    }
}
