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
