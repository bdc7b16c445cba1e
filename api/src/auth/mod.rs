//! Identity and field-level authorization (DESIGN.md §2–§3).
//!
//! - [`Principal`]: who is calling (from the JWT, or anonymous), attached to each request.
//! - [`guard`]: the access classes, the `@access` directive that declares one beside every
//!   field, and the one guard that enforces them.
//! - [`jwt`]: token verification.

pub mod guard;
pub mod jwt;

pub use entity::enums::Role;
pub use guard::{AccessClass, AccessSubject, FieldGuard, RoleName, access, writers};

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The token's subject; `None` for anonymous callers.
    pub sub: Option<String>,
    pub role: Role,
    /// The partner's organisation (database id); only set for `partner`.
    pub org_id: Option<i64>,
}

impl Principal {
    /// A caller without a token.
    pub fn anonymous() -> Self {
        Self { sub: None, role: Role::Anonymous, org_id: None }
    }

    /// Whether this caller may read a value of `class` on a record owned by `owner_org`.
    pub fn may_read(&self, class: AccessClass, owner_org: Option<i64>) -> bool {
        use AccessClass as C;
        use Role as R;
        match class {
            C::Public => true,
            C::Partner => self.role != R::Anonymous,
            C::Sensitive => matches!(self.role, R::Wgtu | R::Secretariat),
            C::Financial => {
                matches!(self.role, R::VtfCommittee | R::Wgtu | R::Secretariat)
                    || (self.role == R::Partner && owner_org.is_some() && owner_org == self.org_id)
            }
            C::Audit => self.role == R::Secretariat,
        }
    }

    /// Whether this caller belongs to one of the internal ATT bodies (not a partner, not
    /// anonymous).
    pub fn is_internal(&self) -> bool {
        matches!(self.role, Role::VtfCommittee | Role::Wgtu | Role::Secretariat)
    }

    /// The key idempotency records are kept under: one namespace per subject (and, for
    /// partners, per organisation).
    pub fn idempotency_scope(&self) -> String {
        let org = self.org_id.map(|o| o.to_string()).unwrap_or_default();
        format!("{}:{org}:{}", self.role.as_str(), self.sub.as_deref().unwrap_or(""))
    }
}

/// Parses the `role` claim; `None` for an unknown role.
pub fn parse_role(claim: &str) -> Option<Role> {
    match claim {
        "partner" => Some(Role::Partner),
        "vtf_committee" => Some(Role::VtfCommittee),
        "wgtu" => Some(Role::Wgtu),
        "secretariat" => Some(Role::Secretariat),
        _ => None,
    }
}

/// The `role` claim's spelling of a role.
pub fn role_claim(role: Role) -> &'static str {
    match role {
        Role::Anonymous => "anonymous",
        Role::Partner => "partner",
        Role::VtfCommittee => "vtf_committee",
        Role::Wgtu => "wgtu",
        Role::Secretariat => "secretariat",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, org: Option<i64>) -> Principal {
        Principal { sub: Some("s".into()), role, org_id: org }
    }

    #[test]
    fn financial_is_visible_to_a_partner_only_on_its_own_rows() {
        let partner = p(Role::Partner, Some(7));
        assert!(partner.may_read(AccessClass::Financial, Some(7)));
        assert!(!partner.may_read(AccessClass::Financial, Some(8)));
        assert!(!partner.may_read(AccessClass::Financial, None));
    }

    #[test]
    fn the_matrix_of_design_md_section_3() {
        use AccessClass::*;
        let table = [
            (Principal::anonymous(), [true, false, false, false, false]),
            (p(Role::Partner, Some(1)), [true, true, false, false, false]),
            (p(Role::VtfCommittee, None), [true, true, false, true, false]),
            (p(Role::Wgtu, None), [true, true, true, true, false]),
            (p(Role::Secretariat, None), [true, true, true, true, true]),
        ];
        for (principal, expected) in table {
            let got = [Public, Partner, Sensitive, Financial, Audit].map(|c| principal.may_read(c, None));
            assert_eq!(got, expected, "{:?}", principal.role);
        }
    }

    #[test]
    fn unknown_roles_are_rejected() {
        assert_eq!(parse_role("wgtu"), Some(Role::Wgtu));
        assert_eq!(parse_role("admin"), None);
        assert_eq!(parse_role("anonymous"), None);
    }
}
