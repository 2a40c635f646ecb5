//! Clearline's calling service: a running program dialed from its call list.
//!
//! A program is worked on one **floor** per vendor (its agents take only the households the list gave
//! that vendor; an agentless program has one floor with no vendor). Each floor is a dialer engine
//! (`clearline-dialer`, sans I/O) with a carrier, fed from the store:
//!
//! - [`leads`]: the call list's next dialable entries (callbacks due, fresh records, then retries), a
//!   small buffer refilled between engine steps;
//! - [`gate`]: the contact policy asked again at the instant of dialing, with every fact the list was
//!   built from plus the entry's attempts so far; a dial must be allowed now *and* a few minutes on,
//!   so a preview record shown just before the calling hours close is not dialed after;
//! - [`run`]: the loop — an attempt is written before its dial reaches the carrier and its result before
//!   the agent's next call; attempts left in flight by a stopped process are closed as `interrupted`
//!   when the program is run again.
//!
//! Only the simulated carrier exists so far (bot agents, seeded outcomes): `clearline program
//! simulate`. The SIP carrier and people at the agent desk drive the same loop later.

pub mod bots;
pub mod desk;
pub mod gate;
pub mod ivr;
pub mod leads;
pub mod lease;
pub mod recordings;
pub mod run;
mod seats;
pub use seats::DEFAULT_DISCONNECT_GRACE;

pub use desk::{DeskAction, DeskAgent, DeskError, DeskHub, DeskView, SeatState};
pub use lease::{node_id, LeaseOptions, DEFAULT_LEASE_TTL};
pub use run::{run_program, Pace, RunOptions, RunReport, DEFAULT_CALLBACK_SHARE};

/// Why a program cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum CallingError {
    #[error("the program is {0}: start it first (clearline program start)")]
    NotRunning(&'static str),
    /// Another node works the program's calling (`store::leases`); it may take it over once the
    /// lease expires.
    #[error("another node is calling this program ({holder}){}", until.map(|t| format!(", its lease runs until {t}")).unwrap_or_default())]
    LeasedElsewhere { holder: String, until: Option<jiff::Timestamp> },
    /// The lease was taken over while this run held it (it stalled past expiry): it stopped.
    #[error("another node took over this program's calling; this run stopped")]
    LeaseLost,
    #[error("the dialer cannot run this program: {0}")]
    Config(String),
    #[error(transparent)]
    Check(#[from] clearline_ingest::policy_check::CheckError),
    #[error(transparent)]
    Store(#[from] clearline_store::StoreError),
}
