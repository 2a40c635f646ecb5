//! Campaign oversight: per program, its vendors side by side (attempts, contacts, contact rate,
//! completes, CR-46 abandonment, dispositions) and its last 24 hours hour by hour as a chart drawn on
//! the server (SVG, no script, no network) with the same numbers in a table. Live: the stream says when
//! a program's calls change and the page reloads, at most once a second.

use super::{render, Chrome};
use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clearline_store::{HourCount, Oversight, ProgramOversight};
use futures::Stream;
use std::convert::Infallible;

/// The chart's drawing area, in SVG user units.
const CHART_W: f64 = 720.0;
const CHART_H: f64 = 160.0;
const AXIS: f64 = 30.0;

/// One program as the page shows it.
pub struct ProgramView {
    pub program: ProgramOversight,
    pub chart: Chart,
    pub rates: Vec<(String, String, String)>,
}

/// A bar chart of attempts per hour with contacts inside each bar.
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// The scale's top (attempts), labelled on the axis.
    pub top: u64,
    pub label: String,
}

pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub attempts_y: f64,
    pub attempts_h: f64,
    pub contacts_y: f64,
    pub contacts_h: f64,
    pub hour: String,
    pub attempts: u64,
    pub contacts: u64,
    /// Every fourth hour is labelled under the axis.
    pub labelled: bool,
}

/// Lays the hourly counts out as bars (pure, so the geometry is tested without a browser).
pub fn chart(name: &str, hourly: &[HourCount]) -> Chart {
    let top = hourly.iter().map(|h| h.attempts).max().unwrap_or(0).max(1);
    let slot = (CHART_W - AXIS) / hourly.len().max(1) as f64;
    let scale = (CHART_H - 20.0) / top as f64;
    let bars = hourly
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let attempts_h = h.attempts as f64 * scale;
            let contacts_h = h.contacts as f64 * scale;
            let base = CHART_H - 20.0;
            Bar {
                x: AXIS + i as f64 * slot + 1.0,
                width: (slot - 2.0).max(1.0),
                attempts_y: base - attempts_h,
                attempts_h,
                contacts_y: base - contacts_h,
                contacts_h,
                hour: jiff::Timestamp::from_microsecond(h.hour_start_us)
                    .map(|t| t.strftime("%H:00").to_string())
                    .unwrap_or_default(),
                attempts: h.attempts,
                contacts: h.contacts,
                labelled: i % 4 == 0,
            }
        })
        .collect();
    let total: u64 = hourly.iter().map(|h| h.attempts).sum();
    let contacts: u64 = hourly.iter().map(|h| h.contacts).sum();
    Chart {
        width: CHART_W,
        height: CHART_H,
        bars,
        top,
        label: format!(
            "{name}: attempts and contacts per hour over the last 24 hours, {total} attempts and {contacts} contacts"
        ),
    }
}

#[derive(Template)]
#[template(path = "oversight.html")]
struct OversightPage {
    chrome: Chrome,
    clock: String,
    programs: Vec<ProgramView>,
}

async fn oversight(state: &AppState, caller: &Caller) -> Result<Oversight, ApiError> {
    Ok(state.store().oversight(&caller.actor(), jiff::Timestamp::now().as_microsecond()).await?)
}

pub async fn page(State(state): State<AppState>, caller: Caller) -> Response {
    let o = match oversight(&state, &caller).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let clock = jiff::Timestamp::from_microsecond(o.clock_us)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let programs = o
        .programs
        .into_iter()
        .map(|p| ProgramView {
            chart: chart(&p.name, &p.hourly),
            rates: p
                .vendors
                .iter()
                .map(|v| {
                    (
                        v.vendor.clone(),
                        format!("{:.1} %", v.contact_rate_percent()),
                        format!("{:.1} %", v.abandonment_percent()),
                    )
                })
                .collect(),
            program: p,
        })
        .collect();
    render(&OversightPage { chrome: Chrome::for_caller(&caller, "/oversight"), clock, programs })
}

/// Every program of the campaign: its vendors side by side and its last 24 hours by hour.
#[utoipa::path(get, path = "/api/v1/oversight", tag = "programs", responses((status = 200, body = Object)))]
pub async fn api(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Oversight>> {
    Ok(Json(oversight(&state, &caller).await?))
}

/// Server-sent events: `calls` whenever one of the campaign's programs places or closes a call (on
/// PostgreSQL from any node), `resync` when signals may have been missed.
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let org = caller.0.principal.org_id;
    crate::live::signal_events(state.store(), move |s| {
        (s.topic == "calls" && s.org_id == Some(org)).then(|| ("calls", s.object.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_hour_and_contacts_sit_inside_their_bar() {
        let hourly: Vec<HourCount> = (0..24)
            .map(|h| HourCount { hour_start_us: h * 3_600_000_000, attempts: h as u64, contacts: h as u64 / 2 })
            .collect();
        let c = chart("GOTV", &hourly);
        assert_eq!(c.bars.len(), 24);
        assert_eq!(c.top, 23);
        let last = &c.bars[23];
        assert!((last.attempts_h - (CHART_H - 20.0)).abs() < 1e-9, "the busiest hour fills the height");
        assert!(last.contacts_h <= last.attempts_h && last.contacts_y >= last.attempts_y);
        assert_eq!(c.bars[0].attempts_h, 0.0);
        assert_eq!(c.bars[1].hour, "01:00");
        assert!(c.label.contains("276 attempts and 132 contacts"), "{}", c.label);
        assert!(c.bars.iter().all(|b| b.x >= AXIS && b.x + b.width <= CHART_W));
        let empty = chart("Empty", &[]);
        assert!(empty.bars.is_empty() && empty.top == 1, "no division by zero");
    }
}
