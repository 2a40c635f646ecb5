//! A universe through the contact policy engine at one instant, before it becomes a call list: people
//! by their best phone's verdict (allow, then allow with conditions, then deny), callable people whose
//! household already has someone to call, and phones by verdict and the rules behind it.
//!
//! Every phone is one case in the case-file format (docs/policy.md), so the counts are exactly what
//! `clearline policy check` would say of each phone: the program's facts (dial mode, purpose, instant…)
//! come from the caller, the person's and phone's from the records. Numbers are decrypted here, in
//! memory, for the engine; none is returned.

use crate::keys::VaultSealer;
use clearline_core::policy::case_file::parse_case;
use clearline_core::policy::{decide, VerdictKind, ZoneTable};
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

/// One phone of one person as a case: the program's keys plus the person's and the phone's facts.
pub(crate) fn phone_case(
    program: &Map<String, Value>,
    person: &PersonDialFacts,
    phone: &PhoneDialFacts,
    number: &str,
) -> Map<String, Value> {
    let mut case = program.clone();
    case.insert("phone".into(), Value::from(number));
    case.insert("line_type".into(), Value::from(phone.line_type.clone()));
    let zones: Vec<&str> = person.address_zones.split(',').map(str::trim).filter(|z| !z.is_empty()).collect();
    case.insert("candidate_zones".into(), Value::from(zones));
    if let Some(s) = &person.res_state {
        case.insert("address_state".into(), Value::from(s.clone()));
    }
    if let Some(s) = &person.source_state {
        case.insert("source_state".into(), Value::from(s.clone()));
    }
    case.insert("on_dnc".into(), Value::from(phone.on_dnc));
    case.insert("consent".into(), Value::from(phone.consent_at_us.is_some()));
    if let Some(at) = phone.consent_at_us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok()) {
        case.insert("consent_at".into(), Value::from(at.to_string()));
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
                                                         // The program's facts alone must make a readable case; otherwise say so once, not per phone.
    parse_case(&Value::Object(program.clone()).to_string(), table).map_err(|e| CheckError::Program(e.to_string()))?;
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
                let case = phone_case(&program, &person, phone, &String::from_utf8_lossy(&number));
                tally.phones += 1;
                let key = match parse_case(&Value::Object(case).to_string(), table) {
                    Ok(parsed) => {
                        let verdict = decide(table, &parsed.case);
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
