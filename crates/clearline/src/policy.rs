//! `clearline policy check` and `clearline policy explain`: the contact policy engine on cases given as
//! JSON Lines or as flags. The format is in docs/policy.md; the engine in clearline-core.
//!
//! `check` never reads the database: a case carries its facts. `explain --campaign --voter` takes the
//! facts of a stored person instead — each of their phones, its line type and zones, the address, the
//! do-not-call list and consent records — and explains a verdict per phone (the read is audited).
//! Errors name the line and the field, never the value (phone numbers are personal data).

use anyhow::Context;
use clap::{Args, Subcommand};
use clearline_core::policy::case_file::{parse_case, verdict_json};
use clearline_core::policy::{checked_zones, decide, VerdictKind, ZoneTable};
use serde_json::{Map, Value};
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Evaluate a JSON Lines file of cases ("-" for stdin): one JSON verdict per line, in order.
    Check {
        #[arg(long)]
        cases: PathBuf,
    },
    /// Explain the verdict for one case given by flags (and/or --fact KEY=JSON for any other key).
    Explain(Box<ExplainArgs>),
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Take the person's facts from this campaign's records (with --voter; needs --as).
    #[arg(long, requires = "voter")]
    campaign: Option<String>,
    /// The person key (state voter ID) whose phones to explain; flags given too override stored facts.
    #[arg(long, requires = "campaign")]
    voter: Option<String>,
    /// When the dial would happen (RFC 3339, e.g. 2026-10-20T14:00:00-04:00).
    #[arg(long)]
    instant: Option<String>,
    /// A zone of the person's address (IANA name); repeat for several.
    #[arg(long = "zone")]
    zones: Vec<String>,
    /// The address state (two letters).
    #[arg(long)]
    state: Option<String>,
    /// The number, E.164 (+19195550123).
    #[arg(long)]
    phone: Option<String>,
    /// wireless, landline, voip, protected, unknown.
    #[arg(long)]
    line_type: Option<String>,
    /// manual, preview, power, predictive, prerecorded, artificial_voice, ivr.
    #[arg(long)]
    dial_mode: Option<String>,
    /// gotv, fundraising, survey, persuasion.
    #[arg(long)]
    purpose: Option<String>,
    /// A consent record exists for this number and caller.
    #[arg(long)]
    consent: Option<bool>,
    #[arg(long)]
    on_dnc: Option<bool>,
    #[arg(long)]
    prerecorded_calls_30d: Option<u32>,
    #[arg(long)]
    attempts: Option<u32>,
    #[arg(long)]
    max_attempts: Option<u32>,
    #[arg(long)]
    agent_country: Option<String>,
    /// The program's caller ID is attested (CR-14, CR-15).
    #[arg(long)]
    caller_id_authorized: Option<bool>,
    /// Any other case-file key, as KEY=JSON (e.g. --fact last_disposition='"busy"').
    #[arg(long = "fact", value_name = "KEY=JSON")]
    facts: Vec<String>,
}

/// The zone table, every zone loaded from the system's (or jiff's bundled) tz database.
pub fn zone_table() -> anyhow::Result<ZoneTable> {
    ZoneTable::new(jiff::tz::TimeZone::get).context("loading the time zones")
}

/// Where `explain --campaign --voter` reads a person's facts.
pub struct StoredFacts<'a> {
    pub config: &'a crate::config::Config,
    pub as_user: Option<&'a str>,
}

pub async fn run(command: PolicyCommand, json: bool, stored: StoredFacts<'_>) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Check { cases } => check(&cases),
        PolicyCommand::Explain(args) => {
            let ExplainArgs {
                campaign,
                voter,
                instant,
                zones,
                state,
                phone,
                line_type,
                dial_mode,
                purpose,
                consent,
                on_dnc,
                prerecorded_calls_30d,
                attempts,
                max_attempts,
                agent_country,
                caller_id_authorized,
                facts,
            } = *args;
            let mut object = Map::new();
            let mut put = |key: &str, value: Option<Value>| {
                if let Some(v) = value {
                    object.insert(key.to_string(), v);
                }
            };
            put("instant", instant.map(Value::from));
            put("candidate_zones", (!zones.is_empty()).then(|| Value::from(zones)));
            put("address_state", state.map(Value::from));
            put("phone", phone.map(Value::from));
            put("line_type", line_type.map(Value::from));
            put("dial_mode", dial_mode.map(Value::from));
            put("purpose", purpose.map(Value::from));
            put("consent", consent.map(Value::from));
            put("on_dnc", on_dnc.map(Value::from));
            put("prerecorded_calls_30d", prerecorded_calls_30d.map(Value::from));
            put("attempts", attempts.map(Value::from));
            put("max_attempts", max_attempts.map(Value::from));
            put("agent_country", agent_country.map(Value::from));
            put("caller_id_authorized", caller_id_authorized.map(Value::from));
            for fact in facts {
                let Some((key, raw)) = fact.split_once('=') else {
                    eprintln!("error: --fact takes KEY=JSON");
                    return Ok(ExitCode::from(2));
                };
                // A bare word is taken as a string, so --fact last_disposition=busy works too.
                let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::from(raw));
                object.insert(key.to_string(), value);
            }
            match (campaign, voter) {
                (Some(campaign), Some(voter)) => {
                    let Some(email) = stored.as_user else {
                        eprintln!("error: a stored person's facts are personal data: name yourself with --as EMAIL");
                        return Ok(ExitCode::from(2));
                    };
                    let phones =
                        match crate::policy_facts::person_cases(stored.config, email, &campaign, &voter).await? {
                            Ok(phones) => phones,
                            Err(code) => return Ok(code),
                        };
                    if phones.is_empty() {
                        eprintln!("error: this person has no valid phone number to explain");
                        return Ok(ExitCode::from(1));
                    }
                    for (i, (label, mut facts)) in phones.into_iter().enumerate() {
                        // Flags given on the command line win over the stored facts.
                        for (k, v) in &object {
                            facts.insert(k.clone(), v.clone());
                        }
                        if !json {
                            println!("{}== {label} ==", if i > 0 { "\n" } else { "" });
                        }
                        let code = explain(&Value::Object(facts).to_string(), json)?;
                        if code != ExitCode::SUCCESS {
                            return Ok(code);
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                _ => explain(&Value::Object(object).to_string(), json),
            }
        }
    }
}

fn check(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let table = zone_table()?;
    let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut bad_lines = 0u64;
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line.with_context(|| format!("line {number}: not readable text"))?;
        match parse_case(&line, &table) {
            Ok(parsed) => {
                let verdict = decide(&table, &parsed.case);
                writeln!(out, "{}", verdict_json(&parsed.id, &verdict))?;
            }
            Err(e) => {
                // In place of the verdict, so the output stays line-for-line with the input.
                bad_lines += 1;
                writeln!(out, "{}", serde_json::json!({ "line": number, "error": e.to_string() }))?;
                eprintln!("error: line {number}: {e}");
            }
        }
    }
    out.flush()?;
    Ok(if bad_lines == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn explain(line: &str, json: bool) -> anyhow::Result<ExitCode> {
    let table = zone_table()?;
    let parsed = match parse_case(line, &table) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let case = &parsed.case;
    let verdict = decide(&table, case);
    if json {
        println!("{}", verdict_json(&parsed.id, &verdict));
        return Ok(ExitCode::SUCCESS);
    }
    let headline = match verdict.kind {
        VerdictKind::Allow => "ALLOW",
        VerdictKind::AllowWithConditions => "ALLOW WITH CONDITIONS",
        VerdictKind::Deny => "DENY",
    };
    println!("{headline}: {}", verdict.reason());
    if !verdict.conditions.is_empty() {
        println!("\nConditions:");
        for c in verdict.conditions.iter() {
            println!("  - {}", c.as_str());
        }
    }
    if !verdict.rules.is_empty() {
        println!("\nRules:");
        for r in verdict.rules.iter() {
            println!("  {:<18} {}", r.as_str(), r.title());
        }
    }
    if let Some(next) = verdict.next_allowed_at {
        println!("\nNext allowed at: {next}");
    }
    println!("\nCalling hours are checked in every zone the person may be in:");
    for id in checked_zones(&table, case).iter() {
        let zone = table.zone(id);
        let local = |t: jiff::Timestamp| t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S %Z").to_string();
        let now = case.instant.map(local).unwrap_or_else(|| "(no instant)".into());
        let next = verdict.next_allowed_at.map(|t| format!("   next allowed {}", local(t))).unwrap_or_default();
        println!("  {:<32} {now}{next}", table.name(id));
    }
    let area =
        case.phone.and_then(|p| p.npa()).map(|npa| format!("area code {npa}")).unwrap_or("no NANP area code".into());
    println!("\nThe number: {area} (the rest is not shown: it is personal data).");
    Ok(ExitCode::SUCCESS)
}
