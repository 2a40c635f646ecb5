//! Cross-check of the engine's CR-46 queue against an independent simulator, ciw (PyPI, MIT): an
//! M/M/c queue whose customers leave after 2 s of waiting. Here the customers are live answers fed to the
//! real engine (Poisson arrivals, exponential talk, no wrap-up), and the engine's own 2-second rule
//! abandons them. The abandoned share and the mean wait of connected calls must agree with ciw's within a
//! confidence band (4 standard errors of the difference over replications, plus a small floor).
//!
//! Without Python's `ciw` the test is skipped with a message, except under CI=true, where it fails (CI
//! installs tools/dialer_ciw/requirements.txt).

use clearline_core::phone::LineType;
use clearline_dialer::carrier::{AmdResult, CallId, CarrierEvent, Command, EventKind, HungUpBy};
use clearline_dialer::engine::{AgentId, AgentNotice, Engine, EngineConfig, Output, ProgramMode};
use clearline_dialer::lead::{Lead, LineTypeGate, MemoryLeads};
use clearline_dialer::pacing::{Observation, Pacer, Snapshot};
use clearline_dialer::{secs, Micros, SECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;
use std::process::Command as Process;

const SERVERS: u32 = 10;
const LAMBDA: f64 = 0.158;
const MU: f64 = 1.0 / 60.0;
const PATIENCE: f64 = 2.0;
const HORIZON: f64 = 40_000.0;
const WARMUP: f64 = 1_000.0;
const REPS: u64 = 5;

struct Once(usize);
impl Pacer for Once {
    fn observe(&mut self, _: Micros, _: Observation) {}
    fn lines(&mut self, _: &Snapshot) -> usize {
        std::mem::take(&mut self.0)
    }
}

/// One replication through the engine: (abandoned share, mean wait of connected calls).
fn engine_replication(seed: u64) -> (f64, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut exp = |rate: f64| -(1.0 - rng.gen::<f64>()).ln() / rate;
    let mut arrivals = Vec::new();
    let mut t = 0.0;
    while t < HORIZON + 100.0 {
        t += exp(LAMBDA);
        arrivals.push(t);
    }
    let services: Vec<f64> = arrivals.iter().map(|_| exp(MU)).collect();
    let n = arrivals.len();
    let leads = (0..n as u64).map(|i| Lead { id: i, person: i, household: i, line_type: LineType::Landline });
    // Every call is placed at time 0 and "answers" at its arrival time; the pacer is asked once.
    let config =
        EngineConfig { mode: ProgramMode::Predictive, pace_interval: 1_000_000 * SECOND, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(leads)), Box::new(LineTypeGate), Box::new(Once(n))).unwrap();
    let mut calls = Vec::with_capacity(n);
    e.tick(0);
    for o in e.take_outputs() {
        if let Output::Carrier(Command::Originate { call, .. }) = o {
            calls.push(call);
        }
    }
    assert_eq!(calls.len(), n);
    for a in 0..SERVERS {
        e.login(0, AgentId(a));
    }
    e.take_outputs();
    // Events: (time, order, what). what: 0 = arrival of call index, 1 = hang-up of call id.
    let mut heap: BinaryHeap<Reverse<(Micros, u64, u8, u64)>> = BinaryHeap::new();
    for (i, a) in arrivals.iter().enumerate() {
        heap.push(Reverse((secs(*a), i as u64, 0, i as u64)));
    }
    let mut seq = n as u64;
    let index: HashMap<CallId, usize> = calls.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let arrived_at = |i: usize| secs(arrivals[i]);
    let (mut connected, mut abandoned, mut wait_sum) = (0u64, 0u64, 0.0f64);
    loop {
        let next_event = heap.peek().map(|Reverse((t, ..))| *t).unwrap_or(Micros::MAX);
        let timer = e.next_timer();
        if next_event == Micros::MAX && e.calls_in_progress() == 0 {
            break;
        }
        let now;
        if timer < next_event {
            now = timer;
            e.tick(now);
        } else {
            let Reverse((at, _, what, id)) = heap.pop().unwrap();
            now = at;
            let call = if what == 0 { calls[id as usize] } else { CallId(id) };
            if what == 0 {
                e.on_event(CarrierEvent { at, call, kind: EventKind::Answered });
                let kind = EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: at, decided_at: at };
                e.on_event(CarrierEvent { at, call, kind });
            } else {
                e.on_event(CarrierEvent { at, call, kind: EventKind::HungUp { by: HungUpBy::Remote } });
            }
        }
        for o in e.take_outputs() {
            match o {
                Output::Carrier(Command::Bridge { call, .. }) => {
                    let i = index[&call];
                    seq += 1;
                    heap.push(Reverse((now + secs(services[i]), seq, 1, call.0)));
                    if arrivals[i] >= WARMUP && arrivals[i] <= HORIZON {
                        connected += 1;
                        wait_sum += (now - arrived_at(i)) as f64 / SECOND as f64;
                    }
                }
                Output::Carrier(Command::PlayAudio { call, .. }) => {
                    // The safe-harbor message: abandoned (CR-46). The carrier hangs up after it.
                    let i = index[&call];
                    if arrivals[i] >= WARMUP && arrivals[i] <= HORIZON {
                        abandoned += 1;
                    }
                    seq += 1;
                    heap.push(Reverse((now + 8 * SECOND, seq, 1, call.0)));
                }
                Output::Agent(agent, AgentNotice::WrapUp { .. }) => e.wrap_done(now, agent, None),
                _ => {}
            }
        }
        // Wrap-up is immediate, so its outputs (an agent taking the next waiting call) come now.
        for o in e.take_outputs() {
            if let Output::Carrier(Command::Bridge { call, .. }) = o {
                let i = index[&call];
                seq += 1;
                heap.push(Reverse((now + secs(services[i]), seq, 1, call.0)));
                if arrivals[i] >= WARMUP && arrivals[i] <= HORIZON {
                    connected += 1;
                    wait_sum += (now - arrived_at(i)) as f64 / SECOND as f64;
                }
            }
        }
        if next_event == Micros::MAX && heap.is_empty() && e.next_timer() > now + 3_600 * SECOND {
            break;
        }
    }
    (abandoned as f64 / (connected + abandoned) as f64, wait_sum / connected as f64)
}

fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

#[test]
fn cr46_queue_matches_ciw_mmc_with_two_second_reneging() {
    let installed =
        Process::new("python3").args(["-c", "import ciw"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !installed {
        let message = "SKIPPED: python ciw not installed (pip install -r tools/dialer_ciw/requirements.txt)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message}: required under CI");
        }
        eprintln!("{message}");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/dialer_ciw/mmc_renege.py");
    let args = [
        SERVERS.to_string(),
        LAMBDA.to_string(),
        MU.to_string(),
        PATIENCE.to_string(),
        HORIZON.to_string(),
        WARMUP.to_string(),
        REPS.to_string(),
    ];
    let out = Process::new("python3").arg(&script).args(&args).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON from the script");
    let floats = |k: &str| json[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<_>>();
    let (ciw_abandon, ciw_wait) = (floats("abandon"), floats("mean_wait"));

    let ours: Vec<(f64, f64)> = (0..REPS).map(|s| engine_replication(7 + s)).collect();
    let our_abandon: Vec<f64> = ours.iter().map(|o| o.0).collect();
    let our_wait: Vec<f64> = ours.iter().map(|o| o.1).collect();

    for (name, a, b, floor) in
        [("abandoned share", &our_abandon, &ciw_abandon, 0.005), ("mean wait (s)", &our_wait, &ciw_wait, 0.005)]
    {
        let (ma, sa) = mean_se(a);
        let (mb, sb) = mean_se(b);
        let band = 4.0 * (sa * sa + sb * sb).sqrt() + floor;
        eprintln!("{name}: engine {ma:.4} ± {sa:.4}, ciw {mb:.4} ± {sb:.4}, band {band:.4}");
        assert!((ma - mb).abs() <= band, "{name}: engine {ma:.4} vs ciw {mb:.4} (band {band:.4})");
    }
    // A queue this loaded abandons a good share: the check is not vacuous.
    assert!(mean_se(&ciw_abandon).0 > 0.05);
}
