//! Importing a do-not-call list: one phone number per line (or a CSV whose first column is the number).
//! Numbers are parsed like every phone, stored encrypted with their blind index; lines that are not
//! phone numbers are reported with their line number, and the list is added all or nothing.

use crate::normalize::Sealer;
use crate::rejects::Reject;
use clearline_core::phone::parse_phone;
use clearline_core::Actor;
use clearline_store::{DncCounts, DncEntry, Store, StoreError};
use serde::Serialize;
use std::io::BufRead;

#[derive(Debug, Default, Serialize)]
pub struct DncReport {
    pub lines_read: u64,
    pub added: u64,
    pub already_listed: u64,
    pub invalid: u64,
    #[serde(skip)]
    pub rejects: Vec<Reject>,
}

#[derive(Debug, thiserror::Error)]
pub enum DncError {
    #[error("reading the list: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The normalized form whose blind index the list and every look-up share.
pub fn phone_index(sealer: &dyn Sealer, e164: &str) -> Vec<u8> {
    sealer.index("phone", e164.as_bytes())
}

pub async fn import_dnc_list<R: BufRead>(
    store: &Store,
    actor: &Actor,
    sealer: &dyn Sealer,
    source: &str,
    input: R,
) -> Result<DncReport, DncError> {
    let lines = read_number_lines(input)?;
    let entries: Vec<DncEntry> = lines.numbers.iter().map(|(_, e164)| sealed(sealer, e164)).collect();
    let counts = store.add_do_not_call(actor, source, &entries).await?;
    Ok(list_report(lines, counts))
}

fn list_report(lines: NumberLines, DncCounts { added, already_listed }: DncCounts) -> DncReport {
    DncReport {
        lines_read: lines.lines_read,
        added,
        already_listed,
        invalid: lines.rejects.len() as u64,
        rejects: lines.rejects,
    }
}

/// The numbers of a list file (one per line, or a CSV whose first column is the number; blank lines and
/// a header skipped) with their line numbers, and the lines that are not phone numbers.
struct NumberLines {
    lines_read: u64,
    numbers: Vec<(u64, String)>,
    rejects: Vec<Reject>,
}

fn read_number_lines<R: BufRead>(input: R) -> Result<NumberLines, std::io::Error> {
    let mut out = NumberLines { lines_read: 0, numbers: Vec::new(), rejects: Vec::new() };
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let number = line.split([',', '\t']).next().unwrap_or("").trim().trim_matches('"');
        out.lines_read += 1;
        if number.is_empty()
            || (i == 0 && number.chars().any(|c| c.is_ascii_alphabetic()) && !number.contains(['x', '#']))
        {
            continue; // a blank line or a header
        }
        match parse_phone(number, "US") {
            Ok(p) => out.numbers.push((i as u64 + 1, p.number.to_string())),
            Err(e) => out.rejects.push(Reject {
                line: i as u64 + 1,
                person_key: String::new(),
                field: "phone".into(),
                reason: e.to_string(),
                value: number.to_string(),
            }),
        }
    }
    Ok(out)
}

fn sealed(sealer: &dyn Sealer, e164: &str) -> DncEntry {
    DncEntry { number_index: phone_index(sealer, e164), number_enc: sealer.seal("phone", e164.as_bytes()) }
}

/// What loading a Registry extract did.
#[derive(Debug, Default, Serialize)]
pub struct NationalDncReport {
    pub state: String,
    pub numbers: u64,
    pub added: u64,
    pub already_listed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum NationalDncError {
    #[error("reading the extract: {0}")]
    Io(#[from] std::io::Error),
    /// A line that cannot be taken (never its value): the extract is refused whole, since a number
    /// left out would read as "not on the Registry".
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the federal Registry's extract for every area code of `state` (CR-24): each line a number of
/// that state's area codes. Any other line refuses the whole extract.
pub async fn import_national_dnc<R: BufRead>(
    store: &Store,
    actor: &Actor,
    sealer: &dyn Sealer,
    state: &str,
    extract_date: &str,
    input: R,
) -> Result<NationalDncReport, NationalDncError> {
    let state = state.trim().to_ascii_uppercase();
    if clearline_core::tz::state_zones(&state).is_none() {
        return Err(NationalDncError::Invalid("--state: not a US state or territory code".into()));
    }
    if extract_date.trim().parse::<jiff::civil::Date>().is_err() {
        return Err(NationalDncError::Invalid("--extract-date: not a date (YYYY-MM-DD)".into()));
    }
    let lines = read_number_lines(input)?;
    if let Some(r) = lines.rejects.first() {
        return Err(NationalDncError::Line { line: r.line, reason: format!("not a phone number ({})", r.reason) });
    }
    let mut entries = Vec::with_capacity(lines.numbers.len());
    for (line, e164) in &lines.numbers {
        let number: clearline_core::phone::PhoneE164 =
            e164.parse().map_err(|_| NationalDncError::Line { line: *line, reason: "not a phone number".into() })?;
        if clearline_core::phone::nanp::state_for(&number) != Some(state.as_str()) {
            return Err(NationalDncError::Line {
                line: *line,
                reason: format!("not a number of an area code of {state}: the extract must be the state's"),
            });
        }
        entries.push(sealed(sealer, e164));
    }
    let DncCounts { added, already_listed } =
        store.add_national_dnc_extract(actor, &state, extract_date.trim(), &entries).await?;
    Ok(NationalDncReport { state, numbers: entries.len() as u64, added, already_listed })
}

/// What one opt-out from a channel did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptOutOutcome {
    /// The number is on the campaign's do-not-call list now (added, or already there).
    pub listed: bool,
    pub already_listed: bool,
    /// For a text or email: whether the message reads as an opt-out (CR-8). A message that does not is
    /// not listed; it is recorded as unrecognised for a person to read.
    pub recognised: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OptOutError {
    /// A field of the request, and why (never its value).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The channels an opt-out arrives by outside a call (a call's own — agent, key press — is written
/// with the call's result).
pub const MESSAGE_CHANNELS: [&str; 2] = ["text_reply", "email"];
pub const OTHER_CHANNELS: [&str; 2] = ["web", "mail"];

/// Takes one opt-out from `channel` for the number `raw_phone` (as people type it): listed at once
/// (CR-7, CR-47 — no 10-day grace). A text reply or email carries its `message`, which must read as an
/// opt-out ([`clearline_core::opt_out::text_revokes`], CR-8); the message itself is not stored.
pub async fn record_opt_out(
    store: &Store,
    actor: &Actor,
    sealer: &dyn Sealer,
    channel: &str,
    raw_phone: &str,
    message: Option<&str>,
) -> Result<OptOutOutcome, OptOutError> {
    let is_message = MESSAGE_CHANNELS.contains(&channel);
    if !is_message && !OTHER_CHANNELS.contains(&channel) {
        return Err(OptOutError::Invalid {
            field: "channel",
            reason: format!("one of {}", [MESSAGE_CHANNELS, OTHER_CHANNELS].concat().join(", ")),
        });
    }
    let number = parse_phone(raw_phone.trim(), "US")
        .map_err(|e| OptOutError::Invalid { field: "phone", reason: e.to_string() })?
        .number
        .to_string();
    if is_message {
        let Some(text) = message else {
            return Err(OptOutError::Invalid { field: "message", reason: format!("required for {channel}") });
        };
        if !clearline_core::opt_out::text_revokes(text) {
            store.note_unrecognised_opt_out(actor, channel).await?;
            return Ok(OptOutOutcome { listed: false, already_listed: false, recognised: false });
        }
    }
    let entry =
        DncEntry { number_index: phone_index(sealer, &number), number_enc: sealer.seal("phone", number.as_bytes()) };
    let counts = store.add_do_not_call(actor, channel, &[entry]).await?;
    Ok(OptOutOutcome { listed: true, already_listed: counts.already_listed == 1, recognised: true })
}

/// Which of `numbers` (E.164) are on the vendor's own do-not-call list (the organization-wide list,
/// CR-47, CR-7), in order. A vendor the campaign has not engaged has no list for its calls.
pub async fn on_vendor_list(
    store: &Store,
    actor: &Actor,
    sealer: &crate::keys::VaultSealer,
    vendor: clearline_core::OrgId,
    numbers: &[&str],
) -> Result<Vec<bool>, StoreError> {
    let list = sealer.vendor_list(vendor).ok_or(StoreError::NotFound)?;
    let indexes: Vec<Vec<u8>> = numbers.iter().map(|n| list.index(n)).collect();
    let listed = store.vendor_dnc_listed(actor, vendor, &indexes).await?;
    Ok(indexes.iter().map(|i| listed.contains(i)).collect())
}

/// Adds a vendor's own list (its admin), like [`import_dnc_list`]: numbers sealed under the vendor's
/// list key, all in one transaction, lines that are not numbers reported by line.
pub async fn import_vendor_dnc_list<R: BufRead>(
    store: &Store,
    actor: &Actor,
    list: &crate::keys::ListSealer,
    source: &str,
    input: R,
) -> Result<DncReport, DncError> {
    let lines = read_number_lines(input)?;
    let entries: Vec<DncEntry> = lines.numbers.iter().map(|(_, e164)| list.entry(e164)).collect();
    let counts = store.add_vendor_do_not_call(actor, source, &entries).await?;
    Ok(list_report(lines, counts))
}
