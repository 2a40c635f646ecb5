//! The committed NANP tables (crates/core/src/phone/nanp.tsv, npa.tsv) match their generator,
//! tools/nanp/generate.py, run against the pinned `phonenumbers` version.
//!
//! Without Python's `phonenumbers` package the test is skipped with a message, except under CI=true,
//! where a missing package is a failure (CI installs tools/nanp/requirements.txt).

use std::path::Path;
use std::process::Command;

#[test]
fn nanp_table_matches_its_generator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("tools/nanp/generate.py");
    let installed = Command::new("python3")
        .args(["-c", "import phonenumbers"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !installed {
        let message = "SKIPPED: python phonenumbers not installed (pip install -r tools/nanp/requirements.txt)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message}: required under CI");
        }
        eprintln!("{message}");
        return;
    }
    let output = Command::new("python3").arg(&script).arg("--check").current_dir(&root).output().unwrap();
    assert!(
        output.status.success(),
        "tools/nanp/generate.py --check failed (exit {:?}): regenerate with `python3 tools/nanp/generate.py`\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
