//! `clearline serve` as an operator meets it: security headers, metrics, logs free of secrets and
//! personal data, and a graceful stop on SIGTERM.

mod support;

use serde_json::json;
use std::time::Duration;
use support::ServerProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_metrics_clean_logs_and_graceful_shutdown() {
    let mut server = ServerProcess::start().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let login = client.get(server.url("/login")).send().await.unwrap();
    let h = login.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!h["content-security-policy"].to_str().unwrap().contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");

    // A successful and a failed sign-in, with values that must never reach the log.
    let user = server.user("analyst", "demo").clone();
    let ok = client
        .post(server.url("/api/v1/session"))
        .json(&json!({"email": user.email, "password": user.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let token =
        ok.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().split('=').nth(1).unwrap().to_string();
    let bad = client
        .post(server.url("/api/v1/session?note=private"))
        .json(&json!({"email": "someone.private@example.org", "password": "my secret guess 123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);

    let metrics = client.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("clearline_http_requests_total")
            && l.contains("route=\"/api/v1/session\"")
            && l.contains("status=\"401\"")),
        "metrics count requests by route template and status:\n{metrics}"
    );
    assert!(client.get(server.url("/readyz")).send().await.unwrap().status().is_success());

    let status = server.terminate(Duration::from_secs(10)).expect("clearline stops within 10 s of SIGTERM");
    assert!(status.success(), "a graceful stop exits 0, got {status}");
    let log = server.log();
    assert!(log.contains("shutting down"), "the stop is logged:\n{log}");
    for secret in ["my secret guess 123", "someone.private@example.org", token.as_str(), "note=private"] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
    // The demo prints its users' credentials once, for the person starting it; signing in adds nothing.
    assert_eq!(log.matches(user.password.as_str()).count(), 1, "{log}");
    assert_eq!(log.matches(user.email.as_str()).count(), 1, "{log}");
}
