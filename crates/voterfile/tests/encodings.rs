//! Non-ASCII names through Latin-1, Windows-1252 and UTF-8 files.

mod common;

use clearline_voterfile::{Layout, TextEncoding, WA_COLUMNS};
use common::{first_error, gen, read_all};
use std::collections::HashSet;

fn names(rows: &[clearline_voterfile::SourceRow]) -> HashSet<String> {
    rows.iter()
        .flat_map(|r| [r.fields.first_name.clone(), r.fields.last_name.clone()])
        .flatten()
        .filter(|n| !n.is_ascii())
        .collect()
}

#[test]
fn latin1_files_hold_latin1_names() {
    for layout in [Layout::Nc, Layout::Fl] {
        let (bytes, stats) = gen(&layout, 20_000, 3);
        assert!(stats.non_ascii_names > 50, "{}: {}", layout.name(), stats.non_ascii_names);
        // Single bytes, not UTF-8 sequences, and nothing from the 0x80–0x9F range Latin-1 lacks letters for.
        assert!(bytes.contains(&0xC9) || bytes.contains(&0xD1), "{}: no É or Ñ byte", layout.name());
        assert!(!bytes.windows(2).any(|w| w == [0xC3, 0x89]), "{}: UTF-8 É in a Latin-1 file", layout.name());
        assert!(!bytes.iter().any(|b| (0x80..0xA0).contains(b)), "{}: a C1 byte", layout.name());
        assert!(!bytes.contains(&b'?'), "{}: a replaced character", layout.name());
        let got = names(&read_all(&layout, None, &bytes));
        for want in ["JOSÉ", "NÚÑEZ", "MÜLLER"] {
            assert!(got.contains(want), "{}: {want} not read back ({got:?})", layout.name());
        }
        assert!(got.iter().all(|n| n.chars().all(|c| (c as u32) < 0x100)));
        assert!(!got.iter().any(|n| n.contains('’')), "O’BRIEN cannot be Latin-1");
    }
}

#[test]
fn windows_1252_files_hold_curly_apostrophes_and_caron_letters() {
    let (bytes, _) = gen(&Layout::Wa, 30_000, 3);
    assert!(bytes.contains(&0x92), "no ’ (0x92) byte");
    let got = names(&read_all(&Layout::Wa, None, &bytes));
    for want in ["O’BRIEN", "ZOË", "ŠIMKUS"] {
        assert!(got.contains(want), "{want} not read back ({got:?})");
    }
    // Read as Latin-1, 0x92 is a control character, not an apostrophe: the encoding matters.
    let latin1 = names(&read_all(&Layout::Wa, Some(TextEncoding::Latin1), &bytes));
    assert!(latin1.contains("O\u{92}BRIEN") && !latin1.contains("O’BRIEN"));
}

#[test]
fn utf8_generic_holds_everything() {
    let (bytes, _) = gen(&Layout::Generic, 30_000, 3);
    assert!(std::str::from_utf8(&bytes).is_ok());
    let got = names(&read_all(&Layout::Generic, None, &bytes));
    for want in ["José", "O’Brien", "Nguyễn", "Łukasz"] {
        assert!(got.contains(want), "{want} not read back ({got:?})");
    }
    // Ohio's file is ASCII in practice.
    let (oh, _) = gen(&Layout::Oh, 20_000, 3);
    assert!(oh.is_ascii());
}

#[test]
fn hand_made_round_trips() {
    // Windows-1252: Zoë O’Brien.
    let mut fields = vec![String::new(); WA_COLUMNS.len()];
    fields[0] = "WA1".into();
    fields[1] = "ZOË".into();
    fields[3] = "O’BRIEN".into();
    let text = format!("{}\r\n{}\r\n", WA_COLUMNS.join("|"), fields.join("|"));
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(bytes.contains(&0xCB) && bytes.contains(&0x92), "Ë and ’ as single bytes");
    let rows = read_all(&Layout::Wa, None, &bytes);
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("ZOË"));
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("O’BRIEN"));

    // Latin-1: every byte is its code point.
    let mut fl = vec![String::new(); 38];
    fl[1] = "100000001".into();
    fl[2] = "PEÑA".into();
    fl[4] = "RENÉE".into();
    let bytes: Vec<u8> = (fl.join("\t") + "\n").chars().map(|c| c as u32 as u8).collect();
    let rows = read_all(&Layout::Fl, None, &bytes);
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("PEÑA"));
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("RENÉE"));

    // The same Latin-1 bytes declared UTF-8 are refused, at line 1 (Florida has no header).
    let err = first_error(&Layout::Fl, Some(TextEncoding::Utf8), &bytes);
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("field 3"), "{err}");
}
