//! Raking checked against implementations nobody here wrote (issue 5, part 8): weightipy 0.4.2 and
//! balance 0.23.0 weighted the committed respondents to the committed targets
//! (`tools/survey_refs/make.py`, which regenerates the fixtures); we rake the same data and must agree
//! to 1e-6 relative for every respondent.

use clearline_survey::rake::{rake, Margin, RakeOptions};
use clearline_survey::targets::{TargetKind, Targets};

const RESPONDENTS: &str = include_str!("fixtures/respondents.csv");
const TARGETS: &str = include_str!("fixtures/targets.csv");
const WEIGHTIPY: &str = include_str!("fixtures/weightipy_weights.csv");
const BALANCE: &str = include_str!("fixtures/balance_weights.csv");

fn records(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn reference(text: &str, ids: &[String]) -> Vec<f64> {
    let (header, rows) = records(text);
    assert_eq!(header, ["respondent_id", "weight"]);
    assert_eq!(rows.len(), ids.len());
    rows.iter()
        .zip(ids)
        .map(|(r, id)| {
            assert_eq!(&r[0], id, "same respondents in the same order");
            r[1].parse().unwrap()
        })
        .collect()
}

struct Data {
    ids: Vec<String>,
    margins: Vec<Margin>,
    design: Vec<f64>,
    targets: Targets,
}

fn data() -> Data {
    let (_, target_rows) = records(TARGETS);
    let parsed: Vec<(String, String, f64)> =
        target_rows.iter().map(|r| (r[0].clone(), r[1].clone(), r[2].parse().unwrap())).collect();
    let targets = Targets::new(parsed.iter().map(|(v, c, t)| (v.as_str(), c.as_str(), *t))).unwrap();
    let (header, rows) = records(RESPONDENTS);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let margins = (0..targets.variables.len())
        .map(|k| {
            let col = column(&targets.variables[k].name);
            targets.margin(k, rows.iter().map(|r| r[col].as_str())).unwrap()
        })
        .collect();
    let design = rows.iter().map(|r| r[column("design_weight")].parse().unwrap()).collect();
    Data { ids: rows.iter().map(|r| r[0].clone()).collect(), margins, design, targets }
}

fn worst_relative(ours: &[f64], theirs: &[f64]) -> f64 {
    ours.iter().zip(theirs).map(|(a, b)| (a / b - 1.0).abs()).fold(0.0, f64::max)
}

const TIGHT: RakeOptions = RakeOptions { tolerance: 1e-12, max_iterations: 10_000, cap: None };

#[test]
fn agrees_with_weightipy() {
    let d = data();
    assert_eq!(d.ids.len(), 2000);
    assert_eq!(d.margins.len(), 5);
    assert_eq!(d.targets.kind, TargetKind::Counts { total: 7_412_309.0 });
    let r = rake(&d.margins, None, &TIGHT).unwrap();
    assert!(r.converged, "{:?}", (r.iterations, r.max_margin_error));
    assert!(r.iterations >= 5, "the fixture's margins are correlated ({} sweeps)", r.iterations);
    let theirs = reference(WEIGHTIPY, &d.ids);
    // Same scale: weightipy's weights average 1, like ours without base weights.
    let worst = worst_relative(&r.weights, &theirs);
    eprintln!("weightipy: {} sweeps, largest relative difference {worst:e}", r.iterations);
    assert!(worst < 1e-6, "largest relative difference {worst:e}");
}

#[test]
fn agrees_with_balance_with_design_weights() {
    let d = data();
    let r = rake(&d.margins, Some(&d.design), &TIGHT).unwrap();
    assert!(r.converged);
    let theirs = reference(BALANCE, &d.ids);
    // balance scales the weights to the target population (7,412,309); ours keep the design weights'
    // total. Compare each respondent's share of the total.
    let (ours_sum, theirs_sum) = (r.weights.iter().sum::<f64>(), theirs.iter().sum::<f64>());
    assert!((theirs_sum / 7_412_309.0 - 1.0).abs() < 1e-9, "balance sums to the population: {theirs_sum}");
    assert!((ours_sum / d.design.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let ours: Vec<f64> = r.weights.iter().map(|w| w / ours_sum).collect();
    let theirs: Vec<f64> = theirs.iter().map(|w| w / theirs_sum).collect();
    let worst = worst_relative(&ours, &theirs);
    eprintln!("balance: {} sweeps, largest relative difference {worst:e}", r.iterations);
    assert!(worst < 1e-6, "largest relative difference {worst:e}");
    // And the design weights matter: without them the answer is different.
    let unweighted = rake(&d.margins, None, &TIGHT).unwrap();
    let shares: Vec<f64> = unweighted.weights.iter().map(|w| w / 2000.0).collect();
    assert!(worst_relative(&shares, &theirs) > 1e-2);
}
