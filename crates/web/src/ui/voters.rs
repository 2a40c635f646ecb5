//! The voters page: upload a voter file and follow its import; count a universe; check a universe
//! against the contact policy.

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
    /// The campaign's saved column mappings, offered as layouts (`mapping:NAME`).
    mappings: Vec<String>,
    filter: String,
    counted: Option<u64>,
    checked: Option<CheckView>,
    /// The policy check form's values, as given (or the defaults).
    check: CheckForm,
    error: Option<String>,
}

/// A policy check's counts, ready for the page.
struct CheckView {
    instant: String,
    people: u64,
    people_without_a_phone: u64,
    people_by_verdict: Vec<(String, u64)>,
    household_repeats: u64,
    phones: u64,
    /// (verdict and rules, phones, the plain sentence)
    phones_by_reason: Vec<(String, u64, String)>,
}

const EXAMPLE_FILTER: &str = r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM","UNA"]},{"op":"age","min":18,"max":35,"on_year":2026}]}"#;

/// What a page shows besides the batches: the filter, and a count or a check if one was asked for.
#[derive(Default)]
struct Shown {
    counted: Option<u64>,
    checked: Option<CheckView>,
    check: Option<CheckForm>,
}

async fn page(state: &AppState, caller: &Caller, filter: String, shown: Shown, error: Option<&ApiError>) -> Response {
    let actor = caller.actor();
    // Kept by the store with every insert (one row), not counted over the campaign on every view.
    let people = state.store().campaign_people(&actor).await.unwrap_or(0);
    let batches = state.store().import_batches(&actor).await.unwrap_or_default();
    let mappings =
        state.store().column_mappings(&actor).await.unwrap_or_default().into_iter().map(|m| m.name).collect();
    let mut r = render(&VotersPage {
        chrome: Chrome::for_caller(caller, "/voters"),
        people,
        batches,
        mappings,
        filter,
        counted: shown.counted,
        checked: shown.checked,
        check: shown.check.unwrap_or_default(),
        error: error.map(|e| e.to_string()),
    });
    if let Some(e) = error {
        *r.status_mut() = e.status();
    }
    r
}

pub async fn voters(State(state): State<AppState>, caller: Caller) -> Response {
    page(&state, &caller, EXAMPLE_FILTER.to_string(), Shown::default(), None).await
}

pub async fn import(State(state): State<AppState>, caller: Caller, form: Multipart) -> Response {
    match start(&state, &caller, form).await {
        Ok(job) => Redirect::to(&format!("/voters/imports/{job}")).into_response(),
        Err(e) => page(&state, &caller, EXAMPLE_FILTER.to_string(), Shown::default(), Some(&e)).await,
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
        Ok(n) => page(&state, &caller, form.filter, Shown { counted: Some(n), ..Shown::default() }, None).await,
        Err(e) => page(&state, &caller, form.filter, Shown::default(), Some(&e)).await,
    }
}

/// The policy check form: the universe's filter and the program's facts.
#[derive(Clone, Debug, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    filter: String,
    dial_mode: String,
    purpose: String,
    /// RFC 3339; empty: now.
    #[serde(default)]
    instant: String,
    #[serde(default)]
    agent_country: String,
}

impl Default for CheckForm {
    fn default() -> Self {
        CheckForm {
            filter: String::new(),
            dial_mode: "preview".into(),
            purpose: "gotv".into(),
            instant: String::new(),
            agent_country: "US".into(),
        }
    }
}

/// Runs every phone of a universe through the contact policy (roles that may see personal data:
/// the numbers are decrypted in memory for the engine; the check is audited; no number is shown).
pub async fn check(State(state): State<AppState>, caller: Caller, Form(form): Form<CheckForm>) -> Response {
    let result = run_check(&state, &caller, &form).await;
    let shown = |checked| Shown { checked, check: Some(form.clone()), ..Shown::default() };
    match result {
        Ok(view) => page(&state, &caller, form.filter.clone(), shown(Some(view)), None).await,
        Err(e) => page(&state, &caller, form.filter.clone(), shown(None), Some(&e)).await,
    }
}

async fn run_check(state: &AppState, caller: &Caller, form: &CheckForm) -> Result<CheckView, ApiError> {
    let filter: clearline_core::universe::Filter =
        serde_json::from_str(&form.filter).map_err(|e| ApiError::invalid("filter", e.to_string()))?;
    let instant = match form.instant.trim() {
        "" => jiff::Timestamp::now().to_string(),
        given => given.to_string(),
    };
    let mut program = serde_json::Map::new();
    program.insert("instant".into(), instant.into());
    program.insert("dial_mode".into(), form.dial_mode.clone().into());
    program.insert("purpose".into(), form.purpose.clone().into());
    program.insert("max_attempts".into(), 3.into());
    if !form.agent_country.trim().is_empty() {
        program.insert("agent_country".into(), form.agent_country.trim().into());
    }
    let actor = caller.actor();
    let sealer = crate::api::imports::sealer_for(state, &actor, caller.0.principal.org_id).await?;
    use clearline_ingest::policy_check::{check_universe, CheckError};
    let tally = check_universe(state.store(), &actor, &sealer, &filter, &program).await.map_err(|e| match e {
        CheckError::Program(reason) => ApiError::invalid("program", reason),
        CheckError::Store(s) => ApiError::from(s),
        CheckError::Decrypt => ApiError::invalid("keys", "a phone could not be decrypted with the campaign's key"),
    })?;
    Ok(CheckView {
        instant: tally.instant,
        people: tally.people,
        people_without_a_phone: tally.people_without_a_phone,
        people_by_verdict: tally.people_by_verdict.into_iter().collect(),
        household_repeats: tally.household_repeats,
        phones: tally.phones,
        phones_by_reason: tally
            .phones_by_reason
            .into_iter()
            .map(|(key, n)| {
                let sentence = tally.reasons.get(&key).cloned().unwrap_or_default();
                (key, n, sentence)
            })
            .collect(),
    })
}
