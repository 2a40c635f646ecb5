//! An IVR program's calls follow its approved script: the engine plays prompts and collects keys, and
//! this walks the script with them (`clearline_core::script::ivr`) to say which question comes next,
//! which keys it takes, how the call ends, and what the keys answered.
//!
//! Prompts are numbered by the question's place among the script's questions in document order, then
//! the closings' after them (`script::ivr::closings`); the run loop plays for each the recording
//! attached for it ([`crate::recordings`]): the program's `ivr_prompt` for the question the call opens
//! with, an `ivr_question` recording for each later one, an `ivr_closing` recording for each closing.

use clearline_core::audio::AudioKind;
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
    /// Question steps in document order, then closings' first steps: prompt `n` plays `prompts[n]`.
    prompts: Vec<(AudioKind, String)>,
}

impl ScriptIvr {
    pub fn new(script: Script) -> ScriptIvr {
        let opening = ivr::opening_question(&script);
        let questions = walk::questions(&script).map(|(s, _)| {
            let kind =
                if opening.as_deref() == Some(s.id.as_str()) { AudioKind::IvrPrompt } else { AudioKind::IvrQuestion };
            (kind, s.id.clone())
        });
        let closings = ivr::closings(&script).into_iter().map(|c| (AudioKind::IvrClosing, c.step));
        let prompts = questions.collect::<Vec<_>>().into_iter().chain(closings).collect();
        ScriptIvr { script, prompts }
    }

    /// The recording kind prompt `prompt` plays and the step it says: `ivr_prompt` for the question
    /// the call opens with, `ivr_question` for a later one, `ivr_closing` for a closing.
    pub fn prompt_step(&self, prompt: u16) -> Option<(AudioKind, &str)> {
        self.prompts.get(usize::from(prompt)).map(|(kind, step)| (*kind, step.as_str()))
    }

    /// Every prompt's number, kind and step.
    pub fn prompts(&self) -> impl Iterator<Item = (u16, AudioKind, &str)> {
        self.prompts.iter().enumerate().map(|(i, (kind, step))| (i as u16, *kind, step.as_str()))
    }

    /// The number of the prompt that says `step` (a question's, or a closing's).
    fn prompt_of(&self, kind: impl Fn(AudioKind) -> bool, step: &str) -> u16 {
        let n = self.prompts.iter().position(|(k, s)| kind(*k) && s == step).expect("a prompt of the script");
        n as u16
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
                let prompt = self.prompt_of(|kind| kind != AudioKind::IvrClosing, &step);
                IvrNext::Ask { prompt, keys: Keys::of(keys) }
            }
            IvrPosition::End { disposition, closing: Some(step) } => {
                IvrNext::Close { prompt: self.prompt_of(|kind| kind == AudioKind::IvrClosing, &step), disposition }
            }
            IvrPosition::End { disposition, closing: None } => IvrNext::End(disposition),
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
        assert_eq!(flow.prompt_step(0), Some((AudioKind::IvrPrompt, "vote")));
        assert_eq!(flow.next(&['1']), IvrNext::Ask { prompt: 1, keys: Keys::of("12345".chars()) });
        assert_eq!(flow.prompt_step(1), Some((AudioKind::IvrQuestion, "rate")));
        // Each path's closing words play before the call ends where the script does.
        assert_eq!(flow.next(&['1', '3']), IvrNext::Close { prompt: 2, disposition: Disposition::Complete });
        assert_eq!(flow.prompt_step(2), Some((AudioKind::IvrClosing, "thanks")));
        assert_eq!(flow.next(&['2']), IvrNext::Close { prompt: 3, disposition: Disposition::Refused });
        assert_eq!(flow.prompt_step(3), Some((AudioKind::IvrClosing, "bye")));
        assert_eq!(flow.prompt_step(4), None);
        let answers = flow.answers(&[('1', 10), ('3', 20)]);
        assert_eq!(answers.len(), 2);
        assert_eq!(
            (answers[0].0.step.as_str(), &answers[0].0.answer, answers[0].1),
            ("vote", &Answer::Choice("yes".into()), 10)
        );
        assert_eq!((answers[1].0.step.as_str(), &answers[1].0.answer, answers[1].1), ("rate", &Answer::Number(3), 20));
    }
}
