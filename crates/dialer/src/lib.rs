//! The Clearline dialer, sans I/O.
//!
//! - [`carrier`]: the interface to telephony — the commands the engine gives and the timestamped events
//!   it consumes. The simulated carrier ([`sim`]) implements it now; the SIP carrier will later, without
//!   a change to the engine.
//! - [`engine`]: agents, calls (a state machine from originate to disposition), the dial modes (preview,
//!   power/progressive, predictive, agentless prerecorded, IVR), the CR-46 abandonment clock and the
//!   CR-49 blend of landlines (predictive) with wireless and unknown numbers (preview).
//! - [`pacing`]: how many lines to dial for the agents free now and soon, under a target abandonment rate.
//! - [`ivr`]: which prompt an IVR call plays next and which keys it takes (the program's flow decides).
//! - [`inbound`]: calls to the program's caller ID — answered, the automated opt-out offered (CR-5,
//!   CR-6), the program's message.
//! - [`lead`]: where the engine gets whom to call (a trait; in memory for the benchmark).
//! - [`sim`]: a seeded outcome model and a discrete-event loop that runs an 8-hour shift in simulated time.
//!
//! Time is passed in: a [`Micros`] count since the shift started. Nothing here reads a clock, sleeps,
//! opens a socket or a file. Logs carry call, agent and lead identifiers, never a phone number.

pub mod carrier;
pub mod engine;
pub mod inbound;
pub mod ivr;
pub mod lead;
pub mod pacing;
pub mod sim;
pub mod stats;

/// Simulated or real time: microseconds since the start of the shift (or any fixed origin).
pub type Micros = i64;

/// One second in [`Micros`].
pub const SECOND: Micros = 1_000_000;

/// One millisecond in [`Micros`].
pub const MILLISECOND: Micros = 1_000;

/// Seconds (fractional) to [`Micros`].
pub fn secs(s: f64) -> Micros {
    (s * SECOND as f64).round() as Micros
}

/// [`Micros`] to seconds.
pub fn as_secs(m: Micros) -> f64 {
    m as f64 / SECOND as f64
}

/// A fast hasher for the engine's integer keys (call, person and household ids): one multiplication.
/// Not for keys an adversary chooses (ids here are assigned by Clearline).
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A `HashMap` / `HashSet` builder with [`IdHasher`].
pub type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

pub use carrier::{CallId, Carrier, CarrierEvent, Command, EventKind};
pub use engine::{AgentId, Engine, EngineConfig, Output};
