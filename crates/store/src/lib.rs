//! Clearline's storage: one interface over two backends.
//!
//! - **SQLite** (default): a file in the data directory, WAL mode, nothing to install.
//! - **PostgreSQL**: for deployments where several `clearline serve` processes share one database.
//!
//! Architecture invariants:
//! - No SQL outside this crate. Backend differences (migrations, transaction start, signals) stay here.
//! - Every public method takes the acting [`Actor`]; reads are scoped to the actor's organization and
//!   writes append an audit event in the same transaction as the change.
//! - Objects of another tenant are reported as [`StoreError::NotFound`], exactly like objects that do
//!   not exist, so no caller can learn whether another tenant's object exists.

mod audio;
mod audit;
mod bulk_pg;
mod calling;
mod contact;
mod db;
mod desk;
mod dial_facts;
mod dial_history;
mod dispositions;
mod error;
mod floor;
mod households;
mod inbound;
mod leases;
mod orgs;
mod oversight;
mod programs;
mod results;
mod scripts;
mod signals;
mod spill;
mod survey;
pub mod testing;
mod universes;
mod users;
mod vendor_dnc;
mod voters;

pub use audio::{AttachedAudio, AudioInfo, AudioVersion, AudioVersionSummary};
pub use audit::{AuditFilter, ChainReport, Checkpoint};
pub use calling::{
    AgentStateChange, AnswerRecord, AttemptResult, AttemptRow, CallRecord, CallStats, CustomCount, DialableEntry,
    NewAttempt, StepRecord, DEFAULT_RETRY_SPACING_MINUTES,
};
pub use contact::{ConsentInfo, DncCounts, DncEntry, NewConsent, NewRndCheck, OPT_OUT_SOURCES};
pub use db::{Backend, Store, StoreConfig};
pub use desk::DeskPerson;
pub use dial_facts::{PersonDialFacts, PhoneDialFacts, RndRow};
pub use dial_history::{EntryState, RECORDED_DIAL_KINDS};
pub use dispositions::StoredDisposition;
pub use error::{StoreError, StoreResult};
pub use floor::{AgentSeat, FloorBoard, ProgramBoard};
pub use inbound::{InboundCall, InboundRow};
pub use leases::{LeaseClaim, ProgramLease};
pub use orgs::{NewEngagement, NewOrganization, NewSite};
pub use oversight::{HourCount, Oversight, ProgramOversight, VendorOversight, SERIES_HOURS};
pub use programs::{CallListSummary, ExclusionCount, NewEntry, Program};
pub use results::ResultRow;
pub use scripts::{NewVersion, ScriptInfo, ScriptVersion, VersionSummary, MAX_SCRIPT_BYTES};
pub use signals::{Signal, Signals};
pub use survey::{FieldDates, StoredAnswer, SurveyCase};
pub use universes::{Member, StoredCounts, Universe, UniverseWithCounts};
pub use users::{
    ApiTokenInfo, Credentials, InvitationInfo, NewInvitation, NewUser, SessionInfo, SignInFailure, UserInfo,
};
pub use vendor_dnc::VendorOptOut;
pub use voters::{
    BatchInfo, BatchSummary, ChunkCounts, ImportTx, MappingInfo, PersonRecord, PersonView, PhoneRecord, PhoneView,
};

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}
