//! Bot agents for simulated calling: what they record at the end of a call with a person, and on a
//! survey the answers the person gives. Seeded, so the same run gives the same dispositions and answers.

use clearline_core::disposition::Disposition;
use clearline_core::script::{walk, Answer, AnswerKind, Question, Script, Step, Walk};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shares of what a person on a GOTV or survey call ends as (a caller's floor, roughly: most finish the
/// script; some refuse, ask for a callback, are not the person, or ask never to be called again).
pub const HUMAN_OUTCOMES: [(Disposition, f64); 6] = [
    (Disposition::Complete, 0.65),
    (Disposition::Refused, 0.15),
    (Disposition::RespondentUnavailable, 0.08),
    (Disposition::CallbackRequested, 0.06),
    (Disposition::DoNotCall, 0.03),
    (Disposition::WrongNumber, 0.03),
];

/// The disposition a bot records for call `call` of a run seeded `seed`: a person's outcome by
/// [`HUMAN_OUTCOMES`], or an answering machine when the agent was bridged to one.
pub fn bot_disposition(seed: u64, call: u64, human: bool) -> Disposition {
    if !human {
        return Disposition::AnsweringMachine;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ call.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut u: f64 = rng.gen();
    for (d, share) in HUMAN_OUTCOMES {
        if u < share {
            return d;
        }
        u -= share;
    }
    Disposition::Complete
}

/// Canned open answers (one starts with `+`, as people type, so the export's formula defusing is
/// exercised on real data).
pub const OPEN_ANSWERS: [&str; 5] = [
    "",
    "Fix the potholes on Main Street",
    "More bus routes, please",
    "+1 for the new library",
    "Lower property taxes",
];

/// A person on a survey call, answering as a bot: the call's walk through `script` from its first step.
///
/// The answer model (docs/surveys.md), drawn from one stream seeded by the run's seed and the call:
/// - **single choice**: option *k* (document order, from 0) with weight 1/(k+1)², so the first option
///   is the most common answer and the shares differ enough to show in a topline;
/// - **multiple choice**: each option *k* independently with probability 0.6/(k+1); none drawn means
///   the first option shown;
/// - **scale** MIN..MAX: MAX − ⌊(MAX−MIN+1)·u²⌋, skewed to the top (most people say they will vote);
/// - **numeric** MIN..MAX: uniform over MIN..=min(MAX, MIN+62) (an adult's age for 18..120);
///   unbounded: 0..=100;
/// - **open**: one of [`OPEN_ANSWERS`];
/// - a `randomize` question's options are shown in a seeded shuffle; the answer does not depend on the
///   order shown (no order effect is simulated);
/// - **party**: on a randomized single-choice question (an opinion question; screening questions are
///   not randomized) a Republican's preference order swaps the first two options, so opinion
///   differs by party in a crosstab (Democrats and everyone else keep the document order).
pub fn bot_survey(seed: u64, call: u64, script: &Script, party: Option<&str>) -> Walk {
    let swap = party == Some("REP");
    let rng = std::cell::RefCell::new(ChaCha8Rng::seed_from_u64(
        seed ^ call.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5u64.wrapping_mul(0xd1b5_4a32_d192_ed03),
    ));
    walk(
        script,
        |_, q| {
            let mut keys: Vec<String> = q.options.iter().map(|o| o.key.clone()).collect();
            keys.shuffle(&mut *rng.borrow_mut());
            keys
        },
        |step, q, shown| bot_answer(&mut rng.borrow_mut(), step, q, shown, swap && q.randomize),
    )
}

fn bot_answer(rng: &mut ChaCha8Rng, _step: &Step, q: &Question, shown: &[String], swap: bool) -> Answer {
    match q.answer {
        AnswerKind::Single => {
            let mut order: Vec<usize> = (0..q.options.len()).collect();
            if swap && order.len() >= 2 {
                order.swap(0, 1);
            }
            let weights: Vec<f64> = (0..q.options.len()).map(|k| 1.0 / ((k + 1) as f64).powi(2)).collect();
            let mut u = rng.gen::<f64>() * weights.iter().sum::<f64>();
            for (k, w) in weights.iter().enumerate() {
                if u < *w {
                    return Answer::Choice(q.options[order[k]].key.clone());
                }
                u -= w;
            }
            Answer::Choice(q.options[order[q.options.len() - 1]].key.clone())
        }
        AnswerKind::Multiple => {
            let mut keys: Vec<String> = q
                .options
                .iter()
                .enumerate()
                .filter(|(k, _)| rng.gen::<f64>() < 0.6 / (*k + 1) as f64)
                .map(|(_, o)| o.key.clone())
                .collect();
            if keys.is_empty() {
                keys.extend(shown.first().cloned().or_else(|| q.options.first().map(|o| o.key.clone())));
            }
            Answer::Choices(keys)
        }
        AnswerKind::Scale { min, max } => {
            let u: f64 = rng.gen();
            let span = (max - min + 1) as f64;
            Answer::Number((max - (span * u * u).floor() as i64).max(min))
        }
        AnswerKind::Numeric { min, max } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo + 100).min(lo + 62);
            Answer::Number(rng.gen_range(lo..=hi.max(lo)))
        }
        AnswerKind::Open => Answer::Text(OPEN_ANSWERS[rng.gen_range(0..OPEN_ANSWERS.len())].to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearline_core::script::parse;
    use std::collections::HashMap;

    fn survey() -> Script {
        parse(include_str!("../../../docs/scripts/survey.script")).unwrap()
    }

    #[test]
    fn bots_walk_the_survey_deterministically_and_follow_its_skips() {
        let s = survey();
        assert_eq!(bot_survey(3, 17, &s, None), bot_survey(3, 17, &s, None), "seeded");
        let mut ends: HashMap<Option<Disposition>, usize> = HashMap::new();
        let mut first_shown: HashMap<String, usize> = HashMap::new();
        let mut direction: HashMap<String, usize> = HashMap::new();
        let n = 4_000;
        for call in 0..n {
            let w = bot_survey(3, call, &s, Some("DEM"));
            *ends.entry(w.end).or_default() += 1;
            let by_step: HashMap<&str, &Answer> = w.answers.iter().map(|a| (a.step.as_str(), &a.answer)).collect();
            // Skip logic: the path follows the answers.
            match (by_step.get("consent"), by_step.get("likely"), w.end) {
                (Some(Answer::Choice(c)), _, Some(Disposition::Refused)) => assert_eq!(c, "no"),
                (Some(Answer::Choice(c)), _, Some(Disposition::CallbackRequested)) => assert_eq!(c, "later"),
                (Some(_), Some(Answer::Number(l)), Some(Disposition::NotEligible)) => assert!(*l <= 3),
                (Some(_), Some(Answer::Number(l)), Some(Disposition::Complete)) => {
                    assert!(*l > 3);
                    assert_eq!(w.answers.len(), 6, "every question of a complete interview");
                    let Some(Answer::Number(age)) = by_step.get("age") else { panic!("age") };
                    assert!((18..=80).contains(age));
                    let Some(Answer::Choices(issues)) = by_step.get("issues") else { panic!("issues") };
                    assert!(!issues.is_empty());
                    let Some(Answer::Choice(d)) = by_step.get("direction") else { panic!("direction") };
                    *direction.entry(d.clone()).or_default() += 1;
                }
                other => panic!("an unexpected walk: {other:?} {w:?}"),
            }
            // The randomized questions record a permutation of their options; the others no order.
            for a in &w.answers {
                let q = s.step(&a.step).unwrap().question().unwrap();
                match &a.shown {
                    Some(order) => {
                        assert!(q.randomize);
                        let mut sorted = order.clone();
                        sorted.sort();
                        let mut keys: Vec<String> = q.options.iter().map(|o| o.key.clone()).collect();
                        keys.sort();
                        assert_eq!(sorted, keys);
                        if a.step == "direction" {
                            *first_shown.entry(order[0].clone()).or_default() += 1;
                        }
                    }
                    None => assert!(!q.randomize),
                }
            }
        }
        assert_eq!(ends.get(&None), None, "every walk reaches an end");
        let complete = ends[&Some(Disposition::Complete)] as f64 / n as f64;
        assert!(complete > 0.5, "most bots finish: {ends:?}");
        // Shares follow 1/(k+1)^2 in document order: right > wrong > unsure.
        assert!(direction["right"] > direction["wrong"] && direction["wrong"] > direction["unsure"], "{direction:?}");
        // The shuffle is not the document order every time.
        assert_eq!(first_shown.len(), 3, "{first_shown:?}");
        // Republicans prefer the second option of an opinion question; the screening question is alike.
        let (mut rep, mut consent_rep, mut consent_dem) = (HashMap::<String, usize>::new(), 0, 0);
        for call in 0..n {
            let w = bot_survey(3, call, &s, Some("REP"));
            for a in &w.answers {
                if let (Answer::Choice(k), "direction") = (&a.answer, a.step.as_str()) {
                    *rep.entry(k.clone()).or_default() += 1;
                }
            }
            let yes = |w: &Walk| w.answers.first().is_some_and(|a| a.answer == Answer::Choice("yes".into()));
            consent_rep += usize::from(yes(&w));
            consent_dem += usize::from(yes(&bot_survey(3, call, &s, Some("DEM"))));
        }
        assert!(rep["wrong"] > rep["right"] && rep["right"] > rep["unsure"], "{rep:?}");
        assert_eq!(consent_rep, consent_dem, "the same draws: only opinion questions differ by party");
    }

    #[test]
    fn shares_sum_to_one_and_the_draws_follow_them() {
        let total: f64 = HUMAN_OUTCOMES.iter().map(|(_, s)| s).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let n = 20_000;
        let complete = (0..n).filter(|&c| bot_disposition(7, c, true) == Disposition::Complete).count();
        let share = complete as f64 / n as f64;
        assert!((share - 0.65).abs() < 0.02, "complete share {share}");
        assert_eq!(bot_disposition(7, 1, false), Disposition::AnsweringMachine);
        assert_eq!(bot_disposition(7, 42, true), bot_disposition(7, 42, true), "seeded");
    }
}
