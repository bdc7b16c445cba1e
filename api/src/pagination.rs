//! Relay connections with keyset pagination: a stable order on (sort key, id), opaque cursors,
//! and a cost that does not depend on how deep the page is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
};

use crate::error::{ApiError, ApiResult};

/// Rows per page when the client names neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The most rows one page may have.
pub const MAX_PAGE_SIZE: i32 = 100;

/// The paging arguments of a connection field, as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// How a sort key's values are written in a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Int,
    Date,
    Timestamp,
}

/// A stable order of a list: an optional sort key, then the id, both in one direction.
pub struct Keyset<E: EntityTrait> {
    /// Names the order inside cursors, so a cursor of one order is refused by another.
    pub name: &'static str,
    pub key: Option<(E::Column, KeyKind)>,
    pub id: E::Column,
    pub descending: bool,
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<(RowCursor, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// Set when the client asked for `totalCount`.
    pub total_count: Option<u64>,
}

impl<M> Page<M> {
    /// The same page with each row converted.
    pub fn map<N>(self, f: impl Fn(M) -> N) -> Page<N> {
        Page {
            rows: self.rows.into_iter().map(|(c, m)| (c, f(m))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }
}

/// A decoded cursor: the sort key (if the order has one) and the id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: Option<Value>,
    pub id: i64,
}

/// Which way and how far to read.
#[derive(Debug, Clone)]
pub struct Window {
    pub limit: u64,
    /// `last`/`before`: read backwards from the end, then restore the order.
    pub backwards: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageArgs {
    /// Checks the arguments against the order's cursors; every problem is `BAD_USER_INPUT`
    /// naming the argument.
    pub fn window<E: EntityTrait>(&self, order: &Keyset<E>) -> ApiResult<Window> {
        let mut violations = Vec::new();
        for (name, value) in [("first", self.first), ("last", self.last)] {
            if let Some(n) = value
                && !(1..=MAX_PAGE_SIZE).contains(&n)
            {
                violations.push(crate::error::Violation::new(
                    name,
                    format!("`{name}` must be between 1 and {MAX_PAGE_SIZE} (got {n})"),
                ));
            }
        }
        if self.first.is_some() && self.last.is_some() {
            violations.push(crate::error::Violation::new("last", "give `first` or `last`, not both"));
        }
        let after = self
            .after
            .as_deref()
            .map(|c| decode_cursor(c, order).map_err(|m| crate::error::Violation::new("after", m)));
        let before = self
            .before
            .as_deref()
            .map(|c| decode_cursor(c, order).map_err(|m| crate::error::Violation::new("before", m)));
        let after = match after {
            Some(Err(v)) => {
                violations.push(v);
                None
            }
            Some(Ok(c)) => Some(c),
            None => None,
        };
        let before = match before {
            Some(Err(v)) => {
                violations.push(v);
                None
            }
            Some(Ok(c)) => Some(c),
            None => None,
        };
        if !violations.is_empty() {
            return Err(ApiError::BadUserInput(violations));
        }
        let backwards = self.last.is_some();
        let limit = self.first.or(self.last).unwrap_or(DEFAULT_PAGE_SIZE) as u64;
        Ok(Window { limit, backwards, after, before })
    }
}

/// Where a row lies in its order: what its cursor says, written out only when a client asks
/// for the cursor (most pages are read for their rows, and a dashboard's nested pages for
/// their first few).
#[derive(Debug, Clone, PartialEq)]
pub struct RowCursor {
    order: &'static str,
    id: i64,
    key: Option<(Value, KeyKind)>,
}

impl RowCursor {
    /// The position of `model` in `order`.
    pub fn of<E: EntityTrait>(order: &Keyset<E>, model: &E::Model) -> Self {
        let id = match model.get(order.id) {
            Value::BigInt(Some(v)) => v,
            Value::Int(Some(v)) => v as i64,
            _ => 0,
        };
        Self { order: order.name, id, key: order.key.map(|(col, kind)| (model.get(col), kind)) }
    }

    /// The opaque cursor: `order|id|key`, base64url.
    pub fn encode(&self) -> String {
        let key = self.key.as_ref().map(|(v, kind)| encode_value(v, *kind)).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", self.order, self.id, key))
    }
}

fn encode_value(v: &Value, kind: KeyKind) -> String {
    match (kind, v) {
        (KeyKind::Text, Value::String(Some(s))) => s.to_string(),
        (KeyKind::Int, Value::Int(Some(i))) => i.to_string(),
        (KeyKind::Int, Value::BigInt(Some(i))) => i.to_string(),
        (KeyKind::Int, Value::SmallInt(Some(i))) => i.to_string(),
        (KeyKind::Date, Value::ChronoDate(Some(d))) => d.to_string(),
        (KeyKind::Timestamp, Value::ChronoDateTimeUtc(Some(t))) => {
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        }
        _ => String::new(),
    }
}

fn decode_cursor<E: EntityTrait>(cursor: &str, order: &Keyset<E>) -> Result<Cursor, String> {
    const MALFORMED: &str = "malformed cursor: pass a cursor from a previous page of this list, unchanged";
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| MALFORMED.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| MALFORMED.to_string())?;
    let mut parts = text.splitn(3, '|');
    let (name, id, key) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(i), Some(k)) => (n, i, k),
        _ => return Err(MALFORMED.into()),
    };
    if name != order.name {
        return Err(format!("this cursor belongs to another order ({name}); page with the order it came from"));
    }
    let id: i64 = id.parse().map_err(|_| MALFORMED.to_string())?;
    let key = match order.key {
        None => None,
        Some((_, kind)) => Some(match kind {
            KeyKind::Text => Value::String(Some(key.to_owned())),
            KeyKind::Int => Value::BigInt(Some(key.parse().map_err(|_| MALFORMED.to_string())?)),
            KeyKind::Date => Value::ChronoDate(Some(key.parse::<NaiveDate>().map_err(|_| MALFORMED.to_string())?)),
            KeyKind::Timestamp => Value::ChronoDateTimeUtc(Some(
                DateTime::parse_from_rfc3339(key).map_err(|_| MALFORMED.to_string())?.with_timezone(&Utc),
            )),
        }),
    };
    Ok(Cursor { key, id })
}

/// The condition "strictly after `cursor`" (or before, with `forward == false`) in `order`.
fn beyond<E: EntityTrait>(order: &Keyset<E>, cursor: &Cursor, forward: bool) -> sea_orm::sea_query::Expr {
    // Ascending and reading forward means "greater than"; each flip reverses it.
    let greater = forward != order.descending;
    let (lhs, rhs) = match (order.key, &cursor.key) {
        (Some((col, _)), Some(k)) => (
            Expr::tuple([col.into_expr(), order.id.into_expr()]),
            Expr::tuple([Expr::val(k.clone()), Expr::val(cursor.id)]),
        ),
        _ => (order.id.into_expr(), Expr::val(cursor.id)),
    };
    if greater { lhs.gt(rhs) } else { lhs.lt(rhs) }
}

/// Keeps the rows of `select` that lie between `window`'s cursors in `order`.
pub fn within<E: EntityTrait>(select: Select<E>, order: &Keyset<E>, window: &Window) -> Select<E> {
    let mut q = select;
    if let Some(c) = &window.after {
        q = q.filter(beyond(order, c, true));
    }
    if let Some(c) = &window.before {
        q = q.filter(beyond(order, c, false));
    }
    q
}

/// Whether `window` reads `order` from its start upwards (`true`) or from its end.
pub fn ascending<E: EntityTrait>(order: &Keyset<E>, window: &Window) -> bool {
    order.descending == window.backwards
}

/// Applies `window` to `select` in `order`: the keyset conditions, the order, the limit.
pub fn apply_window<E: EntityTrait>(select: Select<E>, order: &Keyset<E>, window: &Window) -> Select<E> {
    let mut q = within(select, order, window);
    let dir = if ascending(order, window) { Order::Asc } else { Order::Desc };
    if let Some((col, _)) = order.key {
        q = q.order_by(col, dir.clone());
    }
    q.order_by(order.id, dir).limit(window.limit + 1)
}

/// Reads one page of `select` in `order`.
pub async fn paginate<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    order: &Keyset<E>,
    args: &PageArgs,
    want_total: bool,
) -> ApiResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let window = args.window(order)?;
    let total_count = if want_total { Some(select.clone().count(db).await?) } else { None };
    let rows = apply_window(select, order, &window).all(db).await?;
    Ok(finish_page(order, &window, rows, total_count))
}

/// Turns the `limit + 1` rows read for `window` into a page.
pub fn finish_page<E: EntityTrait>(
    order: &Keyset<E>,
    window: &Window,
    mut rows: Vec<E::Model>,
    total_count: Option<u64>,
) -> Page<E::Model> {
    let more = rows.len() as u64 > window.limit;
    rows.truncate(window.limit as usize);
    if window.backwards {
        rows.reverse();
    }
    let (has_next_page, has_previous_page) =
        if window.backwards { (window.before.is_some(), more) } else { (more, window.after.is_some()) };
    Page {
        rows: rows.into_iter().map(|m| (RowCursor::of(order, &m), m)).collect(),
        has_next_page,
        has_previous_page,
        total_count,
    }
}
