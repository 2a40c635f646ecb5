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
    let mut report = DncReport::default();
    let mut entries = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let number = line.split([',', '\t']).next().unwrap_or("").trim().trim_matches('"');
        report.lines_read += 1;
        if number.is_empty()
            || (i == 0 && number.chars().any(|c| c.is_ascii_alphabetic()) && !number.contains(['x', '#']))
        {
            continue; // a blank line or a header
        }
        match parse_phone(number, "US") {
            Ok(p) => {
                let e164 = p.number.to_string();
                entries.push(DncEntry {
                    number_index: phone_index(sealer, &e164),
                    number_enc: sealer.seal("phone", e164.as_bytes()),
                });
            }
            Err(e) => {
                report.invalid += 1;
                report.rejects.push(Reject {
                    line: i as u64 + 1,
                    person_key: String::new(),
                    field: "phone".into(),
                    reason: e.to_string(),
                    value: number.to_string(),
                });
            }
        }
    }
    let DncCounts { added, already_listed } = store.add_do_not_call(actor, source, &entries).await?;
    report.added = added;
    report.already_listed = already_listed;
    Ok(report)
}
