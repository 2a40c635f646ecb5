//! The API's behaviour: sign-in with second factors, CSRF, bad input, tenant isolation, tokens, OpenAPI.

mod support;

use clearline_core::validate::Email;
use clearline_core::Actor;
use clearline_web::auth::totp;
use serde_json::{json, Value};
use support::{email_for, TestApp, PASSWORD};

both_backends!(
    sign_in_requires_enrolment_then_codes_for_admins,
    wrong_passwords_lock_the_account_and_are_audited,
    csrf_is_required_for_cookie_sessions,
    bad_json_gets_clear_4xx_and_writes_nothing,
    another_tenants_objects_look_missing,
    api_tokens_have_scopes_and_can_be_revoked,
    invitations_are_all_or_nothing,
    sign_in_outside_the_site_network_is_refused,
    audit_export_is_jsonl_and_itself_audited,
    a_voter_file_uploads_imports_and_reports,
    the_voters_page_checks_a_universe_against_the_contact_policy,
    the_programs_page_sets_up_a_program_and_builds_its_call_list,
    why_not_now_explains_one_voter_without_showing_the_number,
    the_policy_api_decides_cases_in_order_and_names_a_bad_field,
    opt_outs_from_texts_and_emails_list_the_number_at_once,
    the_wallboard_shows_a_vendor_its_own_agents_and_calls_only,
    oversight_counts_each_vendors_calls_side_by_side_and_by_hour,
);

async fn post(app: &TestApp, path: &str, body: Value, auth: Option<&(String, String)>) -> reqwest::Response {
    let mut req = TestApp::client().post(app.url(path)).json(&body);
    if let Some((cookie, csrf)) = auth {
        req = req.header("cookie", cookie).header("x-csrf-token", csrf);
    }
    req.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, auth: Option<&(String, String)>) -> reqwest::Response {
    let mut req = TestApp::client().get(app.url(path));
    if let Some((cookie, _)) = auth {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap()
}

/// Signs in through the API; returns (cookie, csrf, second_factor state).
async fn sign_in(app: &TestApp, who: &str, totp_code: Option<&str>) -> ((String, String), String) {
    let mut body = json!({"email": email_for(who), "password": PASSWORD});
    if let Some(code) = totp_code {
        body["totp_code"] = json!(code);
    }
    let res = post(app, "/api/v1/session", body, None).await;
    assert_eq!(res.status(), 200, "sign-in as {who}");
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    ((cookie, body["csrf_token"].as_str().unwrap().to_string()), body["second_factor"].as_str().unwrap().to_string())
}

async fn code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_string())
}

async fn sign_in_requires_enrolment_then_codes_for_admins(app: TestApp) {
    // An admin without an authenticator must enrol before anything else.
    let (auth, state) = sign_in(&app, "admin", None).await;
    assert_eq!(state, "enrolment");
    assert_eq!(code(get(&app, "/api/v1/me", Some(&auth)).await).await, (403, "second_factor_required".into()));
    let enrolment: Value =
        get(&app, "/api/v1/session/second-factor/enrolment", Some(&auth)).await.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    let wrong =
        post(&app, "/api/v1/session/second-factor/enrolment", json!({"secret": secret, "code": "000000"}), Some(&auth))
            .await;
    let current = totp::current(&secret).unwrap();
    if current != "000000" {
        assert_eq!(code(wrong).await, (422, "invalid".into()));
    }
    let ok =
        post(&app, "/api/v1/session/second-factor/enrolment", json!({"secret": secret, "code": current}), Some(&auth))
            .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(get(&app, "/api/v1/me", Some(&auth)).await.status(), 200);

    // Next sign-in owes a code; enrolling a new authenticator cannot dodge it.
    let (auth2, state) = sign_in(&app, "admin", None).await;
    assert_eq!(state, "code");
    let other_secret = totp::new_secret();
    let dodge = post(
        &app,
        "/api/v1/session/second-factor/enrolment",
        json!({"secret": other_secret, "code": totp::current(&other_secret).unwrap()}),
        Some(&auth2),
    )
    .await;
    assert_eq!(code(dodge).await.0, 422);
    assert_eq!(get(&app, "/api/v1/me", Some(&auth2)).await.status(), 403);
    let good =
        post(&app, "/api/v1/session/second-factor", json!({"code": totp::current(&secret).unwrap()}), Some(&auth2))
            .await;
    assert_eq!(good.status(), 204);
    assert_eq!(get(&app, "/api/v1/me", Some(&auth2)).await.status(), 200);
    // Or all at once.
    let (_, state) = sign_in(&app, "admin", Some(&totp::current(&secret).unwrap())).await;
    assert_eq!(state, "done");

    // A role without the requirement is signed in at once.
    let (auth3, state) = sign_in(&app, "analyst", None).await;
    assert_eq!(state, "done");
    let me: Value = get(&app, "/api/v1/me", Some(&auth3)).await.json().await.unwrap();
    assert_eq!(me["role"], "analyst");
}

async fn wrong_passwords_lock_the_account_and_are_audited(app: TestApp) {
    for _ in 0..5 {
        let res =
            post(&app, "/api/v1/session", json!({"email": email_for("analyst"), "password": "nope nope nope"}), None)
                .await;
        assert_eq!(code(res).await, (401, "sign_in_failed".into()));
    }
    // Even the right password is refused while locked.
    let res = post(&app, "/api/v1/session", json!({"email": email_for("analyst"), "password": PASSWORD}), None).await;
    assert_eq!(code(res).await, (423, "locked".into()));
    // Unknown accounts get the same answer as wrong passwords.
    let res = post(&app, "/api/v1/session", json!({"email": "nobody@example.org", "password": PASSWORD}), None).await;
    assert_eq!(code(res).await, (401, "sign_in_failed".into()));
    let owner = app.session("owner").await;
    let events: Value =
        get(&app, "/api/v1/audit?action=session.sign_in_failed", Some(&owner)).await.json().await.unwrap();
    let reasons: Vec<&str> =
        events.as_array().unwrap().iter().map(|e| e["details"]["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        vec!["locked", "wrong_password", "wrong_password", "wrong_password", "wrong_password", "wrong_password"]
    );
    // Nothing personal in the trail: no email, no password.
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("example.org") && !text.contains("nope"));
}

async fn csrf_is_required_for_cookie_sessions(app: TestApp) {
    let (cookie, csrf) = app.session("owner").await;
    let body = json!({"name": "t", "scopes": ["read"]});
    let missing =
        TestApp::client().post(app.url("/api/v1/tokens")).header("cookie", &cookie).json(&body).send().await.unwrap();
    assert_eq!(code(missing).await, (403, "csrf".into()));
    let forged = TestApp::client()
        .post(app.url("/api/v1/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "forged")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(code(forged).await, (403, "csrf".into()));
    let form_without = TestApp::client()
        .post(app.url("/account/tokens"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=t&read=yes")
        .send()
        .await
        .unwrap();
    assert_eq!(form_without.status(), 403);
    let form_with = TestApp::client()
        .post(app.url("/account/tokens"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("name=t&read=yes&csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form_with.status(), 200);
    assert!(form_with.text().await.unwrap().contains("new-token"));
    // Exactly one token exists: the refused requests wrote nothing.
    let tokens: Value = get(&app, "/api/v1/tokens", Some(&(cookie, csrf))).await.json().await.unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 1);
}

async fn bad_json_gets_clear_4xx_and_writes_nothing(app: TestApp) {
    let auth = app.session("operator").await;
    let send = |body: String| {
        TestApp::client()
            .post(app.url("/api/v1/organizations"))
            .header("cookie", &auth.0)
            .header("x-csrf-token", &auth.1)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(code(send("{not json".into()).await.unwrap()).await, (400, "bad_request".into()));
    let unknown = send(json!({"kind": "vendor", "slug": "v2", "name": "V", "profile": null, "extra": 1}).to_string())
        .await
        .unwrap();
    let (status, c) = code(unknown).await;
    assert_eq!((status, c.as_str()), (400, "bad_request"));
    let bad_slug =
        send(json!({"kind": "vendor", "slug": "Bad Slug", "name": "V", "profile": null}).to_string()).await.unwrap();
    assert_eq!(bad_slug.status(), 400);
    let huge = send(format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024))).await.unwrap();
    assert_eq!(code(huge).await, (413, "too_large".into()));
    let campaign_without_profile =
        send(json!({"kind": "campaign", "slug": "c2", "name": "C", "profile": null}).to_string()).await.unwrap();
    let body: Value = campaign_without_profile.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    assert_eq!(body["field"], "profile");
    let dup = send(json!({"kind": "vendor", "slug": "vend", "name": "V", "profile": null}).to_string()).await.unwrap();
    assert_eq!(code(dup).await, (409, "conflict".into()));
    // None of that wrote an organization.
    let orgs: Value = get(&app, "/api/v1/organizations", Some(&auth)).await.json().await.unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 4, "deployment, camp, other, vend");
    // An expired or unknown session is 401.
    let res =
        TestApp::client().get(app.url("/api/v1/me")).header("cookie", "clearline_session=nope").send().await.unwrap();
    assert_eq!(code(res).await, (401, "unauthenticated".into()));
    // Unknown API paths are a JSON 404.
    assert_eq!(code(get(&app, "/api/v1/nothing-here", Some(&auth)).await).await, (404, "not_found".into()));
}

async fn another_tenants_objects_look_missing(app: TestApp) {
    let mine = app.session("owner").await;
    let theirs = app.session("other_owner").await;
    let e: Value = post(
        &app,
        "/api/v1/engagements",
        json!({"vendor": "vend", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "visible_fields": ["first_name"]}),
        Some(&mine),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = e["id"].as_i64().unwrap();
    let foreign = post(&app, &format!("/api/v1/engagements/{id}/end"), json!({}), Some(&theirs)).await;
    let missing = post(&app, "/api/v1/engagements/987654/end", json!({}), Some(&theirs)).await;
    let (a, b) = (code(foreign).await, code(missing).await);
    assert_eq!(a, (404, "not_found".into()));
    assert_eq!(a, b, "another tenant's object and a missing one must look the same");
    let user = app.users["analyst"].0;
    let res = post(
        &app,
        &format!("/api/v1/users/{user}/reset-password"),
        json!({"password": "a brand new password"}),
        Some(&theirs),
    )
    .await;
    assert_eq!(code(res).await, (404, "not_found".into()));
    // The engagement is still active for its campaign.
    let list: Value = get(&app, "/api/v1/engagements", Some(&mine)).await.json().await.unwrap();
    assert!(list.as_array().unwrap().iter().any(|x| x["id"] == id && x["ended_at_us"].is_null()));
    // The other campaign sees none of our engagements, users or audit events.
    let list: Value = get(&app, "/api/v1/engagements", Some(&theirs)).await.json().await.unwrap();
    assert!(list.as_array().unwrap().is_empty());
    let users: Value = get(&app, "/api/v1/users", Some(&theirs)).await.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
}

async fn api_tokens_have_scopes_and_can_be_revoked(app: TestApp) {
    let auth = app.session("owner").await;
    let created: Value = post(&app, "/api/v1/tokens", json!({"name": "reporting", "scopes": ["read"]}), Some(&auth))
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    let bearer = |req: reqwest::RequestBuilder| req.header("authorization", format!("Bearer {token}"));
    let me = bearer(TestApp::client().get(app.url("/api/v1/me"))).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let write =
        bearer(TestApp::client().post(app.url("/api/v1/tokens")).json(&json!({"name": "x", "scopes": ["read"]})))
            .send()
            .await
            .unwrap();
    assert_eq!(code(write).await, (403, "forbidden".into()));
    let listed: Value = get(&app, "/api/v1/tokens", Some(&auth)).await.json().await.unwrap();
    assert!(!serde_json::to_string(&listed).unwrap().contains(&token), "a token's secret is shown once only");
    let id = created["id"].as_i64().unwrap();
    let revoke = TestApp::client()
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .header("cookie", &auth.0)
        .header("x-csrf-token", &auth.1)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let after = bearer(TestApp::client().get(app.url("/api/v1/me"))).send().await.unwrap();
    assert_eq!(after.status(), 401);
    let bad = post(&app, "/api/v1/tokens", json!({"name": "x", "scopes": ["admin"]}), Some(&auth)).await;
    assert_eq!(code(bad).await, (422, "invalid".into()));
}

async fn invitations_are_all_or_nothing(app: TestApp) {
    let admin = app.session("vendor_admin").await;
    let site = app.site.0;
    let csv = format!(
        "email,display_name,role,site_id,foreign_national\nann@floor.test,Ann,agent,{site},yes\nbob@floor.test,Bob,owner,{site},no\n"
    );
    let res = post(&app, "/api/v1/invitations/bulk", json!({"csv": csv}), Some(&admin)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    assert!(body["message"].as_str().unwrap().contains("row 2"), "{body}");
    let csv = format!("email,display_name,role,site_id,foreign_national\nann@floor.test,Ann,agent,{site},yes\nbob@floor.test,Bob,supervisor,{site},no\n");
    let res = post(&app, "/api/v1/invitations/bulk", json!({"csv": csv}), Some(&admin)).await;
    assert_eq!(res.status(), 201);
    let invited: Value = res.json().await.unwrap();
    let ann_code = invited[0]["code"].as_str().unwrap();
    // Only the second batch wrote invitations: the first wrote nothing, so Ann's invitation is unique.
    let accept = post(&app, "/api/v1/invitations/accept", json!({"code": ann_code, "password": "short"}), None).await;
    assert_eq!(code(accept).await.0, 422);
    let accept =
        post(&app, "/api/v1/invitations/accept", json!({"code": ann_code, "password": "a long enough password"}), None)
            .await;
    assert_eq!(accept.status(), 201);
    let again =
        post(&app, "/api/v1/invitations/accept", json!({"code": ann_code, "password": "a long enough password"}), None)
            .await;
    assert_eq!(code(again).await, (404, "not_found".into()), "an invitation is single-use");
    let creds = app.store.credentials(&Email::parse("ann@floor.test").unwrap()).await.unwrap().unwrap();
    assert_eq!(creds.site_id, Some(app.site));
    let users: Value = get(&app, "/api/v1/users", Some(&admin)).await.json().await.unwrap();
    let ann = users.as_array().unwrap().iter().find(|u| u["email"] == "ann@floor.test").unwrap();
    assert_eq!(ann["foreign_national"], true);
    assert_eq!(ann["role"], "agent");
}

async fn sign_in_outside_the_site_network_is_refused(app: TestApp) {
    use clearline_store::NewSite;
    let system = Actor::system("test");
    let far = app
        .store
        .create_site(
            &system,
            Some(app.vendor),
            NewSite { name: "Far".into(), country: "PH".into(), networks: vec!["203.0.113.0/24".parse().unwrap()] },
        )
        .await
        .unwrap();
    app.store
        .create_user(
            &system,
            clearline_store::NewUser {
                org_id: app.vendor,
                email: Email::parse("far@example.org").unwrap(),
                display_name: "Far".into(),
                role: clearline_core::Role::Agent,
                site_id: Some(far.id),
                foreign_national: true,
                password_hash: clearline_web::auth::hash_password(PASSWORD).unwrap(),
            },
        )
        .await
        .unwrap();
    let res = post(&app, "/api/v1/session", json!({"email": "far@example.org", "password": PASSWORD}), None).await;
    assert_eq!(code(res).await, (403, "outside_site_network".into()));
    // The agent of the loopback site signs in.
    let (_, state) = sign_in(&app, "agent", None).await;
    assert_eq!(state, "done");
    // The vendor's supervisor sees the refusal on the wallboard: who and when, not the address.
    let supervisor = app.session("supervisor").await;
    let board: Value = get(&app, "/api/v1/floor", Some(&supervisor)).await.json().await.unwrap();
    let refused = board["off_network_sign_ins"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{board}");
    assert_eq!(refused[0][0], "Far");
    let page = get(&app, "/wallboard", Some(&supervisor)).await.text().await.unwrap();
    assert!(page.contains("Far tried to sign in from outside your site&#39;s networks"), "{page}");
}

async fn audit_export_is_jsonl_and_itself_audited(app: TestApp) {
    let auth = app.session("compliance_officer").await;
    let res = get(&app, "/api/v1/audit/export?action=user.", Some(&auth)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let text = res.text().await.unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 7, "one user.create per campaign role at least");
    assert!(lines.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()), "oldest first");
    let exports: Value = get(&app, "/api/v1/audit?action=audit.export", Some(&auth)).await.json().await.unwrap();
    assert_eq!(exports.as_array().unwrap().len(), 1);
    let bad = get(&app, "/api/v1/audit?since=yesterday", Some(&auth)).await;
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["field"], "since");
}

#[test]
fn every_api_route_is_in_the_openapi_document() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(clearline_web::openapi::ApiDoc::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    let mut api_routes = 0;
    for route in clearline_web::routes().into_iter().filter(|r| r.is_api()) {
        api_routes += 1;
        let method = route.method.as_str().to_ascii_lowercase();
        if paths.get(route.path).and_then(|p| p.get(&method)).is_none() {
            missing.push(format!("{} {}", route.method, route.path));
        }
    }
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, api_routes, "the document describes operations that are not routes");
}

async fn wait_for_job(app: &TestApp, auth: &(String, String), job: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let status: Value = get(app, &format!("/api/v1/imports/{job}"), Some(auth)).await.json().await.unwrap();
        if status["state"] != "running" {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "the import did not finish: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn upload(app: &TestApp, auth: &(String, String), layout: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("layout", layout.to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("voters.txt"));
    TestApp::client()
        .post(app.url("/api/v1/imports"))
        .header("cookie", &auth.0)
        .header("x-csrf-token", &auth.1)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn a_voter_file_uploads_imports_and_reports(app: TestApp) {
    let auth = app.session("data_manager").await;
    let mut file = Vec::new();
    let stats = clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, 300, 4, &mut file).unwrap();
    let res = upload(&app, &auth, "nc", file.clone()).await;
    assert_eq!(res.status(), 202);
    let job: Value = res.json().await.unwrap();
    let status = wait_for_job(&app, &auth, job["job_id"].as_str().unwrap()).await;
    assert_eq!(status["state"], "done", "{status}");
    let report = &status["report"];
    assert_eq!(report["rows_read"], 300);
    assert_eq!(report["rejected"].as_u64().unwrap(), stats.duplicate_keys);
    assert_eq!(report["phones_invalid"].as_u64().unwrap(), stats.invalid_phones);
    let batches: Value = get(&app, "/api/v1/import-batches", Some(&auth)).await.json().await.unwrap();
    assert_eq!(batches.as_array().unwrap().len(), 1);
    let batch = batches[0]["id"].as_i64().unwrap();
    let rejects = get(&app, &format!("/api/v1/import-batches/{batch}/rejects"), Some(&auth)).await;
    assert_eq!(rejects.status(), 200);
    let csv = rejects.text().await.unwrap();
    assert_eq!(csv.lines().count() as u64, 1 + stats.duplicate_keys + stats.invalid_phones, "decrypted reject file");
    // Another campaign cannot follow this job or read these rejects.
    let other = app.session("other_owner").await;
    assert_eq!(
        get(&app, &format!("/api/v1/imports/{}", job["job_id"].as_str().unwrap()), Some(&other)).await.status(),
        404
    );
    assert_eq!(get(&app, &format!("/api/v1/import-batches/{batch}/rejects"), Some(&other)).await.status(), 404);
    // A broken file fails with its line, and imports nothing.
    let text = String::from_utf8_lossy(&file).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[10] = lines[10].replacen('\t', "", 1);
    let res = upload(&app, &auth, "nc", lines.join("\n").into_bytes()).await;
    let job: Value = res.json().await.unwrap();
    let status = wait_for_job(&app, &auth, job["job_id"].as_str().unwrap()).await;
    assert_eq!(status["state"], "failed");
    assert!(status["error"].as_str().unwrap().contains("line 11"), "{status}");
    let batches: Value = get(&app, "/api/v1/import-batches", Some(&auth)).await.json().await.unwrap();
    assert_eq!(batches.as_array().unwrap().len(), 1, "the failed import left no batch");
    // Without CSRF the upload is refused.
    let res = TestApp::client()
        .post(app.url("/api/v1/imports"))
        .header("cookie", &auth.0)
        .multipart(reqwest::multipart::Form::new().text("layout", "nc"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// The Voters page's policy check: every phone of the universe through the engine, counted by verdict
/// and rule; at night in the voters' zone, CR-45 denies them all; no number appears on the page.
async fn the_voters_page_checks_a_universe_against_the_contact_policy(app: TestApp) {
    let auth = app.session("data_manager").await;
    let mut file = Vec::new();
    clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, 200, 9, &mut file).unwrap();
    let job: Value = upload(&app, &auth, "nc", file.clone()).await.json().await.unwrap();
    let status = wait_for_job(&app, &auth, job["job_id"].as_str().unwrap()).await;
    assert_eq!(status["state"], "done", "{status}");
    let check = |who: (String, String), instant: &'static str| {
        let app = &app;
        async move {
            let fields = [
                ("filter", r#"{"op":"all","filters":[]}"#),
                ("dial_mode", "preview"),
                ("purpose", "gotv"),
                ("instant", instant),
                ("agent_country", "US"),
                ("csrf", who.1.as_str()),
            ];
            let res = TestApp::client()
                .post(app.url("/voters/check"))
                .header("cookie", &who.0)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(fields).unwrap())
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, night) = check(auth.clone(), "2026-10-20T22:30:00-04:00").await;
    assert_eq!(status, 200, "{night}");
    assert!(night.contains("id=\"policy-check\""), "the check's results are on the page");
    assert!(night.contains("At 2026-10-20T22:30:00-04:00:"));
    let verdicts: Vec<&str> = night.split("<td>").skip(1).map(|c| c.split('<').next().unwrap()).collect();
    assert!(verdicts.contains(&"deny"), "{verdicts:?}");
    assert!(
        !verdicts.contains(&"allow") && !verdicts.contains(&"allow_with_conditions"),
        "nothing is callable at night"
    );
    assert!(night.contains("CR-45"), "the calling window is the reason");
    // The page never shows a number: no digits run of a full NANP number.
    let digits = night.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit));
    assert!(!digits, "no phone number on the page");
    let (_, day) = check(auth.clone(), "2026-10-20T14:00:00-04:00").await;
    assert!(!day.contains("CR-45"), "at 14:00 the window is open");
    // A bad instant is a clear error on the page, not a 5xx.
    let (status, bad) = check(auth, "yesterday").await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.contains("instant"), "the error names the field");
}

async fn form_post(
    app: &TestApp,
    who: &(String, String),
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut fields = fields.to_vec();
    fields.push(("csrf", who.1.as_str()));
    let res = TestApp::client()
        .post(app.url(path))
        .header("cookie", &who.0)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&fields).unwrap())
        .send()
        .await
        .unwrap();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (res.status().as_u16(), location, res.text().await.unwrap())
}

/// The Programs page: a refused form lists every problem by field; a created program's call list is
/// built through the contact policy and shown as counts and reasons, never a number; other campaigns
/// cannot see it.
async fn the_programs_page_sets_up_a_program_and_builds_its_call_list(app: TestApp) {
    use clearline_core::Role;
    let data = app.session("data_manager").await;
    let mut file = Vec::new();
    clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, 200, 9, &mut file).unwrap();
    let job: Value = upload(&app, &data, "nc", file).await.json().await.unwrap();
    assert_eq!(wait_for_job(&app, &data, job["job_id"].as_str().unwrap()).await["state"], "done");
    let pm_actor = campaign_actor(&app, "program_manager", Role::ProgramManager);
    let everyone: clearline_core::universe::Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    app.store.save_universe(&pm_actor, "everyone", &everyone).await.unwrap();
    let people = app.store.count_universe(&pm_actor, &everyone).await.unwrap();

    let pm = app.session("program_manager").await;
    let form = |shares: &'static str| {
        vec![
            ("slug", "gotv"),
            ("name", "GOTV"),
            ("universe", "everyone"),
            ("purpose", "gotv"),
            ("dial_mode", "predictive"),
            ("window", "09:00-20:30"),
            ("caller_id", "919-555-0100"),
            ("caller_id_authorized", "on"),
            ("max_attempts", "3"),
            ("vendors", shares),
        ]
    };
    let (status, _, page) = form_post(&app, &pm, "/programs", &form("vend=60")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"program-problems\""));
    assert!(page.contains("vendors: the vendors&#39; shares add up to 60 %"), "{page}");
    assert!(app.store.list_programs(&pm_actor).await.unwrap().is_empty(), "a refused form writes nothing");

    let (status, location, page) = form_post(&app, &pm, "/programs", &form("vend=100")).await;
    assert_eq!((status, location.as_str()), (303, "/programs/gotv"), "{page}");
    let (status, location, page) = form_post(&app, &pm, "/programs/gotv/build-list", &[]).await;
    assert_eq!((status, location.as_str()), (303, "/programs/gotv"), "{page}");
    let page = get(&app, "/programs/gotv", Some(&pm)).await.text().await.unwrap();
    assert!(page.contains("id=\"call-list\""), "{page}");
    assert!(page.contains(&format!("{people} people from the universe")), "{page}");
    assert!(page.contains("no_phone"), "the generator leaves some voters without a phone: {page}");
    assert!(page.contains("no approved script"), "what blocks the start is listed: {page}");
    assert!(!page.contains("/programs/gotv/start"), "no start button while something blocks it");
    // Posted anyway: refused with the blocker, and the program stays a draft.
    let (status, _, page) = form_post(&app, &pm, "/programs/gotv/start", &[]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("no approved script"), "{page}");
    assert_eq!(app.store.program_by_slug(&pm_actor, "gotv").await.unwrap().status.as_str(), "draft");
    assert!(page.contains("No call placed yet."), "{page}");
    let (status, _, _) = form_post(&app, &pm, "/programs/gotv/pause", &[]).await;
    assert_eq!(status, 422, "only a running program pauses");
    // The campaign's own caller ID is shown; no voter's number is.
    assert!(page.contains("+19195550100"));
    let without_caller_id = page.replace("+19195550100", "");
    let digits = without_caller_id.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit));
    assert!(!digits, "no voter's phone number on the page");
    let listed = get(&app, "/programs", Some(&pm)).await.text().await.unwrap();
    assert!(listed.contains("href=\"/programs/gotv\""));

    let other = app.session("other_owner").await;
    assert_eq!(
        get(&app, "/programs/gotv", Some(&other)).await.status(),
        404,
        "another campaign's program looks missing"
    );
    let (status, _, _) = form_post(&app, &other, "/programs/gotv/build-list", &[]).await;
    assert_eq!(status, 404);
}

/// Uploads a generated NC file as the data manager, saves `everyone` and creates and builds the draft
/// program `gotv` (predictive, 09:00-20:30, all to `vend`); returns the file's voter IDs.
async fn program_with_a_call_list(app: &TestApp) -> Vec<String> {
    use clearline_core::Role;
    let data = app.session("data_manager").await;
    let mut file = Vec::new();
    clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, 120, 9, &mut file).unwrap();
    let job: Value = upload(app, &data, "nc", file.clone()).await.json().await.unwrap();
    assert_eq!(wait_for_job(app, &data, job["job_id"].as_str().unwrap()).await["state"], "done");
    let pm_actor = campaign_actor(app, "program_manager", Role::ProgramManager);
    let everyone: clearline_core::universe::Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    app.store.save_universe(&pm_actor, "everyone", &everyone).await.unwrap();
    let pm = app.session("program_manager").await;
    let fields = [
        ("slug", "gotv"),
        ("name", "GOTV"),
        ("universe", "everyone"),
        ("purpose", "gotv"),
        ("dial_mode", "predictive"),
        ("window", "09:00-20:30"),
        ("caller_id", "919-555-0100"),
        ("caller_id_authorized", "on"),
        ("max_attempts", "3"),
        ("vendors", "vend=100"),
    ];
    assert_eq!(form_post(app, &pm, "/programs", &fields).await.0, 303);
    assert_eq!(form_post(app, &pm, "/programs/gotv/build-list", &[]).await.0, 303);
    let text: String = file.iter().map(|&b| b as char).collect(); // Latin-1
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = header.iter().position(|h| h.trim_matches('"') == "ncid").unwrap();
    lines.filter_map(|l| l.split('\t').nth(column)).map(|v| v.trim_matches('"').trim().to_string()).collect()
}

/// "Why not now?" over the API and on its page, for a compliance officer (who may not read personal
/// data): at night the calling hours refuse the dial and the answer names the next callable instant;
/// the number never appears; another campaign's program looks missing; every answer is audited.
async fn why_not_now_explains_one_voter_without_showing_the_number(app: TestApp) {
    let ids = program_with_a_call_list(&app).await;
    let compliance = app.session("compliance_officer").await;
    let why = |voter: String, at: &'static str| {
        let app = &app;
        let compliance = compliance.clone();
        async move {
            let res =
                post(app, "/api/v1/programs/gotv/why", json!({"voter_id": voter, "at": at}), Some(&compliance)).await;
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let mut listed = None;
    for id in &ids {
        let (status, x) = why(id.clone(), "2026-10-20T22:30:00-04:00").await;
        assert_eq!(status, 200, "{x}");
        if x["mode"] != "excluded" && x["phone"].is_object() {
            listed = Some((id.clone(), x));
            break;
        }
    }
    let (voter, night) = listed.expect("some voter is on the call list with a phone");
    assert_eq!(night["standing"], "program_not_running", "a draft calls nobody: {night}");
    assert_eq!(night["policy"]["verdict"], "deny", "{night}");
    let rules = night["policy"]["rules"].to_string();
    assert!(rules.contains("CR-45") || rules.contains("program_window"), "{night}");
    assert_eq!(night["phone"]["area_code"].as_str().unwrap().len(), 3);
    let body = night.to_string();
    assert!(!body.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)), "no number: {body}");
    let (_, day) = why(voter.clone(), "2026-10-20T14:00:00-04:00").await;
    assert!(day["policy"]["verdict"].as_str().unwrap().starts_with("allow"), "{day}");

    // The page: the voter ID goes in the form body; the answer shows the rule, never the number.
    let (status, _, page) = form_post(
        &app,
        &compliance,
        "/why",
        &[("program", "gotv"), ("voter_id", &voter), ("at", "2026-10-20T22:30:00-04:00")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"why-answer\""), "{page}");
    assert!(page.contains("Program not running"), "{page}");
    let without_caller_id = page.replace("+19195550100", "");
    assert!(
        !without_caller_id.as_bytes().windows(10).any(|w| w.iter().all(u8::is_ascii_digit)),
        "no number on the page"
    );
    let (status, _, page) = form_post(&app, &compliance, "/why", &[("program", "gotv"), ("voter_id", "NOBODY")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("No voter with that ID is on this program"), "{page}");
    let (status, _, page) =
        form_post(&app, &compliance, "/why", &[("program", "gotv"), ("voter_id", &voter), ("at", "soon")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("at: not an RFC 3339 instant"), "{page}");

    // Another campaign's program looks missing.
    let other = app.session("other_owner").await;
    let res = post(&app, "/api/v1/programs/gotv/why", json!({"voter_id": voter}), Some(&other)).await;
    assert_eq!(res.status(), 404);

    // Each answer is in the audit log, with the person's internal id only.
    let audit: Value = get(&app, "/api/v1/audit?limit=200", Some(&compliance)).await.json().await.unwrap();
    let events = audit["events"].as_array().or(audit.as_array()).cloned().unwrap_or_default();
    let explained: Vec<&Value> = events.iter().filter(|e| e["action"] == "dial.explain").collect();
    assert!(explained.len() >= 3, "{audit}");
    assert!(!explained.iter().any(|e| e.to_string().contains(&voter)), "the audit names no voter ID");
}

/// `POST /api/v1/policy/check`: verdicts in order, each with its id, exactly as the engine decides; a
/// case that cannot be read refuses the request with its position and field, never its value.
async fn the_policy_api_decides_cases_in_order_and_names_a_bad_field(app: TestApp) {
    let compliance = app.session("compliance_officer").await;
    let cases: Vec<Value> = include_str!("../../core/tests/policy_cases.jsonl")
        .lines()
        .take(40)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let res = post(&app, "/api/v1/policy/check", json!({ "cases": cases }), Some(&compliance)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let verdicts = body["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), cases.len());
    for (case, verdict) in cases.iter().zip(verdicts) {
        assert_eq!(verdict["id"], case["id"], "in order");
        assert_eq!(verdict["verdict"], case["expect"]["verdict"], "{}: {verdict}", case["id"]);
        assert_eq!(verdict["rules"], case["expect"]["rules"], "{}: {verdict}", case["id"]);
    }
    let mut bad = cases[..2].to_vec();
    bad[1]["phone"] = json!("+1919555SECRET");
    let res = post(&app, "/api/v1/policy/check", json!({ "cases": bad }), Some(&compliance)).await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains("cases[1].phone"), "{text}");
    assert!(!text.contains("SECRET"), "never the value: {text}");
    // An analyst does not explain dials.
    let analyst = app.session("analyst").await;
    let res = post(&app, "/api/v1/policy/check", json!({ "cases": cases }), Some(&analyst)).await;
    assert_eq!(res.status(), 403);
}

/// Opt-outs relayed from texts and emails (CR-8's words always count), the web form and the mail desk
/// put the number on the list at once (CR-47); a message that is not an opt-out lists nothing and is
/// recorded for a person to read; a bad number names the field, never the value.
async fn opt_outs_from_texts_and_emails_list_the_number_at_once(app: TestApp) {
    let compliance = app.session("compliance_officer").await;
    let opt_out = |body: Value| {
        let app = &app;
        let compliance = compliance.clone();
        async move {
            let res = post(app, "/api/v1/opt-outs", body, Some(&compliance)).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, x) =
        opt_out(json!({"channel": "text_reply", "phone": "(919) 555-0142", "message": "Who is this?"})).await;
    assert_eq!(status, 200, "{x}");
    assert_eq!((x["listed"].as_bool(), x["recognised"].as_bool()), (Some(false), Some(false)), "{x}");
    let (_, x) = opt_out(json!({"channel": "text_reply", "phone": "(919) 555-0142", "message": "STOP"})).await;
    assert_eq!((x["listed"].as_bool(), x["already_listed"].as_bool()), (Some(true), Some(false)), "{x}");
    // The same number written another way is the same entry (blind index over E.164).
    let (_, x) = opt_out(json!({"channel": "email", "phone": "+1 919 555 0142", "message": "please remove me"})).await;
    assert_eq!((x["listed"].as_bool(), x["already_listed"].as_bool()), (Some(true), Some(true)), "{x}");
    let (_, x) = opt_out(json!({"channel": "web", "phone": "919.555.0143"})).await;
    assert_eq!(x["listed"], true, "{x}");
    let (status, x) = opt_out(json!({"channel": "email", "phone": "919.555.0144"})).await;
    assert_eq!(status, 422, "a message channel needs its message: {x}");
    let (status, x) = opt_out(json!({"channel": "pigeon", "phone": "919.555.0144"})).await;
    assert_eq!(status, 422, "{x}");
    let res = post(&app, "/api/v1/opt-outs", json!({"channel": "web", "phone": "919-555-01"}), Some(&compliance)).await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains("phone") && !text.contains("919-555-01"), "{text}");
    // The unrecognised message and the listings are in the audit log, without numbers.
    let audit = get(&app, "/api/v1/audit?limit=200", Some(&compliance)).await.text().await.unwrap();
    assert!(audit.contains("dnc.message_unrecognised") && audit.contains("dnc.add"), "{audit}");
    assert!(!audit.contains("5550142"), "no number in the audit log");
}

/// The supervisor's wallboard (`GET /api/v1/floor` and the page): each program the vendor works through
/// an active engagement, with its own agents' latest states (people by name, bots marked) and its own
/// calls; an agent of another floor, and logged-out agents, never show; an ended engagement ends it all.
async fn the_wallboard_shows_a_vendor_its_own_agents_and_calls_only(app: TestApp) {
    use clearline_core::Role;
    use clearline_store::{AgentStateChange, NewAttempt};
    program_with_a_call_list(&app).await;
    let pm = campaign_actor(&app, "program_manager", Role::ProgramManager);
    let program = app.store.program_by_slug(&pm, "gotv").await.unwrap();
    let now = jiff::Timestamp::now().as_microsecond();
    let change = |agent: &str, state: &'static str, reason: Option<&str>, ago_s: i64, vendor| AgentStateChange {
        agent: agent.to_string(),
        state,
        reason: reason.map(String::from),
        at_us: now - ago_s * 1_000_000,
        vendor,
    };
    let person = app.users["agent"].0.to_string();
    let changes = [
        change(&person, "ready", None, 1_200, Some(app.vendor)),
        change(&person, "paused", Some("lunch"), 1_000, Some(app.vendor)),
        change("bot-vend-1", "ready", None, 400, Some(app.vendor)),
        change("bot-vend-2", "ready", None, 300, Some(app.vendor)),
        change("bot-vend-2", "logged_out", None, 200, Some(app.vendor)),
        change("bot-elsewhere", "on_call", None, 100, None),
        change("bot-vend-3", "wrap_up", None, 200, Some(app.vendor)),
    ];
    app.store.log_agent_states(&pm, &program, &changes).await.unwrap();
    app.tamper(&["UPDATE programs SET status = 'running' WHERE slug = 'gotv'"]).await;
    let program = app.store.program_by_slug(&pm, "gotv").await.unwrap();
    let entries = app.store.dialable_entries(&pm, &program, Some(app.vendor), now, 2, &[]).await.unwrap();
    assert_eq!(entries.len(), 2);
    for e in &entries {
        let attempt =
            NewAttempt { person_id: e.person_id, dial_kind: "paced", agent: None, dialed_at_us: now, simulated: true };
        app.store.open_attempt(&pm, &program, &attempt).await.unwrap();
    }
    // A third call, taken and finished by the person: a contact in the last hour.
    let third = app.store.dialable_entries(&pm, &program, Some(app.vendor), now, 1, &[]).await.unwrap()[0].person_id;
    let attempt =
        NewAttempt { person_id: third, dial_kind: "preview", agent: None, dialed_at_us: now, simulated: true };
    let id = app.store.open_attempt(&pm, &program, &attempt).await.unwrap();
    let result = clearline_store::AttemptResult {
        disposition: clearline_core::disposition::Disposition::Complete,
        agent: Some(person.clone()),
        rang_at_us: Some(now),
        answered_at_us: Some(now),
        greeting_ended_at_us: None,
        bridged_at_us: Some(now),
        ended_at_us: now + 1,
        callback_at_us: None,
        answers: Vec::new(),
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
        custom_disposition: None,
    };
    app.store.finish_attempt(&pm, &program, id, &result).await.unwrap();

    let supervisor = app.session("supervisor").await;
    let res = get(&app, "/api/v1/floor", Some(&supervisor)).await;
    assert_eq!(res.status(), 200);
    let board: Value = res.json().await.unwrap();
    let programs = board["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 1, "{board}");
    let gotv = &programs[0];
    assert_eq!(gotv["slug"], "gotv");
    let seats: Vec<(String, String, bool)> = gotv["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (a["agent"].as_str().unwrap().into(), a["state"].as_str().unwrap().into(), a["bot"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        seats,
        vec![
            ("Agent".to_string(), "paused".to_string(), false),
            ("bot-vend-1".to_string(), "ready".to_string(), true),
            ("bot-vend-3".to_string(), "wrap_up".to_string(), true),
        ],
        "the person by name at their latest state, the ready bot; not the logged-out bot nor another floor's"
    );
    assert_eq!(gotv["calls_in_progress"], entries.len() as u64);
    assert_eq!(gotv["attempts_24h"], entries.len() as u64 + 1);
    assert_eq!(gotv["contacts_last_hour"], 1);
    let contacts: Vec<u64> =
        gotv["agents"].as_array().unwrap().iter().map(|a| a["contacts_last_hour"].as_u64().unwrap()).collect();
    assert_eq!(contacts, vec![1, 0, 0], "the person's contact, by agent");
    let page = get(&app, "/wallboard", Some(&supervisor)).await.text().await.unwrap();
    // Over 15 minutes paused, over 5 minutes ready without a call (the seconds may have moved on).
    assert!(page.contains("Agent has been paused for 16:4"), "a long pause is an alert: {page}");
    assert!(page.contains("(lunch)."), "with its reason");
    assert!(page.contains("bot-vend-1 has waited 6:4"), "an idle agent is an alert");
    assert!(page.contains("bot-vend-3 has been in wrap-up for 3:2"), "a disposition held too long is an alert");
    assert!(page.contains("2 (0 live with an agent;"), "in-progress calls split by whether an agent has them");
    assert!(!page.contains("bot-elsewhere"));
    // Campaign staff have no wallboard; an agent neither.
    for who in ["program_manager", "agent"] {
        let session = app.session(who).await;
        assert_eq!(get(&app, "/api/v1/floor", Some(&session)).await.status(), 403, "{who}");
    }
    // The campaign ends the engagement: the program leaves the vendor's board at once.
    let owner = campaign_actor(&app, "owner", Role::Owner);
    let engagement = app.store.list_engagements(&owner).await.unwrap()[0].id;
    app.store.end_engagement(&owner, engagement).await.unwrap();
    let board: Value = get(&app, "/api/v1/floor", Some(&supervisor)).await.json().await.unwrap();
    assert_eq!(board["programs"], json!([]), "{board}");
}

/// Campaign oversight (`GET /api/v1/oversight` and the page): per program, the vendor's attempts,
/// contacts, completes and dispositions, CR-46 live answers and abandonment, and the last 24 hours by
/// hour (the chart and its table); results readers only; another campaign sees none of it.
async fn oversight_counts_each_vendors_calls_side_by_side_and_by_hour(app: TestApp) {
    use clearline_core::disposition::Disposition;
    use clearline_core::Role;
    use clearline_store::{AttemptResult, NewAttempt};
    program_with_a_call_list(&app).await;
    let pm = campaign_actor(&app, "program_manager", Role::ProgramManager);
    // Running (its start, with an approved script, is another test's): its list is dialable.
    app.tamper(&["UPDATE programs SET status = 'running' WHERE slug = 'gotv'"]).await;
    let program = app.store.program_by_slug(&pm, "gotv").await.unwrap();
    let now = jiff::Timestamp::now().as_microsecond();
    let entries = app.store.dialable_entries(&pm, &program, Some(app.vendor), now, 4, &[]).await.unwrap();
    assert_eq!(entries.len(), 4);
    let outcomes = [Some(Disposition::Complete), Some(Disposition::NoAnswer), Some(Disposition::Abandoned), None];
    for (e, outcome) in entries.iter().zip(outcomes) {
        let attempt =
            NewAttempt { person_id: e.person_id, dial_kind: "paced", agent: None, dialed_at_us: now, simulated: true };
        let id = app.store.open_attempt(&pm, &program, &attempt).await.unwrap();
        let Some(disposition) = outcome else { continue }; // left in flight
        let live = disposition != Disposition::NoAnswer;
        let result = AttemptResult {
            disposition,
            agent: None,
            rang_at_us: Some(now + 1_000_000),
            answered_at_us: live.then_some(now + 5_000_000),
            greeting_ended_at_us: live.then_some(now + 6_000_000),
            bridged_at_us: (disposition == Disposition::Complete).then_some(now + 7_000_000),
            ended_at_us: now + 60_000_000,
            callback_at_us: None,
            answers: Vec::new(),
            steps: Vec::new(),
            notes_enc: None,
            vendor_opt_out: None,
            audio_version_id: None,
            custom_disposition: None,
        };
        app.store.finish_attempt(&pm, &program, id, &result).await.unwrap();
    }

    let analyst = app.session("analyst").await;
    let res = get(&app, "/api/v1/oversight", Some(&analyst)).await;
    assert_eq!(res.status(), 200);
    let o: Value = res.json().await.unwrap();
    let gotv = o["programs"].as_array().unwrap().iter().find(|p| p["slug"] == "gotv").expect("the program");
    let vendors = gotv["vendors"].as_array().unwrap();
    assert_eq!(vendors.len(), 1, "{gotv}");
    let v = &vendors[0];
    assert_eq!(v["vendor"], "vend");
    assert_eq!((v["attempts"].as_u64(), v["in_flight"].as_u64()), (Some(4), Some(1)));
    assert_eq!((v["contacts"].as_u64(), v["completes"].as_u64()), (Some(1), Some(1)));
    assert_eq!((v["live"].as_u64(), v["abandoned"].as_u64()), (Some(2), Some(1)), "the bridged and the abandoned call");
    assert_eq!(v["by_disposition"], json!({"abandoned": 1, "complete": 1, "no_answer": 1}));
    let hourly = gotv["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 24);
    let last = &hourly[23];
    assert_eq!((last["attempts"].as_u64(), last["contacts"].as_u64()), (Some(4), Some(1)), "this hour's bar");
    assert!(hourly[..23].iter().all(|h| h["attempts"] == 0));

    let page = get(&app, "/oversight", Some(&analyst)).await.text().await.unwrap();
    assert!(page.contains("<svg role=\"img\""), "a chart drawn on the server");
    assert!(page.contains("4 attempts and 1 contacts"), "the chart says its totals in words");
    assert!(page.contains("1 of 2 live (50.0 %)"), "abandonment beside its live answers");
    assert!(page.contains("33.3 %"), "the contact rate over finished attempts");
    for who in ["agent", "supervisor", "script_approver"] {
        let session = app.session(who).await;
        assert_eq!(get(&app, "/api/v1/oversight", Some(&session)).await.status(), 403, "{who}");
    }
    let other = app.session("other_owner").await;
    let theirs: Value = get(&app, "/api/v1/oversight", Some(&other)).await.json().await.unwrap();
    assert_eq!(theirs["programs"], json!([]), "another campaign sees none of this one's programs");
}

/// A campaign user of the test app as the store sees them (the CLI's principal, for direct store calls).
fn campaign_actor(app: &TestApp, who: &str, role: clearline_core::Role) -> Actor {
    Actor::User(clearline_core::Principal {
        user_id: app.users[who],
        org_id: app.campaign,
        org_kind: clearline_core::OrgKind::Campaign,
        role,
        site_id: None,
        via: clearline_core::Via::Cli,
        source: "test".into(),
    })
}
