//! The binary's own behaviour: a bad configuration ends with one clear line and a non-zero
//! exit, never a panic; `schema --check` names a drift; `token` mints what the server accepts.

use std::process::{Command, Output};

use serde_json::json;

use crate::helpers::{SECRET, spawn_app};

/// Runs `att-coord` with only the environment given (none of the caller's).
pub fn att_coord(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_att-coord"));
    cmd.args(args).env_clear().env("RUST_LOG", "warn");
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// The last line on stderr, which must say what to fix.
fn last_error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "no panic: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "no backtrace hint: {err}");
    err.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn a_bad_database_url_says_what_to_fix() {
    for (url, hint) in [
        ("mysql://localhost/x", "must start with sqlite:// or postgres://"),
        ("sqlite:///nonexistent-dir/att.db?mode=rwc", "that the directory exists and is writable"),
    ] {
        let out = att_coord(&["migrate"], &[("DATABASE_URL", url)]);
        assert!(!out.status.success(), "{url}");
        let line = last_error_line(&out);
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains(hint), "{line}");
    }
}

#[test]
fn an_unwritable_sqlite_path_says_what_to_fix() {
    let dir = tempfile::tempdir().expect("a directory");
    // A regular file where the database's directory should be: no one can create the
    // database there, whatever their permissions (the tests may run as root).
    let not_a_dir = dir.path().join("not-a-directory");
    std::fs::write(&not_a_dir, b"").expect("a file");
    for url in [
        format!("sqlite://{}/att.db?mode=rwc", not_a_dir.display()),
        "sqlite:///proc/att-coord-test.db?mode=rwc".to_owned(),
    ] {
        let out = att_coord(&["migrate"], &[("DATABASE_URL", &url)]);

        assert!(!out.status.success(), "{url}");
        let line = last_error_line(&out);
        assert!(line.contains("cannot open the database") && line.contains("writable"), "{line}");
    }
}

#[tokio::test]
async fn a_port_in_use_says_what_to_fix() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("an address").to_string();
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("att.db").display());

    let out = tokio::task::spawn_blocking(move || att_coord(&["serve", "--bind", &addr], &[("DATABASE_URL", &url)]))
        .await
        .expect("joined");

    assert!(!out.status.success());
    let line = last_error_line(&out);
    assert!(line.contains("cannot listen on") && line.contains("--bind"), "{line}");
    drop(taken);
}

#[test]
fn schema_check_fails_naming_the_line_when_the_file_drifts() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("schema.graphql");
    let mut sdl = api::schema::sdl();
    std::fs::write(&file, &sdl).expect("write");
    let ok = att_coord(&["schema", "--check", "--file", file.to_str().expect("utf-8")], &[]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    // As if a field had been added to the code but the file not regenerated.
    sdl = sdl.replacen("\tiso3: String!", "\tiso3: String!\n\tnewField: String", 1);
    std::fs::write(&file, &sdl).expect("write");
    let out = att_coord(&["schema", "--check", "--file", file.to_str().expect("utf-8")], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("differs from the code at line") && err.contains("newField"), "{err}");
}

#[tokio::test]
async fn the_token_command_mints_a_token_the_server_accepts() {
    let app = spawn_app().await;

    let out = att_coord(&["token", "--role", "wgtu", "--sub", "alice", "--ttl", "10m"], &[("ATT_JWT_SECRET", SECRET)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).expect("utf-8").trim().to_owned();

    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ me { role sub } }" }))
        .send()
        .await
        .expect("a response");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["me"], json!({ "role": "WGTU", "sub": "alice" }));

    let refused = att_coord(&["token", "--role", "partner"], &[("ATT_JWT_SECRET", SECRET)]);
    assert!(!refused.status.success());
    assert!(last_error_line(&refused).contains("--org"));
    let short = att_coord(&["token", "--role", "wgtu"], &[("ATT_JWT_SECRET", "short")]);
    assert!(last_error_line(&short).contains("at least 32 bytes"));
}
