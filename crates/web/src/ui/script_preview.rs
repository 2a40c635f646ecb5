//! A script version's preview: walk it as a caller would, one answer at a time, through the branches the
//! answers choose, with sample values in the merge fields — so an author or an approver reads every path
//! before it reaches a voter. Nothing is stored; the answers so far travel in the form.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use clearline_core::script::{self, walk::parse_answer, walk_until, Answer};

/// Sample merge-field values for the preview (the campaign's own facts are used where it has them).
const SAMPLES: [(&str, &str); 5] = [
    ("voter.first_name", "Pat"),
    ("voter.last_name", "Sample"),
    ("voter.city", "Raleigh"),
    ("voter.precinct", "01-07"),
    ("caller.first_name", "Alex"),
];

pub struct PreviewStep {
    pub id: String,
    pub text: String,
    pub answer: Option<String>,
}

pub struct PreviewQuestion {
    pub step: String,
    pub text: String,
    pub kind: &'static str,
    pub options: Vec<(String, String)>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Template)]
#[template(path = "script_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    slug: String,
    number: u32,
    name: String,
    steps: Vec<PreviewStep>,
    question: Option<PreviewQuestion>,
    end: Option<String>,
    /// The answers so far, as hidden fields (step, value).
    carried: Vec<(String, String)>,
    error: Option<String>,
}

/// Answers from the form: `a.STEP` fields (repeated for multiple choice), the new one first checked.
fn answers_of(fields: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in fields {
        let Some(step) = k.strip_prefix("a.") else { continue };
        match out.iter_mut().find(|(s, _)| s == step) {
            Some((_, vs)) => vs.push(v.clone()),
            None => out.push((step.to_string(), vec![v.clone()])),
        }
    }
    out
}

async fn preview(state: &AppState, caller: &Caller, slug: &str, number: u32, body: &[u8]) -> Response {
    let actor = caller.actor();
    let (info, version) = match (
        state.store().script_by_slug(&actor, slug).await,
        state.store().script_version(&actor, slug, number).await,
    ) {
        (Ok(s), Ok(v)) => (s, v),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let Ok(parsed) = script::parse(&version.body) else {
        return ApiError::invalid("script", "this version does not parse: read its problems first").into_response();
    };
    let profile = state.store().campaign_profile(&actor).await.ok();
    let value_of = |name: &str| -> Option<String> {
        if let Some((_, v)) = SAMPLES.iter().find(|(n, _)| *n == name) {
            return Some((*v).to_string());
        }
        let p = profile.as_ref()?;
        match name {
            "campaign.legal_name" => Some(p.committee_legal_name.clone()),
            "campaign.paid_for_by" => Some(p.paid_for_by.clone()),
            "campaign.callback_number" => Some(p.callback_number.clone()),
            "campaign.candidate" => p.candidates.first().cloned(),
            "election.date" => {
                p.elections.iter().map(|e| e.date).max().map(|d| d.strftime("%A, %B %-d, %Y").to_string())
            }
            _ => None,
        }
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    // Parse every answer sent; a bad one is shown as the error and the walk stops at its question.
    let mut error = None;
    let mut given: Vec<(String, Answer)> = Vec::new();
    for (step_id, values) in answers_of(&fields) {
        let Some(q) = parsed.step(&step_id).and_then(|s| s.question()) else { continue };
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        match parse_answer(q, &values) {
            Ok(a) => given.push((step_id, a)),
            Err(e) => error = Some(format!("{step_id}: {e}")),
        }
    }
    let partial = walk_until(
        &parsed,
        |_, q| q.options.iter().map(|o| o.key.clone()).collect(),
        |step, _, _| given.iter().find(|(s, _)| *s == step.id).map(|(_, a)| a.clone()),
    );
    let mut steps = Vec::new();
    let mut carried = Vec::new();
    for id in &partial.walk.path {
        let Some(step) = parsed.step(id) else { continue };
        if matches!(step.kind, script::StepKind::End(_)) || partial.waiting_at.as_deref() == Some(id.as_str()) {
            continue;
        }
        let answer = partial.walk.answers.iter().find(|a| &a.step == id).map(|a| {
            match &a.answer {
                Answer::Choices(ks) => carried.extend(ks.iter().map(|k| (id.clone(), k.clone()))),
                Answer::Choice(k) => carried.push((id.clone(), k.clone())),
                Answer::Number(n) => carried.push((id.clone(), n.to_string())),
                Answer::Text(t) => carried.push((id.clone(), t.clone())),
            }
            step.answer_label(&a.answer)
        });
        steps.push(PreviewStep { id: id.clone(), text: script::fill(&step.spoken(), value_of), answer });
    }
    let question = partial.waiting_at.as_deref().and_then(|id| parsed.step(id)).and_then(|step| {
        let q = step.question()?;
        let (kind, (min, max)) = (q.answer.name(), q.answer.bounds());
        Some(PreviewQuestion {
            step: step.id.clone(),
            text: script::fill(&step.spoken(), value_of),
            kind,
            options: q.options.iter().map(|o| (o.key.clone(), o.label.clone())).collect(),
            min,
            max,
        })
    });
    let end = match partial.walk.end {
        Some(d) => Some(d.code().to_string()),
        None if question.is_none() => Some("none: the walk found no end (a loop, or a missing step)".into()),
        None => None,
    };
    render(&PreviewPage {
        chrome: Chrome::for_caller(caller, "/scripts"),
        slug: slug.to_string(),
        number,
        name: info.name,
        steps,
        question,
        end,
        carried,
        error,
    })
}

pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    preview(&state, &caller, &slug, number, b"").await
}

pub async fn step(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
    body: Bytes,
) -> Response {
    preview(&state, &caller, &slug, number, &body).await
}
