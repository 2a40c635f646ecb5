//! A vendor supervisor's wallboard: for each program their vendor works for a campaign (through an
//! active engagement), their own agents' states and their own calls — never another vendor's, and no
//! voter data at all.

use crate::db::Store;
use crate::error::StoreResult;
use crate::orgs::require_in_org;
use clearline_core::disposition::Disposition;
use clearline_core::{Actor, Capability, OrgId};
use serde::Serialize;
use sqlx::Row;

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;
/// An agent whose last change is older than this is not on the floor (a run that stopped without
/// logging them out).
const SEAT_FRESH_US: i64 = 12 * HOUR_US;

/// The wallboard of one vendor.
#[derive(Clone, Debug, Serialize)]
pub struct FloorBoard {
    /// The instant the board is read at (µs since the epoch): the wall clock, or the floor's latest agent
    /// change when that is later (a demo calling at a chosen instant runs ahead of the wall clock).
    pub clock_us: i64,
    pub programs: Vec<ProgramBoard>,
    /// The vendor's people refused a sign-in from outside their site's networks in the last hour (on the
    /// wall clock): who, and when. Never the address.
    pub off_network_sign_ins: Vec<(String, i64)>,
}

/// One program on the vendor's floor.
#[derive(Clone, Debug, Serialize)]
pub struct ProgramBoard {
    pub campaign_id: OrgId,
    pub campaign: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub agents: Vec<AgentSeat>,
    /// This vendor's attempts dialed and not yet closed (ringing or live).
    pub calls_in_progress: u64,
    /// Calls in progress per agent ready or on a call: the dial level the pacing runs at.
    pub dial_level: f64,
    /// Attempts dialed in the last 24 hours — from the top of the hour 24 hours ago (the attempts'
    /// tallies are by the dial's hour, migration 0031); the 30-day window likewise.
    pub attempts_24h: u64,
    /// Contacts that ended in the last hour, exactly.
    pub contacts_last_hour: u64,
    /// CR-46 on this vendor's system-dialed calls: live answers and those abandoned.
    pub live_24h: u64,
    pub abandoned_24h: u64,
    pub live_30d: u64,
    pub abandoned_30d: u64,
    /// The program's target (CR-46's line is 3 %).
    pub abandonment_target_percent: f64,
}

impl ProgramBoard {
    pub fn abandonment_24h_percent(&self) -> f64 {
        percent(self.abandoned_24h, self.live_24h)
    }

    pub fn abandonment_30d_percent(&self) -> f64 {
        percent(self.abandoned_30d, self.live_30d)
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// One agent's current state.
#[derive(Clone, Debug, Serialize)]
pub struct AgentSeat {
    /// A person's display name, or a bot's name.
    pub agent: String,
    pub bot: bool,
    pub state: String,
    pub reason: Option<String>,
    pub since_us: i64,
    /// Calls of this agent that reached the person, closed in the last hour.
    pub contacts_last_hour: u64,
}

impl Store {
    /// The wallboard of the actor's vendor at `now_us` (see [`FloorBoard::clock_us`]).
    pub async fn floor_board(&self, actor: &Actor, now_us: i64) -> StoreResult<FloorBoard> {
        let vendor = require_in_org(actor, Capability::SuperviseFloor, None)?;
        let today = jiff::Timestamp::from_microsecond(now_us)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
            .unwrap_or_default();
        // Programs of campaigns that engage this vendor now, that list the vendor.
        let rows = sqlx::query(
            "SELECT DISTINCT p.id, p.campaign_id, o.name, p.slug, p.name, p.status, p.settings_json \
             FROM programs p JOIN program_vendors v ON v.program_id = p.id AND v.vendor_id = $1 \
             JOIN organizations o ON o.id = p.campaign_id \
             JOIN engagements e ON e.campaign_id = p.campaign_id AND e.vendor_id = $1 \
             WHERE e.ended_at IS NULL AND e.starts_on <= $2 AND e.ends_on >= $2 ORDER BY o.name, p.slug",
        )
        .bind(vendor.0)
        .bind(&today)
        .fetch_all(&self.pool)
        .await?;
        // The latest change of any of the vendor's agents: the latest of each agent's latest (kept,
        // migration 0032), not a pass over the whole log.
        let latest: Option<i64> = sqlx::query(
            "SELECT MAX(l.at) FROM agent_latest_state s JOIN agent_state_log l ON l.id = s.log_id \
             WHERE s.vendor_id = $1",
        )
        .bind(vendor.0)
        .fetch_one(&self.pool)
        .await?
        .get(0);
        let clock = latest.map_or(now_us, |l| l.max(now_us));
        let mut programs = Vec::new();
        for r in rows {
            let program_id: i64 = r.get(0);
            let settings: serde_json::Value = serde_json::from_str(&r.get::<String, _>(6)).unwrap_or_default();
            let mut board = ProgramBoard {
                campaign_id: OrgId(r.get(1)),
                campaign: r.get(2),
                slug: r.get(3),
                name: r.get(4),
                status: r.get(5),
                agents: self.agent_seats(program_id, vendor, clock).await?,
                calls_in_progress: 0,
                dial_level: 0.0,
                attempts_24h: 0,
                contacts_last_hour: 0,
                live_24h: 0,
                abandoned_24h: 0,
                live_30d: 0,
                abandoned_30d: 0,
                abandonment_target_percent: settings["abandonment_target_percent"].as_f64().unwrap_or(3.0),
            };
            self.fill_calls(&mut board, program_id, vendor, clock).await?;
            let working = board.agents.iter().filter(|a| matches!(a.state.as_str(), "ready" | "on_call")).count();
            board.dial_level = if working == 0 { 0.0 } else { board.calls_in_progress as f64 / working as f64 };
            programs.push(board);
        }
        // Refused sign-ins are audited in the vendor's own chain (`session.sign_in_failed`).
        let rows = sqlx::query(
            "SELECT COALESCE(u.display_name, 'an unknown account'), a.occurred_at FROM audit_events a \
             LEFT JOIN users u ON CAST(u.id AS TEXT) = a.object_id AND u.org_id = a.org_id \
             WHERE a.org_id = $1 AND a.action = 'session.sign_in_failed' AND a.occurred_at >= $2 \
             AND a.details LIKE '%outside_site_network%' ORDER BY a.occurred_at DESC LIMIT 20",
        )
        .bind(vendor.0)
        .bind(now_us - HOUR_US)
        .fetch_all(&self.pool)
        .await?;
        let off_network_sign_ins = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(FloorBoard { clock_us: clock, programs, off_network_sign_ins })
    }

    /// Each of the vendor's agents on the program's floor, by their latest change (kept per agent,
    /// migration 0032; logged out: gone).
    async fn agent_seats(&self, program_id: i64, vendor: OrgId, clock: i64) -> StoreResult<Vec<AgentSeat>> {
        let rows = sqlx::query(
            "SELECT l.agent, l.state, l.reason, l.at, u.display_name FROM agent_latest_state s \
             JOIN agent_state_log l ON l.id = s.log_id \
             LEFT JOIN users u ON CAST(u.id AS TEXT) = l.agent AND u.org_id = $2 \
             WHERE s.program_id = $1 AND s.vendor_id = $2 AND l.at >= $3 ORDER BY l.agent",
        )
        .bind(program_id)
        .bind(vendor.0)
        .bind(clock - SEAT_FRESH_US)
        .fetch_all(&self.pool)
        .await?;
        // The codes come from the disposition table, not from input: safe to inline.
        let contacts_sql = format!(
            "SELECT agent, COUNT(*) FROM call_attempts WHERE program_id = $1 AND vendor_id = $2 AND ended_at >= $3 \
             AND state = 'finished' AND agent IS NOT NULL AND disposition IN ({}) GROUP BY agent",
            contact_codes()
        );
        let contacts: std::collections::HashMap<String, i64> = sqlx::query(&contacts_sql)
            .bind(program_id)
            .bind(vendor.0)
            .bind(clock - HOUR_US)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(rows
            .iter()
            .filter(|r| r.get::<String, _>(1) != "logged_out")
            .map(|r| {
                let name: Option<String> = r.get(4);
                let key: String = r.get(0);
                AgentSeat {
                    bot: name.is_none(),
                    contacts_last_hour: contacts.get(&key).copied().unwrap_or(0).max(0) as u64,
                    agent: name.unwrap_or(key),
                    state: r.get(1),
                    reason: r.get(2),
                    since_us: r.get(3),
                }
            })
            .collect())
    }

    async fn fill_calls(
        &self,
        board: &mut ProgramBoard,
        program_id: i64,
        vendor: OrgId,
        clock: i64,
    ) -> StoreResult<()> {
        let n = |row: &sqlx::any::AnyRow, i: usize| row.get::<Option<i64>, _>(i).unwrap_or(0).max(0) as u64;
        // From the attempts' tallies by the dial's hour (migration 0031): each window starts at the top
        // of its first hour (the last 24 hours are the 24 whole hours before this one and this one so
        // far), and reads a few rows per hour instead of every attempt. CR-46: system-dialed calls a
        // person answered (bridged, or abandoned waiting for an agent) are the tallies' `live`.
        let sql = "SELECT CAST(SUM(n) AS BIGINT), \
             CAST(SUM(CASE WHEN state = 'in_flight' THEN n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN live = 1 THEN n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN live = 1 AND disposition = 'abandoned' THEN n ELSE 0 END) AS BIGINT) \
             FROM attempt_tallies WHERE hour >= $1 AND program_id = $2 AND vendor_id = $3";
        let window =
            |since: i64| sqlx::query(sql).bind(since / HOUR_US).bind(program_id).bind(vendor.0).fetch_one(&self.pool);
        let day = window(clock - DAY_US).await?;
        board.attempts_24h = n(&day, 0);
        board.calls_in_progress = n(&day, 1);
        board.live_24h = n(&day, 2);
        board.abandoned_24h = n(&day, 3);
        let month = window(clock - 30 * DAY_US).await?;
        board.live_30d = n(&month, 2);
        board.abandoned_30d = n(&month, 3);
        // Contacts by when they ended, in the last hour exactly (`call_attempts_by_end`).
        let contacts_sql = format!(
            "SELECT COUNT(*) FROM call_attempts WHERE program_id = $1 AND vendor_id = $2 AND ended_at >= $3 \
             AND state = 'finished' AND disposition IN ({})",
            contact_codes()
        );
        let row = sqlx::query(&contacts_sql)
            .bind(program_id)
            .bind(vendor.0)
            .bind(clock - HOUR_US)
            .fetch_one(&self.pool)
            .await?;
        board.contacts_last_hour = n(&row, 0);
        Ok(())
    }
}

/// The contact dispositions' codes as an SQL list. They come from the disposition table, never from
/// input, so they are inlined safely.
fn contact_codes() -> String {
    let codes: Vec<String> =
        Disposition::ALL.iter().filter(|d| d.is_contact()).map(|d| format!("'{}'", d.code())).collect();
    codes.join(", ")
}
