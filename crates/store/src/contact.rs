//! The do-not-call list (CR-47) and consent records (CR-50): who may not be called, and who agreed to
//! be called how. Numbers arrive encrypted with their blind index; the store never sees them in clear.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use clearline_core::{Actor, Capability, OrgId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

/// Where an opt-out came from (any reasonable means counts, CR-8).
pub const OPT_OUT_SOURCES: [&str; 7] = ["imported_list", "agent", "key_press", "text_reply", "email", "web", "mail"];

#[derive(Clone, Debug)]
pub struct DncEntry {
    pub number_index: Vec<u8>,
    pub number_enc: Vec<u8>,
}

/// What adding numbers to the list did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DncCounts {
    pub added: u64,
    pub already_listed: u64,
}

#[derive(Clone, Debug)]
pub struct NewConsent {
    pub number_index: Vec<u8>,
    pub number_enc: Vec<u8>,
    /// The committee (or vendor) the consent was given to.
    pub calling_entity: String,
    /// How it was obtained: `web_form`, `recorded_call`, `paper`, `text_reply`…
    pub source: String,
    /// The exact language the person agreed to.
    pub wording: String,
    /// The IP address or recording reference, encrypted.
    pub evidence_enc: Option<Vec<u8>>,
    pub obtained_at_us: i64,
    /// Given in writing: signed, or on a web form, by text or email (CR-27 needs it for automated
    /// commercial calls to Florida and Oklahoma); not an oral consent on a call.
    pub written: bool,
}

/// One Reassigned Numbers Database answer (CR-13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRndCheck {
    /// The date the query asked about: has the number been disconnected since then?
    pub asked_since_us: i64,
    /// `no` (not reassigned), `yes` (disconnected since: the consent is void) or `no_data`.
    pub result: String,
    pub checked_at_us: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsentInfo {
    pub id: i64,
    pub calling_entity: String,
    pub source: String,
    pub wording: String,
    pub obtained_at_us: i64,
    pub revoked_at_us: Option<i64>,
    pub written: bool,
}

fn who(actor: &Actor) -> String {
    actor.audit_name()
}

/// Adds numbers to a list table with `insert` (binding campaign, blind index, ciphertext, now, then
/// `extra`; a number already listed keeps its first row), counting what was new.
pub(crate) async fn insert_numbers(
    tx: &mut crate::db::WriteTx,
    insert: &str,
    campaign: OrgId,
    entries: &[DncEntry],
    extra: &[&str],
) -> StoreResult<DncCounts> {
    let mut counts = DncCounts::default();
    let now = now_us();
    for e in entries {
        let mut query =
            sqlx::query(insert).bind(campaign.0).bind(e.number_index.clone()).bind(e.number_enc.clone()).bind(now);
        for value in extra {
            query = query.bind(value.to_string());
        }
        if query.execute(&mut *tx.tx).await?.rows_affected() == 1 {
            counts.added += 1;
        } else {
            counts.already_listed += 1;
        }
    }
    Ok(counts)
}

impl Store {
    /// Adds numbers to the campaign's do-not-call list, all in one transaction. A number already listed
    /// keeps its first entry (the earliest opt-out is the one that counts).
    pub async fn add_do_not_call(&self, actor: &Actor, source: &str, entries: &[DncEntry]) -> StoreResult<DncCounts> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        if !OPT_OUT_SOURCES.contains(&source) {
            return Err(clearline_core::validate::Invalid::new("source", "not a known opt-out source").into());
        }
        let mut tx = self.write().await?;
        let insert =
            "INSERT INTO do_not_call (campaign_id, number_index, number_enc, recorded_at, source, recorded_by) \
                      VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, number_index) DO NOTHING";
        let counts = insert_numbers(&mut tx, insert, campaign, entries, &[source, &who(actor)]).await?;
        tx.audit(
            campaign,
            actor,
            "dnc.add",
            "do_not_call",
            &campaign.to_string(),
            json!({"source": source, "added": counts.added, "already_listed": counts.already_listed}),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Loads an extract of the federal Do Not Call Registry for every area code of `state` (CR-24), in
    /// one transaction: the numbers (already listed ones are kept once) and the extract's record, which
    /// makes the state's numbers not on the list known not to be on the Registry.
    pub async fn add_national_dnc_extract(
        &self,
        actor: &Actor,
        state: &str,
        extract_date: &str,
        entries: &[DncEntry],
    ) -> StoreResult<DncCounts> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(clearline_core::validate::Invalid::new("state", "a two-letter state code").into());
        }
        let mut tx = self.write().await?;
        let insert = "INSERT INTO national_dnc (campaign_id, number_index, number_enc, recorded_at) \
                      VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id, number_index) DO NOTHING";
        let counts = insert_numbers(&mut tx, insert, campaign, entries, &[]).await?;
        let now = now_us();
        sqlx::query(
            "INSERT INTO national_dnc_extracts (campaign_id, state, extract_date, numbers, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(campaign.0)
        .bind(state)
        .bind(extract_date)
        .bind(entries.len() as i64)
        .bind(now)
        .bind(who(actor))
        .execute(&mut *tx.tx)
        .await?;
        tx.audit(
            campaign,
            actor,
            "national_dnc.load",
            "national_dnc",
            state,
            json!({"extract_date": extract_date, "added": counts.added, "already_listed": counts.already_listed}),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// A number's place on the federal Registry as the campaign's extracts know it (CR-24): listed,
    /// not listed in an extract of its area-code state, or unknown (`None`).
    pub async fn national_dnc_status(
        &self,
        actor: &Actor,
        campaign: OrgId,
        number_index: &[u8],
        npa_state: Option<&str>,
    ) -> StoreResult<Option<bool>> {
        let org = require_in_org(actor, Capability::ManageDoNotCall, None)
            .or_else(|_| require_in_org(actor, Capability::ExportPersonalData, None))?;
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let listed: i64 = sqlx::query("SELECT COUNT(*) FROM national_dnc WHERE campaign_id = $1 AND number_index = $2")
            .bind(org.0)
            .bind(number_index.to_vec())
            .fetch_one(&self.pool)
            .await?
            .get(0);
        if listed > 0 {
            return Ok(Some(true));
        }
        let Some(state) = npa_state else { return Ok(None) };
        let covered: i64 =
            sqlx::query("SELECT COUNT(*) FROM national_dnc_extracts WHERE campaign_id = $1 AND state = $2")
                .bind(org.0)
                .bind(state)
                .fetch_one(&self.pool)
                .await?
                .get(0);
        Ok((covered > 0).then_some(false))
    }

    /// Records that a text reply or email arrived that does not read as an opt-out (CR-8), so a person
    /// reads it: never dropped silently. Its content is not stored here.
    pub async fn note_unrecognised_opt_out(&self, actor: &Actor, channel: &str) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        let mut tx = self.write().await?;
        tx.audit(
            campaign,
            actor,
            "dnc.message_unrecognised",
            "do_not_call",
            &campaign.to_string(),
            json!({"channel": channel}),
        )
        .await?;
        tx.commit().await
    }

    /// Is this number (by blind index) on the campaign's do-not-call list?
    pub async fn on_do_not_call(&self, actor: &Actor, campaign: OrgId, number_index: &[u8]) -> StoreResult<bool> {
        let org = match actor {
            Actor::System { .. } => campaign,
            _ => require_in_org(actor, Capability::ManageDoNotCall, None)?,
        };
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query("SELECT 1 FROM do_not_call WHERE campaign_id = $1 AND number_index = $2")
            .bind(org.0)
            .bind(number_index.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Records a consent (CR-50: source, time, exact wording, number, calling entity, evidence).
    pub async fn record_consent(&self, actor: &Actor, consent: NewConsent) -> StoreResult<i64> {
        let ids = self.insert_consents(actor, vec![consent]).await?;
        Ok(ids[0])
    }

    /// Records several consents in one transaction: all of them or, on any error, none.
    pub async fn record_consents(&self, actor: &Actor, consents: Vec<NewConsent>) -> StoreResult<u64> {
        Ok(self.insert_consents(actor, consents).await?.len() as u64)
    }

    async fn insert_consents(&self, actor: &Actor, consents: Vec<NewConsent>) -> StoreResult<Vec<i64>> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        for consent in &consents {
            for (field, value) in [
                ("calling_entity", &consent.calling_entity),
                ("source", &consent.source),
                ("wording", &consent.wording),
            ] {
                if value.trim().is_empty() {
                    return Err(clearline_core::validate::Invalid::new(
                        field,
                        "is required for a consent record (CR-50)",
                    )
                    .into());
                }
            }
        }
        let mut tx = self.write().await?;
        let mut ids = Vec::with_capacity(consents.len());
        for consent in consents {
            let id: i64 = sqlx::query(
                "INSERT INTO consents (campaign_id, number_index, number_enc, calling_entity, source, wording, \
                 evidence_enc, obtained_at, recorded_at, recorded_by, written) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(campaign.0)
            .bind(consent.number_index)
            .bind(consent.number_enc)
            .bind(consent.calling_entity.trim())
            .bind(consent.source.trim())
            .bind(consent.wording.trim())
            .bind(consent.evidence_enc)
            .bind(consent.obtained_at_us)
            .bind(now_us())
            .bind(who(actor))
            .bind(i64::from(consent.written))
            .fetch_one(&mut *tx.tx)
            .await?
            .get(0);
            tx.audit(
                campaign,
                actor,
                "consent.record",
                "consent",
                &id.to_string(),
                json!({"source": consent.source.trim(), "written": consent.written}),
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The consents on record for a number (by blind index), newest first.
    pub async fn consents_for(
        &self,
        actor: &Actor,
        campaign: OrgId,
        number_index: &[u8],
    ) -> StoreResult<Vec<ConsentInfo>> {
        let org = match actor {
            Actor::System { .. } => campaign,
            _ => require_in_org(actor, Capability::ManageDoNotCall, None)?,
        };
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query(
            "SELECT id, calling_entity, source, wording, obtained_at, revoked_at, written FROM consents \
             WHERE campaign_id = $1 AND number_index = $2 ORDER BY obtained_at DESC, id DESC",
        )
        .bind(org.0)
        .bind(number_index.to_vec())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ConsentInfo {
                id: r.get(0),
                calling_entity: r.get(1),
                source: r.get(2),
                wording: r.get(3),
                obtained_at_us: r.get(4),
                revoked_at_us: r.get(5),
                written: r.get::<i64, _>(6) == 1,
            })
            .collect())
    }

    /// Records Reassigned Numbers Database answers (CR-13, 47 CFR 64.1200(m): keep the query's time, the
    /// consent date asked about and the answer), all in one transaction. Each is `(number, answer)`.
    pub async fn record_rnd_checks(&self, actor: &Actor, checks: &[(DncEntry, NewRndCheck)]) -> StoreResult<u64> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        let mut tx = self.write().await?;
        let recorded_at = now_us();
        for (number, check) in checks {
            if !["no", "yes", "no_data"].contains(&check.result.as_str()) {
                return Err(clearline_core::validate::Invalid::new("result", "must be no, yes or no_data").into());
            }
            sqlx::query(
                "INSERT INTO rnd_checks (campaign_id, number_index, number_enc, asked_since, result, checked_at, \
                 recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(campaign.0)
            .bind(number.number_index.clone())
            .bind(number.number_enc.clone())
            .bind(check.asked_since_us)
            .bind(check.result.as_str())
            .bind(check.checked_at_us)
            .bind(recorded_at)
            .bind(who(actor))
            .execute(&mut *tx.tx)
            .await?;
        }
        let count = checks.len() as u64;
        tx.audit(campaign, actor, "rnd.record", "rnd_checks", "", json!({"checks": count})).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// The newest Reassigned Numbers Database check of a number (by blind index), if any.
    pub async fn newest_rnd_check(
        &self,
        actor: &Actor,
        campaign: OrgId,
        number_index: &[u8],
    ) -> StoreResult<Option<crate::RndRow>> {
        let org = require_in_org(actor, Capability::ManageDoNotCall, None)
            .or_else(|_| require_in_org(actor, Capability::ExportPersonalData, None))?;
        if org != campaign {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(
            "SELECT result, checked_at, asked_since FROM rnd_checks WHERE campaign_id = $1 AND number_index = $2 \
             ORDER BY checked_at DESC, id DESC LIMIT 1",
        )
        .bind(org.0)
        .bind(number_index.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| crate::RndRow { result: r.get(0), checked_at_us: r.get(1), asked_since_us: r.get(2) }))
    }

    /// Revokes a consent (any reasonable means counts, CR-8); the record stays, marked.
    pub async fn revoke_consent(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManageDoNotCall, None)?;
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE consents SET revoked_at = $1 WHERE id = $2 AND campaign_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_us())
        .bind(id)
        .bind(campaign.0)
        .execute(&mut *tx.tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        tx.audit(campaign, actor, "consent.revoke", "consent", &id.to_string(), json!({})).await?;
        tx.commit().await
    }
}
