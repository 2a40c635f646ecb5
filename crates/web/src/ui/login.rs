//! Sign-in, second factor, enrolment, invitations and sign-out pages.

use super::{render, Chrome};
use crate::api::session::{
    clear_session_cookie, confirm_enrolment, new_enrolment, session_cookie, sign_in, verify_second_factor,
};
use crate::auth::{random_token, SecondFactorOwed, PRESESSION_COOKIE};
use crate::error::ApiError;
use crate::middleware::{cookie_value, ClientAddr};
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use subtle::ConstantTimeEq;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    error: Option<String>,
}

/// Pre-session CSRF for the public forms: a random cookie echoed in a hidden field (double submit).
fn presession(request: &Request) -> (String, Option<String>) {
    match cookie_value(request, PRESESSION_COOKIE) {
        Some(v) if v.len() >= 32 => (v.to_string(), None),
        _ => {
            let v = random_token();
            let cookie = format!("{PRESESSION_COOKIE}={v}; Path=/; HttpOnly; SameSite=Strict");
            (v, Some(cookie))
        }
    }
}

fn with_cookie(cookie: Option<String>, response: Response) -> Response {
    match cookie {
        Some(c) => (AppendHeaders([(SET_COOKIE, c)]), response).into_response(),
        None => response,
    }
}

pub async fn login_page(request: Request) -> Response {
    let (csrf, cookie) = presession(&request);
    with_cookie(cookie, render(&LoginPage { chrome: Chrome::anonymous(), csrf, error: None }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    email: String,
    password: String,
}

fn presession_matches(request_cookie: Option<&str>, given: &str) -> bool {
    request_cookie.is_some_and(|c| c.len() >= 32 && bool::from(c.as_bytes().ct_eq(given.as_bytes())))
}

pub async fn login_submit(State(state): State<AppState>, request: Request) -> Response {
    let addr = request.extensions().get::<ClientAddr>().map(|a| a.0).unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let cookie = cookie_value(&request, PRESESSION_COOKIE).map(str::to_string);
    let Ok(Form(form)) = Form::<LoginForm>::from_request_inner(request).await else {
        return super::error_page(axum::http::StatusCode::BAD_REQUEST, "The sign-in form was incomplete.".into());
    };
    let again = |error: String| {
        let csrf = cookie.clone().unwrap_or_default();
        let mut r = render(&LoginPage { chrome: Chrome::anonymous(), csrf, error: Some(error) });
        *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        r
    };
    if !presession_matches(cookie.as_deref(), &form.csrf) {
        return again("The sign-in form expired. Please try again.".into());
    }
    match sign_in(&state, addr, &form.email, &form.password, None).await {
        Ok(session) => {
            let next = match session.body.second_factor {
                "done" => "/",
                "code" => "/login/second-factor",
                _ => "/login/enrol",
            };
            (AppendHeaders([(SET_COOKIE, session_cookie(&state, &session.token))]), Redirect::to(next)).into_response()
        }
        Err(e) => again(e.to_string()),
    }
}

trait FromRequestInner: Sized {
    async fn from_request_inner(request: Request) -> Result<Self, ()>;
}

impl<T: serde::de::DeserializeOwned + Send> FromRequestInner for Form<T> {
    async fn from_request_inner(request: Request) -> Result<Self, ()> {
        use axum::extract::FromRequest;
        Form::<T>::from_request(request, &()).await.map_err(|_| ())
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    chrome: Chrome,
    error: Option<String>,
}

fn pending_chrome(caller: &Caller) -> Chrome {
    Chrome { who: None, nav: Vec::new(), csrf: caller.csrf().to_string() }
}

pub async fn second_factor_page(caller: Caller) -> Response {
    if caller.owes() == Some(SecondFactorOwed::Enrolment) {
        return Redirect::to("/login/enrol").into_response();
    }
    render(&SecondFactorPage { chrome: pending_chrome(&caller), error: None })
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<CodeForm>,
) -> Response {
    match verify_second_factor(&state, &caller, &form.code).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let mut r = render(&SecondFactorPage { chrome: pending_chrome(&caller), error: Some(e.to_string()) });
            *r.status_mut() = e.status();
            r
        }
    }
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    chrome: Chrome,
    secret: String,
    qr_svg: String,
    error: Option<String>,
}

pub async fn enrol_page(State(state): State<AppState>, caller: Caller) -> Response {
    match new_enrolment(&state, &caller).await {
        Ok(e) => {
            render(&EnrolPage { chrome: pending_chrome(&caller), secret: e.secret, qr_svg: e.qr_svg, error: None })
        }
        Err(_) => Redirect::to("/login/second-factor").into_response(),
    }
}

#[derive(Deserialize)]
pub struct EnrolForm {
    secret: String,
    code: String,
}

pub async fn enrol_submit(State(state): State<AppState>, caller: Caller, Form(form): Form<EnrolForm>) -> Response {
    match confirm_enrolment(&state, &caller, &form.secret, &form.code).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let account = format!("user-{}", caller.0.principal.user_id);
            let qr_svg = crate::auth::totp::qr_svg(&form.secret, &account).unwrap_or_default();
            let mut r = render(&EnrolPage {
                chrome: pending_chrome(&caller),
                secret: form.secret,
                qr_svg,
                error: Some(e.to_string()),
            });
            *r.status_mut() = e.status();
            r
        }
    }
}

pub async fn logout(State(state): State<AppState>, caller: Caller) -> Response {
    if let Some(hash) = caller.session_token_hash() {
        if let Err(e) = state.store().close_session(&caller.actor(), hash).await {
            return ApiError::from(e).into_response();
        }
    }
    (AppendHeaders([(SET_COOKIE, clear_session_cookie())]), Redirect::to("/login")).into_response()
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    csrf: String,
    error: Option<String>,
    done: bool,
}

pub async fn invitation_page(request: Request) -> Response {
    let (csrf, cookie) = presession(&request);
    with_cookie(cookie, render(&InvitationPage { chrome: Chrome::anonymous(), csrf, error: None, done: false }))
}

#[derive(Deserialize)]
pub struct InvitationForm {
    csrf: String,
    code: String,
    password: String,
}

pub async fn invitation_submit(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    request: Request,
) -> Response {
    let cookie = cookie_value(&request, PRESESSION_COOKIE).map(str::to_string);
    let Ok(Form(form)) = Form::<InvitationForm>::from_request_inner(request).await else {
        return super::error_page(axum::http::StatusCode::BAD_REQUEST, "The form was incomplete.".into());
    };
    let page = |error: Option<String>, done: bool| {
        render(&InvitationPage { chrome: Chrome::anonymous(), csrf: cookie.clone().unwrap_or_default(), error, done })
    };
    if !presession_matches(cookie.as_deref(), &form.csrf) {
        return page(Some("The form expired. Please try again.".into()), false);
    }
    match crate::api::users::accept_invitation(&state, addr, &form.code, &form.password).await {
        Ok(_) => page(None, true),
        Err(ApiError::NotFound) => page(Some("That code is not valid, already used, or expired.".into()), false),
        Err(e) => page(Some(e.to_string()), false),
    }
}
