//! A script's preview: walk it as a caller would, one answer at a time, through the branches the
//! answers choose, with sample values in the merge fields — so an author or an approver reads every path
//! before it reaches a voter. A saved version is walked from its page
//! (`/scripts/{slug}/versions/{number}/preview`); the editor walks the text being written, unsaved
//! (`POST /scripts/{slug}/preview`, the text in a hidden field). Nothing is stored: the text, the
//! answers so far and the seed of the randomized option orders travel in the form.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use clearline_core::org::CampaignProfile;
use clearline_core::script::{self, walk::parse_answer, walk_until, Answer, Script};

/// Sample merge-field values for the preview (the campaign's own facts are used where it has them).
const SAMPLES: [(&str, &str); 5] = [
    ("voter.first_name", "Pat"),
    ("voter.last_name", "Sample"),
    ("voter.city", "Raleigh"),
    ("voter.precinct", "01-07"),
    ("caller.first_name", "Alex"),
];

/// The longest script text the editor's walk takes (the form's body limit is larger).
const MAX_TEXT_BYTES: usize = 256 * 1024;

pub struct PreviewStep {
    pub id: String,
    pub text: String,
    pub answer: Option<String>,
}

pub struct PreviewQuestion {
    pub step: String,
    pub text: String,
    pub kind: &'static str,
    /// (key, label) in the order shown: a randomized question's options in this walk's order.
    pub options: Vec<(String, String)>,
    /// The options are shown in a random order on each call.
    pub randomized: bool,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Template)]
#[template(path = "script_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    slug: String,
    heading: String,
    /// Where the answer form posts.
    action: String,
    /// The version walked, or `None` for the editor's unsaved text (then carried in `text`).
    number: Option<u32>,
    text: String,
    /// Seeds the randomized orders: carried, so the same step shows the same order again.
    seed: u64,
    /// Parse errors of an unsaved text (each names its line and step); nothing is walked then.
    problems: Vec<String>,
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

/// FNV-1a of a step id, as the agent desk hashes it (`clearline_calling::desk`): stable across runs
/// and platforms.
/// A randomized question's option keys in the order one call shows them: the agent desk's own order
/// (`clearline_calling::desk::shown_order`). The same seed and step give the same order on every
/// re-render.
pub use clearline_calling::desk::shown_order;

/// The walk so far of `parsed` with the answers the form sent.
struct Walked {
    steps: Vec<PreviewStep>,
    question: Option<PreviewQuestion>,
    end: Option<String>,
    carried: Vec<(String, String)>,
    error: Option<String>,
}

fn walk_form(
    parsed: &Script,
    fields: &[(String, String)],
    seed: u64,
    value_of: &dyn Fn(&str) -> Option<String>,
) -> Walked {
    // Parse every answer sent; a bad one is shown as the error and the walk stops at its question.
    let mut error = None;
    let mut given: Vec<(String, Answer)> = Vec::new();
    for (step_id, values) in answers_of(fields) {
        let Some(q) = parsed.step(&step_id).and_then(|s| s.question()) else { continue };
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        match parse_answer(q, &values) {
            Ok(a) => given.push((step_id, a)),
            Err(e) => error = Some(format!("{step_id}: {e}")),
        }
    }
    let partial = walk_until(
        parsed,
        |step, q| shown_order(step, q, seed),
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
        let randomized = q.randomize && q.answer.is_choice();
        let options = if randomized {
            shown_order(step, q, seed)
                .iter()
                .filter_map(|k| q.options.iter().find(|o| &o.key == k))
                .map(|o| (o.key.clone(), o.label.clone()))
                .collect()
        } else {
            q.options.iter().map(|o| (o.key.clone(), o.label.clone())).collect()
        };
        let (kind, (min, max)) = (q.answer.name(), q.answer.bounds());
        Some(PreviewQuestion {
            step: step.id.clone(),
            text: script::fill(&step.spoken(), value_of),
            kind,
            options,
            randomized,
            min,
            max,
        })
    });
    let end = match partial.walk.end {
        Some(d) => Some(d.code().to_string()),
        None if question.is_none() => Some("none: the walk found no end (a loop, or a missing step)".into()),
        None => None,
    };
    Walked { steps, question, end, carried, error }
}

/// A merge field's sample value, or the campaign's own fact.
fn sample_value(profile: Option<&CampaignProfile>, name: &str) -> Option<String> {
    if let Some((_, v)) = SAMPLES.iter().find(|(n, _)| *n == name) {
        return Some((*v).to_string());
    }
    let p = profile?;
    match name {
        "campaign.legal_name" => Some(p.committee_legal_name.clone()),
        "campaign.paid_for_by" => Some(p.paid_for_by.clone()),
        "campaign.callback_number" => Some(p.callback_number.clone()),
        "campaign.candidate" => p.candidates.first().cloned(),
        "election.date" => p.elections.iter().map(|e| e.date).max().map(|d| d.strftime("%A, %B %-d, %Y").to_string()),
        _ => None,
    }
}

/// The seed of the randomized orders: the form's, else a fresh one (a new walk is a new call).
fn seed_of(fields: &[(String, String)]) -> u64 {
    fields.iter().find(|(k, _)| k == "seed").and_then(|(_, v)| v.trim().parse().ok()).unwrap_or_else(rand::random)
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
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let seed = seed_of(&fields);
    let w = walk_form(&parsed, &fields, seed, &|name| sample_value(profile.as_ref(), name));
    render(&PreviewPage {
        chrome: Chrome::for_caller(caller, "/scripts"),
        slug: slug.to_string(),
        heading: format!("{}, version {number}: preview", info.name),
        action: format!("/scripts/{slug}/versions/{number}/preview"),
        number: Some(number),
        text: String::new(),
        seed,
        problems: Vec::new(),
        steps: w.steps,
        question: w.question,
        end: w.end,
        carried: w.carried,
        error: w.error,
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

/// Walks the editor's unsaved text (`body`, with `a.STEP` answers and `seed`): the script must be the
/// caller's (another campaign's looks missing); a text that does not parse shows its parse errors, each
/// naming its line and step, with nothing walked (422).
pub async fn walk_text(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let actor = caller.actor();
    let info = match state.store().script_by_slug(&actor, &slug).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let text = fields.iter().find(|(k, _)| k == "body").map(|(_, v)| v.replace("\r\n", "\n")).unwrap_or_default();
    if text.len() > MAX_TEXT_BYTES {
        return ApiError::invalid("body", "the script text is too long to walk (at most 256 KB)").into_response();
    }
    let seed = seed_of(&fields);
    let mut page = PreviewPage {
        chrome: Chrome::for_caller(&caller, "/scripts"),
        slug: slug.clone(),
        heading: format!("{}: walk the unsaved text", info.name),
        action: format!("/scripts/{slug}/preview"),
        number: None,
        text: String::new(),
        seed,
        problems: Vec::new(),
        steps: Vec::new(),
        question: None,
        end: None,
        carried: Vec::new(),
        error: None,
    };
    match script::parse(&text) {
        Err(errors) => {
            page.problems = errors.iter().map(ToString::to_string).collect();
            page.text = text;
            let mut r = render(&page);
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Ok(parsed) => {
            let profile = state.store().campaign_profile(&actor).await.ok();
            let w = walk_form(&parsed, &fields, seed, &|name| sample_value(profile.as_ref(), name));
            page.steps = w.steps;
            page.question = w.question;
            page.end = w.end;
            page.carried = w.carried;
            page.error = w.error;
            page.text = text;
            render(&page)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Script {
        script::parse(include_str!("../../../../docs/scripts/survey.script")).unwrap()
    }

    /// The preview's order is the desk's code (`clearline_calling::desk`: ChaCha8 seeded with
    /// `seed ^ FNV-1a(step id)` shuffling the keys in document order), pinned for one seed so a change
    /// to either side shows; stable for a seed, and not the document order for every seed.
    #[test]
    fn randomized_orders_are_the_desks_and_stable_for_a_seed() {
        let s = survey();
        let step = s.step("issues").unwrap();
        let q = step.question().unwrap();
        assert_eq!(shown_order(step, q, 42), shown_order(step, q, 42));
        assert_eq!(shown_order(step, q, 42), ["schools", "housing", "health", "economy", "roads"]);
        let mut sorted = shown_order(step, q, 42);
        sorted.sort();
        assert_eq!(sorted, ["economy", "health", "housing", "roads", "schools"]);
        let document: Vec<String> = q.options.iter().map(|o| o.key.clone()).collect();
        assert!((0..20).any(|seed| shown_order(step, q, seed) != document));
    }

    #[test]
    fn a_walk_waits_at_the_first_question_with_its_options_in_the_seeds_order() {
        let s = survey();
        let fields = vec![("a.consent".to_string(), "yes".to_string()), ("a.likely".to_string(), "8".to_string())];
        let w = walk_form(&s, &fields, 7, &|_| None);
        let q = w.question.unwrap();
        assert_eq!(q.step, "issues");
        assert!(q.randomized);
        let keys: Vec<&str> = q.options.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, shown_order(s.step("issues").unwrap(), s.step("issues").unwrap().question().unwrap(), 7));
        assert_eq!(w.carried, fields.iter().map(|(k, v)| (k[2..].to_string(), v.clone())).collect::<Vec<_>>());
        // Consent is not randomized: document order.
        let w = walk_form(&s, &[], 7, &|_| None);
        let q = w.question.unwrap();
        assert!(!q.randomized);
        assert_eq!(q.options.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["yes", "later", "no"]);
    }
}
