//! A program's calling, live: its counts as JSON and a stream that says when they change.

use crate::error::ApiResult;
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, Sse};
use axum::Json;
use clearline_store::CallStats;
use futures::Stream;
use std::convert::Infallible;

/// What the program's calling has done: attempts, in flight, contacts, completes, by disposition and
/// by vendor.
#[utoipa::path(get, path = "/api/v1/programs/{slug}/calls", tag = "programs",
    params(("slug" = String, Path, description = "the program's handle")), responses((status = 200, body = Object)))]
pub async fn calls(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<CallStats>> {
    Ok(Json(state.store().call_stats(&caller.actor(), &slug).await?))
}

/// Server-sent events: one `calls` event each time an attempt of the program is placed or closed (on
/// PostgreSQL from any node), `resync` when signals may have been missed.
#[utoipa::path(get, path = "/api/v1/programs/{slug}/calls/stream", tag = "programs",
    params(("slug" = String, Path, description = "the program's handle")),
    responses((status = 200, content_type = "text/event-stream", body = String)))]
pub async fn calls_stream(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // The program must be the caller's (another tenant's looks missing).
    state.store().program_by_slug(&caller.actor(), &slug).await?;
    let org = caller.0.principal.org_id;
    Ok(crate::live::signal_events(state.store(), move |s| {
        (s.topic == "calls" && s.org_id == Some(org) && s.object == slug).then(|| ("calls", s.object.clone()))
    }))
}
