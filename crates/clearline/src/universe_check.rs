//! `clearline universe check`: a universe against the contact policy at one instant, before it becomes
//! a call list — how many people could be dialed, how, and why the others could not, counted by
//! verdict and by the rules behind it.
//!
//! Every phone of every person is one case in the case-file format (docs/policy.md), so the counts are
//! exactly what `policy check` would say of each. A person's verdict is their best phone's (allow, then
//! allow with conditions, then deny). Clearline has made no calls yet, so every case has 0 attempts.

use crate::config::Config;
use anyhow::Context;
use clap::Args;
use clearline_core::policy::case_file::parse_case;
use clearline_core::policy::{decide, VerdictKind};
use clearline_core::Actor;
use clearline_store::Store;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// A saved universe's name (or give a filter).
    #[arg(long)]
    name: Option<String>,
    /// The filter as JSON (see docs/universes.md).
    filter: Option<String>,
    /// When the dials would happen (RFC 3339); default now.
    #[arg(long)]
    instant: Option<String>,
    /// manual, preview, power, predictive, prerecorded, artificial_voice, ivr.
    #[arg(long)]
    dial_mode: String,
    /// gotv, fundraising, survey, persuasion.
    #[arg(long)]
    purpose: String,
    /// Where the agents are (two letters); needed for every dial with an agent.
    #[arg(long)]
    agent_country: Option<String>,
    /// The program's maximum attempts per person.
    #[arg(long, default_value_t = 3)]
    max_attempts: u32,
    /// The program's own calling hours, local time (HH:MM-HH:MM).
    #[arg(long)]
    program_window: Option<String>,
    /// Any other case-file key, as KEY=JSON, for every case.
    #[arg(long = "fact", value_name = "KEY=JSON")]
    facts: Vec<String>,
}

/// What the check found.
#[derive(Default, Serialize)]
struct Tally {
    instant: String,
    people: u64,
    people_without_a_phone: u64,
    /// People by their best phone's verdict.
    people_by_verdict: BTreeMap<String, u64>,
    /// Callable people (allowed, with or without conditions) whose household already has a callable
    /// member: a household-once call list leaves them out.
    household_repeats: u64,
    phones: u64,
    /// Phones by verdict and the rules behind it, e.g. `deny CR-45`.
    phones_by_reason: BTreeMap<String, u64>,
    /// One plain sentence per reason seen.
    reasons: BTreeMap<String, String>,
}

fn rank(kind: VerdictKind) -> u8 {
    match kind {
        VerdictKind::Allow => 2,
        VerdictKind::AllowWithConditions => 1,
        VerdictKind::Deny => 0,
    }
}

pub async fn run(
    config: &Config,
    store: &Store,
    actor: &Actor,
    args: CheckArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let filter = match crate::voters::resolve_filter(store, actor, args.name, args.filter).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let Some(campaign) = actor.principal().map(|p| p.org_id) else {
        eprintln!("error: a universe check acts for a campaign user (--as EMAIL)");
        return Ok(ExitCode::from(2));
    };
    let instant = match args.instant {
        Some(text) => text,
        None => jiff::Timestamp::now().to_string(),
    };
    let mut program = Map::new();
    program.insert("instant".into(), Value::from(instant.clone()));
    program.insert("dial_mode".into(), Value::from(args.dial_mode));
    program.insert("purpose".into(), Value::from(args.purpose));
    program.insert("attempts".into(), Value::from(0));
    program.insert("max_attempts".into(), Value::from(args.max_attempts));
    if let Some(c) = args.agent_country {
        program.insert("agent_country".into(), Value::from(c));
    }
    if let Some(w) = args.program_window {
        program.insert("program_window".into(), Value::from(w));
    }
    for fact in args.facts {
        let Some((key, raw)) = fact.split_once('=') else {
            eprintln!("error: --fact takes KEY=JSON");
            return Ok(ExitCode::from(2));
        };
        program.insert(key.to_string(), serde_json::from_str(raw).unwrap_or_else(|_| Value::from(raw)));
    }
    let table = crate::policy::zone_table()?;
    // The program's facts alone must make a readable case; otherwise say so once, not per phone.
    if let Err(e) = parse_case(&Value::Object(program.clone()).to_string(), &table) {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(2));
    }
    match store.record_universe_policy_check(actor, &filter).await {
        Ok(()) => {}
        Err(clearline_store::StoreError::Forbidden(_)) => {
            eprintln!("error: your role may not see personal data (the check reads every phone number)");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    }
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;

    let mut tally = Tally { instant, ..Tally::default() };
    let mut callable_households: HashSet<i64> = HashSet::new();
    let mut after = 0i64;
    loop {
        let page = store.universe_dial_facts(actor, &filter, after, 2_000).await?;
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
                let number = sealer.cipher().decrypt("phone", &phone.number_enc).context("decrypting a phone")?;
                let mut case = program.clone();
                case.insert("phone".into(), Value::from(String::from_utf8_lossy(&number).into_owned()));
                case.insert("line_type".into(), Value::from(phone.line_type.clone()));
                let zones: Vec<&str> =
                    person.address_zones.split(',').map(str::trim).filter(|z| !z.is_empty()).collect();
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
                tally.phones += 1;
                let key = match parse_case(&Value::Object(case).to_string(), &table) {
                    Ok(parsed) => {
                        let verdict = decide(&table, &parsed.case);
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
    if json {
        println!("{}", serde_json::to_string_pretty(&tally)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("At {}: {} people, {} without a phone.", tally.instant, tally.people, tally.people_without_a_phone);
    println!("\nPeople by their best phone:");
    for (verdict, n) in &tally.people_by_verdict {
        println!("  {verdict:<24} {n:>9}");
    }
    println!(
        "  {:<24} {:>9}  (callable, but their household already has someone to call)",
        "household repeats", tally.household_repeats
    );
    println!("\nPhones by verdict and rules ({} phones):", tally.phones);
    for (key, n) in &tally.phones_by_reason {
        println!("  {key:<40} {n:>9}  {}", tally.reasons.get(key).map(String::as_str).unwrap_or(""));
    }
    Ok(ExitCode::SUCCESS)
}
