use super::*;
use crate::phone::LineType;
use crate::policy::{decide, Case, RuleId, StateCode, ZoneSet, ZoneTable};
use jiff::tz::TimeZone;
use std::sync::OnceLock;

fn table() -> &'static ZoneTable {
    static TABLE: OnceLock<ZoneTable> = OnceLock::new();
    TABLE.get_or_init(|| ZoneTable::new(TimeZone::get).expect("every zone loads"))
}

/// A North Carolina number at noon Eastern, decided by the real engine for `mode`.
fn verdict(mode: DialMode, line: LineType, on_dnc: bool) -> Verdict {
    let mut zones = ZoneSet::EMPTY;
    zones.insert(table().id("America/New_York").unwrap());
    let case = Case {
        instant: Some("2026-06-02T16:00:00Z".parse().unwrap()),
        candidate_zones: zones,
        address_state: StateCode::parse("NC"),
        source_state: StateCode::parse("NC"),
        phone: Some("+19195550123".parse().unwrap()),
        line_type: Some(line),
        dial_mode: Some(mode),
        purpose: Some(Purpose::Gotv),
        consent: Some(false),
        on_dnc: Some(on_dnc),
        prerecorded_calls_30d: Some(0),
        attempts: Some(0),
        max_attempts: Some(3),
        recorded: Some(false),
        agent_country: crate::policy::Country::parse("US"),
        agent_state: StateCode::parse("NC"),
        vendor_country: crate::policy::Country::parse("US"),
        caller_id_authorized: Some(true),
        line_type_checked_at: Some("2026-06-02T16:00:00Z".parse().unwrap()),
        ..Case::default()
    };
    decide(table(), &case)
}

#[test]
fn a_predictive_program_dials_landlines_itself_and_blends_wireless_as_preview() {
    let landline = verdict(DialMode::Predictive, LineType::Landline, false);
    let wireless = verdict(DialMode::Predictive, LineType::Wireless, false);
    assert_ne!(wireless.kind, VerdictKind::Deny, "a wireless number is callable by hand: {wireless:?}");

    let only_wireless = classify_person(DialMode::Predictive, &[(0, wireless)]);
    assert_eq!(only_wireless.mode, EntryMode::Preview, "CR-49: the system never dials it");
    assert_eq!(only_wireless.phone_position, Some(0));

    // The landline is dialed even though it is listed second.
    let both = classify_person(DialMode::Predictive, &[(0, wireless), (1, landline)]);
    assert_eq!((both.mode, both.phone_position), (EntryMode::Program, Some(1)));

    // In a preview program a wireless number is the program's own mode: no blending needed.
    let preview = classify_person(DialMode::Preview, &[(0, verdict(DialMode::Preview, LineType::Wireless, false))]);
    assert_eq!(preview.mode, EntryMode::Program);
}

#[test]
fn a_person_whose_every_phone_is_denied_is_excluded_with_the_first_phones_rules() {
    let dnc = verdict(DialMode::Predictive, LineType::Landline, true);
    assert_eq!(dnc.kind, VerdictKind::Deny);
    let robocall = verdict(DialMode::Prerecorded, LineType::Wireless, false);
    assert_eq!(robocall.kind, VerdictKind::Deny, "CR-1: no prerecorded call to a wireless line without consent");

    let excluded = classify_person(DialMode::Predictive, &[(0, dnc), (1, dnc)]);
    assert_eq!(excluded.mode, EntryMode::Excluded);
    assert_eq!(excluded.phone_position, None);
    assert!(excluded.rules.contains(RuleId::Cr47), "do-not-call is CR-47: {:?}", excluded.rules);
    assert_eq!(excluded.reason, dnc.reason());

    let robo = classify_person(DialMode::Prerecorded, &[(0, robocall)]);
    assert!(robo.rules.contains(RuleId::Cr1), "{:?}", robo.rules);

    // One callable phone is enough.
    let one_good = classify_person(
        DialMode::Predictive,
        &[(0, dnc), (1, verdict(DialMode::Predictive, LineType::Landline, false))],
    );
    assert_eq!((one_good.mode, one_good.phone_position), (EntryMode::Program, Some(1)));
}

#[test]
fn a_person_without_a_phone_is_excluded_and_says_so() {
    let c = classify_person(DialMode::Predictive, &[]);
    assert_eq!(c.mode, EntryMode::Excluded);
    assert_eq!(c.reason, NO_PHONE);
}

#[test]
fn vendor_shares_hold_within_two_points_over_ten_thousand_households() {
    for (shares, program) in [(vec![70u8, 30], 1i64), (vec![60, 40], 7), (vec![50, 25, 25], 42)] {
        let mut counts = vec![0u32; shares.len()];
        for household in 0..10_000 {
            counts[assign_vendor(program, household, &shares).unwrap()] += 1;
        }
        for (count, share) in counts.iter().zip(&shares) {
            let got = f64::from(*count) / 100.0;
            assert!((got - f64::from(*share)).abs() <= 2.0, "share {share} % got {got} % ({shares:?})");
        }
    }
}

#[test]
fn vendor_assignment_is_fixed_for_a_program_and_differs_between_programs() {
    let a: Vec<_> = (0..1000).map(|h| assign_vendor(5, h, &[50, 50])).collect();
    let again: Vec<_> = (0..1000).map(|h| assign_vendor(5, h, &[50, 50])).collect();
    let other: Vec<_> = (0..1000).map(|h| assign_vendor(6, h, &[50, 50])).collect();
    assert_eq!(a, again);
    assert_ne!(a, other, "each program splits its own way");
    assert_eq!(assign_vendor(5, 1, &[]), None);
    assert_eq!(assign_vendor(5, 1, &[100]), Some(0));
}

fn good() -> ProgramSettings {
    let mut s = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "dems");
    s.caller_id = Some("+19195550100".parse().unwrap());
    s.caller_id_authorized = true;
    s.vendors = vec![VendorShare::parse("acme=70").unwrap(), VendorShare::parse("beta=30").unwrap()];
    s
}

fn fields(problems: &[Invalid]) -> Vec<&'static str> {
    problems.iter().map(|p| p.field).collect()
}

#[test]
fn settings_that_hold_together_have_no_problems_and_may_start() {
    assert!(good().problems().is_empty(), "{:?}", good().problems());
    assert!(good().start_blockers().is_empty());
}

#[test]
fn every_contradiction_is_named_by_its_field() {
    let mut s = good();
    s.vendors[1].percent = 20;
    s.window = crate::policy::case_file::parse_window("20:00-09:00");
    s.max_attempts = 0;
    s.abandonment_target_percent = 3.5;
    s.universe = " ".into();
    let problems = s.problems();
    assert_eq!(fields(&problems), vec!["universe", "window", "max_attempts", "abandonment_target_percent", "vendors"]);
    assert!(problems.iter().any(|p| p.reason.contains("90 %")), "{problems:?}");

    let mut twice = good();
    twice.vendors = vec![VendorShare::parse("acme=50").unwrap(), VendorShare::parse("acme=50").unwrap()];
    assert_eq!(fields(&twice.problems()), vec!["vendors"]);

    let mut robo = good();
    robo.dial_mode = DialMode::Prerecorded;
    assert_eq!(fields(&robo.problems()), vec!["vendors"], "an agentless program takes no vendors");
}

#[test]
fn a_program_without_an_attested_caller_id_or_vendors_will_not_start() {
    let mut s = good();
    s.caller_id_authorized = false;
    assert_eq!(fields(&s.start_blockers()), vec!["caller_id_authorized"]);
    s.caller_id = None;
    assert_eq!(fields(&s.start_blockers()), vec!["caller_id"]);
    let mut nobody = good();
    nobody.vendors.clear();
    assert!(nobody.problems().is_empty());
    assert_eq!(fields(&nobody.start_blockers()), vec!["vendors"]);
}

#[test]
fn vendor_shares_parse_or_say_why() {
    assert_eq!(VendorShare::parse(" acme = 70 ").unwrap(), VendorShare { vendor: "acme".into(), percent: 70 });
    assert!(VendorShare::parse("acme").is_err());
    assert!(VendorShare::parse("acme=0").is_err());
    assert!(VendorShare::parse("acme=101").is_err());
}

#[test]
fn settings_round_trip_through_json_with_the_window_as_text() {
    let mut s = good();
    s.window = crate::policy::case_file::parse_window("09:00-20:30");
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["window"], "09:00-20:30");
    assert_eq!(json["dial_mode"], "predictive");
    assert_eq!(json["caller_id"], "+19195550100");
    let back: ProgramSettings = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn surveys_default_to_one_person_per_household_and_gotv_to_every_voter() {
    assert!(ProgramSettings::new(Purpose::Survey, DialMode::Power, "u").one_per_household);
    assert!(!ProgramSettings::new(Purpose::Gotv, DialMode::Power, "u").one_per_household);
}
