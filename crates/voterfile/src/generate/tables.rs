//! Embedded tables (names, cities) and the deterministic random source.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random source: ChaCha8 from the seed, and only `next_u64`, so a (layout, rows, seed) gives the
/// same bytes on every machine and with every `rand` release.
pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 for the sizes used here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_10k` / 10,000.
    pub(crate) fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Picks from a small table of (value, weight).
    pub(crate) fn weighted<T: Copy>(&mut self, table: &[(T, u64)]) -> T {
        let total: u64 = table.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total);
        for &(v, w) in table {
            if r < w {
                return v;
            }
            r -= w;
        }
        table[table.len() - 1].0
    }
}

/// A large weighted table, sampled by binary search over cumulative weights.
pub(crate) struct Weighted<T> {
    pub(crate) items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    pub(crate) fn new(pairs: impl IntoIterator<Item = (T, u64)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for (item, w) in pairs {
            total += w;
            items.push(item);
            cumulative.push(total);
        }
        assert!(total > 0, "an empty weighted table");
        Weighted { items, cumulative }
    }

    pub(crate) fn total(&self) -> u64 {
        *self.cumulative.last().expect("non-empty")
    }

    pub(crate) fn sample(&self, rng: &mut Rng) -> &T {
        let r = rng.below(self.total());
        &self.items[self.cumulative.partition_point(|&c| c <= r)]
    }
}

const SURNAMES: &str = include_str!("../../data/surnames.tsv");
const FEMALE_FIRST: &str = include_str!("../../data/female_first.tsv");
const MALE_FIRST: &str = include_str!("../../data/male_first.tsv");

/// `NAME<TAB>WEIGHT` lines (weights in thousandths of a percent, as the Census files give them).
fn parse_names(text: &'static str) -> Weighted<&'static str> {
    Weighted::new(text.lines().filter(|l| !l.is_empty()).map(|l| {
        let (name, w) = l.split_once('\t').expect("name<TAB>weight");
        (name, w.parse::<u64>().expect("integer weight"))
    }))
}

/// The embedded US Census 1990 surname table (top 5,000): (surname, weight). For tests that compare
/// generated frequencies with the table.
pub fn surname_table() -> Vec<(&'static str, u64)> {
    SURNAMES
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, w) = l.split_once('\t').expect("name<TAB>weight");
            (name, w.parse::<u64>().expect("integer weight"))
        })
        .collect()
}

pub(crate) struct Names {
    pub(crate) surnames: Weighted<&'static str>,
    pub(crate) female: Weighted<&'static str>,
    pub(crate) male: Weighted<&'static str>,
}

impl Names {
    pub(crate) fn load() -> Names {
        Names { surnames: parse_names(SURNAMES), female: parse_names(FEMALE_FIRST), male: parse_names(MALE_FIRST) }
    }
}

/// Non-ASCII names (title case). Each layout uses those its encoding can hold once cased.
pub(crate) const NON_ASCII_FEMALE: &[&str] = &[
    "Zoë",
    "María",
    "Renée",
    "Chloé",
    "Inés",
    "Lucía",
    "Sofía",
    "Mónica",
    "Ángela",
    "Noémie",
    "Françoise",
    "Begoña",
    "Åsa",
    "Thảo",
    "Małgorzata",
];
pub(crate) const NON_ASCII_MALE: &[&str] = &[
    "José",
    "Jesús",
    "Raúl",
    "Ramón",
    "Héctor",
    "Joaquín",
    "André",
    "François",
    "Björn",
    "Søren",
    "Noël",
    "Ángel",
    "Óscar",
    "Łukasz",
    "Jiří",
];
pub(crate) const NON_ASCII_LAST: &[&str] = &[
    "Núñez",
    "Peña",
    "Muñoz",
    "Ibáñez",
    "Gómez",
    "Martínez",
    "Hernández",
    "Pérez",
    "Müller",
    "Lefèvre",
    "Öztürk",
    "O’Brien",
    "O’Connor",
    "D’Angelo",
    "Žukauskas",
    "Šimkus",
    "Nguyễn",
    "Dvořák",
    "Kovačević",
];

/// One city of a state table.
pub(crate) struct City {
    pub(crate) name: &'static str,
    pub(crate) county: &'static str,
    /// NC county number, OH county number, FL three-letter code, WA two-letter code.
    pub(crate) county_code: &'static str,
    pub(crate) zips: Vec<&'static str>,
    pub(crate) area_codes: Vec<&'static str>,
    pub(crate) index: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Nc,
    Oh,
    Fl,
    Wa,
}

impl State {
    pub(crate) fn code(self) -> &'static str {
        match self {
            State::Nc => "NC",
            State::Oh => "OH",
            State::Fl => "FL",
            State::Wa => "WA",
        }
    }

    /// (congressional districts, state senate districts, state house districts).
    pub(crate) fn district_counts(self) -> (u64, u64, u64) {
        match self {
            State::Nc => (14, 50, 120),
            State::Oh => (15, 33, 99),
            State::Fl => (28, 40, 120),
            State::Wa => (10, 49, 49),
        }
    }
}

pub(crate) struct StateTable {
    pub(crate) state: State,
    pub(crate) cities: Weighted<City>,
}

const CITIES_NC: &str = include_str!("../../data/cities_nc.tsv");
const CITIES_OH: &str = include_str!("../../data/cities_oh.tsv");
const CITIES_FL: &str = include_str!("../../data/cities_fl.tsv");
const CITIES_WA: &str = include_str!("../../data/cities_wa.tsv");

impl StateTable {
    pub(crate) fn load(state: State) -> StateTable {
        let text = match state {
            State::Nc => CITIES_NC,
            State::Oh => CITIES_OH,
            State::Fl => CITIES_FL,
            State::Wa => CITIES_WA,
        };
        let cities = text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).enumerate().map(|(index, l)| {
            let cols: Vec<&'static str> = l.split('\t').collect();
            assert_eq!(cols.len(), 6, "city table line: {l}");
            let city = City {
                name: cols[0],
                county: cols[1],
                county_code: cols[2],
                zips: cols[4].split(',').collect(),
                area_codes: cols[5].split(',').collect(),
                index,
            };
            (city, cols[3].parse::<u64>().expect("weight"))
        });
        StateTable { state, cities: Weighted::new(cities) }
    }
}

/// Street names and types for synthetic addresses.
pub(crate) const STREETS: &[&str] = &[
    "MAIN",
    "OAK",
    "PINE",
    "MAPLE",
    "CEDAR",
    "ELM",
    "WASHINGTON",
    "PARK",
    "LAKE",
    "HILL",
    "CHURCH",
    "WALNUT",
    "SPRING",
    "RIDGE",
    "FOREST",
    "MEADOW",
    "MILL",
    "JACKSON",
    "FRANKLIN",
    "LINCOLN",
    "JEFFERSON",
    "MADISON",
    "HIGHLAND",
    "SUNSET",
    "RIVER",
    "CHESTNUT",
    "HICKORY",
    "DOGWOOD",
    "MAGNOLIA",
    "WILLOW",
    "BIRCH",
    "SYCAMORE",
    "POPLAR",
    "LAUREL",
    "HOLLY",
    "VALLEY",
    "COUNTRY CLUB",
    "COLLEGE",
    "SCHOOL",
    "MARKET",
    "UNION",
    "BROAD",
    "HIGH",
    "FRONT",
    "WATER",
    "BRIDGE",
    "CENTER",
    "GROVE",
    "ORCHARD",
    "PROSPECT",
    "FAIRVIEW",
    "PLEASANT",
    "GREEN",
    "KING",
    "QUEEN",
    "PRINCETON",
    "OXFORD",
    "CAMBRIDGE",
    "HAMPTON",
    "WINDSOR",
    "BROOKSIDE",
    "CREEKSIDE",
    "STONEGATE",
    "HUNTERS",
    "FOX RUN",
    "DEER",
    "EAGLE",
    "HAWTHORNE",
    "TWIN OAKS",
    "OLD MILL",
    "FIRST",
    "SECOND",
    "THIRD",
    "FOURTH",
    "FIFTH",
    "SIXTH",
    "SEVENTH",
    "10TH",
    "12TH",
    "15TH",
    "21ST",
    "45TH",
    "MARTIN LUTHER KING JR",
];

pub(crate) const STREET_TYPES: &[(&str, u64)] = &[
    ("ST", 26),
    ("AVE", 16),
    ("RD", 16),
    ("DR", 16),
    ("LN", 8),
    ("CT", 6),
    ("WAY", 4),
    ("BLVD", 3),
    ("PL", 2),
    ("CIR", 2),
    ("TRL", 1),
    ("PKWY", 1),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load() {
        let n = Names::load();
        assert_eq!(n.surnames.items.len(), 5000);
        assert_eq!(n.surnames.items[0], "SMITH");
        assert_eq!(n.female.items.len(), 4275);
        assert_eq!(n.male.items.len(), 1219);
        for s in [State::Nc, State::Oh, State::Fl, State::Wa] {
            let t = StateTable::load(s);
            assert!((30..=60).contains(&t.cities.items.len()), "{s:?}");
            for c in &t.cities.items {
                assert!(c.zips.iter().all(|z| z.len() == 5 && z.bytes().all(|b| b.is_ascii_digit())), "{}", c.name);
                assert!(c.area_codes.iter().all(|a| a.len() == 3), "{}", c.name);
            }
        }
    }

    #[test]
    fn sampling_is_deterministic_and_weighted() {
        let w = Weighted::new([("a", 1), ("b", 3)]);
        let mut r = Rng::new(7);
        let mut b = 0;
        for _ in 0..40_000 {
            if *w.sample(&mut r) == "b" {
                b += 1;
            }
        }
        assert!((29_000..31_000).contains(&b), "{b}");
        let (mut x, mut y) = (Rng::new(9), Rng::new(9));
        assert!((0..100).all(|_| x.next_u64() == y.next_u64()));
    }
}
