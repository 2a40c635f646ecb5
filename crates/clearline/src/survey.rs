//! `clearline survey rates` and `clearline survey weight`: the survey numerics (clearline-survey) for
//! analysts, on CSV files (docs/surveys.md; issue 5 part 9). Results a pollster discloses (CR-52:
//! weighting, sample sizes and precision, outcome rates on request) can be checked here outside the UI.
//!
//! Bad input is refused with the file, the line, the field and the reason — never the value (a
//! respondents file may hold personal data) — exit code 1, and nothing written: the output goes to a
//! temporary file beside `-o` that is renamed into place only when everything succeeded.

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use clearline_ingest::survey_weights::{csv_error_message, parse_targets};
use clearline_survey::rake::{rake, Margin, RakeError, RakeOptions};
use clearline_survey::rates::{outcome_rates, parse_aapor_code, Counts, Eligibility};
use clearline_survey::stats::kish;
use clearline_survey::targets::{TargetKind, Targets};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum SurveyCommand {
    /// AAPOR outcome rates (RR1–RR6, COOP1–COOP4, REF1–REF3, CON1–CON3) from final dispositions.
    Rates {
        /// CSV with header `case_id,aapor_code[,weight]` (codes as in the Standard Definitions: 1.1,
        /// 2.11, 3.13, 4.30, …); `-` reads standard input.
        #[arg(long)]
        dispositions: PathBuf,
        /// The eligible share of the cases of unknown eligibility. Default: estimated by proportional
        /// allocation, (I+P+R+NC+O) / (I+P+R+NC+O+NE).
        #[arg(long)]
        e: Option<f64>,
    },
    /// Rake respondents to population margins: the respondents CSV with a `weight` column added.
    Weight(WeightArgs),
    /// A survey program's results from its calls: toplines, crosstabs by a voter field, AAPOR rates,
    /// raking, design effect and margin of error (needs --as, a role with view_results; audited).
    Report(crate::survey_report::ReportArgs),
    /// The CR-52 disclosure statement of a survey program, as Markdown, from its own facts (audited).
    Disclosure(crate::survey_report::DisclosureArgs),
}

#[derive(Args)]
pub struct WeightArgs {
    /// Respondents CSV with a header (any columns; one column per target variable).
    #[arg(long)]
    respondents: PathBuf,
    /// Targets CSV with header `variable,category,target` (population counts or shares).
    #[arg(long)]
    targets: PathBuf,
    /// A column of the respondents holding base (design) weights.
    #[arg(long, value_name = "COLUMN")]
    base_weight: Option<String>,
    /// Cap weights at this multiple of the mean weight (greater than 1).
    #[arg(long)]
    cap: Option<f64>,
    /// Stop when the largest |weighted margin / target − 1| is below this.
    #[arg(long, default_value_t = 1e-6)]
    tolerance: f64,
    /// Give up (an error) after this many sweeps.
    #[arg(long, default_value_t = 1000)]
    max_iterations: u32,
    /// Write the weighted respondents here (default: standard output). With --json the summary then
    /// goes to standard output instead of standard error.
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
}

pub fn run(command: SurveyCommand, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        SurveyCommand::Rates { dispositions, e } => rates(&dispositions, e),
        SurveyCommand::Weight(args) => weight(args, json),
        SurveyCommand::Report(_) | SurveyCommand::Disclosure(_) => {
            unreachable!("survey report and disclosure read the store: dispatched in main")
        }
    }
}

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("{}: cannot read the file", path.display()))
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes)
}

/// A CSV error as "FILE line N: reason", without the record's contents.
fn csv_error(file: &str, e: &csv::Error) -> anyhow::Error {
    anyhow!(csv_error_message(file, e))
}

fn header_names(file: &str, reader: &mut csv::Reader<&[u8]>) -> anyhow::Result<Vec<String>> {
    let header = reader.headers().map_err(|e| csv_error(file, &e))?;
    Ok(header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect())
}

fn rates(path: &Path, e: Option<f64>) -> anyhow::Result<ExitCode> {
    let file = path.display().to_string();
    let bytes = read_input(path)?;
    let mut reader = csv_reader(&bytes);
    let header = header_names(&file, &mut reader)?;
    let weighted = match header.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["case_id", "aapor_code"] => false,
        ["case_id", "aapor_code", "weight"] => true,
        _ => bail!("{file} line 1: the header must be case_id,aapor_code or case_id,aapor_code,weight"),
    };
    let eligibility = match e {
        Some(e) if e.is_finite() && (0.0..=1.0).contains(&e) => Eligibility::Given(e),
        Some(_) => bail!("--e must be a number from 0 to 1"),
        None => Eligibility::Estimated,
    };
    let mut counts = Counts::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&file, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let case = record[0].trim();
        if case.is_empty() {
            bail!("{file} line {line}, field `case_id`: empty");
        }
        if let Some(first) = seen.insert(case.to_string(), line) {
            bail!(
                "{file} line {line}, field `case_id`: the same case as line {first} (one final disposition per case)"
            );
        }
        let group = parse_aapor_code(&record[1]).map_err(|e| anyhow!("{file} line {line}, field `aapor_code`: {e}"))?;
        let weight = if weighted {
            match record[2].trim().parse::<f64>() {
                Ok(w) if w.is_finite() && w >= 0.0 => w,
                _ => bail!("{file} line {line}, field `weight`: must be a finite number of at least 0"),
            }
        } else {
            1.0
        };
        counts.add(group, weight);
    }
    let rates = outcome_rates(&counts, eligibility)?;
    println!("{}", serde_json::to_string(&rates)?);
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Summary {
    respondents: usize,
    variables: Vec<String>,
    targets: TargetKind,
    base_weight: Option<String>,
    converged: bool,
    iterations: u32,
    tolerance: f64,
    max_margin_error: f64,
    max_iterations: u32,
    cap: Option<f64>,
    capped: usize,
    design_effect: f64,
    effective_n: f64,
    /// 95 % at p = 0.5, as a proportion: 1.96·√(deff·0.25/n).
    margin_of_error: f64,
    weight_min: f64,
    weight_max: f64,
    weight_sum: f64,
}

/// A targets CSV (`variable,category,target`): the targets, and each row with its line
/// (`clearline_ingest::survey_weights::parse_targets`, which the report page reads pasted targets with).
#[allow(clippy::type_complexity)]
pub(crate) fn read_targets(path: &Path) -> anyhow::Result<(Targets, Vec<(String, String, f64)>, Vec<u64>)> {
    let bytes = read_input(path)?;
    let parsed = parse_targets(&path.display().to_string(), &bytes).map_err(|e| anyhow!(e))?;
    Ok((parsed.targets, parsed.rows, parsed.lines))
}

fn weight(args: WeightArgs, json: bool) -> anyhow::Result<ExitCode> {
    let rfile = args.respondents.display().to_string();
    let tfile = args.targets.display().to_string();
    if args.respondents == Path::new("-") && args.targets == Path::new("-") {
        bail!("only one of --respondents and --targets can be standard input");
    }

    // Targets.
    let (targets, rows, lines) = read_targets(&args.targets)?;
    let target_line = |variable: &str, category: &str| -> u64 {
        rows.iter().position(|(v, c, _)| v.trim() == variable && c.trim() == category).map_or(0, |k| lines[k])
    };

    // Respondents.
    let bytes = read_input(&args.respondents)?;
    let mut reader = csv_reader(&bytes);
    let header = header_names(&rfile, &mut reader)?;
    let raw_header = reader.headers().map_err(|e| csv_error(&rfile, &e))?.clone();
    if header.iter().any(|h| h == "weight") {
        bail!("{rfile} line 1: there is already a `weight` column (rename it; the output adds `weight`)");
    }
    let mut records = Vec::new();
    for record in reader.records() {
        records.push(record.map_err(|e| csv_error(&rfile, &e))?);
    }
    if records.is_empty() {
        bail!("{rfile}: no respondents");
    }
    let line_of = |i: usize| records[i].position().map_or(0, |p| p.line());
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut margins: Vec<Margin> = Vec::new();
    for (k, variable) in targets.variables.iter().enumerate() {
        let Some(col) = column(&variable.name) else {
            bail!(
                "{tfile} line {}: variable `{}` is not a column of {rfile}",
                target_line(&variable.name, &variable.categories[0]),
                variable.name
            );
        };
        let margin = targets.margin(k, records.iter().map(|r| &r[col])).map_err(|i| {
            anyhow!(
                "{rfile} line {}, field `{}`: a category with no target (the targets for `{}` are: {})",
                line_of(i),
                variable.name,
                variable.name,
                variable.categories.join(", ")
            )
        })?;
        margins.push(margin);
    }
    let base: Option<Vec<f64>> = match &args.base_weight {
        None => None,
        Some(name) => {
            let col = column(name).ok_or_else(|| anyhow!("{rfile} line 1: no column `{name}` (--base-weight)"))?;
            let mut weights = Vec::with_capacity(records.len());
            for (i, r) in records.iter().enumerate() {
                match r[col].trim().parse::<f64>() {
                    Ok(w) if w.is_finite() && w > 0.0 => weights.push(w),
                    _ => bail!(
                        "{rfile} line {}, field `{name}`: the base weight must be a finite number above 0",
                        line_of(i)
                    ),
                }
            }
            Some(weights)
        }
    };

    // Rake.
    let options = RakeOptions { tolerance: args.tolerance, max_iterations: args.max_iterations, cap: args.cap };
    let raked = rake(&margins, base.as_deref(), &options).map_err(|e| match &e {
        RakeError::EmptyCell { variable, category } => {
            anyhow!("{tfile} line {}: {e}", target_line(variable, category))
        }
        RakeError::BadCap => anyhow!("--cap: {e}"),
        RakeError::BadTolerance => anyhow!("--tolerance: {e}"),
        RakeError::BadMaxIterations => anyhow!("--max-iterations: {e}"),
        _ => anyhow!("{e}"),
    })?;
    let k = kish(&raked.weights).ok_or_else(|| anyhow!("the weights have no design effect (zero total)"))?;
    let summary = Summary {
        respondents: records.len(),
        variables: margins.iter().map(|m| m.name.clone()).collect(),
        targets: targets.kind,
        base_weight: args.base_weight.clone(),
        converged: raked.converged,
        iterations: raked.iterations,
        tolerance: args.tolerance,
        max_margin_error: raked.max_margin_error,
        max_iterations: args.max_iterations,
        cap: args.cap,
        capped: raked.capped,
        design_effect: k.design_effect,
        effective_n: k.effective_n,
        margin_of_error: k.margin_of_error,
        weight_min: raked.weights.iter().cloned().fold(f64::INFINITY, f64::min),
        weight_max: raked.weights.iter().cloned().fold(0.0, f64::max),
        weight_sum: k.weight_sum,
    };
    let summary_json = serde_json::to_string_pretty(&summary)?;
    if !raked.converged {
        eprintln!("{summary_json}");
        let hint = if args.cap.is_some() { " (the cap may be incompatible with the margins)" } else { "" };
        bail!(
            "raking did not converge: the largest margin error is {:e} after {} sweeps, above the tolerance {:e}{hint}; nothing written",
            raked.max_margin_error,
            raked.iterations,
            args.tolerance
        );
    }

    // Output: the respondents as read, plus `weight`.
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut out_header = raw_header;
    out_header.push_field("weight");
    writer.write_record(&out_header)?;
    for (record, w) in records.iter().zip(&raked.weights) {
        let mut fields: Vec<String> = record.iter().map(String::from).collect();
        fields.push(w.to_string());
        writer.write_record(&fields)?;
    }
    let csv_bytes = writer.into_inner().map_err(|e| anyhow!("{e}"))?;
    match &args.out {
        Some(path) => {
            write_atomically(path, &csv_bytes)?;
            if json {
                println!("{summary_json}");
            } else {
                eprintln!("{summary_json}");
            }
        }
        None => {
            std::io::stdout().write_all(&csv_bytes)?;
            eprintln!("{summary_json}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary file in the destination's directory, then renames it into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.write_all(bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file().sync_all().ok();
    tmp.persist(path).map_err(|e| anyhow!("{}: cannot write ({})", path.display(), e.error))?;
    Ok(())
}
