//! Reading, exporting and following the audit log.

use crate::error::ApiResult;
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_core::audit::AuditEvent;
use clearline_store::AuditFilter;
use futures::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use utoipa::IntoParams;

/// Query parameters for the audit log. Dates are UTC days (`2026-11-28`).
#[derive(Deserialize, IntoParams, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Actions starting with this (e.g. `session.`).
    pub action: Option<String>,
    /// Exactly this actor (`user:42`).
    pub actor: Option<String>,
    /// From this day (inclusive).
    pub since: Option<String>,
    /// Up to this day (inclusive).
    pub until: Option<String>,
    /// Page back: events before this sequence number.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditQuery {
    pub fn to_filter(&self) -> Result<AuditFilter, crate::error::ApiError> {
        let day = |field: &'static str, v: &Option<String>, end: bool| -> Result<Option<i64>, crate::error::ApiError> {
            match v.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    let date: jiff::civil::Date =
                        s.parse().map_err(|_| crate::error::ApiError::invalid(field, "use a date like 2026-11-28"))?;
                    let date = if end {
                        date.tomorrow().map_err(|_| crate::error::ApiError::invalid(field, "out of range"))?
                    } else {
                        date
                    };
                    let ts = date
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .map_err(|_| crate::error::ApiError::invalid(field, "out of range"))?;
                    Ok(Some(ts.timestamp().as_microsecond() - i64::from(end)))
                }
            }
        };
        Ok(AuditFilter {
            action_prefix: self.action.clone().filter(|s| !s.is_empty()),
            actor: self.actor.clone().filter(|s| !s.is_empty()),
            since_us: day("since", &self.since, false)?,
            until_us: day("until", &self.until, true)?,
            before_seq: self.before,
            limit: self.limit,
        })
    }
}

/// The organization's audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    Ok(Json(state.store().audit_events(&caller.actor(), &q.to_filter()?).await?))
}

/// Export the log as JSON Lines (oldest first). The export itself is audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "application/x-ndjson", body = String)))]
pub async fn export(State(state): State<AppState>, caller: Caller, Query(q): Query<AuditQuery>) -> ApiResult<Response> {
    let mut filter = q.to_filter()?;
    filter.limit = Some(filter.limit.unwrap_or(10_000));
    let actor = caller.actor();
    state.store().record_audit_export(&actor, &filter).await?;
    let mut events = state.store().audit_events(&actor, &filter).await?;
    events.reverse();
    let mut body = String::new();
    for e in &events {
        body.push_str(&serde_json::to_string(e).expect("event serializes"));
        body.push('\n');
    }
    Ok(([(CONTENT_TYPE, "application/x-ndjson"), (CONTENT_DISPOSITION, "attachment; filename=\"audit.jsonl\"")], body)
        .into_response())
}

/// Server-sent events: one `audit` event (the new sequence number) each time the organization's chain grows.
#[utoipa::path(get, path = "/api/v1/audit/stream", tag = "audit", responses((status = 200, content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let org = caller.0.principal.org_id;
    crate::live::signal_events(state.store(), move |s| {
        (s.topic == "audit" && s.org_id == Some(org)).then(|| ("audit", s.object.clone()))
    })
}
