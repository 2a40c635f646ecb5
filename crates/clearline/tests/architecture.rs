//! Keeps the architecture true: the direction of dependencies between crates, the domain crate free of
//! I/O, and SQL confined to the storage crate (see ARCHITECTURE.md).

use cargo_metadata::MetadataCommand;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn workspace_deps() -> BTreeMap<String, BTreeSet<String>> {
    let metadata =
        MetadataCommand::new().manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).exec().unwrap();
    let members: BTreeSet<_> = metadata.workspace_members.iter().collect();
    metadata
        .packages
        .iter()
        .filter(|p| members.contains(&p.id))
        .map(|p| {
            let deps = p
                .dependencies
                .iter()
                .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal)
                .map(|d| d.name.clone())
                .collect();
            (p.name.clone(), deps)
        })
        .collect()
}

/// The allowed internal dependencies: `clearline → web → store → core`, `survey → core`, `clearline → dialer → core`.
#[test]
fn dependencies_point_one_way() {
    let deps = workspace_deps();
    let internal = |name: &str| -> BTreeSet<String> {
        deps[name].iter().filter(|d| d.starts_with("clearline")).cloned().collect()
    };
    let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(internal("clearline-core"), set(&[]), "core depends on no other crate of ours");
    assert!(internal("clearline-vault").is_subset(&set(&["clearline-core"])));
    assert!(internal("clearline-voterfile").is_subset(&set(&["clearline-core"])));
    assert_eq!(internal("clearline-store"), set(&["clearline-core"]));
    assert_eq!(
        internal("clearline-ingest"),
        set(&["clearline-core", "clearline-store", "clearline-survey", "clearline-vault", "clearline-voterfile"]),
        "ingest reads and decrypts the campaign's data; survey results use the survey crate's pure numerics"
    );
    assert!(internal("clearline-web").is_subset(&set(&[
        "clearline-core",
        "clearline-calling",
        "clearline-store",
        "clearline-ingest",
        "clearline-vault",
        "clearline-voterfile",
    ])));
    assert!(
        internal("clearline-survey").is_subset(&set(&["clearline-core"])),
        "the survey numerics depend on core at most"
    );
    assert_eq!(internal("clearline-dialer"), set(&["clearline-core"]), "the dialer depends on core only (for now)");
    assert_eq!(
        internal("clearline-calling"),
        set(&["clearline-core", "clearline-dialer", "clearline-ingest", "clearline-store"]),
        "the calling service joins the dialer engine to the store; nothing below depends on it"
    );
    assert!(internal("clearline").contains("clearline-web"));
    let known = set(&[
        "clearline-core",
        "clearline-vault",
        "clearline-voterfile",
        "clearline-store",
        "clearline-ingest",
        "clearline-web",
        "clearline-survey",
        "clearline-dialer",
        "clearline-calling",
        "clearline",
    ]);
    for name in deps.keys() {
        assert!(known.contains(name), "a new crate {name}: add it to this test and to ARCHITECTURE.md");
    }
}

#[test]
fn the_domain_crate_does_no_io() {
    let deps = workspace_deps();
    for forbidden in ["tokio", "sqlx", "axum", "reqwest", "hyper", "tracing", "rand", "async-trait", "futures"] {
        assert!(!deps["clearline-core"].contains(forbidden), "clearline-core must not depend on {forbidden}");
    }
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in [
            "std::fs",
            "std::net::TcpStream",
            "std::process",
            "std::env::var",
            "SystemTime::now",
            "Timestamp::now",
            "Zoned::now",
            "async fn",
        ] {
            assert!(
                !text.contains(needle),
                "{} uses {needle}: the domain crate does no I/O and reads no clock",
                file.display()
            );
        }
    }
}

/// The survey numerics are pure functions too: no I/O, no clock, no async (issue 5, ARCHITECTURE.md).
#[test]
fn the_survey_crate_does_no_io() {
    let deps = workspace_deps();
    for forbidden in ["tokio", "sqlx", "axum", "reqwest", "hyper", "tracing", "rand", "async-trait", "futures", "csv"] {
        assert!(!deps["clearline-survey"].contains(forbidden), "clearline-survey must not depend on {forbidden}");
    }
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in
            ["std::fs", "std::net", "std::process", "std::env", "std::io", "SystemTime", "Instant::now", "async fn"]
        {
            assert!(!text.contains(needle), "{} uses {needle}: the survey crate is pure numerics", file.display());
        }
    }
}

/// The dialer engine runs in simulated time: no clock, no network, no async, no files.
#[test]
fn the_dialer_does_no_io_and_reads_no_clock() {
    let deps = workspace_deps();
    for forbidden in ["tokio", "sqlx", "axum", "reqwest", "hyper", "async-trait", "futures"] {
        assert!(!deps["clearline-dialer"].contains(forbidden), "clearline-dialer must not depend on {forbidden}");
    }
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../dialer/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in [
            "std::fs",
            "std::net",
            "std::process",
            "std::env::var",
            "SystemTime",
            "Instant::now",
            "Timestamp::now",
            "async fn",
            "thread::sleep",
        ] {
            assert!(!text.contains(needle), "{} uses {needle}: the dialer takes time as input", file.display());
        }
    }
}

#[test]
fn no_sql_outside_the_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in ["core", "vault", "voterfile", "ingest", "survey", "web", "dialer", "clearline"] {
        let deps = workspace_deps();
        let name = if krate == "clearline" { "clearline".to_string() } else { format!("clearline-{krate}") };
        assert!(!deps[&name].contains("sqlx"), "{name} must not depend on sqlx: SQL lives in clearline-store");
        for file in rust_files(&root.join(krate).join("src")) {
            let text = std::fs::read_to_string(&file).unwrap();
            for needle in ["sqlx::", "SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"] {
                assert!(
                    !text.contains(needle),
                    "{} contains {needle:?}: SQL belongs in clearline-store",
                    file.display()
                );
            }
        }
    }
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
