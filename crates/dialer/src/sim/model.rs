//! The outcome model: seeded, drawn per lead, so every policy sees the same numbers for the same lead.
//!
//! Each lead `i` owns a random stream (ChaCha8, stream `i` of the seed) from which a fixed list of
//! uniforms is drawn once: the outcome draw, times, the detector's result and latency, talk and wrap.
//! The outcome is fixed at dial time from the outcome uniform and the answer rate *at that time* (the
//! rate drifts through the day), so a policy that dials a lead earlier or later sees the same person
//! with the same talk time, only possibly home or not.
//!
//! Shares per dial: live human `p(t)`, machine 25 %, busy or failed 10 %, no answer the rest. Times from
//! the dial: human answers after U(4, 20) s, machine U(15, 25) s, busy/fail U(1, 4) s; no answer rings
//! to the ring timeout. A human's greeting ("Hello?") lasts U(0.5, 1.5) s; the detector decides
//! U(0.6, 1.2) s after it ends (Asterisk's after-greeting silence is 0.8 s). Detector confusion: human →
//! human 93 %, not sure 6.5 %, machine 0.5 %; machine → machine 91 %, not sure 6 %, human 3 %, decided
//! U(2, 4.5) s after the machine answers. Talk time lognormal by profile; wrap lognormal by profile.
//! A machine wrongly bridged is hung up by the agent after 3 s and wrapped in 2 s.

use crate::{secs, Micros, SECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Talk and wrap distributions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub talk_mean_s: f64,
    pub talk_cv: f64,
    pub wrap_mean_s: f64,
    pub wrap_cv: f64,
}

impl Profile {
    /// Get-out-the-vote: about a minute.
    pub const GOTV: Profile = Profile { name: "gotv", talk_mean_s: 60.0, talk_cv: 0.8, wrap_mean_s: 8.0, wrap_cv: 0.5 };
    /// A survey: about five minutes.
    pub const SURVEY: Profile =
        Profile { name: "survey", talk_mean_s: 300.0, talk_cv: 0.7, wrap_mean_s: 20.0, wrap_cv: 0.5 };

    /// Log-mean and log-sd of a lognormal with this mean and coefficient of variation.
    pub fn lognormal(mean: f64, cv: f64) -> (f64, f64) {
        let s2 = (1.0 + cv * cv).ln();
        (mean.ln() - s2 / 2.0, s2.sqrt())
    }
}

/// The model's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutcomeModel {
    /// Live human answers per dial, averaged over the shift.
    pub p_human: f64,
    pub p_machine: f64,
    pub p_fail: f64,
    /// The answer rate moves linearly from `p(1 − drift/2)` at shift start to `p(1 + drift/2)` at its end.
    pub drift: f64,
    pub shift: Micros,
    pub human_answer: (f64, f64),
    pub machine_answer: (f64, f64),
    pub fail_after: (f64, f64),
    pub human_greeting: (f64, f64),
    pub amd_lag: (f64, f64),
    pub machine_decision: (f64, f64),
    /// Human → (not sure, machine) rates; the rest human.
    pub amd_human: (f64, f64),
    /// Machine → (not sure, human) rates; the rest machine.
    pub amd_machine: (f64, f64),
    pub profile: Profile,
    /// Inbound callbacks (see [`crate::sim::carrier`]): the share of calls that reached nobody (no
    /// answer, or a machine) whose number calls the program back. 0 unless a run sets it.
    pub callback_share: f64,
}

impl OutcomeModel {
    pub fn new(p_human: f64, profile: Profile, shift: Micros) -> OutcomeModel {
        OutcomeModel {
            p_human,
            p_machine: 0.25,
            p_fail: 0.10,
            drift: 0.4,
            shift,
            human_answer: (4.0, 20.0),
            machine_answer: (15.0, 25.0),
            fail_after: (1.0, 4.0),
            human_greeting: (0.5, 1.5),
            amd_lag: (0.6, 1.2),
            machine_decision: (2.0, 4.5),
            amd_human: (0.065, 0.005),
            amd_machine: (0.06, 0.03),
            profile,
            callback_share: 0.0,
        }
    }

    /// The live-human answer rate at a time of the shift.
    pub fn p_human_at(&self, at: Micros) -> f64 {
        let x = (at as f64 / self.shift.max(1) as f64).clamp(0.0, 1.0);
        self.p_human * (1.0 - self.drift / 2.0 + self.drift * x)
    }

    /// The draws of one lead.
    pub fn draw(&self, seed: u64, lead: u64) -> LeadDraw {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(lead);
        let mut u = || rng.gen::<f64>();
        let (tm, ts) = Profile::lognormal(self.profile.talk_mean_s, self.profile.talk_cv);
        let (wm, ws) = Profile::lognormal(self.profile.wrap_mean_s, self.profile.wrap_cv);
        let outcome = u();
        let time = u();
        let greeting = u();
        let amd = u();
        let lag = u();
        let z_talk = normal(u(), u());
        let z_wrap = normal(u(), u());
        let digit = u();
        LeadDraw {
            outcome,
            time,
            greeting,
            amd,
            lag,
            talk: secs((tm + ts * z_talk).exp().min(7_200.0)),
            wrap: secs((wm + ws * z_wrap).exp().min(3_600.0)),
            digit,
        }
    }

    /// What happens when the lead is dialed at `at` with this ring timeout.
    pub fn outcome(&self, d: &LeadDraw, at: Micros, ring_timeout: Micros) -> TrueOutcome {
        let ph = self.p_human_at(at);
        let uni = |(a, b): (f64, f64), u: f64| secs(a + (b - a) * u);
        if d.outcome < ph {
            let answer = uni(self.human_answer, d.time);
            if answer >= ring_timeout {
                return TrueOutcome::NoAnswer;
            }
            let greeting = uni(self.human_greeting, d.greeting);
            let lag = uni(self.amd_lag, d.lag);
            let (ns, m) = self.amd_human;
            let amd = if d.amd < m {
                crate::carrier::AmdResult::Machine
            } else if d.amd < m + ns {
                crate::carrier::AmdResult::NotSure
            } else {
                crate::carrier::AmdResult::Human
            };
            TrueOutcome::Human { answer, greeting, lag, amd }
        } else if d.outcome < ph + self.p_machine {
            let answer = uni(self.machine_answer, d.time);
            if answer >= ring_timeout {
                return TrueOutcome::NoAnswer;
            }
            let decision = uni(self.machine_decision, d.lag);
            let (ns, h) = self.amd_machine;
            let amd = if d.amd < h {
                crate::carrier::AmdResult::Human
            } else if d.amd < h + ns {
                crate::carrier::AmdResult::NotSure
            } else {
                crate::carrier::AmdResult::Machine
            };
            TrueOutcome::Machine { answer, decision, amd }
        } else if d.outcome < ph + self.p_machine + self.p_fail {
            TrueOutcome::Fail { after: uni(self.fail_after, d.time), busy: d.greeting < 0.5 }
        } else {
            TrueOutcome::NoAnswer
        }
    }
}

/// The uniforms and the talk and wrap times of one lead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeadDraw {
    pub outcome: f64,
    pub time: f64,
    pub greeting: f64,
    pub amd: f64,
    pub lag: f64,
    pub talk: Micros,
    pub wrap: Micros,
    /// For automated calls: a live person presses the opt-out key when this is under 5 %.
    pub digit: f64,
}

/// What really happens on a dial (times from the dial).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrueOutcome {
    Human { answer: Micros, greeting: Micros, lag: Micros, amd: crate::carrier::AmdResult },
    Machine { answer: Micros, decision: Micros, amd: crate::carrier::AmdResult },
    Fail { after: Micros, busy: bool },
    NoAnswer,
}

/// A standard normal from two uniforms (Box–Muller).
fn normal(u1: f64, u2: f64) -> f64 {
    (-2.0 * (1.0 - u1).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// How long a wrongly bridged machine keeps an agent (they hang up) and their wrap.
pub const MACHINE_BRIDGED: Micros = 3 * SECOND;
pub const MACHINE_WRAP: Micros = 2 * SECOND;
