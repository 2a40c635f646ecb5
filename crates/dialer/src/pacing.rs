//! Pacing: how many new lines to dial now (CR-46).
//!
//! One decision rule, [`lines_by_rule`], serves both Clearline's adaptive pacer and the true-parameter
//! oracle; they differ only in the distributions they hand it ([`Tables`]) and in how they set its one
//! knob, the aggressiveness `theta`.
//!
//! **The rule.** A new dial that turns into a live answer arrives (the detector says human or not sure)
//! some time after it is placed; it is abandoned unless an agent is free by the 2-second deadline after
//! the greeting. For three quantiles `q` of that arrival time the rule counts, as sums of independent
//! Bernoulli variables, the agents who will be free by `q + grace` (free now; talking and done with talk
//! and wrap by then; wrapping and done by then) and the live answers that will claim them first (calls
//! waiting now, answered calls awaiting the detector, dials in flight that turn live by then, and the
//! new dials placed alongside). With the normal approximation, the chance that the marginal new dial,
//! if live, finds no agent is `Φ((0.5 − μ)/σ)` with `μ`, `σ²` the mean and variance of supply minus the
//! other claims. The rule adds dials while the average of that chance over the three quantiles stays at
//! or under `theta`, up to a cap of lines per logged-in agent.
//!
//! **Clearline's pacer** ([`ClearlinePacer`]) learns the tables online from what it observes — the time
//! from dial to live arrival and to every other resolution, talk and wrap times (lognormal fits) — with
//! a time-decayed memory so it follows the answer rate's drift through the day. It steers `theta` by
//! feedback: every 30 s it compares the measured abandonment (plus an allowance for live answers that
//! the detector wrongly calls machines, which the engine cannot see) with the target (default 2.5 %) and
//! scales `theta` up or down. **Hard stop:** when one more abandoned call would put the measured rate,
//! today or over the rolling 30 days, at or over the hard limit (default 2.9 %), it dials only one line per
//! free agent with no line already on its way — the progressive floor — until the rate comes down.
//!
//! **The oracle** ([`OraclePacer`]) is handed tables built from the generator's exact parameters and a
//! fixed `theta`; the benchmark bisects `theta` until the shift's abandonment lies in [2.9 %, 3.0 %].
//!
//! **Progressive** ([`Progressive`]): one line per free agent, counting the lines already on their way.

use crate::{as_secs, Micros, SECOND};

/// What the engine tells the pacer about the program right now. Times are elapsed seconds.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub now: Micros,
    pub logged_in: usize,
    /// Ready agents with no call, not reserved for a preview call.
    pub free: usize,
    /// Seconds since each bridged call started (agents talking).
    pub talking: Vec<f64>,
    /// Seconds since each wrap-up started.
    pub wrapping: Vec<f64>,
    /// Seconds since each paced dial in flight was placed (not answered yet).
    pub dialing: Vec<f64>,
    /// Paced calls answered, waiting for the detector's decision.
    pub answered_pending: usize,
    /// Live calls waiting for an agent (inside their 2 s).
    pub waiting: usize,
    /// CR-46 measured abandonment: today, and the rolling 30 days.
    pub today: crate::stats::Tally,
    pub rolling_30d: crate::stats::Tally,
}

impl Snapshot {
    /// Lines already on their way to an agent.
    pub fn outstanding(&self) -> usize {
        self.dialing.len() + self.answered_pending + self.waiting
    }
}

/// What the engine observed, fed to the pacer as it happens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Observation {
    /// A paced dial resolved: `live` when the detector said human or not sure, after `after` seconds
    /// from dialing; `lag` = seconds from the end of the greeting to the decision (live only).
    Resolved {
        after: f64,
        live: bool,
        lag: f64,
    },
    Talk {
        secs: f64,
    },
    Wrap {
        secs: f64,
    },
}

/// A pacing policy.
pub trait Pacer {
    fn observe(&mut self, now: Micros, observation: Observation);
    /// New lines to dial now.
    fn lines(&mut self, snapshot: &Snapshot) -> usize;
    /// How many free agents the lines already on their way are expected to need (the CR-49 blend gives
    /// preview calls only to agents beyond these). The default counts one agent per line.
    fn reserved_agents(&self, snapshot: &Snapshot) -> usize {
        snapshot.outstanding()
    }
    /// Whether the last decision was the hard stop (for tests and metrics).
    fn hard_stopped(&self) -> bool {
        false
    }
}

/// Progressive (power) dialing in a predictive program: one line per free agent, minus lines on their way.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progressive;

impl Pacer for Progressive {
    fn observe(&mut self, _: Micros, _: Observation) {}
    fn lines(&mut self, s: &Snapshot) -> usize {
        s.free.saturating_sub(s.outstanding())
    }
}

/// Grid step of the tables, seconds.
pub const STEP: f64 = 0.25;

/// Cells of elapsed dial time the rule distinguishes (64 s; longer dials share the last cell).
const DIAL_CELLS: usize = 256;

/// A cumulative distribution on a grid of `step` seconds (value `i` at `i·step`); 1 beyond its end.
#[derive(Clone, Debug)]
pub struct Cdf {
    step: f64,
    values: Vec<f64>,
}

impl Cdf {
    pub fn new(values: Vec<f64>, step: f64) -> Cdf {
        Cdf { step, values }
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn at(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let pos = x / self.step;
        let i = pos as usize;
        if i + 1 >= self.values.len() {
            return 1.0;
        }
        let f = pos - i as f64;
        self.values[i] * (1.0 - f) + self.values[i + 1] * f
    }

    /// From a histogram of weights per grid cell (cell i holds values in [i·step, (i+1)·step)).
    pub fn from_histogram(weights: &[f64], step: f64) -> Cdf {
        let total: f64 = weights.iter().sum();
        let mut out = Vec::with_capacity(weights.len() + 1);
        out.push(0.0);
        let mut acc = 0.0;
        for w in weights {
            acc += w;
            out.push(if total > 0.0 { acc / total } else { 1.0 });
        }
        Cdf { step, values: out }
    }

    /// A lognormal with log-mean `mu` and log-sd `sigma`, up to `max` seconds.
    pub fn lognormal(mu: f64, sigma: f64, max: f64, step: f64) -> Cdf {
        let n = (max / step) as usize + 2;
        Cdf { step, values: (0..n).map(|i| lognormal_cdf(i as f64 * step, mu, sigma)).collect() }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        let mut m = 0.0;
        for i in 1..self.values.len() {
            m += (self.values[i] - self.values[i - 1]) * (i as f64 - 0.5) * self.step;
        }
        m
    }

    /// P(done within `dt` | not done after `e`).
    pub fn conditional(&self, e: f64, dt: f64) -> f64 {
        let fe = self.at(e);
        let survive = 1.0 - fe;
        if survive <= 1e-9 {
            return 1.0;
        }
        ((self.at(e + dt) - fe) / survive).clamp(0.0, 1.0)
    }
}

/// The distributions the rule needs.
#[derive(Clone, Debug)]
pub struct Tables {
    /// P(a new dial turns live).
    pub p_live: f64,
    /// Time from dialing to the live decision, given live.
    pub live_arrival: Cdf,
    /// Time from dialing to any other resolution, given not live.
    pub other_resolution: Cdf,
    /// Three quantiles of `live_arrival` (25, 50, 75 %).
    pub arrival_quantiles: [f64; 3],
    /// 2 s minus the mean lag from greeting end to decision: how long after its arrival a live call can
    /// still be bridged.
    pub grace: f64,
    /// P(an answered call awaiting the detector turns live).
    pub p_live_given_answered: f64,
    pub talk: Cdf,
    pub wrap: Cdf,
    /// Mean wrap, seconds (a talking agent also has to wrap before being free).
    pub wrap_mean: f64,
    /// Filled by [`Tables::prepare`]: for a dial in flight for elapsed-time cell `i`, the chance it turns
    /// live by each of the three horizons.
    pub dial_live: Vec<[f64; 3]>,
}

impl Tables {
    /// Precompute what the rule asks of every dial in flight (the tables change every few seconds; the
    /// rule runs on every pacing tick).
    pub fn prepare(mut self) -> Tables {
        self.dial_live = (0..DIAL_CELLS)
            .map(|i| {
                let e = (i as f64 + 0.5) * STEP;
                let survive = self.p_live * (1.0 - self.live_arrival.at(e))
                    + (1.0 - self.p_live) * (1.0 - self.other_resolution.at(e));
                let mut out = [0.0; 3];
                for (k, q) in self.arrival_quantiles.iter().enumerate() {
                    out[k] = if survive <= 1e-9 {
                        0.0
                    } else {
                        (self.p_live * (self.live_arrival.at(e + q) - self.live_arrival.at(e)) / survive)
                            .clamp(0.0, 1.0)
                    };
                }
                out
            })
            .collect();
        self
    }

    pub fn quantiles(cdf: &Cdf) -> [f64; 3] {
        let q = |p: f64| cdf.values.iter().position(|&c| c >= p).unwrap_or(cdf.values.len()) as f64 * cdf.step;
        [q(0.25), q(0.5), q(0.75)]
    }
}

/// Free agents the lines on their way are expected to claim: calls waiting, answered calls that turn
/// live, and dials in flight that turn live, rounded up, plus one.
pub fn expected_claims(s: &Snapshot, t: &Tables) -> usize {
    let mut claims = s.waiting as f64 + s.answered_pending as f64 * t.p_live_given_answered;
    for &e in &s.dialing {
        let survive = t.p_live * (1.0 - t.live_arrival.at(e)) + (1.0 - t.p_live) * (1.0 - t.other_resolution.at(e));
        if survive > 1e-9 {
            claims += (t.p_live * (1.0 - t.live_arrival.at(e)) / survive).clamp(0.0, 1.0);
        }
    }
    claims.ceil() as usize + 1
}

/// The rule shared by Clearline's pacer and the oracle (module docs). `max_lines` caps the lines in
/// flight (lines per agent × logged-in agents).
pub fn lines_by_rule(s: &Snapshot, t: &Tables, theta: f64, max_lines: usize) -> usize {
    let outstanding = s.outstanding();
    if s.logged_in == 0 || outstanding >= max_lines {
        return 0;
    }
    let room = max_lines - outstanding;
    // Per horizon: mean and variance of (agents free by then − claims before the marginal call), and
    // the share of a new dial's live answers that arrive before the marginal one.
    // Dials in flight, counted by elapsed time on the grid (the cost stays flat however many lines).
    let mut dialing = [0u32; DIAL_CELLS];
    for &e in &s.dialing {
        dialing[((e.max(0.0) / STEP) as usize).min(DIAL_CELLS - 1)] += 1;
    }
    let prepared = t.dial_live.len() == DIAL_CELLS;
    let mut base = [(0.0f64, 0.0f64); 3];
    let mut new_claim = [0.0f64; 3];
    for (k, q) in t.arrival_quantiles.iter().enumerate() {
        let h = q + t.grace.max(0.0);
        let (mut mu, mut var) = (s.free as f64, 0.0);
        for &e in &s.talking {
            let p = t.talk.conditional(e, h - t.wrap_mean);
            mu += p;
            var += p * (1.0 - p);
        }
        for &e in &s.wrapping {
            let p = t.wrap.conditional(e, h);
            mu += p;
            var += p * (1.0 - p);
        }
        mu -= s.waiting as f64;
        let pa = t.p_live_given_answered;
        mu -= s.answered_pending as f64 * pa;
        var += s.answered_pending as f64 * pa * (1.0 - pa);
        for (i, &count) in dialing.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let count = count as f64;
            let p = if prepared {
                t.dial_live[i][k]
            } else {
                let e = (i as f64 + 0.5) * STEP;
                let survive =
                    t.p_live * (1.0 - t.live_arrival.at(e)) + (1.0 - t.p_live) * (1.0 - t.other_resolution.at(e));
                if survive <= 1e-9 {
                    0.0
                } else {
                    (t.p_live * (t.live_arrival.at(e + *q) - t.live_arrival.at(e)) / survive).clamp(0.0, 1.0)
                }
            };
            mu -= count * p;
            var += count * p * (1.0 - p);
        }
        base[k] = (mu, var);
        new_claim[k] = t.p_live * t.live_arrival.at(*q);
    }
    let mut n = 0;
    while n < room {
        // The (n+1)-th new dial is the marginal one; the n before it claim agents with new_claim each.
        let mut risk = 0.0;
        for k in 0..3 {
            let (mu, var) = base[k];
            let c = new_claim[k];
            let m = mu - n as f64 * c;
            let v = var + n as f64 * c * (1.0 - c);
            risk += normal_cdf((0.5 - m) / v.max(0.25).sqrt());
        }
        if risk / 3.0 > theta {
            break;
        }
        n += 1;
    }
    n
}

/// Configuration of Clearline's pacer.
#[derive(Clone, Copy, Debug)]
pub struct PacingConfig {
    /// The abandonment rate the feedback aims at (CR-46: at most 3 %; default 2.5 %).
    pub target: f64,
    /// The hard stop: no predictive dialing when one more abandoned call would reach this rate.
    pub hard_limit: f64,
    /// Share of live answers assumed lost to the detector calling them machines (added to the measured
    /// rate: the engine cannot see them). Default 0.5 %, the simulated detector's rate.
    pub amd_miss_allowance: f64,
    /// Maximum lines in flight per logged-in agent.
    pub max_lines_per_agent: f64,
    /// Half-life of the estimators' memory, seconds.
    pub half_life_s: f64,
    /// Resolved dials observed before leaving the progressive floor.
    pub warmup_dials: u32,
    /// The longest a dial rings (the engine's ring timeout), seconds.
    pub ring_timeout_s: f64,
}

impl Default for PacingConfig {
    fn default() -> Self {
        PacingConfig {
            target: 0.025,
            hard_limit: 0.029,
            amd_miss_allowance: 0.005,
            max_lines_per_agent: 12.0,
            half_life_s: 900.0,
            warmup_dials: 200,
            ring_timeout_s: 25.0,
        }
    }
}

/// A time-decayed histogram on the [`STEP`] grid.
#[derive(Clone, Debug)]
struct DecayedHistogram {
    step: f64,
    bins: Vec<f64>,
    total: f64,
}

impl DecayedHistogram {
    fn new(max_s: f64, step: f64) -> Self {
        DecayedHistogram { step, bins: vec![0.0; (max_s / step) as usize + 1], total: 0.0 }
    }
    /// A prior: `weight` observations spread as a lognormal with this mean (CV 0.7).
    fn with_lognormal_prior(mut self, mean: f64, weight: f64) -> Self {
        let sigma = (1.0f64 + 0.49).ln().sqrt();
        let mu = mean.ln() - sigma * sigma / 2.0;
        for i in 0..self.bins.len() {
            let a = lognormal_cdf(i as f64 * self.step, mu, sigma);
            let b = lognormal_cdf((i + 1) as f64 * self.step, mu, sigma);
            self.bins[i] = (b - a) * weight;
        }
        self.total = self.bins.iter().sum();
        self
    }
    fn cdf(&self) -> Cdf {
        Cdf::from_histogram(&self.bins, self.step)
    }
    fn add(&mut self, x: f64, w: f64) {
        let i = ((x.max(0.0) / self.step) as usize).min(self.bins.len() - 1);
        self.bins[i] += w;
        self.total += w;
    }
    fn decay(&mut self, factor: f64) {
        self.bins.iter_mut().for_each(|b| *b *= factor);
        self.total *= factor;
    }
}

/// Clearline's adaptive pacer (module docs).
#[derive(Clone, Debug)]
pub struct ClearlinePacer {
    pub config: PacingConfig,
    theta: f64,
    live: DecayedHistogram,
    other: DecayedHistogram,
    lag_sum: f64,
    lag_w: f64,
    talk: DecayedHistogram,
    wrap: DecayedHistogram,
    resolved: u32,
    last_decay: Micros,
    last_feedback: Micros,
    tables: Option<Tables>,
    tables_at: Micros,
    stopped: bool,
    seen: crate::stats::Tally,
    recent_live: f64,
    recent_abandoned: f64,
}

impl ClearlinePacer {
    /// Steer `theta`: compare the recent measured rate (half-life 30 minutes) with a goal that leans
    /// against today's cumulative rate (above the target: aim lower; below: a little higher).
    fn feedback(&mut self, s: &Snapshot) {
        let today = s.today;
        if today.live < self.seen.live || today.abandoned < self.seen.abandoned {
            self.seen = crate::stats::Tally::default();
        }
        let f = 0.5f64.powf(30.0 / 1_800.0);
        self.recent_live = self.recent_live * f + (today.live - self.seen.live) as f64;
        self.recent_abandoned = self.recent_abandoned * f + (today.abandoned - self.seen.abandoned) as f64;
        self.seen = today;
        let goal = (self.config.target - self.config.amd_miss_allowance).max(0.001);
        let prior = 20.0;
        let recent = (self.recent_abandoned + prior * goal) / (self.recent_live + prior);
        let cumulative = (today.abandoned as f64 + 50.0 * goal) / (today.live as f64 + 50.0);
        let aim = (goal - 1.5 * (cumulative - goal)).clamp(0.2 * goal, 1.3 * goal);
        let err = (aim - recent) / goal;
        self.theta = (self.theta * (0.04 * err.clamp(-1.0, 1.0)).exp()).clamp(0.01, 0.5);
    }

    pub fn new(config: PacingConfig) -> ClearlinePacer {
        let max = config.ring_timeout_s + 15.0;
        ClearlinePacer {
            config,
            theta: 0.2,
            live: DecayedHistogram::new(max, STEP),
            other: DecayedHistogram::new(max, STEP),
            lag_sum: 0.0,
            lag_w: 0.0,
            talk: DecayedHistogram::new(7_200.0, 1.0).with_lognormal_prior(60.0, 3.0),
            wrap: DecayedHistogram::new(1_800.0, 1.0).with_lognormal_prior(10.0, 3.0),
            resolved: 0,
            last_decay: 0,
            last_feedback: 0,
            tables: None,
            tables_at: Micros::MIN,
            stopped: false,
            seen: crate::stats::Tally::default(),
            recent_live: 0.0,
            recent_abandoned: 0.0,
        }
    }

    /// The current aggressiveness.
    pub fn theta(&self) -> f64 {
        self.theta
    }

    /// The estimated probability that a dial turns live.
    pub fn p_live(&self) -> f64 {
        let total = self.live.total + self.other.total;
        if total > 0.0 {
            self.live.total / total
        } else {
            0.0
        }
    }

    fn build_tables(&self) -> Tables {
        let live_arrival = self.live.cdf();
        let wrap = self.wrap.cdf();
        let lag = if self.lag_w > 0.0 { self.lag_sum / self.lag_w } else { 1.0 };
        Tables {
            p_live: self.p_live(),
            arrival_quantiles: Tables::quantiles(&live_arrival),
            live_arrival,
            other_resolution: self.other.cdf(),
            grace: 2.0 - lag,
            // Answered calls: the live share among answers is unknown without more bookkeeping; the
            // dials that answer are roughly live or machine, so take the live share of answers as the
            // share of live among live + the answered part of the others (conservatively 0.5 floor).
            p_live_given_answered: 0.5f64.max(self.p_live()),
            talk: self.talk.cdf(),
            wrap_mean: wrap.mean(),
            wrap,
            dial_live: Vec::new(),
        }
    }
}

impl Pacer for ClearlinePacer {
    fn observe(&mut self, _now: Micros, o: Observation) {
        match o {
            Observation::Resolved { after, live, lag } => {
                self.resolved = self.resolved.saturating_add(1);
                if live {
                    self.live.add(after, 1.0);
                    self.lag_sum += lag;
                    self.lag_w += 1.0;
                } else {
                    self.other.add(after, 1.0);
                }
            }
            Observation::Talk { secs } => self.talk.add(secs, 1.0),
            Observation::Wrap { secs } => self.wrap.add(secs, 1.0),
        }
    }

    fn lines(&mut self, s: &Snapshot) -> usize {
        let now = s.now;
        // Forget with the configured half-life, every 30 s of time.
        if now - self.last_decay >= 30 * SECOND {
            let f = 0.5f64.powf(as_secs(now - self.last_decay) / self.config.half_life_s);
            self.live.decay(f);
            self.other.decay(f);
            self.lag_sum *= f;
            self.lag_w *= f;
            // Talk and wrap keep at least a few observations' weight.
            if self.talk.total * f > 20.0 {
                self.talk.decay(f);
            }
            if self.wrap.total * f > 20.0 {
                self.wrap.decay(f);
            }
            self.last_decay = now;
        }
        // CR-46 hard stop: one more abandoned call would reach the hard limit (today or 30 days).
        let would = |t: &crate::stats::Tally| t.rate_if_one_more_abandoned() + self.config.amd_miss_allowance;
        let today_live = s.today.live;
        self.stopped = (today_live >= 1 && would(&s.today) >= self.config.hard_limit)
            || (s.rolling_30d.live >= 1 && would(&s.rolling_30d) >= self.config.hard_limit);
        // Feedback on theta every 30 s (also while stopped, so the pacer comes back calmer).
        if now - self.last_feedback >= 30 * SECOND {
            self.feedback(s);
            self.last_feedback = now;
        }
        if self.stopped || self.resolved < self.config.warmup_dials || self.live.total < 1.0 {
            return Progressive.lines(s);
        }
        if self.tables.is_none() || now - self.tables_at >= 15 * SECOND {
            self.tables = Some(self.build_tables().prepare());
            self.tables_at = now;
        }
        let max_lines = (self.config.max_lines_per_agent * s.logged_in as f64) as usize;
        let tables = self.tables.as_ref().expect("built above");
        let n = lines_by_rule(s, tables, self.theta, max_lines);
        n.max(Progressive.lines(s))
    }

    fn reserved_agents(&self, s: &Snapshot) -> usize {
        match &self.tables {
            Some(t) if !self.stopped => expected_claims(s, t),
            _ => s.outstanding(),
        }
    }

    fn hard_stopped(&self) -> bool {
        self.stopped
    }
}

/// Where the oracle's tables come from: the generator, at a time (its answer rate drifts).
pub trait TrueTables {
    fn tables_at(&self, now: Micros) -> Tables;
}

/// The true-parameter oracle: the same rule, the generator's exact distributions, a fixed `theta`.
pub struct OraclePacer<T: TrueTables> {
    pub truth: T,
    pub theta: f64,
    pub max_lines_per_agent: f64,
    tables: Option<Tables>,
    tables_at: Micros,
}

impl<T: TrueTables> OraclePacer<T> {
    pub fn new(truth: T, theta: f64, max_lines_per_agent: f64) -> Self {
        OraclePacer { truth, theta, max_lines_per_agent, tables: None, tables_at: Micros::MIN }
    }
}

impl<T: TrueTables> Pacer for OraclePacer<T> {
    fn observe(&mut self, _: Micros, _: Observation) {}
    fn lines(&mut self, s: &Snapshot) -> usize {
        if self.tables.is_none() || s.now - self.tables_at >= 60 * SECOND {
            self.tables = Some(self.truth.tables_at(s.now).prepare());
            self.tables_at = s.now;
        }
        let max_lines = (self.max_lines_per_agent * s.logged_in as f64) as usize;
        let n = lines_by_rule(s, self.tables.as_ref().expect("built above"), self.theta, max_lines);
        n.max(Progressive.lines(s))
    }

    fn reserved_agents(&self, s: &Snapshot) -> usize {
        match &self.tables {
            Some(t) => expected_claims(s, t),
            None => s.outstanding(),
        }
    }
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The lognormal CDF at `x`.
pub fn lognormal_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        normal_cdf((x.ln() - mu) / sigma)
    }
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(free: usize, dialing: usize) -> Snapshot {
        Snapshot { now: 0, logged_in: 10, free, dialing: vec![1.0; dialing], ..Snapshot::default() }
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }

    #[test]
    fn progressive_never_dials_more_lines_than_free_agents() {
        for free in 0..20 {
            for dialing in 0..25 {
                let s = snapshot(free, dialing);
                let n = Progressive.lines(&s);
                assert!(n + s.outstanding() <= free.max(s.outstanding()), "free {free}, dialing {dialing}: {n}");
                assert!(n <= free);
            }
        }
        assert_eq!(Progressive.lines(&snapshot(5, 2)), 3);
        assert_eq!(Progressive.lines(&snapshot(2, 5)), 0);
    }

    #[test]
    fn hard_stop_engages_when_one_more_abandon_would_cross_the_limit() {
        // CR-46: with 2.4 % measured (+0.5 % allowance), one more abandon crosses the 2.9 % hard limit.
        let mut pacer = ClearlinePacer::new(PacingConfig { warmup_dials: 0, ..PacingConfig::default() });
        for i in 0..400 {
            pacer.observe(0, Observation::Resolved { after: 10.0 + (i % 10) as f64, live: i % 5 == 0, lag: 0.8 });
        }
        let mut s = snapshot(10, 0);
        s.now = 60 * SECOND;
        s.today = crate::stats::Tally { live: 1_000, abandoned: 10 };
        s.rolling_30d = s.today;
        let relaxed = pacer.lines(&s);
        assert!(!pacer.hard_stopped());
        assert!(relaxed > 10, "with 1 % abandonment the pacer dials ahead of the 10 free agents: {relaxed}");
        s.today = crate::stats::Tally { live: 1_000, abandoned: 24 };
        s.rolling_30d = s.today;
        let stopped = pacer.lines(&s);
        assert!(pacer.hard_stopped(), "(24+1)/1001 + 0.5 % ≥ 2.9 %");
        assert_eq!(stopped, 10, "the progressive floor: one line per free agent");
        // The 30-day window alone triggers it too.
        s.today = crate::stats::Tally { live: 10, abandoned: 0 };
        s.rolling_30d = crate::stats::Tally { live: 5_000, abandoned: 120 };
        pacer.lines(&s);
        assert!(pacer.hard_stopped());
    }

    #[test]
    fn the_rule_dials_more_with_a_larger_theta_and_fewer_with_lines_in_flight() {
        let live = Cdf::from_histogram(
            &(0..100).map(|i| if (16..80).contains(&i) { 1.0 } else { 0.0 }).collect::<Vec<_>>(),
            STEP,
        );
        let other = Cdf::from_histogram(&(0..100).map(|i| if i == 99 { 1.0 } else { 0.0 }).collect::<Vec<_>>(), STEP);
        let t = Tables {
            p_live: 0.1,
            arrival_quantiles: Tables::quantiles(&live),
            live_arrival: live,
            other_resolution: other,
            grace: 1.0,
            p_live_given_answered: 0.5,
            talk: Cdf::lognormal(4.0, 0.7, 600.0, 1.0),
            wrap: Cdf::lognormal(2.0, 0.5, 100.0, 1.0),
            wrap_mean: 8.0,
            dial_live: Vec::new(),
        };
        let s = snapshot(5, 0);
        let low = lines_by_rule(&s, &t, 0.01, 1_000);
        let high = lines_by_rule(&s, &t, 0.2, 1_000);
        assert!(low < high, "{low} < {high}");
        assert!(low >= 5, "five free agents at 10 % live answers need at least five lines: {low}");
        let busy = lines_by_rule(&snapshot(5, 40), &t, 0.2, 1_000);
        assert!(busy < high, "{busy} < {high}");
        assert!(lines_by_rule(&snapshot(5, 0), &t, 0.2, 7) <= 7, "the cap holds");
    }
}
