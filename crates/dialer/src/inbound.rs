//! Inbound calls to a program's caller ID or callback number (CR-5, CR-6, CR-14): people call back the
//! number they saw. Sans I/O like the engine: carrier events in, commands and records out, time passed
//! in.
//!
//! Every inbound call is answered with the program's greeting (the calling entity and why it called,
//! CR-5) and an automated opt-out: "press 9 and we will not call this number again" (CR-6). The key
//! press takes effect at once ([`InboundOutput::OptOut`] is emitted at the key, before the
//! confirmation plays: CR-47, no 10-day grace). Any other key, or none within [`LISTEN_FOR`], plays the
//! program's message (who called, the callback hours) and hangs up. A caller whose number is withheld
//! cannot be listed: they hear that, and the record says so — the request is never dropped silently.
//!
//! Connecting an inbound caller to a free agent is not built: every caller gets the message.

use crate::carrier::{AfterAudio, Audio, CallId, CarrierEvent, Command, EventKind, InboundFrom, Keys};
use crate::{Micros, SECOND};
use serde::Serialize;
use std::collections::HashMap;

/// How long the desk listens for a key after answering (the greeting itself takes about 10 s).
pub const LISTEN_FOR: Micros = 20 * SECOND;

/// The key that opts out (the same as on outbound recorded calls).
pub const OPT_OUT_DIGIT: char = '9';

/// How an inbound call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundOutcome {
    /// The caller pressed the opt-out key; their number is on the do-not-call list.
    OptedOut,
    /// The caller pressed the opt-out key but their number was withheld: nothing could be listed.
    OptOutWithheld,
    /// The caller heard the program's message.
    Message,
    /// The caller hung up before choosing.
    HungUp,
}

impl InboundOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            InboundOutcome::OptedOut => "opted_out",
            InboundOutcome::OptOutWithheld => "opt_out_withheld",
            InboundOutcome::Message => "message",
            InboundOutcome::HungUp => "hung_up",
        }
    }
}

/// One inbound call, closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InboundRecord {
    pub call: CallId,
    /// Which of the program's numbers was called.
    pub to_caller_id: u32,
    pub from: InboundFrom,
    pub received_at: Micros,
    /// When the opt-out key was pressed, if it was.
    pub opted_out_at: Option<Micros>,
    pub ended_at: Micros,
    pub outcome: InboundOutcome,
}

/// What the desk asks of the carrier and tells its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InboundOutput {
    Carrier(Command),
    /// The caller pressed the opt-out key: list `from` now (before the confirmation ends).
    OptOut {
        call: CallId,
        from: InboundFrom,
        at: Micros,
    },
    /// The call is over.
    Done(InboundRecord),
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    /// Greeting played, listening for a key until the deadline.
    Listening { deadline: Micros },
    /// A closing recording is playing; the carrier hangs up after it.
    Closing(InboundOutcome),
}

#[derive(Clone, Copy, Debug)]
struct Open {
    record: InboundRecord,
    stage: Stage,
}

/// The inbound handler of one floor.
#[derive(Debug, Default)]
pub struct InboundDesk {
    calls: HashMap<CallId, Open>,
    outputs: Vec<InboundOutput>,
    /// Calls answered so far.
    pub received: u64,
}

impl InboundDesk {
    pub fn new() -> InboundDesk {
        InboundDesk::default()
    }

    /// Whether `event` is for this desk: a new inbound call, or one it is handling.
    pub fn takes(&self, event: &CarrierEvent) -> bool {
        matches!(event.kind, EventKind::Inbound { .. }) || self.calls.contains_key(&event.call)
    }

    /// A carrier event for an inbound call.
    pub fn on_event(&mut self, event: CarrierEvent) {
        let now = event.at;
        match event.kind {
            EventKind::Inbound { to_caller_id, from } => {
                self.received += 1;
                let record = InboundRecord {
                    call: event.call,
                    to_caller_id,
                    from,
                    received_at: now,
                    opted_out_at: None,
                    ended_at: now,
                    outcome: InboundOutcome::HungUp,
                };
                self.calls.insert(event.call, Open { record, stage: Stage::Listening { deadline: now + LISTEN_FOR } });
                let call = event.call;
                self.emit(Command::Answer { call });
                self.emit(Command::PlayAudio { call, audio: Audio::InboundGreeting, then: AfterAudio::Stay });
                self.emit(Command::CollectDigits { call, max: 1, timeout: LISTEN_FOR, keys: Keys::ANY });
            }
            EventKind::Digits { digit } => {
                let Some(open) = self.calls.get_mut(&event.call) else { return };
                let Stage::Listening { .. } = open.stage else { return };
                let call = event.call;
                if digit == OPT_OUT_DIGIT {
                    let from = open.record.from;
                    if from == InboundFrom::Withheld {
                        open.stage = Stage::Closing(InboundOutcome::OptOutWithheld);
                        self.emit(Command::PlayAudio { call, audio: Audio::InboundMessage, then: AfterAudio::HangUp });
                    } else {
                        open.record.opted_out_at = Some(now);
                        open.stage = Stage::Closing(InboundOutcome::OptedOut);
                        self.outputs.push(InboundOutput::OptOut { call, from, at: now });
                        self.emit(Command::PlayAudio { call, audio: Audio::OptOutConfirmed, then: AfterAudio::HangUp });
                    }
                } else {
                    open.stage = Stage::Closing(InboundOutcome::Message);
                    self.emit(Command::PlayAudio { call, audio: Audio::InboundMessage, then: AfterAudio::HangUp });
                }
            }
            EventKind::HungUp { .. } | EventKind::Failed { .. } => {
                let Some(open) = self.calls.remove(&event.call) else { return };
                let mut record = open.record;
                record.ended_at = now;
                record.outcome = match open.stage {
                    Stage::Closing(outcome) => outcome,
                    Stage::Listening { .. } => InboundOutcome::HungUp,
                };
                self.outputs.push(InboundOutput::Done(record));
            }
            _ => {}
        }
    }

    /// When the desk next needs [`InboundDesk::tick`].
    pub fn next_timer(&self) -> Micros {
        self.calls
            .values()
            .filter_map(|o| match o.stage {
                Stage::Listening { deadline } => Some(deadline),
                Stage::Closing(_) => None,
            })
            .min()
            .unwrap_or(Micros::MAX)
    }

    /// Time passes: a caller who chose nothing hears the message.
    pub fn tick(&mut self, now: Micros) {
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, o)| matches!(o.stage, Stage::Listening { deadline } if deadline <= now))
            .map(|(c, _)| *c)
            .collect();
        for call in due {
            if let Some(open) = self.calls.get_mut(&call) {
                open.stage = Stage::Closing(InboundOutcome::Message);
            }
            self.emit(Command::PlayAudio { call, audio: Audio::InboundMessage, then: AfterAudio::HangUp });
        }
    }

    /// Calls still open (a shift's end leaves some).
    pub fn open_calls(&self) -> usize {
        self.calls.len()
    }

    pub fn drain_outputs(&mut self) -> Vec<InboundOutput> {
        std::mem::take(&mut self.outputs)
    }

    fn emit(&mut self, command: Command) {
        self.outputs.push(InboundOutput::Carrier(command));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::HungUpBy;

    fn inbound(desk: &mut InboundDesk, call: u64, at: Micros, from: InboundFrom) {
        desk.on_event(CarrierEvent { at, call: CallId(call), kind: EventKind::Inbound { to_caller_id: 0, from } });
    }

    fn event(desk: &mut InboundDesk, call: u64, at: Micros, kind: EventKind) {
        desk.on_event(CarrierEvent { at, call: CallId(call), kind });
    }

    fn commands(out: &[InboundOutput]) -> Vec<Command> {
        out.iter().filter_map(|o| if let InboundOutput::Carrier(c) = o { Some(*c) } else { None }).collect()
    }

    #[test]
    fn a_caller_is_answered_greeted_and_offered_the_opt_out_cr5_cr6() {
        let mut desk = InboundDesk::new();
        inbound(&mut desk, 7, SECOND, InboundFrom::Lead(3));
        let c = commands(&desk.drain_outputs());
        assert_eq!(c[0], Command::Answer { call: CallId(7) });
        assert_eq!(c[1], Command::PlayAudio { call: CallId(7), audio: Audio::InboundGreeting, then: AfterAudio::Stay });
        assert!(matches!(c[2], Command::CollectDigits { call: CallId(7), max: 1, .. }));
        assert_eq!(desk.next_timer(), SECOND + LISTEN_FOR);
    }

    #[test]
    fn the_opt_out_key_lists_the_number_at_the_key_press_not_at_hang_up_cr47() {
        let mut desk = InboundDesk::new();
        inbound(&mut desk, 7, 0, InboundFrom::Lead(3));
        desk.drain_outputs();
        event(&mut desk, 7, 9 * SECOND, EventKind::Digits { digit: '9' });
        let out = desk.drain_outputs();
        assert_eq!(out[0], InboundOutput::OptOut { call: CallId(7), from: InboundFrom::Lead(3), at: 9 * SECOND });
        assert_eq!(
            commands(&out),
            vec![Command::PlayAudio { call: CallId(7), audio: Audio::OptOutConfirmed, then: AfterAudio::HangUp }]
        );
        event(&mut desk, 7, 12 * SECOND, EventKind::HungUp { by: HungUpBy::System });
        let InboundOutput::Done(r) = desk.drain_outputs()[0] else { panic!("a record") };
        assert_eq!((r.outcome, r.opted_out_at, r.ended_at), (InboundOutcome::OptedOut, Some(9 * SECOND), 12 * SECOND));
        assert_eq!(desk.open_calls(), 0);
    }

    #[test]
    fn a_withheld_number_cannot_be_listed_and_the_record_says_so() {
        let mut desk = InboundDesk::new();
        inbound(&mut desk, 8, 0, InboundFrom::Withheld);
        event(&mut desk, 8, 5 * SECOND, EventKind::Digits { digit: '9' });
        let out = desk.drain_outputs();
        assert!(!out.iter().any(|o| matches!(o, InboundOutput::OptOut { .. })));
        event(&mut desk, 8, 30 * SECOND, EventKind::HungUp { by: HungUpBy::System });
        let InboundOutput::Done(r) = desk.drain_outputs()[0] else { panic!("a record") };
        assert_eq!(r.outcome, InboundOutcome::OptOutWithheld);
    }

    #[test]
    fn another_key_or_silence_plays_the_message_and_a_hang_up_is_recorded() {
        let mut desk = InboundDesk::new();
        inbound(&mut desk, 1, 0, InboundFrom::Lead(1));
        inbound(&mut desk, 2, 0, InboundFrom::Number(19_195_550_142));
        inbound(&mut desk, 3, 0, InboundFrom::Lead(3));
        desk.drain_outputs();
        event(&mut desk, 1, 4 * SECOND, EventKind::Digits { digit: '1' });
        event(&mut desk, 3, 5 * SECOND, EventKind::HungUp { by: HungUpBy::Remote });
        let hung_up: Vec<InboundOutput> = desk.drain_outputs();
        assert!(
            matches!(hung_up.last(), Some(InboundOutput::Done(r)) if r.call == CallId(3) && r.outcome == InboundOutcome::HungUp),
            "{hung_up:?}"
        );
        assert_eq!(commands(&hung_up).len(), 1, "call 1's message");
        desk.tick(LISTEN_FOR - 1);
        assert!(desk.drain_outputs().is_empty(), "call 2 still listening");
        desk.tick(LISTEN_FOR);
        assert_eq!(
            commands(&desk.drain_outputs()),
            vec![Command::PlayAudio { call: CallId(2), audio: Audio::InboundMessage, then: AfterAudio::HangUp }]
        );
        // A key after the message has started changes nothing.
        event(&mut desk, 2, LISTEN_FOR + SECOND, EventKind::Digits { digit: '9' });
        assert!(desk.drain_outputs().is_empty());
        for call in [1, 2] {
            event(&mut desk, call, 60 * SECOND, EventKind::HungUp { by: HungUpBy::System });
        }
        let outcomes: Vec<(u64, InboundOutcome)> = desk
            .drain_outputs()
            .into_iter()
            .filter_map(|o| if let InboundOutput::Done(r) = o { Some((r.call.0, r.outcome)) } else { None })
            .collect();
        assert_eq!(outcomes, vec![(1, InboundOutcome::Message), (2, InboundOutcome::Message)]);
        assert_eq!(desk.next_timer(), Micros::MAX);
    }
}
