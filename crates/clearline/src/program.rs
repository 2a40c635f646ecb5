//! `clearline program …`: set up a calling program and build its call list from a saved universe.
//!
//! `create` refuses settings that are missing or contradict each other, listing every problem by field;
//! `build-list` snapshots the universe through the contact policy (every person listed, blended as a
//! preview call, or excluded with the reason); `show` prints the settings, the list's counts and what
//! still stands between the program and its first call.

use crate::config::Config;
use clap::{Args, Subcommand};
use clearline_core::policy::case_file::parse_window;
use clearline_core::policy::{DialMode, Purpose};
use clearline_core::program::{format_window, ProgramSettings, VendorShare};
use clearline_core::validate::Slug;
use clearline_core::Actor;
use clearline_ingest::policy_check::CheckError;
use clearline_store::{Store, StoreError};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ProgramCommand {
    /// Create a draft program.
    Create(Box<CreateArgs>),
    /// The campaign's programs.
    List,
    /// A program's settings, call list and what stands before its start.
    Show { slug: String },
    /// Attach an approved script version (draft or running programs; a switch is audited).
    AttachScript {
        slug: String,
        /// The script's slug.
        #[arg(long)]
        script: String,
        /// The approved version's number.
        #[arg(long)]
        version: u32,
    },
    /// Attach an approved recording for the kind of audio the program plays (its safe-harbor message,
    /// its prerecorded message or IVR prompt); replaces the one of that kind.
    AttachAudio {
        slug: String,
        /// The audio message's slug.
        #[arg(long)]
        audio: String,
        /// The approved version's number.
        #[arg(long)]
        version: u32,
        /// For an `ivr_question` prompt: the question step of the program's script it asks; for an
        /// `ivr_closing` recording: the first step of the closing it says.
        #[arg(long)]
        step: Option<String>,
    },
    /// Snapshot the program's universe into its call list through the contact policy (draft only;
    /// replaces the previous list).
    BuildList {
        slug: String,
        /// The snapshot instant (RFC 3339); default now.
        #[arg(long)]
        instant: Option<String>,
    },
    /// Start a draft or paused program (refused, with every reason, while anything blocks it).
    Start { slug: String },
    /// Pause a running program: no new calls; calls in progress finish.
    Pause { slug: String },
    /// Work a running program's call list on the simulated carrier with bot agents, writing every
    /// attempt and result as a real run would.
    Simulate(SimulateArgs),
    /// What the program's calling has done: attempts, contacts, dispositions, per vendor.
    Calls { slug: String },
    /// The program's attempts, one per line (JSON with --json): ids, times and outcomes, no numbers.
    Attempts { slug: String },
    /// The program's inbound calls to its caller ID, one per line (JSON with --json): outcome and
    /// times, the caller by internal id when the number is one the program dialed; no numbers.
    Inbound { slug: String },
    /// One call as the caller worked it: the script steps the desk showed with when each was entered
    /// and left, and the caller's note (decrypted, for roles that may read personal data).
    Call {
        slug: String,
        /// The attempt's id (`program attempts`, the results export).
        attempt: i64,
    },
    /// Why one person of the program may or may not be called now, and when next: the call-list entry
    /// and the contact policy's verdict for the dial the dialer would place (audited; the number is
    /// never shown, only its area code and line type).
    Why {
        slug: String,
        /// The person's voter ID (the campaign's person key).
        #[arg(long)]
        voter: String,
        /// The instant to decide at (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Args)]
pub struct SimulateArgs {
    slug: String,
    /// Bot agents on each vendor's floor.
    #[arg(long, default_value_t = 5)]
    agents: u32,
    /// Simulated minutes of dialing (calls in progress then finish).
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Live human answers per dial, 0-1.
    #[arg(long, default_value_t = 0.2)]
    answer_rate: f64,
    /// Of the calls that reached nobody, the share whose number calls the program back, 0-1.
    #[arg(long, default_value_t = clearline_calling::DEFAULT_CALLBACK_SHARE)]
    callback_share: f64,
    /// gotv (about 60 s talk) or survey (about 5 minutes).
    #[arg(long, default_value = "gotv")]
    profile: String,
    /// Engine time zero (RFC 3339); default now. Calling hours are decided at this instant onward.
    #[arg(long)]
    start: Option<String>,
    /// Stop after this many attempts with calls still in flight, as a crashed process would (testing
    /// the restart: the next run closes them as interrupted).
    #[arg(long, hide = true)]
    stop_after_attempts: Option<u64>,
    /// How long the run's hold on the program lasts unless renewed (a killed run's successor waits at
    /// most this long). Only one process at a time calls a program.
    #[arg(long, default_value_t = clearline_calling::DEFAULT_LEASE_TTL.as_secs_f64())]
    lease_seconds: f64,
}

#[derive(Args)]
pub struct CreateArgs {
    /// Lower-case letters, digits and '-' (an engagement names the programs it covers by this).
    slug: String,
    #[arg(long)]
    name: String,
    /// The saved universe the call list comes from.
    #[arg(long)]
    universe: String,
    /// gotv, fundraising, survey, persuasion.
    #[arg(long)]
    purpose: String,
    /// manual, preview, power, predictive, prerecorded, artificial_voice, ivr.
    #[arg(long)]
    dial_mode: String,
    /// The program's own calling hours, local time (HH:MM-HH:MM).
    #[arg(long)]
    window: Option<String>,
    /// The number the called person sees (CR-14).
    #[arg(long)]
    caller_id: Option<String>,
    /// The number announced for call-backs and opt-outs (default: the caller ID).
    #[arg(long)]
    callback_number: Option<String>,
    /// Attest that the campaign may use the caller ID (CR-14, CR-15); recorded with your name.
    #[arg(long)]
    caller_id_authorized: bool,
    #[arg(long, default_value_t = 3)]
    max_attempts: u32,
    #[arg(long)]
    min_spacing_minutes: Option<u32>,
    #[arg(long)]
    max_household_attempts: Option<u32>,
    /// One person per household (default: yes for surveys, no otherwise).
    #[arg(long)]
    one_per_household: Option<bool>,
    /// Calls are not recorded (default: recorded, with the notice of CR-28).
    #[arg(long)]
    not_recorded: bool,
    /// The calls offer something for sale: Florida's and Oklahoma's sales-call rules apply (CR-27).
    #[arg(long)]
    commercial_content: bool,
    /// Leave the approved voicemail-drop recording on answering machines (prerecorded and
    /// artificial-voice programs only; attach one with `program attach-audio`; CR-5, CR-6).
    #[arg(long)]
    voicemail_drop: bool,
    /// The abandonment rate pacing holds, percent (at most 3, CR-46).
    #[arg(long, default_value_t = 2.5)]
    abandonment_target: f64,
    /// A vendor and its share of the list, SLUG=PERCENT; repeat for each vendor.
    #[arg(long = "vendor", value_name = "SLUG=PERCENT")]
    vendors: Vec<String>,
    /// A survey quota: the completes wanted from one cell of voters, FIELD=VALUE[,FIELD=VALUE…]:N
    /// (fields: party, gender, race, county, precinct, congressional_district, age_band); repeat for
    /// each cell. A full cell is no longer dialed (docs/surveys.md).
    #[arg(long = "quota", value_name = "CELL:COMPLETES")]
    quotas: Vec<String>,
}

pub async fn run(
    config: &Config,
    store: &Store,
    actor: &Actor,
    command: ProgramCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        ProgramCommand::Create(args) => create(store, actor, *args, json).await,
        ProgramCommand::List => {
            let programs = match store.list_programs(actor).await {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&programs)?);
            } else if programs.is_empty() {
                println!("No programs yet: `clearline program create` sets one up.");
            } else {
                for p in programs {
                    println!(
                        "{:<24} {:<9} {:<12} {:<11} {}",
                        p.slug,
                        p.status.as_str(),
                        p.settings.purpose.as_str(),
                        p.settings.dial_mode.as_str(),
                        p.name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ProgramCommand::Show { slug } => show(store, actor, &slug, json).await,
        ProgramCommand::Start { slug } => start(store, actor, &slug, json).await,
        ProgramCommand::Pause { slug } => match store.pause_program(actor, &slug).await {
            Ok(p) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    println!("Program {} is paused: no new calls.", p.slug);
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => refused(e),
        },
        ProgramCommand::Simulate(args) => simulate(config, store, actor, args, json).await,
        ProgramCommand::Calls { slug } => match store.call_stats(actor, &slug).await {
            Ok(stats) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&stats)?);
                } else {
                    print_stats(&stats);
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => refused(e),
        },
        ProgramCommand::Attempts { slug } => {
            let all = match every_page(|after| store.program_attempts(actor, &slug, after, 5_000), |a| a.id).await {
                Ok(all) => all,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for a in &all {
                    println!(
                        "{:>8} person {:>8} {:<10} {:<11} {:<22} {}",
                        a.id,
                        a.person_id,
                        a.dial_kind,
                        a.state,
                        a.disposition.as_deref().unwrap_or("-"),
                        a.vendor.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ProgramCommand::Inbound { slug } => {
            let all = match every_page(|after| store.program_inbound_calls(actor, &slug, after, 5_000), |c| c.id).await
            {
                Ok(all) => all,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!("No inbound call yet.");
            } else {
                for c in &all {
                    let person = c.person_id.map_or("-".to_string(), |p| p.to_string());
                    println!("{:>8} person {:>8} {:<9} {}", c.id, person, c.caller, c.outcome);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ProgramCommand::Call { slug, attempt } => call_record(config, store, actor, &slug, attempt, json).await,
        ProgramCommand::Why { slug, voter, at } => why(config, store, actor, &slug, &voter, at.as_deref(), json).await,
        ProgramCommand::AttachScript { slug, script, version } => {
            let program = match store.attach_script(actor, &slug, &script, version).await {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&program)?);
            } else {
                println!("Program {} now reads script {script} version {version}.", program.slug);
            }
            Ok(ExitCode::SUCCESS)
        }
        ProgramCommand::AttachAudio { slug, audio, version, step } => {
            let program = match store.attach_audio(actor, &slug, &audio, version, step.as_deref()).await {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&store.program_audio(actor, &program.slug).await?)?);
            } else {
                println!("Program {} now plays audio {audio} version {version}.", program.slug);
            }
            Ok(ExitCode::SUCCESS)
        }
        ProgramCommand::BuildList { slug, instant } => {
            let instant = match instant.as_deref().map(str::parse::<jiff::Timestamp>) {
                None => jiff::Timestamp::now(),
                Some(Ok(t)) => t,
                Some(Err(_)) => {
                    eprintln!("error: --instant: not an RFC 3339 instant with an offset");
                    return Ok(ExitCode::from(2));
                }
            };
            let Some(campaign) = actor.principal().map(|p| p.org_id) else {
                eprintln!("error: a call list is built for a campaign user (--as EMAIL)");
                return Ok(ExitCode::from(2));
            };
            let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
            match clearline_ingest::call_list::build_call_list(store, actor, &sealer, &slug, instant).await {
                Ok(summary) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&summary)?);
                    } else {
                        print_summary(&summary);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(CheckError::Store(e)) => refused(e),
                Err(CheckError::Program(e)) => {
                    eprintln!("error: the program's settings do not make a readable case: {e}");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn start(store: &Store, actor: &Actor, slug: &str, json: bool) -> anyhow::Result<ExitCode> {
    let today = jiff::Zoned::now().date();
    // Every blocker, not only the first: the person starting the program fixes them all at once.
    let blockers = match store.program_start_blockers(actor, slug, today).await {
        Ok(b) => b,
        Err(e) => return refused(e),
    };
    if !blockers.is_empty() {
        for b in &blockers {
            eprintln!("error: {b}");
        }
        return Ok(ExitCode::from(2));
    }
    let program = match store.start_program(actor, slug, today).await {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&program)?);
    } else {
        println!("Program {} is running.", program.slug);
    }
    Ok(ExitCode::SUCCESS)
}

async fn simulate(
    config: &Config,
    store: &Store,
    actor: &Actor,
    args: SimulateArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let profile = match args.profile.as_str() {
        "gotv" => clearline_dialer::sim::model::Profile::GOTV,
        "survey" => clearline_dialer::sim::model::Profile::SURVEY,
        _ => {
            eprintln!("error: --profile: not one of gotv, survey");
            return Ok(ExitCode::from(2));
        }
    };
    if !(args.lease_seconds >= 1.0 && args.lease_seconds <= 3_600.0) {
        eprintln!("error: --lease-seconds must be between 1 and 3600");
        return Ok(ExitCode::from(2));
    }
    let rate_ok = args.answer_rate > 0.0 && args.answer_rate < 1.0;
    let minutes_ok = args.minutes > 0.0 && args.minutes <= 24.0 * 60.0;
    let callbacks_ok = (0.0..=1.0).contains(&args.callback_share);
    if !(rate_ok && minutes_ok && callbacks_ok) {
        eprintln!(
            "error: --answer-rate must be between 0 and 1, --callback-share from 0 to 1, --minutes between 0 and 1440"
        );
        return Ok(ExitCode::from(2));
    }
    let origin = match args.start.as_deref().map(str::parse::<jiff::Timestamp>) {
        None => jiff::Timestamp::now(),
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            eprintln!("error: --start: not an RFC 3339 instant with an offset");
            return Ok(ExitCode::from(2));
        }
    };
    let Some(campaign) = actor.principal().map(|p| p.org_id) else {
        eprintln!("error: a program is run for a campaign user (--as EMAIL)");
        return Ok(ExitCode::from(2));
    };
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
    let options = clearline_calling::RunOptions {
        agents_per_vendor: args.agents,
        duration: clearline_dialer::secs(args.minutes * 60.0),
        seed: args.seed,
        answer_rate: args.answer_rate,
        profile,
        pace: clearline_calling::Pace::Simulated,
        stop_after_attempts: args.stop_after_attempts,
        callback_share: args.callback_share,
        desk: None,
        desk_disconnect_grace: clearline_calling::DEFAULT_DISCONNECT_GRACE,
        lease: clearline_calling::LeaseOptions {
            ttl: std::time::Duration::from_secs_f64(args.lease_seconds),
            ..clearline_calling::LeaseOptions::default()
        },
    };
    let mut result = clearline_calling::run_program(store, actor, &sealer, &args.slug, origin, &options).await;
    // A lease left by a process that stopped without releasing it (killed) runs out: wait for it once.
    // One that is still held after that belongs to a node that is calling the program now.
    if let Err(clearline_calling::CallingError::LeasedElsewhere { until: Some(until), .. }) = &result {
        let wait = until.as_microsecond() - jiff::Timestamp::now().as_microsecond();
        if wait < 3_600_000_000 {
            if !json {
                eprintln!(
                    "Waiting {:.0} s for an earlier run's hold on the program to run out…",
                    wait.max(0) as f64 / 1e6
                );
            }
            tokio::time::sleep(std::time::Duration::from_micros(wait.max(0) as u64 + 100_000)).await;
            result = clearline_calling::run_program(store, actor, &sealer, &args.slug, origin, &options).await;
        }
    }
    let report = match result {
        Ok(r) => r,
        Err(e @ clearline_calling::CallingError::LeasedElsewhere { .. }) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(clearline_calling::CallingError::Store(e)) => return refused(e),
        Err(e @ clearline_calling::CallingError::NotRunning(_)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if report.interrupted_before > 0 {
            println!("Closed {} attempts an earlier run left in flight, as interrupted.", report.interrupted_before);
        }
        println!(
            "{} attempts in {:.0} simulated seconds ({} system-dialed, {} preview); {} finished.",
            report.attempts_opened,
            report.simulated_seconds,
            report.system_dials,
            report.preview_dials,
            report.attempts_finished
        );
        for (code, n) in &report.by_disposition {
            println!("  {n:>7}  {code}");
        }
        println!(
            "Abandonment (CR-46): {} of {} live answers, {:.2} %. Refused by the policy at the dial: {}.",
            report.abandoned,
            report.live_answers,
            100.0 * report.abandonment_rate,
            report.refused_at_dial
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn create(store: &Store, actor: &Actor, args: CreateArgs, json: bool) -> anyhow::Result<ExitCode> {
    let mut problems: Vec<String> = Vec::new();
    let slug = Slug::parse(&args.slug).map_err(|e| problems.push(e.to_string())).ok();
    let purpose = Purpose::parse(&args.purpose);
    if purpose.is_none() {
        problems.push("purpose: not one of gotv, fundraising, survey, persuasion".into());
    }
    let dial_mode = DialMode::parse(&args.dial_mode);
    if dial_mode.is_none() {
        problems.push(
            "dial_mode: not one of manual, preview, power, predictive, prerecorded, artificial_voice, ivr".into(),
        );
    }
    let mut settings =
        ProgramSettings::new(purpose.unwrap_or(Purpose::Gotv), dial_mode.unwrap_or(DialMode::Manual), &args.universe);
    if let Some(w) = &args.window {
        match parse_window(w) {
            Some(w) => settings.window = Some(w),
            None => problems.push("window: not a window such as 09:00-20:30".into()),
        }
    }
    for (field, raw, slot) in [
        ("caller_id", &args.caller_id, &mut settings.caller_id),
        ("callback_number", &args.callback_number, &mut settings.callback_number),
    ] {
        if let Some(raw) = raw {
            match clearline_core::phone::parse_phone(raw, "US") {
                Ok(p) => *slot = Some(p.number),
                Err(_) => problems.push(format!("{field}: not a valid phone number")),
            }
        }
    }
    settings.caller_id_authorized = args.caller_id_authorized;
    settings.max_attempts = args.max_attempts;
    settings.min_spacing_minutes = args.min_spacing_minutes;
    settings.max_household_attempts = args.max_household_attempts;
    if let Some(one) = args.one_per_household {
        settings.one_per_household = one;
    }
    settings.recorded = !args.not_recorded;
    settings.commercial_content = args.commercial_content;
    settings.voicemail_drop = args.voicemail_drop;
    settings.abandonment_target_percent = args.abandonment_target;
    for v in &args.vendors {
        match VendorShare::parse(v) {
            Ok(share) => settings.vendors.push(share),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for q in &args.quotas {
        match clearline_core::program::Quota::parse(q) {
            Ok(quota) => settings.quotas.push(quota),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if purpose.is_some() && dial_mode.is_some() {
        problems.extend(settings.problems().iter().map(ToString::to_string));
    }
    let Some(slug) = slug.filter(|_| problems.is_empty()) else {
        for p in &problems {
            eprintln!("error: {p}");
        }
        return Ok(ExitCode::from(2));
    };
    let program = match store.create_program(actor, &slug, &args.name, &settings).await {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&program)?);
    } else {
        println!(
            "Created draft program {} ({}). Next: `clearline program build-list {}`.",
            program.slug, program.name, program.slug
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, actor: &Actor, slug: &str, json: bool) -> anyhow::Result<ExitCode> {
    let program = match store.program_by_slug(actor, slug).await {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let summary = store.call_list_summary(actor, slug).await?;
    let today = jiff::Zoned::now().date();
    let blockers: Vec<String> =
        store.program_start_blockers(actor, slug, today).await?.iter().map(ToString::to_string).collect();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "program": program, "call_list": summary, "start_blockers": blockers,
                "audio": store.program_audio(actor, slug).await?,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let s = &program.settings;
    println!("{} — {} ({})", program.slug, program.name, program.status.as_str());
    println!("  purpose {}, dial mode {}, universe {:?}", s.purpose.as_str(), s.dial_mode.as_str(), s.universe);
    println!("  calling hours {}", s.window.map(|w| format_window(&w)).unwrap_or_else(|| "the rules' windows".into()));
    println!(
        "  caller ID {} ({}), callback {}",
        s.caller_id.map(|c| c.to_string()).unwrap_or_else(|| "not set".into()),
        if s.caller_id_authorized { "right to use attested" } else { "not attested" },
        s.callback().map(|c| c.to_string()).unwrap_or_else(|| "not set".into())
    );
    println!(
        "  {} attempts per person, {} per household, {}, {}, abandonment target {} %",
        s.max_attempts,
        s.max_household_attempts.map(|n| n.to_string()).unwrap_or_else(|| "no cap".into()),
        if s.one_per_household { "one person per household" } else { "every person" },
        if s.recorded { "recorded" } else { "not recorded" },
        s.abandonment_target_percent
    );
    if s.commercial_content {
        println!("  commercial content: Florida and Oklahoma sales-call rules apply (CR-27)");
    }
    if s.voicemail_drop {
        println!("  leaves its voicemail-drop recording on answering machines");
    }
    for v in &s.vendors {
        println!("  vendor {} gets {} %", v.vendor, v.percent);
    }
    for q in &s.quotas {
        println!("  quota {}", q.label());
    }
    match store.program_script(actor, slug).await? {
        Some((script, v)) => println!("  script {script} version {} ({}, {})", v.number, v.language, v.status.as_str()),
        None => println!("  no script attached"),
    }
    for a in store.program_audio(actor, slug).await? {
        let question = a.step.as_deref().map(|s| format!(" for question {s}")).unwrap_or_default();
        println!(
            "  plays {}{question} {} version {} ({})",
            a.kind,
            a.slug,
            a.version.number,
            a.version.status.as_str()
        );
    }
    if program.list_built_at_us.is_some() {
        print_summary(&summary);
    }
    if blockers.is_empty() {
        println!("\nReady to start.");
    } else {
        println!("\nBefore it can start:");
        for b in blockers {
            println!("  - {b}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &clearline_store::CallListSummary) {
    let n = |mode: &str| summary.by_mode.get(mode).copied().unwrap_or(0);
    println!("\nCall list: {} people", summary.people);
    println!("  {:>9}  dialed in the program's mode", n("program"));
    println!("  {:>9}  preview calls blended to the same agents (the system may not dial them, CR-49)", n("preview"));
    println!("  {:>9}  excluded", n("excluded"));
    for e in &summary.exclusions {
        println!("      {:>9}  {:<28} {}", e.people, e.exclusion, e.sentence);
    }
    for (vendor, people) in &summary.by_vendor {
        println!("  vendor {vendor}: {people} people");
    }
}

fn print_stats(stats: &clearline_store::CallStats) {
    println!(
        "{} attempts ({} in flight), {} contacts, {} completes; {} entries done, {} refused at the dial.",
        stats.attempts, stats.in_flight, stats.contacts, stats.completes, stats.entries_done, stats.entries_denied
    );
    for (code, n) in &stats.by_disposition {
        println!("  {n:>7}  {code}");
    }
    for c in &stats.by_custom_disposition {
        println!("  {:>7}  {} (custom code, counted as {} above)", c.attempts, c.code, c.base);
    }
    for (vendor, n) in &stats.by_vendor {
        println!("  vendor {vendor}: {n} attempts");
    }
}

async fn why(
    config: &Config,
    store: &Store,
    actor: &Actor,
    slug: &str,
    voter: &str,
    at: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let instant = match at.map(str::parse::<jiff::Timestamp>) {
        None => jiff::Timestamp::now(),
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            eprintln!("error: --at: not an RFC 3339 instant with an offset");
            return Ok(ExitCode::from(2));
        }
    };
    let Some(campaign) = actor.principal().map(|p| p.org_id) else {
        eprintln!("error: dials are explained to a campaign user (--as EMAIL)");
        return Ok(ExitCode::from(2));
    };
    if let Err(e) = store.program_by_slug(actor, slug).await {
        return refused(e);
    }
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
    let explanation = match clearline_ingest::why::explain_dial(store, actor, &sealer, slug, voter, instant).await {
        Ok(x) => x,
        Err(clearline_ingest::why::WhyError::Store(StoreError::NotFound)) => {
            eprintln!("error: no person with that voter ID on the call list of {slug}");
            return Ok(ExitCode::from(1));
        }
        Err(clearline_ingest::why::WhyError::Store(e)) => return refused(e),
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
        return Ok(ExitCode::SUCCESS);
    }
    let x = &explanation;
    println!("{} in {} ({}), at {}", x.voter_id, x.program, x.program_status, x.instant);
    println!("  {}", x.summary);
    if let Some(next) = &x.next_callable_at {
        println!("  next callable at {next}");
    }
    println!(
        "  list: {}{}; attempts {} of {} (household {}){}",
        x.mode,
        x.vendor.as_deref().map(|v| format!(" for {v}")).unwrap_or_default(),
        x.attempts,
        x.max_attempts,
        x.household_attempts,
        x.final_disposition.as_deref().map(|d| format!("; finished {d}")).unwrap_or_default()
    );
    if let Some(p) = &x.phone {
        println!("  phone {}: {} {}, area code {}", p.position, p.kind, p.line_type, p.area_code);
    }
    if let Some(v) = &x.policy {
        let rules = if v.rules.is_empty() { String::new() } else { format!(" [{}]", v.rules.join(", ")) };
        println!("  policy: {}{rules} — {}", v.verdict, v.reason);
    }
    Ok(ExitCode::SUCCESS)
}

/// Every row of a listing read in pages by id (`page(after_id)`), in id order.
async fn every_page<T, F, Fut>(mut page: F, id: fn(&T) -> i64) -> Result<Vec<T>, StoreError>
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, StoreError>>,
{
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let rows = page(after).await?;
        let Some(last) = rows.last() else { break };
        after = id(last);
        all.extend(rows);
    }
    Ok(all)
}

/// `program call`: the steps and the note of one call.
async fn call_record(
    config: &Config,
    store: &Store,
    actor: &Actor,
    slug: &str,
    attempt: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let record = match store.call_record(actor, slug, attempt).await {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    let notes = match (&record.notes_enc, actor.principal().map(|p| p.org_id)) {
        (Some(enc), Some(campaign)) => {
            let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
            let plain = sealer
                .cipher()
                .decrypt(clearline_calling::run::NOTES_FIELD, enc)
                .map_err(|_| anyhow::anyhow!("the note cannot be decrypted with the campaign's key"))?;
            Some(String::from_utf8_lossy(&plain).into_owned())
        }
        _ => None,
    };
    let when = |us: i64| jiff::Timestamp::from_microsecond(us).map(|t| t.to_string()).unwrap_or_default();
    if json {
        let mut value = serde_json::to_value(&record)?;
        value["notes"] = serde_json::json!(notes);
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    // A campaign's own code is shown beside the base code it means (which the rates and redials read).
    let custom = record.custom_disposition.as_deref().map_or(String::new(), |c| format!(" (custom code {c})"));
    println!(
        "Attempt {} by {}: {}{custom}.",
        record.attempt_id,
        record.agent.as_deref().unwrap_or("no agent"),
        record.disposition.as_deref().unwrap_or("in progress")
    );
    if record.steps.is_empty() {
        println!("No script steps recorded (only calls taken at the agent desk record them).");
    }
    for s in &record.steps {
        let left = s.left_at_us.map_or("-".to_string(), when);
        println!("  {:<20} {}  →  {}", s.step, when(s.entered_at_us), left);
    }
    if let Some(n) = notes {
        println!("Note: {n}");
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(e: StoreError) -> anyhow::Result<ExitCode> {
    store_refusal(e, "program")
}

/// Store refusals as the CLI reports them: invalid input and conflicts are usage errors (2); a missing
/// `what` (another tenant's looks missing too) and missing rights fail (1).
pub(crate) fn store_refusal(e: StoreError, what: &str) -> anyhow::Result<ExitCode> {
    match e {
        StoreError::Invalid(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        StoreError::Conflict { field } => {
            eprintln!("error: {field} is already taken");
            Ok(ExitCode::from(2))
        }
        StoreError::NotFound => {
            eprintln!("error: no such {what} in your campaign");
            Ok(ExitCode::from(1))
        }
        StoreError::Forbidden(cap) => {
            eprintln!("error: your role may not do this (needs {cap})");
            Ok(ExitCode::from(1))
        }
        e => Err(e.into()),
    }
}
