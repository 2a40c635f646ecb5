//! Shared harness for the end-to-end tests: the real `clearline` binary ([`ServerProcess`]), a
//! headless Chromium driven over WebDriver ([`Browser`]), TOTP codes and small polling helpers.
//!
//! Use it from a test file with `mod support;`. Not every test file uses every helper.
#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod server;

#[allow(unused_imports)]
pub use browser::{browser_available, Browser};
#[allow(unused_imports)]
pub use server::{DemoCredential, ServerProcess};

use std::future::Future;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port that was free a moment ago on 127.0.0.1 (bind to port 0, read it, let it go).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// The current 6-digit code of a base32 TOTP secret (SHA-1, 30-second step), as Clearline checks it.
pub fn totp_code(secret_base32: &str) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().expect("the TOTP secret is base32");
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some("Clearline".to_string()), "e2e".to_string())
        .expect("a valid TOTP configuration")
        .generate_current()
        .expect("the system clock is after 1970")
}

/// Polls `check` every 100 ms until it yields `Some`, panicking with `what` after `timeout`.
pub async fn poll_until<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where browser tests save their screenshots: `docs/screenshots` at the workspace root.
pub fn screenshot_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screenshots"))
}

/// Signs `email` in over HTTP (beside a browser's person, or with no browser at all), returning the client and the
/// session's CSRF token read from their start page.
pub async fn http_sign_in(server: &ServerProcess, email: &str, password: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let mut form = vec![("email", email.to_string()), ("password", password.to_string())];
    if let Some(csrf) = login.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()) {
        form.push(("csrf", csrf.to_string()));
    }
    let r = client.post(server.url("/login")).form(&form).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // Every signed-in page carries the token (in the sign-out form); agents land on the desk.
    let desk = client.get(server.url("/")).send().await.unwrap().text().await.unwrap();
    let csrf = desk.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a CSRF token");
    (client, csrf.to_string())
}

/// The next Wednesday at least two days on, 18:00 UTC (early afternoon in the demo's North Carolina
/// voters' zone, inside the demo engagements' dates and the programs' calling hours).
pub fn a_weekday_afternoon() -> String {
    let mut day =
        jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(jiff::Span::new().days(2)).unwrap();
    while day.weekday() != jiff::civil::Weekday::Wednesday {
        day = day.tomorrow().unwrap();
    }
    format!("{day}T18:00:00Z")
}
