//! The supervisor's wallboard: the vendor's agents by state and time in state, calls in progress, the
//! dial level, contacts per hour and CR-46 abandonment against the 3 % line, per program the vendor
//! works — with alerts a supervisor acts on. Live: the stream says when a program's calls or agents
//! changed and the page reloads (at most once a second); without script it refreshes every 15 s.

use super::{render, Chrome};
use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_store::{FloorBoard, ProgramBoard};
use futures::Stream;
use std::convert::Infallible;

/// CR-46's line: abandoned calls at most 3 % of live answers.
pub const ABANDONMENT_LINE_PERCENT: f64 = 3.0;
/// An agent ready this long with no call is idle: the list or the pacing needs a look.
pub const IDLE_ALERT_US: i64 = 5 * 60_000_000;
/// A pause this long needs a word with the agent.
pub const PAUSE_ALERT_US: i64 = 15 * 60_000_000;
/// A wrap-up this long holds a call's disposition (and the agent's next call): the agent may have left.
pub const WRAP_ALERT_US: i64 = 2 * 60_000_000;

/// One program as the wallboard shows it.
pub struct ProgramView {
    pub board: ProgramBoard,
    /// Calls in progress bridged to an agent (the rest are ringing, waiting or playing a recording).
    pub live: usize,
    pub seats: Vec<SeatView>,
    pub by_state: Vec<(&'static str, usize)>,
    pub abandonment_24h: String,
    pub abandonment_30d: String,
    pub alerts: Vec<String>,
}

pub struct SeatView {
    pub agent: String,
    pub bot: bool,
    pub state: String,
    pub reason: Option<String>,
    pub in_state: String,
    pub contacts_last_hour: u64,
}

#[derive(Template)]
#[template(path = "wallboard.html")]
struct WallboardPage {
    chrome: Chrome,
    clock: String,
    /// Alerts about the whole floor (not one program).
    floor_alerts: Vec<String>,
    programs: Vec<ProgramView>,
}

/// Sign-ins refused from outside the site's networks: one alert each (who and when, never where from).
pub fn floor_alerts(board: &FloorBoard) -> Vec<String> {
    board
        .off_network_sign_ins
        .iter()
        .map(|(who, at)| {
            let when =
                jiff::Timestamp::from_microsecond(*at).map(|t| t.strftime("%H:%M UTC").to_string()).unwrap_or_default();
            format!("{who} tried to sign in from outside your site's networks at {when} (refused).")
        })
        .collect()
}

fn minutes(us: i64) -> String {
    let s = us.max(0) / 1_000_000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The board's programs with their alerts (pure: the clock is the board's).
pub fn views(board: FloorBoard) -> Vec<ProgramView> {
    let clock = board.clock_us;
    board
        .programs
        .into_iter()
        .map(|b| {
            let mut alerts = Vec::new();
            let day = b.abandonment_24h_percent();
            if day > ABANDONMENT_LINE_PERCENT {
                alerts.push(format!(
                    "Abandonment {day:.1} % in the last 24 hours is over the 3 % line (CR-46): the dialer holds \
                     back, and every abandoned call got the safe-harbor message."
                ));
            } else if b.live_24h > 0 && day > b.abandonment_target_percent {
                alerts.push(format!(
                    "Abandonment is rising: {day:.1} % in the last 24 hours, above the program's {:.1} % target.",
                    b.abandonment_target_percent
                ));
            }
            for s in &b.agents {
                let held = clock - s.since_us;
                if s.state == "ready" && held > IDLE_ALERT_US {
                    alerts.push(format!("{} has waited {} for a call.", s.agent, minutes(held)));
                }
                if s.state == "wrap_up" && held > WRAP_ALERT_US {
                    alerts.push(format!(
                        "{} has been in wrap-up for {}: the call's disposition is not recorded yet.",
                        s.agent,
                        minutes(held)
                    ));
                }
                if s.state == "paused" && held > PAUSE_ALERT_US {
                    let why = s.reason.as_deref().unwrap_or("no reason");
                    alerts.push(format!("{} has been paused for {} ({why}).", s.agent, minutes(held)));
                }
            }
            let seats = b
                .agents
                .iter()
                .map(|s| SeatView {
                    agent: s.agent.clone(),
                    bot: s.bot,
                    state: s.state.replace('_', " "),
                    reason: s.reason.clone(),
                    in_state: minutes(clock - s.since_us),
                    contacts_last_hour: s.contacts_last_hour,
                })
                .collect();
            let by_state = ["ready", "on_call", "wrap_up", "paused"]
                .into_iter()
                .map(|st| (st, b.agents.iter().filter(|a| a.state == st).count()))
                .collect();
            let live = b.agents.iter().filter(|a| a.state == "on_call").count();
            ProgramView {
                live: live.min(b.calls_in_progress as usize),
                abandonment_24h: format!("{:.1} %", day),
                abandonment_30d: format!("{:.1} %", b.abandonment_30d_percent()),
                board: b,
                seats,
                by_state,
                alerts,
            }
        })
        .collect()
}

async fn board(state: &AppState, caller: &Caller) -> Result<FloorBoard, ApiError> {
    Ok(state.store().floor_board(&caller.actor(), jiff::Timestamp::now().as_microsecond()).await?)
}

pub async fn wallboard(State(state): State<AppState>, caller: Caller) -> Response {
    let board = match board(&state, &caller).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let clock = jiff::Timestamp::from_microsecond(board.clock_us)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    let floor_alerts = floor_alerts(&board);
    render(&WallboardPage {
        chrome: Chrome::for_caller(&caller, "/wallboard"),
        clock,
        floor_alerts,
        programs: views(board),
    })
}

/// The vendor's wallboard: each program it works, its agents by state and its calls.
#[utoipa::path(get, path = "/api/v1/floor", tag = "calling", responses((status = 200, body = Object)))]
pub async fn floor_api(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<FloorBoard>> {
    Ok(Json(board(&state, &caller).await?))
}

/// Server-sent events: `floor` whenever a program on the vendor's board places or closes a call or an
/// agent changes state (on PostgreSQL from any node), `resync` when signals may have been missed.
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let watched: Vec<(clearline_core::OrgId, String)> =
        board(&state, &caller).await?.programs.into_iter().map(|p| (p.campaign_id, p.slug)).collect();
    Ok(crate::live::signal_events(state.store(), move |s| {
        let ours = watched.iter().any(|(org, slug)| s.org_id == Some(*org) && s.object == *slug);
        (s.topic == "calls" && ours).then(|| ("floor", s.object.clone()))
    }))
}
