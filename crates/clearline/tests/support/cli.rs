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
