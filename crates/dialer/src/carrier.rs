//! The carrier interface: what the engine asks of telephony, and what telephony tells it.
//!
//! The engine never talks to a network. It emits [`Command`]s and consumes [`CarrierEvent`]s, each with
//! the time it happened. A carrier ([`Carrier`]) carries commands out: the simulated carrier schedules
//! the outcome its model drew; a SIP carrier will send INVITEs and report what the far end did. Call ids
//! are chosen by the engine when it originates; inbound calls get an id from the carrier.

use crate::Micros;
use serde::Serialize;

/// One call (one outbound or inbound leg to a called party), as the engine and the carrier know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CallId(pub u64);

/// An agent's audio leg (their softphone or phone), one per logged-in agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AgentLeg(pub u32);

/// What an answering machine detector said (references.md §9: Asterisk AMD's HUMAN / MACHINE / NOTSURE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AmdResult {
    Human,
    Machine,
    NotSure,
}

/// Who ended a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HungUpBy {
    /// The called (or calling, for inbound) party.
    Remote,
    /// The agent, through their leg.
    Agent,
    /// The engine's own `HangUp` command.
    System,
}

/// A set of the phone's twelve keys (`0`–`9`, `*`, `#`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Keys(u16);

impl Keys {
    /// Every key.
    pub const ANY: Keys = Keys(0x0fff);

    fn bit(key: char) -> Option<u16> {
        match key {
            '0'..='9' => Some(1 << (key as u16 - '0' as u16)),
            '*' => Some(1 << 10),
            '#' => Some(1 << 11),
            _ => None,
        }
    }

    /// The keys given (anything that is not a phone key is left out).
    pub fn of(keys: impl IntoIterator<Item = char>) -> Keys {
        Keys(keys.into_iter().filter_map(Keys::bit).fold(0, |set, b| set | b))
    }

    pub fn contains(self, key: char) -> bool {
        Keys::bit(key).is_some_and(|b| self.0 & b != 0)
    }

    /// In key order: `0`–`9`, `*`, `#`.
    pub fn iter(self) -> impl Iterator<Item = char> {
        "0123456789*#".chars().filter(move |k| self.contains(*k))
    }
}

/// Recordings the engine can ask the carrier to play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audio {
    /// CR-46: the abandoned-call message — caller identity, callback number, automated opt-out.
    SafeHarbor,
    /// The program's message left on an answering machine (agentless voicemail drop).
    VoicemailDrop,
    /// The program's prerecorded message to a live person, with its key-press opt-out prompt.
    Message,
    /// One IVR prompt, by the index the program's IVR flow gave it ([`crate::ivr::IvrFlow`]).
    IvrPrompt(u16),
    /// Confirmation that the number was put on the do-not-call list (CR-47).
    OptOutConfirmed,
    /// The answer to an inbound call: who the calling entity is and why it called (CR-5), and the
    /// automated opt-out key (CR-6).
    InboundGreeting,
    /// The program's message to an inbound caller: who called, and when to reach a person (CR-14's
    /// number that rings back to the caller).
    InboundMessage,
}

/// What the carrier does when a recording ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterAudio {
    HangUp,
    Stay,
}

/// Supervisor monitoring modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorMode {
    /// Hear both sides, be heard by nobody.
    Listen,
    /// Be heard by the agent only.
    Whisper,
    /// Join the call.
    Barge,
}

/// An opaque dial target: the carrier resolves it to a number (the engine never holds the digits in
/// logs). The simulated carrier resolves it to the lead's drawn outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DialTarget {
    /// The lead (phone record) being dialed.
    pub lead: u64,
}

/// Who is calling in, as the carrier saw it: a number it matched to one the program dialed (the lead),
/// another number (E.164 digits), or none (withheld).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundFrom {
    Lead(u64),
    Number(u64),
    Withheld,
}

/// A command from the engine to the carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Command {
    /// Dial out. `ring_timeout` is how long to let it ring before giving up (CR-46: at least 15 s).
    Originate {
        call: CallId,
        target: DialTarget,
        ring_timeout: Micros,
        amd: bool,
    },
    /// Answer an inbound call.
    Answer {
        call: CallId,
    },
    /// Give up on an unanswered call.
    Cancel {
        call: CallId,
    },
    /// End an answered call.
    HangUp {
        call: CallId,
    },
    /// Bring an agent's audio leg up (at log-in) or down (at log-out).
    AgentLegUp {
        leg: AgentLeg,
    },
    AgentLegDown {
        leg: AgentLeg,
    },
    /// Connect a call to an agent's leg.
    Bridge {
        call: CallId,
        leg: AgentLeg,
    },
    /// Play a recording to the called party.
    PlayAudio {
        call: CallId,
        audio: Audio,
        then: AfterAudio,
    },
    /// Collect key presses (up to `max` digits, for `timeout`). `keys` are the ones the prompt takes
    /// (a carrier may stop listening at the first of them; any key pressed is still reported).
    CollectDigits {
        call: CallId,
        max: u8,
        timeout: Micros,
        keys: Keys,
    },
    StartRecording {
        call: CallId,
    },
    PauseRecording {
        call: CallId,
    },
    ResumeRecording {
        call: CallId,
    },
    /// A supervisor's leg joins a call.
    Monitor {
        call: CallId,
        supervisor: AgentLeg,
        mode: MonitorMode,
    },
}

/// What happened on a call, as the carrier reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EventKind {
    Ringing,
    Answered,
    /// The detector's verdict. CR-46's 2-second clock starts at `greeting_ended_at`, so the time the
    /// detector takes after the greeting counts against it.
    AmdDecision {
        result: AmdResult,
        greeting_ended_at: Micros,
        decided_at: Micros,
    },
    Busy,
    /// Rang until the ring timeout without an answer.
    NoAnswer,
    /// The network refused or failed the call (`sip_code` when there is one: 404, 480, 503, …).
    Failed {
        cause: FailCause,
        sip_code: Option<u16>,
    },
    HungUp {
        by: HungUpBy,
    },
    /// A key press (one digit, `0`–`9`, `*`, `#`).
    Digits {
        digit: char,
    },
    /// An inbound call to one of the program's caller IDs or callback numbers (CR-5, CR-6, CR-14). The
    /// engine leaves these to the inbound handler ([`crate::inbound::InboundDesk`]).
    Inbound {
        to_caller_id: u32,
        from: InboundFrom,
    },
}

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailCause {
    NotInService,
    Congestion,
    Rejected,
    Other,
}

/// One event, with the time it happened and the call it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CarrierEvent {
    pub at: Micros,
    pub call: CallId,
    pub kind: EventKind,
}

/// A carrier: carries out commands at a time. Events come back through whatever loop drives the engine
/// (the simulation's event heap now; a SIP stack's event stream later), each stamped with its time.
pub trait Carrier {
    fn execute(&mut self, now: Micros, command: Command);
}
