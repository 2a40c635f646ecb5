//! `clearline bench policy`: contact-policy decisions per second on one thread.
//!
//! The cases are generated from a seed before the clock starts (every case distinct: each has its own
//! instant), spread over every line type, dial mode, purpose and the states with rules of their own,
//! with consent records, do-not-call entries, attempt histories, agents abroad and a sprinkling of
//! missing and contradictory facts. The timed loop calls `decide` once per case and folds each verdict
//! into a checksum; nothing is carried from one case to the next but the checksum. A sample is then
//! evaluated again by the separately written naive evaluator (`naive.rs`) and the two checksums must
//! agree, so the speed is not bought with wrong answers.

mod naive;

use crate::policy::zone_table;
use anyhow::bail;
use clap::Args;
use clearline_core::disposition::Disposition;
use clearline_core::phone::{LineType, PhoneE164};
use clearline_core::policy::{
    decide, Case, ConditionSet, Country, DialMode, Purpose, RndCheck, RndResult, RuleId, RuleSet, StateCode, Verdict,
    VerdictKind, Window, ZoneSet, ZoneTable,
};
use clearline_core::tz;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct PolicyBenchArgs {
    /// Cases to decide (default 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    cases: usize,
    /// A small run for CI (20,000 cases, 2,000 of them checked by the naive evaluator).
    #[arg(long)]
    quick: bool,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

#[derive(Serialize)]
struct Report {
    cases: usize,
    seconds: f64,
    decisions_per_second: f64,
    ns_per_decision: f64,
    allow: usize,
    allow_with_conditions: usize,
    deny: usize,
    sample: usize,
    sample_checksum: String,
    naive_checksum: String,
    checksums_agree: bool,
}

struct Generated {
    case: Case,
    address_zones: Vec<&'static str>,
}

pub fn run(args: PolicyBenchArgs, json: bool) -> anyhow::Result<ExitCode> {
    let (count, sample) = if args.quick { (20_000, 2_000) } else { (args.cases, 10_000.min(args.cases)) };
    let table = zone_table()?;
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let generated: Vec<Generated> = (0..count).map(|i| generate(&mut rng, &table, i)).collect();
    if !json {
        eprintln!("Generated {count} cases in {:.1} s", started.elapsed().as_secs_f64());
    }
    let cases: Vec<Case> = generated.iter().map(|g| g.case.clone()).collect();

    // The timed loop: one decision per case, folded into the checksum and the counts.
    let clock = Instant::now();
    let mut checksum = Checksum::default();
    let mut kinds = [0usize; 3];
    for case in &cases {
        let verdict = decide(&table, case);
        kinds[verdict.kind as usize] += 1;
        checksum.add(&verdict);
    }
    let seconds = clock.elapsed().as_secs_f64();
    std::hint::black_box(checksum.0);

    // The same sample, by the engine and by the naive evaluator.
    let mut engine = Checksum::default();
    let mut plain = Checksum::default();
    let mut first_difference = None;
    // The sample is spread evenly over the whole run (every day, both sides of the clock change).
    let step = (count / sample.max(1)).max(1);
    for (i, g) in generated.iter().step_by(step).take(sample).enumerate() {
        let verdict = decide(&table, &g.case);
        let names = naive::zone_names(&g.case, &g.address_zones);
        let expected = naive::evaluate(&g.case, &names);
        let (mut one, mut other) = (Checksum::default(), Checksum::default());
        one.add(&verdict);
        other.add_plain(&expected);
        if one.0 != other.0 && first_difference.is_none() {
            eprintln!(
                "sample case {i}: engine {} {:?} {:?} {:?}; naive {} {:?} {:?} {:?}",
                verdict.kind.as_str(),
                verdict.rules.iter().map(RuleId::as_str).collect::<Vec<_>>(),
                verdict.conditions.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                verdict.next_allowed_at,
                expected.kind,
                expected.rules,
                expected.conditions,
                expected.next_allowed_at
            );
            first_difference = Some(i);
        }
        engine.add(&verdict);
        plain.add_plain(&expected);
    }
    let report = Report {
        cases: count,
        seconds,
        decisions_per_second: count as f64 / seconds,
        ns_per_decision: seconds * 1e9 / count as f64,
        allow: kinds[VerdictKind::Allow as usize],
        allow_with_conditions: kinds[VerdictKind::AllowWithConditions as usize],
        deny: kinds[VerdictKind::Deny as usize],
        sample,
        sample_checksum: format!("{:016x}", engine.0),
        naive_checksum: format!("{:016x}", plain.0),
        checksums_agree: engine.0 == plain.0,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} decisions in {:.3} s: {:.0} decisions/s ({:.0} ns each), one thread",
            report.cases, report.seconds, report.decisions_per_second, report.ns_per_decision
        );
        println!(
            "verdicts: {} allow, {} allow_with_conditions, {} deny",
            report.allow, report.allow_with_conditions, report.deny
        );
        println!(
            "checksum over {} sample cases: engine {} naive {} ({})",
            report.sample,
            report.sample_checksum,
            report.naive_checksum,
            if report.checksums_agree { "agree" } else { "DIFFER" }
        );
    }
    if !report.checksums_agree {
        bail!("the engine and the naive evaluator disagree, first at sample case {:?}", first_difference);
    }
    Ok(ExitCode::SUCCESS)
}

/// FNV-1a over each verdict's kind, rules, conditions and next allowed instant.
struct Checksum(u64);

impl Default for Checksum {
    fn default() -> Self {
        Checksum(0xcbf2_9ce4_8422_2325)
    }
}

impl Checksum {
    fn mix(&mut self, value: u64) {
        for byte in value.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn add(&mut self, v: &Verdict) {
        self.add_parts(v.kind, v.rules, v.conditions, v.next_allowed_at);
    }

    fn add_plain(&mut self, p: &naive::Plain) {
        let kind = VerdictKind::parse(p.kind).expect("a verdict kind");
        let mut rules = RuleSet::EMPTY;
        for r in &p.rules {
            rules.insert(RuleId::parse(r).expect("a rule id"));
        }
        let mut conditions = ConditionSet::EMPTY;
        for c in &p.conditions {
            conditions.insert(clearline_core::policy::Condition::parse(c).expect("a condition"));
        }
        self.add_parts(kind, rules, conditions, p.next_allowed_at);
    }

    fn add_parts(&mut self, kind: VerdictKind, rules: RuleSet, conditions: ConditionSet, next: Option<Timestamp>) {
        self.mix(kind as u64);
        self.mix(rules.bits());
        self.mix(u64::from(conditions.bits()));
        self.mix(next.map_or(u64::MAX, |t| t.as_second() as u64));
    }
}

const AREA_CODES: &[u16] = &[
    919, 704, 212, 718, 310, 415, 213, 612, 651, 218, 317, 219, 812, 701, 605, 603, 775, 702, 907, 208, 406, 512, 915,
    305, 850, 602, 928, 808, 541, 503, 313, 906, 270, 423, 615, 800, 888, 405, 918,
];
const STATES: &[&str] =
    &["NC", "CA", "MN", "IN", "ND", "NH", "NY", "TX", "FL", "AK", "SD", "NV", "ID", "AZ", "HI", "KY", "OK"];
const AGENT_COUNTRIES: &[(&str, u32)] = &[("US", 80), ("PH", 12), ("IN", 5), ("CN", 2), ("RU", 1)];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn weighted(rng: &mut StdRng, items: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    items[0].0
}

/// One case: its own instant (distinct by index: one second apart from 12:00 to 04:00 UTC, the US
/// calling day and its edges, day after day from 2026-02-20, so a million cases cross the spring-forward
/// night), the rest drawn at random.
fn generate(rng: &mut StdRng, table: &ZoneTable, index: usize) -> Generated {
    let start: Timestamp = "2026-02-20T12:00:00Z".parse().expect("an instant");
    let (day, second) = (index as i64 / 57_600, index as i64 % 57_600);
    let instant = start + SignedDuration::from_secs(day * 86_400 + second);
    let npa = *pick(rng, AREA_CODES);
    let national = u64::from(npa) * 10_000_000 + rng.gen_range(2_000_000..10_000_000u64);
    let phone: Option<PhoneE164> = format!("+1{national}").parse().ok();
    let state = if rng.gen_bool(0.1) { None } else { Some(*pick(rng, STATES)) };
    let mut address_zones: Vec<&'static str> = Vec::new();
    if let Some(state) = state {
        let zones = tz::state_zones(state).unwrap_or_default();
        match rng.gen_range(0..10) {
            0..=6 => address_zones.push(zones[0]),
            7..=8 => {}
            _ => {
                address_zones.push(zones[0]);
                address_zones.push(*pick(rng, tz::ALL_US_ZONES));
            }
        }
    }
    let mut candidate_zones = ZoneSet::EMPTY;
    for z in &address_zones {
        candidate_zones.insert(table.id(z).expect("a zone of the table"));
    }
    let toll_free = phone.is_some_and(|p| clearline_core::phone::is_toll_free(&p));
    let line = match rng.gen_range(0..100) {
        _ if toll_free => LineType::Protected,
        0..=44 => LineType::Wireless,
        45..=74 => LineType::Landline,
        75..=82 => LineType::Voip,
        83..=94 => LineType::Unknown,
        _ => LineType::Protected,
    };
    let consent = rng.gen_bool(0.3);
    let consent_at = consent.then(|| instant - SignedDuration::from_hours(rng.gen_range(1..9_600)));
    let rnd = match consent_at {
        Some(at) if rng.gen_bool(0.9) => {
            let span = (instant.as_second() - at.as_second()).max(1);
            let checked_at = at + SignedDuration::from_secs(rng.gen_range(0..span));
            let result = match rng.gen_range(0..20) {
                0..=16 => RndResult::NotReassigned,
                17..=18 => RndResult::Reassigned,
                _ => RndResult::NoData,
            };
            Some(RndCheck { result, checked_at })
        }
        _ => None,
    };
    let attempts = rng.gen_range(0..4u32);
    let history = attempts > 0;
    // Mostly retryable outcomes, as in a running program; a few final ones.
    let disposition = match rng.gen_range(0..100) {
        0..=39 => Disposition::NoAnswer,
        40..=54 => Disposition::Busy,
        55..=84 => Disposition::AnsweringMachine,
        85..=94 => Disposition::CallbackRequested,
        95..=96 => Disposition::Refused,
        97..=98 => Disposition::WrongNumber,
        _ => Disposition::DoNotCall,
    };
    let household_cap = rng.gen_bool(0.3).then(|| rng.gen_range(3..10u32));
    let agent = weighted(rng, AGENT_COUNTRIES);
    let case = Case {
        instant: Some(instant),
        candidate_zones,
        address_state: state.and_then(StateCode::parse),
        phone,
        line_type: (!rng.gen_bool(0.005)).then_some(line),
        // Mostly looked up within the last two weeks; some stale (CR-12), a few never.
        line_type_checked_at: match rng.gen_range(0..10) {
            0..=6 => Some(instant - SignedDuration::from_mins(rng.gen_range(0..20_160))),
            7..=8 => Some(instant - SignedDuration::from_hours(rng.gen_range(360..2_160))),
            _ => None,
        },
        business_line: rng.gen_bool(0.05),
        business_lines_in_progress: (!rng.gen_bool(0.1)).then(|| rng.gen_range(0..3)),
        dial_mode: (!rng.gen_bool(0.005)).then(|| *pick(rng, &DialMode::ALL)),
        purpose: (!rng.gen_bool(0.005)).then(|| *pick(rng, &Purpose::ALL)),
        consent: (!rng.gen_bool(0.005)).then_some(consent),
        consent_at,
        written_consent: consent && rng.gen_bool(0.5),
        rnd,
        on_dnc: Some(rng.gen_bool(0.03)),
        on_org_dnc: rng.gen_bool(0.01),
        on_national_dnc: match rng.gen_range(0..10) {
            0..=1 => Some(true),
            2..=8 => Some(false),
            _ => None,
        },
        prerecorded_calls_30d: (!rng.gen_bool(0.02)).then(|| rng.gen_range(0..5)),
        attempts: Some(attempts),
        max_attempts: Some(rng.gen_range(2..7)),
        last_attempt_at: (history && !rng.gen_bool(0.01))
            .then(|| instant - SignedDuration::from_mins(rng.gen_range(10..4_320))),
        min_spacing_minutes: rng.gen_bool(0.5).then(|| rng.gen_range(30..240)),
        household_attempts: household_cap.and_then(|_| (!rng.gen_bool(0.02)).then(|| rng.gen_range(0..12))),
        max_household_attempts: household_cap,
        last_disposition: history.then_some(disposition),
        recorded: match rng.gen_range(0..10) {
            0..=4 => Some(true),
            5..=8 => Some(false),
            _ => None,
        },
        agent_country: (!rng.gen_bool(0.01)).then(|| Country::parse(agent).expect("a country")),
        agent_state: rng.gen_bool(0.5).then(|| *pick(rng, STATES)).and_then(StateCode::parse),
        vendor_country: match rng.gen_range(0..100) {
            0..=69 => None,
            70..=97 => Country::parse("US"),
            _ => Country::parse("VE"),
        },
        source_state: if rng.gen_bool(0.05) { None } else { StateCode::parse(state.unwrap_or("NC")) },
        program_window: match rng.gen_range(0..1000) {
            0 => Some(Window::hours(20, 9)),
            1..=400 => Some(Window { open: 9 * 3600, close: 20 * 3600 + 1800 }),
            401..=450 => Some(Window::hours(10, 19)),
            _ => None,
        },
        caller_id_authorized: match rng.gen_range(0..100) {
            0..=97 => Some(true),
            98 => Some(false),
            _ => None,
        },
        commercial_content: rng.gen_bool(0.1),
        calls_24h: (!rng.gen_bool(0.02)).then(|| rng.gen_range(0..=attempts)),
    };
    Generated { case, address_zones }
}
