//! `clearline survey report` and `clearline survey disclosure`: a survey program's results from its
//! stored calls (issue 5, part 7) — toplines per question, crosstabs by a voter field, the AAPOR
//! outcome rates of its cases, raking to population targets, design effect, effective n and margin of
//! error — and the CR-52 disclosure statement built from the program's own facts.
//!
//! Every figure comes from `clearline-survey`'s functions (rates, rake, kish, topline, crosstab); this
//! module only gathers the cases and decrypts the answers (with the campaign's key, inside this
//! process: only aggregates leave it — no answer, name or number is printed). Both are audited reads
//! (`survey.report`, `survey.disclosure`), for roles with `view_results`.

use crate::survey::read_targets;
use clap::Args;
use clearline_core::Actor;
pub use clearline_ingest::survey_results::{disclosure, report, SurveyData, Weighting};
use clearline_ingest::survey_weights::{parse_cap, rake_respondents_with, WeighOptions, WeightingError};
use clearline_store::Store;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ReportArgs {
    /// The survey program's slug.
    #[arg(long)]
    program: String,
    /// Crosstab every question by this voter field: party, gender, race, county, precinct,
    /// congressional_district, age_band.
    #[arg(long)]
    by: Option<String>,
    /// Rake respondents to these population margins (`variable,category,target`, variables named as
    /// for --by).
    #[arg(long)]
    weight_targets: Option<PathBuf>,
    /// Trim the raked weights at this multiple of the mean weight (above 1), as `survey weight --cap`.
    #[arg(long, requires = "weight_targets")]
    cap: Option<f64>,
    /// The eligible share of the cases of unknown eligibility (default: estimated by proportional
    /// allocation).
    #[arg(long)]
    e: Option<f64>,
}

#[derive(Args)]
pub struct DisclosureArgs {
    #[arg(long)]
    program: String,
    /// The targets the released results are weighted to (as for `survey report`).
    #[arg(long)]
    weight_targets: Option<PathBuf>,
    /// The trimming cap the released weights used (as for `survey report`).
    #[arg(long, requires = "weight_targets")]
    cap: Option<f64>,
    /// The estimate of e the released rates used (as for `survey report`).
    #[arg(long)]
    e: Option<f64>,
}

/// Reads the program's cases and answers (decrypting the answers with the campaign's key).
pub async fn load(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    slug: &str,
) -> anyhow::Result<SurveyData> {
    let campaign = actor.principal().map(|p| p.org_id).ok_or_else(|| anyhow::anyhow!("sign in with --as"))?;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, actor, campaign).await?;
    Ok(clearline_ingest::survey_results::load(store, actor, &sealer, slug).await?)
}

pub fn parse_field(name: &str) -> anyhow::Result<clearline_core::program::QuotaField> {
    clearline_ingest::survey_results::parse_field(name).map_err(|e| anyhow::anyhow!(e))
}

/// The respondents' weights: raked to `targets` when given, else 1 each
/// (`clearline_ingest::survey_weights`, the page's implementation too).
pub fn weights(data: &SurveyData, targets: Option<&PathBuf>) -> anyhow::Result<(Vec<f64>, Option<Weighting>)> {
    weights_capped(data, targets, None)
}

/// [`weights`] trimmed at `cap` × the mean weight (`--cap`).
pub fn weights_capped(
    data: &SurveyData,
    targets: Option<&PathBuf>,
    cap: Option<f64>,
) -> anyhow::Result<(Vec<f64>, Option<Weighting>)> {
    let n = data.respondents.len();
    let Some(path) = targets else { return Ok((vec![1.0; n], None)) };
    let (targets, _, _) = read_targets(path)?;
    let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let options = WeighOptions { cap, source: format!("the targets file {name}") };
    match rake_respondents_with(data, &targets, &options) {
        Ok((weights, weighting)) => Ok((weights, Some(weighting))),
        Err(e @ WeightingError::NoRespondents) => Err(anyhow::anyhow!("{e}")),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1} %", v * 100.0)).unwrap_or_else(|| "undefined".into())
}

fn print_report(r: &Value) {
    println!(
        "Survey {} — {} cases, {} respondents (complete interviews)",
        r["program"].as_str().unwrap_or(""),
        r["cases"],
        r["respondents"]
    );
    let rates = &r["aapor"]["rates"];
    let names = [
        "RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2", "REF3", "CON1",
        "CON2", "CON3",
    ];
    let line: Vec<String> = names.iter().map(|n| format!("{n} {}", pct(rates[*n].as_f64()))).collect();
    println!("AAPOR: {}", line.join(", "));
    println!("  e = {} ({})", rates["e"], r["aapor"]["e_method"].as_str().unwrap_or(""));
    match r["weighting"].as_object() {
        Some(w) => match w["cap"].as_f64() {
            Some(cap) => println!(
                "Weighted (raked to {}), {} sweeps, trimmed at {cap} × the mean weight ({} at the cap)",
                w["variables"], w["iterations"], w["capped"]
            ),
            None => println!("Weighted (raked to {}), {} sweeps", w["variables"], w["iterations"]),
        },
        None => println!("Unweighted"),
    }
    println!(
        "Design effect {:.3}, effective n {:.1}, margin of error ±{} (95 %)",
        r["design_effect"].as_f64().unwrap_or(f64::NAN),
        r["effective_n"].as_f64().unwrap_or(f64::NAN),
        pct(r["margin_of_error"].as_f64())
    );
    for q in r["quotas"].as_array().into_iter().flatten() {
        println!("Quota {}: {} completes", q["cell"].as_str().unwrap_or(""), q["completes"]);
    }
    for q in r["questions"].as_array().into_iter().flatten() {
        println!(
            "\n{} ({}, asked of {}): {}",
            q["step"].as_str().unwrap_or(""),
            q["kind"].as_str().unwrap_or(""),
            q["asked"],
            q["text"].as_str().unwrap_or("")
        );
        for v in q["variables"].as_array().into_iter().flatten() {
            for c in v["categories"].as_array().into_iter().flatten() {
                if c["key"] == "not_selected" {
                    continue;
                }
                println!(
                    "  {:<40} {:>6}  {}",
                    c["label"].as_str().unwrap_or(""),
                    c["respondents"],
                    pct(c["share"].as_f64())
                );
            }
        }
        if let Some(m) = q["weighted_mean"].as_f64() {
            println!("  mean {m:.2}");
        }
        if let Some(n) = q["answered_text"].as_u64() {
            println!("  {n} answered in their own words (not shown: free text is personal data)");
        }
    }
    if let Some(x) = r["crosstab"].as_object() {
        let cols: Vec<String> =
            x["columns"].as_array().into_iter().flatten().map(|c| c.as_str().unwrap_or("").to_string()).collect();
        println!("\nCrosstabs by {} (shares within each column): {}", x["by"].as_str().unwrap_or(""), cols.join(" | "));
        for t in x["tables"].as_array().into_iter().flatten() {
            println!("  {}", t["key"].as_str().unwrap_or(""));
            for row in t["rows"].as_array().into_iter().flatten() {
                let cells: Vec<String> =
                    row["cells"].as_array().into_iter().flatten().map(|c| pct(c["share"].as_f64())).collect();
                println!("    {:<38} {}", row["key"].as_str().unwrap_or(""), cells.join(" | "));
            }
        }
    }
}

pub async fn run_report(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    args: ReportArgs,
    json_out: bool,
) -> anyhow::Result<ExitCode> {
    let by = match args.by.as_deref().map(parse_field).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: --by: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(code) = bad_e_or_cap(args.e, args.cap) {
        return Ok(code);
    }
    let data = match load(config, store, actor, &args.program).await {
        Ok(d) => d,
        Err(e) => return refusal(e),
    };
    let (weights, weighting) = match weights_capped(&data, args.weight_targets.as_ref(), args.cap) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let r = report(&data, &weights, weighting.as_ref(), by, args.e)?;
    store.record_survey_read(actor, &args.program, "report", data.respondents.len() as u64).await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print_report(&r);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--e` outside 0..=1 or `--cap` not above 1: a usage error (exit 2), said as the page says it.
fn bad_e_or_cap(e: Option<f64>, cap: Option<f64>) -> Option<ExitCode> {
    if e.is_some_and(|e| !(0.0..=1.0).contains(&e)) {
        eprintln!("error: --e must be between 0 and 1");
        return Some(ExitCode::from(2));
    }
    if let Some(Err(reason)) = cap.map(|c| parse_cap(&c.to_string())) {
        eprintln!("error: --cap: {reason}");
        return Some(ExitCode::from(2));
    }
    None
}

fn refusal(e: anyhow::Error) -> anyhow::Result<ExitCode> {
    match e.downcast::<clearline_store::StoreError>() {
        Ok(e) => crate::program::store_refusal(e, "program"),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn run_disclosure(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    args: DisclosureArgs,
) -> anyhow::Result<ExitCode> {
    if let Some(code) = bad_e_or_cap(args.e, args.cap) {
        return Ok(code);
    }
    let data = match load(config, store, actor, &args.program).await {
        Ok(d) => d,
        Err(e) => return refusal(e),
    };
    let (weights, weighting) = match weights_capped(&data, args.weight_targets.as_ref(), args.cap) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let md = disclosure(store, actor, &data, &weights, weighting.as_ref(), args.e).await?;
    store.record_survey_read(actor, &args.program, "disclosure", data.respondents.len() as u64).await?;
    print!("{md}");
    Ok(ExitCode::SUCCESS)
}
