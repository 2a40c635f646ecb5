//! Importing consent records (CR-50) and Reassigned Numbers Database answers (CR-13) from CSV files.
//!
//! Both are evidence a campaign may have to show, so a file is taken whole or not at all: every row is
//! checked first, and the first bad one stops the import naming its line and field (never its value —
//! a phone number or a consent's wording is personal data). Numbers are parsed like every phone and
//! stored encrypted with their blind index.
//!
//! Consents: header `phone,calling_entity,source,wording,obtained_at,written` (`written`: `true`/`false`,
//! `yes`/`no`, `1`/`0`; whether the consent was given in writing, which CR-27 needs).
//! RND answers: header `phone,asked_since,result,checked_at` — the date the query asked about (the
//! consent date, or earlier), `no` / `yes` / `no_data`, and when the database answered.
//! Dates are RFC 3339 instants or plain `YYYY-MM-DD` dates (midnight UTC).

use crate::dnc::phone_index;
use crate::normalize::Sealer;
use clearline_core::phone::parse_phone;
use clearline_core::Actor;
use clearline_store::{DncEntry, NewConsent, NewRndCheck, Store, StoreError};
use serde::Serialize;
use std::io::Read;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub rows: u64,
    pub recorded: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A row that cannot be taken: its line (1 is the header) and field, and why.
    #[error("line {line}, field `{field}`: {reason}")]
    Row { line: u64, field: &'static str, reason: String },
    #[error("{0}")]
    Layout(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const CONSENT_COLUMNS: [&str; 6] = ["phone", "calling_entity", "source", "wording", "obtained_at", "written"];
const RND_COLUMNS: [&str; 4] = ["phone", "asked_since", "result", "checked_at"];

/// Reads consent records and records them in one transaction.
pub async fn import_consents(
    store: &Store,
    actor: &Actor,
    sealer: &dyn Sealer,
    input: impl Read,
) -> Result<FileReport, FileError> {
    let rows = read_rows(input, &CONSENT_COLUMNS)?;
    let mut consents = Vec::with_capacity(rows.len());
    for (line, row) in &rows {
        let number = number(sealer, *line, &row[0])?;
        for (i, field) in [(1, "calling_entity"), (2, "source"), (3, "wording")] {
            if row[i].trim().is_empty() {
                return Err(FileError::Row { line: *line, field, reason: "is required (CR-50)".into() });
            }
        }
        consents.push(NewConsent {
            number_index: number.number_index,
            number_enc: number.number_enc,
            calling_entity: row[1].trim().to_string(),
            source: row[2].trim().to_string(),
            wording: row[3].trim().to_string(),
            evidence_enc: None,
            obtained_at_us: instant(*line, "obtained_at", &row[4])?,
            written: flag(*line, "written", &row[5])?,
        });
    }
    let recorded = store.record_consents(actor, consents).await?;
    Ok(FileReport { rows: rows.len() as u64, recorded })
}

/// Reads RND answers and records them in one transaction.
pub async fn import_rnd_checks(
    store: &Store,
    actor: &Actor,
    sealer: &dyn Sealer,
    input: impl Read,
) -> Result<FileReport, FileError> {
    let rows = read_rows(input, &RND_COLUMNS)?;
    let mut checks = Vec::with_capacity(rows.len());
    for (line, row) in &rows {
        let number = number(sealer, *line, &row[0])?;
        let asked_since_us = instant(*line, "asked_since", &row[1])?;
        let result = row[2].trim().to_ascii_lowercase();
        if !["no", "yes", "no_data"].contains(&result.as_str()) {
            return Err(FileError::Row { line: *line, field: "result", reason: "must be no, yes or no_data".into() });
        }
        let checked_at_us = instant(*line, "checked_at", &row[3])?;
        if checked_at_us < asked_since_us {
            return Err(FileError::Row {
                line: *line,
                field: "checked_at",
                reason: "is before the date the query asked about".into(),
            });
        }
        checks.push((number, NewRndCheck { asked_since_us, result, checked_at_us }));
    }
    let recorded = store.record_rnd_checks(actor, &checks).await?;
    Ok(FileReport { rows: rows.len() as u64, recorded })
}

/// The data rows with their line numbers, after checking the header names `columns` in that order.
fn read_rows(input: impl Read, columns: &[&str]) -> Result<Vec<(u64, Vec<String>)>, FileError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(input);
    let header = reader.headers().map_err(|e| FileError::Layout(format!("line 1: {}", csv_problem(&e))))?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if names != columns {
        return Err(FileError::Layout(format!("line 1: the header must be `{}`", columns.join(","))));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            FileError::Layout(format!("line {line}: {}", csv_problem(&e)))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record.iter().map(String::from).collect()));
    }
    Ok(rows)
}

/// The kind of a CSV error, without the row's contents.
fn csv_problem(error: &csv::Error) -> &'static str {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { .. } => "the wrong number of columns",
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text",
        _ => "not readable CSV",
    }
}

fn number(sealer: &dyn Sealer, line: u64, text: &str) -> Result<DncEntry, FileError> {
    let parsed =
        parse_phone(text.trim(), "US").map_err(|e| FileError::Row { line, field: "phone", reason: e.to_string() })?;
    let e164 = parsed.number.to_string();
    Ok(DncEntry { number_index: phone_index(sealer, &e164), number_enc: sealer.seal("phone", e164.as_bytes()) })
}

fn instant(line: u64, field: &'static str, text: &str) -> Result<i64, FileError> {
    let text = text.trim();
    let at = text.parse::<jiff::Timestamp>().ok().or_else(|| {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        date.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
    });
    at.map(|t| t.as_microsecond()).ok_or_else(|| FileError::Row {
        line,
        field,
        reason: "not a date (YYYY-MM-DD) or an RFC 3339 instant".into(),
    })
}

fn flag(line: u64, field: &'static str, text: &str) -> Result<bool, FileError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(FileError::Row { line, field, reason: "must be true or false".into() }),
    }
}
