//! "Why not now?": one voter of a program — the call-list entry and the contact policy's verdict for
//! the dial the dialer would place, now or at a chosen instant, and when the voter is next callable.
//! For the roles that explain dials (compliance officers, program managers, data managers…). The
//! voter ID travels in the form body, never in a URL; the number is never shown.

use super::{render, Chrome};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use clearline_ingest::why::{explain_dial, DialExplanation, Standing, WhyError};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WhyForm {
    #[serde(default)]
    pub program: String,
    #[serde(default)]
    pub voter_id: String,
    /// RFC 3339; empty: now.
    #[serde(default)]
    pub at: String,
}

#[derive(Template)]
#[template(path = "why.html")]
struct WhyPage {
    chrome: Chrome,
    programs: Vec<String>,
    form: WhyForm,
    error: Option<String>,
    answer: Option<DialExplanation>,
    standing: &'static str,
    standing_label: &'static str,
}

fn label(standing: Standing) -> (&'static str, &'static str) {
    match standing {
        Standing::Finished => ("finished", "Finished"),
        Standing::Excluded => ("excluded", "Excluded"),
        Standing::LeftUniverse => ("left_universe", "Left the universe"),
        Standing::ProgramNotRunning => ("program_not_running", "Program not running"),
        Standing::OnACall => ("on_a_call", "On a call"),
        Standing::Waiting => ("waiting", "Waiting"),
        Standing::RefusedNow => ("refused_now", "Not callable now"),
        Standing::CallableNow => ("callable_now", "Callable now"),
    }
}

async fn page(
    state: &AppState,
    caller: &Caller,
    form: WhyForm,
    result: Option<Result<DialExplanation, ApiError>>,
) -> Response {
    let programs = state.store().list_programs(&caller.actor()).await.unwrap_or_default();
    let (answer, error) = match result {
        None => (None, None),
        Some(Ok(x)) => (Some(x), None),
        Some(Err(ApiError::NotFound)) => {
            (None, Some("No voter with that ID is on this program's call list.".to_string()))
        }
        Some(Err(e)) => (None, Some(e.to_string())),
    };
    let (standing, standing_label) = answer.as_ref().map(|x| label(x.standing)).unwrap_or(("", ""));
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let mut response = render(&WhyPage {
        chrome: Chrome::for_caller(caller, "/why"),
        programs: programs.into_iter().map(|p| p.slug).collect(),
        form,
        error,
        answer,
        standing,
        standing_label,
    });
    *response.status_mut() = status;
    response
}

pub async fn why_page(State(state): State<AppState>, caller: Caller) -> Response {
    page(&state, &caller, WhyForm::default(), None).await
}

pub async fn why_submit(State(state): State<AppState>, caller: Caller, Form(form): Form<WhyForm>) -> Response {
    let result = explain(&state, &caller, &form.program, &form.voter_id, &form.at).await;
    page(&state, &caller, form, Some(result)).await
}

/// Explains one voter of one program; shared by the page and the API.
pub(crate) async fn explain(
    state: &AppState,
    caller: &Caller,
    program: &str,
    voter_id: &str,
    at: &str,
) -> Result<DialExplanation, ApiError> {
    let instant = match at.trim() {
        "" => jiff::Timestamp::now(),
        text => text.parse().map_err(|_| ApiError::invalid("at", "not an RFC 3339 instant with an offset"))?,
    };
    if voter_id.trim().is_empty() {
        return Err(ApiError::invalid("voter_id", "required"));
    }
    let actor = caller.actor();
    // The program first: another tenant's, or a missing one, is NotFound before any key is opened.
    state.store().program_by_slug(&actor, program).await?;
    let sealer = crate::api::imports::sealer_for(state, &actor, caller.0.principal.org_id).await?;
    explain_dial(state.store(), &actor, &sealer, program, voter_id.trim(), instant).await.map_err(|e| match e {
        WhyError::Store(s) => ApiError::from(s),
        WhyError::Check(clearline_ingest::policy_check::CheckError::Store(s)) => ApiError::from(s),
        WhyError::Check(clearline_ingest::policy_check::CheckError::Program(reason)) => {
            ApiError::invalid("program", reason)
        }
        WhyError::Check(clearline_ingest::policy_check::CheckError::Decrypt) => {
            ApiError::invalid("keys", "a phone could not be decrypted with the campaign's key")
        }
    })
}
