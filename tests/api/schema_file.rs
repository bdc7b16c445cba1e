//! `schema.graphql` is generated from the code; these tests keep the two equal, and keep the
//! schema documented and classified.

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

#[test]
fn schema_graphql_is_what_the_code_generates() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql exists");
    let generated = api::schema::sdl();
    if let Some((line, file, code)) = api::cli::first_difference(&committed, &generated) {
        panic!(
            "schema.graphql differs from the code at line {line}:\n  file: {file}\n  code: {code}\nrun `cargo run -q -- schema > schema.graphql`"
        );
    }
}

#[test]
fn every_type_field_and_argument_is_documented() {
    let doc = parse_schema(api::schema::sdl()).expect("the SDL parses");
    let mut missing = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let name = t.node.name.node.as_str();
        if name.starts_with("__") {
            continue;
        }
        if t.node.description.is_none() && !matches!(name, "Query" | "Mutation") {
            missing.push(name.to_owned());
        }
        match &t.node.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                    for a in &f.node.arguments {
                        if a.node.description.is_none() {
                            missing.push(format!("{name}.{}({})", f.node.name.node, a.node.name.node));
                        }
                    }
                }
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if v.node.description.is_none() {
                        missing.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}
