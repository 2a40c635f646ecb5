//! A survey program's results from its stored calls: the cases and their AAPOR counts, the complete
//! interviews with their answers (decrypted with the campaign's key, inside this process), and the
//! report — toplines per question, crosstabs by a voter field, the AAPOR outcome rates, design effect,
//! effective n and margin of error. Every figure comes from `clearline-survey`'s functions; this module
//! gathers and decrypts. Shared by `clearline survey report` and the survey report page.

use crate::keys::VaultSealer;
use clearline_core::disposition::Disposition;
use clearline_core::program::quota::age_band;
use clearline_core::program::QuotaField;
use clearline_core::script::{walk::questions, Answer, AnswerKind, Script};
use clearline_core::Actor;
use clearline_store::{Program, ScriptVersion, Store, StoreError, SurveyCase};
use clearline_survey::rates::{outcome_rates, parse_aapor_code, Counts, Eligibility, Rates};
use clearline_survey::stats::{kish, Kish};
use clearline_survey::tables::{crosstab, topline, Cell};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The vault field name survey answers are encrypted under (bound into the ciphertext).
pub const ANSWER_FIELD: &str = "survey_answer";

/// Why a survey's results cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the attached script version does not parse")]
    Script,
    #[error("a stored answer cannot be decrypted with the campaign's key")]
    Decrypt,
    #[error("a stored answer is not readable")]
    Unreadable,
    #[error("{0}")]
    Rates(String),
}

/// One respondent: a case whose final disposition is a complete interview, with the answers given on
/// that attempt.
pub struct Respondent {
    pub case: SurveyCase,
    pub answers: HashMap<String, Answer>,
}

/// Everything the report and the disclosure are computed from.
pub struct SurveyData {
    pub program: Program,
    pub script: Option<(String, ScriptVersion, Script)>,
    pub cases: Vec<SurveyCase>,
    pub respondents: Vec<Respondent>,
    pub counts: Counts,
    pub by_disposition: BTreeMap<String, u64>,
    /// The year age bands are counted in (the field period's last year).
    pub year: i16,
}

/// A voter field's value for a case (`unknown` when the file has none).
pub fn field_value(case: &SurveyCase, field: QuotaField, year: i16) -> String {
    let v = match field {
        QuotaField::Party => case.party.clone(),
        QuotaField::Gender => case.gender.clone(),
        QuotaField::Race => case.race.clone(),
        QuotaField::County => case.county.clone(),
        QuotaField::Precinct => case.precinct.clone(),
        QuotaField::CongressionalDistrict => case.congressional_district.clone(),
        QuotaField::AgeBand => case.birth_year.and_then(|y| age_band(y, i64::from(year))).map(String::from),
    };
    v.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "unknown".into())
}

pub fn parse_field(name: &str) -> Result<QuotaField, String> {
    QuotaField::parse(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = QuotaField::ALL.iter().map(|f| f.as_str()).collect();
        format!("`{}` is not a voter field of the report: one of {}", name.trim(), names.join(", "))
    })
}

/// Reads the program's cases and answers (decrypting the answers with the campaign's key).
pub async fn load(store: &Store, actor: &Actor, sealer: &VaultSealer, slug: &str) -> Result<SurveyData, SurveyError> {
    let program = store.program_by_slug(actor, slug).await?;
    let script = match store.program_script(actor, slug).await? {
        Some((script_slug, version)) => {
            let parsed = clearline_core::script::parse(&version.body).map_err(|_| SurveyError::Script)?;
            Some((script_slug, version, parsed))
        }
        None => None,
    };
    let cases = store.survey_cases(actor, slug).await?;
    let dates = store.field_dates(actor, slug).await?;
    let year = dates
        .last_ended_at_us
        .and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
        .unwrap_or_else(jiff::Timestamp::now)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    let mut counts = Counts::default();
    let mut by_disposition: BTreeMap<String, u64> = BTreeMap::new();
    for case in &cases {
        *by_disposition.entry(case.disposition.clone()).or_default() += 1;
        // The AAPOR code of the disposition (core), grouped by the survey crate's verified parser.
        if let Some(group) =
            Disposition::from_code(&case.disposition).and_then(|d| parse_aapor_code(d.aapor_code()).ok())
        {
            counts.add(group, 1.0);
        }
    }
    let completes: HashMap<i64, &SurveyCase> = cases
        .iter()
        .filter(|c| Disposition::from_code(&c.disposition).is_some_and(|d| d.is_complete()))
        .map(|c| (c.attempt_id, c))
        .collect();
    let mut answers: HashMap<i64, HashMap<String, Answer>> = HashMap::new();
    if !completes.is_empty() {
        for a in store.survey_answers(actor, slug).await? {
            if !completes.contains_key(&a.attempt_id) {
                continue;
            }
            let plain = sealer.cipher().decrypt(ANSWER_FIELD, &a.answer_enc).map_err(|_| SurveyError::Decrypt)?;
            let answer = Answer::decode(&plain).ok_or(SurveyError::Unreadable)?;
            answers.entry(a.attempt_id).or_default().insert(a.step, answer);
        }
    }
    let mut respondents: Vec<Respondent> = completes
        .values()
        .map(|c| Respondent { case: (*c).clone(), answers: answers.remove(&c.attempt_id).unwrap_or_default() })
        .collect();
    respondents.sort_by_key(|r| r.case.person_id);
    Ok(SurveyData { program, script, cases, respondents, counts, by_disposition, year })
}

/// Raking's outcome, for the report and the disclosure.
#[derive(Clone, Debug, Serialize)]
pub struct Weighting {
    pub variables: Vec<String>,
    pub converged: bool,
    pub iterations: u32,
    pub tolerance: f64,
    pub max_margin_error: f64,
    /// The trimming cap (a multiple of the mean weight), when weights were trimmed.
    pub cap: Option<f64>,
    /// Respondents whose weight is at the cap.
    pub capped: usize,
    pub weight_min: f64,
    pub weight_max: f64,
    /// Where the targets came from, in words (the disclosure states it).
    pub source: String,
}

/// An estimate of e as typed on the page or the command line: blank is none (estimated by
/// proportional allocation); otherwise a number from 0 to 1.
pub fn parse_e(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(e) if (0.0..=1.0).contains(&e) => Ok(Some(e)),
        _ => Err("e must be a number from 0 to 1: the eligible share of the cases of unknown eligibility (blank: estimated by proportional allocation)".into()),
    }
}

/// How e was chosen, in words (the report's `e_method`).
pub const E_ESTIMATED: &str = "proportional allocation (eligible / resolved cases)";
pub const E_GIVEN: &str = "given";

/// One reported category of a question.
#[derive(Clone, Debug, Serialize)]
pub struct Category {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub cell: Cell,
}

/// A question's categorical view: (variable key, label, categories, each asked respondent's code).
/// A multiple-choice question gives one yes/no variable per option.
struct Variable {
    key: String,
    categories: Vec<(String, String)>,
    /// (respondent index, code)
    codes: Vec<(usize, u16)>,
}

fn variables(script: &Script, respondents: &[Respondent]) -> Vec<(String, Vec<Variable>)> {
    let mut out = Vec::new();
    for (step, q) in questions(script) {
        let asked: Vec<(usize, &Answer)> =
            respondents.iter().enumerate().filter_map(|(i, r)| r.answers.get(&step.id).map(|a| (i, a))).collect();
        let vars = match q.answer {
            AnswerKind::Single => {
                let cats: Vec<(String, String)> = q.options.iter().map(|o| (o.key.clone(), o.label.clone())).collect();
                let codes = asked
                    .iter()
                    .filter_map(|(i, a)| match a {
                        Answer::Choice(k) => cats.iter().position(|c| &c.0 == k).map(|p| (*i, p as u16)),
                        _ => None,
                    })
                    .collect();
                vec![Variable { key: step.id.clone(), categories: cats, codes }]
            }
            AnswerKind::Multiple => q
                .options
                .iter()
                .map(|o| Variable {
                    key: format!("{}:{}", step.id, o.key),
                    categories: vec![
                        ("selected".into(), format!("{} — selected", o.label)),
                        ("not_selected".into(), "not selected".into()),
                    ],
                    codes: asked
                        .iter()
                        .map(|(i, a)| (*i, u16::from(!matches!(a, Answer::Choices(ks) if ks.contains(&o.key)))))
                        .collect(),
                })
                .collect(),
            AnswerKind::Scale { .. } | AnswerKind::Numeric { .. } => {
                let mut values: Vec<i64> =
                    asked.iter().filter_map(|(_, a)| if let Answer::Number(n) = a { Some(*n) } else { None }).collect();
                if let AnswerKind::Scale { min, max } = q.answer {
                    values.extend(min..=max);
                }
                values.sort_unstable();
                values.dedup();
                let cats = values.iter().map(|v| (v.to_string(), v.to_string())).collect();
                let codes = asked
                    .iter()
                    .filter_map(|(i, a)| match a {
                        Answer::Number(n) => values.binary_search(n).ok().map(|p| (*i, p as u16)),
                        _ => None,
                    })
                    .collect();
                vec![Variable { key: step.id.clone(), categories: cats, codes }]
            }
            AnswerKind::Open => Vec::new(),
        };
        out.push((step.id.clone(), vars));
    }
    out
}

/// A question kind's name in reports.
pub fn kind_name(kind: &AnswerKind) -> &'static str {
    kind.name()
}

/// The report as JSON.
pub fn report(
    data: &SurveyData,
    weights: &[f64],
    weighting: Option<&Weighting>,
    by: Option<QuotaField>,
    e: Option<f64>,
) -> Result<Value, SurveyError> {
    let eligibility = e.map_or(Eligibility::Estimated, Eligibility::Given);
    let rates: Rates = outcome_rates(&data.counts, eligibility).map_err(|e| SurveyError::Rates(e.to_string()))?;
    let precision: Option<Kish> = kish(weights);
    let mut qs = Vec::new();
    let mut tabs = Vec::new();
    let by_codes: Option<(Vec<String>, Vec<u16>)> = by.map(|field| {
        let values: Vec<String> = data.respondents.iter().map(|r| field_value(&r.case, field, data.year)).collect();
        let mut cats = values.clone();
        cats.sort();
        cats.dedup();
        let codes = values.iter().map(|v| cats.binary_search(v).unwrap_or(0) as u16).collect();
        (cats, codes)
    });
    if let Some((_, _, script)) = &data.script {
        let vars = variables(script, &data.respondents);
        for ((step, q), (_, vars)) in questions(script).zip(vars) {
            let asked = data.respondents.iter().filter(|r| r.answers.contains_key(&step.id)).count();
            let mut var_out = Vec::new();
            for v in &vars {
                let codes: Vec<u16> = v.codes.iter().map(|(_, c)| *c).collect();
                let w: Vec<f64> = v.codes.iter().map(|(i, _)| weights[*i]).collect();
                let cells = topline(&codes, v.categories.len(), &w);
                let categories: Vec<Category> = v
                    .categories
                    .iter()
                    .zip(cells)
                    .map(|((key, label), cell)| Category { key: key.clone(), label: label.clone(), cell })
                    .collect();
                var_out.push(json!({"key": v.key, "categories": categories}));
                if let Some((cols, col_codes)) = &by_codes {
                    let cc: Vec<u16> = v.codes.iter().map(|(i, _)| col_codes[*i]).collect();
                    let table = crosstab(&codes, v.categories.len(), &cc, cols.len(), &w);
                    let rows: Vec<Value> = v
                        .categories
                        .iter()
                        .zip(table)
                        .map(|((key, label), cells)| json!({"key": key, "label": label, "cells": cells}))
                        .collect();
                    tabs.push(json!({"key": v.key, "rows": rows}));
                }
            }
            let mean = matches!(q.answer, AnswerKind::Scale { .. } | AnswerKind::Numeric { .. }).then(|| {
                let (mut s, mut t) = (0.0, 0.0);
                for (r, w) in data.respondents.iter().zip(weights) {
                    if let Some(Answer::Number(n)) = r.answers.get(&step.id) {
                        s += *n as f64 * w;
                        t += w;
                    }
                }
                (t > 0.0).then(|| s / t)
            });
            let answered_open = matches!(q.answer, AnswerKind::Open).then(|| {
                data.respondents
                    .iter()
                    .filter(|r| matches!(r.answers.get(&step.id), Some(Answer::Text(t)) if !t.trim().is_empty()))
                    .count()
            });
            qs.push(json!({
                "step": step.id, "kind": kind_name(&q.answer), "text": step.spoken(), "randomized": q.randomize,
                "asked": asked, "variables": var_out, "weighted_mean": mean.flatten(), "answered_text": answered_open,
            }));
        }
    }
    let quotas: Vec<Value> = data
        .program
        .settings
        .quotas
        .iter()
        .map(|q| {
            let completes = data
                .respondents
                .iter()
                .filter(|r| q.cell.iter().all(|(f, v)| &field_value(&r.case, *f, data.year) == v))
                .count();
            json!({"cell": q.label(), "quota": q.completes, "completes": completes})
        })
        .collect();
    let mut rate_map = serde_json::Map::new();
    for (name, v) in rates.by_name() {
        rate_map.insert(name.into(), json!(v));
    }
    rate_map.insert("e".into(), json!(rates.e));
    Ok(json!({
        "program": data.program.slug,
        "script": data.script.as_ref().map(|(s, v, _)| json!({"slug": s, "version": v.number, "language": v.language, "sha256": v.body_sha256})),
        "cases": data.cases.len(),
        "respondents": data.respondents.len(),
        "dispositions": data.by_disposition,
        "aapor": {
            "counts": data.counts,
            "rates": rate_map,
            "e_method": if e.is_some() { E_GIVEN } else { E_ESTIMATED },
        },
        "weighting": weighting,
        "design_effect": precision.map(|k| k.design_effect),
        "effective_n": precision.map(|k| k.effective_n),
        "margin_of_error": precision.map(|k| k.margin_of_error),
        "quotas": quotas,
        "questions": qs,
        "crosstab": by_codes.as_ref().map(|(cols, _)| json!({"by": by.map(|f| f.as_str()), "columns": cols, "tables": tabs})),
    }))
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1} %", v * 100.0)).unwrap_or_else(|| "undefined".into())
}

fn date_of(us: Option<i64>) -> String {
    us.and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_else(|| "no calls yet".into())
}

/// The CR-52 disclosure statement, as Markdown, from the program's own facts: the same text for
/// `clearline survey disclosure` and the report page. `weights` and `weighting` are the released
/// results' (all 1 and `None` when unweighted); `e` the analyst's estimate of e, if given. Weighted,
/// the statement says what the weights were raked to, the targets' source, the trimming, and the
/// design effect and margin of error adjusted for the weighting.
pub async fn disclosure(
    store: &Store,
    actor: &Actor,
    data: &SurveyData,
    weights: &[f64],
    weighting: Option<&Weighting>,
    e: Option<f64>,
) -> Result<String, SurveyError> {
    use std::fmt::Write;
    let slug = &data.program.slug;
    let s = &data.program.settings;
    let profile = store.campaign_profile(actor).await?;
    let dates = store.field_dates(actor, slug).await?;
    let (universe, filter) = store.program_universe_definition(actor, slug).await?;
    let list = store.call_list_summary(actor, slug).await?;
    let eligibility = e.map_or(Eligibility::Estimated, Eligibility::Given);
    let rates = outcome_rates(&data.counts, eligibility).map_err(|e| SurveyError::Rates(e.to_string()))?;
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
        let adjusted = if weighting.is_some() { ", adjusted for the weighting's design effect" } else { "" };
        let _ = writeln!(
            md,
            "- Design effect (Kish) {:.3}; effective sample size {:.1}; margin of error ±{:.1} percentage points at 95 % confidence (p = 0.5){adjusted}, sampling error only.",
            k.design_effect, k.effective_n, k.margin_of_error * 100.0
        );
    }
    let e_words = match e {
        Some(_) => "given by the analyst",
        None => "by proportional allocation",
    };
    let _ = writeln!(
        md,
        "- Outcome rates (AAPOR Standard Definitions; e = {} {e_words}): RR1 {}, RR3 {}, COOP1 {}, REF1 {}, CON1 {}. All rates are available on request (`clearline survey report`).",
        rates.e.map(|e| format!("{e:.3}")).unwrap_or_else(|| "undefined".into()),
        pct(rates.rr1), pct(rates.rr3), pct(rates.coop1), pct(rates.ref1), pct(rates.con1)
    );
    let _ = writeln!(md, "\n## Weighting\n");
    match (weighting, precision) {
        (Some(w), Some(k)) => {
            let _ = writeln!(
                md,
                "- Weighted to: the population margins of {} (raking, iterative proportional fitting, one variable after another until every margin is met).",
                w.variables.join(", ")
            );
            let _ = writeln!(md, "- Source of the targets: {}.", w.source);
            let _ = writeln!(
                md,
                "- Convergence: {} sweeps, largest relative margin error {:.1e} (tolerance {:.0e}).",
                w.iterations, w.max_margin_error, w.tolerance
            );
            match w.cap {
                Some(cap) => {
                    let _ = writeln!(
                        md,
                        "- Trimming: weights were capped at {cap} × the mean weight after every sweep, then raked again; {} respondents are at the cap. Weights range from {:.3} to {:.3}.",
                        w.capped, w.weight_min, w.weight_max
                    );
                }
                None => {
                    let _ = writeln!(
                        md,
                        "- Trimming: none. Weights range from {:.3} to {:.3}.",
                        w.weight_min, w.weight_max
                    );
                }
            }
            let _ = writeln!(
                md,
                "- Design effect due to weighting (Kish, 1 + CV² of the weights): {:.3}; effective sample size {:.1} of {n} respondents; the margin of error above (±{:.1} points) is adjusted for it.",
                k.design_effect, k.effective_n, k.margin_of_error * 100.0
            );
        }
        _ => {
            let _ = writeln!(md, "The results are unweighted.");
        }
    }
    let _ = writeln!(md, "\n## Data processing and quality checks\n");
    let _ = writeln!(md, "Interviewers read only the approved script version; every call records the version and language used; answers are recorded in the script's structure (options, ranges), its skip logic applied as written, and the order shown of randomized options recorded per call. Answers are encrypted at rest.");
    let _ = writeln!(md, "\n## Limitations\n");
    let _ = writeln!(md, "The margin of error covers sampling error only, under the weighting's design effect; it does not cover coverage error (voters with no callable phone, or excluded by the contact rules, could not be reached), nonresponse bias, or measurement error. The population is registered voters in the campaign's file, not all adults.{}", if dates.simulated > 0 { " The data are simulated." } else { "" });
    Ok(md)
}

/// The documented estimate of e (proportional allocation: eligible ÷ resolved cases), whatever the
/// analyst gives; `None` when no case's eligibility was resolved.
pub fn estimated_e(data: &SurveyData) -> Option<f64> {
    outcome_rates(&data.counts, Eligibility::Estimated).ok().and_then(|r| r.e)
}
