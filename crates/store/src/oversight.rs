//! Campaign oversight: what each program's calling has done, vendor by vendor side by side, and hour by
//! hour — the campaign's own check of what it paid for. Counts only: no voter data.

use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use clearline_core::disposition::Disposition;
use clearline_core::{Actor, Capability};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

const HOUR_US: i64 = 3_600_000_000;
/// Hours in the time series.
pub const SERIES_HOURS: i64 = 24;

#[derive(Clone, Debug, Serialize)]
pub struct Oversight {
    /// The instant the series ends at (µs): the wall clock, or the campaign's latest attempt when that
    /// is later (a demo calling at a chosen instant runs ahead of the wall clock).
    pub clock_us: i64,
    pub programs: Vec<ProgramOversight>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProgramOversight {
    pub slug: String,
    pub name: String,
    pub status: String,
    /// `gotv`, `fundraising`, `survey`, `persuasion`.
    pub purpose: String,
    /// One per vendor that placed calls (`none` for an agentless program's own floor).
    pub vendors: Vec<VendorOversight>,
    /// Attempts dialed and contacts made per hour, oldest first, the last [`SERIES_HOURS`] hours.
    pub hourly: Vec<HourCount>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct VendorOversight {
    pub vendor: String,
    pub attempts: u64,
    pub in_flight: u64,
    pub contacts: u64,
    pub completes: u64,
    /// CR-46 on system-dialed calls: live answers, and those abandoned.
    pub live: u64,
    pub abandoned: u64,
    pub by_disposition: BTreeMap<String, u64>,
}

impl VendorOversight {
    /// Contacts per finished attempt, in percent (0 with none finished).
    pub fn contact_rate_percent(&self) -> f64 {
        let finished = self.attempts - self.in_flight;
        if finished == 0 {
            0.0
        } else {
            100.0 * self.contacts as f64 / finished as f64
        }
    }

    pub fn abandonment_percent(&self) -> f64 {
        if self.live == 0 {
            0.0
        } else {
            100.0 * self.abandoned as f64 / self.live as f64
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct HourCount {
    pub hour_start_us: i64,
    pub attempts: u64,
    pub contacts: u64,
}

impl Store {
    /// Every program of the actor's campaign, its vendors side by side and its last 24 hours by hour.
    pub async fn oversight(&self, actor: &Actor, now_us: i64) -> StoreResult<Oversight> {
        let campaign = require_in_org(actor, Capability::ViewResults, None)?;
        let programs = sqlx::query(
            "SELECT id, slug, name, status, settings_json FROM programs WHERE campaign_id = $1 ORDER BY slug",
        )
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        let latest: Option<i64> = sqlx::query(
            "SELECT MAX(a.dialed_at) FROM call_attempts a JOIN programs p ON p.id = a.program_id WHERE p.campaign_id = $1",
        )
        .bind(campaign.0)
        .fetch_one(&self.pool)
        .await?
        .get(0);
        let clock = latest.map_or(now_us, |l| l.max(now_us));
        let mut out = Vec::new();
        for p in programs {
            let id: i64 = p.get(0);
            let settings: serde_json::Value = serde_json::from_str(&p.get::<String, _>(4)).unwrap_or_default();
            out.push(ProgramOversight {
                slug: p.get(1),
                name: p.get(2),
                status: p.get(3),
                purpose: settings["purpose"].as_str().unwrap_or_default().to_string(),
                vendors: self.vendor_oversight(id).await?,
                hourly: self.hourly(id, clock).await?,
            });
        }
        Ok(Oversight { clock_us: clock, programs: out })
    }

    /// The program's attempts by vendor, from their tallies (migration 0031): a few hundred rows, not
    /// every attempt.
    async fn vendor_oversight(&self, program_id: i64) -> StoreResult<Vec<VendorOversight>> {
        let rows = sqlx::query(
            "SELECT COALESCE(o.slug, 'none'), t.state, t.disposition, t.live, t.n FROM \
             (SELECT vendor_id, state, disposition, live, CAST(SUM(n) AS BIGINT) AS n FROM attempt_tallies \
              WHERE program_id = $1 GROUP BY vendor_id, state, disposition, live) t \
             LEFT JOIN organizations o ON o.id = t.vendor_id WHERE t.n > 0",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_vendor: BTreeMap<String, VendorOversight> = BTreeMap::new();
        for r in rows {
            let (vendor, state, code, live, n): (String, String, String, i64, i64) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            let v = by_vendor.entry(vendor.clone()).or_insert_with(|| VendorOversight { vendor, ..Default::default() });
            let n = n.max(0) as u64;
            v.attempts += n;
            if state == "in_flight" {
                v.in_flight += n;
                continue;
            }
            // CR-46: system-dialed calls a person answered (bridged, or abandoned waiting for an agent).
            if live == 1 {
                v.live += n;
                if code == "abandoned" {
                    v.abandoned += n;
                }
            }
            if let Some(d) = Disposition::from_code(&code) {
                v.contacts += if d.is_contact() { n } else { 0 };
                v.completes += if d.is_complete() { n } else { 0 };
            }
            *v.by_disposition.entry(code).or_default() += n;
        }
        Ok(by_vendor.into_values().collect())
    }

    async fn hourly(&self, program_id: i64, clock: i64) -> StoreResult<Vec<HourCount>> {
        // Hours end at the clock's next full hour, so the last bar is the hour in progress.
        let end = (clock / HOUR_US + 1) * HOUR_US;
        let since = end - SERIES_HOURS * HOUR_US;
        let mut series: Vec<HourCount> =
            (0..SERIES_HOURS).map(|h| HourCount { hour_start_us: since + h * HOUR_US, ..Default::default() }).collect();
        // The tallies are by the dial's hour (migration 0031), and the series' hours are whole hours.
        let rows = sqlx::query(
            "SELECT hour - $1 AS h, disposition, CAST(SUM(n) AS BIGINT) FROM attempt_tallies \
             WHERE program_id = $2 AND hour >= $1 AND hour < $3 GROUP BY hour, disposition",
        )
        .bind(since / HOUR_US)
        .bind(program_id)
        .bind(end / HOUR_US)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let (h, code, n): (i64, String, i64) = (r.get(0), r.get(1), r.get(2));
            let Some(slot) = usize::try_from(h).ok().and_then(|h| series.get_mut(h)) else { continue };
            slot.attempts += n.max(0) as u64;
            if Disposition::from_code(&code).is_some_and(|d| d.is_contact()) {
                slot.contacts += n.max(0) as u64;
            }
        }
        Ok(series)
    }
}
