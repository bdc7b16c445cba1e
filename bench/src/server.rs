//! The processes the bench runs: the att-coord server (seeded, served, measured by its peak
//! resident memory) and PostgreSQL's own clients, psql and pgbench.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The HS256 secret of the bench's server and tokens; the server listens on loopback only.
const SECRET: &str = "att-bench-secret-att-bench-secret-0123";

/// One database the bench serves.
pub struct Database {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// What att-coord connects to.
    pub url: String,
    /// The PostgreSQL URL of the bench database and of the server's maintenance database.
    pub postgres: Option<(String, String)>,
    sqlite_file: Option<PathBuf>,
}

impl Database {
    /// A fresh SQLite file in `dir`.
    pub fn sqlite(dir: &Path, name: &str) -> Result<Self, String> {
        let file = dir.join(format!("{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        Ok(Self {
            backend: "sqlite",
            url: format!("sqlite://{}?mode=rwc", file.display()),
            postgres: None,
            sqlite_file: Some(file),
        })
    }

    /// A fresh database `name` on the PostgreSQL server of `admin_url`.
    pub fn postgres(admin_url: &str, name: &str) -> Result<Self, String> {
        let url = with_database(admin_url, name)?;
        psql(admin_url, &format!("DROP DATABASE IF EXISTS {name}"))?;
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(Self {
            backend: "postgres",
            url: url.clone(),
            postgres: Some((url, admin_url.to_owned())),
            sqlite_file: None,
        })
    }

    /// Removes the database.
    pub fn drop_it(&self) {
        if let Some((url, admin)) = &self.postgres
            && let Some(name) = url.rsplit('/').next().and_then(|n| n.split('?').next())
            && let Err(e) = psql(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        {
            eprintln!("could not drop the bench database: {e}");
        }
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }

    /// The database's name for people.
    pub fn label(&self) -> &'static str {
        match self.backend {
            "sqlite" => "SQLite",
            _ => "PostgreSQL",
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> Result<String, String> {
    let scheme_end = url.find("://").ok_or_else(|| format!("not a PostgreSQL URL: {url}"))? + 3;
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[scheme_end..].find('/').map(|i| scheme_end + i).unwrap_or(base.len());
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}

/// The att-coord binary: the argument, or the one built beside this bench.
pub fn server_binary(given: Option<PathBuf>) -> Result<PathBuf, String> {
    let path = match given {
        Some(p) => p,
        None => {
            let me = std::env::current_exe().map_err(|e| format!("cannot locate the bench binary: {e}"))?;
            me.parent().map(|d| d.join("att-coord")).ok_or("the bench binary has no directory")?
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("no att-coord binary at {}: build it (bench/run does) or pass --server", path.display()))
    }
}

/// Runs `att-coord seed --demo --scale`, showing its progress.
pub fn seed(bin: &Path, db: &Database, scale: f64) -> Result<Duration, String> {
    let began = Instant::now();
    let status = Command::new(bin)
        .args(["seed", "--demo", "--scale", &scale.to_string()])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !status.success() {
        return Err(format!("seeding failed ({status})"));
    }
    Ok(began.elapsed())
}

/// Mints a token with the bench's secret.
pub fn token(bin: &Path, role: &str, org: Option<&str>, sub: &str) -> Result<String, String> {
    let mut cmd = Command::new(bin);
    cmd.args(["token", "--role", role, "--sub", sub, "--ttl", "6h"]).env("ATT_JWT_SECRET", SECRET);
    if let Some(org) = org {
        cmd.args(["--org", org]);
    }
    let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!("minting a token failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A running att-coord server; stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `att-coord serve` on `db` with rate limiting off, and waits until it is ready.
    pub async fn start(bin: &Path, db: &Database, log: &Path) -> Result<Self, String> {
        let port = free_port()?;
        let log_file = std::fs::File::create(log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("ATT_BIND", format!("127.0.0.1:{port}"))
            .env("ATT_JWT_SECRET", SECRET)
            .env("ATT_RATE_LIMIT_PER_SEC", "0")
            .env("ATT_METRICS", "true")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let server = Self { child, base: format!("http://127.0.0.1:{port}") };
        let ready = format!("{}/readyz", server.base);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(r) = http.get(&ready).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("the server did not become ready; see {}", log.display()))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn graphql(&self) -> String {
        format!("{}/graphql", self.base)
    }

    /// Resets the peak resident set size, so the next reading covers only what follows.
    pub fn reset_peak_rss(&self) {
        // Writing 5 to clear_refs resets VmHWM (Linux 4.0+); elsewhere the peak is since start.
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    /// The peak resident set size in MiB since start or the last reset.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// A counter of `/metrics`.
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let text = reqwest::get(format!("{}/metrics", self.base)).await.ok()?.text().await.ok()?;
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Runs one statement through psql and returns its unaligned output.
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql (PostgreSQL's client): {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `script` through pgbench with `clients` for `seconds`; returns its transactions per
/// second (one script run is one transaction to pgbench).
pub fn pgbench(url: &str, script: &Path, clients: usize, seconds: u64) -> Result<f64, String> {
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", &clients.min(2).to_string()])
        .args(["-T", &seconds.max(1).to_string(), "-f"])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("pgbench: {} {}", stdout.trim(), String::from_utf8_lossy(&out.stderr).trim()));
    }
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no tps in pgbench's output: {stdout}"))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_of_a_url_is_replaced() {
        for (url, want) in [
            ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/b"),
            ("postgres://u@h/db?sslmode=disable", "postgres://u@h/b?sslmode=disable"),
            ("postgres://u@h", "postgres://u@h/b"),
        ] {
            assert_eq!(with_database(url, "b").as_deref(), Ok(want));
        }
    }
}
