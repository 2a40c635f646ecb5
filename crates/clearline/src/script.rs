//! `clearline script …`: check a script document against a program's facts (no database), and keep a
//! campaign's script versions through draft → submitted → approved | rejected (docs/scripts.md).

use clap::{Args, Subcommand};
use clearline_core::policy::{DialMode, Purpose};
use clearline_core::script::{self, ScriptFacts};
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

fn usage(errors: &[String]) -> anyhow::Result<ExitCode> {
    for e in errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(2))
}
