//! An IVR program's calls follow its approved script: the engine plays prompts and collects keys, and
//! this walks the script with them (`clearline_core::script::ivr`) to say which question comes next,
//! which keys it takes, how the call ends, and what the keys answered.
//!
//! Prompts are numbered by the question's place among the script's questions in document order; the
//! run loop plays for each the recording attached for it ([`crate::recordings`]): the program's
//! `ivr_prompt` for the question the call opens with, an `ivr_question` prompt for each later one.

use clearline_core::disposition::Disposition;
use clearline_core::script::ivr::{self, IvrPosition};
use clearline_core::script::{walk, GivenAnswer, Script};
use clearline_dialer::carrier::Keys;
use clearline_dialer::ivr::{IvrFlow, IvrNext};
use clearline_dialer::Micros;

/// The flow of one program's IVR calls.
#[derive(Clone, Debug)]
pub struct ScriptIvr {
    script: Script,
    /// Question steps in document order: prompt `n` asks `questions[n]`.
    questions: Vec<String>,
    opening: Option<String>,
}

impl ScriptIvr {
    pub fn new(script: Script) -> ScriptIvr {
        let questions = walk::questions(&script).map(|(s, _)| s.id.clone()).collect();
        let opening = ivr::opening_question(&script);
        ScriptIvr { script, questions, opening }
    }

    /// The question step prompt `prompt` asks, and whether the call opens with it.
    pub fn prompt_step(&self, prompt: u16) -> Option<(&str, bool)> {
        let step = self.questions.get(usize::from(prompt))?;
        Some((step.as_str(), self.opening.as_deref() == Some(step.as_str())))
    }

    /// The questions' steps with their prompt numbers.
    pub fn prompts(&self) -> impl Iterator<Item = (u16, &str)> {
        self.questions.iter().enumerate().map(|(i, s)| (i as u16, s.as_str()))
    }

    /// What the keys of a finished call answered, each with the time of its key (in the order asked).
    pub fn answers(&self, pressed: &[(char, Micros)]) -> Vec<(GivenAnswer, Micros)> {
        let keys: Vec<char> = pressed.iter().map(|(k, _)| *k).collect();
        let (_, answers) = ivr::position(&self.script, &keys);
        // One key answers one question, in order; a question asked again keeps its last answer (the
        // walk's rule), timed by the last key pressed.
        let last = pressed.last().map(|(_, at)| *at).unwrap_or_default();
        let mut times = pressed.iter().map(|(_, at)| *at);
        answers.into_iter().map(|a| (a, times.next().unwrap_or(last))).collect()
    }
}

impl IvrFlow for ScriptIvr {
    fn next(&self, pressed: &[char]) -> IvrNext {
        match ivr::position(&self.script, pressed).0 {
            IvrPosition::Ask { step, keys } => {
                let prompt = self.questions.iter().position(|q| *q == step).expect("a question of the script");
                IvrNext::Ask { prompt: prompt as u16, keys: Keys::of(keys) }
            }
            IvrPosition::End(disposition) => IvrNext::End(disposition),
            // A loop the answers never leave: the call ends with what was answered.
            IvrPosition::Stuck if pressed.is_empty() => IvrNext::End(Disposition::BreakOff),
            IvrPosition::Stuck => IvrNext::End(Disposition::Partial),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearline_core::script::{parse, Answer};

    /// The documented example (docs/scripts.md, "IVR scripts").
    const SCRIPT: &str = include_str!("../../../docs/scripts/ivr.script");

    #[test]
    fn the_flow_asks_the_scripts_questions_by_their_place_and_ends_where_the_script_does() {
        let flow = ScriptIvr::new(parse(SCRIPT).unwrap());
        assert_eq!(flow.next(&[]), IvrNext::Ask { prompt: 0, keys: Keys::of(['1', '2']) });
        assert_eq!(flow.prompt_step(0), Some(("vote", true)));
        assert_eq!(flow.next(&['1']), IvrNext::Ask { prompt: 1, keys: Keys::of("12345".chars()) });
        assert_eq!(flow.prompt_step(1), Some(("rate", false)));
        assert_eq!(flow.next(&['1', '3']), IvrNext::End(Disposition::Complete));
        assert_eq!(flow.next(&['2']), IvrNext::End(Disposition::Refused));
        let answers = flow.answers(&[('1', 10), ('3', 20)]);
        assert_eq!(answers.len(), 2);
        assert_eq!(
            (answers[0].0.step.as_str(), &answers[0].0.answer, answers[0].1),
            ("vote", &Answer::Choice("yes".into()), 10)
        );
        assert_eq!((answers[1].0.step.as_str(), &answers[1].0.answer, answers[1].1), ("rate", &Answer::Number(3), 20));
    }
}
