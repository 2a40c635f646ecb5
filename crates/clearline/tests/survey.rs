//! `clearline survey rates`, `survey weight` and `bench survey --quick` as an analyst meets them: the
//! JSON, the weighted CSV, agreement with the committed weightipy and balance weights, and bad input
//! named by file, line and field (never the value), with nothing written.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::cli::{stderr, stdout};

fn clearline(args: &[&str]) -> Output {
    support::cli::clearline(tempfile::tempdir().unwrap().path(), args)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey/tests/fixtures").join(name)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const RATE_KEYS: [&str; 17] = [
    "RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2", "REF3", "CON1",
    "CON2", "CON3", "e",
];

#[test]
fn rates_reproduce_the_outcomerate_example() {
    let dir = tempfile::tempdir().unwrap();
    // I4 P2 R1 NC1 O1 UH1 UO1 NE1, with a spread of subcodes.
    let file = write(
        dir.path(),
        "d.csv",
        "case_id,aapor_code\nc1,1.1\nc2,1.1\nc3,1.1\nc4,1.1\nc5,1.2\nc6,1.2\nc7,2.12\nc8,2.21\nc9,2.33\nc10,3.13\nc11,3.90\nc12,4.30\n",
    );
    let out = clearline(&["survey", "rates", "--dispositions", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = RATE_KEYS.to_vec();
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected, "exactly the rate keys");
    let text = stdout(&out);
    let at: Vec<usize> = RATE_KEYS.iter().map(|k| text.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "printed in the Standard Definitions' order: {text}");
    assert_eq!(v["e"], 0.9);
    let published =
        [("RR1", 0.364), ("RR3", 0.370), ("RR6", 0.667), ("COOP3", 0.571), ("REF2", 0.093), ("CON2", 0.741)];
    for (k, want) in published {
        let got = v[k].as_f64().unwrap();
        assert!((got - want).abs() < 0.0005, "{k}: {got} vs {want}");
    }
    // A given e; weights.
    let out = clearline(&["survey", "rates", "--dispositions", &file, "--e", "0.5"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["e"], 0.5);
    assert!((v["RR3"].as_f64().unwrap() - 4.0 / 10.0).abs() < 1e-15);
    let weighted = write(dir.path(), "w.csv", "case_id,aapor_code,weight\na,1.1,3\nb,2.11,1\nc,4.10,2.5\n");
    let v: Value =
        serde_json::from_str(&stdout(&clearline(&["survey", "rates", "--dispositions", &weighted]))).unwrap();
    assert_eq!(v["RR1"], 0.75);
    assert_eq!(v["e"], 4.0 / 6.5);
}

#[test]
fn undefined_rates_are_null() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", "case_id,aapor_code\nx,3.90\n");
    let out = clearline(&["survey", "rates", "--dispositions", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["e"], Value::Null, "nothing resolved: e cannot be estimated");
    assert_eq!(v["RR1"], 0.0);
    for k in ["RR3", "RR5", "COOP1", "REF3", "CON3"] {
        assert_eq!(v[k], Value::Null, "{k}");
    }
    assert!(!stdout(&out).contains("NaN"));
}

#[test]
fn bad_dispositions_name_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("case_id,aapor_code\na,1.1\nb,9.9\n", "line 3, field `aapor_code`"),
        ("case_id,aapor_code\na,1.1\nb,2.0\n", "line 3, field `aapor_code`: \"2.0\" is a heading"),
        ("case_id,aapor_code,weight\na,1.1,1\nb,1.1,-2\n", "line 3, field `weight`"),
        ("case_id,aapor_code\nsame,1.1\nother,1.2\nsame,2.11\n", "line 4, field `case_id`: the same case as line 2"),
        ("id,code\na,1.1\n", "line 1: the header must be"),
        ("case_id,aapor_code\na,1.1,extra\n", "line 2: 3 fields where the header has 2"),
    ];
    for (text, expected) in cases {
        let file = write(dir.path(), "d.csv", text);
        let out = clearline(&["survey", "rates", "--dispositions", &file]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(stderr(&out).contains(&file) && stderr(&out).contains(expected), "{text}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    let file = write(dir.path(), "d.csv", "case_id,aapor_code\na,1.1\n");
    let out = clearline(&["survey", "rates", "--dispositions", &file, "--e", "2"]);
    assert_eq!(out.status.code(), Some(1));
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    (header, r.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect())
}

fn column(path: &Path, name: &str) -> Vec<f64> {
    let (header, rows) = read_csv(path);
    let k = header.iter().position(|h| h == name).unwrap();
    rows.iter().map(|r| r[k].parse().unwrap()).collect()
}

fn worst(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(a, b)| (a / b - 1.0).abs()).fold(0.0, f64::max)
}

#[test]
fn weight_matches_weightipy_and_balance_on_the_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("weighted.csv");
    let (r, t) = (fixture("respondents.csv"), fixture("targets.csv"));
    let out = clearline(&[
        "--json",
        "survey",
        "weight",
        "--respondents",
        r.to_str().unwrap(),
        "--targets",
        t.to_str().unwrap(),
        "--tolerance",
        "1e-12",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["converged"], true);
    assert_eq!(summary["respondents"], 2000);
    assert!(summary["iterations"].as_u64().unwrap() > 5);
    assert!(summary["max_margin_error"].as_f64().unwrap() < 1e-12);
    let deff = summary["design_effect"].as_f64().unwrap();
    assert!(deff > 1.0);
    assert!((summary["effective_n"].as_f64().unwrap() - 2000.0 / deff).abs() < 1e-6);
    let moe = summary["margin_of_error"].as_f64().unwrap();
    assert!((moe - 1.96 * (deff * 0.25 / 2000.0).sqrt()).abs() < 1e-12);
    // The respondents as they were, plus `weight`.
    let (header, rows) = read_csv(&out_path);
    let (in_header, in_rows) = read_csv(&r);
    assert_eq!(header[..header.len() - 1], in_header[..]);
    assert_eq!(header.last().unwrap(), "weight");
    assert_eq!(rows.iter().map(|r| r[..r.len() - 1].to_vec()).collect::<Vec<_>>(), in_rows);
    let d = worst(&column(&out_path, "weight"), &column(&fixture("weightipy_weights.csv"), "weight"));
    assert!(d < 1e-6, "weightipy: {d:e}");

    // With the design weights, against balance (compared as shares of the total: balance scales to the
    // population). CSV on standard output, the summary on standard error.
    let out = clearline(&[
        "survey",
        "weight",
        "--respondents",
        r.to_str().unwrap(),
        "--targets",
        t.to_str().unwrap(),
        "--base-weight",
        "design_weight",
        "--tolerance",
        "1e-12",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stderr(&out)).unwrap();
    assert_eq!(summary["base_weight"], "design_weight");
    let piped = dir.path().join("piped.csv");
    std::fs::write(&piped, &out.stdout).unwrap();
    let ours = column(&piped, "weight");
    let theirs = column(&fixture("balance_weights.csv"), "weight");
    let (so, st) = (ours.iter().sum::<f64>(), theirs.iter().sum::<f64>());
    let shares = |w: &[f64], s: f64| w.iter().map(|x| x / s).collect::<Vec<_>>();
    let d = worst(&shares(&ours, so), &shares(&theirs, st));
    assert!(d < 1e-6, "balance: {d:e}");
}

#[test]
fn bad_weighting_input_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.csv");
    std::fs::write(&out_path, "previous contents").unwrap();
    let resp = "id,age,sex,score\n1,young,f,1\n2,old,m,2\n3,young,m,1\n4,old,f,0.5\n";
    let targets = "variable,category,target\nage,young,40\nage,old,60\nsex,f,52\nsex,m,48\n";
    let cases: Vec<(String, String, Vec<&str>, &str)> = vec![
        (
            resp.replace("3,young,m", "3,Zebra123,m"),
            targets.into(),
            vec![],
            "respondents.csv line 4, field `age`: a category with no target (the targets for `age` are: young, old)",
        ),
        (resp.into(), format!("{targets}age,middle,10\n"), vec![], "targets that do not sum"),
        (
            resp.into(),
            targets.replace("age,young,40\nage,old,60", "age,young,30\nage,old,60\nage,middle,10"),
            vec![],
            "targets.csv line 4: variable `age`, category `middle` has a target but no respondents",
        ),
        (resp.into(), targets.replace("sex,m,48", "sex,m,0"), vec![], "targets.csv line 5, field `target`"),
        (
            resp.into(),
            targets.replace("sex,m,48", "sex,m,lots"),
            vec![],
            "targets.csv line 5, field `target`: not a number",
        ),
        (resp.into(), format!("{targets}region,east,100\n"), vec![], "variable `region` is not a column of"),
        (
            resp.replace("4,old,f,0.5", "4,old,f,-1"),
            targets.into(),
            vec!["--base-weight", "score"],
            "respondents.csv line 5, field `score`",
        ),
        (resp.into(), targets.into(), vec!["--base-weight", "nope"], "no column `nope`"),
        (resp.into(), targets.into(), vec!["--cap", "1"], "--cap"),
        (resp.replace("score", "weight"), targets.into(), vec![], "already a `weight` column"),
        (
            resp.replace("4,old,f,0.5", "4,old"),
            targets.into(),
            vec![],
            "respondents.csv line 5: 2 fields where the header has 4",
        ),
    ];
    for (respondents, targets, extra, expected) in cases {
        let r = write(dir.path(), "respondents.csv", &respondents);
        let t = write(dir.path(), "targets.csv", &targets);
        let mut args = vec!["survey", "weight", "--respondents", &r, "--targets", &t, "-o", out_path.to_str().unwrap()];
        args.extend(extra);
        let out = clearline(&args);
        assert_eq!(out.status.code(), Some(1), "{expected}");
        assert!(stderr(&out).contains(expected), "expected {expected:?} in {}", stderr(&out));
        assert!(!stderr(&out).contains("Zebra123"), "no value echoed");
        assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "previous contents", "nothing written");
    }
    // Not converged: an error, and nothing written.
    let r = write(dir.path(), "respondents.csv", "age,sex\ny,f\ny,f\ny,f\ny,m\no,m\no,f\n");
    let t = write(dir.path(), "targets.csv", "variable,category,target\nage,y,0.3\nage,o,0.7\nsex,f,0.6\nsex,m,0.4\n");
    let out = clearline(&[
        "survey",
        "weight",
        "--respondents",
        &r,
        "--targets",
        &t,
        "--max-iterations",
        "1",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("did not converge"), "{}", stderr(&out));
    assert!(stderr(&out).contains("\"converged\": false"), "the summary says so too");
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "previous contents");
    // A cap the margins cannot live with (two respondents must carry 70 %: 2.1 each) is not converged.
    let out = clearline(&[
        "survey",
        "weight",
        "--respondents",
        &r,
        "--targets",
        &t,
        "--cap",
        "1.9",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the cap may be incompatible"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "previous contents");
    // The same converges with the default sweeps, and a cap is honoured.
    let out = clearline(&[
        "survey",
        "weight",
        "--respondents",
        &r,
        "--targets",
        &t,
        "--cap",
        "2.5",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let w = column(&out_path, "weight");
    let mean = w.iter().sum::<f64>() / w.len() as f64;
    assert!((mean - 1.0).abs() < 1e-12);
    assert!(w.iter().all(|&x| x <= 2.5 + 1e-12), "{w:?}");
}

#[test]
fn bench_survey_quick_agrees_with_weightipy_when_it_is_there() {
    let out = clearline(&["--json", "bench", "survey", "--quick"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["respondents"], 5000);
    assert_eq!(v["margins"], 5);
    assert!(v["clearline"]["max_margin_error"].as_f64().unwrap() < 1e-10);
    assert!(v["clearline"]["iterations"].as_u64().unwrap() > 5, "correlated margins need many sweeps");
    if v["weightipy"].is_null() {
        // Only allowed outside CI (the benchmark itself fails under CI=true without weightipy).
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"));
        eprintln!("SKIPPED: weightipy comparison: {}", v["weightipy_unavailable"]);
        return;
    }
    assert!(v["weightipy"]["max_margin_error"].as_f64().unwrap() < 1e-10);
    assert!(v["max_relative_weight_difference"].as_f64().unwrap() <= 1e-6);
    assert!(v["ratio"].as_f64().unwrap() > 0.0);
}
