//! `clearline bench survey`: raking 100,000 respondents on 5 margins, Clearline against weightipy on
//! the same data in the same run (issue 5, Performance; figures in docs/benchmarks.md).
//!
//! The respondents are generated from a seed (correlated answers, so raking needs many sweeps) and
//! written as CSV with their targets; Clearline rakes them in process and `python3` runs weightipy
//! (`tools/survey_refs/bench.py`, embedded in the binary) on the files. Each side times only its rake
//! call, best of `--repeat`, under the same stopping rule: the largest |weighted margin / target − 1|
//! below 1e-10 (weightipy is given exactly the number of sweeps it needs to meet it, found by running
//! weightipy itself before timing). The two sets of weights must then agree to 1e-6 relative per
//! respondent, or the benchmark fails. Without weightipy it says so and reports Clearline alone —
//! except under CI=true, where that is an error.

use anyhow::{anyhow, bail, Context};
use clap::Args;
use clearline_survey::rake::{rake, Margin, RakeOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::process::{Command, ExitCode};
use std::time::Instant;

const SCRIPT: &str = include_str!("../../../tools/survey_refs/bench.py");
const TOLERANCE: f64 = 1e-10;
const AGREEMENT: f64 = 1e-6;
/// The margins: name and number of categories.
const VARIABLES: [(&str, usize); 5] = [("age", 6), ("sex", 2), ("region", 8), ("education", 5), ("race", 5)];

#[derive(Args)]
pub struct SurveyBenchArgs {
    /// Respondents to generate (default 100,000).
    #[arg(long, default_value_t = 100_000)]
    respondents: usize,
    /// A small run for CI (5,000 respondents, one timing each).
    #[arg(long)]
    quick: bool,
    /// Time each side this many times and keep the best.
    #[arg(long, default_value_t = 5)]
    repeat: u32,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The Python interpreter with weightipy (default: $CLEARLINE_PYTHON, else python3).
    #[arg(long)]
    python: Option<String>,
}

#[derive(Serialize)]
struct Side {
    implementation: String,
    seconds: f64,
    iterations: u64,
    max_margin_error: f64,
}

#[derive(Serialize)]
struct Report {
    respondents: usize,
    margins: usize,
    cells: usize,
    tolerance: f64,
    clearline: Side,
    weightipy: Option<Side>,
    weightipy_unavailable: Option<String>,
    /// weightipy seconds ÷ Clearline seconds.
    ratio: Option<f64>,
    max_relative_weight_difference: Option<f64>,
}

fn generate(n: usize, seed: u64) -> Vec<Margin> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut codes: Vec<Vec<u16>> = vec![Vec::with_capacity(n); VARIABLES.len()];
    for i in 0..n {
        for (k, &(_, cats)) in VARIABLES.iter().enumerate() {
            let c = if i < cats {
                i // every category has respondents
            } else if k > 0 && rng.gen::<f64>() < 0.45 {
                codes[k - 1][i] as usize % cats // leans on the previous answer: correlated margins
            } else {
                // A skewed sample: low categories over-represented.
                let u: f64 = rng.gen();
                ((u * u * cats as f64) as usize).min(cats - 1)
            };
            codes[k].push(c as u16);
        }
    }
    VARIABLES
        .iter()
        .zip(codes)
        .map(|(&(name, cats), codes)| Margin {
            name: name.to_string(),
            categories: (0..cats).map(|c| format!("{name}_{c}")).collect(),
            // Population counts of one population (shares with a different skew from the sample's).
            targets: {
                let raw: Vec<f64> = (0..cats).map(|_| 0.5 + rng.gen::<f64>()).collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|r| (r / sum * 5_000_000.0).round()).collect()
            },
            codes,
        })
        .collect()
}

pub fn run(args: SurveyBenchArgs, json: bool) -> anyhow::Result<ExitCode> {
    let (n, repeat) = if args.quick { (5_000, 1) } else { (args.respondents, args.repeat.max(1)) };
    let margins = generate(n, args.seed);
    let options = RakeOptions { tolerance: TOLERANCE, max_iterations: 10_000, cap: None };

    // Clearline: the rake call only, best of `repeat`.
    let mut best = f64::INFINITY;
    let mut raked = None;
    for _ in 0..repeat {
        let clock = Instant::now();
        let r = rake(&margins, None, &options)?;
        best = best.min(clock.elapsed().as_secs_f64());
        raked = Some(r);
    }
    let raked = raked.expect("at least one run");
    if !raked.converged {
        bail!(
            "Clearline did not meet the stopping rule ({:e} after {} sweeps)",
            raked.max_margin_error,
            raked.iterations
        );
    }
    let clearline = Side {
        implementation: format!("clearline-survey {}", env!("CARGO_PKG_VERSION")),
        seconds: best,
        iterations: raked.iterations.into(),
        max_margin_error: raked.max_margin_error,
    };

    // weightipy on the same data.
    let dir = tempfile::tempdir()?;
    let respondents = dir.path().join("respondents.csv");
    let targets = dir.path().join("targets.csv");
    let script = dir.path().join("bench.py");
    let weights_out = dir.path().join("weightipy_weights.csv");
    write_data(&margins, &respondents, &targets)?;
    std::fs::write(&script, SCRIPT)?;
    let python = args.python.or_else(|| std::env::var("CLEARLINE_PYTHON").ok()).unwrap_or_else(|| "python3".into());
    let output = Command::new(&python)
        .arg(&script)
        .arg("--respondents")
        .arg(&respondents)
        .arg("--targets")
        .arg(&targets)
        .arg("--out")
        .arg(&weights_out)
        .arg("--tolerance")
        .arg(TOLERANCE.to_string())
        .arg("--repeat")
        .arg(repeat.to_string())
        .output();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let (weightipy, unavailable, difference) = match output {
        Err(e) => (None, Some(format!("{python} cannot be run: {e}")), None),
        Ok(out) if out.status.code() == Some(3) => {
            (None, Some(String::from_utf8_lossy(&out.stderr).trim().to_string()), None)
        }
        Ok(out) if !out.status.success() => {
            bail!(
                "the weightipy side failed: {}{}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            )
        }
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let line = stdout.lines().last().ok_or_else(|| anyhow!("the weightipy side printed nothing"))?;
            let v: serde_json::Value = serde_json::from_str(line).context("the weightipy side's report")?;
            let side = Side {
                implementation: v["implementation"].as_str().unwrap_or("weightipy").to_string(),
                seconds: v["seconds"].as_f64().ok_or_else(|| anyhow!("no seconds from weightipy"))?,
                iterations: v["iterations"].as_u64().unwrap_or(0),
                max_margin_error: v["max_margin_error"].as_f64().unwrap_or(f64::NAN),
            };
            let theirs = read_weights(&weights_out)?;
            if theirs.len() != raked.weights.len() {
                bail!("weightipy returned {} weights for {} respondents", theirs.len(), raked.weights.len());
            }
            let diff = raked.weights.iter().zip(&theirs).map(|(a, b)| (a / b - 1.0).abs()).fold(0.0, f64::max);
            (Some(side), None, Some(diff))
        }
    };
    if let Some(why) = &unavailable {
        if ci {
            bail!("weightipy is needed for the survey benchmark under CI=true: {why}");
        }
    }
    let ratio = weightipy.as_ref().map(|w| w.seconds / clearline.seconds);
    let report = Report {
        respondents: n,
        margins: margins.len(),
        cells: raked.cells,
        tolerance: TOLERANCE,
        clearline,
        weightipy,
        weightipy_unavailable: unavailable,
        ratio,
        max_relative_weight_difference: difference,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "raking {} respondents on {} margins ({} cells), stop when max |margin/target − 1| < {:e}; best of {repeat}",
            report.respondents, report.margins, report.cells, report.tolerance
        );
        let c = &report.clearline;
        println!(
            "  {:<24} {:>10.3} ms  {:>4} sweeps  max margin error {:.1e}",
            c.implementation,
            c.seconds * 1e3,
            c.iterations,
            c.max_margin_error
        );
        match (&report.weightipy, &report.weightipy_unavailable) {
            (Some(w), _) => {
                println!(
                    "  {:<24} {:>10.3} ms  {:>4} sweeps  max margin error {:.1e}",
                    w.implementation,
                    w.seconds * 1e3,
                    w.iterations,
                    w.max_margin_error
                );
                println!(
                    "  ratio (weightipy ÷ Clearline): {:.1}×; largest relative weight difference {:.1e}",
                    report.ratio.unwrap_or(f64::NAN),
                    report.max_relative_weight_difference.unwrap_or(f64::NAN)
                );
            }
            (None, Some(why)) => println!("  weightipy: not run ({why}); Clearline alone"),
            (None, None) => {}
        }
    }
    if let (Some(w), Some(diff)) = (&report.weightipy, report.max_relative_weight_difference) {
        if w.max_margin_error.is_nan() || w.max_margin_error >= TOLERANCE {
            bail!("weightipy's weights do not meet the stopping rule ({:e})", w.max_margin_error);
        }
        if diff.is_nan() || diff > AGREEMENT {
            bail!("the weights differ: largest relative difference {diff:e} (more than {AGREEMENT:e})");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_data(margins: &[Margin], respondents: &std::path::Path, targets: &std::path::Path) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(respondents)?;
    w.write_record(margins.iter().map(|m| m.name.as_str()))?;
    let n = margins[0].codes.len();
    for i in 0..n {
        w.write_record(margins.iter().map(|m| m.categories[m.codes[i] as usize].as_str()))?;
    }
    w.flush()?;
    let mut t = csv::Writer::from_path(targets)?;
    t.write_record(["variable", "category", "target"])?;
    for m in margins {
        for (c, v) in m.categories.iter().zip(&m.targets) {
            t.write_record([m.name.as_str(), c.as_str(), &v.to_string()])?;
        }
    }
    t.flush()?;
    Ok(())
}

fn read_weights(path: &std::path::Path) -> anyhow::Result<Vec<f64>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for record in reader.records() {
        out.push(record?[0].parse::<f64>()?);
    }
    Ok(out)
}
