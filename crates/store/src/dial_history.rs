//! What a program's call list and its attempts say of one person, for "why not now?", and the
//! recorded-message calls each number has had (CR-3's rolling 30 days per number per calling entity).
//!
//! Both are read by roles that explain dials (`explain_dials`) as well as by the dialer
//! (`manage_programs`): the explanation must be built from exactly the facts the dialer decides by.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::orgs::require_in_org;
use crate::programs::Program;
use clearline_core::program::EntryMode;
use clearline_core::{Actor, Capability, OrgId};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

/// The attempt kinds in which a recording talks (CR-3 counts them; voicemail drops are `agentless`).
pub const RECORDED_DIAL_KINDS: [&str; 2] = ["agentless", "ivr"];

/// One person's call-list entry as the dialer sees it.
#[derive(Clone, Debug, Serialize)]
pub struct EntryState {
    pub person_id: i64,
    /// The campaign's person key (the state voter ID for state files).
    pub voter_id: String,
    pub household_id: Option<i64>,
    /// The vendor whose agents take this person (its name), if the program has agents.
    pub vendor: Option<String>,
    pub vendor_id: Option<OrgId>,
    pub mode: EntryMode,
    /// The phone the list chose (its place among the person's phones), if any.
    pub phone_position: Option<u32>,
    /// The conditions the call list attached (comma-separated), e.g. `manual_dial_only`.
    pub conditions: String,
    /// Why the entry is excluded or was finished by a refusal (a reason key), else empty.
    pub exclusion: String,
    /// The plain sentence of the exclusion key, when the snapshot kept one.
    pub exclusion_sentence: Option<String>,
    pub attempts: u32,
    pub household_attempts: u32,
    pub last_attempt_at_us: Option<i64>,
    /// Not before this instant (spacing, a callback, a refusal only time cures).
    pub next_attempt_at_us: Option<i64>,
    /// The final disposition once the entry is done.
    pub final_disposition: Option<String>,
    pub callback: bool,
    /// The person or a member of the household has an attempt in flight now.
    pub household_in_flight: bool,
}

/// Programs managers (the dialer) and the roles that explain dials read these facts.
pub(crate) fn dial_reader(actor: &Actor) -> StoreResult<OrgId> {
    require_in_org(actor, Capability::ManagePrograms, None)
        .or_else(|_| require_in_org(actor, Capability::ExplainDials, None))
}

impl Store {
    /// The person's entry on the program's call list, by the campaign's person key. `NotFound` when
    /// the person is not on the list (or not in the campaign: the two are not told apart).
    pub async fn call_list_entry(&self, actor: &Actor, program: &Program, voter_id: &str) -> StoreResult<EntryState> {
        let campaign = dial_reader(actor)?;
        let row = sqlx::query(
            "SELECT e.person_id, p.person_key, e.household_id, o.name, e.vendor_id, e.mode, e.phone_position, \
             e.conditions, e.exclusion, r.sentence, e.attempts, e.last_attempt_at, e.next_attempt_at, \
             e.final_disposition, e.callback, \
             (SELECT CAST(COALESCE(SUM(h.attempts), 0) AS BIGINT) FROM call_list_entries h \
               WHERE h.program_id = e.program_id AND h.household_id = e.household_id), \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM call_attempts a WHERE a.program_id = e.program_id \
               AND a.state = 'in_flight' AND (a.person_id = e.person_id OR a.household_id = e.household_id)) \
               THEN 1 ELSE 0 END AS BIGINT) \
             FROM call_list_entries e JOIN persons p ON p.id = e.person_id \
             JOIN programs pr ON pr.id = e.program_id \
             LEFT JOIN organizations o ON o.id = e.vendor_id \
             LEFT JOIN call_list_reasons r ON r.program_id = e.program_id AND r.exclusion = e.exclusion \
             WHERE e.program_id = $1 AND pr.campaign_id = $2 AND p.campaign_id = $2 AND p.person_key = $3",
        )
        .bind(program.id)
        .bind(campaign.0)
        .bind(voter_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mode: String = row.get(5);
        Ok(EntryState {
            person_id: row.get(0),
            voter_id: row.get(1),
            household_id: row.get(2),
            vendor: row.get(3),
            vendor_id: row.get::<Option<i64>, _>(4).map(OrgId),
            mode: EntryMode::parse(&mode)
                .ok_or_else(|| StoreError::Other(format!("unknown call-list mode {mode:?}")))?,
            phone_position: row.get::<Option<i64>, _>(6).map(|p| p as u32),
            conditions: row.get(7),
            exclusion: row.get(8),
            exclusion_sentence: row.get(9),
            attempts: row.get::<i64, _>(10) as u32,
            last_attempt_at_us: row.get(11),
            next_attempt_at_us: row.get(12),
            final_disposition: row.get(13),
            callback: row.get::<i64, _>(14) == 1,
            household_attempts: row.get::<i64, _>(15) as u32,
            household_in_flight: row.get::<i64, _>(16) == 1,
        })
    }

    /// Records that the actor asked why a person of the program may or may not be called (the number
    /// was opened for the engine). The person is named by internal id only.
    pub async fn record_dial_explained(&self, actor: &Actor, program: &Program, person_id: i64) -> StoreResult<()> {
        let campaign = dial_reader(actor)?;
        let mut tx = self.write().await?;
        tx.audit(
            campaign,
            actor,
            "dial.explain",
            "program",
            &program.id.to_string(),
            json!({"program": program.slug, "person_id": person_id}),
        )
        .await?;
        tx.commit().await
    }

    /// For each phone `(person_id, position)` of these people: this program's calls to the same number
    /// since `since_us` — one subject, as CR-27 counts telephonic sales calls. Phones with none are
    /// absent.
    pub async fn program_calls_since(
        &self,
        actor: &Actor,
        program: &Program,
        person_ids: &[i64],
        since_us: i64,
    ) -> StoreResult<HashMap<(i64, u32), u32>> {
        let campaign = dial_reader(actor)?;
        // A program's id comes from the database: an integer, safe to write into the statement.
        self.calls_to_numbers_since(campaign, person_ids, since_us, &format!("a.program_id = {}", program.id)).await
    }

    /// For each phone `(person_id, position)` of these people: the recorded-message calls (CR-3) the
    /// campaign — the calling entity — has placed to the same number since `since_us`, in any of its
    /// programs and to whoever then held the number. Phones with none are absent.
    pub async fn recorded_calls_since(
        &self,
        actor: &Actor,
        person_ids: &[i64],
        since_us: i64,
    ) -> StoreResult<HashMap<(i64, u32), u32>> {
        let campaign = dial_reader(actor)?;
        let kinds = RECORDED_DIAL_KINDS.map(|k| format!("'{k}'")).join(",");
        self.calls_to_numbers_since(campaign, person_ids, since_us, &format!("a.dial_kind IN ({kinds})")).await
    }

    /// The campaign's attempts matching `condition` (SQL over `a`, the attempt) to each phone's number
    /// since `since_us`. Matched by blind index: a number reached through another person's record counts.
    async fn calls_to_numbers_since(
        &self,
        campaign: OrgId,
        person_ids: &[i64],
        since_us: i64,
        condition: &str,
    ) -> StoreResult<HashMap<(i64, u32), u32>> {
        let mut out = HashMap::new();
        if person_ids.is_empty() {
            return Ok(out);
        }
        let ids = person_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(&format!(
            "SELECT ph.person_id, ph.position, CAST(COUNT(a.id) AS BIGINT) FROM phones ph \
             JOIN phones dialed ON dialed.campaign_id = ph.campaign_id AND dialed.number_index = ph.number_index \
             JOIN call_attempts a ON a.person_id = dialed.person_id AND a.phone_position = dialed.position \
             JOIN programs pr ON pr.id = a.program_id AND pr.campaign_id = ph.campaign_id \
             WHERE ph.campaign_id = $1 AND ph.person_id IN ({ids}) AND {condition} \
             AND a.dialed_at >= $2 GROUP BY ph.person_id, ph.position"
        ))
        .bind(campaign.0)
        .bind(since_us)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            out.insert((r.get(0), r.get::<i64, _>(1) as u32), r.get::<i64, _>(2) as u32);
        }
        Ok(out)
    }
}
