//! The simulated carrier and the discrete-event loop (docs/dialer.md "The outcome model").
//!
//! - [`model`]: the seeded outcome model — what happens when a lead is dialed.
//! - [`carrier`]: [`SimCarrier`], a [`crate::Carrier`] that schedules the drawn events on a binary heap
//!   of timestamped events, and keeps the truth (which answers were really human, and when each was
//!   connected) to measure abandonment independently of the engine.
//! - [`run`]: a shift of bot agents against the engine, and the measured figures.

pub mod carrier;
pub mod model;
pub mod run;

pub use carrier::SimCarrier;
pub use model::{LeadDraw, OutcomeModel, Profile, TrueOutcome};
pub use run::{run_shift, PolicyKind, Scenario, ShiftReport};
