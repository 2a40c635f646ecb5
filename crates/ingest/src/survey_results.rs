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
}

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
            "e_method": if e.is_some() { "given" } else { "proportional allocation (eligible / resolved cases)" },
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
