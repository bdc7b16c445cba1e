//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by `DATABASE_URL`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseConnectionType, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How long a SQLite writer waits for the write lock before giving up. Writers take the lock at
/// `BEGIN IMMEDIATE`, so waiting is the only contention and `SQLITE_BUSY` never reaches a client
/// under any realistic load.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts the SQL statements sent to the database (tests prove there is no N+1; metrics).
#[derive(Clone, Default, Debug)]
pub struct StatementCounter(Arc<AtomicU64>, Arc<AtomicU64>);

impl StatementCounter {
    /// Statements sent.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Statements that failed.
    pub fn failed(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }
}

/// The connections of a pool, as sqlx tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (in use or idle).
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl PoolStats {
    /// Connections in use.
    pub fn in_use(&self) -> u32 {
        self.size.saturating_sub(self.idle)
    }
}

/// The pool's connections (sea-orm 2 exposes sqlx's pool; sqlx does not tell how many tasks
/// wait for a connection). `None` for a connection that is not a pool.
pub fn pool_stats(db: &DatabaseConnection) -> Option<PoolStats> {
    fn stats<D: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<D>) -> PoolStats {
        PoolStats {
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        }
    }
    // Matched first: the pool getters panic on a connection of another kind.
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => Some(stats(db.get_postgres_connection_pool())),
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => Some(stats(db.get_sqlite_connection_pool())),
        _ => None,
    }
}

/// Why the database could not be opened, in words that say what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got a URL starting with {0:?})")]
    UnsupportedScheme(String),
    #[error(
        "cannot open the database {url}: {source}. Check DATABASE_URL (for SQLite: that the directory exists and is writable; for PostgreSQL: host, port, user and database)"
    )]
    Open { url: String, source: DbErr },
}

/// Connects with the pool sized by `max_connections` and returns the connection and its
/// statement counter.
pub async fn connect(url: &str, max_connections: u32) -> Result<(DatabaseConnection, StatementCounter), ConnectError> {
    let redacted = redact(url);
    let scheme = url.split(':').next().unwrap_or_default();
    if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
        return Err(ConnectError::UnsupportedScheme(scheme.chars().take(20).collect()));
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // sqlx pings a connection on every checkout by default: a round trip before each
        // statement. Only a connection idle long enough to have been dropped is worth it.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .pragma("temp_store", "memory")
                // 2 MB of page cache per connection (SQLite's default): the kernel caches the
                // file for all of them, and 16 connections with 32 MB each (or 8 MB) drove the
                // server past 100 MB under the dashboard load.
                .pragma("cache_size", "-2000")
        });
    let mut db =
        Database::connect(opts).await.map_err(|source| ConnectError::Open { url: redacted.clone(), source })?;
    // A pool opens lazily: prove the database answers now, so a bad URL fails at start.
    db.ping().await.map_err(|source| ConnectError::Open { url: redacted, source })?;
    let counter = StatementCounter::default();
    let (sent, failed) = (counter.0.clone(), counter.1.clone());
    db.set_metric_callback(move |info| {
        sent.fetch_add(1, Ordering::Relaxed);
        if info.failed {
            failed.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok((db, counter))
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..s + 3], &creds[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the write lock is taken
/// up front (waiting up to the busy timeout) instead of failing with `SQLITE_BUSY` when a read
/// transaction later tries to upgrade.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// The current time at the precision both databases keep (microseconds), so a value read back
/// compares equal to the value written and keyset cursors on timestamps are exact.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A hand-written statement with `?` placeholders, numbered (`$1`, `$2` ...) for PostgreSQL.
/// Only for SQL written in this crate: the text must hold no `?` other than placeholders.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// Applies pending migrations; returns the names of those applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    use migration::MigratorTrait;
    let pending: Vec<String> =
        migration::Migrator::get_pending_migrations(db).await?.iter().map(|m| m.name().to_owned()).collect();
    migration::Migrator::up(db, None).await?;
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://att.db?mode=rwc"), "sqlite://att.db?mode=rwc");
    }
}
