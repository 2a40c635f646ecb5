//! `clearline policy check`, `policy explain` and `bench policy` as a user meets them: one verdict per
//! line in order, bad lines named by line number and field (never the value), and the benchmark's
//! agreement with the naive evaluator.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn clearline(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .env_remove("CLEARLINE_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clearline runs");
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

const GOOD: &str = r#"{"id":"ok","instant":"2026-10-20T12:00:00-04:00","candidate_zones":["America/New_York"],"address_state":"NC","phone":"+19195550123","line_type":"wireless","dial_mode":"predictive","purpose":"gotv","consent":false,"on_dnc":false,"prerecorded_calls_30d":0,"attempts":0,"max_attempts":3,"agent_country":"US","agent_state":"NC","caller_id_authorized":true,"some_future_key":[1,2]}"#;

#[test]
fn check_prints_one_verdict_per_line_in_order_and_names_bad_lines() {
    let night = GOOD.replace("\"ok\"", "\"night\"").replace("12:00:00-04:00", "22:00:00-04:00");
    let bad_phone = GOOD.replace("\"ok\"", "\"bad\"").replace("+19195550123", "+1919555");
    let input = format!("{GOOD}\n{bad_phone}\n{night}\n{{\"id\":\"empty\"}}\nnot json\n");
    let out = clearline(&["policy", "check", "--cases", "-"], Some(&input));
    assert_eq!(out.status.code(), Some(1), "bad lines make the run fail");
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5, "one output line per input line");
    assert_eq!(lines[0]["id"], "ok");
    assert_eq!(lines[0]["verdict"], "allow_with_conditions");
    assert_eq!(lines[0]["conditions"], serde_json::json!(["manual_dial_only", "play_safe_harbor"]));
    assert_eq!(lines[0]["rules"], serde_json::json!(["CR-1", "CR-46", "CR-49"]));
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"], "field `phone`: not a valid E.164 number");
    assert_eq!(lines[2]["id"], "night");
    assert_eq!(lines[2]["verdict"], "deny");
    assert_eq!(lines[2]["next_allowed_at"], "2026-10-21T12:00:00Z");
    assert_eq!(lines[3]["verdict"], "deny");
    assert!(lines[3]["reason"].as_str().unwrap().contains("instant"), "names the missing facts");
    assert_eq!(lines[4]["line"], 5);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2: field `phone`"), "{stderr}");
    assert!(
        !stderr.contains("1919555") && !String::from_utf8_lossy(&out.stdout).contains("1919555"),
        "no phone echoed"
    );
    let keys: Vec<&str> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| {
            ["\"id\"", "\"verdict\"", "\"conditions\"", "\"rules\"", "\"reason\"", "\"next_allowed_at\""]
                .into_iter()
                .filter(|k| l.contains(k))
                .collect()
        })
        .unwrap();
    assert_eq!(keys.len(), 6);
}

#[test]
fn check_of_a_clean_file_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.jsonl");
    std::fs::write(&file, format!("{GOOD}\n{GOOD}\n")).unwrap();
    let out = clearline(&["policy", "check", "--cases", file.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

#[test]
fn explain_shows_the_verdict_the_rules_and_every_zone() {
    let out = clearline(
        &[
            "policy",
            "explain",
            "--instant",
            "2026-06-02T07:30:00-04:00",
            "--zone",
            "America/Los_Angeles",
            "--state",
            "CA",
            "--phone",
            "+12125550123",
            "--line-type",
            "landline",
            "--dial-mode",
            "manual",
            "--purpose",
            "gotv",
            "--consent",
            "false",
            "--on-dnc",
            "false",
            "--attempts",
            "0",
            "--max-attempts",
            "3",
            "--agent-country",
            "US",
            "--caller-id-authorized",
            "true",
            "--fact",
            "source_state=CA",
        ],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("DENY"), "{text}");
    assert!(text.contains("CR-45"), "{text}");
    assert!(text.contains("America/New_York") && text.contains("America/Los_Angeles"), "{text}");
    assert!(text.contains("Next allowed at: 2026-06-02T15:00:00Z"), "{text}");
    assert!(!text.contains("5550123"), "the number is not printed");
}

#[test]
fn bench_policy_quick_reports_agreement_with_the_naive_evaluator() {
    let out = clearline(&["--json", "bench", "policy", "--quick"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cases"], 20_000);
    assert_eq!(report["checksums_agree"], true);
    assert_eq!(report["sample_checksum"], report["naive_checksum"]);
    assert!(report["decisions_per_second"].as_f64().unwrap() > 0.0);
    for kind in ["allow", "allow_with_conditions", "deny"] {
        assert!(report[kind].as_u64().unwrap() > 0, "the generated cases reach every verdict: {kind}");
    }
}

/// Runs the binary on a data directory that persists between calls.
fn clearline_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CLEARLINE_DATABASE_URL")
        .output()
        .expect("clearline runs")
}

/// A demo campaign with 300 imported NC voters; returns a voter with a valid phone and that number.
fn demo_with_voters(d: &std::path::Path) -> (String, String) {
    assert!(clearline_in(d, &["demo", "--no-serve"]).status.success());
    let file = d.join("nc.txt");
    let gen = clearline_in(
        d,
        &["gen", "voters", "--layout", "nc", "--rows", "300", "--seed", "4", "-o", file.to_str().unwrap()],
    );
    assert!(gen.status.success());
    let import = clearline_in(
        d,
        &[&DATA[..], &["import", "voters", "--campaign", "demo", "--layout", "nc", file.to_str().unwrap()]].concat(),
    );
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    // A voter with a valid phone: the first whose record shows one.
    let text: String = std::fs::read(&file).unwrap().iter().map(|&b| b as char).collect();
    let header: Vec<&str> = text.lines().next().unwrap().split('\t').collect();
    let ncid = header.iter().position(|c| *c == "ncid").unwrap();
    text.lines()
        .skip(1)
        .find_map(|line| {
            let key = line.split('\t').nth(ncid)?.trim().to_string();
            let shown = clearline_in(d, &[&DATA[..], &["voters", "show", "--campaign", "demo", &key]].concat());
            let v: Value = serde_json::from_slice(&shown.stdout).ok()?;
            let number = v["phones"].get(0)?["number"].as_str()?.to_string();
            Some((key, number))
        })
        .expect("a voter with a phone")
}

const DATA: [&str; 2] = ["--as", "data@demo.clearline.test"];

/// `policy explain` of a stored voter for a GOTV program with an attested caller ID, plus `extra`
/// flags: the first phone's verdict. The number is never printed.
fn explain_stored(d: &std::path::Path, voter: &str, number: &str, extra: &[&str]) -> Value {
    let base = [
        "--json",
        "policy",
        "explain",
        "--campaign",
        "demo",
        "--voter",
        voter,
        "--purpose",
        "gotv",
        "--caller-id-authorized",
        "true",
    ];
    let out = clearline_in(d, &[&DATA[..], &base[..], extra].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!stdout.contains(&number[2..]), "the number is never printed");
    serde_json::from_str(stdout.lines().next().unwrap()).unwrap()
}

/// Puts `number` on the demo campaign's do-not-call list.
fn add_to_dnc(d: &std::path::Path, number: &str) {
    let list = d.join("dnc.txt");
    std::fs::write(&list, format!("{number}\n")).unwrap();
    let added = clearline_in(
        d,
        &["--as", "compliance@demo.clearline.test", "import", "dnc", "--campaign", "demo", list.to_str().unwrap()],
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
}

#[test]
fn explain_takes_a_stored_persons_facts_phone_by_phone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (voter, number) = demo_with_voters(d);

    let explain = |extra: &[&str]| explain_stored(d, &voter, &number, extra);
    let program = ["--dial-mode", "preview", "--agent-country", "US", "--attempts", "0", "--max-attempts", "3"];
    // At night in the person's zone: a time denial with the next allowed instant.
    let night = explain(&[&program[..], &["--instant", "2026-10-20T22:30:00-04:00"]].concat());
    assert_eq!(night["id"], format!("{voter}/1"));
    assert_eq!(night["verdict"], "deny");
    assert_eq!(night["rules"], serde_json::json!(["CR-45"]));
    assert_eq!(night["next_allowed_at"], "2026-10-21T12:00:00Z", "08:00 EDT the next morning");
    // Without the program's facts the stored ones are not enough: a missing fact denies, named.
    let bare = explain(&["--instant", "2026-10-20T14:00:00-04:00"]);
    assert_eq!(bare["verdict"], "deny");
    assert!(bare["reason"].as_str().unwrap().contains("dial_mode"), "{bare}");

    // The stored do-not-call list is a fact of the case at once (CR-47).
    let list = d.join("dnc.txt");
    std::fs::write(&list, format!("{number}\n")).unwrap();
    let added = clearline_in(
        d,
        &["--as", "compliance@demo.clearline.test", "import", "dnc", "--campaign", "demo", list.to_str().unwrap()],
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let listed = explain(&[&program[..], &["--instant", "2026-10-20T14:00:00-04:00"]].concat());
    assert_eq!(listed["verdict"], "deny");
    assert!(listed["rules"].as_array().unwrap().contains(&Value::from("CR-47")), "{listed}");

    // A role that may not see personal data gets no facts.
    let analyst = clearline_in(
        d,
        &["--as", "analyst@demo.clearline.test", "policy", "explain", "--campaign", "demo", "--voter", voter.as_str()],
    );
    assert_eq!(analyst.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&analyst.stderr).contains("may not see personal data"));
}

#[test]
fn universe_check_counts_people_and_phones_by_verdict_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, number) = demo_with_voters(d);
    add_to_dnc(d, &number);
    let everyone = r#"{"op":"all","filters":[]}"#;
    let check = |instant: &str| -> Value {
        let args = [
            "--json",
            "universe",
            "check",
            "--dial-mode",
            "preview",
            "--purpose",
            "gotv",
            "--agent-country",
            "US",
            "--instant",
            instant,
            everyone,
        ];
        let out = clearline_in(d, &[&DATA[..], &args[..]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&number[2..]), "no number is printed");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let count = clearline_in(d, &[&DATA[..], &["--json", "universe", "count", everyone]].concat());
    let people: Value = serde_json::from_slice(&count.stdout).unwrap();
    let people = people["count"].as_u64().unwrap_or_else(|| people.as_u64().unwrap());

    let day = check("2026-10-20T14:00:00-04:00");
    let n = |v: &Value| v.as_object().unwrap().values().map(|x| x.as_u64().unwrap()).sum::<u64>();
    assert_eq!(day["people"], people, "every person of the universe is counted");
    assert_eq!(n(&day["people_by_verdict"]) + day["people_without_a_phone"].as_u64().unwrap(), people);
    assert_eq!(n(&day["phones_by_reason"]), day["phones"].as_u64().unwrap(), "every phone is counted once");
    let listed: Vec<&String> =
        day["phones_by_reason"].as_object().unwrap().keys().filter(|k| k.contains("CR-47")).collect();
    assert_eq!(listed.len(), 1, "the listed number is denied by CR-47: {day}");
    assert_eq!(day["phones_by_reason"][listed[0].as_str()], 1);
    assert!(listed[0].starts_with("deny"));

    // At 22:30 in the voters' zone nothing is dialable, and the reason is the calling window.
    let night = check("2026-10-20T22:30:00-04:00");
    assert_eq!(night["people_by_verdict"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["deny"]);
    assert!(
        night["phones_by_reason"].as_object().unwrap().keys().all(|k| k.contains("CR-45") || k.contains("CR-47")),
        "{night}"
    );

    let analyst = clearline_in(
        d,
        &[
            "--as",
            "analyst@demo.clearline.test",
            "universe",
            "check",
            "--dial-mode",
            "preview",
            "--purpose",
            "gotv",
            everyone,
        ],
    );
    assert_eq!(analyst.status.code(), Some(1), "{}", String::from_utf8_lossy(&analyst.stderr));
}

/// Consent records and RND answers imported from files are facts of a stored person's case at once
/// (CR-50, CR-13); a file with a bad row records nothing and names the line and field, never the number.
#[test]
fn imported_consents_and_rnd_answers_decide_a_recorded_message_to_a_wireless_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (voter, number) = demo_with_voters(d);
    let compliance = ["--as", "compliance@demo.clearline.test"];
    let import = |what: &str, name: &str, body: &str| {
        let file = d.join(name);
        std::fs::write(&file, body).unwrap();
        clearline_in(d, &[&compliance[..], &["import", what, "--campaign", "demo", file.to_str().unwrap()]].concat())
    };
    let explain = || {
        let program =
            ["--dial-mode", "prerecorded", "--line-type", "wireless", "--attempts", "0", "--max-attempts", "3"];
        explain_stored(d, &voter, &number, &[&program[..], &["--instant", "2026-10-20T14:00:00-04:00"]].concat())
    };
    let rules = |v: &Value| -> Vec<String> {
        v["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
    };
    let before = explain();
    assert_eq!(before["verdict"], "deny");
    assert_eq!(rules(&before), ["CR-1"], "no consent: no recorded message to a wireless line");

    let header = "phone,calling_entity,source,wording,obtained_at,written\n";
    let good =
        format!("{number},Friends of Demo,web_form,\"Yes, you may call me, even with a recording.\",2026-01-15,true\n");
    let bad = import(
        "consents",
        "bad.csv",
        &format!("{header}{good}{number},Friends of Demo,web_form,Yes,15/01/2026,true\n"),
    );
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("line 3, field `obtained_at`") && stderr.contains("nothing was recorded"), "{stderr}");
    assert!(!stderr.contains(&number[2..]), "the number is not echoed");
    assert_eq!(rules(&explain()), ["CR-1"], "the good row of a refused file was not recorded either");

    let recorded = import("consents", "consents.csv", &format!("{header}{good}"));
    assert!(recorded.status.success(), "{}", String::from_utf8_lossy(&recorded.stderr));
    let unchecked = explain();
    assert_eq!(unchecked["verdict"], "deny");
    assert!(
        unchecked["reason"].as_str().unwrap().contains("rnd_result"),
        "consent relied on without an RND check: {unchecked}"
    );

    let rnd_header = "phone,asked_since,result,checked_at\n";
    let wrong = import("rnd", "rnd-bad.csv", &format!("{rnd_header}{number},2026-01-15,maybe,2026-09-01\n"));
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("line 2, field `result`"));
    let checked = import("rnd", "rnd.csv", &format!("{rnd_header}{number},2026-01-15,no,2026-09-01T12:00:00Z\n"));
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    let allowed = explain();
    assert_eq!(allowed["verdict"], "allow_with_conditions", "{allowed}");
    assert!(allowed["conditions"].as_array().unwrap().contains(&Value::from("identify_and_offer_opt_out")));

    // A later answer that the number was reassigned voids the consent.
    let reassigned = import("rnd", "rnd2.csv", &format!("{rnd_header}{number},2026-01-15,yes,2026-10-01\n"));
    assert!(reassigned.status.success());
    assert_eq!(rules(&explain()), ["CR-1", "CR-13"]);
}

/// CR-24 through the records: a recorded message to a New Hampshire landline needs the federal
/// Registry's word; an extract for NH without the number allows it (naming the payer), one with it
/// denies it, and an extract with a number of another state is refused whole.
#[test]
fn a_registry_extract_decides_recorded_messages_to_new_hampshire() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(clearline_in(d, &["demo", "--no-serve", "--voters", "0"]).status.success());
    let header = "voter_id,first_name,middle_name,last_name,name_suffix,res_address,res_city,res_state,res_zip,county,birth_year,birth_date,gender,race,party,voter_status,registration_date,precinct,congressional_district,state_house_district,state_senate_district,home_phone,home_phone_line_type,cell_phone,cell_phone_line_type,work_phone,work_phone_line_type,email,vote_history";
    let file = d.join("nh.csv");
    std::fs::write(
        &file,
        format!("{header}\nN1,Ida,,Moss,,7 Main St,Concord,NH,03301,Merrimack,1970,,F,,DEM,A,,W1,,,,603-555-0181,landline,,,,,,\n"),
    )
    .unwrap();
    let import = clearline_in(
        d,
        &[&DATA[..], &["import", "voters", "--campaign", "demo", "--layout", "generic", file.to_str().unwrap()]]
            .concat(),
    );
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let robocall =
        ["--dial-mode", "prerecorded", "--prerecorded-calls-30d", "0", "--attempts", "0", "--max-attempts", "3"];
    let explain = || {
        explain_stored(d, "N1", "+16035550181", &[&robocall[..], &["--instant", "2026-10-20T14:00:00-04:00"]].concat())
    };
    let load = |name: &str, numbers: &str| {
        let list = d.join(name);
        std::fs::write(&list, numbers).unwrap();
        let args = ["import", "national-dnc", "--campaign", "demo", "--state", "NH", "--extract-date", "2026-10-01"];
        clearline_in(
            d,
            &[&["--as", "compliance@demo.clearline.test"][..], &args[..], &[list.to_str().unwrap()]].concat(),
        )
    };

    let unknown = explain();
    assert_eq!(unknown["verdict"], "deny");
    assert!(unknown["reason"].as_str().unwrap().contains("on_national_dnc"), "no extract yet: {unknown}");

    let wrong = load("wrong.txt", "603-555-0100\n617-555-0199\n");
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("line 2") && stderr.contains("nothing was loaded"), "{stderr}");
    assert!(!stderr.contains("555-0199") && !stderr.contains("5550199"), "the number is not echoed: {stderr}");
    assert!(explain()["reason"].as_str().unwrap().contains("on_national_dnc"), "the refused extract covers nothing");

    let others = load("others.txt", "603-555-0100\n");
    assert!(others.status.success(), "{}", String::from_utf8_lossy(&others.stderr));
    let allowed = explain();
    assert_eq!(allowed["verdict"], "allow_with_conditions", "{allowed}");
    assert!(allowed["conditions"].as_array().unwrap().contains(&Value::from("name_payer_within_30s")));

    let listed = load("listed.txt", "(603) 555-0181\n");
    assert!(listed.status.success());
    let denied = explain();
    assert_eq!(denied["verdict"], "deny");
    assert_eq!(denied["rules"], serde_json::json!(["CR-24"]), "{denied}");
}
