//! The OpenAPI document, generated from the handlers' annotations. A test checks that every /api/v1
//! route of the route table appears in it.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearline API",
        description = "The JSON API of Clearline. Authenticate with a session cookie (and X-CSRF-Token on state-changing requests) or `Authorization: Bearer <token>`."
    ),
    paths(
        crate::api::session::create_session,
        crate::api::session::delete_session,
        crate::api::session::second_factor,
        crate::api::session::enrolment,
        crate::api::session::enrol,
        crate::api::session::sign_out_everywhere,
        crate::api::session::me,
        crate::api::orgs::own,
        crate::api::orgs::profile,
        crate::api::orgs::update_profile,
        crate::api::orgs::list,
        crate::api::orgs::create,
        crate::api::orgs::sites,
        crate::api::orgs::create_site,
        crate::api::orgs::engagements,
        crate::api::orgs::create_engagement,
        crate::api::orgs::end_engagement,
        crate::api::users::list,
        crate::api::users::invite,
        crate::api::users::invite_bulk,
        crate::api::users::accept,
        crate::api::users::reset_password,
        crate::api::users::reset_second_factor,
        crate::api::users::tokens,
        crate::api::users::create_token,
        crate::api::users::revoke_token,
        crate::api::imports::create,
        crate::api::imports::status,
        crate::api::imports::batches,
        crate::api::imports::rejects,
        crate::api::audit::list,
        crate::api::audit::export,
        crate::api::audit::stream,
        crate::api::programs::calls,
        crate::ui::wallboard::floor_api,
        crate::ui::oversight::api,
        crate::ui::survey::api,
        crate::api::programs::calls_stream,
        crate::api::policy::why,
        crate::api::policy::check,
        crate::api::opt_outs::create,
        crate::api::universes::list,
        crate::api::universes::count,
        crate::api::universes::save,
        crate::api::universes::rename,
        crate::api::universes::delete,
        document,
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
