//! People, sign-in state, sessions, API tokens and invitations.
//!
//! The store never sees a password, a session token or an API token: it keeps hashes made at the edge.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::{require, require_in_org};
use clearline_core::validate::{Email, Invalid};
use clearline_core::{
    Actor, ApiTokenId, Capability, InvitationId, OrgId, OrgKind, Principal, Role, SiteId, UserId, Via,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::net::IpAddr;

/// Failed sign-ins in a row before an account locks.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_US: i64 = 15 * 60 * 1_000_000;

#[derive(Clone, Debug)]
pub struct NewUser {
    pub org_id: OrgId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub site_id: Option<SiteId>,
    pub foreign_national: bool,
    /// An argon2id PHC string made at the edge.
    pub password_hash: String,
}

/// A user as shown to administrators of the same organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserInfo {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub site_id: Option<SiteId>,
    pub foreign_national: bool,
    pub second_factor_enrolled: bool,
    pub second_factor_required: bool,
    pub locked: bool,
}

/// What sign-in needs to know about an account.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub role: Role,
    pub site_id: Option<SiteId>,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub second_factor_required: bool,
    pub locked_until_us: Option<i64>,
    pub disabled: bool,
}

/// Why a sign-in failed (recorded in the audit trail; the user is told only "wrong email or password").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFailure {
    UnknownAccount,
    WrongPassword,
    WrongSecondFactor,
    Locked,
    OutsideSiteNetwork,
    Disabled,
}

impl SignInFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInFailure::UnknownAccount => "unknown_account",
            SignInFailure::WrongPassword => "wrong_password",
            SignInFailure::WrongSecondFactor => "wrong_second_factor",
            SignInFailure::Locked => "locked",
            SignInFailure::OutsideSiteNetwork => "outside_site_network",
            SignInFailure::Disabled => "disabled",
        }
    }
}

/// A live session, looked up by the hash of its cookie.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub principal: Principal,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub second_factor_enrolled: bool,
    pub second_factor_required: bool,
    pub expires_at_us: i64,
    pub last_seen_at_us: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiTokenInfo {
    pub id: ApiTokenId,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at_us: i64,
    pub expires_at_us: Option<i64>,
    pub last_used_at_us: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct NewInvitation {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub site_id: Option<SiteId>,
    pub foreign_national: bool,
    pub token_hash: String,
    pub expires_at_us: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvitationInfo {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: String,
    pub role: Role,
    pub expires_at_us: i64,
    pub accepted: bool,
}

fn role_of(row: &AnyRow, col: &str) -> StoreResult<Role> {
    let s: String = row.get(col);
    s.parse().map_err(|e| StoreError::Other(format!("{e}")))
}

fn user_from_row(row: &AnyRow) -> StoreResult<UserInfo> {
    let totp: Option<String> = row.get("totp_secret");
    let locked_until: Option<i64> = row.get("locked_until");
    Ok(UserInfo {
        id: UserId(row.get("id")),
        org_id: OrgId(row.get("org_id")),
        email: row.get("email"),
        display_name: row.get("display_name"),
        role: role_of(row, "role")?,
        site_id: row.get::<Option<i64>, _>("site_id").map(SiteId),
        foreign_national: row.get::<i64, _>("foreign_national") != 0,
        second_factor_enrolled: totp.is_some(),
        second_factor_required: row.get::<i64, _>("second_factor_required") != 0,
        locked: locked_until.is_some_and(|t| t > now_us()),
    })
}

const USER_COLUMNS: &str =
    "id, org_id, email, display_name, role, site_id, foreign_national, totp_secret, second_factor_required, locked_until";

impl Store {
    /// Adds a user to an organization. Administrators add to their own organization; system jobs name it.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> StoreResult<UserInfo> {
        let org = require_in_org(actor, Capability::ManageUsers, Some(new.org_id))?;
        if org != new.org_id {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.write().await?;
        let id = self.insert_user(&mut tx, actor, &new).await?;
        tx.commit().await?;
        self.user(actor, id).await.or_else(|_| {
            Ok(UserInfo {
                id,
                org_id: new.org_id,
                email: new.email.to_string(),
                display_name: new.display_name.clone(),
                role: new.role,
                site_id: new.site_id,
                foreign_national: new.foreign_national,
                second_factor_enrolled: false,
                second_factor_required: new.role.requires_second_factor_by_default(),
                locked: false,
            })
        })
    }

    async fn insert_user(&self, tx: &mut crate::db::WriteTx, actor: &Actor, new: &NewUser) -> StoreResult<UserId> {
        let name = new.display_name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Invalid::new("display_name", "must be 1-120 characters").into());
        }
        let kind: String = sqlx::query("SELECT kind FROM organizations WHERE id = $1")
            .bind(new.org_id.0)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        if new.role.org_kind().as_str() != kind {
            return Err(Invalid::new("role", format!("a {} organization has no {} role", kind, new.role)).into());
        }
        match (new.role.org_kind(), new.site_id) {
            (OrgKind::Vendor, None) => {
                return Err(Invalid::new("site_id", "every vendor user belongs to a site").into())
            }
            (OrgKind::Vendor, Some(site)) => {
                let owner: Option<i64> = sqlx::query("SELECT vendor_id FROM sites WHERE id = $1")
                    .bind(site.0)
                    .fetch_optional(&mut *tx.tx)
                    .await?
                    .map(|r| r.get(0));
                if owner != Some(new.org_id.0) {
                    return Err(Invalid::new("site_id", "no such site in this organization").into());
                }
            }
            (_, Some(_)) => return Err(Invalid::new("site_id", "only vendor users belong to sites").into()),
            (_, None) => {}
        }
        let id: i64 = sqlx::query(
            "INSERT INTO users (org_id, email, display_name, role, site_id, foreign_national, password_hash, \
             second_factor_required, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.org_id.0)
        .bind(new.email.as_str())
        .bind(name)
        .bind(new.role.as_str())
        .bind(new.site_id.map(|s| s.0))
        .bind(new.foreign_national as i64)
        .bind(&new.password_hash)
        .bind(new.role.requires_second_factor_by_default() as i64)
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("email"))?
        .get(0);
        let details = json!({"role": new.role.as_str(), "site_id": new.site_id.map(|s| s.0), "foreign_national": new.foreign_national});
        tx.audit(new.org_id, actor, "user.create", "user", &id.to_string(), details).await?;
        Ok(UserId(id))
    }

    /// One user of the actor's organization (administrators, or the user themself).
    pub async fn user(&self, actor: &Actor, id: UserId) -> StoreResult<UserInfo> {
        let own = actor.principal().is_some_and(|p| p.user_id == id);
        let org = if own {
            actor.principal().map(|p| p.org_id).expect("a principal")
        } else {
            require_in_org(actor, Capability::ManageUsers, None)?
        };
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND org_id = $2"))
            .bind(id.0)
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    /// The users of the actor's organization.
    pub async fn list_users(&self, actor: &Actor) -> StoreResult<Vec<UserInfo>> {
        let org = require_in_org(actor, Capability::ManageUsers, None)?;
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY role, id"))
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Looks up an account for sign-in.
    pub async fn credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(
            "SELECT u.id, u.org_id, o.kind, u.role, u.site_id, u.password_hash, u.totp_secret, \
             u.second_factor_required, u.locked_until, u.disabled_at \
             FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.get("kind");
        Ok(Some(Credentials {
            user_id: UserId(row.get("id")),
            org_id: OrgId(row.get("org_id")),
            org_kind: kind.parse().map_err(|e| StoreError::Other(format!("{e}")))?,
            role: role_of(&row, "role")?,
            site_id: row.get::<Option<i64>, _>("site_id").map(SiteId),
            password_hash: row.get("password_hash"),
            totp_secret: row.get("totp_secret"),
            second_factor_required: row.get::<i64, _>("second_factor_required") != 0,
            locked_until_us: row.get("locked_until"),
            disabled: row.get::<Option<i64>, _>("disabled_at").is_some(),
        }))
    }

    /// The principal behind `--as EMAIL` on the command line (against the local database). Disabled
    /// accounts are refused; the principal's source is `cli`.
    pub async fn cli_principal(&self, email: &Email) -> StoreResult<Principal> {
        let creds = self.credentials(email).await?.ok_or(StoreError::NotFound)?;
        if creds.disabled {
            return Err(StoreError::NotFound);
        }
        Ok(Principal {
            user_id: creds.user_id,
            org_id: creds.org_id,
            org_kind: creds.org_kind,
            role: creds.role,
            site_id: creds.site_id,
            via: Via::Cli,
            source: "cli".to_string(),
        })
    }

    /// Is `addr` inside the networks of the user's site? Users without a site are not network-bound.
    pub async fn site_admits(&self, site: Option<SiteId>, addr: IpAddr) -> StoreResult<bool> {
        match site {
            None => Ok(true),
            Some(id) => Ok(self.site_by_id(id).await?.admits(addr)),
        }
    }

    /// Records a failed sign-in: counts it against the account (locking it after
    /// [`LOCKOUT_THRESHOLD`] in a row) and appends an audit event.
    pub async fn record_sign_in_failure(
        &self,
        actor: &Actor,
        account: Option<(UserId, OrgId)>,
        reason: SignInFailure,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let (org, object) = match account {
            Some((user, org)) => {
                if matches!(reason, SignInFailure::WrongPassword | SignInFailure::WrongSecondFactor) {
                    let locked_until = now_us() + LOCKOUT_US;
                    sqlx::query(
                        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1, \
                         locked_until = CASE WHEN failed_sign_ins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3",
                    )
                    .bind(LOCKOUT_THRESHOLD)
                    .bind(locked_until)
                    .bind(user.0)
                    .execute(&mut *tx.tx)
                    .await?;
                }
                (org, user.to_string())
            }
            None => (self.deployment_org(), String::new()),
        };
        tx.audit(org, actor, "session.sign_in_failed", "user", &object, json!({"reason": reason.as_str()})).await?;
        tx.commit().await
    }

    /// Records a successful password check and opens a session (the second factor may still be owed).
    #[allow(clippy::too_many_arguments)]
    pub async fn open_session(
        &self,
        actor: &Actor,
        user: UserId,
        org: OrgId,
        token_hash: &str,
        csrf_token: &str,
        second_factor_done: bool,
        expires_at_us: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let now = now_us();
        sqlx::query("UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1")
            .bind(user.0)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, second_factor_done, source, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(token_hash)
        .bind(user.0)
        .bind(csrf_token)
        .bind(second_factor_done as i64)
        .bind(actor.source())
        .bind(now)
        .bind(expires_at_us)
        .execute(&mut *tx.tx)
        .await?;
        let details = json!({"second_factor_done": second_factor_done, "session": &token_hash[..12]});
        tx.audit(org, actor, "session.sign_in", "user", &user.to_string(), details).await?;
        tx.commit().await
    }

    /// The session behind a cookie, if it is live. Expired sessions are reported as absent.
    pub async fn session(&self, token_hash: &str, source: &str) -> StoreResult<Option<SessionInfo>> {
        let row = sqlx::query(
            "SELECT s.csrf_token, s.second_factor_done, s.expires_at, s.last_seen_at, u.id, u.org_id, o.kind, u.role, \
             u.site_id, u.totp_secret, u.second_factor_required, u.disabled_at \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.org_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: i64 = row.get("expires_at");
        if expires <= now_us() || row.get::<Option<i64>, _>("disabled_at").is_some() {
            return Ok(None);
        }
        let kind: String = row.get("kind");
        Ok(Some(SessionInfo {
            principal: Principal {
                user_id: UserId(row.get("id")),
                org_id: OrgId(row.get("org_id")),
                org_kind: kind.parse().map_err(|e| StoreError::Other(format!("{e}")))?,
                role: role_of(&row, "role")?,
                site_id: row.get::<Option<i64>, _>("site_id").map(SiteId),
                via: Via::Session,
                source: source.to_string(),
            },
            csrf_token: row.get("csrf_token"),
            second_factor_done: row.get::<i64, _>("second_factor_done") != 0,
            second_factor_enrolled: row.get::<Option<String>, _>("totp_secret").is_some(),
            second_factor_required: row.get::<i64, _>("second_factor_required") != 0,
            expires_at_us: expires,
            last_seen_at_us: row.get("last_seen_at"),
        }))
    }

    /// Notes activity on a session and pushes its idle expiry forward (capped by the caller).
    pub async fn touch_session(&self, token_hash: &str, expires_at_us: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(now_us())
            .bind(expires_at_us)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks the second factor as done on a session.
    pub async fn complete_second_factor(&self, actor: &Actor, token_hash: &str) -> StoreResult<()> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::Forbidden("sign_in"));
        };
        let mut tx = self.write().await?;
        sqlx::query("UPDATE sessions SET second_factor_done = 1 WHERE token_hash = $1 AND user_id = $2")
            .bind(token_hash)
            .bind(p.user_id.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(p.org_id, actor, "session.second_factor", "user", &p.user_id.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// Enrols the actor's own TOTP second factor (the secret was shown to them once as a QR code).
    pub async fn enrol_totp(&self, actor: &Actor, secret_base32: &str) -> StoreResult<()> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::Forbidden("sign_in"));
        };
        let mut tx = self.write().await?;
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(secret_base32)
            .bind(p.user_id.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(p.org_id, actor, "user.enrol_second_factor", "user", &p.user_id.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// The actor's own TOTP secret, if enrolled (to check a code they give).
    pub async fn own_second_factor(&self, actor: &Actor) -> StoreResult<Option<String>> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::Forbidden("sign_in"));
        };
        let row = sqlx::query("SELECT totp_secret FROM users WHERE id = $1")
            .bind(p.user_id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.get(0))
    }

    /// Enrols a TOTP secret for a user on their behalf: system jobs only (the demo seed).
    pub async fn enrol_second_factor_for(&self, actor: &Actor, user: UserId, secret_base32: &str) -> StoreResult<()> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(StoreError::Forbidden("only system jobs enrol for others"));
        }
        let mut tx = self.write().await?;
        let row = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 RETURNING org_id")
            .bind(secret_base32)
            .bind(user.0)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let org = OrgId(row.get(0));
        tx.audit(org, actor, "user.enrol_second_factor", "user", &user.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// Ends one session (sign out).
    pub async fn close_session(&self, actor: &Actor, token_hash: &str) -> StoreResult<()> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::Forbidden("sign_in"));
        };
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2")
            .bind(token_hash)
            .bind(p.user_id.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(p.org_id, actor, "session.sign_out", "user", &p.user_id.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// Ends every session of the actor, on every node (each node reads sessions from the database).
    pub async fn close_all_sessions(&self, actor: &Actor) -> StoreResult<u64> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::Forbidden("sign_in"));
        };
        let mut tx = self.write().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(p.user_id.0).execute(&mut *tx.tx).await?;
        tx.audit(
            p.org_id,
            actor,
            "session.sign_out_everywhere",
            "user",
            &p.user_id.to_string(),
            json!({"sessions": n.rows_affected()}),
        )
        .await?;
        tx.signal(crate::Signal { org_id: Some(p.org_id), topic: "sessions".into(), object: p.user_id.to_string() });
        tx.commit().await?;
        Ok(n.rows_affected())
    }

    /// An administrator resets a user's password (and so ends their sessions). Same organization only.
    pub async fn reset_password(&self, actor: &Actor, user: UserId, password_hash: &str) -> StoreResult<()> {
        self.admin_reset(
            actor,
            user,
            "user.reset_password",
            "password_hash = $1, failed_sign_ins = 0, locked_until = NULL",
            Some(password_hash),
        )
        .await
    }

    /// An administrator clears a user's second factor; the user enrols again at next sign-in.
    pub async fn reset_second_factor(&self, actor: &Actor, user: UserId) -> StoreResult<()> {
        self.admin_reset(actor, user, "user.reset_second_factor", "totp_secret = NULL", None).await
    }

    async fn admin_reset(
        &self,
        actor: &Actor,
        user: UserId,
        action: &str,
        set: &str,
        value: Option<&str>,
    ) -> StoreResult<()> {
        let org = require_in_org(actor, Capability::ManageUsers, None)?;
        let mut tx = self.write().await?;
        let sql = match value {
            Some(_) => format!("UPDATE users SET {set} WHERE id = $2 AND org_id = $3"),
            None => format!("UPDATE users SET {set} WHERE id = $1 AND org_id = $2"),
        };
        let query = sqlx::query(&sql);
        let query = match value {
            Some(v) => query.bind(v),
            None => query,
        };
        let done = query.bind(user.0).bind(org.0).execute(&mut *tx.tx).await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx.tx).await?;
        tx.audit(org, actor, action, "user", &user.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// Creates an API token for the actor; the caller shows the secret once and keeps only its hash here.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        expires_at_us: Option<i64>,
    ) -> StoreResult<ApiTokenId> {
        let p =
            require(actor, Capability::ManageOwnApiTokens)?.ok_or(StoreError::Forbidden("manage_own_api_tokens"))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Invalid::new("name", "must be 1-80 characters").into());
        }
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, scopes_json, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(p.user_id.0)
        .bind(name)
        .bind(token_hash)
        .bind(serde_json::to_string(scopes).expect("scopes serialize"))
        .bind(now_us())
        .bind(expires_at_us)
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        tx.audit(p.org_id, actor, "api_token.create", "api_token", &id.to_string(), json!({"scopes": scopes})).await?;
        tx.commit().await?;
        Ok(ApiTokenId(id))
    }

    /// The actor's own live API tokens (never their secrets).
    pub async fn list_api_tokens(&self, actor: &Actor) -> StoreResult<Vec<ApiTokenInfo>> {
        let p =
            require(actor, Capability::ManageOwnApiTokens)?.ok_or(StoreError::Forbidden("manage_own_api_tokens"))?;
        let rows = sqlx::query(
            "SELECT id, name, scopes_json, created_at, expires_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(p.user_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let scopes: String = r.get("scopes_json");
                Ok(ApiTokenInfo {
                    id: ApiTokenId(r.get("id")),
                    name: r.get("name"),
                    scopes: serde_json::from_str(&scopes).map_err(|e| StoreError::Other(e.to_string()))?,
                    created_at_us: r.get("created_at"),
                    expires_at_us: r.get("expires_at"),
                    last_used_at_us: r.get("last_used_at"),
                })
            })
            .collect()
    }

    /// Revokes one of the actor's own API tokens.
    pub async fn revoke_api_token(&self, actor: &Actor, id: ApiTokenId) -> StoreResult<()> {
        let p =
            require(actor, Capability::ManageOwnApiTokens)?.ok_or(StoreError::Forbidden("manage_own_api_tokens"))?;
        let mut tx = self.write().await?;
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now_us())
                .bind(id.0)
                .bind(p.user_id.0)
                .execute(&mut *tx.tx)
                .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        tx.audit(p.org_id, actor, "api_token.revoke", "api_token", &id.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// The principal behind a bearer token, with the token's scopes, if the token is live.
    pub async fn api_token_principal(
        &self,
        token_hash: &str,
        source: &str,
    ) -> StoreResult<Option<(Principal, Vec<String>)>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.scopes_json, t.expires_at, u.id, u.org_id, o.kind, u.role, u.site_id, u.disabled_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = u.org_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_us();
        if row.get::<Option<i64>, _>("expires_at").is_some_and(|t| t <= now)
            || row.get::<Option<i64>, _>("disabled_at").is_some()
        {
            return Ok(None);
        }
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.get::<i64, _>("token_id"))
            .execute(&self.pool)
            .await?;
        let kind: String = row.get("kind");
        let scopes: String = row.get("scopes_json");
        Ok(Some((
            Principal {
                user_id: UserId(row.get("id")),
                org_id: OrgId(row.get("org_id")),
                org_kind: kind.parse().map_err(|e| StoreError::Other(format!("{e}")))?,
                role: role_of(&row, "role")?,
                site_id: row.get::<Option<i64>, _>("site_id").map(SiteId),
                via: Via::ApiToken,
                source: source.to_string(),
            },
            serde_json::from_str(&scopes).map_err(|e| StoreError::Other(e.to_string()))?,
        )))
    }

    /// Invites people into the actor's organization, all or none: one refused row writes nothing.
    /// Errors name the row (0-based index into `invitations`) in the field, e.g. `invitations[3].role`.
    pub async fn create_invitations(
        &self,
        actor: &Actor,
        invitations: &[NewInvitation],
    ) -> StoreResult<Vec<InvitationId>> {
        let p = require(actor, Capability::ManageUsers)?.ok_or(StoreError::Forbidden("manage_users"))?;
        let mut tx = self.write().await?;
        let mut ids = Vec::with_capacity(invitations.len());
        for (index, new) in invitations.iter().enumerate() {
            let at = |field: &str, reason: String| -> StoreError {
                StoreError::Invalid(Invalid {
                    field: "invitation",
                    reason: format!("row {}: {field}: {reason}", index + 1),
                })
            };
            if new.role.org_kind() != p.org_kind {
                return Err(at("role", format!("a {} organization has no {} role", p.org_kind.as_str(), new.role)));
            }
            let name = new.display_name.trim();
            if name.is_empty() || name.chars().count() > 120 {
                return Err(at("display_name", "must be 1-120 characters".into()));
            }
            match (p.org_kind, new.site_id) {
                (OrgKind::Vendor, None) => return Err(at("site", "every vendor user belongs to a site".into())),
                (OrgKind::Vendor, Some(site)) => {
                    let owner: Option<i64> = sqlx::query("SELECT vendor_id FROM sites WHERE id = $1")
                        .bind(site.0)
                        .fetch_optional(&mut *tx.tx)
                        .await?
                        .map(|r| r.get(0));
                    if owner != Some(p.org_id.0) {
                        return Err(at("site", "no such site in this organization".into()));
                    }
                }
                (_, Some(_)) => return Err(at("site", "only vendor users belong to sites".into())),
                (_, None) => {}
            }
            let taken = sqlx::query("SELECT 1 FROM users WHERE email = $1")
                .bind(new.email.as_str())
                .fetch_optional(&mut *tx.tx)
                .await?
                .is_some();
            if taken {
                return Err(at("email", "already has an account".into()));
            }
            let id: i64 = sqlx::query(
                "INSERT INTO invitations (org_id, email, display_name, role, site_id, foreign_national, token_hash, invited_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(p.org_id.0)
            .bind(new.email.as_str())
            .bind(name)
            .bind(new.role.as_str())
            .bind(new.site_id.map(|s| s.0))
            .bind(new.foreign_national as i64)
            .bind(&new.token_hash)
            .bind(p.user_id.0)
            .bind(now_us())
            .bind(new.expires_at_us)
            .fetch_one(&mut *tx.tx)
            .await?
            .get(0);
            tx.audit(p.org_id, actor, "user.invite", "invitation", &id.to_string(), json!({"role": new.role.as_str()}))
                .await?;
            ids.push(InvitationId(id));
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Accepts an invitation: creates the account with the chosen password. Single use.
    pub async fn accept_invitation(&self, actor: &Actor, token_hash: &str, password_hash: &str) -> StoreResult<UserId> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT id, org_id, email, display_name, role, site_id, foreign_national, expires_at FROM invitations \
             WHERE token_hash = $1 AND accepted_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if row.get::<i64, _>("expires_at") <= now_us() {
            return Err(StoreError::NotFound);
        }
        let invitation: i64 = row.get("id");
        let email: String = row.get("email");
        let new = NewUser {
            org_id: OrgId(row.get("org_id")),
            email: Email::parse(&email)?,
            display_name: row.get("display_name"),
            role: role_of(&row, "role")?,
            site_id: row.get::<Option<i64>, _>("site_id").map(SiteId),
            foreign_national: row.get::<i64, _>("foreign_national") != 0,
            password_hash: password_hash.to_string(),
        };
        sqlx::query("UPDATE invitations SET accepted_at = $1 WHERE id = $2")
            .bind(now_us())
            .bind(invitation)
            .execute(&mut *tx.tx)
            .await?;
        let id = self.insert_user(&mut tx, actor, &new).await?;
        tx.commit().await?;
        Ok(id)
    }
}
