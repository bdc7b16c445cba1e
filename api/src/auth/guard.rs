//! Access classes: declared once per field with the `@access` directive (visible in
//! `schema.graphql`), enforced by one guard, [`FieldGuard`], that every object type installs.
//!
//! ```ignore
//! #[Object(guard = "FieldGuard::new(self)")]
//! impl State {
//!     /// The WGTU's current tier for this state.
//!     #[graphql(directive = access::apply(AccessClass::Sensitive))]
//!     async fn tier(&self) -> Option<i32> { ... }
//! }
//! ```
//!
//! The guard looks the field up in the schema's own registry, so the directive in the SDL is
//! the only declaration: a field without one is refused (fail closed), and a schema test
//! fails. Arguments that filter, order or count by a restricted value carry the directive too
//! and are checked when the caller supplies them. Mutation fields carry `@writers` instead,
//! naming the roles that may call them.

use std::borrow::Cow;

use async_graphql::parser::types::ConstDirective;
use async_graphql::registry::{MetaDirectiveInvocation, MetaField};
use async_graphql::{Context, Enum, Guard, OutputType, Positioned, TypeDirective, Value};

use super::{Principal, Role};
use crate::context::RequestContext;
use crate::error::ApiError;

/// Who may read a value (DESIGN.md §3).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AccessClass {
    /// Treaty status of states, ATT bodies and meetings, champions, organisations' names: everyone.
    Public,
    /// Non-financial cooperation data: any authenticated caller.
    Partner,
    /// Tiers, national processes, targets, engagements, assignments, advice, contacts,
    /// committee assessments, needs not shared: `wgtu` and `secretariat`.
    Sensitive,
    /// Amounts, funds, costs, budgets: `vtf_committee`, `wgtu`, `secretariat`, and a `partner`
    /// on its own organisation's rows.
    Financial,
    /// The audit trail: `secretariat`.
    Audit,
}

/// A role, as named in the `@writers` directive and in the audit trail.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Role", remote = "entity::enums::Role")]
pub enum RoleName {
    /// A caller without a token.
    Anonymous,
    /// A partner organisation's user or script, bound to one organisation.
    Partner,
    /// A member of the VTF Selection Committee.
    VtfCommittee,
    /// The CSP President, Vice-Presidents, WGTU co-chairs and members.
    Wgtu,
    /// ATT Secretariat staff and internal service accounts.
    Secretariat,
}

/// The access class of the value of this field or argument: who may read it, or filter,
/// order or count by it (DESIGN.md §3).
#[TypeDirective(location = "FieldDefinition", location = "ArgumentDefinition")]
pub fn access(class: AccessClass) {}

/// The roles that may call this mutation.
#[TypeDirective(location = "FieldDefinition")]
pub fn writers(roles: Vec<RoleName>) {}

/// What the guard needs to know about the record a field belongs to.
pub trait AccessSubject {
    /// The organisation owning the record: a partner reads FINANCIAL fields of its own rows.
    fn owner_org(&self) -> Option<i64> {
        None
    }
    /// The record's database id, written to the audit trail on SENSITIVE reads.
    fn record_id(&self) -> Option<i64> {
        None
    }
    /// A class every field of this particular record needs on top of its own, for records
    /// whose kind is shared but which are not (a support need the state did not agree to
    /// share is SENSITIVE as a whole).
    fn floor(&self) -> Option<AccessClass> {
        None
    }
}

/// The access class declared by `@access` among a field's or argument's directives.
pub fn declared_class(directives: &[MetaDirectiveInvocation]) -> Option<AccessClass> {
    let d = directives.iter().find(|d| d.name == "access")?;
    match d.args.get("class")? {
        Value::Enum(name) => class_by_name(name.as_str()),
        _ => None,
    }
}

/// The access class declared by `@access` among a field's or argument's directives, as
/// parsed from the SDL.
pub fn sdl_class(directives: &[Positioned<ConstDirective>]) -> Option<AccessClass> {
    let d = directives.iter().find(|d| d.node.name.node == "access")?;
    match &d.node.get_argument("class")?.node {
        Value::Enum(name) => class_by_name(name.as_str()),
        _ => None,
    }
}

/// The access class an `@access(class: ...)` argument names, as spelled in the SDL.
pub fn class_by_name(name: &str) -> Option<AccessClass> {
    match name {
        "PUBLIC" => Some(AccessClass::Public),
        "PARTNER" => Some(AccessClass::Partner),
        "SENSITIVE" => Some(AccessClass::Sensitive),
        "FINANCIAL" => Some(AccessClass::Financial),
        "AUDIT" => Some(AccessClass::Audit),
        _ => None,
    }
}

/// The roles declared by `@writers` on a mutation field.
pub fn declared_writers(directives: &[MetaDirectiveInvocation]) -> Option<Vec<String>> {
    let d = directives.iter().find(|d| d.name == "writers")?;
    match d.args.get("roles")? {
        Value::List(items) => Some(
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Enum(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The one guard: installed on every object type with `#[Object(guard = "FieldGuard::new(self)")]`
/// (root parts use [`FieldGuard::root`]).
pub struct FieldGuard {
    type_name: Cow<'static, str>,
    owner_org: Option<i64>,
    record_id: Option<i64>,
    floor: Option<AccessClass>,
}

impl FieldGuard {
    /// The guard for the fields of `subject`.
    pub fn new<T: AccessSubject + OutputType>(subject: &T) -> Self {
        Self {
            type_name: T::type_name(),
            owner_org: subject.owner_org(),
            record_id: subject.record_id(),
            floor: subject.floor(),
        }
    }

    /// The guard for a part of a merged root type (`Query` or `Mutation`).
    pub fn root(type_name: &'static str) -> Self {
        Self { type_name: Cow::Borrowed(type_name), owner_org: None, record_id: None, floor: None }
    }

    fn check_field(&self, ctx: &Context<'_>) -> Result<(), ApiError> {
        let rc = ctx.data::<std::sync::Arc<RequestContext>>().map_err(|e| ApiError::Internal(e.message))?;
        let field_name = ctx.item.node.name.node.as_str();
        let meta = lookup(ctx, &self.type_name, field_name)?;
        let principal = &rc.principal;

        if let Some(roles) = declared_writers(&meta.directive_invocations) {
            let role = RoleName::from(principal.role);
            let name = async_graphql::InputType::to_value(&role).to_string();
            if !roles.contains(&name) {
                return Err(ApiError::Forbidden(if principal.role == Role::Anonymous {
                    format!(
                        "anonymous callers may not call {field_name}; send a token as `Authorization: Bearer <token>`"
                    )
                } else {
                    format!("the role {} may not call {field_name}", super::role_claim(principal.role))
                }));
            }
            return Ok(());
        }

        let class = declared_class(&meta.directive_invocations)
            .ok_or_else(|| ApiError::Internal(format!("{}.{field_name} declares no access class", self.type_name)))?;
        let given = meta
            .args
            .iter()
            .filter_map(|(name, arg)| declared_class(&arg.directive_invocations).map(|c| (name.as_str(), c)))
            .filter(|(name, _)| argument_given(ctx, name));
        let read =
            ReadOf { type_name: &self.type_name, field_name, class, owner_org: self.owner_org, floor: self.floor };
        if read.decide(principal, given)? {
            rc.audit.sensitive_read(&self.type_name, field_name, self.record_id);
        }
        Ok(())
    }
}

/// One read of one field of one record, as the guard judges it.
pub struct ReadOf<'a> {
    pub type_name: &'a str,
    pub field_name: &'a str,
    /// The field's declared class.
    pub class: AccessClass,
    /// The organisation owning the record.
    pub owner_org: Option<i64>,
    /// The class the record as a whole needs (see [`AccessSubject::floor`]).
    pub floor: Option<AccessClass>,
}

impl ReadOf<'_> {
    /// The one decision on a read, shared by the guard and the planned reads
    /// (`crate::planned`): `FORBIDDEN` when `principal` may not read the field, filter by one
    /// of the restricted arguments it was `given`, or read the record at all; otherwise
    /// whether the read goes to the audit trail.
    pub fn decide<'n>(
        &self,
        principal: &Principal,
        given: impl IntoIterator<Item = (&'n str, AccessClass)>,
    ) -> Result<bool, ApiError> {
        let (type_name, field_name) = (self.type_name, self.field_name);
        if !principal.may_read(self.class, self.owner_org) {
            return Err(forbidden(principal, type_name, field_name, self.class));
        }
        for (arg_name, arg_class) in given {
            if !principal.may_read(arg_class, self.owner_org) {
                return Err(ApiError::Forbidden(format!(
                    "your role may not filter, order or count by `{arg_name}` of {type_name}.{field_name} ({})",
                    class_name(arg_class)
                )));
            }
        }
        if let Some(floor) = self.floor
            && !principal.may_read(floor, self.owner_org)
        {
            return Err(forbidden(principal, type_name, field_name, floor));
        }
        Ok(self.class == AccessClass::Sensitive || self.floor == Some(AccessClass::Sensitive))
    }
}

impl Guard for FieldGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        self.check_field(ctx).map_err(Into::into)
    }
}

fn lookup<'a>(ctx: &'a Context<'_>, type_name: &str, field_name: &str) -> Result<&'a MetaField, ApiError> {
    ctx.schema_env
        .registry
        .types
        .get(type_name)
        .and_then(|t| t.field_by_name(field_name))
        .ok_or_else(|| ApiError::Internal(format!("field {type_name}.{field_name} is not in the registry")))
}

/// Whether the operation supplies a non-null value for the argument (directly or by variable).
fn argument_given(ctx: &Context<'_>, name: &str) -> bool {
    let Some(arg) = ctx.item.node.get_argument(name) else {
        return false;
    };
    let value = arg
        .node
        .clone()
        .into_const_with(|var| Ok::<_, ()>(ctx.query_env.variables.get(&var).cloned().unwrap_or(Value::Null)));
    !matches!(value, Ok(Value::Null))
}

/// The SDL spelling of an access class.
pub fn class_name(class: AccessClass) -> &'static str {
    match class {
        AccessClass::Public => "PUBLIC",
        AccessClass::Partner => "PARTNER",
        AccessClass::Sensitive => "SENSITIVE",
        AccessClass::Financial => "FINANCIAL",
        AccessClass::Audit => "AUDIT",
    }
}

fn forbidden(principal: &Principal, type_name: &str, field_name: &str, class: AccessClass) -> ApiError {
    let who = if principal.role == Role::Anonymous {
        "anonymous callers".to_string()
    } else {
        format!("the role {}", super::role_claim(principal.role))
    };
    ApiError::Forbidden(format!("{who} may not read {type_name}.{field_name} ({})", class_name(class)))
}
