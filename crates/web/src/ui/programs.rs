//! The programs pages: the campaign's programs and a form to set one up; one program's settings, its
//! call list (counts by mode, vendor and exclusion reason) and what still blocks its start.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use clearline_core::policy::case_file::parse_window;
use clearline_core::policy::{DialMode, Purpose};
use clearline_core::program::{format_window, ProgramSettings, VendorShare};
use clearline_core::validate::Slug;
use clearline_store::{CallListSummary, CallStats, Program};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "programs.html")]
struct ProgramsPage {
    chrome: Chrome,
    programs: Vec<Row>,
    universes: Vec<String>,
    vendors: Vec<String>,
    form: CreateForm,
    /// Every problem of a refused form, each "field: reason".
    problems: Vec<String>,
}

struct Row {
    slug: String,
    name: String,
    status: &'static str,
    purpose: &'static str,
    dial_mode: &'static str,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    universe: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    dial_mode: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    caller_id: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    caller_id_authorized: Option<String>,
    /// A checkbox: the calls sell something (CR-27).
    #[serde(default)]
    commercial_content: Option<String>,
    /// A checkbox: leave the voicemail-drop recording on machines (prerecorded programs).
    #[serde(default)]
    voicemail_drop: Option<String>,
    #[serde(default)]
    max_attempts: String,
    /// One `SLUG=PERCENT` per line or comma.
    #[serde(default)]
    vendors: String,
}

async fn list_page(state: &AppState, caller: &Caller, form: CreateForm, problems: Vec<String>) -> Response {
    let actor = caller.actor();
    let programs = state.store().list_programs(&actor).await.unwrap_or_default();
    let universes = state.store().list_universes(&actor).await.unwrap_or_default();
    let engagements = state.store().list_engagements(&actor).await.unwrap_or_default();
    let orgs = state.store().list_organizations(&actor).await.unwrap_or_default();
    let vendors = orgs
        .into_iter()
        .filter(|o| engagements.iter().any(|e| e.vendor_id == o.id))
        .map(|o| o.slug.to_string())
        .collect();
    let refused = !problems.is_empty();
    let mut r = render(&ProgramsPage {
        chrome: Chrome::for_caller(caller, "/programs"),
        programs: programs
            .into_iter()
            .map(|p| Row {
                slug: p.slug,
                name: p.name,
                status: p.status.as_str(),
                purpose: p.settings.purpose.as_str(),
                dial_mode: p.settings.dial_mode.as_str(),
            })
            .collect(),
        universes: universes.into_iter().map(|u| u.name).collect(),
        vendors,
        form,
        problems,
    });
    if refused {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn programs(State(state): State<AppState>, caller: Caller) -> Response {
    let form = CreateForm {
        purpose: "gotv".into(),
        dial_mode: "predictive".into(),
        max_attempts: "3".into(),
        ..CreateForm::default()
    };
    list_page(&state, &caller, form, Vec::new()).await
}

/// Creates a draft program from the form; a refused form comes back with every problem listed.
pub async fn create(State(state): State<AppState>, caller: Caller, Form(form): Form<CreateForm>) -> Response {
    let (slug, settings, mut problems) = settings_of(&form);
    if let (Some(slug), Some(settings), true) = (&slug, &settings, problems.is_empty()) {
        match state.store().create_program(&caller.actor(), slug, &form.name, settings).await {
            Ok(p) => return Redirect::to(&format!("/programs/{}", p.slug)).into_response(),
            Err(e) => problems.push(ApiError::from(e).to_string()),
        }
    }
    list_page(&state, &caller, form, problems).await
}

/// The form as settings, with every problem found (field: reason).
fn settings_of(form: &CreateForm) -> (Option<Slug>, Option<ProgramSettings>, Vec<String>) {
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
    let (Some(purpose), Some(dial_mode)) = (purpose, dial_mode) else { return (slug, None, problems) };
    let mut s = ProgramSettings::new(purpose, dial_mode, form.universe.trim());
    if !form.window.trim().is_empty() {
        match parse_window(form.window.trim()) {
            Some(w) => s.window = Some(w),
            None => problems.push("window: not a window such as 09:00-20:30".into()),
        }
    }
    if !form.caller_id.trim().is_empty() {
        match clearline_core::phone::parse_phone(form.caller_id.trim(), "US") {
            Ok(p) => s.caller_id = Some(p.number),
            Err(_) => problems.push("caller_id: not a valid phone number".into()),
        }
    }
    s.caller_id_authorized = form.caller_id_authorized.is_some();
    s.commercial_content = form.commercial_content.is_some();
    s.voicemail_drop = form.voicemail_drop.is_some();
    match form.max_attempts.trim().parse() {
        Ok(n) => s.max_attempts = n,
        Err(_) if form.max_attempts.trim().is_empty() => {}
        Err(_) => problems.push("max_attempts: not a whole number".into()),
    }
    for share in form.vendors.split([',', '\n']).map(str::trim).filter(|v| !v.is_empty()) {
        match VendorShare::parse(share) {
            Ok(v) => s.vendors.push(v),
            Err(e) => problems.push(e.to_string()),
        }
    }
    problems.extend(s.problems().iter().map(ToString::to_string));
    (slug, Some(s), problems)
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    chrome: Chrome,
    program: Program,
    /// The attached script version, as "slug vN (language)".
    script: Option<String>,
    /// Approved versions of the campaign's scripts that fit this program (purpose, dial mode, recording,
    /// call count), as (value `slug:N`, label).
    attachable: Vec<(String, String)>,
    /// The audio the program plays, as "kind: slug vN".
    audio: Vec<String>,
    /// The kinds of audio its dial mode plays, with the rule (empty: it plays none).
    audio_needed: Vec<String>,
    /// Approved versions of the campaign's audio messages of a kind it plays, as (value `slug:N`, label).
    attachable_audio: Vec<(String, String)>,
    /// An IVR program's steps that take a recording of their own, with their labels: the questions
    /// after the opening (`ivr_question`) and the closings (`ivr_closing`); empty otherwise.
    ivr_steps: Vec<(String, String)>,
    window: String,
    caller_id: String,
    summary: CallListSummary,
    listed: bool,
    blockers: Vec<String>,
    calls: CallStats,
    error: Option<String>,
}

async fn program_page(state: &AppState, caller: &Caller, slug: &str, error: Option<&ApiError>) -> Response {
    let actor = caller.actor();
    let program = match state.store().program_by_slug(&actor, slug).await {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let summary = state.store().call_list_summary(&actor, slug).await.unwrap_or_default();
    let (script, script_parsed) = match state.store().program_script(&actor, slug).await {
        Ok(s) => (
            s.as_ref().map(|(script, v)| format!("{script} v{} ({})", v.number, v.language)),
            s.and_then(|(_, v)| clearline_core::script::parse(&v.body).ok()),
        ),
        Err(e) => return ApiError::from(e).into_response(),
    };
    // Listing scripts needs edit_scripts, which every program manager role holds; without it, none.
    let scripts = state.store().list_scripts(&actor).await.unwrap_or_default();
    let listed = summary.people - summary.by_mode.get("excluded").copied().unwrap_or(0);
    let attachable = scripts
        .iter()
        .filter(|s| s.facts.mismatches(&program.settings, listed).is_empty())
        .flat_map(|s| {
            s.versions.iter().filter(|v| v.status == clearline_core::script::VersionStatus::Approved).map(|v| {
                (format!("{}:{}", s.slug, v.number), format!("{} v{} ({}) — {}", s.slug, v.number, v.language, s.name))
            })
        })
        .collect();
    let audio = match state.store().program_audio(&actor, slug).await {
        Ok(a) => a
            .iter()
            .map(|a| match &a.step {
                Some(step) => format!("{} for question {step}: {} v{}", a.kind, a.slug, a.version.number),
                None => format!("{}: {} v{}", a.kind, a.slug, a.version.number),
            })
            .collect(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let needed = clearline_core::audio::kinds_needed(&program.settings);
    let audio_needed = needed.iter().map(|(kind, rule)| format!("{kind} ({rule})")).collect();
    // Listing audio needs edit_scripts too; without it, none.
    let attachable_audio = state
        .store()
        .list_audio_messages(&actor)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|m| needed.iter().any(|(kind, _)| *kind == m.kind))
        .flat_map(|m| {
            m.versions.iter().filter(|v| v.status == clearline_core::script::VersionStatus::Approved).map(|v| {
                (format!("{}:{}", m.slug, v.number), format!("{} v{} ({}) — {}", m.slug, v.number, m.kind, m.name))
            })
        })
        .collect();
    // An IVR program attaches a prompt per question after the opening one (the ivr_prompt asks that)
    // and a recording per closing, each by its step.
    let ivr_steps = match (&script_parsed, program.settings.dial_mode) {
        (Some(s), clearline_core::policy::DialMode::Ivr) => {
            let opening = clearline_core::script::ivr::opening_question(s);
            let questions = clearline_core::script::walk::questions(s)
                .map(|(step, _)| step.id.clone())
                .filter(|id| opening.as_deref() != Some(id.as_str()))
                .map(|id| (id.clone(), format!("{id} (question: ivr_question)")));
            let closings = clearline_core::script::ivr::closings(s)
                .into_iter()
                .map(|c| (c.step.clone(), format!("{} (closing: ivr_closing)", c.step)));
            questions.chain(closings).collect()
        }
        _ => Vec::new(),
    };
    let today = jiff::Zoned::now().date();
    let blockers = match state.store().program_start_blockers(&actor, slug, today).await {
        Ok(b) => b.iter().map(ToString::to_string).collect(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let calls = match state.store().call_stats(&actor, slug).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut r = render(&ProgramPage {
        chrome: Chrome::for_caller(caller, "/programs"),
        script,
        attachable,
        audio,
        audio_needed,
        attachable_audio,
        ivr_steps,
        window: program.settings.window.map(|w| format_window(&w)).unwrap_or_else(|| "the rules' windows only".into()),
        caller_id: program.settings.caller_id.map(|c| c.to_string()).unwrap_or_else(|| "not set".into()),
        listed: program.list_built_at_us.is_some(),
        program,
        summary,
        blockers,
        calls,
        error: error.map(|e| e.to_string()),
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

pub async fn program(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    program_page(&state, &caller, &slug, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AttachForm {
    /// `SCRIPT_SLUG:VERSION`.
    #[serde(default)]
    version: String,
    /// The step an `ivr_question` or `ivr_closing` recording is attached for (blank: none).
    #[serde(default)]
    step: String,
}

/// Attaches an approved script version (draft or running programs; audited before/after).
pub async fn attach_script(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Form(form): Form<AttachForm>,
) -> Response {
    let parsed =
        form.version.split_once(':').and_then(|(script, n)| Some((script.to_string(), n.parse::<u32>().ok()?)));
    let result = match parsed {
        None => Err(ApiError::invalid("script", "choose an approved version")),
        Some((script, number)) => state
            .store()
            .attach_script(&caller.actor(), &slug, &script, number)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/programs/{slug}")).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => program_page(&state, &caller, &slug, Some(&e)).await,
    }
}

/// Attaches an approved audio version of a kind the program plays (draft or running programs; audited
/// before/after).
pub async fn attach_audio(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Form(form): Form<AttachForm>,
) -> Response {
    let parsed = form.version.split_once(':').and_then(|(audio, n)| Some((audio.to_string(), n.parse::<u32>().ok()?)));
    let result = match parsed {
        None => Err(ApiError::invalid("audio", "choose an approved version")),
        Some((audio, number)) => {
            let step = Some(form.step.trim()).filter(|s| !s.is_empty());
            state
                .store()
                .attach_audio(&caller.actor(), &slug, &audio, number, step)
                .await
                .map(|_| ())
                .map_err(ApiError::from)
        }
    };
    match result {
        Ok(()) => Redirect::to(&format!("/programs/{slug}")).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => program_page(&state, &caller, &slug, Some(&e)).await,
    }
}

/// Builds the program's call list now (draft programs; replaces the previous list; audited).
pub async fn build_list(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    let actor = caller.actor();
    let result = async {
        let sealer = crate::api::imports::sealer_for(&state, &actor, caller.0.principal.org_id).await?;
        use clearline_ingest::call_list::build_call_list;
        use clearline_ingest::policy_check::CheckError;
        build_call_list(state.store(), &actor, &sealer, &slug, jiff::Timestamp::now()).await.map_err(|e| match e {
            CheckError::Program(reason) => ApiError::invalid("program", reason),
            CheckError::Store(s) => ApiError::from(s),
            CheckError::Decrypt => ApiError::invalid("keys", "a phone could not be decrypted with the campaign's key"),
        })
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/programs/{slug}")).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => program_page(&state, &caller, &slug, Some(&e)).await,
    }
}

/// Starts a draft or paused program (refused with the first blocker while anything blocks it; audited).
pub async fn start(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    let today = jiff::Zoned::now().date();
    match state.store().start_program(&caller.actor(), &slug, today).await {
        Ok(_) => Redirect::to(&format!("/programs/{slug}")).into_response(),
        Err(clearline_store::StoreError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => program_page(&state, &caller, &slug, Some(&ApiError::from(e))).await,
    }
}

/// Pauses a running program: the dialer places no new call (audited).
pub async fn pause(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Response {
    match state.store().pause_program(&caller.actor(), &slug).await {
        Ok(_) => Redirect::to(&format!("/programs/{slug}")).into_response(),
        Err(clearline_store::StoreError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => program_page(&state, &caller, &slug, Some(&ApiError::from(e))).await,
    }
}
