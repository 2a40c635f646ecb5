//! `clearline bench pages --quick --json`, the form CI runs: the seeded campaign has its people and
//! calls, every role's pages answered (an error page fails the benchmark), and each figure is the
//! server's own time read from its `Server-Timing` header, which the client's clock includes.

use serde_json::Value;
use std::process::Command;

#[test]
fn bench_pages_quick_measures_every_page_on_a_seeded_campaign() {
    let out = Command::new(env!("CARGO_BIN_EXE_clearline"))
        .args(["--json", "bench", "pages", "--quick"])
        .env_remove("CLEARLINE_MASTER_KEY")
        .env_remove("CLEARLINE_DATABASE_URL")
        .output()
        .expect("clearline runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let figures: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(figures["people"], 20_000);
    assert!(figures["attempts_stored"].as_u64().unwrap() >= 2_000, "{figures}");
    assert_eq!(figures["goal_p99_ms"], 100.0);
    // The demo's saved universes were counted (a fresh campaign: none was current) before the pages.
    assert!(figures["universes"].as_u64().unwrap() > 0, "{figures}");
    assert_eq!(figures["universes_recounted"], figures["universes"], "{figures}");
    assert!(figures["universes_count_seconds"].as_f64().unwrap() > 0.0, "{figures}");
    let pages = figures["pages"].as_array().unwrap();
    let measured: Vec<(&str, &str)> =
        pages.iter().map(|p| (p["role"].as_str().unwrap(), p["path"].as_str().unwrap())).collect();
    for expected in [
        ("data", "/voters"),
        ("programs", "/programs/gotv-general"),
        ("programs", "/oversight"),
        ("analyst", "/programs/survey-likely-voters/survey"),
        ("supervisor", "/wallboard"),
        ("agent", "/desk"),
        // Roles with a second factor sign in with their current code.
        ("owner", "/users"),
        ("admin", "/sites"),
    ] {
        assert!(measured.contains(&expected), "{expected:?} was not measured: {measured:?}");
    }
    let mut slowest: f64 = 0.0;
    for p in pages {
        let f = |k: &str| p[k].as_f64().unwrap_or_else(|| panic!("{k} in {p}"));
        assert_eq!(p["requests"], 20, "{p}");
        assert!(p["response_bytes"].as_u64().unwrap() > 0, "{p}");
        assert!(f("server_p50_ms") > 0.0, "{p}");
        assert!(f("server_p50_ms") <= f("server_p95_ms") && f("server_p95_ms") <= f("server_p99_ms"), "{p}");
        assert!(f("server_p99_ms") <= f("server_max_ms"), "{p}");
        // The client's clock covers the server's time and the loopback round trip.
        assert!(f("client_p99_ms") >= f("server_p50_ms"), "{p}");
        assert_eq!(p["goal_met"], f("server_p99_ms") < 100.0, "{p}");
        slowest = slowest.max(f("server_p99_ms"));
    }
    assert_eq!(figures["slowest_p99_ms"].as_f64().unwrap(), slowest);
}
