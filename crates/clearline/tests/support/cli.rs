//! The `clearline` binary run as a user runs it: one data directory, no master key or database URL
//! from the environment (each test's data directory holds its own), output captured.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub fn clearline(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CLEARLINE_MASTER_KEY")
        .env_remove("CLEARLINE_DATABASE_URL")
        .output()
        .expect("clearline runs")
}

/// The command succeeded and printed JSON: the JSON.
pub fn ok_json(out: Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The program's results export (CSV) as `who` writes it: one map of column → value per attempt.
#[allow(dead_code)] // not every test binary reads results
pub fn results_rows(data_dir: &Path, who: &str, program: &str) -> Vec<std::collections::HashMap<String, String>> {
    let csv_path = data_dir.join(format!("results-{program}.csv"));
    let out = clearline(
        data_dir,
        &["--as", who, "export", "results", "--program", program, "-o", csv_path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

/// Every number of the demo campaign, as its data manager exports them.
pub fn campaign_numbers(data_dir: &Path) -> Vec<String> {
    let export = data_dir.join("everyone.csv");
    let out = clearline(
        data_dir,
        &[
            "--as",
            "data@demo.clearline.test",
            "export",
            "universe",
            "--campaign",
            "demo",
            r#"{"op":"all","filters":[]}"#,
            "-o",
            export.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&export).unwrap();
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().filter(|c| c.starts_with("+1")).map(str::to_string).collect::<Vec<_>>())
        .collect()
}
