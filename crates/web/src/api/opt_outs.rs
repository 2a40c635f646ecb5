//! Opt-outs from outside a call: a text reply or an email relayed by the campaign's messaging provider,
//! or the campaign's own web form or mail desk, posting with an API token of a role that keeps the
//! do-not-call list. Each is listed at once (CR-7, CR-47); a text or email must read as an opt-out
//! (CR-8's words always do).

use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use clearline_ingest::dnc::{record_opt_out, OptOutError, OptOutOutcome};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OptOutRequest {
    /// `text_reply`, `email`, `web` or `mail`.
    pub channel: String,
    /// The number, as the person or the provider wrote it.
    pub phone: String,
    /// The text or email body (required for `text_reply` and `email`); read, not stored.
    #[serde(default)]
    pub message: Option<String>,
}

/// Take one opt-out. `listed`: the number is on the do-not-call list now; `recognised: false`: the
/// message does not read as an opt-out (recorded in the audit log for a person to read; not listed).
#[utoipa::path(post, path = "/api/v1/opt-outs", tag = "do-not-call", request_body = OptOutRequest,
    responses((status = 200, body = Object), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<OptOutRequest>,
) -> ApiResult<Json<OptOutOutcome>> {
    let actor = caller.actor();
    let sealer = crate::api::imports::sealer_for(&state, &actor, caller.0.principal.org_id).await?;
    let outcome =
        record_opt_out(state.store(), &actor, &sealer, &request.channel, &request.phone, request.message.as_deref())
            .await
            .map_err(|e| match e {
                OptOutError::Invalid { field, reason } => ApiError::invalid(field, reason),
                OptOutError::Store(s) => ApiError::from(s),
            })?;
    Ok(Json(outcome))
}
