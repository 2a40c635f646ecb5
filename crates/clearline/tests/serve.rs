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

/// `clearline keys rotate` replaces the master key while the server runs; the server's next import
/// picks the new key up from the key file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_keep_working_across_a_master_key_rotation_while_serving() {
    let server = ServerProcess::start().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let user = server.user("data_manager", "demo").clone();
    let res = client
        .post(server.url("/api/v1/session"))
        .json(&json!({"email": user.email, "password": user.password}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = res.json::<serde_json::Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_string();
    let upload = |seed: u64| {
        let mut file = Vec::new();
        clearline_voterfile::generate(&clearline_voterfile::Layout::Wa, 200, seed, &mut file).unwrap();
        let form = reqwest::multipart::Form::new()
            .text("layout", "wa")
            .part("file", reqwest::multipart::Part::bytes(file).file_name("wa.txt"));
        client
            .post(server.url("/api/v1/imports"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .multipart(form)
            .send()
    };
    let finish = |job: String| {
        let client = client.clone();
        let cookie = cookie.clone();
        let url = server.url(&format!("/api/v1/imports/{job}"));
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            loop {
                let s: serde_json::Value =
                    client.get(&url).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
                if s["state"] != "running" {
                    return s;
                }
                assert!(std::time::Instant::now() < deadline);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let job: serde_json::Value = upload(1).await.unwrap().json().await.unwrap();
    assert_eq!(finish(job["job_id"].as_str().unwrap().to_string()).await["state"], "done");

    let rotate = std::process::Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(server.data_dir())
        .args(["keys", "rotate"])
        .env_remove("CLEARLINE_MASTER_KEY")
        .output()
        .unwrap();
    assert!(rotate.status.success(), "{}", String::from_utf8_lossy(&rotate.stderr));

    let job: serde_json::Value = upload(2).await.unwrap().json().await.unwrap();
    let status = finish(job["job_id"].as_str().unwrap().to_string()).await;
    assert_eq!(status["state"], "done", "{status}");
}
