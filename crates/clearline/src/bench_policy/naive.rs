//! A straightforward evaluation of the contact policy, written separately from the engine to check it:
//! zone names and `Zoned` values instead of bit sets and offsets, strings instead of enums, every
//! window opening of the next days tried in turn instead of the engine's jumps. Slow and plain on
//! purpose; only the benchmark's sample goes through it.

use clearline_core::disposition::Disposition;
use clearline_core::phone::{is_premium, is_toll_free, nanp, LineType};
use clearline_core::policy::{Case, DialMode, RndResult, DEFAULT_MIN_SPACING_MINUTES, LINE_TYPE_FRESH_DAYS};
use clearline_core::tz;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The verdict as plain values: kind, rule names, condition names, next allowed instant.
pub struct Plain {
    pub kind: &'static str,
    pub rules: Vec<&'static str>,
    pub conditions: Vec<&'static str>,
    pub next_allowed_at: Option<Timestamp>,
}

const ALL_PARTY: &[&str] = &["CA", "DE", "FL", "IL", "MD", "MA", "MT", "NV", "NH", "PA", "WA", "CT", "MI", "OR"];
const DSP: &[&str] = &["CN", "HK", "MO", "RU", "IR", "KP", "CU", "VE"];

/// The zones to check, by name: the address zones given (else the state's, else every US zone) and the
/// area code's.
pub fn zone_names(case: &Case, address_zones: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = if !address_zones.is_empty() {
        address_zones.iter().map(|z| z.to_string()).collect()
    } else {
        match case.address_state {
            Some(s) => tz::zones_for_address(s.as_str(), None).iter().map(|z| z.to_string()).collect(),
            None => tz::ALL_US_ZONES.iter().map(|z| z.to_string()).collect(),
        }
    };
    if let Some(phone) = case.phone {
        names.extend(nanp::zones_for(&phone).iter().map(|z| z.to_string()));
    }
    names.sort();
    names.dedup();
    names
}

pub fn evaluate(case: &Case, zone_names_of_case: &[String]) -> Plain {
    let mut deny: Vec<&'static str> = Vec::new();
    let mut cure_by_waiting = true;
    let mut conditions: Vec<&'static str> = Vec::new();
    let mut condition_rules: Vec<&'static str> = Vec::new();
    let mut hard = |deny: &mut Vec<&'static str>, rules: &[&'static str]| {
        deny.extend_from_slice(rules);
        cure_by_waiting = false;
    };

    for missing in [
        case.instant.is_none(),
        case.phone.is_none(),
        case.line_type.is_none(),
        case.dial_mode.is_none(),
        case.purpose.is_none(),
        case.consent.is_none(),
        case.on_dnc.is_none(),
        case.attempts.is_none(),
        case.max_attempts.is_none(),
    ] {
        if missing {
            hard(&mut deny, &["missing_fact"]);
        }
    }
    // Contradictions.
    let toll_free = case.phone.is_some_and(|p| is_toll_free(&p) || is_premium(&p));
    let mut contradictory = toll_free && case.line_type.is_some_and(|l| l != LineType::Protected);
    if let Some(now) = case.instant {
        contradictory |= case.last_attempt_at.is_some_and(|t| t > now);
        contradictory |= case.consent_at.is_some_and(|t| t > now);
        if let Some(rnd) = case.rnd {
            contradictory |= rnd.checked_at > now || case.consent_at.is_some_and(|c| rnd.checked_at < c);
        }
    }
    contradictory |= case.attempts == Some(0) && (case.last_attempt_at.is_some() || case.last_disposition.is_some());
    contradictory |= case.consent == Some(false) && case.consent_at.is_some();
    contradictory |= case.program_window.is_some_and(|w| w.open >= w.close);
    contradictory |= case.written_consent && case.consent == Some(false);
    if contradictory {
        hard(&mut deny, &["contradictory_fact"]);
    }

    // The states the person may be in: the address state and the area code's, or any state.
    let states: Vec<String> = match case.address_state {
        None => tz::state_codes().map(String::from).collect(),
        Some(s) => {
            let mut v = vec![s.as_str().to_string()];
            if let Some(area) = case.phone.and_then(|p| nanp::state_for(&p)) {
                if tz::state_zones(area).is_some() {
                    v.push(area.to_string());
                }
            }
            v
        }
    };
    let in_state = |code: &str| states.iter().any(|s| s == code);

    match case.caller_id_authorized {
        None => hard(&mut deny, &["missing_fact", "CR-14", "CR-15"]),
        Some(false) => hard(&mut deny, &["CR-14", "CR-15"]),
        Some(true) => {}
    }
    // Florida's and Oklahoma's sales-call laws, for commercial content.
    let sales = case.commercial_content && (in_state("FL") || in_state("OK"));
    if case.on_dnc == Some(true) || case.on_org_dnc {
        hard(&mut deny, &["CR-47", "CR-7"]);
    }
    match case.last_disposition {
        Some(Disposition::DoNotCall) => hard(&mut deny, &["final_disposition", "CR-47"]),
        Some(d) if d.is_final() => hard(&mut deny, &["final_disposition"]),
        _ => {}
    }

    let mode = case.dial_mode;
    let agent = matches!(mode, Some(DialMode::Manual | DialMode::Preview | DialMode::Power | DialMode::Predictive));
    let robocall = matches!(mode, Some(DialMode::Prerecorded | DialMode::ArtificialVoice | DialMode::Ivr));
    let system = matches!(mode, Some(DialMode::Power | DialMode::Predictive));
    if agent {
        match case.agent_country {
            None => hard(&mut deny, &["missing_fact", "CR-39", "CR-41"]),
            Some(c) => {
                if DSP.contains(&c.as_str()) {
                    hard(&mut deny, &["CR-41"]);
                }
                if c.as_str() != "US" {
                    match case.source_state {
                        None => hard(&mut deny, &["missing_fact", "CR-39"]),
                        Some(s) if s.as_str() == "CA" => hard(&mut deny, &["CR-39"]),
                        Some(_) => {}
                    }
                }
            }
        }
    }
    if case.vendor_country.is_some_and(|c| DSP.contains(&c.as_str())) {
        hard(&mut deny, &["CR-41"]);
    }

    // Consent that can be relied on: claimed, dated, and checked against the RND. `Ok(None)`: the consent
    // fact itself is missing (already denied above); `Err`: claimed without the record to rely on it.
    let consent_usable = || -> Result<Option<bool>, ()> {
        match case.consent {
            None => Ok(None),
            Some(false) => Ok(Some(false)),
            Some(true) => match (case.consent_at, case.rnd) {
                (Some(_), Some(rnd)) => Ok(Some(rnd.result != RndResult::Reassigned)),
                _ => Err(()),
            },
        }
    };
    let voided = case.consent == Some(true) && case.rnd.is_some_and(|r| r.result == RndResult::Reassigned);
    let cr4 = mode == Some(DialMode::ArtificialVoice);

    if let (Some(line), Some(_)) = (case.line_type, mode) {
        // A landline looked up more than 15 days ago (or never) may have been ported to wireless.
        let fresh = match (case.line_type_checked_at, case.instant) {
            (Some(checked), Some(now)) => checked + SignedDuration::from_hours(24 * LINE_TYPE_FRESH_DAYS) >= now,
            _ => false,
        };
        let stale = line == LineType::Landline && (robocall || system) && !fresh;
        let wireless = matches!(line, LineType::Wireless | LineType::Voip | LineType::Unknown) || stale;
        let protected = line == LineType::Protected;
        if (robocall || system) && (wireless || protected) {
            match consent_usable() {
                Err(()) => hard(&mut deny, &["missing_fact", "CR-13"]),
                Ok(Some(true)) | Ok(None) => {}
                Ok(Some(false)) => {
                    let mut rules = vec![if protected { "CR-2" } else { "CR-1" }];
                    if voided {
                        rules.push("CR-13");
                    }
                    if stale {
                        rules.push("CR-12");
                    }
                    if robocall {
                        if cr4 {
                            rules.push("CR-4");
                        }
                        hard(&mut deny, &rules);
                    } else {
                        rules.push("CR-49");
                        conditions.push("manual_dial_only");
                        condition_rules.extend(rules);
                    }
                }
            }
        }
        if robocall && line == LineType::Landline && !case.business_line {
            match case.prerecorded_calls_30d {
                None => {
                    hard(&mut deny, &["missing_fact", "CR-3"]);
                    if cr4 {
                        deny.push("CR-4");
                    }
                }
                Some(n) if n >= 3 => match consent_usable() {
                    Err(()) => hard(&mut deny, &["missing_fact", "CR-13"]),
                    Ok(Some(true)) | Ok(None) => {}
                    Ok(Some(false)) => {
                        hard(&mut deny, &["CR-3"]);
                        if cr4 {
                            deny.push("CR-4");
                        }
                        if voided {
                            deny.push("CR-13");
                        }
                    }
                },
                Some(_) => {}
            }
        }
        if sales && (robocall || system) {
            let failed_with = match consent_usable() {
                Err(()) => {
                    hard(&mut deny, &["missing_fact", "CR-13"]);
                    None
                }
                Ok(None) => None,
                Ok(Some(true)) if case.written_consent => None,
                Ok(Some(true)) => Some(vec!["CR-27"]),
                Ok(Some(false)) if voided => Some(vec!["CR-27", "CR-13"]),
                Ok(Some(false)) => Some(vec!["CR-27"]),
            };
            if let Some(rules) = failed_with {
                if robocall {
                    hard(&mut deny, &rules);
                } else {
                    conditions.push("manual_dial_only");
                    condition_rules.extend(rules);
                }
            }
        }
        if line == LineType::Landline && case.business_line && (robocall || system) {
            match case.business_lines_in_progress {
                None => hard(&mut deny, &["missing_fact", "CR-10"]),
                Some(n) if n > 0 => hard(&mut deny, &["CR-10"]),
                Some(_) => {}
            }
        }
        if robocall {
            conditions.push("identify_and_offer_opt_out");
            condition_rules.extend(["CR-5", "CR-6"]);
            if cr4 {
                condition_rules.push("CR-4");
            }
            let mut first: Vec<&'static str> = Vec::new();
            for (state, rule) in [("IN", "CR-20"), ("MN", "CR-21"), ("ND", "CR-22")] {
                if in_state(state) {
                    first.push(rule);
                }
            }
            if !first.is_empty() {
                match consent_usable() {
                    Err(()) => hard(&mut deny, &["missing_fact", "CR-13"]),
                    Ok(Some(true)) | Ok(None) => {}
                    Ok(Some(false)) => {
                        if voided {
                            first.push("CR-13");
                        }
                        conditions.push("live_operator_consent_first");
                        condition_rules.extend(first);
                    }
                }
            }
            if in_state("CA") {
                conditions.push("live_operator_consent_first");
                condition_rules.push("CR-23");
            }
            if in_state("NH") {
                match case.on_national_dnc {
                    None => hard(&mut deny, &["missing_fact", "CR-24"]),
                    Some(true) => hard(&mut deny, &["CR-24"]),
                    Some(false) => {}
                }
                conditions.push("name_payer_within_30s");
                condition_rules.push("CR-24");
            }
        }
        // Not said to be unrecorded: taken as recorded.
        if case.recorded.unwrap_or(true) {
            let callee = states.iter().any(|s| ALL_PARTY.contains(&s.as_str()));
            let agent_side = agent && case.agent_state.is_none_or(|s| ALL_PARTY.contains(&s.as_str()));
            if callee || agent_side {
                conditions.push("announce_recording");
                condition_rules.push("CR-28");
            }
        }
        if system {
            conditions.push("play_safe_harbor");
            condition_rules.push("CR-46");
        }
    }

    if let (Some(a), Some(m)) = (case.attempts, case.max_attempts) {
        if a >= m {
            hard(&mut deny, &["max_attempts"]);
        }
    }
    if let Some(cap) = case.max_household_attempts {
        match case.household_attempts {
            None => hard(&mut deny, &["missing_fact", "household_cap"]),
            Some(h) if h >= cap => hard(&mut deny, &["household_cap"]),
            _ => {}
        }
    }
    let mut from = case.instant;
    if let (Some(now), Some(a)) = (case.instant, case.attempts) {
        if a > 0 {
            match case.last_attempt_at {
                None => hard(&mut deny, &["missing_fact", "min_spacing"]),
                Some(last) => {
                    let minutes = case.min_spacing_minutes.unwrap_or(DEFAULT_MIN_SPACING_MINUTES);
                    let ready = last + SignedDuration::from_mins(i64::from(minutes));
                    if now < ready {
                        deny.push("min_spacing");
                        from = Some(ready);
                    }
                }
            }
        }
    }

    if sales {
        match (case.calls_24h, case.last_attempt_at) {
            (None, _) => hard(&mut deny, &["missing_fact", "CR-27"]),
            (Some(n), None) if n >= 3 => hard(&mut deny, &["missing_fact", "CR-27"]),
            (Some(n), Some(last)) if n >= 3 => {
                deny.push("CR-27");
                let ready = last + SignedDuration::from_hours(24);
                from = from.map(|f| f.max(ready));
            }
            _ => {}
        }
    }

    // Calling hours, by the clock on the wall in each zone.
    let zones: Vec<TimeZone> = zone_names_of_case.iter().map(|n| TimeZone::get(n).expect("a known zone")).collect();
    let mut windows: Vec<(&'static str, (i32, i32))> = vec![("CR-45", (8 * 3600, 21 * 3600))];
    if let Some(w) = case.program_window {
        windows.push(("program_window", (w.open, w.close)));
    }
    if robocall && in_state("CA") {
        windows.push(("CR-23", (9 * 3600, 21 * 3600)));
    }
    if robocall && in_state("MN") {
        windows.push(("CR-21", (9 * 3600, 21 * 3600)));
    }
    if robocall && in_state("ND") {
        windows.push(("CR-22", (8 * 3600, 21 * 3600)));
    }
    if sales {
        windows.push(("CR-27", (8 * 3600, 20 * 3600)));
    }
    let wall = |t: Timestamp, tz: &TimeZone| {
        let time = t.to_zoned(tz.clone()).time();
        i32::from(time.hour()) * 3600 + i32::from(time.minute()) * 60 + i32::from(time.second())
    };
    if let Some(now) = case.instant {
        for tz in &zones {
            let s = wall(now, tz);
            for (rule, (open, close)) in &windows {
                if !(*open <= s && s < *close) {
                    deny.push(rule);
                }
            }
        }
    }
    let open = windows.iter().map(|(_, w)| w.0).max().unwrap_or(0);
    let close = windows.iter().map(|(_, w)| w.1).min().unwrap_or(86_400);

    deny.sort_unstable();
    deny.dedup();
    if !deny.is_empty() {
        let next = match (cure_by_waiting, from) {
            (true, Some(from)) if open < close => first_open_instant(&zones, open, close, from, wall),
            _ => None,
        };
        return Plain { kind: "deny", rules: deny, conditions: Vec::new(), next_allowed_at: next };
    }
    condition_rules.sort_unstable();
    condition_rules.dedup();
    conditions.sort_unstable();
    conditions.dedup();
    let kind = if conditions.is_empty() { "allow" } else { "allow_with_conditions" };
    Plain { kind, rules: condition_rules, conditions, next_allowed_at: None }
}

/// Tries `from` and every local opening in every zone over the next nine days, earliest first.
fn first_open_instant(
    zones: &[TimeZone],
    open: i32,
    close: i32,
    from: Timestamp,
    wall: impl Fn(Timestamp, &TimeZone) -> i32,
) -> Option<Timestamp> {
    let mut candidates = vec![from];
    for tz in zones {
        let start = from.to_zoned(tz.clone()).date();
        for day in 0..9 {
            let date = start.checked_add(day.days()).ok()?;
            let at = date.at((open / 3600) as i8, (open / 60 % 60) as i8, (open % 60) as i8, 0);
            if let Ok(z) = at.to_zoned(tz.clone()) {
                if z.timestamp() >= from {
                    candidates.push(z.timestamp());
                }
            }
        }
    }
    candidates.sort();
    candidates.into_iter().find(|t| {
        zones.iter().all(|tz| {
            let s = wall(*t, tz);
            open <= s && s < close
        })
    })
}
