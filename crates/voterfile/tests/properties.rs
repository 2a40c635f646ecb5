//! Property tests: quoted files round-trip, and no input makes a reader panic.

mod common;

use clearline_voterfile::{open_reader, ColumnMapping, Layout, TextEncoding};
use proptest::prelude::*;

/// Writes one CSV field the RFC 4180 way (quoted when it must be, or when `force`).
fn csv_field(v: &str, force: bool) -> String {
    if force || v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

fn field() -> impl Strategy<Value = String> {
    // Any text without NUL or CR (a quoted line break reads back as "\n"), trimmed as the reader trims.
    "[^\\x00\\r]{0,12}".prop_map(|s| s.trim().to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn quoted_mapped_files_round_trip(rows in prop::collection::vec(prop::collection::vec(field(), 4), 1..8), force in any::<bool>()) {
        let mapping = ColumnMapping::from_json(
            r#"{"delimiter": ",", "quoted": true, "header": true, "encoding": "utf-8",
                "columns": {"voter_id": "id", "last_name": "last"}}"#,
        ).unwrap();
        let mut text = String::from("id,last,a,b\n");
        for r in &rows {
            let line: Vec<String> = r.iter().map(|v| csv_field(v, force)).collect();
            text.push_str(&line.join(","));
            text.push('\n');
        }
        let read: Vec<_> = open_reader(&Layout::Mapping(mapping), None, text.as_bytes())
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        prop_assert_eq!(read.len(), rows.len());
        for (got, want) in read.iter().zip(&rows) {
            let some = |v: &String| (!v.is_empty()).then(|| v.clone());
            prop_assert_eq!(&got.person_key, &some(&want[0]));
            prop_assert_eq!(&got.fields.last_name, &some(&want[1]));
            let extra: Vec<(String, String)> = [("a", &want[2]), ("b", &want[3])]
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            prop_assert_eq!(&got.fields.extra, &extra);
        }
    }

    #[test]
    fn no_input_panics_a_reader(bytes in prop::collection::vec(any::<u8>(), 0..600), layout in 0usize..6, enc in 0usize..4) {
        let layout = match layout {
            0 => Layout::Nc,
            1 => Layout::Oh,
            2 => Layout::Fl,
            3 => Layout::Wa,
            4 => Layout::Generic,
            _ => Layout::Mapping(ColumnMapping::from_json(
                r#"{"delimiter": ";", "quoted": true, "header": false, "columns": {"voter_id": 1, "res_address": [2, 3]}}"#,
            ).unwrap()),
        };
        let enc = [None, Some(TextEncoding::Utf8), Some(TextEncoding::Latin1), Some(TextEncoding::Windows1252)][enc];
        if let Ok(reader) = open_reader(&layout, enc, &bytes[..]) {
            let mut last_line = 0;
            for row in reader {
                match row {
                    Ok(r) => {
                        prop_assert!(r.line > last_line);
                        last_line = r.line;
                    }
                    Err(e) => prop_assert!(e.line >= last_line),
                }
            }
        }
    }

    /// Real-looking files with noise: a header, then lines mixing delimiters, quotes and high bytes.
    #[test]
    fn noisy_records_never_panic(lines in prop::collection::vec("[a-z\"|,\\t;\\xE9\\x92 ]{0,40}", 0..20)) {
        for layout in common::PRESETS {
            let header = match layout {
                Layout::Nc => clearline_voterfile::NC_COLUMNS.join("\t"),
                Layout::Wa => clearline_voterfile::WA_COLUMNS.join("|"),
                Layout::Oh => clearline_voterfile::OH_COLUMNS.join(","),
                _ => clearline_voterfile::GENERIC_COLUMNS.join(","),
            };
            let text = format!("{header}\n{}", lines.join("\n"));
            if let Ok(reader) = open_reader(&layout, None, text.as_bytes()) {
                for _ in reader {}
            }
        }
    }
}
