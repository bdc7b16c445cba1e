//! The GraphQL side of pagination: `PageInfo` and the [`connection!`] macro that declares a
//! Relay connection and edge type for a node type, with access classes on every field.

use async_graphql::Object;

use crate::auth::{AccessClass, AccessSubject, FieldGuard, access};

/// Where a page sits in its list (Relay).
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl AccessSubject for PageInfo {}

/// Where a page sits in its list: whether more rows lie beyond either end, and the cursors of
/// its first and last rows.
#[Object(guard = "FieldGuard::new(self)")]
impl PageInfo {
    /// Whether rows follow this page (pass `endCursor` as `after` to read them).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn has_next_page(&self) -> bool {
        self.has_next_page
    }
    /// Whether rows precede this page (pass `startCursor` as `before` with `last` to read them).
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn has_previous_page(&self) -> bool {
        self.has_previous_page
    }
    /// The cursor of the first row of this page.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn start_cursor(&self) -> Option<&str> {
        self.start_cursor.as_deref()
    }
    /// The cursor of the last row of this page.
    #[graphql(directive = access::apply(AccessClass::Public))]
    async fn end_cursor(&self) -> Option<&str> {
        self.end_cursor.as_deref()
    }
}

/// Declares `$conn` (a page of `$node`) and `$edge` (one row with its cursor).
///
/// The connection's own fields are PUBLIC: the field returning the connection carries the
/// class of the rows, and is checked before any of this is resolved.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:tt) => {
        #[doc = concat!("A page of ", $what, ".")]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::connection::PageInfo,
            pub total_count: Option<u64>,
        }

        #[doc = concat!("One of ", $what, ", with its cursor.")]
        pub struct $edge {
            pub cursor: $crate::pagination::RowCursor,
            pub node: $node,
        }

        impl $crate::auth::AccessSubject for $conn {}
        impl $crate::auth::AccessSubject for $edge {}

        impl From<$crate::pagination::Page<$node>> for $conn {
            fn from(page: $crate::pagination::Page<$node>) -> Self {
                let page_info = $crate::connection::PageInfo {
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                    start_cursor: page.rows.first().map(|(c, _)| c.encode()),
                    end_cursor: page.rows.last().map(|(c, _)| c.encode()),
                };
                Self {
                    edges: page.rows.into_iter().map(|(cursor, node)| $edge { cursor, node }).collect(),
                    page_info,
                    total_count: page.total_count,
                }
            }
        }

        #[async_graphql::Object(guard = "crate::auth::FieldGuard::new(self)")]
        #[doc = concat!("A page of ", $what, " (Relay connection).")]
        impl $conn {
            /// The rows of this page, each with its cursor.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            /// The rows of this page, without cursors.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            /// Where this page sits in the list.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn page_info(&self) -> &$crate::connection::PageInfo {
                &self.page_info
            }
            /// How many rows the whole list has, under the same filters and visibility.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn total_count(&self) -> $crate::error::ApiResult<u64> {
                self.total_count
                    .ok_or_else(|| $crate::error::ApiError::Internal("totalCount was not computed".into()).into())
            }
        }

        #[async_graphql::Object(guard = "crate::auth::FieldGuard::new(self)")]
        #[doc = concat!("One of ", $what, ", with its cursor.")]
        impl $edge {
            /// Pass as `after` (or `before`) to read the rows beyond this one.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn cursor(&self) -> String {
                self.cursor.encode()
            }
            /// The row.
            #[graphql(directive = $crate::auth::access::apply($crate::auth::AccessClass::Public))]
            async fn node(&self) -> &$node {
                &self.node
            }
        }
    };
}

/// Whether the client selected `totalCount` on the connection being resolved.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}
