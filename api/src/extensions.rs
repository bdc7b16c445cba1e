//! The schema's one extension: limits and rate limiting before anything runs, stable codes for
//! the errors async-graphql raises itself, and `null` for a nullable field that fails.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::context::RequestContext;
use crate::error::code;
use crate::limits::{Limits, TypeInfo, measure};
use crate::rate_limit::RateLimiter;

/// `extensions.code` of a query that does not parse.
pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// `extensions.code` of a query that parses but does not fit the schema.
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// What the extension enforces; shared by every request.
pub struct Guardrails {
    pub limits: Limits,
    pub types: Arc<TypeInfo>,
    pub limiter: Option<Arc<RateLimiter>>,
    pub documents: Arc<DocumentCache>,
}

/// The parsed documents of recent query texts. Dashboards and scripts send the same few
/// operations all day; parsing one costs more than resolving a small page, so each text is
/// parsed once. Limits and rate limits are still applied to every request (they depend on the
/// variables and the caller).
pub struct DocumentCache(Mutex<lru::LruCache<String, ExecutableDocument>>);

impl DocumentCache {
    /// Operations longer than this are parsed each time instead of being kept.
    const MAX_TEXT: usize = 16 * 1024;
    const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("256 is not zero");

    pub fn new() -> Self {
        Self(Mutex::new(lru::LruCache::new(Self::CAPACITY)))
    }

    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        self.0.lock().ok()?.get(query).cloned()
    }

    fn put(&self, query: &str, doc: &ExecutableDocument) {
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

impl ExtensionFactory for Guardrails {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardrailsExtension {
            limits: self.limits.clone(),
            types: self.types.clone(),
            limiter: self.limiter.clone(),
            documents: self.documents.clone(),
        })
    }
}

struct GuardrailsExtension {
    limits: Limits,
    types: Arc<TypeInfo>,
    limiter: Option<Arc<RateLimiter>>,
    documents: Arc<DocumentCache>,
}

fn error(message: String, code: &str, fill: impl FnOnce(&mut async_graphql::ErrorExtensionValues)) -> ServerError {
    let mut e = ServerError::new(message, None);
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", code);
    fill(ext);
    e
}

fn with_code(mut e: ServerError, code: &str) -> ServerError {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    e
}

#[async_trait::async_trait]
impl Extension for GuardrailsExtension {
    /// Measures the operation against the limits, then charges it to the caller's budget.
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = match self.documents.get(query) {
            Some(doc) => doc,
            None => {
                let doc = next.run(ctx, query, variables).await.map_err(|e| with_code(e, GRAPHQL_PARSE_FAILED))?;
                self.documents.put(query, &doc);
                doc
            }
        };
        let rc = ctx.data::<Arc<RequestContext>>().ok();
        let operation = rc.and_then(|rc| rc.operation.as_deref());
        let cost = measure(&doc, operation, variables, &self.types, &self.limits);
        if let Err(exceeded) = self.limits.check(&cost) {
            return Err(error(exceeded.to_string(), code::QUERY_TOO_COMPLEX, |ext| {
                ext.set("limit", exceeded.limit);
                ext.set("max", exceeded.max as u64);
                ext.set("actual", exceeded.actual as u64);
            }));
        }
        if let (Some(limiter), Some(rc)) = (&self.limiter, rc.filter(|rc| !rc.client.is_empty())) {
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
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(|e| with_code(e, GRAPHQL_VALIDATION_FAILED)).collect())
    }

    /// A nullable field that fails resolves to `null`, its error kept for the response (the
    /// executor alone would drop the field from the object, which the GraphQL specification
    /// and DESIGN.md §3 do not allow).
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(e) if nullable => match ctx.data::<Arc<RequestContext>>() {
                Ok(rc) => {
                    rc.field_error(e);
                    Ok(Some(Value::Null))
                }
                Err(_) => Err(e),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::DocumentCache;

    #[test]
    fn a_parsed_text_is_kept_and_an_oversized_one_is_not() {
        let cache = DocumentCache::new();
        let small = "{ me { role } }";
        let doc = parse_query(small).expect("a query");
        assert!(cache.get(small).is_none());
        cache.put(small, &doc);
        assert!(cache.get(small).is_some_and(|d| format!("{d:?}") == format!("{doc:?}")));

        let large = format!("{{ me {{ role }} }}{}", " ".repeat(DocumentCache::MAX_TEXT));
        cache.put(&large, &parse_query(&large).expect("a query"));
        assert!(cache.get(&large).is_none(), "texts over the size bound are parsed each time");
    }

    #[test]
    fn the_least_recently_used_text_leaves_first() {
        let cache = DocumentCache::new();
        let texts: Vec<String> =
            (0..=DocumentCache::CAPACITY.get()).map(|i| format!("{{ a{i}: me {{ role }} }}")).collect();
        for t in &texts {
            cache.put(t, &parse_query(t).expect("a query"));
        }
        assert!(cache.get(&texts[0]).is_none());
        assert!(cache.get(&texts[texts.len() - 1]).is_some());
    }
}
