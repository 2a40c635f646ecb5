//! `clearline universe check`: a universe against the contact policy at one instant, before it becomes
//! a call list — how many people could be dialed, how, and why the others could not, counted by
//! verdict and by the rules behind it.
//!
//! Every phone of every person is one case in the case-file format (docs/policy.md), so the counts are
//! exactly what `policy check` would say of each. A person's verdict is their best phone's (allow, then
//! allow with conditions, then deny). Clearline has made no calls yet, so every case has 0 attempts.

use crate::config::Config;
use clap::Args;
use clearline_core::Actor;
use clearline_ingest::policy_check::CheckError;
use clearline_store::Store;
use serde_json::{Map, Value};
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
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
    let tally = match clearline_ingest::policy_check::check_universe(store, actor, &sealer, &filter, &program).await {
        Ok(t) => t,
        Err(CheckError::Program(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(CheckError::Store(clearline_store::StoreError::Forbidden(_))) => {
            eprintln!("error: your role may not see personal data (the check reads every phone number)");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
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
