//! The contact policy over the API: a batch of cases decided (the case-file format of
//! `clearline policy check`, docs/policy.md), and "why not now?" for one voter of a program.

use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use clearline_core::policy::case_file::{parse_case, verdict_line, VerdictLine};
use clearline_core::policy::decide;
use clearline_ingest::policy_check::zone_table;
use clearline_ingest::why::DialExplanation;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// At most this many cases in one request (the CLI takes files of any size).
pub const MAX_CASES: usize = 10_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckRequest {
    /// Case objects, keys as in the case-file format (`id`, `instant`, `line_type`, …).
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct CheckResponse<'a> {
    /// One verdict per case, in order: `{"id","verdict","conditions","rules","reason","next_allowed_at"}`.
    pub verdicts: Vec<VerdictLine<'a>>,
}

/// Decide a batch of cases, one verdict per case in order. A case that cannot be read is refused
/// with its position and field (never its value); a missing fact is not an error but a deny that
/// names it.
#[utoipa::path(post, path = "/api/v1/policy/check", tag = "policy", request_body = CheckRequest,
    responses((status = 200, body = Object), (status = 422, body = crate::error::ErrorBody)))]
pub async fn check(_caller: Caller, Json(request): Json<CheckRequest>) -> ApiResult<Json<Value>> {
    if request.cases.len() > MAX_CASES {
        return Err(ApiError::invalid("cases", format!("at most {MAX_CASES} cases in one request")));
    }
    let table = zone_table();
    let mut verdicts = Vec::with_capacity(request.cases.len());
    for (i, case) in request.cases.iter().enumerate() {
        if !case.is_object() {
            return Err(ApiError::invalid(format!("cases[{i}]"), "not a JSON object"));
        }
        let parsed = parse_case(&case.to_string(), table).map_err(|e| {
            let field = e.field.map(|f| format!("cases[{i}].{f}")).unwrap_or_else(|| format!("cases[{i}]"));
            ApiError::invalid(field, e.problem)
        })?;
        verdicts.push((case.get("id").cloned().unwrap_or(Value::Null), decide(table, &parsed.case)));
    }
    let lines: Vec<VerdictLine> = verdicts.iter().map(|(id, v)| verdict_line(id, v)).collect();
    Ok(Json(serde_json::to_value(CheckResponse { verdicts: lines }).map_err(|_| ApiError::Internal)?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WhyRequest {
    /// The voter's ID (the campaign's person key). In the body, never the URL.
    pub voter_id: String,
    /// The instant to decide at (RFC 3339); absent: now.
    #[serde(default)]
    pub at: Option<String>,
}

/// Why one voter of the program is or is not called now, and when next: the call-list entry and the
/// contact policy's verdict for the dial the dialer would place. Audited; no number is returned.
#[utoipa::path(post, path = "/api/v1/programs/{slug}/why", tag = "programs", request_body = WhyRequest,
    params(("slug" = String, Path, description = "the program's handle")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn why(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Json(request): Json<WhyRequest>,
) -> ApiResult<Json<DialExplanation>> {
    let at = request.at.unwrap_or_default();
    Ok(Json(crate::ui::why::explain(&state, &caller, &slug, &request.voter_id, &at).await?))
}
