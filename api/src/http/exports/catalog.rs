//! What can be exported, read from the schema's own SDL: each dataset's list field, its
//! filter arguments, and its columns with the access class the schema declares for each.
//!
//! Nothing here repeats an access class: a column's classes are those of the fields on its
//! path (`organizationName` needs `ActivityReport.organization` and `Organization.name`), as
//! `@access` declares them in `schema.graphql`. A field without a class cannot be exported.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, FieldDefinition, Type, TypeKind, TypeSystemDefinition};

use crate::auth::guard::sdl_class;
use crate::auth::{AccessClass, Principal};

/// The paging arguments of a list field: the export sets them itself.
pub const PAGING_ARGUMENTS: [&str; 4] = ["first", "after", "last", "before"];

/// A relation flattened into columns: the column's name and the path to a scalar field.
struct Flattening {
    column: &'static str,
    path: &'static [&'static str],
}

/// A dataset as configured here: its file name, its root list field and how its relations are
/// flattened. Scalar and enum fields need no configuration: each becomes a column.
struct DatasetSpec {
    name: &'static str,
    field: &'static str,
    relations: &'static [Flattening],
}

const DATASETS: &[DatasetSpec] = &[
    DatasetSpec { name: "states", field: "states", relations: &[] },
    DatasetSpec { name: "organizations", field: "organizations", relations: &[] },
    DatasetSpec {
        name: "activity_reports",
        field: "activityReports",
        relations: &[
            Flattening { column: "organizationId", path: &["organization", "id"] },
            Flattening { column: "organizationName", path: &["organization", "name"] },
            Flattening { column: "targetStates", path: &["targetStates", "iso3"] },
            Flattening { column: "vtfProjectId", path: &["vtfProject", "id"] },
        ],
    },
    DatasetSpec {
        name: "vtf_projects",
        field: "vtfProjects",
        relations: &[
            Flattening { column: "cycleYear", path: &["cycle", "year"] },
            Flattening { column: "stateIso3", path: &["state", "iso3"] },
            Flattening { column: "implementingOrganizationId", path: &["implementingOrganization", "id"] },
            Flattening { column: "implementingOrganizationName", path: &["implementingOrganization", "name"] },
        ],
    },
    DatasetSpec {
        name: "sponsorship_awards",
        field: "sponsorshipAwards",
        relations: &[
            Flattening { column: "meetingId", path: &["meeting", "id"] },
            Flattening { column: "meetingTitle", path: &["meeting", "title"] },
            Flattening { column: "stateIso3", path: &["state", "iso3"] },
        ],
    },
    DatasetSpec {
        name: "assessments",
        field: "assessments",
        relations: &[Flattening { column: "stateIso3", path: &["state", "iso3"] }],
    },
];

/// One column of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name (CSV header, NDJSON key).
    pub name: String,
    /// The fields from the row's node to the value, e.g. `["organization", "name"]`.
    pub path: Vec<String>,
    /// The access class of each field on the path; the caller needs all of them.
    pub classes: Vec<AccessClass>,
}

impl Column {
    /// Whether every caller of `principal`'s role may read this column on every row (the
    /// decision is per role, not per row: a column is in the file or it is not).
    pub fn readable_by(&self, principal: &Principal) -> bool {
        self.classes.iter().all(|c| principal.may_read(*c, None))
    }
}

/// How a query-string value becomes a GraphQL variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON integer.
    Int,
    /// A JSON number.
    Float,
    /// `true` or `false`.
    Boolean,
    /// Strings, ids, enums and custom scalars (dates, times) travel as JSON strings.
    Text,
}

/// A filter argument of a list field.
#[derive(Debug, Clone)]
pub struct Argument {
    /// The argument's name, which is also the query-string parameter's.
    pub name: String,
    /// The argument's GraphQL type, as a variable declares it (e.g. `AttStatus`, `Int`).
    pub graphql_type: String,
    /// How its query-string value is read.
    pub kind: ValueKind,
    /// A list type: the query-string value is split on commas.
    pub list: bool,
}

/// One exportable dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The name in the URL (`activity_reports`).
    pub name: &'static str,
    /// The root list field of `Query` (`activityReports`).
    pub field: &'static str,
    /// The node type of the list (`ActivityReport`).
    pub node_type: String,
    /// The filter arguments (every argument but the paging ones).
    pub arguments: Vec<Argument>,
    /// Every column, in the order of the node type's fields.
    pub columns: Vec<Column>,
}

impl Dataset {
    /// The columns `principal` may read and those left out, each in column order.
    pub fn split_columns(&self, principal: &Principal) -> (Vec<Column>, Vec<Column>) {
        self.columns.iter().cloned().partition(|c| c.readable_by(principal))
    }

    /// The filter argument called `name`.
    pub fn argument(&self, name: &str) -> Option<&Argument> {
        self.arguments.iter().find(|a| a.name == name)
    }
}

/// Every dataset, and the access classes of the schema's fields.
#[derive(Debug, Clone)]
pub struct Catalog {
    datasets: Vec<Dataset>,
    classes: HashMap<(String, String), AccessClass>,
}

/// The SDL does not fit the exports' configuration: a bug, found at start.
#[derive(Debug, thiserror::Error)]
#[error("the exports do not fit the schema: {0}")]
pub struct CatalogError(String);

/// The type name at the bottom of `[T!]!`.
fn base_name(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => base_name(inner),
    }
}

/// The object types of the SDL and which type names are leaves (scalars and enums).
struct Index {
    objects: HashMap<String, Vec<FieldDefinition>>,
    leaves: HashSet<String>,
}

impl Index {
    fn field(&self, type_name: &str, field: &str) -> Result<&FieldDefinition, CatalogError> {
        self.objects
            .get(type_name)
            .and_then(|fields| fields.iter().find(|f| f.name.node == field))
            .ok_or_else(|| CatalogError(format!("{type_name}.{field} is not in the schema")))
    }

    fn class(type_name: &str, f: &FieldDefinition) -> Result<AccessClass, CatalogError> {
        sdl_class(&f.directives)
            .ok_or_else(|| CatalogError(format!("{type_name}.{} declares no access class", f.name.node)))
    }

    fn is_leaf(&self, ty: &Type) -> bool {
        self.leaves.contains(base_name(ty))
    }
}

impl Catalog {
    /// Reads the datasets from the schema's SDL (`api::schema::sdl()`).
    pub fn from_sdl(sdl: &str) -> Result<Self, CatalogError> {
        let doc = parse_schema(sdl).map_err(|e| CatalogError(format!("the SDL does not parse: {e}")))?;
        let mut index = Index {
            objects: HashMap::new(),
            leaves: ["Int", "Float", "String", "Boolean", "ID"].into_iter().map(String::from).collect(),
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let name = t.node.name.node.to_string();
            match t.node.kind {
                TypeKind::Scalar | TypeKind::Enum(_) => {
                    index.leaves.insert(name);
                }
                TypeKind::Object(o) => {
                    index.objects.insert(name, o.fields.into_iter().map(|f| f.node).collect());
                }
                _ => {}
            }
        }
        let mut classes = HashMap::new();
        for (type_name, fields) in &index.objects {
            for f in fields {
                if let Some(c) = sdl_class(&f.directives) {
                    classes.insert((type_name.clone(), f.name.node.to_string()), c);
                }
            }
        }
        let datasets = DATASETS.iter().map(|spec| dataset(&index, spec)).collect::<Result<_, _>>()?;
        Ok(Self { datasets, classes })
    }

    /// The dataset exported as `name`.
    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.name == name)
    }

    /// The names of every dataset.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.datasets.iter().map(|d| d.name)
    }

    /// The access class the schema declares for `type_name.field`.
    pub fn class_of(&self, type_name: &str, field: &str) -> Option<AccessClass> {
        self.classes.get(&(type_name.to_owned(), field.to_owned())).copied()
    }
}

fn dataset(index: &Index, spec: &DatasetSpec) -> Result<Dataset, CatalogError> {
    let list = index.field("Query", spec.field)?;
    Index::class("Query", list)?;
    let connection = base_name(&list.ty.node);
    let node_type = base_name(&index.field(connection, "nodes")?.ty.node).to_owned();

    let arguments = list
        .arguments
        .iter()
        .map(|a| &a.node)
        .filter(|a| !PAGING_ARGUMENTS.contains(&a.name.node.as_str()))
        .map(|a| {
            let ty = &a.ty.node;
            let kind = match base_name(ty) {
                "Int" => ValueKind::Int,
                "Float" => ValueKind::Float,
                "Boolean" => ValueKind::Boolean,
                _ => ValueKind::Text,
            };
            Argument {
                name: a.name.node.to_string(),
                graphql_type: ty.to_string(),
                kind,
                list: matches!(ty.base, BaseType::List(_)),
            }
        })
        .collect();

    let fields = index.objects.get(&node_type).ok_or_else(|| CatalogError(format!("no object type {node_type}")))?;
    let mut columns = Vec::new();
    let mut used = 0;
    for f in fields.iter().filter(|f| f.arguments.is_empty()) {
        let name = f.name.node.as_str();
        if index.is_leaf(&f.ty.node) {
            columns.push(Column {
                name: name.to_owned(),
                path: vec![name.to_owned()],
                classes: vec![Index::class(&node_type, f)?],
            });
            continue;
        }
        for rel in spec.relations.iter().filter(|r| r.path.first() == Some(&name)) {
            columns.push(flatten(index, &node_type, rel)?);
            used += 1;
        }
    }
    if used != spec.relations.len() {
        return Err(CatalogError(format!("a relation of {} names no field of {node_type}", spec.name)));
    }
    Ok(Dataset { name: spec.name, field: spec.field, node_type, arguments, columns })
}

fn flatten(index: &Index, node_type: &str, rel: &Flattening) -> Result<Column, CatalogError> {
    let mut type_name = node_type.to_owned();
    let mut classes = Vec::with_capacity(rel.path.len());
    let mut leaf = false;
    for step in rel.path {
        let f = index.field(&type_name, step)?;
        classes.push(Index::class(&type_name, f)?);
        leaf = index.is_leaf(&f.ty.node);
        type_name = base_name(&f.ty.node).to_owned();
    }
    if !leaf {
        return Err(CatalogError(format!("column {} does not end on a scalar", rel.column)));
    }
    Ok(Column { name: rel.column.to_owned(), path: rel.path.iter().map(|s| (*s).to_owned()).collect(), classes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn catalog() -> Catalog {
        Catalog::from_sdl(&crate::schema::sdl()).expect("the catalogue fits the schema")
    }

    fn names(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn every_dataset_is_found_in_the_schema() {
        let c = catalog();
        let all: Vec<_> = c.names().collect();
        assert_eq!(
            all,
            ["states", "organizations", "activity_reports", "vtf_projects", "sponsorship_awards", "assessments"]
        );
        let reports = c.dataset("activity_reports").expect("reports");
        assert_eq!(reports.node_type, "ActivityReport");
        assert!(reports.argument("updatedSince").is_some());
        assert!(reports.argument("first").is_none(), "paging is the export's own business");
    }

    #[test]
    fn column_classes_come_from_the_sdl_along_the_path() {
        let c = catalog();
        let reports = c.dataset("activity_reports").expect("reports");
        let by_name = |n: &str| reports.columns.iter().find(|c| c.name == n).expect(n).classes.clone();
        assert_eq!(by_name("budget"), [AccessClass::Financial]);
        assert_eq!(by_name("reviewedBy"), [AccessClass::Sensitive]);
        assert_eq!(by_name("organizationName"), [AccessClass::Partner, AccessClass::Public]);
        let assessments = c.dataset("assessments").expect("assessments");
        let state = assessments.columns.iter().find(|c| c.name == "stateIso3").expect("stateIso3");
        assert_eq!(state.classes, [AccessClass::Sensitive, AccessClass::Public]);
    }

    #[test]
    fn a_partner_gets_no_financial_or_sensitive_column() {
        let c = catalog();
        let reports = c.dataset("activity_reports").expect("reports");
        let partner = Principal { sub: Some("p".into()), role: Role::Partner, org_id: Some(1) };
        let (_, omitted) = reports.split_columns(&partner);
        assert_eq!(names(&omitted), ["budget", "currency", "fundingSource", "reviewedBy"]);
        let secretariat = Principal { sub: Some("s".into()), role: Role::Secretariat, org_id: None };
        let (included, omitted) = reports.split_columns(&secretariat);
        assert!(omitted.is_empty());
        assert_eq!(included.len(), reports.columns.len());
    }
}
