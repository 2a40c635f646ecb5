//! Reading, verifying and checkpointing the audit chains.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::audit::{checkpoint_message, verify_chain, AuditEntry, AuditEvent, ChainHead, ChainProblem};
use clearline_core::{Actor, Capability, OrgId};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Filters for reading an organization's log (all optional).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Actions starting with this text (`session.` for every sign-in event).
    pub action_prefix: Option<String>,
    /// Exactly this actor (`user:42`).
    pub actor: Option<String>,
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    /// Events with a sequence number below this (for paging back).
    pub before_seq: Option<i64>,
    /// At most this many events (newest first); defaults to 200, capped at 10,000.
    pub limit: Option<i64>,
}

/// A signed daily checkpoint of one chain's head.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub org_id: OrgId,
    pub day: String,
    pub head: ChainHead,
    pub public_key: String,
    pub signature: String,
}

/// The result of verifying one organization's chain.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainReport {
    pub org_id: OrgId,
    pub slug: String,
    pub events: usize,
    pub head: Option<ChainHead>,
    pub checkpoints: usize,
    pub problem: Option<ChainProblem>,
    /// A checkpoint whose signature does not verify (the checkpoint itself was forged or altered).
    pub bad_checkpoint: Option<String>,
}

impl ChainReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none() && self.bad_checkpoint.is_none()
    }
}

fn event_from_row(row: &AnyRow) -> StoreResult<AuditEvent> {
    let details: String = row.get("details");
    Ok(AuditEvent {
        org_id: OrgId(row.get("org_id")),
        seq: row.get("seq"),
        entry: AuditEntry {
            occurred_at_us: row.get("occurred_at"),
            actor: row.get("actor"),
            actor_org: row.get::<Option<i64>, _>("actor_org").map(OrgId),
            action: row.get("action"),
            object_type: row.get("object_type"),
            object_id: row.get("object_id"),
            source: row.get("source"),
            // A details column that is no longer JSON was edited: keep its text so the hash check names it.
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        },
        prev_hash: row.get("prev_hash"),
        hash: row.get("hash"),
    })
}

impl Store {
    /// Reads the actor's organization's log, newest first.
    pub async fn audit_events(&self, actor: &Actor, filter: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
        let org = require_in_org(actor, Capability::ViewAuditLog, None)?;
        self.audit_events_of(org, filter).await
    }

    /// Records that the actor exported the log (call before streaming the export).
    pub async fn record_audit_export(&self, actor: &Actor, filter: &AuditFilter) -> StoreResult<()> {
        let org = require_in_org(actor, Capability::ExportAuditLog, None)?;
        let mut tx = self.write().await?;
        tx.audit(org, actor, "audit.export", "audit_log", &org.to_string(), json!({"filter": filter})).await?;
        tx.commit().await
    }

    async fn audit_events_of(&self, org: OrgId, filter: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
        let limit = filter.limit.unwrap_or(200).clamp(1, 10_000);
        let prefix = filter.action_prefix.as_deref().unwrap_or("");
        let like = format!("{}%", prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE org_id = $1 AND action LIKE $2 ESCAPE '\\' \
             AND ($3 = '' OR actor = $3) AND occurred_at >= $4 AND occurred_at <= $5 AND seq < $6 \
             ORDER BY seq DESC LIMIT $7",
        )
        .bind(org.0)
        .bind(like)
        .bind(filter.actor.clone().unwrap_or_default())
        .bind(filter.since_us.unwrap_or(i64::MIN))
        .bind(filter.until_us.unwrap_or(i64::MAX))
        .bind(filter.before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Recomputes every chain (system jobs: `clearline audit verify`), or the actor's own chain.
    /// `expect` adds an externally kept head for one organization.
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        expect: Option<(OrgId, ChainHead)>,
    ) -> StoreResult<Vec<ChainReport>> {
        let orgs: Vec<(i64, String)> = match actor {
            Actor::System { .. } => sqlx::query("SELECT id, slug FROM organizations ORDER BY id")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect(),
            _ => {
                let org = require_in_org(actor, Capability::ViewAuditLog, None)?;
                sqlx::query("SELECT id, slug FROM organizations WHERE id = $1")
                    .bind(org.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect()
            }
        };
        let mut reports = Vec::new();
        for (id, slug) in orgs {
            let org = OrgId(id);
            let rows = sqlx::query("SELECT * FROM audit_events WHERE org_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            let events: Vec<AuditEvent> = rows.iter().map(event_from_row).collect::<StoreResult<_>>()?;
            let checkpoints = self.checkpoints(org).await?;
            let mut heads: Vec<ChainHead> = Vec::new();
            let mut bad_checkpoint = None;
            for cp in &checkpoints {
                if !checkpoint_signature_valid(cp) {
                    bad_checkpoint.get_or_insert_with(|| cp.day.clone());
                }
                heads.push(cp.head.clone());
            }
            let stored_head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(h) = stored_head {
                let seq: i64 = h.get(0);
                if seq > 0 {
                    heads.push(ChainHead { seq, hash: h.get(1) });
                }
            }
            if let Some((expect_org, head)) = &expect {
                if *expect_org == org {
                    heads.push(head.clone());
                }
            }
            let (head, problem) = match verify_chain(&events, &heads) {
                Ok(head) => (head, None),
                Err(p) => (None, Some(p)),
            };
            reports.push(ChainReport {
                org_id: org,
                slug,
                events: events.len(),
                head,
                checkpoints: checkpoints.len(),
                problem,
                bad_checkpoint,
            });
        }
        Ok(reports)
    }

    async fn checkpoints(&self, org: OrgId) -> StoreResult<Vec<Checkpoint>> {
        let rows = sqlx::query("SELECT * FROM audit_checkpoints WHERE org_id = $1 ORDER BY day")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Checkpoint {
                org_id: OrgId(r.get("org_id")),
                day: r.get("day"),
                head: ChainHead { seq: r.get("seq"), hash: r.get("hash") },
                public_key: r.get("public_key"),
                signature: r.get("signature"),
            })
            .collect())
    }

    /// Signs today's checkpoint of every chain that has none yet (UTC day). Returns how many were written.
    pub async fn write_checkpoints(&self, actor: &Actor, key: &SigningKey) -> StoreResult<usize> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(StoreError::Forbidden("checkpoints are written by the system"));
        }
        let day = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
        let heads = sqlx::query(
            "SELECT h.org_id, h.seq, h.hash FROM audit_heads h WHERE h.seq > 0 AND NOT EXISTS \
             (SELECT 1 FROM audit_checkpoints c WHERE c.org_id = h.org_id AND c.day = $1)",
        )
        .bind(&day)
        .fetch_all(&self.pool)
        .await?;
        let mut written = 0;
        for row in heads {
            let org = OrgId(row.get(0));
            let head = ChainHead { seq: row.get(1), hash: row.get(2) };
            let signature = key.sign(&checkpoint_message(org, &day, &head));
            let inserted = sqlx::query(
                "INSERT INTO audit_checkpoints (org_id, day, seq, hash, public_key, signature, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, day) DO NOTHING",
            )
            .bind(org.0)
            .bind(&day)
            .bind(head.seq)
            .bind(&head.hash)
            .bind(hex::encode(key.verifying_key().as_bytes()))
            .bind(hex::encode(signature.to_bytes()))
            .bind(now_us())
            .execute(&self.pool)
            .await?;
            written += inserted.rows_affected() as usize;
        }
        Ok(written)
    }
}

fn checkpoint_signature_valid(cp: &Checkpoint) -> bool {
    let Ok(key_bytes) = hex::decode(&cp.public_key) else {
        return false;
    };
    let Ok(sig_bytes) = hex::decode(&cp.signature) else {
        return false;
    };
    let Ok(key_array) = <[u8; 32]>::try_from(key_bytes.as_slice()) else {
        return false;
    };
    let Ok(sig_array) = <[u8; 64]>::try_from(sig_bytes.as_slice()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key_array) else {
        return false;
    };
    key.verify(&checkpoint_message(cp.org_id, &cp.day, &cp.head), &Signature::from_bytes(&sig_array)).is_ok()
}
