//! A script answered by key presses: how an IVR call's questions take their answers (docs/scripts.md,
//! "IVR scripts").
//!
//! An IVR prompt is a recording: the listener hears the options in the order it says them and answers
//! with one key. So an IVR question is one a single key can answer, its keys fixed by the document:
//!
//! - a single- or multiple-choice question: the first option is key 1, the second key 2, and so on
//!   (at most [`MAX_IVR_OPTIONS`]: key 9 is the opt-out, CR-47, and 0 is left for "repeat" on real
//!   phone trees); a multiple-choice question takes one option per call;
//! - a scale or a bounded numeric question whose whole range is keys 0–8 (a 1–5 scale is keys 1 to 5);
//! - never an open question, a wider range, or `randomize` (one recording has one order).
//!
//! What the call says besides its questions is recorded too: the opening (before the first question)
//! is the `ivr_prompt` recording with that question, and each **closing** — the `say` and `disclose`
//! steps a path passes after its last question, before its `end` — is an `ivr_closing` recording of
//! its own, named by its first step ([`closings`]). Words between two questions are heard as part of
//! the next question's recording.
//!
//! Pure: the engine collects keys, `clearline-calling` walks the script with them.

use super::walk::{walk_until, Answer, GivenAnswer};
use super::{AnswerKind, Disclosure, Question, Script, StepKind};
use crate::disposition::Disposition;
use std::collections::BTreeSet;

/// The key that opts out at every IVR prompt (CR-47), never an answer.
pub const IVR_OPT_OUT_KEY: char = '9';

/// A choice question heard on an IVR call has at most this many options (keys 1 to 8).
pub const MAX_IVR_OPTIONS: usize = 8;

/// The keys a question takes on an IVR call, each with the answer it gives, in key order; or why a
/// single key cannot answer it (a sentence for the script's author).
pub fn keys(q: &Question) -> Result<Vec<(char, Answer)>, String> {
    if q.randomize {
        return Err("an IVR prompt is one recording, heard in one order: remove `randomize`".into());
    }
    let digit = |n: i64| char::from_digit(n as u32, 10).expect("a digit");
    let range = |min: i64, max: i64| -> Result<Vec<(char, Answer)>, String> {
        if min < 0 || max > 8 || min > max {
            return Err(format!(
                "an IVR answer is one key from 0 to 8 (9 is the opt-out, CR-47): a range of {min} to {max} cannot be keyed"
            ));
        }
        Ok((min..=max).map(|n| (digit(n), Answer::Number(n))).collect())
    };
    match &q.answer {
        AnswerKind::Single | AnswerKind::Multiple => {
            if q.options.len() > MAX_IVR_OPTIONS {
                return Err(format!(
                    "an IVR question has at most {MAX_IVR_OPTIONS} options (keys 1 to {MAX_IVR_OPTIONS}; 9 is the opt-out, CR-47)"
                ));
            }
            let multiple = q.answer == AnswerKind::Multiple;
            Ok(q.options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let answer =
                        if multiple { Answer::Choices(vec![o.key.clone()]) } else { Answer::Choice(o.key.clone()) };
                    (digit(i as i64 + 1), answer)
                })
                .collect())
        }
        AnswerKind::Scale { min, max } => range(*min, *max),
        AnswerKind::Numeric { min: Some(min), max: Some(max) } => range(*min, *max),
        AnswerKind::Numeric { .. } => {
            Err("an IVR numeric question needs both bounds, within keys 0 to 8 (e.g. `ask numeric 0..5`)".into())
        }
        AnswerKind::Open => Err("an open question cannot be answered by a key press".into()),
    }
}

/// The answer a key gives to a question on an IVR call, if it is one of its keys.
pub fn answer_for_key(q: &Question, key: char) -> Option<Answer> {
    keys(q).ok()?.into_iter().find(|(k, _)| *k == key).map(|(_, a)| a)
}

/// Where an IVR call is, given the keys pressed so far (each one an accepted key of the question it
/// answered, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IvrPosition {
    /// Play the prompt of this question step and collect one of `keys`.
    Ask { step: String, keys: Vec<char> },
    /// The walk reached an `end`: the call's disposition, and the closing heard before it (the first
    /// step of one of [`closings`]), if the path passed one after its last question.
    End { disposition: Disposition, closing: Option<String> },
    /// The walk gave up (a loop the answers never leave, or a key a question does not take).
    Stuck,
}

/// Walks `script` with `pressed`, one key per question asked, and says where the call is and the
/// answers given (in the order asked).
pub fn position(script: &Script, pressed: &[char]) -> (IvrPosition, Vec<GivenAnswer>) {
    let mut next = pressed.iter();
    let mut bad_key = false;
    let partial = walk_until(
        script,
        |_, q| q.options.iter().map(|o| o.key.clone()).collect(),
        |_, q, _| {
            let key = next.next()?;
            let answer = answer_for_key(q, *key);
            bad_key |= answer.is_none();
            answer
        },
    );
    let at = match (partial.waiting_at, partial.walk.end) {
        _ if bad_key => IvrPosition::Stuck,
        (Some(step), _) => {
            let keys = script
                .step(&step)
                .and_then(|s| s.question())
                .and_then(|q| keys(q).ok())
                .map(|ks| ks.into_iter().map(|(k, _)| k).collect());
            match keys {
                Some(keys) => IvrPosition::Ask { step, keys },
                None => IvrPosition::Stuck,
            }
        }
        (None, Some(disposition)) => {
            // The step right after the path's last question, when it starts a closing.
            let asked =
                partial.walk.path.iter().rposition(|id| script.step(id).is_some_and(|s| s.question().is_some()));
            let closing = asked
                .and_then(|i| partial.walk.path.get(i + 1))
                .filter(|id| closings(script).iter().any(|c| &c.step == *id))
                .cloned();
            IvrPosition::End { disposition, closing }
        }
        (None, None) => IvrPosition::Stuck,
    };
    (at, partial.walk.answers)
}

/// One way an IVR call ends after its last question: the `say` and `disclose` steps heard before the
/// `end`, one recording named by the first of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closing {
    /// The closing's first step (the one a question leads to).
    pub step: String,
    /// What its steps disclose (a `callback`, `paid_for_by`, …), which its recording must say.
    pub disclosures: Vec<Disclosure>,
}

/// Every closing of the script, in document order: a `say` or `disclose` step a question leads to,
/// from which the call reaches an `end` without asking anything more. (A step from which another
/// question comes is heard with that question's prompt instead.)
pub fn closings(script: &Script) -> Vec<Closing> {
    let mut starts = BTreeSet::new();
    for step in &script.steps {
        if step.question().is_some() {
            starts.extend(step.targets());
        }
    }
    let mut out = Vec::new();
    for step in &script.steps {
        if !starts.contains(step.id.as_str()) || !matches!(step.kind, StepKind::Say | StepKind::Disclose(_)) {
            continue;
        }
        // Everything reachable from here before an end: a question among it makes this no closing.
        let mut seen = BTreeSet::new();
        let mut todo = vec![step.id.as_str()];
        let mut disclosures = BTreeSet::new();
        let mut asks = false;
        while let Some(id) = todo.pop() {
            let Some(s) = script.step(id) else { continue };
            if !seen.insert(id) {
                continue;
            }
            match &s.kind {
                StepKind::Ask(_) => asks = true,
                StepKind::End(_) => {}
                StepKind::Say | StepKind::Disclose(_) => {
                    disclosures.extend(s.disclosures().iter().copied());
                    todo.extend(s.targets());
                }
            }
        }
        if !asks {
            out.push(Closing { step: step.id.clone(), disclosures: disclosures.into_iter().collect() });
        }
    }
    out
}

/// The question an IVR call opens with (the first one reached before any answer): its prompt is the
/// program's opening recording (`ivr_prompt`), which identifies the caller first (CR-5, CR-6).
pub fn opening_question(script: &Script) -> Option<String> {
    match position(script, &[]).0 {
        IvrPosition::Ask { step, .. } => Some(step),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse;

    /// The documented example (docs/scripts.md, "IVR scripts").
    const SCRIPT: &str = include_str!("../../../../docs/scripts/ivr.script");

    fn script() -> Script {
        parse(SCRIPT).unwrap()
    }

    #[test]
    fn choice_options_are_keys_from_one_and_a_scale_is_its_own_digits() {
        let s = script();
        let q = s.step("vote").unwrap().question().unwrap();
        assert_eq!(keys(q).unwrap(), vec![('1', Answer::Choice("yes".into())), ('2', Answer::Choice("no".into()))]);
        let rate = s.step("rate").unwrap().question().unwrap();
        assert_eq!(keys(rate).unwrap().iter().map(|(k, _)| *k).collect::<String>(), "12345");
        assert_eq!(answer_for_key(rate, '4'), Some(Answer::Number(4)));
        assert_eq!(answer_for_key(rate, '7'), None);
        assert_eq!(answer_for_key(q, IVR_OPT_OUT_KEY), None, "the opt-out key is never an answer");
    }

    #[test]
    fn what_one_key_cannot_answer_is_refused_with_the_reason() {
        let text = "title: t\nstep a: ask scale 1..10\n  | How likely?\n  -> b\nstep b: ask open\n  | Why?\n  -> c\n\
                    step c: ask numeric 18..120\n  | Age?\n  -> d\nstep d: ask single\n  | Pick\n  option x: X\n  option y: Y\n  randomize\n  -> e\nstep e: end complete\n";
        let s = parse(text).unwrap();
        let why = |id: &str| keys(s.step(id).unwrap().question().unwrap()).unwrap_err();
        assert!(why("a").contains("1 to 10"), "{}", why("a"));
        assert!(why("b").contains("open"), "{}", why("b"));
        assert!(why("c").contains("18 to 120"), "{}", why("c"));
        assert!(why("d").contains("randomize"), "{}", why("d"));
    }

    #[test]
    fn each_path_after_its_last_question_is_a_closing_with_what_it_discloses() {
        let c = closings(&script());
        assert_eq!(c.iter().map(|c| c.step.as_str()).collect::<Vec<_>>(), ["thanks", "bye"]);
        assert_eq!(c[0].disclosures, [Disclosure::PaidForBy, Disclosure::Callback]);
        // Words between two questions are the next question's; a question straight to its end has none.
        let text = "title: t\nstep a: ask single\n  | Pick\n  option x: X\n  option y: Y\n  if a is y -> done\n  -> between\n\
                    step between: say\n  | Next.\n  -> b\nstep b: ask scale 1..3\n  | Rate\n  -> done\nstep done: end complete\n";
        let s = parse(text).unwrap();
        assert!(closings(&s).is_empty());
        assert_eq!(position(&s, &['2']).0, IvrPosition::End { disposition: Disposition::Complete, closing: None });
    }

    #[test]
    fn the_walk_follows_the_keys_through_the_branches() {
        let s = script();
        assert_eq!(opening_question(&s).as_deref(), Some("vote"));
        let (at, answers) = position(&s, &[]);
        assert_eq!(at, IvrPosition::Ask { step: "vote".into(), keys: vec!['1', '2'] });
        assert!(answers.is_empty());
        let (at, answers) = position(&s, &['1']);
        assert_eq!(at, IvrPosition::Ask { step: "rate".into(), keys: "12345".chars().collect() });
        assert_eq!(answers[0].answer, Answer::Choice("yes".into()));
        let (at, answers) = position(&s, &['1', '4']);
        assert_eq!(at, IvrPosition::End { disposition: Disposition::Complete, closing: Some("thanks".into()) });
        assert_eq!(answers.iter().map(|a| a.step.as_str()).collect::<Vec<_>>(), vec!["vote", "rate"]);
        assert_eq!(answers[1].answer, Answer::Number(4));
        // "no" branches past the scale to the refusal.
        assert_eq!(
            position(&s, &['2']).0,
            IvrPosition::End { disposition: Disposition::Refused, closing: Some("bye".into()) }
        );
        // A key the question does not take is never turned into an answer.
        assert_eq!(position(&s, &['7']).0, IvrPosition::Stuck);
    }
}
