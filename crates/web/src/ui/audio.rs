//! The audio pages: the campaign's recorded messages (voicemail drops, IVR prompts, prerecorded
//! messages, the safe-harbor message) and their versions; one version's recording to listen to, its
//! transcript, the CR-5/CR-6/CR-46 problems the checks find, and the forms that move it — the scripts'
//! own state machine and capabilities (docs/scripts.md, "Recorded audio"). Recordings are added here
//! (a WAV upload with its transcript) or with `clearline audio add`; both go through
//! `Store::add_recording`.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use clearline_core::audio::AudioKind;
use clearline_core::script::VersionStatus;
use clearline_core::validate::Slug;
use clearline_core::Capability;
use clearline_store::{AudioInfo, AudioVersion};

#[derive(Template)]
#[template(path = "audio.html")]
struct AudioListPage {
    chrome: Chrome,
    messages: Vec<AudioRow>,
    /// The add form's values as given (never the file).
    form: AddForm,
    kinds: Vec<&'static str>,
    error: Option<String>,
}

/// The add form: the message (existing, or new with a name and kind), the transcript; the recording
/// travels as the `audio` file field.
#[derive(Clone, Debug, Default)]
pub struct AddForm {
    slug: String,
    name: String,
    kind: String,
    transcript: String,
}

struct AudioRow {
    slug: String,
    name: String,
    kind: &'static str,
    /// (number, "1.5 s", status)
    versions: Vec<(u32, String, &'static str)>,
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Response {
    list_page(&state, &caller, AddForm::default(), None).await
}

async fn list_page(state: &AppState, caller: &Caller, form: AddForm, error: Option<&ApiError>) -> Response {
    let messages = match state.store().list_audio_messages(&caller.actor()).await {
        Ok(m) => m,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let messages = messages
        .into_iter()
        .map(|m| AudioRow {
            slug: m.slug,
            name: m.name,
            kind: m.kind.as_str(),
            versions: m.versions.iter().map(|v| (v.number, seconds(v.duration_ms), v.status.as_str())).collect(),
        })
        .collect();
    let mut r = render(&AudioListPage {
        chrome: Chrome::for_caller(caller, "/audio"),
        messages,
        form,
        kinds: AudioKind::ALL.iter().map(|k| k.as_str()).collect(),
        error: error.map(ToString::to_string),
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

/// Adds an uploaded recording as a draft version (creating the message when the slug is new), then its
/// version page; a refusal comes back on the list with the form as given.
pub async fn add(State(state): State<AppState>, caller: Caller, mut multipart: Multipart) -> Response {
    let mut form = AddForm::default();
    let mut wav: Vec<u8> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return ApiError::BadRequest(e.body_text()).into_response(),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return ApiError::BadRequest(e.body_text()).into_response(),
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "slug" => form.slug = text().trim().to_string(),
            "name" => form.name = text().trim().to_string(),
            "kind" => form.kind = text().trim().to_string(),
            "transcript" => form.transcript = text(),
            "audio" => wav = bytes.to_vec(),
            _ => {}
        }
    }
    let result = added(&state, &caller, &form, &wav).await;
    match result {
        Ok((slug, number)) => Redirect::to(&format!("/audio/{slug}/versions/{number}")).into_response(),
        Err(e) => list_page(&state, &caller, form, Some(&e)).await,
    }
}

async fn added(state: &AppState, caller: &Caller, form: &AddForm, wav: &[u8]) -> Result<(String, u32), ApiError> {
    let slug = Slug::parse(&form.slug).map_err(ApiError::from)?;
    let new_message = match (form.name.is_empty(), form.kind.is_empty()) {
        (true, true) => None,
        (false, false) => {
            let kind = AudioKind::parse(&form.kind).ok_or_else(|| {
                ApiError::invalid("kind", "one of voicemail_drop, ivr_prompt, safe_harbor, prerecorded_message")
            })?;
            Some((form.name.as_str(), kind))
        }
        _ => {
            return Err(ApiError::invalid(
                "name",
                "a new message needs both a name and a kind; a version of an existing one takes neither",
            ))
        }
    };
    let version = state.store().add_recording(&caller.actor(), &slug, new_message, wav, &form.transcript).await?;
    Ok((slug.as_str().to_string(), version.number))
}

#[derive(Template)]
#[template(path = "audio_version.html")]
struct AudioVersionPage {
    chrome: Chrome,
    message: AudioInfo,
    version: AudioVersion,
    duration: String,
    problems: Vec<String>,
    may_submit: bool,
    may_decide: bool,
    error: Option<String>,
}

async fn version_page(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    number: u32,
    error: Option<&ApiError>,
) -> Response {
    let actor = caller.actor();
    let store = state.store();
    let (message, version, problems) = match (
        store.audio_message(&actor, slug).await,
        store.audio_version(&actor, slug, number).await,
        store.audio_version_problems(&actor, slug, number).await,
    ) {
        (Ok(m), Ok(v), Ok(p)) => (m, v, p),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return ApiError::from(e).into_response(),
    };
    let me = caller.0.principal.user_id;
    let mut r = render(&AudioVersionPage {
        chrome: Chrome::for_caller(caller, "/audio"),
        duration: seconds(version.duration_ms),
        problems: problems.iter().map(ToString::to_string).collect(),
        may_submit: version.status == VersionStatus::Draft && caller.0.principal.can(Capability::EditScripts),
        // The same rule as a script version: a second person hears every word.
        may_decide: version.status == VersionStatus::Submitted
            && caller.0.principal.can(Capability::ApproveScripts)
            && version.author != Some(me),
        message,
        version,
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

/// The recording itself, for the page's player (campaign messaging, not personal data; never logged).
pub async fn wav(State(state): State<AppState>, caller: Caller, Path((slug, number)): Path<(String, u32)>) -> Response {
    match state.store().audio_bytes(&caller.actor(), &slug, number).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "audio/wav")], bytes).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    let result = state.store().submit_audio_version(&caller.actor(), &slug, number).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
) -> Response {
    let result = state.store().approve_audio_version(&caller.actor(), &slug, number).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, number)): Path<(String, u32)>,
    Form(form): Form<super::scripts::RejectForm>,
) -> Response {
    let result = state.store().reject_audio_version(&caller.actor(), &slug, number, form.reason()).await;
    moved(&state, &caller, &slug, number, result.map(|_| ()).map_err(ApiError::from)).await
}

/// After a move: back to the version page, or the page again with the refusal.
async fn moved(state: &AppState, caller: &Caller, slug: &str, number: u32, result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/audio/{slug}/versions/{number}")).into_response(),
        Err(ApiError::NotFound) => ApiError::NotFound.into_response(),
        Err(e) => version_page(state, caller, slug, number, Some(&e)).await,
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}
