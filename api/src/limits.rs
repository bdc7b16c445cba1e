//! Limits on what one operation may ask for, measured on the parsed document before it is
//! validated or any resolver runs: depth, complexity (lists weighted by the rows they may
//! return), aliases, repeated fields, directives, and ids per `nodes(ids:)`.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Positioned, Value as ConstValue, Variables};

use crate::auth::AccessClass;
use crate::auth::guard::sdl_class;
use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The limits, all configurable; the defaults fit the dashboards' and scripts' queries with
/// room to spare (see the README for their measured values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    /// How often one response key may appear in one selection set.
    pub max_repeats: usize,
    pub max_directives: usize,
    /// Ids per `nodes(ids:)`.
    pub max_nodes: usize,
    /// Operations per batched request.
    pub max_batch: usize,
    /// Whether a batch may hold mutations.
    pub batch_mutations: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_aliases: 30,
            max_repeats: 3,
            max_directives: 20,
            max_nodes: 100,
            max_batch: 10,
            batch_mutations: false,
        }
    }
}

/// Rows assumed for a list field that is not paged.
const ASSUMED_LIST_LEN: usize = 10;

/// What one operation asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cost {
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub repeats: usize,
    pub directives: usize,
    pub nodes: usize,
}

/// A limit exceeded: which, its value, and what the operation asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub limit: &'static str,
    pub max: usize,
    pub actual: usize,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the operation's {} is {}, more than the limit of {}", self.limit, self.actual, self.max)
    }
}

impl Limits {
    /// The first limit `cost` exceeds.
    pub fn check(&self, cost: &Cost) -> Result<(), Exceeded> {
        // The most specific limit first: an attack by repetition is named as such, not as
        // the complexity it also adds up to.
        let pairs = [
            ("depth", self.max_depth, cost.depth),
            ("number of aliases", self.max_aliases, cost.aliases),
            ("number of repeats of one field", self.max_repeats, cost.repeats),
            ("number of directives", self.max_directives, cost.directives),
            ("number of ids in nodes(ids:)", self.max_nodes, cost.nodes),
            ("complexity", self.max_complexity, cost.complexity),
        ];
        match pairs.into_iter().find(|(_, max, actual)| actual > max) {
            Some((limit, max, actual)) => Err(Exceeded { limit, max, actual }),
            None => Ok(()),
        }
    }
}

/// What the measurement needs to know of a field.
#[derive(Debug, Clone)]
struct FieldInfo {
    /// The named type it returns.
    ty: String,
    /// Whether it returns a list.
    list: bool,
    /// Whether it is paged by `first`/`last`.
    paged: bool,
    /// Whether it may be `null`.
    nullable: bool,
    /// Its access class, as `@access` declares it.
    access: Option<AccessClass>,
    /// The access classes its arguments declare.
    args: Vec<(String, AccessClass)>,
}

/// The schema's object and interface fields, read once from its SDL.
#[derive(Debug, Default)]
pub struct TypeInfo {
    fields: HashMap<String, HashMap<String, FieldInfo>>,
}

impl TypeInfo {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut fields: HashMap<String, HashMap<String, FieldInfo>> = HashMap::new();
        let Ok(doc) = parse_schema(sdl) else {
            return Self::default();
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let defs = match t.node.kind {
                TypeKind::Object(o) => o.fields,
                TypeKind::Interface(i) => i.fields,
                _ => continue,
            };
            let type_name = t.node.name.node.to_string();
            // A connection's rows are already weighted by the paged field returning it.
            let connection = type_name.ends_with("Connection");
            let map = fields.entry(type_name).or_default();
            for f in defs {
                let (ty, list) = named(&f.node.ty.node.base);
                let list = list && !connection;
                let paged = f.node.arguments.iter().any(|a| a.node.name.node == "first" || a.node.name.node == "last");
                let nullable = f.node.ty.node.nullable;
                let access = sdl_class(&f.node.directives);
                let args = f
                    .node
                    .arguments
                    .iter()
                    .filter_map(|a| Some((a.node.name.node.to_string(), sdl_class(&a.node.directives)?)))
                    .collect();
                map.insert(f.node.name.node.to_string(), FieldInfo { ty, list, paged, nullable, access, args });
            }
        }
        Self { fields }
    }

    fn field(&self, parent: &str, name: &str) -> Option<&FieldInfo> {
        self.fields.get(parent)?.get(name)
    }

    /// The access class `@access` declares on the field `name` of `parent`, and those its
    /// arguments declare.
    pub fn access(&self, parent: &str, name: &str) -> Option<(AccessClass, &[(String, AccessClass)])> {
        self.field(parent, name).and_then(|f| Some((f.access?, f.args.as_slice())))
    }

    /// The named type the field `name` of `parent` returns, and whether it may be `null`.
    pub fn returns(&self, parent: &str, name: &str) -> Option<(&str, bool)> {
        self.field(parent, name).map(|f| (f.ty.as_str(), f.nullable))
    }
}

fn named(base: &BaseType) -> (String, bool) {
    match base {
        BaseType::Named(n) => (n.to_string(), false),
        BaseType::List(inner) => (named(&inner.base).0, true),
    }
}

/// The operation a request runs: the named one, or the only one.
pub fn operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a Positioned<OperationDefinition>> {
    match name {
        Some(n) => doc.operations.iter().find(|(op, _)| op.map(|o| o.as_str()) == Some(n)).map(|(_, op)| op),
        None => doc.operations.iter().next().map(|(_, op)| op),
    }
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    types: &'a TypeInfo,
    variables: &'a Variables,
    max_depth: usize,
    cost: Cost,
    fragments: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    /// An argument's value, given literally or by variable.
    fn arg(&self, f: &Field, name: &str) -> Option<ConstValue> {
        let v = f.get_argument(name)?;
        v.node
            .clone()
            .into_const_with(|var| Ok::<_, ()>(self.variables.get(&var).cloned().unwrap_or(ConstValue::Null)))
            .ok()
    }

    fn int_arg(&self, f: &Field, name: &str) -> Option<i64> {
        match self.arg(f, name)? {
            ConstValue::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    fn list_len(&self, f: &Field, name: &str) -> usize {
        match self.arg(f, name) {
            Some(ConstValue::List(items)) => items.len(),
            _ => 0,
        }
    }

    /// The complexity of `set` on type `parent` at `depth`; records depth, repeats and the rest.
    fn set(&mut self, set: &'a SelectionSet, parent: Option<&str>, depth: usize) -> usize {
        self.cost.depth = self.cost.depth.max(depth);
        if depth > self.max_depth {
            // Deeper than allowed: no need to look further (and no way to recurse forever).
            return 0;
        }
        let mut keys: HashMap<&str, usize> = HashMap::new();
        let mut total = 0usize;
        for sel in &set.items {
            match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let key = f.response_key().node.as_str();
                    let seen = keys.entry(key).or_default();
                    *seen += 1;
                    self.cost.repeats = self.cost.repeats.max(*seen);
                    if f.alias.is_some() {
                        self.cost.aliases += 1;
                    }
                    self.cost.directives += f.directives.len();
                    let info = parent.and_then(|p| self.types.field(p, f.name.node.as_str())).cloned();
                    if f.name.node == "nodes" && parent == Some("Query") {
                        self.cost.nodes = self.cost.nodes.max(self.list_len(f, "ids"));
                    }
                    let child = if f.selection_set.node.items.is_empty() {
                        0
                    } else {
                        self.set(&f.selection_set.node, info.as_ref().map(|i| i.ty.as_str()), depth + 1)
                    };
                    let rows = match &info {
                        Some(i) if i.paged => {
                            let asked = self.int_arg(f, "first").or_else(|| self.int_arg(f, "last"));
                            asked.unwrap_or(DEFAULT_PAGE_SIZE as i64).clamp(1, MAX_PAGE_SIZE as i64) as usize
                        }
                        Some(i) if i.list => ASSUMED_LIST_LEN,
                        _ => 1,
                    };
                    total = total.saturating_add(1usize.saturating_add(rows.saturating_mul(child)));
                }
                Selection::FragmentSpread(s) => {
                    self.cost.directives += s.node.directives.len();
                    let name = s.node.fragment_name.node.as_str();
                    // A fragment already on the path would recurse forever; validation rejects it.
                    if !self.fragments.insert(name) {
                        continue;
                    }
                    if let Some(frag) = self.doc.fragments.get(&s.node.fragment_name.node) {
                        self.cost.directives += frag.node.directives.len();
                        let on = frag.node.type_condition.node.on.node.as_str();
                        total = total.saturating_add(self.set(&frag.node.selection_set.node, Some(on), depth));
                    }
                    self.fragments.remove(name);
                }
                Selection::InlineFragment(i) => {
                    self.cost.directives += i.node.directives.len();
                    let on = i.node.type_condition.as_ref().map(|t| t.node.on.node.as_str()).or(parent);
                    total = total.saturating_add(self.set(&i.node.selection_set.node, on, depth));
                }
            }
        }
        total
    }
}

/// The root type an operation of kind `ty` selects from.
pub fn root_type(ty: async_graphql::parser::types::OperationType) -> &'static str {
    use async_graphql::parser::types::OperationType;
    match ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    }
}

/// Measures the operation `name` of `doc` (the only one when `name` is `None`).
pub fn measure(
    doc: &ExecutableDocument,
    name: Option<&str>,
    variables: &Variables,
    types: &TypeInfo,
    limits: &Limits,
) -> Cost {
    let mut walk =
        Walk { doc, types, variables, max_depth: limits.max_depth, cost: Cost::default(), fragments: HashSet::new() };
    if let Some(op) = operation(doc, name) {
        walk.cost.directives += op.node.directives.len();
        walk.cost.complexity = walk.set(&op.node.selection_set.node, Some(root_type(op.node.ty)), 1);
    }
    walk.cost
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn cost(query: &str) -> Cost {
        let types = TypeInfo::from_sdl(&crate::schema::sdl());
        let doc = parse_query(query).expect("a query");
        measure(&doc, None, &Variables::default(), &types, &Limits::default())
    }

    #[test]
    fn lists_weigh_by_the_rows_they_may_return() {
        let one = cost("{ states(first: 1) { nodes { iso3 } } }");
        let hundred = cost("{ states(first: 100) { nodes { iso3 } } }");
        assert!(hundred.complexity > 50 * one.complexity / 2, "{one:?} {hundred:?}");
        assert_eq!(
            cost("{ states { nodes { iso3 } } }").complexity,
            cost("{ states(first: 20) { nodes { iso3 } } }").complexity
        );
        // The rows of a page are weighted once, by the page, not again as a list.
        assert_eq!(cost("{ states(first: 100) { nodes { iso3 } } }").complexity, 1 + 100 * (1 + 1));
    }

    #[test]
    fn depth_aliases_repeats_and_directives_are_counted() {
        let c = cost("{ a: me { role } b: me { role } me { role role role @skip(if: false) } }");
        assert_eq!(c.aliases, 2);
        assert_eq!(c.repeats, 3);
        assert_eq!(c.directives, 1);
        assert_eq!(c.depth, 2);
    }

    #[test]
    fn fragments_that_spread_themselves_do_not_recurse_forever() {
        let c = cost("query { me { ...A } } fragment A on Me { role ...A }");
        assert!(c.depth <= Limits::default().max_depth + 1);
    }

    #[test]
    fn the_first_exceeded_limit_is_named() {
        let limits = Limits { max_depth: 2, ..Limits::default() };
        let e = limits.check(&Cost { depth: 5, ..Cost::default() }).expect_err("too deep");
        assert_eq!(e, Exceeded { limit: "depth", max: 2, actual: 5 });
        assert_eq!(e.to_string(), "the operation's depth is 5, more than the limit of 2");
    }
}
