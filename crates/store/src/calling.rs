//! Calling: starting and pausing programs, handing out the call list's next leads, and the durable
//! record of every attempt.
//!
//! The order of writes is the guarantee (issue 6, "durable"): an attempt row is written, and the
//! entry's attempt count raised, *before* the number is dialed; its result is written before the result
//! is acknowledged to the agent. So a process that stops loses no attempt and no result, and on restart
//! [`Store::interrupt_attempts`] closes what was in flight as `interrupted` — already counted toward the
//! attempt rules, and not dialed again before its spacing.
//!
//! Attempts and agent state changes are records of their own (`call_attempts`, `agent_state_log`, the
//! latter append-only), not audit events: a shift makes tens of thousands, and the audit chain is for
//! changes people make. Starting and pausing a program, and opt-outs taken on a call, are audited.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use crate::programs::Program;
use clearline_core::disposition::Disposition;
use clearline_core::program::{EntryMode, ProgramStatus, Quota, QuotaField};
use clearline_core::validate::Invalid;
use clearline_core::{Actor, Capability, OrgId};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::collections::BTreeMap;

/// Spacing between attempts when the program sets none: a no-answer or busy number is not tried again
/// within the hour (a supervisor's usual recycle; the program's `min_spacing_minutes` overrides it).
pub const DEFAULT_RETRY_SPACING_MINUTES: u32 = 60;

/// One call-list entry the dialer may try now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialableEntry {
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub vendor_id: Option<OrgId>,
    pub mode: EntryMode,
    pub phone_position: Option<u32>,
    /// Attempts already made (this one not counted).
    pub attempts: u32,
    /// Attempts already made to the household (every member).
    pub household_attempts: u32,
    /// The person asked to be called back at this time.
    pub callback: bool,
    /// When the last attempt was dialed (µs since the epoch).
    pub last_attempt_at_us: Option<i64>,
    /// The person's party in the voter file (simulated survey respondents answer by it).
    pub party: Option<String>,
}

/// An attempt about to be dialed.
#[derive(Clone, Debug)]
pub struct NewAttempt {
    /// The entry's person; the household, vendor and phone to dial are the entry's.
    pub person_id: i64,
    /// `paced`, `power`, `preview`, `agentless`, `ivr`.
    pub dial_kind: &'static str,
    pub agent: Option<String>,
    pub dialed_at_us: i64,
    pub simulated: bool,
}

/// A finished attempt's result and times (µs since the epoch).
#[derive(Clone, Debug)]
pub struct AttemptResult {
    /// The base code: what the redial rules, the rates and every reader go by.
    pub disposition: Disposition,
    /// The campaign's own code the agent picked, which means `disposition` (checked in the write).
    pub custom_disposition: Option<String>,
    pub agent: Option<String>,
    pub rang_at_us: Option<i64>,
    pub answered_at_us: Option<i64>,
    pub greeting_ended_at_us: Option<i64>,
    pub bridged_at_us: Option<i64>,
    pub ended_at_us: i64,
    /// For `callback_requested`: when to call back (default: the program's spacing).
    pub callback_at_us: Option<i64>,
    /// The survey answers given on the call, in the order asked: written with the result, in its
    /// transaction.
    pub answers: Vec<AnswerRecord>,
    /// The script steps the agent desk showed, in order, with when each was entered and left (people at
    /// the desk; empty for bots and agentless calls).
    pub steps: Vec<StepRecord>,
    /// The caller's note, encrypted by the vault (the store never sees it).
    pub notes_enc: Option<Vec<u8>>,
    /// A `do_not_call` result on a vendor's floor: the number sealed for the vendor's own list, written
    /// with the result (the campaign's list is written from the dialed phone in any case).
    pub vendor_opt_out: Option<crate::VendorOptOut>,
    /// The approved recording the call played, if any (only approved audio plays: the write refuses a
    /// version of another campaign or one not approved).
    pub audio_version_id: Option<i64>,
}

/// One script step shown on a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub step: String,
    pub entered_at_us: i64,
    pub left_at_us: Option<i64>,
    /// The language of the version it was shown from.
    pub language: Option<String>,
}

/// What the caller did on one call: the steps and the encrypted note.
#[derive(Clone, Debug, Serialize)]
pub struct CallRecord {
    pub attempt_id: i64,
    pub agent: Option<String>,
    pub disposition: Option<String>,
    /// The campaign's own code the agent picked, when they picked one (`disposition` is its base).
    pub custom_disposition: Option<String>,
    pub script_version_id: Option<i64>,
    pub language: Option<String>,
    pub steps: Vec<StepRecord>,
    #[serde(skip)]
    pub notes_enc: Option<Vec<u8>>,
}

/// One survey answer as the store keeps it: ciphertext made by the vault under the campaign's data
/// key (the store never sees the answer), and the order the options were shown in (not personal).
#[derive(Clone, Debug)]
pub struct AnswerRecord {
    /// The question's step id.
    pub step: String,
    pub answer_enc: Vec<u8>,
    /// Option keys in the order shown, for a `randomize` question.
    pub shown_order: Option<Vec<String>>,
    pub answered_at_us: i64,
}

/// What a program's calling has done, counted.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallStats {
    pub attempts: u64,
    pub in_flight: u64,
    pub contacts: u64,
    pub completes: u64,
    /// Finished and interrupted attempts by disposition code.
    pub by_disposition: BTreeMap<String, u64>,
    /// Attempts recorded with one of the campaign's custom codes, by code, each with the base it means
    /// (already counted under that base in `by_disposition`).
    pub by_custom_disposition: Vec<CustomCount>,
    /// Attempts by vendor slug (`none` for an agentless program).
    pub by_vendor: BTreeMap<String, u64>,
    /// Call-list entries that are done (a final disposition or their last allowed attempt).
    pub entries_done: u64,
    /// Entries whose dial the policy refused at the instant of dialing, for good.
    pub entries_denied: u64,
    /// The attempts the call list's entries count (equal to `attempts`: every attempt is counted on its
    /// entry in the transaction that records it). Read while a node is calling, the two may differ by
    /// the attempts written between the separate queries that count them. This and the two entry
    /// counts above are kept with the entries (`call_list_progress`, migration 0030).
    pub entry_attempts: u64,
}

/// Attempts recorded with one custom code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomCount {
    pub code: String,
    /// The base code it means.
    pub base: String,
    pub attempts: u64,
}

/// One stored attempt, as oversight and exports read it (ids and times only, never a number).
#[derive(Clone, Debug, Serialize)]
pub struct AttemptRow {
    pub id: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub vendor: Option<String>,
    /// The dialed phone's line type when it was dialed.
    pub line_type: Option<String>,
    /// The script version attached to the program when the attempt was dialed, and its language.
    pub script_version_id: Option<i64>,
    pub language: Option<String>,
    /// The approved recording the call played (safe harbor, voicemail drop, message or IVR prompt).
    pub audio_version_id: Option<i64>,
    pub dial_kind: String,
    pub state: String,
    pub disposition: Option<String>,
    /// The campaign's own code the agent picked (`disposition` is its base).
    pub custom_disposition: Option<String>,
    pub agent: Option<String>,
    pub dialed_at_us: i64,
    pub rang_at_us: Option<i64>,
    pub answered_at_us: Option<i64>,
    pub greeting_ended_at_us: Option<i64>,
    pub bridged_at_us: Option<i64>,
    pub ended_at_us: Option<i64>,
    pub simulated: bool,
}

impl Store {
    /// Starts a draft or paused program when nothing blocks it ([`Store::program_start_blockers`]); the
    /// first blocker is the refusal, naming its field.
    pub async fn start_program(&self, actor: &Actor, slug: &str, today: Date) -> StoreResult<Program> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        if !matches!(program.status, ProgramStatus::Draft | ProgramStatus::Paused) {
            return Err(Invalid::new("status", "only a draft or paused program can start").into());
        }
        if let Some(blocker) = self.program_start_blockers(actor, slug, today).await?.into_iter().next() {
            return Err(blocker.into());
        }
        self.set_program_status(actor, campaign, &program, ProgramStatus::Running, "program.start").await?;
        self.program_by_slug(actor, slug).await
    }

    /// Pauses a running program: the dialer places no new call (calls in progress finish).
    pub async fn pause_program(&self, actor: &Actor, slug: &str) -> StoreResult<Program> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        if program.status != ProgramStatus::Running {
            return Err(Invalid::new("status", "only a running program can be paused").into());
        }
        self.set_program_status(actor, campaign, &program, ProgramStatus::Paused, "program.pause").await?;
        self.program_by_slug(actor, slug).await
    }

    async fn set_program_status(
        &self,
        actor: &Actor,
        campaign: OrgId,
        program: &Program,
        status: ProgramStatus,
        action: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE programs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(status.as_str())
            .bind(now_us())
            .bind(program.id)
            .bind(program.status.as_str())
            .execute(&mut *tx.tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict { field: "status" });
        }
        tx.audit(
            campaign,
            actor,
            action,
            "program",
            &program.id.to_string(),
            json!({"slug": program.slug, "from": program.status.as_str(), "to": status.as_str()}),
        )
        .await?;
        tx.commit().await
    }

    /// Up to `limit` entries of a running program for `vendor`'s floor (`None`: an agentless program's
    /// entries, which have no vendor) that may be dialed at `now_us`, in the program's
    /// order: callbacks due first, then fresh records, then retries (oldest due first). Never an entry
    /// whose person or household has an attempt in flight, nor one in `skip` (leads the dialer holds).
    pub async fn dialable_entries(
        &self,
        actor: &Actor,
        program: &Program,
        vendor: Option<OrgId>,
        now_us: i64,
        limit: usize,
        skip: &[i64],
    ) -> StoreResult<Vec<DialableEntry>> {
        require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        if program.status != ProgramStatus::Running {
            return Ok(Vec::new());
        }
        let max_attempts = i64::from(program.settings.max_attempts);
        // `skip` is small (the leads one dialer holds); it travels as a list of integers.
        let skip_sql =
            if skip.is_empty() { String::new() } else { format!(" AND e.person_id NOT IN ({})", join_ids(skip)) };
        let vendor_sql = match vendor {
            Some(v) => format!(" AND e.vendor_id = {}", v.0),
            None => " AND e.vendor_id IS NULL".to_string(),
        };
        // Survey quotas: the people of a full cell are no longer handed out.
        let full = self.full_quota_cells(program, now_us).await?;
        let (quota_sql, quota_binds) = if full.is_empty() {
            (String::new(), Vec::new())
        } else {
            let (cond, binds) = cells_condition(&full, year_of(now_us), 5);
            (format!(" AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = e.person_id AND ({cond}))"), binds)
        };
        let sql = format!(
            "SELECT e.person_id, e.household_id, e.vendor_id, e.mode, e.phone_position, e.attempts, e.callback, \
             (SELECT CAST(COALESCE(SUM(h.attempts), 0) AS BIGINT) FROM call_list_entries h WHERE h.program_id = e.program_id \
               AND h.household_id = e.household_id), e.last_attempt_at, \
             (SELECT pp.party FROM persons pp WHERE pp.id = e.person_id) \
             FROM call_list_entries e WHERE e.program_id = $1 AND e.mode <> 'excluded' \
             AND e.final_disposition IS NULL AND e.attempts < $2 \
             AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= $3) \
             AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.program_id = e.program_id \
               AND a.state = 'in_flight' AND (a.person_id = e.person_id OR a.household_id = e.household_id)){skip_sql}{vendor_sql}{quota_sql} \
             ORDER BY e.callback DESC, CASE WHEN e.attempts = 0 THEN 0 ELSE 1 END, \
               COALESCE(e.next_attempt_at, 0), e.person_id LIMIT $4"
        );
        let mut query = sqlx::query(&sql).bind(program.id).bind(max_attempts).bind(now_us).bind(limit as i64);
        for b in quota_binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let mode: String = r.get(3);
                Ok(DialableEntry {
                    person_id: r.get(0),
                    household_id: r.get(1),
                    vendor_id: r.get::<Option<i64>, _>(2).map(OrgId),
                    mode: EntryMode::parse(&mode)
                        .ok_or_else(|| StoreError::Other(format!("unknown call-list mode {mode:?}")))?,
                    phone_position: r.get::<Option<i64>, _>(4).map(|p| p as u32),
                    attempts: r.get::<i64, _>(5) as u32,
                    callback: r.get::<i64, _>(6) == 1,
                    household_attempts: r.get::<i64, _>(7) as u32,
                    last_attempt_at_us: r.get(8),
                    party: r.get(9),
                })
            })
            .collect()
    }

    /// Records an attempt before it is dialed and counts it on the entry; returns its id. Refused when
    /// the person or household already has an attempt in flight (never two live attempts at once).
    pub async fn open_attempt(&self, actor: &Actor, program: &Program, attempt: &NewAttempt) -> StoreResult<i64> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        let entry = sqlx::query(
            "SELECT household_id, vendor_id, phone_position FROM call_list_entries \
             WHERE program_id = $1 AND person_id = $2 AND mode <> 'excluded' AND final_disposition IS NULL \
             AND attempts < $3",
        )
        .bind(program.id)
        .bind(attempt.person_id)
        .bind(i64::from(program.settings.max_attempts))
        .fetch_optional(&mut *tx.tx)
        .await?;
        let Some(entry) = entry else {
            return Err(Invalid::new("person", "not a dialable entry of this program's call list").into());
        };
        let household: Option<i64> = entry.get(0);
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) FROM call_attempts WHERE program_id = $1 AND state = 'in_flight' \
             AND (person_id = $2 OR household_id = $3)",
        )
        .bind(program.id)
        .bind(attempt.person_id)
        .bind(household)
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        if live > 0 {
            return Err(StoreError::Conflict { field: "person" });
        }
        // A survey quota cell that filled since the lead was handed out: not dialed.
        let full = self.full_quota_cells(program, attempt.dialed_at_us).await?;
        if !full.is_empty() {
            let (cond, binds) = cells_condition(&full, year_of(attempt.dialed_at_us), 2);
            let sql = format!("SELECT COUNT(*) FROM persons p WHERE p.id = $1 AND ({cond})");
            let mut query = sqlx::query(&sql).bind(attempt.person_id);
            for b in binds {
                query = query.bind(b);
            }
            let n: i64 = query.fetch_one(&mut *tx.tx).await?.get(0);
            if n > 0 {
                return Err(Invalid::new("quota", "the person's survey quota cell is full").into());
            }
        }
        sqlx::query(
            "UPDATE call_list_entries SET attempts = attempts + 1, last_attempt_at = $1, callback = 0 \
             WHERE program_id = $2 AND person_id = $3",
        )
        .bind(attempt.dialed_at_us)
        .bind(program.id)
        .bind(attempt.person_id)
        .execute(&mut *tx.tx)
        .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO call_attempts (program_id, person_id, household_id, vendor_id, phone_position, line_type, \
             script_version_id, language, dial_kind, state, agent, dialed_at, simulated) VALUES ($1, $2, $3, $4, $5, \
             (SELECT line_type FROM phones WHERE person_id = $2 AND position = $5), \
             (SELECT script_version_id FROM programs WHERE id = $1), \
             (SELECT v.language FROM script_versions v JOIN programs p ON p.script_version_id = v.id WHERE p.id = $1), \
             $6, 'in_flight', $7, $8, $9) RETURNING id",
        )
        .bind(program.id)
        .bind(attempt.person_id)
        .bind(household)
        .bind(entry.get::<Option<i64>, _>(1))
        .bind(entry.get::<Option<i64>, _>(2))
        .bind(attempt.dial_kind)
        .bind(attempt.agent.as_deref())
        .bind(attempt.dialed_at_us)
        .bind(i64::from(attempt.simulated))
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        tx.signal(calls_signal(campaign, program));
        tx.commit().await?;
        Ok(id)
    }

    /// Closes an attempt with its result, and sets what the entry's next attempt may be: none after a
    /// final disposition or the last allowed attempt; otherwise not before the program's spacing (or the
    /// callback time the person asked for). A `do_not_call` result puts the dialed number on the
    /// campaign's do-not-call list in the same transaction: effective at once (CR-47).
    pub async fn finish_attempt(
        &self,
        actor: &Actor,
        program: &Program,
        attempt_id: i64,
        result: &AttemptResult,
    ) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        if let Some(code) = result.custom_disposition.as_deref() {
            crate::dispositions::check_recorded_code(&mut tx.tx, campaign, code, result.disposition).await?;
        }
        if let Some(version) = result.audio_version_id {
            crate::audio::check_played(&mut tx.tx, campaign, version).await?;
        }
        let row = sqlx::query(
            "UPDATE call_attempts SET state = 'finished', disposition = $1, agent = COALESCE($2, agent), \
             rang_at = $3, answered_at = $4, greeting_ended_at = $5, bridged_at = $6, ended_at = $7, notes_enc = $10, \
             custom_disposition = $11, audio_version_id = $12 \
             WHERE id = $8 AND program_id = $9 AND state = 'in_flight' RETURNING person_id, phone_position",
        )
        .bind(result.disposition.code())
        .bind(result.agent.as_deref())
        .bind(result.rang_at_us)
        .bind(result.answered_at_us)
        .bind(result.greeting_ended_at_us)
        .bind(result.bridged_at_us)
        .bind(result.ended_at_us)
        .bind(attempt_id)
        .bind(program.id)
        .bind(result.notes_enc.as_deref())
        .bind(result.custom_disposition.as_deref())
        .bind(result.audio_version_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
        let Some(row) = row else {
            return Err(Invalid::new("attempt", "no attempt of this program is in flight with that id").into());
        };
        for (i, step) in result.steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO call_steps (attempt_id, position, step, entered_at, left_at, language) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(attempt_id)
            .bind(i as i64)
            .bind(&step.step)
            .bind(step.entered_at_us)
            .bind(step.left_at_us)
            .bind(step.language.as_deref())
            .execute(&mut *tx.tx)
            .await?;
        }
        // A caller who switched language mid-call: the attempt records the language it ended in (the
        // steps record the switch).
        if let Some(language) = result.steps.last().and_then(|s| s.language.as_deref()) {
            sqlx::query("UPDATE call_attempts SET language = $1 WHERE id = $2")
                .bind(language)
                .bind(attempt_id)
                .execute(&mut *tx.tx)
                .await?;
        }
        let person: i64 = row.get(0);
        let position: Option<i64> = row.get(1);
        for (i, a) in result.answers.iter().enumerate() {
            sqlx::query(
                "INSERT INTO survey_answers (attempt_id, program_id, step, position, answer_enc, shown_order, answered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(attempt_id)
            .bind(program.id)
            .bind(&a.step)
            .bind(i as i64)
            .bind(&a.answer_enc)
            .bind(a.shown_order.as_ref().map(|o| o.join(",")))
            .bind(a.answered_at_us)
            .execute(&mut *tx.tx)
            .await
            .map_err(StoreError::conflict_on("answers"))?;
        }
        let spacing_us = spacing_us(program);
        let next = match (result.disposition, result.callback_at_us) {
            (Disposition::CallbackRequested, Some(at)) => at,
            _ => result.ended_at_us + spacing_us,
        };
        let callback = i64::from(result.disposition == Disposition::CallbackRequested);
        sqlx::query(
            "UPDATE call_list_entries SET \
             final_disposition = CASE WHEN $1 = 1 OR attempts >= $2 THEN $3 ELSE NULL END, \
             next_attempt_at = CASE WHEN $1 = 1 OR attempts >= $2 THEN NULL ELSE $4 END, callback = $5 \
             WHERE program_id = $6 AND person_id = $7",
        )
        .bind(i64::from(result.disposition.is_final()))
        .bind(i64::from(program.settings.max_attempts))
        .bind(result.disposition.code())
        .bind(next)
        .bind(callback)
        .bind(program.id)
        .bind(person)
        .execute(&mut *tx.tx)
        .await?;
        if result.disposition == Disposition::DoNotCall {
            let added = sqlx::query(
                "INSERT INTO do_not_call (campaign_id, number_index, number_enc, source, recorded_at, recorded_by) \
                 SELECT campaign_id, number_index, number_enc, $1, $2, $3 FROM phones \
                 WHERE person_id = $4 AND position = $5 AND campaign_id = $6 \
                 ON CONFLICT (campaign_id, number_index) DO NOTHING",
            )
            .bind(if result.agent.is_some() { "agent" } else { "key_press" })
            .bind(result.ended_at_us)
            .bind(actor.audit_name())
            .bind(person)
            .bind(position)
            .bind(campaign.0)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            tx.audit(
                campaign,
                actor,
                "dnc.add",
                "call_attempt",
                &attempt_id.to_string(),
                json!({"source": "call", "program": program.slug, "added": added}),
            )
            .await?;
            if let Some(opt_out) = &result.vendor_opt_out {
                // Only the vendor whose floor placed the call: its list is not another vendor's to fill.
                let entry_vendor: Option<i64> =
                    sqlx::query("SELECT vendor_id FROM call_list_entries WHERE program_id = $1 AND person_id = $2")
                        .bind(program.id)
                        .bind(person)
                        .fetch_one(&mut *tx.tx)
                        .await?
                        .get(0);
                if entry_vendor != Some(opt_out.vendor.0) {
                    return Err(Invalid::new("vendor_opt_out", "not the vendor this entry is assigned to").into());
                }
                let source = if result.agent.is_some() { "agent" } else { "key_press" };
                crate::vendor_dnc::list_on_vendor(
                    &mut tx,
                    actor,
                    opt_out,
                    campaign,
                    source,
                    result.ended_at_us,
                    &program.slug,
                )
                .await?;
            }
        }
        tx.signal(calls_signal(campaign, program));
        tx.commit().await
    }

    /// The policy refused an entry at the instant of dialing: until `until_us` when only time cures it
    /// (calling hours, spacing), otherwise for good, with the refusing rules' key as its exclusion.
    pub async fn defer_entry(
        &self,
        actor: &Actor,
        program: &Program,
        person_id: i64,
        until_us: Option<i64>,
        rules: &str,
    ) -> StoreResult<()> {
        require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        match until_us {
            Some(until) => {
                sqlx::query(
                    "UPDATE call_list_entries SET next_attempt_at = $1 WHERE program_id = $2 AND person_id = $3",
                )
                .bind(until)
                .bind(program.id)
                .bind(person_id)
                .execute(&mut *tx.tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "UPDATE call_list_entries SET final_disposition = 'denied', exclusion = $1, next_attempt_at = NULL \
                     WHERE program_id = $2 AND person_id = $3",
                )
                .bind(rules)
                .bind(program.id)
                .bind(person_id)
                .execute(&mut *tx.tx)
                .await?;
            }
        }
        tx.commit().await
    }

    /// Closes every attempt of the program still in flight (the process that placed it stopped) as
    /// `interrupted`: it already counted toward the attempt rules; the entry waits out its spacing from
    /// `now_us`. Returns how many were closed.
    pub async fn interrupt_attempts(&self, actor: &Actor, program: &Program, now_us: i64) -> StoreResult<u64> {
        require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        let persons: Vec<i64> =
            sqlx::query("SELECT person_id FROM call_attempts WHERE program_id = $1 AND state = 'in_flight'")
                .bind(program.id)
                .fetch_all(&mut *tx.tx)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
        if persons.is_empty() {
            return Ok(0);
        }
        sqlx::query(
            "UPDATE call_attempts SET state = 'interrupted', disposition = $1, ended_at = $2 \
             WHERE program_id = $3 AND state = 'in_flight'",
        )
        .bind(Disposition::Interrupted.code())
        .bind(now_us)
        .bind(program.id)
        .execute(&mut *tx.tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE call_list_entries SET \
             final_disposition = CASE WHEN attempts >= $1 THEN $2 ELSE NULL END, \
             next_attempt_at = CASE WHEN attempts >= $1 THEN NULL ELSE $3 END \
             WHERE program_id = $4 AND person_id IN ({})",
            join_ids(&persons)
        ))
        .bind(i64::from(program.settings.max_attempts))
        .bind(Disposition::Interrupted.code())
        .bind(now_us + spacing_us(program))
        .bind(program.id)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok(persons.len() as u64)
    }

    /// Appends agent state changes to the program's log (`logged_in`, `ready`, `paused`, `on_call`,
    /// `wrap_up`, `logged_out`), each with its time.
    pub async fn log_agent_states(
        &self,
        actor: &Actor,
        program: &Program,
        changes: &[AgentStateChange],
    ) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        if changes.is_empty() {
            return Ok(());
        }
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        for c in changes {
            sqlx::query(
                "INSERT INTO agent_state_log (program_id, agent, state, reason, at, vendor_id) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(program.id)
            .bind(&c.agent)
            .bind(c.state)
            .bind(c.reason.as_deref())
            .bind(c.at_us)
            .bind(c.vendor.map(|v| v.0))
            .execute(&mut *tx.tx)
            .await?;
        }
        // The vendors' wallboards follow their agents.
        tx.signal(calls_signal(campaign, program));
        tx.commit().await
    }

    /// What the program's calling has done so far.
    pub async fn call_stats(&self, actor: &Actor, slug: &str) -> StoreResult<CallStats> {
        let program = self.program_by_slug(actor, slug).await?;
        let mut stats = CallStats::default();
        // The attempts' tallies, kept with them by triggers (migration 0031): one read of a few hundred
        // rows, not a grouping of every attempt per view, and one snapshot of them all.
        let rows = sqlx::query(
            "SELECT COALESCE(o.slug, 'none'), t.state, t.disposition, t.custom_disposition, t.n FROM \
             (SELECT vendor_id, state, disposition, custom_disposition, CAST(SUM(n) AS BIGINT) AS n \
              FROM attempt_tallies WHERE program_id = $1 GROUP BY vendor_id, state, disposition, custom_disposition) t \
             LEFT JOIN organizations o ON o.id = t.vendor_id WHERE t.n > 0",
        )
        .bind(program.id)
        .fetch_all(&self.pool)
        .await?;
        let mut custom: BTreeMap<(String, String), u64> = BTreeMap::new();
        for r in rows {
            let (vendor, state, code, custom_code, n): (String, String, String, String, i64) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            let n = n as u64;
            stats.attempts += n;
            *stats.by_vendor.entry(vendor).or_default() += n;
            if !custom_code.is_empty() {
                *custom.entry((custom_code, code.clone())).or_default() += n;
            }
            if state == "in_flight" {
                stats.in_flight += n;
                continue;
            }
            if let Some(d) = Disposition::from_code(&code) {
                if d.is_contact() {
                    stats.contacts += n;
                }
                if d.is_complete() {
                    stats.completes += n;
                }
            }
            *stats.by_disposition.entry(code).or_default() += n;
        }
        stats.by_custom_disposition =
            custom.into_iter().map(|((code, base), attempts)| CustomCount { code, base, attempts }).collect();
        // Kept with the entries by triggers (migration 0030), not summed over every entry per view.
        let row = sqlx::query("SELECT attempts, done, denied FROM call_list_progress WHERE program_id = $1")
            .bind(program.id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = row {
            stats.entry_attempts = row.get::<i64, _>(0).max(0) as u64;
            stats.entries_done = row.get::<i64, _>(1).max(0) as u64;
            stats.entries_denied = row.get::<i64, _>(2).max(0) as u64;
        }
        Ok(stats)
    }

    /// CR-46 history: the program's system-dialed (paced, power) live answers and abandoned calls in the
    /// 30 days before `origin_us`, by day counted back from it (`-1` is the 24 hours before the origin,
    /// `-30` the oldest). A live answer is one bridged to an agent or abandoned, as the engine counts.
    pub async fn abandonment_history(
        &self,
        actor: &Actor,
        program: &Program,
        origin_us: i64,
    ) -> StoreResult<Vec<(i64, u64, u64)>> {
        require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        const DAY_US: i64 = 86_400_000_000;
        let since = origin_us - 30 * DAY_US;
        // Offsets from `since` are never negative, so integer division is the floor on both backends.
        let rows = sqlx::query(
            "SELECT CAST((dialed_at - $1) / $2 AS BIGINT) AS d, COUNT(*), \
             CAST(SUM(CASE WHEN disposition = 'abandoned' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM call_attempts WHERE program_id = $3 AND dial_kind IN ('paced', 'power') AND state = 'finished' \
             AND dialed_at >= $1 AND dialed_at < $4 AND (bridged_at IS NOT NULL OR disposition = 'abandoned') \
             GROUP BY d ORDER BY d",
        )
        .bind(since)
        .bind(DAY_US)
        .bind(program.id)
        .bind(origin_us)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<i64, _>(0) - 30, r.get::<i64, _>(1) as u64, r.get::<i64, _>(2) as u64))
            .collect())
    }

    /// A page of the program's attempts in id order after `after_id`.
    pub async fn program_attempts(
        &self,
        actor: &Actor,
        slug: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<AttemptRow>> {
        let program = self.program_by_slug(actor, slug).await?;
        let rows = sqlx::query(
            "SELECT a.id, a.person_id, a.household_id, o.slug, a.dial_kind, a.state, a.disposition, a.agent, \
             a.dialed_at, a.rang_at, a.answered_at, a.greeting_ended_at, a.bridged_at, a.ended_at, a.simulated, \
             a.line_type, a.script_version_id, a.language, a.custom_disposition, a.audio_version_id \
             FROM call_attempts a LEFT JOIN organizations o ON o.id = a.vendor_id \
             WHERE a.program_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3",
        )
        .bind(program.id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AttemptRow {
                id: r.get(0),
                person_id: r.get(1),
                household_id: r.get(2),
                vendor: r.get(3),
                dial_kind: r.get(4),
                state: r.get(5),
                disposition: r.get(6),
                agent: r.get(7),
                dialed_at_us: r.get(8),
                rang_at_us: r.get(9),
                answered_at_us: r.get(10),
                greeting_ended_at_us: r.get(11),
                bridged_at_us: r.get(12),
                ended_at_us: r.get(13),
                simulated: r.get::<i64, _>(14) == 1,
                line_type: r.get(15),
                script_version_id: r.get(16),
                language: r.get(17),
                custom_disposition: r.get(18),
                audio_version_id: r.get(19),
            })
            .collect())
    }

    /// The facts the contact policy needs for these people of the program's campaign, to decide their
    /// dial at its instant (only ciphertext and blind-index matches leave the store).
    pub async fn dial_facts_of(
        &self,
        actor: &Actor,
        program: &Program,
        person_ids: &[i64],
    ) -> StoreResult<Vec<crate::PersonDialFacts>> {
        crate::dial_history::dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        let universe = self.universe_by_name(actor, &program.settings.universe).await?;
        let mut ids = person_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let mut out = Vec::with_capacity(ids.len());
        // One universe page per stretch of nearby ids (leads come mostly in id order): a stretch from
        // `start` to `end` holds at most `end - start + 1` members, so a page of that size from
        // `start - 1` covers it whole; the stretch's span is capped so few unwanted rows are read.
        const MAX_SPAN: i64 = 256;
        let mut i = 0;
        while i < ids.len() {
            let start = ids[i];
            let mut j = i;
            while j + 1 < ids.len() && ids[j + 1] - start < MAX_SPAN {
                j += 1;
            }
            let end = ids[j];
            let page = self.universe_dial_facts(actor, &universe.filter, start - 1, end - start + 1).await?;
            out.extend(page.into_iter().filter(|p| p.id <= end && wanted.contains(&p.id)));
            i = j + 1;
        }
        Ok(out)
    }

    /// Completes so far in each of the program's quota cells, in the settings' order.
    pub async fn quota_completes(&self, actor: &Actor, program: &Program, now_us: i64) -> StoreResult<Vec<u64>> {
        require_in_org(actor, Capability::ViewResults, None)
            .or_else(|_| require_in_org(actor, Capability::ManagePrograms, None))?;
        self.program_in_reader_org(actor, program).await?;
        self.cell_completes(program, now_us).await
    }

    async fn cell_completes(&self, program: &Program, now_us: i64) -> StoreResult<Vec<u64>> {
        let year = year_of(now_us);
        let mut out = Vec::with_capacity(program.settings.quotas.len());
        for q in &program.settings.quotas {
            let (cond, binds) = cells_condition(std::slice::from_ref(q), year, 2);
            let sql = format!(
                "SELECT COUNT(*) FROM call_attempts a JOIN persons p ON p.id = a.person_id \
                 WHERE a.program_id = $1 AND a.disposition = 'complete' AND ({cond})"
            );
            let mut query = sqlx::query(&sql).bind(program.id);
            for b in binds {
                query = query.bind(b);
            }
            out.push(query.fetch_one(&self.pool).await?.get::<i64, _>(0) as u64);
        }
        Ok(out)
    }

    /// The program's quota cells that have their completes.
    async fn full_quota_cells(&self, program: &Program, now_us: i64) -> StoreResult<Vec<Quota>> {
        if program.settings.quotas.is_empty() {
            return Ok(Vec::new());
        }
        let counts = self.cell_completes(program, now_us).await?;
        Ok(program
            .settings
            .quotas
            .iter()
            .zip(counts)
            .filter(|(q, n)| *n >= u64::from(q.completes))
            .map(|(q, _)| q.clone())
            .collect())
    }

    /// Like [`Self::program_in_actor_org`], for readers of results too.
    async fn program_in_reader_org(&self, actor: &Actor, program: &Program) -> StoreResult<()> {
        let campaign = actor.principal().map(|p| p.org_id).ok_or(StoreError::NotFound)?;
        let owner: Option<i64> = sqlx::query("SELECT campaign_id FROM programs WHERE id = $1")
            .bind(program.id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        match owner {
            Some(owner) if owner == campaign.0 => Ok(()),
            _ => Err(StoreError::NotFound),
        }
    }

    /// The program must belong to the actor's organization (programs are read through the actor, but
    /// a caller may hold a `Program` read by someone else).
    pub(crate) async fn program_in_actor_org(&self, actor: &Actor, program: &Program) -> StoreResult<()> {
        let campaign = crate::dial_history::dial_reader(actor)?;
        let owner: Option<i64> = sqlx::query("SELECT campaign_id FROM programs WHERE id = $1")
            .bind(program.id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        match owner {
            Some(owner) if owner == campaign.0 => Ok(()),
            _ => Err(StoreError::NotFound),
        }
    }
}

/// Live views of the program's calling (its page, later the dashboards) refresh on this.
impl Store {
    /// One call of the program as the caller worked it: its steps and encrypted note. Results readers;
    /// the note is for roles that may read personal data (the caller decrypts it, with their key).
    pub async fn call_record(&self, actor: &Actor, slug: &str, attempt_id: i64) -> StoreResult<CallRecord> {
        require_in_org(actor, Capability::ViewResults, None)?;
        let program = self.program_by_slug(actor, slug).await?;
        let row = sqlx::query(
            "SELECT agent, disposition, script_version_id, language, notes_enc, custom_disposition FROM call_attempts \
             WHERE id = $1 AND program_id = $2",
        )
        .bind(attempt_id)
        .bind(program.id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let personal = actor.principal().is_some_and(|p| p.role.can(Capability::ExportPersonalData));
        let steps = sqlx::query(
            "SELECT step, entered_at, left_at, language FROM call_steps WHERE attempt_id = $1 ORDER BY position",
        )
        .bind(attempt_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| StepRecord { step: r.get(0), entered_at_us: r.get(1), left_at_us: r.get(2), language: r.get(3) })
        .collect();
        Ok(CallRecord {
            attempt_id,
            agent: row.get(0),
            disposition: row.get(1),
            custom_disposition: row.get(5),
            script_version_id: row.get(2),
            language: row.get(3),
            steps,
            notes_enc: if personal { row.get(4) } else { None },
        })
    }
}

/// One agent state change on a program's floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentStateChange {
    /// A user id (a person at the desk) or a bot's name.
    pub agent: String,
    /// `ready`, `paused`, `on_call`, `wrap_up`, `logged_out`.
    pub state: &'static str,
    pub reason: Option<String>,
    pub at_us: i64,
    /// The floor's vendor; `None` on an agentless floor.
    pub vendor: Option<OrgId>,
}

pub(crate) fn calls_signal(campaign: OrgId, program: &Program) -> crate::Signal {
    crate::Signal { org_id: Some(campaign), topic: "calls".into(), object: program.slug.clone() }
}

fn spacing_us(program: &Program) -> i64 {
    i64::from(program.settings.min_spacing_minutes.unwrap_or(DEFAULT_RETRY_SPACING_MINUTES)) * 60_000_000
}

/// The UTC year of an instant (age bands count from it).
fn year_of(us: i64) -> i64 {
    jiff::Timestamp::from_microsecond(us).map(|t| i64::from(t.to_zoned(jiff::tz::TimeZone::UTC).year())).unwrap_or(1970)
}

/// A condition over `persons p` that holds of the people of any of `cells`, with its text values to
/// bind from placeholder `$first` on (values are bound, never spliced; field names come from the
/// closed [`QuotaField`] set and age bounds are computed numbers).
pub(crate) fn cells_condition(cells: &[Quota], year: i64, first: usize) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut ors = Vec::new();
    for q in cells {
        let mut ands = Vec::new();
        for (field, value) in &q.cell {
            match field {
                QuotaField::AgeBand => {
                    let band = clearline_core::program::quota::AGE_BANDS.iter().find(|b| b.0 == value);
                    match band {
                        Some((_, lo, hi)) => {
                            ands.push(format!("p.birth_year <= {}", year - lo));
                            if let Some(hi) = hi {
                                ands.push(format!("p.birth_year >= {}", year - hi));
                            }
                        }
                        None => ands.push("1 = 0".to_string()),
                    }
                }
                _ => {
                    binds.push(value.clone());
                    ands.push(format!("p.{} = ${}", person_column(*field), first + binds.len() - 1));
                }
            }
        }
        ors.push(if ands.is_empty() { "1 = 0".to_string() } else { format!("({})", ands.join(" AND ")) });
    }
    (if ors.is_empty() { "1 = 0".to_string() } else { ors.join(" OR ") }, binds)
}

/// The `persons` column of a quota field (not `age_band`, which is computed from `birth_year`).
pub(crate) fn person_column(field: QuotaField) -> &'static str {
    match field {
        QuotaField::Party => "party",
        QuotaField::Gender => "gender",
        QuotaField::Race => "race",
        QuotaField::County => "county",
        QuotaField::Precinct => "precinct",
        QuotaField::CongressionalDistrict => "congressional_district",
        QuotaField::AgeBand => "birth_year",
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}
