//! Measurements the engine keeps: the CR-46 abandonment ledger and agent time.

use crate::{Micros, SECOND};
use std::collections::BTreeMap;

/// A day number (days since the time origin).
pub type Day = i64;

/// The day a time falls in.
pub fn day_of(at: Micros) -> Day {
    at.div_euclid(86_400 * SECOND)
}

/// Live answers and abandoned calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub live: u64,
    pub abandoned: u64,
}

impl Tally {
    /// Abandoned ÷ live (0 with no live answers).
    pub fn rate(&self) -> f64 {
        if self.live == 0 {
            0.0
        } else {
            self.abandoned as f64 / self.live as f64
        }
    }

    /// The rate if one more live answer were abandoned: the hard stop's test ("would cross").
    pub fn rate_if_one_more_abandoned(&self) -> f64 {
        (self.abandoned + 1) as f64 / (self.live + 1) as f64
    }
}

/// CR-46: abandoned calls ÷ live-answered calls per program, by day, for the rolling 30-day window and
/// today. A program's earlier days are loaded with [`AbandonLedger::load_day`] (from the store, later).
#[derive(Clone, Debug, Default)]
pub struct AbandonLedger {
    days: BTreeMap<Day, Tally>,
}

impl AbandonLedger {
    pub fn load_day(&mut self, day: Day, tally: Tally) {
        self.days.insert(day, tally);
    }

    pub fn live(&mut self, at: Micros) {
        self.days.entry(day_of(at)).or_default().live += 1;
    }

    pub fn abandoned(&mut self, at: Micros) {
        self.days.entry(day_of(at)).or_default().abandoned += 1;
    }

    /// The 30 days ending with the day of `now` (today and the 29 before it).
    pub fn rolling_30_days(&self, now: Micros) -> Tally {
        let today = day_of(now);
        self.days.range(today - 29..=today).fold(Tally::default(), |acc, (_, t)| Tally {
            live: acc.live + t.live,
            abandoned: acc.abandoned + t.abandoned,
        })
    }

    pub fn today(&self, now: Micros) -> Tally {
        self.days.get(&day_of(now)).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_window_keeps_thirty_days_and_drops_the_thirty_first() {
        let mut ledger = AbandonLedger::default();
        ledger.load_day(0, Tally { live: 100, abandoned: 10 });
        ledger.load_day(20, Tally { live: 100, abandoned: 0 });
        let day = 86_400 * SECOND;
        assert_eq!(ledger.rolling_30_days(29 * day), Tally { live: 200, abandoned: 10 });
        assert_eq!(ledger.rolling_30_days(30 * day), Tally { live: 100, abandoned: 0 });
        ledger.live(30 * day + 5);
        ledger.abandoned(30 * day + 6);
        assert_eq!(ledger.today(30 * day), Tally { live: 1, abandoned: 1 });
        assert_eq!(ledger.rolling_30_days(30 * day).live, 101);
        assert!((Tally { live: 99, abandoned: 1 }.rate_if_one_more_abandoned() - 0.02).abs() < 1e-12);
    }
}
