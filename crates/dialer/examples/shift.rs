//! One simulated shift, printed: `cargo run --release -p clearline-dialer --example shift -- AGENTS RATE PROFILE POLICY [THETA] [HOURS]`.
use clearline_dialer::sim::{run_shift, PolicyKind, Profile, Scenario};
use clearline_dialer::SECOND;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let agents: u32 = args.get(1).map_or(100, |a| a.parse().unwrap());
    let rate: f64 = args.get(2).map_or(0.05, |a| a.parse().unwrap());
    let profile = if args.get(3).map(String::as_str) == Some("survey") { Profile::SURVEY } else { Profile::GOTV };
    let theta: f64 = args.get(5).map_or(0.1, |a| a.parse().unwrap());
    let policy = match args.get(4).map(String::as_str) {
        Some("progressive") => PolicyKind::Progressive,
        Some("oracle") => PolicyKind::Oracle { theta },
        _ => PolicyKind::Clearline,
    };
    let mut s = Scenario::new(agents, rate, profile, 1, policy);
    if let Some(h) = args.get(6) {
        s.shift = (h.parse::<f64>().unwrap() * 3600.0) as i64 * SECOND;
    }
    if let Some(l) = args.get(7) {
        s.landline = l.parse().unwrap();
    }
    let t = std::time::Instant::now();
    let r = run_shift(&s);
    println!("{r:?} in {:.2} s", t.elapsed().as_secs_f64());
}
