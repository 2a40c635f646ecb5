//! The simulated carrier and its outcome model: seeded determinism, the documented shares and times,
//! common random numbers across policies, and the shift loop's basic accounting.

use clearline_dialer::carrier::AmdResult;
use clearline_dialer::lead::LeadSource;
use clearline_dialer::sim::run::GeneratedLeads;
use clearline_dialer::sim::{run_shift, OutcomeModel, PolicyKind, Profile, Scenario, TrueOutcome};
use clearline_dialer::{as_secs, SECOND};

fn short(agents: u32, policy: PolicyKind, seed: u64) -> Scenario {
    let mut s = Scenario::new(agents, 0.10, Profile::GOTV, seed, policy);
    s.shift = 1_800 * SECOND;
    s
}

#[test]
fn the_same_seed_gives_identical_figures_and_another_seed_different_ones() {
    for policy in [PolicyKind::Clearline, PolicyKind::Progressive, PolicyKind::Oracle { theta: 0.2 }] {
        let a = run_shift(&short(10, policy, 5));
        let b = run_shift(&short(10, policy, 5));
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{policy:?}");
        let c = run_shift(&short(10, policy, 6));
        assert_ne!(format!("{a:?}"), format!("{c:?}"), "{policy:?}");
    }
}

#[test]
fn outcome_shares_and_times_follow_the_documented_model() {
    let shift = 8 * 3_600 * SECOND;
    let model = OutcomeModel::new(0.10, Profile::GOTV, shift);
    let mid = shift / 2;
    let n = 40_000u64;
    let (mut human, mut machine, mut fail, mut none) = (0, 0, 0, 0);
    let (mut amd_machine_on_human, mut talk_sum) = (0, 0.0);
    for lead in 0..n {
        let d = model.draw(9, lead);
        talk_sum += as_secs(d.talk);
        match model.outcome(&d, mid, 25 * SECOND) {
            TrueOutcome::Human { answer, amd, .. } => {
                human += 1;
                assert!((4 * SECOND..20 * SECOND).contains(&answer));
                if amd == AmdResult::Machine {
                    amd_machine_on_human += 1;
                }
            }
            TrueOutcome::Machine { answer, .. } => {
                machine += 1;
                assert!((15 * SECOND..25 * SECOND).contains(&answer));
            }
            TrueOutcome::Fail { after, .. } => {
                fail += 1;
                assert!((SECOND..4 * SECOND).contains(&after));
            }
            TrueOutcome::NoAnswer => none += 1,
        }
    }
    let share = |k: i32| k as f64 / n as f64;
    assert!((share(human) - 0.10).abs() < 0.006, "human {}", share(human));
    assert!((share(machine) - 0.25).abs() < 0.01, "machine {}", share(machine));
    assert!((share(fail) - 0.10).abs() < 0.006, "fail {}", share(fail));
    assert!((share(none) - 0.55).abs() < 0.012, "no answer {}", share(none));
    assert!(amd_machine_on_human < human / 50, "the detector rarely calls a human a machine");
    let talk_mean = talk_sum / n as f64;
    assert!((talk_mean - 60.0).abs() < 2.0, "GOTV talk mean ≈ 60 s: {talk_mean}");
    // Drift: fewer answers early in the shift than late.
    assert!(model.p_human_at(0) < model.p_human_at(shift));
    assert!((model.p_human_at(mid) - 0.10).abs() < 1e-9);
}

#[test]
fn the_same_lead_draws_the_same_numbers_whatever_dials_it() {
    let model = OutcomeModel::new(0.05, Profile::SURVEY, 8 * 3_600 * SECOND);
    assert_eq!(model.draw(3, 1234), model.draw(3, 1234));
    assert_ne!(model.draw(3, 1234), model.draw(3, 1235));
    assert_ne!(model.draw(3, 1234), model.draw(4, 1234));
    let leads = GeneratedLeads::new(3, 0.4, 0.2);
    assert_eq!(leads.lead(77), GeneratedLeads::new(3, 0.4, 0.2).lead(77));
}

#[test]
fn generated_leads_have_the_asked_landline_share_and_shared_households() {
    let mut leads = GeneratedLeads::new(1, 0.3, 0.2);
    let mut landline = 0;
    let mut shared = 0;
    let n = 20_000;
    for _ in 0..n {
        let l = leads.next_lead().unwrap();
        if l.line_type == clearline_core::phone::LineType::Landline {
            landline += 1;
        }
        if l.household != l.person {
            shared += 1;
        }
    }
    assert!((landline as f64 / n as f64 - 0.3).abs() < 0.015);
    assert!(
        (shared as f64 / n as f64 - 0.1).abs() < 0.015,
        "half of the 20 % paired leads carry the other's household"
    );
}

#[test]
fn a_shift_accounts_time_and_the_predictive_pacer_beats_progressive() {
    let mut clearline = short(25, PolicyKind::Clearline, 2);
    let mut progressive = short(25, PolicyKind::Progressive, 2);
    clearline.shift = 3 * 3_600 * SECOND;
    progressive.shift = clearline.shift;
    let c = run_shift(&clearline);
    let p = run_shift(&progressive);
    for r in [&c, &p] {
        assert!(r.occupancy > 0.0 && r.occupancy <= 1.0, "{r:?}");
        assert!(r.abandonment <= 0.03, "CR-46: {r:?}");
        assert!(r.wait_p50_s <= r.wait_p95_s);
        assert_eq!(r.landline_share, 1.0);
    }
    assert!(c.occupancy > p.occupancy, "predictive {} > progressive {}", c.occupancy, p.occupancy);
    assert!(c.contacts_per_agent_hour > p.contacts_per_agent_hour);
}
