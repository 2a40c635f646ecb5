//! The engine: agents, calls and dial modes, driven by time passed in.
//!
//! Inputs: agent actions ([`Engine::login`], [`Engine::preview_dial`], [`Engine::wrap_done`], …), carrier
//! events ([`Engine::on_event`]) and the clock ([`Engine::tick`] at [`Engine::next_timer`]). Outputs
//! ([`Engine::take_outputs`]): carrier commands, notices to agents, and one [`AttemptRecord`] per finished
//! attempt — the seam where the durable store will record them.
//!
//! **A call**: `Dialing → Answered → (Waiting →) Bridged → wrap-up → record`, or `Dialing → Busy / NoAnswer
//! / Failed → record`, or `Answered → Automated (message, voicemail drop, IVR) → record`, or
//! `Waiting → Abandoned (safe-harbor message) → record`.
//!
//! **CR-46.** A live answer — the detector says human, *or not sure* (treated as human: the cautious
//! reading) — on a system-dialed call must reach an agent within 2 s of the end of the greeting
//! (`greeting_ended_at`, not the decision time: the detector's latency counts against the 2 s). A call
//! still waiting at `greeting_ended_at + 2 s` is abandoned: the safe-harbor message is played (caller
//! identity, callback number, automated opt-out) and the call ends. A call bridged at exactly 2.000 s is
//! in time. The abandonment rate is kept per program by day ([`AbandonLedger`]): rolling 30 days and
//! today. Rings are at least 15 s: the configuration refuses a shorter ring timeout, and a carrier's
//! `NoAnswer` after less than 15 s of ringing is not accepted as a no-answer (it is recorded as a
//! technical problem).
//!
//! **CR-49 blend.** Every lead passes the policy gate at the instant of dialing. Leads the gate keeps to
//! manual dialing (wireless, VoIP, unknown without consent) go to a preview pool; in a predictive
//! program an agent left idle for `blend_idle` with no live call to take gets a preview call from it,
//! and while the pool is full the pacer's dials wait, so the dial mix follows the list's mix.
//!
//! **Never two live attempts to one person or household at once**: a lead whose person or household has
//! an attempt in progress (or a preview offered) is put back to the source.

use crate::carrier::{
    AfterAudio, AgentLeg, AmdResult, Audio, CallId, CarrierEvent, Command, DialTarget, EventKind, Keys,
};
use crate::ivr::{FixedIvr, IvrFlow, IvrNext};
use crate::lead::{DialGate, Gate, Lead, LeadSource};
use crate::pacing::{Observation, Pacer, Snapshot};
use crate::stats::{AbandonLedger, Tally};
use crate::{as_secs, IdBuild, Micros, SECOND};
use clearline_core::disposition::Disposition;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// CR-46: a live answer must reach an agent within this long after the greeting ends.
pub const ABANDON_AFTER: Micros = 2 * SECOND;
/// CR-46: unanswered calls ring at least this long (15 s or 4 rings).
pub const MIN_RING: Micros = 15 * SECOND;

/// An agent, by the engine's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(pub u32);

/// How a program dials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramMode {
    /// The agent sees the record, then clicks to dial.
    Preview,
    /// Power / progressive: one line per free agent, the agent reserved for it.
    Power,
    /// Paced by the pacer; manual-only leads blended as preview calls (CR-49).
    Predictive,
    /// A prerecorded message: voicemail drop on machines, key-press opt-out on live answers.
    Agentless,
    /// An IVR survey: prompts answered by key press, in the order the program's [`IvrFlow`] gives
    /// ([`Engine::set_ivr_flow`]).
    Ivr,
}

/// Why a configuration cannot start.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// CR-46: ring timeout below 15 s.
    RingTooShort,
    /// Agentless and IVR programs need at least one line.
    NoLines,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::RingTooShort => write!(f, "the ring timeout must be at least 15 s (CR-46)"),
            ConfigError::NoLines => write!(f, "an agentless or IVR program needs at least one line"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A program's dialing settings.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    pub mode: ProgramMode,
    /// How long an unanswered call rings (CR-46: ≥ 15 s; default 25 s, VICIdial's advice for lists
    /// with many machines).
    pub ring_timeout: Micros,
    /// Answering-machine detection on system-dialed calls. Without it the clock starts at the answer.
    pub amd: bool,
    /// Predictive blend: an agent idle this long takes a preview call (CR-49).
    pub blend_idle: Micros,
    /// The preview pool's size at which paced dialing waits for agents to take preview calls.
    pub preview_pool_cap: usize,
    /// Lines for agentless and IVR programs.
    pub automated_lines: usize,
    /// How often the pacer is asked (also whenever an agent becomes free).
    pub pace_interval: Micros,
    /// The key that opts out of a prerecorded or IVR call (CR-47: effective at once).
    pub opt_out_digit: char,
    /// Agentless programs: leave the voicemail-drop recording on machines (otherwise hang up).
    pub voicemail_drop: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            mode: ProgramMode::Predictive,
            ring_timeout: 25 * SECOND,
            amd: true,
            blend_idle: 4 * SECOND,
            preview_pool_cap: 64,
            automated_lines: 10,
            pace_interval: SECOND / 2,
            opt_out_digit: '9',
            voicemail_drop: true,
        }
    }
}

impl EngineConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.ring_timeout < MIN_RING {
            return Err(ConfigError::RingTooShort);
        }
        if matches!(self.mode, ProgramMode::Agentless | ProgramMode::Ivr) && self.automated_lines == 0 {
            return Err(ConfigError::NoLines);
        }
        Ok(())
    }
}

/// What the engine tells an agent's screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentNotice {
    /// A preview call: show the record; the agent clicks to dial ([`Engine::preview_dial`]).
    PreviewOffered { lead: u64 },
    /// A call is connected to the agent.
    Connected { call: CallId },
    /// The call ended: pick a disposition ([`Engine::wrap_done`]).
    WrapUp { call: CallId },
}

/// How an attempt was dialed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialKind {
    Paced,
    Power,
    Preview,
    Agentless,
    Ivr,
}

/// One finished attempt, with its times (µs; `None` when the step did not happen).
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptRecord {
    pub call: CallId,
    pub lead: u64,
    pub kind: DialKind,
    pub agent: Option<AgentId>,
    pub disposition: Disposition,
    pub dialed_at: Micros,
    /// The first ringing signal.
    pub rang_at: Option<Micros>,
    pub answered_at: Option<Micros>,
    pub greeting_ended_at: Option<Micros>,
    pub bridged_at: Option<Micros>,
    pub ended_at: Micros,
    /// IVR answers: each accepted key, in the order pressed, with its time (the program's flow says
    /// which question each answered).
    pub ivr_answers: Vec<(char, Micros)>,
}

/// Everything the engine emits.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Carrier(Command),
    Agent(AgentId, AgentNotice),
    Attempt(AttemptRecord),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AgentState {
    LoggedOut,
    Ready,
    /// A preview lead is on the agent's screen.
    Offered(Lead),
    /// Reserved for a call being dialed for them (power or preview).
    Reserved(CallId),
    OnCall(CallId),
    WrapUp,
}

#[derive(Clone, Debug)]
struct Agent {
    state: AgentState,
    logged_in_at: Micros,
    logged_in_total: Micros,
    ready_since: Micros,
    talk_total: Micros,
    wrap_total: Micros,
    wrap_started: Micros,
    call_started: Micros,
    pending: Option<AttemptRecord>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallState {
    Dialing,
    Answered,
    /// Live, waiting for an agent until the deadline.
    Waiting {
        deadline: Micros,
    },
    Bridged(AgentId),
    /// A message, voicemail drop or IVR is playing.
    Automated,
    /// The engine ended it (or asked the carrier to after a recording); waiting for the hang-up.
    Ending,
}

#[derive(Clone, Debug)]
struct Call {
    lead: Lead,
    kind: DialKind,
    state: CallState,
    reserved: Option<AgentId>,
    record: AttemptRecord,
    /// The disposition decided before the call ended (abandoned, machine, opted out, message played).
    decided: Option<Disposition>,
    /// The IVR prompt playing and the keys it takes.
    ivr_prompt: u16,
    ivr_keys: Keys,
    /// Keys pressed at this prompt that it does not take.
    ivr_wrong: u8,
    /// The closing words play: the answers are in, only the opt-out key still counts.
    ivr_closing: bool,
}

/// An IVR prompt is played again after a key it does not take, once; a second wrong key ends the call.
pub const IVR_WRONG_KEYS: u8 = 2;

/// Counters the benchmark and metrics read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub system_dials: u64,
    pub preview_dials: u64,
    pub household_deferrals: u64,
    pub denied: u64,
    pub unknown_events: u64,
    pub early_no_answer: u64,
    pub inbound: u64,
}

/// Agent time totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentTimes {
    pub logged_in: Micros,
    pub talk: Micros,
    pub wrap: Micros,
}

/// The dialer engine of one program.
pub struct Engine {
    config: EngineConfig,
    agents: Vec<Agent>,
    calls: HashMap<CallId, Call, IdBuild>,
    /// Paced dials not yet answered, by dial time (the pacer's view of lines in flight).
    paced_dialing: BTreeSet<(Micros, CallId)>,
    /// Paced calls answered, awaiting the detector.
    paced_answered: HashSet<CallId, IdBuild>,
    next_call: u64,
    waiting: BTreeSet<(Micros, CallId)>,
    live_persons: HashSet<u64, IdBuild>,
    live_households: HashSet<u64, IdBuild>,
    leads: Box<dyn LeadSource + Send>,
    gate: Box<dyn DialGate + Send>,
    pacer: Box<dyn Pacer + Send>,
    ledger: AbandonLedger,
    system_pool: VecDeque<Lead>,
    preview_pool: VecDeque<Lead>,
    outputs: Vec<Output>,
    next_pace: Micros,
    waits: Vec<f64>,
    counters: Counters,
    inbound: Vec<CarrierEvent>,
    automated_active: usize,
    ivr: Box<dyn IvrFlow>,
}

impl Engine {
    pub fn new(
        config: EngineConfig,
        leads: Box<dyn LeadSource + Send>,
        gate: Box<dyn DialGate + Send>,
        pacer: Box<dyn Pacer + Send>,
    ) -> Result<Engine, ConfigError> {
        config.validate()?;
        Ok(Engine {
            config,
            agents: Vec::new(),
            calls: HashMap::default(),
            paced_dialing: BTreeSet::new(),
            paced_answered: HashSet::default(),
            next_call: 1,
            waiting: BTreeSet::new(),
            live_persons: HashSet::default(),
            live_households: HashSet::default(),
            leads,
            gate,
            pacer,
            ledger: AbandonLedger::default(),
            system_pool: VecDeque::new(),
            preview_pool: VecDeque::new(),
            outputs: Vec::new(),
            next_pace: 0,
            waits: Vec::new(),
            counters: Counters::default(),
            inbound: Vec::new(),
            automated_active: 0,
            ivr: Box::new(FixedIvr::default()),
        })
    }

    /// The flow an IVR program's calls follow (until set: [`FixedIvr::default`]).
    pub fn set_ivr_flow(&mut self, flow: Box<dyn IvrFlow>) {
        self.ivr = flow;
    }

    /// The program's earlier days (from the store), for the rolling 30-day rate.
    pub fn ledger_mut(&mut self) -> &mut AbandonLedger {
        &mut self.ledger
    }

    pub fn ledger(&self) -> &AbandonLedger {
        &self.ledger
    }

    /// The lead and dial kind of a call in progress (the run loop records the attempt before it is
    /// dialed).
    pub fn call_info(&self, call: CallId) -> Option<(Lead, DialKind)> {
        self.calls.get(&call).map(|c| (c.lead, c.kind))
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Agent waits (seconds from ready to connected), one per connected call.
    pub fn waits(&self) -> &[f64] {
        &self.waits
    }

    /// Inbound calls received (left to the inbound handler).
    pub fn take_inbound(&mut self) -> Vec<CarrierEvent> {
        std::mem::take(&mut self.inbound)
    }

    pub fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    /// Drain outputs into a buffer the caller keeps (no allocation per step).
    pub fn drain_outputs_into(&mut self, buffer: &mut Vec<Output>) {
        buffer.append(&mut self.outputs);
    }

    /// Whether the pacer's last decision was its hard stop.
    pub fn hard_stopped(&self) -> bool {
        self.pacer.hard_stopped()
    }

    /// Totals over all agents, counting the logged-in time of agents still logged in up to `now`.
    pub fn agent_times(&self, now: Micros) -> AgentTimes {
        let mut t = AgentTimes::default();
        for a in &self.agents {
            t.logged_in += a.logged_in_total + if a.state == AgentState::LoggedOut { 0 } else { now - a.logged_in_at };
            t.talk += a.talk_total;
            t.wrap += a.wrap_total;
        }
        t
    }

    /// Calls in progress.
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    fn emit(&mut self, command: Command) {
        self.outputs.push(Output::Carrier(command));
    }

    // ----- agents -----

    /// An agent logs in and is ready.
    pub fn login(&mut self, now: Micros, agent: AgentId) {
        let i = agent.0 as usize;
        while self.agents.len() <= i {
            self.agents.push(Agent {
                state: AgentState::LoggedOut,
                logged_in_at: 0,
                logged_in_total: 0,
                ready_since: 0,
                talk_total: 0,
                wrap_total: 0,
                wrap_started: 0,
                call_started: 0,
                pending: None,
            });
        }
        if self.agents[i].state != AgentState::LoggedOut {
            return;
        }
        self.agents[i].logged_in_at = now;
        self.emit(Command::AgentLegUp { leg: AgentLeg(agent.0) });
        tracing::debug!(agent = agent.0, "agent logged in");
        self.become_ready(now, agent);
    }

    /// A ready agent logs out or pauses (an agent on a call logs out after wrap-up). An agent with a
    /// preview record on screen may too: the record goes back to the front of the preview pool for the
    /// next free agent (a person at the desk steps away without dialing).
    pub fn logout(&mut self, now: Micros, agent: AgentId) -> bool {
        let Some(a) = self.agents.get_mut(agent.0 as usize) else { return false };
        let offered = match a.state {
            AgentState::Ready => None,
            AgentState::Offered(lead) => Some(lead),
            _ => return false,
        };
        a.state = AgentState::LoggedOut;
        a.logged_in_total += now - a.logged_in_at;
        self.emit(Command::AgentLegDown { leg: AgentLeg(agent.0) });
        if let Some(lead) = offered {
            self.release(&lead);
            self.preview_pool.push_front(lead);
        }
        true
    }

    /// The agent clicks to dial the preview lead on their screen.
    ///
    /// The contact policy is asked again at the click: a record can stay on screen past the end of
    /// calling hours, or its number be opted out meanwhile. A denied record is released (counted as
    /// denied) and the agent is ready again; returns whether the call was placed.
    pub fn preview_dial(&mut self, now: Micros, agent: AgentId) -> bool {
        let Some(a) = self.agents.get(agent.0 as usize) else { return false };
        let AgentState::Offered(lead) = a.state else {
            tracing::warn!(agent = agent.0, "preview dial with no preview offered: ignored");
            return false;
        };
        if self.gate.gate(&lead, now) == Gate::Deny {
            self.release(&lead);
            self.deny(lead);
            self.become_ready(now, agent);
            return false;
        }
        let call = self.originate(now, lead, DialKind::Preview, false);
        self.calls.get_mut(&call).expect("just made").reserved = Some(agent);
        self.agents[agent.0 as usize].state = AgentState::Reserved(call);
        true
    }

    /// The agent finished wrap-up with a disposition (`None` keeps the system's).
    pub fn wrap_done(&mut self, now: Micros, agent: AgentId, disposition: Option<Disposition>) {
        let Some(a) = self.agents.get_mut(agent.0 as usize) else { return };
        if a.state != AgentState::WrapUp {
            return;
        }
        a.wrap_total += now - a.wrap_started;
        let wrap = now - a.wrap_started;
        if let Some(mut record) = a.pending.take() {
            if let Some(d) = disposition {
                record.disposition = d;
            }
            self.outputs.push(Output::Attempt(record));
        }
        self.pacer.observe(now, Observation::Wrap { secs: as_secs(wrap) });
        self.become_ready(now, agent);
    }

    /// The agent hangs up the call they are on.
    pub fn agent_hang_up(&mut self, agent: AgentId) {
        if let Some(AgentState::OnCall(call)) = self.agents.get(agent.0 as usize).map(|a| a.state) {
            self.emit(Command::HangUp { call });
        }
    }

    fn become_ready(&mut self, now: Micros, agent: AgentId) {
        self.agents[agent.0 as usize].state = AgentState::Ready;
        self.agents[agent.0 as usize].ready_since = now;
        // A live call waiting (oldest deadline first) takes the agent.
        if let Some(&(deadline, call)) = self.waiting.iter().next() {
            if now <= deadline {
                self.waiting.remove(&(deadline, call));
                self.bridge(now, call, agent);
                return;
            }
        }
        match self.config.mode {
            ProgramMode::Power => self.power_dial(now, agent),
            ProgramMode::Preview => {
                self.offer_preview(now, agent, true);
            }
            // The next pacing tick (at most `pace_interval` away) dials for them.
            ProgramMode::Predictive => {}
            ProgramMode::Agentless | ProgramMode::Ivr => {}
        }
    }

    fn power_dial(&mut self, now: Micros, agent: AgentId) {
        // Leads in list order: a system-dialable lead is dialed for the agent, a manual-only one is
        // offered to them as a preview call (CR-49).
        for _ in 0..64 {
            let Some(lead) = self.pull(true) else { return };
            match self.gate.gate(&lead, now) {
                Gate::SystemDial => {
                    let call = self.originate(now, lead, DialKind::Power, self.config.amd);
                    self.calls.get_mut(&call).expect("just made").reserved = Some(agent);
                    self.agents[agent.0 as usize].state = AgentState::Reserved(call);
                    return;
                }
                Gate::ManualOnly => {
                    self.offer(agent, lead);
                    return;
                }
                Gate::Deny => self.deny(lead),
            }
        }
    }

    fn offer(&mut self, agent: AgentId, lead: Lead) {
        self.hold(&lead);
        self.agents[agent.0 as usize].state = AgentState::Offered(lead);
        self.outputs.push(Output::Agent(agent, AgentNotice::PreviewOffered { lead: lead.id }));
    }

    /// Offer a preview lead: from the pool, or (`any`, preview programs) any callable lead.
    fn offer_preview(&mut self, now: Micros, agent: AgentId, any: bool) -> bool {
        while let Some(lead) = self.preview_pool.pop_front() {
            if self.busy(&lead) {
                self.defer(lead);
                continue;
            }
            // A lead can wait in the pool for minutes: the policy is asked again now (calling hours
            // may have closed since it was pooled).
            if self.gate.gate(&lead, now) == Gate::Deny {
                self.deny(lead);
                continue;
            }
            self.offer(agent, lead);
            return true;
        }
        for _ in 0..64 {
            let Some(lead) = self.pull(true) else { return false };
            match self.gate.gate(&lead, now) {
                Gate::Deny => self.deny(lead),
                Gate::SystemDial if !any => self.system_pool.push_back(lead),
                _ => {
                    self.offer(agent, lead);
                    return true;
                }
            }
        }
        false
    }

    fn deny(&mut self, lead: Lead) {
        self.counters.denied += 1;
        tracing::debug!(lead = lead.id, "lead denied by the contact policy at the instant of dialing");
    }

    fn busy(&self, lead: &Lead) -> bool {
        self.live_persons.contains(&lead.person) || self.live_households.contains(&lead.household)
    }

    fn hold(&mut self, lead: &Lead) {
        self.live_persons.insert(lead.person);
        self.live_households.insert(lead.household);
    }

    fn release(&mut self, lead: &Lead) {
        self.live_persons.remove(&lead.person);
        self.live_households.remove(&lead.household);
    }

    fn defer(&mut self, lead: Lead) {
        self.counters.household_deferrals += 1;
        self.leads.put_back(lead);
    }

    /// The next lead from the source whose person and household have no attempt in progress.
    ///
    /// A lead deferred earlier in this pull coming back does not mean the source is spent: put-back
    /// leads come back between fresh ones ([`LeadSource::put_back`]). Two in a row do — only busy
    /// leads are left. (The engine used to stop at the first one back, and the sources let put-back
    /// leads cycle ahead of fresh ones: two busy households at the head of a floor's leads stopped it
    /// dialing anyone until one of them was free.)
    fn pull(&mut self, _for_agent: bool) -> Option<Lead> {
        let mut deferred: Vec<u64> = Vec::new();
        let mut back_in_a_row = 0;
        for _ in 0..64 {
            let lead = self.leads.next_lead()?;
            if !self.busy(&lead) {
                return Some(lead);
            }
            if deferred.contains(&lead.id) {
                self.leads.put_back(lead);
                back_in_a_row += 1;
                if back_in_a_row == 2 {
                    return None;
                }
            } else {
                deferred.push(lead.id);
                back_in_a_row = 0;
                self.defer(lead);
            }
        }
        None
    }

    /// The next lead for system dialing (predictive, agentless, IVR): manual-only leads go to the
    /// preview pool, which paces the blend.
    fn next_system_lead(&mut self, now: Micros) -> Option<Lead> {
        while let Some(lead) = self.system_pool.pop_front() {
            if self.busy(&lead) {
                self.defer(lead);
                continue;
            }
            match self.gate.gate(&lead, now) {
                Gate::SystemDial => return Some(lead),
                Gate::ManualOnly if self.config.mode == ProgramMode::Predictive => self.preview_pool.push_back(lead),
                Gate::ManualOnly | Gate::Deny => self.deny(lead),
            }
        }
        let agents = self.config.mode == ProgramMode::Predictive;
        for _ in 0..64 {
            if agents && self.preview_pool.len() >= self.config.preview_pool_cap {
                return None;
            }
            let lead = self.pull(false)?;
            match self.gate.gate(&lead, now) {
                Gate::SystemDial => return Some(lead),
                Gate::ManualOnly if agents => self.preview_pool.push_back(lead),
                Gate::ManualOnly | Gate::Deny => self.deny(lead),
            }
        }
        None
    }

    fn originate(&mut self, now: Micros, lead: Lead, kind: DialKind, amd: bool) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        self.hold(&lead);
        match kind {
            DialKind::Preview => self.counters.preview_dials += 1,
            _ => self.counters.system_dials += 1,
        }
        if matches!(kind, DialKind::Agentless | DialKind::Ivr) {
            self.automated_active += 1;
        }
        if kind == DialKind::Paced {
            self.paced_dialing.insert((now, call));
        }
        self.calls.insert(
            call,
            Call {
                lead,
                kind,
                state: CallState::Dialing,
                reserved: None,
                decided: None,
                ivr_prompt: 0,
                ivr_keys: Keys::default(),
                ivr_wrong: 0,
                ivr_closing: false,
                record: AttemptRecord {
                    call,
                    lead: lead.id,
                    kind,
                    agent: None,
                    disposition: Disposition::TechnicalProblem,
                    dialed_at: now,
                    rang_at: None,
                    answered_at: None,
                    greeting_ended_at: None,
                    bridged_at: None,
                    ended_at: now,
                    ivr_answers: Vec::new(),
                },
            },
        );
        self.emit(Command::Originate {
            call,
            target: DialTarget { lead: lead.id },
            ring_timeout: self.config.ring_timeout,
            amd,
        });
        call
    }

    fn bridge(&mut self, now: Micros, call: CallId, agent: AgentId) {
        let c = self.calls.get_mut(&call).expect("bridging a known call");
        c.state = CallState::Bridged(agent);
        c.record.bridged_at = Some(now);
        c.record.agent = Some(agent);
        let a = &mut self.agents[agent.0 as usize];
        self.waits.push(as_secs(now - a.ready_since));
        a.state = AgentState::OnCall(call);
        a.call_started = now;
        self.emit(Command::Bridge { call, leg: AgentLeg(agent.0) });
        self.outputs.push(Output::Agent(agent, AgentNotice::Connected { call }));
    }

    /// A free agent: ready, nothing on their screen.
    fn free_agent(&self) -> Option<AgentId> {
        self.agents.iter().position(|a| a.state == AgentState::Ready).map(|i| AgentId(i as u32))
    }

    /// Release an agent reserved for a call that did not connect.
    fn unreserve(&mut self, now: Micros, call: &Call) {
        if let Some(agent) = call.reserved {
            if self.agents[agent.0 as usize].state == AgentState::Reserved(call.record.call) {
                // Their wait goes on: ready_since is kept from before the reservation.
                let since = self.agents[agent.0 as usize].ready_since;
                self.become_ready(now, agent);
                if let AgentState::Ready | AgentState::Reserved(_) | AgentState::Offered(_) =
                    self.agents[agent.0 as usize].state
                {
                    self.agents[agent.0 as usize].ready_since = since;
                }
            }
        }
    }

    /// Finish an attempt that no agent handles.
    fn finish(&mut self, now: Micros, call: CallId, disposition: Disposition) {
        let Some(mut c) = self.calls.remove(&call) else { return };
        self.paced_dialing.remove(&(c.record.dialed_at, call));
        self.paced_answered.remove(&call);
        if let CallState::Waiting { deadline } = c.state {
            self.waiting.remove(&(deadline, call));
        }
        self.release(&c.lead);
        if matches!(c.kind, DialKind::Agentless | DialKind::Ivr) {
            self.automated_active -= 1;
        }
        c.record.disposition = c.decided.unwrap_or(disposition);
        c.record.ended_at = now;
        self.unreserve(now, &c);
        self.outputs.push(Output::Attempt(c.record));
    }

    // ----- carrier events -----

    /// A carrier event. An event for a call the engine does not know is logged and ignored.
    pub fn on_event(&mut self, event: CarrierEvent) {
        let now = event.at;
        if let EventKind::Inbound { .. } = event.kind {
            self.counters.inbound += 1;
            tracing::info!(call = event.call.0, "inbound call: left to the inbound handler");
            self.inbound.push(event);
            return;
        }
        let Some(call) = self.calls.get_mut(&event.call) else {
            self.counters.unknown_events += 1;
            tracing::warn!(call = event.call.0, event = ?event.kind, "carrier event for an unknown call: ignored");
            return;
        };
        match event.kind {
            EventKind::Ringing => {
                call.record.rang_at.get_or_insert(now);
            }
            EventKind::Inbound { .. } => {}
            EventKind::Answered => {
                if call.state != CallState::Dialing {
                    return;
                }
                call.state = CallState::Answered;
                call.record.answered_at = Some(now);
                if call.kind == DialKind::Paced {
                    self.paced_dialing.remove(&(call.record.dialed_at, event.call));
                    self.paced_answered.insert(event.call);
                }
                let kind = call.kind;
                let reserved = call.reserved;
                if kind == DialKind::Preview {
                    // The agent dialed it and is on the line.
                    call.record.greeting_ended_at = Some(now);
                    if let Some(agent) = reserved {
                        self.bridge(now, event.call, agent);
                    }
                } else if !self.config.amd {
                    // No detector: every answer is live, and the clock starts at the answer.
                    self.decided(now, event.call, AmdResult::Human, now);
                }
            }
            EventKind::AmdDecision { result, greeting_ended_at, decided_at } => {
                if call.state != CallState::Answered {
                    return;
                }
                self.decided(decided_at.max(now), event.call, result, greeting_ended_at);
            }
            EventKind::Busy => self.resolved_without_answer(now, event.call, Disposition::Busy),
            EventKind::Failed { .. } => self.resolved_without_answer(now, event.call, Disposition::TechnicalProblem),
            EventKind::NoAnswer => {
                let rang = now - call.record.dialed_at;
                let disposition = if rang < MIN_RING {
                    // CR-46: a call must ring at least 15 s; a shorter "no answer" is not one.
                    self.counters.early_no_answer += 1;
                    tracing::warn!(
                        call = event.call.0,
                        rang_ms = rang / 1000,
                        "no-answer after less than 15 s of ringing: recorded as a technical problem (CR-46)"
                    );
                    Disposition::TechnicalProblem
                } else {
                    Disposition::NoAnswer
                };
                self.resolved_without_answer(now, event.call, disposition);
            }
            EventKind::HungUp { .. } => self.hung_up(now, event.call),
            EventKind::Digits { digit } => self.digit(now, event.call, digit),
        }
    }

    fn resolved_without_answer(&mut self, now: Micros, call: CallId, disposition: Disposition) {
        let c = &self.calls[&call];
        if c.kind == DialKind::Paced && c.state == CallState::Dialing {
            let after = as_secs(now - c.record.dialed_at);
            self.pacer.observe(now, Observation::Resolved { after, live: false, lag: 0.0 });
        }
        self.finish(now, call, disposition);
    }

    /// The detector decided (or, without one, the call was answered).
    fn decided(&mut self, now: Micros, call: CallId, result: AmdResult, greeting_ended_at: Micros) {
        // CR-46: "not sure" is treated as a live human.
        let live = result != AmdResult::Machine;
        self.paced_answered.remove(&call);
        let c = self.calls.get_mut(&call).expect("known call");
        c.record.greeting_ended_at = Some(greeting_ended_at);
        let kind = c.kind;
        if kind == DialKind::Paced {
            let after = as_secs(now - c.record.dialed_at);
            let lag = as_secs(now - greeting_ended_at);
            self.pacer.observe(now, Observation::Resolved { after, live, lag });
        }
        if !live {
            match kind {
                DialKind::Agentless if self.config.voicemail_drop => {
                    c.state = CallState::Automated;
                    c.decided = Some(Disposition::AnsweringMachine);
                    self.emit(Command::PlayAudio { call, audio: Audio::VoicemailDrop, then: AfterAudio::HangUp });
                }
                _ => {
                    c.state = CallState::Ending;
                    c.decided = Some(Disposition::AnsweringMachine);
                    self.emit(Command::HangUp { call });
                }
            }
            return;
        }
        match kind {
            DialKind::Paced | DialKind::Power => {
                self.ledger.live(now);
                let deadline = greeting_ended_at + ABANDON_AFTER;
                let reserved = if kind == DialKind::Power { c.reserved } else { None };
                let agent = reserved.or_else(|| self.free_agent());
                if now > deadline {
                    // The detector itself took longer than the 2 s.
                    self.abandon(now, call);
                } else if let Some(agent) = agent {
                    self.bridge(now, call, agent);
                } else {
                    self.calls.get_mut(&call).expect("known").state = CallState::Waiting { deadline };
                    self.waiting.insert((deadline, call));
                }
            }
            DialKind::Agentless => {
                c.state = CallState::Automated;
                c.decided = Some(Disposition::Complete);
                self.emit(Command::PlayAudio { call, audio: Audio::Message, then: AfterAudio::HangUp });
                self.emit(Command::CollectDigits { call, max: 1, timeout: 30 * SECOND, keys: Keys::ANY });
            }
            DialKind::Ivr => {
                c.state = CallState::Automated;
                // Hung up before answering anything: a break-off (AAPOR 2.12); a partial from the first
                // answer (1.2).
                c.decided = Some(Disposition::BreakOff);
                self.ivr_next(call);
            }
            DialKind::Preview => {}
        }
    }

    /// CR-46: no agent within 2 s of the greeting's end — play the safe-harbor message and end the call.
    fn abandon(&mut self, now: Micros, call: CallId) {
        self.ledger.abandoned(now);
        let c = self.calls.get_mut(&call).expect("known call");
        if let CallState::Waiting { deadline } = c.state {
            self.waiting.remove(&(deadline, call));
        }
        c.state = CallState::Ending;
        c.decided = Some(Disposition::Abandoned);
        tracing::debug!(call = call.0, "abandoned (CR-46): safe-harbor message");
        self.emit(Command::PlayAudio { call, audio: Audio::SafeHarbor, then: AfterAudio::HangUp });
        let c = self.calls[&call].clone();
        // A power call's reserved agent goes back to work.
        self.unreserve(now, &c);
    }

    fn hung_up(&mut self, now: Micros, call: CallId) {
        let c = self.calls.get(&call).expect("known call");
        match c.state {
            CallState::Bridged(agent) => {
                // The engine frees the household at hang-up (its pacing counts on it); the store still
                // holds the attempt live until the disposition is written, and refuses a dial to the
                // household meanwhile (clearline-calling closes such a dial as never placed).
                let mut c = self.calls.remove(&call).expect("known");
                self.release(&c.lead);
                c.record.ended_at = now;
                c.record.disposition = c.decided.unwrap_or(Disposition::Complete);
                let talk = now - c.record.bridged_at.unwrap_or(now);
                let a = &mut self.agents[agent.0 as usize];
                a.talk_total += talk;
                a.state = AgentState::WrapUp;
                a.wrap_started = now;
                a.pending = Some(c.record);
                self.pacer.observe(now, Observation::Talk { secs: as_secs(talk) });
                self.outputs.push(Output::Agent(agent, AgentNotice::WrapUp { call }));
            }
            CallState::Waiting { .. } => {
                // The person hung up before an agent came: no agent within 2 s, so counted abandoned
                // (CR-46, the cautious reading).
                self.ledger.abandoned(now);
                self.finish(now, call, Disposition::Abandoned);
            }
            CallState::Dialing | CallState::Answered => {
                let kind = c.kind;
                let state = c.state;
                if kind == DialKind::Paced && state == CallState::Dialing {
                    let after = as_secs(now - c.record.dialed_at);
                    self.pacer.observe(now, Observation::Resolved { after, live: false, lag: 0.0 });
                }
                let d =
                    if state == CallState::Answered { Disposition::BreakOff } else { Disposition::TechnicalProblem };
                self.finish(now, call, d);
            }
            CallState::Automated | CallState::Ending => self.finish(now, call, Disposition::TechnicalProblem),
        }
    }

    fn digit(&mut self, now: Micros, call: CallId, digit: char) {
        let opt_out = self.config.opt_out_digit;
        let ivr = self.config.mode == ProgramMode::Ivr;
        let c = self.calls.get_mut(&call).expect("known call");
        if c.state != CallState::Automated {
            return;
        }
        if digit == opt_out {
            // CR-47: a key-press opt-out takes effect at once, at every prompt.
            c.decided = Some(Disposition::DoNotCall);
            c.state = CallState::Ending;
            self.emit(Command::PlayAudio { call, audio: Audio::OptOutConfirmed, then: AfterAudio::HangUp });
            return;
        }
        if !ivr || c.ivr_closing {
            return; // a message (or an IVR's closing) plays out whatever else is pressed
        }
        if !c.ivr_keys.contains(digit) {
            c.ivr_wrong += 1;
            if c.ivr_wrong >= IVR_WRONG_KEYS {
                c.state = CallState::Ending;
                self.emit(Command::HangUp { call });
            } else {
                let (prompt, keys) = (c.ivr_prompt, c.ivr_keys);
                self.ask(call, prompt, keys);
            }
            return;
        }
        c.record.ivr_answers.push((digit, now));
        c.ivr_wrong = 0;
        c.decided = Some(Disposition::Partial);
        self.ivr_next(call);
    }

    /// Asks the program's flow where an IVR call goes with the keys pressed so far.
    fn ivr_next(&mut self, call: CallId) {
        let c = self.calls.get_mut(&call).expect("known call");
        let pressed: Vec<char> = c.record.ivr_answers.iter().map(|(k, _)| *k).collect();
        match self.ivr.next(&pressed) {
            IvrNext::Ask { prompt, keys } => self.ask(call, prompt, keys),
            IvrNext::End(disposition) => {
                c.decided = Some(disposition);
                c.state = CallState::Ending;
                self.emit(Command::HangUp { call });
            }
            IvrNext::Close { prompt, disposition } => {
                // The answers are in: only the opt-out key still counts while the closing plays (CR-47).
                c.decided = Some(disposition);
                c.ivr_closing = true;
                c.ivr_prompt = prompt;
                self.emit(Command::PlayAudio { call, audio: Audio::IvrPrompt(prompt), then: AfterAudio::HangUp });
            }
        }
    }

    fn ask(&mut self, call: CallId, prompt: u16, keys: Keys) {
        let c = self.calls.get_mut(&call).expect("known call");
        c.ivr_prompt = prompt;
        c.ivr_keys = keys;
        self.emit(Command::PlayAudio { call, audio: Audio::IvrPrompt(prompt), then: AfterAudio::Stay });
        self.emit(Command::CollectDigits { call, max: 1, timeout: 10 * SECOND, keys });
    }

    // ----- time -----

    /// When the engine next needs [`Engine::tick`].
    pub fn next_timer(&self) -> Micros {
        let deadline = self.waiting.iter().next().map(|(d, _)| d + 1).unwrap_or(Micros::MAX);
        deadline.min(self.next_pace)
    }

    /// Time passes: abandon calls past their deadline, then pace.
    pub fn tick(&mut self, now: Micros) {
        while let Some(&(deadline, call)) = self.waiting.iter().next() {
            if deadline >= now {
                break;
            }
            self.abandon(now, call);
        }
        if now >= self.next_pace {
            self.next_pace = now + self.config.pace_interval;
            self.pace(now);
        }
    }

    fn pace(&mut self, now: Micros) {
        match self.config.mode {
            ProgramMode::Predictive => {
                // Blend (CR-49): agents idle past blend_idle take preview calls from the pool — only
                // agents beyond those the lines already on their way are expected to need.
                if self.waiting.is_empty()
                    && !(self.preview_pool.is_empty() && self.system_pool.len() > 4 * self.agents.len())
                {
                    let snapshot = self.snapshot(now);
                    let mut surplus = snapshot.free.saturating_sub(self.pacer.reserved_agents(&snapshot));
                    for i in 0..self.agents.len() {
                        if surplus == 0 {
                            break;
                        }
                        let a = &self.agents[i];
                        if a.state == AgentState::Ready && now - a.ready_since >= self.config.blend_idle {
                            if !self.offer_preview(now, AgentId(i as u32), false) {
                                break;
                            }
                            surplus -= 1;
                        }
                    }
                }
                let snapshot = self.snapshot(now);
                let lines = self.pacer.lines(&snapshot);
                for _ in 0..lines {
                    let Some(lead) = self.next_system_lead(now) else { break };
                    self.originate(now, lead, DialKind::Paced, self.config.amd);
                }
            }
            ProgramMode::Agentless | ProgramMode::Ivr => {
                let kind = if self.config.mode == ProgramMode::Agentless { DialKind::Agentless } else { DialKind::Ivr };
                while self.automated_active < self.config.automated_lines {
                    let Some(lead) = self.next_system_lead(now) else { break };
                    self.originate(now, lead, kind, self.config.amd);
                }
            }
            ProgramMode::Power | ProgramMode::Preview => {
                // Agents left without work (the list was empty when they became ready) try again.
                for i in 0..self.agents.len() {
                    if self.agents[i].state == AgentState::Ready {
                        match self.config.mode {
                            ProgramMode::Power => self.power_dial(now, AgentId(i as u32)),
                            _ => {
                                self.offer_preview(now, AgentId(i as u32), true);
                            }
                        }
                    }
                }
            }
        }
    }

    fn snapshot(&self, now: Micros) -> Snapshot {
        let mut s = Snapshot {
            now,
            today: self.ledger.today(now),
            rolling_30d: self.ledger.rolling_30_days(now),
            waiting: self.waiting.len(),
            answered_pending: self.paced_answered.len(),
            ..Snapshot::default()
        };
        for a in &self.agents {
            match a.state {
                AgentState::LoggedOut => continue,
                AgentState::Ready => s.free += 1,
                AgentState::WrapUp => s.wrapping.push(as_secs(now - a.wrap_started)),
                AgentState::OnCall(_) => s.talking.push(as_secs(now - a.call_started)),
                AgentState::Offered(_) | AgentState::Reserved(_) => {}
            }
            s.logged_in += 1;
        }
        s.dialing.extend(self.paced_dialing.iter().map(|(at, _)| as_secs(now - at)));
        s
    }

    /// Today's and the rolling 30 days' measured abandonment (CR-46).
    pub fn abandonment(&self, now: Micros) -> (Tally, Tally) {
        (self.ledger.today(now), self.ledger.rolling_30_days(now))
    }
}
