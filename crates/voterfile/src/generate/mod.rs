//! Deterministic synthetic voter files in the preset layouts.

mod tables;

pub use tables::surname_table;

use crate::encoding::{encode_append, TextEncoding};
use crate::layout::{GENERIC_COLUMNS, NC_COLUMNS, OH_COLUMNS, OH_ELECTIONS, WA_COLUMNS};
use crate::Layout;
use std::io::{self, BufWriter, Write};
use tables::{
    City, Names, Rng, State, StateTable, NON_ASCII_FEMALE, NON_ASCII_LAST, NON_ASCII_MALE, STREETS, STREET_TYPES,
};

/// What [`generate`] wrote, so tests can check the shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct GenStats {
    /// Data rows written (duplicates included; the header is not a row).
    pub rows: u64,
    /// Phone values written (a Florida phone is one value over its three columns).
    pub phones: u64,
    /// Phone values that no NANP parser should accept (too few or too many digits, an area code
    /// starting with 0 or 1, letters).
    pub invalid_phones: u64,
    /// Rows that repeat an earlier row's person key (the earlier row written again, byte for byte).
    pub duplicate_keys: u64,
    /// Rows (duplicates aside) whose phone is also on another row of the same household address.
    pub shared_phones: u64,
    /// Rows with a blank or impossible birth year (or date).
    pub bad_birth_years: u64,
    /// Rows whose residential ZIP code has 4 digits.
    pub bad_zips: u64,
    /// Rows with a non-ASCII first or last name.
    pub non_ascii_names: u64,
}

/// The year the synthetic file describes: ages are as of the end of it.
const REF_YEAR: i64 = 2026;

/// Writes `rows` synthetic data rows (plus the header, for layouts with one) in `layout`.
///
/// Deterministic: the same (layout, rows, seed) gives the same bytes on every run and machine.
/// `Layout::Mapping` has no fixed columns to generate and is refused (`InvalidInput`).
pub fn generate<W: Write>(layout: &Layout, rows: u64, seed: u64, out: W) -> io::Result<GenStats> {
    let kind = match layout {
        Layout::Nc => Kind::Nc,
        Layout::Oh => Kind::Oh,
        Layout::Fl => Kind::Fl,
        Layout::Wa => Kind::Wa,
        Layout::Generic => Kind::Generic,
        Layout::Mapping(_) => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "only the preset layouts can be generated"))
        }
    };
    let mut g = Generator::new(kind, seed);
    let mut out = BufWriter::with_capacity(1 << 16, out);
    g.write_header(&mut out)?;
    while g.stats.rows < rows {
        g.household(rows, &mut out)?;
    }
    out.flush()?;
    Ok(g.stats)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Nc,
    Oh,
    Fl,
    Wa,
    Generic,
}

impl Kind {
    fn encoding(self) -> TextEncoding {
        match self {
            Kind::Nc | Kind::Fl => TextEncoding::Latin1,
            Kind::Wa => TextEncoding::Windows1252,
            Kind::Oh | Kind::Generic => TextEncoding::Utf8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    F,
    M,
    U,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Dem,
    Rep,
    Una,
    Lib,
    Green,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Inactive,
    Removed,
    Denied,
    Temporary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Race {
    White,
    Black,
    Hispanic,
    Asian,
    Native,
    Multi,
    Other,
    Unknown,
}

/// A generated phone: its text as written, and Florida's split form.
#[derive(Debug, Clone)]
struct GenPhone {
    text: String,
    area: String,
    number: String,
    ext: String,
    invalid: bool,
}

/// A civil date (year may be impossible for a deliberately bad birth date).
#[derive(Debug, Clone, Copy)]
struct Date {
    y: i64,
    m: u32,
    d: u32,
}

impl Date {
    fn mdy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.m, self.d, self.y)
    }
    fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
    fn days(self) -> i64 {
        days_from_civil(self.y, self.m, self.d)
    }
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Date { y: yoe + era * 400 + i64::from(m <= 2), m, d }
}

/// One household address.
struct Household<'t> {
    state: State,
    city: &'t City,
    number: u64,
    frac: bool,
    predir: &'static str,
    street: &'static str,
    stype: &'static str,
    postdir: &'static str,
    unit_type: &'static str,
    unit: String,
    zip: &'static str,
    precinct: u64,
    cd: u64,
    senate: u64,
    house: u64,
    surname: &'static str,
}

/// One person's row-independent data.
struct Person {
    key: String,
    first: String,
    middle: String,
    last: String,
    suffix: &'static str,
    gender: Gender,
    birth: Option<Date>,
    birth_ok: bool,
    registered: Date,
    party: Party,
    race: Race,
    hispanic: bool,
    status: Status,
    zip: String,
    /// Primary phone: NC's `full_phone_number`, FL's daytime phone, the generic home phone.
    phone: Option<GenPhone>,
    cell: Option<GenPhone>,
    work: Option<GenPhone>,
    email: Option<String>,
    /// One entry per election of the layout's list: 0 = did not vote, else the code.
    votes: Vec<&'static str>,
    mail_box: Option<u64>,
    county_voter_id: u64,
    propensity: u8,
}

struct RingEntry {
    line: Vec<u8>,
    phones: u64,
    invalid: u64,
}

const RING: usize = 1024;

struct Generator {
    kind: Kind,
    enc: TextEncoding,
    rng: Rng,
    names: Names,
    states: Vec<StateTable>,
    non_ascii_female: Vec<String>,
    non_ascii_male: Vec<String>,
    non_ascii_last: Vec<String>,
    serial: u64,
    key_offset: u64,
    ring: Vec<RingEntry>,
    row: String,
    bytes: Vec<u8>,
    stats: GenStats,
    elections: Vec<(&'static str, Date, bool)>,
}

/// Title case for the generic layout ("MCDONALD" → "McDonald", "MARY-ANN" → "Mary-Ann").
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'' | '’');
    }
    if out.len() > 3 && out.starts_with("Mc") {
        let rest: String = out[2..].chars().take(1).flat_map(char::to_uppercase).collect();
        out = format!("Mc{rest}{}", &out[3..]);
    }
    out
}

impl Generator {
    fn new(kind: Kind, seed: u64) -> Generator {
        let mut rng = Rng::new(seed);
        let key_offset = rng.next_u64();
        let enc = kind.encoding();
        let cased = |list: &[&str]| -> Vec<String> {
            list.iter()
                .map(|s| if kind == Kind::Generic { s.to_string() } else { s.to_uppercase() })
                .filter(|s| !s.is_ascii() && enc.can_encode(s))
                .collect()
        };
        let states = match kind {
            Kind::Nc => vec![StateTable::load(State::Nc)],
            Kind::Oh => vec![StateTable::load(State::Oh)],
            Kind::Fl => vec![StateTable::load(State::Fl)],
            Kind::Wa => vec![StateTable::load(State::Wa)],
            Kind::Generic => [State::Fl, State::Oh, State::Nc, State::Wa].into_iter().map(StateTable::load).collect(),
        };
        let elections = match kind {
            Kind::Oh => OH_ELECTIONS
                .iter()
                .map(|e| {
                    let (what, date) = e.split_once('-').expect("WORD-MM/DD/YYYY");
                    let d = Date {
                        y: date[6..].parse().expect("year"),
                        m: date[..2].parse().expect("month"),
                        d: date[3..5].parse().expect("day"),
                    };
                    (*e, d, what == "GENERAL")
                })
                .collect(),
            Kind::Wa | Kind::Generic => [(2018, 11, 6), (2020, 11, 3), (2022, 11, 8), (2024, 11, 5)]
                .iter()
                .map(|&(y, m, d)| ("GENERAL", Date { y, m, d }, true))
                .collect(),
            Kind::Nc | Kind::Fl => Vec::new(),
        };
        Generator {
            kind,
            enc,
            rng,
            names: Names::load(),
            states,
            // Ohio's file is ASCII in practice.
            non_ascii_female: if kind == Kind::Oh { Vec::new() } else { cased(NON_ASCII_FEMALE) },
            non_ascii_male: if kind == Kind::Oh { Vec::new() } else { cased(NON_ASCII_MALE) },
            non_ascii_last: if kind == Kind::Oh { Vec::new() } else { cased(NON_ASCII_LAST) },
            serial: 0,
            key_offset,
            ring: Vec::with_capacity(RING),
            row: String::with_capacity(1024),
            bytes: Vec::with_capacity(1024),
            stats: GenStats::default(),
            elections,
        }
    }

    fn write_header(&mut self, out: &mut impl Write) -> io::Result<()> {
        let (cols, delim, quote_all): (Vec<&str>, char, bool) = match self.kind {
            Kind::Nc => (NC_COLUMNS.to_vec(), '\t', false),
            Kind::Oh => (OH_COLUMNS.iter().chain(OH_ELECTIONS.iter()).copied().collect(), ',', true),
            Kind::Fl => return Ok(()),
            Kind::Wa => (WA_COLUMNS.to_vec(), '|', false),
            Kind::Generic => (GENERIC_COLUMNS.to_vec(), ',', false),
        };
        let mut row = Row::new(delim, quote_all);
        for c in cols {
            row.push(c);
        }
        out.write_all(row.s.as_bytes())?;
        out.write_all(self.line_end())
    }

    fn line_end(&self) -> &'static [u8] {
        if self.kind == Kind::Wa {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// The person key of the `serial`-th person: unique (a bijection of the serial) in the state's style.
    fn person_key(&self, state: State) -> String {
        let scramble = |modulus: u64| -> u64 {
            // 2,654,435,761 is prime and divides none of the moduli, so this is a bijection.
            ((u128::from(self.serial) * 2_654_435_761 + u128::from(self.key_offset)) % u128::from(modulus)) as u64
        };
        match (self.kind, state) {
            (Kind::Nc, _) => {
                let n = scramble(676_000_000);
                let (l, d) = (n / 1_000_000, n % 1_000_000);
                format!("{}{}{:06}", (b'A' + (l / 26) as u8) as char, (b'A' + (l % 26) as u8) as char, d)
            }
            (Kind::Fl, _) => format!("{}", 100_000_000 + scramble(900_000_000)),
            (Kind::Oh, _) | (Kind::Wa, _) | (Kind::Generic, _) => {
                format!("{}{:010}", state.code(), scramble(10_000_000_000))
            }
        }
    }

    fn household(&mut self, limit: u64, out: &mut impl Write) -> io::Result<()> {
        let st_idx = if self.kind == Kind::Generic {
            // Florida, Ohio, North Carolina, Washington by registered voters (millions, roughly).
            self.rng.weighted(&[(0usize, 14), (1, 8), (2, 7), (3, 5)])
        } else {
            0
        };
        // Borrow the tables outside `self` for the household's life.
        let states = std::mem::take(&mut self.states);
        let result = self.household_in(&states[st_idx], limit, out);
        self.states = states;
        result
    }

    fn household_in(&mut self, table: &StateTable, limit: u64, out: &mut impl Write) -> io::Result<()> {
        let rng = &mut self.rng;
        let state = table.state;
        let city = table.cities.sample(rng);
        let number = match rng.below(100) {
            0..=9 => rng.range(1, 99),
            10..=49 => rng.range(100, 999),
            50..=94 => rng.range(1000, 9999),
            _ => rng.range(10_000, 29_999),
        };
        let predir = if rng.chance(1200) { rng.pick(&["N", "S", "E", "W"]) } else { "" };
        let postdir = if state == State::Wa && rng.chance(800) { rng.pick(&["NE", "NW", "SE", "SW"]) } else { "" };
        let (unit_type, unit) = if rng.chance(1500) {
            let t = rng.weighted(&[("APT", 70), ("UNIT", 20), ("STE", 3), ("LOT", 7)]);
            let n = rng.range(1, 40);
            let unit =
                if rng.chance(3000) { format!("{n}{}", (b'A' + rng.below(4) as u8) as char) } else { n.to_string() };
            (t, unit)
        } else {
            ("", String::new())
        };
        let precincts = 3 + city.index as u64 % 7 + 40 / (city.index as u64 + 1);
        let precinct = rng.range(1, precincts);
        let (ncd, nsen, nhouse) = state.district_counts();
        let ci = city.index as u64;
        let hh = Household {
            state,
            city,
            number,
            frac: state == State::Wa && rng.chance(50),
            predir,
            street: rng.pick(STREETS),
            stype: rng.weighted(STREET_TYPES),
            postdir,
            unit_type,
            unit,
            zip: rng.pick(&city.zips),
            precinct,
            cd: 1 + (ci * 7 + precinct / 12) % ncd,
            senate: 1 + (ci * 11 + precinct / 6) % nsen,
            house: 1 + (ci * 13 + precinct / 3) % nhouse,
            surname: self.names.surnames.sample(rng),
        };
        let size = rng.weighted(&[(1u64, 45), (2, 33), (3, 14), (4, 6), (5, 2)]);
        let mut head_phone: Option<GenPhone> = None;
        let mut copied = 0;
        for member in 0..size {
            if self.stats.rows >= limit {
                break;
            }
            if !self.ring.is_empty() && self.rng.chance(50) {
                self.write_duplicate(out)?;
                if self.stats.rows >= limit {
                    break;
                }
            }
            let (person, shared) = self.person(&hh, member, &mut head_phone);
            copied += u64::from(shared);
            self.write_person(&hh, &person, out)?;
        }
        if copied > 0 {
            self.stats.shared_phones += copied + 1;
        }
        Ok(())
    }

    fn write_duplicate(&mut self, out: &mut impl Write) -> io::Result<()> {
        let e = &self.ring[self.rng.below(self.ring.len() as u64) as usize];
        out.write_all(&e.line)?;
        self.stats.rows += 1;
        self.stats.duplicate_keys += 1;
        self.stats.phones += e.phones;
        self.stats.invalid_phones += e.invalid;
        Ok(())
    }

    /// A phone in the city's area codes, always on a fictional 555-0100…555-0199 line; 3 % are invalid.
    fn phone(&mut self, city: &City, formats: bool) -> GenPhone {
        let rng = &mut self.rng;
        let area = rng.pick(&city.area_codes).to_string();
        let last = format!("{:02}", rng.below(100));
        let number = format!("55501{last}");
        if rng.chance(300) {
            let (text, area, number) = match rng.below(5) {
                0 => (format!("{area}55501{}", &last[..1]), area, format!("55501{}", &last[..1])),
                1 => (format!("555-01{last}"), String::new(), number),
                2 => {
                    let bad = format!("{}{}", rng.below(2), &area[1..]);
                    (format!("{bad}-555-01{last}"), bad, number)
                }
                3 => (format!("{area}-555-O1{last}"), area, format!("555O1{last}")),
                _ => (format!("{area}55501{last}7"), area, format!("55501{last}7")),
            };
            return GenPhone { text, area, number, ext: String::new(), invalid: true };
        }
        let mut ext = String::new();
        let text = if !formats {
            format!("{area}{number}")
        } else {
            match rng.weighted(&[(0u8, 55), (1, 12), (2, 10), (3, 6), (4, 5), (5, 5), (6, 3), (7, 4)]) {
                0 => format!("{area}{number}"),
                1 => format!("{area}-555-01{last}"),
                2 => format!("({area}) 555-01{last}"),
                3 => format!("{area}.555.01{last}"),
                4 => format!("+1 {area} 555 01{last}"),
                5 => format!("1-{area}-555-01{last}"),
                6 => {
                    ext = rng.range(10, 999).to_string();
                    format!("{area}-555-01{last} x{ext}")
                }
                _ => format!("({area})555-01{last}"),
            }
        };
        GenPhone { text, area, number, ext, invalid: false }
    }

    fn first_name(&mut self, gender: Gender) -> &'static str {
        let gender = if gender == Gender::U {
            if self.rng.chance(5000) {
                Gender::F
            } else {
                Gender::M
            }
        } else {
            gender
        };
        match gender {
            Gender::M => self.names.male.sample(&mut self.rng),
            _ => self.names.female.sample(&mut self.rng),
        }
    }

    fn cased(&self, census: &str) -> String {
        if self.kind == Kind::Generic {
            title_case(census)
        } else {
            census.to_string()
        }
    }

    fn person(&mut self, hh: &Household, member: u64, head_phone: &mut Option<GenPhone>) -> (Person, bool) {
        self.serial += 1;
        let key = self.person_key(hh.state);
        let gender = self.rng.weighted(&[(Gender::F, 530), (Gender::M, 455), (Gender::U, 15)]);
        let census_first = self.first_name(gender);
        let mut first = self.cased(census_first);
        let middle = match self.rng.below(10_000) {
            0..=2499 => String::new(),
            2500..=3999 => ((b'A' + self.rng.below(26) as u8) as char).to_string(),
            4000..=4004 => {
                let nick = self.rng.pick(&["BUD", "SKIP", "DOC", "SISSY", "RED"]);
                format!("\"{}\"", self.cased(nick))
            }
            _ => {
                let census_middle = self.first_name(gender);
                self.cased(census_middle)
            }
        };
        let census_last =
            if member == 0 || self.rng.chance(8500) { hh.surname } else { *self.names.surnames.sample(&mut self.rng) };
        let mut last = self.cased(census_last);
        let mut non_ascii = false;
        let female_list = gender == Gender::F;
        let list = if female_list { &self.non_ascii_female } else { &self.non_ascii_male };
        if !list.is_empty() && self.rng.chance(100) {
            first = list[self.rng.below(list.len() as u64) as usize].clone();
            non_ascii = true;
        }
        if !self.non_ascii_last.is_empty() && self.rng.chance(50) {
            last = self.non_ascii_last[self.rng.below(self.non_ascii_last.len() as u64) as usize].clone();
            non_ascii = true;
        }
        if non_ascii {
            self.stats.non_ascii_names += 1;
        }
        let suffix = if gender == Gender::M {
            self.rng.weighted(&[("", 9470), ("JR", 300), ("SR", 100), ("II", 70), ("III", 50), ("IV", 10)])
        } else {
            ""
        };

        // Age 18–100 at the end of the reference year, weighted like the registered population.
        let (lo, hi) = self.rng.weighted(&[
            ((18, 24), 11),
            ((25, 34), 16),
            ((35, 44), 16),
            ((45, 54), 16),
            ((55, 64), 17),
            ((65, 74), 14),
            ((75, 84), 7),
            ((85, 100), 3),
        ]);
        let age = self.rng.range(lo, hi) as i64;
        let year = REF_YEAR - age;
        let day_of_year = self.rng.below(365) as i64;
        let real_birth = civil_from_days(days_from_civil(year, 1, 1) + day_of_year);
        let (birth, birth_ok) = if self.rng.chance(50) {
            self.stats.bad_birth_years += 1;
            match self.rng.below(3) {
                0 => (None, false),
                1 => (Some(Date { y: self.rng.range(1850, 1899) as i64, ..real_birth }), false),
                _ => (Some(Date { y: REF_YEAR + 1 + self.rng.below(5) as i64, ..real_birth }), false),
            }
        } else {
            (Some(real_birth), true)
        };
        let earliest = days_from_civil(year + 18, real_birth.m, real_birth.d.min(28)).max(days_from_civil(1960, 1, 1));
        let latest = days_from_civil(2025, 12, 31);
        let registered = civil_from_days(earliest + self.rng.below((latest - earliest).max(1) as u64) as i64);

        let zip = if self.rng.chance(50) {
            self.stats.bad_zips += 1;
            hh.zip[..4].to_string()
        } else {
            hh.zip.to_string()
        };
        let party = match hh.state {
            State::Nc => self.rng.weighted(&[
                (Party::Dem, 310),
                (Party::Rep, 300),
                (Party::Una, 382),
                (Party::Lib, 7),
                (Party::Green, 1),
            ]),
            State::Fl => self.rng.weighted(&[
                (Party::Dem, 320),
                (Party::Rep, 380),
                (Party::Una, 270),
                (Party::Lib, 5),
                (Party::Green, 1),
                (Party::Other, 24),
            ]),
            // Ohio and Washington register no party: this is the person's lean (Ohio's primary ballots).
            State::Oh | State::Wa => {
                self.rng.weighted(&[(Party::Dem, 440), (Party::Rep, 480), (Party::Una, 70), (Party::Lib, 10)])
            }
        };
        let race = self.rng.weighted(&[
            (Race::White, 610),
            (Race::Black, 170),
            (Race::Hispanic, 90),
            (Race::Asian, 25),
            (Race::Native, 8),
            (Race::Multi, 17),
            (Race::Other, 30),
            (Race::Unknown, 50),
        ]);
        let status = match self.kind {
            Kind::Nc => self.rng.weighted(&[
                (Status::Active, 780),
                (Status::Inactive, 100),
                (Status::Removed, 110),
                (Status::Denied, 5),
                (Status::Temporary, 5),
            ]),
            _ => self.rng.weighted(&[(Status::Active, 890), (Status::Inactive, 110)]),
        };

        // Phones: the primary one may be the household's.
        let mut shared = false;
        let primary_rate = match self.kind {
            Kind::Nc => 6500,
            Kind::Fl => 5500,
            Kind::Generic => 5000,
            Kind::Oh | Kind::Wa => 0,
        };
        // Tuned so that ~10 % of rows share their phone with another row of the household.
        let share_rate = match self.kind {
            Kind::Nc => 1800,
            Kind::Fl => 2100,
            _ => 2300,
        };
        let formats = self.kind != Kind::Fl;
        let phone = if primary_rate == 0 {
            None
        } else if member > 0 && head_phone.is_some() && self.rng.chance(share_rate) {
            shared = true;
            head_phone.clone()
        } else if self.rng.chance(primary_rate) {
            let p = self.phone(hh.city, formats);
            if member == 0 && !p.invalid {
                *head_phone = Some(p.clone());
            }
            Some(p)
        } else {
            None
        };
        let (cell, work) = if self.kind == Kind::Generic {
            let cell = self.rng.chance(6500).then(|| self.phone(hh.city, true));
            let work = self.rng.chance(1200).then(|| self.phone(hh.city, true));
            (cell, work)
        } else {
            (None, None)
        };
        let email_rate = match self.kind {
            Kind::Fl => 2500,
            Kind::Generic => 5500,
            _ => 0,
        };
        let email = self.rng.chance(email_rate).then(|| {
            let fold = |s: &str| -> String {
                s.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase()
            };
            let domain = self.rng.pick(&["example.com", "example.net", "example.org"]);
            let n = self.rng.below(100);
            let at = if self.rng.chance(100) { "" } else { "@" };
            format!("{}.{}{n}{at}{domain}", fold(&first), fold(&last))
        });

        // Turnout: a propensity tier, then each election after registration.
        let propensity = self.rng.weighted(&[(0u8, 30), (1, 35), (2, 35)]);
        let mut votes = Vec::with_capacity(self.elections.len());
        for i in 0..self.elections.len() {
            let (name, date, general) = self.elections[i];
            if date.days() < registered.days() {
                votes.push("");
                continue;
            }
            let presidential = general && date.y % 4 == 0;
            let midterm = general && date.y % 2 == 0 && !presidential;
            let partisan_primary = !general && date.y % 2 == 0 && name.starts_with("PRIMARY");
            let p = match (propensity, presidential, midterm, general, partisan_primary) {
                (2, true, ..) => 9300,
                (2, _, true, ..) => 8000,
                (2, _, _, true, _) => 4500,
                (2, .., true) => 5000,
                (2, ..) => 2500,
                (1, true, ..) => 7000,
                (1, _, true, ..) => 4000,
                (1, _, _, true, _) => 1500,
                (1, .., true) => 1500,
                (1, ..) => 600,
                (_, true, ..) => 3500,
                (_, _, true, ..) => 1200,
                (_, _, _, true, _) => 400,
                (.., true) => 300,
                _ => 100,
            };
            if !self.rng.chance(p) {
                votes.push("");
            } else if partisan_primary {
                let ballot = match party {
                    Party::Dem => "D",
                    Party::Rep => "R",
                    _ => self.rng.pick(&["D", "R"]),
                };
                votes.push(ballot);
            } else if self.kind == Kind::Generic {
                votes.push(self.rng.weighted(&[("POLLS", 50), ("EARLY", 25), ("MAIL", 25)]));
            } else {
                votes.push("X");
            }
        }
        let mail_box = self.rng.chance(800).then(|| self.rng.range(1, 9999));
        let county_voter_id = self.rng.range(1, 99_999_999);
        let person = Person {
            key,
            first,
            middle,
            last,
            suffix,
            gender,
            birth,
            birth_ok,
            registered,
            party,
            race,
            hispanic: race == Race::Hispanic || self.rng.chance(100),
            status,
            zip,
            phone,
            cell,
            work,
            email,
            votes,
            mail_box,
            county_voter_id,
            propensity,
        };
        (person, shared)
    }

    fn write_person(&mut self, hh: &Household, p: &Person, out: &mut impl Write) -> io::Result<()> {
        let mut row = Row::new(
            match self.kind {
                Kind::Nc | Kind::Fl => '\t',
                Kind::Wa => '|',
                Kind::Oh | Kind::Generic => ',',
            },
            self.kind == Kind::Oh,
        );
        row.s = std::mem::take(&mut self.row);
        row.s.clear();
        match self.kind {
            Kind::Nc => self.nc_row(&mut row, hh, p),
            Kind::Oh => self.oh_row(&mut row, hh, p),
            Kind::Fl => fl_row(&mut row, hh, p),
            Kind::Wa => self.wa_row(&mut row, hh, p),
            Kind::Generic => generic_row(&mut row, hh, p),
        }
        self.bytes.clear();
        encode_append(self.enc, &row.s, &mut self.bytes);
        self.bytes.extend_from_slice(self.line_end());
        out.write_all(&self.bytes)?;
        self.row = row.s;

        let all = [&p.phone, &p.cell, &p.work];
        let phones = all.iter().filter(|p| p.is_some()).count() as u64;
        let invalid = all.iter().filter(|p| p.as_ref().is_some_and(|p| p.invalid)).count() as u64;
        self.stats.rows += 1;
        self.stats.phones += phones;
        self.stats.invalid_phones += invalid;
        let entry = RingEntry { line: self.bytes.clone(), phones, invalid };
        if self.ring.len() < RING {
            self.ring.push(entry);
        } else {
            let slot = (self.serial as usize) % RING;
            self.ring[slot] = entry;
        }
        Ok(())
    }

    fn nc_row(&self, r: &mut Row, hh: &Household, p: &Person) {
        let c = hh.city;
        let county = c.county.to_uppercase();
        let city = c.name.to_uppercase();
        let (status_cd, status_desc, reason_cd, reason_desc) = match p.status {
            Status::Active if p.propensity == 0 && p.registered.y >= 2024 => ("A", "ACTIVE", "AN", "UNVERIFIED NEW"),
            Status::Active => ("A", "ACTIVE", "AV", "VERIFIED"),
            Status::Inactive if p.propensity == 1 => ("I", "INACTIVE", "IU", "CONFIRMATION RETURNED UNDELIVERABLE"),
            Status::Inactive => ("I", "INACTIVE", "IN", "CONFIRMATION NOT RETURNED"),
            Status::Removed if p.propensity == 2 => ("R", "REMOVED", "RD", "DECEASED"),
            Status::Removed => ("R", "REMOVED", "RL", "MOVED FROM COUNTY"),
            Status::Denied => ("D", "DENIED", "DI", "UNAVAILABLE ESSENTIAL INFORMATION"),
            Status::Temporary => ("S", "TEMPORARY", "SM", "MILITARY"),
        };
        let race = match p.race {
            Race::White => "W",
            Race::Black => "B",
            Race::Asian => "A",
            Race::Native => "I",
            Race::Multi => "M",
            Race::Other | Race::Hispanic => "O",
            Race::Unknown => "U",
        };
        let ethnic = if p.hispanic {
            "HL"
        } else if p.race == Race::Unknown {
            "UN"
        } else {
            "NL"
        };
        let party = match p.party {
            Party::Dem => "DEM",
            Party::Rep => "REP",
            Party::Una => "UNA",
            Party::Lib => "LIB",
            Party::Green => "GRE",
            Party::Other => "CST",
        };
        let precinct = format!("{:03}", hh.precinct);
        let in_town = hh.city.index % 5 != 4 || !hh.precinct.is_multiple_of(3);
        let muni_abbrv: String =
            if in_town { city.chars().filter(char::is_ascii_alphabetic).take(3).collect() } else { String::new() };
        r.push(c.county_code);
        r.push(&county);
        r.push(&format!("{:012}", p.county_voter_id));
        r.push(&p.key);
        r.push(&p.last);
        r.push(&p.first);
        r.push(&p.middle);
        r.push(p.suffix);
        r.push(status_cd);
        r.push(status_desc);
        r.push(reason_cd);
        r.push(reason_desc);
        r.push(&street_line(hh, false, true));
        r.push(&city);
        r.push("NC");
        r.push(&p.zip);
        mail_fields(r, p, &city, "NC", hh.zip, 4);
        r.push(p.phone.as_ref().map_or("", |p| &p.text));
        r.push("N");
        r.push(&p.registered.mdy());
        r.push(race);
        r.push(ethnic);
        r.push(party);
        r.push(gender_code(p.gender));
        r.push(&birth_year(p));
        r.push(&p.birth.filter(|_| p.birth_ok).map_or(String::new(), |b| (REF_YEAR - b.y).to_string()));
        r.push(if p.propensity == 2 {
            "NC"
        } else if p.propensity == 1 {
            "VA"
        } else {
            ""
        });
        r.push(if p.propensity == 0 { "N" } else { "Y" });
        r.push(&precinct);
        r.push(&format!("PRECINCT {precinct}"));
        r.push(&muni_abbrv);
        r.push(if in_town { &city } else { "" });
        r.push("");
        r.push("");
        r.push(&hh.cd.to_string());
        r.push(&format!("{}{}", 1 + (hh.city.index % 30), ["A", "B"][(hh.precinct % 2) as usize]));
        r.push(&(1 + hh.city.index % 30).to_string());
        r.push(&hh.senate.to_string());
        r.push(&hh.house.to_string());
        let commiss = (1 + hh.precinct % 7).to_string();
        r.push(&commiss);
        r.push(&format!("COMMISSIONER DISTRICT {commiss}"));
        for _ in 0..16 {
            r.push(""); // township … munic_dist: mostly empty in the real file
        }
        r.push(""); // dist_1_abbrv
        r.push(""); // dist_1_desc
        r.push(&precinct);
        r.push(&format!("PRECINCT {precinct}"));
    }

    fn oh_row(&self, r: &mut Row, hh: &Household, p: &Person) {
        let city = hh.city.name.to_uppercase();
        // Ohio's party is the ballot of the person's last partisan primary.
        let party = p.votes.iter().rev().copied().find(|v| *v == "D" || *v == "R").unwrap_or("");
        r.push(&p.key);
        r.push(hh.city.county_code);
        r.push(&p.county_voter_id.to_string());
        r.push(&p.last);
        r.push(&p.first);
        r.push(&p.middle);
        r.push(p.suffix);
        r.push(&p.birth.map_or(String::new(), Date::iso));
        r.push(&p.registered.iso());
        r.push(if p.status == Status::Active { "ACTIVE" } else { "CONFIRMATION" });
        r.push(party);
        r.push(&street_line(hh, false, false));
        r.push(&unit_line(hh));
        r.push(&city);
        r.push("OH");
        r.push(&p.zip);
        r.push(&if p.propensity > 0 { format!("{:04}", p.county_voter_id % 10_000) } else { String::new() });
        r.push("");
        r.push("");
        mail_fields(r, p, &city, "OH", hh.zip, 2);
        r.push(""); // MAILING_ZIP_PLUS4
        r.push(""); // MAILING_COUNTRY
        r.push(""); // MAILING_POSTAL_CODE
        r.push(""); // CAREER_CENTER
        r.push(&city);
        r.push(&format!("{city} CITY SD"));
        r.push("");
        r.push(&format!("{:02}", hh.cd));
        r.push(&format!("{:02}", 1 + hh.city.index % 12));
        r.push("");
        r.push("");
        r.push("");
        r.push("");
        r.push("");
        r.push(&format!("{city} {}-{}", 1 + hh.precinct / 4, (b'A' + (hh.precinct % 4) as u8) as char));
        r.push(&format!(
            "{}{}{}",
            hh.city.county_code,
            (b'A' + (hh.city.index % 26) as u8) as char,
            (b'A' + (hh.precinct % 26) as u8) as char
        ));
        r.push("");
        r.push(&format!("{:02}", hh.house));
        r.push(&format!("{:02}", hh.senate));
        r.push("");
        r.push("");
        r.push(&format!("{}", 1 + hh.precinct / 4));
        for v in &p.votes {
            r.push(v);
        }
    }

    fn wa_row(&self, r: &mut Row, hh: &Household, p: &Person) {
        let last_voted = self
            .elections
            .iter()
            .zip(&p.votes)
            .rev()
            .find(|(_, v)| !v.is_empty())
            .map_or(String::new(), |((_, d, _), _)| d.mdy());
        r.push(&p.key);
        r.push(&p.first);
        r.push(&p.middle);
        r.push(&p.last);
        r.push(p.suffix);
        r.push(&birth_year(p));
        r.push(gender_code(p.gender));
        r.push(&hh.number.to_string());
        r.push(if hh.frac { "1/2" } else { "" });
        r.push(hh.street);
        r.push(hh.stype);
        r.push(hh.unit_type);
        r.push(hh.predir);
        r.push(hh.postdir);
        r.push(&hh.unit);
        r.push(&hh.city.name.to_uppercase());
        r.push("WA");
        r.push(&p.zip);
        r.push(hh.city.county_code);
        let precinct = format!("{}", 100 + hh.city.index * 40 + hh.precinct as usize);
        r.push(&precinct);
        r.push(&precinct);
        r.push(&hh.senate.to_string());
        r.push(&hh.cd.to_string());
        match p.mail_box {
            Some(b) => {
                r.push(&format!("PO BOX {b}"));
                r.push("");
                r.push("");
                r.push(&hh.city.name.to_uppercase());
                r.push(hh.zip);
                r.push("WA");
                r.push("");
            }
            None => (0..7).for_each(|_| r.push("")),
        }
        r.push(&p.registered.mdy());
        r.push(&last_voted);
        r.push(if p.status == Status::Active { "A" } else { "I" });
    }
}

fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::F => "F",
        Gender::M => "M",
        Gender::U => "U",
    }
}

fn birth_year(p: &Person) -> String {
    p.birth.map_or(String::new(), |b| b.y.to_string())
}

/// Mailing address columns: line 1, `blank_lines` empty lines, city, state, ZIP.
fn mail_fields(r: &mut Row, p: &Person, city: &str, state: &str, zip: &str, lines: usize) {
    match p.mail_box {
        Some(b) => {
            r.push(&format!("PO BOX {b}"));
            (1..lines).for_each(|_| r.push(""));
            r.push(city);
            r.push(state);
            r.push(zip);
        }
        None => (0..lines + 3).for_each(|_| r.push("")),
    }
}

/// The street part of the address; with the unit when `with_unit`.
fn street_line(hh: &Household, title: bool, with_unit: bool) -> String {
    let mut s = hh.number.to_string();
    for part in [if hh.frac { "1/2" } else { "" }, hh.predir, hh.street, hh.stype, hh.postdir] {
        if !part.is_empty() {
            s.push(' ');
            s.push_str(part);
        }
    }
    if with_unit && !hh.unit_type.is_empty() {
        s.push(' ');
        s.push_str(&unit_line(hh));
    }
    if title {
        title_case(&s)
    } else {
        s
    }
}

fn unit_line(hh: &Household) -> String {
    if hh.unit_type.is_empty() {
        String::new()
    } else {
        format!("{} {}", hh.unit_type, hh.unit)
    }
}

fn fl_row(r: &mut Row, hh: &Household, p: &Person) {
    let city = hh.city.name.to_uppercase();
    let race = match p.race {
        Race::Native => "1",
        Race::Asian => "2",
        Race::Black => "3",
        Race::Hispanic => "4",
        Race::White => "5",
        Race::Other => "6",
        Race::Multi => "7",
        Race::Unknown => "9",
    };
    let party = match p.party {
        Party::Dem => "DEM",
        Party::Rep => "REP",
        Party::Una => "NPA",
        Party::Lib => "LPF",
        Party::Green => "GRE",
        Party::Other => "IND",
    };
    r.push(hh.city.county_code);
    r.push(&p.key);
    r.push(&p.last);
    r.push(p.suffix);
    r.push(&p.first);
    r.push(&p.middle);
    r.push("N");
    r.push(&street_line(hh, false, false));
    r.push(&unit_line(hh));
    r.push(&city);
    r.push("FL");
    r.push(&p.zip);
    mail_fields(r, p, &city, "FL", hh.zip, 3);
    r.push(""); // Mailing Country
    r.push(gender_code(p.gender));
    r.push(race);
    r.push(&p.birth.map_or(String::new(), Date::mdy));
    r.push(&p.registered.mdy());
    r.push(party);
    let precinct = format!("{}", 100 + hh.precinct);
    r.push(&precinct);
    r.push(&(1 + hh.precinct / 10).to_string());
    r.push(&format!("{precinct}.{}", 1 + hh.precinct % 3));
    r.push("");
    r.push(if p.status == Status::Active { "ACT" } else { "INA" });
    r.push(&hh.cd.to_string());
    r.push(&hh.house.to_string());
    r.push(&hh.senate.to_string());
    r.push(&(1 + hh.precinct % 7).to_string());
    r.push(&(1 + hh.precinct % 5).to_string());
    match &p.phone {
        Some(ph) => {
            r.push(&ph.area);
            // Florida's own formatting varies too: some counties write the dash.
            if ph.number.len() == 7 && !ph.invalid && p.county_voter_id.is_multiple_of(10) {
                r.push(&format!("{}-{}", &ph.number[..3], &ph.number[3..]));
            } else {
                r.push(&ph.number);
            }
            r.push(&ph.ext);
        }
        None => (0..3).for_each(|_| r.push("")),
    }
    r.push(p.email.as_deref().unwrap_or(""));
}

fn generic_row(r: &mut Row, hh: &Household, p: &Person) {
    let line_type = |ph: &Option<GenPhone>, options: &[(&'static str, u64)], salt: u64| -> &'static str {
        if ph.is_none() {
            return "";
        }
        // Deterministic from the person, without consuming randomness at write time.
        let total: u64 = options.iter().map(|(_, w)| w).sum();
        let mut x = (p.county_voter_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt) % total;
        for &(v, w) in options {
            if x < w {
                return v;
            }
            x -= w;
        }
        ""
    };
    let race = match p.race {
        Race::White => "White",
        Race::Black => "Black",
        Race::Hispanic => "Hispanic",
        Race::Asian => "Asian",
        Race::Native => "Native American",
        Race::Multi => "Multiracial",
        Race::Other => "Other",
        Race::Unknown => "",
    };
    let party = match (hh.state, p.party) {
        (State::Oh | State::Wa, _) => "",
        (_, Party::Dem) => "DEM",
        (_, Party::Rep) => "REP",
        (State::Fl, Party::Una) => "NPA",
        (_, Party::Una) => "UNA",
        (_, Party::Lib) => "LIB",
        (_, Party::Green) => "GRE",
        (_, Party::Other) => "IND",
    };
    let votes: Vec<String> = [(2018, "11/06/2018"), (2020, "11/03/2020"), (2022, "11/08/2022"), (2024, "11/05/2024")]
        .iter()
        .zip(&p.votes)
        .rev()
        .filter(|(_, v)| !v.is_empty())
        .map(|((_, d), v)| format!("GENERAL-{d}={v}"))
        .collect();
    r.push(&p.key);
    r.push(&p.first);
    r.push(&p.middle);
    r.push(&p.last);
    r.push(&title_case(p.suffix));
    r.push(&street_line(hh, true, true));
    r.push(hh.city.name);
    r.push(hh.state.code());
    r.push(&p.zip);
    r.push(hh.city.county);
    r.push(&birth_year(p));
    r.push(&p.birth.map_or(String::new(), Date::iso));
    r.push(gender_code(p.gender));
    r.push(race);
    r.push(party);
    r.push(if p.status == Status::Active { "active" } else { "inactive" });
    r.push(&p.registered.iso());
    r.push(&format!("{:03}", hh.precinct));
    r.push(&hh.cd.to_string());
    r.push(&hh.house.to_string());
    r.push(&hh.senate.to_string());
    r.push(p.phone.as_ref().map_or("", |x| &x.text));
    r.push(line_type(&p.phone, &[("landline", 40), ("voip", 10), ("wireless", 5), ("", 45)], 1));
    r.push(p.cell.as_ref().map_or("", |x| &x.text));
    r.push(line_type(&p.cell, &[("wireless", 60), ("", 40)], 2));
    r.push(p.work.as_ref().map_or("", |x| &x.text));
    r.push(line_type(&p.work, &[("landline", 30), ("", 70)], 3));
    r.push(p.email.as_deref().unwrap_or(""));
    r.push(&votes.join(";"));
}

/// One output line being built.
struct Row {
    s: String,
    delim: char,
    quote_all: bool,
    first: bool,
}

impl Row {
    fn new(delim: char, quote_all: bool) -> Row {
        Row { s: String::new(), delim, quote_all, first: true }
    }

    fn push(&mut self, v: &str) {
        if !self.first {
            self.s.push(self.delim);
        }
        self.first = false;
        // Quoted layouts (Ohio: always; generic: when needed, RFC 4180). Tab and pipe files never quote.
        let quote = self.delim == ',' && (self.quote_all || v.contains([',', '"', '\n', '\r']));
        if quote {
            self.s.push('"');
            for c in v.chars() {
                if c == '"' {
                    self.s.push('"');
                }
                self.s.push(c);
            }
            self.s.push('"');
        } else {
            self.s.push_str(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (1926, 12, 31), (2025, 3, 1)] {
            let days = days_from_civil(y, m, d);
            let back = civil_from_days(days);
            assert_eq!((back.y, back.m, back.d), (y, m, d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn title_case_names() {
        assert_eq!(title_case("MCDONALD"), "McDonald");
        assert_eq!(title_case("MARY-ANN"), "Mary-Ann");
        assert_eq!(title_case("O'BRIEN"), "O'Brien");
        assert_eq!(title_case("123 N MAIN ST APT 4B"), "123 N Main St Apt 4b");
    }

    #[test]
    fn keys_are_unique_in_each_style() {
        for kind in [Kind::Nc, Kind::Fl, Kind::Oh] {
            let mut g = Generator::new(kind, 1);
            let mut seen = std::collections::HashSet::new();
            for _ in 0..20_000 {
                g.serial += 1;
                assert!(seen.insert(g.person_key(State::Nc)));
            }
        }
    }
}
