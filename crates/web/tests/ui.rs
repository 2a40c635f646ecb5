//! The first screens, used as people use them: plain HTML forms with the session's CSRF token.

mod support;

use support::TestApp;

both_backends!(
    admin_forms_change_what_they_say_and_report_bad_input,
    script_pages_show_steps_and_the_diff_and_let_another_person_approve,
    scripts_and_versions_are_written_from_forms_and_refused_forms_say_why
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
