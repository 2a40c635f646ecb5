//! The first screens, used as people use them: plain HTML forms with the session's CSRF token.

mod support;

use support::TestApp;

both_backends!(
    admin_forms_change_what_they_say_and_report_bad_input,
    script_pages_show_steps_and_the_diff_and_let_another_person_approve,
    scripts_and_versions_are_written_from_forms_and_refused_forms_say_why,
    the_universe_builder_counts_what_the_store_counts_saves_and_samples,
    universe_pages_refuse_roles_without_targeting_and_name_the_field_of_a_bad_value,
    saved_universes_are_renamed_and_deleted_from_the_list_unless_something_uses_them,
    saved_universe_counts_are_counted_again_after_an_import_and_never_shown_stale_as_current,
    a_mapping_is_built_from_a_sample_header_saved_and_imports_from_the_voters_form,
    a_bad_mapping_is_refused_naming_the_field_and_nothing_is_saved,
    the_builders_rows_are_sampled_unsaved_or_saved_as_the_store_samples_their_filter,
    a_script_preview_walks_the_branches_the_answers_choose,
    audio_pages_play_the_recording_list_its_problems_and_let_another_person_approve
);

async fn form(app: &TestApp, who: &(String, String), path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf", &who.1));
    let res = TestApp::client()
        .post(app.url(path))
        .header("cookie", &who.0)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&pairs).unwrap())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn page(app: &TestApp, who: &(String, String), path: &str) -> String {
    let res = TestApp::client().get(app.url(path)).header("cookie", &who.0).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap()
}

async fn admin_forms_change_what_they_say_and_report_bad_input(app: TestApp) {
    let owner = app.session("owner").await;
    // Legal profile.
    let fields = [
        ("committee_legal_name", "Friends of Form"),
        ("fec_committee_id", "C00999999"),
        ("paid_for_by", "Paid for by Friends of Form"),
        ("callback_number", "+12025550123"),
        ("candidates", "Pat Form\n"),
        ("elections", "primary 2026-03-03\ngeneral 2026-11-03"),
        ("state_registrations", "VA PAC-1"),
        ("calling_states", "va, nc"),
    ];
    let (status, body) = form(&app, &owner, "/organization/profile", &fields).await;
    assert_eq!(status, 200);
    assert!(body.contains("Profile saved."));
    let profile = app
        .store
        .campaign_profile(&clearline_core::Actor::User(
            app.store
                .session(&clearline_web::auth::token_hash(owner.0.split('=').nth(1).unwrap()), "t")
                .await
                .unwrap()
                .unwrap()
                .principal,
        ))
        .await
        .unwrap();
    assert_eq!(profile.committee_legal_name, "Friends of Form");
    assert_eq!(profile.elections.len(), 2);
    assert_eq!(profile.calling_states.iter().map(|s| s.as_str()).collect::<Vec<_>>(), vec!["VA", "NC"]);
    let mut bad = fields;
    bad[5] = ("elections", "general 3 November");
    let (status, body) = form(&app, &owner, "/organization/profile", &bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("line 1: the date must look like 2026-11-03"), "{body}");
    let mut bad = fields;
    bad[3] = ("callback_number", "555-0123");
    let (status, body) = form(&app, &owner, "/organization/profile", &bad).await;
    assert_eq!(status, 422);
    assert!(body.contains("callback_number"));

    // Engage a vendor, then end it.
    let (status, _) = form(
        &app,
        &owner,
        "/engagements",
        &[
            ("vendor", "vend"),
            ("starts_on", "2026-01-01"),
            ("ends_on", "2026-12-31"),
            ("visible_fields", "first_name, language"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let list = page(&app, &owner, "/engagements").await;
    assert!(list.contains("first_name, language"));
    let (status, body) = form(
        &app,
        &owner,
        "/engagements",
        &[("vendor", "nobody"), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31"), ("visible_fields", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("no vendor has this slug"));

    // A vendor admin adds a site and invites an agent to it.
    let va = app.session("vendor_admin").await;
    let (status, body) = form(
        &app,
        &va,
        "/sites",
        &[("name", "Cebu"), ("country", "PH"), ("networks", "203.0.113.0/24\nnot-a-network")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("line 2: not a CIDR network"), "{body}");
    let (status, _) =
        form(&app, &va, "/sites", &[("name", "Cebu"), ("country", "PH"), ("networks", "203.0.113.0/24")]).await;
    assert_eq!(status, 303);
    assert!(page(&app, &va, "/sites").await.contains("203.0.113.0/24"));
    let site = app.site.0.to_string();
    let (status, body) = form(
        &app,
        &va,
        "/users/invite",
        &[
            ("email", "new.agent@floor.test"),
            ("display_name", "New Agent"),
            ("role", "agent"),
            ("site_id", &site),
            ("foreign_national", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("invite-code"), "the code is shown once");
    let (status, body) = form(
        &app,
        &va,
        "/users/invite",
        &[("email", "x@floor.test"), ("display_name", "X"), ("role", "owner"), ("site_id", &site)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("vendor organization has no owner role"), "{body}");

    // An admin sets a user's password; the user's sessions end.
    let analyst = app.session("analyst").await;
    let id = app.users["analyst"].0.to_string();
    let (status, body) = form(&app, &owner, &format!("/users/{id}/reset-password"), &[("password", "short")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("at least 12 characters"));
    let (status, _) =
        form(&app, &owner, &format!("/users/{id}/reset-password"), &[("password", "a fresh long password")]).await;
    assert_eq!(status, 200);
    let res = TestApp::client().get(app.url("/api/v1/me")).header("cookie", &analyst.0).send().await.unwrap();
    assert_eq!(res.status(), 401, "a password reset ends the user's sessions");

    // The operator adds a vendor.
    let op = app.session("operator").await;
    let (status, _) = form(&app, &op, "/organizations", &[("name", "Third Vendor"), ("slug", "third")]).await;
    assert_eq!(status, 303);
    assert!(page(&app, &op, "/organizations").await.contains("Third Vendor"));
    let (status, body) = form(&app, &op, "/organizations", &[("name", "Again"), ("slug", "third")]).await;
    assert_eq!(status, 409);
    assert!(body.contains("slug is already taken"));
}

const SCRIPT_V1: &str = "title: Reminder
step opening: disclose identification purpose
| Hi, this is {caller.first_name} with {campaign.legal_name}, reminding you to vote.
-> plan
step plan: ask single
| Will you vote?
option yes: Yes
option no: No
randomize
if plan is no -> bye
-> paid
step paid: disclose paid_for_by
| {campaign.paid_for_by}.
-> done
step bye: say
| Thanks anyway.
-> declined
step done: end complete
step declined: end refused
";

async fn script_pages_show_steps_and_the_diff_and_let_another_person_approve(app: TestApp) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::script::{ScriptFacts, VersionStatus};
    use clearline_core::validate::{Email, Slug};
    use clearline_store::NewVersion;
    let actor = |who: &str| {
        let store = app.store.clone();
        let email = Email::parse(&support::email_for(who)).unwrap();
        async move { clearline_core::Actor::User(store.cli_principal(&email).await.unwrap()) }
    };
    let author = actor("program_manager").await;
    let facts = ScriptFacts::new(Purpose::Gotv, DialMode::Predictive);
    app.store.create_script(&author, &Slug::parse("reminder").unwrap(), "Reminder", &facts).await.unwrap();
    let new = |body: String| NewVersion { body, language: "en".into(), translation_of: None };
    app.store.add_script_version(&author, "reminder", &new(SCRIPT_V1.into())).await.unwrap();
    let v2 = SCRIPT_V1.replace("| Thanks anyway.", "| Thank you for your time.");
    app.store.add_script_version(&author, "reminder", &new(v2)).await.unwrap();

    let pm = app.session("program_manager").await;
    let list = page(&app, &pm, "/scripts").await;
    assert!(list.contains("href=\"/scripts/reminder\"") && list.contains("v2 en draft"), "{list}");
    // The author sees the steps, the diff against v1 and a submit button, no approve button.
    let body = page(&app, &pm, "/scripts/reminder/versions/2").await;
    assert!(body.contains("id=\"step-plan\"") && body.contains("options in random order"), "{body}");
    assert!(body.contains("if plan is no → bye"), "{body}");
    assert!(body.contains("end: complete (AAPOR 1.1)"), "{body}");
    assert!(body.contains("<tr class=\"removed\">") && body.contains("| Thanks anyway."), "{body}");
    assert!(body.contains("<tr class=\"added\">") && body.contains("| Thank you for your time."), "{body}");
    assert_eq!(body.matches("<tr class=\"removed\">").count(), 1, "one line changed");
    // Unchanged lines far from the change fold into one row; the two around it stay.
    assert!(body.contains("unchanged lines"), "{body}");
    assert!(!body.contains("<code>title: Reminder</code>"), "the title is far from the change: {body}");
    assert!(body.contains("<code>step bye: say</code>"), "the line before the change is context: {body}");
    assert!(body.contains("/versions/2/submit") && !body.contains("/versions/2/approve"), "{body}");
    let (status, _) = form(&app, &pm, "/scripts/reminder/versions/2/submit", &[]).await;
    assert_eq!(status, 303);

    // The approver sees the approve and reject forms; a reject without a reason is refused on the page.
    let approver = app.session("script_approver").await;
    let body = page(&app, &approver, "/scripts/reminder/versions/2").await;
    assert!(body.contains("/versions/2/approve") && body.contains("/versions/2/reject"), "{body}");
    let (status, body) = form(&app, &approver, "/scripts/reminder/versions/2/reject", &[("reason", " ")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("reason: say why"), "{body}");
    let (status, _) = form(&app, &approver, "/scripts/reminder/versions/2/approve", &[]).await;
    assert_eq!(status, 303);
    let approved = app.store.script_version(&author, "reminder", 2).await.unwrap();
    assert_eq!(approved.status, VersionStatus::Approved);
    let body = page(&app, &approver, "/scripts/reminder/versions/2").await;
    assert!(body.contains("id=\"version-status\">approved<"), "{body}");
    assert!(!body.contains("/versions/2/approve"), "a decided version offers no decision: {body}");

    // The program page attaches an approved version checked for its purpose and dial mode.
    let pm_actor = actor("program_manager").await;
    let everyone = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    app.store.save_universe(&pm_actor, "everyone", &everyone).await.unwrap();
    let mut settings = clearline_core::program::ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "everyone");
    app.store.create_program(&pm_actor, &Slug::parse("gotv").unwrap(), "GOTV", &settings).await.unwrap();
    // Recorded (the default), the script is not offered: it was not checked for the notice (CR-28).
    let body = page(&app, &pm, "/programs/gotv").await;
    assert!(body.contains("No approved script fits this program"), "{body}");
    settings.recorded = false;
    app.store.update_program(&pm_actor, "gotv", &settings).await.unwrap();
    let body = page(&app, &pm, "/programs/gotv").await;
    assert!(body.contains("No script attached.") && body.contains("value=\"reminder:2\""), "{body}");
    assert!(!body.contains("value=\"reminder:1\""), "a draft is not offered: {body}");
    let (status, body) = form(&app, &pm, "/programs/gotv/attach-script", &[("version", "reminder:1")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("only an approved version"), "{body}");
    let (status, _) = form(&app, &pm, "/programs/gotv/attach-script", &[("version", "reminder:2")]).await;
    assert_eq!(status, 303);
    let body = page(&app, &pm, "/programs/gotv").await;
    assert!(body.contains("Callers read reminder v2 (en)."), "{body}");
    assert!(!body.contains("no approved script"), "{body}");

    // A predictive program plays the safe-harbor message (CR-46): the page lists it among the
    // blockers and attaches an approved recording of that kind only.
    use clearline_core::audio::{tone_wav, AudioKind};
    assert!(body.contains("Plays safe_harbor (CR-46)") && body.contains("No audio attached."), "{body}");
    assert!(body.contains("no approved safe_harbor message is attached (CR-46)"), "{body}");
    let approver_actor = actor("script_approver").await;
    let transcript = "This is Friends of Test. To stop these calls, press 9. To reach us, call 919-555-0100.";
    for (slug, kind) in [("missed-you", AudioKind::SafeHarbor), ("robocall", AudioKind::PrerecordedMessage)] {
        app.store.create_audio_message(&author, &Slug::parse(slug).unwrap(), slug, kind).await.unwrap();
        app.store.add_audio_version(&author, slug, &tone_wav(500, 440), transcript).await.unwrap();
        app.store.submit_audio_version(&author, slug, 1).await.unwrap();
        app.store.approve_audio_version(&approver_actor, slug, 1).await.unwrap();
    }
    let body = page(&app, &pm, "/programs/gotv").await;
    assert!(body.contains("value=\"missed-you:1\"") && !body.contains("value=\"robocall:1\""), "{body}");
    let (status, body) = form(&app, &pm, "/programs/gotv/attach-audio", &[("version", "robocall:1")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("not a prerecorded_message message"), "{body}");
    let (status, _) = form(&app, &pm, "/programs/gotv/attach-audio", &[("version", "missed-you:1")]).await;
    assert_eq!(status, 303);
    let body = page(&app, &pm, "/programs/gotv").await;
    assert!(body.contains("safe_harbor: missed-you v1"), "{body}");
    assert!(!body.contains("no approved safe_harbor message"), "{body}");

    // Another campaign sees nothing.
    let other = app.session("other_owner").await;
    let res =
        TestApp::client().get(app.url("/scripts/reminder/versions/2")).header("cookie", &other.0).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

async fn scripts_and_versions_are_written_from_forms_and_refused_forms_say_why(app: TestApp) {
    let pm = app.session("program_manager").await;
    let fields = |slug: &'static str, language: &'static str, body: &'static str| {
        vec![
            ("slug", slug),
            ("name", "Reminder"),
            ("purpose", "gotv"),
            ("dial_mode", "predictive"),
            ("expected_calls", "2000"),
            ("language", language),
            ("body", body),
        ]
    };
    // A bad language refuses the form and leaves no script behind.
    let (status, body) = form(&app, &pm, "/scripts", &fields("reminder", "English", SCRIPT_V1)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("id=\"script-form-problems\"") && body.contains("language: a language tag"), "{body}");
    assert!(body.contains("Hi, this is {caller.first_name}"), "the text typed comes back: {body}");
    let (status, _) = form(&app, &pm, "/scripts", &fields("reminder", "en", SCRIPT_V1)).await;
    assert_eq!(status, 303);
    // The script page offers the newest text for the next version; a new version is a new draft.
    let page_body = page(&app, &pm, "/scripts/reminder").await;
    assert!(
        page_body.contains("action=\"/scripts/reminder/versions\"") && page_body.contains("| Will you vote?"),
        "{page_body}"
    );
    let broken = SCRIPT_V1.replace("-> done", "-> nowhere");
    // A preview shows what validation finds and saves nothing.
    let preview = [("language", "en"), ("body", broken.as_str()), ("action", "preview")];
    let (status, body) = form(&app, &pm, "/scripts/reminder/versions", &preview).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("id=\"preview-problems\"") && body.contains("step paid: goes to step nowhere"), "{body}");
    assert!(
        body.contains("<tr class=\"added\">") && body.contains("<code>-&#62; nowhere</code>"),
        "the diff against v1: {body}"
    );
    let page_after = page(&app, &pm, "/scripts/reminder").await;
    assert!(!page_after.contains("/scripts/reminder/versions/2\""), "nothing was saved: {page_after}");
    let (status, _) = form(&app, &pm, "/scripts/reminder/versions", &[("language", "en"), ("body", &broken)]).await;
    assert_eq!(status, 303);
    let version = page(&app, &pm, "/scripts/reminder/versions/2").await;
    assert!(
        version.contains("id=\"script-problems\"") && version.contains("step paid: goes to step nowhere"),
        "{version}"
    );
    // Submitting it is refused on the page, naming the step.
    let (status, body) = form(&app, &pm, "/scripts/reminder/versions/2/submit", &[]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("cannot be submitted: step paid"), "{body}");
    let (status, body) = form(
        &app,
        &pm,
        "/scripts/reminder/versions",
        &[("language", "es"), ("translation_of", "x"), ("body", SCRIPT_V1)],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("translation_of: a version number"), "{body}");
}

/// Imports a generated NC file of `rows` people for the test campaign, through the API as a data manager.
async fn import_voters(app: &TestApp, rows: u64, seed: u64) {
    let auth = app.session("data_manager").await;
    let mut file = Vec::new();
    clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, rows, seed, &mut file).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("layout", "nc")
        .part("file", reqwest::multipart::Part::bytes(file).file_name("voters.txt"));
    let res = TestApp::client()
        .post(app.url("/api/v1/imports"))
        .header("cookie", &auth.0)
        .header("x-csrf-token", &auth.1)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let job: serde_json::Value = res.json().await.unwrap();
    wait_for_import(app, &auth, job["job_id"].as_str().unwrap()).await;
}

/// Follows an import job until it is done (failing the test if it failed or took a minute): its report.
async fn wait_for_import(app: &TestApp, auth: &(String, String), job: &str) -> serde_json::Value {
    let path = format!("/api/v1/imports/{job}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let res = TestApp::client().get(app.url(&path)).header("cookie", &auth.0).send().await.unwrap();
        let status: serde_json::Value = res.json().await.unwrap();
        if status["state"] != "running" {
            assert_eq!(status["state"], "done", "{status}");
            return status["report"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "the import did not finish: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn actor_for(app: &TestApp, who: &str) -> clearline_core::Actor {
    let email = clearline_core::validate::Email::parse(&support::email_for(who)).unwrap();
    clearline_core::Actor::User(app.store.cli_principal(&email).await.unwrap())
}

/// What askama escaped in a page, back to text.
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).unwrap_or_else(|| panic!("{start:?} not in {body}")) + start.len();
    &body[from..from + body[from..].find(end).unwrap()]
}

/// The (people, households) the builder page reports.
fn page_count(body: &str) -> (u64, u64) {
    let text = between(body, "<p id=\"universe-count\" class=\"count\" role=\"status\" aria-live=\"polite\">", "</p>");
    let words: Vec<&str> = text.split_whitespace().collect();
    assert!(words.len() >= 5 && words[1] == "people" && words[4] == "households", "{text:?}");
    (words[0].parse().unwrap(), words[3].parse().unwrap())
}

/// The builder's rows for Democrats and unaffiliated voters aged 18-60 in 2026, not on the do-not-call
/// list, with a phone.
const YOUNG_DEMS_ROWS: &[(&str, &str)] = &[
    ("combine", "all"),
    ("on_year", "2026"),
    ("row.0.kind", "party"),
    ("row.0.values", "DEM, UNA"),
    ("row.1.kind", "age"),
    ("row.1.min", "18"),
    ("row.1.max", "60"),
    ("row.2.kind", "on_do_not_call"),
    ("row.2.not", "on"),
    ("row.3.kind", "has_phone"),
];

/// The same selection written by hand in the documented JSON format (docs/universes.md).
const YOUNG_DEMS_JSON: &str = r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM","UNA"]},
    {"op":"age","min":18,"max":60,"on_year":2026},{"op":"not","filter":{"op":"on_do_not_call"}},
    {"op":"has_phone"}]}"#;

async fn the_universe_builder_counts_what_the_store_counts_saves_and_samples(app: TestApp) {
    import_voters(&app, 400, 11).await;
    let pm = app.session("program_manager").await;
    let actor = actor_for(&app, "program_manager").await;
    let everyone: clearline_core::universe::Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    let total = app.store.count_universe(&actor, &everyone).await.unwrap();

    // The nav leads there; the page opens with one row and no count yet.
    let start = page(&app, &pm, "/universes").await;
    assert!(page(&app, &pm, "/").await.contains("href=\"/universes\""), "in the navigation");
    assert!(start.contains("name=\"row.0.kind\"") && !start.contains("name=\"row.1.kind\""), "{start}");

    // Counting from the form: the same people as the store counts for the hand-written JSON.
    let mut fields = YOUNG_DEMS_ROWS.to_vec();
    fields.push(("action", "count"));
    let (status, body) = form(&app, &pm, "/universes/build", &fields).await;
    assert_eq!(status, 200, "{body}");
    let by_hand: clearline_core::universe::Filter = serde_json::from_str(YOUNG_DEMS_JSON).unwrap();
    let people = app.store.count_universe(&actor, &by_hand).await.unwrap();
    let households = app.store.count_universe_households(&actor, &by_hand).await.unwrap();
    assert!(people > 0 && people < total, "a selection that can tell a wrong filter: {people} of {total}");
    assert_eq!(page_count(&body), (people, households));
    // The JSON shown beside the rows is that filter.
    let shown: clearline_core::universe::Filter =
        serde_json::from_str(&unescape(between(&body, "<code id=\"universe-filter-json\">", "</code>"))).unwrap();
    assert_eq!(shown, by_hand);
    // The live count (app.js) asks the same route for JSON; the API counts the JSON the same.
    let res = TestApp::client()
        .post(app.url("/universes/build"))
        .header("cookie", &pm.0)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([YOUNG_DEMS_ROWS, &[("csrf", pm.1.as_str())]].concat()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let live: serde_json::Value = res.json().await.unwrap();
    assert_eq!((live["people"].as_u64(), live["households"].as_u64()), (Some(people), Some(households)), "{live}");
    let res = TestApp::client()
        .post(app.url("/api/v1/universes/count"))
        .header("cookie", &pm.0)
        .header("x-csrf-token", &pm.1)
        .json(&serde_json::json!({"filter": serde_json::from_str::<serde_json::Value>(YOUNG_DEMS_JSON).unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let api: serde_json::Value = res.json().await.unwrap();
    assert_eq!(api["people"].as_u64(), Some(people), "{api}");
    // Saved over the API under another name, it lists with its counts; the name is then taken.
    let api_call = |method: reqwest::Method, path: &str| {
        TestApp::client().request(method, app.url(path)).header("cookie", &pm.0).header("x-csrf-token", &pm.1)
    };
    let body = serde_json::json!({"name": "By the API", "filter": serde_json::from_str::<serde_json::Value>(YOUNG_DEMS_JSON).unwrap()});
    let res = api_call(reqwest::Method::POST, "/api/v1/universes").json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let res = api_call(reqwest::Method::POST, "/api/v1/universes").json(&body).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["field"], "name");
    let listed: serde_json::Value =
        api_call(reqwest::Method::GET, "/api/v1/universes").send().await.unwrap().json().await.unwrap();
    let by_api = listed.as_array().unwrap().iter().find(|u| u["name"] == "By the API").expect("listed");
    assert_eq!((by_api["people"].as_u64(), by_api["households"].as_u64()), (Some(people), Some(households)));

    // Adding a row re-renders with one more (empty) row and the count of the rows before it; removing
    // a row takes it away.
    let mut add = YOUNG_DEMS_ROWS.to_vec();
    add.push(("action", "add"));
    let (status, body) = form(&app, &pm, "/universes/build", &add).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("name=\"row.4.kind\"") && !body.contains("name=\"row.5.kind\""), "{body}");
    assert_eq!(page_count(&body), (people, households));
    let mut remove = YOUNG_DEMS_ROWS.to_vec();
    remove.push(("action", "remove.0"));
    let (_, body) = form(&app, &pm, "/universes/build", &remove).await;
    assert!(!body.contains("name=\"row.3.kind\""), "four rows less one: {body}");
    let without_party = app
        .store
        .count_universe(
            &actor,
            &serde_json::from_str(
                r#"{"op":"all","filters":[{"op":"age","min":18,"max":60,"on_year":2026},
                    {"op":"not","filter":{"op":"on_do_not_call"}},{"op":"has_phone"}]}"#,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page_count(&body).0, without_party);

    // Saved, it is in the list with its counts.
    let mut save = YOUNG_DEMS_ROWS.to_vec();
    save.extend([("name", "Young Dems"), ("action", "save")]);
    let res = TestApp::client()
        .post(app.url("/universes"))
        .header("cookie", &pm.0)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([save.as_slice(), &[("csrf", pm.1.as_str())]].concat()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/universes?saved=1");
    let list = page(&app, &pm, "/universes?saved=1").await;
    assert!(list.contains("Universe saved."), "{list}");
    let saved_row = between(&list, "<tr><td>Young Dems</td>", "</tr>");
    assert!(saved_row.contains(&format!("<td>{people}</td>")) && saved_row.contains(&format!("<td>{households}</td>")));
    let saved = app.store.universe_by_name(&actor, "Young Dems").await.unwrap();
    assert_eq!(saved.filter, by_hand, "the saved filter is the one counted");
    // The same name again is refused on the page, the rows kept.
    let (status, body) = form(&app, &pm, "/universes", &save).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("name is already taken") && body.contains("value=\"DEM, UNA\""), "{body}");

    // An exclusion list: everyone not in the saved universe.
    let id = saved.id.to_string();
    let not_in = [
        ("combine", "all"),
        ("on_year", "2026"),
        ("row.0.kind", "in_universe"),
        ("row.0.universe", id.as_str()),
        ("row.0.not", "on"),
    ];
    let (status, body) = form(&app, &pm, "/universes/build", &not_in).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(page_count(&body).0, total - people);

    // Opened again, the builder shows its rows.
    let (status, body) = form(&app, &pm, "/universes/open", &[("universe", id.as_str())]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("value=\"DEM, UNA\"") && body.contains("name=\"row.3.kind\""), "{body}");
    assert_eq!(page_count(&body), (people, households));

    // A stratified sample shows each stratum's population and draw, as the store draws it.
    let (status, body) = form(
        &app,
        &pm,
        "/universes/sample",
        &[("universe", &id), ("size", "25"), ("seed", "7"), ("stratify_by", "party")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let drawn =
        app.store.sample_universe(&actor, &by_hand, 25, 7, Some(clearline_core::universe::Field::Party)).await.unwrap();
    assert!(drawn.strata.len() == 2, "DEM and UNA: {:?}", drawn.strata);
    assert!(body.contains(&format!("Drew {} of {} people from “Young Dems” (seed 7).", drawn.drawn, people)), "{body}");
    for (stratum, population, n) in &drawn.strata {
        assert!(body.contains(&format!("<tr><td>{stratum}</td><td>{population}</td><td>{n}</td></tr>")), "{body}");
    }
    assert!(body.contains(&format!("<li>{}</li>", drawn.person_keys[0])), "the voter IDs drawn: {body}");
}

async fn universe_pages_refuse_roles_without_targeting_and_name_the_field_of_a_bad_value(app: TestApp) {
    import_voters(&app, 60, 3).await;
    // Roles without the targeting capability get 403 and nothing of the page.
    for who in ["analyst", "compliance_officer", "agent", "supervisor"] {
        let s = app.session(who).await;
        let res = TestApp::client().get(app.url("/universes")).header("cookie", &s.0).send().await.unwrap();
        assert_eq!(res.status(), 403, "{who}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("Build a universe") && !body.contains("universe-builder"), "{who}: {body}");
        let mut fields = YOUNG_DEMS_ROWS.to_vec();
        fields.push(("action", "count"));
        let (status, body) = form(&app, &s, "/universes/build", &fields).await;
        assert_eq!(status, 403, "{who}");
        assert!(!body.contains("people in"), "{who}: no count leaks: {body}");
        let (status, _) = form(&app, &s, "/universes", &[("name", "x"), ("on_year", "2026")]).await;
        assert_eq!(status, 403, "{who}");
        assert!(!page(&app, &s, "/account").await.contains("href=\"/universes\""), "{who}: not in the navigation");
    }
    let actor = actor_for(&app, "data_manager").await;
    assert!(app.store.list_universes(&actor).await.unwrap().is_empty(), "nothing was saved by a refused role");

    let dm = app.session("data_manager").await;
    // A bad age bound: 422, naming the row and the input, the typed value kept in the form.
    let (status, body) = form(
        &app,
        &dm,
        "/universes/build",
        &[("combine", "all"), ("on_year", "2026"), ("row.0.kind", "age"), ("row.0.min", "abc"), ("action", "count")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 1 (Age) min: not a whole number"), "{body}");
    assert!(body.contains("name=\"row.0.min\" value=\"abc\""), "the value typed comes back: {body}");
    // The same empty bounds re-rendered for a row's new field (app.js) are not an error yet; counted,
    // they are.
    let age_row = [("on_year", "2026"), ("row.0.kind", "age"), ("row.0.min", ""), ("row.0.max", "")];
    let (status, body) = form(&app, &dm, "/universes/build", &[&age_row[..], &[("action", "reshape")]].concat()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("name=\"row.0.min\"") && !body.contains("id=\"universe-error\""), "{body}");
    let (status, body) = form(&app, &dm, "/universes/build", &[&age_row[..], &[("action", "count")]].concat()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 1 (Age): a range needs a min or a max"), "{body}");
    // An unknown field.
    let (status, body) = form(
        &app,
        &dm,
        "/universes/build",
        &[("on_year", "2026"), ("row.0.kind", "party"), ("row.0.values", "DEM"), ("row.1.kind", "last_name")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 2 field: not a targetable field"), "{body}");
    // Saving a refused filter saves nothing.
    let (status, body) = form(
        &app,
        &dm,
        "/universes",
        &[("on_year", "2026"), ("row.0.kind", "age"), ("row.0.max", "x"), ("name", "Bad")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 1 (Age) max: not a whole number"), "{body}");
    assert!(app.store.list_universes(&actor).await.unwrap().is_empty());
    // The live count answers the refusal as JSON.
    let res = TestApp::client()
        .post(app.url("/universes/build"))
        .header("cookie", &dm.0)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("on_year", "2026"),
                ("row.0.kind", "age"),
                ("row.0.min", "abc"),
                ("csrf", &dm.1),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let live: serde_json::Value = res.json().await.unwrap();
    assert_eq!(live["error"], "row 1 (Age) min: not a whole number", "{live}");
    // The API names the filter.
    let res = TestApp::client()
        .post(app.url("/api/v1/universes/count"))
        .header("cookie", &dm.0)
        .header("x-csrf-token", &dm.1)
        .json(&serde_json::json!({"filter": {"op": "in", "field": "last_name", "values": ["X"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["field"], "filter");
    // A sample of another campaign's universe finds nothing to draw.
    let other = actor_for(&app, "other_owner").await;
    let theirs = app
        .store
        .save_universe(&other, "theirs", &serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap())
        .await
        .unwrap()
        .to_string();
    let (status, body) =
        form(&app, &dm, "/universes/sample", &[("universe", &theirs), ("size", "5"), ("seed", "1")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("universe: no saved universe of this campaign") && !body.contains("theirs"), "{body}");
    let (status, body) = form(&app, &dm, "/universes/sample", &[("universe", &theirs), ("size", "lots")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("size: a whole number"), "{body}");
}

/// The preview walks a version as a caller would: sample merge values, one question at a time, the
/// branch each answer chooses, the end it reaches; a bad answer is refused naming the step, and the walk
/// waits at that question; another campaign's script looks missing.
async fn a_script_preview_walks_the_branches_the_answers_choose(app: TestApp) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::script::ScriptFacts;
    use clearline_core::validate::Slug;
    use clearline_store::NewVersion;
    let author = actor_for(&app, "program_manager").await;
    let facts = ScriptFacts::new(Purpose::Survey, DialMode::Predictive);
    app.store.create_script(&author, &Slug::parse("poll").unwrap(), "Poll", &facts).await.unwrap();
    let body = include_str!("../../../docs/scripts/survey.script").to_string();
    app.store
        .add_script_version(&author, "poll", &NewVersion { body, language: "en".into(), translation_of: None })
        .await
        .unwrap();
    let approver = app.session("script_approver").await;
    let path = "/scripts/poll/versions/1/preview";

    let start = unescape(&page(&app, &approver, path).await);
    assert!(start.contains("Hello, may I speak with Pat? My name is Alex"), "sample values: {start}");
    assert!(start.contains("name=\"a.consent\""), "the first question waits");
    assert!(!start.contains("id=\"preview-end\""));

    // "No" takes the decline branch to its end.
    let (status, declined) = form(&app, &approver, path, &[("a.consent", "no")]).await;
    assert_eq!(status, 200);
    let declined = unescape(&declined);
    assert!(declined.contains("I understand. Thank you for your time."), "{declined}");
    assert!(declined.contains("The call ends as <strong>refused</strong>"), "{declined}");

    // Yes, then an unlikely voter: screened out by the scale's branch.
    let (_, screened) = form(&app, &approver, path, &[("a.consent", "yes"), ("a.likely", "2")]).await;
    assert!(screened.contains("The call ends as <strong>not_eligible</strong>"), "{screened}");
    // Yes, then likely: on to the multiple-choice question, the earlier answers carried in the form.
    let (_, on) = form(&app, &approver, path, &[("a.consent", "yes"), ("a.likely", "9")]).await;
    assert!(on.contains("name=\"a.issues\"") && on.contains("value=\"yes\"") && on.contains("value=\"9\""), "{on}");

    let (status, bad) = form(&app, &approver, path, &[("a.consent", "yes"), ("a.likely", "11")]).await;
    assert_eq!(status, 200);
    assert!(bad.contains("likely: give a whole number from 1 to 10"), "{bad}");
    assert!(bad.contains("name=\"a.likely\""), "the walk waits at the question answered wrongly");

    let other = app.session("other_owner").await;
    let res = TestApp::client().get(app.url(path)).header("cookie", &other.0).send().await.unwrap();
    assert_eq!(res.status(), 404, "another campaign's script looks missing");

    // The editor walks its unsaved text: the new wording shows, the text and the answers travel in
    // the form, and nothing is saved.
    let body = include_str!("../../../docs/scripts/survey.script");
    let edited = body.replace("It takes about three minutes.", "It takes two minutes.");
    let walk = "/scripts/poll/preview";
    let (status, first) = form(&app, &approver, walk, &[("body", &edited), ("seed", "7")]).await;
    assert_eq!(status, 200, "{first}");
    let first = unescape(&first);
    assert!(first.contains("It takes two minutes.") && first.contains("name=\"a.consent\""), "{first}");
    assert!(first.contains("action=\"/scripts/poll/preview\"") && first.contains("name=\"body\""), "{first}");
    // Consent is not randomized: its options in document order, without the note.
    let order = |html: &str, keys: &[&str]| {
        let mut at: Vec<(usize, String)> =
            keys.iter().map(|k| (html.find(&format!("id=\"answer-{k}\"")).expect(k), k.to_string())).collect();
        at.sort();
        at.into_iter().map(|(_, k)| k).collect::<Vec<String>>()
    };
    assert_eq!(order(&first, &["yes", "later", "no"]), ["yes", "later", "no"]);
    assert!(!first.contains("Order randomized per call"));
    // A randomized question: the desk's order for the form's seed, stable on a re-render, said so.
    let parsed = clearline_core::script::parse(&edited).unwrap();
    let issues = parsed.step("issues").unwrap();
    let keys = ["economy", "schools", "health", "housing", "roads"];
    let at_issues = |seed: &'static str| {
        let edited = edited.clone();
        let approver = approver.clone();
        let app = &app;
        async move {
            let fields = [("body", edited.as_str()), ("seed", seed), ("a.consent", "yes"), ("a.likely", "8")];
            let (status, html) = form(app, &approver, walk, &fields).await;
            assert_eq!(status, 200, "{html}");
            html
        }
    };
    let seven = at_issues("7").await;
    assert!(seven.contains("Order randomized per call"), "{seven}");
    let expected = clearline_web::ui::script_preview::shown_order(issues, issues.question().unwrap(), 7);
    assert_eq!(order(&seven, &keys), expected);
    assert_eq!(order(&at_issues("7").await, &keys), expected, "the same seed, the same order");
    assert!(seven.contains("name=\"seed\" value=\"7\""), "the seed is carried");
    let mut differs = false;
    for seed in ["1", "2", "3", "4", "5", "6"] {
        differs |= order(&at_issues(seed).await, &keys) != expected;
    }
    assert!(differs, "another call, another order");
    // Answered through to the end, on the edited text.
    let fields = [
        ("body", edited.as_str()),
        ("seed", "7"),
        ("a.consent", "yes"),
        ("a.likely", "8"),
        ("a.issues", "roads"),
        ("a.direction", "right"),
        ("a.age", "40"),
        ("a.comments", "none"),
    ];
    let (_, done) = form(&app, &approver, walk, &fields).await;
    assert!(done.contains("The call ends as <strong>complete</strong>"), "{done}");
    // A text that does not parse: its parse errors, naming the step, and no walk (422, not a 500).
    let broken = edited.replace("option right: Right direction", "option Right: Right direction");
    let (status, refused) = form(&app, &approver, walk, &[("body", &broken)]).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.contains("id=\"preview-problems\"") && refused.contains("step direction: an answer key"),
        "{refused}"
    );
    assert!(!refused.contains("id=\"preview-question\""));
    // Nothing was saved; another campaign's script looks missing here too.
    let actor = actor_for(&app, "program_manager").await;
    assert_eq!(app.store.script_by_slug(&actor, "poll").await.unwrap().versions.len(), 1);
    let (status, _) = form(&app, &other, walk, &[("body", &edited)]).await;
    assert_eq!(status, 404);
    // The editor offers the walk: a button posting the textarea, and one in the preview section.
    let (_, editor) = form(
        &app,
        &approver,
        "/scripts/poll/versions",
        &[("language", "en"), ("body", &edited), ("action", "preview")],
    )
    .await;
    assert!(editor.contains("formaction=\"/scripts/poll/preview\"") && editor.contains("id=\"walk-it\""), "{editor}");
}

async fn saved_universes_are_renamed_and_deleted_from_the_list_unless_something_uses_them(app: TestApp) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{ProgramSettings, VendorShare};
    let pm = app.session("program_manager").await;
    let actor = actor_for(&app, "program_manager").await;
    let f = |json: &str| serde_json::from_str::<clearline_core::universe::Filter>(json).unwrap();
    let dems =
        app.store.save_universe(&actor, "Dems", &f(r#"{"op":"in","field":"party","values":["DEM"]}"#)).await.unwrap();
    let reps =
        app.store.save_universe(&actor, "Reps", &f(r#"{"op":"in","field":"party","values":["REP"]}"#)).await.unwrap();
    let not_dems = app
        .store
        .save_universe(
            &actor,
            "Not Dems",
            &f(&format!(r#"{{"op":"not","filter":{{"op":"in_universe","universe_id":{dems}}}}}"#)),
        )
        .await
        .unwrap();
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "Reps");
    settings.vendors = vec![VendorShare::parse("vend=100").unwrap()];
    app.store
        .create_program(&actor, &clearline_core::validate::Slug::parse("gotv").unwrap(), "GOTV", &settings)
        .await
        .unwrap();
    let names = || async {
        app.store.list_universes(&actor).await.unwrap().into_iter().map(|u| (u.id, u.name)).collect::<Vec<_>>()
    };

    // Each saved universe has its rename and delete forms.
    let list = page(&app, &pm, "/universes").await;
    assert!(list.contains(&format!("action=\"/universes/{dems}/rename\"")), "{list}");
    assert!(list.contains(&format!("action=\"/universes/{dems}/delete\"")), "{list}");

    // Renamed: a redirect to the list saying so; the id stays.
    let (status, body) = form(&app, &pm, &format!("/universes/{dems}/rename"), &[("name", "Democrats")]).await;
    assert_eq!(status, 303, "{body}");
    assert!(page(&app, &pm, "/universes?renamed=1").await.contains("Universe renamed."));
    assert!(names().await.contains(&(dems, "Democrats".to_string())));
    // A taken name: 409 naming the field, the typed name kept in that row's input, nothing changed.
    let (status, body) = form(&app, &pm, &format!("/universes/{dems}/rename"), &[("name", "Reps")]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("name is already taken"), "{body}");
    assert!(body.contains(&format!("id=\"rename-{dems}\" name=\"name\" value=\"Reps\"")), "{body}");
    assert!(names().await.contains(&(dems, "Democrats".to_string())));

    // Delete asks first; the confirmation is a second form. Used universes are refused, naming the user.
    let (status, body) = form(&app, &pm, &format!("/universes/{reps}/delete"), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Yes, delete “Reps”"), "{body}");
    assert_eq!(names().await.len(), 3, "asking deletes nothing");
    let (status, body) = form(&app, &pm, &format!("/universes/{reps}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("universe: programs draw their call lists from it: gotv"), "{body}");
    let (status, body) = form(&app, &pm, &format!("/universes/{dems}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("in another universe") && body.contains("Not Dems"), "{body}");
    // Unused, it goes; then the one it referred to can go too.
    let (status, _) = form(&app, &pm, &format!("/universes/{not_dems}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 303);
    let (status, _) = form(&app, &pm, &format!("/universes/{dems}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 303);
    assert!(page(&app, &pm, "/universes?deleted=1").await.contains("Universe deleted."));
    assert_eq!(names().await, vec![(reps, "Reps".to_string())]);

    // Another campaign's owner cannot touch it; a role without targeting is refused.
    let other = app.session("other_owner").await;
    let (status, _) = form(&app, &other, &format!("/universes/{reps}/rename"), &[("name", "Mine")]).await;
    assert_eq!(status, 404);
    let (status, _) = form(&app, &other, &format!("/universes/{reps}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 404);
    let analyst = app.session("analyst").await;
    let (status, _) = form(&app, &analyst, &format!("/universes/{reps}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(status, 403);
    assert_eq!(names().await, vec![(reps, "Reps".to_string())]);

    // Over the API: rename (204) and a refused delete (422 naming `universe`).
    let api = |method: reqwest::Method, path: String| {
        TestApp::client().request(method, app.url(&path)).header("cookie", &pm.0).header("x-csrf-token", &pm.1)
    };
    let res = api(reqwest::Method::PATCH, format!("/api/v1/universes/{reps}"))
        .json(&serde_json::json!({"name": "Republicans"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.store.program_by_slug(&actor, "gotv").await.unwrap().settings.universe, "Republicans");
    let res = api(reqwest::Method::DELETE, format!("/api/v1/universes/{reps}")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["field"], "universe");
}

/// A vendor's own file: semicolon-separated, quoted, a header of its own names, a notes column.
const VENDOR_FILE: &str = "Voter Key;Given;Family;Num;Street;Town;Zip;Mobile;Affiliation;Notes\n\
\"VK-1\";\"Ada\";\"Lovelace\";\"12\";\"Main St\";\"Raleigh\";\"27601\";\"(919) 555-0101\";\"DEM\";\"likes tea\"\n\
\"VK-2\";\"Bob\";\"Quixotic\";\"7\";\"Oak Ave\";\"Durham\";\"27701\";\"919-555-0102\";\"REP\";\"\"\n\
\"VK-3\";\"Cy\";\"Zebulon\";\"9\";\"Elm Rd\";\"Cary\";\"27511\";\"\";\"DEM\";\"\"\n";

/// The editor's rows for [`VENDOR_FILE`]: each header column and the field chosen for it.
const VENDOR_ROWS: [(&str, &str); 10] = [
    ("Voter Key", "voter_id"),
    ("Given", "first_name"),
    ("Family", "last_name"),
    ("Num", "res_address"),
    ("Street", "res_address"),
    ("Town", "res_city"),
    ("Zip", "res_zip"),
    ("Mobile", "cell_phone"),
    ("Affiliation", "party"),
    ("Notes", ""),
];

/// The mapping editor's form for [`VENDOR_ROWS`] (with `changes` applied: column index → field).
fn vendor_editor_form(name: &str, changes: &[(usize, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), name.into()),
        ("delimiter".into(), ";".into()),
        ("quoted".into(), "on".into()),
        ("header".into(), "on".into()),
        ("encoding".into(), "".into()),
    ];
    for (i, (source, field)) in VENDOR_ROWS.iter().enumerate() {
        let field = changes.iter().find(|(c, _)| *c == i).map(|(_, f)| *f).unwrap_or(field);
        fields.push((format!("col.{i}.source"), source.to_string()));
        fields.push((format!("col.{i}.position"), (i + 1).to_string()));
        fields.push((format!("col.{i}.field"), field.to_string()));
    }
    fields
}

/// Posts the mapping editor's start form (multipart: its CSRF token in the URL, as the page's form does).
async fn post_columns(app: &TestApp, who: &(String, String), form: reqwest::multipart::Form) -> (u16, String) {
    let res = TestApp::client()
        .post(app.url(&format!("/voters/mappings/columns?csrf={}", who.1)))
        .header("cookie", &who.0)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn post_pairs(app: &TestApp, who: &(String, String), path: &str, fields: &[(String, String)]) -> (u16, String) {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form(app, who, path, &borrowed).await
}

async fn a_mapping_is_built_from_a_sample_header_saved_and_imports_from_the_voters_form(app: TestApp) {
    let dm = app.session("data_manager").await;
    let actor = actor_for(&app, "data_manager").await;
    // The Voters page leads to the editor; nothing is saved yet.
    assert!(page(&app, &dm, "/voters").await.contains("href=\"/voters/mappings\""));
    let start = page(&app, &dm, "/voters/mappings").await;
    assert!(start.contains("No mapping saved yet") && start.contains("id=\"mapping-start\""), "{start}");

    // A sample upload: one row per header column, a field guessed where the header says it; none of
    // the people in the sample appear on the page.
    let sample = reqwest::multipart::Form::new()
        .text("name", "vendor-x")
        .text("delimiter", ";")
        .text("quoted", "on")
        .text("header", "on")
        .text("encoding", "")
        .part("sample", reqwest::multipart::Part::bytes(VENDOR_FILE.as_bytes().to_vec()).file_name("sample.csv"))
        .text("header_line", "");
    let (status, body) = post_columns(&app, &dm, sample).await;
    assert_eq!(status, 200, "{body}");
    for (i, (source, _)) in VENDOR_ROWS.iter().enumerate() {
        assert!(body.contains(&format!("name=\"col.{i}.source\" value=\"{source}\"")), "column {i}: {body}");
    }
    assert!(!body.contains("name=\"col.10.source\""), "one row per column: {body}");
    for personal in ["VK-1", "Lovelace", "555-0101", "likes tea", "Raleigh"] {
        assert!(!body.contains(personal), "the sample's {personal:?} is not shown: {body}");
    }
    assert!(body.contains("value=\"vendor-x\""), "the name carried: {body}");

    // Saved from the editor's form: the mapping the CLI would be given, and listed.
    let (status, body) = post_pairs(&app, &dm, "/voters/mappings", &vendor_editor_form("vendor-x", &[])).await;
    assert_eq!(status, 303, "{body}");
    let saved =
        clearline_voterfile::ColumnMapping::from_json(&app.store.column_mapping(&actor, "vendor-x").await.unwrap())
            .unwrap();
    let expected = clearline_voterfile::ColumnMapping::from_json(
        r#"{"delimiter":";","quoted":true,"header":true,"columns":{"voter_id":"Voter Key","first_name":"Given",
            "last_name":"Family","res_address":["Num","Street"],"res_city":"Town","res_zip":"Zip",
            "cell_phone":"Mobile","party":"Affiliation"}}"#,
    )
    .unwrap();
    assert_eq!(saved, expected);
    let list = page(&app, &dm, "/voters/mappings?saved=1").await;
    assert!(list.contains("Mapping saved") && list.contains("<code>mapping:vendor-x</code>"), "{list}");
    // Opened again, the editor shows its columns and fields.
    let reopened = page(&app, &dm, "/voters/mappings/vendor-x").await;
    assert!(reopened.contains("name=\"col.4.source\" value=\"Street\""), "{reopened}");
    assert!(reopened.contains("<option value=\"cell_phone\" selected>"), "{reopened}");

    // The Voters form offers it as a layout, and an import with it reads the vendor's file.
    let voters = page(&app, &dm, "/voters").await;
    assert!(voters.contains("<option value=\"mapping:vendor-x\">"), "{voters}");
    let upload = reqwest::multipart::Form::new()
        .text("layout", "mapping:vendor-x")
        .text("encoding", "")
        .part("file", reqwest::multipart::Part::bytes(VENDOR_FILE.as_bytes().to_vec()).file_name("vendor.csv"));
    let res = TestApp::client()
        .post(app.url(&format!("/voters/import?csrf={}", dm.1)))
        .header("cookie", &dm.0)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let job = res.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_string();
    let report = wait_for_import(&app, &dm, &job).await;
    assert_eq!((report["rows_read"].as_u64(), report["inserted"].as_u64()), (Some(3), Some(3)), "{report}");
    assert_eq!(report["phones_valid"].as_u64(), Some(2), "{report}");
    let ada = app.store.read_person(&actor, app.campaign, "VK-1").await.unwrap();
    assert_eq!(
        (ada.first_name.as_deref(), ada.last_name.as_deref(), ada.res_address.as_deref(), ada.party.as_deref()),
        (Some("Ada"), Some("Lovelace"), Some("12 Main St"), Some("DEM"))
    );
    let dems: clearline_core::universe::Filter =
        serde_json::from_str(r#"{"op":"in","field":"party","values":["DEM"]}"#).unwrap();
    assert_eq!(app.store.count_universe(&actor, &dems).await.unwrap(), 2);
    // The batch records the layout by the name it was chosen by.
    let batches = app.store.import_batches(&actor).await.unwrap();
    assert_eq!(batches[0].layout, "mapping:vendor-x");
}

async fn a_bad_mapping_is_refused_naming_the_field_and_nothing_is_saved(app: TestApp) {
    let dm = app.session("data_manager").await;
    let actor = actor_for(&app, "data_manager").await;
    // No person key: 422 naming `voter_id`, the rows kept as chosen.
    let (status, body) = post_pairs(&app, &dm, "/voters/mappings", &vendor_editor_form("vendor-x", &[(0, "")])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("mapping: the mapping has no column for `voter_id`"), "{body}");
    assert!(body.contains("name=\"col.7.source\" value=\"Mobile\""), "{body}");
    let mobile_row = between(&body, "name=\"col.7.field\">", "</select>");
    assert!(mobile_row.contains("<option value=\"cell_phone\" selected>"), "the choice kept: {mobile_row}");
    // A line type without its phone, and a field the format does not have: each named.
    let (status, body) =
        post_pairs(&app, &dm, "/voters/mappings", &vendor_editor_form("vendor-x", &[(9, "home_phone_line_type")]))
            .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("`home_phone_line_type` is mapped but its phone column is not"), "{body}");
    let (status, body) =
        post_pairs(&app, &dm, "/voters/mappings", &vendor_editor_form("vendor-x", &[(9, "ssn")])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("column 10 (Notes): not a field a mapping can fill"), "{body}");
    // A bad name is the store's refusal, naming `name`.
    let (status, body) = post_pairs(&app, &dm, "/voters/mappings", &vendor_editor_form("vendor x!", &[])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("name: use 1-48 letters"), "{body}");
    assert!(app.store.column_mappings(&actor).await.unwrap().is_empty(), "nothing was saved");
    // A sample without a header keeps only its column count: no value of the first record is shown.
    let sample = reqwest::multipart::Form::new().text("delimiter", ";").text("quoted", "on").part(
        "sample",
        reqwest::multipart::Part::bytes(VENDOR_FILE.lines().nth(1).unwrap().as_bytes().to_vec()).file_name("s.csv"),
    );
    let (status, body) = post_columns(&app, &dm, sample).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("column 10") && !body.contains("column 11"), "{body}");
    assert!(!body.contains("Lovelace") && !body.contains("VK-1"), "{body}");
    // Neither a sample nor a header line: refused naming the input.
    let empty = reqwest::multipart::Form::new().text("delimiter", ";").text("header_line", " ");
    let (status, body) = post_columns(&app, &dm, empty).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("sample: choose a sample of the file, or paste its header line"), "{body}");
    // A role without list editing gets 403.
    let pm = app.session("program_manager").await;
    let (status, _) = post_pairs(&app, &pm, "/voters/mappings", &vendor_editor_form("vendor-x", &[])).await;
    assert_eq!(status, 403);
}

async fn the_builders_rows_are_sampled_unsaved_or_saved_as_the_store_samples_their_filter(app: TestApp) {
    import_voters(&app, 300, 5).await;
    let pm = app.session("program_manager").await;
    let actor = actor_for(&app, "program_manager").await;
    // The builder's own sample button posts its rows with the sample's inputs.
    let start = page(&app, &pm, "/universes").await;
    assert!(start.contains("formaction=\"/universes/sample\"") && start.contains("id=\"builder-sample-size\""));
    let mut fields = YOUNG_DEMS_ROWS.to_vec();
    fields.extend([("size", "20"), ("seed", "3"), ("stratify_by", "party"), ("action", "sample")]);
    let (status, body) = form(&app, &pm, "/universes/sample", &fields).await;
    assert_eq!(status, 200, "{body}");
    let by_hand: clearline_core::universe::Filter = serde_json::from_str(YOUNG_DEMS_JSON).unwrap();
    let drawn =
        app.store.sample_universe(&actor, &by_hand, 20, 3, Some(clearline_core::universe::Field::Party)).await.unwrap();
    assert!(drawn.drawn == 20 && drawn.population > 20, "{} of {}", drawn.drawn, drawn.population);
    assert!(
        body.contains(&format!(
            "Drew 20 of {} people from the builder's conditions (unsaved) (seed 3).",
            drawn.population
        )),
        "{body}"
    );
    for (stratum, population, n) in &drawn.strata {
        assert!(body.contains(&format!("<tr><td>{stratum}</td><td>{population}</td><td>{n}</td></tr>")), "{body}");
    }
    for key in &drawn.person_keys {
        assert!(body.contains(&format!("<li>{key}</li>")), "{key} drawn: {body}");
    }
    // The rows stay in the builder, counted; nothing was saved.
    assert!(body.contains("value=\"DEM, UNA\"") && body.contains("name=\"row.3.kind\""), "{body}");
    let households = app.store.count_universe_households(&actor, &by_hand).await.unwrap();
    assert_eq!(page_count(&body), (drawn.population, households));
    assert!(app.store.list_universes(&actor).await.unwrap().is_empty(), "sampling saves nothing");
    // Another seed draws other people from the same rows.
    let mut other_seed = YOUNG_DEMS_ROWS.to_vec();
    other_seed.extend([("size", "20"), ("seed", "4"), ("action", "sample")]);
    let (_, other) = form(&app, &pm, "/universes/sample", &other_seed).await;
    let other_draw = app.store.sample_universe(&actor, &by_hand, 20, 4, None).await.unwrap();
    assert!(other.contains(&format!("<li>{}</li>", other_draw.person_keys[0])), "{other}");
    assert_ne!(other_draw.person_keys, drawn.person_keys);

    // A bad row is the builder's refusal, the rows kept; a bad size the sample's.
    let bad_row = [
        ("on_year", "2026"),
        ("row.0.kind", "age"),
        ("row.0.min", "abc"),
        ("size", "5"),
        ("seed", "1"),
        ("action", "sample"),
    ];
    let (status, body) = form(&app, &pm, "/universes/sample", &bad_row).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("row 1 (Age) min: not a whole number") && body.contains("value=\"abc\""), "{body}");
    assert!(!body.contains("Drew "), "{body}");
    let mut bad_size = YOUNG_DEMS_ROWS.to_vec();
    bad_size.extend([("size", "0"), ("seed", "1"), ("action", "sample")]);
    let (status, body) = form(&app, &pm, "/universes/sample", &bad_size).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("size: a whole number from 1 to 1,000,000") && body.contains("value=\"DEM, UNA\""), "{body}");

    // Saved from the builder: the universe is the sample of the rows, drawing the same people.
    let mut save = YOUNG_DEMS_ROWS.to_vec();
    save.extend([
        ("size", "20"),
        ("seed", "3"),
        ("stratify_by", "party"),
        ("save_as", "Panel A"),
        ("action", "sample"),
    ]);
    let (status, body) = form(&app, &pm, "/universes/sample", &save).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("id=\"sample-saved\"") && body.contains("Saved as the universe “Panel A”"), "{body}");
    let panel = app.store.universe_by_name(&actor, "Panel A").await.unwrap();
    let again = app.store.sample_universe(&actor, &panel.filter, 1_000, 1, None).await.unwrap();
    let mut saved_keys = again.person_keys.clone();
    let mut drawn_keys = drawn.person_keys.clone();
    saved_keys.sort();
    drawn_keys.sort();
    assert_eq!(saved_keys, drawn_keys, "the saved universe is exactly the people the page drew");

    // Saved from a saved universe's form: it refers to that universe, which cannot be deleted under it.
    let (status, body) = form(
        &app,
        &pm,
        "/universes/sample",
        &[("universe", &panel.id.to_string()), ("size", "5"), ("seed", "9"), ("save_as", "Panel A, five")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let five = app.store.universe_by_name(&actor, "Panel A, five").await.unwrap();
    assert_eq!(app.store.count_universe(&actor, &five.filter).await.unwrap(), 5);
    assert!(app.store.delete_universe(&actor, panel.id).await.is_err(), "\"Panel A, five\" uses it");
    // A name already taken is the save's refusal, naming its input; nothing else is saved.
    let (status, body) = form(
        &app,
        &pm,
        "/universes/sample",
        &[("universe", &panel.id.to_string()), ("size", "5"), ("seed", "9"), ("save_as", "Panel A")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("save_as: a universe of this name already exists"), "{body}");
    assert_eq!(app.store.list_universes(&actor).await.unwrap().len(), 2);
}

async fn audio_pages_play_the_recording_list_its_problems_and_let_another_person_approve(app: TestApp) {
    use clearline_core::audio::{tone_wav, AudioKind};
    use clearline_core::validate::Slug;
    let author = actor_for(&app, "program_manager").await;
    let slug = Slug::parse("missed-you").unwrap();
    app.store.create_audio_message(&author, &slug, "Missed you", AudioKind::SafeHarbor).await.unwrap();
    let wav = tone_wav(500, 440);
    app.store.add_audio_version(&author, "missed-you", &wav, "Sorry we missed you.").await.unwrap();
    let good = "This is Friends of Test. To stop these calls, press 9. To reach us, call 919-555-0100.";
    app.store.add_audio_version(&author, "missed-you", &wav, good).await.unwrap();

    let pm = app.session("program_manager").await;
    let home = page(&app, &pm, "/").await;
    assert!(home.contains("href=\"/audio\""), "the nav leads there: {home}");
    let list = page(&app, &pm, "/audio").await;
    assert!(list.contains("href=\"/audio/missed-you/versions/2\"") && list.contains("safe_harbor"), "{list}");
    // A draft lacking the callback number and opt-out: the problems name their check and rule.
    let body = unescape(&page(&app, &pm, "/audio/missed-you/versions/1").await);
    assert!(body.contains("callback_number (CR-5, CR-46)") && body.contains("opt_out (CR-6, CR-46)"), "{body}");
    let (status, body) = form(&app, &pm, "/audio/missed-you/versions/1/submit", &[]).await;
    assert_eq!(status, 422, "{body}");
    assert!(unescape(&body).contains("the recording cannot be submitted"), "{body}");
    // The good one: the player, the transcript, submitted by the author and approved by another.
    let body = page(&app, &pm, "/audio/missed-you/versions/2").await;
    assert!(body.contains("src=\"/audio/missed-you/versions/2/wav\"") && body.contains("0.5 s"), "{body}");
    let (status, _) = form(&app, &pm, "/audio/missed-you/versions/2/submit", &[]).await;
    assert_eq!(status, 303);
    let body = page(&app, &pm, "/audio/missed-you/versions/2").await;
    assert!(!body.contains("/versions/2/approve"), "the author decides nothing: {body}");
    let approver = app.session("script_approver").await;
    let body = page(&app, &approver, "/audio/missed-you/versions/2").await;
    assert!(body.contains("/versions/2/approve") && body.contains("/versions/2/reject"), "{body}");
    let (status, _) = form(&app, &approver, "/audio/missed-you/versions/2/approve", &[]).await;
    assert_eq!(status, 303);
    let body = page(&app, &approver, "/audio/missed-you/versions/2").await;
    assert!(body.contains("id=\"audio-status\">approved<"), "{body}");
    // The recording plays as WAV, byte for byte.
    let res = TestApp::client()
        .get(app.url("/audio/missed-you/versions/2/wav"))
        .header("cookie", &approver.0)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    assert_eq!(res.bytes().await.unwrap().to_vec(), wav);
    // A recording added on the page: refused by field with the form kept, then a new message's first
    // version, then an existing message's next one (its name and kind are fixed).
    let upload = |slug: &str, name: &str, kind: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("slug", slug.to_string())
            .text("name", name.to_string())
            .text("kind", kind.to_string())
            .text("transcript", good.to_string())
            .part("audio", reqwest::multipart::Part::bytes(bytes).file_name("message.wav"));
        let (app, pm) = (&app, &pm);
        async move {
            let res = TestApp::client()
                .post(app.url(&format!("/audio?csrf={}", pm.1)))
                .header("cookie", &pm.0)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (res.status().as_u16(), location, res.text().await.unwrap())
        }
    };
    let (status, _, body) = upload("web-vm", "Web voicemail", "voicemail_drop", b"ID3 not a wav".to_vec()).await;
    assert_eq!(status, 422, "{body}");
    let body = unescape(&body);
    assert!(body.contains("audio: not a WAV file") && body.contains("value=\"Web voicemail\""), "{body}");
    let (status, location, _) = upload("web-vm", "Web voicemail", "voicemail_drop", wav.clone()).await;
    assert_eq!((status, location.as_deref()), (303, Some("/audio/web-vm/versions/1")));
    let (status, _, body) = upload("web-vm", "Renamed", "safe_harbor", wav.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert!(unescape(&body).contains("its name and kind (voicemail_drop) are fixed"), "{body}");
    let (status, location, _) = upload("web-vm", "", "", wav.clone()).await;
    assert_eq!((status, location.as_deref()), (303, Some("/audio/web-vm/versions/2")));
    let body = page(&app, &pm, "/audio/web-vm/versions/2").await;
    assert!(body.contains("id=\"audio-status\">draft<"), "{body}");
    let analyst = app.session("analyst").await;
    let res = TestApp::client()
        .post(app.url(&format!("/audio?csrf={}", analyst.1)))
        .header("cookie", &analyst.0)
        .multipart(reqwest::multipart::Form::new().text("slug", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "an analyst adds no recording");
    // Another campaign hears nothing.
    let other = app.session("other_owner").await;
    let res = TestApp::client()
        .get(app.url("/audio/missed-you/versions/2/wav"))
        .header("cookie", &other.0)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The saved list shows the counts kept with each universe. After an import changes who is in it, the
/// page shows either the new live counts or that it is being counted again — never the old figures as
/// current — and the background recount gets there. The voters page's people are the store's count.
async fn saved_universe_counts_are_counted_again_after_an_import_and_never_shown_stale_as_current(app: TestApp) {
    import_voters(&app, 200, 11).await;
    let pm = app.session("program_manager").await;
    let actor = actor_for(&app, "program_manager").await;
    let dems: clearline_core::universe::Filter =
        serde_json::from_str(r#"{"op":"in","field":"party","values":["DEM"]}"#).unwrap();
    // Saved by the store alone: never counted.
    app.store.save_universe(&actor, "Dems", &dems).await.unwrap();
    let row = |list: String| between(&list, "<tr><td>Dems</td>", "</tr>").to_string();
    // Polls the list until the row shows these counts as current; every page before says it is being
    // counted, never other figures as current.
    let shows_eventually = |(people, households): (u64, u64)| {
        let (app, pm) = (&app, &pm);
        async move {
            let current = format!("<td>{people}</td>\n<td>{households}</td>");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            loop {
                let r = row(page(app, pm, "/universes").await);
                if r.contains(&current) {
                    assert!(r.contains("<time>"), "when they were counted: {r}");
                    return;
                }
                // Not current: one cell says so in place of both figures.
                assert!(r.contains("class=\"not-current\"") && r.contains("being counted"), "{r}");
                assert!(std::time::Instant::now() < deadline, "never counted: {r}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    };
    let before = app.store.count_universe_people_and_households(&actor, &dems).await.unwrap();
    shows_eventually(before).await;

    // More people: the stored counts are stale at once.
    import_voters(&app, 500, 12).await;
    let after = app.store.count_universe_people_and_households(&actor, &dems).await.unwrap();
    assert_ne!(before, after, "an import that changes the universe");
    let stored = app.store.universes_with_counts(&actor).await.unwrap().remove(0).counts.unwrap();
    assert!(!stored.current || (stored.people, stored.households) == after, "{stored:?}");
    shows_eventually(after).await;

    let dm = app.session("data_manager").await;
    let everyone: clearline_core::universe::Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    let total = app.store.count_universe(&actor, &everyone).await.unwrap();
    assert!(page(&app, &dm, "/voters").await.contains(&format!("<p>{total} people in this campaign's voter file.")));
}
