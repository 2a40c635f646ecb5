//! A program's call list: its universe snapshotted through the contact policy, one entry per person —
//! on the list with the phone to dial and how (the program's mode, or a preview call blended to the
//! same agents when the system may not dial the number, CR-49), or excluded with the rules and the
//! sentence that say why. Nobody in the universe is dropped without a reason.
//!
//! Each phone is one case at the snapshot instant, with exactly the facts the case-file format would
//! read (as `universe check` builds them). A denial that only time cures (calling hours, spacing) is not an exclusion: the phone is
//! decided again at the first instant it is allowed, so the entry says how it will be dialed then.
//!
//! Agent calls are decided for the countries of the assigned vendor's sites (CR-7, CR-41 look at where
//! the agent sits); the person is listed if any of those sites may take the call — the dialer asks the
//! engine again, for the real agent, at the instant of dialing. Households go to one vendor
//! ([`assign_vendor`]), so two vendors never call one household.

use crate::keys::VaultSealer;
use crate::policy_check::{record_case, zone_table, CheckError};
use clearline_core::policy::case_file::parse_case;
use clearline_core::policy::{decide, Case, Verdict, VerdictKind};
use clearline_core::program::{assign_vendor, classify_person, format_window, EntryMode, HOUSEHOLD_REPEAT, NO_PHONE};
use clearline_core::Actor;
use clearline_store::{CallListSummary, NewEntry, Program, Store};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

/// How many times a time-only denial is decided again at its next allowed instant (hours, then
/// spacing, then hours again is the longest chain the rules make).
const TIME_RETRIES: usize = 3;

/// Builds and stores the call list of the draft program `slug` as of `instant`, and returns its counts.
pub async fn build_call_list(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    slug: &str,
    instant: Timestamp,
) -> Result<CallListSummary, CheckError> {
    let table = zone_table();
    let program = store.program_by_slug(actor, slug).await?;
    let settings = &program.settings;
    let universe = store.universe_by_name(actor, &settings.universe).await?;

    let vendor_cases = program_base_cases(store, actor, &program, instant).await?;
    let shares: Vec<u8> = settings.vendors.iter().map(|v| v.percent).collect();

    let mut entries: Vec<NewEntry> = Vec::new();
    let mut sentences: BTreeMap<String, String> = BTreeMap::new();
    let mut listed_households: HashSet<i64> = HashSet::new();
    let mut after = 0i64;
    loop {
        let page = store.universe_dial_facts(actor, &universe.filter, after, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let vendors: Vec<Option<usize>> = page
            .iter()
            .map(|person| {
                let household = person.household_id.unwrap_or(-person.id);
                if settings.has_agents() && !shares.is_empty() {
                    assign_vendor(program.id, household, &shares)
                } else {
                    None
                }
            })
            .collect();
        let mut numbers: Vec<Vec<String>> = Vec::with_capacity(page.len());
        for person in &page {
            let mut opened = Vec::with_capacity(person.phones.len());
            for phone in &person.phones {
                let number = sealer.cipher().decrypt("phone", &phone.number_enc).map_err(|_| CheckError::Decrypt)?;
                opened.push(String::from_utf8_lossy(&number).into_owned());
            }
            numbers.push(opened);
        }
        let on_vendor_list = vendor_list_marks(store, actor, sealer, &program, &vendors, &numbers).await?;
        for (((person, vendor), numbers), vendor_listed) in
            page.into_iter().zip(vendors).zip(numbers).zip(on_vendor_list)
        {
            let household = person.household_id.unwrap_or(-person.id);
            let mut entry = NewEntry {
                person_id: person.id,
                household_id: person.household_id,
                vendor_id: vendor.map(|v| program.vendor_ids[v]),
                mode: EntryMode::Excluded,
                phone_position: None,
                conditions: String::new(),
                exclusion: String::new(),
            };
            if settings.one_per_household && listed_households.contains(&household) {
                entry.exclusion = "household_repeat".into();
                sentences.entry(entry.exclusion.clone()).or_insert_with(|| HOUSEHOLD_REPEAT.into());
                entries.push(entry);
                continue;
            }
            let bases = &vendor_cases[vendor.unwrap_or(0).min(vendor_cases.len() - 1)];
            let mut verdicts: Vec<(u32, Verdict)> = Vec::with_capacity(person.phones.len());
            let mut unreadable: Option<String> = None;
            for ((phone, number), &listed) in person.phones.iter().zip(&numbers).zip(&vendor_listed) {
                let mut best: Option<Verdict> = None;
                for base in bases {
                    match record_case(table, base, &person, phone, number) {
                        Ok(mut case) => {
                            case.on_org_dnc = listed;
                            let v = decide_when_allowed(case);
                            if best.is_none_or(|b| better(&v, &b)) {
                                best = Some(v);
                            }
                        }
                        Err(e) => unreadable = unreadable.or(Some(e.to_string())),
                    }
                }
                if let Some(v) = best {
                    verdicts.push((phone.position, v));
                }
            }
            let classified = classify_person(settings.dial_mode, &verdicts);
            entry.mode = classified.mode;
            entry.phone_position = classified.phone_position;
            entry.conditions = classified.conditions.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",");
            if classified.mode == EntryMode::Excluded {
                let (key, sentence) = if person.phones.is_empty() {
                    ("no_phone".to_string(), NO_PHONE.to_string())
                } else if verdicts.is_empty() {
                    // Every phone's stored facts were refused by the case format: counted, never dialed.
                    ("unreadable_facts".to_string(), unreadable.unwrap_or_default())
                } else if classified.rules.is_empty() {
                    let missing = missing_key(&verdicts);
                    let key = if missing.is_empty() { "denied".to_string() } else { format!("missing:{missing}") };
                    (key, classified.reason.clone())
                } else {
                    (
                        classified.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
                        classified.reason.clone(),
                    )
                };
                sentences.entry(key.clone()).or_insert(sentence);
                entry.exclusion = key;
            } else {
                listed_households.insert(household);
            }
            entries.push(entry);
        }
    }
    store.replace_call_list(actor, program.id, &entries, &sentences).await?;
    Ok(store.call_list_summary(actor, slug).await?)
}

/// For each person of a page, each phone: is its number on the assigned vendor's own do-not-call list
/// (`on_org_dnc`: CR-47, CR-7)? One look-up per vendor for the page; no vendor, no list.
async fn vendor_list_marks(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    program: &Program,
    vendors: &[Option<usize>],
    numbers: &[Vec<String>],
) -> Result<Vec<Vec<bool>>, CheckError> {
    let mut marks: Vec<Vec<bool>> = numbers.iter().map(|n| vec![false; n.len()]).collect();
    for (v, vendor_id) in program.vendor_ids.iter().enumerate() {
        let mine: Vec<usize> = (0..numbers.len()).filter(|&i| vendors[i] == Some(v)).collect();
        let asked: Vec<&str> = mine.iter().flat_map(|&i| numbers[i].iter().map(String::as_str)).collect();
        if asked.is_empty() {
            continue;
        }
        let mut listed = crate::dnc::on_vendor_list(store, actor, sealer, *vendor_id, &asked).await?.into_iter();
        for &i in &mine {
            for mark in marks[i].iter_mut() {
                *mark = listed.next().unwrap_or(false);
            }
        }
    }
    Ok(marks)
}

/// The program's own facts as contact-policy cases, before any phone's: for each vendor of the
/// settings (in order) one case per country its sites are in (agent calls are decided for where the
/// agent sits), or a single list with one case for an agentless program. Each phone's case starts from
/// one of these ([`record_case`]). No attempts yet: the dialer sets the entry's own counts.
pub async fn program_base_cases(
    store: &Store,
    actor: &Actor,
    program: &Program,
    instant: Timestamp,
) -> Result<Vec<Vec<Case>>, CheckError> {
    let table = zone_table();
    let settings = &program.settings;
    let mut facts = Map::new();
    facts.insert("instant".into(), Value::from(instant.to_string()));
    facts.insert("dial_mode".into(), Value::from(settings.dial_mode.as_str()));
    facts.insert("purpose".into(), Value::from(settings.purpose.as_str()));
    // Clearline has placed no call for this program yet: no attempts, no prerecorded calls.
    facts.insert("attempts".into(), Value::from(0));
    facts.insert("household_attempts".into(), Value::from(0));
    facts.insert("prerecorded_calls_30d".into(), Value::from(0));
    facts.insert("max_attempts".into(), Value::from(settings.max_attempts));
    facts.insert("recorded".into(), Value::from(settings.recorded));
    // CR-14, CR-15: every dial carries the campaign's attestation of the program's caller ID.
    facts.insert(
        "caller_id_authorized".into(),
        Value::from(settings.caller_id.is_some() && settings.caller_id_authorized),
    );
    // CR-27: Florida's and Oklahoma's sales-call laws follow the program's content.
    facts.insert("commercial_content".into(), Value::from(settings.commercial_content));
    facts.insert("calls_24h".into(), Value::from(0));
    if let Some(m) = settings.min_spacing_minutes {
        facts.insert("min_spacing_minutes".into(), Value::from(m));
    }
    if let Some(m) = settings.max_household_attempts {
        facts.insert("max_household_attempts".into(), Value::from(m));
    }
    if let Some(w) = settings.window {
        facts.insert("program_window".into(), Value::from(format_window(&w)));
    }

    // One fact set per vendor site country (agent calls), or one with no agent (agentless programs).
    let vendor_facts: Vec<Vec<Map<String, Value>>> = if settings.has_agents() {
        store
            .program_vendor_countries(actor, program)
            .await?
            .into_iter()
            .map(|countries| {
                if countries.is_empty() {
                    return vec![facts.clone()]; // no site: the engine names the missing agent_country
                }
                countries
                    .iter()
                    .map(|c| {
                        let mut f = facts.clone();
                        f.insert("agent_country".into(), Value::from(c.as_str()));
                        f.insert("vendor_country".into(), Value::from(c.as_str()));
                        f
                    })
                    .collect()
            })
            .collect()
    } else {
        vec![vec![facts.clone()]]
    };
    // The program's facts alone must make a readable case; parsed once, each phone adds its own.
    vendor_facts
        .iter()
        .map(|set| {
            set.iter()
                .map(|f| {
                    parse_case(&Value::Object(f.clone()).to_string(), table)
                        .map(|p| p.case)
                        .map_err(|e| CheckError::Program(e.to_string()))
                })
                .collect::<Result<Vec<Case>, CheckError>>()
        })
        .collect::<Result<_, _>>()
}

/// Decides a case; a denial only time cures is decided again at the instant it names.
fn decide_when_allowed(mut case: Case) -> Verdict {
    let table = zone_table();
    let mut verdict = decide(table, &case);
    for _ in 0..TIME_RETRIES {
        let (VerdictKind::Deny, Some(next)) = (verdict.kind, verdict.next_allowed_at) else { break };
        case.instant = Some(next);
        verdict = decide(table, &case);
    }
    verdict
}

/// Allow beats allow-with-conditions beats deny; among allowed verdicts, fewer conditions win.
fn better(a: &Verdict, b: &Verdict) -> bool {
    let rank = |v: &Verdict| match v.kind {
        VerdictKind::Allow => 2,
        VerdictKind::AllowWithConditions => 1,
        VerdictKind::Deny => 0,
    };
    (rank(a), std::cmp::Reverse(a.conditions.iter().count()))
        > (rank(b), std::cmp::Reverse(b.conditions.iter().count()))
}

/// The missing facts behind a person's exclusion, as a key (`agent_country`, …).
fn missing_key(verdicts: &[(u32, Verdict)]) -> String {
    let first = verdicts.first().map(|(_, v)| v.missing).unwrap_or_default();
    first.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
}
