//! The import pipeline: a blocking thread reads, normalizes and encrypts; the async side writes chunks
//! into one transaction; the batch, its counts, its encrypted reject file and its audit event commit
//! together, or nothing does.

use crate::normalize::{Normalizer, Sealer};
use crate::rejects::{self, Reject};
use clearline_core::phone::BlockLineTypes;
use clearline_core::{Actor, OrgId};
use clearline_store::{BatchSummary, PersonRecord, Store, StoreError};
use clearline_voterfile::{Layout, StructuralError, TextEncoding};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::io::Read;
use std::sync::Arc;

/// Rows per chunk handed from the reader thread to the writer.
const CHUNK_ROWS: usize = 2_000;

pub struct ImportOptions {
    pub layout: Layout,
    /// The layout's name as the user gave it (`nc`, `mapping:vendor-append`), recorded with the batch.
    pub layout_name: String,
    pub encoding: Option<TextEncoding>,
    /// Region for numbers written without a country code.
    pub default_region: String,
    /// Optional line types by NPA-NXX(-X) block.
    pub line_types: Option<BlockLineTypes>,
}

/// Progress so far: rows read and bytes consumed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub rows: u64,
    pub bytes: u64,
}

/// The outcome of an import; `--json` prints it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub phones_valid: u64,
    pub phones_invalid: u64,
    /// Households in the campaign after the import (people sharing an address, or a phone within a ZIP).
    pub households: u64,
    /// Where the reject file was written, if it was (set by the caller).
    pub reject_file: Option<String>,
    pub batch_id: i64,
    #[serde(skip)]
    pub rejects: Vec<Reject>,
    #[serde(skip)]
    pub file_sha256: String,
}

impl ImportReport {
    pub fn balances(&self) -> bool {
        self.rows_read == self.inserted + self.updated + self.unchanged + self.rejected
    }

    /// The reject file as CSV.
    pub fn rejects_csv(&self) -> Vec<u8> {
        rejects::to_csv(&self.rejects)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is structurally broken; nothing was imported.
    #[error("{0}; nothing was imported")]
    Structural(StructuralError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the file: {0}")]
    Io(String),
}

/// Counts bytes and hashes them as the reader consumes the file.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    bytes: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

enum Msg {
    Chunk(Vec<PersonRecord>),
    Done(ReaderTotals),
    Broken(StructuralError),
}

#[derive(Default)]
struct ReaderTotals {
    rows_read: u64,
    rejected: u64,
    phones_valid: u64,
    phones_invalid: u64,
    rejects: Vec<Reject>,
    sha256: String,
}

fn layout_state(layout: &Layout) -> Option<&'static str> {
    match layout {
        Layout::Nc => Some("NC"),
        Layout::Oh => Some("OH"),
        Layout::Fl => Some("FL"),
        Layout::Wa => Some("WA"),
        _ => None,
    }
}

/// Imports a voter file into `campaign` as `actor`.
pub async fn import_voters<R, P>(
    store: &Store,
    actor: &Actor,
    campaign: OrgId,
    sealer: Arc<dyn Sealer>,
    options: ImportOptions,
    input: R,
    mut progress: P,
) -> Result<ImportReport, ImportError>
where
    R: Read + Send + 'static,
    P: FnMut(Progress) + Send,
{
    let mut import = store.begin_import(actor, campaign).await?;
    let bytes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let tap = Tap { inner: input, hasher: Sha256::new(), bytes: bytes.clone() };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4);
    let layout_name = options.layout_name.clone();
    let reject_sealer = sealer.clone();
    let reader = tokio::task::spawn_blocking(move || read_all(tap, options, sealer, tx));

    let mut counts = clearline_store::ChunkCounts::default();
    let mut rows_so_far = 0u64;
    let totals = loop {
        match rx.recv().await {
            Some(Msg::Chunk(rows)) => {
                rows_so_far += rows.len() as u64;
                let c = match import.upsert_chunk(rows).await {
                    Ok(c) => c,
                    Err(e) => {
                        drop(rx);
                        let _ = import.abort().await;
                        return Err(e.into());
                    }
                };
                counts.inserted += c.inserted;
                counts.updated += c.updated;
                counts.unchanged += c.unchanged;
                progress(Progress { rows: rows_so_far, bytes: bytes.load(std::sync::atomic::Ordering::Relaxed) });
            }
            Some(Msg::Done(totals)) => break totals,
            Some(Msg::Broken(e)) => {
                import.abort().await?;
                return Err(ImportError::Structural(e));
            }
            None => {
                import.abort().await?;
                return Err(match reader.await {
                    Ok(Err(e)) => ImportError::Io(e),
                    _ => ImportError::Io("the reader stopped unexpectedly".into()),
                });
            }
        }
    };
    let _ = reader.await;
    let households = match import.assign_households().await {
        Ok(n) => n,
        Err(e) => {
            let _ = import.abort().await;
            return Err(e.into());
        }
    };
    let report = ImportReport {
        households,
        rows_read: totals.rows_read,
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: totals.rejected,
        phones_valid: totals.phones_valid,
        phones_invalid: totals.phones_invalid,
        reject_file: None,
        batch_id: import.batch_id(),
        rejects: totals.rejects,
        file_sha256: totals.sha256,
    };
    debug_assert!(report.balances());
    if !report.balances() {
        import.abort().await?;
        return Err(ImportError::Io("the import's counts do not balance; nothing was imported".into()));
    }
    let summary = BatchSummary {
        layout: layout_name,
        file_sha256: report.file_sha256.clone(),
        rows_read: report.rows_read,
        inserted: report.inserted,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected,
        phones_valid: report.phones_valid,
        phones_invalid: report.phones_invalid,
        households: report.households,
    };
    // The reject file holds the rejected values as given: personal data, so it is stored encrypted.
    let rejects_enc = (!report.rejects.is_empty()).then(|| reject_sealer.seal("reject_file", &report.rejects_csv()));
    let batch_id = import.finish(&summary, rejects_enc).await?;
    Ok(ImportReport { batch_id, ..report })
}

/// The reader thread: parse, check keys, normalize, encrypt, send chunks.
fn read_all<R: Read>(
    mut tap: Tap<R>,
    options: ImportOptions,
    sealer: Arc<dyn Sealer>,
    tx: tokio::sync::mpsc::Sender<Msg>,
) -> Result<(), String> {
    let this_year = jiff::Zoned::now().year() as i64;
    let normalizer = Normalizer {
        sealer: sealer.as_ref(),
        default_region: &options.default_region,
        line_types: options.line_types.as_ref(),
        latest_birth_year: this_year - 17,
    };
    let state = layout_state(&options.layout);
    let mut totals = ReaderTotals::default();
    // Person key → first line, by a 64-bit hash of the key: constant memory per row whatever the key.
    let hasher = RandomState::new();
    let mut first_line: HashMap<u64, u64> = HashMap::new();
    let mut chunk: Vec<PersonRecord> = Vec::with_capacity(CHUNK_ROWS);
    let reader = match clearline_voterfile::open_reader(&options.layout, options.encoding, &mut tap) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.blocking_send(Msg::Broken(e));
            return Ok(());
        }
    };
    for item in reader {
        let row = match item {
            Ok(row) => row,
            Err(e) => {
                let _ = tx.blocking_send(Msg::Broken(e));
                return Ok(());
            }
        };
        totals.rows_read += 1;
        let key = row.person_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            totals.rejected += 1;
            totals.rejects.push(Reject {
                line: row.line,
                person_key: String::new(),
                field: "person_key".into(),
                reason: "missing: a row needs the voter ID to be imported".into(),
                value: String::new(),
            });
            continue;
        };
        let h = hasher.hash_one(key);
        if let Some(first) = first_line.get(&h) {
            totals.rejected += 1;
            totals.rejects.push(Reject {
                line: row.line,
                person_key: key.to_string(),
                field: "person_key".into(),
                reason: format!("repeats the person key of line {first}"),
                value: key.to_string(),
            });
            continue;
        }
        first_line.insert(h, row.line);
        let normalized = normalizer.normalize(&row, key, state);
        totals.phones_valid += normalized.phones_valid;
        totals.phones_invalid += normalized.phone_rejects.len() as u64;
        totals.rejects.extend(normalized.phone_rejects);
        chunk.push(normalized.person);
        if chunk.len() == CHUNK_ROWS {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
            if tx.blocking_send(Msg::Chunk(full)).is_err() {
                return Ok(()); // the writer stopped (it reports why)
            }
        }
    }
    if !chunk.is_empty() && tx.blocking_send(Msg::Chunk(chunk)).is_err() {
        return Ok(());
    }
    // Drain anything after the last record so the hash covers the whole file.
    let mut rest = Vec::new();
    tap.read_to_end(&mut rest).map_err(|e| e.to_string())?;
    totals.sha256 = hex::encode(tap.hasher.finalize());
    let _ = tx.blocking_send(Msg::Done(totals));
    Ok(())
}
