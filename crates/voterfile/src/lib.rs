//! Voter-file layouts, in both directions.
//!
//! - [`open_reader`] reads a state voter file "as it comes" (North Carolina, Ohio, Florida, Washington,
//!   Clearline's own generic CSV, or any delimited file through a saved [`ColumnMapping`]) one record at a
//!   time, in constant memory, into [`SourceRow`]s of raw [`CanonicalFields`]. It checks structure only
//!   (column counts, quoting, encoding, header); field values are not validated here.
//! - [`generate`] writes a deterministic synthetic file in one of the preset layouts, with realistic name
//!   frequencies (US Census 1990), real cities, counties, ZIP codes and area codes, fictional phone lines
//!   (555-0100…555-0199) and a measured share of the problems real files have.
//!
//! Errors never carry a field's value (personal data); they name a line, a column and a reason.

mod encoding;
mod generate;
mod layout;
mod mapping;
mod reader;

pub use encoding::{TextEncoding, UnknownEncoding};
pub use generate::{generate, surname_table, GenStats};
pub use layout::{
    Layout, UnknownLayout, FL_COLUMNS, GENERIC_COLUMNS, NC_COLUMNS, OH_COLUMNS, OH_ELECTIONS, WA_COLUMNS,
};
pub use mapping::{ColumnMapping, ColumnRef, ColumnSpec, MappedColumns};
pub use reader::{first_record, open_reader, VoterReader, MAX_RECORD_BYTES};

/// A problem with the file's structure: the import stops at the first one and writes nothing.
///
/// `line` is the physical, 1-based line of the file (the header is line 1 when there is one); `0` means
/// the problem is in the layout or mapping itself, before any line was read. The reason never contains a
/// field's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct StructuralError {
    pub line: u64,
    pub reason: String,
}

impl StructuralError {
    pub(crate) fn new(line: u64, reason: impl Into<String>) -> Self {
        StructuralError { line, reason: reason.into() }
    }
}

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    /// Physical line where the record starts (1-based).
    pub line: u64,
    /// The state voter ID (`None` when the column is empty: the importer rejects such rows).
    pub person_key: Option<String>,
    pub fields: CanonicalFields,
}

/// The canonical fields of one record: raw strings as in the file, trimmed of surrounding whitespace,
/// `None` when empty. Nothing is validated or normalized here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanonicalFields {
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub name_suffix: Option<String>,
    /// One line, built from the layout's parts joined by single spaces (e.g. Washington's house number,
    /// direction, street name, type, unit).
    pub res_address: Option<String>,
    pub res_city: Option<String>,
    pub res_state: Option<String>,
    pub res_zip: Option<String>,
    /// County name or code, as the file gives it.
    pub county: Option<String>,
    pub birth_year: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub race: Option<String>,
    pub party: Option<String>,
    pub voter_status: Option<String>,
    pub registration_date: Option<String>,
    pub precinct: Option<String>,
    pub congressional_district: Option<String>,
    pub state_house_district: Option<String>,
    pub state_senate_district: Option<String>,
    /// Phones in the layout's column order; empty phone columns give no entry.
    pub phones: Vec<SourcePhone>,
    pub email: Option<String>,
    /// Past elections with a non-empty value, in column order.
    pub vote_history: Vec<VoteRecord>,
    /// Every other non-empty column, header name (or the layout's documented name, or `column N` for a
    /// mapped file without a header) → value, in column order, so nothing in the file is lost.
    pub extra: Vec<(String, String)>,
}

/// A phone as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePhone {
    pub kind: PhoneKind,
    /// The number as written (for Florida, area code + number, then ` x` + extension when there is one).
    pub raw: String,
    /// The file's own line-type column for this phone, if it has one (e.g. `wireless`, `landline`).
    pub line_type_hint: Option<String>,
}

/// Which phone column a number came from. State registration phones (NC, FL) are `Other`: the voter
/// gave "a phone", which may be a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Home,
    Cell,
    Work,
    Other,
}

/// Participation in one past election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    /// The election as the file names it (e.g. Ohio's `GENERAL-11/08/2022`).
    pub election: String,
    /// How, as the file says it (Ohio: `X` voted, or the party ballot of a primary such as `D`, `R`).
    pub how: String,
}
