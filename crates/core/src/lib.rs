//! Clearline's domain: identifiers, organizations, roles and capabilities, the audit chain, phones and
//! time zones, dispositions and the contact policy.
//!
//! Architecture invariant: this crate does no I/O, has no async code and knows no SQL. Everything here
//! is a value or a pure function, so every rule can be tested without a database or a network.

pub mod access;
pub mod audio;
pub mod audit;
pub mod disposition;
pub mod ids;
pub mod opt_out;
pub mod org;
pub mod phone;
pub mod policy;
pub mod principal;
pub mod program;
pub mod redact;
pub mod script;
pub mod tz;
pub mod universe;
pub mod validate;

pub use access::{Capability, OrgKind, Role};
pub use ids::*;
pub use principal::{Actor, Principal, Via};
