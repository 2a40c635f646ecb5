//! Unit and property tests of the engine. The case table (crates/core/tests/policy_cases.jsonl) holds
//! the rule-by-rule cases; these check the machinery and the properties the issue asks for.

use super::case_file::{parse_case, verdict_json};
use super::*;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::sync::OnceLock;

fn table() -> &'static ZoneTable {
    static TABLE: OnceLock<ZoneTable> = OnceLock::new();
    TABLE.get_or_init(|| ZoneTable::new(TimeZone::get).expect("every zone loads"))
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn zones(names: &[&str]) -> ZoneSet {
    let mut set = ZoneSet::EMPTY;
    for n in names {
        set.insert(table().id(n).unwrap());
    }
    set
}

/// A manual GOTV call to a North Carolina landline at noon Eastern: nothing stops it.
fn base() -> Case {
    Case {
        instant: Some(ts("2026-06-02T16:00:00Z")),
        candidate_zones: zones(&["America/New_York"]),
        address_state: StateCode::parse("NC"),
        phone: Some("+19195550123".parse().unwrap()),
        line_type: Some(LineType::Landline),
        dial_mode: Some(DialMode::Manual),
        purpose: Some(Purpose::Gotv),
        consent: Some(false),
        on_dnc: Some(false),
        prerecorded_calls_30d: Some(0),
        attempts: Some(0),
        max_attempts: Some(3),
        agent_country: Country::parse("US"),
        agent_state: StateCode::parse("NC"),
        source_state: StateCode::parse("NC"),
        caller_id_authorized: Some(true),
        line_type_checked_at: Some(ts("2026-06-02T16:00:00Z")),
        ..Case::default()
    }
}

#[test]
fn the_base_case_is_allowed() {
    let v = decide(table(), &base());
    assert_eq!(v.kind, VerdictKind::Allow, "{}", v.reason());
    assert!(v.rules.is_empty() && v.conditions.is_empty());
}

#[test]
fn a_missing_fact_is_denied_by_name() {
    let case = Case { line_type: None, on_dnc: None, ..base() };
    let v = decide(table(), &case);
    assert_eq!(v.kind, VerdictKind::Deny);
    assert!(v.rules.contains(RuleId::MissingFact));
    assert_eq!(v.reason(), "Missing facts the rules need: line_type, on_dnc.");
    assert_eq!(decide(table(), &Case::default()).kind, VerdictKind::Deny);
}

#[test]
fn next_allowed_at_is_the_opening_in_the_latest_zone() {
    // 07:30 Eastern on a Tuesday in June, a number in New York and an address in Los Angeles: the window
    // opens when it is 08:00 in Los Angeles, 15:00 UTC.
    let case = Case {
        instant: Some(ts("2026-06-02T11:30:00Z")),
        candidate_zones: zones(&["America/Los_Angeles"]),
        address_state: StateCode::parse("CA"),
        phone: Some("+12125550123".parse().unwrap()),
        ..base()
    };
    let v = decide(table(), &case);
    assert_eq!(v.kind, VerdictKind::Deny);
    assert_eq!(v.rules, RuleSet::of(&[RuleId::Cr45]));
    assert_eq!(v.next_allowed_at, Some(ts("2026-06-02T15:00:00Z")));
}

#[test]
fn next_allowed_at_crosses_the_spring_forward_night() {
    // 21:30 EST on Saturday 2026-03-07; clocks go forward at 02:00 on the 8th, so 08:00 the next morning
    // is EDT (UTC-4): 12:00 UTC, not 13:00.
    let case = Case { instant: Some(ts("2026-03-08T02:30:00Z")), ..base() };
    let v = decide(table(), &case);
    assert_eq!(v.kind, VerdictKind::Deny);
    assert_eq!(v.next_allowed_at, Some(ts("2026-03-08T12:00:00Z")));
    // And back on the fall-back night: 21:30 EDT on 2026-10-31, next 08:00 is EST, 13:00 UTC.
    let case = Case { instant: Some(ts("2026-11-01T01:30:00Z")), ..base() };
    assert_eq!(decide(table(), &case).next_allowed_at, Some(ts("2026-11-01T13:00:00Z")));
}

#[test]
fn spacing_and_hours_combine_in_next_allowed_at() {
    // Last attempt at 20:00 Eastern, spacing 120 minutes: 22:00 is past the window; next morning 08:00.
    let case = Case {
        instant: Some(ts("2026-06-03T00:30:00Z")),
        attempts: Some(1),
        last_attempt_at: Some(ts("2026-06-03T00:00:00Z")),
        last_disposition: Some(Disposition::NoAnswer),
        ..base()
    };
    let v = decide(table(), &case);
    assert_eq!(v.rules, RuleSet::of(&[RuleId::MinSpacing]));
    assert_eq!(v.next_allowed_at, Some(ts("2026-06-03T12:00:00Z")));
}

#[test]
fn a_denial_that_waiting_cannot_cure_has_no_next_allowed_at() {
    let case = Case { instant: Some(ts("2026-06-02T11:30:00Z")), on_dnc: Some(true), ..base() };
    let v = decide(table(), &case);
    assert!(v.rules.contains(RuleId::Cr47) && v.rules.contains(RuleId::Cr45));
    assert_eq!(v.next_allowed_at, None);
    assert_eq!(v.reason, Reason::OnDnc, "the do-not-call list comes first, whatever else applies");
}

#[test]
fn every_us_zone_still_has_a_common_window() {
    // Unknown address state: every US zone from Guam to American Samoa. The overlap is 17:00–21:00
    // Eastern in winter (22:00–02:00 UTC).
    let case = Case {
        instant: Some(ts("2026-01-13T16:00:00Z")),
        candidate_zones: ZoneSet::EMPTY,
        address_state: None,
        ..base()
    };
    let v = decide(table(), &case);
    assert_eq!(v.kind, VerdictKind::Deny);
    assert_eq!(v.next_allowed_at, Some(ts("2026-01-13T22:00:00Z")));
}

fn case_json(case: &Case) -> String {
    verdict_json(&Value::Null, &decide(table(), case))
}

use serde_json::Value;

fn arb_case() -> impl Strategy<Value = Case> {
    let lines = prop::sample::select(vec![
        LineType::Wireless,
        LineType::Landline,
        LineType::Voip,
        LineType::Protected,
        LineType::Unknown,
    ]);
    let modes = prop::sample::select(DialMode::ALL.to_vec());
    let zone_names = prop::sample::subsequence(
        vec!["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"],
        0..3,
    );
    let states = prop::sample::select(vec![
        None,
        Some("NC"),
        Some("CA"),
        Some("MN"),
        Some("NH"),
        Some("IN"),
        Some("ND"),
        Some("FL"),
        Some("OK"),
    ]);
    let phones = prop::sample::select(vec![
        "+19195550123",
        "+16035550123",
        "+17015550123",
        "+13105550123",
        "+18005550123",
        "+13055550123",
    ]);
    // How long before the instant the line type was looked up: fresh, stale (CR-12), or never.
    let lookups = prop::sample::select(vec![Some(0i64), Some(24 * 3), Some(24 * 40), None]);
    (
        (0i64..(366 * 86_400), lines, modes, zone_names, states, phones),
        (any::<bool>(), any::<bool>(), 0u32..5, 0u32..5, 1u32..6, any::<bool>()),
        (any::<bool>(), any::<bool>(), prop::sample::select(vec!["US", "PH", "CN"])),
        (lookups, prop::sample::select(vec![true, true, true, false]), any::<bool>(), any::<bool>(), 0u32..5),
    )
        .prop_map(
            |(
                (secs, line, mode, zone_names, state, phone),
                (consent, on_dnc, pre, attempts, max, recorded),
                (national, business, agent),
                (lookup_hours_ago, caller_id_authorized, commercial, written, calls_24h),
            )| {
                let instant = ts("2026-01-01T00:00:00Z") + jiff::SignedDuration::from_secs(secs);
                let phone: PhoneE164 = phone.parse().unwrap();
                let line = if crate::phone::is_toll_free(&phone) { LineType::Protected } else { line };
                Case {
                    instant: Some(instant),
                    candidate_zones: zones(&zone_names),
                    address_state: state.and_then(StateCode::parse),
                    phone: Some(phone),
                    line_type: Some(line),
                    business_line: business,
                    dial_mode: Some(mode),
                    consent: Some(consent),
                    consent_at: consent.then(|| instant - jiff::SignedDuration::from_hours(24 * 40)),
                    rnd: consent.then(|| RndCheck {
                        result: RndResult::NotReassigned,
                        checked_at: instant - jiff::SignedDuration::from_hours(24),
                    }),
                    on_dnc: Some(on_dnc),
                    on_national_dnc: Some(national),
                    prerecorded_calls_30d: Some(pre),
                    attempts: Some(attempts),
                    max_attempts: Some(max),
                    last_attempt_at: (attempts > 0).then(|| instant - jiff::SignedDuration::from_hours(5)),
                    recorded: Some(recorded),
                    agent_country: Country::parse(agent),
                    line_type_checked_at: lookup_hours_ago.map(|h| instant - jiff::SignedDuration::from_hours(h)),
                    caller_id_authorized: Some(caller_id_authorized),
                    commercial_content: commercial,
                    written_consent: consent && written,
                    calls_24h: Some(calls_24h.min(attempts)),
                    ..base()
                }
            },
        )
}

const RESTRICTIONS: u8 = 14;

/// One more restriction on a case: each makes the facts worse for the caller, never better.
fn restrict(case: &Case, which: u8) -> Case {
    let mut c = case.clone();
    match which % RESTRICTIONS {
        0 => c.on_dnc = Some(true),
        1 => c.on_org_dnc = true,
        2 => {
            c.consent = Some(false);
            c.consent_at = None;
            c.rnd = None;
        }
        3 => c.attempts = c.attempts.map(|a| a + 1),
        4 => c.prerecorded_calls_30d = c.prerecorded_calls_30d.map(|n| n + 1),
        // One more zone to check on top of every zone checked so far (given, or the state's fallback).
        5 => c.candidate_zones = checked_zones(table(), case).union(zones(&["Pacific/Honolulu"])),
        6 => c.on_national_dnc = Some(true),
        7 => c.program_window = Some(Window::hours(9, 20)),
        9 => c.caller_id_authorized = Some(false),
        10 => c.commercial_content = true,
        11 => c.line_type_checked_at = None,
        12 => c.calls_24h = c.calls_24h.map(|n| n + 1),
        13 => c.written_consent = false,
        _ => c.max_attempts = c.max_attempts.map(|m| m.saturating_sub(1)),
    }
    if matches!(which % RESTRICTIONS, 3 | 12) && c.last_attempt_at.is_none() {
        c.last_attempt_at = c.instant.map(|i| i - jiff::SignedDuration::from_hours(5));
    }
    c
}

proptest! {
    #[test]
    fn nothing_on_a_do_not_call_list_is_ever_allowed(case in arb_case(), org in any::<bool>()) {
        let case = if org { Case { on_org_dnc: true, ..case } } else { Case { on_dnc: Some(true), ..case } };
        let v = decide(table(), &case);
        prop_assert_eq!(v.kind, VerdictKind::Deny);
        prop_assert!(v.rules.contains(RuleId::Cr47));
        prop_assert_eq!(v.next_allowed_at, None);
    }

    #[test]
    fn adding_a_restriction_never_turns_a_deny_into_an_allow(case in arb_case(), which in any::<u8>()) {
        let before = decide(table(), &case);
        let after = decide(table(), &restrict(&case, which));
        if before.kind == VerdictKind::Deny {
            prop_assert_eq!(after.kind, VerdictKind::Deny, "restriction {} lifted a denial", which % RESTRICTIONS);
        }
        // And a denial's rules never disappear when a restriction is added.
        if before.kind == VerdictKind::Deny && after.kind == VerdictKind::Deny {
            for rule in before.rules.iter().filter(|r| *r != RuleId::MinSpacing && *r != RuleId::Cr45) {
                prop_assert!(after.rules.contains(rule), "{} dropped by restriction {}", rule.as_str(), which % RESTRICTIONS);
            }
        }
    }

    #[test]
    fn the_verdict_does_not_depend_on_the_order_of_the_facts(case in arb_case(), seed in any::<u64>()) {
        // Through the case file: zones listed in another order and keys in another order.
        let mut names: Vec<&str> = case.candidate_zones.iter().map(|id| table().name(id)).collect();
        let line = |names: &[&str], reversed: bool| {
            let mut fields = vec![
                ("instant", Value::from(case.instant.unwrap().to_string())),
                ("candidate_zones", Value::from(names.to_vec())),
                ("address_state", case.address_state.map(|s| Value::from(s.as_str())).unwrap_or(Value::Null)),
                ("phone", Value::from(case.phone.unwrap().to_string())),
                ("line_type", Value::from(case.line_type.unwrap().as_str())),
                ("dial_mode", Value::from(case.dial_mode.unwrap().as_str())),
                ("purpose", Value::from("gotv")),
                ("consent", Value::from(false)),
                ("on_dnc", Value::from(case.on_dnc.unwrap())),
                ("prerecorded_calls_30d", Value::from(case.prerecorded_calls_30d.unwrap())),
                ("attempts", Value::from(0)),
                ("max_attempts", Value::from(case.max_attempts.unwrap())),
                ("agent_country", Value::from(case.agent_country.unwrap().as_str())),
                ("source_state", Value::from("NC")),
                ("on_national_dnc", Value::from(case.on_national_dnc.unwrap())),
            ];
            if reversed {
                fields.reverse();
            }
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{}", Value::from(*k), v)).collect();
            format!("{{{}}}", body.join(","))
        };
        let first = parse_case(&line(&names, false), table()).unwrap();
        let rotate = (seed as usize) % names.len().max(1);
        names.rotate_left(rotate);
        names.reverse();
        let second = parse_case(&line(&names, true), table()).unwrap();
        prop_assert_eq!(case_json(&first.case), case_json(&second.case));
    }
}

#[test]
fn the_precomputed_area_code_zones_match_the_nanp_table() {
    // Every area code, at exchanges across the range, including the area codes resolved by exchange.
    let mut checked = 0;
    for npa in 200..1000u64 {
        for nxx in (200..1000u64).step_by(7).chain([201, 215, 555, 999]) {
            let Ok(phone) = format!("+1{npa}{nxx}0123").parse::<PhoneE164>() else { continue };
            let mut expected = ZoneSet::EMPTY;
            for name in crate::phone::nanp::zones_for(&phone) {
                expected.insert(table().id(name).unwrap());
            }
            assert_eq!(table().phone_zones(&phone), expected, "area code {npa}, exchange {nxx}");
            checked += 1;
        }
    }
    assert!(checked > 50_000, "{checked}");
    assert!(crate::phone::nanp::area_codes_with_exchange_rows().contains(&208));
}

#[test]
fn windows_that_never_overlap_deny_without_a_next_time() {
    // A program window of 08:00-10:00 in New York and Honolulu: 08:00 HST is 14:00 EDT. Never both.
    let case = Case {
        candidate_zones: zones(&["America/New_York", "Pacific/Honolulu"]),
        program_window: Some(Window::hours(8, 10)),
        ..base()
    };
    let v = decide(table(), &case);
    assert_eq!(v.kind, VerdictKind::Deny);
    assert_eq!(v.reason, Reason::NoCommonWindow);
    assert_eq!(v.next_allowed_at, None);
    assert!(v.rules.contains(RuleId::ProgramWindow));
}

#[test]
fn a_bad_line_names_the_field_and_never_the_value() {
    let good = r#""instant":"2026-06-02T16:00:00Z","phone":"+19195550123""#;
    let cases = [
        (r#"{"phone":"+1919555"}"#.to_string(), Some("phone")),
        (r#"{"phone":19195550123}"#.to_string(), Some("phone")),
        (format!(r#"{{{good},"candidate_zones":["Mars/Olympus"]}}"#), Some("candidate_zones")),
        (format!(r#"{{{good},"candidate_zones":"America/New_York"}}"#), Some("candidate_zones")),
        (format!(r#"{{{good},"line_type":"cellular"}}"#), Some("line_type")),
        (format!(r#"{{{good},"attempts":-1}}"#), Some("attempts")),
        (format!(r#"{{{good},"consent":"yes"}}"#), Some("consent")),
        (format!(r#"{{{good},"rnd_result":"no"}}"#), Some("rnd_checked_at")),
        (format!(r#"{{{good},"address_state":"XX"}}"#), Some("address_state")),
        (format!(r#"{{{good},"program_window":"9 to 5"}}"#), Some("program_window")),
        (r#"{"instant":"2026-06-02 16:00"}"#.to_string(), Some("instant")),
        ("[1,2]".to_string(), None),
        ("{\"phone\":".to_string(), None),
    ];
    for (line, field) in cases {
        let Err(e) = parse_case(&line, table()) else { panic!("{line} should not parse") };
        assert_eq!(e.field, field, "{line}");
        let text = e.to_string();
        for value in ["1919555", "Mars", "cellular", "XX", "9 to 5", "yes"] {
            assert!(!text.contains(value), "{text} echoes a value");
        }
    }
    // Unknown keys are ignored and null is absent.
    let parsed = parse_case(&format!(r#"{{{good},"whatever":{{"x":1}},"on_dnc":null}}"#), table()).unwrap();
    assert_eq!(parsed.case.on_dnc, None);
    assert_eq!(parsed.case.phone.map(|p| p.npa()), Some(Some(919)));
}
