use super::*;

fn e164(raw: &str) -> String {
    parse_phone(raw, "US").unwrap_or_else(|e| panic!("{raw:?}: {e}")).number.to_string()
}

#[test]
fn every_usual_nanp_format_parses() {
    for raw in [
        "(919) 555-0123",
        "919-555-0123",
        "919.555.0123",
        "919 555 0123",
        "+1 919 555 0123",
        "1-919-555-0123",
        "1 (919) 555-0123",
        "9195550123",
        "+19195550123",
        "+1 (919) 555-0123",
        "+1-919-555-0123",
        "  919-555-0123  ",
        "919/555-0123",
        "(919)555-0123",
    ] {
        assert_eq!(e164(raw), "+19195550123", "{raw:?}");
        assert_eq!(parse_phone(raw, "US").unwrap().extension, None, "{raw:?}");
    }
}

#[test]
fn extensions() {
    for (raw, ext) in [
        ("919-555-0123 x12", "12"),
        ("919-555-0123x12", "12"),
        ("919-555-0123 X 12", "12"),
        ("919-555-0123 ext. 12", "12"),
        ("919-555-0123 ext 12", "12"),
        ("919-555-0123 Ext.12", "12"),
        ("919-555-0123 EXT: 12", "12"),
        ("919-555-0123 extn 12", "12"),
        ("919-555-0123 extension 12", "12"),
        ("919-555-0123 #12", "12"),
        ("919-555-0123#12", "12"),
        ("919-555-0123 x12#", "12"),
        ("+1 919 555 0123 ext. 98765", "98765"),
    ] {
        let parsed = parse_phone(raw, "US").unwrap_or_else(|e| panic!("{raw:?}: {e}"));
        assert_eq!(parsed.number.to_string(), "+19195550123", "{raw:?}");
        assert_eq!(parsed.extension.as_deref(), Some(ext), "{raw:?}");
    }
}

#[test]
fn fictional_555_01xx_lines_are_valid() {
    for line in 100..200 {
        let raw = format!("919-555-0{line}");
        assert_eq!(e164(&raw), format!("+19195550{line}"));
    }
    assert_eq!(e164("+1 212 555 0199"), "+12125550199");
}

#[test]
fn rejections_name_a_reason() {
    for (raw, error) in [
        ("", PhoneError::Empty),
        ("   ", PhoneError::Empty),
        ("()-", PhoneError::Empty),
        ("555-0123", PhoneError::TooShort),
        ("919-555-012", PhoneError::TooShort),
        ("+1 919 555 012", PhoneError::TooShort),
        ("919-555-01234", PhoneError::TooLong),
        ("1-919-555-01234", PhoneError::TooLong),
        ("2-919-555-0123", PhoneError::TooLong),
        ("+1 919 555 01234", PhoneError::TooLong),
        ("(019) 555-0123", PhoneError::InvalidAreaCode),
        ("(119) 555-0123", PhoneError::InvalidAreaCode),
        ("1 (119) 555-0123", PhoneError::InvalidAreaCode),
        ("(911) 555-0123", PhoneError::InvalidAreaCode),
        ("(211) 555-0123", PhoneError::InvalidAreaCode),
        ("(411) 555-0123", PhoneError::InvalidAreaCode),
        ("(919) 055-0123", PhoneError::InvalidExchange),
        ("(919) 155-0123", PhoneError::InvalidExchange),
        ("(999) 555-0123", PhoneError::UnassignedAreaCode),
        ("(555) 555-0123", PhoneError::UnassignedAreaCode),
        ("919-555-O123", PhoneError::Letters),
        ("919-CALL-NOW", PhoneError::Letters),
        ("call 919-555-0123", PhoneError::Letters),
        ("919-555-0123 home", PhoneError::Letters),
        ("919-555-0123 x12 home", PhoneError::Letters),
        ("919-555-0123 x", PhoneError::InvalidExtension),
        ("919-555-0123 ext.", PhoneError::InvalidExtension),
        ("919-555-0123 x1234567890", PhoneError::InvalidExtension),
        ("919-555-0123 x12 34", PhoneError::InvalidExtension),
    ] {
        assert_eq!(parse_phone(raw, "US"), Err(error), "{raw:?}");
    }
}

#[test]
fn errors_never_echo_the_number() {
    for raw in ["919-555-012", "(911) 555-0123", "919-555-O123", "919-555-0123 x", "+44 20 7946 000", "+999 1234"] {
        let error = parse_phone(raw, "US").unwrap_err();
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains("555") && !text.contains("919") && !text.contains("7946"), "{text}");
        }
    }
    let number = parse_phone("919-555-0123", "US").unwrap();
    let debug = format!("{number:?}");
    assert!(debug.contains("919") && !debug.contains("0123") && !debug.contains("555"), "{debug}");
}

#[test]
fn other_countries_fall_back_to_the_crate() {
    assert_eq!(e164("+44 20 7946 0000"), "+442079460000");
    assert_eq!(e164("011 44 20 7946 0000"), "+442079460000");
    assert_eq!(parse_phone("020 7946 0000", "GB").unwrap().number.to_string(), "+442079460000");
    assert_eq!(parse_phone("020 7946 0000", "gb").unwrap().number.to_string(), "+442079460000");
    let uk = parse_phone("+44 20 7946 0000 ext. 7", "US").unwrap();
    assert_eq!((uk.number.country_code(), uk.extension.as_deref()), (44, Some("7")));
    assert!(!uk.number.is_nanp());
    assert_eq!(uk.number.npa(), None);
    assert_eq!(parse_phone("+44 20 7946 000", "US"), Err(PhoneError::NotValid));
    assert_eq!(parse_phone("020 7946 0000", "ZZ"), Err(PhoneError::UnknownRegion));
    assert_eq!(parse_phone("020 7946 0000", "USA"), Err(PhoneError::UnknownRegion));
    // A NANP number with a NANP default region other than the US takes the same path.
    assert_eq!(parse_phone("(416) 555-0123", "CA").unwrap().number.to_string(), "+14165550123");
    // Caribbean area codes, valid only for some exchanges, are decided by the crate.
    assert!(parse_phone("242 555 0123", "US").is_err());
    assert_eq!(e164("+1 242 357 1234"), "+12423571234");
    // Full-width digits and no-break spaces are not the fast path's business: the crate decides.
    assert!(matches!(fast::parse("９１９５５５０１２３", "US"), fast::Outcome::Fallback));
    assert!(matches!(fast::parse("919\u{a0}555\u{a0}0123", "US"), fast::Outcome::Fallback));
    assert_eq!(e164("919\u{a0}555\u{a0}0123"), "+19195550123");
}

#[test]
fn known_crate_bugs_do_not_crash_the_fallback() {
    // rust-phonenumber issues listed in docs references §4. Whatever the crate answers, parse_phone
    // returns a value or an error, never a panic.
    for (raw, region) in [
        ("+97233142764978", "US"),   // #31: reported valid although too long
        ("+33142764978", "US"),      // #30
        ("0032474123456", "US"),     // #29
        ("3912312312", "US"),        // #68
        ("+78005553535", "RU"),      // #76
        ("+3367a829916", "US"),      // #100: Clearline refuses the letter outright
        ("003-836-4618x3001", "CH"), // #32: a panic in older versions
        ("+1 520-878-2491", "US"),   // #46/#47
    ] {
        let _ = parse_phone(raw, region);
    }
    assert_eq!(parse_phone("+3367a829916", "US"), Err(PhoneError::Letters));
    assert_eq!(e164("+1 520-878-2491"), "+15208782491");
}

#[test]
fn e164_accessors_and_text_forms() {
    let n = parse_phone("(919) 555-0123", "US").unwrap().number;
    assert_eq!((n.country_code(), n.npa(), n.nxx(), n.nanp_national()), (1, Some(919), Some(555), Some(9195550123)));
    assert_eq!(n.as_u64(), 19195550123);
    assert_eq!("+19195550123".parse::<PhoneE164>(), Ok(n));
    for bad in ["19195550123", "+1 919 555 0123", "+19195550123x1", "+", "+1919555012", "+19115550123", ""] {
        assert!(bad.parse::<PhoneE164>().is_err(), "{bad:?}");
    }
    assert_eq!("+442079460000".parse::<PhoneE164>().unwrap().country_code(), 44);
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, "\"+19195550123\"");
    assert_eq!(serde_json::from_str::<PhoneE164>(&json).unwrap(), n);
    assert!(serde_json::from_str::<PhoneE164>("\"(919) 555-0123\"").is_err());
}

#[test]
fn line_types_serialize_snake_case() {
    for (t, s) in [
        (LineType::Wireless, "wireless"),
        (LineType::Landline, "landline"),
        (LineType::Voip, "voip"),
        (LineType::Protected, "protected"),
        (LineType::Unknown, "unknown"),
    ] {
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<LineType>(&format!("\"{s}\"")).unwrap(), t);
        assert_eq!(t.as_str(), s);
        assert_eq!(LineType::from_hint(s), Some(t));
    }
    assert_eq!(serde_json::to_string(&PhoneKind::Cell).unwrap(), "\"cell\"");
}

#[test]
fn line_type_hints() {
    use LineType::*;
    for (hint, t) in [
        ("cell", Wireless),
        ("Cell Phone", Wireless),
        ("CELLULAR", Wireless),
        ("mobile", Wireless),
        ("Wireless", Wireless),
        ("W", Wireless),
        ("c", Wireless),
        ("landline", Landline),
        ("Land Line", Landline),
        ("land-line", Landline),
        ("land", Landline),
        ("L", Landline),
        ("residential", Landline),
        ("VoIP", Voip),
        ("v", Voip),
        ("non-fixed VoIP", Voip),
        ("toll free", Protected),
        ("Toll-Free", Protected),
        ("unknown", Unknown),
        ("U", Unknown),
        (" wireless ", Wireless),
    ] {
        assert_eq!(LineType::from_hint(hint), Some(t), "{hint:?}");
    }
    for hint in ["", "home", "work", "business", "x", "cellphone!", "landlines", "wireless-ish", "ÇELL"] {
        assert_eq!(LineType::from_hint(hint), None, "{hint:?}");
    }
}

#[test]
fn toll_free_and_premium_are_protected() {
    for npa in [800, 833, 844, 855, 866, 877, 888] {
        let n = parse_phone(&format!("1-{npa}-555-0123"), "US").unwrap().number;
        assert!(is_toll_free(&n) && !is_premium(&n), "{npa}");
        assert_eq!(line_type_of_number(&n), LineType::Protected);
        assert!(nanp::zones_for(&n).is_empty(), "{npa}: toll-free numbers have no zone");
    }
    let premium = parse_phone("1-900-555-0123", "US").unwrap().number;
    assert!(is_premium(&premium) && !is_toll_free(&premium));
    assert_eq!(line_type_of_number(&premium), LineType::Protected);
    let ordinary = parse_phone("919-555-0123", "US").unwrap().number;
    assert!(!is_premium(&ordinary) && !is_toll_free(&ordinary));
    assert_eq!(line_type_of_number(&ordinary), LineType::Unknown, "never assume landline");
    let uk = parse_phone("+44 800 123 4567", "US");
    if let Ok(uk) = uk {
        assert!(!is_toll_free(&uk.number), "only NANP toll-free area codes");
    }
}

#[test]
fn block_line_types() {
    let text = "prefix,line_type\n\
                # NPA-NXX and thousands blocks\n\
                919555,wireless\n\
                919-555-0,landline\n\
                \"919556\",\"V\"\n\
                \n\
                8005550,wireless\n";
    let blocks = BlockLineTypes::parse(text).unwrap();
    assert_eq!(blocks.len(), 4);
    let lookup = |raw: &str| blocks.lookup(&parse_phone(raw, "US").unwrap().number);
    assert_eq!(lookup("919-555-0123"), LineType::Landline, "the thousands block wins");
    assert_eq!(lookup("919-555-1234"), LineType::Wireless);
    assert_eq!(lookup("919-556-1234"), LineType::Voip);
    assert_eq!(lookup("919-557-1234"), LineType::Unknown, "unlisted stays unknown");
    assert_eq!(lookup("+44 20 7946 0000"), LineType::Unknown);
    let toll_free = parse_phone("800-555-0123", "US").unwrap().number;
    assert_eq!(blocks.lookup(&toll_free), LineType::Wireless);
    assert_eq!(line_type(&toll_free, &blocks), LineType::Protected, "protected beats block data");
    let cell = parse_phone("919-555-1234", "US").unwrap().number;
    assert_eq!(line_type(&cell, &blocks), LineType::Wireless);
    assert!(BlockLineTypes::parse("").unwrap().is_empty());

    for (text, line) in [
        ("919555,wireless\n91955,landline\n", 2),
        ("919555,wireless\n91955501,landline\n", 2),
        ("919555\n", 1),
        ("919555,wireless,extra\n", 1),
        ("919555,home\n", 1),
        ("019555,wireless\n", 1),
        ("919155,wireless\n", 1),
        ("9195a5,wireless\n", 1),
        ("919555,wireless\n919555,landline\n", 2),
        ("prefix,line_type\nprefix,line_type\n", 2),
    ] {
        let (at, reason) = BlockLineTypes::parse(text).unwrap_err();
        assert_eq!(at, line, "{text:?}: {reason}");
        assert!(!reason.contains("919"), "{reason}");
    }
    assert!(BlockLineTypes::parse("919555,wireless\n919555,W\n").is_ok(), "a consistent duplicate is fine");
}

#[test]
fn nanp_zones_and_states() {
    let number = |raw: &str| parse_phone(raw, "US").unwrap().number;
    assert_eq!(nanp::zones_for(&number("919-555-0123")), ["America/New_York"]);
    assert_eq!(nanp::state_for(&number("919-555-0123")), Some("NC"));
    assert_eq!(nanp::state_for(&number("212-555-0123")), Some("NY"));
    assert_eq!(nanp::state_for(&number("202-555-0123")), Some("DC"));
    assert_eq!(nanp::state_for(&number("416-555-0123")), Some("ON"));
    assert_eq!(nanp::zones_for(&number("416-555-0123")), ["America/Toronto"]);
    assert_eq!(nanp::state_for(&number("203-555-0123")), Some("CT"), "from the exchange-level descriptions");
    assert_eq!(nanp::state_for(&number("787-555-0123")), None, "US and Canada only");
    assert_eq!(nanp::state_for(&number("800-555-0123")), None);

    // Idaho's 208 is split at exchange level: the panhandle is Pacific, the south Mountain.
    assert_eq!(nanp::state_for(&number("208-555-0123")), Some("ID"));
    assert_eq!(nanp::zones_for(&number("208-666-0123")), ["America/Los_Angeles"]);
    assert_eq!(nanp::zones_for(&number("208-232-0123")), ["America/Denver"]);
    assert_eq!(nanp::zones_for(&number("208-522-0123")), ["America/Denver"]);
    assert_eq!(nanp::zones_for(&number("208-555-0123")), ["America/Boise", "America/Los_Angeles"]);

    // Area codes spanning zones.
    assert_eq!(nanp::zones_for(&number("605-555-0123")), ["America/Denver", "America/North_Dakota/Center"]);
    assert_eq!(nanp::zones_for(&number("605-336-0123")), ["America/Chicago"], "Sioux Falls exchange");
    assert_eq!(nanp::zones_for(&number("701-555-0123")), ["America/Denver", "America/North_Dakota/Center"]);
    assert_eq!(nanp::zones_for(&number("775-555-0123")), ["America/Boise", "America/Los_Angeles"]);
    assert_eq!(nanp::zones_for(&number("907-555-0123")), ["America/Adak", "America/Anchorage"]);
    assert_eq!(nanp::zones_for(&number("+44 20 7946 0000")), [] as [&str; 0]);
    assert_eq!(nanp::state_for(&number("+44 20 7946 0000")), None);
}

#[test]
fn every_zone_in_the_nanp_table_is_a_real_iana_zone() {
    let db = jiff::tz::TimeZoneDatabase::bundled();
    let mut seen = std::collections::BTreeSet::new();
    for npa in 200..1000u64 {
        for nxx in 200..1000u64 {
            let n = PhoneE164::nanp(npa * 10_000_000 + nxx * 10_000);
            seen.extend(nanp::zones_for(&n).iter().copied());
        }
    }
    assert!(seen.len() > 40, "{seen:?}");
    for zone in seen {
        assert!(db.get(zone).is_ok(), "{zone} is not in jiff's bundled tz database");
    }
}
