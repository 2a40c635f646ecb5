//! Call results for export: one row per closed attempt, with the voter's identifiers, and their name
//! only for roles that may export personal data. Every export is recorded in the audit trail before
//! a byte of it is written.

use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use clearline_core::{Actor, Capability};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// One closed attempt as exported.
#[derive(Clone, Debug, Serialize)]
pub struct ResultRow {
    pub attempt_id: i64,
    /// The campaign's person key (the state voter ID for state files).
    pub voter_id: String,
    /// Only for roles with `export_personal_data`; `None` otherwise.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub vendor: Option<String>,
    pub dial_kind: String,
    pub line_type: Option<String>,
    /// The base code.
    pub disposition: String,
    /// The campaign's own code the agent picked, when they picked one (`disposition` is its base).
    pub custom_disposition: Option<String>,
    pub agent: Option<String>,
    pub dialed_at_us: i64,
    pub ended_at_us: Option<i64>,
    pub script_version_id: Option<i64>,
    pub language: Option<String>,
}

impl Store {
    /// Whether the actor's results exports carry names (`export_personal_data`), else identifiers only.
    pub fn results_carry_names(actor: &Actor) -> bool {
        actor.principal().is_some_and(|p| p.role.can(Capability::ExportPersonalData))
    }

    /// Records that the actor exports the program's results in `format` (call before writing them).
    pub async fn record_results_export(&self, actor: &Actor, slug: &str, format: &str, rows: u64) -> StoreResult<()> {
        let program = self.program_by_slug(actor, slug).await?;
        let campaign = require_in_org(actor, Capability::ViewResults, None)?;
        let mut tx = self.write().await?;
        tx.audit(
            campaign,
            actor,
            "results.export",
            "program",
            &program.id.to_string(),
            json!({"program": slug, "format": format, "rows": rows, "names": Self::results_carry_names(actor)}),
        )
        .await?;
        tx.commit().await
    }

    /// A page of the program's closed attempts (finished or interrupted) in id order after `after_id`.
    pub async fn program_results(
        &self,
        actor: &Actor,
        slug: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<ResultRow>> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let names = Self::results_carry_names(actor);
        let rows = sqlx::query(
            "SELECT a.id, p.person_key, p.first_name, p.last_name, o.slug, a.dial_kind, a.line_type, a.disposition, \
             a.agent, a.dialed_at, a.ended_at, a.script_version_id, a.language, a.custom_disposition \
             FROM call_attempts a JOIN persons p ON p.id = a.person_id \
             LEFT JOIN organizations o ON o.id = a.vendor_id \
             WHERE a.program_id = $1 AND a.state <> 'in_flight' AND a.id > $2 ORDER BY a.id LIMIT $3",
        )
        .bind(program.id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ResultRow {
                attempt_id: r.get(0),
                voter_id: r.get(1),
                first_name: if names { r.get(2) } else { None },
                last_name: if names { r.get(3) } else { None },
                vendor: r.get(4),
                dial_kind: r.get(5),
                line_type: r.get(6),
                disposition: r.get::<Option<String>, _>(7).unwrap_or_default(),
                agent: r.get(8),
                dialed_at_us: r.get(9),
                ended_at_us: r.get(10),
                script_version_id: r.get(11),
                language: r.get(12),
                custom_disposition: r.get(13),
            })
            .collect())
    }
}
