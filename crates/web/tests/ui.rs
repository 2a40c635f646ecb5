//! The first screens, used as people use them: plain HTML forms with the session's CSRF token.

mod support;

use support::TestApp;

both_backends!(admin_forms_change_what_they_say_and_report_bad_input);

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
