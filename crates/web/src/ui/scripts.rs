//! The scripts pages: the campaign's scripts and their versions; one version's steps, the problems
//! validation finds for the script's facts, the line diff against the version before it, and the
//! forms that move it (submit for authors; approve or reject for approvers — never their own).

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use clearline_core::policy::{DialMode, Purpose};
use clearline_core::script::{self, DiffTag, Script, ScriptFacts, StepKind, Test};
use clearline_core::validate::Slug;
use clearline_core::Capability;
use clearline_store::{NewVersion, ScriptInfo, ScriptVersion};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "scripts.html")]
struct ScriptsPage {
    chrome: Chrome,
    scripts: Vec<ScriptRow>,
    form: NewScriptForm,
    /// Every problem of a refused form.
    problems: Vec<String>,
}

/// A new script and its first version, as the form sends them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewScriptForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    dial_mode: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    recorded: Option<String>,
    #[serde(default)]
    expected_calls: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    body: String,
}

/// A new version of an existing script.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewVersionForm {
    #[serde(default)]
    language: String,
    #[serde(default)]
    translation_of: String,
    #[serde(default)]
    body: String,
    /// `preview` shows the steps, problems and diff of the text without saving it.
    #[serde(default)]
    action: String,
}

/// The text of the form as it would be saved: its steps, what validation finds, and the diff against
/// the newest version — shown without writing anything, so an author can walk the branches first.
struct Preview {
    steps: Vec<StepView>,
    problems: Vec<String>,
    diff: Vec<DiffRow>,
}

struct ScriptRow {
    slug: String,
    name: String,
    purpose: &'static str,
    dial_mode: &'static str,
    versions: String,
}

pub async fn scripts(State(state): State<AppState>, caller: Caller) -> Response {
    let form = NewScriptForm {
        purpose: "gotv".into(),
        dial_mode: "predictive".into(),
        language: "en".into(),
        ..NewScriptForm::default()
    };
    list_page(&state, &caller, form, Vec::new()).await
}

/// Creates a script and its first draft version; a refused form comes back with every problem.
pub async fn create(State(state): State<AppState>, caller: Caller, Form(form): Form<NewScriptForm>) -> Response {
    let mut problems = Vec::new();
    let slug = Slug::parse(form.slug.trim()).map_err(|e| problems.push(e.to_string())).ok();
    let purpose = Purpose::parse(&form.purpose);
    let dial_mode = DialMode::parse(&form.dial_mode);
    if purpose.is_none() {
        problems.push("purpose: choose one".into());
    }
    if dial_mode.is_none() {
        problems.push("dial_mode: choose one".into());
    }
    let expected_calls = match form.expected_calls.trim() {
        "" => None,
        n => n.parse::<u64>().map_err(|_| problems.push("expected_calls: not a whole number".into())).ok(),
    };
    if let (Some(slug), Some(purpose), Some(dial_mode), true) = (&slug, purpose, dial_mode, problems.is_empty()) {
        let facts = ScriptFacts { purpose, dial_mode, recorded: form.recorded.is_some(), expected_calls };
        let actor = caller.actor();
        let version =
            NewVersion { body: form.body.clone(), language: form.language.trim().to_string(), translation_of: None };
        // The script and its first version: the version is checked first, so a refused one leaves
        // no empty script behind.
        let result = async {
            if version.body.trim().is_empty() {
                return Err(ApiError::invalid("body", "write the script's first version"));
            }
            if !script::is_language_tag(&version.language) {
                return Err(ApiError::invalid("language", "a language tag such as en, es or es-MX"));
            }
            state.store().create_script(&actor, slug, &form.name, &facts).await?;
            Ok(state.store().add_script_version(&actor, slug.as_str(), &version).await?)
        }
        .await;
        match result {
            Ok(v) => return Redirect::to(&format!("/scripts/{slug}/versions/{}", v.number)).into_response(),
            Err(e) => problems.push(e.to_string()),
        }
    }
    list_page(&state, &caller, form, problems).await
}

async fn list_page(state: &AppState, caller: &Caller, form: NewScriptForm, problems: Vec<String>) -> Response {
    let scripts = match state.store().list_scripts(&caller.actor()).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let refused = !problems.is_empty();
    let mut r = render(&ScriptsPage {
        chrome: Chrome::for_caller(caller, "/scripts"),
        form,
        problems,
        scripts: scripts
            .into_iter()
            .map(|s| ScriptRow {
                versions: s
                    .versions
                    .iter()
                    .map(|v| format!("v{} {} {}", v.number, v.language, v.status.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
                slug: s.slug,
                name: s.name,
                purpose: s.facts.purpose.as_str(),
                dial_mode: s.facts.dial_mode.as_str(),
            })
            .collect(),
    });
    if refused {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

#[derive(Template)]
#[template(path = "script.html")]
struct ScriptPage {
    chrome: Chrome,
    script: ScriptInfo,
    facts: String,
    form: NewVersionForm,
    error: Option<String>,
    preview: Option<Preview>,
}

pub async fn script(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    script_page(&state, &caller, &slug, None, None).await
}

/// Steps and problems of a text for a script's facts (parse errors when it does not parse).
fn read_text(text: &str, facts: &ScriptFacts) -> (Vec<StepView>, Vec<String>) {
    match script::parse(text) {
        Err(errors) => (Vec::new(), errors.iter().map(ToString::to_string).collect()),
        Ok(doc) => (step_views(&doc), script::validate(&doc, facts).iter().map(ToString::to_string).collect()),
    }
}

/// The script's versions, and a form for the next one: prefilled with the newest version's text, so a
/// change starts from what was last written.
async fn script_page(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    form: Option<NewVersionForm>,
    error: Option<&ApiError>,
) -> Response {
    let actor = caller.actor();
    let script = match state.store().script_by_slug(&actor, slug).await {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let newest = match script.versions.last() {
        Some(v) => match state.store().script_version(&actor, slug, v.number).await {
            Ok(v) => v.body,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => String::new(),
    };
    let preview = form.as_ref().filter(|f| f.action == "preview").map(|f| {
        let body = f.body.replace("\r\n", "\n");
        let (steps, problems) = read_text(&body, &script.facts);
        Preview { steps, problems, diff: diff_rows(&newest, &body) }
    });
    let form = form.unwrap_or(NewVersionForm {
        language: "en".into(),
        translation_of: String::new(),
        body: newest,
        action: String::new(),
    });
    let mut r = render(&ScriptPage {
        chrome: Chrome::for_caller(caller, "/scripts"),
        facts: facts_text(&script),
        script,
        form,
        error: error.map(ToString::to_string),
        preview,
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

/// Writes a new draft version; then its page, with what validation finds.
pub async fn add_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Form(form): Form<NewVersionForm>,
) -> Response {
    if form.action == "preview" {
        return script_page(&state, &caller, &slug, Some(form), None).await;
    }
    let translation_of = match form.translation_of.trim() {
        "" => Ok(None),
        n => n.parse::<u32>().map(Some).map_err(|_| ApiError::invalid("translation_of", "a version number")),
    };
    let result = match translation_of {
        Ok(translation_of) => {
            let new =
                NewVersion { body: form.body.clone(), language: form.language.trim().to_string(), translation_of };
            state.store().add_script_version(&caller.actor(), &slug, &new).await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Redirect::to(&format!("/scripts/{slug}/versions/{}", v.number)).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => script_page(&state, &caller, &slug, Some(form), Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "script_version.html")]
struct VersionPage {
    chrome: Chrome,
    script: ScriptInfo,
    facts: String,
    version: ScriptVersion,
    steps: Vec<StepView>,
    /// Parse errors and validation problems, each naming its line or step.
    problems: Vec<String>,
    /// The version this one is compared with.
    previous: Option<u32>,
    diff: Vec<DiffRow>,
    may_submit: bool,
    may_decide: bool,
    error: Option<String>,
}

struct StepView {
    id: String,
    kind: String,
    text: Vec<String>,
    options: Vec<String>,
    branches: Vec<String>,
    next: Option<String>,
}

struct DiffRow {
    class: &'static str,
    sign: &'static str,
    old_line: String,
    new_line: String,
    text: String,
}

async fn version_page(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    number: u32,
    error: Option<&ApiError>,
) -> Response {
    let actor = caller.actor();
    let (script, version) = match (
        state.store().script_by_slug(&actor, slug).await,
        state.store().script_version(&actor, slug, number).await,
    ) {
        (Ok(s), Ok(v)) => (s, v),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let (steps, problems) = read_text(&version.body, &script.facts);
    // Compared with the version before it (in any language: a translation shows what it changed).
    let previous = script.versions.iter().rev().map(|v| v.number).find(|n| *n < number);
    let diff = match previous {
        Some(p) => match state.store().script_version(&actor, slug, p).await {
            Ok(old) => diff_rows(&old.body, &version.body),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => Vec::new(),
    };
    let me = caller.0.principal.user_id;
    let mut r = render(&VersionPage {
        chrome: Chrome::for_caller(caller, "/scripts"),
        facts: facts_text(&script),
        may_submit: version.status == script::VersionStatus::Draft && caller.0.principal.can(Capability::EditScripts),
        may_decide: version.status == script::VersionStatus::Submitted
            && caller.0.principal.can(Capability::ApproveScripts)
            && version.author != Some(me),
        script,
        version,
        steps,
        problems,
        previous,
        diff,
        error: error.map(ToString::to_string),
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

pub async fn version(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    version_page(&state, &caller, &slug, number, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

impl RejectForm {
    /// The reason as typed (the store checks it).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    let result = state.store().submit_script_version(&caller.actor(), &slug, number).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    let result = state.store().approve_script_version(&caller.actor(), &slug, number).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
    Form(form): Form<RejectForm>,
) -> Response {
    let result = state.store().reject_script_version(&caller.actor(), &slug, number, &form.reason).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

/// After a move: back to the version page, or the page again with the refusal.
async fn moved(state: &AppState, caller: &Caller, slug: &str, number: u32, result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/scripts/{slug}/versions/{number}")).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => version_page(state, caller, slug, number, Some(&e)).await,
    }
}

fn facts_text(script: &ScriptInfo) -> String {
    let f = &script.facts;
    let calls = match f.expected_calls {
        Some(n) => format!("{n} calls expected in 30 days"),
        None => "call count unknown (CR-37 applies)".into(),
    };
    format!(
        "{} calls, dialed {}, {}, {calls}",
        f.purpose.as_str(),
        f.dial_mode.as_str(),
        if f.recorded { "recorded" } else { "not recorded" }
    )
}

fn step_views(doc: &Script) -> Vec<StepView> {
    doc.steps
        .iter()
        .map(|s| {
            let kind = match &s.kind {
                StepKind::Say => "say".to_string(),
                StepKind::Disclose(d) => format!(
                    "disclose {}",
                    d.iter().map(|d| format!("{} ({})", d.as_str(), d.rule())).collect::<Vec<_>>().join(", ")
                ),
                StepKind::Ask(q) => {
                    let answer = match &q.answer {
                        script::AnswerKind::Single => "single choice".to_string(),
                        script::AnswerKind::Multiple => "multiple choice".to_string(),
                        script::AnswerKind::Scale { min, max } => format!("scale {min}..{max}"),
                        script::AnswerKind::Numeric { min: Some(a), max: Some(b) } => format!("number {a}..{b}"),
                        script::AnswerKind::Numeric { .. } => "number".to_string(),
                        script::AnswerKind::Open => "open answer".to_string(),
                    };
                    if q.randomize {
                        format!("ask, {answer}, options in random order")
                    } else {
                        format!("ask, {answer}")
                    }
                }
                StepKind::End(d) => format!("end: {} (AAPOR {})", d.code(), d.aapor_code()),
            };
            StepView {
                id: s.id.clone(),
                kind,
                text: s.text.clone(),
                options: s
                    .question()
                    .map(|q| q.options.iter().map(|o| format!("{}: {}", o.key, o.label)).collect())
                    .unwrap_or_default(),
                branches: s
                    .branches
                    .iter()
                    .map(|b| {
                        let test = match &b.test {
                            Test::Is(key) => format!("is {key}"),
                            Test::AtLeast(n) => format!(">= {n}"),
                            Test::AtMost(n) => format!("<= {n}"),
                        };
                        format!("if {} {test} → {}", b.on, b.target)
                    })
                    .collect(),
                next: s.next.clone(),
            }
        })
        .collect()
}

/// Unchanged lines shown around each change; longer unchanged runs fold into one row, so the approver
/// sees the change, not the whole script.
const DIFF_CONTEXT: usize = 2;

fn diff_rows(old: &str, new: &str) -> Vec<DiffRow> {
    let number = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    let lines = script::diff_lines(old, new);
    let changed: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.tag != DiffTag::Same).map(|(i, _)| i).collect();
    let near_change = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= DIFF_CONTEXT);
    let mut out = Vec::new();
    let mut folded = 0usize;
    for (i, l) in lines.into_iter().enumerate() {
        if l.tag == DiffTag::Same && !near_change(i) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push(fold_row(folded));
            folded = 0;
        }
        out.push(DiffRow {
            class: match l.tag {
                DiffTag::Same => "same",
                DiffTag::Removed => "removed",
                DiffTag::Added => "added",
            },
            sign: match l.tag {
                DiffTag::Same => "",
                DiffTag::Removed => "−",
                DiffTag::Added => "+",
            },
            old_line: number(l.old_line),
            new_line: number(l.new_line),
            text: l.text,
        });
    }
    if folded > 0 {
        out.push(fold_row(folded));
    }
    out
}

fn fold_row(lines: usize) -> DiffRow {
    DiffRow {
        class: "folded",
        sign: "",
        old_line: String::new(),
        new_line: String::new(),
        text: format!("… {lines} unchanged line{}", if lines == 1 { "" } else { "s" }),
    }
}
