//! The import pipeline: a blocking thread reads, normalizes and encrypts; the async side writes chunks
//! into one transaction; the batch, its counts, its encrypted reject file and its audit event commit
//! together, or nothing does.

use crate::keymap::KeyMap;
use crate::normalize::{Normalizer, Sealer};
use crate::rejects::{Reject, RejectRows};
use clearline_core::phone::BlockLineTypes;
use clearline_core::{Actor, OrgId};
use clearline_store::{BatchSummary, PersonRecord, Store, StoreError};
use clearline_voterfile::{Layout, SourceRow, StructuralError, TextEncoding};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::Arc;

/// Rows per chunk handed from the reader thread to the writer.
///
/// Why 1,000: chunks in flight are most of the import's memory that is not the database's page
/// cache. A parsed NC row (67 columns as strings) is ~3 KB and a normalized one ~2 KB, and with the
/// queues full (the writer is the slow stage) a dozen chunks are alive at once; at 2,000 rows that
/// was ~100 MB a few seconds into any import (`bench import`: 51 MB before the import, ~150 MB at
/// 20,000 rows). Statements stay large (450 people, every phone of the chunk), so the writer's
/// per-statement cost hardly changes.
const CHUNK_ROWS: usize = 1_000;
/// Normalized chunks waiting for the writer (the reader and the workers block when it is full).
const NORMALIZED_QUEUE: usize = 2;
/// The person-key map's first table (slots of 16 bytes in a sparse temporary file, one byte each in
/// memory): 64k keys before the next, twice as large, level opens.
const KEY_MAP_INITIAL_SLOTS: usize = 1 << 17;

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
    /// The reject file as CSV (header, then one row per rejected row or phone, in file order).
    #[serde(skip)]
    pub reject_csv: Vec<u8>,
    #[serde(skip)]
    pub file_sha256: String,
    #[serde(skip)]
    pub timings: ImportTimings,
}

impl ImportReport {
    pub fn balances(&self) -> bool {
        self.rows_read == self.inserted + self.updated + self.unchanged + self.rejected
    }

    /// The reject file as CSV.
    pub fn rejects_csv(&self) -> &[u8] {
        &self.reject_csv
    }

    /// Rows in the reject file: rejected rows and rejected phones.
    pub fn reject_count(&self) -> u64 {
        self.rejected + self.phones_invalid
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

/// A chunk of rows normalized by one worker; `seq` restores the file's order.
struct NormalizedChunk {
    seq: u64,
    persons: Vec<PersonRecord>,
    phones_valid: u64,
    phone_rejects: Vec<Reject>,
    normalize_seconds: f64,
}

enum Msg {
    Chunk(NormalizedChunk),
    Done(Box<ReaderTotals>),
    Broken(StructuralError),
}

/// What the reader thread counted itself (the workers' counts travel with their chunks).
#[derive(Default)]
struct ReaderTotals {
    rows_read: u64,
    rejected: u64,
    rejects: RejectRows,
    sha256: String,
    read_seconds: f64,
    /// The file's extra column names (see [`Normalizer::normalize`]).
    extra_columns: Vec<String>,
}

/// Where an import's time went, in seconds (for `clearline bench import`; normalize is the sum over
/// the worker threads, so it can exceed the wall time).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportTimings {
    pub read: f64,
    pub normalize: f64,
    pub write: f64,
    pub households: f64,
    pub finish: f64,
}

/// Normalization workers: one per core. Parsing stays on one thread (the person-key check needs the
/// file's order); normalizing and encrypting, most of the CPU work, spread over the rest.
fn normalize_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
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
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(NORMALIZED_QUEUE);
    let layout_name = options.layout_name.clone();
    let reject_sealer = sealer.clone();
    let reader = tokio::task::spawn_blocking(move || read_all(tap, options, sealer, tx));

    let mut counts = clearline_store::ChunkCounts::default();
    let mut rows_so_far = 0u64;
    let mut phones_valid = 0u64;
    let mut phone_rejects = RejectRows::default();
    let mut timings = ImportTimings::default();
    // Workers finish out of order: hold early chunks until the next one in file order arrives, so
    // rows are written (and get their ids) in the file's order.
    let mut early: std::collections::BTreeMap<u64, NormalizedChunk> = std::collections::BTreeMap::new();
    let mut next_seq = 0u64;
    let mut totals = loop {
        match rx.recv().await {
            Some(Msg::Chunk(chunk)) => {
                early.insert(chunk.seq, chunk);
                while let Some(chunk) = early.remove(&next_seq) {
                    next_seq += 1;
                    rows_so_far += chunk.persons.len() as u64;
                    phones_valid += chunk.phones_valid;
                    chunk.phone_rejects.iter().for_each(|r| phone_rejects.push(r));
                    timings.normalize += chunk.normalize_seconds;
                    let started = std::time::Instant::now();
                    let c = match import.upsert_chunk(chunk.persons).await {
                        Ok(c) => c,
                        Err(e) => {
                            drop(rx);
                            let _ = import.abort().await;
                            return Err(e.into());
                        }
                    };
                    timings.write += started.elapsed().as_secs_f64();
                    counts.inserted += c.inserted;
                    counts.updated += c.updated;
                    counts.unchanged += c.unchanged;
                    progress(Progress { rows: rows_so_far, bytes: bytes.load(std::sync::atomic::Ordering::Relaxed) });
                }
            }
            Some(Msg::Done(totals)) => break totals,
            Some(Msg::Broken(e)) => {
                drop(rx);
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
    if !early.is_empty() {
        import.abort().await?;
        return Err(ImportError::Io("a normalized chunk went missing; nothing was imported".into()));
    }
    let started = std::time::Instant::now();
    if let Err(e) = import.write_staged().await {
        let _ = import.abort().await;
        return Err(e.into());
    }
    timings.write += started.elapsed().as_secs_f64();
    timings.read = totals.read_seconds;
    let phones_invalid = phone_rejects.len() as u64;
    // The reject file lists rejects in file order (a row's key reject and its phones' in one place).
    let reject_csv = RejectRows::merge_csv(std::mem::take(&mut totals.rejects), phone_rejects);
    let households_started = std::time::Instant::now();
    let households = match import.assign_households().await {
        Ok(n) => n,
        Err(e) => {
            let _ = import.abort().await;
            return Err(e.into());
        }
    };
    let mut report = ImportReport {
        households,
        rows_read: totals.rows_read,
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: totals.rejected,
        phones_valid,
        phones_invalid,
        reject_file: None,
        batch_id: import.batch_id(),
        reject_csv,
        file_sha256: totals.sha256,
        timings,
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
        extra_columns: std::mem::take(&mut totals.extra_columns),
    };
    // The reject file holds the rejected values as given: personal data, so it is stored encrypted.
    let rejects_enc = (report.reject_count() > 0).then(|| reject_sealer.seal("reject_file", report.rejects_csv()));
    report.timings.households = households_started.elapsed().as_secs_f64();
    let finish_started = std::time::Instant::now();
    let batch_id = import.finish(&summary, rejects_enc).await?;
    report.timings.finish = finish_started.elapsed().as_secs_f64();
    Ok(ImportReport { batch_id, ..report })
}

/// The reader thread: parse and check keys here, in file order; normalize and encrypt on the workers.
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
    let workers = normalize_workers();
    // Bounded: the reader runs at most one chunk per worker ahead, so memory stays flat.
    let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Job>(workers);
    let job_rx = std::sync::Mutex::new(job_rx);
    let outcome = std::thread::scope(|scope| {
        for _ in 0..workers {
            let (job_rx, tx, normalizer) = (&job_rx, &tx, &normalizer);
            scope.spawn(move || loop {
                let job = job_rx.lock().map_err(|_| ()).and_then(|rx| rx.recv().map_err(|_| ()));
                let Ok(job) = job else { return };
                let chunk = normalize_chunk(normalizer, job, state);
                if tx.blocking_send(Msg::Chunk(chunk)).is_err() {
                    return; // the writer stopped (it reports why)
                }
            });
        }
        let outcome = read_rows(&mut tap, &options, &tx, &job_tx, KEY_MAP_INITIAL_SLOTS);
        drop(job_tx); // the workers drain what is queued, then stop
        outcome
    });
    let Some(mut totals) = outcome? else { return Ok(()) };
    // Drain anything after the last record so the hash covers the whole file.
    let mut rest = Vec::new();
    tap.read_to_end(&mut rest).map_err(|e| e.to_string())?;
    totals.sha256 = hex::encode(tap.hasher.finalize());
    let _ = tx.blocking_send(Msg::Done(Box::new(totals)));
    Ok(())
}

/// Normalizes one chunk of rows (each has a person key: the reader checked).
fn normalize_chunk(normalizer: &Normalizer<'_>, job: Job, state: Option<&str>) -> NormalizedChunk {
    let started = std::time::Instant::now();
    let Job { seq, rows, extra_columns } = job;
    let mut chunk = NormalizedChunk {
        seq,
        persons: Vec::with_capacity(rows.len()),
        phones_valid: 0,
        phone_rejects: Vec::new(),
        normalize_seconds: 0.0,
    };
    for row in &rows {
        let key = row.person_key.as_deref().map(str::trim).unwrap_or_default();
        let normalized = normalizer.normalize(row, key, state, &extra_columns);
        chunk.phones_valid += normalized.phones_valid;
        chunk.phone_rejects.extend(normalized.phone_rejects);
        chunk.persons.push(normalized.person);
    }
    chunk.normalize_seconds = started.elapsed().as_secs_f64();
    chunk
}

/// Rows for a worker to normalize.
struct Job {
    seq: u64,
    rows: Vec<SourceRow>,
    extra_columns: Arc<Vec<String>>,
}

/// Parses the file, rejects rows without a key or repeating one, and queues the rest in chunks.
/// `None` when the file is broken or the writer stopped (a message already says which).
fn read_rows<R: Read>(
    tap: &mut Tap<R>,
    options: &ImportOptions,
    tx: &tokio::sync::mpsc::Sender<Msg>,
    jobs: &std::sync::mpsc::SyncSender<Job>,
    key_map_slots: usize,
) -> Result<Option<ReaderTotals>, String> {
    let started = std::time::Instant::now();
    let mut busy = 0.0f64; // time spent parsing, not waiting for a worker
    let mut totals = ReaderTotals::default();
    // Person key → first line, on disk: the process's memory does not grow with the file (see keymap).
    let mut first_line = KeyMap::new(key_map_slots).map_err(|e| format!("the person-key map: {e}"))?;
    let mut chunk: Vec<SourceRow> = Vec::with_capacity(CHUNK_ROWS);
    let mut seq = 0u64;
    let mut reader = match clearline_voterfile::open_reader(&options.layout, options.encoding, tap) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.blocking_send(Msg::Broken(e));
            return Ok(None);
        }
    };
    let mut extra_columns: Option<Arc<Vec<String>>> = None;
    let mut since = std::time::Instant::now();
    while let Some(item) = reader.next() {
        let row = match item {
            Ok(row) => row,
            Err(e) => {
                let _ = tx.blocking_send(Msg::Broken(e));
                return Ok(None);
            }
        };
        totals.rows_read += 1;
        let columns = extra_columns.get_or_insert_with(|| Arc::new(reader.extra_columns())).clone();
        let key = row.person_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            totals.rejected += 1;
            totals.rejects.push(&Reject {
                line: row.line,
                person_key: String::new(),
                field: "person_key".into(),
                reason: "missing: a row needs the voter ID to be imported".into(),
                value: String::new(),
            });
            continue;
        };
        let first = first_line.first_line_or_insert(key, row.line).map_err(|e| format!("the person-key map: {e}"))?;
        if let Some(first) = first {
            totals.rejected += 1;
            totals.rejects.push(&Reject {
                line: row.line,
                person_key: key.to_string(),
                field: "person_key".into(),
                reason: format!("repeats the person key of line {first}"),
                value: key.to_string(),
            });
            continue;
        }
        chunk.push(row);
        if chunk.len() == CHUNK_ROWS {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
            busy += since.elapsed().as_secs_f64();
            if jobs.send(Job { seq, rows: full, extra_columns: columns }).is_err() {
                return Ok(None); // the workers stopped because the writer did (it reports why)
            }
            since = std::time::Instant::now();
            seq += 1;
        }
    }
    busy += since.elapsed().as_secs_f64();
    let columns = extra_columns.unwrap_or_default();
    if !chunk.is_empty() && jobs.send(Job { seq, rows: chunk, extra_columns: columns.clone() }).is_err() {
        return Ok(None);
    }
    totals.extra_columns = columns.to_vec();
    totals.read_seconds = busy.min(started.elapsed().as_secs_f64());
    Ok(Some(totals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Runs the reader thread's loop over `file` with a person-key map of `slots` slots (workers
    /// replaced by a drain): its totals, and the lines it passed on to be imported.
    fn read_with(file: Vec<u8>, slots: usize) -> (ReaderTotals, Vec<u64>) {
        let options = ImportOptions {
            layout: Layout::Nc,
            layout_name: "nc".into(),
            encoding: None,
            default_region: "US".into(),
            line_types: None,
        };
        let mut tap = Tap { inner: std::io::Cursor::new(file), hasher: Sha256::new(), bytes: Arc::default() };
        let (tx, _rx) = tokio::sync::mpsc::channel::<Msg>(4);
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Job>(1);
        let drain =
            std::thread::spawn(move || job_rx.iter().flat_map(|j| j.rows.into_iter().map(|r| r.line)).collect());
        let totals = read_rows(&mut tap, &options, &tx, &job_tx, slots).unwrap().expect("a whole file");
        drop(job_tx);
        (totals, drain.join().unwrap())
    }

    /// The bound on rows held in memory at once, whatever the file's size: the reader's chunk, the
    /// jobs queued and being normalized (one per worker each), the normalized chunks queued, those
    /// held for file order (at most one per worker) and the one being written.
    #[test]
    fn rows_in_flight_are_bounded() {
        let workers = normalize_workers();
        assert!((1..=8).contains(&workers));
        let chunks = 1 + 2 * workers + NORMALIZED_QUEUE + workers + 1;
        let rows = chunks * CHUNK_ROWS;
        // 2 cores: 10 chunks of 1,000 rows (~50 MB of NC rows). Raise the chunk or the queue only
        // with a measurement (docs/benchmarks.md).
        assert!(rows <= 1_000 * (3 * workers + 4), "{rows} rows in flight with {workers} workers");
    }

    #[test]
    fn repeated_keys_are_rejected_naming_the_first_line_across_the_key_maps_growth() {
        // A generated file (with its own repeats), then its first 500 rows again at the end: every
        // one of those repeats comes after the on-disk map has doubled many times from 4 slots.
        let mut file = Vec::new();
        let stats = clearline_voterfile::generate(&Layout::Nc, 6_000, 3, &mut file).unwrap();
        assert!(stats.duplicate_keys > 0, "the generator repeats some keys");
        let text = file.clone();
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        for line in &lines[1..501] {
            file.extend_from_slice(line);
            file.push(b'\n');
        }
        // The reference: every row's trimmed key against an in-memory map of first lines.
        let mut first: HashMap<String, u64> = HashMap::new();
        let (mut expected_rejects, mut expected_lines) = (Vec::new(), Vec::new());
        for row in clearline_voterfile::open_reader(&Layout::Nc, None, &file[..]).unwrap() {
            let row = row.unwrap();
            let key = row.person_key.as_deref().map(str::trim).unwrap_or_default().to_string();
            assert!(!key.is_empty());
            match first.get(&key) {
                Some(&line) => expected_rejects.push((row.line, format!("repeats the person key of line {line}"))),
                None => {
                    first.insert(key, row.line);
                    expected_lines.push(row.line);
                }
            }
        }
        assert!(expected_rejects.len() as u64 >= 500 + stats.duplicate_keys);
        for slots in [4, KEY_MAP_INITIAL_SLOTS] {
            let (mut totals, passed) = read_with(file.clone(), slots);
            let csv = RejectRows::merge_csv(std::mem::take(&mut totals.rejects), RejectRows::default());
            let rejects: Vec<(u64, String)> = csv::Reader::from_reader(&csv[..])
                .records()
                .map(|r| r.unwrap())
                .map(|r| (r[0].parse().unwrap(), r[3].to_string()))
                .collect();
            assert_eq!(rejects, expected_rejects, "{slots} slots");
            assert_eq!(passed, expected_lines, "{slots} slots");
            assert_eq!(totals.rejected, expected_rejects.len() as u64);
            assert_eq!(totals.rows_read, 6_500);
        }
    }
}
