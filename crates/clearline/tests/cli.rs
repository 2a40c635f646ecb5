//! The command line as a user meets it: exit codes, `config example`, `demo --json`, `migrate`, and
//! `audit verify` naming each kind of tampering.

mod support;

use clearline_store::testing::tamper;
use clearline_store::StoreConfig;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::cli::{clearline, stdout};

fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = clearline(dir.path(), &["demo", "--no-serve", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

#[test]
fn demo_json_lists_a_user_in_every_role_and_is_idempotent() {
    let dir = seeded();
    let first: Value =
        serde_json::from_str(&stdout(&clearline(dir.path(), &["demo", "--no-serve", "--json"]))).unwrap();
    let users = first.as_array().unwrap();
    let roles: std::collections::BTreeSet<&str> = users.iter().map(|u| u["role"].as_str().unwrap()).collect();
    assert_eq!(roles.len(), 11, "a user in every role: {roles:?}");
    for u in users {
        for key in ["email", "password", "totp_secret", "role", "organization"] {
            assert!(u.get(key).is_some(), "{key} missing from {u}");
        }
    }
    let owner = users.iter().find(|u| u["role"] == "owner").unwrap();
    assert!(owner["totp_secret"].is_string(), "owners must have a second factor");
    let again: Value =
        serde_json::from_str(&stdout(&clearline(dir.path(), &["demo", "--no-serve", "--json"]))).unwrap();
    assert_eq!(first, again, "a second run reuses the data and prints the same credentials");
    let verify = clearline(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success());
    assert_eq!(stdout(&verify).lines().filter(|l| l.starts_with("ok")).count(), 4);
}

#[test]
fn usage_errors_exit_2_and_config_example_prints() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(clearline(dir.path(), &["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        clearline(dir.path(), &["audit", "verify", "--expect-head", "3:abc"]).status.code(),
        Some(2),
        "--expect-head needs --org"
    );
    assert_eq!(
        clearline(dir.path(), &["audit", "verify", "--org", "demo", "--expect-head", "nonsense"]).status.code(),
        Some(2)
    );
    let example = clearline(dir.path(), &["config", "example"]);
    assert!(example.status.success());
    assert!(stdout(&example).contains("data_dir = \"./clearline-data\""));
    let bad_config = dir.path().join("bad.toml");
    std::fs::write(&bad_config, "listen = 5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clearline"))
        .args(["--config"])
        .arg(&bad_config)
        .args(["migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));
}

#[test]
fn migrate_reports_what_it_applied() {
    let dir = tempfile::tempdir().unwrap();
    let first: Value = serde_json::from_str(&stdout(&clearline(dir.path(), &["migrate", "--json"]))).unwrap();
    let applied: Vec<i64> = first["applied"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(applied.first(), Some(&1), "a fresh database gets every migration, from the first");
    assert!(applied.windows(2).all(|w| w[0] < w[1]), "in order: {applied:?}");
    let second: Value = serde_json::from_str(&stdout(&clearline(dir.path(), &["migrate", "--json"]))).unwrap();
    assert_eq!(second["applied"], serde_json::json!([]));
}

fn demo_org_id(dir: &Path) -> i64 {
    let reports: Value = serde_json::from_str(&stdout(&clearline(dir, &["audit", "verify", "--json"]))).unwrap();
    reports.as_array().unwrap().iter().find(|r| r["slug"] == "demo").unwrap()["org_id"].as_i64().unwrap()
}

fn head_of(dir: &Path, slug: &str) -> String {
    let reports: Value = serde_json::from_str(&stdout(&clearline(dir, &["audit", "verify", "--json"]))).unwrap();
    let head = &reports.as_array().unwrap().iter().find(|r| r["slug"] == slug).unwrap()["head"];
    format!("{}:{}", head["seq"], head["hash"].as_str().unwrap())
}

fn run_tamper(dir: &Path, statements: &[String]) {
    let config = StoreConfig::embedded(dir);
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    tokio::runtime::Runtime::new().unwrap().block_on(tamper(&config, &statements)).unwrap();
}

fn verify_fails_naming(dir: &Path, extra: &[&str], expected: &str) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let out = clearline(dir, &args);
    assert_eq!(out.status.code(), Some(1), "verify must fail: {}", stdout(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.contains(" demo ")).unwrap_or_default().to_string();
    assert!(line.starts_with("FAILED") && line.contains(expected), "expected {expected:?} in {line:?}");
}

#[test]
fn audit_verify_names_an_edited_event() {
    let dir = seeded();
    let org = demo_org_id(dir.path());
    run_tamper(dir.path(), &[format!("UPDATE audit_events SET source = '6.6.6.6' WHERE org_id = {org} AND seq = 3")]);
    verify_fails_naming(dir.path(), &[], "event 3 was altered");
}

#[test]
fn audit_verify_names_a_removed_event() {
    let dir = seeded();
    let org = demo_org_id(dir.path());
    run_tamper(dir.path(), &[format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = 4")]);
    verify_fails_naming(dir.path(), &[], "removed before event 5");
}

#[test]
fn audit_verify_names_reordered_events() {
    let dir = seeded();
    let org = demo_org_id(dir.path());
    run_tamper(
        dir.path(),
        &[
            format!("UPDATE audit_events SET seq = -1 WHERE org_id = {org} AND seq = 5"),
            format!("UPDATE audit_events SET seq = 5 WHERE org_id = {org} AND seq = 6"),
            format!("UPDATE audit_events SET seq = 6 WHERE org_id = {org} AND seq = -1"),
        ],
    );
    verify_fails_naming(dir.path(), &[], "event 5 follows event 6");
}

#[test]
fn audit_verify_catches_a_cut_tail_against_a_kept_head() {
    let dir = seeded();
    let org = demo_org_id(dir.path());
    let head = head_of(dir.path(), "demo");
    let last: i64 = head.split(':').next().unwrap().parse().unwrap();
    // Cut the last two events and rewind the stored head so the database looks consistent.
    run_tamper(
        dir.path(),
        &[
            format!("DELETE FROM audit_events WHERE org_id = {org} AND seq > {}", last - 2),
            format!(
                "UPDATE audit_heads SET seq = {s}, hash = (SELECT hash FROM audit_events WHERE org_id = {org} AND seq = {s}) WHERE org_id = {org}",
                s = last - 2
            ),
        ],
    );
    assert!(
        clearline(dir.path(), &["audit", "verify"]).status.success(),
        "without an outside head a rewound cut is invisible"
    );
    verify_fails_naming(
        dir.path(),
        &["--org", "demo", "--expect-head", &head],
        &format!("ends at event {} but event {last}", last - 2),
    );
}

#[test]
fn audit_verify_catches_a_cut_tail_against_a_signed_checkpoint() {
    let dir = seeded();
    let org = demo_org_id(dir.path());
    assert!(clearline(dir.path(), &["audit", "checkpoint"]).status.success());
    let head = head_of(dir.path(), "demo");
    let last: i64 = head.split(':').next().unwrap().parse().unwrap();
    run_tamper(
        dir.path(),
        &[
            format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = {last}"),
            format!(
                "UPDATE audit_heads SET seq = {s}, hash = (SELECT hash FROM audit_events WHERE org_id = {org} AND seq = {s}) WHERE org_id = {org}",
                s = last - 1
            ),
        ],
    );
    verify_fails_naming(dir.path(), &[], "the chain was cut");
}

#[test]
fn audit_export_runs_as_a_named_principal_and_is_audited() {
    let dir = seeded();
    let out = clearline(dir.path(), &["audit", "export"]);
    assert_eq!(out.status.code(), Some(2), "export needs --as");
    let out = clearline(dir.path(), &["audit", "export", "--as", "nobody@demo.clearline.test"]);
    assert_eq!(out.status.code(), Some(2));
    let out = clearline(dir.path(), &["audit", "export", "--as", "analyst@demo.clearline.test"]);
    assert_eq!(out.status.code(), Some(1), "an analyst may not export the log");
    let out =
        clearline(dir.path(), &["audit", "export", "--as", "compliance@demo.clearline.test", "--action", "user."]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.iter().filter(|e| e["action"] == "user.create").count(), 7, "one user.create per campaign role");
    assert!(lines.iter().all(|e| e["action"] == "user.create" || e["action"] == "user.enrol_second_factor"));
    assert!(lines.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()), "oldest first");
    // The export is on the chain, named for the principal, from the command line.
    let out = clearline(
        dir.path(),
        &["audit", "export", "--as", "compliance@demo.clearline.test", "--action", "audit.export"],
    );
    let exports: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exports.len(), 1, "the first export is recorded (the second one is written after it is read)");
    assert_eq!(exports[0]["source"], "cli");
    assert!(exports[0]["actor"].as_str().unwrap().starts_with("user:"));
}

#[test]
fn bench_import_quick_runs_and_reports_a_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("bench");
    let out = clearline(
        dir.path(),
        &["--json", "bench", "import", "--quick", "--backends", "sqlite", "--keep", keep.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let runs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &runs[0];
    assert_eq!(run["backend"], "sqlite");
    assert_eq!(run["rows"], 20000);
    assert!(run["import_seconds"].as_f64().unwrap() > 0.0);
    assert!(run["peak_rss_mb"].as_f64().unwrap() > 1.0);
    // The raw baseline needs the sqlite3 shell (.ci/run installs it).
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(run["throughput_ratio"].as_f64().unwrap() > 0.0);
    }
}
