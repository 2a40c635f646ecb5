//! A running program called on the simulated carrier as the program manager runs it: every attempt
//! recorded before it is dialed and closed with its result, never two live attempts to one household,
//! the attempt rules kept — and a process killed (SIGKILL) at random points loses nothing: the restart
//! closes what was in flight as `interrupted`, counted, and not redialed before its spacing.

mod support;

use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::cli::{clearline as run, ok_json, stderr};

const PM: &str = "programs@demo.clearline.test";
const PROGRAM: &str = "gotv-general";
/// 09:00 Eastern (EDT) on a Tuesday: the demo program's calling hours open.
const DAY_ONE: i64 = 1_792_501_200; // 2026-10-20T13:00:00Z
const DAY: i64 = 86_400;
/// The demo program sets no spacing: the dialer's default.
const SPACING_US: i64 = 60 * 60 * 1_000_000;

fn started_demo(voters: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["demo", "--no-serve", "--voters", voters]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(dir.path(), &["--as", PM, "program", "start", PROGRAM]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn start_at(day: i64) -> String {
    jiff::Timestamp::from_second(DAY_ONE + day * DAY).unwrap().to_string()
}

fn simulate_args(day: i64, minutes: &str) -> Vec<String> {
    simulate_with(day, minutes, "2")
}

fn simulate_with(day: i64, minutes: &str, agents: &str) -> Vec<String> {
    ["--as", PM, "--json", "program", "simulate", PROGRAM, "--agents", agents, "--minutes", minutes, "--start"]
        .iter()
        .map(|s| s.to_string())
        .chain([start_at(day)])
        .collect()
}

fn calls(dir: &Path) -> Value {
    ok_json(run(dir, &["--as", PM, "--json", "program", "calls", PROGRAM]))
}

fn attempts(dir: &Path) -> Vec<Value> {
    ok_json(run(dir, &["--as", PM, "--json", "program", "attempts", PROGRAM])).as_array().unwrap().clone()
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// Checks what must hold of the stored attempts whatever happened to the processes.
fn check_attempt_invariants(all: &[Value]) {
    let mut by_household: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut per_person: HashMap<i64, u32> = HashMap::new();
    for a in all {
        *per_person.entry(n(&a["person_id"])).or_default() += 1;
        let dialed = n(&a["dialed_at_us"]);
        let times: Vec<i64> = ["rang_at_us", "answered_at_us", "greeting_ended_at_us", "bridged_at_us", "ended_at_us"]
            .iter()
            .filter_map(|k| a[*k].as_i64())
            .collect();
        let mut last = dialed;
        for t in &times {
            assert!(*t >= last, "times out of order in {a}");
            last = *t;
        }
        if let Some(end) = a["ended_at_us"].as_i64() {
            let household = a["household_id"].as_i64().unwrap_or(-n(&a["person_id"]));
            by_household.entry(household).or_default().push((dialed, end));
        }
    }
    assert!(per_person.values().all(|&k| k <= 3), "the demo program allows 3 attempts a person");
    for (household, mut spans) in by_household {
        spans.sort();
        for pair in spans.windows(2) {
            assert!(pair[1].0 >= pair[0].1, "two live attempts at once to household {household}: {pair:?}");
        }
    }
}

#[test]
fn a_program_cannot_be_simulated_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["demo", "--no-serve", "--voters", "100"]).status.success());
    let out = run(dir.path(), &simulate_args(0, "5").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the program is draft: start it first"), "{}", stderr(&out));
    assert_eq!(n(&calls(dir.path())["attempts"]), 0);
}

#[test]
fn a_simulated_run_records_every_attempt_and_result() {
    let dir = started_demo("400");
    let args = simulate_args(0, "30");
    let report = ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let opened = n(&report["attempts_opened"]);
    assert!(opened > 50, "{report}");
    assert_eq!(n(&report["attempts_finished"]), opened, "the run drains: every dial has its result");
    let stats = calls(dir.path());
    assert_eq!(n(&stats["attempts"]), opened);
    assert_eq!(n(&stats["in_flight"]), 0);
    assert_eq!(n(&stats["entry_attempts"]), opened, "every attempt counted on its entry");
    let by_disposition: i64 = stats["by_disposition"].as_object().unwrap().values().map(n).sum();
    assert_eq!(by_disposition, opened, "no attempt without a disposition");
    // The demo splits the list 60/40 between its two vendors: each floor dialed its own households.
    let vendors = stats["by_vendor"].as_object().unwrap();
    assert!(vendors.contains_key("granite-calls") && vendors.contains_key("lakeshore-contact"), "{stats}");
    let all = attempts(dir.path());
    assert_eq!(all.len() as i64, opened);
    check_attempt_invariants(&all);
    // Each attempt records the script version the program had attached (the demo's approved GOTV
    // script) and its language.
    assert!(all.iter().all(|a| a["script_version_id"].as_i64().is_some() && a["language"] == "en"), "{:?}", all[0]);
    // Bot agents take the answered calls; the agent is recorded on them.
    assert!(all.iter().any(|a| a["agent"].as_str().is_some_and(|s| s.starts_with("bot-"))));
    // CR-49: the system dials landlines only (the demo's line-type append marks some NC blocks landline);
    // wireless and unknown numbers are blended to the same agents as preview calls.
    let of = |kind: &str| all.iter().filter(|a| a["dial_kind"] == kind).collect::<Vec<_>>();
    assert!(!of("paced").is_empty() && !of("preview").is_empty(), "a blend of both");
    assert!(of("paced").iter().all(|a| a["line_type"] == "landline"), "CR-49: only landlines system-dialed");
    assert!(
        all.iter().filter(|a| a["line_type"] != "landline").all(|a| a["dial_kind"] == "preview"),
        "CR-49: wireless and unknown numbers are dialed by a person"
    );
    assert_eq!(n(&report["system_dials"]), of("paced").len() as i64);
    // Only approved audio plays: an abandoned call heard the demo's attached safe-harbor version (CR-46),
    // and no other call played a recording (agents spoke on them; machines were hung up on).
    let shown =
        ok_json(run(dir.path(), &["--as", PM, "--json", "audio", "show", "missed-you", "1", "--campaign", "demo"]));
    let safe_harbor = shown["version"]["id"].as_i64().unwrap();
    for a in &all {
        let expected = if a["disposition"] == "abandoned" { Some(safe_harbor) } else { None };
        assert_eq!(a["audio_version_id"].as_i64(), expected, "{a}");
    }
}

#[test]
fn a_run_after_the_calling_hours_places_no_call() {
    let dir = started_demo("200");
    // 20:40 Eastern: the program's window (09:00-20:30) is closed.
    let late = jiff::Timestamp::from_second(DAY_ONE + 11 * 3_600 + 40 * 60).unwrap().to_string();
    let mut args = simulate_args(0, "10");
    *args.last_mut().unwrap() = late;
    let report = ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(n(&report["attempts_opened"]), 0, "{report}");
    assert!(n(&report["refused_at_dial"]) > 0, "the policy refused them at the instant of dialing");
    assert_eq!(n(&calls(dir.path())["attempts"]), 0);
}

#[test]
fn killed_runs_lose_no_attempt_and_the_restart_closes_what_was_in_flight() {
    let dir = started_demo("1200");
    let mut rng = rand::rngs::StdRng::seed_from_u64(46);
    // Every attempt any kill left in flight, by id.
    let mut left_in_flight: std::collections::BTreeSet<i64> = Default::default();
    for day in 0..10 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clearline"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(simulate_with(day, "60", "6"))
            // A killed run's hold on the program runs out within 3 s; the next run waits for it.
            .args(["--lease-seconds", "3"])
            .env_remove("CLEARLINE_MASTER_KEY")
            .env_remove("CLEARLINE_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Once the run is dialing (however slowly this machine starts it), a random point of it.
        let before = n(&calls(dir.path())["attempts"]);
        let waiting_since = std::time::Instant::now();
        while n(&calls(dir.path())["attempts"]) == before
            && child.try_wait().unwrap().is_none()
            && waiting_since.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..1_500)));
        child.kill().unwrap(); // SIGKILL: no cleanup runs
        child.wait().unwrap();
        let after = calls(dir.path());
        // Whatever the point of the kill, every stored attempt is counted on its entry.
        assert_eq!(n(&after["entry_attempts"]), n(&after["attempts"]), "day {day}: {after}");
        left_in_flight.extend(attempts(dir.path()).iter().filter(|a| a["state"] == "in_flight").map(|a| n(&a["id"])));
    }
    // A last run to the end closes what the kills left.
    let args = simulate_args(10, "30");
    ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let stats = calls(dir.path());
    assert_eq!(n(&stats["in_flight"]), 0, "{stats}");
    eprintln!("{} attempts were left in flight by the kills", left_in_flight.len());
    assert!(!left_in_flight.is_empty(), "some kills landed mid-call (else the test proves nothing)");
    let interrupted: std::collections::BTreeSet<i64> =
        attempts(dir.path()).iter().filter(|a| a["state"] == "interrupted").map(|a| n(&a["id"])).collect();
    assert_eq!(interrupted, left_in_flight, "exactly the attempts a kill left in flight are closed as interrupted");
    assert!(attempts(dir.path())
        .iter()
        .filter(|a| a["state"] == "interrupted")
        .all(|a| a["disposition"] == "interrupted"));
    let all = attempts(dir.path());
    check_attempt_invariants(&all);
    // An interrupted attempt is not redialed before the spacing, counted from the restart that closed it.
    let mut by_person: HashMap<i64, Vec<&Value>> = HashMap::new();
    for a in &all {
        by_person.entry(n(&a["person_id"])).or_default().push(a);
    }
    for tries in by_person.values() {
        for pair in tries.windows(2) {
            if pair[0]["state"] == "interrupted" {
                let closed = n(&pair[0]["ended_at_us"]);
                assert!(n(&pair[1]["dialed_at_us"]) >= closed + SPACING_US, "redialed too soon: {pair:?}");
            }
        }
    }
}

#[test]
fn results_export_as_csv_by_role_as_van_canvass_requests_and_as_a_van_bulk_upload() {
    let dir = started_demo("300");
    let args = simulate_args(0, "20");
    let report = ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let finished = n(&report["attempts_finished"]);
    // The data manager may export personal data: names are in the file.
    let csv_path = dir.path().join("results.csv");
    let out = run(
        dir.path(),
        &["--as", "data@demo.clearline.test", "--json", "export", "results", "--program", PROGRAM, "-o"]
            .iter()
            .copied()
            .chain([csv_path.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert_eq!(n(&ok_json(out)["rows"]), finished);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("attempt_id,voter_id,first_name,last_name,program"), "{header}");
    assert_eq!(text.lines().count() as i64, finished + 1);
    assert!(!text.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)), "no phone number in it");
    // The analyst sees results but not personal data: identifiers only.
    let analyst_path = dir.path().join("analyst.csv");
    let out = run(
        dir.path(),
        &["--as", "analyst@demo.clearline.test", "export", "results", "--program", PROGRAM, "-o"]
            .iter()
            .copied()
            .chain([analyst_path.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let analyst = std::fs::read_to_string(&analyst_path).unwrap();
    assert!(analyst.starts_with("attempt_id,voter_id,program,"), "{analyst}");
    // VAN: a disposition the mapping does not name stops the export; nothing is written.
    let mapping = dir.path().join("van.json");
    std::fs::write(
        &mapping,
        r#"{"person_id_type": "StateFileID", "contact_type_id": 1, "result_codes": {"no_answer": 1}}"#,
    )
    .unwrap();
    let van_path = dir.path().join("van.jsonl");
    let van_args = |m: &Path| {
        ["--as", "data@demo.clearline.test", "export", "results", "--program", PROGRAM, "--format", "van-canvass"]
            .iter()
            .map(|s| s.to_string())
            .chain(["--mapping".into(), m.display().to_string(), "-o".into(), van_path.display().to_string()])
            .collect::<Vec<String>>()
    };
    let out = run(dir.path(), &van_args(&mapping).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("ended busy: map it"), "{}", stderr(&out));
    assert!(!van_path.exists(), "a refused export writes no file");
    let codes: Vec<String> = clearline_core::disposition::Disposition::ALL
        .iter()
        .filter(|d| !matches!(d.code(), "complete" | "interrupted"))
        .enumerate()
        .map(|(i, d)| format!("\"{}\": {}", d.code(), i + 1))
        .collect();
    std::fs::write(
        &mapping,
        format!(
            r#"{{"person_id_type": "StateFileID", "contact_type_id": 1, "result_codes": {{{}}},
                "activist_codes": {{"complete": 18917}}, "skip": ["interrupted"],
                "skip_questions": ["plan", "when"]}}"#,
            codes.join(", ")
        ),
    )
    .unwrap();
    let out = run(dir.path(), &van_args(&mapping).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> =
        std::fs::read_to_string(&van_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as i64, finished);
    for l in &lines {
        let body = &l["body"];
        assert!(body["resultCodeId"].is_null() != body["responses"].is_null(), "one of the two: {l}");
        assert!(l["path"].as_str().unwrap().starts_with("people/StateFileID:"), "{l}");
        assert_eq!(body["canvassContext"]["contactTypeId"], 1);
    }
    // The VAN bulk upload: a mapping without the fields a bulk upload needs is refused, naming them,
    // with nothing written.
    let bulk_path = dir.path().join("van-bulk.csv");
    let request_path = dir.path().join("van-bulk.bulk-import.json");
    let bulk_args = |m: &Path| {
        [
            "--as",
            "data@demo.clearline.test",
            "--json",
            "export",
            "results",
            "--program",
            PROGRAM,
            "--format",
            "van-bulk",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(["--mapping".into(), m.display().to_string(), "-o".into(), bulk_path.display().to_string()])
        .collect::<Vec<String>>()
    };
    let out = run(dir.path(), &bulk_args(&mapping).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("source_url: required for van-bulk"), "{}", stderr(&out));
    assert!(stderr(&out).contains("canvassed_by: required for van-bulk"), "{}", stderr(&out));
    assert!(!bulk_path.exists() && !request_path.exists(), "a refused export writes no file");
    let bulk_mapping = dir.path().join("van-bulk.json");
    let mut with_bulk: Value = serde_json::from_str(&std::fs::read_to_string(&mapping).unwrap()).unwrap();
    with_bulk["source_url"] = "https://files.example.org/van-bulk.zip".into();
    with_bulk["canvassed_by"] = 4242.into();
    std::fs::write(&bulk_mapping, with_bulk.to_string()).unwrap();
    let out = run(dir.path(), &bulk_args(&bulk_mapping).iter().map(String::as_str).collect::<Vec<_>>());
    let report = ok_json(out);
    assert_eq!(n(&report["rows"]), finished, "a row per attempt");
    assert_eq!(report["request_body"], request_path.display().to_string());
    let mut reader = csv::Reader::from_path(&bulk_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let request: Value = serde_json::from_str(&std::fs::read_to_string(&request_path).unwrap()).unwrap();
    let columns: Vec<String> = request["file"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(header, columns, "the body's columns are exactly the file's header");
    assert_eq!(header, ["StateFileID", "ContactTypeID", "DateCanvassed", "CanvassedBy", "ResultID", "ActivistCodeID"]);
    assert_eq!(request["file"]["fileName"], "van-bulk.csv");
    assert_eq!(request["actions"][0]["resourceType"], "Contacts");
    assert_eq!(request["actions"][0]["actionType"], "loadMappedFile");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, finished);
    let voter_ids: std::collections::BTreeSet<String> =
        lines.iter().map(|l| l["path"].as_str().unwrap().split([':', '/']).nth(2).unwrap().to_string()).collect();
    for r in &records {
        let (result, activist) = (&r[4], &r[5]);
        assert!(result.is_empty() != activist.is_empty(), "a result code or an activist code: {r:?}");
        assert_eq!((&r[1], &r[3]), ("1", "4242"), "{r:?}");
        assert!(voter_ids.contains(&r[0].replace(' ', "%20")), "the voters of the canvass export: {r:?}");
    }
    assert!(
        !std::fs::read_to_string(&bulk_path).unwrap().as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)),
        "no phone number in it"
    );
    // Each export is audited.
    let log = run(dir.path(), &["--as", "owner@demo.clearline.test", "audit", "export"]);
    assert!(log.status.success(), "{}", stderr(&log));
    let exports = support::cli::stdout(&log)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "results.export")
        .count();
    assert_eq!(
        exports, 4,
        "two CSV, one canvass and one bulk export; the refused ones wrote nothing and are not counted"
    );
}

#[test]
fn a_person_who_left_the_universe_since_the_snapshot_is_not_called() {
    // The demo's universe is Democrats and unaffiliated voters; its list was built at seeding.
    let dir = started_demo("300");
    // The same file the demo imported (same layout, rows and seed), every DEM re-registered REP.
    let file = dir.path().join("nc.txt");
    let out = run(
        dir.path(),
        &["gen", "voters", "--layout", "nc", "--rows", "300", "--seed", "2026", "-o", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    let text: String = bytes.iter().map(|&b| b as char).collect(); // Latin-1
    let mut lines = text.split('\n');
    let header = lines.next().unwrap();
    let party = header.split('\t').position(|c| c.trim_matches('"') == "party_cd").expect("NC has party_cd");
    let ncid = header.split('\t').position(|c| c.trim_matches('"') == "ncid").expect("NC has ncid");
    let mut changed: Vec<String> = Vec::new();
    let rewritten: Vec<String> = std::iter::once(header.to_string())
        .chain(lines.map(|line| {
            let mut cells: Vec<&str> = line.split('\t').collect();
            if cells.get(party).is_some_and(|p| p.trim_matches('"') == "DEM") {
                cells[party] = "REP";
                changed.push(cells[ncid].trim_matches('"').trim().to_string());
            }
            cells.join("\t")
        }))
        .collect();
    assert!(changed.len() > 50, "{}", changed.len());
    let latin1: Vec<u8> = rewritten.join("\n").chars().map(|c| c as u32 as u8).collect();
    std::fs::write(&file, latin1).unwrap();
    let out = run(
        dir.path(),
        &[
            "--as",
            "data@demo.clearline.test",
            "import",
            "voters",
            "--campaign",
            "demo",
            "--layout",
            "nc",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let args = simulate_args(0, "60");
    ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let stats = calls(dir.path());
    assert!(n(&stats["entries_denied"]) > 0, "the re-registered are finished, not dialed: {stats}");
    // They are finished as denied (`left_universe`) when their entry is loaded, before any dial; the
    // rest of the list is still called.
    let dialed: std::collections::BTreeSet<i64> = attempts(dir.path()).iter().map(|a| n(&a["person_id"])).collect();
    assert!(!dialed.is_empty(), "the others are still called");
    assert!(n(&stats["entries_done"]) >= n(&stats["entries_denied"]));
    // Each re-registered voter on the list is finished with the reason `left_universe` (loaded during
    // the run) or, not loaded yet, is skipped as no longer in the universe — never dialed.
    let mut finished_as_left = 0;
    for voter in &changed {
        let out = run(
            dir.path(),
            &["--as", "compliance@demo.clearline.test", "--json", "program", "why", PROGRAM, "--voter", voter],
        );
        if !out.status.success() {
            continue; // a repeated key the import rejected: not on the list
        }
        let why: Value = serde_json::from_slice(&out.stdout).unwrap();
        if why["mode"] == "excluded" {
            continue; // left out when the list was built (no phone, a household repeat…)
        }
        assert_eq!(why["attempts"], 0, "never dialed: {why}");
        if why["exclusion"] == "left_universe" {
            assert_eq!(why["standing"], "finished", "{why}");
            finished_as_left += 1;
        } else {
            assert_eq!(why["standing"], "left_universe", "{why}");
        }
    }
    assert!(finished_as_left > 0, "the run finished some of them with the reason left_universe");
}

/// The vendor's own do-not-call list is read again at the instant of dialing (CR-47, CR-7: at once):
/// numbers the vendor's admin lists after the call list was built are never dialed by that vendor,
/// while the other vendor's floor keeps calling the same campaign's list.
#[test]
fn numbers_on_a_vendors_own_list_are_not_dialed_by_that_vendor() {
    let dir = started_demo("300");
    // Every number of the demo campaign, exported by its data manager and handed to Granite's admin.
    let numbers = support::cli::campaign_numbers(dir.path());
    assert!(numbers.len() > 150, "{}", numbers.len());
    let list = dir.path().join("granite-dnc.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let admin = "admin@granite-calls.clearline.test";
    let out = run(
        dir.path(),
        &["--as", admin, "--json", "import", "dnc", "--vendor", "granite-calls", list.to_str().unwrap()],
    );
    let report = ok_json(out);
    // Household members share numbers: each is listed once.
    let listed = report["added"].as_u64().unwrap();
    assert!(listed > 100, "{report}");
    assert_eq!(listed + report["already_listed"].as_u64().unwrap(), numbers.len() as u64, "{report}");

    let args = simulate_args(0, "30");
    let report = ok_json(run(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(n(&report["refused_at_dial"]) > 0, "Granite's leads are refused at the dial: {report}");
    let all = attempts(dir.path());
    assert!(all.iter().all(|a| a["vendor"] != "granite-calls"), "Granite dialed a number on its own list");
    assert!(all.iter().any(|a| a["vendor"] == "lakeshore-contact"), "Lakeshore's floor still calls");
}
