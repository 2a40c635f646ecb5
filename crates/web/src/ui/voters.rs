//! The voters page: upload a voter file and follow its import; count a universe.

use super::{render, Chrome};
use crate::api::imports::start;
use crate::error::ApiError;
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use clearline_store::BatchInfo;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "voters.html")]
struct VotersPage {
    chrome: Chrome,
    people: u64,
    batches: Vec<BatchInfo>,
    filter: String,
    counted: Option<u64>,
    error: Option<String>,
}

const EXAMPLE_FILTER: &str = r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM","UNA"]},{"op":"age","min":18,"max":35,"on_year":2026}]}"#;

async fn page(
    state: &AppState,
    caller: &Caller,
    filter: String,
    counted: Option<u64>,
    error: Option<&ApiError>,
) -> Response {
    let actor = caller.actor();
    let campaign = caller.0.principal.org_id;
    let people = state.store().person_count(&actor, campaign).await.unwrap_or(0);
    let batches = state.store().import_batches(&actor).await.unwrap_or_default();
    let mut r = render(&VotersPage {
        chrome: Chrome::for_caller(caller, "/voters"),
        people,
        batches,
        filter,
        counted,
        error: error.map(|e| e.to_string()),
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

pub async fn voters(State(state): State<AppState>, caller: Caller) -> Response {
    page(&state, &caller, EXAMPLE_FILTER.to_string(), None, None).await
}

pub async fn import(State(state): State<AppState>, caller: Caller, form: Multipart) -> Response {
    match start(&state, &caller, form).await {
        Ok(job) => Redirect::to(&format!("/voters/imports/{job}")).into_response(),
        Err(e) => page(&state, &caller, EXAMPLE_FILTER.to_string(), None, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    chrome: Chrome,
    job: crate::api::imports::JobStatus,
    percent: u64,
    report: Option<ReportView>,
}

struct ReportView {
    rows_read: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    phones_valid: u64,
    phones_invalid: u64,
    households: u64,
    batch_id: i64,
}

pub async fn job(State(state): State<AppState>, caller: Caller, Path(job): Path<String>) -> Response {
    let Some(status) = state.0.jobs.get(&job, caller.0.principal.org_id.0) else {
        return ApiError::NotFound.into_response();
    };
    let percent = (status.bytes * 100).checked_div(status.total_bytes).unwrap_or(0).min(100);
    let report = status.report.as_ref().map(|r| {
        let n = |k: &str| r[k].as_u64().unwrap_or(0);
        ReportView {
            rows_read: n("rows_read"),
            inserted: n("inserted"),
            updated: n("updated"),
            unchanged: n("unchanged"),
            rejected: n("rejected"),
            phones_valid: n("phones_valid"),
            phones_invalid: n("phones_invalid"),
            households: n("households"),
            batch_id: r["batch_id"].as_i64().unwrap_or(0),
        }
    });
    let percent = if status.state == "done" { 100 } else { percent };
    render(&JobPage { chrome: Chrome::for_caller(&caller, "/voters"), job: status, percent, report })
}

#[derive(Deserialize)]
pub struct CountForm {
    filter: String,
}

pub async fn count(State(state): State<AppState>, caller: Caller, Form(form): Form<CountForm>) -> Response {
    let parsed: Result<clearline_core::universe::Filter, ApiError> =
        serde_json::from_str(&form.filter).map_err(|e| ApiError::invalid("filter", e.to_string()));
    let result = match parsed {
        Ok(f) => state.store().count_universe(&caller.actor(), &f).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => page(&state, &caller, form.filter, Some(n), None).await,
        Err(e) => page(&state, &caller, form.filter, None, Some(&e)).await,
    }
}
