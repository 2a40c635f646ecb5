//! Weighting a survey's respondents to population margins by raking (`clearline_survey::rake`), for
//! `clearline survey report --weight-targets FILE` and the report page alike: the respondents' voter
//! fields are coded against the targets, raked, and every way the margins can fail is an error that
//! names why — a category with no respondent (an empty cell), a respondent value with no target,
//! raking that does not converge — so no caller can show a result as "converged" that is not.
//!
//! The targets come from a `variable,category,target` CSV ([`parse_targets`]: the CLI's file, the
//! text an analyst pastes on the page) or from the program's own call list ([`call_list_targets`], the
//! universe the sample was drawn from, counted by the store — aggregates only).

use crate::survey_results::{field_value, parse_field, SurveyData, Weighting};
use clearline_core::program::quota::age_band;
use clearline_core::program::QuotaField;
use clearline_core::Actor;
use clearline_store::{Store, StoreError};
use clearline_survey::rake::{rake, RakeError, RakeOptions};
// Re-exported: the page reads targets without depending on the numerics crate itself.
pub use clearline_survey::{TargetError, Targets};
use std::collections::BTreeMap;

/// Why the respondents could not be weighted to the targets. The messages name variables and target
/// categories (population aggregates), never a respondent.
#[derive(Debug, thiserror::Error)]
pub enum WeightingError {
    #[error("no respondents to weight")]
    NoRespondents,
    #[error("{0}")]
    UnknownField(String),
    #[error("a respondent's `{variable}` has no target (the targets for `{variable}` are: {categories}; `unknown` is a voter without the field)")]
    NoTarget { variable: String, categories: String },
    #[error(transparent)]
    Rake(#[from] RakeError),
    #[error("the program's call list is empty: no population to weight to")]
    NoPopulation,
    #[error("the population counts make no targets: {0}")]
    Targets(#[from] TargetError),
    #[error("raking did not converge in {iterations} sweeps (largest margin error {max_margin_error:.3e}){}", cap_hint(.cap))]
    NotConverged { iterations: u32, max_margin_error: f64, cap: Option<f64> },
}

fn cap_hint(cap: &Option<f64>) -> String {
    match cap {
        Some(cap) => {
            format!(" with weights trimmed at {cap} × the mean weight: the cap may be incompatible with the margins")
        }
        None => String::new(),
    }
}

/// How to weight: the trimming cap and where the targets came from (said in the disclosure).
#[derive(Clone, Debug, Default)]
pub struct WeighOptions {
    /// Cap every weight at this multiple of the mean weight (above 1), as `survey weight --cap`.
    pub cap: Option<f64>,
    /// Where the targets came from, in words ("the call list's population (2,000 people)", "the
    /// targets file targets.csv").
    pub source: String,
}

/// A trimming cap as typed on the page or the command line: blank is no cap; otherwise a finite number
/// above 1 (a multiple of the mean weight), as `clearline survey weight --cap` takes. The error is a
/// sentence naming the field, never echoing more than the number typed.
pub fn parse_cap(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(cap) if cap.is_finite() && cap > 1.0 => Ok(Some(cap)),
        _ => {
            Err("the trimming cap must be a number above 1: a multiple of the mean weight, e.g. 5 (blank: no trimming)"
                .into())
        }
    }
}

/// Rakes the respondents to `targets` (variables named as the report's voter fields) with the default
/// stopping rule (tolerance 1e-6, 1000 sweeps, no cap): one weight per respondent, in
/// `data.respondents` order, and how they were reached.
pub fn rake_respondents(data: &SurveyData, targets: &Targets) -> Result<(Vec<f64>, Weighting), WeightingError> {
    rake_respondents_with(data, targets, &WeighOptions { cap: None, source: "the given targets".into() })
}

/// [`rake_respondents`] with a trimming cap (`options.cap`, as `survey weight --cap`: after every
/// sweep no weight exceeds cap × the mean weight; the stopping rule is applied after trimming) and the
/// targets' source recorded in the [`Weighting`].
pub fn rake_respondents_with(
    data: &SurveyData,
    targets: &Targets,
    options: &WeighOptions,
) -> Result<(Vec<f64>, Weighting), WeightingError> {
    if data.respondents.is_empty() {
        return Err(WeightingError::NoRespondents);
    }
    let mut margins = Vec::new();
    for (i, v) in targets.variables.iter().enumerate() {
        let field = parse_field(&v.name).map_err(WeightingError::UnknownField)?;
        let values: Vec<String> = data.respondents.iter().map(|r| field_value(&r.case, field, data.year)).collect();
        // The error names the variable and its target categories, never the respondent's value.
        let margin = targets
            .margin(i, values.iter().map(String::as_str))
            .map_err(|_| WeightingError::NoTarget { variable: v.name.clone(), categories: v.categories.join(", ") })?;
        margins.push(margin);
    }
    let rake_options = RakeOptions { cap: options.cap, ..RakeOptions::default() };
    let raked = rake(&margins, None, &rake_options)?;
    if !raked.converged {
        return Err(WeightingError::NotConverged {
            iterations: raked.iterations,
            max_margin_error: raked.max_margin_error,
            cap: options.cap,
        });
    }
    let weighting = Weighting {
        variables: targets.variables.iter().map(|v| v.name.clone()).collect(),
        converged: raked.converged,
        iterations: raked.iterations,
        tolerance: rake_options.tolerance,
        max_margin_error: raked.max_margin_error,
        cap: options.cap,
        capped: raked.capped,
        weight_min: raked.weights.iter().copied().fold(f64::INFINITY, f64::min),
        weight_max: raked.weights.iter().copied().fold(0.0, f64::max),
        source: options.source.clone(),
    };
    Ok((raked.weights, weighting))
}

/// One field's population margin: people of the call list per value (`unknown`: without the field,
/// as [`field_value`] names it for respondents), in value order.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationMargin {
    pub field: QuotaField,
    pub counts: Vec<(String, u64)>,
}

impl PopulationMargin {
    pub fn people(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// The program's call list counted by each of `fields` (age bands in the report's year, as the
/// respondents' are), and those counts as raking targets. Every field counts the same people, so the
/// targets are counts of one population. The outer error is the store's; the inner one says why the
/// counts make no targets.
pub async fn call_list_targets(
    store: &Store,
    actor: &Actor,
    data: &SurveyData,
    fields: &[QuotaField],
) -> Result<Result<(Vec<PopulationMargin>, Targets), WeightingError>, StoreError> {
    let mut margins = Vec::new();
    for &field in fields {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for (value, n) in store.call_list_counts_by(actor, &data.program.slug, field).await? {
            let value = match field {
                QuotaField::AgeBand => value
                    .and_then(|y| y.trim().parse::<i64>().ok())
                    .and_then(|y| age_band(y, i64::from(data.year)))
                    .map(String::from),
                _ => value,
            };
            // Named as `field_value` names a respondent's, so the two always match.
            let value = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            *counts.entry(value.unwrap_or_else(|| "unknown".into())).or_default() += n;
        }
        margins.push(PopulationMargin { field, counts: counts.into_iter().collect() });
    }
    if margins.iter().all(|m| m.people() == 0) {
        return Ok(Err(WeightingError::NoPopulation));
    }
    let targets = Targets::new(
        margins
            .iter()
            .flat_map(|m| m.counts.iter().map(move |(value, n)| (m.field.as_str(), value.as_str(), *n as f64))),
    );
    Ok(targets.map(|t| (margins, t)).map_err(WeightingError::Targets))
}

/// A CSV error as "FILE line N: reason", without the record's contents (a file may hold anything).
pub fn csv_error_message(file: &str, e: &csv::Error) -> String {
    let line = e.position().map(|p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(_) => "cannot be read".to_string(),
        _ => "not valid CSV".to_string(),
    };
    match line {
        Some(line) => format!("{file} line {line}: {reason}"),
        None => format!("{file}: {reason}"),
    }
}

/// Targets read from `variable,category,target` CSV text: the validated targets, the rows as given and
/// each row's line in the text.
pub struct ParsedTargets {
    pub targets: Targets,
    pub rows: Vec<(String, String, f64)>,
    pub lines: Vec<u64>,
}

/// Reads `variable,category,target` CSV (`file` names it in errors: "FILE line N, field `F`: reason",
/// never a value).
pub fn parse_targets(file: &str, bytes: &[u8]) -> Result<ParsedTargets, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error_message(file, &e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if header != ["variable", "category", "target"] {
        return Err(format!("{file} line 1: the header must be variable,category,target"));
    }
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error_message(file, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let value =
            record[2].trim().parse::<f64>().map_err(|_| format!("{file} line {line}, field `target`: not a number"))?;
        rows.push((record[0].to_string(), record[1].to_string(), value));
        lines.push(line);
    }
    let targets = Targets::new(rows.iter().map(|(v, c, t)| (v.as_str(), c.as_str(), *t))).map_err(|e| {
        let field = match &e {
            TargetError::EmptyVariable { .. } => ", field `variable`",
            TargetError::EmptyCategory { .. } => ", field `category`",
            TargetError::BadValue { .. } => ", field `target`",
            _ => "",
        };
        match e.row() {
            Some(row) => format!("{file} line {}{field}: {e}", lines[row]),
            None => format!("{file}: {e}"),
        }
    })?;
    Ok(ParsedTargets { targets, rows, lines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey_results::Respondent;
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{ProgramSettings, ProgramStatus};
    use clearline_store::{Program, SurveyCase};
    use clearline_survey::rates::Counts;

    /// Respondents of these (gender, birth year), reported in 2026.
    fn survey(people: &[(&str, i64)]) -> SurveyData {
        let respondents = people
            .iter()
            .enumerate()
            .map(|(i, (gender, born))| Respondent {
                case: SurveyCase {
                    person_id: i as i64,
                    attempt_id: i as i64,
                    disposition: "complete".into(),
                    attempts: 1,
                    party: None,
                    gender: Some((*gender).into()),
                    race: None,
                    county: None,
                    precinct: None,
                    congressional_district: None,
                    birth_year: Some(*born),
                },
                answers: Default::default(),
            })
            .collect();
        SurveyData {
            program: Program {
                id: 1,
                slug: "poll".into(),
                name: "Poll".into(),
                status: ProgramStatus::Finished,
                settings: ProgramSettings::new(Purpose::Survey, DialMode::Preview, "everyone"),
                universe_id: 1,
                vendor_ids: Vec::new(),
                list_built_at_us: None,
                script_version_id: None,
            },
            script: None,
            cases: Vec::new(),
            respondents,
            counts: Counts::default(),
            by_disposition: Default::default(),
            year: 2026,
        }
    }

    fn targets(csv: &str) -> Targets {
        parse_targets("targets", format!("variable,category,target\n{csv}").as_bytes()).unwrap().targets
    }

    #[test]
    fn respondents_are_raked_to_margins_they_can_meet() {
        let data = survey(&[("F", 2000), ("F", 1950), ("F", 1950), ("M", 2000), ("M", 1950), ("M", 1950)]);
        let (weights, weighting) =
            rake_respondents(&data, &targets("gender,F,52\ngender,M,48\nage_band,18-29,50\nage_band,65+,50\n"))
                .unwrap();
        assert!(weighting.converged && weighting.max_margin_error < 1e-6);
        let f: f64 = weights[..3].iter().sum::<f64>() / weights.iter().sum::<f64>();
        assert!((f - 0.52).abs() < 1e-6, "{f}");
        let young = (weights[0] + weights[3]) / weights.iter().sum::<f64>();
        assert!((young - 0.5).abs() < 1e-6, "{young}");
    }

    /// Every way margins fail is named: never a result that says converged when it is not.
    #[test]
    fn margins_that_cannot_be_met_say_why() {
        // Gender and age coincide in the sample (every woman is young): 52 % women and 20 % young
        // cannot both hold, so raking runs out of sweeps.
        let data = survey(&[("F", 2000), ("F", 2000), ("M", 1950), ("M", 1950)]);
        let err = rake_respondents(&data, &targets("gender,F,52\ngender,M,48\nage_band,18-29,20\nage_band,65+,80\n"))
            .unwrap_err();
        assert!(
            matches!(err, WeightingError::NotConverged { iterations: 1000, max_margin_error, cap: None } if max_margin_error > 1e-6)
        );
        assert!(err.to_string().starts_with("raking did not converge in 1000 sweeps (largest margin error"), "{err}");
        // A target category nobody is in: an empty cell.
        let err = rake_respondents(&data, &targets("gender,F,50\ngender,M,40\ngender,X,10\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "variable `gender`, category `X` has a target but no respondents (an empty cell: no weighting can meet it)"
        );
        // A respondent whose value has no target: named by variable and the targets, not the value.
        let err = rake_respondents(&data, &targets("gender,F,1\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a respondent's `gender` has no target (the targets for `gender` are: F; `unknown` is a voter without the field)"
        );
        let err = rake_respondents(&data, &targets("shoe_size,9,1\n")).unwrap_err();
        assert!(err.to_string().starts_with("`shoe_size` is not a voter field of the report"), "{err}");
        assert!(matches!(rake_respondents(&survey(&[]), &targets("gender,F,1\n")), Err(WeightingError::NoRespondents)));
    }

    /// A cap trims the weights as `survey weight --cap` does: none above cap × mean, the total kept,
    /// the margins still met; the cap is recorded with how many weights sit at it. A cap the margins
    /// cannot live with is non-convergence that names the cap, never a converged result.
    #[test]
    fn a_cap_trims_the_weights_and_an_impossible_one_says_so() {
        // One young man among six older women, five older men and two young women: untrimmed, he
        // carries 2.7 × the mean weight. The three young must carry 45 %, so a cap below 2.1 cannot
        // hold (a + 2b = 6.3 of 14 with a, b under the cap); 2.3 can.
        let mut people = vec![("M", 2000)];
        people.extend([("F", 1950); 6]);
        people.extend([("M", 1950); 5]);
        people.extend([("F", 2000); 2]);
        let data = survey(&people);
        let t = targets("gender,F,50\ngender,M,50\nage_band,18-29,45\nage_band,65+,55\n");
        let (free, _) = rake_respondents(&data, &t).unwrap();
        let mean = |w: &[f64]| w.iter().sum::<f64>() / w.len() as f64;
        let free_max = free.iter().copied().fold(0.0, f64::max);
        assert!(free_max > 2.0 * mean(&free), "untrimmed, one weight is large: {free:?}");
        let options = WeighOptions { cap: Some(2.3), source: "test targets".into() };
        let (weights, weighting) = rake_respondents_with(&data, &t, &options).unwrap();
        let m = mean(&weights);
        assert!(weights.iter().all(|w| *w <= 2.3 * m * (1.0 + 1e-12)), "{weights:?}");
        assert!((weights.iter().sum::<f64>() - free.iter().sum::<f64>()).abs() < 1e-9, "total kept");
        assert_eq!((weighting.cap, weighting.source.as_str()), (Some(2.3), "test targets"));
        assert!(weighting.capped >= 1 && weighting.max_margin_error < 1e-6, "{weighting:?}");
        assert!((weighting.weight_max - weights.iter().copied().fold(0.0, f64::max)).abs() < 1e-12);
        // A cap of 2 cannot meet these margins.
        let err =
            rake_respondents_with(&data, &t, &WeighOptions { cap: Some(2.0), source: String::new() }).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("with weights trimmed at 2 × the mean weight: the cap may be incompatible with the margins"),
            "{err}"
        );
        // The cap as typed.
        assert_eq!(parse_cap(" "), Ok(None));
        assert_eq!(parse_cap("5"), Ok(Some(5.0)));
        for bad in ["1", "0.5", "-3", "lots", "inf", "NaN"] {
            assert!(parse_cap(bad).unwrap_err().starts_with("the trimming cap must be a number above 1"), "{bad}");
        }
    }
}
