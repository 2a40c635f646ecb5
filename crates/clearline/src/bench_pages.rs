//! `clearline bench pages`: every main page's server time under load, on a database the size of a
//! real campaign (issue 7: 1,000,000 people and 100,000 calls, p99 under 100 ms).
//!
//! The demo is seeded into a scratch data directory with that many synthetic voters, and bot agents
//! place that many calls on the simulated carrier (the same run loop as `program simulate`, so every
//! attempt, result and agent state change is stored as in production). Then the web server is started
//! in this process on loopback, each demo role signs in, and a load generator requests each of its
//! pages with a few requests in flight at once. The server's own time comes from the `Server-Timing`
//! header it sets on every response (to its headers); the client's clock is reported beside it.

use crate::config::Config;
use crate::demo;
use anyhow::{bail, Context};
use clap::Args;
use clearline_core::validate::Email;
use clearline_core::Actor;
use clearline_store::{Store, StoreConfig};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args)]
pub struct PagesBenchArgs {
    /// Synthetic NC voters in the demo campaign.
    #[arg(long, default_value_t = 1_000_000)]
    people: u64,
    /// Calls placed before the pages are measured (one in five on the survey as far as its list goes,
    /// the rest on the GOTV program).
    #[arg(long, default_value_t = 100_000)]
    calls: u64,
    /// Requests per page, after three to warm up.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// A small run for CI: 20,000 people, 2,000 calls, 20 requests a page.
    #[arg(long)]
    quick: bool,
    /// Keep the data directory here (a second run with the same sizes reuses it and skips the seeding).
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// The goal of issue 7: every page's server time under this at the 99th percentile.
const GOAL_P99_MS: f64 = 100.0;

/// What each role opens, as a person in that role would during a shift.
const PAGES: &[(&str, &[&str])] = &[
    ("data", &["/", "/voters", "/universes", "/voters/mappings", "/audit"]),
    ("programs", &["/programs", "/programs/gotv-general", "/oversight", "/api/v1/programs/gotv-general/calls"]),
    ("analyst", &["/programs/survey-likely-voters/survey"]),
    ("compliance", &["/audit"]),
    ("scripts", &["/scripts", "/audio"]),
    ("owner", &["/organization", "/users", "/engagements"]),
];
const VENDOR_PAGES: &[(&str, &[&str])] =
    &[("supervisor", &["/wallboard"]), ("agent", &["/desk"]), ("admin", &["/organization", "/sites", "/users"])];

#[derive(Serialize)]
struct PageFigures {
    path: String,
    role: String,
    requests: usize,
    response_bytes: usize,
    server_p50_ms: f64,
    server_p95_ms: f64,
    server_p99_ms: f64,
    server_max_ms: f64,
    client_p99_ms: f64,
    goal_met: bool,
}

#[derive(Serialize)]
struct Figures {
    people: u64,
    attempts_stored: u64,
    concurrency: usize,
    seed_seconds: f64,
    /// Saved universes, and those whose kept counts were stale and counted before the pages.
    universes: usize,
    universes_recounted: usize,
    universes_count_seconds: f64,
    goal_p99_ms: f64,
    slowest_p99_ms: f64,
    pages: Vec<PageFigures>,
}

pub async fn run(args: PagesBenchArgs, json: bool) -> anyhow::Result<ExitCode> {
    let (people, calls, requests) =
        if args.quick { (20_000, 2_000, 20) } else { (args.people, args.calls, args.requests) };
    if requests == 0 || args.concurrency == 0 {
        eprintln!("error: --requests and --concurrency must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let scratch = tempfile::tempdir().context("a scratch directory")?;
    let data_dir = args.keep.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&data_dir)?;
    let config = Config { data_dir: data_dir.clone(), ..Config::default() };
    let store = Store::open(&StoreConfig::embedded(&data_dir)).await?;

    let seeding = Instant::now();
    let users = demo::seed(&store, &config).await?;
    demo::seed_voters(&store, &config, people).await?;
    demo::seed_program(&store, &config).await?;
    demo::seed_survey_program(&store, &config).await?;
    demo::seed_script(&store).await?;
    demo::seed_audio(&store).await?;
    let programs = programs_actor(&store).await?;
    let mut attempts = store.call_stats(&programs, "gotv-general").await?.attempts
        + store.call_stats(&programs, demo::SURVEY_PROGRAM).await?.attempts;
    if attempts < calls {
        // The survey first: its list runs out (its quotas fill, its universe is small), and what it
        // cannot place goes to the GOTV program, so the calls asked for are placed whatever the size.
        let survey = place_calls(&store, &config, demo::SURVEY_PROGRAM, calls / 5, true, !json).await?;
        place_calls(&store, &config, "gotv-general", calls - survey.min(calls), false, !json).await?;
        attempts = store.call_stats(&programs, "gotv-general").await?.attempts
            + store.call_stats(&programs, demo::SURVEY_PROGRAM).await?.attempts;
    }
    let seed_seconds = seeding.elapsed().as_secs_f64();
    if !json {
        eprintln!("Seeded {people} people and {attempts} calls in {seed_seconds:.1} s");
    }
    // The saved universes' kept counts, brought up to date as the first view of /universes after an
    // import would start in the background: timed on its own, so the pages below are measured in the
    // steady state rather than beside a recount.
    let counting = Instant::now();
    let (universes_counted, universes_stale) = count_universes(&store).await?;
    let universes_count_seconds = counting.elapsed().as_secs_f64();
    if !json {
        eprintln!(
            "Counted {universes_stale} of {universes_counted} saved universes (the others were current) in {universes_count_seconds:.1} s"
        );
    }

    // The server, in this process, on a loopback port of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = crate::web_state(&config, &store, clearline_calling::DeskHub::default())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(clearline_web::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let mut pages = Vec::new();
    let all = PAGES
        .iter()
        .map(|(role, paths)| (demo::CAMPAIGN, *role, *paths))
        .chain(VENDOR_PAGES.iter().map(|(role, paths)| (demo::US_VENDOR, *role, *paths)));
    for (org, role, paths) in all {
        let email = demo::email_of(org, role);
        let user = users.iter().find(|u| u.email == email).with_context(|| format!("no demo user {email}"))?;
        // Roles that must use a second factor give the current code with the password.
        let code = user.totp_secret.as_deref().and_then(clearline_web::auth::totp::current);
        let cookie = sign_in(&base, &user.email, &user.password, code).await?;
        for path in paths {
            let figures = measure(&base, &cookie, path, requests, args.concurrency).await?;
            let page = page_figures(path, role, figures);
            if !json {
                eprintln!(
                    "{:<44} {:<10} server p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  (client p99 {:>7.1} ms, {} kB){}",
                    page.path,
                    page.role,
                    page.server_p50_ms,
                    page.server_p95_ms,
                    page.server_p99_ms,
                    page.server_max_ms,
                    page.client_p99_ms,
                    page.response_bytes / 1024,
                    if page.goal_met { "" } else { "  over the goal" }
                );
            }
            pages.push(page);
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    store.close().await;

    let slowest_p99_ms = pages.iter().map(|p| p.server_p99_ms).fold(0.0, f64::max);
    let figures = Figures {
        people,
        attempts_stored: attempts,
        concurrency: args.concurrency,
        seed_seconds,
        universes: universes_counted,
        universes_recounted: universes_stale,
        universes_count_seconds,
        goal_p99_ms: GOAL_P99_MS,
        slowest_p99_ms,
        pages,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        let over = figures.pages.iter().filter(|p| !p.goal_met).count();
        eprintln!(
            "Slowest page p99 {slowest_p99_ms:.1} ms; {over} of {} pages over the {GOAL_P99_MS} ms goal",
            figures.pages.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn programs_actor(store: &Store) -> anyhow::Result<Actor> {
    let email = Email::parse(&demo::email_of(demo::CAMPAIGN, "programs"))?;
    Ok(Actor::User(store.cli_principal(&email).await?))
}

/// Counts the demo campaign's saved universes whose kept counts are not current, one after another
/// (as the page's background recount does): (saved universes, counted now).
async fn count_universes(store: &Store) -> anyhow::Result<(usize, usize)> {
    let actor = programs_actor(store).await?;
    let saved = store.universes_with_counts(&actor).await?;
    let stale: Vec<i64> =
        saved.iter().filter(|u| !u.counts.is_some_and(|c| c.current)).map(|u| u.universe.id).collect();
    for id in &stale {
        store.refresh_universe_counts(&actor, *id).await?;
    }
    if let Some(u) = store.universes_with_counts(&actor).await?.iter().find(|u| !u.counts.is_some_and(|c| c.current)) {
        bail!("universe {} is still not counted after its recount", u.universe.id);
    }
    Ok((saved.len(), stale.len()))
}

/// Bot agents call the program's list on the simulated carrier until `calls` attempts are stored,
/// shift after shift, each starting at 09:00 Eastern on a later day (inside the calling hours).
/// Places calls on the program until it has `calls` attempts; returns how many it has. A list worked
/// through before then is an error, unless `may_run_out` (then the attempts it has are returned).
async fn place_calls(
    store: &Store,
    config: &Config,
    slug: &str,
    calls: u64,
    may_run_out: bool,
    progress: bool,
) -> anyhow::Result<u64> {
    let actor = programs_actor(store).await?;
    let program = store.program_by_slug(&actor, slug).await?;
    if program.status != clearline_core::program::ProgramStatus::Running {
        store.start_program(&actor, slug, jiff::Zoned::now().date()).await?;
    }
    let campaign = store.organization_by_slug(&actor, demo::CAMPAIGN).await?.id;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, &actor, campaign).await?;
    let profile = if slug == demo::SURVEY_PROGRAM {
        clearline_dialer::sim::model::Profile::SURVEY
    } else {
        clearline_dialer::sim::model::Profile::GOTV
    };
    // Tomorrow 09:00 in North Carolina (the demo's voters), inside the engagements; each shift a day later.
    let eastern = jiff::Zoned::now().in_tz("America/New_York")?;
    let first_morning = eastern.date().tomorrow()?.at(9, 0, 0, 0).to_zoned(eastern.time_zone().clone())?.timestamp();
    // A kept directory already called some days: go on from the day after its last call (the attempt
    // rules' spacing counts from then).
    let day_us = 24 * 3_600 * 1_000_000i64;
    let first_day = match store.field_dates(&actor, slug).await?.last_ended_at_us {
        Some(last) => ((last - first_morning.as_microsecond()) / day_us + 1).max(0) as u64,
        None => 0,
    };
    for day in first_day..first_day + 60 {
        let stored = store.call_stats(&actor, slug).await?.attempts;
        if stored >= calls {
            return Ok(stored);
        }
        let options = clearline_calling::RunOptions {
            agents_per_vendor: 50,
            duration: 11 * 3_600 * clearline_dialer::SECOND,
            seed: day + 1,
            profile,
            stop_after_attempts: Some(calls - stored),
            ..clearline_calling::RunOptions::default()
        };
        let origin = first_morning + jiff::SignedDuration::from_hours(24 * day as i64);
        let report = clearline_calling::run_program(store, &actor, &sealer, slug, origin, &options).await?;
        if progress {
            eprintln!("  {slug}: day {day}: {} attempts", report.attempts_opened);
        }
        if report.attempts_opened == 0 && may_run_out {
            if progress {
                eprintln!("  {slug}: its list is worked through at {stored} calls; the rest go to the other program");
            }
            return Ok(stored);
        }
        if report.attempts_opened == 0 {
            bail!("{slug}: a shift placed no call; its list is worked through ({stored} of {calls} calls)");
        }
    }
    bail!("{slug}: 60 shifts did not place {calls} calls")
}

async fn sign_in(base: &str, email: &str, password: &str, totp_code: Option<String>) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": email, "password": password, "totp_code": totp_code}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("signing in as {email}: {}", res.status());
    }
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no session cookie")?
        .to_string();
    Ok(cookie)
}

/// One request's times: the server's (its `Server-Timing`), the client's, and the body's size.
struct Sample {
    server_ms: f64,
    client_ms: f64,
    bytes: usize,
}

async fn measure(
    base: &str,
    cookie: &str,
    path: &str,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Sample>> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let url = format!("{base}{path}");
    for _ in 0..3 {
        fetch(&client, &url, cookie).await?;
    }
    let left = Arc::new(std::sync::atomic::AtomicUsize::new(requests));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.min(requests) {
        let (client, url, cookie, left) = (client.clone(), url.clone(), cookie.to_string(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while left
                .fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
                    n.checked_sub(1)
                })
                .is_ok()
            {
                samples.push(fetch(&client, &url, &cookie).await?);
            }
            anyhow::Ok(samples)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

async fn fetch(client: &reqwest::Client, url: &str, cookie: &str) -> anyhow::Result<Sample> {
    let started = Instant::now();
    let res = client.get(url).header("cookie", cookie).send().await?;
    let status = res.status();
    let server_ms = res
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("dur=").nth(1))
        .and_then(|v| v.parse::<f64>().ok());
    let body = res.bytes().await?;
    let client_ms = started.elapsed().as_secs_f64() * 1e3;
    if !status.is_success() {
        bail!("{url}: {status} (a benchmark of an error page measures nothing)");
    }
    let server_ms = server_ms.with_context(|| format!("{url}: no Server-Timing header"))?;
    Ok(Sample { server_ms, client_ms, bytes: body.len() })
}

/// The value at quantile `q` (nearest rank) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn page_figures(path: &str, role: &str, samples: Vec<Sample>) -> PageFigures {
    let mut server: Vec<f64> = samples.iter().map(|s| s.server_ms).collect();
    let mut client: Vec<f64> = samples.iter().map(|s| s.client_ms).collect();
    server.sort_by(f64::total_cmp);
    client.sort_by(f64::total_cmp);
    let server_p99_ms = quantile(&server, 0.99);
    PageFigures {
        path: path.into(),
        role: role.into(),
        requests: samples.len(),
        response_bytes: samples.iter().map(|s| s.bytes).max().unwrap_or(0),
        server_p50_ms: quantile(&server, 0.5),
        server_p95_ms: quantile(&server, 0.95),
        server_p99_ms,
        server_max_ms: server.last().copied().unwrap_or(0.0),
        client_p99_ms: quantile(&client, 0.99),
        goal_met: server_p99_ms < GOAL_P99_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.5), 50.0);
        assert_eq!(quantile(&values, 0.99), 99.0);
        assert_eq!(quantile(&values, 1.0), 100.0);
        assert_eq!(quantile(&values[..10], 0.99), 10.0, "with 10 samples the p99 is the largest");
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
