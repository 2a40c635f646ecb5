//! The run loop: a running program's floors stepped in time order, every step's outputs written.
//!
//! Write order per step, the durability guarantee: an `Originate` reaches the carrier only after its
//! attempt row is committed (the attempt counts toward the attempt rules from then on); a finished
//! attempt's result is committed before the bot agent gets its next call. Leads the policy refuses at
//! the dial are written back to the list (until their next allowed instant, or for good).

use crate::bots::{bot_disposition, bot_survey};
use crate::desk::{DeskHub, FloorInfo};
use crate::gate::PolicyGate;
use crate::ivr::ScriptIvr;
use crate::leads::{lead_for, SharedLeads};
use crate::lease::{HeldLease, LeaseOptions};
use crate::recordings::Recordings;
use crate::seats::{self, DeskContext, HumanSeat};
use crate::CallingError;
use clearline_core::disposition::Disposition;
use clearline_core::phone::LineType;
use clearline_core::policy::DialMode;
use clearline_core::program::ProgramStatus;
use clearline_core::script::{GivenAnswer, Script};
use clearline_core::{Actor, OrgId};
use clearline_dialer::carrier::InboundFrom;
use clearline_dialer::carrier::{CallId, Carrier, Command, EventKind, FailCause};
use clearline_dialer::engine::{
    AgentId, AgentNotice, AttemptRecord, DialKind, Engine, EngineConfig, Output, ProgramMode,
};
use clearline_dialer::inbound::{InboundDesk, InboundOutput};
use clearline_dialer::lead::DialGate;
use clearline_dialer::pacing::{ClearlinePacer, Pacer, PacingConfig, Progressive};
use clearline_dialer::sim::carrier::{SimCarrier, SimEvent};
use clearline_dialer::sim::model::{OutcomeModel, Profile, MACHINE_WRAP};
use clearline_dialer::{as_secs, Micros, SECOND};
use clearline_ingest::call_list::program_base_cases;
use clearline_ingest::keys::VaultSealer;
use clearline_ingest::policy_check::{
    entry_case, zone_table, EntryHistory, RECORDED_CALLS_WINDOW_US, SALES_CALLS_WINDOW_US,
};
use clearline_store::{
    AgentStateChange, AnswerRecord, AttemptResult, InboundCall, NewAttempt, Program, Store, StoreError, VendorOptOut,
};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How a run moves through time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// As fast as the machine goes: a shift in seconds (`clearline program simulate`).
    Simulated,
    /// In step with the wall clock (the live demo).
    RealTime,
}

/// A simulated run's settings.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Bot agents per vendor floor (agentless programs have none).
    pub agents_per_vendor: u32,
    /// How long the floors dial before draining (the calls in progress finish).
    pub duration: Micros,
    pub seed: u64,
    /// Live human answers per dial in the simulated carrier.
    pub answer_rate: f64,
    pub profile: Profile,
    pub pace: Pace,
    /// Stop after this many attempts have been opened, leaving calls in flight (the crash tests' stop).
    pub stop_after_attempts: Option<u64>,
    /// The share of calls that reached nobody whose number calls back (the simulated carrier's inbound
    /// model; docs/calling.md).
    pub callback_share: f64,
    /// People at the agent desk take the floors' calls beside the bots (real time only).
    pub desk: Option<DeskHub>,
    /// How long a person's desk may be closed while they owe a call (`seats::DEFAULT_DISCONNECT_GRACE`).
    pub desk_disconnect_grace: std::time::Duration,
    /// The program's lease: one process at a time calls a program (`store::leases`).
    pub lease: LeaseOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            agents_per_vendor: 5,
            duration: 600 * SECOND,
            seed: 1,
            answer_rate: 0.2,
            profile: Profile::GOTV,
            pace: Pace::Simulated,
            stop_after_attempts: None,
            callback_share: DEFAULT_CALLBACK_SHARE,
            desk: None,
            desk_disconnect_grace: seats::DEFAULT_DISCONNECT_GRACE,
            lease: LeaseOptions::default(),
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// Attempts left in flight by an earlier run, closed as `interrupted` before this one began.
    pub interrupted_before: u64,
    pub attempts_opened: u64,
    pub attempts_finished: u64,
    pub system_dials: u64,
    pub preview_dials: u64,
    /// Leads the policy refused at the instant of dialing (till later, or for good).
    pub refused_at_dial: u64,
    pub by_disposition: BTreeMap<String, u64>,
    /// CR-46, system-dialed calls: live answers and those not connected within 2 s.
    pub live_answers: u64,
    pub abandoned: u64,
    pub abandonment_rate: f64,
    /// Simulated seconds from the first dial to the last result.
    pub simulated_seconds: f64,
    /// The run stopped at `stop_after_attempts` with calls in flight.
    pub stopped_early: bool,
    /// Inbound calls to the program's caller ID, answered and closed, by outcome.
    pub inbound_calls: u64,
    pub inbound_by_outcome: BTreeMap<String, u64>,
    /// Key-press opt-outs on inbound calls, each listed at the key press.
    pub inbound_opt_outs: u64,
}

/// Of the calls that reached nobody, the share whose number calls back: a few percent of missed calls
/// are returned (an assumption of the simulation, documented in docs/calling.md).
pub const DEFAULT_CALLBACK_SHARE: f64 = 0.03;

/// Agent state changes waiting to be written: agent, state, reason, time (µs since the epoch).
pub(crate) type AgentLog = Vec<(String, &'static str, Option<String>, i64)>;

/// Entries loaded per refill, beyond twice the floor's agents.
const REFILL_SLACK: usize = 20;
/// How often an exhausted floor asks the store again (retries come due, callbacks, spacing).
const EXHAUSTED_RETRY: Micros = 30 * SECOND;
/// After the dialing time, how long calls in progress may take to finish before the run gives up.
const DRAIN_LIMIT: Micros = 1_800 * SECOND;
/// In real time, how often the loop checks the program is still running (a pause stops new dials).
const STATUS_CHECK: Micros = 5 * SECOND;
/// A bot agent's time to read a preview record and click dial.
const PREVIEW_THINK: Micros = 3 * SECOND;
/// The vault field name survey answers are encrypted under (bound into the ciphertext).
pub use clearline_ingest::survey_results::ANSWER_FIELD;
/// The vault field name a caller's note is encrypted under.
pub const NOTES_FIELD: &str = "call_notes";
/// A callback a person asks for: about two hours later.
const CALLBACK_AFTER: Micros = 7_200 * SECOND;

/// One vendor's floor.
pub(crate) struct Floor {
    pub(crate) vendor: Option<OrgId>,
    vendor_index: usize,
    pub(crate) engine: Engine,
    carrier: SimCarrier,
    leads: SharedLeads,
    gate: PolicyGate,
    /// Engine call → the attempt row and the person.
    pub(crate) calls: HashMap<CallId, (i64, i64)>,
    /// Every agent's name by engine id: bots' names, and people's user ids.
    pub(crate) agents: Vec<String>,
    /// The people at the desk among the agents.
    pub(crate) humans: HashMap<AgentId, HumanSeat>,
    next_refill: Micros,
    pub(crate) outputs: Vec<Output>,
    /// Inbound calls to the program's caller ID.
    inbound: InboundDesk,
    inbound_outputs: Vec<InboundOutput>,
    /// Survey answers given on a call, each with its time, from the wrap-up to the call's result:
    /// written with the result.
    pub(crate) answers: HashMap<CallId, Vec<(GivenAnswer, Micros)>>,
    /// A callback time an agent set (µs since the epoch), written with the result.
    pub(crate) callback_at: HashMap<CallId, i64>,
    /// A person's note on a call (numbers already removed), encrypted with the result.
    pub(crate) notes: HashMap<CallId, String>,
    /// The campaign's own code an agent picked for a call, written beside its base with the result.
    pub(crate) custom_codes: HashMap<CallId, String>,
    /// The script steps the desk showed on a call, written with the result.
    pub(crate) steps: HashMap<CallId, Vec<clearline_store::StepRecord>>,
    /// The party of each person the floor holds (bot respondents answer by it).
    parties: HashMap<i64, Option<String>>,
    /// The approved recording each call played (the first, when it played more), written with its
    /// result.
    played: HashMap<CallId, i64>,
    /// The program's attached recordings: only these play.
    recordings: Recordings,
}

impl Floor {
    /// The program's recordings from now on, and the carrier told how long each plays.
    fn set_recordings(&mut self, recordings: Recordings) {
        for (audio, length) in recordings.lengths() {
            self.carrier.set_audio_length(audio, length);
        }
        self.recordings = recordings;
    }

    fn next_time(&mut self) -> Micros {
        self.carrier.peek().unwrap_or(Micros::MAX).min(self.engine.next_timer()).min(self.inbound.next_timer())
    }

    fn idle(&mut self) -> bool {
        self.engine.calls_in_progress() == 0
            && self.inbound.open_calls() == 0
            && self.carrier.peek().is_none()
            // A person in wrap-up holds the call's result until they record its disposition.
            && self.humans.values().all(HumanSeat::between_calls)
    }

    /// No new calls: the lead buffer closes, and callbacks that have not rung yet never will.
    fn close(&mut self) {
        self.leads.lock().close();
        self.carrier.cancel_unarrived_callbacks();
    }
}

/// Runs the running program `slug` on the simulated carrier with bot agents, writing every attempt,
/// result and agent state change to the store. Engine time 0 is `origin`.
pub async fn run_program(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    slug: &str,
    origin: Timestamp,
    options: &RunOptions,
) -> Result<RunReport, CallingError> {
    let program = store.program_by_slug(actor, slug).await?;
    if program.status != ProgramStatus::Running {
        return Err(CallingError::NotRunning(program.status.as_str()));
    }
    let origin_us = origin.as_microsecond();
    // The lease first: attempts in flight are another live node's until its lease has expired.
    let mut lease = HeldLease::claim(store, actor, &program, &options.lease).await?;
    let mut report = RunReport {
        interrupted_before: store.interrupt_attempts(actor, &program, origin_us).await?,
        ..RunReport::default()
    };
    let base_cases = program_base_cases(store, actor, &program, origin).await?;
    let survey = survey_script(store, actor, slug).await?;
    // People at the desk join a floor only in real time (a simulated shift passes in seconds).
    let desk_context = match &options.desk {
        Some(_) if options.pace == Pace::RealTime && program.settings.has_agents() => {
            Some(DeskContext::load(store, actor, &program, origin).await?)
        }
        _ => None,
    };
    // An IVR program's calls follow its script's questions, answered by key (docs/scripts.md).
    let ivr = match (program.settings.dial_mode, &survey) {
        (DialMode::Ivr, Some(script)) => Some(ScriptIvr::new(script.clone())),
        (DialMode::Ivr, None) => {
            return Err(CallingError::Config("an IVR program needs an approved script that asks questions".into()))
        }
        _ => None,
    };
    let run = Run { sealer, survey: survey.as_ref(), desk: desk_context.as_ref(), ivr: ivr.as_ref() };
    let mut floors = make_floors(&program, options, origin_us, ivr.as_ref())?;
    let recordings = Recordings::load(store, actor, slug, ivr.as_ref()).await?;
    for floor in &mut floors {
        floor.set_recordings(recordings.clone());
    }
    let mut desk = match (&options.desk, &desk_context) {
        (Some(hub), Some(_)) => {
            Some(hub.open(FloorInfo { slug: program.slug.clone(), name: program.name.clone() }, &program.vendor_ids))
        }
        _ => None,
    };
    // Real time runs on the wall clock from here, whatever instant `origin` names (the demo may run its
    // calling at a chosen instant: `demo --calling-at`).
    let wall_start = Timestamp::now().as_microsecond();
    let elapsed = || Timestamp::now().as_microsecond() - wall_start;
    // CR-46 is measured per program over a rolling 30 days: every floor starts from the program's stored
    // history (each floor then holds its own calls to the target, so the program stays under it too).
    let history = store.abandonment_history(actor, &program, origin_us).await?;
    for floor in &mut floors {
        for &(day, live, abandoned) in &history {
            floor.engine.ledger_mut().load_day(day, clearline_dialer::stats::Tally { live, abandoned });
        }
    }
    let mut agent_log: AgentLog = Vec::new();
    for floor in &mut floors {
        for (i, name) in floor.agents.iter().enumerate() {
            floor.engine.login(0, AgentId(i as u32));
            agent_log.push((name.clone(), "ready", None, origin_us));
        }
    }
    {
        let changes = agent_changes(&floors, &mut agent_log);
        store.log_agent_states(actor, &program, &changes).await?;
    }

    let mut draining = false;
    let mut last = 0;
    let mut next_status_check = 0;
    let mut next_desk_sweep = 0;
    while let Some((index, now)) =
        floors.iter_mut().enumerate().map(|(i, f)| (i, f.next_time())).min_by_key(|(_, t)| *t)
    {
        lease.keep(store, actor, &program).await?;
        if !draining && now > options.duration {
            draining = true;
            for f in &mut floors {
                f.close();
            }
        }
        if draining && (floors.iter_mut().all(Floor::idle) || now > options.duration + DRAIN_LIMIT) {
            break;
        }
        if options.pace == Pace::RealTime {
            if let (Some((_, commands)), Some(ctx)) = (desk.as_mut(), desk_context.as_ref()) {
                // Commands that came while the loop was busy, at the time it has reached.
                while let Ok(command) = commands.try_recv() {
                    let at = elapsed().clamp(last, now.max(last));
                    let touched = seats::handle(ctx, &mut floors, command, at, origin_us, &mut agent_log);
                    if let Some(i) = touched {
                        let floor = &mut floors[i];
                        floor.engine.drain_outputs_into(&mut floor.outputs);
                        flush(store, actor, &program, &run, floor, at, origin_us, options, &mut report, &mut agent_log)
                            .await?;
                        seats::publish(floor, ctx, origin_us);
                    }
                }
            }
            // Never asleep past the lease's renewal: woken for it, the loop looks again.
            let until_event = now - elapsed();
            let wait_us = until_event.min(i64::try_from(lease.due_in().as_micros()).unwrap_or(i64::MAX));
            if wait_us > 0 {
                let sleep = tokio::time::sleep(std::time::Duration::from_micros(wait_us as u64));
                match desk.as_mut() {
                    Some((_, commands)) => {
                        tokio::select! {
                                        _ = sleep => {}
                                        command = commands.recv() => {
                                            // Taken on the next turn (at its time), then the loop looks again at
                                            // what comes first.
                                            if let (Some(command), Some(ctx)) = (command, desk_context.as_ref()) {
                                                let at = elapsed().clamp(last, now.max(last));
                                                if let Some(i) = seats::handle(ctx, &mut floors, command, at, origin_us, &mut agent_log) {
                                                    let floor = &mut floors[i];
                                                    floor.engine.drain_outputs_into(&mut floor.outputs);
                                                    flush(store, actor, &program, &run, floor, at, origin_us, options, &mut report, &mut agent_log)
                                                        .await?;
                                                    seats::publish(floor, ctx, origin_us);
                                                }
                                                last = last.max(at);
                                            }
                                            if !agent_log.is_empty() {
                                                {
                            let changes = agent_changes(&floors, &mut agent_log);
                            store.log_agent_states(actor, &program, &changes).await?;
                        }
                                            }
                                            continue;
                                        }
                                    }
                    }
                    None => sleep.await,
                }
            }
            if wait_us < until_event {
                continue;
            }
            if let (Some(hub), Some(ctx)) = (options.desk.as_ref(), desk_context.as_ref()) {
                if now >= next_desk_sweep {
                    next_desk_sweep = now + STATUS_CHECK;
                    for floor in &mut floors {
                        if seats::sweep_disconnected(
                            floor,
                            ctx,
                            hub,
                            options.desk_disconnect_grace,
                            now.max(last),
                            origin_us,
                            &mut agent_log,
                        ) {
                            flush(
                                store,
                                actor,
                                &program,
                                &run,
                                floor,
                                now.max(last),
                                origin_us,
                                options,
                                &mut report,
                                &mut agent_log,
                            )
                            .await?;
                            seats::publish(floor, ctx, origin_us);
                        }
                    }
                }
            }
            if !draining && now >= next_status_check {
                next_status_check = now + STATUS_CHECK;
                let recordings = Recordings::load(store, actor, slug, run.ivr).await?;
                for floor in &mut floors {
                    refresh_held_lists(store, actor, sealer, &program, floor).await?;
                    if floor.recordings != recordings {
                        floor.set_recordings(recordings.clone());
                    }
                }
                if !still_running(store, actor, slug).await? {
                    draining = true;
                    for f in &mut floors {
                        f.close();
                    }
                }
                if let Some(ctx) = desk_context.as_ref() {
                    if ctx.refresh_dispositions(store, actor).await? {
                        for floor in &mut floors {
                            seats::republish(floor, ctx, origin_us);
                        }
                    }
                }
            }
        }
        last = last.max(now);
        let floor = &mut floors[index];
        if !draining && now >= floor.next_refill {
            refill(store, actor, sealer, &program, &base_cases, floor, now, origin_us).await?;
        }
        step(floor, now, origin_us, &mut agent_log);
        flush(store, actor, &program, &run, floor, now, origin_us, options, &mut report, &mut agent_log).await?;
        if let Some(ctx) = desk_context.as_ref() {
            seats::publish(floor, ctx, origin_us);
        }
        flush_inbound(store, actor, &program, floor, now, origin_us, &mut report).await?;
        if !agent_log.is_empty() {
            {
                let changes = agent_changes(&floors, &mut agent_log);
                store.log_agent_states(actor, &program, &changes).await?;
            }
        }
        if options.stop_after_attempts.is_some_and(|n| report.attempts_opened >= n) {
            report.stopped_early = true;
            break;
        }
    }
    drop(desk.take()); // the desk no longer lists this program's floors
    for floor in &mut floors {
        if let Some(ctx) = desk_context.as_ref() {
            seats::close(floor, ctx, last, origin_us);
        }
        let counters = floor.engine.counters();
        report.system_dials += counters.system_dials;
        report.preview_dials += counters.preview_dials;
        let (today, _) = floor.engine.abandonment(last.max(1) - 1);
        report.live_answers += today.live;
        report.abandoned += today.abandoned;
        if !report.stopped_early {
            for (i, name) in floor.agents.iter().enumerate() {
                floor.engine.logout(last, AgentId(i as u32));
                agent_log.push((name.clone(), "logged_out", None, origin_us + last));
            }
        }
    }
    {
        let changes = agent_changes(&floors, &mut agent_log);
        store.log_agent_states(actor, &program, &changes).await?;
    }
    lease.release(store, actor, &program).await?;
    report.abandonment_rate =
        if report.live_answers == 0 { 0.0 } else { report.abandoned as f64 / report.live_answers as f64 };
    report.simulated_seconds = as_secs(last);
    Ok(report)
}

/// The agent state changes waiting, each with its floor's vendor (an agent's name is on one floor only:
/// a bot's name carries its vendor, a person's user id belongs to one organization). Built before the
/// write, so no floor is held across it.
fn agent_changes(floors: &[Floor], log: &mut AgentLog) -> Vec<AgentStateChange> {
    std::mem::take(log)
        .into_iter()
        .map(|(agent, state, reason, at_us)| {
            let vendor = floors.iter().find(|f| f.agents.contains(&agent)).and_then(|f| f.vendor);
            AgentStateChange { agent, state, reason, at_us, vendor }
        })
        .collect()
}

/// What every floor's flush needs of the run.
struct Run<'a> {
    sealer: &'a VaultSealer,
    /// The attached script, when it asks questions: bots answer it on calls with a person.
    survey: Option<&'a Script>,
    /// What the desk's screens read, when people may join the floors.
    desk: Option<&'a DeskContext>,
    /// An IVR program's flow: what its calls' keys answered.
    ivr: Option<&'a ScriptIvr>,
}

/// The program's attached script when it has questions (a survey): parsed once per run. The version
/// is approved, so it parses; one that does not is treated as no survey.
async fn survey_script(store: &Store, actor: &Actor, slug: &str) -> Result<Option<Script>, CallingError> {
    let Some((_, version)) = store.program_script(actor, slug).await? else { return Ok(None) };
    Ok(clearline_core::script::parse(&version.body)
        .ok()
        .filter(|s| clearline_core::script::walk::questions(s).next().is_some()))
}

async fn still_running(store: &Store, actor: &Actor, slug: &str) -> Result<bool, CallingError> {
    Ok(store.program_by_slug(actor, slug).await?.status == ProgramStatus::Running)
}

fn make_floors(
    program: &Program,
    options: &RunOptions,
    origin_us: i64,
    ivr: Option<&ScriptIvr>,
) -> Result<Vec<Floor>, CallingError> {
    let settings = &program.settings;
    let mode = match settings.dial_mode {
        DialMode::Manual | DialMode::Preview => ProgramMode::Preview,
        DialMode::Power => ProgramMode::Power,
        DialMode::Predictive => ProgramMode::Predictive,
        DialMode::Prerecorded | DialMode::ArtificialVoice => ProgramMode::Agentless,
        DialMode::Ivr => ProgramMode::Ivr,
    };
    let config = EngineConfig { mode, voicemail_drop: settings.voicemail_drop, ..EngineConfig::default() };
    let target = settings.abandonment_target_percent / 100.0;
    let mut model = OutcomeModel::new(options.answer_rate, options.profile, options.duration.max(SECOND));
    model.callback_share = options.callback_share;
    let vendors: Vec<(Option<OrgId>, String)> = if settings.has_agents() {
        program.vendor_ids.iter().zip(&settings.vendors).map(|(id, v)| (Some(*id), v.vendor.clone())).collect()
    } else {
        vec![(None, "none".to_string())]
    };
    vendors
        .into_iter()
        .enumerate()
        .map(|(vendor_index, (vendor, vendor_slug))| {
            let pacer: Box<dyn Pacer + Send> = if mode == ProgramMode::Predictive {
                Box::new(ClearlinePacer::new(PacingConfig {
                    target: target.min(PacingConfig::default().target),
                    ring_timeout_s: as_secs(config.ring_timeout),
                    ..PacingConfig::default()
                }))
            } else {
                Box::new(Progressive)
            };
            let leads = SharedLeads::default();
            let gate = PolicyGate::new(origin_us);
            let mut engine =
                Engine::new(config, Box::new(leads.clone()), Box::new(gate.clone()) as Box<dyn DialGate + Send>, pacer)
                    .map_err(|e| CallingError::Config(e.to_string()))?;
            if let Some(flow) = ivr {
                engine.set_ivr_flow(Box::new(flow.clone()));
            }
            let agents = if vendor.is_some() {
                (1..=options.agents_per_vendor).map(|n| format!("bot-{vendor_slug}-{n}")).collect()
            } else {
                Vec::new()
            };
            Ok(Floor {
                vendor,
                vendor_index,
                engine,
                // Each floor its own stream of outcomes, the same for the same seed.
                carrier: SimCarrier::new(model, options.seed ^ (vendor_index as u64).wrapping_mul(0x51_7c_c1_b7)),
                leads,
                gate,
                calls: HashMap::new(),
                agents,
                humans: HashMap::new(),
                next_refill: 0,
                outputs: Vec::new(),
                inbound: InboundDesk::new(),
                inbound_outputs: Vec::new(),
                answers: HashMap::new(),
                callback_at: HashMap::new(),
                notes: HashMap::new(),
                custom_codes: HashMap::new(),
                steps: HashMap::new(),
                parties: HashMap::new(),
                played: HashMap::new(),
                recordings: Recordings::default(),
            })
        })
        .collect()
}

/// Loads the floor's next dialable entries, with the case each will be decided by at its dial.
#[allow(clippy::too_many_arguments)]
async fn refill(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    program: &Program,
    base_cases: &[Vec<clearline_core::policy::Case>],
    floor: &mut Floor,
    now: Micros,
    origin_us: i64,
) -> Result<(), CallingError> {
    let want = 2 * floor.agents.len().max(5) + REFILL_SLACK;
    let (queued, held) = {
        let b = floor.leads.lock();
        (b.queued(), b.held())
    };
    if queued * 2 >= want {
        return Ok(());
    }
    let entries = store.dialable_entries(actor, program, floor.vendor, origin_us + now, want - queued, &held).await?;
    if entries.is_empty() {
        floor.next_refill = now + EXHAUSTED_RETRY;
        return Ok(());
    }
    let ids: Vec<i64> = entries.iter().map(|e| e.person_id).collect();
    let facts: HashMap<i64, clearline_store::PersonDialFacts> =
        store.dial_facts_of(actor, program, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
    // CR-3 counts the campaign's recorded-message calls per number over a rolling 30 days, across its
    // programs; only a program whose recording talks needs it.
    let recorded = if program.settings.dial_mode.is_robocall() {
        store.recorded_calls_since(actor, &ids, origin_us + now - RECORDED_CALLS_WINDOW_US).await?
    } else {
        HashMap::new()
    };
    // CR-27 counts a program's calls per number over 24 hours, where its content is commercial.
    let calls_24h = if program.settings.commercial_content {
        store.program_calls_since(actor, program, &ids, origin_us + now - SALES_CALLS_WINDOW_US).await?
    } else {
        HashMap::new()
    };
    let base = base_cases
        .get(floor.vendor_index)
        .or(base_cases.first())
        .and_then(|cases| cases.first())
        .ok_or_else(|| CallingError::Config("the program's facts make no case".into()))?;
    // Each entry's number, opened once: for its case, and for the floor's vendor's own list.
    let numbers: HashMap<i64, String> = entries
        .iter()
        .filter_map(|entry| {
            let person = facts.get(&entry.person_id)?;
            let phone = person.phones.iter().find(|ph| Some(ph.position) == entry.phone_position)?;
            let number = sealer.cipher().decrypt("phone", &phone.number_enc).ok()?;
            Some((entry.person_id, String::from_utf8_lossy(&number).into_owned()))
        })
        .collect();
    let on_vendor_list: HashSet<i64> = match floor.vendor {
        Some(vendor) if !numbers.is_empty() => {
            let (people, asked): (Vec<i64>, Vec<&str>) = numbers.iter().map(|(p, n)| (*p, n.as_str())).unzip();
            let listed = clearline_ingest::dnc::on_vendor_list(store, actor, sealer, vendor, &asked).await?;
            people.into_iter().zip(listed).filter(|(_, l)| *l).map(|(p, _)| p).collect()
        }
        _ => HashSet::new(),
    };
    for entry in entries {
        floor.parties.insert(entry.person_id, entry.party.clone());
        if !facts.contains_key(&entry.person_id) {
            // No longer in the program's universe (for GOTV: voted, moved, changed party): not called.
            store.defer_entry(actor, program, entry.person_id, None, "left_universe").await?;
            continue;
        }
        let phone = facts
            .get(&entry.person_id)
            .and_then(|p| p.phones.iter().find(|ph| Some(ph.position) == entry.phone_position).map(|ph| (p, ph)));
        let case = phone.and_then(|(person, phone)| {
            let number = numbers.get(&entry.person_id)?;
            let history = EntryHistory {
                attempts: entry.attempts,
                household_attempts: entry.household_attempts,
                last_attempt_at_us: entry.last_attempt_at_us,
                recorded_calls_30d: recorded.get(&(entry.person_id, phone.position)).copied().unwrap_or(0),
                calls_24h: calls_24h.get(&(entry.person_id, phone.position)).copied().unwrap_or(0),
                on_vendor_list: on_vendor_list.contains(&entry.person_id),
            };
            entry_case(zone_table(), base, person, phone, number, &history).ok()
        });
        let line_type = case.as_ref().and_then(|c| c.line_type).unwrap_or(LineType::Unknown);
        let lead = lead_for(entry.person_id, entry.household_id, line_type);
        // No case (the phone is gone or its facts unreadable): the gate refuses the lead when the
        // engine asks, and the refusal is written with the others.
        if let Some(case) = case {
            floor.gate.lock().insert(&lead, case);
        }
        floor.leads.lock().push(entry.person_id, lead);
    }
    Ok(())
}

/// Asks the do-not-call lists again for every lead the floor holds: an opt-out that arrived by another
/// channel (a text or the web form, an import, the vendor's admin, another program's call) reaches a
/// queued or on-screen lead within [`STATUS_CHECK`], before it is dialed (CR-47, CR-7: at once).
async fn refresh_held_lists(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    program: &Program,
    floor: &mut Floor,
) -> Result<(), CallingError> {
    let held = floor.gate.lock().held_numbers();
    if held.is_empty() {
        return Ok(());
    }
    let indexes: Vec<Vec<u8>> = held.iter().map(|(_, n)| clearline_ingest::dnc::phone_index(sealer, n)).collect();
    let on_campaign_list = store.program_dnc_listed(actor, program, &indexes).await?;
    let on_vendor_list = match floor.vendor {
        Some(vendor) => {
            let numbers: Vec<&str> = held.iter().map(|(_, n)| n.as_str()).collect();
            clearline_ingest::dnc::on_vendor_list(store, actor, sealer, vendor, &numbers).await?
        }
        None => vec![false; held.len()],
    };
    let mut gate = floor.gate.lock();
    for (((person, _), index), vendor_listed) in held.iter().zip(&indexes).zip(on_vendor_list) {
        if on_campaign_list.contains(index) {
            gate.mark_on_dnc(*person);
        }
        if vendor_listed {
            gate.mark_on_org_dnc(*person);
        }
    }
    Ok(())
}

/// One engine step at `now`: the floor's next carrier or bot event, or its (or the inbound desk's)
/// timer. Events of inbound calls go to the desk, the rest to the engine.
fn step(floor: &mut Floor, now: Micros, origin_us: i64, agent_log: &mut AgentLog) {
    let t_event = floor.carrier.peek().unwrap_or(Micros::MAX);
    let t_inbound = floor.inbound.next_timer();
    if t_event <= floor.engine.next_timer().min(t_inbound) {
        let Some((at, event)) = floor.carrier.pop() else { return };
        match event {
            SimEvent::Carrier { event, .. } if floor.inbound.takes(&event) => {
                floor.inbound.on_event(event);
                floor.inbound_outputs.extend(floor.inbound.drain_outputs());
            }
            SimEvent::Carrier { event, .. } => floor.engine.on_event(event),
            SimEvent::WrapDone { agent, disposition } => {
                floor.engine.wrap_done(at, agent, Some(disposition));
                agent_log.push((floor.agents[agent.0 as usize].clone(), "ready", None, origin_us + at));
            }
            SimEvent::PreviewDial { agent } => {
                // A denied record (the policy asked again at the dial) leaves the bot ready again.
                floor.engine.preview_dial(at, agent);
            }
        }
    } else if t_inbound <= floor.engine.next_timer() {
        floor.inbound.tick(now);
        floor.inbound_outputs.extend(floor.inbound.drain_outputs());
    } else {
        floor.engine.tick(now);
    }
    floor.engine.drain_outputs_into(&mut floor.outputs);
}

/// Carries out the inbound desk's commands and writes what it decided: an opt-out at its key press
/// (the number listed, the entry finished, any held dial to that number refused from now on), each
/// call's record when it ends.
async fn flush_inbound(
    store: &Store,
    actor: &Actor,
    program: &Program,
    floor: &mut Floor,
    now: Micros,
    origin_us: i64,
    report: &mut RunReport,
) -> Result<(), CallingError> {
    for out in std::mem::take(&mut floor.inbound_outputs) {
        match out {
            InboundOutput::Carrier(command) => floor.carrier.execute(now, command),
            InboundOutput::OptOut { from: InboundFrom::Lead(person), at, .. } => {
                let sharing = store.opt_out_inbound(actor, program, person as i64, origin_us + at).await?;
                let mut gate = floor.gate.lock();
                for p in sharing {
                    gate.mark_on_dnc(p);
                }
                report.inbound_opt_outs += 1;
            }
            InboundOutput::OptOut { from, .. } => {
                // The simulated carrier calls back only from numbers it dialed; a SIP carrier's other
                // numbers need the sealer to be listed (with the telephony issue). Never silent:
                tracing::error!(?from, "an inbound opt-out from a number the program did not dial is not listed yet");
            }
            InboundOutput::Done(record) => {
                let (person_id, caller) = match record.from {
                    InboundFrom::Lead(p) => (Some(p as i64), "lead"),
                    InboundFrom::Number(_) => (None, "number"),
                    InboundFrom::Withheld => (None, "withheld"),
                };
                let call = InboundCall {
                    person_id,
                    caller,
                    outcome: record.outcome.as_str(),
                    received_at_us: origin_us + record.received_at,
                    opted_out_at_us: record.opted_out_at.map(|t| origin_us + t),
                    ended_at_us: origin_us + record.ended_at,
                    simulated: true,
                };
                store.record_inbound_call(actor, program, &call).await?;
                report.inbound_calls += 1;
                *report.inbound_by_outcome.entry(record.outcome.as_str().to_string()).or_default() += 1;
            }
        }
    }
    Ok(())
}

/// Writes the step's outputs in order: attempts before their dials, results before the agent's next
/// call, refusals back to the list.
#[allow(clippy::too_many_arguments)]
async fn flush(
    store: &Store,
    actor: &Actor,
    program: &Program,
    run: &Run<'_>,
    floor: &mut Floor,
    now: Micros,
    origin_us: i64,
    options: &RunOptions,
    report: &mut RunReport,
    agent_log: &mut AgentLog,
) -> Result<(), CallingError> {
    // Taken first: the gate's lock must not be held across the loop (it is locked again inside).
    let denials = floor.gate.lock().take_denials();
    for denial in denials {
        store.defer_entry(actor, program, denial.person_id, denial.until_us, &denial.rules).await?;
        floor.leads.lock().release(denial.person_id);
        floor.gate.lock().forget(denial.person_id);
        floor.parties.remove(&denial.person_id);
        report.refused_at_dial += 1;
    }
    let outputs = std::mem::take(&mut floor.outputs);
    for out in outputs {
        match out {
            Output::Carrier(command) => {
                if let Command::Originate { call, target, .. } = &command {
                    let person_id = target.lead as i64;
                    let kind = floor.engine.call_info(*call).map_or(DialKind::Paced, |(_, k)| k);
                    let attempt = NewAttempt {
                        person_id,
                        dial_kind: kind_name(kind),
                        agent: None,
                        dialed_at_us: origin_us + now,
                        simulated: true,
                    };
                    match store.open_attempt(actor, program, &attempt).await {
                        Ok(id) => {
                            floor.calls.insert(*call, (id, person_id));
                            report.attempts_opened += 1;
                        }
                        Err(e) => {
                            // Not recorded, so not dialed: the engine hears a failure it closes at once.
                            // A survey quota cell that filled meanwhile is expected, not a warning.
                            if !matches!(&e, StoreError::Invalid(i) if i.field == "quota") {
                                tracing::warn!(call = call.0, person = person_id, kind = attempt.dial_kind, error = %e, "attempt not recorded: not dialed");
                            }
                            floor.leads.lock().release(person_id);
                            floor.parties.remove(&person_id);
                            floor.engine.on_event(clearline_dialer::carrier::CarrierEvent {
                                at: now,
                                call: *call,
                                kind: EventKind::Failed { cause: FailCause::Other, sip_code: None },
                            });
                            floor.engine.drain_outputs_into(&mut floor.outputs);
                            continue;
                        }
                    }
                }
                let command = match command {
                    Command::PlayAudio { call, audio, then } => match floor.recordings.for_audio(audio) {
                        Ok(recording) => {
                            if let Some(r) = recording {
                                floor.played.entry(call).or_insert(r.version_id);
                            }
                            Command::PlayAudio { call, audio, then }
                        }
                        Err(kind) => {
                            // Only approved audio plays: with none attached, the call ends instead.
                            tracing::error!(call = call.0, kind = %kind, "no approved recording attached: hung up instead of playing");
                            Command::HangUp { call }
                        }
                    },
                    other => other,
                };
                floor.carrier.execute(now, command);
            }
            Output::Agent(agent, notice) if floor.humans.contains_key(&agent) => {
                if let Some(ctx) = run.desk {
                    seats::notice(store, actor, program, ctx, floor, agent, notice, now, origin_us, agent_log).await?;
                }
            }
            Output::Agent(agent, AgentNotice::PreviewOffered { .. }) => {
                floor.carrier.schedule(now + PREVIEW_THINK, SimEvent::PreviewDial { agent })
            }
            Output::Agent(agent, AgentNotice::Connected { .. }) => {
                agent_log.push((floor.agents[agent.0 as usize].clone(), "on_call", None, origin_us + now));
            }
            Output::Agent(agent, AgentNotice::WrapUp { call }) => {
                let (wrap, human) = floor.carrier.take_wrap(call).unwrap_or((MACHINE_WRAP, false));
                let mut disposition = bot_disposition(options.seed, call.0, human);
                // On a survey, a person who stays on the line (the bot's complete) is walked through the
                // script: their answers, and the end it reaches, are the call's (docs/surveys.md).
                if let (Some(script), true, Disposition::Complete) = (run.survey, human, disposition) {
                    let party = floor
                        .calls
                        .get(&call)
                        .and_then(|(_, person)| floor.parties.get(person))
                        .and_then(|p| p.as_deref());
                    let walk = bot_survey(options.seed, call.0, script, party);
                    disposition = walk.end.unwrap_or(Disposition::BreakOff);
                    if !walk.answers.is_empty() {
                        floor.answers.insert(call, walk.answers.into_iter().map(|a| (a, now)).collect());
                    }
                }
                floor.carrier.schedule(now + wrap, SimEvent::WrapDone { agent, disposition });
                agent_log.push((floor.agents[agent.0 as usize].clone(), "wrap_up", None, origin_us + now));
            }
            Output::Attempt(record) => {
                let Some((id, person_id)) = floor.calls.remove(&record.call) else {
                    seats::written(floor, record.lead as i64); // nothing to write: the desk waits no longer
                    continue; // never recorded (refused above): nothing was dialed
                };
                let mut result = attempt_result(&record, &floor.agents, origin_us);
                if let Some(at) = floor.callback_at.remove(&record.call) {
                    result.callback_at_us = Some(at);
                }
                result.custom_disposition = floor.custom_codes.remove(&record.call);
                result.audio_version_id = floor.played.remove(&record.call);
                result.steps = floor.steps.remove(&record.call).unwrap_or_default();
                result.notes_enc =
                    floor.notes.remove(&record.call).map(|n| run.sealer.cipher().encrypt(NOTES_FIELD, n.as_bytes()));
                if let (Some(flow), DialKind::Ivr) = (run.ivr, record.kind) {
                    floor.answers.insert(record.call, flow.answers(&record.ivr_answers));
                }
                if let Some(answers) = floor.answers.remove(&record.call) {
                    result.answers = answers
                        .iter()
                        .map(|(a, at)| AnswerRecord {
                            step: a.step.clone(),
                            answer_enc: run.sealer.cipher().encrypt(ANSWER_FIELD, &a.answer.encode()),
                            shown_order: a.shown.clone(),
                            answered_at_us: origin_us + at,
                        })
                        .collect();
                }
                if let (Disposition::DoNotCall, Some(vendor)) = (record.disposition, floor.vendor) {
                    result.vendor_opt_out = vendor_opt_out(run.sealer, vendor, floor.gate.lock().number_of(person_id));
                }
                store.finish_attempt(actor, program, id, &result).await?;
                floor.leads.lock().release(person_id);
                floor.gate.lock().forget(person_id);
                floor.parties.remove(&person_id);
                seats::written(floor, person_id);
                seats::attempt_done(floor, person_id, now);
                report.attempts_finished += 1;
                *report.by_disposition.entry(record.disposition.code().to_string()).or_default() += 1;
            }
        }
    }
    // A refusal above may have produced outputs of its own.
    if !floor.outputs.is_empty() {
        Box::pin(flush(store, actor, program, run, floor, now, origin_us, options, report, agent_log)).await?;
    }
    Ok(())
}

/// The opt-out for the vendor's own list, sealed under its list key. Never silent when it cannot be
/// made (the campaign's list is written from the dialed phone in any case).
fn vendor_opt_out(sealer: &VaultSealer, vendor: OrgId, number: Option<String>) -> Option<VendorOptOut> {
    let (Some(list), Some(number)) = (sealer.vendor_list(vendor), number) else {
        tracing::error!(vendor = vendor.0, "an opt-out on a vendor's call could not be put on the vendor's own list");
        return None;
    };
    Some(VendorOptOut { vendor, entry: list.entry(&number) })
}

fn attempt_result(record: &AttemptRecord, agents: &[String], origin_us: i64) -> AttemptResult {
    let at = |m: Option<Micros>| m.map(|m| origin_us + m);
    AttemptResult {
        disposition: record.disposition,
        agent: record.agent.and_then(|a| agents.get(a.0 as usize).cloned()),
        rang_at_us: at(record.rang_at),
        answered_at_us: at(record.answered_at),
        greeting_ended_at_us: at(record.greeting_ended_at),
        bridged_at_us: at(record.bridged_at),
        ended_at_us: origin_us + record.ended_at,
        callback_at_us: (record.disposition == Disposition::CallbackRequested)
            .then(|| origin_us + record.ended_at + CALLBACK_AFTER),
        answers: Vec::new(),
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
        custom_disposition: None,
    }
}

fn kind_name(kind: DialKind) -> &'static str {
    match kind {
        DialKind::Paced => "paced",
        DialKind::Power => "power",
        DialKind::Preview => "preview",
        DialKind::Agentless => "agentless",
        DialKind::Ivr => "ivr",
    }
}
