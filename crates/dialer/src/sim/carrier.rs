//! [`SimCarrier`]: carries out the engine's commands against the outcome model, on a binary heap of
//! timestamped events, and keeps the truth about every system-dialed answer.

use super::model::{LeadDraw, OutcomeModel, TrueOutcome, MACHINE_BRIDGED, MACHINE_WRAP};
use crate::carrier::{
    AfterAudio, AmdResult, Audio, CallId, Carrier, CarrierEvent, Command, EventKind, FailCause, HungUpBy,
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
    dialed_at: Micros,
    epoch: u32,
    system: bool,
    greeting_end: Option<Micros>,
    bridged_at: Option<Micros>,
    ivr_step: u32,
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
    pub truth: Truth,
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
            truth: Truth::default(),
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
                if self.calls.get(&event.call).is_none_or(|c| c.epoch != epoch) {
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

    fn bump(&mut self, call: CallId) -> Option<&mut SimCall> {
        let c = self.calls.get_mut(&call)?;
        c.epoch += 1;
        Some(c)
    }
}

fn audio_length(audio: Audio) -> Micros {
    match audio {
        Audio::SafeHarbor => 8 * SECOND,
        Audio::VoicemailDrop => 20 * SECOND,
        Audio::Message => 25 * SECOND,
        Audio::IvrPrompt(_) => 5 * SECOND,
        Audio::OptOutConfirmed => 3 * SECOND,
    }
}

impl Carrier for SimCarrier {
    fn execute(&mut self, now: Micros, command: Command) {
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
                        dialed_at: now,
                        epoch: 0,
                        system: amd,
                        greeting_end: None,
                        bridged_at: None,
                        ivr_step: 0,
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
                    self.call_event(call, now + audio_length(audio), EventKind::HungUp { by: HungUpBy::System });
                }
            }
            Command::CollectDigits { call, .. } => {
                let Some(c) = self.calls.get_mut(&call) else { return };
                if !matches!(c.outcome, TrueOutcome::Human { .. }) {
                    return;
                }
                c.ivr_step += 1;
                // A live person presses the opt-out key with 5 % chance on the first prompt; otherwise
                // answers each IVR question with 1–5 (and lets a message play out).
                let u = (c.draw.digit * 7919.0 * c.ivr_step as f64).fract();
                let digit = if c.ivr_step == 1 && c.draw.digit < 0.05 {
                    Some('9')
                } else if c.ivr_step > 1 || c.draw.digit >= 0.05 {
                    Some(char::from(b'1' + (u * 5.0) as u8))
                } else {
                    None
                };
                let _ = c.dialed_at;
                if let Some(digit) = digit {
                    self.call_event(call, now + 4 * SECOND, EventKind::Digits { digit });
                }
            }
            Command::AgentLegUp { .. }
            | Command::AgentLegDown { .. }
            | Command::StartRecording { .. }
            | Command::PauseRecording { .. }
            | Command::ResumeRecording { .. }
            | Command::Monitor { .. } => {}
        }
    }
}
