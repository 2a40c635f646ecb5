//! The reader: structural errors (each with its line), tolerance where the real files need it.

mod common;

use clearline_voterfile::{open_reader, Layout, PhoneKind, TextEncoding, NC_COLUMNS, OH_COLUMNS, WA_COLUMNS};
use common::{first_error, gen, read_all};

/// A North Carolina data line: every column empty except the given ones.
fn nc_line(values: &[(&str, &str)]) -> String {
    NC_COLUMNS
        .iter()
        .map(|c| values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
        .collect::<Vec<_>>()
        .join("\t")
}

fn nc_file(lines: &[String]) -> Vec<u8> {
    let mut s = NC_COLUMNS.join("\t");
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s.push('\n');
    s.into_bytes()
}

fn nc_person(id: &str) -> String {
    nc_line(&[
        ("ncid", id),
        ("last_name", "SMITH"),
        ("first_name", "MARY"),
        ("res_street_address", "12 MAIN ST"),
        ("res_city_desc", "RALEIGH"),
        ("zip_code", "27601"),
    ])
}

#[test]
fn wrong_column_count_names_the_line_and_both_counts() {
    let short = nc_person("AA000003").rsplit_once('\t').unwrap().0.to_string();
    let file = nc_file(&[nc_person("AA000001"), nc_person("AA000002"), short]);
    let err = first_error(&Layout::Nc, None, &file);
    assert_eq!(err.line, 4);
    assert!(err.reason.contains("expected 67 fields, found 66"), "{err}");
    assert_eq!(err.to_string(), format!("line 4: {}", err.reason));
    // The error carries no value from the row.
    assert!(!err.reason.contains("SMITH") && !err.reason.contains("AA000003"), "{err}");

    // The rows before it were read.
    let reader = open_reader(&Layout::Nc, None, &file[..]).unwrap();
    let results: Vec<_> = reader.collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok() && results[2].is_err());

    // Florida: no header, exactly 38 fields.
    let fl_line = vec!["x"; 39].join("\t");
    let err = first_error(&Layout::Fl, None, format!("{}\n{fl_line}\n", vec!["y"; 38].join("\t")).as_bytes());
    assert_eq!((err.line, err.reason.contains("expected 38 fields, found 39")), (2, true), "{err}");
}

fn oh_file(rows: &[&str]) -> Vec<u8> {
    let header: Vec<String> = OH_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    let mut s = header.join(",") + ",\"GENERAL-11/08/2022\"\n";
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn oh_row(first: &str) -> String {
    let mut fields = vec!["\"\"".to_string(); OH_COLUMNS.len() + 1];
    fields[0] = "\"OH0000000001\"".into();
    fields[4] = first.to_string();
    fields.join(",")
}

#[test]
fn broken_quotes_in_ohio() {
    // Sanity: a well-quoted row with a doubled quote and a comma inside reads.
    let rows = read_all(&Layout::Oh, None, &oh_file(&[&oh_row(r#""MARY ""MAE"", JR""#)]));
    assert_eq!(rows[0].fields.first_name.as_deref(), Some(r#"MARY "MAE", JR"#));

    // Text after a closing quote.
    let err = first_error(&Layout::Oh, None, &oh_file(&[&oh_row("\"A\""), &oh_row(r#""MARY"X"#)]));
    assert_eq!(err.line, 3, "{err}");
    assert!(err.reason.contains("text after the closing quote of field 5"), "{err}");

    // A quote inside an unquoted field.
    let err = first_error(&Layout::Oh, None, &oh_file(&[&oh_row(r#"MA"RY"#)]));
    assert_eq!(err.line, 2, "{err}");
    assert!(err.reason.contains("quote inside unquoted field 5"), "{err}");

    // An unterminated quote: reported at the line where the quote opens, even though the reader looked
    // ahead for its end.
    let err = first_error(&Layout::Oh, None, &oh_file(&[&oh_row("\"A\""), &oh_row("\"A\""), &oh_row(r#""MARY"#)]));
    assert_eq!(err.line, 4, "{err}");
    assert!(err.reason.contains("unterminated quoted field"), "{err}");
    assert!(!err.reason.contains("MARY"));
}

#[test]
fn a_quoted_field_may_span_lines_and_line_numbers_stay_physical() {
    let file = "voter_id,first_name,last_name,res_address\n1,Ann,Lee,\"12 Main St\nApt 4\"\n\n2,Bo,Kim,\"3 Oak Rd\"\r\n3,Cy,Day,x\n";
    let rows = read_all(&Layout::Generic, None, file.as_bytes());
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 5, 6]);
    assert_eq!(rows[0].fields.res_address.as_deref(), Some("12 Main St\nApt 4"));
    assert_eq!(rows[1].fields.res_address.as_deref(), Some("3 Oak Rd"));
}

#[test]
fn a_literal_quote_is_data_in_tab_and_pipe_files() {
    let file = nc_file(&[nc_line(&[
        ("ncid", "AA1"),
        ("last_name", "O\"NEIL"),
        ("first_name", "\"BUD"),
        ("middle_name", "\"SKIP\""),
        ("res_street_address", "12 MAIN ST"),
        ("res_city_desc", "RALEIGH"),
        ("zip_code", "27601"),
    ])]);
    let rows = read_all(&Layout::Nc, None, &file);
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("O\"NEIL"));
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("\"BUD"));
    assert_eq!(rows[0].fields.middle_name.as_deref(), Some("\"SKIP\""));

    let mut wa = WA_COLUMNS.join("|") + "\r\n";
    let mut fields = vec![""; WA_COLUMNS.len()];
    fields[0] = "WA1";
    fields[1] = "\"MAE";
    fields[3] = "SMITH \"JR\"";
    fields[15] = "SEATTLE";
    fields[17] = "98101";
    wa.push_str(&fields.join("|"));
    wa.push_str("\r\n");
    let rows = read_all(&Layout::Wa, None, wa.as_bytes());
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("\"MAE"));
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("SMITH \"JR\""));

    let mut fl = vec![""; 38];
    fl[1] = "100000001";
    fl[2] = "\"SMITH";
    fl[4] = "ANN \"NAN\"";
    let rows = read_all(&Layout::Fl, None, (fl.join("\t") + "\n").as_bytes());
    assert_eq!(rows[0].fields.last_name.as_deref(), Some("\"SMITH"));
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("ANN \"NAN\""));

    // And the generator's quoted nicknames read back in every layout.
    for layout in [Layout::Nc, Layout::Wa, Layout::Fl, Layout::Oh, Layout::Generic] {
        let (bytes, _) = gen(&layout, 30_000, 9);
        let rows = read_all(&layout, None, &bytes);
        assert!(
            rows.iter().any(|r| r
                .fields
                .middle_name
                .as_deref()
                .is_some_and(|m| m.starts_with('"') && m.ends_with('"'))),
            "{}: no quoted nickname read back",
            layout.name()
        );
    }
}

#[test]
fn invalid_utf8_in_a_utf8_file() {
    let file = b"voter_id,first_name,last_name\n1,Ann,Lee\n2,Jos\xE9,Lee\n";
    let err = first_error(&Layout::Generic, None, file);
    assert_eq!(err.line, 3);
    assert!(err.reason.contains("not valid UTF-8 in field 2"), "{err}");
    assert!(err.reason.contains("--encoding"), "{err}");
    // Declared, the same bytes read.
    let rows = read_all(&Layout::Generic, Some(TextEncoding::Latin1), file);
    assert_eq!(rows[1].fields.first_name.as_deref(), Some("José"));

    // A Latin-1 NC file declared as UTF-8.
    let (nc, _) = gen(&Layout::Nc, 5000, 1);
    let err = first_error(&Layout::Nc, Some(TextEncoding::Utf8), &nc);
    assert!(err.reason.contains("not valid UTF-8"), "{err}");
    let line = nc.split(|&b| b == b'\n').position(|l| !l.is_ascii()).unwrap() as u64 + 1;
    assert_eq!(err.line, line);
}

#[test]
fn nul_byte() {
    let mut file = nc_file(&[nc_person("AA1"), nc_person("AA2"), nc_person("AA3")]);
    let third = file.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(2).unwrap().0;
    file.insert(third + 3, 0);
    let err = first_error(&Layout::Nc, None, &file);
    assert_eq!(err.line, 4, "{err}");
    assert!(err.reason.contains("NUL"), "{err}");

    // A UTF-16 file: NUL on the first line.
    let utf16: Vec<u8> = "voter_id,first_name\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let err = first_error(&Layout::Generic, None, &utf16);
    assert_eq!(err.line, 1);
}

#[test]
fn wrong_or_missing_header() {
    // A renamed key column: the missing column and the first unexpected one are named.
    let mut header: Vec<&str> = NC_COLUMNS.to_vec();
    header[3] = "nc_id";
    let file = format!("{}\n{}\n", header.join("\t"), nc_person("AA1"));
    let err = first_error(&Layout::Nc, None, file.as_bytes());
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("no `ncid` column"), "{err}");
    assert!(err.reason.contains("first unexpected column is `nc_id` (column 4)"), "{err}");

    // No header at all: the first line is a voter, and nothing of it is echoed.
    let file = format!("{}\n{}\n", nc_person("AA1"), nc_person("AA2"));
    let err = first_error(&Layout::Nc, None, file.as_bytes());
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("not a nc header"), "{err}");
    assert!(!err.reason.contains("SMITH") && !err.reason.contains("AA1"), "{err}");

    // An Ohio file given as Washington.
    let (oh, _) = gen(&Layout::Oh, 10, 1);
    let err = first_error(&Layout::Wa, None, &oh);
    assert_eq!(err.line, 1);

    // Ohio with a renamed required column.
    let file = String::from_utf8(oh.clone()).unwrap().replacen("\"LAST_NAME\"", "\"SURNAME\"", 1);
    let err = first_error(&Layout::Oh, None, file.as_bytes());
    assert!(err.reason.contains("no `LAST_NAME` column") && err.reason.contains("`SURNAME` (column 4)"), "{err}");

    // A header column twice.
    let file = "voter_id,first_name,last_name,first_name\n1,a,b,c\n";
    let err = first_error(&Layout::Generic, None, file.as_bytes());
    assert!(err.reason.contains("`first_name` appears more than once"), "{err}");

    // Empty file.
    let err = first_error(&Layout::Wa, None, b"");
    assert_eq!(err.line, 1);
    assert!(err.reason.contains("empty"));
    // Florida has no header: an empty file is zero rows, and a header some exports add is skipped.
    assert!(read_all(&Layout::Fl, None, b"").is_empty());
    let (fl, _) = gen(&Layout::Fl, 3, 1);
    let mut with_header = clearline_voterfile::FL_COLUMNS.join("\t").into_bytes();
    with_header.push(b'\n');
    with_header.extend_from_slice(&fl);
    let rows = read_all(&Layout::Fl, None, &with_header);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 3, 4]);
    let plain = read_all(&Layout::Fl, None, &fl);
    assert_eq!((&rows[0].person_key, &rows[0].fields), (&plain[0].person_key, &plain[0].fields));
}

#[test]
fn nc_columns_are_read_by_name_in_any_order_with_extras_kept() {
    // An older-style file: columns reordered, one renamed (birth_age) and an extra one.
    let mut cols: Vec<&str> = NC_COLUMNS.iter().copied().filter(|c| *c != "age_at_year_end").collect();
    cols.reverse();
    cols.push("birth_age");
    cols.push("dist_2_abbrv");
    let value = |c: &str| match c {
        "ncid" => "BN123456",
        "last_name" => "NÚÑEZ",
        "first_name" => "JOSÉ",
        "res_street_address" => "12  MAIN ST ",
        "res_city_desc" => "RALEIGH",
        "zip_code" => "27601",
        "full_phone_number" => "919-555-0123",
        "birth_age" => "44",
        "dist_2_abbrv" => "7",
        "mail_addr1" => "PO BOX 9",
        _ => "",
    };
    let mut bytes = Vec::new();
    bytes.extend_from_slice(cols.join("\t").as_bytes());
    bytes.push(b'\n');
    let line: Vec<&str> = cols.iter().map(|c| value(c)).collect();
    bytes.extend(line.join("\t").chars().map(|c| c as u32 as u8)); // Latin-1
    bytes.push(b'\n');
    let rows = read_all(&Layout::Nc, None, &bytes);
    let f = &rows[0].fields;
    assert_eq!(rows[0].person_key.as_deref(), Some("BN123456"));
    assert_eq!(f.first_name.as_deref(), Some("JOSÉ"));
    assert_eq!(f.last_name.as_deref(), Some("NÚÑEZ"));
    assert_eq!(f.res_address.as_deref(), Some("12  MAIN ST"), "trimmed, inner spaces kept");
    assert_eq!(f.phones.len(), 1);
    assert_eq!((f.phones[0].kind, f.phones[0].raw.as_str()), (PhoneKind::Other, "919-555-0123"));
    assert_eq!(
        f.extra,
        vec![
            ("mail_addr1".to_string(), "PO BOX 9".to_string()),
            ("birth_age".to_string(), "44".to_string()),
            ("dist_2_abbrv".to_string(), "7".to_string())
        ]
    );
}

#[test]
fn empty_key_is_none_not_an_error() {
    let file = nc_file(&[nc_person(""), nc_person("  ")]);
    let rows = read_all(&Layout::Nc, None, &file);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.person_key.is_none()));
}

#[test]
fn byte_order_mark() {
    let rows = read_all(&Layout::Generic, None, b"\xEF\xBB\xBFvoter_id,first_name,last_name\r\n1,Zo\xC3\xAB,Lee\r\n");
    assert_eq!(rows[0].fields.first_name.as_deref(), Some("Zoë"));
    let err = first_error(&Layout::Wa, None, b"\xEF\xBB\xBFStateVoterID|FName\n");
    assert!(err.reason.contains("byte-order mark") && err.reason.contains("--encoding utf-8"), "{err}");
}

#[test]
fn an_overlong_line_is_refused() {
    let mut file = b"voter_id,first_name,last_name\n1,".to_vec();
    file.extend(std::iter::repeat_n(b'a', clearline_voterfile::MAX_RECORD_BYTES + 10));
    file.extend_from_slice(b",x\n");
    let err = first_error(&Layout::Generic, None, &file);
    assert_eq!(err.line, 2);
    assert!(err.reason.contains("longer than 1 MiB"), "{err}");
}

#[test]
fn fields_are_trimmed_and_parts_joined() {
    // Washington: the address is built from its parts; the legislative district is both chambers'.
    let mut fields = vec![""; WA_COLUMNS.len()];
    let set = |f: &mut Vec<&str>, name: &str, v: &'static str| {
        let i = WA_COLUMNS.iter().position(|c| *c == name).unwrap();
        f[i] = v;
    };
    set(&mut fields, "StateVoterID", "WA0000000001");
    set(&mut fields, "RegStNum", " 1204 ");
    set(&mut fields, "RegStFrac", "1/2");
    set(&mut fields, "RegStPreDirection", "N");
    set(&mut fields, "RegStName", "45TH");
    set(&mut fields, "RegStType", "ST");
    set(&mut fields, "RegStPostDirection", "NE");
    set(&mut fields, "RegUnitType", "APT");
    set(&mut fields, "RegStUnitNum", "3B");
    set(&mut fields, "LegislativeDistrict", "43");
    set(&mut fields, "LastVoted", "11/05/2024");
    let file = format!("{}\n{}\n", WA_COLUMNS.join("|"), fields.join("|"));
    let rows = read_all(&Layout::Wa, None, file.as_bytes());
    let f = &rows[0].fields;
    assert_eq!(f.res_address.as_deref(), Some("1204 1/2 N 45TH ST NE APT 3B"));
    assert_eq!(f.state_house_district.as_deref(), Some("43"));
    assert_eq!(f.state_senate_district.as_deref(), Some("43"));
    assert_eq!(f.extra, vec![("LastVoted".to_string(), "11/05/2024".to_string())]);
    assert_eq!(f.first_name, None);

    // Florida: the split phone.
    let mut fl = vec![""; 38];
    fl[1] = "100000001";
    fl[34] = "850";
    fl[35] = "555-0142";
    fl[36] = "12";
    let rows = read_all(&Layout::Fl, None, (fl.join("\t") + "\n").as_bytes());
    assert_eq!(rows[0].fields.phones[0].raw, "850555-0142 x12");
    fl[35] = "";
    let rows = read_all(&Layout::Fl, None, (fl.join("\t") + "\n").as_bytes());
    assert!(rows[0].fields.phones.is_empty(), "an area code alone is no phone");
}
