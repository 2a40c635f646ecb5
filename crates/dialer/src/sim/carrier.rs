//! [`SimCarrier`]: carries out the engine's commands against the outcome model, on a binary heap of
//! timestamped events, and keeps the truth about every system-dialed answer.
//!
//! Inbound callbacks: when a call reached nobody (it rang out, or a machine took it), the number calls
//! the program back with probability `callback_share`, U(2, 90) minutes after the call ended (drawn
//! from the seed, the lead and the call's end, so each dial draws afresh). Callers: 40 % press the
//! opt-out key, 20 % another key, 25 % wait for the message, 15 % hang up during the greeting. Each
//! arrives as [`EventKind::Inbound`] from the lead dialed, for the floor's [`crate::inbound::InboundDesk`].

use super::model::{LeadDraw, OutcomeModel, TrueOutcome, MACHINE_BRIDGED, MACHINE_WRAP};
use crate::carrier::{
    AfterAudio, AmdResult, Audio, CallId, Carrier, CarrierEvent, Command, EventKind, FailCause, HungUpBy, InboundFrom,
    Keys,
};
use crate::engine::{AgentId, ABANDON_AFTER};
use crate::{IdBuild, Micros, SECOND};
use clearline_core::disposition::Disposition;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// Something that happens at a time in the simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SimEvent {
    /// A carrier event, valid while the call's epoch is unchanged.
    Carrier { event: CarrierEvent, epoch: u32 },
    /// A bot agent finishes wrap-up.
    WrapDone { agent: AgentId, disposition: Disposition },
    /// A bot agent clicks to dial their preview lead.
    PreviewDial { agent: AgentId },
}

#[derive(Clone, Copy, Debug)]
struct Scheduled {
    at: Micros,
    seq: u64,
    event: SimEvent,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // A min-heap on (time, order of scheduling).
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone, Copy, Debug)]
struct SimCall {
    draw: LeadDraw,
    outcome: TrueOutcome,
    epoch: u32,
    system: bool,
    greeting_end: Option<Micros>,
    bridged_at: Option<Micros>,
    ivr_step: u32,
    lead: u64,
}

/// Inbound call ids start here, far from the engine's outbound ids.
pub const INBOUND_CALL_IDS: u64 = 1 << 62;

/// What an inbound caller does after the greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    PressesOptOut,
    PressesOther,
    Waits,
    HangsUpEarly,
}

#[derive(Clone, Copy, Debug)]
struct InboundSim {
    epoch: u32,
    caller: Caller,
    /// The call has rung through to the program (its `Inbound` event has been taken).
    arrived: bool,
}

/// What really happened to system-dialed answers (CR-46 measured from the truth, not the engine).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Truth {
    /// Real humans who answered a system-dialed call.
    pub live_humans: u64,
    /// Of them, not connected to an agent within 2 s of the greeting's end (including those the detector
    /// called machines).
    pub abandoned_humans: u64,
    /// Real humans connected to an agent (contacts), any dial kind.
    pub contacts: u64,
    pub dials: u64,
}

/// The simulated carrier.
pub struct SimCarrier {
    pub model: OutcomeModel,
    seed: u64,
    heap: BinaryHeap<Scheduled>,
    seq: u64,
    calls: HashMap<CallId, SimCall, IdBuild>,
    ended: HashMap<CallId, (Micros, bool), IdBuild>,
    inbound: HashMap<CallId, InboundSim, IdBuild>,
    next_inbound: u64,
    pub truth: Truth,
    /// Inbound callbacks scheduled so far.
    pub callbacks: u64,
    /// How long each recording plays where the program's own is known (its WAV's length); the
    /// others play for the model's stand-in lengths.
    lengths: HashMap<Audio, Micros>,
}

impl SimCarrier {
    pub fn new(model: OutcomeModel, seed: u64) -> SimCarrier {
        SimCarrier {
            model,
            seed,
            heap: BinaryHeap::new(),
            seq: 0,
            calls: HashMap::default(),
            ended: HashMap::default(),
            inbound: HashMap::default(),
            next_inbound: INBOUND_CALL_IDS,
            truth: Truth::default(),
            lengths: HashMap::new(),
            callbacks: 0,
        }
    }

    /// Put an event on the heap.
    pub fn schedule(&mut self, at: Micros, event: SimEvent) {
        self.seq += 1;
        self.heap.push(Scheduled { at, seq: self.seq, event });
    }

    fn call_event(&mut self, call: CallId, at: Micros, kind: EventKind) {
        let epoch = self.calls[&call].epoch;
        self.schedule(at, SimEvent::Carrier { event: CarrierEvent { at, call, kind }, epoch });
    }

    /// The time of the next live event (stale carrier events are dropped first).
    pub fn peek(&mut self) -> Option<Micros> {
        while let Some(top) = self.heap.peek() {
            if let SimEvent::Carrier { event, epoch } = top.event {
                let current = match self.calls.get(&event.call) {
                    Some(c) => Some(c.epoch),
                    None => self.inbound.get(&event.call).map(|c| c.epoch),
                };
                if current != Some(epoch) {
                    self.heap.pop();
                    continue;
                }
            }
            return Some(top.at);
        }
        None
    }

    /// The next event (call [`SimCarrier::peek`] first).
    pub fn pop(&mut self) -> Option<(Micros, SimEvent)> {
        self.peek()?;
        let s = self.heap.pop()?;
        if let SimEvent::Carrier { event, .. } = s.event {
            if let EventKind::HungUp { .. } | EventKind::Busy | EventKind::NoAnswer | EventKind::Failed { .. } =
                event.kind
            {
                if let Some(c) = self.calls.remove(&event.call) {
                    self.settle(&c, s.at);
                    let human = matches!(c.outcome, TrueOutcome::Human { .. });
                    if c.bridged_at.is_some() {
                        let wrap = if human { c.draw.wrap } else { MACHINE_WRAP };
                        self.ended.insert(event.call, (wrap, human));
                    }
                    let reached_nobody = matches!(event.kind, EventKind::NoAnswer)
                        || (matches!(c.outcome, TrueOutcome::Machine { .. }) && c.bridged_at.is_none());
                    if reached_nobody {
                        self.maybe_call_back(c.lead, s.at);
                    }
                }
                self.inbound.remove(&event.call);
            }
            if let EventKind::Inbound { .. } = event.kind {
                if let Some(c) = self.inbound.get_mut(&event.call) {
                    c.arrived = true;
                }
            }
        }
        Some((s.at, s.event))
    }

    /// The wrap time and truth of a call that ended bridged to an agent.
    pub fn take_wrap(&mut self, call: CallId) -> Option<(Micros, bool)> {
        self.ended.remove(&call)
    }

    fn settle(&mut self, c: &SimCall, _end: Micros) {
        if let (true, Some(greeting_end)) = (c.system, c.greeting_end) {
            self.truth.live_humans += 1;
            if c.bridged_at.is_none_or(|b| b > greeting_end + ABANDON_AFTER) {
                self.truth.abandoned_humans += 1;
            }
        }
    }

    /// Settle the calls still in progress at the end of the shift: a human whose 2 s have run out unbridged
    /// is abandoned; one still inside them is not counted.
    pub fn finish(&mut self, end: Micros) {
        let calls: Vec<SimCall> = self.calls.values().copied().collect();
        for c in calls {
            if let (true, Some(g)) = (c.system, c.greeting_end) {
                if c.bridged_at.is_some() || end > g + ABANDON_AFTER {
                    self.settle(&c, end);
                }
            }
        }
        self.calls.clear();
    }

    /// The number of a call that reached nobody may call back (see the module doc).
    fn maybe_call_back(&mut self, lead: u64, ended_at: Micros) {
        if self.model.callback_share <= 0.0 {
            return;
        }
        let h = splitmix(self.seed ^ splitmix(lead) ^ splitmix(ended_at as u64 ^ 0x0ca1_1bac));
        let unit = |x: u64| (x >> 11) as f64 / (1u64 << 53) as f64;
        if unit(h) >= self.model.callback_share {
            return;
        }
        let delay = crate::secs(120.0 + 5_280.0 * unit(splitmix(h ^ 1)));
        let c = unit(splitmix(h ^ 2));
        let caller = if c < 0.40 {
            Caller::PressesOptOut
        } else if c < 0.60 {
            Caller::PressesOther
        } else if c < 0.85 {
            Caller::Waits
        } else {
            Caller::HangsUpEarly
        };
        let call = CallId(self.next_inbound);
        self.next_inbound += 1;
        self.callbacks += 1;
        self.inbound.insert(call, InboundSim { epoch: 0, caller, arrived: false });
        let at = ended_at + delay;
        let kind = EventKind::Inbound { to_caller_id: 0, from: InboundFrom::Lead(lead) };
        self.schedule(at, SimEvent::Carrier { event: CarrierEvent { at, call, kind }, epoch: 0 });
    }

    /// Callbacks that have not rung yet never will (the program stopped taking calls: the end of a
    /// run). Calls already in progress go on.
    pub fn cancel_unarrived_callbacks(&mut self) {
        self.inbound.retain(|_, c| c.arrived);
    }

    fn inbound_event(&mut self, call: CallId, at: Micros, kind: EventKind) {
        let Some(c) = self.inbound.get_mut(&call) else { return };
        c.epoch += 1;
        let epoch = c.epoch;
        self.schedule(at, SimEvent::Carrier { event: CarrierEvent { at, call, kind }, epoch });
    }

    /// A command for an inbound call.
    fn execute_inbound(&mut self, now: Micros, command: Command) {
        match command {
            Command::PlayAudio { call, audio, then: AfterAudio::Stay } if audio == Audio::InboundGreeting => {
                let caller = self.inbound[&call].caller;
                let greeting = self.audio_length(audio);
                match caller {
                    Caller::PressesOptOut => self.inbound_event(call, now + greeting, EventKind::Digits { digit: '9' }),
                    Caller::PressesOther => self.inbound_event(call, now + greeting, EventKind::Digits { digit: '1' }),
                    Caller::Waits => {}
                    Caller::HangsUpEarly => {
                        self.inbound_event(call, now + greeting / 2, EventKind::HungUp { by: HungUpBy::Remote })
                    }
                }
            }
            Command::PlayAudio { call, audio, then: AfterAudio::HangUp } => {
                self.inbound_event(call, now + self.audio_length(audio), EventKind::HungUp { by: HungUpBy::System });
            }
            Command::Cancel { call } | Command::HangUp { call } => {
                self.inbound_event(call, now, EventKind::HungUp { by: HungUpBy::System });
            }
            _ => {}
        }
    }

    /// A recording plays this long from now on (the program's attached version's own length).
    pub fn set_audio_length(&mut self, audio: Audio, length: Micros) {
        self.lengths.insert(audio, length);
    }

    fn audio_length(&self, audio: Audio) -> Micros {
        self.lengths.get(&audio).copied().unwrap_or_else(|| default_audio_length(audio))
    }

    fn bump(&mut self, call: CallId) -> Option<&mut SimCall> {
        let c = self.calls.get_mut(&call)?;
        c.epoch += 1;
        Some(c)
    }
}

/// The stand-in length of a recording whose own is not known.
fn default_audio_length(audio: Audio) -> Micros {
    match audio {
        Audio::SafeHarbor => 8 * SECOND,
        Audio::VoicemailDrop => 20 * SECOND,
        Audio::Message => 25 * SECOND,
        Audio::IvrPrompt(_) => 5 * SECOND,
        Audio::OptOutConfirmed => 3 * SECOND,
        Audio::InboundGreeting => 10 * SECOND,
        Audio::InboundMessage => 15 * SECOND,
    }
}

/// The call a command is about, if any.
fn call_of(command: &Command) -> Option<CallId> {
    match *command {
        Command::Originate { call, .. }
        | Command::Answer { call }
        | Command::Cancel { call }
        | Command::HangUp { call }
        | Command::Bridge { call, .. }
        | Command::PlayAudio { call, .. }
        | Command::CollectDigits { call, .. }
        | Command::StartRecording { call }
        | Command::PauseRecording { call }
        | Command::ResumeRecording { call }
        | Command::Monitor { call, .. } => Some(call),
        Command::AgentLegUp { .. } | Command::AgentLegDown { .. } => None,
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Carrier for SimCarrier {
    fn execute(&mut self, now: Micros, command: Command) {
        if call_of(&command).is_some_and(|c| self.inbound.contains_key(&c)) {
            self.execute_inbound(now, command);
            return;
        }
        match command {
            Command::Originate { call, target, ring_timeout, amd } => {
                let draw = self.model.draw(self.seed, target.lead);
                let outcome = self.model.outcome(&draw, now, ring_timeout);
                self.truth.dials += 1;
                self.calls.insert(
                    call,
                    SimCall {
                        draw,
                        outcome,
                        epoch: 0,
                        system: amd,
                        greeting_end: None,
                        bridged_at: None,
                        ivr_step: 0,
                        lead: target.lead,
                    },
                );
                // The far end rings after about a second (before it answers, when it answers sooner).
                let rings_after = match outcome {
                    TrueOutcome::Human { answer, .. } | TrueOutcome::Machine { answer, .. } => Some(answer.min(SECOND)),
                    TrueOutcome::NoAnswer => Some(SECOND),
                    TrueOutcome::Fail { .. } => None,
                };
                if let Some(after) = rings_after {
                    self.call_event(call, now + after, EventKind::Ringing);
                }
                match outcome {
                    TrueOutcome::Human { answer, greeting, lag, amd: result } => {
                        let answered = now + answer;
                        let greeting_end = answered + greeting;
                        self.calls.get_mut(&call).expect("inserted").greeting_end = Some(greeting_end);
                        self.call_event(call, answered, EventKind::Answered);
                        if amd {
                            let decided_at = greeting_end + lag;
                            let kind = EventKind::AmdDecision { result, greeting_ended_at: greeting_end, decided_at };
                            self.call_event(call, decided_at, kind);
                        }
                        // Nobody comes: the person hangs up.
                        self.call_event(call, greeting_end + 30 * SECOND, EventKind::HungUp { by: HungUpBy::Remote });
                    }
                    TrueOutcome::Machine { answer, decision, amd: result } => {
                        let answered = now + answer;
                        self.call_event(call, answered, EventKind::Answered);
                        if amd {
                            let decided_at = answered + decision;
                            let greeting_ended_at =
                                if result == AmdResult::Machine { decided_at } else { decided_at - 8 * SECOND / 10 };
                            let kind = EventKind::AmdDecision { result, greeting_ended_at, decided_at };
                            self.call_event(call, decided_at, kind);
                        }
                        self.call_event(call, answered + 40 * SECOND, EventKind::HungUp { by: HungUpBy::Remote });
                    }
                    TrueOutcome::Fail { after, busy } => {
                        let kind = if busy {
                            EventKind::Busy
                        } else {
                            EventKind::Failed { cause: FailCause::NotInService, sip_code: Some(404) }
                        };
                        self.call_event(call, now + after, kind);
                    }
                    TrueOutcome::NoAnswer => self.call_event(call, now + ring_timeout, EventKind::NoAnswer),
                }
            }
            Command::Cancel { call } | Command::HangUp { call } => {
                if self.bump(call).is_some() {
                    self.call_event(call, now, EventKind::HungUp { by: HungUpBy::System });
                }
            }
            Command::Bridge { call, .. } => {
                let Some(c) = self.bump(call) else { return };
                c.bridged_at = Some(now);
                let (at, by) = match c.outcome {
                    TrueOutcome::Human { .. } => (now + c.draw.talk, HungUpBy::Remote),
                    _ => (now + MACHINE_BRIDGED, HungUpBy::Agent),
                };
                if matches!(c.outcome, TrueOutcome::Human { .. }) {
                    self.truth.contacts += 1;
                }
                self.call_event(call, at, EventKind::HungUp { by });
            }
            Command::PlayAudio { call, audio, then } => {
                if self.bump(call).is_none() {
                    return;
                }
                if then == AfterAudio::HangUp {
                    self.call_event(call, now + self.audio_length(audio), EventKind::HungUp { by: HungUpBy::System });
                }
            }
            Command::CollectDigits { call, keys, .. } => {
                let Some(c) = self.calls.get_mut(&call) else { return };
                if !matches!(c.outcome, TrueOutcome::Human { .. }) {
                    return;
                }
                c.ivr_step += 1;
                // A live person presses the opt-out key with 5 % chance on the first prompt; otherwise
                // answers each IVR question with one of the keys it takes, evenly (1–5 when any key
                // is taken), and lets a message play out.
                let u = (c.draw.digit * 7919.0 * c.ivr_step as f64).fract();
                let answers: Vec<char> = if keys == Keys::ANY {
                    "12345".chars().collect()
                } else {
                    keys.iter().filter(|k| *k != '9').collect()
                };
                let digit = if c.ivr_step == 1 && c.draw.digit < 0.05 {
                    Some('9')
                } else if (c.ivr_step > 1 || c.draw.digit >= 0.05) && !answers.is_empty() {
                    Some(answers[((u * answers.len() as f64) as usize).min(answers.len() - 1)])
                } else {
                    None
                };
                if let Some(digit) = digit {
                    self.call_event(call, now + 4 * SECOND, EventKind::Digits { digit });
                }
            }
            Command::Answer { .. }
            | Command::AgentLegUp { .. }
            | Command::AgentLegDown { .. }
            | Command::StartRecording { .. }
            | Command::PauseRecording { .. }
            | Command::ResumeRecording { .. }
            | Command::Monitor { .. } => {}
        }
    }
}
