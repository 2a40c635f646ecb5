//! `clearline script …` as a campaign meets it: a document checked against a program's facts (every
//! problem listed, exit 1), and versions taken through draft → submitted → approved or rejected.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::cli::{stderr, stdout};

fn example(name: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scripts").join(name);
    path.to_str().unwrap().to_string()
}

fn check(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["script", "check"];
    all.extend_from_slice(args);
    support::cli::clearline(dir.path(), &all)
}

#[test]
fn check_accepts_the_documented_examples() {
    let gotv = example("gotv.script");
    let out = check(&[&gotv, "--purpose", "gotv", "--dial-mode", "predictive", "--recorded"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
    let fundraising = example("fundraising.script");
    let out = check(&[&fundraising, "--purpose", "fundraising", "--dial-mode", "preview", "--recorded", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["steps"], 10);
}

#[test]
fn check_lists_every_problem_with_its_step_and_rule_and_exits_1() {
    // The GOTV call used for fundraising: CR-34 and CR-38 are missing on the way to `done`.
    let gotv = example("gotv.script");
    let out = check(&[&gotv, "--purpose", "fundraising", "--dial-mode", "predictive", "--recorded"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "error: step done: a path reaches a completed call here without a `disclose best_efforts` step (CR-34)"
        ),
        "{err}"
    );
    assert!(err.contains("step done:") && err.contains("non_deductible` step (CR-38)"), "{err}");
    assert!(err.contains("2 problem(s)"), "{err}");
    // The same as JSON: one object per problem.
    let out = check(&[&gotv, "--purpose", "fundraising", "--dial-mode", "predictive", "--recorded", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let rules: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["CR-34", "CR-38"]);
    assert!(v["problems"].as_array().unwrap().iter().all(|p| p["step"] == "done"));
    // As a prerecorded message: no caller to name, no CR-5 opening, no opt-out, no callback.
    let out = check(&[&gotv, "--purpose", "gotv", "--dial-mode", "prerecorded", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v["problems"].as_array().unwrap().iter().filter_map(|p| p["rule"].as_str()).collect();
    for rule in ["CR-5", "CR-6"] {
        assert!(rules.contains(&rule), "{rule} in {v}");
    }
}

#[test]
fn check_reports_syntax_errors_by_line_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.script");
    std::fs::write(&file, "title: Bad\nstep opening: say\n| Hi {voter.first_name}\nnext: plan\n").unwrap();
    let out = check(&[file.to_str().unwrap(), "--purpose", "gotv", "--dial-mode", "manual"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: line 4, step opening: unknown statement `next:`"), "{}", stderr(&out));
}

#[test]
fn check_refuses_unknown_facts_as_usage_errors() {
    let gotv = example("gotv.script");
    let out = check(&[&gotv, "--purpose", "bake_sale", "--dial-mode", "telepathy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--purpose") && stderr(&out).contains("--dial-mode"), "{}", stderr(&out));
}

const AUTHOR: &str = "programs@demo.clearline.test";
const APPROVER: &str = "scripts@demo.clearline.test";

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = support::cli::clearline(dir.path(), &["demo", "--no-serve", "--voters", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn as_user(dir: &Path, email: &str, args: &[&str]) -> Output {
    let mut all = vec!["--as", email, "script"];
    all.extend_from_slice(args);
    support::cli::clearline(dir, &all)
}

#[test]
fn versions_go_from_draft_to_approved_by_a_second_person_with_a_diff_between_them() {
    let dir = demo();
    let d = dir.path();
    let gotv = example("gotv.script");
    let new = [
        "new",
        "reminder",
        "--campaign",
        "demo",
        "--file",
        &gotv,
        "--name",
        "GOTV reminder",
        "--purpose",
        "gotv",
        "--dial-mode",
        "predictive",
        "--recorded",
    ];
    let out = as_user(d, AUTHOR, &new);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Wrote draft version 1 of reminder"), "{}", stdout(&out));
    // A second version with one changed line, submitted and approved by the script approver.
    let changed = d.join("v2.script");
    let text = std::fs::read_to_string(&gotv).unwrap().replace("Every vote counts.", "Your vote matters.");
    std::fs::write(&changed, text).unwrap();
    let out = as_user(d, AUTHOR, &["new", "reminder", "--campaign", "demo", "--file", changed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = as_user(d, AUTHOR, &["submit", "reminder", "2", "--campaign", "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The author (a program manager) may not approve; the script approver may.
    let out = as_user(d, AUTHOR, &["approve", "reminder", "2", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("approve_scripts"), "{}", stderr(&out));
    let out = as_user(d, APPROVER, &["diff", "reminder", "1", "2", "--campaign", "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    let changes: Vec<&str> = diff.lines().filter(|l| l.starts_with("- ") || l.starts_with("+ ")).collect();
    assert_eq!(
        changes,
        [
            "-   | Thank you, {voter.first_name}. Every vote counts.",
            "+   | Thank you, {voter.first_name}. Your vote matters."
        ]
    );
    let out = as_user(d, APPROVER, &["--json", "approve", "reminder", "2", "--campaign", "demo"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    assert_eq!(v["status"], "approved");
    // Version 1 was never submitted: it cannot be approved.
    let out = as_user(d, APPROVER, &["approve", "reminder", "1", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("version 1 is draft"), "{}", stderr(&out));
    let out = as_user(d, APPROVER, &["--json", "list", "--campaign", "demo"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reminder = v.as_array().unwrap().iter().find(|s| s["slug"] == "reminder").unwrap();
    let statuses: Vec<&str> =
        reminder["versions"].as_array().unwrap().iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["draft", "approved"]);
}

#[test]
fn submit_lists_every_problem_and_keeps_the_draft() {
    let dir = demo();
    let d = dir.path();
    // The GOTV call written for a fundraising script: CR-34 and CR-38 are missing.
    let gotv = example("gotv.script");
    let new = [
        "new",
        "ask",
        "--campaign",
        "demo",
        "--file",
        &gotv,
        "--name",
        "Ask",
        "--purpose",
        "fundraising",
        "--dial-mode",
        "preview",
        "--recorded",
    ];
    assert!(as_user(d, AUTHOR, &new).status.success());
    let out = as_user(d, AUTHOR, &["submit", "ask", "1", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("(CR-34)") && err.contains("(CR-38)") && err.contains("stays a draft"), "{err}");
    let out = as_user(d, AUTHOR, &["--json", "show", "ask", "1", "--campaign", "demo"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"]["status"], "draft");
    assert_eq!(v["check"]["problems"].as_array().unwrap().len(), 2);
    // A rejected version carries its reason.
    let out = as_user(d, APPROVER, &["reject", "ask", "1", "--campaign", "demo", "--reason", "Wrong script"]);
    assert_eq!(out.status.code(), Some(2), "a draft cannot be rejected: {}", stderr(&out));
}

#[test]
fn scripts_are_only_the_own_campaigns_and_need_a_user() {
    let dir = demo();
    let d = dir.path();
    let out = as_user(d, AUTHOR, &["list", "--campaign", "granite-calls"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not your campaign"), "{}", stderr(&out));
    let out = support::cli::clearline(d, &["script", "list", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as"), "{}", stderr(&out));
    // A vendor's admin cannot read the campaign's scripts at all (CR-31).
    let out = as_user(d, "admin@granite-calls.clearline.test", &["list", "--campaign", "granite-calls"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("your role may not"), "{}", stderr(&out));
}

#[test]
fn the_demo_program_reads_the_approved_gotv_script_and_a_switch_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = support::cli::clearline(d, &["demo", "--no-serve", "--voters", "50"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = support::cli::clearline(d, &["--as", AUTHOR, "--json", "program", "show", "gotv-general"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let blockers = shown["start_blockers"].as_array().unwrap();
    assert!(!blockers.iter().any(|b| b.as_str().unwrap().starts_with("script:")), "{blockers:?}");
    assert!(shown["program"]["script_version_id"].is_i64(), "{shown}");
    // A second version: a draft cannot be attached; once approved it replaces the first.
    let changed = d.join("v2.script");
    let text = std::fs::read_to_string(example("gotv.script")).unwrap().replace("Every vote counts.", "Thank you.");
    std::fs::write(&changed, text).unwrap();
    let out = as_user(d, AUTHOR, &["new", "gotv-reminder", "--campaign", "demo", "--file", changed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let attach = |d: &Path| {
        support::cli::clearline(
            d,
            &[
                "--as",
                AUTHOR,
                "program",
                "attach-script",
                "gotv-general",
                "--script",
                "gotv-reminder",
                "--version",
                "2",
            ],
        )
    };
    let out = attach(d);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only an approved version can be attached"), "{}", stderr(&out));
    assert!(as_user(d, AUTHOR, &["submit", "gotv-reminder", "2", "--campaign", "demo"]).status.success());
    assert!(as_user(d, APPROVER, &["approve", "gotv-reminder", "2", "--campaign", "demo"]).status.success());
    let out = attach(d);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = support::cli::clearline(d, &["--as", AUTHOR, "program", "show", "gotv-general"]);
    assert!(stdout(&out).contains("script gotv-reminder version 2 (en, approved)"), "{}", stdout(&out));
    let out = support::cli::clearline(
        d,
        &["--as", "owner@demo.clearline.test", "audit", "export", "--action", "program.script"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // (The demo also attaches its survey script to its survey program.)
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["details"]["program"] == "gotv-general")
        .collect();
    assert_eq!(events.len(), 2, "the demo's attach and the switch: {events:?}");
    let switch = &events[1]["details"];
    assert_eq!(
        (switch["before"]["number"].as_i64(), switch["after"]["number"].as_i64()),
        (Some(1), Some(2)),
        "{switch}"
    );
    assert!(events[0]["details"]["before"].is_null(), "the demo's first attach had nothing before");
}
