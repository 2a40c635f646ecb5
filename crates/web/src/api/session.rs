//! Sign-in, second factor, sign-out.

use super::ApiJson;
use crate::auth::{self, dummy_hash, random_token, token_hash, verify_password, SESSION_ABSOLUTE_US, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::middleware::ClientAddr;
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::{Extension, Json};
use clearline_core::validate::Email;
use clearline_core::{Actor, OrgId, Role, UserId};
use clearline_store::SignInFailure;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// The current TOTP code, if the account has one (otherwise give it to /session/second-factor).
    #[serde(default)]
    pub totp_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    #[schema(value_type = i64)]
    pub user_id: UserId,
    #[schema(value_type = i64)]
    pub organization_id: OrgId,
    #[schema(value_type = String)]
    pub role: Role,
    /// Send this as the X-CSRF-Token header with every state-changing request of this session.
    pub csrf_token: String,
    /// `done`, `code` (enter a TOTP code next) or `enrolment` (enrol an authenticator next).
    pub second_factor: &'static str,
}

/// The outcome of a password check: a new session's cookie token and its description.
pub(crate) struct NewSession {
    pub token: String,
    pub body: SignedIn,
}

pub(crate) fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.settings().secure_cookies { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_ABSOLUTE_US / 1_000_000
    )
}

pub(crate) fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Checks email, password, site network and (when given) the TOTP code, then opens a session.
/// Every failure is audited with its reason; the caller learns only "wrong email, password or code".
pub(crate) async fn sign_in(
    state: &AppState,
    addr: std::net::IpAddr,
    email: &str,
    password: &str,
    totp_code: Option<&str>,
) -> ApiResult<NewSession> {
    let store = state.store();
    let throttle = &state.0.throttle;
    let actor = Actor::anonymous(addr.to_string());
    if !throttle.allowed(addr) {
        return Err(ApiError::TooManyAttempts);
    }
    let fail = |account: Option<(UserId, OrgId)>, reason: SignInFailure, err: ApiError| async move {
        throttle.record_failure(addr);
        store.record_sign_in_failure(&actor_for(addr), account, reason).await?;
        Err::<NewSession, ApiError>(err)
    };
    let creds = match Email::parse(email) {
        Ok(email) => store.credentials(&email).await?,
        Err(_) => None,
    };
    let Some(creds) = creds else {
        verify_password(password, dummy_hash());
        return fail(None, SignInFailure::UnknownAccount, ApiError::SignInFailed).await;
    };
    let account = Some((creds.user_id, creds.org_id));
    if creds.disabled {
        return fail(account, SignInFailure::Disabled, ApiError::SignInFailed).await;
    }
    if creds.locked_until_us.is_some_and(|t| t > clearline_store::now_us()) {
        return fail(account, SignInFailure::Locked, ApiError::Locked).await;
    }
    if !creds.password_hash.as_deref().is_some_and(|h| verify_password(password, h)) {
        return fail(account, SignInFailure::WrongPassword, ApiError::SignInFailed).await;
    }
    if !store.site_admits(creds.site_id, addr).await? {
        return fail(account, SignInFailure::OutsideSiteNetwork, ApiError::OutsideSiteNetwork).await;
    }
    let second_factor_done = match (&creds.totp_secret, totp_code) {
        (Some(secret), Some(code)) => {
            if !auth::totp::check(secret, code) {
                return fail(account, SignInFailure::WrongSecondFactor, ApiError::SignInFailed).await;
            }
            true
        }
        (Some(_), None) => false,
        (None, _) => !creds.second_factor_required,
    };
    let token = random_token();
    let csrf = random_token();
    let expires = clearline_store::now_us() + SESSION_ABSOLUTE_US;
    store
        .open_session(&actor, creds.user_id, creds.org_id, &token_hash(&token), &csrf, second_factor_done, expires)
        .await?;
    let second_factor = match (second_factor_done, creds.totp_secret.is_some()) {
        (true, _) => "done",
        (false, true) => "code",
        (false, false) => "enrolment",
    };
    Ok(NewSession {
        token,
        body: SignedIn {
            user_id: creds.user_id,
            organization_id: creds.org_id,
            role: creds.role,
            csrf_token: csrf,
            second_factor,
        },
    })
}

fn actor_for(addr: std::net::IpAddr) -> Actor {
    Actor::anonymous(addr.to_string())
}

/// Sign in with email and password (and the TOTP code, when the account has one).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses((status = 200, body = SignedIn), (status = 401, body = crate::error::ErrorBody), (status = 423, body = crate::error::ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<SignInRequest>,
) -> ApiResult<Response> {
    let session = sign_in(&state, addr, &body.email, &body.password, body.totp_code.as_deref()).await?;
    let cookie = session_cookie(&state, &session.token);
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(session.body)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
}

/// Give the TOTP code a session still owes.
#[utoipa::path(post, path = "/api/v1/session/second-factor", tag = "session", request_body = CodeRequest,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CodeRequest>,
) -> ApiResult<Response> {
    verify_second_factor(&state, &caller, &body.code).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn verify_second_factor(state: &AppState, caller: &Caller, code: &str) -> ApiResult<()> {
    let store = state.store();
    let actor = caller.actor();
    let p = &caller.0.principal;
    let Some(secret) = store.own_second_factor(&actor).await? else {
        return Err(ApiError::invalid("code", "no authenticator is enrolled; enrol one first"));
    };
    if !auth::totp::check(&secret, code) {
        store.record_sign_in_failure(&actor, Some((p.user_id, p.org_id)), SignInFailure::WrongSecondFactor).await?;
        return Err(ApiError::SignInFailed);
    }
    let hash = caller.session_token_hash().ok_or(ApiError::Forbidden)?;
    store.complete_second_factor(&actor, hash).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    /// The new secret, base32. It is not stored until a code from it is confirmed.
    pub secret: String,
    pub otpauth_url: String,
    /// The otpauth URL as an SVG QR code.
    pub qr_svg: String,
}

/// Start enrolling an authenticator: a fresh secret and its QR code.
#[utoipa::path(get, path = "/api/v1/session/second-factor/enrolment", tag = "session",
    responses((status = 200, body = Enrolment)))]
pub async fn enrolment(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Enrolment>> {
    new_enrolment(&state, &caller).await.map(Json)
}

pub(crate) async fn new_enrolment(state: &AppState, caller: &Caller) -> ApiResult<Enrolment> {
    if state.store().own_second_factor(&caller.actor()).await?.is_some() {
        return Err(ApiError::invalid(
            "second_factor",
            "an authenticator is already enrolled; ask an admin to reset it",
        ));
    }
    let account = format!("user-{}", caller.0.principal.user_id);
    let secret = auth::totp::new_secret();
    Ok(Enrolment {
        otpauth_url: auth::totp::url(&secret, &account).ok_or(ApiError::Internal)?,
        qr_svg: auth::totp::qr_svg(&secret, &account).ok_or(ApiError::Internal)?,
        secret,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub secret: String,
    pub code: String,
}

/// Confirm an enrolment with a code from the new authenticator.
#[utoipa::path(post, path = "/api/v1/session/second-factor/enrolment", tag = "session", request_body = EnrolRequest,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EnrolRequest>,
) -> ApiResult<Response> {
    confirm_enrolment(&state, &caller, &body.secret, &body.code).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn confirm_enrolment(state: &AppState, caller: &Caller, secret: &str, code: &str) -> ApiResult<()> {
    let store = state.store();
    let actor = caller.actor();
    // Never replace an enrolled factor here: a session that owes a code must not escape it by enrolling anew.
    if store.own_second_factor(&actor).await?.is_some() {
        return Err(ApiError::invalid(
            "second_factor",
            "an authenticator is already enrolled; ask an admin to reset it",
        ));
    }
    if !auth::totp::check(secret, code) {
        return Err(ApiError::invalid(
            "code",
            "the code does not match the new authenticator; check the device's clock",
        ));
    }
    store.enrol_totp(&actor, secret).await?;
    if let Some(hash) = caller.session_token_hash() {
        store.complete_second_factor(&actor, hash).await?;
    }
    Ok(())
}

/// Sign out of this session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn delete_session(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    if let Some(hash) = caller.session_token_hash() {
        state.store().close_session(&caller.actor(), hash).await?;
    }
    Ok((axum::http::StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, clear_session_cookie())])).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    pub sessions_ended: u64,
}

/// Sign out of every session, on every node.
#[utoipa::path(post, path = "/api/v1/session/sign-out-everywhere", tag = "session", responses((status = 200, body = SignedOut)))]
pub async fn sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let n = state.store().close_all_sessions(&caller.actor()).await?;
    Ok((AppendHeaders([(SET_COOKIE, clear_session_cookie())]), Json(SignedOut { sessions_ended: n })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = i64)]
    pub user_id: UserId,
    #[schema(value_type = i64)]
    pub organization_id: OrgId,
    pub organization_kind: String,
    #[schema(value_type = String)]
    pub role: Role,
    pub capabilities: Vec<&'static str>,
}

/// Who am I, and what may I do?
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = Me)))]
pub async fn me(caller: Caller) -> Json<Me> {
    let p = &caller.0.principal;
    Json(Me {
        user_id: p.user_id,
        organization_id: p.org_id,
        organization_kind: p.org_kind.as_str().to_string(),
        role: p.role,
        capabilities: p.role.capabilities().iter().map(|c| c.as_str()).collect(),
    })
}
