//! Clearline's HTTP edge: one axum server for the JSON API (/api/v1), the server-rendered UI, health
//! checks and metrics.
//!
//! Architecture invariants:
//! - Every route is registered through [`routes::RouteTable`] with a [`routes::Guard`]; deny by default.
//! - Handlers reach data only through `clearline_store::Store`, always naming the acting principal.
//! - Errors leave as [`error::ApiError`]: a status, a stable code, a message without personal data.

pub mod api;
pub mod auth;
pub mod error;
pub mod live;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod survey_cache;
pub mod ui;

use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use clearline_core::Capability as C;
use routes::{Guard, RouteSpec, RouteTable};
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub use state::WebSettings;

/// The largest voter file an upload route accepts (statewide files run to gigabytes).
const UPLOAD_LIMIT: usize = 8 * 1024 * 1024 * 1024;
/// An audio upload: a recording of at most `clearline_core::audio::MAX_AUDIO_BYTES` and its transcript,
/// with room for the form's other fields.
const AUDIO_UPLOAD_LIMIT: usize = clearline_core::audio::MAX_AUDIO_BYTES + 64 * 1024;

/// Every route of the server, each with its guard. Later issues add theirs here.
pub fn route_table() -> RouteTable {
    use Guard::*;
    use Method as M;
    let mut t = RouteTable::default();
    // Health, metrics, documents, assets.
    t.add(M::GET, "/healthz", Public, healthz);
    t.add(M::GET, "/readyz", Public, readyz);
    t.add(M::GET, "/metrics", Public, metrics);
    t.add(M::GET, "/api/v1/openapi.json", Public, openapi::document);
    t.add(M::GET, "/assets/app.css", Public, ui::css);
    t.add(M::GET, "/assets/app.js", Public, ui::js);

    // API: session.
    t.add(M::POST, "/api/v1/session", Public, api::session::create_session);
    t.add(M::DELETE, "/api/v1/session", SecondFactorPending, api::session::delete_session);
    t.add(M::POST, "/api/v1/session/second-factor", SecondFactorPending, api::session::second_factor);
    t.add(M::GET, "/api/v1/session/second-factor/enrolment", SecondFactorPending, api::session::enrolment);
    t.add(M::POST, "/api/v1/session/second-factor/enrolment", SecondFactorPending, api::session::enrol);
    t.add(M::POST, "/api/v1/session/sign-out-everywhere", SignedIn, api::session::sign_out_everywhere);
    t.add(M::GET, "/api/v1/me", SignedIn, api::session::me);
    // API: organizations, sites, engagements.
    t.add(M::GET, "/api/v1/organization", Cap(C::ViewOwnOrganization), api::orgs::own);
    t.add(M::GET, "/api/v1/organization/profile", Cap(C::ViewOwnOrganization), api::orgs::profile);
    t.add(M::PUT, "/api/v1/organization/profile", Cap(C::EditOrganizationProfile), api::orgs::update_profile);
    t.add(M::GET, "/api/v1/organizations", Cap(C::ViewOwnOrganization), api::orgs::list);
    t.add(M::POST, "/api/v1/organizations", Cap(C::ManageOrganizations), api::orgs::create);
    t.add(M::GET, "/api/v1/sites", Cap(C::ViewOwnOrganization), api::orgs::sites);
    t.add(M::POST, "/api/v1/sites", Cap(C::ManageSites), api::orgs::create_site);
    t.add(M::GET, "/api/v1/engagements", Cap(C::ViewEngagements), api::orgs::engagements);
    t.add(M::POST, "/api/v1/engagements", Cap(C::ManageEngagements), api::orgs::create_engagement);
    t.add(M::POST, "/api/v1/engagements/{id}/end", Cap(C::ManageEngagements), api::orgs::end_engagement);
    // API: people and tokens.
    t.add(M::GET, "/api/v1/users", Cap(C::ManageUsers), api::users::list);
    t.add(M::POST, "/api/v1/invitations", Cap(C::ManageUsers), api::users::invite);
    t.add(M::POST, "/api/v1/invitations/bulk", Cap(C::ManageUsers), api::users::invite_bulk);
    t.add(M::POST, "/api/v1/invitations/accept", Public, api::users::accept);
    t.add(M::POST, "/api/v1/users/{id}/reset-password", Cap(C::ManageUsers), api::users::reset_password);
    t.add(M::POST, "/api/v1/users/{id}/reset-second-factor", Cap(C::ManageUsers), api::users::reset_second_factor);
    t.add(M::GET, "/api/v1/tokens", Cap(C::ManageOwnApiTokens), api::users::tokens);
    t.add(M::POST, "/api/v1/tokens", Cap(C::ManageOwnApiTokens), api::users::create_token);
    t.add(M::DELETE, "/api/v1/tokens/{id}", Cap(C::ManageOwnApiTokens), api::users::revoke_token);
    // API: voters.
    t.add_upload(M::POST, "/api/v1/imports", Cap(C::EditLists), UPLOAD_LIMIT, api::imports::create);
    t.add(M::GET, "/api/v1/imports/{job}", Cap(C::EditLists), api::imports::status);
    t.add(M::GET, "/api/v1/import-batches", Cap(C::EditLists), api::imports::batches);
    t.add(M::GET, "/api/v1/import-batches/{id}/rejects", Cap(C::ExportPersonalData), api::imports::rejects);
    // API: audit.
    t.add(M::GET, "/api/v1/audit", Cap(C::ViewAuditLog), api::audit::list);
    t.add(M::GET, "/api/v1/audit/export", Cap(C::ExportAuditLog), api::audit::export);
    t.add(M::GET, "/api/v1/audit/stream", Cap(C::ViewAuditLog), api::audit::stream);
    t.add(M::GET, "/api/v1/programs/{slug}/calls", Cap(C::ManagePrograms), api::programs::calls);
    t.add(M::GET, "/api/v1/floor", Cap(C::SuperviseFloor), ui::wallboard::floor_api);
    t.add(M::GET, "/api/v1/oversight", Cap(C::ViewResults), ui::oversight::api);
    t.add(M::GET, "/api/v1/programs/{slug}/calls/stream", Cap(C::ManagePrograms), api::programs::calls_stream);
    t.add(M::POST, "/api/v1/programs/{slug}/why", Cap(C::ExplainDials), api::policy::why);
    t.add(M::POST, "/api/v1/policy/check", Cap(C::ExplainDials), api::policy::check);
    t.add(M::POST, "/api/v1/opt-outs", Cap(C::ManageDoNotCall), api::opt_outs::create);
    t.add(M::GET, "/api/v1/universes", Cap(C::EditTargeting), api::universes::list);
    t.add(M::POST, "/api/v1/universes", Cap(C::EditTargeting), api::universes::save);
    t.add(M::POST, "/api/v1/universes/count", Cap(C::EditTargeting), api::universes::count);
    t.add(M::PATCH, "/api/v1/universes/{id}", Cap(C::EditTargeting), api::universes::rename);
    t.add(M::DELETE, "/api/v1/universes/{id}", Cap(C::EditTargeting), api::universes::delete);

    // Pages: sign-in.
    t.add(M::GET, "/login", Public, ui::login::login_page);
    t.add(M::POST, "/login", Public, ui::login::login_submit);
    t.add(M::GET, "/login/second-factor", SecondFactorPending, ui::login::second_factor_page);
    t.add(M::POST, "/login/second-factor", SecondFactorPending, ui::login::second_factor_submit);
    t.add(M::GET, "/login/enrol", SecondFactorPending, ui::login::enrol_page);
    t.add(M::POST, "/login/enrol", SecondFactorPending, ui::login::enrol_submit);
    t.add(M::POST, "/logout", SecondFactorPending, ui::login::logout);
    t.add(M::GET, "/invitation", Public, ui::login::invitation_page);
    t.add(M::POST, "/invitation", Public, ui::login::invitation_submit);
    // Pages: everything else.
    t.add(M::GET, "/", SignedIn, ui::admin::home);
    t.add(M::GET, "/desk", Cap(C::UseAgentDesk), ui::desk::desk_page);
    t.add(M::GET, "/desk/stream", Cap(C::UseAgentDesk), ui::desk::stream);
    t.add(M::POST, "/desk/join", Cap(C::UseAgentDesk), ui::desk::join);
    t.add(M::POST, "/desk/ready", Cap(C::UseAgentDesk), ui::desk::ready);
    t.add(M::POST, "/desk/pause", Cap(C::UseAgentDesk), ui::desk::pause);
    t.add(M::POST, "/desk/dial", Cap(C::UseAgentDesk), ui::desk::dial);
    t.add(M::POST, "/desk/answer", Cap(C::UseAgentDesk), ui::desk::answer);
    t.add(M::POST, "/desk/finish", Cap(C::UseAgentDesk), ui::desk::finish);
    t.add(M::POST, "/desk/leave", Cap(C::UseAgentDesk), ui::desk::leave);
    t.add(M::POST, "/desk/language", Cap(C::UseAgentDesk), ui::desk::language);
    t.add(M::GET, "/wallboard", Cap(C::SuperviseFloor), ui::wallboard::wallboard);
    t.add(M::GET, "/oversight", Cap(C::ViewResults), ui::oversight::page);
    t.add(M::GET, "/programs/{slug}/survey", Cap(C::ViewResults), ui::survey::page);
    t.add(M::POST, "/programs/{slug}/survey", Cap(C::ViewResults), ui::survey::weigh_to_given);
    t.add(M::GET, "/api/v1/programs/{slug}/survey", Cap(C::ViewResults), ui::survey::api);
    t.add(M::GET, "/oversight/stream", Cap(C::ViewResults), ui::oversight::stream);
    t.add(M::GET, "/wallboard/stream", Cap(C::SuperviseFloor), ui::wallboard::stream);
    t.add(M::GET, "/organization", Cap(C::ViewOwnOrganization), ui::admin::organization);
    t.add(M::POST, "/organization/profile", Cap(C::EditOrganizationProfile), ui::admin::organization_save);
    t.add(M::GET, "/organizations", Cap(C::ManageOrganizations), ui::admin::organizations);
    t.add(M::POST, "/organizations", Cap(C::ManageOrganizations), ui::admin::organizations_create);
    t.add(M::GET, "/sites", Cap(C::ManageSites), ui::admin::sites);
    t.add(M::POST, "/sites", Cap(C::ManageSites), ui::admin::sites_create);
    t.add(M::GET, "/users", Cap(C::ManageUsers), ui::admin::users);
    t.add(M::POST, "/users/invite", Cap(C::ManageUsers), ui::admin::users_invite);
    t.add(M::POST, "/users/invite-bulk", Cap(C::ManageUsers), ui::admin::users_invite_bulk);
    t.add(M::POST, "/users/{id}/reset-second-factor", Cap(C::ManageUsers), ui::admin::users_reset_second_factor);
    t.add(M::POST, "/users/{id}/reset-password", Cap(C::ManageUsers), ui::admin::users_reset_password);
    t.add(M::GET, "/voters", Cap(C::EditLists), ui::voters::voters);
    t.add_upload(M::POST, "/voters/import", Cap(C::EditLists), UPLOAD_LIMIT, ui::voters::import);
    t.add(M::GET, "/voters/imports/{job}", Cap(C::EditLists), ui::voters::job);
    t.add(M::GET, "/voters/mappings", Cap(C::EditLists), ui::mappings::mappings);
    t.add(M::POST, "/voters/mappings", Cap(C::EditLists), ui::mappings::save);
    t.add(M::GET, "/voters/mappings/{name}", Cap(C::EditLists), ui::mappings::edit);
    // A sample of the file, of which only the header is read (the rest is read and dropped).
    t.add_upload(M::POST, "/voters/mappings/columns", Cap(C::EditLists), UPLOAD_LIMIT, ui::mappings::columns);
    t.add(M::POST, "/voters/count", Cap(C::EditTargeting), ui::voters::count);
    t.add(M::POST, "/voters/check", Cap(C::ExportPersonalData), ui::voters::check);
    t.add(M::GET, "/universes", Cap(C::EditTargeting), ui::universes::universes);
    t.add(M::POST, "/universes", Cap(C::EditTargeting), ui::universes::save);
    t.add(M::POST, "/universes/build", Cap(C::EditTargeting), ui::universes::build);
    t.add(M::POST, "/universes/open", Cap(C::EditTargeting), ui::universes::open);
    t.add(M::POST, "/universes/sample", Cap(C::EditTargeting), ui::universes::sample);
    t.add(M::POST, "/universes/{id}/rename", Cap(C::EditTargeting), ui::universes::rename);
    t.add(M::POST, "/universes/{id}/delete", Cap(C::EditTargeting), ui::universes::delete);
    t.add(M::GET, "/programs", Cap(C::ManagePrograms), ui::programs::programs);
    t.add(M::POST, "/programs", Cap(C::ManagePrograms), ui::programs::create);
    t.add(M::GET, "/programs/{slug}", Cap(C::ManagePrograms), ui::programs::program);
    t.add(M::POST, "/programs/{slug}/build-list", Cap(C::ManagePrograms), ui::programs::build_list);
    t.add(M::POST, "/programs/{slug}/start", Cap(C::ManagePrograms), ui::programs::start);
    t.add(M::POST, "/programs/{slug}/pause", Cap(C::ManagePrograms), ui::programs::pause);
    t.add(M::GET, "/why", Cap(C::ExplainDials), ui::why::why_page);
    t.add(M::POST, "/why", Cap(C::ExplainDials), ui::why::why_submit);
    t.add(M::GET, "/scripts", Cap(C::EditScripts), ui::scripts::scripts);
    t.add(M::POST, "/scripts", Cap(C::EditScripts), ui::scripts::create);
    t.add(M::GET, "/scripts/{slug}", Cap(C::EditScripts), ui::scripts::script);
    t.add(M::POST, "/scripts/{slug}/versions", Cap(C::EditScripts), ui::scripts::add_version);
    t.add(M::POST, "/scripts/{slug}/preview", Cap(C::EditScripts), ui::script_preview::walk_text);
    t.add(M::GET, "/scripts/{slug}/versions/{number}", Cap(C::EditScripts), ui::scripts::version);
    t.add(M::GET, "/scripts/{slug}/versions/{number}/preview", Cap(C::EditScripts), ui::script_preview::start);
    t.add(M::POST, "/scripts/{slug}/versions/{number}/preview", Cap(C::EditScripts), ui::script_preview::step);
    t.add(M::POST, "/scripts/{slug}/versions/{number}/submit", Cap(C::EditScripts), ui::scripts::submit);
    t.add(M::POST, "/scripts/{slug}/versions/{number}/approve", Cap(C::ApproveScripts), ui::scripts::approve);
    t.add(M::POST, "/scripts/{slug}/versions/{number}/reject", Cap(C::ApproveScripts), ui::scripts::reject);
    t.add(M::GET, "/audio", Cap(C::EditScripts), ui::audio::list);
    t.add_upload(M::POST, "/audio", Cap(C::EditScripts), AUDIO_UPLOAD_LIMIT, ui::audio::add);
    t.add(M::GET, "/audio/{slug}/versions/{number}", Cap(C::EditScripts), ui::audio::version);
    t.add(M::GET, "/audio/{slug}/versions/{number}/wav", Cap(C::EditScripts), ui::audio::wav);
    t.add(M::POST, "/audio/{slug}/versions/{number}/submit", Cap(C::EditScripts), ui::audio::submit);
    t.add(M::POST, "/audio/{slug}/versions/{number}/approve", Cap(C::ApproveScripts), ui::audio::approve);
    t.add(M::POST, "/audio/{slug}/versions/{number}/reject", Cap(C::ApproveScripts), ui::audio::reject);
    t.add(M::POST, "/programs/{slug}/attach-script", Cap(C::ManagePrograms), ui::programs::attach_script);
    t.add(M::POST, "/programs/{slug}/attach-audio", Cap(C::ManagePrograms), ui::programs::attach_audio);
    t.add(M::GET, "/engagements", Cap(C::ViewEngagements), ui::admin::engagements);
    t.add(M::POST, "/engagements", Cap(C::ManageEngagements), ui::admin::engagements_create);
    t.add(M::POST, "/engagements/{id}/end", Cap(C::ManageEngagements), ui::admin::engagements_end);
    t.add(M::GET, "/audit", Cap(C::ViewAuditLog), ui::admin::audit);
    t.add(M::GET, "/account", SignedIn, ui::admin::account);
    t.add(M::POST, "/account/sign-out-everywhere", SignedIn, ui::admin::account_sign_out_everywhere);
    t.add(M::POST, "/account/tokens", Cap(C::ManageOwnApiTokens), ui::admin::account_create_token);
    t.add(M::POST, "/account/tokens/{id}/revoke", Cap(C::ManageOwnApiTokens), ui::admin::account_revoke_token);
    t
}

/// The complete application with every layer, ready to serve.
pub fn app(state: AppState) -> Router {
    let (router, specs) = route_table().finish();
    let _ = state.0.routes.set(specs);
    let max_body = state.settings().max_body_bytes;
    router
        .fallback(routes::fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::resolve_caller))
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            // The path only: query strings may carry filters, and nothing personal belongs in logs.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// The list of registered routes (for tests and the OpenAPI check).
pub fn routes() -> Vec<RouteSpec> {
    route_table().finish().1
}

/// Serves the app on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    match state.store().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.0.metrics.render()).into_response()
}
