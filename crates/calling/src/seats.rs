//! People at the agent desk on a floor: their commands carried out on the engine, the engine's notices
//! turned into their screens (docs/calling.md, "The agent desk").
//!
//! A person is an agent of the floor like a bot — an engine id, a name (their user id) in the attempt
//! and agent-state records — but their preview clicks, answers and dispositions come from the desk, and
//! the run waits for them: a wrap-up lasts until they record a disposition.

use crate::desk::{
    agent_dispositions, CallCard, DeskAction, DeskAgent, DeskCommand, DeskError, DeskScript, DeskView, LiveCall, Reply,
    SeatState,
};
use crate::run::{AgentLog, Floor};
use crate::CallingError;
use clearline_core::disposition::{Disposition, DispositionSet};
use clearline_core::org::CampaignProfile;
use clearline_core::{Actor, OrgId};
use clearline_dialer::carrier::CallId;
use clearline_dialer::engine::{AgentId, AgentNotice};
use clearline_dialer::{Micros, SECOND};
use clearline_store::{Program, Store, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// The longest a callback may be set ahead: a month (a campaign's calling rarely runs longer without a
/// new list).
const MAX_CALLBACK_AHEAD_US: i64 = 30 * 86_400 * 1_000_000;
/// A callback asked for without a time: about two hours later.
const DEFAULT_CALLBACK_US: i64 = 7_200 * 1_000_000;
/// Longest pause reason kept.
const MAX_REASON_CHARS: usize = 80;
/// Longest note kept.
const MAX_NOTE_CHARS: usize = 1_000;

/// An agent's end of a call.
pub(crate) struct Finish {
    /// The base code: what the dialer and the redial rules go by.
    disposition: Disposition,
    /// The campaign's own code the agent picked, which means `disposition`; recorded beside it.
    custom: Option<String>,
    /// A callback's time (µs since the epoch).
    callback: Option<i64>,
    notes: String,
}

impl Finish {
    /// A call the agent could not finish (their desk closed): retried within the attempt rules.
    fn technical_problem() -> Finish {
        Finish { disposition: Disposition::TechnicalProblem, custom: None, callback: None, notes: String::new() }
    }
}

/// A desk closed this long (no page, no stream: the browser crashed, the network fell, the agent left)
/// while it owes a call: the call is ended for them as a technical problem on our side (retried within
/// the attempt rules, answers so far kept) and the seat is paused. `RunOptions::desk_disconnect_grace`.
pub const DEFAULT_DISCONNECT_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

/// One person at the desk of a floor.
pub(crate) struct HumanSeat {
    agent: DeskAgent,
    view: watch::Sender<DeskView>,
    state: SeatState,
    since: Micros,
    pause_reason: Option<String>,
    live: Option<LiveCall>,
    /// A disposition recorded while the call was still live: applied when its wrap-up begins.
    finish: Option<Finish>,
    /// Paused with this reason once the current call is wrapped (the desk was closed mid-call).
    pause_after_wrap: Option<String>,
    /// The desk's wait for a disposition to be written: answered when the call's result is committed,
    /// so the agent sees the next screen only once nothing of the call can be lost.
    written: Option<(i64, Reply)>,
    version: u64,
    dirty: bool,
    /// Calls put on this seat's screen so far (each card's number).
    calls_seen: u64,
}

impl HumanSeat {
    /// Not on a call and owing no disposition.
    pub(crate) fn between_calls(&self) -> bool {
        matches!(self.state, SeatState::Paused | SeatState::Ready | SeatState::Preview | SeatState::Closed)
    }

    fn set(&mut self, state: SeatState, now: Micros) {
        if self.state != state {
            self.state = state;
            self.since = now;
        }
        self.dirty = true;
    }
}

/// What every desk screen of a run reads: the program's script and the campaign's facts its merge
/// fields name.
pub(crate) struct DeskContext {
    program_slug: String,
    program_name: String,
    script: Option<DeskScript>,
    /// Approved translations of the attached version with the same shape (a caller may switch to one).
    translations: Vec<DeskScript>,
    profile: Option<CampaignProfile>,
    callback: Option<String>,
    /// The run's date, for the next election.
    today: jiff::civil::Date,
    /// The run's clock minus the wall clock, fixed at its start (µs).
    clock_offset_us: i64,
    /// The voter fields each vendor's agents may see, from its engagement for this program (none
    /// without one: deny by default).
    visible: HashMap<OrgId, Vec<String>>,
    /// The dispositions agents may pick: the base table and the campaign's active custom codes,
    /// read again while the run goes on ([`DeskContext::refresh_dispositions`]).
    dispositions: Mutex<DispositionSet>,
}

impl DeskContext {
    pub(crate) async fn load(
        store: &Store,
        actor: &Actor,
        program: &Program,
        origin: jiff::Timestamp,
    ) -> Result<DeskContext, CallingError> {
        let script = match store.program_script(actor, &program.slug).await? {
            Some((_, version)) => clearline_core::script::parse(&version.body).ok().map(|script| DeskScript {
                script,
                version: version.number,
                language: version.language.clone(),
            }),
            None => None,
        };
        let mut translations = Vec::new();
        if let Some(primary) = script.as_ref() {
            for version in store.program_translations(actor, &program.slug).await? {
                let Ok(parsed) = clearline_core::script::parse(&version.body) else { continue };
                let t = DeskScript { script: parsed, version: version.number, language: version.language.clone() };
                if primary.same_shape(&t) {
                    translations.push(t);
                } else {
                    tracing::warn!(
                        language = %t.language,
                        version = t.version,
                        "an approved translation with other steps than the attached version: not offered at the desk"
                    );
                }
            }
        }
        let profile = match store.campaign_profile(actor).await {
            Ok(p) => Some(p),
            Err(StoreError::NotFound | StoreError::Forbidden(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let callback = program
            .settings
            .callback()
            .map(|n| spoken_number(&n.to_string()))
            .or_else(|| profile.as_ref().map(|p| spoken_number(&p.callback_number)));
        let today = origin.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut visible: HashMap<OrgId, Vec<String>> = HashMap::new();
        for e in store.list_engagements(actor).await? {
            let covers = e.programs.is_empty() || e.programs.contains(&program.slug);
            if covers && e.is_active_on(today) && program.vendor_ids.contains(&e.vendor_id) {
                visible.entry(e.vendor_id).or_default().extend(e.visible_fields.iter().cloned());
            }
        }
        let dispositions = Mutex::new(store.active_dispositions(actor).await?);
        Ok(DeskContext {
            dispositions,
            translations,
            visible,
            program_slug: program.slug.clone(),
            program_name: program.name.clone(),
            script,
            profile,
            callback,
            today,
            clock_offset_us: origin.as_microsecond() - jiff::Timestamp::now().as_microsecond(),
        })
    }

    /// The value of a merge field on a call with `person`, taken by `agent`.
    fn value_of(&self, name: &str, p: &clearline_store::DeskPerson, agent: &DeskAgent) -> Option<String> {
        let profile = self.profile.as_ref();
        match name {
            "voter.first_name" => self.shown(agent, "first_name", &p.first_name),
            "voter.last_name" => self.shown(agent, "last_name", &p.last_name),
            "voter.city" => self.shown(agent, "city", &p.city),
            "voter.precinct" => self.shown(agent, "precinct", &p.precinct),
            "caller.first_name" => Some(agent.first_name.clone()),
            "campaign.legal_name" => profile.map(|p| p.committee_legal_name.clone()),
            "campaign.paid_for_by" => profile.map(|p| p.paid_for_by.clone()),
            "campaign.callback_number" => self.callback.clone(),
            "campaign.candidate" => profile.and_then(|p| p.candidates.first().cloned()),
            "election.date" => profile.and_then(|p| {
                let mut dates: Vec<jiff::civil::Date> = p.elections.iter().map(|e| e.date).collect();
                dates.sort();
                let next = dates.iter().find(|d| **d >= self.today).or(dates.last())?;
                Some(next.strftime("%A, %B %-d, %Y").to_string())
            }),
            // The voter file carries no polling places yet: a visible gap the caller fills by asking.
            _ => None,
        }
    }
}

impl DeskContext {
    /// Reads the campaign's active custom codes again (a manager may add or retire one while the
    /// program calls). Returns whether they changed.
    pub(crate) async fn refresh_dispositions(&self, store: &Store, actor: &Actor) -> Result<bool, CallingError> {
        let fresh = store.active_dispositions(actor).await?;
        let mut current = self.dispositions.lock().expect("the disposition set lock");
        if current.custom() == fresh.custom() {
            return Ok(false);
        }
        *current = fresh;
        Ok(true)
    }

    /// The base code behind a code an agent picked, and the custom code itself when it is one; `None`
    /// for a code that is neither one of the base codes nor an active custom code of the campaign.
    fn resolve(&self, code: &str) -> Option<(Disposition, Option<String>)> {
        let set = self.dispositions.lock().expect("the disposition set lock");
        let base = set.resolve(code)?;
        Some((base, Disposition::from_code(code).is_none().then(|| code.to_string())))
    }

    /// The custom codes offered at the desk now, as (code, label).
    fn custom_choices(&self) -> Vec<(String, String)> {
        let set = self.dispositions.lock().expect("the disposition set lock");
        set.custom().iter().map(|c| (c.code.clone(), c.label.clone())).collect()
    }

    /// The script in `language`: the attached version, or one of its translations (the attached one when
    /// there is none in that language).
    fn script_for(&self, language: &str) -> Option<&DeskScript> {
        self.translations.iter().find(|t| t.language == language).or(self.script.as_ref())
    }

    /// The language a call starts in: the attached version's.
    fn first_language(&self) -> String {
        self.script.as_ref().map_or_else(|| "en".to_string(), |s| s.language.clone())
    }

    /// A voter field, when the agent's engagement lets them see it.
    fn shown(&self, agent: &DeskAgent, field: &str, value: &Option<String>) -> Option<String> {
        let visible = self.visible.get(&agent.vendor).is_some_and(|v| v.iter().any(|f| f == field));
        value.clone().filter(|_| visible)
    }
}

/// A NANP number as people say it, `(919) 555-0100`; anything else as it is.
fn spoken_number(e164: &str) -> String {
    let d = e164.strip_prefix("+1").filter(|d| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()));
    match d {
        Some(d) => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
        None => e164.to_string(),
    }
}

/// Carries out a desk command at engine time `now`. Returns the floor it touched, whose engine outputs
/// the caller then writes.
pub(crate) fn handle(
    ctx: &DeskContext,
    floors: &mut [Floor],
    command: DeskCommand,
    now: Micros,
    origin_us: i64,
    agent_log: &mut AgentLog,
) -> Option<usize> {
    match command {
        DeskCommand::Join { agent, view, reply } => {
            let Some(index) = floors.iter().position(|f| f.vendor == Some(agent.vendor)) else {
                let _ = reply.send(Err(DeskError::NotCalling));
                return None;
            };
            let floor = &mut floors[index];
            let name = agent.user_id.to_string();
            let seat = HumanSeat {
                agent,
                view,
                state: SeatState::Paused,
                since: now,
                pause_reason: Some("joined".into()),
                live: None,
                finish: None,
                pause_after_wrap: None,
                written: None,
                version: 0,
                dirty: true,
                calls_seen: 0,
            };
            // A person who left and comes back keeps their engine id (their times add up).
            let id = match floor.agents.iter().position(|a| *a == name) {
                Some(i) if !floor.humans.contains_key(&AgentId(i as u32)) => AgentId(i as u32),
                Some(_) => {
                    let _ = reply.send(Err(DeskError::Refused("you are already at this desk".into())));
                    return None;
                }
                None => {
                    floor.agents.push(name.clone());
                    AgentId(floor.agents.len() as u32 - 1)
                }
            };
            floor.humans.insert(id, seat);
            agent_log.push((name, "paused", Some("joined".into()), origin_us + now));
            let _ = reply.send(Ok(()));
            publish(floor, ctx, origin_us);
            Some(index)
        }
        DeskCommand::Act { user_id, action, call, reply } => {
            let found = floors
                .iter()
                .enumerate()
                .find_map(|(i, f)| f.humans.iter().find(|(_, s)| s.agent.user_id == user_id).map(|(id, _)| (i, *id)));
            let Some((index, id)) = found else {
                let _ = reply.send(Err(DeskError::NotSeated));
                return None;
            };
            let floor = &mut floors[index];
            let on_screen = floor.humans[&id].live.as_ref().map(|l| l.number);
            if call.is_some() && call != on_screen {
                let _ = reply.send(Err(DeskError::Refused(
                    "that form was for an earlier call: the desk shows the call in front of you now".into(),
                )));
                publish(floor, ctx, origin_us);
                return Some(index);
            }
            match act(floor, ctx, id, action, now, origin_us, agent_log) {
                Ok(Done::Now) => {
                    let _ = reply.send(Ok(()));
                }
                Ok(Done::WhenWritten(person_id)) => {
                    floor.humans.get_mut(&id).expect("found above").written = Some((person_id, reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            }
            publish(floor, ctx, origin_us);
            Some(index)
        }
    }
}

/// When an action is done.
enum Done {
    Now,
    /// When the result of the call to this person is committed.
    WhenWritten(i64),
}

fn act(
    floor: &mut Floor,
    ctx: &DeskContext,
    id: AgentId,
    action: DeskAction,
    now: Micros,
    origin_us: i64,
    agent_log: &mut AgentLog,
) -> Result<Done, DeskError> {
    let name = floor.agents[id.0 as usize].clone();
    let state = floor.humans[&id].state;
    let refuse = |why: &str| Err(DeskError::Refused(why.to_string()));
    let person = floor.humans[&id].live.as_ref().map(|l| l.person_id);
    match action {
        DeskAction::Ready => {
            if state != SeatState::Paused {
                return if state == SeatState::Ready { Ok(Done::Now) } else { refuse("you are not paused") };
            }
            let seat = floor.humans.get_mut(&id).expect("found above");
            seat.pause_reason = None;
            seat.set(SeatState::Ready, now);
            agent_log.push((name, "ready", None, origin_us + now));
            // Logging in may offer a preview or connect a waiting call at once: its notice follows.
            floor.engine.login(now, id);
            Ok(Done::Now)
        }
        DeskAction::Pause { reason } => {
            let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
            let reason = if reason.is_empty() { "break".to_string() } else { reason };
            match state {
                SeatState::Paused => Ok(Done::Now),
                SeatState::Ready | SeatState::Preview if floor.engine.logout(now, id) => {
                    let seat = floor.humans.get_mut(&id).expect("found above");
                    seat.live = None;
                    seat.pause_reason = Some(reason.clone());
                    seat.set(SeatState::Paused, now);
                    agent_log.push((name, "paused", Some(reason), origin_us + now));
                    Ok(Done::Now)
                }
                _ => refuse("finish the call first: record its disposition, then pause"),
            }
        }
        DeskAction::Dial => {
            if state != SeatState::Preview {
                return refuse("there is no preview record to dial");
            }
            floor.humans.get_mut(&id).expect("found above").set(SeatState::Dialing, now);
            if floor.engine.preview_dial(now, id) {
                return Ok(Done::Now);
            }
            // The policy, asked again at the click, no longer allows the call: the record leaves the
            // screen and the seat is ready for the next one (which the engine may already have offered).
            let seat = floor.humans.get_mut(&id).expect("found above");
            if seat.state == SeatState::Dialing {
                seat.live = None;
                seat.set(SeatState::Ready, now);
            }
            refuse(
                "the contact policy no longer allows this call now (calling hours closed, or the number was opted out): \
                 it was not dialed",
            )
        }
        DeskAction::Answer { step, values } => {
            if !matches!(state, SeatState::OnCall | SeatState::WrapUp) {
                return refuse("answers are recorded on a call");
            }
            let seat = floor.humans.get_mut(&id).expect("found above");
            let live = seat.live.as_mut().ok_or_else(|| DeskError::Refused("no call on screen".into()))?;
            let Some(script) = ctx.script_for(&live.language) else {
                return refuse("this program has no script attached");
            };
            live.answer(script, &step, &values, now)?;
            live.track(script, now);
            seat.dirty = true;
            Ok(Done::Now)
        }
        DeskAction::Finish { code, callback_after_us, notes } => {
            let Some((disposition, custom)) = ctx.resolve(code.trim()) else {
                return refuse("that is not one of this program's dispositions: choose one from the list");
            };
            if !agent_dispositions().any(|d| d == disposition) {
                return refuse("the dialer records that disposition itself: choose another");
            }
            if notes.chars().count() > MAX_NOTE_CHARS {
                return refuse("a note is at most 1,000 characters");
            }
            // Card and phone numbers never reach a stored note.
            let notes = clearline_core::redact::redact_numbers(notes.trim());
            let callback = match (disposition, callback_after_us) {
                (Disposition::CallbackRequested, Some(after)) if after <= 0 => {
                    return refuse("a callback time must be in the future");
                }
                (Disposition::CallbackRequested, Some(after)) if after > MAX_CALLBACK_AHEAD_US => {
                    return refuse("a callback time must be within 30 days");
                }
                (Disposition::CallbackRequested, after) => Some(origin_us + now + after.unwrap_or(DEFAULT_CALLBACK_US)),
                _ => None,
            };
            match state {
                SeatState::OnCall => {
                    // Hang up; the wrap-up that follows takes this disposition at once.
                    let seat = floor.humans.get_mut(&id).expect("found above");
                    seat.finish = Some(Finish { disposition, custom, callback, notes });
                    seat.set(SeatState::WrapUp, now);
                    floor.engine.agent_hang_up(id);
                    Ok(person.map_or(Done::Now, Done::WhenWritten))
                }
                SeatState::WrapUp if floor.humans[&id].finish.is_none() => {
                    wrap(floor, ctx, id, Finish { disposition, custom, callback, notes }, now, origin_us, agent_log);
                    Ok(person.map_or(Done::Now, Done::WhenWritten))
                }
                SeatState::WrapUp => Ok(Done::Now), // the hang-up is on its way
                _ => refuse("there is no call to finish"),
            }
        }
        DeskAction::Language { language } => {
            if !matches!(state, SeatState::Preview | SeatState::OnCall | SeatState::WrapUp) {
                return refuse("a language is switched on a call");
            }
            let Some(script) = ctx.script_for(&language).filter(|s| s.language == language) else {
                return refuse("the script is not approved in that language");
            };
            let seat = floor.humans.get_mut(&id).expect("found above");
            let live = seat.live.as_mut().ok_or_else(|| DeskError::Refused("no call on screen".into()))?;
            if live.language != language {
                // Steps are timed from the connect: a preview record only changes language.
                live.switch_language(script, now, state != SeatState::Preview);
            }
            seat.dirty = true;
            Ok(Done::Now)
        }
        DeskAction::Leave => match state {
            SeatState::Paused | SeatState::Closed => {
                floor.humans.remove(&id);
                agent_log.push((name, "logged_out", None, origin_us + now));
                Ok(Done::Now)
            }
            SeatState::Ready | SeatState::Preview if floor.engine.logout(now, id) => {
                floor.humans.remove(&id);
                agent_log.push((name, "logged_out", None, origin_us + now));
                Ok(Done::Now)
            }
            _ => refuse("finish the call first: record its disposition, then leave"),
        },
    }
}

/// The agent's wrap-up is done: the call's answers, steps, note and callback go with its result, the
/// engine takes the disposition, and the agent is ready for the next call.
fn wrap(
    floor: &mut Floor,
    ctx: &DeskContext,
    id: AgentId,
    Finish { disposition, custom, callback, notes }: Finish,
    now: Micros,
    origin_us: i64,
    agent_log: &mut AgentLog,
) {
    let seat = floor.humans.get_mut(&id).expect("a seated agent");
    if let Some(mut live) = seat.live.take() {
        if let Some(call) = live_call(floor, live.person_id) {
            if !notes.is_empty() {
                floor.notes.insert(call, notes);
            }
            if let Some(at) = callback {
                floor.callback_at.insert(call, at);
            }
            if let Some(code) = custom {
                floor.custom_codes.insert(call, code);
            }
            let steps: Vec<clearline_store::StepRecord> = live
                .finish_steps(now)
                .into_iter()
                .map(|t| clearline_store::StepRecord {
                    step: t.step,
                    entered_at_us: origin_us + t.entered,
                    left_at_us: t.left.map(|l| origin_us + l),
                    language: Some(t.language),
                })
                .collect();
            if !steps.is_empty() {
                floor.steps.insert(call, steps);
            }
            if let Some(script) = ctx.script_for(&live.language) {
                let (_, on_path, _) = live.walk(script, &|_| None);
                let timed: Vec<_> = on_path
                    .into_iter()
                    .map(|a| {
                        let at = live.answers.iter().find(|(g, _)| g.step == a.step).map_or(now, |(_, t)| *t);
                        (a, at)
                    })
                    .collect();
                if !timed.is_empty() {
                    floor.answers.insert(call, timed);
                }
            }
        }
    }
    let seat = floor.humans.get_mut(&id).expect("a seated agent");
    seat.finish = None;
    seat.set(SeatState::Ready, now);
    let pause = seat.pause_after_wrap.take();
    agent_log.push((floor.agents[id.0 as usize].clone(), "ready", None, origin_us + now));
    floor.engine.wrap_done(now, id, Some(disposition));
    if let Some(reason) = pause {
        if floor.engine.logout(now, id) {
            let seat = floor.humans.get_mut(&id).expect("a seated agent");
            seat.live = None;
            seat.pause_reason = Some(reason.clone());
            seat.set(SeatState::Paused, now);
            agent_log.push((floor.agents[id.0 as usize].clone(), "paused", Some(reason), origin_us + now));
        }
    }
    // The result it makes is written with this step's outputs.
    floor.engine.drain_outputs_into(&mut floor.outputs);
}

/// People whose desk has been closed past `grace`: a call they owe is ended for them as a
/// technical problem and they are paused (`disconnected`); a ready seat is paused. Returns whether
/// anything changed (the caller writes the floor's outputs).
pub(crate) fn sweep_disconnected(
    floor: &mut Floor,
    ctx: &DeskContext,
    hub: &crate::desk::DeskHub,
    grace: std::time::Duration,
    now: Micros,
    origin_us: i64,
    agent_log: &mut AgentLog,
) -> bool {
    const REASON: &str = "disconnected";
    let away: Vec<AgentId> = floor
        .humans
        .iter()
        // A dial in progress is left to connect or fail first (the next sweep sees where it went).
        .filter(|(_, s)| {
            s.pause_after_wrap.is_none()
                && !matches!(s.state, SeatState::Paused | SeatState::Closed | SeatState::Dialing)
        })
        .filter(|(_, s)| hub.away_for(s.agent.user_id).is_some_and(|d| d > grace))
        .map(|(id, _)| *id)
        .collect();
    for id in &away {
        let id = *id;
        let name = floor.agents[id.0 as usize].clone();
        let state = floor.humans[&id].state;
        tracing::warn!(agent = %name, state = state.as_str(), "an agent's desk closed: their seat is paused");
        match state {
            SeatState::OnCall => {
                let seat = floor.humans.get_mut(&id).expect("a seated agent");
                seat.pause_after_wrap = Some(REASON.into());
                if seat.finish.is_none() {
                    seat.finish = Some(Finish::technical_problem());
                }
                floor.engine.agent_hang_up(id);
            }
            SeatState::WrapUp => {
                let finish = floor
                    .humans
                    .get_mut(&id)
                    .expect("a seated agent")
                    .finish
                    .take()
                    .unwrap_or_else(Finish::technical_problem);
                floor.humans.get_mut(&id).expect("a seated agent").pause_after_wrap = Some(REASON.into());
                wrap(floor, ctx, id, finish, now, origin_us, agent_log);
            }
            SeatState::Ready | SeatState::Preview => {
                if floor.engine.logout(now, id) {
                    let seat = floor.humans.get_mut(&id).expect("a seated agent");
                    seat.live = None;
                    seat.pause_reason = Some(REASON.into());
                    seat.set(SeatState::Paused, now);
                    agent_log.push((name, "paused", Some(REASON.into()), origin_us + now));
                }
            }
            SeatState::Paused | SeatState::Closed | SeatState::Dialing => {}
        }
    }
    if !away.is_empty() {
        floor.engine.drain_outputs_into(&mut floor.outputs);
        publish(floor, ctx, origin_us);
    }
    !away.is_empty()
}

/// The engine call open to `person`, if any.
fn live_call(floor: &Floor, person_id: i64) -> Option<CallId> {
    floor.calls.iter().find(|(_, (_, p))| *p == person_id).map(|(c, _)| *c)
}

/// An engine notice for a person at the desk.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn notice(
    store: &Store,
    actor: &Actor,
    program: &Program,
    ctx: &DeskContext,
    floor: &mut Floor,
    id: AgentId,
    notice: AgentNotice,
    now: Micros,
    origin_us: i64,
    agent_log: &mut AgentLog,
) -> Result<(), CallingError> {
    let name = floor.agents[id.0 as usize].clone();
    match notice {
        AgentNotice::PreviewOffered { lead } => {
            let person_id = lead as i64;
            let person = desk_person(store, actor, program, person_id).await?;
            let seat = floor.humans.get_mut(&id).expect("a seated agent");
            let mut live = LiveCall::new(person_id, person, seed(origin_us, person_id));
            live.language = ctx.first_language();
            seat.calls_seen += 1;
            live.number = seat.calls_seen;
            seat.live = Some(live);
            seat.set(SeatState::Preview, now);
        }
        AgentNotice::Connected { call } => {
            let person_id = floor.calls.get(&call).map(|(_, p)| *p);
            let same = floor.humans[&id].live.as_ref().map(|l| l.person_id) == person_id;
            if let (Some(person_id), false) = (person_id, same) {
                let person = desk_person(store, actor, program, person_id).await?;
                let mut live = LiveCall::new(person_id, person, seed(origin_us, person_id));
                live.language = ctx.first_language();
                let seat = floor.humans.get_mut(&id).expect("a seated agent");
                seat.calls_seen += 1;
                live.number = seat.calls_seen;
                seat.live = Some(live);
            }
            let seat = floor.humans.get_mut(&id).expect("a seated agent");
            if let Some(live) = seat.live.as_mut() {
                if let Some(script) = ctx.script_for(&live.language) {
                    live.track(script, now);
                }
            }
            seat.set(SeatState::OnCall, now);
            agent_log.push((name, "on_call", None, origin_us + now));
        }
        AgentNotice::WrapUp { .. } => {
            agent_log.push((name, "wrap_up", None, origin_us + now));
            let seat = floor.humans.get_mut(&id).expect("a seated agent");
            match seat.finish.take() {
                Some(finish) => {
                    wrap(floor, ctx, id, finish, now, origin_us, agent_log);
                }
                None => seat.set(SeatState::WrapUp, now),
            }
        }
    }
    Ok(())
}

/// The result of the call to `person_id` is committed: the desk waiting on it hears so.
pub(crate) fn written(floor: &mut Floor, person_id: i64) {
    for seat in floor.humans.values_mut() {
        if seat.written.as_ref().is_some_and(|(p, _)| *p == person_id) {
            if let Some((_, reply)) = seat.written.take() {
                let _ = reply.send(Ok(()));
            }
        }
    }
}

/// An attempt finished: a person whose dial for it did not connect (no answer, busy) is ready again
/// (the engine has made them so; a new preview, if any, came before this).
pub(crate) fn attempt_done(floor: &mut Floor, person_id: i64, now: Micros) {
    for seat in floor.humans.values_mut() {
        if seat.state == SeatState::Dialing && seat.live.as_ref().is_some_and(|l| l.person_id == person_id) {
            seat.live = None;
            seat.set(SeatState::Ready, now);
        }
    }
}

/// The program stopped calling: every seat shows it.
pub(crate) fn close(floor: &mut Floor, ctx: &DeskContext, now: Micros, origin_us: i64) {
    for seat in floor.humans.values_mut() {
        seat.live = None;
        seat.set(SeatState::Closed, now);
    }
    publish(floor, ctx, origin_us);
}

/// Publishes every changed seat's screen.
/// Every seat's screen again (what the desk offers changed: the campaign's custom codes).
pub(crate) fn republish(floor: &mut Floor, ctx: &DeskContext, origin_us: i64) {
    for seat in floor.humans.values_mut() {
        seat.dirty = true;
    }
    publish(floor, ctx, origin_us);
}

pub(crate) fn publish(floor: &mut Floor, ctx: &DeskContext, origin_us: i64) {
    for seat in floor.humans.values_mut().filter(|s| s.dirty) {
        seat.dirty = false;
        seat.version += 1;
        let card = seat.live.as_mut().map(|live| {
            let script = ctx.script_for(&live.language).map(|script| {
                let person = live.person.clone();
                live.walk(script, &|name| ctx.value_of(name, &person, &seat.agent)).0
            });
            let others = std::iter::once(ctx.first_language())
                .chain(ctx.translations.iter().map(|t| t.language.clone()))
                .filter(|l| *l != live.language)
                .collect();
            CallCard {
                number: live.number,
                first_name: match ctx.shown(&seat.agent, "first_name", &live.person.first_name) {
                    Some(name) => name,
                    None if live.person.first_name.is_some() => "(not shared with your organization)".into(),
                    None => "(no first name on file)".into(),
                },
                language: live.language.clone(),
                other_languages: others,
                script,
            }
        });
        let view = DeskView {
            program_slug: ctx.program_slug.clone(),
            program_name: ctx.program_name.clone(),
            state: seat.state,
            since_us: origin_us + seat.since,
            clock_offset_us: ctx.clock_offset_us,
            pause_reason: seat.pause_reason.clone(),
            card,
            custom_dispositions: ctx.custom_choices(),
            version: seat.version,
        };
        seat.view.send_replace(view);
    }
}

async fn desk_person(
    store: &Store,
    actor: &Actor,
    program: &Program,
    person_id: i64,
) -> Result<clearline_store::DeskPerson, CallingError> {
    match store.desk_person(actor, program, person_id).await {
        Ok(p) => Ok(p),
        // Gone from the list since it was loaded: the call goes on with no name on screen.
        Err(StoreError::NotFound) => Ok(Default::default()),
        Err(e) => Err(e.into()),
    }
}

/// Seeds a call's randomized answer orders: the run and the person, so a re-render keeps the order.
fn seed(origin_us: i64, person_id: i64) -> u64 {
    (origin_us as u64).rotate_left(17) ^ (person_id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ SECOND as u64
}
