//! A survey program's report page: toplines per question as bars (drawn with plain HTML, the share in
//! words beside each), the AAPOR outcome rates with the estimate of e, the design effect, effective n
//! and margin of error — from the same functions as `clearline survey report`. Answers are decrypted on
//! the server with the campaign's key; only aggregates reach the page. Audited (`survey.report_page`).
//!
//! Two GET parameters (field names, never a voter's value, so they may be in the URL): `by=FIELD`
//! breaks every question down by a voter field (a crosstab, shares within each column), and
//! `weight=FIELD` (repeatable) rakes the respondents to the margins of the program's own call list on
//! those fields (`clearline_ingest::survey_weights`, the CLI's implementation too). Weighted toplines
//! stand beside the unweighted; margins that cannot be met say why, and the results stay unweighted.
//! A POST of the same page weights to targets the analyst pastes or uploads instead
//! (`variable,category,target`, the CLI's `--weight-targets` format; population aggregates, kept out
//! of the URL all the same). Two more GET (and POST) fields are numbers: `cap` trims the weights at a
//! multiple of the mean weight (`survey weight --cap`) and `e` gives the AAPOR estimate of e
//! (`survey report --e`), each validated with a message. The page ends with the CR-52 disclosure
//! statement of what it shows (weighted: what the weights were raked to, the targets' source, the
//! trimming, the design effect and margin of error adjusted for it); `GET /api/v1/programs/{slug}/survey`
//! returns the same figures as JSON.

mod view;

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clearline_core::program::QuotaField;
use clearline_ingest::survey_results::{
    disclosure, estimated_e, field_value, parse_e, parse_field, report, SurveyData, SurveyError, Weighting,
};
use clearline_ingest::survey_weights::Targets;
use clearline_ingest::survey_weights::{
    call_list_targets, parse_cap, parse_targets, rake_respondents_with, PopulationMargin, WeighOptions,
};
use serde_json::{json, Value};
use view::{crosstabs, fixed, moe, percent, questions, CrosstabView, MarginRow, QuestionView};

/// What the analyst asked the page to show.
struct ViewChoice {
    by: Option<QuotaField>,
    weight: Vec<QuotaField>,
    /// Trim the weights at this multiple of the mean weight (`cap`, as `survey weight --cap`).
    cap: Option<f64>,
    /// The analyst's estimate of e (`e`, as `survey report --e`); else estimated.
    e: Option<f64>,
    /// The values of `cap` and `e` as typed (numbers, kept in the form).
    cap_text: String,
    e_text: String,
    /// An unknown field name or a bad number, said on the page (the page then shows neither breakdown
    /// nor weights); the field it is about (`by`, `weight`, `cap`, `e`).
    refused: Option<String>,
    refused_field: &'static str,
}

impl ViewChoice {
    fn parse(query: Option<&str>) -> ViewChoice {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
        let mut choice = ViewChoice {
            by: None,
            weight: Vec::new(),
            cap: None,
            e: None,
            cap_text: String::new(),
            e_text: String::new(),
            refused: None,
            refused_field: "",
        };
        for (key, value) in pairs {
            if value.trim().is_empty() {
                continue;
            }
            // Numbers, not field names: the text typed stays in the form (it is not personal data).
            match key.as_str() {
                "cap" => {
                    choice.cap_text = value.trim().chars().take(32).collect();
                    match parse_cap(&value) {
                        Ok(cap) => choice.cap = cap,
                        Err(e) => choice.refuse("cap", format!("Trim weights at: {e}")),
                    }
                    continue;
                }
                "e" => {
                    choice.e_text = value.trim().chars().take(32).collect();
                    match parse_e(&value) {
                        Ok(e) => choice.e = e,
                        Err(e) => choice.refuse("e", format!("e: {e}")),
                    }
                    continue;
                }
                _ => {}
            }
            let parsed = parse_field(&value);
            match (key.as_str(), parsed) {
                ("by", Ok(field)) => choice.by = Some(field),
                ("weight", Ok(field)) if !choice.weight.contains(&field) => choice.weight.push(field),
                ("weight", Ok(_)) => {}
                ("by", Err(e)) => choice.refuse("by", format!("Break down by: {e}")),
                ("weight", Err(e)) => choice.refuse("weight", format!("Weight to: {e}")),
                _ => {}
            }
        }
        if choice.refused.is_some() {
            choice.by = None;
            choice.weight.clear();
            choice.cap = None;
            choice.e = None;
        }
        choice
    }

    fn refuse(&mut self, field: &'static str, message: String) {
        if self.refused.is_none() {
            self.refused = Some(message);
            self.refused_field = field;
        }
    }
}

/// A field offered by the form, and whether it is chosen.
pub struct FieldOption {
    pub name: &'static str,
    pub chosen: bool,
}

/// The weights the page shows.
pub struct WeightedView {
    pub fields: String,
    /// Where the targets came from, in words.
    pub source: String,
    pub iterations: u32,
    pub max_margin_error: String,
    pub tolerance: String,
    /// The trimming, in words ("no trimming", "trimmed at 3 × the mean weight; 2 weights at the cap").
    pub trimming: String,
    pub design_effect: String,
    pub effective_n: String,
    pub margin_of_error: String,
    pub margins: Vec<MarginRow>,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    chrome: Chrome,
    slug: String,
    name: String,
    cases: u64,
    respondents: u64,
    rates: Vec<(String, String)>,
    /// The e the rates use, and how it was chosen.
    e_method: String,
    /// The documented estimate of e (proportional allocation).
    e_estimate: String,
    /// `e` and `cap` as typed, kept in the form.
    e_text: String,
    cap_text: String,
    design_effect: String,
    effective_n: String,
    margin_of_error: String,
    questions: Vec<QuestionView>,
    quotas: Vec<(String, u64, u64)>,
    by_options: Vec<FieldOption>,
    weight_options: Vec<FieldOption>,
    refused: Option<String>,
    /// Why the chosen weights could not be made (the results are then unweighted).
    weight_refused: Option<String>,
    weighted: Option<WeightedView>,
    by: Option<&'static str>,
    /// The targets as pasted (population aggregates), kept in the form.
    pasted: String,
    crosstabs: Vec<CrosstabView>,
    /// The CR-52 disclosure statement of the figures shown (Markdown).
    disclosure: String,
}

/// One weighting variable's targets: (category, target) in the order given.
struct TargetMargin {
    field: QuotaField,
    targets: Vec<(String, f64)>,
}

/// The call list's counts as target margins.
fn from_population(margins: &[PopulationMargin]) -> Vec<TargetMargin> {
    margins
        .iter()
        .map(|m| TargetMargin {
            field: m.field,
            targets: m.counts.iter().map(|(c, n)| (c.clone(), *n as f64)).collect(),
        })
        .collect()
}

/// Raked targets as margins (raking has checked every variable is a report field).
fn from_targets(targets: &Targets) -> Vec<TargetMargin> {
    targets
        .variables
        .iter()
        .filter_map(|v| {
            let field = QuotaField::parse(v.name.trim())?;
            Some(TargetMargin { field, targets: v.categories.iter().cloned().zip(v.targets.iter().copied()).collect() })
        })
        .collect()
}

/// Each target category beside the sample's unweighted and weighted share of it.
fn margin_rows(data: &SurveyData, margins: &[TargetMargin], weights: &[f64]) -> Vec<MarginRow> {
    let total: f64 = weights.iter().sum();
    let n = data.respondents.len() as f64;
    let mut rows = Vec::new();
    for m in margins {
        let sum: f64 = m.targets.iter().map(|(_, t)| t).sum();
        let values: Vec<String> = data.respondents.iter().map(|r| field_value(&r.case, m.field, data.year)).collect();
        for (category, target) in &m.targets {
            let (mut respondents, mut weighted) = (0u64, 0.0);
            for (v, w) in values.iter().zip(weights) {
                if v.trim() == category {
                    respondents += 1;
                    weighted += w;
                }
            }
            rows.push(MarginRow {
                field: m.field.as_str(),
                category: category.clone(),
                target: if target.fract() == 0.0 { format!("{target:.0}") } else { target.to_string() },
                target_share: percent(target / sum),
                respondents,
                unweighted_share: percent(respondents as f64 / n),
                weighted_share: percent(weighted / total),
            });
        }
    }
    rows
}

/// Where the weights' targets come from.
enum WeightSource {
    Unweighted,
    /// The margins of the program's call list on these fields.
    CallList(Vec<QuotaField>),
    /// `variable,category,target` text the analyst pasted (`uploaded`: sent as a file instead).
    Given {
        text: Vec<u8>,
        uploaded: bool,
    },
}

impl WeightSource {
    /// What given targets are called in messages.
    fn name(uploaded: bool) -> &'static str {
        if uploaded {
            "the uploaded targets file"
        } else {
            "the pasted targets"
        }
    }
}

/// The weights as made: the weighted report, the page's view of them, the weights and how they were
/// reached.
struct Weighed {
    report: Value,
    view: WeightedView,
    weights: Vec<f64>,
    weighting: Weighting,
}

/// Weights to the source's targets (trimmed at `cap` × the mean weight when given), or why they cannot
/// be made (a store failure is the outer error).
async fn weigh(
    state: &AppState,
    caller: &Caller,
    data: &SurveyData,
    source: &WeightSource,
    choice: &ViewChoice,
) -> Result<Result<Weighed, String>, Response> {
    let actor = caller.actor();
    let (margins, targets, described) = match source {
        WeightSource::Unweighted => return Ok(Err("no targets".into())),
        WeightSource::CallList(fields) => match call_list_targets(state.store(), &actor, data, fields).await {
            Ok(Ok((margins, targets))) => {
                let people = margins.first().map_or(0, PopulationMargin::people);
                (from_population(&margins), targets, format!("the call list's population ({people} people)"))
            }
            Ok(Err(e)) => return Ok(Err(e.to_string())),
            Err(e) => return Err(ApiError::from(e).into_response()),
        },
        WeightSource::Given { text, uploaded } => match parse_targets(WeightSource::name(*uploaded), text) {
            Ok(parsed) => (from_targets(&parsed.targets), parsed.targets, WeightSource::name(*uploaded).to_string()),
            Err(e) => return Ok(Err(e)),
        },
    };
    // The disclosure names the source a little more fully than the page's summary line.
    let disclosed = match source {
        WeightSource::CallList(_) => format!("{described}, counted from the voter file"),
        _ => format!("{described}, given by the analyst"),
    };
    let options = WeighOptions { cap: choice.cap, source: disclosed };
    let (weights, weighting) = match rake_respondents_with(data, &targets, &options) {
        Ok(w) => w,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let w = report(data, &weights, Some(&weighting), choice.by, choice.e)
        .map_err(|e| ApiError::invalid("survey", e.to_string()).into_response())?;
    let trimming = match weighting.cap {
        Some(cap) => format!(
            "trimmed at {cap} × the mean weight after every sweep; {} weight{} at the cap",
            weighting.capped,
            if weighting.capped == 1 { "" } else { "s" }
        ),
        None => "no trimming".into(),
    };
    let view = WeightedView {
        fields: weighting.variables.join(", "),
        source: described,
        iterations: weighting.iterations,
        max_margin_error: format!("{:.1e}", weighting.max_margin_error),
        tolerance: format!("{:.0e}", weighting.tolerance),
        trimming,
        design_effect: fixed(w["design_effect"].as_f64(), 2),
        effective_n: fixed(w["effective_n"].as_f64(), 1),
        margin_of_error: moe(w["margin_of_error"].as_f64()),
        margins: margin_rows(data, &margins, &weights),
    };
    Ok(Ok(Weighed { report: w, view, weights, weighting }))
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let choice = ViewChoice::parse(query.as_deref());
    let source =
        if choice.weight.is_empty() { WeightSource::Unweighted } else { WeightSource::CallList(choice.weight.clone()) };
    show(state, caller, slug, choice, source).await
}

/// The POST of the targets form (multipart, for the file): the pasted text or the uploaded file (a
/// file wins when both are sent), the breakdown shown when it was sent, and the cap and e.
pub async fn weigh_to_given(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    mut form: Multipart,
) -> Response {
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::BadRequest(e.body_text()).into_response();
    let (mut by, mut cap, mut e, mut pasted, mut file) =
        (String::new(), String::new(), String::new(), Vec::new(), Vec::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return bad(e),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => return bad(e),
        };
        match name.as_str() {
            "by" => by = String::from_utf8_lossy(&bytes).into_owned(),
            "cap" => cap = String::from_utf8_lossy(&bytes).into_owned(),
            "e" => e = String::from_utf8_lossy(&bytes).into_owned(),
            "targets" => pasted = bytes,
            // A file input left empty still sends an empty part.
            "targets_file" if !bytes.is_empty() => file = bytes,
            _ => {}
        }
    }
    let query = serde_urlencoded::to_string([("by", by.as_str()), ("cap", cap.as_str()), ("e", e.as_str())])
        .unwrap_or_default();
    let choice = ViewChoice::parse(Some(&query));
    let source = if file.is_empty() {
        WeightSource::Given { text: pasted, uploaded: false }
    } else {
        WeightSource::Given { text: file, uploaded: true }
    };
    show(state, caller, slug, choice, source).await
}

/// The report as the page and the API show it: the unweighted report, the weights when asked for and
/// made (or why not), the documented estimate of e, and the disclosure statement of what is shown.
struct Computed {
    program_name: String,
    respondents: u64,
    plain: Value,
    weighed: Option<Weighed>,
    weight_refused: Option<String>,
    e_estimate: Option<f64>,
    disclosure: String,
}

/// Computes the report for a choice and records the view in the audit log (`survey.{what}`: field
/// names, the outcome, the cap and e — never a target or a value).
async fn compute(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    choice: &ViewChoice,
    source: &WeightSource,
    what: &str,
) -> Result<Computed, Response> {
    let actor = caller.actor();
    let program = state.store().program_by_slug(&actor, slug).await.map_err(|e| ApiError::from(e).into_response())?;
    let sealer = crate::api::imports::sealer_for(state, &actor, caller.0.principal.org_id)
        .await
        .map_err(IntoResponse::into_response)?;
    let failed = |e: SurveyError| match e {
        SurveyError::Store(s) => ApiError::from(s).into_response(),
        other => ApiError::invalid("survey", other.to_string()).into_response(),
    };
    // Kept from an earlier view while nothing it is read from changed (`survey_cache`).
    let data = state
        .survey_cache()
        .load(state.store(), &actor, &sealer, caller.0.principal.org_id, slug)
        .await
        .map_err(failed)?;
    let ones = vec![1.0; data.respondents.len()];
    let plain = report(&data, &ones, None, choice.by, choice.e).map_err(failed)?;
    let (mut weighed, mut weight_refused) = (None, None);
    // A refused request (an unknown field, a bad number) shows the plain report.
    if choice.refused.is_none() && !matches!(source, WeightSource::Unweighted) {
        match weigh(state, caller, &data, source, choice).await? {
            Ok(w) => weighed = Some(w),
            Err(reason) => weight_refused = Some(reason),
        }
    }
    let disclosure = match &weighed {
        Some(w) => disclosure(state.store(), &actor, &data, &w.weights, Some(&w.weighting), choice.e).await,
        None => disclosure(state.store(), &actor, &data, &ones, None, choice.e).await,
    }
    .map_err(failed)?;
    // Field names and the outcome only: what the view showed, never a value.
    let (targets, weighted_to): (Value, Vec<String>) = match source {
        WeightSource::Unweighted => (Value::Null, Vec::new()),
        WeightSource::CallList(fields) => (json!("call_list"), fields.iter().map(|f| f.as_str().to_string()).collect()),
        WeightSource::Given { text, uploaded } => (
            json!(if *uploaded { "uploaded" } else { "pasted" }),
            parse_targets(WeightSource::name(*uploaded), text)
                .map(|p| p.targets.variables.iter().map(|v| v.name.clone()).collect())
                .unwrap_or_default(),
        ),
    };
    let mut view = serde_json::Map::new();
    view.insert("by".into(), json!(choice.by.map(|f| f.as_str())));
    view.insert("targets".into(), targets);
    view.insert("weighted_to".into(), json!(weighted_to));
    view.insert("weighted".into(), json!(weighed.is_some()));
    view.insert("cap".into(), json!(choice.cap));
    view.insert("e".into(), json!(choice.e));
    let respondents = data.respondents.len() as u64;
    state
        .store()
        .record_survey_view(&actor, slug, what, respondents, view)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(Computed {
        program_name: program.name,
        respondents,
        e_estimate: estimated_e(&data),
        plain,
        weighed,
        weight_refused,
        disclosure,
    })
}

async fn show(state: AppState, caller: Caller, slug: String, choice: ViewChoice, source: WeightSource) -> Response {
    let c = match compute(&state, &caller, &slug, &choice, &source, "report_page").await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let r = &c.plain;
    let rates = r["aapor"]["rates"]
        .as_object()
        .map(|m| {
            let mut v: Vec<(String, String)> = m
                .iter()
                .filter(|(k, _)| *k != "e")
                .map(|(k, v)| {
                    (
                        k.to_uppercase(),
                        v.as_f64().map_or_else(|| "undefined (no cases in its denominator)".into(), percent),
                    )
                })
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    let estimate = match c.e_estimate {
        Some(e) => fixed(Some(e), 3),
        None => "undefined (no case's eligibility was resolved)".into(),
    };
    let e_method = match choice.e {
        Some(e) => format!("e = {} (given; the documented estimate is {estimate})", fixed(Some(e), 3)),
        None => format!("e = {estimate} (estimated by proportional allocation: eligible ÷ resolved cases)"),
    };
    // Pasted text goes back into the form (an uploaded file is not kept).
    let (given, pasted) = match &source {
        WeightSource::Given { text, uploaded: false } => (true, String::from_utf8_lossy(text).into_owned()),
        WeightSource::Given { uploaded: true, .. } => (true, String::new()),
        _ => (false, String::new()),
    };
    // Bad input is 422: an unknown field, a bad number, or given targets that cannot be used.
    let status = if choice.refused.is_some() || (given && c.weight_refused.is_some()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let options = |chosen: &dyn Fn(QuotaField) -> bool| {
        QuotaField::ALL.iter().map(|f| FieldOption { name: f.as_str(), chosen: chosen(*f) }).collect::<Vec<_>>()
    };
    let weighted_report = c.weighed.as_ref().map(|w| &w.report);
    let page = SurveyPage {
        chrome: Chrome::for_caller(&caller, "/oversight"),
        slug,
        name: c.program_name.clone(),
        cases: r["cases"].as_u64().unwrap_or(0),
        respondents: c.respondents,
        e_method,
        e_estimate: estimate,
        e_text: choice.e_text.clone(),
        cap_text: choice.cap_text.clone(),
        rates,
        design_effect: fixed(r["design_effect"].as_f64(), 2),
        effective_n: fixed(r["effective_n"].as_f64(), 1),
        margin_of_error: moe(r["margin_of_error"].as_f64()),
        questions: questions(r, weighted_report),
        quotas: quotas(r),
        by_options: options(&|f| choice.by == Some(f)),
        weight_options: options(&|f| choice.weight.contains(&f)),
        refused: choice.refused.clone(),
        weight_refused: c.weight_refused.clone(),
        by: choice.by.map(QuotaField::as_str),
        pasted,
        // Weighted when the weights could be made, as the analyst asked; else as collected.
        crosstabs: crosstabs(weighted_report.unwrap_or(r)),
        disclosure: c.disclosure.clone(),
        weighted: c.weighed.map(|w| w.view),
    };
    (status, render(&page)).into_response()
}

/// The report page's figures as JSON: the report `clearline survey report --json` prints (toplines,
/// crosstabs with `by`, the AAPOR rates and the e used, quotas, the weighting summary, design effect,
/// effective n and margin of error — weighted when `weight` is given and the weights could be made)
/// with the documented estimate of e and the CR-52 disclosure statement (Markdown) of those figures.
/// Same parameters as the page (`by`, `weight` repeatable, `cap`, `e`); aggregates only. A bad
/// parameter, or margins that cannot be met, is 422 naming the parameter and the reason. Audited
/// (`survey.report_api`).
#[utoipa::path(get, path = "/api/v1/programs/{slug}/survey", tag = "programs",
    params(
        ("slug" = String, Path, description = "the survey program's handle"),
        ("by" = Option<String>, Query, description = "a voter field to break every question down by"),
        ("weight" = Option<String>, Query, description = "a voter field to rake to the call list's margins on (repeatable)"),
        ("cap" = Option<f64>, Query, description = "trim weights at this multiple of the mean weight (above 1)"),
        ("e" = Option<f64>, Query, description = "the eligible share of unknown-eligibility cases, 0..=1 (default: estimated)"),
    ),
    responses((status = 200, body = Object), (status = 422, body = Object)))]
pub async fn api(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let choice = ViewChoice::parse(query.as_deref());
    if let Some(reason) = &choice.refused {
        return ApiError::invalid(choice.refused_field, reason.clone()).into_response();
    }
    let source =
        if choice.weight.is_empty() { WeightSource::Unweighted } else { WeightSource::CallList(choice.weight.clone()) };
    let c = match compute(&state, &caller, &slug, &choice, &source, "report_api").await {
        Ok(c) => c,
        Err(response) => return response,
    };
    if let Some(reason) = c.weight_refused {
        return ApiError::invalid("weight", format!("these margins cannot be met: {reason}")).into_response();
    }
    let mut out = match c.weighed {
        Some(w) => w.report,
        None => c.plain,
    };
    if let Some(o) = out.as_object_mut() {
        o.insert("e_estimated".into(), json!(c.e_estimate));
        o.insert("disclosure".into(), json!(c.disclosure));
    }
    axum::Json(out).into_response()
}

fn quotas(r: &Value) -> Vec<(String, u64, u64)> {
    r["quotas"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| {
            (
                q["cell"].as_str().unwrap_or_default().to_string(),
                q["completes"].as_u64().unwrap_or(0),
                q["quota"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `by` once, `weight` repeatable (repeats kept once, in order); an empty value is no choice; an
    /// unknown field is refused by name and then nothing is broken down or weighted.
    #[test]
    fn the_query_names_fields_and_an_unknown_one_is_refused() {
        let c = ViewChoice::parse(Some("by=party&weight=gender&weight=age_band&weight=gender"));
        assert_eq!(c.by, Some(QuotaField::Party));
        assert_eq!(c.weight, [QuotaField::Gender, QuotaField::AgeBand]);
        assert!(c.refused.is_none());
        let c = ViewChoice::parse(Some("by="));
        assert!(c.by.is_none() && c.weight.is_empty() && c.refused.is_none());
        let c = ViewChoice::parse(Some("by=party&weight=shoe_size"));
        assert!(c.by.is_none() && c.weight.is_empty());
        assert!(c.refused.unwrap().starts_with("Weight to: `shoe_size` is not a voter field of the report"));
        assert!(ViewChoice::parse(None).refused.is_none());
    }
}
