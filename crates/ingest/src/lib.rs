//! Voter-file import: a reader thread parses, normalizes and encrypts rows while the store writes the
//! previous chunk, all inside one transaction — a structurally broken file leaves nothing imported.
//!
//! Accounting always balances: rows read = inserted + updated + unchanged + rejected. A row is
//! rejected for a missing person key or a key repeated within the file (naming the first line); a bad
//! phone rejects the phone, not the person; other bad fields are recorded as field problems on the
//! imported row. Every rejected row or phone goes to the reject file with its line, field and reason.

pub mod call_list;
pub mod consent_files;
pub mod dnc;
mod keymap;
pub mod keys;
pub mod layouts;
mod normalize;
mod pipeline;
pub mod policy_check;
mod rejects;
pub mod survey_results;
pub mod survey_weights;
pub mod why;

pub use normalize::{Normalizer, Sealer};
pub use pipeline::{import_voters, ImportError, ImportOptions, ImportReport, ImportTimings, Progress};
pub use rejects::{defuse, Reject};
