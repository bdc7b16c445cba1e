//! What happens to an operation before and after the executor runs it: it is parsed (once per
//! text), measured against the limits and charged to the caller's budget before it is
//! validated or runs ([`Guardrails::admit`]); afterwards the errors the executor raised itself
//! get stable codes, and a nullable field that failed is `null` ([`Guardrails::finish`]).
//!
//! This is deliberately not an async-graphql extension: with any extension installed, the
//! executor sends every field of every object through the extensions' resolve hook (a boxed
//! future and two registry lookups per field), which cost a fifth of a 100-row page's server
//! time. Done here, the cost falls on the request once, and on the response only when it has
//! errors.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Name, PathSegment, Request, Response, ServerError, Value};

use crate::context::RequestContext;
use crate::error::code;
use crate::limits::{Limits, TypeInfo, measure, operation, root_type};
use crate::rate_limit::RateLimiter;

/// `extensions.code` of a query that does not parse.
pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// `extensions.code` of a query that parses but does not fit the schema.
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The parsed documents of recent query texts. Dashboards and scripts send the same few
/// operations all day; parsing one costs more than resolving a small page, so each text is
/// parsed once. Limits and rate limits are still applied to every request (they depend on the
/// variables and the caller).
pub struct DocumentCache(Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>);

impl DocumentCache {
    /// Operations longer than this are parsed each time instead of being kept.
    const MAX_TEXT: usize = 16 * 1024;
    const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("256 is not zero");

    pub fn new() -> Self {
        Self(Mutex::new(lru::LruCache::new(Self::CAPACITY)))
    }

    fn get(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        self.0.lock().ok()?.get(query).cloned()
    }

    fn put(&self, query: &str, doc: &Arc<ExecutableDocument>) {
        if query.len() <= Self::MAX_TEXT
            && let Ok(mut cache) = self.0.lock()
        {
            cache.put(query.to_owned(), doc.clone());
        }
    }
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self::new()
    }
}

/// The limits, the caller's budgets and the parsed documents; one for the whole server.
pub struct Guardrails {
    pub limits: Limits,
    pub types: TypeInfo,
    pub limiter: Option<Arc<RateLimiter>>,
    pub documents: DocumentCache,
}

fn error(message: String, code: &str, fill: impl FnOnce(&mut async_graphql::ErrorExtensionValues)) -> ServerError {
    let mut e = ServerError::new(message, None);
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", code);
    fill(ext);
    e
}

/// Gives `e` the code `code` unless it has one.
fn code_unless_coded(e: &mut ServerError, code: &str) {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
}

impl Guardrails {
    /// Parses the request's text (or takes it from the cache), measures the operation against
    /// the limits and charges it to the caller's budget; the parsed document goes into the
    /// request, so the executor does not parse it again. The error is the whole response to
    /// send instead.
    pub fn admit(&self, request: &mut Request, rc: &RequestContext) -> Result<Arc<ExecutableDocument>, ServerError> {
        let doc = match self.documents.get(&request.query) {
            Some(doc) => doc,
            None => {
                let doc = async_graphql::parser::parse_query(&request.query).map_err(|e| {
                    let mut e = ServerError::from(e);
                    code_unless_coded(&mut e, GRAPHQL_PARSE_FAILED);
                    e
                })?;
                let doc = Arc::new(doc);
                self.documents.put(&request.query, &doc);
                doc
            }
        };
        let cost = measure(&doc, rc.operation.as_deref(), &request.variables, &self.types, &self.limits);
        if let Err(exceeded) = self.limits.check(&cost) {
            return Err(error(exceeded.to_string(), code::QUERY_TOO_COMPLEX, |ext| {
                ext.set("limit", exceeded.limit);
                ext.set("max", exceeded.max as u64);
                ext.set("actual", exceeded.actual as u64);
            }));
        }
        if let Some(limiter) = self.limiter.as_ref().filter(|_| !rc.client.is_empty()) {
            let decision = limiter.charge(&rc.client, cost.complexity.max(1) as u64);
            rc.set_rate(decision);
            if !decision.allowed {
                return Err(error(
                    format!(
                        "rate limit exceeded: this operation costs {} and {} of {} remain; retry in {} s",
                        decision.cost, decision.remaining, decision.limit, decision.retry_after_secs
                    ),
                    code::RATE_LIMITED,
                    |ext| {
                        ext.set("retryAfterSeconds", decision.retry_after_secs);
                        ext.set("cost", decision.cost);
                        ext.set("remaining", decision.remaining);
                    },
                ));
            }
        }
        request.set_parsed_query(ExecutableDocument::clone(&doc));
        Ok(doc)
    }

    /// Completes the response of an operation of `doc`: a nullable field that failed resolves
    /// to `null`, its error kept (the executor alone drops the field from its object, which
    /// the GraphQL specification and DESIGN.md §3 do not allow); and the errors of a request
    /// refused before it ran (those without a path: validation, choosing the operation) are
    /// `GRAPHQL_VALIDATION_FAILED`. A response without errors is left as it is.
    pub fn finish(&self, doc: &ExecutableDocument, operation_name: Option<&str>, response: &mut Response) {
        if response.errors.is_empty() {
            return;
        }
        if let Some(op) = operation(doc, operation_name) {
            let walk = Walk { doc, types: &self.types };
            for e in &response.errors {
                walk.null_failed_field(&mut response.data, &e.path, &op.node.selection_set.node, root_type(op.node.ty));
            }
        }
        for e in response.errors.iter_mut().filter(|e| e.path.is_empty()) {
            code_unless_coded(e, GRAPHQL_VALIDATION_FAILED);
        }
    }
}

/// Follows error paths through an operation's selections and the schema's types.
struct Walk<'a> {
    doc: &'a ExecutableDocument,
    types: &'a TypeInfo,
}

/// A selection set and the type its fields belong to.
type Scope<'a> = (&'a SelectionSet, &'a str);

/// The fields a response key selects, each with the type declaring it; the type the first
/// known one returns, and whether it may be `null`.
struct Selected<'a> {
    fields: Vec<(&'a Field, &'a str)>,
    ty: &'a str,
    nullable: bool,
}

impl<'a> Walk<'a> {
    /// The fields of `scope` answering to the response key `key`, with the type declaring
    /// each (a fragment's type condition, or the scope's type), fragments followed.
    fn fields(&self, scope: Scope<'a>, key: &str, out: &mut Vec<(&'a Field, &'a str)>, depth: usize) {
        // Validation has refused fragment cycles before anything ran; the bound is a backstop.
        if depth > 32 {
            return;
        }
        let (set, on) = scope;
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) => {
                    if f.node.response_key().node.as_str() == key {
                        out.push((&f.node, on));
                    }
                }
                Selection::InlineFragment(i) => {
                    let on = i.node.type_condition.as_ref().map_or(on, |t| t.node.on.node.as_str());
                    self.fields((&i.node.selection_set.node, on), key, out, depth + 1);
                }
                Selection::FragmentSpread(s) => {
                    if let Some(frag) = self.doc.fragments.get(&s.node.fragment_name.node) {
                        let on = frag.node.type_condition.node.on.node.as_str();
                        self.fields((&frag.node.selection_set.node, on), key, out, depth + 1);
                    }
                }
            }
        }
    }

    /// What the key `key` selects in `scopes`.
    fn resolve(&self, scopes: &[Scope<'a>], key: &str) -> Option<Selected<'a>> {
        let mut fields = Vec::new();
        for scope in scopes {
            self.fields(*scope, key, &mut fields, 0);
        }
        let (ty, nullable) = fields.iter().find_map(|(f, on)| self.types.returns(on, f.name.node.as_str()))?;
        Some(Selected { fields, ty, nullable })
    }

    /// Sets the field an error's `path` names to `null` in `data` when the field is nullable
    /// and missing. An object on the way that is `null` although an error lies inside it had
    /// all its fields fail: it becomes an object again, to hold them.
    fn null_failed_field(&self, data: &mut Value, path: &[PathSegment], root: &'a SelectionSet, root_type: &'a str) {
        let Some((PathSegment::Field(last), parents)) = path.split_last() else {
            return;
        };
        let mut scopes: Vec<Scope<'a>> = vec![(root, root_type)];
        let mut value = data;
        for segment in parents {
            if value == &Value::Null {
                *value = match segment {
                    PathSegment::Field(_) => Value::Object(Default::default()),
                    PathSegment::Index(_) => return,
                };
            }
            value = match (segment, value) {
                (PathSegment::Index(i), Value::List(items)) => match items.get_mut(*i) {
                    Some(v) => v,
                    None => return,
                },
                (PathSegment::Field(key), Value::Object(map)) => {
                    let Some(selected) = self.resolve(&scopes, key) else { return };
                    scopes = selected.fields.iter().map(|(f, _)| (&f.selection_set.node, selected.ty)).collect();
                    match map.get_mut(key.as_str()) {
                        Some(v) => v,
                        None => return,
                    }
                }
                _ => return,
            };
        }
        if !self.resolve(&scopes, last).is_some_and(|s| s.nullable) {
            return;
        }
        if value == &Value::Null {
            *value = Value::Object(Default::default());
        }
        if let Value::Object(map) = value {
            map.entry(Name::new(last)).or_insert(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::{PathSegment, Response, ServerError, Value, value};

    use super::{DocumentCache, Guardrails};
    use crate::limits::{Limits, TypeInfo};

    fn guardrails() -> Guardrails {
        Guardrails {
            limits: Limits::default(),
            types: TypeInfo::from_sdl(&crate::schema::sdl()),
            limiter: None,
            documents: DocumentCache::new(),
        }
    }

    fn failed(path: &[&str]) -> ServerError {
        let mut e = ServerError::new("forbidden", None);
        e.path = path
            .iter()
            .map(|p| match p.parse::<usize>() {
                Ok(i) => PathSegment::Index(i),
                Err(_) => PathSegment::Field((*p).to_owned()),
            })
            .collect();
        e
    }

    fn finish(query: &str, data: Value, errors: Vec<ServerError>) -> Value {
        let doc = parse_query(query).expect("a query");
        let mut response = Response::new(data);
        response.errors = errors;
        guardrails().finish(&doc, None, &mut response);
        response.data
    }

    #[test]
    fn a_failed_nullable_field_is_null_and_a_failed_non_null_one_is_not_invented() {
        let query = "{ state(iso3: \"AGO\") { name currentAssessment { tier } } me { role } }";
        let data =
            finish(query, value!({ "state": { "name": "Angola" } }), vec![failed(&["state", "currentAssessment"])]);
        assert_eq!(data, value!({ "state": { "name": "Angola", "currentAssessment": null } }));

        // `Me.role` is `Role!`: it stays missing rather than becoming a null the schema forbids.
        let data = finish(query, value!({ "state": null }), vec![failed(&["me", "role"])]);
        assert_eq!(data, value!({ "state": null }));
    }

    #[test]
    fn fields_are_found_through_aliases_lists_and_fragments() {
        let query = "query { list: states(first: 2) { nodes { ...F } } } \
                     fragment F on State { iso3 ... on State { tier: currentAssessment { tier } } }";
        let data = finish(
            query,
            value!({ "list": { "nodes": [{ "iso3": "AGO" }, null] } }),
            vec![failed(&["list", "nodes", "0", "tier"]), failed(&["list", "nodes", "1", "tier"])],
        );
        // The second state had all its fields fail: it is an object again, holding them.
        assert_eq!(data, value!({ "list": { "nodes": [{ "iso3": "AGO", "tier": null }, { "tier": null }] } }));
    }

    #[test]
    fn a_failed_root_field_is_null_in_data() {
        let data = finish("{ state(iso3: \"XXX\") { name } }", Value::Null, vec![failed(&["state"])]);
        assert_eq!(data, value!({ "state": null }));
    }

    #[test]
    fn errors_of_a_request_refused_before_it_ran_are_validation_failures() {
        let doc = parse_query("{ nope }").expect("a query");
        let mut response = Response::from_errors(vec![ServerError::new("Unknown field \"nope\"", None)]);
        guardrails().finish(&doc, None, &mut response);
        let code = response.errors[0].extensions.as_ref().and_then(|x| x.get("code")).cloned();
        assert_eq!(code, Some(Value::from("GRAPHQL_VALIDATION_FAILED")));
        assert_eq!(response.data, Value::Null);
    }

    #[test]
    fn a_parsed_text_is_kept_and_an_oversized_one_is_not() {
        let cache = DocumentCache::new();
        let small = "{ me { role } }";
        let doc = std::sync::Arc::new(parse_query(small).expect("a query"));
        assert!(cache.get(small).is_none());
        cache.put(small, &doc);
        assert!(cache.get(small).is_some_and(|d| std::sync::Arc::ptr_eq(&d, &doc)));

        let large = format!("{{ me {{ role }} }}{}", " ".repeat(DocumentCache::MAX_TEXT));
        cache.put(&large, &std::sync::Arc::new(parse_query(&large).expect("a query")));
        assert!(cache.get(&large).is_none(), "texts over the size bound are parsed each time");
    }

    #[test]
    fn the_least_recently_used_text_leaves_first() {
        let cache = DocumentCache::new();
        let texts: Vec<String> =
            (0..=DocumentCache::CAPACITY.get()).map(|i| format!("{{ a{i}: me {{ role }} }}")).collect();
        for t in &texts {
            cache.put(t, &std::sync::Arc::new(parse_query(t).expect("a query")));
        }
        assert!(cache.get(&texts[0]).is_none());
        assert!(cache.get(&texts[texts.len() - 1]).is_some());
    }
}
