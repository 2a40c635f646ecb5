//! Voter-file imports over HTTP: an upload streams to disk, the import runs in the background, and its
//! progress can be followed until the batch commits (or nothing does).

use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_core::Actor;
use clearline_ingest::{import_voters, ImportError, ImportOptions};
use clearline_store::BatchInfo;
use clearline_voterfile::{Layout, TextEncoding};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

/// The state of one import, as its page and the API show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct JobStatus {
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    pub rows: u64,
    pub bytes: u64,
    pub total_bytes: u64,
    /// The outcome, once done (the counts `--json` prints).
    #[schema(value_type = Object)]
    pub report: Option<serde_json::Value>,
    /// Why it failed (line and reason; nothing was imported).
    pub error: Option<String>,
    #[serde(skip)]
    pub campaign: i64,
}

/// Imports on this node, by job id. (A job is followed on the node that runs it.)
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, JobStatus>>);

impl Jobs {
    fn set(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        if let Some(job) = self.0.lock().expect("jobs lock").get_mut(id) {
            f(job);
        }
    }

    pub fn get(&self, id: &str, campaign: i64) -> Option<JobStatus> {
        self.0.lock().expect("jobs lock").get(id).filter(|j| j.campaign == campaign).cloned()
    }
}

#[derive(Serialize, ToSchema)]
pub struct Started {
    pub job_id: String,
}

/// Starts an import from an uploaded voter file (multipart: `layout`, optional `encoding`, then `file`).
pub(crate) async fn start(state: &AppState, caller: &Caller, mut form: Multipart) -> ApiResult<String> {
    if state.master_key().is_none() {
        return Err(ApiError::invalid("import", "this server has no master key configured"));
    }
    let mut layout: Option<Layout> = None;
    let mut layout_name = String::new();
    let mut encoding: Option<TextEncoding> = None;
    let dir = tempfile::Builder::new()
        .prefix("clearline-upload-")
        .tempdir_in(&state.settings().upload_dir)
        .map_err(|_| ApiError::Internal)?;
    let path = dir.path().join("upload");
    let mut total = 0u64;
    let mut got_file = false;
    while let Some(mut field) = form.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
        match field.name().unwrap_or("") {
            "layout" => {
                layout_name = field.text().await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
                let named = clearline_ingest::layouts::layout_named(state.store(), &caller.actor(), &layout_name).await;
                layout = Some(named.map_err(|e| match e {
                    clearline_ingest::layouts::LayoutError::Store(e) => ApiError::from(e),
                    other => ApiError::invalid("layout", other.to_string()),
                })?);
            }
            "encoding" => {
                let text = field.text().await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
                if !text.is_empty() {
                    encoding = Some(
                        text.parse()
                            .map_err(|_| ApiError::invalid("encoding", "use utf-8, latin-1 or windows-1252"))?,
                    );
                }
            }
            "file" => {
                let mut out = tokio::fs::File::create(&path).await.map_err(|_| ApiError::Internal)?;
                while let Some(chunk) = field.chunk().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
                    total += chunk.len() as u64;
                    out.write_all(&chunk).await.map_err(|_| ApiError::Internal)?;
                }
                out.flush().await.map_err(|_| ApiError::Internal)?;
                got_file = true;
            }
            _ => return Err(ApiError::invalid("form", "unexpected field: send layout, encoding and file")),
        }
    }
    let layout = layout.ok_or_else(|| ApiError::invalid("layout", "choose the file's layout"))?;
    if !got_file || total == 0 {
        return Err(ApiError::invalid("file", "choose a non-empty file"));
    }
    let actor = caller.actor();
    let campaign = caller.0.principal.org_id;
    let store = state.store().clone();
    // The sealer is made now, so a missing right or key is refused before the job starts.
    let sealer = sealer_for(state, &actor, campaign).await?;
    let id = crate::auth::random_token()[..16].to_string();
    state.0.jobs.0.lock().expect("jobs lock").insert(
        id.clone(),
        JobStatus {
            state: "running",
            rows: 0,
            bytes: 0,
            total_bytes: total,
            report: None,
            error: None,
            campaign: campaign.0,
        },
    );
    let state2 = state.clone();
    let job = id.clone();
    tokio::spawn(async move {
        let _keep = dir; // removed when the job ends
        let result =
            run(&store, &actor, campaign, Arc::new(sealer), layout, layout_name, encoding, &path, &state2, &job).await;
        state2.0.jobs.set(&job, |j| match result {
            Ok(report) => {
                j.state = "done";
                j.report = Some(report);
            }
            Err(e) => {
                j.state = "failed";
                j.error = Some(e);
            }
        });
    });
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn run(
    store: &clearline_store::Store,
    actor: &Actor,
    campaign: clearline_core::OrgId,
    sealer: Arc<clearline_ingest::keys::VaultSealer>,
    layout: Layout,
    layout_name: String,
    encoding: Option<TextEncoding>,
    path: &std::path::Path,
    state: &AppState,
    job: &str,
) -> Result<serde_json::Value, String> {
    let file = std::fs::File::open(path).map_err(|_| "the upload could not be read back".to_string())?;
    let options = ImportOptions { layout, layout_name, encoding, default_region: "US".into(), line_types: None };
    let jobs = state.clone();
    let job_id = job.to_string();
    match import_voters(store, actor, campaign, sealer, options, file, move |p| {
        jobs.0.jobs.set(&job_id, |j| {
            j.rows = p.rows;
            j.bytes = p.bytes;
        })
    })
    .await
    {
        Ok(report) => Ok(serde_json::to_value(&report).expect("report serializes")),
        Err(ImportError::Structural(e)) => Err(format!("{e}; nothing was imported")),
        Err(e) => Err(e.to_string()),
    }
}

/// The campaign's sealer under the current master key. If the keys do not open, the key file is read
/// again once: `clearline keys rotate` may have replaced the master key while this server runs.
pub(crate) async fn sealer_for(
    state: &AppState,
    actor: &Actor,
    campaign: clearline_core::OrgId,
) -> ApiResult<clearline_ingest::keys::VaultSealer> {
    for attempt in 0..2 {
        let master = state.master_key().ok_or(ApiError::NotFound)?;
        match clearline_ingest::keys::campaign_sealer(state.store(), actor, campaign, &master).await {
            Ok(sealer) => return Ok(sealer),
            Err(clearline_ingest::keys::KeyError::Store(s)) => return Err(s.into()),
            Err(_) if attempt == 0 && state.reload_master_key() => continue,
            Err(e) => {
                tracing::error!(error = %e, "campaign keys do not open");
                return Err(ApiError::invalid("keys", "the campaign's data keys cannot be opened on this server"));
            }
        }
    }
    Err(ApiError::Internal)
}

/// Import a voter file (multipart form: `layout`, optional `encoding`, `file`); follow it at the job URL.
#[utoipa::path(post, path = "/api/v1/imports", tag = "voters", request_body(content_type = "multipart/form-data", content = String),
    responses((status = 202, body = Started), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(State(state): State<AppState>, caller: Caller, form: Multipart) -> ApiResult<Response> {
    let job_id = start(&state, &caller, form).await?;
    Ok((StatusCode::ACCEPTED, Json(Started { job_id })).into_response())
}

/// How an import is going.
#[utoipa::path(get, path = "/api/v1/imports/{job}", tag = "voters", params(("job" = String, Path)),
    responses((status = 200, body = JobStatus), (status = 404, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(job): Path<String>,
) -> ApiResult<Json<JobStatus>> {
    state.0.jobs.get(&job, caller.0.principal.org_id.0).map(Json).ok_or(ApiError::NotFound)
}

/// The campaign's import batches, newest first.
#[utoipa::path(get, path = "/api/v1/import-batches", tag = "voters", responses((status = 200, body = Vec<Object>)))]
pub async fn batches(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<BatchInfo>>> {
    Ok(Json(state.store().import_batches(&caller.actor()).await?))
}

/// A batch's reject file as CSV (line, field, reason, value), decrypted for a role that may export
/// personal data; the download is audited.
#[utoipa::path(get, path = "/api/v1/import-batches/{id}/rejects", tag = "voters", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn rejects(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    let actor = caller.actor();
    let sealed = state.store().batch_rejects(&actor, id).await?;
    let csv = match sealed {
        None => b"line,person_key,field,reason,value\n".to_vec(),
        Some(bytes) => {
            let sealer = sealer_for(&state, &actor, caller.0.principal.org_id).await?;
            sealer.cipher().decrypt("reject_file", &bytes).map_err(|_| ApiError::Internal)?
        }
    };
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"rejects-{id}.csv\"")),
        ],
        csv,
    )
        .into_response())
}
