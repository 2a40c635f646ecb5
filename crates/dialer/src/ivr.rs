//! IVR calls: which prompt plays next and which keys it takes, decided by the program's flow.
//!
//! The engine plays prompts and collects keys; what an answer means, and where the call goes after
//! it, is the program's script — which this crate does not read. An [`IvrFlow`] is asked after the
//! answer and after every accepted key, with the keys pressed so far; `clearline-calling` walks the
//! attached script with them (`clearline_core::script::ivr`). [`FixedIvr`] is a flow of its own for
//! the benchmarks and the engine's tests.

use crate::carrier::Keys;
use clearline_core::disposition::Disposition;

/// What an IVR call does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvrNext {
    /// Play prompt `prompt` (an index the flow gives: the carrier plays the recording the run loop
    /// maps it to) and collect one of `keys`.
    Ask { prompt: u16, keys: Keys },
    /// The call is over, with this disposition.
    End(Disposition),
    /// Play prompt `prompt` (the path's closing words), then hang up: the call is over with this
    /// disposition.
    Close { prompt: u16, disposition: Disposition },
}

/// Decides an IVR call's next prompt from the keys pressed on it so far (each one a key the prompt it
/// answered accepted; empty right after the answer).
pub trait IvrFlow: Send {
    fn next(&self, pressed: &[char]) -> IvrNext;
}

/// A survey of `questions` prompts, each taking any of `keys`, numbered from 0; complete after the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedIvr {
    pub questions: u16,
    pub keys: Keys,
}

impl Default for FixedIvr {
    /// Three questions answered with 1 to 5.
    fn default() -> Self {
        FixedIvr { questions: 3, keys: Keys::of("12345".chars()) }
    }
}

impl IvrFlow for FixedIvr {
    fn next(&self, pressed: &[char]) -> IvrNext {
        match u16::try_from(pressed.len()) {
            Ok(n) if n < self.questions => IvrNext::Ask { prompt: n, keys: self.keys },
            _ => IvrNext::End(Disposition::Complete),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_flow_asks_each_question_once_then_completes() {
        let flow = FixedIvr { questions: 2, keys: Keys::of(['1', '2']) };
        assert_eq!(flow.next(&[]), IvrNext::Ask { prompt: 0, keys: Keys::of(['1', '2']) });
        assert_eq!(flow.next(&['2']), IvrNext::Ask { prompt: 1, keys: Keys::of(['1', '2']) });
        assert_eq!(flow.next(&['2', '1']), IvrNext::End(Disposition::Complete));
    }
}
