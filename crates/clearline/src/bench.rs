//! `clearline bench import`: the full import pipeline against each database's own raw bulk loader,
//! on the same file, in the same run (ratios, not absolute numbers, are what survive a noisy machine).

use crate::config::Config;
use anyhow::{bail, Context};
use clearline_core::Actor;
use clearline_ingest::{import_voters, ImportOptions};
use clearline_store::{Store, StoreConfig};
use clearline_voterfile::Layout;
use serde::Serialize;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

#[derive(Serialize)]
struct Run {
    backend: &'static str,
    rows: u64,
    import_seconds: f64,
    import_rows_per_second: f64,
    raw_load_seconds: Option<f64>,
    /// A three-filter universe count (party, age, county) over the imported people.
    universe_count_ms: f64,
    /// raw bulk-load time ÷ import time: ≥ 1.0 means the import is as fast as the bare loader.
    throughput_ratio: Option<f64>,
    peak_rss_mb: f64,
    /// Resident memory just before the import began, and the peak up to then (seeding the demo, the
    /// generator): what the import's own structures add is the difference to `peak_rss_mb`.
    rss_before_import_mb: f64,
    peak_before_import_mb: f64,
    /// Where the import's time went (seconds; `normalize` is summed over the worker threads).
    stages: clearline_ingest::ImportTimings,
}

/// Starts a new peak: each backend's run reports its own peak, not the one of the run before it.
/// (Linux: writing 5 to `clear_refs` resets VmHWM to the current resident size; elsewhere a no-op.)
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Resident memory of this process now (VmRSS), in MB. Linux only; 0 elsewhere.
fn current_rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// Peak resident memory of this process so far (VmHWM), in MB. Linux only; 0 elsewhere.
fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn import(rows: u64, backends: &str, keep: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let work = tempfile::tempdir().context("a scratch directory")?;
    let dir = keep.unwrap_or(work.path());
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("nc-{rows}.txt"));
    let started = Instant::now();
    {
        let out = std::fs::File::create(&file)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
        clearline_voterfile::generate(&Layout::Nc, rows, 2026, &mut w)?;
        std::io::Write::flush(&mut w)?;
    }
    if !json {
        eprintln!(
            "Generated {rows} NC rows ({:.0} MB) in {:.1} s",
            file.metadata()?.len() as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    let mut runs = Vec::new();
    for backend in backends.split(',') {
        reset_peak_rss();
        let run = match backend {
            "sqlite" => bench_sqlite(dir, &file, rows).await?,
            "postgres" => bench_postgres(dir, &file, rows).await?,
            other => bail!("unknown backend {other:?}: use sqlite, postgres or sqlite,postgres"),
        };
        if !json {
            eprintln!(
                "{:<9} {:>9} rows  import {:>7.2} s ({:>8.0} rows/s)  raw load {}  ratio {}  universe count {:.0} ms  peak RSS {:.0} MB",
                run.backend,
                run.rows,
                run.import_seconds,
                run.import_rows_per_second,
                run.raw_load_seconds.map_or("n/a".into(), |s| format!("{s:.2} s")),
                run.throughput_ratio.map_or("n/a".into(), |r| format!("{r:.2}")),
                run.universe_count_ms,
                run.peak_rss_mb
            );
            eprintln!(
                "          memory: {:.0} MB resident before the import (peak {:.0} MB until then)",
                run.rss_before_import_mb, run.peak_before_import_mb
            );
            let t = &run.stages;
            eprintln!(
                "          stages: read {:.2} s, normalize {:.2} s (all workers), write {:.2} s, households {:.2} s, finish {:.2} s",
                t.read, t.normalize, t.write, t.households, t.finish
            );
        }
        runs.push(run);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Seeds the demo, imports the file as the demo data manager, and checks the count.
async fn timed_import(
    store_config: StoreConfig,
    data_dir: &Path,
    file: &Path,
    rows: u64,
) -> anyhow::Result<(f64, f64, clearline_ingest::ImportTimings, (f64, f64))> {
    std::fs::create_dir_all(data_dir)?;
    let store = Store::open(&store_config).await?;
    let config = Config { data_dir: data_dir.to_path_buf(), ..Config::default() };
    crate::demo::seed(&store, &config).await?;
    let email = clearline_core::validate::Email::parse("data@demo.clearline.test")?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let campaign = store.organization_by_slug(&actor, "demo").await?.id;
    let master = crate::vaultkeys::master_key(&config)?;
    let sealer = Arc::new(clearline_ingest::keys::campaign_sealer(&store, &actor, campaign, &master).await?);
    let options = ImportOptions {
        layout: Layout::Nc,
        layout_name: "nc".into(),
        encoding: None,
        default_region: "US".into(),
        line_types: None,
    };
    let input = std::fs::File::open(file)?;
    let before_import = (current_rss_mb(), peak_rss_mb());
    let started = Instant::now();
    let report = import_voters(&store, &actor, campaign, sealer, options, input, |_| {}).await?;
    // The clock stops when the batch has committed and a count over it is right.
    let count = store.person_count(&actor, campaign).await?;
    let seconds = started.elapsed().as_secs_f64();
    if report.rows_read != rows || count != report.inserted || !report.balances() {
        bail!("the import did not account for every row: {report:?}, {count} people");
    }
    let filter: clearline_core::universe::Filter = serde_json::from_str(
        r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM","UNA"]},
            {"op":"age","min":18,"max":64,"on_year":2026},
            {"op":"in","field":"county","values":["WAKE","MECKLENBURG","DURHAM","GUILFORD","FORSYTH"]}]}"#,
    )?;
    let counted = Instant::now();
    let selected = store.count_universe(&actor, &filter).await?;
    let count_ms = counted.elapsed().as_secs_f64() * 1e3;
    if selected == 0 || selected >= count {
        bail!("the benchmark universe selected {selected} of {count}: the filter is not exercising anything");
    }
    store.close().await;
    Ok((seconds, count_ms, report.timings, before_import))
}

async fn bench_sqlite(dir: &Path, file: &Path, rows: u64) -> anyhow::Result<Run> {
    let data_dir = dir.join("sqlite-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let (seconds, count_ms, stages, before) =
        timed_import(StoreConfig::embedded(&data_dir), &data_dir, file, rows).await?;
    let raw = raw_sqlite(dir, file)?;
    Ok(run("sqlite", rows, seconds, raw, count_ms, stages, before))
}

async fn bench_postgres(dir: &Path, file: &Path, rows: u64) -> anyhow::Result<Run> {
    let url = std::env::var("CLEARLINE_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("bench_{}", std::process::id());
    let data_dir = dir.join("pg-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let config = StoreConfig {
        data_dir: data_dir.clone(),
        database_url: Some(url.clone()),
        postgres_schema: Some(schema.clone()),
    };
    let seconds = timed_import(config, &data_dir, file, rows).await;
    let raw = raw_postgres(&url, &schema, file);
    let _ = Command::new("psql")
        .args([url.as_str(), "-q", "-c", &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")])
        .output();
    let (seconds, count_ms, stages, before) = seconds?;
    Ok(run("postgres", rows, seconds, raw?, count_ms, stages, before))
}

fn run(
    backend: &'static str,
    rows: u64,
    seconds: f64,
    raw: Option<f64>,
    universe_count_ms: f64,
    stages: clearline_ingest::ImportTimings,
    (rss_before_import_mb, peak_before_import_mb): (f64, f64),
) -> Run {
    Run {
        rss_before_import_mb,
        peak_before_import_mb,
        stages,
        universe_count_ms,
        backend,
        rows,
        import_seconds: seconds,
        import_rows_per_second: rows as f64 / seconds,
        raw_load_seconds: raw,
        throughput_ratio: raw.map(|r| r / seconds),
        peak_rss_mb: peak_rss_mb(),
    }
}

/// The sqlite3 shell's `.import` into an untyped, unindexed table, with the same PRAGMAs.
fn raw_sqlite(dir: &Path, file: &Path) -> anyhow::Result<Option<f64>> {
    let db = dir.join("raw.db");
    let _ = std::fs::remove_file(&db);
    let started = Instant::now();
    let out = match Command::new("sqlite3")
        .arg(&db)
        .args(["PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", ".mode tabs"])
        .arg(format!(".import {} raw", file.display()))
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            eprintln!("sqlite3 shell not installed (apt-get install sqlite3): no raw baseline");
            return Ok(None);
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("sqlite3 .import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Some(seconds))
}

/// `psql \copy` into an untyped, unindexed table of the file's columns.
fn raw_postgres(url: &str, schema: &str, file: &Path) -> anyhow::Result<Option<f64>> {
    // Only the header line: reading the whole file here counted it in the peak memory of the run.
    let mut first = Vec::new();
    std::io::BufRead::read_until(&mut std::io::BufReader::new(std::fs::File::open(file)?), b'\n', &mut first)?;
    let first = first.strip_suffix(b"\n").unwrap_or(&first);
    let columns: Vec<String> =
        String::from_utf8_lossy(first).split('\t').map(|c| format!("\"{}\" text", c.trim())).collect();
    let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}; DROP TABLE IF EXISTS {schema}.raw; CREATE UNLOGGED TABLE {schema}.raw ({});", columns.join(","));
    let setup = Command::new("psql").args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", &create]).output();
    match setup {
        Err(_) => {
            eprintln!("psql not installed: no raw baseline");
            return Ok(None);
        }
        Ok(o) if !o.status.success() => bail!("psql: {}", String::from_utf8_lossy(&o.stderr)),
        Ok(_) => {}
    }
    let copy = format!(
        "\\copy {schema}.raw FROM '{}' WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01', HEADER true, ENCODING 'LATIN1')",
        file.display()
    );
    let started = Instant::now();
    let out = Command::new("psql").args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", &copy]).output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("psql \\copy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Some(seconds))
}
