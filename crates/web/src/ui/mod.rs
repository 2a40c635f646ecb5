//! The server-rendered UI: compile-checked askama templates, plain forms that work without script,
//! and a small script that adds live updates. Assets are embedded in the binary.

pub mod admin;
pub mod audio;
pub mod desk;
pub mod login;
pub mod mappings;
pub mod oversight;
pub mod programs;
pub mod script_preview;
pub mod scripts;
pub mod survey;
pub mod universes;
pub mod voters;
pub mod wallboard;
pub mod why;

use crate::routes::Caller;
use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use clearline_core::{Capability, Principal};

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub blurb: &'static str,
    pub current: bool,
}

/// What every page's frame needs: who is signed in, the navigation, the CSRF token for forms.
#[derive(Default)]
pub struct Chrome {
    pub who: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
}

const NAV: [(&str, &str, &str, Option<Capability>); 17] = [
    ("/", "Start", "", None),
    ("/desk", "Agent desk", "Take calls and record answers.", Some(Capability::UseAgentDesk)),
    (
        "/wallboard",
        "Wallboard",
        "Your agents by state, your calls, abandonment against the 3 % line, alerts.",
        Some(Capability::SuperviseFloor),
    ),
    (
        "/organization",
        "Organization",
        "Your organization and its legal profile.",
        Some(Capability::ViewOwnOrganization),
    ),
    (
        "/organizations",
        "Organizations",
        "Campaigns and vendors on this deployment.",
        Some(Capability::ManageOrganizations),
    ),
    ("/sites", "Sites", "Call floors, their countries and networks.", Some(Capability::ManageSites)),
    ("/users", "People", "Invite people, set roles, reset second factors.", Some(Capability::ManageUsers)),
    (
        "/voters",
        "Voters",
        "Import voter files; check a universe against the contact policy.",
        Some(Capability::EditLists),
    ),
    (
        "/universes",
        "Universes",
        "Build, count, save and sample the selections programs call.",
        Some(Capability::EditTargeting),
    ),
    (
        "/programs",
        "Programs",
        "Set up calling programs; build their call lists through the contact policy.",
        Some(Capability::ManagePrograms),
    ),
    (
        "/oversight",
        "Oversight",
        "What each program's calling has done, vendors side by side, hour by hour.",
        Some(Capability::ViewResults),
    ),
    (
        "/why",
        "Why not now?",
        "Why a voter is or is not called now, and when next: the call list and the contact policy.",
        Some(Capability::ExplainDials),
    ),
    ("/scripts", "Scripts", "What callers say: versions, what changed, approval.", Some(Capability::EditScripts)),
    (
        "/audio",
        "Audio",
        "What recordings say: voicemail drops, IVR prompts, the safe-harbor message; approval.",
        Some(Capability::EditScripts),
    ),
    (
        "/engagements",
        "Engagements",
        "Which vendors work for which campaigns, and what they see.",
        Some(Capability::ViewEngagements),
    ),
    ("/audit", "Audit log", "Every change, sign-in and export, tamper-evident.", Some(Capability::ViewAuditLog)),
    ("/account", "Account", "Sign out everywhere; API tokens.", None),
];

impl Chrome {
    pub fn for_caller(caller: &Caller, current: &str) -> Chrome {
        Chrome::for_principal(&caller.0.principal, caller.csrf(), current)
    }

    pub fn for_principal(p: &Principal, csrf: &str, current: &str) -> Chrome {
        let nav = NAV
            .iter()
            .filter(|(href, _, _, cap)| match cap {
                Some(cap) => p.can(*cap),
                // Agents have the desk and nothing else; their start page is the desk.
                None => *href == "/account" || p.role.capabilities() != [Capability::UseAgentDesk],
            })
            .map(|(href, label, blurb, _)| NavItem { href, label, blurb, current: *href == current })
            .collect();
        Chrome { who: Some(format!("{} · {}", p.role.label(), p.org_kind.as_str())), nav, csrf: csrf.to_string() }
    }

    pub fn anonymous() -> Chrome {
        Chrome::default()
    }
}

/// Renders a template, turning a template failure into a logged 500 page.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

/// A plain error page with a status.
pub fn error_page(status: StatusCode, message: String) -> Response {
    let heading = match status {
        StatusCode::FORBIDDEN => "Not allowed".to_string(),
        StatusCode::NOT_FOUND => "Not found".to_string(),
        s => s.canonical_reason().unwrap_or("Error").to_string(),
    };
    let mut response = render(&ErrorPage { chrome: Chrome::anonymous(), heading, message });
    *response.status_mut() = status;
    response
}

pub async fn css() -> Response {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/app.js"),
    )
        .into_response()
}
