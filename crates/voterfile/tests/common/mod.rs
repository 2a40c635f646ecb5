//! Helpers shared by the integration tests.
#![allow(dead_code)]

use clearline_voterfile::{generate, open_reader, GenStats, Layout, SourceRow, StructuralError, TextEncoding};

pub const PRESETS: [Layout; 5] = [Layout::Nc, Layout::Oh, Layout::Fl, Layout::Wa, Layout::Generic];

pub fn gen(layout: &Layout, rows: u64, seed: u64) -> (Vec<u8>, GenStats) {
    let mut out = Vec::new();
    let stats = generate(layout, rows, seed, &mut out).expect("generate");
    (out, stats)
}

pub fn read_all(layout: &Layout, encoding: Option<TextEncoding>, bytes: &[u8]) -> Vec<SourceRow> {
    open_reader(layout, encoding, bytes)
        .unwrap_or_else(|e| panic!("{} header: {e}", layout.name()))
        .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", layout.name())))
        .collect()
}

/// The first structural error reading `bytes`, from the header or the records.
pub fn first_error(layout: &Layout, encoding: Option<TextEncoding>, bytes: &[u8]) -> StructuralError {
    match open_reader(layout, encoding, bytes) {
        Err(e) => e,
        Ok(mut reader) => {
            let err = reader.find_map(Result::err).expect("expected a structural error");
            assert!(reader.next().is_none(), "the reader must stop after a structural error");
            err
        }
    }
}

/// A NANP number a strict parser accepts: optional +1/1, ten digits with the area code and exchange
/// starting 2–9, only ( ) - . + and spaces as punctuation, optionally ` xDIGITS`. Returns (area, line).
pub fn nanp(raw: &str) -> Option<(String, String)> {
    let (main, ext) = match raw.split_once(" x") {
        Some((m, e)) => (m, Some(e)),
        None => (raw, None),
    };
    if ext.is_some_and(|e| e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if !main.chars().all(|c| c.is_ascii_digit() || " ()-.+".contains(c)) {
        return None;
    }
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let d = if digits.len() == 11 && digits.starts_with('1') { &digits[1..] } else { &digits[..] };
    if d.len() != 10 || matches!(d.as_bytes()[0], b'0' | b'1') || matches!(d.as_bytes()[3], b'0' | b'1') {
        return None;
    }
    Some((d[..3].to_string(), d[3..].to_string()))
}

/// Area codes in service in each state (NANPA; phonenumbers metadata).
pub fn area_codes(state: &str) -> &'static [&'static str] {
    match state {
        "NC" => &["252", "336", "704", "743", "828", "910", "919", "980", "984"],
        "OH" => &["216", "220", "234", "330", "380", "419", "440", "513", "567", "614", "740", "937"],
        "FL" => &[
            "239", "305", "321", "352", "386", "407", "561", "727", "754", "772", "786", "813", "850", "863", "904",
            "941", "954",
        ],
        "WA" => &["206", "253", "360", "425", "509", "564"],
        _ => &[],
    }
}
