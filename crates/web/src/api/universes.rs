//! Universes over the API: the campaign's saved universes with their counts, saving, renaming and
//! deleting one, and a live count of a filter (the JSON format of docs/universes.md, in the body: filters describe people, and stay out
//! of URLs).

use crate::api::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use clearline_core::universe::Filter;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CountRequest {
    /// A filter tree, e.g. `{"op":"in","field":"party","values":["DEM"]}` (docs/universes.md).
    #[schema(value_type = Object)]
    pub filter: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// People the filter selects.
    pub people: u64,
    /// Households it reaches (people sharing a household count once).
    pub households: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedUniverse {
    pub id: i64,
    pub name: String,
    #[schema(value_type = Object)]
    pub filter: Filter,
    pub people: u64,
    pub households: u64,
}

/// How many people and households a filter selects now; nothing is saved. A filter that cannot be
/// read or checked is refused with the reason (never its values).
#[utoipa::path(post, path = "/api/v1/universes/count", tag = "universes", request_body = CountRequest,
    responses((status = 200, body = Counts), (status = 422, body = crate::error::ErrorBody)))]
pub async fn count(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<CountRequest>,
) -> ApiResult<Json<Counts>> {
    let filter: Filter =
        serde_json::from_value(request.filter).map_err(|e| ApiError::invalid("filter", e.to_string()))?;
    let (people, households) = state.store().count_universe_people_and_households(&caller.actor(), &filter).await?;
    Ok(Json(Counts { people, households }))
}

/// The campaign's saved universes, each with its filter and its counts now.
#[utoipa::path(get, path = "/api/v1/universes", tag = "universes",
    responses((status = 200, body = Vec<SavedUniverse>)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<SavedUniverse>>> {
    let actor = caller.actor();
    let mut out = Vec::new();
    for u in state.store().list_universes(&actor).await? {
        let (people, households) = state.store().count_universe_people_and_households(&actor, &u.filter).await?;
        out.push(SavedUniverse { id: u.id, name: u.name, filter: u.filter, people, households });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SaveRequest {
    /// 1-120 characters, unique within the campaign.
    pub name: String,
    /// A filter tree (docs/universes.md).
    #[schema(value_type = Object)]
    pub filter: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub id: i64,
}

/// Saves a filter as a named universe of the campaign (audited `universe.create`); a taken name is a
/// 409 naming `name`.
#[utoipa::path(post, path = "/api/v1/universes", tag = "universes", request_body = SaveRequest,
    responses((status = 201, body = Saved), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<SaveRequest>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let filter: Filter =
        serde_json::from_value(request.filter).map_err(|e| ApiError::invalid("filter", e.to_string()))?;
    let id = state.store().save_universe(&caller.actor(), &request.name, &filter).await?;
    Ok((axum::http::StatusCode::CREATED, Json(Saved { id })).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RenameRequest {
    /// The new name: 1-120 characters, unique within the campaign.
    pub name: String,
}

/// Renames a saved universe; its id stays, so programs and universes that use it keep it (audited
/// `universe.rename`); a taken name is a 409 naming `name`.
#[utoipa::path(patch, path = "/api/v1/universes/{id}", tag = "universes", params(("id" = i64, Path)),
    request_body = RenameRequest,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<RenameRequest>,
) -> ApiResult<axum::http::StatusCode> {
    state.store().rename_universe(&caller.actor(), id, &request.name).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Deletes a saved universe (audited `universe.delete`); refused with a 422 on `universe`, naming
/// them, while a program draws from it or another universe selects through it.
#[utoipa::path(delete, path = "/api/v1/universes/{id}", tag = "universes", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    state.store().delete_universe(&caller.actor(), id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
