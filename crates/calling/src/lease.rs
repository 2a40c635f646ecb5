//! The lease a run holds on its program (`store::leases`): claimed before the run closes what an
//! earlier process left in flight, renewed on the wall clock while it calls, released when it ends.
//! A run whose renewal is refused (another node took the lease over after it expired) stops at once.

use crate::CallingError;
use clearline_core::Actor;
use clearline_store::{LeaseClaim, Program, Store};
use jiff::Timestamp;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a lease lasts unless renewed: a node that stops is replaced within this (plus the next
/// node's retry interval).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(20);

/// Who holds a run's lease, and for how long at a time.
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    /// The holder's name in the lease and its audit events: this process by default ([`node_id`]).
    pub holder: String,
    pub ttl: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions { holder: node_id().to_string(), ttl: DEFAULT_LEASE_TTL }
    }
}

/// This process's name among the nodes: host, process id and start time (a restarted process on
/// the same host with a reused pid is another holder).
pub fn node_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        format!("{host}/pid {}/{}", std::process::id(), Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    })
}

/// A lease this run holds.
pub(crate) struct HeldLease {
    holder: String,
    generation: i64,
    ttl: Duration,
    last_renewed: Instant,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl HeldLease {
    /// Claims the program's lease, or says which node holds it.
    pub(crate) async fn claim(
        store: &Store,
        actor: &Actor,
        program: &Program,
        options: &LeaseOptions,
    ) -> Result<HeldLease, CallingError> {
        let now = Timestamp::now().as_microsecond();
        match store.claim_program_lease(actor, program, &options.holder, now, micros(options.ttl)).await? {
            LeaseClaim::Held { generation, taken_from, .. } => {
                if let Some(previous) = taken_from {
                    tracing::info!(program = %program.slug, %previous, "took over the program's calling from a stopped node");
                }
                Ok(HeldLease {
                    holder: options.holder.clone(),
                    generation,
                    ttl: options.ttl,
                    last_renewed: Instant::now(),
                })
            }
            LeaseClaim::HeldElsewhere { holder, expires_at_us } => {
                Err(CallingError::LeasedElsewhere { holder, until: Timestamp::from_microsecond(expires_at_us).ok() })
            }
        }
    }

    /// Renewed a quarter of the way through: three renewals may fail to happen (a slow database, a
    /// busy machine) before the lease expires.
    fn renew_every(&self) -> Duration {
        self.ttl / 4
    }

    /// How long the run may wait (sleep) before it must renew.
    pub(crate) fn due_in(&self) -> Duration {
        self.renew_every().saturating_sub(self.last_renewed.elapsed())
    }

    /// Renews when due. `LeaseLost` when another node holds it now: the run must stop writing.
    pub(crate) async fn keep(&mut self, store: &Store, actor: &Actor, program: &Program) -> Result<(), CallingError> {
        if self.last_renewed.elapsed() < self.renew_every() {
            return Ok(());
        }
        let now = Timestamp::now().as_microsecond();
        if !store.renew_program_lease(actor, program, &self.holder, self.generation, now, micros(self.ttl)).await? {
            tracing::warn!(program = %program.slug, "another node took over the program's calling: this run stops");
            return Err(CallingError::LeaseLost);
        }
        self.last_renewed = Instant::now();
        Ok(())
    }

    pub(crate) async fn release(self, store: &Store, actor: &Actor, program: &Program) -> Result<(), CallingError> {
        store.release_program_lease(actor, program, &self.holder, self.generation).await?;
        Ok(())
    }
}
