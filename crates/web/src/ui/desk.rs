//! The agent desk: a vendor agent joins a program that is calling, goes ready, and takes its calls —
//! the record of a preview call to dial, the approved script step by step with its questions, and a
//! disposition before the next call. Plain forms (every action a POST, then back to the desk); the
//! page's stream says when the screen changed (a call connected, the person hung up) and the script
//! reloads it. Only what the call needs is shown: never a phone number.

use super::{render, Chrome};
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use clearline_calling::desk::{agent_dispositions, FloorInfo};
use clearline_calling::{DeskAction, DeskAgent, DeskError, DeskView, SeatState};
use clearline_core::disposition::Disposition;
use futures::Stream;
use std::convert::Infallible;

/// Reasons an agent pauses, as a supervisor reads them.
const PAUSE_REASONS: [(&str, &str); 5] = [
    ("break", "Break"),
    ("lunch", "Lunch"),
    ("training", "Training or coaching"),
    ("technical", "Technical problem"),
    ("other", "Other"),
];

/// Callback delays an agent can pick, in hours.
const CALLBACK_HOURS: [(u32, &str); 5] =
    [(1, "In an hour"), (2, "In two hours"), (4, "In four hours"), (24, "Tomorrow, same time"), (48, "In two days")];

/// A disposition as the desk offers it, with its keyboard shortcut.
struct Choice {
    code: String,
    label: String,
    key: Option<char>,
}

fn choices() -> Vec<Choice> {
    // Shortcuts for the dispositions a floor records most (Alt+key, the browser's accesskey).
    let key = |d: Disposition| match d {
        Disposition::Complete => Some('c'),
        Disposition::Refused => Some('r'),
        Disposition::CallbackRequested => Some('b'),
        Disposition::AnsweringMachine => Some('m'),
        Disposition::WrongNumber => Some('w'),
        _ => None,
    };
    agent_dispositions()
        .map(|d| {
            let words = d.code().replace('_', " ");
            let mut label: String = words[..1].to_uppercase() + &words[1..];
            if let Some(k) = key(d) {
                label.push_str(&format!(" (Alt+{})", k.to_ascii_uppercase()));
            }
            Choice { code: d.code().to_string(), label, key: key(d) }
        })
        .collect()
}

/// The campaign's own codes the run offers, by their labels (what each means is the run's to apply).
fn custom_choices(view: Option<&DeskView>) -> Vec<Choice> {
    let custom = view.map_or(&[][..], |v| v.custom_dispositions.as_slice());
    custom.iter().map(|(code, label)| Choice { code: code.clone(), label: label.clone(), key: None }).collect()
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    chrome: Chrome,
    error: Option<String>,
    floors: Vec<FloorInfo>,
    view: Option<DeskView>,
    state: &'static str,
    state_label: &'static str,
    since: String,
    elapsed_s: i64,
    choices: Vec<Choice>,
    /// The campaign's own codes, offered in a group of their own.
    custom_choices: Vec<Choice>,
    suggested: &'static str,
    pause_reasons: &'static [(&'static str, &'static str)],
    callback_hours: &'static [(u32, &'static str)],
}

fn page(state: &AppState, caller: &Caller, error: Option<String>) -> Response {
    let p = &caller.0.principal;
    state.desk().touch(p.user_id.0);
    let view = state.desk().view(p.user_id.0).map(|v| v.borrow().clone());
    let seated = view.as_ref().filter(|v| v.state != SeatState::Closed);
    let floors = if seated.is_none() { state.desk().floors_for(p.org_id) } else { Vec::new() };
    let (state_code, state_label) = view.as_ref().map_or(("", ""), |v| (v.state.as_str(), v.state.label()));
    let since = view
        .as_ref()
        .and_then(|v| jiff::Timestamp::from_microsecond(v.since_us).ok())
        .map(|t| t.strftime("%H:%M:%S UTC").to_string())
        .unwrap_or_default();
    // Seconds in the state, on the run's clock: the page's timer counts on from here.
    let elapsed_s = view
        .as_ref()
        .map_or(0, |v| ((jiff::Timestamp::now().as_microsecond() + v.clock_offset_us - v.since_us) / 1_000_000).max(0));
    let suggested =
        view.as_ref().and_then(|v| v.card.as_ref()?.script.as_ref()?.end).map_or("", |d: Disposition| d.code());
    let custom_choices = custom_choices(view.as_ref());
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut response = render(&DeskPage {
        chrome: Chrome::for_caller(caller, "/desk"),
        error,
        floors,
        view,
        state: state_code,
        state_label,
        since,
        elapsed_s,
        choices: choices(),
        custom_choices,
        suggested,
        pause_reasons: &PAUSE_REASONS,
        callback_hours: &CALLBACK_HOURS,
    });
    *response.status_mut() = status;
    response
}

pub async fn desk_page(State(state): State<AppState>, caller: Caller) -> Response {
    page(&state, &caller, None)
}

/// The form's fields, in order (a multiple-choice answer repeats `value`).
fn fields(body: &Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// After an action: back to the desk (the new screen), or the desk with the reason it was refused.
fn done(state: &AppState, caller: &Caller, result: Result<(), DeskError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/desk").into_response(),
        Err(e) => page(state, caller, Some(e.to_string())),
    }
}

pub async fn join(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    let p = &caller.0.principal;
    let first_name = match state.store().user(&caller.actor(), p.user_id).await {
        Ok(u) => u.display_name.split_whitespace().next().unwrap_or("").to_string(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let agent = DeskAgent { user_id: p.user_id.0, first_name, vendor: p.org_id };
    let result = state.desk().join(agent, field(&f, "program")).await;
    done(&state, &caller, result)
}

async fn act(state: &AppState, caller: &Caller, action: DeskAction) -> Response {
    on_call(state, caller, None, action).await
}

/// An action on the call the form was for: its `call` field (the card's number). A form without one
/// is refused rather than applied to whatever call is on screen now.
async fn on_call(state: &AppState, caller: &Caller, form_call: Option<&str>, action: DeskAction) -> Response {
    let user = caller.0.principal.user_id.0;
    state.desk().touch(user);
    let call = match form_call.map(str::parse::<u64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => Some(0), // no card has number 0: refused as stale
    };
    let result = state.desk().act_on(user, call, action).await;
    done(state, caller, result)
}

pub async fn ready(State(state): State<AppState>, caller: Caller) -> Response {
    act(&state, &caller, DeskAction::Ready).await
}

pub async fn pause(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    let code = field(&f, "reason");
    let reason = PAUSE_REASONS.iter().find(|(c, _)| *c == code).map_or("other", |(c, _)| c);
    act(&state, &caller, DeskAction::Pause { reason: reason.to_string() }).await
}

pub async fn dial(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    on_call(&state, &caller, Some(field(&f, "call")), DeskAction::Dial).await
}

pub async fn answer(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    let step = field(&f, "step").to_string();
    let values = f.iter().filter(|(k, _)| k == "value").map(|(_, v)| v.clone()).collect();
    on_call(&state, &caller, Some(field(&f, "call")), DeskAction::Answer { step, values }).await
}

pub async fn finish(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    // A base code or one of the campaign's custom codes: the run resolves it (and refuses any other).
    let code = field(&f, "disposition").trim().to_string();
    if code.is_empty() {
        return page(&state, &caller, Some("choose a disposition for the call".into()));
    }
    // Only a code that means a callback uses it (the run decides which do).
    let callback_after_us = field(&f, "callback_hours").parse::<i64>().ok().map(|h| h * 3_600_000_000);
    let notes = field(&f, "notes").to_string();
    on_call(&state, &caller, Some(field(&f, "call")), DeskAction::Finish { code, callback_after_us, notes }).await
}

pub async fn language(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let f = fields(&body);
    let language = field(&f, "language").to_string();
    on_call(&state, &caller, Some(field(&f, "call")), DeskAction::Language { language }).await
}

pub async fn leave(State(state): State<AppState>, caller: Caller) -> Response {
    act(&state, &caller, DeskAction::Leave).await
}

/// Says `desk` (with the screen's version) whenever the agent's screen changes.
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user_id = caller.0.principal.user_id.0;
    let view = state.desk().view(user_id);
    // The desk counts as open while its stream is (a closed desk owes its call back: docs/calling.md).
    let guard = state.desk().stream_opened(user_id);
    let stream = futures::stream::unfold((view, guard), |(view, guard)| async move {
        let mut view = view?;
        view.changed().await.ok()?;
        let version = view.borrow_and_update().version;
        Some((Ok(Event::default().event("desk").data(version.to_string())), (Some(view), guard)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
