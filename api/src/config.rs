//! Configuration: one typed struct per command, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::limits::Limits;

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://att-coord.db?mode=rwc";

/// att-coord: the coordination API for the universalization of the Arms Trade Treaty.
#[derive(Debug, Parser)]
#[command(name = "att-coord", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the API.
    Serve(ServeArgs),
    /// Apply pending migrations and say which.
    Migrate(DatabaseArgs),
    /// Load demo data into an empty database.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL), or check `schema.graphql` against the code.
    Schema(SchemaArgs),
    /// Mint a signed development token with the configured HS256 secret.
    Token(TokenArgs),
    /// Check a persisted operations file and print its operations with their hashes (an
    /// Apollo persisted query manifest, JSON).
    Operations(OperationsArgs),
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Most connections in the pool [default: 16 on PostgreSQL, 4 on SQLite].
    #[arg(long, env = "ATT_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
}

impl DatabaseArgs {
    /// The pool size: as configured, or by database. SQLite writes one at a time and reads
    /// from the machine's own cores, so more connections mostly add memory (each holds its
    /// page cache and a worker thread with its own allocator heap): on 2 cores, 4 served the
    /// bench's workloads as fast as 8 with 11 MiB less at the dashboard's peak.
    pub fn max_connections(&self) -> u32 {
        self.db_max_connections.unwrap_or(if self.database_url.starts_with("sqlite:") { 4 } else { 16 })
    }
}

/// How tokens are verified.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Shared secret for HS256 tokens (at least 32 bytes). Without it, HS256 tokens are refused.
    #[arg(long, env = "ATT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Public keys for RS256, ES256 and EdDSA tokens, as `KID=ALG:PATH.pem` (comma-separated).
    #[arg(long, env = "ATT_JWT_PUBLIC_KEYS", value_delimiter = ',')]
    pub jwt_public_keys: Vec<String>,
    /// A JWKS file of public keys (chosen by `kid`; never fetched from a URL a token names).
    #[arg(long, env = "ATT_JWT_JWKS")]
    pub jwt_jwks: Option<PathBuf>,
    /// The `iss` claim tokens must carry.
    #[arg(long, env = "ATT_JWT_ISSUER", default_value = "att-coord")]
    pub jwt_issuer: String,
    /// The `aud` claim tokens must carry.
    #[arg(long, env = "ATT_JWT_AUDIENCE", default_value = "att-coord")]
    pub jwt_audience: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    #[arg(long, env = "ATT_JWT_LEEWAY_SECS", default_value_t = 30)]
    pub jwt_leeway_secs: u64,
}

/// Limits against abuse; the defaults fit the dashboards' and scripts' queries.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Largest request body, in bytes.
    #[arg(long, env = "ATT_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds.
    #[arg(long, env = "ATT_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Deepest nesting of fields an operation may have.
    #[arg(long, env = "ATT_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,
    /// Highest complexity an operation may have (each field 1, lists weighted by their rows).
    #[arg(long, env = "ATT_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    pub max_complexity: usize,
    /// Most aliases in an operation.
    #[arg(long, env = "ATT_MAX_ALIASES", default_value_t = Limits::default().max_aliases)]
    pub max_aliases: usize,
    /// Most times one field may be repeated in a selection.
    #[arg(long, env = "ATT_MAX_REPEATS", default_value_t = Limits::default().max_repeats)]
    pub max_repeats: usize,
    /// Most directives in an operation.
    #[arg(long, env = "ATT_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives)]
    pub max_directives: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "ATT_MAX_BATCH", default_value_t = Limits::default().max_batch)]
    pub max_batch: usize,
    /// Allow mutations inside batched requests.
    #[arg(long, env = "ATT_BATCH_MUTATIONS")]
    pub batch_mutations: bool,
    /// Points each caller regains per second (0 turns rate limiting off); an operation costs
    /// its complexity.
    #[arg(long, env = "ATT_RATE_LIMIT_PER_SEC", default_value_t = 2_000)]
    pub rate_limit_per_sec: u64,
    /// Points each caller may spend at once.
    #[arg(long, env = "ATT_RATE_LIMIT_BURST", default_value_t = 60_000)]
    pub rate_limit_burst: u64,
}

impl LimitArgs {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The GraphQL limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_repeats: self.max_repeats,
            max_directives: self.max_directives,
            max_nodes: crate::schema::MAX_NODES,
            max_batch: self.max_batch,
            batch_mutations: self.batch_mutations,
        }
    }
}

impl Default for LimitArgs {
    fn default() -> Self {
        let l = Limits::default();
        Self {
            max_body_bytes: 256 * 1024,
            request_timeout_secs: 30,
            max_depth: l.max_depth,
            max_complexity: l.max_complexity,
            max_aliases: l.max_aliases,
            max_repeats: l.max_repeats,
            max_directives: l.max_directives,
            max_batch: l.max_batch,
            batch_mutations: l.batch_mutations,
            rate_limit_per_sec: 2_000,
            rate_limit_burst: 60_000,
        }
    }
}

/// `att-coord serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ATT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the demo data first when the database is empty.
    #[arg(long, env = "ATT_DEMO")]
    pub demo: bool,
    /// Serve GraphiQL on `GET /graphql` (switch off in production if not wanted).
    #[arg(long, env = "ATT_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// How long idempotency keys are kept, in hours (at least 24).
    #[arg(long, env = "ATT_IDEMPOTENCY_RETENTION_HOURS", default_value_t = 48,
          value_parser = clap::value_parser!(u64).range(crate::write::MIN_KEY_RETENTION_HOURS..))]
    pub idempotency_retention_hours: u64,
    /// Origins allowed to call the API from a browser (comma-separated); none by default.
    #[arg(long, env = "ATT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// A `.graphql` file of named operations that clients may call by name or SHA-256 hash.
    #[arg(long, env = "ATT_PERSISTED_OPERATIONS")]
    pub persisted_operations: Option<PathBuf>,
    /// Run only the operations of the persisted operations file; refuse any other text.
    #[arg(long, env = "ATT_SAFELIST", requires = "persisted_operations")]
    pub safelist: bool,
    /// Serve metrics in the Prometheus text format on `GET /metrics` (same address as the API).
    #[arg(long, env = "ATT_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,
    /// Answer the dashboards' most common queries with one PostgreSQL statement each, where the
    /// planner can (see the README); `false` resolves every query field by field.
    #[arg(long, env = "ATT_PLANNED_READS", default_value_t = true, action = clap::ArgAction::Set)]
    pub planned_reads: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `att-coord seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Load the demo data (the only data set there is; required, so that nobody seeds by accident).
    #[arg(long, required = true)]
    pub demo: bool,
    /// Multiplies the synthetic part: 1 is about 50,000 activity reports; 0.01 about 500.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `att-coord schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Compare the file with what the code generates; exit non-zero if they differ.
    #[arg(long)]
    pub check: bool,
    /// The committed schema file.
    #[arg(long, default_value = "schema.graphql")]
    pub file: PathBuf,
}

/// `att-coord operations`.
#[derive(Debug, Clone, Args)]
pub struct OperationsArgs {
    /// The persisted operations file.
    #[arg(env = "ATT_PERSISTED_OPERATIONS")]
    pub file: PathBuf,
}

/// A role a token can carry.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenRole {
    Partner,
    VtfCommittee,
    Wgtu,
    Secretariat,
}

/// `att-coord token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The role the token grants.
    #[arg(long, value_enum)]
    pub role: TokenRole,
    /// The partner's organisation id (required for `partner`).
    #[arg(long)]
    pub org: Option<String>,
    /// The subject.
    #[arg(long, default_value = "dev-user")]
    pub sub: String,
    /// How long the token is valid: e.g. `30m`, `1h`, `7d`.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Parses `90s`, `30m`, `1h`, `7d`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let (num, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = num.parse().map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 7d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("`{text}` is not a duration like 30m, 1h or 7d")),
    };
    if secs == 0 {
        return Err("the token's lifetime must be positive".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_read_in_the_units_people_write() {
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn the_pool_size_is_the_configured_one_or_the_database_s_default() {
        let args = |url: &str, n: Option<u32>| DatabaseArgs { database_url: url.into(), db_max_connections: n };
        assert_eq!(args("sqlite://att-coord.db?mode=rwc", None).max_connections(), 4);
        assert_eq!(args("postgres://postgres@127.0.0.1/att", None).max_connections(), 16);
        assert_eq!(args("sqlite://att-coord.db?mode=rwc", Some(3)).max_connections(), 3);
        assert_eq!(args("postgres://postgres@127.0.0.1/att", Some(40)).max_connections(), 40);
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
