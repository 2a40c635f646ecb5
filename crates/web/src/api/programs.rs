//! A program's calling, live: its counts as JSON and a stream that says when they change.

use crate::error::ApiResult;
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
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
    let rx = state.store().signals().subscribe();
    let stream = futures::stream::unfold((rx, slug), move |(mut rx, slug)| async move {
        loop {
            match rx.recv().await {
                Ok(signal) if signal.topic == "calls" && signal.org_id == Some(org) && signal.object == slug => {
                    // An event with no data is never dispatched by EventSource: send the slug.
                    let event = Event::default().event("calls").data(slug.clone());
                    return Some((Ok(event), (rx, slug)));
                }
                Ok(signal) if signal.topic == "resync" => {
                    return Some((Ok(Event::default().event("resync").data("resync")), (rx, slug)));
                }
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("resync")), (rx, slug)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
