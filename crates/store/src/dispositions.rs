//! A campaign's custom disposition codes (issue 4): each mapped onto one base code of
//! [`clearline_core::disposition`], validated there ([`DispositionSet::new`]), and kept for good.
//!
//! A code is never deleted and its label and base never change: retiring it stops agents picking it,
//! while the calls that recorded it keep their meaning. An attempt records the custom code beside its
//! base (`call_attempts.custom_disposition`, `.disposition`); everything that counts or redials reads the
//! base only. Defining and retiring codes need `manage_programs` (the roles that set up programs and
//! their scripts); reading them, `manage_programs` or `view_results` (results name the codes).

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::disposition::{CustomDisposition, Disposition, DispositionSet};
use clearline_core::validate::Invalid;
use clearline_core::{Actor, Capability, OrgId};
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

/// One of a campaign's custom codes as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredDisposition {
    pub code: String,
    pub label: String,
    pub base: Disposition,
    pub created_at_us: i64,
    /// No longer offered to agents since then; past calls keep it.
    pub retired_at_us: Option<i64>,
}

impl StoredDisposition {
    pub fn is_active(&self) -> bool {
        self.retired_at_us.is_none()
    }

    fn custom(&self) -> CustomDisposition {
        CustomDisposition { code: self.code.clone(), label: self.label.clone(), base: self.base }
    }
}

const SELECT: &str = "SELECT code, label, base, created_at, retired_at FROM custom_dispositions";

fn from_row(row: &AnyRow) -> StoreResult<StoredDisposition> {
    let base: String = row.get(2);
    // Only codes of the base table are written; another one here means the database was edited by hand.
    let base = Disposition::from_code(&base)
        .ok_or_else(|| StoreError::Other(format!("custom_dispositions.base: {base:?} is not a base code")))?;
    Ok(StoredDisposition {
        code: row.get(0),
        label: row.get(1),
        base,
        created_at_us: row.get(3),
        retired_at_us: row.get(4),
    })
}

fn reader(actor: &Actor) -> StoreResult<OrgId> {
    require_in_org(actor, Capability::ManagePrograms, None)
        .or_else(|_| require_in_org(actor, Capability::ViewResults, None))
}

impl Store {
    /// The campaign's custom codes, retired ones too, oldest first.
    pub async fn custom_dispositions(&self, actor: &Actor) -> StoreResult<Vec<StoredDisposition>> {
        let campaign = reader(actor)?;
        let rows = sqlx::query(&format!("{SELECT} WHERE campaign_id = $1 ORDER BY id"))
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The dispositions agents may pick on the campaign's calls now: the base table and the active
    /// custom codes.
    pub async fn active_dispositions(&self, actor: &Actor) -> StoreResult<DispositionSet> {
        let active =
            self.custom_dispositions(actor).await?.iter().filter(|d| d.is_active()).map(|d| d.custom()).collect();
        // Each was validated when it was added, against all the others.
        DispositionSet::new(active).map_err(|e| StoreError::Other(format!("custom_dispositions: {e}")))
    }

    /// Adds a custom code to the actor's campaign, validated with every code it already has (a retired
    /// code's name is not taken again), and audited.
    pub async fn add_custom_disposition(
        &self,
        actor: &Actor,
        new: &CustomDisposition,
    ) -> StoreResult<StoredDisposition> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let new = CustomDisposition { label: new.label.trim().to_string(), ..new.clone() };
        let mut tx = self.write().await?;
        let existing: Vec<CustomDisposition> = sqlx::query(&format!("{SELECT} WHERE campaign_id = $1 ORDER BY id"))
            .bind(campaign.0)
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| from_row(r).map(|d| d.custom()))
            .collect::<StoreResult<_>>()?;
        let mut all = existing;
        all.push(new.clone());
        DispositionSet::new(all).map_err(|e| Invalid::new(e.field(), e.to_string()))?;
        let at = now_us();
        sqlx::query(
            "INSERT INTO custom_dispositions (campaign_id, code, label, base, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(campaign.0)
        .bind(&new.code)
        .bind(&new.label)
        .bind(new.base.code())
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(at)
        .execute(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("code"))?;
        tx.audit(
            campaign,
            actor,
            "disposition.add",
            "custom_disposition",
            &new.code,
            json!({"code": new.code, "label": new.label, "base": new.base.code()}),
        )
        .await?;
        tx.commit().await?;
        Ok(StoredDisposition {
            code: new.code,
            label: new.label,
            base: new.base,
            created_at_us: at,
            retired_at_us: None,
        })
    }

    /// Retires one of the campaign's custom codes: agents no longer see it; the calls that recorded it
    /// keep it. `NotFound` for a code the campaign does not have.
    pub async fn retire_custom_disposition(&self, actor: &Actor, code: &str) -> StoreResult<StoredDisposition> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!("{SELECT} WHERE campaign_id = $1 AND code = $2"))
            .bind(campaign.0)
            .bind(code)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut stored = from_row(&row)?;
        if !stored.is_active() {
            return Err(Invalid::new("code", format!("custom disposition code {code:?} is already retired")).into());
        }
        let at = now_us();
        sqlx::query(
            "UPDATE custom_dispositions SET retired_at = $1, retired_by = $2 WHERE campaign_id = $3 AND code = $4",
        )
        .bind(at)
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(campaign.0)
        .bind(code)
        .execute(&mut *tx.tx)
        .await?;
        tx.audit(
            campaign,
            actor,
            "disposition.retire",
            "custom_disposition",
            code,
            json!({"code": code, "base": stored.base.code()}),
        )
        .await?;
        tx.commit().await?;
        stored.retired_at_us = Some(at);
        Ok(stored)
    }
}

/// Inside an attempt's result transaction: `code` must be one of the campaign's custom codes and mean
/// `base`, so a custom code recorded on a call can never stand beside another base (defence in depth:
/// the desk resolved it with the campaign's set). A retired code is still accepted — an agent may have
/// picked it a moment before it was retired.
pub(crate) async fn check_recorded_code(
    conn: &mut sqlx::AnyConnection,
    campaign: OrgId,
    code: &str,
    base: Disposition,
) -> StoreResult<()> {
    let stored: Option<String> =
        sqlx::query("SELECT base FROM custom_dispositions WHERE campaign_id = $1 AND code = $2")
            .bind(campaign.0)
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.get(0));
    match stored {
        Some(b) if b == base.code() => Ok(()),
        Some(_) => Err(Invalid::new("custom_disposition", format!("{code:?} does not mean {}", base.code())).into()),
        None => Err(Invalid::new("custom_disposition", format!("{code:?} is not one of the campaign's codes")).into()),
    }
}
