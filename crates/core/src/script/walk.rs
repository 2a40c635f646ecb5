//! Walking a script: from its first step, through the branches the answers choose, to an `end`.
//!
//! Pure: whoever answers (a person at the agent desk, a bot on the simulated carrier) is the
//! `respond` callback; the walk applies the document's rules — a branch on this step's answer or an
//! earlier one, tried in order, the first that holds wins, else `->`; a condition on a question not
//! answered on this call's path is false (docs/scripts.md) — and records what was asked, the order the
//! options were shown in (for `randomize` questions) and the answer given.

use super::{AnswerKind, Question, Script, Step, StepKind, Test};
use crate::disposition::Disposition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One answer, as stored (encrypted) per attempt and question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// A single-choice question's option key.
    Choice(String),
    /// A multiple-choice question's option keys, in document order.
    Choices(Vec<String>),
    /// A scale or numeric answer.
    Number(i64),
    /// An open answer's text.
    Text(String),
}

impl Answer {
    /// Whether a branch test holds of this answer.
    pub fn holds(&self, test: &Test) -> bool {
        match (test, self) {
            (Test::Is(key), Answer::Choice(k)) => k == key,
            (Test::Is(key), Answer::Choices(ks)) => ks.contains(key),
            (Test::AtLeast(n), Answer::Number(v)) => v >= n,
            (Test::AtMost(n), Answer::Number(v)) => v <= n,
            _ => false,
        }
    }

    /// As one cell of an export: option keys (several joined by `;`), the number, or the text.
    pub fn to_cell(&self) -> String {
        match self {
            Answer::Choice(k) => k.clone(),
            Answer::Choices(ks) => ks.join(";"),
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => t.clone(),
        }
    }

    /// The plaintext that is encrypted at rest (JSON).
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an answer serializes")
    }

    pub fn decode(bytes: &[u8]) -> Option<Answer> {
        serde_json::from_slice(bytes).ok()
    }
}

/// A question asked on a call and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GivenAnswer {
    /// The question's step id.
    pub step: String,
    pub answer: Answer,
    /// The option keys in the order they were shown, for a `randomize` question; `None` otherwise
    /// (shown in document order).
    pub shown: Option<Vec<String>>,
}

/// Where a walk went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Walk {
    /// Step ids in the order visited.
    pub path: Vec<String>,
    /// One per question answered, in the order asked (a question asked again keeps its last answer,
    /// at the place it was last asked).
    pub answers: Vec<GivenAnswer>,
    /// The `end` step's disposition; `None` when the walk gave up (a target missing, or more than
    /// [`MAX_STEPS_FACTOR`] × the steps visited: a loop the answers never leave).
    pub end: Option<Disposition>,
}

/// A walk visits at most this many times the script's steps before it gives up.
pub const MAX_STEPS_FACTOR: usize = 4;

/// Walks `script` from its first step. `shuffle` gets a `randomize` question and returns the option
/// keys in the order to show them; `respond` gets the step, its question and the order shown (document
/// order unless randomized) and returns the answer.
pub fn walk(
    script: &Script,
    shuffle: impl FnMut(&Step, &Question) -> Vec<String>,
    mut respond: impl FnMut(&Step, &Question, &[String]) -> Answer,
) -> Walk {
    walk_until(script, shuffle, |step, q, order| Some(respond(step, q, order))).walk
}

/// Where a walk that may stop short got to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Partial {
    /// The walk so far: the path includes the question it stopped at, last.
    pub walk: Walk,
    /// The question step waiting for an answer, when `respond` had none.
    pub waiting_at: Option<String>,
}

/// Walks `script` as [`walk`] does, stopping at the first question `respond` has no answer for (a
/// person at the agent desk answers one question at a time: the desk walks again from the first step
/// with the answers given so far, so a changed earlier answer re-routes the rest of the call).
pub fn walk_until(
    script: &Script,
    mut shuffle: impl FnMut(&Step, &Question) -> Vec<String>,
    mut respond: impl FnMut(&Step, &Question, &[String]) -> Option<Answer>,
) -> Partial {
    let mut out = Walk { path: Vec::new(), answers: Vec::new(), end: None };
    let mut answers: BTreeMap<&str, Answer> = BTreeMap::new();
    let Some(mut step) = script.steps.first() else { return Partial { walk: out, waiting_at: None } };
    let limit = script.steps.len() * MAX_STEPS_FACTOR;
    while out.path.len() < limit {
        out.path.push(step.id.clone());
        match &step.kind {
            StepKind::End(d) => {
                out.end = Some(*d);
                break;
            }
            StepKind::Ask(q) => {
                let (order, shown) = if q.randomize && q.answer.is_choice() {
                    let order = shuffle(step, q);
                    (order.clone(), Some(order))
                } else {
                    (q.options.iter().map(|o| o.key.clone()).collect(), None)
                };
                let Some(answer) = respond(step, q, &order) else {
                    return Partial { walk: out, waiting_at: Some(step.id.clone()) };
                };
                out.answers.retain(|a| a.step != step.id);
                out.answers.push(GivenAnswer { step: step.id.clone(), answer: answer.clone(), shown });
                answers.insert(step.id.as_str(), answer);
            }
            StepKind::Say | StepKind::Disclose(_) => {}
        }
        let next = step
            .branches
            .iter()
            .find(|b| answers.get(b.on.as_str()).is_some_and(|a| a.holds(&b.test)))
            .map(|b| b.target.as_str())
            .or(step.next.as_deref());
        match next.and_then(|id| script.step(id)) {
            Some(s) => step = s,
            None => break,
        }
    }
    Partial { walk: out, waiting_at: None }
}

/// The longest open answer kept, in characters.
pub const MAX_OPEN_ANSWER_CHARS: usize = 2_000;

/// A question's answer from the values a form sent (option keys, a number, text; blanks ignored),
/// checked against the question: one of its options, at least one for a multiple choice (stored in
/// document order), a whole number within its bounds, or text — with card and phone numbers removed
/// (`crate::redact`). The error is a sentence for the person who answered.
pub fn parse_answer(q: &Question, values: &[&str]) -> Result<Answer, String> {
    let values: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    let known = |k: &str| q.options.iter().any(|o| o.key == k);
    let number = |min: Option<i64>, max: Option<i64>| {
        let range = match (min, max) {
            (Some(a), Some(b)) => format!(" from {a} to {b}"),
            (Some(a), None) => format!(" of at least {a}"),
            (None, Some(b)) => format!(" of at most {b}"),
            (None, None) => String::new(),
        };
        match values.as_slice() {
            [v] => v.parse::<i64>().ok(),
            _ => None,
        }
        .filter(|n| min.is_none_or(|m| *n >= m) && max.is_none_or(|m| *n <= m))
        .map(Answer::Number)
        .ok_or(format!("give a whole number{range}"))
    };
    match q.answer {
        AnswerKind::Single => match values.as_slice() {
            [k] if known(k) => Ok(Answer::Choice(k.to_string())),
            _ => Err("choose one of the answers".into()),
        },
        AnswerKind::Multiple => {
            if values.is_empty() || !values.iter().all(|k| known(k)) {
                return Err("choose at least one of the answers".into());
            }
            Ok(Answer::Choices(
                q.options.iter().filter(|o| values.contains(&o.key.as_str())).map(|o| o.key.clone()).collect(),
            ))
        }
        AnswerKind::Scale { min, max } => number(Some(min), Some(max)),
        AnswerKind::Numeric { min, max } => number(min, max),
        AnswerKind::Open => {
            let text = values.join(" ");
            if text.chars().count() > MAX_OPEN_ANSWER_CHARS {
                return Err("an open answer is at most 2,000 characters".into());
            }
            Ok(Answer::Text(crate::redact::redact_numbers(&text)))
        }
    }
}

/// The questions of a script, in document order.
pub fn questions(script: &Script) -> impl Iterator<Item = (&Step, &Question)> {
    script.steps.iter().filter_map(|s| s.question().map(|q| (s, q)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse;

    fn survey() -> Script {
        parse(include_str!("../../../../docs/scripts/survey.script")).unwrap()
    }

    /// Answers from a table: step → answer; the shuffle reverses the options.
    fn scripted(table: &[(&str, Answer)]) -> Walk {
        let s = survey();
        walk(
            &s,
            |_, q| q.options.iter().rev().map(|o| o.key.clone()).collect(),
            |step, _, _| table.iter().find(|(id, _)| *id == step.id).map(|(_, a)| a.clone()).expect("asked"),
        )
    }

    #[test]
    fn a_complete_interview_answers_every_question_and_ends_complete() {
        let w = scripted(&[
            ("consent", Answer::Choice("yes".into())),
            ("likely", Answer::Number(9)),
            ("issues", Answer::Choices(vec!["economy".into(), "roads".into()])),
            ("direction", Answer::Choice("wrong".into())),
            ("age", Answer::Number(44)),
            ("comments", Answer::Text("More buses".into())),
        ]);
        assert_eq!(w.end, Some(Disposition::Complete));
        let steps: Vec<&str> = w.answers.iter().map(|a| a.step.as_str()).collect();
        assert_eq!(steps, ["consent", "likely", "issues", "direction", "age", "comments"]);
        assert_eq!(w.path.first().map(String::as_str), Some("opening"));
        assert_eq!(w.path.last().map(String::as_str), Some("done"));
        // Only the randomized questions record the order shown.
        let shown = |id: &str| w.answers.iter().find(|a| a.step == id).unwrap().shown.clone();
        assert_eq!(shown("issues").unwrap(), ["roads", "housing", "health", "schools", "economy"]);
        assert_eq!(shown("direction").unwrap(), ["unsure", "wrong", "right"]);
        assert_eq!(shown("consent"), None);
        assert_eq!(shown("likely"), None);
    }

    #[test]
    fn skip_logic_screens_out_declines_and_callbacks() {
        let w = scripted(&[("consent", Answer::Choice("yes".into())), ("likely", Answer::Number(3))]);
        assert_eq!(w.end, Some(Disposition::NotEligible), "likely <= 3 is screened out");
        assert_eq!(w.answers.len(), 2, "the rest is skipped");
        let w = scripted(&[("consent", Answer::Choice("no".into()))]);
        assert_eq!(w.end, Some(Disposition::Refused));
        assert_eq!(w.path, ["opening", "consent", "decline", "declined"]);
        let w = scripted(&[("consent", Answer::Choice("later".into()))]);
        assert_eq!(w.end, Some(Disposition::CallbackRequested));
    }

    #[test]
    fn branch_tests_and_cells() {
        assert!(Answer::Choices(vec!["a".into(), "b".into()]).holds(&Test::Is("b".into())));
        assert!(!Answer::Choice("a".into()).holds(&Test::Is("b".into())));
        assert!(Answer::Number(3).holds(&Test::AtMost(3)) && !Answer::Number(3).holds(&Test::AtLeast(4)));
        assert!(!Answer::Text("3".into()).holds(&Test::AtMost(3)), "a test on the wrong kind is false");
        let a = Answer::Choices(vec!["a".into(), "b".into()]);
        assert_eq!(a.to_cell(), "a;b");
        assert_eq!(Answer::decode(&a.encode()), Some(a));
        assert_eq!(Answer::decode(b"not json"), None);
    }

    #[test]
    fn a_loop_the_answers_never_leave_gives_up() {
        let s = parse(
            "title: t\nstep opening: disclose identification purpose\n  | Hi {caller.first_name} {campaign.legal_name}\n  -> q\n\
             step q: ask single\n  | Again?\n  option a: A\n  option b: B\n  if q is a -> q\n  -> done\nstep done: end complete\n",
        )
        .unwrap();
        let w = walk(&s, |_, _| Vec::new(), |_, _, _| Answer::Choice("a".into()));
        assert_eq!(w.end, None);
        assert_eq!(w.path.len(), s.steps.len() * MAX_STEPS_FACTOR);
        assert_eq!(w.answers.len(), 1, "one answer per question: the last");
    }

    #[test]
    fn a_walk_until_stops_at_the_first_unanswered_question_and_a_changed_answer_reroutes() {
        let s = survey();
        let given = |table: &[(&str, Answer)]| {
            let table = table.to_vec();
            walk_until(
                &s,
                |_, q| q.options.iter().map(|o| o.key.clone()).collect(),
                move |step, _, _| table.iter().find(|(id, _)| *id == step.id).map(|(_, a)| a.clone()),
            )
        };
        let none = given(&[]);
        assert_eq!(none.waiting_at.as_deref(), Some("consent"));
        assert_eq!(none.walk.path, ["opening", "consent"]);
        assert_eq!(none.walk.end, None);

        let two = given(&[("consent", Answer::Choice("yes".into())), ("likely", Answer::Number(8))]);
        assert_eq!(two.waiting_at.as_deref(), Some("issues"));
        assert_eq!(two.walk.answers.len(), 2);

        // The same answers with consent changed to "no" take the decline branch to its end.
        let declined = given(&[("consent", Answer::Choice("no".into())), ("likely", Answer::Number(8))]);
        assert_eq!(declined.waiting_at, None);
        assert_eq!(declined.walk.end, Some(Disposition::Refused));
        assert_eq!(declined.walk.answers.len(), 1, "the likely answer is off this path: not kept");
    }
}
