//! Bot agents for simulated calling: what they record at the end of a call with a person. Seeded, so
//! the same run gives the same dispositions.

use clearline_core::disposition::Disposition;
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

#[cfg(test)]
mod tests {
    use super::*;

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
