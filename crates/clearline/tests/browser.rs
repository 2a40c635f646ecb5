//! Browser end-to-end tests: the real `clearline demo` server driven through headless Chromium.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: apt-get install chromium
//! chromium-driver); without them each test prints a skip notice, except under CI=true where it fails.

mod support;

use fantoccini::Locator;
use std::time::Duration;
use support::{
    a_weekday_afternoon, browser_available, http_sign_in, screenshot_dir, totp_code, Browser, ServerProcess,
};

const CAMPAIGN_NAME: &str = "Friends of Jordan Rivera";
/// How long a page may take to come back after a form.
const WAIT: Duration = Duration::from_secs(10);

/// An XPath for a row of the audit table whose Action column (the 4th) is exactly `action`.
fn audit_row(action: &str) -> String {
    format!("//table[@id='audit-table']/tbody/tr[td[4][normalize-space()='{action}']]")
}

/// Fills and submits the sign-in form on /login.
async fn sign_in_with_password(browser: &Browser, server: &ServerProcess, email: &str, password: &str) {
    browser.goto(&server.url("/login")).await;
    browser.wait_for_css("form[action='/login'] #email").await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
}

async fn submit(browser: &Browser, form_action: &str) {
    browser.click(&format!("form[action='{form_action}'] button[type='submit']")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_signs_in_with_totp_and_reads_the_audit_log() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let owner = server.user("owner", "demo").clone();
    let secret = owner.totp_secret.clone().expect("the demo owner has a TOTP secret");
    let browser = Browser::start().await;
    let shots = screenshot_dir();

    // Email and password.
    sign_in_with_password(&browser, &server, &owner.email, &owner.password).await;
    browser.screenshot(shots.join("login.png")).await;
    submit(&browser, "/login").await;

    // The second factor.
    browser.wait_for_path("/login/second-factor").await;
    browser.wait_for_css("form[action='/login/second-factor'] #code").await;
    browser.screenshot(shots.join("second-factor.png")).await;
    browser.fill("#code", &totp_code(&secret)).await;
    submit(&browser, "/login/second-factor").await;

    // The start page names the campaign.
    browser.wait_for_path("/").await;
    let heading = browser.wait_for_css("main h1").await;
    assert_eq!(heading.text().await.expect("the heading"), CAMPAIGN_NAME);
    browser.screenshot(shots.join("home.png")).await;

    // The audit log shows this sign-in.
    browser.goto(&server.url("/audit")).await;
    browser.wait_for_css("#audit-table").await;
    let wait = Duration::from_secs(10);
    browser.wait_for(Locator::XPath(&audit_row("session.sign_in")), wait).await;
    browser.wait_for(Locator::XPath(&audit_row("session.second_factor")), wait).await;
    assert!(
        browser.client().find(Locator::XPath(&audit_row("session.sign_in_failed"))).await.is_err(),
        "no sign-in has failed yet"
    );

    // A failed API sign-in elsewhere appears on the open page without a reload.
    browser.wait_for_css("#audit-table[data-live-ready='true']").await;
    // `data-live-ready` is set when the EventSource has opened (and so the server has subscribed it).
    let marker: String = "not reloaded".into();
    browser
        .client()
        .execute("window.__e2eMarker = arguments[0]; return null;", vec![serde_json::json!(marker)])
        .await
        .expect("mark the window");
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({ "email": owner.email, "password": "not-the-password" }))
        .send()
        .await
        .expect("POST /api/v1/session");
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    browser.wait_for(Locator::XPath(&audit_row("session.sign_in_failed")), Duration::from_secs(5)).await;
    let still = browser.client().execute("return window.__e2eMarker || null;", vec![]).await.expect("read the marker");
    assert_eq!(still, serde_json::json!(marker), "the audit page was reloaded");
    assert_eq!(browser.path().await, "/audit");
    browser.screenshot(shots.join("audit-log.png")).await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_is_refused_campaign_pages() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let agent = server.user("agent", "granite-calls").clone();
    assert!(agent.totp_secret.is_none(), "agents sign in without TOTP");
    let browser = Browser::start().await;

    sign_in_with_password(&browser, &server, &agent.email, &agent.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/desk").await;
    let heading = browser.wait_for_css("main h1").await;
    assert_eq!(heading.text().await.expect("the heading"), "Agent desk");

    for path in ["/audit", "/users", "/programs", "/programs/gotv-general"] {
        browser.goto(&server.url(path)).await;
        let heading = browser.wait_for_css("main h1").await;
        assert_eq!(heading.text().await.expect("the heading"), "Not allowed", "{path} must refuse an agent");
        let source = browser.source().await;
        assert!(!source.contains(CAMPAIGN_NAME), "{path} leaked the campaign's name to an agent");
        assert!(
            browser.client().find(Locator::Css("#audit-table")).await.is_err(),
            "{path} showed the audit table to an agent"
        );
        assert!(!source.contains("@demo.clearline.test"), "{path} leaked campaign users to an agent");
    }

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_manager_uploads_a_voter_file_and_follows_the_import() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let user = server.user("data_manager", "demo").clone();
    let browser = Browser::start().await;
    let shots = screenshot_dir();
    // A fresh file next to the server's data: 1,500 Ohio rows (quoted CSV, one column per election).
    let file = server.data_dir().join("ohio-upload.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearline"))
        .args(["gen", "voters", "--layout", "oh", "--rows", "1500", "--seed", "9", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());

    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/voters")).await;
    browser.wait_for_css("#file").await;
    let before = browser.body_text().await;
    assert!(before.contains("people in this campaign's voter file"), "{before}");
    browser.screenshot(shots.join("voters.png")).await;
    browser.client().find(Locator::Css("#layout option[value='oh']")).await.unwrap().click().await.unwrap();
    browser.client().find(Locator::Css("#file")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    browser.click("form[enctype='multipart/form-data'] button[type='submit']").await;
    // The job page refreshes itself until the batch has committed.
    browser.wait_for(Locator::Css("#import-state[data-state='done']"), Duration::from_secs(60)).await;
    let report = browser.wait_for_css("#import-report").await.text().await.unwrap();
    assert!(report.contains("Rows read\n1500") || report.contains("Rows read 1500"), "{report}");
    browser.screenshot(shots.join("import-done.png")).await;

    // The voters page lists the batch, and counts a universe over it.
    browser.goto(&server.url("/voters")).await;
    browser.wait_for_css("#filter").await;
    let page = browser.body_text().await;
    assert!(page.contains("oh"), "the Ohio batch is listed: {page}");
    browser.fill("#filter", r#"{"op":"in","field":"source_state","values":["OH"]}"#).await;
    browser.click("form[action='/voters/count'] button[type='submit']").await;
    let counted = browser.wait_for_css("#universe-count").await.text().await.unwrap();
    let n: u64 = counted.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n > 1400 && n <= 1500, "{counted}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn program_manager_reads_the_demo_programs_call_list_and_rebuilds_it() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let user = server.user("program_manager", "demo").clone();
    let browser = Browser::start().await;
    let shots = screenshot_dir();
    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/programs")).await;
    browser.wait_for_css("#slug").await;
    browser.screenshot(shots.join("programs.png")).await;
    browser.assert_accessible("the program editor (Programs)").await;
    browser.click("a[href='/programs/gotv-general']").await;
    let list = browser.wait_for_css("#call-list").await.text().await.unwrap();
    assert!(list.contains("people from the universe"), "{list}");
    assert!(list.contains("preview call"), "the demo's unknown-line numbers are preview calls: {list}");
    let script = browser.wait_for_css("#program-script").await.text().await.unwrap();
    assert_eq!(script, "Callers read gotv-reminder v1 (en).");
    // The demo seeds an approved GOTV script and attaches it: nothing stands in the way.
    let body = browser.body_text().await;
    assert!(body.contains("Nothing: it can start."), "{body}");
    assert!(!body.contains("no approved script"), "{body}");
    browser.screenshot(shots.join("program.png")).await;
    browser.assert_accessible("a program's page").await;
    browser.submit_and_wait("form[action='/programs/gotv-general/build-list'] button[type='submit']").await;
    let rebuilt = browser.wait_for_css("#call-list").await.text().await.unwrap();
    assert_eq!(rebuilt.lines().next(), list.lines().next(), "the same universe gives the same list");
    // Start it: running, with a pause button and (no bots under this test) no call yet; then pause it.
    browser.submit_and_wait("form[action='/programs/gotv-general/start'] button[type='submit']").await;
    browser.wait_for_css("form[action='/programs/gotv-general/pause']").await;
    let calling = browser.wait_for_css("#calling").await.text().await.unwrap();
    assert!(calling.contains("No call placed yet."), "{calling}");
    assert!(browser.body_text().await.contains("running"));
    browser.submit_and_wait("form[action='/programs/gotv-general/pause'] button[type='submit']").await;
    browser.wait_for_css("form[action='/programs/gotv-general/start']").await;
    assert!(browser.body_text().await.contains("paused"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_author_rewords_the_demo_script_and_the_approver_approves_it_after_reading_the_diff() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let author = server.user("program_manager", "demo").clone();
    let approver = server.user("script_approver", "demo").clone();
    let browser = Browser::start().await;
    let shots = screenshot_dir();
    sign_in_with_password(&browser, &server, &author.email, &author.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/scripts")).await;
    let list = browser.wait_for_css("#scripts").await.text().await.unwrap();
    assert!(list.contains("v1 en approved"), "the demo seeds an approved GOTV script: {list}");
    browser.screenshot(shots.join("scripts.png")).await;
    browser.click("a[href='/scripts/gotv-reminder']").await;
    // The form starts from the newest text; the author changes one line and saves a new draft.
    let text = browser.wait_for_css("#body").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(text.contains("Every vote counts."), "{text}");
    browser.fill("#body", &text.replace("Every vote counts.", "Your vote is your voice.")).await;
    // A preview first: the steps and the change, nothing saved.
    browser.click("button[value='preview']").await;
    let preview = browser.wait_for_css("#script-preview").await.text().await.unwrap();
    assert!(preview.contains("No problems") && preview.contains("Your vote is your voice."), "{preview}");
    // The preview follows the text as it is typed (app.js): a broken branch shows its problem without
    // a click, the fixed text clears it; then the walk takes the unsaved text one answer at a time.
    let good = browser.wait_for_css("#body").await.prop("value").await.unwrap().unwrap_or_default();
    browser.fill("#body", &good.replace("-> done", "-> nowhere")).await;
    browser.wait_for(Locator::XPath("//ul[@id='preview-problems']/li[contains(., 'nowhere')]"), WAIT).await;
    browser.fill("#body", &good).await;
    browser.wait_for(Locator::XPath("//section[@id='script-preview']//p[contains(., 'No problems')]"), WAIT).await;
    browser.submit_and_wait("#walk-it").await;
    let question = browser.wait_for_css("#preview-question-text").await.text().await.unwrap();
    assert!(question.contains("Do you have a plan to vote"), "{question}");
    browser.assert_accessible("walking an unsaved script").await;
    browser.click("#answer-yes").await;
    browser.submit_and_wait("#preview-next").await;
    let note = browser.wait_for_css("#preview-randomized").await.text().await.unwrap();
    assert!(note.contains("Order randomized per call"), "{note}");
    browser.assert_accessible("a randomized question of an unsaved script's walk").await;
    // Back to the editor: the same change, saved as a new draft.
    browser.goto(&server.url("/scripts/gotv-reminder")).await;
    browser.fill("#body", &good).await;
    browser.click("button[value='save']").await;
    browser.wait_for_path("/scripts/gotv-reminder/versions/2").await;
    let diff = browser.wait_for_css("#script-diff").await.text().await.unwrap();
    assert!(diff.contains("Every vote counts.") && diff.contains("Your vote is your voice."), "{diff}");
    let changed =
        browser.client().find_all(Locator::Css("#script-diff tr.removed, #script-diff tr.added")).await.unwrap();
    assert_eq!(changed.len(), 2, "one line out, one line in: {diff}");
    submit(&browser, "/scripts/gotv-reminder/versions/2/submit").await;
    // The same path reloads: wait for the new status, not for the old page's element.
    browser.wait_for(Locator::XPath("//dd[@id='version-status'][normalize-space()='submitted']"), WAIT).await;
    submit(&browser, "/logout").await;
    browser.wait_for_path("/login").await;

    sign_in_with_password(&browser, &server, &approver.email, &approver.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/scripts/gotv-reminder/versions/2")).await;
    let steps = browser.wait_for_css("#script-steps").await.text().await.unwrap();
    assert!(steps.contains("disclose identification (CR-48), purpose (CR-48), recording (CR-28)"), "{steps}");
    browser.screenshot(shots.join("script-version.png")).await;
    submit(&browser, "/scripts/gotv-reminder/versions/2/approve").await;
    browser.wait_for(Locator::XPath("//dd[@id='version-status'][normalize-space()='approved']"), WAIT).await;
    browser.close().await;
}

/// The program page follows the calling live: a simulated run placed by another process on the same
/// PostgreSQL (signals cross processes there) shows on the open page without a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_page_shows_calls_as_they_are_placed() {
    if !browser_available() || !clearline_store::testing::postgres_available().await {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("live_calls");
    let env = [("CLEARLINE_POSTGRES_SCHEMA", schema.as_str())];
    let server = ServerProcess::start_node(Some(&url), &env, true).await;
    let user = server.user("program_manager", "demo").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/programs/gotv-general")).await;
    browser.submit_and_wait("form[action='/programs/gotv-general/start'] button[type='submit']").await;
    browser.wait_for_css("#calling[data-live-ready='true']").await;
    let summary = browser.wait_for_css("#calls-summary").await.text().await.unwrap();
    assert_eq!(summary, "No call placed yet.");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_clearline"))
        .arg("--data-dir")
        .arg(server.data_dir())
        .arg("--database-url")
        .arg(&url)
        .args(["--as", &user.email, "--json", "program", "simulate", "gotv-general", "--agents", "2"])
        .args(["--minutes", "5", "--start", "2026-10-20T14:00:00Z"])
        .env("CLEARLINE_POSTGRES_SCHEMA", &schema)
        .env_remove("CLEARLINE_MASTER_KEY")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let expected = format!("{} attempts (0 in progress)", report["attempts_opened"]);
    // No reload: the stream says attempts changed, the page fetches the counts.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = browser.wait_for_css("#calls-summary").await.text().await.unwrap();
        if now.starts_with(&expected) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the page still says {now:?}, expected {expected:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let table = browser.wait_for_css("#calls-by-vendor").await.text().await.unwrap();
    assert!(table.contains("granite-calls") && table.contains("lakeshore-contact"), "{table}");
    browser.close().await;
}

/// A compliance officer (who may not read personal data) asks why a demo voter is not called at night:
/// the page names the calling-hours rule and the next callable instant, and shows no number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compliance_officer_asks_why_a_voter_is_not_called_now() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let user = server.user("compliance_officer", "demo").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/why']").await;
    browser.wait_for_css("#voter_id").await;
    // The first voter of the demo's generated file (seed 2026), on gotv-general's list with a phone.
    browser.fill("#voter_id", "ZQ732552").await;
    browser.fill("#at", "2026-10-20T22:30:00-04:00").await;
    browser.submit_and_wait("form[action='/why'] button[type='submit']").await;
    let answer = browser.wait_for_css("#why-answer").await.text().await.unwrap();
    assert!(answer.contains("ZQ732552 in gotv-general"), "{answer}");
    let verdict = browser.wait_for_css("#why-verdict").await.text().await.unwrap();
    assert_eq!(verdict, "deny");
    let rules = browser.wait_for_css("#why-rules").await.text().await.unwrap();
    assert!(rules.contains("CR-45"), "22:30 is past 21:00 local: {rules}");
    // The demo program is a draft: nobody is called until it starts, and the policy says when the
    // dial would be allowed again.
    assert!(answer.contains("Program not running"), "{answer}");
    let next = browser.wait_for_css("#why-policy-next").await.text().await.unwrap();
    assert!(next.starts_with("2026-10-21T"), "the next morning: {next}");
    let body = browser.body_text().await;
    assert!(!body.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)), "no number on the page");
    browser.screenshot(screenshot_dir().join("why.png")).await;
    browser.assert_accessible("Why not now?").await;
    browser.close().await;
}

/// A program manager builds a universe on the Universes page: the count follows the typing without a
/// page load (app.js), and agrees with the count the form gets without script; changing a row's field
/// re-renders the row's inputs; the saved demo universes are listed and one opens in the builder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_manager_builds_a_universe_with_a_live_count() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let user = server.user("program_manager", "demo").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/universes']").await;
    let saved = browser.wait_for_css("#saved-universes").await.text().await.unwrap();
    assert!(saved.contains("Democrats and unaffiliated") && saved.contains("Registered voters"), "{saved}");

    // Typing the values counts them live: the same page, a count, and the JSON beside it.
    let page = browser.client().find(Locator::Css("html")).await.unwrap();
    browser.fill("#row-0-values", "DEM").await;
    let deadline = std::time::Instant::now() + WAIT;
    let live = loop {
        let text = browser.wait_for_css("#universe-count").await.text().await.unwrap();
        if text.ends_with("households match.") {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "no live count: {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(page.tag_name().await.is_ok(), "counted without loading a page");
    let json = browser.client().find(Locator::Css("#universe-filter-json")).await.unwrap();
    assert!(json.html(true).await.unwrap().contains("DEM"), "the JSON follows the rows");
    // The Count button (the page without script) says the same.
    browser.submit_and_wait("#universe-builder button[value='count']").await;
    let counted = browser.wait_for_css("#universe-count").await.text().await.unwrap();
    assert_eq!(counted, live);
    assert!(live.split_whitespace().next().unwrap().parse::<u64>().unwrap() > 0, "{live}");

    // Another condition, then its field changed to an age: the row comes back with from/to inputs.
    browser.submit_and_wait("#universe-builder button[value='add']").await;
    browser.wait_for_css("#row-1-kind").await;
    let old = browser.client().find(Locator::Css("html")).await.unwrap();
    browser.wait_for_css("#row-1-kind option[value='age']").await.click().await.expect("choose age");
    let deadline = std::time::Instant::now() + WAIT;
    while old.tag_name().await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "changing the field did not re-render the row");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!browser.body_text().await.contains("Error:"), "a row given a new field is not an error yet");
    browser.fill("#row-1-min", "18").await;
    browser.fill("#row-1-max", "35").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = browser.wait_for_css("#universe-count").await.text().await.unwrap();
        if text.ends_with("households match.") && text != live {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the age bounds were not counted: {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.fill("#name", "Young Democrats").await;
    browser
        .client()
        .execute("document.getElementById('universe-builder').scrollIntoView();", vec![])
        .await
        .expect("scroll to the builder");
    browser.click("#universe-filter summary").await;
    let json = browser.wait_for_css("#universe-filter-json").await.text().await.unwrap();
    assert!(json.contains("\"op\": \"age\"") && json.contains("\"max\": 35"), "{json}");
    browser.screenshot(screenshot_dir().join("universes.png")).await;
    browser.assert_accessible("the Universes page with two conditions").await;
    browser.submit_and_wait("#universe-builder button[value='save']").await;
    let saved = browser.wait_for_css("#saved-universes").await.text().await.unwrap();
    assert!(saved.contains("Young Democrats"), "{saved}");

    // The demo's universe (one condition alone) opens as one row.
    // The list is in name order: the demo's own universe is first.
    browser.submit_and_wait("form[action='/universes/open'] button[type='submit']").await;
    let notice = browser.wait_for_css("#universe-notice").await.text().await.unwrap();
    assert!(notice.starts_with("Loaded “Democrats and unaffiliated”"), "{notice}");
    browser.close().await;
}

/// The text of the desk's state line, or "" while the page is reloading.
async fn desk_state(browser: &Browser) -> String {
    match browser.client().find(Locator::Css("#desk-state strong")).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Answers the question on the desk: `values` are the option keys to tick, or the text to type. Tries
/// again when the page reloads under it (the person hung up: the screen moved to wrap-up).
async fn answer_question(browser: &Browser, server: &ServerProcess, step: &str, values: &[&str]) {
    for _ in 0..3 {
        browser.goto(&server.url("/desk")).await;
        let form = browser.wait_for_css(&format!("#question input[name='step'][value='{step}']")).await;
        drop(form);
        let mut ok = true;
        for v in values {
            let by_key = format!("#answer-{v}");
            let target = if browser.client().find(Locator::Css(&by_key)).await.is_ok() {
                browser.client().find(Locator::Css(&by_key)).await.unwrap().click().await.is_ok()
            } else if let Ok(field) = browser.client().find(Locator::Css("#answer-number, #answer-text")).await {
                field.send_keys(v).await.is_ok()
            } else {
                false
            };
            ok &= target;
        }
        if ok && browser.client().find(Locator::Css("#record-answer")).await.is_ok() {
            browser.submit_and_wait("#record-answer").await;
            let source = browser.source().await;
            assert!(!source.contains("id=\"desk-error\""), "answering {step}: {}", browser.body_text().await);
            return;
        }
    }
    panic!("could not answer {step}: {}", browser.body_text().await);
}

/// An agent of the US vendor joins the demo survey at the desk, goes ready and takes a simulated call:
/// the record (first name only, no number), the approved script with its questions one by one, the
/// answers, and a disposition before the next call — and the campaign's results export has the call,
/// by that agent, with the answers (the open answer's phone number removed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_takes_a_survey_call_at_the_desk_and_records_the_answers_and_a_disposition() {
    if !browser_available() {
        return;
    }
    let at = a_weekday_afternoon();
    let server =
        ServerProcess::start_calling_demo(&["--bots-per-vendor", "0", "--answer-rate", "0.95", "--calling-at", &at])
            .await;
    let agent = server.user("agent", "granite-calls").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &agent.email, &agent.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/desk").await;
    browser.goto(&server.url("/api/v1/me")).await;
    let me: serde_json::Value = serde_json::from_str(&browser.body_text().await).unwrap();
    let user_id = me["user_id"].to_string();
    browser.goto(&server.url("/desk")).await;

    // Both demo programs call; this vendor works both.
    browser.wait_for_css("#join-gotv-general").await;
    browser.submit_and_wait("#join-survey-likely-voters").await;
    assert!(desk_state(&browser).await.starts_with("Paused"), "a seat starts paused");
    browser.submit_and_wait("#go-ready").await;
    assert!(desk_state(&browser).await.starts_with("Ready"));

    // The dialer connects a call (a landline dialed for the agent), or offers a wireless record to
    // preview and dial by hand (CR-49). The page moves by itself: its stream reloads it.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let state = desk_state(&browser).await;
        if state.starts_with("On a call") || state.starts_with("Wrap-up") {
            break;
        }
        if state.starts_with("Preview") {
            let record = browser.wait_for_css("#call-card").await.text().await.unwrap();
            assert!(record.contains("Next call"), "{record}");
            browser.submit_and_wait("#dial").await;
        }
        assert!(std::time::Instant::now() < deadline, "no call reached the desk; the desk says {state:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let first_name = browser.wait_for_css("#call-first-name").await.text().await.unwrap();
    assert!(!first_name.is_empty() && !first_name.starts_with('('), "the engagement shares first names: {first_name}");
    let opening = browser.wait_for_css("#step-opening").await.text().await.unwrap();
    assert!(opening.contains(&format!("may I speak with {first_name}?")), "{opening}");
    assert!(opening.contains("My name is Alex") && opening.contains(CAMPAIGN_NAME), "merge fields filled: {opening}");
    browser.screenshot(screenshot_dir().join("agent-desk.png")).await;
    browser.assert_accessible("the agent desk on a call").await;
    // The time in the state counts on by itself (the wrap-up timer, too).
    // The page reloads itself when the call moves on (the person hangs up: wrap-up, at 0:00 again), so
    // the timer is read twice on one page: a marker set on the page is still there at the second read.
    let timer = || async { browser.wait_for_css("#desk-timer").await.text().await.unwrap_or_default() };
    let mut moved = false;
    for _ in 0..5 {
        browser.eval("window.timerWatched = true; return true;").await;
        let before = timer().await;
        tokio::time::sleep(Duration::from_millis(2_200)).await;
        let after = timer().await;
        let same_page = browser.eval("return window.timerWatched === true;").await;
        if same_page == true {
            moved = after != before;
            break;
        }
    }
    assert!(moved, "the timer moves on the page by itself");
    let body = browser.body_text().await;
    let digits: Vec<u8> = body.bytes().filter(u8::is_ascii_digit).collect();
    assert!(!body.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)), "no phone number on the desk");
    assert!(!body.contains("+1"), "no E.164 number on the desk ({} digits)", digits.len());

    answer_question(&browser, &server, "consent", &["yes"]).await;
    // The person would rather go on in Spanish: the approved translation, the answers carried over.
    browser.goto(&server.url("/desk")).await;
    browser.submit_and_wait("#language-es").await;
    let language = browser.wait_for_css("#call-language").await.text().await.unwrap();
    assert!(language.starts_with("Language: es."), "{language}");
    let opening = browser.wait_for_css("#step-opening").await.text().await.unwrap();
    assert!(opening.contains(&format!("¿puedo hablar con {first_name}?")), "{opening}");
    let asked = browser.wait_for_css("#question-text").await.text().await.unwrap();
    assert!(asked.starts_with("En una escala del 1 al 10"), "{asked}");
    answer_question(&browser, &server, "likely", &["8"]).await;
    answer_question(&browser, &server, "issues", &["economy", "roads"]).await;
    answer_question(&browser, &server, "direction", &["wrong"]).await;
    answer_question(&browser, &server, "age", &["44"]).await;
    answer_question(&browser, &server, "comments", &["Fix the buses, call me on 919-555-0143"]).await;
    browser.goto(&server.url("/desk")).await;
    let end = browser.wait_for_css("#script-end").await.text().await.unwrap();
    assert!(end.contains("complete"), "{end}");
    // The disposition is required; the script's end is proposed.
    let chosen = browser.wait_for_css("#disposition option[selected]").await.text().await.unwrap();
    assert!(chosen.starts_with("Complete"), "{chosen}");
    browser.fill("#notes", "Wants a yard sign; call back on (919) 555-0199 after 5").await;
    let number = browser.wait_for_css("#finish input[name='call']").await.attr("value").await.unwrap().unwrap();
    browser.submit_and_wait("#finish-call").await;
    let finished = std::time::Instant::now();
    // The campaign's dashboard and the vendor's wallboard have the call within a second of the finish
    // (the desk answers only once the result is committed; both read the store).
    let analyst = server.user("analyst", "demo").clone();
    let supervisor = server.user("supervisor", "granite-calls").clone();
    let ((campaign, _), (boss, _)) = tokio::join!(
        http_sign_in(&server, &analyst.email, &analyst.password),
        http_sign_in(&server, &supervisor.email, &supervisor.password)
    );
    let finished_sign_ins = finished.elapsed();
    let started = std::time::Instant::now();
    let (oversight, floor) = tokio::join!(
        async {
            campaign
                .get(server.url("/api/v1/oversight"))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        },
        async {
            boss.get(server.url("/api/v1/floor")).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
        }
    );
    assert!(started.elapsed() < Duration::from_secs(1), "both read within a second ({finished_sign_ins:?} signing in)");
    let survey = |v: &serde_json::Value| {
        v["programs"].as_array().unwrap().iter().find(|p| p["slug"] == "survey-likely-voters").cloned().unwrap()
    };
    let granite =
        survey(&oversight)["vendors"].as_array().unwrap().iter().find(|v| v["vendor"] == "granite-calls").cloned();
    assert_eq!(granite.map(|v| v["completes"].clone()), Some(serde_json::json!(1)), "{oversight}");
    let board = survey(&floor);
    assert!(board["agents"].as_array().unwrap().iter().any(|a| a["agent"] == "Alex Agent"), "{board}");
    assert!(board["attempts_24h"].as_u64().unwrap() >= 1);
    // The same form again (a double click, the back button, a second tab): refused, whatever call the
    // desk has moved on to — never a second disposition.
    let again = browser
        .client()
        .execute_async(
            &format!(
                "var done = arguments[arguments.length - 1];\
                 var csrf = document.querySelector('input[name=csrf]').value;\
                 fetch('/desk/finish', {{method: 'POST', headers: {{'Content-Type': 'application/x-www-form-urlencoded'}},\
                   body: 'csrf=' + encodeURIComponent(csrf) + '&call={number}&disposition=refused'}})\
                 .then(function (r) {{ return r.text().then(function (t) {{ done([r.status, t]); }}); }});"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(again[0], 422);
    assert!(again[1].as_str().unwrap().contains("that form was for an earlier call"), "{}", again[1]);
    let state = desk_state(&browser).await;
    assert!(state.starts_with("Ready") || state.starts_with("Preview") || state.starts_with("On a call"), "{state}");

    let rows = support::cli::results_rows(server.data_dir(), "data@demo.clearline.test", "survey-likely-voters");
    let mine: Vec<_> = rows.iter().filter(|r| r["agent"] == user_id).collect();
    assert_eq!(mine.len(), 1, "one call by the agent (user {user_id}): {rows:?}");
    let call = mine[0];
    assert_eq!(call["disposition"], "complete");
    assert_eq!(call["first_name"].to_lowercase(), first_name.to_lowercase());
    assert_eq!(call["language"], "es", "the call ended in Spanish");
    assert_eq!(call["answer_consent"], "yes");
    assert_eq!(call["answer_likely"], "8");
    assert_eq!(call["answer_issues"], "economy;roads", "document order");
    assert_eq!(call["answer_age"], "44");
    assert_eq!(call["answer_comments"], "Fix the buses, call me on [number removed]");
    // The campaign can check what the caller did: every step shown, in order, with its times; the
    // note, its number removed.
    let out = support::cli::clearline(
        server.data_dir(),
        &["--as", "data@demo.clearline.test", "--json", "program", "call", "survey-likely-voters", &call["attempt_id"]],
    );
    let record = support::cli::ok_json(out);
    assert_eq!(record["notes"], "Wants a yard sign; call back on [number removed] after 5");
    let steps: Vec<String> = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}:{}", s["language"].as_str().unwrap(), s["step"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            "en:opening",
            "en:consent",
            "en:likely", // the switch: the steps on screen again, in Spanish
            "es:opening",
            "es:consent",
            "es:likely",
            "es:issues",
            "es:direction",
            "es:age",
            "es:comments",
            "es:close",
            "es:done"
        ]
    );
    for s in record["steps"].as_array().unwrap() {
        assert!(s["entered_at_us"].as_i64() <= s["left_at_us"].as_i64(), "entered before left: {s}");
    }
    let analyst = support::cli::clearline(
        server.data_dir(),
        &[
            "--as",
            "analyst@demo.clearline.test",
            "--json",
            "program",
            "call",
            "survey-likely-voters",
            &call["attempt_id"],
        ],
    );
    assert_eq!(support::cli::ok_json(analyst)["notes"], serde_json::Value::Null, "an analyst does not read notes");

    // The offshore vendor's agent sees only the program their vendor works, and cannot join the other.
    browser.submit_and_wait("form[action='/logout'] button[type='submit']").await;
    let offshore = server.user("agent", "lakeshore-contact").clone();
    sign_in_with_password(&browser, &server, &offshore.email, &offshore.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/desk").await;
    browser.wait_for_css("#join-gotv-general").await;
    assert!(browser.client().find(Locator::Css("#join-survey-likely-voters")).await.is_err(), "not their vendor's");
    let forged = browser
        .client()
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             var csrf = document.querySelector('input[name=csrf]').value;\
             fetch('/desk/join', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},\
               body: 'csrf=' + encodeURIComponent(csrf) + '&program=survey-likely-voters'})\
             .then(function (r) { return r.text().then(function (t) { done([r.status, t]); }); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(forged[0], 422, "refused");
    let page = forged[1].as_str().unwrap();
    assert!(page.contains("that program is not calling now"), "{page}");
    assert!(!page.contains("WILLIAM") && !page.contains(&first_name), "nothing of the other vendor's call shown");

    // The campaign's analyst reads the survey's results: the call's answers in the toplines.
    browser.submit_and_wait("form[action='/logout'] button[type='submit']").await;
    let analyst = server.user("analyst", "demo").clone();
    sign_in_with_password(&browser, &server, &analyst.email, &analyst.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/oversight']").await;
    browser.click("#survey-link-survey-likely-voters").await;
    let summary = browser.wait_for_css("#survey-summary").await.text().await.unwrap();
    assert!(summary.contains("1 complete interviews"), "{summary}");
    let consent = browser.wait_for_css("#topline-consent").await.text().await.unwrap();
    assert!(consent.contains("Yes 100.0 % 1"), "{consent}");
    let issues = browser.wait_for_css("#topline-issues").await.text().await.unwrap();
    assert!(issues.contains("Roads and transit 100.0 % 1") && issues.contains("Public schools 0.0 % 0"), "{issues}");
    let age = browser.wait_for_css("#topline-age").await.text().await.unwrap();
    assert!(age.contains("mean 44.00"), "{age}");
    let body = browser.body_text().await;
    assert!(!body.contains("buses"), "open answers stay in the export, not on the page");
    browser.screenshot(screenshot_dir().join("survey-results.png")).await;
    browser.assert_accessible("the survey results page").await;
    // With the form, broken down by party and weighted to the call list's gender margins: the crosstab
    // (one column, the respondent's party, n = 1), and the weights — or, as one respondent cannot meet
    // a population of several genders, the reason they cannot be made.
    let by = browser.wait_for_css("#survey-by").await;
    by.select_by_value("party").await.unwrap();
    browser.click("#survey-view input[name='weight'][value='gender']").await;
    browser.submit_and_wait("#survey-view button[type='submit']").await;
    let crosstab = browser.wait_for_css("#crosstab-consent").await.text().await.unwrap();
    assert!(crosstab.contains("(n = 1)") && crosstab.contains("Yes 100.0 %"), "{crosstab}");
    let summary = browser.wait_for_css("#survey-summary").await.text().await.unwrap();
    let body = browser.body_text().await;
    assert!(
        summary.contains("Weighted to the call list's population") || body.contains("These targets cannot be met"),
        "{body}"
    );
    assert!(!body.contains("buses"), "open answers stay off the page in every view");
    browser.assert_accessible("the survey results page by party, weighted").await;
    // A bad trimming cap is said on the page, naming the field; the disclosure statement closes the page.
    browser.fill("#survey-cap", "1").await;
    browser.submit_and_wait("#survey-view button[type='submit']").await;
    let refused = browser.wait_for_css("#survey-refused").await.text().await.unwrap();
    assert!(refused.contains("Trim weights at: the trimming cap must be a number above 1"), "{refused}");
    let disclosure = browser.wait_for_css("#survey-disclosure").await.text().await.unwrap();
    assert!(
        disclosure.contains("Sponsor: Friends of Jordan Rivera") && disclosure.contains("## Weighting"),
        "{disclosure}"
    );
    browser.assert_accessible("the survey results page with a refused cap and its disclosure").await;
    browser.close().await;
}

/// The supervisor of the US vendor keeps the wallboard open while bots call and an agent of theirs
/// joins the survey and goes ready: the agent's row appears, with their state, without the supervisor
/// touching the page (the stream reloads it); the other vendor's agents never show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_an_agent_go_ready_on_the_wallboard_within_a_second_or_two() {
    if !browser_available() {
        return;
    }
    let at = a_weekday_afternoon();
    let server =
        ServerProcess::start_calling_demo(&["--bots-per-vendor", "1", "--answer-rate", "0.5", "--calling-at", &at])
            .await;
    let supervisor = server.user("supervisor", "granite-calls").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &supervisor.email, &supervisor.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/wallboard']").await;
    browser.wait_for_css("#board-survey-likely-voters").await;
    browser.wait_for_css("#board-gotv-general").await;
    browser.wait_for_css("#wallboard[data-live-ready='true']").await;
    let seats = browser.wait_for_css("#seats-survey-likely-voters").await.text().await.unwrap();
    assert!(seats.contains("bot-granite-calls-1"), "the vendor's bot is on the floor: {seats}");
    assert!(!seats.contains("Alex Agent"), "the agent has not joined yet: {seats}");
    let gotv = browser.wait_for_css("#seats-gotv-general").await.text().await.unwrap();
    assert!(!gotv.contains("lakeshore"), "another vendor's agents never show: {gotv}");

    let agent = server.user("agent", "granite-calls").clone();
    let (client, csrf) = http_sign_in(&server, &agent.email, &agent.password).await;
    for (path, form) in [("/desk/join", vec![("program", "survey-likely-voters")]), ("/desk/ready", vec![])] {
        let mut form: Vec<(&str, &str)> = form;
        form.push(("csrf", &csrf));
        let r = client.post(server.url(path)).form(&form).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    let joined = std::time::Instant::now();
    let deadline = joined + Duration::from_secs(5);
    let row = loop {
        let text = match browser.client().find(Locator::Css("#seats-survey-likely-voters")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if let Some(line) = text.lines().find(|l| l.contains("Alex Agent")) {
            break line.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "the agent never showed on the wallboard: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        ["ready", "on call", "wrap up"].iter().any(|s| row.contains(s)),
        "the agent's state is shown in words: {row}"
    );
    eprintln!("the agent showed on the wallboard {:?} after going ready", joined.elapsed());
    let attempts = browser.wait_for_css("#attempts-survey-likely-voters").await.text().await.unwrap();
    assert!(attempts.parse::<u64>().unwrap() > 0, "the bot's calls are counted: {attempts}");
    browser.screenshot(screenshot_dir().join("wallboard.png")).await;
    browser.assert_accessible("the wallboard").await;
    // The check itself finds what it should: an image without a text alternative is critical.
    browser
        .client()
        .execute("document.querySelector('main').appendChild(document.createElement('img'));", vec![])
        .await
        .unwrap();
    if let Some(found) = browser.accessibility_violations().await {
        assert!(found.iter().any(|v| v.starts_with("image-alt (critical)")), "{found:?}");
    }
    browser.close().await;
}

/// The total attempts in the oversight page's vendor table of `program`, or None while it reloads.
async fn oversight_attempts(browser: &Browser, program: &str) -> Option<u64> {
    let table = browser.client().find(Locator::Css(&format!("#vendors-{program} tbody"))).await.ok()?;
    let text = table.text().await.ok()?;
    Some(text.lines().filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()).sum())
}

/// An analyst keeps Oversight open while the bots call: the vendors' counts grow on the page by
/// themselves (the stream reloads it), the hourly chart is drawn with its numbers, and axe-core finds
/// no serious or critical problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_watches_the_vendors_calls_add_up_on_oversight() {
    if !browser_available() {
        return;
    }
    let at = a_weekday_afternoon();
    let server =
        ServerProcess::start_calling_demo(&["--bots-per-vendor", "2", "--answer-rate", "0.5", "--calling-at", &at])
            .await;
    let analyst = server.user("analyst", "demo").clone();
    let browser = Browser::start().await;
    sign_in_with_password(&browser, &server, &analyst.email, &analyst.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/oversight']").await;
    browser.wait_for_css("#oversight[data-live-ready='true']").await;
    browser.wait_for_css("#oversight-gotv-general svg[role='img']").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let first = loop {
        if let Some(n) = oversight_attempts(&browser, "gotv-general").await.filter(|n| *n > 0) {
            break n;
        }
        assert!(std::time::Instant::now() < deadline, "no call showed: {}", browser.body_text().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    loop {
        if oversight_attempts(&browser, "gotv-general").await.is_some_and(|n| n > first) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the counts never moved past {first}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let vendors = browser.wait_for_css("#vendors-gotv-general").await.text().await.unwrap();
    assert!(vendors.contains("granite-calls") && vendors.contains("lakeshore-contact"), "side by side: {vendors}");
    browser.screenshot(screenshot_dir().join("oversight.png")).await;
    browser.assert_accessible("Oversight").await;
    browser.close().await;
}

/// The desk state line's words, from a desk page's HTML.
fn desk_state_of(page: &str) -> String {
    page.split("id=\"desk-state\"")
        .nth(1)
        .and_then(|r| r.split("<strong>").nth(1))
        .and_then(|r| r.split('<').next())
        .unwrap_or("")
        .to_string()
}

/// The call number a desk page's forms carry (the first card's).
fn card_number(page: &str) -> String {
    page.split("name=\"call\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_string()
}

/// A vendor's agent at the desk over plain HTTP: their signed-in client and CSRF token.
struct HttpDesk<'a> {
    server: &'a ServerProcess,
    client: reqwest::Client,
    csrf: String,
}

impl<'a> HttpDesk<'a> {
    async fn agent_of(server: &'a ServerProcess, vendor: &str) -> HttpDesk<'a> {
        let agent = server.user("agent", vendor).clone();
        let (client, csrf) = http_sign_in(server, &agent.email, &agent.password).await;
        HttpDesk { server, client, csrf }
    }

    /// A desk form posted with the token.
    async fn post(&self, path: &str, extra: Vec<(&'static str, String)>) -> reqwest::Response {
        let mut form = extra;
        form.push(("csrf", self.csrf.clone()));
        self.client.post(self.server.url(path)).form(&form).send().await.unwrap()
    }

    /// Joins `program`, goes ready and dials the previews offered until the desk page satisfies
    /// `arrived` (within two minutes); returns that page.
    async fn take_a_call(&self, program: &str, arrived: impl Fn(&str) -> bool) -> String {
        assert!(self.post("/desk/join", vec![("program", program.into())]).await.status().is_success());
        assert!(self.post("/desk/ready", vec![]).await.status().is_success());
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            let page = self.client.get(self.server.url("/desk")).send().await.unwrap().text().await.unwrap();
            if arrived(&page) {
                return page;
            }
            let state = desk_state_of(&page);
            if state.starts_with("Preview") {
                self.post("/desk/dial", vec![("call", card_number(&page))]).await;
            }
            assert!(std::time::Instant::now() < deadline, "the call looked for never reached the desk: {state}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// An agent's browser goes away in the middle of a call (no page, no stream): after the grace the call
/// is ended for them as a technical problem — recorded, retried later, nothing lost silently — and their
/// seat is paused as `disconnected`, which the supervisor's wallboard shows. (HTTP only: no browser.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_whose_desk_closes_mid_call_is_paused_and_the_call_recorded_as_a_technical_problem() {
    let at = a_weekday_afternoon();
    let server = ServerProcess::start_calling_demo(&[
        "--bots-per-vendor",
        "0",
        "--answer-rate",
        "0.95",
        "--calling-at",
        &at,
        "--desk-disconnect-seconds",
        "2",
    ])
    .await;
    let desk = HttpDesk::agent_of(&server, "granite-calls").await;
    desk.take_a_call("survey-likely-voters", |page| desk_state_of(page).starts_with("On a call")).await;
    let client = &desk.client;
    // The browser is gone: nothing more from this desk. The run looks every 5 s.
    let me: serde_json::Value = client.get(server.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let user_id = me["user_id"].to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let call = loop {
        let rows = support::cli::results_rows(server.data_dir(), "data@demo.clearline.test", "survey-likely-voters");
        if let Some(row) = rows.into_iter().find(|r| r["agent"] == user_id) {
            break row;
        }
        assert!(std::time::Instant::now() < deadline, "the abandoned desk's call was never recorded");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(call["disposition"], "technical_problem", "{call:?}");
    let supervisor = server.user("supervisor", "granite-calls").clone();
    let (boss, _) = http_sign_in(&server, &supervisor.email, &supervisor.password).await;
    let board: serde_json::Value = boss.get(server.url("/api/v1/floor")).send().await.unwrap().json().await.unwrap();
    let seat = board["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "survey-likely-voters")
        .and_then(|p| p["agents"].as_array().unwrap().iter().find(|a| a["agent"] == "Alex Agent").cloned())
        .expect("the agent is on the board");
    assert_eq!((seat["state"].as_str(), seat["reason"].as_str()), (Some("paused"), Some("disconnected")), "{seat}");
}

/// The program manager pauses the survey while an agent sits at its desk, then starts it again: the
/// desk says the program is not calling, and once it calls again the agent is seated again (paused,
/// to go ready when they are) without joining by hand. (HTTP only: no browser.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_closed_by_a_pause_is_taken_again_when_the_program_calls_again() {
    let at = a_weekday_afternoon();
    let server = ServerProcess::start_calling_demo(&["--bots-per-vendor", "0", "--calling-at", &at]).await;
    let agent = server.user("agent", "granite-calls").clone();
    let (desk, desk_csrf) = http_sign_in(&server, &agent.email, &agent.password).await;
    let form = [("program", "survey-likely-voters"), ("csrf", desk_csrf.as_str())];
    assert!(desk.post(server.url("/desk/join")).form(&form).send().await.unwrap().status().is_success());
    let state = || async { desk_state_of(&desk.get(server.url("/desk")).send().await.unwrap().text().await.unwrap()) };
    assert!(state().await.starts_with("Paused"));

    let manager = server.user("program_manager", "demo").clone();
    let (pm, pm_csrf) = http_sign_in(&server, &manager.email, &manager.password).await;
    let post = |path: &str| pm.post(server.url(path)).form(&[("csrf", pm_csrf.as_str())]).send();
    assert!(post("/programs/survey-likely-voters/pause").await.unwrap().status().is_success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = desk.get(server.url("/desk")).send().await.unwrap().text().await.unwrap();
        if page.contains("id=\"desk-closed\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the desk never said the program stopped: {}",
            desk_state_of(&page)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(post("/programs/survey-likely-voters/start").await.unwrap().status().is_success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = state().await;
        if now.starts_with("Paused") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the seat was not taken again: {now:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let form = [("csrf", desk_csrf.as_str())];
    assert!(desk.post(server.url("/desk/ready")).form(&form).send().await.unwrap().status().is_success());
    assert!(!state().await.starts_with("Paused"), "ready again on the new run");
}

/// The campaign adds its own codes while the survey calls; the desk offers the active ones beside the
/// base codes. An unknown or retired code is refused (422) and nothing is recorded; a custom code mapped
/// onto `refused` is recorded with base `refused` beside it, and the entry is finished: not dialed
/// again. (HTTP only: no browser.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_code_picked_at_the_desk_is_recorded_beside_its_base_and_a_refusal_is_not_redialed() {
    let at = a_weekday_afternoon();
    let server =
        ServerProcess::start_calling_demo(&["--bots-per-vendor", "0", "--answer-rate", "0.95", "--calling-at", &at])
            .await;
    const PM: &str = "programs@demo.clearline.test";
    const PROGRAM: &str = "survey-likely-voters";
    let cli = |args: &[&str]| {
        let mut all = vec!["--as", PM];
        all.extend_from_slice(args);
        let out = support::cli::clearline(server.data_dir(), &all);
        assert!(out.status.success(), "{args:?}: {}", support::cli::stderr(&out));
        support::cli::stdout(&out)
    };
    let add = |code: &'static str, label: &'static str, base: &'static str| {
        ["dispositions", "add", "--campaign", "demo", code, "--label", label, "--base", base]
    };
    cli(&add("hostile_refusal", "Hostile refusal", "refused"));
    cli(&add("call_after_six", "Call after 6 pm", "callback_requested"));
    cli(&["dispositions", "retire", "--campaign", "demo", "call_after_six"]);

    let desk = HttpDesk::agent_of(&server, "granite-calls").await;
    // On a call, with the campaign's codes offered (the run reads them again every few seconds).
    let page = desk
        .take_a_call(PROGRAM, |page| {
            let state = desk_state_of(page);
            (state.starts_with("On a call") || state.starts_with("Wrap-up"))
                && page.contains("id=\"dispositions-custom\"")
        })
        .await;
    let client = &desk.client;
    let offered = page.split("id=\"dispositions-custom\"").nth(1).and_then(|r| r.split("</optgroup>").next()).unwrap();
    assert!(offered.contains("value=\"hostile_refusal\">Hostile refusal<"), "{offered}");
    assert!(!page.contains("call_after_six"), "a retired code is not offered");
    assert!(!offered.contains("refused<"), "the agent reads the label, not the base it means: {offered}");
    let call = card_number(&page);

    let me: serde_json::Value = client.get(server.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let user_id = me["user_id"].to_string();
    let results = || support::cli::results_rows(server.data_dir(), PM, PROGRAM);
    for code in ["no_such_code", "call_after_six"] {
        let refused = desk.post("/desk/finish", vec![("call", call.clone()), ("disposition", code.into())]).await;
        assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        let body = refused.text().await.unwrap();
        assert!(body.contains("not one of this program") && body.contains("id=\"desk-error\""), "{code}: {body}");
    }
    assert!(results().iter().all(|r| r["agent"] != user_id), "a refused code records nothing");

    let done = desk.post("/desk/finish", vec![("call", call.clone()), ("disposition", "hostile_refusal".into())]).await;
    assert!(done.status().is_success(), "{}", done.status());
    let row =
        results().into_iter().find(|r| r["agent"] == user_id).expect("the call is recorded before the desk moves on");
    assert_eq!(
        (row["disposition"].as_str(), row["custom_disposition"].as_str()),
        ("refused", "hostile_refusal"),
        "{row:?}"
    );
    assert_eq!(row["aapor_code"], "2.11", "counted as the refusal it is");
    let shown = cli(&["program", "call", PROGRAM, &row["attempt_id"]]);
    assert!(shown.contains("refused (custom code hostile_refusal)"), "{shown}");
    // The entry is finished with the base code: the dialer never hands the person out again.
    let why = cli(&["program", "why", PROGRAM, "--voter", &row["voter_id"]]);
    assert!(why.contains("closed with `refused`") && why.contains("not dialed again"), "{why}");
    // The campaign's views name the custom code with the base it is counted as.
    let calls = cli(&["program", "calls", PROGRAM]);
    assert!(calls.contains("hostile_refusal (custom code, counted as refused above)"), "{calls}");
    let manager = server.user("program_manager", "demo").clone();
    let (pm, _) = http_sign_in(&server, &manager.email, &manager.password).await;
    let page = pm.get(server.url(&format!("/programs/{PROGRAM}"))).send().await.unwrap().text().await.unwrap();
    let table = page.split("id=\"calls-by-custom-disposition\"").nth(1).and_then(|r| r.split("</table>").next());
    let table = table.expect("the program page lists the custom codes recorded");
    assert!(table.contains("<td>hostile_refusal</td><td>refused</td><td>1</td>"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_manager_maps_a_vendors_columns_and_imports_the_file_with_the_mapping() {
    if !browser_available() {
        return;
    }
    let server = ServerProcess::start().await;
    let user = server.user("data_manager", "demo").clone();
    let browser = Browser::start().await;
    // A vendor's own file: semicolons, quotes, its own header names, a notes column.
    let file = server.data_dir().join("vendor.csv");
    std::fs::write(
        &file,
        "Voter Key;Given;Family;Mobile;Affiliation;Notes\n\
         \"VK-1\";\"Ada\";\"Lovelace\";\"(919) 555-0101\";\"DEM\";\"likes tea\"\n\
         \"VK-2\";\"Bob\";\"Quixotic\";\"919-555-0102\";\"REP\";\"\"\n",
    )
    .unwrap();
    sign_in_with_password(&browser, &server, &user.email, &user.password).await;
    submit(&browser, "/login").await;
    browser.wait_for_path("/").await;
    browser.goto(&server.url("/voters")).await;
    browser.click("a[href='/voters/mappings']").await;
    browser.wait_for_css("#mapping-start").await;

    // The sample's header becomes one row per column, a field chosen where the header names one.
    browser.fill("#start-name", "vendor-x").await;
    browser.client().find(Locator::Css("#sample")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    browser.click("#start-delimiter option[value=';']").await;
    browser.submit_and_wait("#mapping-start button[type='submit']").await;
    browser.wait_for_css("#mapping-editor").await;
    let columns = browser.wait_for_css("#mapping-columns").await.text().await.unwrap();
    assert!(columns.contains("Voter Key") && columns.contains("Notes"), "{columns}");
    assert!(!browser.source().await.contains("Lovelace"), "the sample's people are not on the page");
    for (column, field) in [(0, "voter_id"), (1, "first_name"), (2, "last_name"), (3, "cell_phone"), (4, "party")] {
        browser.click(&format!("#col-{column}-field option[value='{field}']")).await;
    }
    browser.screenshot(screenshot_dir().join("mappings.png")).await;
    browser.assert_accessible("the column-mapping editor").await;
    browser.submit_and_wait("#mapping-editor button[type='submit']").await;
    let saved = browser.wait_for_css("#saved-mappings").await.text().await.unwrap();
    assert!(saved.contains("mapping:vendor-x"), "{saved}");
    browser.assert_accessible("the saved column mappings").await;

    // The import form lists it as a layout; the file imports through it.
    browser.goto(&server.url("/voters")).await;
    browser.click("#layout option[value='mapping:vendor-x']").await;
    browser.client().find(Locator::Css("#file")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    browser.click("form[enctype='multipart/form-data'] button[type='submit']").await;
    browser.wait_for(Locator::Css("#import-state[data-state='done']"), Duration::from_secs(60)).await;
    let report = browser.wait_for_css("#import-report").await.text().await.unwrap();
    assert!(report.contains("Rows read\n2") || report.contains("Rows read 2"), "{report}");
    assert!(report.contains("Inserted\n2") || report.contains("Inserted 2"), "{report}");
    browser.close().await;
}
