//! Where and when: the zones and states a case may be in, and calling windows in local time.
//!
//! [`ZoneTable`] holds a `jiff` [`TimeZone`] for every zone Clearline can meet (every US zone, every
//! state's, every zone of the NANP table), built once by the caller, who loads the zones (this crate
//! reads no files, so it never looks a zone up itself). A case carries its zones as a [`ZoneSet`] of
//! indexes into that table, and its states as a [`StateSet`]: small bit sets, so deciding allocates
//! nothing and the order of the zones cannot matter. The table is read-only data, like the NANP table,
//! not a cache of answers: nothing of one case is kept for the next.
//!
//! Local time is computed from the instant with each zone's real rules (`TimeZone::to_offset`), so the
//! windows are right on the days clocks change (CR-45 is a local-time rule).

use crate::phone::{nanp, PhoneE164};
use crate::tz;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::collections::HashMap;

/// An index into a [`ZoneTable`].
pub type ZoneId = u8;

/// Up to 128 zones of one [`ZoneTable`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ZoneSet(u128);

impl ZoneSet {
    pub const EMPTY: ZoneSet = ZoneSet(0);

    pub fn insert(&mut self, id: ZoneId) {
        self.0 |= 1 << id;
    }

    pub fn union(self, other: ZoneSet) -> ZoneSet {
        ZoneSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = ZoneId> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let id = bits.trailing_zeros() as ZoneId;
                bits &= bits - 1;
                id
            })
        })
    }
}

/// A US state, DC or territory, as an index into [`tz::state_codes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateCode(u8);

impl StateCode {
    /// A two-letter code (`NC`, `nc`), `None` when unknown.
    pub fn parse(code: &str) -> Option<StateCode> {
        let code = code.trim();
        tz::state_codes().position(|c| c.eq_ignore_ascii_case(code)).map(|i| StateCode(i as u8))
    }

    pub fn as_str(self) -> &'static str {
        tz::state_codes().nth(usize::from(self.0)).expect("a StateCode is an index into the state list")
    }
}

/// Up to 64 states: those whose laws may apply to a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateSet(u64);

impl StateSet {
    /// Every state: what an unknown address means.
    pub const ALL: StateSet = StateSet(u64::MAX);

    pub fn insert(&mut self, state: StateCode) {
        self.0 |= 1 << state.0;
    }

    pub fn contains(self, state: StateCode) -> bool {
        self.0 & (1 << state.0) != 0
    }

    pub fn intersects(self, other: StateSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn of(codes: &[&str]) -> StateSet {
        let mut set = StateSet::default();
        for code in codes {
            set.insert(StateCode::parse(code).expect("a known state code"));
        }
        set
    }
}

/// Why a [`ZoneTable`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    #[error("time zone {0:?} could not be loaded")]
    NotLoaded(String),
    #[error("more than 128 time zones")]
    TooMany,
}

/// Every zone a case may name, loaded once.
pub struct ZoneTable {
    zones: Vec<(String, TimeZone)>,
    by_name: HashMap<String, ZoneId>,
    /// Each state's zones, by [`StateCode`] index.
    state_zones: Vec<ZoneSet>,
    /// The state of each area code (NPA), where the NANP metadata names one US state.
    npa_state: Vec<Option<StateCode>>,
    all_us: ZoneSet,
    /// The area-code zones of every NANP number, resolved once: by area code, or by exchange for the
    /// few area codes whose zones differ by exchange.
    npa_zones: Vec<NpaZones>,
}

enum NpaZones {
    Uniform(ZoneSet),
    ByExchange(Box<[ZoneSet]>),
}

impl ZoneTable {
    /// Builds the table, loading each zone with `load` (e.g. `jiff::tz::TimeZone::get`).
    pub fn new<E>(mut load: impl FnMut(&str) -> Result<TimeZone, E>) -> Result<ZoneTable, ZoneError> {
        let mut table = ZoneTable {
            zones: Vec::new(),
            by_name: HashMap::new(),
            state_zones: Vec::new(),
            npa_state: vec![None; 1000],
            all_us: ZoneSet::EMPTY,
            npa_zones: Vec::new(),
        };
        let mut names: Vec<&'static str> = tz::ALL_US_ZONES.to_vec();
        for code in tz::state_codes() {
            names.extend(tz::state_zones(code).unwrap_or_default());
        }
        names.extend(nanp::all_zones());
        for name in names {
            table.intern(name, &mut load)?;
        }
        for zone in tz::ALL_US_ZONES {
            let id = table.by_name[*zone];
            table.all_us.insert(id);
        }
        for code in tz::state_codes() {
            let mut set = ZoneSet::EMPTY;
            for zone in tz::state_zones(code).unwrap_or_default() {
                set.insert(table.by_name[*zone]);
            }
            table.state_zones.push(set);
        }
        let by_exchange = nanp::area_codes_with_exchange_rows();
        for npa in 0..1000u64 {
            // Any number of the area code gives the area code's state.
            let number = PhoneE164::nanp(npa * 10_000_000 + 2_000_000);
            table.npa_state[npa as usize] = nanp::state_for(&number).and_then(StateCode::parse);
            let zones = if by_exchange.contains(&(npa as u16)) {
                let exchanges = (0..1000u64)
                    .map(|nxx| table.set_of(nanp::zones_for(&PhoneE164::nanp(npa * 10_000_000 + nxx * 10_000))))
                    .collect();
                NpaZones::ByExchange(exchanges)
            } else {
                NpaZones::Uniform(table.set_of(nanp::zones_for(&number)))
            };
            table.npa_zones.push(zones);
        }
        Ok(table)
    }

    /// Adds a zone by name (once); its id.
    pub fn intern<E>(
        &mut self,
        name: &str,
        load: &mut impl FnMut(&str) -> Result<TimeZone, E>,
    ) -> Result<ZoneId, ZoneError> {
        if let Some(id) = self.by_name.get(name) {
            return Ok(*id);
        }
        if self.zones.len() >= 128 {
            return Err(ZoneError::TooMany);
        }
        let zone = load(name).map_err(|_| ZoneError::NotLoaded(name.to_string()))?;
        let id = self.zones.len() as ZoneId;
        self.zones.push((name.to_string(), zone));
        self.by_name.insert(name.to_string(), id);
        Ok(id)
    }

    /// A zone's id by IANA name, `None` when the table does not hold it.
    pub fn id(&self, name: &str) -> Option<ZoneId> {
        self.by_name.get(name).copied()
    }

    pub fn name(&self, id: ZoneId) -> &str {
        &self.zones[usize::from(id)].0
    }

    pub fn zone(&self, id: ZoneId) -> &TimeZone {
        &self.zones[usize::from(id)].1
    }

    /// Every US zone (an unknown state).
    pub fn all_us(&self) -> ZoneSet {
        self.all_us
    }

    /// Every zone of a state (an unknown address zone).
    pub fn state_zones(&self, state: StateCode) -> ZoneSet {
        self.state_zones[usize::from(state.0)]
    }

    /// The candidate zones of a number's area code (and exchange, where the metadata is finer).
    pub fn phone_zones(&self, phone: &PhoneE164) -> ZoneSet {
        let (Some(npa), Some(nxx)) = (phone.npa(), phone.nxx()) else { return ZoneSet::EMPTY };
        match &self.npa_zones[usize::from(npa)] {
            NpaZones::Uniform(zones) => *zones,
            NpaZones::ByExchange(exchanges) => exchanges[usize::from(nxx)],
        }
    }

    fn set_of(&self, names: &[&str]) -> ZoneSet {
        let mut set = ZoneSet::EMPTY;
        for name in names {
            if let Some(id) = self.id(name) {
                set.insert(id);
            }
        }
        set
    }

    /// The US state of a number's area code, where the metadata names one.
    pub fn phone_state(&self, phone: &PhoneE164) -> Option<StateCode> {
        phone.npa().and_then(|npa| self.npa_state.get(usize::from(npa)).copied().flatten())
    }
}

/// Seconds after local midnight.
pub type SecondOfDay = i32;

/// A daily window in local time, `[open, close)` in seconds after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub open: SecondOfDay,
    pub close: SecondOfDay,
}

impl Window {
    pub const fn hours(open: i32, close: i32) -> Window {
        Window { open: open * 3600, close: close * 3600 }
    }

    pub fn from_times(open: Time, close: Time) -> Window {
        let secs = |t: Time| i32::from(t.hour()) * 3600 + i32::from(t.minute()) * 60 + i32::from(t.second());
        Window { open: secs(open), close: secs(close) }
    }

    pub const fn contains(self, second: SecondOfDay) -> bool {
        self.open <= second && second < self.close
    }

    pub fn intersect(self, other: Window) -> Window {
        Window { open: self.open.max(other.open), close: self.close.min(other.close) }
    }

    pub const fn is_empty(self) -> bool {
        self.open >= self.close
    }
}

/// The local second of the day at `instant` in `zone`, by the zone's rules at that instant.
pub fn local_second(zone: &TimeZone, instant: Timestamp) -> SecondOfDay {
    let offset = zone.to_offset(instant).seconds();
    (instant.as_second() + i64::from(offset)).rem_euclid(86_400) as SecondOfDay
}

/// The first instant at or after `from` when `window` is open in every zone of `zones`; `None` when the
/// windows never overlap (or the window is empty).
pub fn next_open(table: &ZoneTable, zones: ZoneSet, window: Window, from: Timestamp) -> Option<Timestamp> {
    if window.is_empty() {
        return None;
    }
    let mut at = from;
    // Each round moves to the latest next opening among the closed zones; where the zones' windows
    // overlap at all this settles in a few rounds; a week of rounds without settling means they never do.
    for _ in 0..32 {
        let mut latest = at;
        let mut all_open = true;
        for id in zones.iter() {
            let zone = table.zone(id);
            if window.contains(local_second(zone, at)) {
                continue;
            }
            all_open = false;
            let opening = opening_after(zone, window, at)?;
            latest = latest.max(opening);
        }
        if all_open {
            return Some(at);
        }
        at = latest;
    }
    None
}

/// The next local opening time of `window` after `at` in `zone`, as an instant (DST-correct: the local
/// date's opening is resolved by the zone's rules on that date).
fn opening_after(zone: &TimeZone, window: Window, at: Timestamp) -> Option<Timestamp> {
    let local = zone.to_datetime(at);
    let open =
        Time::new((window.open / 3600) as i8, (window.open / 60 % 60) as i8, (window.open % 60) as i8, 0).ok()?;
    let mut date = local.date();
    for _ in 0..3 {
        let candidate = zone.to_ambiguous_timestamp(date.to_datetime(open)).compatible().ok()?;
        if candidate > at {
            return Some(candidate);
        }
        date = date.checked_add(1.day()).ok()?;
    }
    None
}
