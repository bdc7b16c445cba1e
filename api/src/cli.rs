//! The command line: parse, run the command, end with one clear line and a non-zero exit code
//! when something is wrong.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::auth::jwt::{self, Claims, MIN_SECRET_BYTES};
use crate::config::{Cli, Command, OperationsArgs, SchemaArgs, SeedArgs, ServeArgs, TokenArgs, TokenRole};
use crate::startup::Application;

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command));
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let (db, _) = crate::db::connect(&args.database_url, 2).await.map_err(|e| e.to_string())?;
            let applied = crate::db::migrate(&db).await.map_err(|e| format!("applying migrations failed: {e}"))?;
            if applied.is_empty() {
                println!("no pending migrations");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed(args) => seed(args).await,
        Command::Schema(args) => schema(&args),
        Command::Token(args) => token(&args),
        Command::Operations(args) => operations(&args),
    }
}

async fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    let app = Application::build(&args).await.map_err(|e| e.to_string())?;
    let addr = app.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, "att-coord listening: GraphQL at http://{addr}/graphql");
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = app.run_until(async move {
        crate::startup::shutdown_signal().await;
        let _ = stopping_tx.send(());
    });
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_DEADLINE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = server => r.map_err(|e| format!("the server failed: {e}"))?,
        () = deadline => tracing::warn!("requests still in flight after {} s; stopping anyway", SHUTDOWN_DEADLINE.as_secs()),
    }
    Ok(ExitCode::SUCCESS)
}

async fn seed(args: SeedArgs) -> Result<ExitCode, String> {
    if !(args.scale > 0.0 && args.scale <= 100.0) {
        return Err("--scale must be more than 0 and at most 100".into());
    }
    let (db, _) = crate::db::connect(&args.database.database_url, 4).await.map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| format!("applying migrations failed: {e}"))?;
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    match crate::seed::load_demo_if_empty(&db, args.scale, progress).await {
        Ok(true) => {
            println!("demo data loaded (scale {})", args.scale);
            Ok(ExitCode::SUCCESS)
        }
        Ok(false) => Err("the database already holds data; seed an empty database".into()),
        Err(e) => Err(format!("loading the demo data failed: {e}")),
    }
}

fn schema(args: &SchemaArgs) -> Result<ExitCode, String> {
    let sdl = crate::schema::sdl();
    if !args.check {
        print!("{sdl}");
        return Ok(ExitCode::SUCCESS);
    }
    let committed =
        std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    match first_difference(&committed, &sdl) {
        None => {
            println!("{} matches the code", args.file.display());
            Ok(ExitCode::SUCCESS)
        }
        Some((line, file_line, code_line)) => Err(format!(
            "{} differs from the code at line {line}:\n  file: {file_line}\n  code: {code_line}\nregenerate it with `cargo run -q -- schema > {}`",
            args.file.display(),
            args.file.display()
        )),
    }
}

/// The first line where two texts differ: (line number, left, right).
pub fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 0;
    loop {
        n += 1;
        match (la.next(), lb.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => {
                return Some((n, x.unwrap_or("<end of file>").to_owned(), y.unwrap_or("<end of file>").to_owned()));
            }
        }
    }
}

fn token(args: &TokenArgs) -> Result<ExitCode, String> {
    let secret =
        args.auth.jwt_secret.as_ref().ok_or("set ATT_JWT_SECRET (or --jwt-secret) to the server's HS256 secret")?;
    if secrecy::ExposeSecret::expose_secret(secret).len() < MIN_SECRET_BYTES {
        return Err(format!("ATT_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"));
    }
    let role = match args.role {
        TokenRole::Partner => "partner",
        TokenRole::VtfCommittee => "vtf_committee",
        TokenRole::Wgtu => "wgtu",
        TokenRole::Secretariat => "secretariat",
    };
    if matches!(args.role, TokenRole::Partner) && args.org.is_none() {
        return Err("a partner token needs --org (the organisation's id, as the API shows it)".into());
    }
    let now = jwt::now_secs();
    let claims = Claims {
        sub: args.sub.clone(),
        role: role.into(),
        org: args.org.clone(),
        iss: args.auth.jwt_issuer.clone(),
        aud: args.auth.jwt_audience.clone(),
        exp: jwt::expiry(args.ttl),
        nbf: Some(now),
        iat: Some(now),
    };
    let token = jwt::mint(secret, &claims).map_err(|e| format!("cannot sign the token: {e}"))?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// Prints the operations of a persisted operations file as an Apollo persisted query manifest.
fn operations(args: &OperationsArgs) -> Result<ExitCode, String> {
    let registered = crate::http::persisted::PersistedOperations::load(&args.file, false).map_err(|e| e.to_string())?;
    let operations: Vec<serde_json::Value> = registered
        .operations()
        .iter()
        .map(|op| serde_json::json!({ "id": op.sha256, "name": op.name, "type": op.kind, "body": op.document }))
        .collect();
    let manifest =
        serde_json::json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| format!("cannot write the manifest: {e}"))?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn the_first_differing_line_is_named() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(first_difference("a\nb\n", "a\nc\n"), Some((2, "b".into(), "c".into())));
        assert_eq!(first_difference("a\n", "a\nb\n"), Some((2, "<end of file>".into(), "b".into())));
    }
}
