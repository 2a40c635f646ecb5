//! The generator: determinism, layouts read back, realistic shares.

mod common;

use clearline_voterfile::{generate, surname_table, Layout, PhoneKind, SourceRow};
use common::{area_codes, gen, nanp, read_all, PRESETS};
use std::collections::{HashMap, HashSet};

/// FNV-1a, to pin the exact bytes without a hashing dependency.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for layout in &PRESETS {
        let (a, sa) = gen(layout, 3000, 7);
        let (b, sb) = gen(layout, 3000, 7);
        let (c, _) = gen(layout, 3000, 8);
        assert!(a == b, "{}: same seed, different bytes", layout.name());
        assert_eq!(sa, sb);
        assert!(a != c, "{}: different seeds, same bytes", layout.name());
        // A prefix property: fewer rows from the same seed are the start of the same file.
        let (short, _) = gen(layout, 1000, 7);
        assert!(a.starts_with(&short), "{}: 1,000 rows are not the start of 3,000", layout.name());
    }
}

/// The exact bytes, pinned: a change here means files generated before no longer match (a `rand_chacha`
/// stream change, a different machine, or a deliberate generator change — then update the constants).
#[test]
fn bytes_are_pinned() {
    let got: Vec<(String, u64)> = PRESETS.iter().map(|l| (l.name().to_string(), fnv(&gen(l, 500, 2026).0))).collect();
    let want: Vec<(String, u64)> = [
        ("nc", 0x5811_8cb5_6a13_696d_u64),
        ("oh", 0xe7cd_6339_76bb_7a2b),
        ("fl", 0x13e2_1fe4_cce9_5cee),
        ("wa", 0x05e6_02f8_ecda_cc21),
        ("generic", 0x4257_b8d8_0bca_4a9e),
    ]
    .iter()
    .map(|(n, h)| (n.to_string(), *h))
    .collect();
    assert_eq!(
        got,
        want,
        "{}",
        got.iter().map(|(n, h)| format!("(\"{n}\", 0x{h:016x})")).collect::<Vec<_>>().join(", ")
    );
}

#[test]
fn mapping_layout_is_not_generated() {
    let m =
        clearline_voterfile::ColumnMapping::from_json(r#"{"delimiter":",","header":true,"columns":{"voter_id":"id"}}"#)
            .unwrap();
    let err = generate(&Layout::Mapping(m), 10, 1, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

fn header_line(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == b'\n').unwrap();
    String::from_utf8(bytes[..end].to_vec()).unwrap().trim_end_matches('\r').to_string()
}

/// The column names exactly as `references.md` §5 lists them (expanded where it abbreviates).
const NC_REFERENCE: &str = "county_id county_desc voter_reg_num ncid last_name first_name middle_name name_suffix_lbl \
    status_cd voter_status_desc reason_cd voter_status_reason_desc res_street_address res_city_desc state_cd zip_code \
    mail_addr1 mail_addr2 mail_addr3 mail_addr4 mail_city mail_state mail_zipcode full_phone_number confidential_ind \
    registr_dt race_code ethnic_code party_cd gender_code birth_year age_at_year_end birth_state drivers_lic \
    precinct_abbrv precinct_desc municipality_abbrv municipality_desc ward_abbrv ward_desc cong_dist_abbrv \
    super_court_abbrv judic_dist_abbrv nc_senate_abbrv nc_house_abbrv county_commiss_abbrv county_commiss_desc \
    township_abbrv township_desc school_dist_abbrv school_dist_desc fire_dist_abbrv fire_dist_desc water_dist_abbrv \
    water_dist_desc sewer_dist_abbrv sewer_dist_desc sanit_dist_abbrv sanit_dist_desc rescue_dist_abbrv \
    rescue_dist_desc munic_dist_abbrv munic_dist_desc dist_1_abbrv dist_1_desc vtd_abbrv vtd_desc";

const OH_REFERENCE: &str = "SOS_VOTERID COUNTY_NUMBER COUNTY_ID LAST_NAME FIRST_NAME MIDDLE_NAME SUFFIX DATE_OF_BIRTH \
    REGISTRATION_DATE VOTER_STATUS PARTY_AFFILIATION RESIDENTIAL_ADDRESS1 RESIDENTIAL_SECONDARY_ADDR RESIDENTIAL_CITY \
    RESIDENTIAL_STATE RESIDENTIAL_ZIP RESIDENTIAL_ZIP_PLUS4 RESIDENTIAL_COUNTRY RESIDENTIAL_POSTALCODE MAILING_ADDRESS1 \
    MAILING_SECONDARY_ADDRESS MAILING_CITY MAILING_STATE MAILING_ZIP MAILING_ZIP_PLUS4 MAILING_COUNTRY \
    MAILING_POSTAL_CODE CAREER_CENTER CITY CITY_SCHOOL_DISTRICT COUNTY_COURT_DISTRICT CONGRESSIONAL_DISTRICT \
    COURT_OF_APPEALS EDU_SERVICE_CENTER_DISTRICT EXEMPTED_VILL_SCHOOL_DISTRICT LIBRARY LOCAL_SCHOOL_DISTRICT \
    MUNICIPAL_COURT_DISTRICT PRECINCT_NAME PRECINCT_CODE STATE_BOARD_OF_EDUCATION STATE_REPRESENTATIVE_DISTRICT \
    STATE_SENATE_DISTRICT TOWNSHIP VILLAGE WARD";

const WA_REFERENCE: &str = "StateVoterID FName MName LName NameSuffix Birthyear Gender RegStNum RegStFrac RegStName \
    RegStType RegUnitType RegStPreDirection RegStPostDirection RegStUnitNum RegCity RegState RegZipCode CountyCode \
    PrecinctCode PrecinctPart LegislativeDistrict CongressionalDistrict Mail1 Mail2 Mail3 MailCity MailZip MailState \
    MailCountry Registrationdate LastVoted StatusCode";

#[test]
fn headers_are_the_published_ones() {
    let nc = header_line(&gen(&Layout::Nc, 1, 1).0);
    assert_eq!(nc.split('\t').collect::<Vec<_>>(), NC_REFERENCE.split_whitespace().collect::<Vec<_>>());
    assert_eq!(nc.split('\t').count(), 67);

    let wa = header_line(&gen(&Layout::Wa, 1, 1).0);
    assert_eq!(wa.split('|').collect::<Vec<_>>(), WA_REFERENCE.split_whitespace().collect::<Vec<_>>());

    let oh = header_line(&gen(&Layout::Oh, 1, 1).0);
    let cols: Vec<&str> = oh.split(',').map(|c| c.strip_prefix('"').unwrap().strip_suffix('"').unwrap()).collect();
    let fixed: Vec<&str> = OH_REFERENCE.split_whitespace().collect();
    assert_eq!(&cols[..fixed.len()], &fixed[..]);
    let elections = &cols[fixed.len()..];
    assert!(elections.len() >= 10);
    for e in elections {
        let (kind, date) = e.split_once('-').unwrap();
        assert!(["PRIMARY", "GENERAL", "SPECIAL"].contains(&kind), "{e}");
        assert!(date.len() == 10 && &date[2..3] == "/" && &date[5..6] == "/", "{e}");
    }

    // Florida has no header: the first line is a voter.
    let fl = gen(&Layout::Fl, 1, 1).0;
    assert_eq!(header_line(&fl).split('\t').count(), 38);
    assert!(!header_line(&fl).contains("Voter ID"));

    let generic = header_line(&gen(&Layout::Generic, 1, 1).0);
    assert!(generic.starts_with("voter_id,first_name,middle_name,last_name"));
}

#[test]
fn every_line_has_the_layouts_column_count() {
    for (layout, sep, count) in [(Layout::Nc, b'\t', 67), (Layout::Fl, b'\t', 38), (Layout::Wa, b'|', 33)] {
        let (bytes, _) = gen(&layout, 3000, 3);
        for (i, line) in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
            let fields = line.iter().filter(|&&b| b == sep).count() + 1;
            assert_eq!(fields, count, "{} line {}", layout.name(), i + 1);
        }
    }
}

/// The facts each generated file must show once read back.
struct Readback {
    rows: Vec<SourceRow>,
}

impl Readback {
    fn first_occurrences(&self) -> Vec<&SourceRow> {
        let mut seen = HashSet::new();
        self.rows.iter().filter(|r| seen.insert(r.person_key.clone().unwrap())).collect()
    }
}

#[test]
fn every_layout_reads_back() {
    for layout in &PRESETS {
        let (bytes, stats) = gen(layout, 20_000, 11);
        let rows = read_all(layout, None, &bytes);
        let name = layout.name();
        assert_eq!(rows.len() as u64, stats.rows, "{name}: rows");
        assert_eq!(stats.rows, 20_000);
        let header = u64::from(*layout != Layout::Fl);
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r.line, i as u64 + 1 + header, "{name}: physical line numbers");
            assert!(r.person_key.is_some(), "{name}: line {} has no key", r.line);
            assert!(r.fields.last_name.is_some() && r.fields.first_name.is_some(), "{name}: line {}", r.line);
            assert!(r.fields.res_address.is_some() && r.fields.res_city.is_some(), "{name}: line {}", r.line);
        }
        let keys: HashSet<&str> = rows.iter().map(|r| r.person_key.as_deref().unwrap()).collect();
        assert_eq!(keys.len() as u64, stats.rows - stats.duplicate_keys, "{name}: distinct keys");
        let dup_share = stats.duplicate_keys as f64 / stats.rows as f64;
        assert!((0.003..0.007).contains(&dup_share), "{name}: duplicate share {dup_share}");

        // Bad birth years and 4-digit ZIPs, ~0.5 % each.
        let bad_zip = rows.iter().filter(|r| r.fields.res_zip.as_deref().is_some_and(|z| z.len() == 4)).count();
        assert!((60..140).contains(&bad_zip), "{name}: {bad_zip} four-digit ZIPs");
        assert!((60..140).contains(&stats.bad_birth_years), "{name}: {} bad birth years", stats.bad_birth_years);

        // Addresses in the right state.
        let state = layout.state();
        for r in &rows {
            let st = r.fields.res_state.as_deref().unwrap();
            if let Some(s) = state {
                assert_eq!(st, s, "{name}: line {}", r.line);
            } else {
                assert!(["NC", "OH", "FL", "WA"].contains(&st));
            }
        }
        if *layout == Layout::Generic {
            let states: HashSet<&str> = rows.iter().filter_map(|r| r.fields.res_state.as_deref()).collect();
            assert_eq!(states.len(), 4, "generic mixes the four states");
        }
    }
}

#[test]
fn birth_years_are_for_voters() {
    let (bytes, stats) = gen(&Layout::Nc, 20_000, 5);
    let rows = read_all(&Layout::Nc, None, &bytes);
    let mut bad = 0;
    for r in (Readback { rows }).first_occurrences() {
        match r.fields.birth_year.as_deref().map(|y| y.parse::<i64>().unwrap()) {
            Some(y) if (1926..=2008).contains(&y) => {}
            _ => bad += 1,
        }
    }
    // Duplicate rows repeat bad ones too, so first occurrences have at most the generated count.
    assert!(bad <= stats.bad_birth_years && bad + 20 >= stats.bad_birth_years, "{bad} vs {}", stats.bad_birth_years);
}

/// Phone facts of a read-back file: valid ones on 555-01XX lines in the state's area codes, invalid
/// ones counted exactly as the generator says, household sharing as it says.
fn check_phones(layout: &Layout, rows: &[SourceRow], stats: &clearline_voterfile::GenStats) {
    let name = layout.name();
    let mut phones = 0u64;
    let mut invalid = 0u64;
    let mut styles = HashSet::new();
    for r in rows {
        let state = r.fields.res_state.as_deref().unwrap();
        for p in &r.fields.phones {
            phones += 1;
            match nanp(&p.raw) {
                None => invalid += 1,
                Some((area, line)) => {
                    assert!(area_codes(state).contains(&area.as_str()), "{name}: area code {area} in {state}");
                    assert!(line.starts_with("55501"), "{name}: a non-fictional line");
                    let shape: String = p.raw.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
                    styles.insert(shape);
                }
            }
        }
    }
    assert_eq!(phones, stats.phones, "{name}: phones");
    assert_eq!(invalid, stats.invalid_phones, "{name}: invalid phones");
    let share = invalid as f64 / phones as f64;
    assert!((0.02..0.04).contains(&share), "{name}: invalid share {share}");

    // Household sharing: the same phone on several rows of one address (duplicate rows aside).
    let mut groups: HashMap<(String, String, String), u64> = HashMap::new();
    for r in (Readback { rows: rows.to_vec() }).first_occurrences() {
        if let Some(p) = r.fields.phones.iter().find(|p| matches!(p.kind, PhoneKind::Home | PhoneKind::Other)) {
            // Compared by digits: Florida's counties write the same number with or without a dash.
            let digits: String = p.raw.chars().filter(char::is_ascii_digit).collect();
            let key = (r.fields.res_address.clone().unwrap(), r.fields.res_city.clone().unwrap(), digits);
            *groups.entry(key).or_default() += 1;
        }
    }
    let shared: u64 = groups.values().filter(|&&n| n > 1).sum();
    let tolerance = stats.rows / 200;
    assert!(shared.abs_diff(stats.shared_phones) <= tolerance, "{name}: {shared} shared vs {}", stats.shared_phones);
    let share = stats.shared_phones as f64 / stats.rows as f64;
    assert!((0.07..0.13).contains(&share), "{name}: shared-phone share {share}");

    if *layout != Layout::Fl {
        for s in ["9999999999", "(999) 999-9999", "999.999.9999", "+9 999 999 9999", "9-999-999-9999", "999-999-9999"] {
            assert!(styles.contains(s), "{name}: no phone written like {s}");
        }
        assert!(styles.iter().any(|s| s.contains(" x")), "{name}: no extension");
    }
}

#[test]
fn phones_are_fictional_in_real_area_codes_with_the_expected_problems() {
    for layout in [Layout::Nc, Layout::Fl, Layout::Generic] {
        let (bytes, stats) = gen(&layout, 30_000, 21);
        let rows = read_all(&layout, None, &bytes);
        check_phones(&layout, &rows, &stats);
        let with_phone = rows.iter().filter(|r| !r.fields.phones.is_empty()).count() as f64 / rows.len() as f64;
        assert!((0.4..0.9).contains(&with_phone), "{}: {with_phone} of rows have a phone", layout.name());
    }
    let (bytes, _) = gen(&Layout::Generic, 5000, 2);
    let rows = read_all(&Layout::Generic, None, &bytes);
    let kinds: HashSet<PhoneKind> = rows.iter().flat_map(|r| r.fields.phones.iter().map(|p| p.kind)).collect();
    assert_eq!(kinds, HashSet::from([PhoneKind::Home, PhoneKind::Cell, PhoneKind::Work]));
    let hints: HashSet<&str> =
        rows.iter().flat_map(|r| r.fields.phones.iter().filter_map(|p| p.line_type_hint.as_deref())).collect();
    assert_eq!(hints, HashSet::from(["landline", "wireless", "voip"]));
    assert!(rows.iter().any(|r| r.fields.email.is_some()));
    assert!(rows.iter().any(|r| !r.fields.vote_history.is_empty()));
    // Ohio and Washington files carry no phone.
    for layout in [Layout::Oh, Layout::Wa] {
        let (bytes, stats) = gen(&layout, 2000, 2);
        assert_eq!(stats.phones, 0);
        assert!(read_all(&layout, None, &bytes).iter().all(|r| r.fields.phones.is_empty()));
    }
}

#[test]
fn ohio_vote_history_is_per_election() {
    let (bytes, _) = gen(&Layout::Oh, 5000, 4);
    let rows = read_all(&Layout::Oh, None, &bytes);
    let mut values = HashSet::new();
    for r in &rows {
        for v in &r.fields.vote_history {
            assert!(
                v.election.starts_with("PRIMARY-")
                    || v.election.starts_with("GENERAL-")
                    || v.election.starts_with("SPECIAL-")
            );
            if v.election.starts_with("GENERAL-") {
                assert_eq!(v.how, "X");
            }
            values.insert(v.how.clone());
        }
        // The party is the last partisan primary ballot.
        let last = r.fields.vote_history.iter().rev().find(|v| v.how == "D" || v.how == "R").map(|v| v.how.as_str());
        assert_eq!(r.fields.party.as_deref(), last, "line {}", r.line);
    }
    assert_eq!(values, HashSet::from(["X".to_string(), "D".to_string(), "R".to_string()]));
    let voted_2024 =
        rows.iter().filter(|r| r.fields.vote_history.iter().any(|v| v.election == "GENERAL-11/05/2024")).count();
    let share = voted_2024 as f64 / rows.len() as f64;
    assert!((0.45..0.85).contains(&share), "2024 general turnout {share}");
}

#[test]
fn top_20_surnames_follow_the_census_table() {
    let table = surname_table();
    let total: u64 = table.iter().map(|(_, w)| w).sum();
    let (bytes, stats) = gen(&Layout::Nc, 200_000, 1990);
    let rows = read_all(&Layout::Nc, None, &bytes);
    assert_eq!(rows.len() as u64, stats.rows);
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for r in &rows {
        *counts.entry(r.fields.last_name.as_deref().unwrap()).or_default() += 1;
    }
    for (name, weight) in &table[..20] {
        let expected = *weight as f64 / total as f64;
        let got = counts.get(name).copied().unwrap_or(0) as f64 / rows.len() as f64;
        assert!(
            (got - expected).abs() <= 0.2 * expected,
            "{name}: {:.3} % of rows, table {:.3} %",
            got * 100.0,
            expected * 100.0
        );
    }
    // And the generator is not just picking the top names.
    assert!(counts.len() > 3000, "{} distinct surnames", counts.len());
}
