//! Clearline's survey numerics (issue 5, part 7): AAPOR outcome rates, raking by iterative proportional
//! fitting with weight trimming, the Kish design effect, effective sample size and margin of error, and
//! weighted toplines and crosstabs.
//!
//! Pure functions over values: no I/O, no async, no SQL, no clock (ARCHITECTURE.md). Reading files and
//! printing results is the binary's job (`clearline survey …`, docs/surveys.md). Every choice a
//! pollster would ask about (how `e` is estimated, the stopping rule, how trimming works, which design
//! effect) is stated in docs/surveys.md and checked against references nobody here wrote
//! (`crates/survey/tests/`).

pub mod rake;
pub mod rates;
pub mod stats;
pub mod tables;
pub mod targets;

pub use rake::{rake, Margin, RakeError, RakeOptions, Raked};
pub use rates::{outcome_rates, parse_aapor_code, CodeError, Counts, Eligibility, RateError, Rates};
pub use stats::{kish, Kish};
pub use targets::{TargetError, TargetKind, Targets};
