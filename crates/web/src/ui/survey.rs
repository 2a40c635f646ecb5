//! A survey program's report page: toplines per question as bars (drawn with plain HTML, the share in
//! words beside each), the AAPOR outcome rates with the estimate of e, the design effect, effective n
//! and margin of error — from the same functions as `clearline survey report`. Answers are decrypted on
//! the server with the campaign's key; only aggregates reach the page. Audited (`survey.report`).

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use clearline_ingest::survey_results::{load, report, SurveyError};
use serde_json::Value;

/// One answer category's bar.
pub struct BarView {
    pub label: String,
    pub respondents: u64,
    /// 0–100, for the bar's width; the words say the same.
    pub percent: f64,
    pub share: String,
}

pub struct QuestionView {
    pub step: String,
    pub text: String,
    pub kind: String,
    pub asked: u64,
    pub bars: Vec<BarView>,
    pub mean: Option<String>,
    pub answered_text: Option<u64>,
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
    e_method: String,
    design_effect: String,
    effective_n: String,
    margin_of_error: String,
    questions: Vec<QuestionView>,
    quotas: Vec<(String, u64, u64)>,
}

fn percent(v: &Value) -> String {
    v.as_f64().map_or_else(|| "undefined (no cases in its denominator)".into(), |v| format!("{:.1} %", v * 100.0))
}

/// The page's view of the report's JSON (the CLI prints the same JSON).
fn questions(r: &Value) -> Vec<QuestionView> {
    let mut out = Vec::new();
    for q in r["questions"].as_array().into_iter().flatten() {
        let multiple = q["kind"] == "multiple";
        let mut bars = Vec::new();
        for v in q["variables"].as_array().into_iter().flatten() {
            for c in v["categories"].as_array().into_iter().flatten() {
                // A multiple-choice question: one bar per option, its share of "selected".
                if multiple && c["key"] != "selected" {
                    continue;
                }
                let share = c["share"].as_f64();
                bars.push(BarView {
                    label: c["label"].as_str().unwrap_or_default().trim_end_matches(" — selected").to_string(),
                    respondents: c["respondents"].as_u64().unwrap_or(0),
                    percent: share.map_or(0.0, |s| (s * 100.0).clamp(0.0, 100.0)),
                    share: share.map_or_else(|| "—".into(), |s| format!("{:.1} %", s * 100.0)),
                });
            }
        }
        out.push(QuestionView {
            step: q["step"].as_str().unwrap_or_default().into(),
            text: q["text"].as_str().unwrap_or_default().into(),
            kind: q["kind"].as_str().unwrap_or_default().into(),
            asked: q["asked"].as_u64().unwrap_or(0),
            bars,
            mean: q["weighted_mean"].as_f64().map(|m| format!("{m:.2}")),
            answered_text: q["answered_text"].as_u64(),
        });
    }
    out
}

pub async fn page(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    let actor = caller.actor();
    let program = match state.store().program_by_slug(&actor, &slug).await {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let sealer = match crate::api::imports::sealer_for(&state, &actor, caller.0.principal.org_id).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let failed = |e: SurveyError| match e {
        SurveyError::Store(s) => ApiError::from(s).into_response(),
        other => ApiError::invalid("survey", other.to_string()).into_response(),
    };
    let data = match load(state.store(), &actor, &sealer, &slug).await {
        Ok(d) => d,
        Err(e) => return failed(e),
    };
    let weights = vec![1.0; data.respondents.len()];
    let r = match report(&data, &weights, None, None, None) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    if let Err(e) = state.store().record_survey_read(&actor, &slug, "report_page", data.respondents.len() as u64).await
    {
        return ApiError::from(e).into_response();
    }
    let rates = r["aapor"]["rates"]
        .as_object()
        .map(|m| {
            let mut v: Vec<(String, String)> =
                m.iter().filter(|(k, _)| *k != "e").map(|(k, v)| (k.to_uppercase(), percent(v))).collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    let fixed = |v: &Value, digits: usize| v.as_f64().map_or_else(|| "—".to_string(), |x| format!("{x:.digits$}"));
    render(&SurveyPage {
        chrome: Chrome::for_caller(&caller, "/oversight"),
        slug,
        name: program.name,
        cases: r["cases"].as_u64().unwrap_or(0),
        respondents: r["respondents"].as_u64().unwrap_or(0),
        e_method: format!(
            "e = {} ({})",
            fixed(&r["aapor"]["rates"]["e"], 3),
            r["aapor"]["e_method"].as_str().unwrap_or_default()
        ),
        rates,
        design_effect: fixed(&r["design_effect"], 2),
        effective_n: fixed(&r["effective_n"], 1),
        margin_of_error: r["margin_of_error"]
            .as_f64()
            .map_or_else(|| "—".into(), |m| format!("±{:.1} points (95 %)", m * 100.0)),
        questions: questions(&r),
        quotas: r["quotas"]
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
            .collect(),
    })
}
