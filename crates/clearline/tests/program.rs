//! Programs as a program manager sets them up: settings refused by field, a call list built from a
//! universe through the contact policy — every person listed, blended as a preview call (CR-49) or
//! excluded with the rule (CR-47, CR-41, CR-1…) — vendors' shares, and what blocks the start.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::cli::{clearline as run, ok_json, stderr};

const PM: &str = "programs@demo.clearline.test";
const INSTANT: &str = "2026-10-20T16:00:00Z"; // noon Eastern, a Tuesday

const HEADER: &str = "voter_id,first_name,middle_name,last_name,name_suffix,res_address,res_city,res_state,res_zip,county,birth_year,birth_date,gender,race,party,voter_status,registration_date,precinct,congressional_district,state_house_district,state_senate_district,home_phone,home_phone_line_type,cell_phone,cell_phone_line_type,work_phone,work_phone_line_type,email,vote_history";

/// Six voters, each made to land in one place on the list.
fn campaign_with_voters() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["demo", "--no-serve", "--voters", "0"]).status.success());
    let file = dir.path().join("voters.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\n\
             P1,Ann,,Lee,,1 Oak St,Raleigh,NC,27601,Wake,1980,,F,,DEM,A,,P1,,,,(919) 555-0111,landline,919.555.0112,wireless,,,,\n\
             P2,Bo,,Ray,,2 Oak St,Raleigh,NC,27601,Wake,1990,,M,,DEM,A,,P1,,,,,,919-555-0121,wireless,,,,\n\
             P3,Cy,,Fox,,3 Oak St,Raleigh,NC,27601,Wake,1970,,M,,DEM,A,,P2,,,,,,,,,,,\n\
             P4,Di,,Orr,,4 Oak St,Raleigh,NC,27601,Wake,1975,,F,,DEM,A,,P2,,,,919-555-0141,landline,,,,,,\n\
             P5,Ed,,Lee,,1 Oak St,Raleigh,NC,27601,Wake,1982,,M,,DEM,A,,P1,,,,(919) 555-0111,landline,,,,,,\n\
             P6,Flo,,Kim,,9 Elm St,Fresno,CA,93701,Fresno,1960,,F,,DEM,A,,C1,,,,559-555-0161,landline,,,,,,\n"
        ),
    )
    .unwrap();
    import_generic(dir.path(), &file);
    let dnc = dir.path().join("dnc.csv");
    std::fs::write(&dnc, "phone\n919-555-0141\n").unwrap();
    let compliance = "compliance@demo.clearline.test";
    let out = run(dir.path(), &["--as", compliance, "import", "dnc", "--campaign", "demo", dnc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(dir.path(), &["--as", PM, "universe", "save", "--name", "everyone", r#"{"op":"all","filters":[]}"#]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// Imports a generic-layout voter file into the demo campaign as its data manager.
fn import_generic(dir: &Path, file: &Path) {
    let data = "data@demo.clearline.test";
    let out = run(
        dir,
        &["--as", data, "import", "voters", "--campaign", "demo", "--layout", "generic", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

fn create(dir: &Path, slug: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--as",
        PM,
        "--json",
        "program",
        "create",
        slug,
        "--name",
        "GOTV",
        "--universe",
        "everyone",
        "--purpose",
        "gotv",
        "--caller-id",
        "919-555-0100",
        "--caller-id-authorized",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn build(dir: &Path, slug: &str) -> Value {
    ok_json(run(dir, &["--as", PM, "--json", "program", "build-list", slug, "--instant", INSTANT]))
}

fn excluded(summary: &Value, key: &str) -> u64 {
    summary["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exclusion"] == key)
        .map(|e| e["people"].as_u64().unwrap())
        .unwrap_or(0)
}

#[test]
fn a_predictive_call_list_dials_landlines_blends_wireless_and_excludes_with_the_rule() {
    let dir = campaign_with_voters();
    ok_json(create(dir.path(), "gotv-general", &["--dial-mode", "predictive", "--vendor", "granite-calls=100"]));
    let list = build(dir.path(), "gotv-general");
    assert_eq!(list["people"], 6, "every person of the universe has an entry: {list}");
    // P1 (landline first), P5 (same landline) and P6 (CA landline, US site) are dialed predictively;
    // P2 has only a wireless number: a preview call (CR-49).
    assert_eq!(list["by_mode"]["program"], 3, "{list}");
    assert_eq!(list["by_mode"]["preview"], 1, "{list}");
    assert_eq!(list["by_mode"]["excluded"], 2, "{list}");
    assert_eq!(excluded(&list, "no_phone"), 1, "P3 has no phone: {list}");
    assert_eq!(excluded(&list, "CR-7,CR-47"), 1, "P4's number is on the do-not-call list: {list}");
    let sentence = list["exclusions"].as_array().unwrap().iter().find(|e| e["exclusion"] == "CR-7,CR-47").unwrap()
        ["sentence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sentence.contains("do-not-call"), "{sentence}");
    assert_eq!(list["by_vendor"]["granite-calls"], 4);
    // Nothing about a person is in the summary: counts and rules only.
    let text = list.to_string();
    for needle in ["555-0111", "5550111", "Lee", "P1"] {
        assert!(!text.contains(needle), "the summary shows {needle:?}");
    }

    let shown = ok_json(run(dir.path(), &["--as", PM, "--json", "program", "show", "gotv-general"]));
    let blockers: Vec<&str> = shown["start_blockers"].as_array().unwrap().iter().map(|b| b.as_str().unwrap()).collect();
    assert_eq!(blockers.len(), 2, "{blockers:?}");
    assert!(blockers[0].starts_with("script:"), "the missing approved script stands in the way: {blockers:?}");
    // A predictive program abandons some answers: it plays them the safe-harbor message (CR-46).
    assert_eq!(blockers[1], "audio: no approved safe_harbor message is attached (CR-46)", "{blockers:?}");
    assert_eq!(shown["call_list"]["people"], 6);

    // With the approved script but no audio, the start is refused naming the audio; once the demo's
    // approved safe-harbor message is attached, the program starts.
    let attach =
        ["--as", PM, "program", "attach-script", "gotv-general", "--script", "gotv-reminder", "--version", "1"];
    assert!(run(dir.path(), &attach).status.success());
    let out = run(dir.path(), &["--as", PM, "program", "start", "gotv-general"]);
    assert!(!out.status.success(), "started without its safe-harbor message");
    let said = format!("{}{}", support::cli::stdout(&out), stderr(&out));
    assert!(said.contains("no approved safe_harbor message is attached (CR-46)"), "{said}");
    let attach = ["--as", PM, "program", "attach-audio", "gotv-general", "--audio", "missed-you", "--version", "1"];
    let out = run(dir.path(), &attach);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(dir.path(), &["--as", PM, "program", "start", "gotv-general"]);
    assert!(out.status.success(), "{}{}", support::cli::stdout(&out), stderr(&out));
}

#[test]
fn agentless_offshore_and_household_programs_exclude_by_their_own_rules() {
    let dir = campaign_with_voters();
    // A prerecorded program: the wireless-only voter is out (CR-1), landlines stay.
    ok_json(create(dir.path(), "robo", &["--dial-mode", "prerecorded"]));
    let robo = build(dir.path(), "robo");
    let robo_rules: Vec<&str> =
        robo["exclusions"].as_array().unwrap().iter().map(|e| e["exclusion"].as_str().unwrap()).collect();
    assert!(robo_rules.iter().any(|k| k.split(',').any(|r| r == "CR-1")), "P2's wireless number: {robo}");
    assert_eq!(robo["by_mode"]["program"], 3, "{robo}");
    assert_eq!(robo["by_vendor"]["none"], 3, "an agentless program has no vendor: {robo}");

    // The offshore vendor's only site is in the Philippines. A California voter-file record is never
    // shown there (CR-39), and a generic file does not say which state's file a record came from: so
    // no record of it goes offshore, and the list says which fact is missing.
    ok_json(create(dir.path(), "offshore", &["--dial-mode", "preview", "--vendor", "lakeshore-contact=100"]));
    let offshore = build(dir.path(), "offshore");
    assert_eq!(offshore["by_mode"]["excluded"], 6, "{offshore}");
    let unknown_source =
        offshore["exclusions"].as_array().unwrap().iter().find(|e| e["exclusion"] == "CR-39,missing_fact");
    assert_eq!(unknown_source.map(|e| e["people"].as_u64().unwrap()), Some(4), "{offshore}");
    assert!(unknown_source.unwrap()["sentence"].as_str().unwrap().contains("source_state"));
    let shown = ok_json(run(dir.path(), &["--as", PM, "--json", "program", "show", "offshore"]));
    let blockers = shown["start_blockers"].to_string();
    assert!(
        blockers.contains("lakeshore-contact has no engagement in force today that covers this program"),
        "{blockers}"
    );

    // One person per household: P5 shares P1's address, so only P1 is called.
    ok_json(create(
        dir.path(),
        "survey",
        &["--dial-mode", "preview", "--vendor", "granite-calls=100", "--one-per-household", "true"],
    ));
    let survey = build(dir.path(), "survey");
    assert_eq!(excluded(&survey, "household_repeat"), 1, "{survey}");
    assert_eq!(survey["people"], 6);
}

#[test]
fn settings_are_refused_by_field_and_only_program_staff_set_programs_up() {
    let dir = campaign_with_voters();
    let out = create(
        dir.path(),
        "bad",
        &[
            "--dial-mode",
            "predictive",
            "--vendor",
            "granite-calls=70",
            "--vendor",
            "lakeshore-contact=20",
            "--window",
            "21:00-09:00",
            "--abandonment-target",
            "4",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needle in ["window:", "abandonment_target_percent:", "vendors: the vendors' shares add up to 90 %"] {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    let out = create(dir.path(), "nobody", &["--dial-mode", "predictive", "--vendor", "not-a-vendor=100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a vendor this campaign has engaged"), "{}", stderr(&out));
    let out = create(dir.path(), "nowhere", &["--dial-mode", "predictive", "--universe", "missing"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    ok_json(create(dir.path(), "gotv-general", &["--dial-mode", "power", "--vendor", "granite-calls=100"]));
    let again = create(dir.path(), "gotv-general", &["--dial-mode", "power", "--vendor", "granite-calls=100"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("slug is already taken"));

    // Analysts read programs but do not set them up; agents and vendors see none.
    let analyst = "analyst@demo.clearline.test";
    let out = run(dir.path(), &["--as", analyst, "--json", "program", "list"]);
    assert_eq!(ok_json(out).as_array().unwrap().len(), 1);
    let out = run(dir.path(), &["--as", analyst, "program", "build-list", "gotv-general", "--instant", INSTANT]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for outsider in ["agent@granite-calls.clearline.test", "admin@granite-calls.clearline.test"] {
        let out = run(dir.path(), &["--as", outsider, "program", "show", "gotv-general"]);
        assert_eq!(out.status.code(), Some(1), "{outsider}: {}", stderr(&out));
    }
}

#[test]
fn vendor_shares_split_households_within_two_points() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["demo", "--no-serve", "--voters", "0"]).status.success());
    let file = dir.path().join("nc.txt");
    let out = run(
        dir.path(),
        &["gen", "voters", "--layout", "nc", "--rows", "4000", "--seed", "11", "-o", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data = "data@demo.clearline.test";
    let out = run(
        dir.path(),
        &["--as", data, "import", "voters", "--campaign", "demo", "--layout", "nc", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(dir.path(), &["--as", PM, "universe", "save", "--name", "everyone", r#"{"op":"all","filters":[]}"#]);
    assert!(out.status.success());
    ok_json(create(
        dir.path(),
        "gotv-general",
        &["--dial-mode", "preview", "--vendor", "granite-calls=70", "--vendor", "lakeshore-contact=30"],
    ));
    let list = build(dir.path(), "gotv-general");
    let a = list["by_vendor"]["granite-calls"].as_u64().unwrap() as f64;
    let b = list["by_vendor"]["lakeshore-contact"].as_u64().unwrap() as f64;
    assert!(a + b > 2000.0, "most people are listed: {list}");
    let share = a / (a + b);
    assert!((share - 0.70).abs() <= 0.02, "granite got {share:.3} of the list: {list}");
    let modes: u64 = list["by_mode"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(modes, list["people"].as_u64().unwrap(), "every person has exactly one entry");
    // The same program rebuilt gives the same split.
    let again = build(dir.path(), "gotv-general");
    assert_eq!(again["by_vendor"], list["by_vendor"]);
}

/// CR-27 through the list: a Florida landline on a program with commercial content is not dialed by the
/// system without written consent (a preview call instead); the same number on a purely political
/// program is. CR-12 through the list: landlines whose line types were imported more than 15 days
/// before the instant are blended as preview calls too.
#[test]
fn commercial_content_in_florida_and_stale_line_types_blend_landlines_as_preview_calls() {
    let dir = campaign_with_voters();
    let file = dir.path().join("fl.csv");
    std::fs::write(
        &file,
        format!("{HEADER}\nF1,Gus,,Paz,,5 Bay St,Miami,FL,33101,Miami-Dade,1985,,M,,DEM,A,,F1,,,,305-555-0171,landline,,,,,,\n"),
    )
    .unwrap();
    import_generic(dir.path(), &file);
    let predictive = ["--dial-mode", "predictive", "--vendor", "granite-calls=100"];
    ok_json(create(dir.path(), "political", &predictive));
    ok_json(create(dir.path(), "sales", &[&predictive[..], &["--commercial-content"]].concat()));
    let political = build(dir.path(), "political");
    let sales = build(dir.path(), "sales");
    // The political list as before plus F1 dialed by the system; the sales list blends F1 as a preview.
    assert_eq!(political["by_mode"]["program"], 4, "{political}");
    assert_eq!(political["by_mode"]["preview"], 1, "{political}");
    assert_eq!(sales["by_mode"]["program"], 3, "{sales}");
    assert_eq!(sales["by_mode"]["preview"], 2, "F1 without written consent (CR-27): {sales}");
    let shown = ok_json(run(dir.path(), &["--as", PM, "--json", "program", "show", "sales"]));
    assert_eq!(shown["program"]["settings"]["commercial_content"], true, "{shown}");

    // Twenty days after the import, no landline's line type is fresh: every one is a preview call.
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 20)).to_string();
    let stale =
        ok_json(run(dir.path(), &["--as", PM, "--json", "program", "build-list", "political", "--instant", &later]));
    assert!(stale["by_mode"].get("program").is_none(), "nobody dialed by the system: {stale}");
    assert_eq!(stale["by_mode"]["preview"], 5, "{stale}");
}

/// A survey's sample saved as a universe (`universe sample --save-as`) is what a program calls: the
/// call list holds exactly the people the draw names.
#[test]
fn a_sample_saved_as_a_universe_is_the_call_list_of_a_program() {
    let dir = campaign_with_voters();
    let sample = |extra: &[&str]| {
        let args = ["--as", PM, "--json", "universe", "sample", "--name", "everyone", "--size", "3", "--seed", "11"];
        ok_json(run(dir.path(), &[&args[..], extra].concat()))
    };
    let drawn = sample(&["--save-as", "survey-sample"]);
    assert_eq!(drawn["drawn"], 3);
    assert_eq!(sample(&[]), drawn, "drawn again with the same seed: the same people");
    let out = run(
        dir.path(),
        &[
            "--as",
            PM,
            "--json",
            "program",
            "create",
            "poll",
            "--name",
            "Poll",
            "--universe",
            "survey-sample",
            "--purpose",
            "survey",
            "--dial-mode",
            "preview",
            "--caller-id",
            "919-555-0100",
            "--caller-id-authorized",
            "--vendor",
            "granite-calls=100",
        ],
    );
    ok_json(out);
    let list = build(dir.path(), "poll");
    assert_eq!(list["people"], 3, "{list}");
}

/// The organization-wide list (CR-47, CR-7): a vendor's own do-not-call list binds every call placed
/// through that vendor, for any campaign, and no other call; only the vendor's admin keeps it.
#[test]
fn a_vendors_own_do_not_call_list_binds_its_calls_only_and_is_kept_by_its_admin() {
    let dir = campaign_with_voters();
    let list = dir.path().join("granite-dnc.txt");
    std::fs::write(&list, "phone\n(919) 555-0111\nnot a number\n").unwrap();
    let list = list.to_str().unwrap();
    let admin = "admin@granite-calls.clearline.test";
    let import =
        |who: &str, vendor: &str| run(dir.path(), &["--as", who, "--json", "import", "dnc", "--vendor", vendor, list]);
    let report = ok_json(import(admin, "granite-calls"));
    assert_eq!((report["added"].as_u64(), report["invalid"].as_u64()), (Some(1), Some(1)), "{report}");
    assert!(!report.to_string().contains("555"), "no number in the report: {report}");
    let again = ok_json(import(admin, "granite-calls"));
    assert_eq!((again["added"].as_u64(), again["already_listed"].as_u64()), (Some(0), Some(1)), "{again}");
    // Not the campaign's staff, not another vendor's admin, not the vendor's supervisor.
    for who in ["compliance@demo.clearline.test", "admin@lakeshore-contact.clearline.test"] {
        let out = import(who, "granite-calls");
        assert_eq!(out.status.code(), Some(2), "{who}: {}", stderr(&out));
        assert!(stderr(&out).contains("is not your vendor"), "{}", stderr(&out));
    }
    let out = import("supervisor@granite-calls.clearline.test", "granite-calls");
    assert!(!out.status.success(), "a supervisor does not keep the list");

    // Granite's calls: P5's only number is on Granite's list (CR-47 at the list build), P1 shares that
    // landline and is called on their cell instead, as a preview call (CR-49).
    ok_json(create(dir.path(), "granite", &["--dial-mode", "predictive", "--vendor", "granite-calls=100"]));
    let granite = build(dir.path(), "granite");
    assert_eq!(excluded(&granite, "CR-7,CR-47"), 2, "P4 (campaign list) and P5 (Granite's list): {granite}");
    assert_eq!(granite["by_mode"]["program"], 1, "only P6's landline is dialed by the system: {granite}");
    assert_eq!(granite["by_mode"]["preview"], 2, "P1 on their cell, P2: {granite}");
    // "Why not now?" says the same, with the rule.
    let why = ok_json(run(
        dir.path(),
        &[
            "--as",
            "compliance@demo.clearline.test",
            "--json",
            "program",
            "why",
            "granite",
            "--voter",
            "P5",
            "--at",
            INSTANT,
        ],
    ));
    assert!(why.to_string().contains("CR-47"), "{why}");

    // A call the campaign places itself (a recording, no vendor) is not bound by Granite's list.
    ok_json(create(dir.path(), "robo", &["--dial-mode", "prerecorded"]));
    let robo = build(dir.path(), "robo");
    assert_eq!(robo["by_mode"]["program"], 3, "P1, P5 and P6's landlines: {robo}");
    assert_eq!(excluded(&robo, "CR-7,CR-47"), 1, "only P4 (the campaign's list): {robo}");
}
