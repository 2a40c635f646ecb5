//! Users, invitations, resets and API tokens.

use super::ApiJson;
use crate::auth::{hash_password, random_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_core::validate::{password_acceptable, Email};
use clearline_core::{Actor, ApiTokenId, Role, SiteId, UserId};
use clearline_store::{ApiTokenInfo, NewInvitation, UserInfo};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Invitations stay open for 7 days.
const INVITATION_US: i64 = 7 * 24 * 3600 * 1_000_000;

/// The users of the caller's organization.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<Object>)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserInfo>>> {
    Ok(Json(state.store().list_users(&caller.actor()).await?))
}

#[derive(Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub display_name: String,
    #[schema(value_type = String)]
    pub role: Role,
    /// Vendor users: the site they work from.
    #[serde(default)]
    pub site_id: Option<i64>,
    #[serde(default)]
    pub foreign_national: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Invited {
    pub invitation_id: i64,
    /// The one-time code the invitee enters at /invitation. Shown once; only its hash is kept.
    pub code: String,
}

fn to_new(req: &InviteRequest, row: Option<usize>) -> ApiResult<(NewInvitation, String)> {
    let email = Email::parse(&req.email).map_err(|e| match row {
        Some(n) => ApiError::invalid("invitation", format!("row {n}: email: {}", e.reason)),
        None => e.into(),
    })?;
    let code = random_token();
    Ok((
        NewInvitation {
            email,
            display_name: req.display_name.clone(),
            role: req.role,
            site_id: req.site_id.map(SiteId),
            foreign_national: req.foreign_national,
            token_hash: token_hash(&code),
            expires_at_us: clearline_store::now_us() + INVITATION_US,
        },
        code,
    ))
}

/// Invite one person into the caller's organization.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "users", request_body = InviteRequest,
    responses((status = 201, body = Invited), (status = 422, body = crate::error::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InviteRequest>,
) -> ApiResult<Response> {
    let (new, code) = to_new(&body, None)?;
    let ids = state.store().create_invitations(&caller.actor(), &[new]).await?;
    Ok((StatusCode::CREATED, Json(Invited { invitation_id: ids[0].0, code })).into_response())
}

/// Parses a bulk-invitation CSV (header `email,display_name,role,site_id,foreign_national`; the last two
/// may be empty). Errors name the line and the field.
pub fn parse_invitation_csv(text: &str) -> ApiResult<Vec<InviteRequest>> {
    #[derive(Deserialize)]
    struct Row {
        email: String,
        display_name: String,
        role: String,
        #[serde(default)]
        site_id: Option<String>,
        #[serde(default)]
        foreign_national: Option<String>,
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let row = record.map_err(|e| ApiError::invalid("csv", format!("line {line}: {}", csv_reason(&e))))?;
        let role: Role =
            row.role.parse().map_err(|_| ApiError::invalid("csv", format!("line {line}: role: not a known role")))?;
        let site_id = match row.site_id.as_deref() {
            None | Some("") => None,
            Some(s) => {
                Some(s.parse().map_err(|_| ApiError::invalid("csv", format!("line {line}: site_id: not a number")))?)
            }
        };
        let foreign_national = match row.foreign_national.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("no") | Some("false") | Some("0") => false,
            Some("yes") | Some("true") | Some("1") => true,
            Some(_) => return Err(ApiError::invalid("csv", format!("line {line}: foreign_national: use yes or no"))),
        };
        out.push(InviteRequest { email: row.email, display_name: row.display_name, role, site_id, foreign_national });
    }
    if out.is_empty() {
        return Err(ApiError::invalid("csv", "no rows after the header"));
    }
    Ok(out)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} columns, found {len}")
        }
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("column {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => "unreadable row".into(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInviteRequest {
    /// CSV text with header `email,display_name,role,site_id,foreign_national`.
    pub csv: String,
}

/// Invite many people at once from CSV; all or none.
#[utoipa::path(post, path = "/api/v1/invitations/bulk", tag = "users", request_body = BulkInviteRequest,
    responses((status = 201, body = Vec<Invited>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn invite_bulk(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BulkInviteRequest>,
) -> ApiResult<Response> {
    let rows = parse_invitation_csv(&body.csv)?;
    let mut news = Vec::new();
    let mut codes = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (new, code) = to_new(row, Some(i + 2))?;
        news.push(new);
        codes.push(code);
    }
    let ids = state.store().create_invitations(&caller.actor(), &news).await?;
    let out: Vec<Invited> =
        ids.into_iter().zip(codes).map(|(id, code)| Invited { invitation_id: id.0, code }).collect();
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub code: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub user_id: i64,
}

/// Accept an invitation with its code and a new password.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", request_body = AcceptInvitation,
    responses((status = 201, body = Accepted), (status = 404, body = crate::error::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    axum::Extension(crate::middleware::ClientAddr(addr)): axum::Extension<crate::middleware::ClientAddr>,
    ApiJson(body): ApiJson<AcceptInvitation>,
) -> ApiResult<Response> {
    let id = accept_invitation(&state, addr, &body.code, &body.password).await?;
    Ok((StatusCode::CREATED, Json(Accepted { user_id: id.0 })).into_response())
}

pub(crate) async fn accept_invitation(
    state: &AppState,
    addr: std::net::IpAddr,
    code: &str,
    password: &str,
) -> ApiResult<UserId> {
    password_acceptable(password)?;
    let hash = hash_password(password)?;
    Ok(state.store().accept_invitation(&Actor::anonymous(addr.to_string()), &token_hash(code.trim()), &hash).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    pub password: String,
}

/// Set a new password for a user of the same organization (admins); ends their sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = i64, Path)), request_body = ResetPassword,
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ResetPassword>,
) -> ApiResult<StatusCode> {
    password_acceptable(&b.password)?;
    let hash = hash_password(&b.password)?;
    state.store().reset_password(&caller.actor(), UserId(id), &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clear a user's second factor (admins of the same organization); they enrol again at next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-second-factor", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store().reset_second_factor(&caller.actor(), UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = Vec<Object>)))]
pub async fn tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ApiTokenInfo>>> {
    Ok(Json(state.store().list_api_tokens(&caller.actor()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// `read` (GET only) and/or `write`.
    pub scopes: Vec<String>,
    /// Days until it expires (default: never).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    /// The secret, shown this once. Send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Create an API token with scopes; the secret is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<CreateToken>,
) -> ApiResult<Response> {
    if b.scopes.is_empty() || b.scopes.iter().any(|s| s != "read" && s != "write") {
        return Err(ApiError::invalid("scopes", "use read and/or write"));
    }
    let token = format!("cl_{}", random_token());
    let expires = b.expires_in_days.map(|d| clearline_store::now_us() + i64::from(d) * 86_400_000_000);
    let id = state.store().create_api_token(&caller.actor(), &b.name, &b.scopes, &token_hash(&token), expires).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id: id.0, token })).into_response())
}

/// Revoke one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    state.store().revoke_api_token(&caller.actor(), ApiTokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_csv_names_line_and_field() {
        let ok = parse_invitation_csv(
            "email,display_name,role,site_id,foreign_national\na@x.org,Ann,agent,3,yes\nb@x.org,Bob,supervisor,3,\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert!(ok[0].foreign_national);
        assert_eq!(ok[0].site_id, Some(3));
        let err = parse_invitation_csv(
            "email,display_name,role,site_id,foreign_national\na@x.org,Ann,agent,3,yes\nb@x.org,Bob,boss,3,no\n",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "csv: line 3: role: not a known role");
        let err = parse_invitation_csv("email,display_name,role,site_id,foreign_national\na@x.org,Ann,agent,3\n")
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse_invitation_csv("email,display_name,role,site_id,foreign_national\na@x.org,Ann,agent,3,maybe\n")
            .unwrap_err();
        assert_eq!(err.to_string(), "csv: line 2: foreign_national: use yes or no");
        assert!(parse_invitation_csv("email,display_name,role\n").is_err());
    }
}
