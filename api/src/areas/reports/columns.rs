//! Which of a report's long columns a list reads. A dashboard shows a page of titles and dates;
//! reading every report's description, outcomes and lists with them made up most of the bytes
//! the database sent and the server decoded. A list reads each long column only when a selected
//! field shows it, and an empty value of the column's type in its place otherwise; the
//! resolvers of the fields that would show those values are, by construction, not run.

use async_graphql::Context;
use entity::activity_report::{self, Column};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{DbBackend, IdenStatic, Iterable, QuerySelect, Select};

/// What a long column holds when it is not read.
#[derive(Clone, Copy)]
enum Blank {
    /// `''` (a text column that is never null).
    Text,
    /// `NULL`.
    Null,
    /// An empty JSON list.
    List,
}

/// The long columns: the field showing each, and its blank.
const LONG: [(&str, Column, Blank); 6] = [
    ("description", Column::Description, Blank::Text),
    ("attThemes", Column::AttThemes, Blank::List),
    ("outcomes", Column::Outcomes, Blank::Null),
    ("participatingOrganizations", Column::ParticipatingOrganizations, Blank::List),
    ("reviewComment", Column::ReviewComment, Blank::Null),
    ("fundingSource", Column::FundingSource, Blank::Null),
];

/// The long columns a list reads (one bit each, in the order of [`LONG`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportColumns(u8);

impl ReportColumns {
    /// Every column.
    pub const ALL: Self = Self(u8::MAX);

    /// The columns the selection of the connection field of `ctx` shows, through `nodes` or
    /// `edges { node }` (fragments included).
    pub fn shown_by(ctx: &Context<'_>) -> Self {
        let look = ctx.look_ahead();
        let (nodes, edges) = (look.field("nodes"), look.field("edges").field("node"));
        let mut bits = 0;
        for (i, (field, _, _)) in LONG.iter().enumerate() {
            if nodes.field(field).exists() || edges.field(field).exists() {
                bits |= 1 << i;
            }
        }
        Self(bits)
    }

    /// Every column of the table, each as itself or (a long one not read) as its blank, named
    /// as the column so that the rows still decode into models.
    fn exprs(self, backend: DbBackend) -> impl Iterator<Item = (Expr, &'static str)> {
        Column::iter().map(move |col| {
            let blank =
                LONG.iter().enumerate().find(|(i, (_, c, _))| c.as_str() == col.as_str() && self.0 & (1 << i) == 0);
            let expr = match blank.map(|(_, (_, _, b))| *b) {
                None => Expr::col((activity_report::Entity, col)),
                Some(Blank::Text) => Expr::cust("''"),
                Some(Blank::Null) => Expr::cust("NULL"),
                Some(Blank::List) if backend == DbBackend::Postgres => Expr::cust("'[]'::json"),
                Some(Blank::List) => Expr::cust("'[]'"),
            };
            (expr, col.as_str())
        })
    }

    /// `select` reading these columns instead of all of them.
    pub fn select(
        self,
        select: Select<activity_report::Entity>,
        backend: DbBackend,
    ) -> Select<activity_report::Entity> {
        if self == Self::ALL {
            return select;
        }
        self.exprs(backend).fold(select.select_only(), |q, (expr, name)| q.expr_as(expr, name))
    }

    /// Adds these columns of `activity_reports` to a statement's select list.
    pub fn add_to(self, statement: &mut SelectStatement, backend: DbBackend) {
        for (expr, name) in self.exprs(backend) {
            statement.expr_as(expr, Alias::new(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_long_columns_are_blank_and_every_other_column_is_read() {
        let only_description = ReportColumns(1);
        let sql: Vec<String> = only_description
            .exprs(DbBackend::Postgres)
            .map(|(e, name)| {
                let q = sea_orm::sea_query::Query::select().expr_as(e, Alias::new(name)).to_owned();
                q.to_string(sea_orm::sea_query::PostgresQueryBuilder)
            })
            .collect();
        assert_eq!(sql.len(), Column::iter().count());
        assert!(sql.iter().any(|s| s.contains("\"activity_reports\".\"description\" AS \"description\"")), "{sql:?}");
        assert!(sql.iter().any(|s| s.contains("'[]'::json AS \"att_themes\"")), "{sql:?}");
        assert!(sql.iter().any(|s| s.contains("NULL AS \"outcomes\"")), "{sql:?}");
        assert!(sql.iter().any(|s| s.contains("\"activity_reports\".\"title\" AS \"title\"")), "{sql:?}");
    }
}
