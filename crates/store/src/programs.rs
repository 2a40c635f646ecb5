//! Programs and their call lists.
//!
//! A program belongs to one campaign; its settings ([`ProgramSettings`]) are kept as JSON, its vendors
//! and their shares also in `program_vendors`. A call list is written whole: the snapshot replaces the
//! program's entries in one transaction, with one audit event carrying the counts, so a list is either
//! the old one or the new one, never half of each. Only a draft program's list can be replaced.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::org::Organization;
use clearline_core::program::{EntryMode, ProgramSettings, ProgramStatus};
use clearline_core::validate::{Invalid, Slug};
use clearline_core::{Actor, Capability, OrgId, OrgKind};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// A stored program.
#[derive(Clone, Debug, Serialize)]
pub struct Program {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub status: ProgramStatus,
    pub settings: ProgramSettings,
    pub universe_id: i64,
    /// Vendors in the order of the settings, with their organization ids.
    pub vendor_ids: Vec<OrgId>,
    pub list_built_at_us: Option<i64>,
    /// The approved script version its callers read (`attach_script`).
    pub script_version_id: Option<i64>,
}

/// One person's entry, as the call-list builder hands it over.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub vendor_id: Option<OrgId>,
    pub mode: EntryMode,
    pub phone_position: Option<u32>,
    /// Condition names, comma-separated.
    pub conditions: String,
    /// The exclusion's key (rule ids, `no_phone`, `household_repeat`…); empty on the list.
    pub exclusion: String,
}

/// What a call list holds, counted.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallListSummary {
    pub people: u64,
    /// By mode: `program` (the program's own dial mode), `preview` (blended, CR-49), `excluded`.
    pub by_mode: BTreeMap<String, u64>,
    /// Listed people per vendor slug (`none` for an agentless program).
    pub by_vendor: BTreeMap<String, u64>,
    /// Excluded people by reason key, with the sentence.
    pub exclusions: Vec<ExclusionCount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExclusionCount {
    pub exclusion: String,
    pub sentence: String,
    pub people: u64,
}

const ENTRY_COLUMNS: usize = 8;
/// Rows per INSERT: 8 columns × 500 = 4,000 parameters, inside both backends' limits.
const ENTRY_CHUNK: usize = 500;

impl Store {
    /// Creates a draft program. Every problem of the settings is refused (the first, naming its
    /// field); the universe must be one of the campaign's saved universes and every vendor one the
    /// campaign has engaged.
    pub async fn create_program(
        &self,
        actor: &Actor,
        slug: &Slug,
        name: &str,
        settings: &ProgramSettings,
    ) -> StoreResult<Program> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let name = checked_name(name)?;
        if let Some(problem) = settings.problems().into_iter().next() {
            return Err(problem.into());
        }
        let universe = self.program_universe(actor, settings).await?;
        let vendors = self.engaged_vendors(campaign, settings).await?;
        let mut tx = self.write().await?;
        let now = now_us();
        let attested_by = settings.caller_id_authorized.then(|| actor.principal().map(|p| p.user_id.0)).flatten();
        let id: i64 = sqlx::query(
            "INSERT INTO programs (campaign_id, slug, name, status, settings_json, universe_id, \
             caller_id_attested_by, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(campaign.0)
        .bind(slug.as_str())
        .bind(name)
        .bind(serde_json::to_string(settings).expect("settings serialize"))
        .bind(universe.id)
        .bind(attested_by)
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now)
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("slug"))?
        .get(0);
        write_vendors(&mut tx, id, &vendors, settings).await?;
        tx.audit(
            campaign,
            actor,
            "program.create",
            "program",
            &id.to_string(),
            json!({"slug": slug.as_str(), "settings": settings}),
        )
        .await?;
        tx.commit().await?;
        self.program_by_slug(actor, slug.as_str()).await
    }

    /// Changes a draft program's settings (the call list must be rebuilt after a change of universe,
    /// mode or vendors, so any change clears it).
    pub async fn update_program(&self, actor: &Actor, slug: &str, settings: &ProgramSettings) -> StoreResult<Program> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        if let Some(problem) = settings.problems().into_iter().next() {
            return Err(problem.into());
        }
        let current = self.program_by_slug(actor, slug).await?;
        if current.status != ProgramStatus::Draft {
            return Err(Invalid::new("status", "only a draft program's settings can change").into());
        }
        let universe = self.program_universe(actor, settings).await?;
        let vendors = self.engaged_vendors(campaign, settings).await?;
        let mut tx = self.write().await?;
        let attested_by = match (settings.caller_id_authorized, current.settings.caller_id_authorized) {
            (false, _) => None,
            // A new attestation, or a new number, is the current user's word.
            (true, false) => actor.principal().map(|p| p.user_id.0),
            (true, true) if settings.caller_id != current.settings.caller_id => actor.principal().map(|p| p.user_id.0),
            (true, true) => sqlx::query("SELECT caller_id_attested_by FROM programs WHERE id = $1")
                .bind(current.id)
                .fetch_one(&mut *tx.tx)
                .await?
                .get(0),
        };
        let mut settings = settings.clone();
        if settings.caller_id_authorized && attested_by.is_none() && actor.principal().is_none() {
            settings.caller_id_authorized = false; // a system job cannot attest
        }
        sqlx::query(
            "UPDATE programs SET settings_json = $1, universe_id = $2, caller_id_attested_by = $3, updated_at = $4, \
             list_built_at = NULL WHERE id = $5",
        )
        .bind(serde_json::to_string(&settings).expect("settings serialize"))
        .bind(universe.id)
        .bind(attested_by)
        .bind(now_us())
        .bind(current.id)
        .execute(&mut *tx.tx)
        .await?;
        for table in ["program_vendors", "call_list_entries", "call_list_reasons", "call_list_counts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE program_id = $1"))
                .bind(current.id)
                .execute(&mut *tx.tx)
                .await?;
        }
        write_vendors(&mut tx, current.id, &vendors, &settings).await?;
        tx.audit(
            campaign,
            actor,
            "program.update",
            "program",
            &current.id.to_string(),
            json!({"before": current.settings, "after": settings}),
        )
        .await?;
        tx.commit().await?;
        self.program_by_slug(actor, slug).await
    }

    /// The campaign's programs, by slug. Campaign staff who set programs up or read results.
    pub async fn list_programs(&self, actor: &Actor) -> StoreResult<Vec<Program>> {
        let campaign = program_reader(actor)?;
        let rows = sqlx::query(&format!("{PROGRAM_SELECT} WHERE campaign_id = $1 ORDER BY slug"))
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.program_from_row(row).await?);
        }
        Ok(out)
    }

    /// One of the campaign's programs; another campaign's is `NotFound`.
    pub async fn program_by_slug(&self, actor: &Actor, slug: &str) -> StoreResult<Program> {
        let campaign = program_reader(actor)?;
        let row = sqlx::query(&format!("{PROGRAM_SELECT} WHERE campaign_id = $1 AND slug = $2"))
            .bind(campaign.0)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.program_from_row(&row).await
    }

    /// Replaces a draft program's call list with `entries` (one per person of the universe) and the
    /// sentences of their exclusion keys, in one transaction, audited with the counts.
    pub async fn replace_call_list(
        &self,
        actor: &Actor,
        program_id: i64,
        entries: &[NewEntry],
        sentences: &BTreeMap<String, String>,
    ) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let mut tx = self.write().await?;
        let status: String = sqlx::query("SELECT status FROM programs WHERE id = $1 AND campaign_id = $2")
            .bind(program_id)
            .bind(campaign.0)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        if status != ProgramStatus::Draft.as_str() {
            return Err(Invalid::new("status", "only a draft program's call list can be rebuilt").into());
        }
        for table in ["call_list_entries", "call_list_reasons", "call_list_counts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE program_id = $1"))
                .bind(program_id)
                .execute(&mut *tx.tx)
                .await?;
        }
        let backend = self.backend();
        for chunk in entries.chunks(ENTRY_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO call_list_entries (program_id, person_id, household_id, vendor_id, mode, phone_position, \
                 conditions, exclusion) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in 0..ENTRY_COLUMNS {
                    if c > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&backend.param(i * ENTRY_COLUMNS + c + 1));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(program_id)
                    .bind(e.person_id)
                    .bind(e.household_id)
                    .bind(e.vendor_id.map(|v| v.0))
                    .bind(e.mode.as_str())
                    .bind(e.phone_position.map(i64::from))
                    .bind(e.conditions.as_str())
                    .bind(e.exclusion.as_str());
            }
            q.execute(&mut *tx.tx).await?;
        }
        for (exclusion, sentence) in sentences {
            sqlx::query("INSERT INTO call_list_reasons (program_id, exclusion, sentence) VALUES ($1, $2, $3)")
                .bind(program_id)
                .bind(exclusion)
                .bind(sentence)
                .execute(&mut *tx.tx)
                .await?;
        }
        // The snapshot's counts, kept beside it: every reader of the summary reads these rows.
        let mut counts: BTreeMap<(&str, Option<i64>, &str), i64> = BTreeMap::new();
        for e in entries {
            let exclusion = if e.mode == EntryMode::Excluded { e.exclusion.as_str() } else { "" };
            *counts.entry((e.mode.as_str(), e.vendor_id.map(|v| v.0), exclusion)).or_default() += 1;
        }
        for ((mode, vendor, exclusion), people) in counts {
            sqlx::query(
                "INSERT INTO call_list_counts (program_id, mode, vendor_id, exclusion, people) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(program_id)
            .bind(mode)
            .bind(vendor)
            .bind(exclusion)
            .bind(people)
            .execute(&mut *tx.tx)
            .await?;
        }
        sqlx::query("UPDATE programs SET list_built_at = $1 WHERE id = $2")
            .bind(now_us())
            .bind(program_id)
            .execute(&mut *tx.tx)
            .await?;
        let mut by_mode: BTreeMap<&str, u64> = BTreeMap::new();
        for e in entries {
            *by_mode.entry(e.mode.as_str()).or_default() += 1;
        }
        tx.audit(
            campaign,
            actor,
            "program.call_list",
            "program",
            &program_id.to_string(),
            json!({"people": entries.len(), "by_mode": by_mode}),
        )
        .await?;
        tx.commit().await
    }

    /// The program's call list, counted by mode, vendor and exclusion.
    pub async fn call_list_summary(&self, actor: &Actor, slug: &str) -> StoreResult<CallListSummary> {
        let program = self.program_by_slug(actor, slug).await?;
        let mut summary = CallListSummary::default();
        let rows = sqlx::query(
            "SELECT c.mode, COALESCE(o.slug, 'none'), c.exclusion, COALESCE(r.sentence, ''), c.people \
             FROM call_list_counts c LEFT JOIN organizations o ON o.id = c.vendor_id \
             LEFT JOIN call_list_reasons r ON r.program_id = c.program_id AND r.exclusion = c.exclusion \
             WHERE c.program_id = $1",
        )
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        let mut exclusions: BTreeMap<String, (String, u64)> = BTreeMap::new();
        for r in rows {
            let (mode, vendor, exclusion, sentence, n): (String, String, String, String, i64) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            let n = n as u64;
            summary.people += n;
            *summary.by_mode.entry(mode.clone()).or_default() += n;
            if mode == EntryMode::Excluded.as_str() {
                exclusions.entry(exclusion).or_insert((sentence, 0)).1 += n;
            } else {
                *summary.by_vendor.entry(vendor).or_default() += n;
            }
        }
        summary.exclusions = exclusions
            .into_iter()
            .map(|(exclusion, (sentence, people))| ExclusionCount { exclusion, sentence, people })
            .collect();
        // The most common reason first; ties by key.
        summary.exclusions.sort_by(|a, b| b.people.cmp(&a.people).then_with(|| a.exclusion.cmp(&b.exclusion)));
        Ok(summary)
    }

    /// Why the program cannot start today, every reason named by its field; empty when it could.
    pub async fn program_start_blockers(&self, actor: &Actor, slug: &str, today: Date) -> StoreResult<Vec<Invalid>> {
        let campaign = program_reader(actor)?;
        let program = self.program_by_slug(actor, slug).await?;
        let mut out = program.settings.start_blockers();
        out.extend(self.attached_script_blockers(&program).await?);
        out.extend(self.attached_audio_blockers(&program).await?);
        if program.list_built_at_us.is_none() {
            out.push(Invalid::new("call_list", "the call list has not been built from the universe yet"));
        } else {
            // The snapshot's counts (written with its entries), not a count over every entry.
            let callable: i64 = sqlx::query(
                "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM call_list_counts \
                 WHERE program_id = $1 AND mode <> 'excluded'",
            )
            .bind(program.id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
            if callable == 0 {
                out.push(Invalid::new("call_list", "nobody on the call list may be called"));
            }
        }
        for (vendor, share) in program.vendor_ids.iter().zip(&program.settings.vendors) {
            let rows = sqlx::query("SELECT * FROM engagements WHERE campaign_id = $1 AND vendor_id = $2")
                .bind(campaign.0)
                .bind(vendor.0)
                .fetch_all(&self.pool)
                .await?;
            let covered = rows
                .iter()
                .filter_map(|r| crate::orgs::engagement_from_row(r).ok())
                .any(|e| e.is_active_on(today) && e.programs.iter().any(|p| p == &program.slug));
            if !covered {
                out.push(Invalid::new(
                    "vendors",
                    format!("{} has no engagement in force today that covers this program", share.vendor),
                ));
            }
        }
        Ok(out)
    }

    /// For each of the program's vendors (in the settings' order), the countries of its sites: where
    /// its agents may sit. A vendor with no site has none, and the policy engine then lacks the agents'
    /// country and allows no agent call.
    pub async fn program_vendor_countries(&self, actor: &Actor, program: &Program) -> StoreResult<Vec<Vec<String>>> {
        let campaign = crate::dial_history::dial_reader(actor)?;
        let mut out = Vec::with_capacity(program.vendor_ids.len());
        for vendor in &program.vendor_ids {
            let rows = sqlx::query(
                "SELECT DISTINCT country FROM sites WHERE vendor_id = $1                  AND vendor_id IN (SELECT vendor_id FROM engagements WHERE campaign_id = $2) ORDER BY country",
            )
            .bind(vendor.0)
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
            out.push(rows.iter().map(|r| r.get(0)).collect());
        }
        Ok(out)
    }

    /// The vendors of the settings, each one the campaign has an engagement with (any dates: the
    /// engagement in force is checked when the program starts).
    async fn engaged_vendors(&self, campaign: OrgId, settings: &ProgramSettings) -> StoreResult<Vec<Organization>> {
        let mut out = Vec::with_capacity(settings.vendors.len());
        for share in &settings.vendors {
            let row = sqlx::query(
                "SELECT id, kind, slug, name FROM organizations WHERE slug = $1 AND kind = 'vendor' \
                 AND id IN (SELECT vendor_id FROM engagements WHERE campaign_id = $2)",
            )
            .bind(&share.vendor)
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = row else {
                return Err(Invalid::new(
                    "vendors",
                    format!(
                        "{:?} is not a vendor this campaign has engaged",
                        share.vendor.chars().take(40).collect::<String>()
                    ),
                )
                .into());
            };
            out.push(crate::orgs::org_from_row(&row)?);
        }
        Ok(out)
    }

    /// The settings' universe, or a refusal naming the field.
    async fn program_universe(&self, actor: &Actor, settings: &ProgramSettings) -> StoreResult<crate::Universe> {
        self.universe_by_name(actor, &settings.universe).await.map_err(|e| match e {
            StoreError::NotFound => Invalid::new("universe", "no saved universe has that name").into(),
            other => other,
        })
    }

    async fn program_from_row(&self, row: &AnyRow) -> StoreResult<Program> {
        let id: i64 = row.get(0);
        let status: String = row.get(3);
        let json: String = row.get(4);
        let vendor_ids = sqlx::query("SELECT vendor_id FROM program_vendors WHERE program_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| OrgId(r.get(0)))
            .collect();
        Ok(Program {
            id,
            slug: row.get(1),
            name: row.get(2),
            status: ProgramStatus::parse(&status)
                .ok_or_else(|| StoreError::Other(format!("unknown program status {status:?}")))?,
            settings: serde_json::from_str(&json).map_err(|e| StoreError::Other(format!("program settings: {e}")))?,
            universe_id: row.get(5),
            vendor_ids,
            list_built_at_us: row.get(6),
            script_version_id: row.get(7),
        })
    }
}

/// The program's vendors and their shares, in the settings' order.
async fn write_vendors(
    tx: &mut crate::db::WriteTx,
    program_id: i64,
    vendors: &[Organization],
    settings: &ProgramSettings,
) -> StoreResult<()> {
    for (position, (vendor, share)) in vendors.iter().zip(&settings.vendors).enumerate() {
        sqlx::query("INSERT INTO program_vendors (program_id, vendor_id, percent, position) VALUES ($1, $2, $3, $4)")
            .bind(program_id)
            .bind(vendor.id.0)
            .bind(i64::from(share.percent))
            .bind(position as i64)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

const PROGRAM_SELECT: &str =
    "SELECT id, slug, name, status, settings_json, universe_id, list_built_at, script_version_id FROM programs";

/// Campaign staff who set programs up or read their results.
fn program_reader(actor: &Actor) -> StoreResult<OrgId> {
    match require_in_org(actor, Capability::ManagePrograms, None) {
        Ok(org) => Ok(org),
        Err(_) => require_in_org(actor, Capability::ViewResults, None),
    }
    .and_then(|org| match actor.principal() {
        Some(p) if p.org_kind != OrgKind::Campaign => Err(StoreError::Forbidden(Capability::ManagePrograms.as_str())),
        _ => Ok(org),
    })
}

fn checked_name(name: &str) -> StoreResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Invalid::new("name", "must be 1-120 characters").into());
    }
    Ok(name)
}
