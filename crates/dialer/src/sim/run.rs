//! A shift: bot agents log in at the start, the engine dials against the simulated carrier, and the
//! figures come out — occupancy, abandonment (from the truth), contacts per agent-hour, agent waits, the
//! landline share of dials.

use super::carrier::{SimCarrier, SimEvent};
use super::model::{OutcomeModel, Profile, MACHINE_BRIDGED, MACHINE_WRAP};
use crate::carrier::Carrier;
use crate::engine::{AgentId, AgentNotice, Engine, EngineConfig, Output, ProgramMode};
use crate::lead::{Lead, LeadSource, LineTypeGate};
use crate::pacing::{Cdf, ClearlinePacer, OraclePacer, Pacer, PacingConfig, Progressive, Tables, TrueTables, STEP};
use crate::{as_secs, Micros, SECOND};
use clearline_core::disposition::Disposition;
use clearline_core::phone::LineType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// Which pacing a shift runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PolicyKind {
    Clearline,
    /// One line per free agent, the agent reserved (power mode).
    Progressive,
    /// The true-parameter oracle with this aggressiveness.
    Oracle {
        theta: f64,
    },
}

impl PolicyKind {
    pub fn name(&self) -> &'static str {
        match self {
            PolicyKind::Clearline => "clearline",
            PolicyKind::Progressive => "progressive",
            PolicyKind::Oracle { .. } => "oracle",
        }
    }
}

/// One simulated shift.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scenario {
    pub agents: u32,
    /// Live human answers per dial (averaged over the shift).
    pub answer_rate: f64,
    pub profile: Profile,
    pub seed: u64,
    pub policy: PolicyKind,
    /// Share of the list that is landline (the rest wireless or unknown: preview only, CR-49).
    pub landline: f64,
    /// Share of pairs of consecutive leads that are one household.
    pub household_pairs: f64,
    pub shift: Micros,
    /// Seconds a bot agent takes to click "dial" on a preview record.
    pub preview_think: Micros,
}

impl Scenario {
    pub fn new(agents: u32, answer_rate: f64, profile: Profile, seed: u64, policy: PolicyKind) -> Scenario {
        Scenario {
            agents,
            answer_rate,
            profile,
            seed,
            policy,
            landline: 1.0,
            household_pairs: 0.2,
            shift: 8 * 3_600 * SECOND,
            preview_think: 3 * SECOND,
        }
    }

    pub fn model(&self) -> OutcomeModel {
        OutcomeModel::new(self.answer_rate, self.profile, self.shift)
    }
}

/// The figures of one shift.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShiftReport {
    /// (talk + wrap) ÷ logged-in time.
    pub occupancy: f64,
    /// Real humans not connected within 2 s of the greeting ÷ real humans answered (system dials).
    pub abandonment: f64,
    /// The engine's own CR-46 measure (detector's human or not sure as live).
    pub measured_abandonment: f64,
    pub contacts_per_agent_hour: f64,
    pub wait_p50_s: f64,
    pub wait_p95_s: f64,
    /// Landline (system-dialed) share of all dials.
    pub landline_share: f64,
    pub dials: u64,
    pub live_humans: u64,
    pub household_deferrals: u64,
}

/// Leads generated from the seed in list order: lead `i`, person `i`; a share of consecutive pairs share
/// a household; line types by the landline share (the rest wireless, or unknown one time in three).
pub struct GeneratedLeads {
    seed: u64,
    next: u64,
    landline: f64,
    household_pairs: f64,
    back: VecDeque<Lead>,
}

impl GeneratedLeads {
    pub fn new(seed: u64, landline: f64, household_pairs: f64) -> Self {
        GeneratedLeads { seed, next: 0, landline, household_pairs, back: VecDeque::new() }
    }

    pub fn lead(&self, i: u64) -> Lead {
        let u = |salt: u64| {
            (splitmix(self.seed ^ salt ^ splitmix(i / if salt == 7 { 2 } else { 1 })) >> 11) as f64
                / (1u64 << 53) as f64
        };
        let household = if u(7) < self.household_pairs { i - i % 2 } else { i };
        let lt = u(3);
        let line_type = if lt < self.landline {
            LineType::Landline
        } else if (lt - self.landline) / (1.0 - self.landline).max(1e-9) < 2.0 / 3.0 {
            LineType::Wireless
        } else {
            LineType::Unknown
        };
        Lead { id: i, person: i, household, line_type }
    }
}

impl LeadSource for GeneratedLeads {
    fn next_lead(&mut self) -> Option<Lead> {
        // A put-back lead returns after one fresh lead.
        let lead = self.lead(self.next);
        self.next += 1;
        if let Some(back) = self.back.pop_front() {
            self.back.push_back(lead);
            return Some(back);
        }
        Some(lead)
    }

    fn put_back(&mut self, lead: Lead) {
        self.back.push_back(lead);
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The generator's exact distributions, for the oracle (sampled once, finely, then mixed by the answer
/// rate at the time asked).
pub struct TruthTables {
    model: OutcomeModel,
    human_live: Vec<f64>,
    human_other: Vec<f64>,
    human_live_share: f64,
    machine_live: Vec<f64>,
    machine_other: Vec<f64>,
    machine_live_share: f64,
    fail: Vec<f64>,
    no_answer: Vec<f64>,
    human_lag: f64,
}

impl TruthTables {
    pub fn new(model: OutcomeModel, ring_timeout: Micros) -> TruthTables {
        let bins = ((as_secs(ring_timeout) + 60.0) / STEP) as usize;
        let mut t = TruthTables {
            model,
            human_live: vec![0.0; bins],
            human_other: vec![0.0; bins],
            human_live_share: 1.0 - model.amd_human.1,
            machine_live: vec![0.0; bins],
            machine_other: vec![0.0; bins],
            machine_live_share: model.amd_machine.0 + model.amd_machine.1,
            fail: vec![0.0; bins],
            no_answer: vec![0.0; bins],
            human_lag: (model.amd_lag.0 + model.amd_lag.1) / 2.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0x0_0AC1E);
        let cell = |x: f64| ((x / STEP) as usize).min(bins - 1);
        let uni = |(a, b): (f64, f64), r: &mut ChaCha8Rng| a + (b - a) * r.gen::<f64>();
        for _ in 0..200_000 {
            let answer = uni(model.human_answer, &mut rng);
            let arrive = answer + uni(model.human_greeting, &mut rng) + uni(model.amd_lag, &mut rng);
            if answer >= as_secs(ring_timeout) {
                t.no_answer[cell(as_secs(ring_timeout))] += 0.0;
            }
            t.human_live[cell(arrive)] += 1.0;
            t.human_other[cell(arrive)] += 1.0;
            let m = uni(model.machine_answer, &mut rng) + uni(model.machine_decision, &mut rng);
            t.machine_live[cell(m)] += 1.0;
            t.machine_other[cell(m)] += 1.0;
            t.fail[cell(uni(model.fail_after, &mut rng))] += 1.0;
        }
        t.no_answer[cell(as_secs(ring_timeout))] = 1.0;
        t
    }
}

impl TrueTables for TruthTables {
    fn tables_at(&self, now: Micros) -> Tables {
        let m = &self.model;
        let ph = m.p_human_at(now);
        let pna = (1.0 - ph - m.p_machine - m.p_fail).max(0.0);
        let wl_h = ph * self.human_live_share;
        let wl_m = m.p_machine * self.machine_live_share;
        let p_live = wl_h + wl_m;
        let norm = |v: &[f64]| -> Vec<f64> {
            let s: f64 = v.iter().sum();
            v.iter().map(|x| x / s.max(1e-12)).collect()
        };
        let (hl, ml, ho, mo, f, na) = (
            norm(&self.human_live),
            norm(&self.machine_live),
            norm(&self.human_other),
            norm(&self.machine_other),
            norm(&self.fail),
            norm(&self.no_answer),
        );
        let live: Vec<f64> = hl.iter().zip(&ml).map(|(a, b)| wl_h * a + wl_m * b).collect();
        let (wo_h, wo_m) = (ph - wl_h, m.p_machine - wl_m);
        let other: Vec<f64> =
            (0..hl.len()).map(|i| wo_h * ho[i] + wo_m * mo[i] + m.p_fail * f[i] + pna * na[i]).collect();
        let live_arrival = Cdf::from_histogram(&live, STEP);
        // Agents talk to live humans (lognormal) and to machines the detector let through (3 s).
        let (tm, ts) = Profile::lognormal(m.profile.talk_mean_s, m.profile.talk_cv);
        let (wm, ws) = Profile::lognormal(m.profile.wrap_mean_s, m.profile.wrap_cv);
        let share_h = wl_h / p_live;
        let mix = |mu: f64, sd: f64, short: Micros, max: f64| -> Cdf {
            let base = Cdf::lognormal(mu, sd, max, 1.0);
            Cdf::new(
                base.values()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| share_h * c + (1.0 - share_h) * if i as f64 >= as_secs(short) { 1.0 } else { 0.0 })
                    .collect(),
                1.0,
            )
        };
        let lag = share_h * self.human_lag + (1.0 - share_h) * 0.8;
        Tables {
            p_live,
            arrival_quantiles: Tables::quantiles(&live_arrival),
            live_arrival,
            other_resolution: Cdf::from_histogram(&other, STEP),
            grace: 2.0 - lag,
            p_live_given_answered: p_live / (ph + m.p_machine),
            talk: mix(tm, ts, MACHINE_BRIDGED, 7_200.0),
            wrap: mix(wm, ws, MACHINE_WRAP, 3_600.0),
            wrap_mean: share_h * m.profile.wrap_mean_s + (1.0 - share_h) * as_secs(MACHINE_WRAP),
            dial_live: Vec::new(),
        }
    }
}

/// Run one shift.
pub fn run_shift(s: &Scenario) -> ShiftReport {
    let model = s.model();
    let config = EngineConfig {
        mode: if s.policy == PolicyKind::Progressive { ProgramMode::Power } else { ProgramMode::Predictive },
        ..EngineConfig::default()
    };
    let pacer: Box<dyn Pacer + Send> = match s.policy {
        PolicyKind::Clearline => Box::new(ClearlinePacer::new(PacingConfig {
            ring_timeout_s: as_secs(config.ring_timeout),
            ..PacingConfig::default()
        })),
        PolicyKind::Progressive => Box::new(Progressive),
        PolicyKind::Oracle { theta } => Box::new(OraclePacer::new(
            TruthTables::new(model, config.ring_timeout),
            theta,
            PacingConfig::default().max_lines_per_agent,
        )),
    };
    let leads = GeneratedLeads::new(s.seed, s.landline, s.household_pairs);
    let mut engine =
        Engine::new(config, Box::new(leads), Box::new(LineTypeGate), pacer).expect("the bench configuration is valid");
    let mut carrier = SimCarrier::new(model, s.seed);
    let mut outputs = Vec::new();
    for a in 0..s.agents {
        engine.login(0, AgentId(a));
    }
    let end = s.shift;
    loop {
        let t_event = carrier.peek().unwrap_or(Micros::MAX);
        let t_timer = engine.next_timer();
        let now = t_event.min(t_timer);
        if now > end {
            break;
        }
        if t_event <= t_timer {
            let (at, event) = carrier.pop().expect("peeked");
            match event {
                SimEvent::Carrier { event, .. } => engine.on_event(event),
                SimEvent::WrapDone { agent, disposition } => engine.wrap_done(at, agent, Some(disposition)),
                SimEvent::PreviewDial { agent } => {
                    // A record denied at the click leaves the simulated agent ready again.
                    engine.preview_dial(at, agent);
                }
            }
        } else {
            engine.tick(now);
        }
        engine.drain_outputs_into(&mut outputs);
        for out in outputs.drain(..) {
            match out {
                Output::Carrier(command) => carrier.execute(now, command),
                Output::Agent(agent, AgentNotice::PreviewOffered { .. }) => {
                    carrier.schedule(now + s.preview_think, SimEvent::PreviewDial { agent })
                }
                Output::Agent(agent, AgentNotice::WrapUp { call }) => {
                    let (wrap, human) = carrier.take_wrap(call).unwrap_or((MACHINE_WRAP, false));
                    let disposition = if human { Disposition::Complete } else { Disposition::AnsweringMachine };
                    carrier.schedule(now + wrap, SimEvent::WrapDone { agent, disposition });
                }
                Output::Agent(_, AgentNotice::Connected { .. }) | Output::Attempt(_) => {}
            }
        }
    }
    carrier.finish(end);
    let times = engine.agent_times(end);
    let truth = carrier.truth;
    let counters = engine.counters();
    let mut waits = engine.waits().to_vec();
    waits.sort_by(f64::total_cmp);
    let q = |p: f64| if waits.is_empty() { 0.0 } else { waits[((waits.len() - 1) as f64 * p).round() as usize] };
    let (today, _) = engine.abandonment(end - 1);
    let hours = as_secs(times.logged_in) / 3_600.0;
    ShiftReport {
        occupancy: (times.talk + times.wrap) as f64 / times.logged_in.max(1) as f64,
        abandonment: if truth.live_humans == 0 {
            0.0
        } else {
            truth.abandoned_humans as f64 / truth.live_humans as f64
        },
        measured_abandonment: today.rate(),
        contacts_per_agent_hour: truth.contacts as f64 / hours.max(1e-9),
        wait_p50_s: q(0.5),
        wait_p95_s: q(0.95),
        landline_share: counters.system_dials as f64 / (counters.system_dials + counters.preview_dials).max(1) as f64,
        dials: truth.dials,
        live_humans: truth.live_humans,
        household_deferrals: counters.household_deferrals,
    }
}
