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
use clearline_core::script::walk::questions;
use clearline_core::Actor;
use clearline_ingest::survey_results::kind_name;
pub use clearline_ingest::survey_results::{report, SurveyData, Weighting};
use clearline_ingest::survey_weights::{rake_respondents, WeightingError};
use clearline_store::Store;
use clearline_survey::rates::{outcome_rates, Eligibility};
use clearline_survey::stats::kish;
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
    let n = data.respondents.len();
    let Some(path) = targets else { return Ok((vec![1.0; n], None)) };
    let (targets, _, _) = read_targets(path)?;
    match rake_respondents(data, &targets) {
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
        Some(w) => println!("Weighted (raked to {}), {} sweeps", w["variables"], w["iterations"]),
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
    if args.e.is_some_and(|e| !(0.0..=1.0).contains(&e)) {
        eprintln!("error: --e must be between 0 and 1");
        return Ok(ExitCode::from(2));
    }
    let data = match load(config, store, actor, &args.program).await {
        Ok(d) => d,
        Err(e) => return refusal(e),
    };
    let (weights, weighting) = match weights(&data, args.weight_targets.as_ref()) {
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

fn refusal(e: anyhow::Error) -> anyhow::Result<ExitCode> {
    match e.downcast::<clearline_store::StoreError>() {
        Ok(e) => crate::program::store_refusal(e, "program"),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn date_of(us: Option<i64>) -> String {
    us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_else(|| "no calls yet".into())
}

/// The CR-52 disclosure statement, as Markdown, from the program's own facts.
pub async fn disclosure(
    store: &Store,
    actor: &Actor,
    data: &SurveyData,
    weights: &[f64],
    weighting: Option<&Weighting>,
) -> anyhow::Result<String> {
    use std::fmt::Write;
    let slug = &data.program.slug;
    let s = &data.program.settings;
    let profile = store.campaign_profile(actor).await?;
    let dates = store.field_dates(actor, slug).await?;
    let (universe, filter) = store.program_universe_definition(actor, slug).await?;
    let list = store.call_list_summary(actor, slug).await?;
    let rates = outcome_rates(&data.counts, Eligibility::Estimated).map_err(|e| anyhow::anyhow!("{e}"))?;
    let precision = kish(weights);
    let n = data.respondents.len();
    let mut md = String::new();
    let _ = writeln!(md, "# Disclosure statement: {} (`{}`)\n", data.program.name, slug);
    let _ =
        writeln!(md, "Prepared under the AAPOR Code's disclosure standards (CR-52) from the program's own records.\n");
    let _ = writeln!(md, "## Sponsor and who conducted it\n");
    let _ = writeln!(md, "- Sponsor: {}.", profile.committee_legal_name);
    let vendors: Vec<String> =
        s.vendors.iter().map(|v| format!("{} ({} % of the call list)", v.vendor, v.percent)).collect();
    let _ = writeln!(
        md,
        "- Conducted by: {}, calling through Clearline.",
        if vendors.is_empty() { "the campaign (no vendor)".to_string() } else { vendors.join(", ") }
    );
    let _ = writeln!(md, "\n## Data collection strategy and mode\n");
    let _ = writeln!(
        md,
        "- Mode: telephone, {} dialing with live interviewers; numbers the system may not dial (wireless and unknown line types, CR-49) were dialed by the interviewer as preview calls. Calls were {}.",
        s.dial_mode.as_str(),
        if s.recorded { "recorded" } else { "not recorded" }
    );
    if dates.simulated > 0 {
        let _ = writeln!(
            md,
            "- **Simulated data**: {} of the {} attempts were placed on Clearline's simulated carrier and answered by bot respondents; these figures describe a simulation, not public opinion.",
            dates.simulated, dates.attempts
        );
    }
    let _ = writeln!(
        md,
        "- Field dates: {} to {} (first dial, last call).",
        date_of(dates.first_dialed_at_us),
        date_of(dates.last_ended_at_us)
    );
    let _ = writeln!(md, "\n## Population and sample\n");
    let _ = writeln!(md, "- Population: the campaign's voter file, universe \"{universe}\", defined as `{filter}`.");
    let _ = writeln!(
        md,
        "- Sample: the call list snapshotted from the universe through the contact policy: {} people{}, of whom {} were excluded with a reason (no callable phone, do-not-call, consent, calling rules). Every listed entry is eligible to be dialed (no random subsample), in the dialer's order; up to {} attempts per person.",
        list.people,
        if s.one_per_household { " (one person per household)" } else { "" },
        list.by_mode.get("excluded").copied().unwrap_or(0),
        s.max_attempts
    );
    if !s.quotas.is_empty() {
        let q: Vec<String> = s.quotas.iter().map(|q| q.label()).collect();
        let _ = writeln!(md, "- Quotas (completes per cell; a full cell is no longer dialed): {}.", q.join("; "));
    }
    let _ = writeln!(md, "- Cases dialed: {}; complete interviews: {n}.", data.cases.len());
    let _ = writeln!(md, "\n## Exact wording\n");
    match &data.script {
        Some((script_slug, v, script)) => {
            let _ = writeln!(
                md,
                "Script `{script_slug}` version {} ({}, SHA-256 `{}`), questions in the order asked:\n",
                v.number, v.language, v.body_sha256
            );
            for (i, (step, q)) in questions(script).enumerate() {
                let _ = writeln!(
                    md,
                    "{}. *{}* ({}{}): \"{}\"",
                    i + 1,
                    step.id,
                    kind_name(&q.answer),
                    if q.randomize { ", options in random order" } else { "" },
                    step.spoken()
                );
                for o in &q.options {
                    let _ = writeln!(md, "   - {}", o.label);
                }
            }
            let _ = writeln!(
                md,
                "\nSkip logic and the full text read to respondents are in the script version named above."
            );
        }
        None => {
            let _ = writeln!(md, "No script is attached to the program.");
        }
    }
    let _ = writeln!(md, "\n## Sample sizes and precision\n");
    let _ = writeln!(md, "- Respondents (complete interviews): {n}.");
    if let Some(k) = precision {
        let _ = writeln!(
            md,
            "- Design effect (Kish) {:.3}; effective sample size {:.1}; margin of error ±{:.1} percentage points at 95 % confidence (p = 0.5), sampling error only.",
            k.design_effect, k.effective_n, k.margin_of_error * 100.0
        );
    }
    let _ = writeln!(
        md,
        "- Outcome rates (AAPOR Standard Definitions; e = {} by proportional allocation): RR1 {}, RR3 {}, COOP1 {}, REF1 {}, CON1 {}. All rates are available on request (`clearline survey report`).",
        rates.e.map(|e| format!("{e:.3}")).unwrap_or_else(|| "undefined".into()),
        pct(rates.rr1), pct(rates.rr3), pct(rates.coop1), pct(rates.ref1), pct(rates.con1)
    );
    let _ = writeln!(md, "\n## Weighting\n");
    match weighting {
        Some(w) => {
            let _ = writeln!(
                md,
                "Respondents were raked (iterative proportional fitting) to population margins of {} from the voter file, converged after {} sweeps to a largest relative margin error of {:.1e} (tolerance {:.0e}), without trimming.",
                w.variables.join(", "), w.iterations, w.max_margin_error, w.tolerance
            );
        }
        None => {
            let _ = writeln!(md, "The results are unweighted.");
        }
    }
    let _ = writeln!(md, "\n## Data processing and quality checks\n");
    let _ = writeln!(md, "Interviewers read only the approved script version; every call records the version and language used; answers are recorded in the script's structure (options, ranges), its skip logic applied as written, and the order shown of randomized options recorded per call. Answers are encrypted at rest.");
    let _ = writeln!(md, "\n## Limitations\n");
    let _ = writeln!(md, "The margin of error covers sampling error only, under the weighting's design effect; it does not cover coverage error (voters with no callable phone, or excluded by the contact rules, could not be reached), nonresponse bias, or measurement error. The population is registered voters in the campaign's file, not all adults.{}", if dates.simulated > 0 { " The data are simulated." } else { "" });
    Ok(md)
}

pub async fn run_disclosure(
    config: &crate::config::Config,
    store: &Store,
    actor: &Actor,
    args: DisclosureArgs,
) -> anyhow::Result<ExitCode> {
    let data = match load(config, store, actor, &args.program).await {
        Ok(d) => d,
        Err(e) => return refusal(e),
    };
    let (weights, weighting) = match weights(&data, args.weight_targets.as_ref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let md = disclosure(store, actor, &data, &weights, weighting.as_ref()).await?;
    store.record_survey_read(actor, &args.program, "disclosure", data.respondents.len() as u64).await?;
    print!("{md}");
    Ok(ExitCode::SUCCESS)
}
