//! A universe through the contact policy engine at one instant, before it becomes a call list: people
//! by their best phone's verdict (allow, then allow with conditions, then deny), callable people whose
//! household already has someone to call, and phones by verdict and the rules behind it.
//!
//! Every phone is one case in the case-file format (docs/policy.md), so the counts are exactly what
//! `clearline policy check` would say of each phone: the program's facts (dial mode, purpose, instant…)
//! come from the caller, the person's and phone's from the records. Numbers are decrypted here, in
//! memory, for the engine; none is returned.

use crate::keys::VaultSealer;
use clearline_core::phone::{LineType, PhoneE164};
use clearline_core::policy::case_file::{parse_case, CaseError};
use clearline_core::policy::{decide, Case, RndCheck, RndResult, StateCode, VerdictKind, ZoneSet, ZoneTable};
use clearline_core::universe::Filter;
use clearline_core::Actor;
use clearline_store::{PersonDialFacts, PhoneDialFacts, Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The program's facts alone do not make a readable case (names the field, never a value).
    #[error("{0}")]
    Program(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored phone could not be decrypted with the campaign's key")]
    Decrypt,
}

/// The US zones, loaded once per process from the tz database.
pub fn zone_table() -> &'static ZoneTable {
    static TABLE: std::sync::OnceLock<ZoneTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| ZoneTable::new(jiff::tz::TimeZone::get).expect("the tz database has every US zone"))
}

/// What the check found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tally {
    pub instant: String,
    pub people: u64,
    pub people_without_a_phone: u64,
    /// People by their best phone's verdict.
    pub people_by_verdict: BTreeMap<String, u64>,
    /// Callable people (allowed, with or without conditions) whose household already has a callable
    /// member: a household-once call list leaves them out.
    pub household_repeats: u64,
    pub phones: u64,
    /// Phones by verdict and the rules behind it, e.g. `deny CR-45`.
    pub phones_by_reason: BTreeMap<String, u64>,
    /// One plain sentence per reason seen.
    pub reasons: BTreeMap<String, String>,
}

fn rank(kind: VerdictKind) -> u8 {
    match kind {
        VerdictKind::Allow => 2,
        VerdictKind::AllowWithConditions => 1,
        VerdictKind::Deny => 0,
    }
}

/// One phone of one person as a case: the program's case (`base`, parsed once from its keys) plus the
/// person's and the phone's facts, set exactly as the case-file format would read them from
/// [`phone_case`]'s keys (a test holds the two equal) — without a JSON round trip per phone.
/// A stored fact the format would refuse is an error naming the field, never the value.
pub fn record_case(
    table: &ZoneTable,
    base: &Case,
    person: &PersonDialFacts,
    phone: &PhoneDialFacts,
    number: &str,
) -> Result<Case, CaseError> {
    let bad = |field: &'static str, problem: &'static str| CaseError { field: Some(field), problem };
    let state = |field: &'static str, value: &Option<String>| -> Result<Option<StateCode>, CaseError> {
        match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(code) => {
                StateCode::parse(code).map(Some).ok_or(bad(field, "not a two-letter US state or territory code"))
            }
        }
    };
    // In the order the case-file format reads the keys, so a refusal names the same field.
    let mut case = base.clone();
    let mut zones = ZoneSet::EMPTY;
    for name in person.address_zones.split(',').map(str::trim).filter(|z| !z.is_empty()) {
        zones.insert(table.id(name).ok_or(bad("candidate_zones", "a zone that is not a US or NANP IANA zone"))?);
    }
    case.candidate_zones = zones;
    if person.res_state.is_some() {
        case.address_state = state("address_state", &person.res_state)?;
    }
    case.phone = Some(number.parse::<PhoneE164>().map_err(|_| bad("phone", "not a valid E.164 number"))?);
    case.line_type = Some(
        [LineType::Wireless, LineType::Landline, LineType::Voip, LineType::Protected, LineType::Unknown]
            .into_iter()
            .find(|l| l.as_str() == phone.line_type)
            .ok_or(bad("line_type", "not one of wireless, landline, voip, protected, unknown"))?,
    );
    case.line_type_checked_at = person.line_types_as_of_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok());
    case.consent = Some(phone.consent_at_us.is_some());
    if let Some(at) = phone.consent_at_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()) {
        case.consent_at = Some(at);
    }
    case.written_consent = phone.consent_at_us.is_some() && phone.consent_written;
    case.rnd = usable_rnd_check(phone);
    case.on_dnc = Some(phone.on_dnc);
    case.on_national_dnc = phone.on_national_dnc;
    if person.source_state.is_some() {
        case.source_state = state("source_state", &person.source_state)?;
    }
    Ok(case)
}

/// The newest RND check of the number if it can vouch for the newest consent (CR-13): it asked about the
/// number's status since the consent date or earlier, and was made after the consent. Any other check
/// (or none) leaves the fact missing, so a dial that relies on the consent is denied, naming it.
fn usable_rnd_check(phone: &PhoneDialFacts) -> Option<RndCheck> {
    usable_rnd(phone.consent_at_us, phone.rnd.as_ref())
}

/// [`usable_rnd_check`] from the newest consent date and the newest check.
pub fn usable_rnd(consent_at_us: Option<i64>, row: Option<&clearline_store::RndRow>) -> Option<RndCheck> {
    let (consent_at, row) = (consent_at_us?, row?);
    if row.asked_since_us > consent_at || row.checked_at_us < consent_at {
        return None;
    }
    Some(RndCheck {
        result: RndResult::parse(&row.result)?,
        checked_at: jiff::Timestamp::from_microsecond(row.checked_at_us).ok()?,
    })
}

/// CR-3 counts recorded-message calls to a number over a rolling 30 days.
pub const RECORDED_CALLS_WINDOW_US: i64 = 30 * 86_400 * 1_000_000;
/// CR-27 counts a program's calls to a number over 24 hours.
pub const SALES_CALLS_WINDOW_US: i64 = 86_400 * 1_000_000;

/// What the program's own history says of one call-list entry, added to its phone's case.
#[derive(Clone, Copy, Debug, Default)]
pub struct EntryHistory {
    pub attempts: u32,
    pub household_attempts: u32,
    pub last_attempt_at_us: Option<i64>,
    /// Recorded-message calls to the number from the campaign in the 30 days before the dial (CR-3).
    pub recorded_calls_30d: u32,
    /// This program's calls to the number in the 24 hours before the dial (CR-27).
    pub calls_24h: u32,
    /// The number is on the entry's vendor's own do-not-call list (`on_org_dnc`, CR-47, CR-7).
    pub on_vendor_list: bool,
}

/// The case the dialer decides an entry's dial by: [`record_case`] plus the entry's history. The
/// dialer and "why not now?" both build it here, so an explanation says what the dialer would do.
pub fn entry_case(
    table: &ZoneTable,
    base: &Case,
    person: &PersonDialFacts,
    phone: &PhoneDialFacts,
    number: &str,
    history: &EntryHistory,
) -> Result<Case, CaseError> {
    let mut case = record_case(table, base, person, phone, number)?;
    case.attempts = Some(history.attempts);
    case.household_attempts = Some(history.household_attempts);
    case.last_attempt_at = history.last_attempt_at_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok());
    case.prerecorded_calls_30d = Some(history.recorded_calls_30d);
    case.calls_24h = Some(history.calls_24h);
    case.on_org_dnc = history.on_vendor_list;
    Ok(case)
}

/// One phone of one person as case-file keys (the format `policy check` reads): the reference
/// [`record_case`] is held to.
#[cfg(test)]
pub(crate) fn phone_case(
    program: &Map<String, Value>,
    person: &PersonDialFacts,
    phone: &PhoneDialFacts,
    number: &str,
) -> Map<String, Value> {
    let mut case = program.clone();
    case.insert("phone".into(), Value::from(number));
    case.insert("line_type".into(), Value::from(phone.line_type.clone()));
    if let Some(at) = person.line_types_as_of_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()) {
        case.insert("line_type_checked_at".into(), Value::from(at.to_string()));
    }
    let zones: Vec<&str> = person.address_zones.split(',').map(str::trim).filter(|z| !z.is_empty()).collect();
    case.insert("candidate_zones".into(), Value::from(zones));
    if let Some(s) = &person.res_state {
        case.insert("address_state".into(), Value::from(s.clone()));
    }
    if let Some(s) = &person.source_state {
        case.insert("source_state".into(), Value::from(s.clone()));
    }
    case.insert("on_dnc".into(), Value::from(phone.on_dnc));
    if let Some(listed) = phone.on_national_dnc {
        case.insert("on_national_dnc".into(), Value::from(listed));
    }
    case.insert("consent".into(), Value::from(phone.consent_at_us.is_some()));
    if let Some(at) = phone.consent_at_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()) {
        case.insert("consent_at".into(), Value::from(at.to_string()));
    }
    case.insert("written_consent".into(), Value::from(phone.consent_at_us.is_some() && phone.consent_written));
    if let Some(rnd) = usable_rnd_check(phone) {
        case.insert("rnd_result".into(), Value::from(rnd.result.as_str()));
        case.insert("rnd_checked_at".into(), Value::from(rnd.checked_at.to_string()));
    }
    case
}

/// Checks `filter`'s people as `actor` (a role that may see personal data; the check is audited).
/// `program` holds the case-file keys of the program (`instant`, `dial_mode`, `purpose`, …).
pub async fn check_universe(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    filter: &Filter,
    program: &Map<String, Value>,
) -> Result<Tally, CheckError> {
    let table = zone_table();
    let mut program = program.clone();
    program.entry("attempts").or_insert(Value::from(0)); // Clearline has made no calls yet
                                                         // A program cannot start without an attested caller ID (CR-14, CR-15), so a check of its people
                                                         // assumes one unless told otherwise.
    program.entry("caller_id_authorized").or_insert(Value::from(true));
    // The program's facts alone must make a readable case; otherwise say so once, not per phone.
    let base = parse_case(&Value::Object(program.clone()).to_string(), table)
        .map_err(|e| CheckError::Program(e.to_string()))?
        .case;
    store.record_universe_policy_check(actor, filter).await?;
    let instant = program.get("instant").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut tally = Tally { instant, ..Tally::default() };
    let mut callable_households: HashSet<i64> = HashSet::new();
    let mut after = 0i64;
    loop {
        let page = store.universe_dial_facts(actor, filter, after, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for person in page {
            tally.people += 1;
            if person.phones.is_empty() {
                tally.people_without_a_phone += 1;
                continue;
            }
            let mut best: Option<VerdictKind> = None;
            for phone in &person.phones {
                let number = sealer.cipher().decrypt("phone", &phone.number_enc).map_err(|_| CheckError::Decrypt)?;
                tally.phones += 1;
                let key = match record_case(table, &base, &person, phone, &String::from_utf8_lossy(&number)) {
                    Ok(case) => {
                        let verdict = decide(table, &case);
                        if best.is_none_or(|b| rank(verdict.kind) > rank(b)) {
                            best = Some(verdict.kind);
                        }
                        let rules: Vec<&str> = verdict.rules.iter().map(|r| r.as_str()).collect();
                        let key = format!("{} {}", verdict.kind.as_str(), rules.join(",")).trim_end().to_string();
                        tally.reasons.entry(key.clone()).or_insert_with(|| verdict.reason().into_owned());
                        key
                    }
                    // A stored phone the case format refuses (a zone outside the table, say): never
                    // dialed, and counted, not dropped. The error names the field, never the value.
                    Err(e) => {
                        best = best.or(Some(VerdictKind::Deny));
                        let key = "deny unreadable_facts".to_string();
                        tally.reasons.entry(key.clone()).or_insert_with(|| e.to_string());
                        key
                    }
                };
                *tally.phones_by_reason.entry(key).or_default() += 1;
            }
            let best = best.unwrap_or(VerdictKind::Deny);
            *tally.people_by_verdict.entry(best.as_str().to_string()).or_default() += 1;
            if best != VerdictKind::Deny {
                if let Some(h) = person.household_id {
                    if !callable_households.insert(h) {
                        tally.household_repeats += 1;
                    }
                }
            }
        }
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(zones: &str, res: Option<&str>, source: Option<&str>) -> PersonDialFacts {
        PersonDialFacts {
            id: 1,
            address_zones: zones.into(),
            res_state: res.map(String::from),
            source_state: source.map(String::from),
            ..PersonDialFacts::default()
        }
    }

    fn phone(line: &str, dnc: bool, consent: Option<i64>) -> PhoneDialFacts {
        PhoneDialFacts { line_type: line.into(), on_dnc: dnc, consent_at_us: consent, ..PhoneDialFacts::default() }
    }

    /// The direct case and the case-file reading of the same keys are the same case, refusals included.
    #[test]
    fn a_record_case_is_the_case_file_reading_of_its_keys() {
        let table = zone_table();
        let mut program = Map::new();
        for (k, v) in [
            ("instant", Value::from("2026-10-20T16:00:00Z")),
            ("dial_mode", Value::from("predictive")),
            ("purpose", Value::from("gotv")),
            ("attempts", Value::from(0)),
            ("max_attempts", Value::from(3)),
            ("agent_country", Value::from("US")),
            ("program_window", Value::from("09:00-20:30")),
        ] {
            program.insert(k.into(), v);
        }
        let base = parse_case(&Value::Object(program.clone()).to_string(), table).unwrap().case;
        let people = [
            person("America/New_York", Some("NC"), Some("NC")),
            person("America/Chicago, America/New_York", Some(" "), None),
            person("", None, Some("CA")),
            person("Europe/Paris", Some("NC"), None),
            person("America/New_York", Some("ZZ"), None),
            PersonDialFacts {
                line_types_as_of_us: Some(1_790_000_000_000_000),
                ..person("America/New_York", Some("FL"), None)
            },
        ];
        let rnd = |result: &str, checked_at_us: i64, asked_since_us: i64| {
            Some(clearline_store::RndRow { result: result.into(), checked_at_us, asked_since_us })
        };
        let phones = [
            phone("landline", false, None),
            phone("wireless", true, Some(1_800_000_000_000_000)),
            phone("voip", false, Some(1_700_000_000_000_000)),
            phone("cellular", false, None),
            // A written consent with a usable RND check; one asked about a date after the consent (not
            // usable: it does not cover the time since); one made before the consent (not usable).
            PhoneDialFacts {
                consent_written: true,
                rnd: rnd("yes", 1_810_000_000_000_000, 1_800_000_000_000_000),
                ..phone("wireless", false, Some(1_800_000_000_000_000))
            },
            PhoneDialFacts {
                rnd: rnd("no", 1_810_000_000_000_000, 1_805_000_000_000_000),
                ..phone("landline", false, Some(1_800_000_000_000_000))
            },
            PhoneDialFacts {
                consent_written: true,
                rnd: rnd("no_data", 1_790_000_000_000_000, 1_700_000_000_000_000),
                ..phone("voip", false, Some(1_800_000_000_000_000))
            },
        ];
        let mut compared = 0;
        for p in &people {
            for ph in &phones {
                for number in ["+19195550123", "not a number"] {
                    let reference = parse_case(&Value::Object(phone_case(&program, p, ph, number)).to_string(), table)
                        .map(|c| c.case);
                    assert_eq!(record_case(table, &base, p, ph, number), reference);
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 84);
        // The usable check reaches the case; the others leave the RND fact missing.
        let cases: Vec<Case> =
            phones[4..].iter().map(|ph| record_case(table, &base, &people[5], ph, "+13055550123").unwrap()).collect();
        assert_eq!(cases[0].rnd.map(|r| r.result), Some(RndResult::Reassigned));
        assert!(cases[0].written_consent);
        assert_eq!(cases[1].rnd, None, "asked about a date after the consent");
        assert_eq!(cases[2].rnd, None, "made before the consent");
        assert_eq!(cases[0].line_type_checked_at, jiff::Timestamp::from_microsecond(1_790_000_000_000_000).ok());
    }
}
