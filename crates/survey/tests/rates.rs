//! The AAPOR outcome rates against ropensci/outcomerate (CC0): its coefficient matrix
//! (`data-raw/fmat.csv`, committed as a fixture) and the values its README and tests publish.

use clearline_survey::rates::{outcome_rates, parse_aapor_code, Counts, Eligibility, Rates, COLUMNS, FORMULAS};

fn counts(pairs: &[(&str, f64)]) -> Counts {
    let mut c = Counts::default();
    for &(group, n) in pairs {
        match group {
            "I" => c.i += n,
            "P" => c.p += n,
            "R" => c.r += n,
            "NC" => c.nc += n,
            "O" => c.o += n,
            "UH" => c.uh += n,
            "UO" => c.uo += n,
            "NE" => c.ne += n,
            other => panic!("{other}"),
        }
    }
    c
}

/// outcomerate's letters as one code of each group, through our code parser.
fn code_of(letter: &str) -> &'static str {
    match letter {
        "I" => "1.1",
        "P" => "1.2",
        "R" => "2.11",
        "NC" => "2.20",
        "O" => "2.30",
        "UH" => "3.13",
        "UO" => "3.90",
        "NE" => "4.30",
        other => panic!("{other}"),
    }
}

fn tally(cases: &[&str], weights: Option<&[f64]>) -> Counts {
    let mut c = Counts::default();
    for (k, letter) in cases.iter().enumerate() {
        c.add(parse_aapor_code(code_of(letter)).unwrap(), weights.map_or(1.0, |w| w[k]));
    }
    c
}

fn value(r: &Rates, name: &str) -> Option<f64> {
    r.by_name().iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name}")).1
}

#[test]
fn our_formula_table_is_outcomerates_fmat() {
    let text = include_str!("fixtures/outcomerate_fmat.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[4..], COLUMNS, "same columns in the same order");
    let mut compared = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (side, rate) = (f[0], f[1]);
        let coefficients: Vec<u8> = f[4..].iter().map(|v| v.parse().unwrap()).collect();
        let Some((_, num, den)) = FORMULAS.iter().find(|(name, _, _)| *name == rate) else {
            assert!(rate.starts_with("LOC"), "fmat has a rate we do not compute: {rate}");
            continue;
        };
        let ours = if side == "NUM" { num } else { den };
        assert_eq!(&coefficients[..], &ours[..], "{side} of {rate}");
        compared += 1;
    }
    assert_eq!(compared, 32, "every rate's numerator and denominator compared");
}

#[test]
fn outcomerate_readme_example() {
    // freq <- c(I = 4, P = 2, R = 1, NC = 1, O = 1, UH = 1, UO = 1, NE = 1); e = eligibility_rate(freq)
    let c = counts(&[("I", 4.), ("P", 2.), ("R", 1.), ("NC", 1.), ("O", 1.), ("UH", 1.), ("UO", 1.), ("NE", 1.)]);
    let r = outcome_rates(&c, Eligibility::Estimated).unwrap();
    assert_eq!(r.e, Some(0.9));
    let published = [
        ("RR1", 0.364),
        ("RR2", 0.545),
        ("RR3", 0.370),
        ("RR4", 0.556),
        ("RR5", 0.444),
        ("RR6", 0.667),
        ("COOP1", 0.500),
        ("COOP2", 0.750),
        ("COOP3", 0.571),
        ("COOP4", 0.857),
        ("REF1", 0.091),
        ("REF2", 0.093),
        ("REF3", 0.111),
        ("CON1", 0.727),
        ("CON2", 0.741),
        ("CON3", 0.889),
    ];
    for (name, expected) in published {
        let got = value(&r, name).unwrap();
        assert!((got - expected).abs() <= 0.0005, "{name}: {got} vs published {expected}");
    }
    // The same with e given explicitly.
    assert_eq!(outcome_rates(&c, Eligibility::Given(0.9)).unwrap(), r);
}

#[test]
fn outcomerate_test_suite_exact_fractions() {
    // tests/testthat/test-rate.R: x1 with e = 0.5 and its exact expected rates.
    let x1 = ["I", "P", "I", "NC", "UH", "I", "R", "UO", "I", "O", "P", "I", "R", "O", "P", "NE"];
    let expected = [
        ("RR1", 1. / 3.),
        ("RR2", 8. / 15.),
        ("RR3", 5. / 14.),
        ("RR4", 4. / 7.),
        ("RR5", 5. / 13.),
        ("RR6", 8. / 13.),
        ("COOP1", 5. / 12.),
        ("COOP2", 2. / 3.),
        ("COOP3", 1. / 2.),
        ("COOP4", 4. / 5.),
        ("REF1", 2. / 15.),
        ("REF2", 1. / 7.),
        ("REF3", 2. / 13.),
        ("CON1", 4. / 5.),
        ("CON2", 6. / 7.),
        ("CON3", 12. / 13.),
    ];
    let r = outcome_rates(&tally(&x1, None), Eligibility::Given(0.5)).unwrap();
    for (name, want) in expected {
        let got = value(&r, name).unwrap();
        assert!((got - want).abs() < 1e-15, "{name}: {got} vs {want}");
    }
    // Equal weights change nothing; unequal weights: RR2w = 19.3 / 37.2.
    let three = [3.0; 16];
    let weighted = outcome_rates(&tally(&x1, Some(&three)), Eligibility::Given(0.5)).unwrap();
    for ((name, a), (_, b)) in r.by_name().iter().zip(weighted.by_name()) {
        assert!((a.unwrap() - b.unwrap()).abs() < 1e-15, "{name}");
    }
    let w1 = [3.2, 0.4, 4.9, 3.8, 1.6, 3.3, 1.3, 2.2, 3.5, 3.6, 0.1, 1.6, 1.1, 4.3, 2.3, 0.6];
    let rr2w = outcome_rates(&tally(&x1, Some(&w1)), Eligibility::Given(0.5)).unwrap().rr2.unwrap();
    assert!((rr2w - 19.3 / 37.2).abs() < 1e-12, "{rr2w}");
    // The README's weighted microdata example: RR2w 0.50, CON1w 0.69.
    let x = ["I", "P", "I", "UO", "R", "I", "NC", "I", "O", "P", "UH"];
    let w: Vec<f64> = [1.3; 6].into_iter().chain([2.5; 5]).collect();
    let r = outcome_rates(&tally(&x, Some(&w)), Eligibility::Given(0.5)).unwrap();
    assert!((r.rr2.unwrap() - 0.50).abs() < 0.005 && (r.con1.unwrap() - 0.69).abs() < 0.005, "{r:?}");
}

#[test]
fn outcomerate_low_count_case_is_zeros_and_undefined() {
    // outcomerate("UO", e = 0.3): R's NaN is our None.
    let r = outcome_rates(&tally(&["UO"], None), Eligibility::Given(0.3)).unwrap();
    let zero = ["RR1", "RR2", "RR3", "RR4", "REF1", "REF2", "CON1", "CON2"];
    let undefined = ["RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF3", "CON3"];
    for name in zero {
        assert_eq!(value(&r, name), Some(0.0), "{name}");
    }
    for name in undefined {
        assert_eq!(value(&r, name), None, "{name}");
    }
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["RR5"], serde_json::Value::Null);
    assert_eq!(json["RR1"], 0.0);
    assert_eq!(json["e"], 0.3);
}

#[test]
fn unknown_cases_without_e_are_not_needed_when_absent() {
    // test-e.R: "e is unnecessary when all unknown contributions are zero".
    let c = counts(&[("I", 4.), ("P", 1.), ("R", 2.), ("NC", 3.), ("O", 1.)]);
    let r = outcome_rates(&c, Eligibility::Estimated).unwrap();
    assert_eq!(r.e, Some(1.0));
    assert_eq!((r.rr3, r.rr4, r.ref2, r.con2), (Some(4. / 11.), Some(5. / 11.), Some(2. / 11.), Some(8. / 11.)));
}
