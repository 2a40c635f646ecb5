//! [`Browser`]: headless Chromium driven through a private `chromedriver`, with a fresh profile.

use super::free_port;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to answer, and how long a page element may take to appear.
const START_TIMEOUT: Duration = Duration::from_secs(30);
pub const ELEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether browser tests can run here. Without Chromium and chromedriver a test should print the
/// skip notice and return; on CI (`CI=true`) a missing browser is a failure instead.
#[must_use]
pub fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER].into_iter().filter(|p| !Path::new(p).exists()).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but {missing:?} missing: apt-get install chromium chromium-driver");
    }
    println!("SKIPPED: chromium/chromedriver not installed (apt-get install chromium chromium-driver)");
    false
}

/// A chromedriver process and one WebDriver session in headless Chromium. Close it with
/// [`Browser::close`]; dropping it also ends the session and kills chromedriver.
pub struct Browser {
    client: Client,
    driver: Child,
    driver_port: u16,
    session_id: Option<String>,
    closed: bool,
    driver_log: PathBuf,
    // Dropped last: Chromium's profile outlives Chromium.
    profile_dir: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    pub async fn start() -> Browser {
        let profile_dir = tempfile::tempdir().expect("a temporary Chromium profile");
        let driver_log = profile_dir.path().join("chromedriver.log");
        let log = File::create(&driver_log).expect("create the chromedriver log");
        let driver_port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={driver_port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .expect("start chromedriver");
        let webdriver = format!("http://127.0.0.1:{driver_port}");
        if let Err(e) = wait_for_driver(&mut driver, &webdriver).await {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("{e}; chromedriver output:\n{}", std::fs::read_to_string(&driver_log).unwrap_or_default());
        }

        let user_data_dir = profile_dir.path().join("profile");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=1366,768".into(),
            format!("--user-data-dir={}", user_data_dir.display()),
        ];
        let mut capabilities = fantoccini::wd::Capabilities::new();
        capabilities.insert("goog:chromeOptions".to_string(), serde_json::json!({ "args": args, "binary": CHROMIUM }));
        let connected = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await;
        let client = match connected {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "could not open a Chromium session: {e}; chromedriver output:\n{}",
                    std::fs::read_to_string(&driver_log).unwrap_or_default()
                );
            }
        };
        let session_id = client.session_id().await.ok().flatten();
        Browser { client, driver, driver_port, session_id, closed: false, driver_log, profile_dir }
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The path of the current page's URL.
    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("the current URL").path().to_string()
    }

    /// Waits until the current page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + ELEMENT_TIMEOUT;
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            if Instant::now() >= deadline {
                panic!("expected to reach {path} within {ELEMENT_TIMEOUT:?}; still on {now}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to [`ELEMENT_TIMEOUT`]) for an element matching a CSS selector.
    pub async fn wait_for_css(&self, css: &str) -> Element {
        self.wait_for(Locator::Css(css), ELEMENT_TIMEOUT).await
    }

    /// Waits up to `timeout` for an element.
    pub async fn wait_for(&self, locator: Locator<'_>, timeout: Duration) -> Element {
        let what = format!("{locator:?}");
        match self.client.wait().at_most(timeout).every(Duration::from_millis(100)).for_element(locator).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                let text = self.body_text().await;
                panic!("no element {what} within {timeout:?} ({e}) on {path}; the page says:\n{text}")
            }
        }
    }

    /// Clears the field matching `css` and types `value` into it.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.wait_for_css(css).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.wait_for_css(css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Clicks the submit button matching `css` and waits for the page the form leads to: the old
    /// document's root goes stale (a post that redirects to the same path changes no path to wait on).
    pub async fn submit_and_wait(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.expect("a page is open");
        self.click(css).await;
        let deadline = Instant::now() + ELEMENT_TIMEOUT;
        while old.tag_name().await.is_ok() {
            if Instant::now() >= deadline {
                panic!("submitting {css} loaded no new page within {ELEMENT_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the page's body.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The page's HTML as the browser currently has it.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("the page source")
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating its directory.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self.client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    /// Runs a script on the current page and returns its value (`null` when it fails).
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap_or_default()
    }

    /// A live page (wallboard, oversight) reloads itself as calls are placed, and a reload in the middle
    /// of a scan cuts it off: the page's reloads are held (`data-live-paused`, which app.js honours),
    /// and a reload already under way is waited out (the marker set on this page is then gone).
    async fn hold_live_reloads(&self) {
        let hold = "if (!document.querySelector('[data-live-reload]')) { return 'static'; } \
                    document.querySelectorAll('[data-live-reload]').forEach(function (b) { b.setAttribute('data-live-paused', 'true'); }); \
                    window.clearlineHeld = true; return 'held';";
        for _ in 0..10 {
            let held = self.client.execute(hold, vec![]).await.expect("the page runs scripts");
            if held == "static" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
            let still = self.client.execute("return window.clearlineHeld === true;", vec![]).await.unwrap_or_default();
            if still == true {
                return;
            }
        }
        panic!("the live page kept reloading: its reloads could not be held for the accessibility scan");
    }

    /// Runs axe-core (tools/axe, from npm) on the current page and returns its serious and critical
    /// violations, one line each (rule, impact, help, the first elements). `None` when axe-core is not
    /// installed (`npm ci --prefix tools/axe`) outside CI; under CI=true that fails instead.
    pub async fn accessibility_violations(&self) -> Option<Vec<String>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/axe/node_modules/axe-core/axe.min.js");
        let Ok(source) = std::fs::read_to_string(&path) else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but axe-core is missing at {}: npm ci --prefix tools/axe", path.display());
            }
            println!("SKIPPED: axe-core not installed (npm ci --prefix tools/axe)");
            return None;
        };
        self.hold_live_reloads().await;
        self.client.execute(&source, vec![]).await.expect("axe-core loads into the page");
        let found = self
            .client
            .execute_async(
                "var done = arguments[arguments.length - 1];\
                 axe.run(document, {resultTypes: ['violations']}).then(function (r) {\
                   done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })\
                     .map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help + ' — ' +\
                       v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(', '); }));\
                 }, function (e) { done(['axe failed: ' + e]); });",
                vec![],
            )
            .await
            .expect("axe-core runs");
        Some(found.as_array().expect("a list").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
    }

    /// Asserts axe-core finds no serious or critical violation on the current page (`what` names it).
    pub async fn assert_accessible(&self, what: &str) {
        if let Some(violations) = self.accessibility_violations().await {
            assert!(violations.is_empty(), "axe-core on {what}:\n{}", violations.join("\n"));
        }
    }

    /// What chromedriver has logged so far.
    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(&self.driver_log).unwrap_or_default()
    }

    /// Ends the WebDriver session (closing Chromium); chromedriver goes when this is dropped.
    pub async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.closed = true;
        }
    }
}

/// Polls chromedriver's /status until it says it is ready.
async fn wait_for_driver(driver: &mut Child, webdriver: &str) -> Result<(), String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("an HTTP client");
    let url = format!("{webdriver}/status");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("chromedriver exited with {status}"));
        }
        if let Ok(r) = client.get(&url).send().await {
            if let Ok(v) = r.json::<serde_json::Value>().await {
                if v["value"]["ready"] == serde_json::Value::Bool(true) {
                    return Ok(());
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(format!("chromedriver not ready at {url} within {START_TIMEOUT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A blocking `DELETE /session/<id>` to chromedriver, so Chromium exits even when a test panicked
/// before [`Browser::close`] (Drop cannot await).
fn delete_session_blocking(port: u16, session_id: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "DELETE /session/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            if let Some(id) = &self.session_id {
                delete_session_blocking(self.driver_port, id);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if std::thread::panicking() {
            eprintln!("---- chromedriver output ----\n{}", self.driver_log());
        }
        // Keep the profile path alive until here.
        let _ = self.profile_dir.path();
    }
}
