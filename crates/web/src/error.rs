//! The one error type at the HTTP edge. Each variant has a stable code and a status; internal causes
//! are logged (without personal data) and never returned.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`: the body is malformed (not JSON, wrong types, unknown fields).
    #[error("{0}")]
    BadRequest(String),
    /// 401 `unauthenticated`: no valid session or token.
    #[error("sign in first")]
    Unauthenticated,
    /// 401 `sign_in_failed`: wrong email, password or code (never says which).
    #[error("wrong email, password or code")]
    SignInFailed,
    /// 403 `second_factor_required`: the session still owes its second factor.
    #[error("complete the second factor first")]
    SecondFactorRequired,
    /// 403 `forbidden`: the principal's role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// 403 `csrf`: a state-changing request without the session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// 404 `not_found`: no such object — or one of another tenant; the two are indistinguishable.
    #[error("not found")]
    NotFound,
    /// 409 `conflict`: a uniqueness rule; names the field.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// 413 `too_large`.
    #[error("request body too large")]
    TooLarge,
    /// 422 `invalid`: a value was refused; names the field and the reason.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// 423 `locked`: too many failed sign-ins; try later.
    #[error("account locked after repeated failures; try again later")]
    Locked,
    /// 403 `outside_site_network`: the user's site does not sign in from this network.
    #[error("your site does not allow sign-in from this network")]
    OutsideSiteNetwork,
    /// 429 `too_many_attempts`: too many failed sign-ins from this address; wait and retry.
    #[error("too many failed attempts from this address; wait a few minutes")]
    TooManyAttempts,
    /// 500 `internal`: something broke on our side; details are in the server log.
    #[error("internal error")]
    Internal,
}

/// The JSON body of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code.
    pub code: &'static str,
    /// A plain sentence for people.
    pub message: String,
    /// The field at fault, for `invalid` and `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::SignInFailed => StatusCode::UNAUTHORIZED,
            ApiError::SecondFactorRequired | ApiError::Forbidden | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Locked => StatusCode::LOCKED,
            ApiError::OutsideSiteNetwork => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::SignInFailed => "sign_in_failed",
            ApiError::SecondFactorRequired => "second_factor_required",
            ApiError::Forbidden => "forbidden",
            ApiError::Csrf => "csrf",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge => "too_large",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Locked => "locked",
            ApiError::OutsideSiteNetwork => "outside_site_network",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::Internal => "internal",
        }
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::Invalid { field: field.into(), reason: reason.into() }
    }

    pub fn body(&self) -> ErrorBody {
        let field = match self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            ApiError::Conflict(field) => Some(field.to_string()),
            _ => None,
        };
        ErrorBody { code: self.code(), message: self.to_string(), field }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden(_) => ApiError::Forbidden,
            StoreError::Conflict { field } => ApiError::Conflict(field),
            StoreError::Invalid(i) => ApiError::invalid(i.field, i.reason),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl From<clearline_core::validate::Invalid> for ApiError {
    fn from(i: clearline_core::validate::Invalid) -> Self {
        ApiError::invalid(i.field, i.reason)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
