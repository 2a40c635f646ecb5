//! Differential tests: `parse_phone` (the NANP fast path, falling back to the crate) against the
//! `phonenumber` crate alone, on NANP input in the formats people type. Both must give the same E.164
//! number and extension, or both refuse — except for the differences listed in [`EXCEPTIONS`], each with
//! its reason.

use super::nanp::{npa_coverage, Coverage};
use super::{fast, parse_phone, parse_with_crate, ParsedPhone, PhoneError};
use proptest::prelude::*;

/// Area codes valid for every exchange in the metadata the fast path uses (libphonenumber 9.0.43, via
/// `npa.tsv`) but not, or only for some exchanges, in the crate's older metadata (0.3.10+9.0.33). Found by
/// `area_code_validity_matches_the_crate_except_newer_metadata`, which fails if this list goes stale.
const NEWER_METADATA_NPAS: [u16; 3] = [273, 274, 472];

/// The documented differences, with a sample input, what each side says, and why.
struct Exception {
    input: &'static str,
    fast_accepts: bool,
    crate_accepts: bool,
    why: &'static str,
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        input: "+1 273 555 0123",
        fast_accepts: true,
        crate_accepts: false,
        why: "newer metadata: area codes 273, 274 and 472 are fully valid in libphonenumber 9.0.43 (the \
              generated npa.tsv) but not in the crate's 9.0.33 metadata",
    },
    Exception {
        input: "1-800-FLOWERS",
        fast_accepts: false,
        crate_accepts: true,
        why: "letters: libphonenumber reads vanity numbers by mapping letters to keypad digits; a voter or \
              contact file with letters in a phone field holds garbled data, not a vanity number, so Clearline \
              refuses it (the brief: reject letters unless they mark an extension)",
    },
    Exception {
        input: "tel 919 555 0123",
        fast_accepts: false,
        crate_accepts: true,
        why: "text around the number: libphonenumber skips leading text; Clearline refuses letters",
    },
    Exception {
        input: "919-555-0123 x",
        fast_accepts: false,
        crate_accepts: true,
        why: "an extension marker with no digits: the crate drops it; Clearline refuses it as a malformed \
              extension, since it usually means a truncated field",
    },
    Exception {
        input: "+1 809 000 0123",
        fast_accepts: false,
        crate_accepts: true,
        why: "libphonenumber's Dominican Republic metadata has domestic toll-free ranges whose exchange \
              starts with 0 or 1 (809/829/849-0XX and -1XX, 800-14X); the NANP rule (NXX = [2-9]XX) that the \
              fast path applies refuses them, and no US campaign calls them. An exhaustive search of the \
              9.0.43 metadata finds no other valid exchange starting with 0 or 1",
    },
    Exception {
        input: "+1 1 346 200 0000",
        fast_accepts: false,
        crate_accepts: true,
        why: "a doubled leading 1 (12 digits, `+1 1 …` or `1 1 …`): the crate sometimes drops the second 1 as \
              a national prefix and sometimes refuses the number as a bad country code, depending on the \
              separators; the fast path always refuses it as too long",
    },
];

/// Whether a NANP number part is in the Dominican Republic's toll-free ranges with an exchange starting 0
/// or 1 (see [`EXCEPTIONS`]).
fn dominican_toll_free(input: &str) -> bool {
    let number = input.split(['x', 'X', 'e', 'E', '#']).next().unwrap_or_default();
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).collect();
    let national = match digits.len() {
        10 => &digits[..],
        11 if digits[0] == b'1' => &digits[1..],
        _ => return false,
    };
    matches!(&national[..3], b"809" | b"829" | b"849") || national.starts_with(b"80014")
}

/// The area code of the number part of a NANP input (the digits before any extension marker).
fn number_part(input: &str) -> Option<u16> {
    let number = input.split(['x', 'X', 'e', 'E', '#']).next().unwrap_or_default();
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    let national = match digits.len() {
        10 => &digits[..],
        11 if digits[0] == 1 => &digits[1..],
        _ => return None,
    };
    Some(national[..3].iter().fold(0u16, |n, &d| n * 10 + u16::from(d)))
}

/// Whether the number part is 12 digits starting `11` (see [`EXCEPTIONS`]).
fn doubled_one(input: &str) -> bool {
    let number = input.split(['x', 'X', 'e', 'E', '#']).next().unwrap_or_default();
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).collect();
    digits.len() == 12 && digits.starts_with(b"11")
}

/// Why `fast` and `reference` may differ on this input, if it is a documented exception.
fn documented_exception(
    input: &str,
    fast: &Result<ParsedPhone, PhoneError>,
    reference: &Result<ParsedPhone, PhoneError>,
) -> Option<&'static str> {
    match (fast, reference) {
        (Ok(_), Err(_)) if number_part(input).is_some_and(|npa| NEWER_METADATA_NPAS.contains(&npa)) => {
            Some(EXCEPTIONS[0].why)
        }
        (Err(PhoneError::Letters), Ok(_)) => Some(EXCEPTIONS[1].why),
        (Err(PhoneError::InvalidExtension), Ok(p)) if p.extension.is_none() => Some(EXCEPTIONS[3].why),
        (Err(PhoneError::TooLong), Ok(_)) if doubled_one(input) => Some(EXCEPTIONS[5].why),
        (Err(PhoneError::InvalidExchange), Ok(_)) if dominican_toll_free(input) => Some(EXCEPTIONS[4].why),
        _ => None,
    }
}

#[test]
fn the_documented_exceptions_are_real_and_recognised() {
    for e in EXCEPTIONS {
        let fast = parse_phone(e.input, "US");
        let reference = parse_with_crate(e.input, "US");
        assert_eq!(fast.is_ok(), e.fast_accepts, "{}: fast path verdict changed", e.input);
        assert_eq!(reference.is_ok(), e.crate_accepts, "{}: crate verdict changed ({})", e.input, e.why);
        assert!(documented_exception(e.input, &fast, &reference).is_some(), "{}", e.input);
    }
}

/// Every area code 200–999 against the crate, exchange by exchange for a sample of exchanges: the fast
/// path's table (from 9.0.43) and the crate (9.0.33) agree except on [`NEWER_METADATA_NPAS`].
#[test]
fn area_code_validity_matches_the_crate_except_newer_metadata() {
    let mut differing = Vec::new();
    for npa in 200..1000u16 {
        let mut crate_valid = 0;
        let mut fast_valid = 0;
        let sample = [200u16, 201, 211, 234, 311, 411, 555, 611, 700, 811, 911, 999];
        for nxx in sample {
            let input = format!("+1{npa}{nxx}0123");
            crate_valid += usize::from(parse_with_crate(&input, "US").is_ok());
            fast_valid += usize::from(parse_phone(&input, "US").is_ok());
        }
        if crate_valid != fast_valid {
            differing.push(npa);
        }
        if npa_coverage(npa) == Coverage::All {
            assert_eq!(fast_valid, sample.len(), "{npa}: every exchange is valid");
        }
    }
    assert_eq!(differing, NEWER_METADATA_NPAS, "area codes where the generated table and the crate differ");
}

const FORMATS: &[&str] = &[
    "({a}) {b}-{c}",
    "{a}-{b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "+1 {a} {b} {c}",
    "1-{a}-{b}-{c}",
    "1 ({a}) {b}-{c}",
    "{a}{b}{c}",
    "+1{a}{b}{c}",
    "1{a}{b}{c}",
    "+1 ({a}) {b}-{c}",
    "+1-{a}-{b}-{c}",
    "1.{a}.{b}.{c}",
    "({a}){b}-{c}",
    "  {a}-{b}-{c}\t",
    "{a}/{b}-{c}",
    "1 {a} {b}-{c}",
    "+1.{a}.{b}.{c}",
];

const EXTENSIONS: &[&str] =
    &["", "", "", " x{e}", "x{e}", " X{e}", " ext. {e}", " ext {e}", " Ext.{e}", "#{e}", " #{e}", " extension {e}"];

fn valid_npas() -> Vec<u16> {
    (200..1000).filter(|&npa| npa_coverage(npa) != Coverage::None).collect()
}

prop_compose! {
    fn nanp_input()(
        npa in prop_oneof![4 => prop::sample::select(valid_npas()), 1 => 0u16..1000],
        nxx in prop_oneof![4 => 200u16..1000, 1 => Just(555u16), 1 => 0u16..200],
        line in prop_oneof![3 => 0u16..10000, 1 => 100u16..200],
        format in 0..FORMATS.len(),
        extension in 0..EXTENSIONS.len(),
        extension_digits in 1u32..1_000_000,
        mutation in prop_oneof![6 => Just(None), 1 => (0usize..14, 0u8..10, any::<bool>()).prop_map(Some)],
    ) -> String {
        let mut number = FORMATS[format]
            .replace("{a}", &format!("{npa:03}"))
            .replace("{b}", &format!("{nxx:03}"))
            .replace("{c}", &format!("{line:04}"));
        // Too few or too many digits: drop a digit, or insert one.
        if let Some((at, digit, insert)) = mutation {
            let positions: Vec<usize> =
                number.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
            let at = positions[at % positions.len()];
            if insert {
                number.insert(at, char::from(b'0' + digit));
            } else {
                number.remove(at);
            }
        }
        number + &EXTENSIONS[extension].replace("{e}", &extension_digits.to_string())
    }
}

proptest! {
    // No regression file: it would land outside this module. A failure prints its minimal input; add it
    // to the unit tests instead.
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_agrees_with_the_crate(input in nanp_input()) {
        let fast = parse_phone(&input, "US");
        let reference = parse_with_crate(&input, "US");
        match (&fast, &reference) {
            (Ok(a), Ok(b)) => prop_assert_eq!(
                (a.number.to_string(), &a.extension), (b.number.to_string(), &b.extension), "input {:?}", input
            ),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(
                documented_exception(&input, &fast, &reference).is_some(),
                "input {:?}: fast path {:?}, crate {:?}", input, fast, reference
            ),
        }
    }
}

/// The common formats of a valid number take the fast path (so the differential test above compares two
/// implementations, not the crate with itself).
#[test]
fn common_formats_take_the_fast_path() {
    for format in FORMATS {
        for ext in EXTENSIONS {
            let input = format!("{}{}", format.replace("{a}", "919").replace("{b}", "555").replace("{c}", "0123"), ext)
                .replace("{e}", "12");
            assert!(
                matches!(fast::parse(&input, "US"), fast::Outcome::Done(Ok(_))),
                "{input:?} should be decided by the fast path"
            );
        }
    }
}
