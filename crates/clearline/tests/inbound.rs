//! Inbound calls to a running program's caller ID on the simulated carrier (CR-5, CR-6, CR-14): every
//! call answered and recorded; a key-press opt-out lists the number at the key press (CR-47) and no
//! dial to that person follows it; the counts add up.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use support::cli::{clearline as run, ok_json, results_rows, stderr};

const PM: &str = "programs@demo.clearline.test";
const PROGRAM: &str = "gotv-general";
/// 09:00 Eastern (EDT) on a Tuesday: the demo program's calling hours open.
const DAY_ONE: i64 = 1_792_501_200; // 2026-10-20T13:00:00Z

fn list(dir: &Path, what: &str) -> Vec<Value> {
    ok_json(run(dir, &["--as", PM, "--json", "program", what, PROGRAM])).as_array().unwrap().clone()
}

/// Simulates the demo program from 09:00 Eastern on day `day` for `minutes` with this callback share.
fn simulate(dir: &Path, day: i64, minutes: &str, callback_share: &str) -> Value {
    let start = jiff::Timestamp::from_second(DAY_ONE + day * 86_400).unwrap().to_string();
    let args = ["--as", PM, "--json", "program", "simulate", PROGRAM, "--agents", "3", "--minutes", minutes];
    let extra = ["--callback-share", callback_share, "--start", &start];
    ok_json(run(dir, &args.iter().chain(extra.iter()).copied().collect::<Vec<_>>()))
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[test]
fn callers_who_press_the_opt_out_key_are_listed_at_once_and_never_dialed_after() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["demo", "--no-serve", "--no-calling", "--voters", "600"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run(dir.path(), &["--as", PM, "program", "start", PROGRAM]).status.success());
    // Many callbacks, so the test sees every outcome: half the calls that reach nobody call back.
    let report = simulate(dir.path(), 0, "180", "0.5");
    let inbound = list(dir.path(), "inbound");
    assert_eq!(n(&report["inbound_calls"]), inbound.len() as i64, "every inbound call recorded: {report}");
    assert!(inbound.len() >= 10, "{report}");
    let by_outcome: HashMap<String, usize> = inbound.iter().fold(HashMap::new(), |mut m, c| {
        *m.entry(c["outcome"].as_str().unwrap().to_string()).or_default() += 1;
        m
    });
    for outcome in ["opted_out", "message", "hung_up"] {
        assert!(by_outcome.contains_key(outcome), "{outcome} among {by_outcome:?}");
    }
    let opted: Vec<&Value> = inbound.iter().filter(|c| c["outcome"] == "opted_out").collect();
    assert_eq!(n(&report["inbound_opt_outs"]), opted.len() as i64);
    // Callbacks come from numbers the program dialed, after the call that missed them.
    let attempts = list(dir.path(), "attempts");
    for c in &inbound {
        assert_eq!(c["caller"], "lead");
        let person = n(&c["person_id"]);
        let first = attempts.iter().filter(|a| n(&a["person_id"]) == person).map(|a| n(&a["dialed_at_us"])).min();
        assert!(first.is_some_and(|t| t < n(&c["received_at_us"])), "a callback follows a call: {c}");
        assert!(n(&c["received_at_us"]) <= n(&c["ended_at_us"]));
    }
    // CR-47: from the key press on, the person is not dialed again, and their entry is finished.
    for c in &opted {
        let person = n(&c["person_id"]);
        let pressed = n(&c["opted_out_at_us"]);
        let after: Vec<&Value> =
            attempts.iter().filter(|a| n(&a["person_id"]) == person && n(&a["dialed_at_us"]) >= pressed).collect();
        assert!(after.is_empty(), "person {person} dialed after opting out: {after:?}");
    }
    // Their entries are finished as do_not_call: "why not now?" says so (voter IDs from the results
    // export, joined to the attempts by attempt id).
    let voter_of_attempt: HashMap<i64, String> = results_rows(dir.path(), "data@demo.clearline.test", PROGRAM)
        .into_iter()
        .map(|r| (r["attempt_id"].parse().unwrap(), r["voter_id"].clone()))
        .collect();
    for c in opted.iter().take(3) {
        let person = n(&c["person_id"]);
        let attempt = attempts.iter().find(|a| n(&a["person_id"]) == person).unwrap();
        let voter = &voter_of_attempt[&n(&attempt["id"])];
        let why = ok_json(run(
            dir.path(),
            &["--as", "compliance@demo.clearline.test", "--json", "program", "why", PROGRAM, "--voter", voter],
        ));
        assert_eq!(why["standing"], "finished", "{why}");
        assert_eq!(why["final_disposition"], "do_not_call", "{why}");
    }
    // Without callbacks, none arrive.
    let quiet = simulate(dir.path(), 1, "30", "0");
    assert_eq!(n(&quiet["inbound_calls"]), 0, "{quiet}");
    let bad = run(dir.path(), &["--as", PM, "program", "simulate", PROGRAM, "--callback-share", "2"]);
    assert_eq!(bad.status.code(), Some(2));
}
