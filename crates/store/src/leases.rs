//! Program leases: one process at a time works a running program's calling.
//!
//! Several nodes (`serve`/`demo` processes on one PostgreSQL, or a `program simulate` run) may try to
//! call the same program; only the lease's holder does. The holder renews it every few seconds; when
//! the holder stops (a crash, a kill), the lease expires and the next node's claim takes it over — and
//! only then closes the attempts the old holder left in flight. A claim bumps `generation`, so a
//! holder that stalled past expiry and was taken over finds its renewal refused and stops.
//!
//! Times are the callers' wall clocks (µs since the epoch): nodes are assumed to agree within a
//! fraction of the lease's length. Even a node that writes after losing its lease cannot dial a
//! household twice: the store refuses a second attempt in flight per household.

use crate::dial_history::dial_reader;
use crate::error::{StoreError, StoreResult};
use crate::programs::Program;
use crate::Store;
use clearline_core::Actor;
use serde_json::json;
use sqlx::Row;

/// The lease a program's calling is under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramLease {
    pub holder: String,
    pub generation: i64,
    pub claimed_at_us: i64,
    pub expires_at_us: i64,
}

/// What a claim came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaseClaim {
    /// The caller holds the lease (new, taken over from an expired holder, or already its own), with
    /// this generation, until `expires_at_us` unless renewed.
    Held { generation: i64, expires_at_us: i64, taken_from: Option<String> },
    /// Another holder's lease has not expired.
    HeldElsewhere { holder: String, expires_at_us: i64 },
}

impl Store {
    /// Claims the program's calling lease for `holder` until `now_us + ttl_us`. Taken when there is
    /// none, when it has expired, or when `holder` already holds it; audited (`program.lease_claimed`)
    /// when it changes hands, not when a holder claims its own again.
    pub async fn claim_program_lease(
        &self,
        actor: &Actor,
        program: &Program,
        holder: &str,
        now_us: i64,
        ttl_us: i64,
    ) -> StoreResult<LeaseClaim> {
        let campaign = dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        let expires_at_us = now_us + ttl_us;
        let mut tx = self.write().await?;
        let current = sqlx::query("SELECT holder, generation, expires_at FROM program_leases WHERE program_id = $1")
            .bind(program.id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1), r.get::<i64, _>(2)));
        let (generation, taken_from) = match current {
            None => {
                // Two nodes may both find no row (PostgreSQL): the second insert does nothing and
                // that node finds the lease held elsewhere on its next claim.
                let inserted = sqlx::query(
                    "INSERT INTO program_leases (program_id, holder, generation, claimed_at, expires_at) \
                     VALUES ($1, $2, 1, $3, $4) ON CONFLICT (program_id) DO NOTHING",
                )
                .bind(program.id)
                .bind(holder)
                .bind(now_us)
                .bind(expires_at_us)
                .execute(&mut *tx.tx)
                .await?;
                if inserted.rows_affected() != 1 {
                    drop(tx);
                    return self.held_elsewhere(program).await;
                }
                (1, None)
            }
            Some((current, generation, expires)) if current == holder => {
                sqlx::query("UPDATE program_leases SET expires_at = $1 WHERE program_id = $2 AND generation = $3")
                    .bind(expires_at_us.max(expires))
                    .bind(program.id)
                    .bind(generation)
                    .execute(&mut *tx.tx)
                    .await?;
                tx.commit().await?;
                return Ok(LeaseClaim::Held {
                    generation,
                    expires_at_us: expires_at_us.max(expires),
                    taken_from: None,
                });
            }
            Some((current, _, expires)) if expires > now_us => {
                return Ok(LeaseClaim::HeldElsewhere { holder: current, expires_at_us: expires });
            }
            Some((current, generation, _)) => {
                // Expired: taken over, unless another node took it first (its generation moved on).
                let updated = sqlx::query(
                    "UPDATE program_leases SET holder = $1, generation = $2, claimed_at = $3, expires_at = $4 \
                     WHERE program_id = $5 AND generation = $6",
                )
                .bind(holder)
                .bind(generation + 1)
                .bind(now_us)
                .bind(expires_at_us)
                .bind(program.id)
                .bind(generation)
                .execute(&mut *tx.tx)
                .await?;
                if updated.rows_affected() != 1 {
                    drop(tx);
                    return self.held_elsewhere(program).await;
                }
                (generation + 1, Some(current))
            }
        };
        tx.audit(
            campaign,
            actor,
            "program.lease_claimed",
            "program",
            &program.id.to_string(),
            json!({"slug": program.slug, "holder": holder, "generation": generation, "taken_from": taken_from}),
        )
        .await?;
        tx.commit().await?;
        Ok(LeaseClaim::Held { generation, expires_at_us, taken_from })
    }

    /// Extends the holder's lease to `now_us + ttl_us`. `false` when it is no longer the holder's
    /// (another node took it over after it expired): the holder must stop calling at once.
    pub async fn renew_program_lease(
        &self,
        actor: &Actor,
        program: &Program,
        holder: &str,
        generation: i64,
        now_us: i64,
        ttl_us: i64,
    ) -> StoreResult<bool> {
        dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE program_leases SET expires_at = $1 WHERE program_id = $2 AND holder = $3 AND generation = $4",
        )
        .bind(now_us + ttl_us)
        .bind(program.id)
        .bind(holder)
        .bind(generation)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease up (the run ended): another node may claim it at once. A lease no longer the
    /// holder's is left alone.
    pub async fn release_program_lease(
        &self,
        actor: &Actor,
        program: &Program,
        holder: &str,
        generation: i64,
    ) -> StoreResult<()> {
        dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE program_leases SET expires_at = 0 WHERE program_id = $1 AND holder = $2 AND generation = $3",
        )
        .bind(program.id)
        .bind(holder)
        .bind(generation)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await
    }

    /// Another node won the race for the lease: who holds it now.
    async fn held_elsewhere(&self, program: &Program) -> StoreResult<LeaseClaim> {
        let row = sqlx::query("SELECT holder, expires_at FROM program_leases WHERE program_id = $1")
            .bind(program.id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::Conflict { field: "lease" })?;
        Ok(LeaseClaim::HeldElsewhere { holder: row.get(0), expires_at_us: row.get(1) })
    }

    /// The program's lease as stored (expired or not), `None` when no node ever claimed it.
    pub async fn program_lease(&self, actor: &Actor, program: &Program) -> StoreResult<Option<ProgramLease>> {
        dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        Ok(sqlx::query("SELECT holder, generation, claimed_at, expires_at FROM program_leases WHERE program_id = $1")
            .bind(program.id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| ProgramLease {
                holder: r.get(0),
                generation: r.get(1),
                claimed_at_us: r.get(2),
                expires_at_us: r.get(3),
            }))
    }
}
