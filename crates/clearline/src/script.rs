//! `clearline script …`: check a script document against a program's facts (no database), and keep a
//! campaign's script versions through draft → submitted → approved | rejected (docs/scripts.md).

use clap::{Args, Subcommand};
use clearline_core::policy::{DialMode, Purpose};
use clearline_core::script::{self, ScriptFacts};
use clearline_core::validate::Slug;
use clearline_core::Actor;
use clearline_store::{NewVersion, Store, StoreError};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ScriptCommand {
    /// Parse and validate a script file for a program's facts; exit 1 listing every problem.
    Check {
        file: PathBuf,
        #[command(flatten)]
        facts: FactsArgs,
    },
    /// Write a new draft version from a file; creates the script first when the slug is new (then
    /// --name, --purpose and --dial-mode are needed).
    New(Box<NewArgs>),
    /// Submit a draft for approval (it must pass `check` against the script's facts).
    Submit {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
    },
    /// Approve a submitted version (script approvers and the owner; not its author).
    Approve {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
    },
    /// Reject a submitted version, saying why (script approvers and the owner; not its author).
    Reject {
        slug: String,
        version: u32,
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        reason: String,
    },
    /// The campaign's scripts and their versions.
    List {
        #[arg(long)]
        campaign: String,
    },
    /// A script's versions, or one version's text, status and problems.
    Show {
        slug: String,
        version: Option<u32>,
        #[arg(long)]
        campaign: String,
    },
    /// The line-by-line difference between two versions of a script.
    Diff {
        slug: String,
        from: u32,
        to: u32,
        #[arg(long)]
        campaign: String,
    },
}

#[derive(Args)]
pub struct NewArgs {
    /// Lower-case letters, digits and '-'.
    slug: String,
    #[arg(long)]
    campaign: String,
    /// The script document (docs/scripts.md).
    #[arg(long)]
    file: PathBuf,
    /// The version's language (default en).
    #[arg(long, default_value = "en")]
    language: String,
    /// The version number this one translates.
    #[arg(long)]
    translation_of: Option<u32>,
    /// The script's name (a new script only).
    #[arg(long)]
    name: Option<String>,
    /// gotv, fundraising, survey, persuasion (a new script only).
    #[arg(long)]
    purpose: Option<String>,
    /// manual, preview, power, predictive, prerecorded, artificial_voice, ivr (a new script only).
    #[arg(long)]
    dial_mode: Option<String>,
    /// Calls are recorded (a new script only).
    #[arg(long)]
    recorded: bool,
    /// Calls expected within 30 days (a new script only).
    #[arg(long)]
    expected_calls: Option<u64>,
}

impl ScriptCommand {
    /// The `--campaign` of a command that acts on stored scripts.
    pub fn campaign(&self) -> Option<&str> {
        match self {
            ScriptCommand::Check { .. } => None,
            ScriptCommand::New(a) => Some(&a.campaign),
            ScriptCommand::Submit { campaign, .. }
            | ScriptCommand::Approve { campaign, .. }
            | ScriptCommand::Reject { campaign, .. }
            | ScriptCommand::List { campaign }
            | ScriptCommand::Show { campaign, .. }
            | ScriptCommand::Diff { campaign, .. } => Some(campaign),
        }
    }
}

/// The facts of the program a script is for.
#[derive(Args, Clone)]
pub struct FactsArgs {
    /// gotv, fundraising, survey, persuasion.
    #[arg(long)]
    purpose: String,
    /// manual, preview, power, predictive, prerecorded, artificial_voice, ivr.
    #[arg(long)]
    dial_mode: String,
    /// Calls are recorded (the opening must announce it, CR-28).
    #[arg(long)]
    recorded: bool,
    /// Calls expected within 30 days (CR-37 "paid for by" applies above 500; unknown counts as above).
    #[arg(long)]
    expected_calls: Option<u64>,
}

impl FactsArgs {
    /// The facts, or the usage errors naming each bad flag.
    pub fn facts(&self) -> Result<ScriptFacts, Vec<String>> {
        let mut errors = Vec::new();
        let purpose = Purpose::parse(&self.purpose);
        if purpose.is_none() {
            errors.push("--purpose: not one of gotv, fundraising, survey, persuasion".to_string());
        }
        let dial_mode = DialMode::parse(&self.dial_mode);
        if dial_mode.is_none() {
            errors.push(
                "--dial-mode: not one of manual, preview, power, predictive, prerecorded, artificial_voice, ivr".into(),
            );
        }
        match (purpose, dial_mode) {
            (Some(purpose), Some(dial_mode)) => {
                Ok(ScriptFacts { purpose, dial_mode, recorded: self.recorded, expected_calls: self.expected_calls })
            }
            _ => Err(errors),
        }
    }
}

pub fn check(file: &Path, facts: &FactsArgs, json: bool) -> anyhow::Result<ExitCode> {
    let facts = match facts.facts() {
        Ok(f) => f,
        Err(errors) => return usage(&errors),
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return usage(&[format!("cannot read {}: {e}", file.display())]),
    };
    let report = check_text(&text, &facts);
    if json {
        println!("{}", serde_json::to_string_pretty(&report.json)?);
    } else if report.problems.is_empty() {
        println!("ok: {}", report.summary);
    } else {
        for p in &report.problems {
            eprintln!("error: {p}");
        }
        eprintln!("{} problem(s); the script cannot be submitted", report.problems.len());
    }
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What `check` found in one text: printable problems, a one-line summary, and the JSON report.
pub struct CheckReport {
    pub problems: Vec<String>,
    pub summary: String,
    pub json: serde_json::Value,
}

pub fn check_text(text: &str, facts: &ScriptFacts) -> CheckReport {
    match script::parse(text) {
        Err(errors) => CheckReport {
            problems: errors.iter().map(ToString::to_string).collect(),
            summary: String::new(),
            json: json!({"ok": false, "parse_errors": errors, "problems": []}),
        },
        Ok(doc) => {
            let problems = script::validate(&doc, facts);
            let summary = format!(
                "{:?}: {} steps, valid for {} calls dialed {}",
                doc.title,
                doc.steps.len(),
                facts.purpose.as_str(),
                facts.dial_mode.as_str()
            );
            CheckReport {
                problems: problems.iter().map(ToString::to_string).collect(),
                summary,
                json: json!({
                    "ok": problems.is_empty(), "title": doc.title, "steps": doc.steps.len(),
                    "parse_errors": [], "problems": problems, "facts": facts
                }),
            }
        }
    }
}

/// The commands on stored scripts, as `actor`, whose campaign must be `--campaign`.
pub async fn run(store: &Store, actor: &Actor, command: ScriptCommand, json: bool) -> anyhow::Result<ExitCode> {
    if let Some(slug) = command.campaign() {
        match store.organization_by_slug(actor, slug).await {
            Ok(o) if actor.principal().is_some_and(|p| p.org_id == o.id) => {}
            _ => return usage(&[format!("--campaign {slug:?} is not your campaign")]),
        }
    }
    match command {
        ScriptCommand::Check { file, facts } => check(&file, &facts, json),
        ScriptCommand::New(args) => new_version(store, actor, *args, json).await,
        ScriptCommand::Submit { slug, version, .. } => {
            // List every problem here; the store refuses with the first (defence in depth).
            let info = match store.script_by_slug(actor, &slug).await {
                Ok(i) => i,
                Err(e) => return refused(e),
            };
            let stored = match store.script_version(actor, &slug, version).await {
                Ok(v) => v,
                Err(e) => return refused(e),
            };
            let report = check_text(&stored.body, &info.facts);
            if !report.problems.is_empty() {
                for p in &report.problems {
                    eprintln!("error: {p}");
                }
                eprintln!("{} problem(s); version {version} stays a draft", report.problems.len());
                return Ok(ExitCode::from(1));
            }
            let done = store.submit_script_version(actor, &slug, version).await;
            print_moved(done, json, "submitted for approval")
        }
        ScriptCommand::Approve { slug, version, .. } => {
            print_moved(store.approve_script_version(actor, &slug, version).await, json, "approved")
        }
        ScriptCommand::Reject { slug, version, reason, .. } => {
            print_moved(store.reject_script_version(actor, &slug, version, &reason).await, json, "rejected")
        }
        ScriptCommand::List { .. } => {
            let scripts = match store.list_scripts(actor).await {
                Ok(s) => s,
                Err(e) => return refused(e),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&scripts)?);
            } else if scripts.is_empty() {
                println!("No scripts yet: `clearline script new` writes one.");
            }
            for s in scripts.iter().filter(|_| !json) {
                let versions: Vec<String> =
                    s.versions.iter().map(|v| format!("v{} {} {}", v.number, v.language, v.status.as_str())).collect();
                println!(
                    "{:<24} {:<12} {:<11} {:<40} {}",
                    s.slug,
                    s.facts.purpose.as_str(),
                    s.facts.dial_mode.as_str(),
                    s.name,
                    versions.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ScriptCommand::Show { slug, version, .. } => show(store, actor, &slug, version, json).await,
        ScriptCommand::Diff { slug, from, to, .. } => {
            let (old, new) =
                match (store.script_version(actor, &slug, from).await, store.script_version(actor, &slug, to).await) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return refused(e),
                };
            let lines = script::diff_lines(&old.body, &new.body);
            if json {
                println!("{}", serde_json::to_string_pretty(&json!({"from": from, "to": to, "lines": lines}))?);
            } else {
                println!("--- {slug} v{from} ({})\n+++ {slug} v{to} ({})", old.status.as_str(), new.status.as_str());
                print!("{}", script::render_diff(&lines));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn new_version(store: &Store, actor: &Actor, args: NewArgs, json: bool) -> anyhow::Result<ExitCode> {
    let slug = match Slug::parse(&args.slug) {
        Ok(s) => s,
        Err(e) => return usage(&[e.to_string()]),
    };
    let body = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return usage(&[format!("cannot read {}: {e}", args.file.display())]),
    };
    let creating = match store.script_by_slug(actor, slug.as_str()).await {
        Ok(existing) => {
            if args.name.is_some()
                || args.purpose.is_some()
                || args.dial_mode.is_some()
                || args.recorded
                || args.expected_calls.is_some()
            {
                return usage(&[format!(
                    "script {} exists: its name and facts are fixed ({} calls dialed {}); write another script for other facts",
                    existing.slug,
                    existing.facts.purpose.as_str(),
                    existing.facts.dial_mode.as_str()
                )]);
            }
            false
        }
        Err(StoreError::NotFound) => true,
        Err(e) => return refused(e),
    };
    if creating {
        let (Some(name), Some(purpose), Some(dial_mode)) = (&args.name, &args.purpose, &args.dial_mode) else {
            return usage(&["a new script needs --name, --purpose and --dial-mode".into()]);
        };
        let facts_args = FactsArgs {
            purpose: purpose.clone(),
            dial_mode: dial_mode.clone(),
            recorded: args.recorded,
            expected_calls: args.expected_calls,
        };
        let facts = match facts_args.facts() {
            Ok(f) => f,
            Err(errors) => return usage(&errors),
        };
        if let Err(e) = store.create_script(actor, &slug, name, &facts).await {
            return refused(e);
        }
    }
    let new = NewVersion { body, language: args.language, translation_of: args.translation_of };
    let version = match store.add_script_version(actor, slug.as_str(), &new).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&version)?);
    } else {
        println!(
            "Wrote draft version {} of {} ({}). Next: `clearline script submit {} {} --campaign …`.",
            version.number, slug, version.language, slug, version.number
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, actor: &Actor, slug: &str, version: Option<u32>, json: bool) -> anyhow::Result<ExitCode> {
    let info = match store.script_by_slug(actor, slug).await {
        Ok(i) => i,
        Err(e) => return refused(e),
    };
    let Some(number) = version else {
        if json {
            println!("{}", serde_json::to_string_pretty(&info)?);
            return Ok(ExitCode::SUCCESS);
        }
        let f = &info.facts;
        println!(
            "{} — {} ({} calls dialed {}{})",
            info.slug,
            info.name,
            f.purpose.as_str(),
            f.dial_mode.as_str(),
            if f.recorded { ", recorded" } else { "" }
        );
        for v in &info.versions {
            println!("  v{:<4} {:<6} {}", v.number, v.language, v.status.as_str());
        }
        return Ok(ExitCode::SUCCESS);
    };
    let v = match store.script_version(actor, slug, number).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let report = check_text(&v.body, &info.facts);
    if json {
        println!("{}", serde_json::to_string_pretty(&json!({"version": v, "check": report.json}))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} v{} ({}, {}), sha256 {}", info.slug, v.number, v.language, v.status.as_str(), v.body_sha256);
    if let Some(reason) = &v.rejection_reason {
        println!("rejected: {reason}");
    }
    println!();
    print!("{}", v.body);
    if !v.body.ends_with('\n') {
        println!();
    }
    if !report.problems.is_empty() {
        println!();
        for p in &report.problems {
            println!("problem: {p}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_moved(
    result: Result<clearline_store::ScriptVersion, StoreError>,
    json: bool,
    what: &str,
) -> anyhow::Result<ExitCode> {
    let v = match result {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("Version {} {what}.", v.number);
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(e: StoreError) -> anyhow::Result<ExitCode> {
    crate::program::store_refusal(e, "script or version")
}

fn usage(errors: &[String]) -> anyhow::Result<ExitCode> {
    for e in errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(2))
}
