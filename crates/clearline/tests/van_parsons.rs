//! The VAN exports checked against an independent client: a survey program and a GOTV program called
//! by bots, exported through the binary (`--format van-canvass` and `van-bulk`), then
//! `tools/van_parsons/check.py` has parsons 6.1.0 build the same requests against a fake VAN on
//! 127.0.0.1 and diffs them with ours (docs/calling.md lists the accepted differences).
//!
//! Without Python's parsons the test is skipped with a message naming the missing package, except
//! under CI=true, where it fails (.ci/run installs tools/van_parsons/requirements.txt). The Python
//! is `python3`, or `CLEARLINE_PYTHON` when set (e.g. a virtual environment's).

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{clearline as run, ok_json, stderr, stdout};

const PM: &str = "programs@demo.clearline.test";
const DATA: &str = "data@demo.clearline.test";
/// 09:00 Eastern (EDT) on a Tuesday: the calling hours open.
const DAY_ONE: &str = "2026-10-20T13:00:00Z";

fn python() -> String {
    std::env::var("CLEARLINE_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `None` when parsons' VAN connector can be imported; else the missing package's name.
fn missing_python_package() -> Option<String> {
    let probe = Command::new(python())
        .args(["-c", "import parsons.ngpvan.van"])
        .output()
        .map_err(|e| format!("{} ({e})", python()));
    match probe {
        Ok(out) if out.status.success() => None,
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            // "ModuleNotFoundError: No module named 'suds'"
            let name = err.rsplit("No module named ").next().filter(|_| err.contains("No module named"));
            Some(name.map(|n| n.trim().trim_matches('\'').to_string()).unwrap_or_else(|| err.trim().to_string()))
        }
        Err(python) => Some(python),
    }
}

fn check_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/van_parsons/check.py")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Every base disposition mapped (a result code each, an activist code for a complete), and for a
/// survey program its choice and scale questions; the numeric and open ones skipped.
fn mappings(dir: &Path, name: &str, survey: bool) -> (PathBuf, PathBuf) {
    let result_codes: serde_json::Map<String, Value> = clearline_core::disposition::Disposition::ALL
        .iter()
        .filter(|d| !matches!(d.code(), "complete" | "interrupted"))
        .enumerate()
        .map(|(i, d)| (d.code().to_string(), json!(i + 1)))
        .collect();
    let mut canvass = json!({"person_id_type": "StateFileID", "contact_type_id": 1, "result_codes": result_codes,
        "activist_codes": {"complete": 18917}, "skip": ["interrupted"]});
    let mut bulk = canvass.clone();
    bulk["source_url"] = "https://files.example.org/van-bulk.zip".into();
    bulk["canvassed_by"] = 4242.into();
    if !survey {
        // The GOTV script asks two single-choice questions: sent as survey responses too.
        canvass["survey_questions"] = json!({
            "plan": {"question_id": 2001, "responses": {"yes": 20011, "early": 20012, "no": 20013, "not_voting": 20014}},
            "when": {"question_id": 2002, "responses": {"morning": 20021, "midday": 20022, "evening": 20023}},
        });
    } else {
        let likely: serde_json::Map<String, Value> = (1..=10).map(|n| (n.to_string(), json!(465_480 + n))).collect();
        canvass["survey_questions"] = json!({
            "consent": {"question_id": 109_149, "responses": {"yes": 465_468, "later": 465_469, "no": 465_470}},
            "likely": {"question_id": 109_150, "responses": likely},
            "issues": {"question_id": 109_151, "responses":
                {"economy": 465_501, "schools": 465_502, "health": 465_503, "housing": 465_504, "roads": 465_505}},
            "direction": {"question_id": 109_152, "responses": {"right": 465_510, "wrong": 465_511, "unsure": 465_512}},
        });
        canvass["skip_questions"] = json!(["age", "comments"]);
    }
    let canvass_path = dir.join(format!("{name}-van.json"));
    let bulk_path = dir.join(format!("{name}-van-bulk.json"));
    std::fs::write(&canvass_path, canvass.to_string()).unwrap();
    std::fs::write(&bulk_path, bulk.to_string()).unwrap();
    (canvass_path, bulk_path)
}

/// Calls the program, exports it three ways and runs the check: its JSON report.
fn export_and_check(dir: &Path, program: &str, survey: bool) -> Value {
    ok(dir, &["--as", PM, "program", "start", program]);
    let report = ok_json(run(
        dir,
        &[
            "--as",
            PM,
            "--json",
            "program",
            "simulate",
            program,
            "--agents",
            "3",
            "--minutes",
            "45",
            "--answer-rate",
            "0.5",
            "--start",
            DAY_ONE,
        ],
    ));
    assert!(report["attempts_finished"].as_i64().unwrap() > 20, "{report}");
    let (canvass_mapping, bulk_mapping) = mappings(dir, program, survey);
    let path = |suffix: &str| dir.join(format!("{program}{suffix}"));
    let (results, canvass, bulk) = (path(".csv"), path(".jsonl"), path("-bulk.csv"));
    let s = |p: &Path| p.display().to_string();
    ok(dir, &["--as", DATA, "export", "results", "--program", program, "-o", &s(&results)]);
    let canvass_out = run(
        dir,
        &[
            "--as",
            DATA,
            "export",
            "results",
            "--program",
            program,
            "--format",
            "van-canvass",
            "--mapping",
            &s(&canvass_mapping),
            "-o",
            &s(&canvass),
        ],
    );
    assert!(canvass_out.status.success(), "{}", stderr(&canvass_out));
    ok(
        dir,
        &[
            "--as",
            DATA,
            "export",
            "results",
            "--program",
            program,
            "--format",
            "van-bulk",
            "--mapping",
            &s(&bulk_mapping),
            "-o",
            &s(&bulk),
        ],
    );
    let out = Command::new(python())
        .arg(check_script())
        .args(["--mapping", &s(&canvass_mapping), "--results", &s(&results), "--canvass", &s(&canvass)])
        .args(["--bulk-mapping", &s(&bulk_mapping), "--bulk", &s(&bulk)])
        .args(["--bulk-request", &s(&dir.join(format!("{program}-bulk.bulk-import.json")))])
        .output()
        .expect("the check runs");
    assert!(out.status.success(), "parsons and Clearline disagree on {program}:\n{}\n{}", stderr(&out), stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines = std::fs::read_to_string(&canvass).unwrap().lines().count() as u64;
    assert_eq!(report["canvass_requests"].as_u64(), Some(lines), "every request compared: {report}");
    assert_eq!(report["bulk_checked"], true);
    let survey_items = std::fs::read_to_string(&canvass).unwrap().matches("\"SurveyResponse\"").count();
    assert!(survey_items > 0, "the answers went as SurveyResponse items");
    report
}

#[test]
fn parsons_builds_the_same_van_requests_and_bulk_upload_as_our_exports() {
    if let Some(missing) = missing_python_package() {
        let message =
            format!("SKIPPED: python package {missing} missing (pip install -r tools/van_parsons/requirements.txt)");
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message}: required under CI");
        }
        eprintln!("{message}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--no-serve", "--voters", "300"]);
    let survey = export_and_check(d, "survey-likely-voters", true);
    assert_eq!(survey["parsons"], "6.1.0");
    export_and_check(d, "gotv-general", false);
}
