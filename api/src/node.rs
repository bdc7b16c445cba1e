//! Global object identification: opaque ids (`node(id:)`, `nodes(ids:)`).

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};

/// The opaque global id of the `type_name` record `id`.
pub fn global_id(type_name: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and database id.
pub fn parse_global_id(id: &str) -> Option<(String, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (t, n) = text.split_once(':')?;
    Some((t.to_owned(), n.parse().ok()?))
}

/// The database id inside a global id that must name a `type_name`; `BAD_USER_INPUT` naming
/// `field` otherwise.
pub fn expect_id(id: &ID, type_name: &str, field: &str) -> ApiResult<i64> {
    match parse_global_id(id) {
        Some((t, n)) if t == type_name => Ok(n),
        Some((t, _)) => {
            Err(ApiError::bad_input(field, format!("`{field}` must be the id of a {type_name}, not of a {t}")))
        }
        None => Err(ApiError::bad_input(field, format!("`{field}` is not an id this API issued"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_are_typed() {
        let id = global_id("State", 42);
        assert_eq!(parse_global_id(&id), Some(("State".into(), 42)));
        assert_eq!(expect_id(&id, "State", "id").ok(), Some(42));
        assert!(expect_id(&id, "Organization", "id").is_err());
        assert!(expect_id(&ID("%%%".into()), "State", "id").is_err());
    }
}
