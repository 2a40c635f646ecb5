//! Organizations, sites and engagements.

use super::ApiJson;
use crate::error::ApiResult;
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_core::org::{CampaignProfile, Engagement, Organization, Site};
use clearline_core::validate::Slug;
use clearline_core::{EngagementId, OrgKind};
use clearline_store::{NewEngagement, NewOrganization, NewSite};
use serde::Deserialize;
use utoipa::ToSchema;

/// The caller's own organization.
#[utoipa::path(get, path = "/api/v1/organization", tag = "organizations", responses((status = 200, body = Object)))]
pub async fn own(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Organization>> {
    Ok(Json(state.store().own_organization(&caller.actor()).await?))
}

/// Organizations the caller may know of: the operator sees all, others their own and engaged ones.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", responses((status = 200, body = Vec<Object>)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Organization>>> {
    Ok(Json(state.store().list_organizations(&caller.actor()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// `campaign` or `vendor`.
    #[schema(value_type = String)]
    pub kind: OrgKind,
    #[schema(value_type = String)]
    pub slug: Slug,
    pub name: String,
    /// Campaigns only.
    #[schema(value_type = Object)]
    pub profile: Option<CampaignProfile>,
}

/// Create a campaign or vendor organization (deployment operator).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = CreateOrganization,
    responses((status = 201, body = Object), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateOrganization>,
) -> ApiResult<Response> {
    let org = state
        .store()
        .create_organization(
            &caller.actor(),
            NewOrganization { kind: body.kind, slug: body.slug, name: body.name, profile: body.profile },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

/// The campaign's legal profile.
#[utoipa::path(get, path = "/api/v1/organization/profile", tag = "organizations", responses((status = 200, body = Object)))]
pub async fn profile(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<CampaignProfile>> {
    Ok(Json(state.store().campaign_profile(&caller.actor()).await?))
}

/// Replace the campaign's legal profile.
#[utoipa::path(put, path = "/api/v1/organization/profile", tag = "organizations", request_body = Object,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_profile(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CampaignProfile>,
) -> ApiResult<StatusCode> {
    state.store().update_campaign_profile(&caller.actor(), body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The vendor's sites.
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", responses((status = 200, body = Vec<Object>)))]
pub async fn sites(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Site>>> {
    Ok(Json(state.store().list_sites(&caller.actor()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// CIDR networks the site's users sign in from.
    #[schema(value_type = Vec<String>)]
    pub networks: Vec<ipnet::IpNet>,
}

/// Add a site (vendor admin).
#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", request_body = CreateSite,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_site(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateSite>,
) -> ApiResult<Response> {
    let site = state
        .store()
        .create_site(&caller.actor(), None, NewSite { name: body.name, country: body.country, networks: body.networks })
        .await?;
    Ok((StatusCode::CREATED, Json(site)).into_response())
}

/// Engagements of the caller's organization (campaign or vendor side).
#[utoipa::path(get, path = "/api/v1/engagements", tag = "engagements", responses((status = 200, body = Vec<Object>)))]
pub async fn engagements(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Engagement>>> {
    Ok(Json(state.store().list_engagements(&caller.actor()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEngagement {
    /// The vendor's slug.
    #[schema(value_type = String)]
    pub vendor: Slug,
    #[schema(value_type = String, format = Date)]
    pub starts_on: jiff::civil::Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: jiff::civil::Date,
    #[serde(default)]
    pub programs: Vec<String>,
    /// The voter fields the vendor's agents may see.
    #[serde(default)]
    pub visible_fields: Vec<String>,
}

/// Engage a vendor (campaign owner or admin).
#[utoipa::path(post, path = "/api/v1/engagements", tag = "engagements", request_body = CreateEngagement,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_engagement(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<CreateEngagement>,
) -> ApiResult<Response> {
    let e = state
        .store()
        .create_engagement(
            &caller.actor(),
            None,
            NewEngagement {
                vendor: b.vendor,
                starts_on: b.starts_on,
                ends_on: b.ends_on,
                programs: b.programs,
                visible_fields: b.visible_fields,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

/// End an engagement now; the vendor's access stops at once.
#[utoipa::path(post, path = "/api/v1/engagements/{id}/end", tag = "engagements", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn end_engagement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store().end_engagement(&caller.actor(), EngagementId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
