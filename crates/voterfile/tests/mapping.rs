//! Saved column mappings over arbitrary delimited files.

mod common;

use clearline_voterfile::{ColumnMapping, Layout, PhoneKind, TextEncoding, VoteRecord};
use common::{first_error, read_all};

const WITH_HEADER: &str = r#"{
  "delimiter": ";",
  "quoted": true,
  "header": true,
  "columns": {
    "voter_id": "ID",
    "first_name": "Prénom",
    "last_name": "Nom",
    "res_address": ["Numéro", "Rue"],
    "res_city": "Ville",
    "res_zip": "CP",
    "home_phone": "Tél",
    "cell_phone": "Portable",
    "cell_phone_line_type": "Type portable",
    "vote_history": ["G2022", "G2024"]
  }
}"#;

#[test]
fn semicolon_file_with_a_header() {
    let mapping = ColumnMapping::from_json(WITH_HEADER).unwrap();
    assert_eq!(mapping.encoding, None, "no encoding: detect");
    let file = "ID;Nom;Prénom;Numéro;Rue;Ville;CP;Tél;Portable;Type portable;G2022;G2024;Note\r\n\
                \"A1\";\"Núñez\";\"José\";\"12\";\"Rue de la Paix\";\"Raleigh\";\"27601\";\"919-555-0100\";\"(919) 555-0101\";\"wireless\";\"X\";\"\";\"a; b\"\r\n\
                A2;Lee;Ann;;;Cary;27511;;;;;Y;\r\n";
    let layout = Layout::Mapping(mapping);
    let rows = read_all(&layout, None, file.as_bytes());
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!((a.line, a.person_key.as_deref()), (2, Some("A1")));
    assert_eq!(a.fields.first_name.as_deref(), Some("José"));
    assert_eq!(a.fields.last_name.as_deref(), Some("Núñez"));
    assert_eq!(a.fields.res_address.as_deref(), Some("12 Rue de la Paix"));
    assert_eq!(a.fields.res_zip.as_deref(), Some("27601"));
    assert_eq!(a.fields.phones.len(), 2);
    assert_eq!((a.fields.phones[0].kind, a.fields.phones[0].raw.as_str()), (PhoneKind::Home, "919-555-0100"));
    assert_eq!(a.fields.phones[0].line_type_hint, None);
    assert_eq!((a.fields.phones[1].kind, a.fields.phones[1].raw.as_str()), (PhoneKind::Cell, "(919) 555-0101"));
    assert_eq!(a.fields.phones[1].line_type_hint.as_deref(), Some("wireless"));
    assert_eq!(a.fields.vote_history, vec![VoteRecord { election: "G2022".into(), how: "X".into() }]);
    assert_eq!(a.fields.extra, vec![("Note".to_string(), "a; b".to_string())]);
    let b = &rows[1];
    assert_eq!((b.line, b.person_key.as_deref()), (3, Some("A2")));
    assert_eq!(b.fields.res_address, None);
    assert!(b.fields.phones.is_empty());
    assert_eq!(b.fields.vote_history, vec![VoteRecord { election: "G2024".into(), how: "Y".into() }]);
    assert!(b.fields.extra.is_empty());
}

#[test]
fn headerless_file_by_position_with_detected_windows_1252() {
    let mapping = ColumnMapping::from_json(
        r#"{"delimiter": "|", "header": false,
            "columns": {"voter_id": 1, "last_name": 2, "first_name": 3, "other_phone": 5, "email": 6}}"#,
    )
    .unwrap();
    assert!(!mapping.quoted);
    let text = "9001|O’Brien|Zoë|x|919.555.0199|zoe@example.com\n9002|\"Lee\"|Ann|y||\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let layout = Layout::Mapping(mapping);
    let reader = clearline_voterfile::open_reader(&layout, None, &bytes[..]).unwrap();
    assert_eq!(reader.encoding(), TextEncoding::Windows1252, "not UTF-8, so windows-1252");
    let rows = read_all(&layout, None, &bytes);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 1);
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("O’Brien"));
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("Zoë"));
    assert_eq!(rows[0].fields.phones[0].kind, PhoneKind::Other);
    assert_eq!(rows[0].fields.email.as_deref(), Some("zoe@example.com"));
    assert_eq!(rows[0].fields.extra, vec![("column 4".to_string(), "x".to_string())]);
    assert_eq!(rows[1].fields.last_name.as_deref(), Some("\"Lee\""), "quoted: false keeps quotes as data");

    // The same text in UTF-8 is detected as UTF-8.
    let rows = read_all(&layout, None, text.as_bytes());
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("O’Brien"));
    // A declared encoding wins over detection.
    let rows = read_all(&layout, Some(TextEncoding::Latin1), &bytes);
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("O\u{92}Brien"));
}

#[test]
fn detection_looks_at_the_first_mebibyte_only() {
    let mapping =
        ColumnMapping::from_json(r#"{"delimiter": ",", "header": false, "columns": {"voter_id": 1, "last_name": 2}}"#)
            .unwrap();
    let layout = Layout::Mapping(mapping);
    let mut file = Vec::new();
    let mut n = 0;
    while file.len() < (1 << 20) + 1000 {
        n += 1;
        file.extend_from_slice(format!("{n},Lee\n").as_bytes());
    }
    file.extend_from_slice(b"0,Pe\xF1a\n");
    let err = first_error(&layout, None, &file);
    assert_eq!(err.line, n + 1);
    assert!(err.reason.contains("detected as utf-8 from its first 1 MiB"), "{err}");
}

#[test]
fn mapping_errors() {
    let layout = |json: &str| Layout::Mapping(ColumnMapping::from_json(json).unwrap());
    // A mapped header column that is not there.
    let l = layout(r#"{"delimiter": ",", "header": true, "columns": {"voter_id": "ID", "last_name": "Surname"}}"#);
    let err = first_error(&l, None, b"ID,Name\n1,Lee\n");
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("no column `Surname` (mapped to `last_name`)"), "{err}");
    // A file without the header it should have.
    let err = first_error(&l, None, b"1,Lee\n2,Kim\n");
    assert!(err.reason.contains("none of the mapped columns"), "{err}");
    // A position past the last column.
    let l = layout(r#"{"delimiter": ",", "header": false, "columns": {"voter_id": 1, "last_name": 4}}"#);
    let err = first_error(&l, None, b"1,Lee,Ann\n");
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("column 4 but the file has 3 columns"), "{err}");
    // Without a header, the first line fixes the count.
    let l = layout(r#"{"delimiter": ",", "header": false, "columns": {"voter_id": 1}}"#);
    let err = first_error(&l, None, b"1,Lee,Ann\n2,Kim\n");
    assert_eq!(err.line, 2);
    assert!(err.reason.contains("expected 3 fields, found 2"), "{err}");
    // An invalid mapping is refused before the file is read (line 0).
    let l = layout(r#"{"delimiter": ",", "header": false, "columns": {"last_name": 1}}"#);
    let err = first_error(&l, None, b"1\n");
    assert_eq!(err.line, 0);
    assert!(err.reason.contains("voter_id"), "{err}");
    // Broken quoting in a quoted mapped file.
    let l = layout(r#"{"delimiter": ",", "quoted": true, "header": false, "columns": {"voter_id": 1}}"#);
    let err = first_error(&l, None, b"1,\"a\"\n2,\"b\"c\n");
    assert_eq!(err.line, 2);
    assert!(err.reason.contains("text after the closing quote"), "{err}");
}

#[test]
fn mappings_save_and_load_as_json() {
    let m = ColumnMapping::from_json(WITH_HEADER).unwrap();
    let json = m.to_json();
    assert!(json.contains("\"encoding\": \"detect\""), "{json}");
    assert_eq!(ColumnMapping::from_json(&json).unwrap(), m);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["columns"]["res_address"], serde_json::json!(["Numéro", "Rue"]));
    assert_eq!(v["delimiter"], ";");
    let tab =
        ColumnMapping::from_json(r#"{"delimiter":"\t","header":false,"encoding":"cp1252","columns":{"voter_id":2}}"#)
            .unwrap();
    assert_eq!((tab.delimiter, tab.encoding), ('\t', Some(TextEncoding::Windows1252)));
}
