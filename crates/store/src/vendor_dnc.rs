//! A vendor's own do-not-call list: the organization-wide list beside each campaign's (CR-47, CR-7).
//!
//! A person who tells a vendor's caller to stop calling is put on the campaign's list *and* on the
//! vendor's, and no campaign's call through that vendor reaches them again: 64.1200(d) binds the
//! entity making the call as well as the one it calls for, and a caller expects "our company won't call
//! you again" to hold for every client. A vendor admin may also load the list the call center already
//! keeps. Numbers are sealed under the vendor's own data key (a key ring stored in `campaign_keys` under
//! the vendor's id), so no campaign's blind index is ever compared with another's, and the list never
//! shows a number to anyone: a campaign learns only that one of *its* numbers is on it.

use crate::contact::{insert_numbers, DncCounts, DncEntry, OPT_OUT_SOURCES};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::orgs::require_in_org;
use clearline_core::{Actor, Capability, OrgId, OrgKind};
use serde_json::json;
use sqlx::Row;
use std::collections::HashSet;

/// An opt-out heard on a call placed by a vendor: the number sealed under the vendor's key, written to
/// the vendor's list in the transaction of the call's result.
#[derive(Clone, Debug)]
pub struct VendorOptOut {
    pub vendor: OrgId,
    pub entry: DncEntry,
}

impl Store {
    /// May the actor use the vendor's list keys and ask its list? The vendor's own staff, a campaign
    /// that has engaged the vendor (its calls honour the list), and system jobs. Anyone else: not found.
    async fn vendor_list_reader(&self, actor: &Actor, vendor: OrgId) -> StoreResult<()> {
        let is_vendor: Option<i64> = sqlx::query("SELECT 1 FROM organizations WHERE id = $1 AND kind = 'vendor'")
            .bind(vendor.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        if is_vendor.is_none() {
            return Err(StoreError::NotFound);
        }
        match actor {
            Actor::System { .. } => Ok(()),
            Actor::User(p) if p.org_id == vendor => Ok(()),
            Actor::User(p) if p.org_kind == OrgKind::Campaign => {
                let engaged: Option<i64> =
                    sqlx::query("SELECT 1 FROM engagements WHERE campaign_id = $1 AND vendor_id = $2 LIMIT 1")
                        .bind(p.org_id.0)
                        .bind(vendor.0)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(|r| r.get(0));
                engaged.map(|_| ()).ok_or(StoreError::NotFound)
            }
            _ => Err(StoreError::NotFound),
        }
    }

    /// The vendor's wrapped list keys (versions and hex), oldest first; empty until its first opt-out.
    pub async fn vendor_list_keys(&self, actor: &Actor, vendor: OrgId) -> StoreResult<Vec<(u32, String)>> {
        self.vendor_list_reader(actor, vendor).await?;
        let rows = sqlx::query("SELECT version, wrapped FROM campaign_keys WHERE campaign_id = $1 ORDER BY version")
            .bind(vendor.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get::<i64, _>(0) as u32, r.get(1))).collect())
    }

    /// Stores the vendor's first (or a new) wrapped list key, audited in the vendor's log. A key made a
    /// moment ago by someone else is a conflict on `version`: read theirs.
    pub async fn add_vendor_list_key(
        &self,
        actor: &Actor,
        vendor: OrgId,
        version: u32,
        wrapped: &str,
    ) -> StoreResult<()> {
        self.vendor_list_reader(actor, vendor).await?;
        self.insert_wrapped_key(actor, vendor, "vendor", version, wrapped).await
    }

    /// Adds numbers to the actor's vendor's own list (its admin: `ManageVendorDoNotCall`), in one
    /// transaction; a number already listed keeps its first entry.
    pub async fn add_vendor_do_not_call(
        &self,
        actor: &Actor,
        source: &str,
        entries: &[DncEntry],
    ) -> StoreResult<DncCounts> {
        let vendor = require_in_org(actor, Capability::ManageVendorDoNotCall, None)?;
        if !OPT_OUT_SOURCES.contains(&source) {
            return Err(clearline_core::validate::Invalid::new("source", "not a known opt-out source").into());
        }
        let mut tx = self.write().await?;
        let insert =
            "INSERT INTO vendor_do_not_call (vendor_id, number_index, number_enc, recorded_at, source, recorded_by) \
                      VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (vendor_id, number_index) DO NOTHING";
        let counts = insert_numbers(&mut tx, insert, vendor, entries, &[source, &actor.audit_name()]).await?;
        tx.audit(
            vendor,
            actor,
            "dnc.add",
            "vendor_do_not_call",
            &vendor.to_string(),
            json!({"source": source, "added": counts.added, "already_listed": counts.already_listed}),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Which of these blind indexes (made with the vendor's list key) are on the vendor's list.
    pub async fn vendor_dnc_listed(
        &self,
        actor: &Actor,
        vendor: OrgId,
        indexes: &[Vec<u8>],
    ) -> StoreResult<HashSet<Vec<u8>>> {
        self.vendor_list_reader(actor, vendor).await?;
        listed_indexes(&self.pool, "vendor_do_not_call", "vendor_id", vendor, indexes).await
    }

    /// Which of these blind indexes (the campaign's) are on the campaign's own list: the calling run asks
    /// it of the leads it holds, so an opt-out from any channel stops a dial already queued (CR-47).
    pub async fn program_dnc_listed(
        &self,
        actor: &Actor,
        program: &crate::Program,
        indexes: &[Vec<u8>],
    ) -> StoreResult<HashSet<Vec<u8>>> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        listed_indexes(&self.pool, "do_not_call", "campaign_id", campaign, indexes).await
    }

    /// How many numbers the actor's vendor keeps on its own list (its admin; never the numbers).
    pub async fn vendor_dnc_size(&self, actor: &Actor) -> StoreResult<u64> {
        let vendor = require_in_org(actor, Capability::ManageVendorDoNotCall, None)?;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM vendor_do_not_call WHERE vendor_id = $1")
            .bind(vendor.0)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        Ok(n as u64)
    }
}

/// Writes a call's opt-out to the vendor's list inside the result's transaction (the campaign's list is
/// written beside it), audited in the vendor's log with the program's slug, never the number.
pub(crate) async fn list_on_vendor(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    opt_out: &VendorOptOut,
    campaign: OrgId,
    source: &str,
    at_us: i64,
    program_slug: &str,
) -> StoreResult<()> {
    let added = sqlx::query(
        "INSERT INTO vendor_do_not_call (vendor_id, number_index, number_enc, source, campaign_id, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vendor_id, number_index) DO NOTHING",
    )
    .bind(opt_out.vendor.0)
    .bind(opt_out.entry.number_index.clone())
    .bind(opt_out.entry.number_enc.clone())
    .bind(source)
    .bind(campaign.0)
    .bind(at_us)
    .bind(actor.audit_name())
    .execute(&mut *tx.tx)
    .await?
    .rows_affected();
    tx.audit(
        opt_out.vendor,
        actor,
        "dnc.add",
        "vendor_do_not_call",
        &opt_out.vendor.to_string(),
        json!({"source": source, "program": program_slug, "added": added}),
    )
    .await?;
    Ok(())
}

impl Store {
    /// The vendors a campaign has engaged (any dates: an ended engagement's list still binds the
    /// vendor's calls, and its key must open for the records). The campaign's own staff and system jobs.
    pub async fn engaged_vendor_ids(&self, actor: &Actor, campaign: OrgId) -> StoreResult<Vec<OrgId>> {
        match actor {
            Actor::System { .. } => {}
            Actor::User(p) if p.org_id == campaign && p.org_kind == OrgKind::Campaign => {}
            _ => return Err(StoreError::NotFound),
        }
        let rows = sqlx::query("SELECT DISTINCT vendor_id FROM engagements WHERE campaign_id = $1 ORDER BY vendor_id")
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| OrgId(r.get(0))).collect())
    }
}

/// The blind indexes of `indexes` listed in `table` for `owner` (its `owner_column`), in bounded batches:
/// one statement per 500 numbers whatever the page size.
async fn listed_indexes(
    pool: &sqlx::AnyPool,
    table: &'static str,
    owner_column: &'static str,
    owner: OrgId,
    indexes: &[Vec<u8>],
) -> StoreResult<HashSet<Vec<u8>>> {
    let mut listed = HashSet::new();
    for chunk in indexes.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT number_index FROM {table} WHERE {owner_column} = $1 AND number_index IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(owner.0);
        for index in chunk {
            query = query.bind(index.clone());
        }
        for row in query.fetch_all(pool).await? {
            listed.insert(row.get::<Vec<u8>, _>(0));
        }
    }
    Ok(listed)
}
