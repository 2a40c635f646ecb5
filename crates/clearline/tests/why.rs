//! "Why not now?" (`clearline program why`) says what the dialer does: the same facts, the same
//! verdict, the same instant. Boundaries are checked against the command's own answer — callable at
//! the instant it names, not a minute before — and against what the simulated run then wrote.

mod support;

use serde_json::Value;
use std::path::Path;
use support::cli::{clearline as run, ok_json, results_rows, stderr, stdout};

const PM: &str = "programs@demo.clearline.test";
const COMPLIANCE: &str = "compliance@demo.clearline.test";
const PROGRAM: &str = "gotv-general";
/// 09:00 Eastern (EDT) on a Tuesday: the demo program's calling hours open.
const DAY_ONE: i64 = 1_792_501_200; // 2026-10-20T13:00:00Z

fn at(seconds_from_day_one: i64) -> String {
    jiff::Timestamp::from_second(DAY_ONE + seconds_from_day_one).unwrap().to_string()
}

fn why(dir: &Path, who: &str, voter: &str, instant: &str) -> Value {
    ok_json(run(dir, &["--as", who, "--json", "program", "why", PROGRAM, "--voter", voter, "--at", instant]))
}

fn ts(v: &Value) -> jiff::Timestamp {
    v.as_str().unwrap_or_else(|| panic!("not an instant: {v}")).parse().unwrap()
}

/// The demo's voter IDs, from the same generator and seed the demo imports.
fn demo_voter_ids(dir: &Path, rows: &str) -> Vec<String> {
    let file = dir.join("demo-voters.txt");
    let out =
        run(dir, &["gen", "voters", "--layout", "nc", "--rows", rows, "--seed", "2026", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    let text: String = bytes.iter().map(|&b| b as char).collect(); // Latin-1
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = header.iter().position(|h| h.trim_matches('"') == "ncid").expect("an ncid column");
    lines.filter_map(|l| l.split('\t').nth(column)).map(|v| v.trim_matches('"').trim().to_string()).collect()
}

/// Finds a voter the call list gave a phone to dial (not excluded).
fn listed_voter(dir: &Path, ids: &[String]) -> String {
    ids.iter()
        .find(|id| {
            let out = run(dir, &["--as", PM, "--json", "program", "why", PROGRAM, "--voter", id, "--at", &at(0)]);
            out.status.success()
                && serde_json::from_slice::<Value>(&out.stdout)
                    .is_ok_and(|x| x["mode"] != "excluded" && x["phone"].is_object())
        })
        .expect("some demo voter is on the call list with a phone")
        .clone()
}

#[test]
fn why_not_now_names_the_rule_and_the_instant_the_dialer_will_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["demo", "--no-serve", "--no-calling", "--voters", "300"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids = demo_voter_ids(dir.path(), "300");
    let voter = listed_voter(dir.path(), &ids);

    // A draft program calls nobody, whatever the policy says.
    let draft = why(dir.path(), COMPLIANCE, &voter, &at(3_600));
    assert_eq!(draft["standing"], "program_not_running", "{draft}");
    assert!(
        draft["policy"]["verdict"].as_str().unwrap().starts_with("allow"),
        "10:00 Eastern is inside every window: {draft}"
    );

    let out = run(dir.path(), &["--as", PM, "program", "start", PROGRAM]);
    assert!(out.status.success(), "{}", stderr(&out));

    // 22:00 Eastern the evening before: the calling hours refuse it, and the answer names the first
    // instant the dialer may call; a minute before that it may not.
    let night = why(dir.path(), COMPLIANCE, &voter, &at(-11 * 3_600));
    assert_eq!(night["standing"], "refused_now", "{night}");
    assert_eq!(night["policy"]["verdict"], "deny");
    let rules: Vec<&str> = night["policy"]["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(rules.iter().any(|r| *r == "CR-45" || *r == "program_window"), "{night}");
    let next = ts(&night["next_callable_at"]);
    assert!(next > ts(&night["instant"]), "{night}");
    let then = why(dir.path(), COMPLIANCE, &voter, &next.to_string());
    assert_eq!(then["standing"], "callable_now", "callable at the instant named: {then}");
    let before = why(dir.path(), COMPLIANCE, &voter, &(next - jiff::SignedDuration::from_mins(1)).to_string());
    assert_eq!(before["standing"], "refused_now", "not a minute before: {before}");

    // Near the end of the window, a dial allowed now but not five minutes on is refused: the dialer's
    // guard. The window is 09:00-20:30 (20:30 itself closed), so 20:25 is the first refused minute.
    let closing = why(dir.path(), COMPLIANCE, &voter, &at(11 * 3_600 + 25 * 60)); // 20:25 Eastern
    assert_eq!(closing["standing"], "refused_now", "20:25 + 5 min is the 20:30 close: {closing}");
    assert_eq!(closing["policy"]["rules"][0], "program_window", "{closing}");
    let earlier = why(dir.path(), COMPLIANCE, &voter, &at(11 * 3_600 + 24 * 60 + 59)); // 20:24:59
    assert_eq!(earlier["standing"], "callable_now", "{earlier}");

    // The answer shows the area code and line type of the phone, never the number.
    let text = run(dir.path(), &["--as", COMPLIANCE, "program", "why", PROGRAM, "--voter", &voter, "--at", &at(0)]);
    assert!(text.status.success(), "{}", stderr(&text));
    for output in [stdout(&text), night.to_string()] {
        assert!(!output.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)), "no number: {output}");
        assert!(!output.contains("+1"), "no E.164 number: {output}");
    }
    assert_eq!(night["phone"]["area_code"].as_str().unwrap().len(), 3);

    // Roles that do not explain dials are refused; an unknown voter is named as not on the list.
    let analyst =
        run(dir.path(), &["--as", "analyst@demo.clearline.test", "program", "why", PROGRAM, "--voter", &voter]);
    assert_eq!(analyst.status.code(), Some(1), "{}", stderr(&analyst));
    assert!(stderr(&analyst).contains("explain_dials"), "{}", stderr(&analyst));
    let missing = run(dir.path(), &["--as", COMPLIANCE, "program", "why", PROGRAM, "--voter", "NO-SUCH-VOTER"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("not on the call list") || stderr(&missing).contains("no person"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn after_calls_why_not_now_follows_the_attempts_the_dialer_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["demo", "--no-serve", "--no-calling", "--voters", "300"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run(dir.path(), &["--as", PM, "program", "start", PROGRAM]).status.success());
    let report = ok_json(run(
        dir.path(),
        &["--as", PM, "--json", "program", "simulate", PROGRAM, "--agents", "3", "--minutes", "20", "--start", &at(0)],
    ));
    assert!(report["attempts_finished"].as_i64().unwrap() > 20, "{report}");

    // Every attempt, with its voter, from the results export.
    let rows: Vec<(String, String)> = results_rows(dir.path(), "data@demo.clearline.test", PROGRAM)
        .into_iter()
        .map(|r| (r["voter_id"].clone(), r["disposition"].clone()))
        .collect();
    let after_run = at(25 * 60);

    // A final disposition finishes the entry.
    let (done, code) = rows.iter().find(|(_, d)| d == "complete" || d == "refused").expect("some call ended final");
    let finished = why(dir.path(), COMPLIANCE, done, &after_run);
    assert_eq!(finished["standing"], "finished", "{finished}");
    assert_eq!(finished["final_disposition"], code.as_str());

    // A retry (no answer, busy, machine…) waits out the spacing: the answer names the entry's own
    // next attempt time, and the person is callable from then on.
    let finals = ["complete", "refused", "do_not_call", "wrong_number", "callback_requested", "unavailable"];
    let retry = rows.iter().map(|(v, _)| v).find(|v| {
        let x = why(dir.path(), COMPLIANCE, v, &after_run);
        x["standing"] == "waiting" && !finals.contains(&x["final_disposition"].as_str().unwrap_or(""))
    });
    let retry = retry.expect("some attempted voter waits for a retry");
    let waiting = why(dir.path(), COMPLIANCE, retry, &after_run);
    let not_before = ts(&waiting["next_attempt_at"]);
    let next = ts(&waiting["next_callable_at"]);
    assert!(next >= not_before, "{waiting}");
    assert!(waiting["attempts"].as_u64().unwrap() >= 1);
    let then = why(dir.path(), COMPLIANCE, retry, &next.to_string());
    assert_eq!(then["standing"], "callable_now", "{then}");
}
