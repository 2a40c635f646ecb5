//! The route × role matrix: every HTTP route, called by every role (and by no one), must allow exactly
//! the roles listed here and refuse the rest. A route missing from this table fails the test, and so
//! does a row here whose route no longer exists.

mod support;

use reqwest::Method;
use std::collections::BTreeSet;
use support::TestApp;

const ALL: &[&str] = &[
    "owner",
    "admin",
    "data_manager",
    "program_manager",
    "script_approver",
    "compliance_officer",
    "analyst",
    "vendor_admin",
    "supervisor",
    "agent",
    "operator",
];
const NOT_AGENT: &[&str] = &[
    "owner",
    "admin",
    "data_manager",
    "program_manager",
    "script_approver",
    "compliance_officer",
    "analyst",
    "vendor_admin",
    "supervisor",
    "operator",
];
const ORG_EDITORS: &[&str] = &["owner", "admin", "vendor_admin"];
const OPERATOR: &[&str] = &["operator"];
const SITE_ADMINS: &[&str] = &["vendor_admin"];
const ENGAGEMENT_VIEWERS: &[&str] =
    &["owner", "admin", "data_manager", "program_manager", "compliance_officer", "vendor_admin", "supervisor"];
const CAMPAIGN_ADMINS: &[&str] = &["owner", "admin"];
const USER_ADMINS: &[&str] = &["owner", "admin", "vendor_admin", "operator"];
const AUDIT_READERS: &[&str] = &["owner", "admin", "data_manager", "compliance_officer", "vendor_admin", "operator"];
const AUDIT_EXPORTERS: &[&str] = &["owner", "admin", "compliance_officer", "vendor_admin", "operator"];
const AGENTS: &[&str] = &["agent"];
const SUPERVISORS: &[&str] = &["supervisor"];
const RESULTS_READERS: &[&str] =
    &["owner", "admin", "data_manager", "program_manager", "compliance_officer", "analyst"];
const LIST_EDITORS: &[&str] = &["owner", "admin", "data_manager"];
const TARGETERS: &[&str] = &["owner", "admin", "data_manager", "program_manager"];
const PERSONAL_DATA_EXPORTERS: &[&str] = &["owner", "admin", "data_manager"];
const PROGRAM_MANAGERS: &[&str] = &["owner", "admin", "program_manager"];
const SCRIPT_EDITORS: &[&str] = &["owner", "admin", "program_manager", "script_approver"];
const SCRIPT_APPROVERS: &[&str] = &["owner", "script_approver"];
const DNC_KEEPERS: &[&str] = &["owner", "admin", "data_manager", "compliance_officer"];
const DIAL_EXPLAINERS: &[&str] = &["owner", "admin", "data_manager", "program_manager", "compliance_officer"];

/// Who may call each route. `public` routes also answer anonymous callers.
fn matrix() -> Vec<(Method, &'static str, bool, &'static [&'static str])> {
    use Method as M;
    vec![
        (M::GET, "/healthz", true, ALL),
        (M::GET, "/readyz", true, ALL),
        (M::GET, "/metrics", true, ALL),
        (M::GET, "/api/v1/openapi.json", true, ALL),
        (M::GET, "/assets/app.css", true, ALL),
        (M::GET, "/assets/app.js", true, ALL),
        (M::POST, "/api/v1/session", true, ALL),
        (M::DELETE, "/api/v1/session", false, ALL),
        (M::POST, "/api/v1/session/second-factor", false, ALL),
        (M::GET, "/api/v1/session/second-factor/enrolment", false, ALL),
        (M::POST, "/api/v1/session/second-factor/enrolment", false, ALL),
        (M::POST, "/api/v1/session/sign-out-everywhere", false, ALL),
        (M::GET, "/api/v1/me", false, ALL),
        (M::GET, "/api/v1/organization", false, NOT_AGENT),
        (M::GET, "/api/v1/organization/profile", false, NOT_AGENT),
        (M::PUT, "/api/v1/organization/profile", false, ORG_EDITORS),
        (M::GET, "/api/v1/organizations", false, NOT_AGENT),
        (M::POST, "/api/v1/organizations", false, OPERATOR),
        (M::GET, "/api/v1/sites", false, NOT_AGENT),
        (M::POST, "/api/v1/sites", false, SITE_ADMINS),
        (M::GET, "/api/v1/engagements", false, ENGAGEMENT_VIEWERS),
        (M::POST, "/api/v1/engagements", false, CAMPAIGN_ADMINS),
        (M::POST, "/api/v1/engagements/{id}/end", false, CAMPAIGN_ADMINS),
        (M::GET, "/api/v1/users", false, USER_ADMINS),
        (M::POST, "/api/v1/invitations", false, USER_ADMINS),
        (M::POST, "/api/v1/invitations/bulk", false, USER_ADMINS),
        (M::POST, "/api/v1/invitations/accept", true, ALL),
        (M::POST, "/api/v1/users/{id}/reset-password", false, USER_ADMINS),
        (M::POST, "/api/v1/users/{id}/reset-second-factor", false, USER_ADMINS),
        (M::GET, "/api/v1/tokens", false, NOT_AGENT),
        (M::POST, "/api/v1/tokens", false, NOT_AGENT),
        (M::DELETE, "/api/v1/tokens/{id}", false, NOT_AGENT),
        (M::POST, "/api/v1/imports", false, LIST_EDITORS),
        (M::GET, "/api/v1/imports/{job}", false, LIST_EDITORS),
        (M::GET, "/api/v1/import-batches", false, LIST_EDITORS),
        (M::GET, "/api/v1/import-batches/{id}/rejects", false, PERSONAL_DATA_EXPORTERS),
        (M::GET, "/api/v1/audit", false, AUDIT_READERS),
        (M::GET, "/api/v1/audit/export", false, AUDIT_EXPORTERS),
        (M::GET, "/api/v1/audit/stream", false, AUDIT_READERS),
        (M::GET, "/login", true, ALL),
        (M::POST, "/login", true, ALL),
        (M::GET, "/login/second-factor", false, ALL),
        (M::POST, "/login/second-factor", false, ALL),
        (M::GET, "/login/enrol", false, ALL),
        (M::POST, "/login/enrol", false, ALL),
        (M::POST, "/logout", false, ALL),
        (M::GET, "/invitation", true, ALL),
        (M::POST, "/invitation", true, ALL),
        (M::GET, "/", false, ALL),
        (M::GET, "/desk", false, AGENTS),
        (M::GET, "/desk/stream", false, AGENTS),
        (M::GET, "/wallboard", false, SUPERVISORS),
        (M::GET, "/wallboard/stream", false, SUPERVISORS),
        (M::GET, "/oversight", false, RESULTS_READERS),
        (M::GET, "/oversight/stream", false, RESULTS_READERS),
        (M::GET, "/programs/{slug}/survey", false, RESULTS_READERS),
        (M::POST, "/programs/{slug}/survey", false, RESULTS_READERS),
        (M::GET, "/api/v1/programs/{slug}/survey", false, RESULTS_READERS),
        (M::POST, "/desk/join", false, AGENTS),
        (M::POST, "/desk/ready", false, AGENTS),
        (M::POST, "/desk/pause", false, AGENTS),
        (M::POST, "/desk/dial", false, AGENTS),
        (M::POST, "/desk/answer", false, AGENTS),
        (M::POST, "/desk/finish", false, AGENTS),
        (M::POST, "/desk/leave", false, AGENTS),
        (M::POST, "/desk/language", false, AGENTS),
        (M::GET, "/organization", false, NOT_AGENT),
        (M::POST, "/organization/profile", false, ORG_EDITORS),
        (M::GET, "/organizations", false, OPERATOR),
        (M::POST, "/organizations", false, OPERATOR),
        (M::GET, "/sites", false, SITE_ADMINS),
        (M::POST, "/sites", false, SITE_ADMINS),
        (M::GET, "/users", false, USER_ADMINS),
        (M::POST, "/users/invite", false, USER_ADMINS),
        (M::POST, "/users/invite-bulk", false, USER_ADMINS),
        (M::POST, "/users/{id}/reset-second-factor", false, USER_ADMINS),
        (M::POST, "/users/{id}/reset-password", false, USER_ADMINS),
        (M::GET, "/voters", false, LIST_EDITORS),
        (M::POST, "/voters/import", false, LIST_EDITORS),
        (M::GET, "/voters/imports/{job}", false, LIST_EDITORS),
        (M::GET, "/voters/mappings", false, LIST_EDITORS),
        (M::POST, "/voters/mappings", false, LIST_EDITORS),
        (M::GET, "/voters/mappings/{name}", false, LIST_EDITORS),
        (M::POST, "/voters/mappings/columns", false, LIST_EDITORS),
        (M::POST, "/voters/count", false, TARGETERS),
        (M::POST, "/voters/check", false, PERSONAL_DATA_EXPORTERS),
        (M::GET, "/universes", false, TARGETERS),
        (M::POST, "/universes", false, TARGETERS),
        (M::POST, "/universes/build", false, TARGETERS),
        (M::POST, "/universes/open", false, TARGETERS),
        (M::POST, "/universes/sample", false, TARGETERS),
        (M::GET, "/api/v1/universes", false, TARGETERS),
        (M::POST, "/api/v1/universes", false, TARGETERS),
        (M::POST, "/api/v1/universes/count", false, TARGETERS),
        (M::PATCH, "/api/v1/universes/{id}", false, TARGETERS),
        (M::DELETE, "/api/v1/universes/{id}", false, TARGETERS),
        (M::POST, "/universes/{id}/rename", false, TARGETERS),
        (M::POST, "/universes/{id}/delete", false, TARGETERS),
        (M::GET, "/programs", false, PROGRAM_MANAGERS),
        (M::POST, "/programs", false, PROGRAM_MANAGERS),
        (M::GET, "/programs/{slug}", false, PROGRAM_MANAGERS),
        (M::POST, "/programs/{slug}/build-list", false, PROGRAM_MANAGERS),
        (M::POST, "/programs/{slug}/start", false, PROGRAM_MANAGERS),
        (M::GET, "/api/v1/programs/{slug}/calls", false, PROGRAM_MANAGERS),
        (M::GET, "/api/v1/floor", false, SUPERVISORS),
        (M::GET, "/api/v1/oversight", false, RESULTS_READERS),
        (M::GET, "/api/v1/programs/{slug}/calls/stream", false, PROGRAM_MANAGERS),
        (M::POST, "/programs/{slug}/pause", false, PROGRAM_MANAGERS),
        (M::GET, "/why", false, DIAL_EXPLAINERS),
        (M::POST, "/why", false, DIAL_EXPLAINERS),
        (M::POST, "/api/v1/programs/{slug}/why", false, DIAL_EXPLAINERS),
        (M::POST, "/api/v1/policy/check", false, DIAL_EXPLAINERS),
        (M::POST, "/api/v1/opt-outs", false, DNC_KEEPERS),
        (M::GET, "/scripts", false, SCRIPT_EDITORS),
        (M::POST, "/scripts", false, SCRIPT_EDITORS),
        (M::GET, "/scripts/{slug}", false, SCRIPT_EDITORS),
        (M::POST, "/scripts/{slug}/versions", false, SCRIPT_EDITORS),
        (M::POST, "/scripts/{slug}/preview", false, SCRIPT_EDITORS),
        (M::GET, "/scripts/{slug}/versions/{number}", false, SCRIPT_EDITORS),
        (M::GET, "/scripts/{slug}/versions/{number}/preview", false, SCRIPT_EDITORS),
        (M::POST, "/scripts/{slug}/versions/{number}/preview", false, SCRIPT_EDITORS),
        (M::POST, "/scripts/{slug}/versions/{number}/submit", false, SCRIPT_EDITORS),
        (M::POST, "/scripts/{slug}/versions/{number}/approve", false, SCRIPT_APPROVERS),
        (M::POST, "/scripts/{slug}/versions/{number}/reject", false, SCRIPT_APPROVERS),
        (M::GET, "/audio", false, SCRIPT_EDITORS),
        (M::POST, "/audio", false, SCRIPT_EDITORS),
        (M::GET, "/audio/{slug}/versions/{number}", false, SCRIPT_EDITORS),
        (M::GET, "/audio/{slug}/versions/{number}/wav", false, SCRIPT_EDITORS),
        (M::POST, "/audio/{slug}/versions/{number}/submit", false, SCRIPT_EDITORS),
        (M::POST, "/audio/{slug}/versions/{number}/approve", false, SCRIPT_APPROVERS),
        (M::POST, "/audio/{slug}/versions/{number}/reject", false, SCRIPT_APPROVERS),
        (M::POST, "/programs/{slug}/attach-script", false, PROGRAM_MANAGERS),
        (M::POST, "/programs/{slug}/attach-audio", false, PROGRAM_MANAGERS),
        (M::GET, "/engagements", false, ENGAGEMENT_VIEWERS),
        (M::POST, "/engagements", false, CAMPAIGN_ADMINS),
        (M::POST, "/engagements/{id}/end", false, CAMPAIGN_ADMINS),
        (M::GET, "/audit", false, AUDIT_READERS),
        (M::GET, "/account", false, ALL),
        (M::POST, "/account/sign-out-everywhere", false, ALL),
        (M::POST, "/account/tokens", false, NOT_AGENT),
        (M::POST, "/account/tokens/{id}/revoke", false, NOT_AGENT),
    ]
}

#[test]
fn every_route_is_in_the_matrix_and_every_row_is_a_route() {
    let registered: BTreeSet<(String, String)> =
        clearline_web::routes().into_iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let listed: BTreeSet<(String, String)> =
        matrix().into_iter().map(|(m, p, _, _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(missing.is_empty(), "routes missing from the matrix: {missing:?}");
    assert!(stale.is_empty(), "matrix rows for routes that do not exist: {stale:?}");
}

async fn call(app: &TestApp, method: &Method, path: &str, auth: Option<(&str, &str)>) -> reqwest::StatusCode {
    // Object ids that exist in no organization: an allowed caller gets 404, never a side effect.
    let path = path.replace("{id}", "999999");
    let mut req = TestApp::client().request(method.clone(), app.url(&path));
    if let Some((cookie, csrf)) = auth {
        req = req.header("cookie", cookie).header("x-csrf-token", csrf);
    }
    if *method != Method::GET && *method != Method::DELETE {
        req = if path.starts_with("/api/") {
            req.header("content-type", "application/json").body("{}")
        } else {
            req.header("content-type", "application/x-www-form-urlencoded").body("")
        };
    }
    // Headers are enough (the audit stream never ends); the body is dropped unread.
    req.send().await.unwrap().status()
}

async fn route_role_matrix(app: TestApp) {
    let mut failures = Vec::new();
    for (method, path, public, allowed) in matrix() {
        for role in ALL {
            let (cookie, csrf) = app.session(role).await;
            let status = call(&app, &method, path, Some((&cookie, &csrf))).await;
            if status.is_server_error() {
                failures.push(format!("{method} {path} as {role}: got {status}; nothing may answer 5xx"));
            }
            let is_allowed = allowed.contains(role);
            let refused = status == 401 || status == 403;
            if is_allowed == refused || (!is_allowed && status != 403) {
                failures.push(format!(
                    "{method} {path} as {role}: got {status}, expected {}",
                    if is_allowed { "allowed" } else { "403" }
                ));
            }
        }
        let anonymous = call(&app, &method, path, None).await;
        let expected_refusal = if path.starts_with("/api/") { anonymous == 401 } else { anonymous == 303 && !public };
        if public {
            if anonymous == 401 || anonymous == 403 {
                failures.push(format!("{method} {path} anonymous: got {anonymous}, expected allowed"));
            }
        } else if !expected_refusal {
            failures.push(format!(
                "{method} {path} anonymous: got {anonymous}, expected 401 (API) or a redirect to /login"
            ));
        }
    }
    assert!(failures.is_empty(), "{} matrix failures:\n{}", failures.len(), failures.join("\n"));
}

both_backends!(route_role_matrix);
