//! Inbound calls to a program's caller ID (CR-5, CR-6, CR-14): the key-press opt-out, listed at the
//! instant of the key press, and the record of each call when it ends.

use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use crate::programs::Program;
use clearline_core::{Actor, Capability, OrgId};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// One inbound call, as it ended.
#[derive(Clone, Debug, Serialize)]
pub struct InboundCall {
    /// The caller, when their number is one the program dialed.
    pub person_id: Option<i64>,
    /// `lead`, `number` or `withheld`.
    pub caller: &'static str,
    /// `opted_out`, `opt_out_withheld`, `message`, `hung_up`.
    pub outcome: &'static str,
    pub received_at_us: i64,
    pub opted_out_at_us: Option<i64>,
    pub ended_at_us: i64,
    pub simulated: bool,
}

/// One stored inbound call.
#[derive(Clone, Debug, Serialize)]
pub struct InboundRow {
    pub id: i64,
    pub person_id: Option<i64>,
    pub caller: String,
    pub outcome: String,
    pub received_at_us: i64,
    pub opted_out_at_us: Option<i64>,
    pub ended_at_us: i64,
    pub simulated: bool,
}

impl Store {
    /// The acting program manager's campaign, when the program is one of its own.
    async fn campaign_of_program(&self, actor: &Actor, program: &Program) -> StoreResult<OrgId> {
        let campaign = require_in_org(actor, Capability::ManagePrograms, None)?;
        self.program_in_actor_org(actor, program).await?;
        Ok(campaign)
    }

    /// A caller pressed the opt-out key on an inbound call (CR-6, CR-47: at once): the number of
    /// `person_id`'s call-list phone goes on the campaign's do-not-call list (source `key_press`) and
    /// the person's entry is finished as `do_not_call`, in one audited transaction. Returns every
    /// person of the campaign with that number, so the caller can stop any dial to them it holds.
    pub async fn opt_out_inbound(
        &self,
        actor: &Actor,
        program: &Program,
        person_id: i64,
        at_us: i64,
    ) -> StoreResult<Vec<i64>> {
        let campaign = self.campaign_of_program(actor, program).await?;
        let mut tx = self.write().await?;
        let added = sqlx::query(
            "INSERT INTO do_not_call (campaign_id, number_index, number_enc, source, recorded_at, recorded_by) \
             SELECT ph.campaign_id, ph.number_index, ph.number_enc, 'key_press', $1, $2 FROM phones ph \
             JOIN call_list_entries e ON e.person_id = ph.person_id AND e.phone_position = ph.position \
             WHERE e.program_id = $3 AND e.person_id = $4 AND ph.campaign_id = $5 \
             ON CONFLICT (campaign_id, number_index) DO NOTHING",
        )
        .bind(at_us)
        .bind(actor.audit_name())
        .bind(program.id)
        .bind(person_id)
        .bind(campaign.0)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE call_list_entries SET final_disposition = 'do_not_call' \
             WHERE program_id = $1 AND person_id = $2 AND final_disposition IS NULL",
        )
        .bind(program.id)
        .bind(person_id)
        .execute(&mut *tx.tx)
        .await?;
        let sharing: Vec<i64> = sqlx::query(
            "SELECT DISTINCT other.person_id FROM phones ph \
             JOIN call_list_entries e ON e.person_id = ph.person_id AND e.phone_position = ph.position \
             JOIN phones other ON other.campaign_id = ph.campaign_id AND other.number_index = ph.number_index \
             WHERE e.program_id = $1 AND e.person_id = $2 AND ph.campaign_id = $3",
        )
        .bind(program.id)
        .bind(person_id)
        .bind(campaign.0)
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
        tx.audit(
            campaign,
            actor,
            "dnc.add",
            "program",
            &program.id.to_string(),
            json!({"source": "key_press", "channel": "inbound_call", "program": program.slug, "added": added}),
        )
        .await?;
        tx.commit().await?;
        Ok(sharing)
    }

    /// Records an inbound call of the program when it has ended; returns its id.
    pub async fn record_inbound_call(&self, actor: &Actor, program: &Program, call: &InboundCall) -> StoreResult<i64> {
        self.campaign_of_program(actor, program).await?;
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO inbound_calls (program_id, person_id, caller, outcome, received_at, opted_out_at, ended_at, \
             simulated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(program.id)
        .bind(call.person_id)
        .bind(call.caller)
        .bind(call.outcome)
        .bind(call.received_at_us)
        .bind(call.opted_out_at_us)
        .bind(call.ended_at_us)
        .bind(i64::from(call.simulated))
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        tx.commit().await?;
        Ok(id)
    }

    /// The program's inbound calls in id order after `after_id` (ids, times and outcomes; no numbers).
    pub async fn program_inbound_calls(
        &self,
        actor: &Actor,
        slug: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<InboundRow>> {
        let program = self.program_by_slug(actor, slug).await?;
        let rows = sqlx::query(
            "SELECT id, person_id, caller, outcome, received_at, opted_out_at, ended_at, simulated FROM inbound_calls \
             WHERE program_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(program.id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| InboundRow {
                id: r.get(0),
                person_id: r.get(1),
                caller: r.get(2),
                outcome: r.get(3),
                received_at_us: r.get(4),
                opted_out_at_us: r.get(5),
                ended_at_us: r.get(6),
                simulated: r.get::<i64, _>(7) == 1,
            })
            .collect())
    }
}
