//! Pages for organizations, sites, people, engagements, the audit log and one's account.

use super::{render, Chrome};
use crate::api::audit::AuditQuery;
use crate::api::users::{parse_invitation_csv, InviteRequest};
use crate::auth::{random_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::routes::Caller;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use clearline_core::audit::AuditEvent;
use clearline_core::org::{CampaignProfile, Election, Organization, Site, StateRegistration};
use clearline_core::validate::{FecCommitteeId, Slug, StateCode};
use clearline_core::{ApiTokenId, Capability, EngagementId, OrgKind, Role, UserId};
use clearline_store::{ApiTokenInfo, NewEngagement, NewInvitation, NewOrganization, NewSite, UserInfo};
use serde::Deserialize;
use std::collections::HashMap;

/// Shows an error from a form submission on the page, with the error's status.
fn with_status(mut response: Response, err: Option<&ApiError>) -> Response {
    if let Some(e) = err {
        *response.status_mut() = e.status();
    }
    response
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    org_name: String,
    org_kind: &'static str,
    role_label: &'static str,
}

pub async fn home(State(state): State<AppState>, caller: Caller) -> Response {
    let p = &caller.0.principal;
    if p.role == Role::Agent {
        return Redirect::to("/desk").into_response();
    }
    let org_name = match state.store().own_organization(&caller.actor()).await {
        Ok(o) => o.name,
        Err(e) => return ApiError::from(e).into_response(),
    };
    render(&HomePage {
        chrome: Chrome::for_caller(&caller, "/"),
        org_name,
        org_kind: p.org_kind.as_str(),
        role_label: p.role.label(),
    })
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    chrome: Chrome,
    org: Organization,
    profile: Option<CampaignProfile>,
    can_edit: bool,
    fec_id: String,
    candidates: String,
    elections: String,
    registrations: String,
    states: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn organization_page(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<&ApiError>,
    draft: Option<CampaignProfile>,
) -> Response {
    let actor = caller.actor();
    let org = match state.store().own_organization(&actor).await {
        Ok(o) => o,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let profile = match (draft, org.kind) {
        (Some(d), _) => Some(d),
        (None, OrgKind::Campaign) => state.store().campaign_profile(&actor).await.ok(),
        _ => None,
    };
    let p = profile.as_ref();
    let page = OrganizationPage {
        chrome: Chrome::for_caller(caller, "/organization"),
        can_edit: caller.0.principal.can(Capability::EditOrganizationProfile),
        fec_id: p.and_then(|p| p.fec_committee_id.as_ref()).map(|f| f.to_string()).unwrap_or_default(),
        candidates: p.map(|p| p.candidates.join("\n")).unwrap_or_default(),
        elections: p
            .map(|p| p.elections.iter().map(|e| format!("{} {}", e.kind, e.date)).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default(),
        registrations: p
            .map(|p| {
                p.state_registrations.iter().map(|r| format!("{} {}", r.state, r.number)).collect::<Vec<_>>().join("\n")
            })
            .unwrap_or_default(),
        states: p
            .map(|p| p.calling_states.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        profile,
        org,
        notice,
        error: error.map(|e| e.to_string()),
    };
    with_status(render(&page), error)
}

pub async fn organization(State(state): State<AppState>, caller: Caller) -> Response {
    organization_page(&state, &caller, None, None, None).await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    committee_legal_name: String,
    fec_committee_id: String,
    paid_for_by: String,
    callback_number: String,
    candidates: String,
    elections: String,
    state_registrations: String,
    calling_states: String,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l))
}

fn parse_profile(f: &ProfileForm) -> ApiResult<CampaignProfile> {
    let fec = match f.fec_committee_id.trim() {
        "" => None,
        s => Some(FecCommitteeId::parse(s)?),
    };
    let mut elections = Vec::new();
    for (n, line) in lines(&f.elections) {
        let (kind, date) = line.split_once(' ').ok_or_else(|| {
            ApiError::invalid("elections", format!("line {n}: write the kind, a space, then the date"))
        })?;
        let date = date
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("elections", format!("line {n}: the date must look like 2026-11-03")))?;
        elections.push(Election { kind: kind.to_string(), date });
    }
    let mut state_registrations = Vec::new();
    for (n, line) in lines(&f.state_registrations) {
        let (state, number) = line.split_once(' ').ok_or_else(|| {
            ApiError::invalid(
                "state_registrations",
                format!("line {n}: write the state code, a space, then the number"),
            )
        })?;
        let state = StateCode::parse(state)
            .map_err(|_| ApiError::invalid("state_registrations", format!("line {n}: not a state code")))?;
        state_registrations.push(StateRegistration { state, number: number.trim().to_string() });
    }
    let mut calling_states = Vec::new();
    for s in f.calling_states.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        calling_states.push(
            StateCode::parse(s)
                .map_err(|_| ApiError::invalid("calling_states", "use two-letter state codes separated by commas"))?,
        );
    }
    Ok(CampaignProfile {
        committee_legal_name: f.committee_legal_name.trim().to_string(),
        fec_committee_id: fec,
        state_registrations,
        candidates: lines(&f.candidates).map(|(_, l)| l.to_string()).collect(),
        elections,
        paid_for_by: f.paid_for_by.trim().to_string(),
        callback_number: f.callback_number.trim().to_string(),
        calling_states,
    })
}

pub async fn organization_save(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<ProfileForm>,
) -> Response {
    let result = match parse_profile(&form) {
        Ok(profile) => state.store().update_campaign_profile(&caller.actor(), profile).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => organization_page(&state, &caller, Some("Profile saved.".into()), None, None).await,
        Err(e) => organization_page(&state, &caller, None, Some(&e), None).await,
    }
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    chrome: Chrome,
    orgs: Vec<Organization>,
    error: Option<String>,
}

async fn organizations_page(state: &AppState, caller: &Caller, error: Option<&ApiError>) -> Response {
    let orgs = state.store().list_organizations(&caller.actor()).await.unwrap_or_default();
    with_status(
        render(&OrganizationsPage {
            chrome: Chrome::for_caller(caller, "/organizations"),
            orgs,
            error: error.map(|e| e.to_string()),
        }),
        error,
    )
}

pub async fn organizations(State(state): State<AppState>, caller: Caller) -> Response {
    organizations_page(&state, &caller, None).await
}

#[derive(Deserialize)]
pub struct VendorForm {
    name: String,
    slug: String,
}

pub async fn organizations_create(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<VendorForm>,
) -> Response {
    let result = async {
        let slug = Slug::parse(form.slug.trim())?;
        state
            .store()
            .create_organization(
                &caller.actor(),
                NewOrganization { kind: OrgKind::Vendor, slug, name: form.name, profile: None },
            )
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/organizations").into_response(),
        Err(e) => organizations_page(&state, &caller, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    chrome: Chrome,
    sites: Vec<Site>,
    error: Option<String>,
}

async fn sites_page(state: &AppState, caller: &Caller, error: Option<&ApiError>) -> Response {
    let sites = state.store().list_sites(&caller.actor()).await.unwrap_or_default();
    with_status(
        render(&SitesPage { chrome: Chrome::for_caller(caller, "/sites"), sites, error: error.map(|e| e.to_string()) }),
        error,
    )
}

pub async fn sites(State(state): State<AppState>, caller: Caller) -> Response {
    sites_page(&state, &caller, None).await
}

#[derive(Deserialize)]
pub struct SiteForm {
    name: String,
    country: String,
    networks: String,
}

pub async fn sites_create(State(state): State<AppState>, caller: Caller, Form(form): Form<SiteForm>) -> Response {
    let result = async {
        let mut networks = Vec::new();
        for (n, line) in lines(&form.networks) {
            networks.push(line.parse().map_err(|_| {
                ApiError::invalid("networks", format!("line {n}: not a CIDR network such as 203.0.113.0/24"))
            })?);
        }
        state
            .store()
            .create_site(&caller.actor(), None, NewSite { name: form.name, country: form.country, networks })
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/sites").into_response(),
        Err(e) => sites_page(&state, &caller, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserInfo>,
    roles: Vec<Role>,
    sites: Vec<Site>,
    codes: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn users_page(
    state: &AppState,
    caller: &Caller,
    codes: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<&ApiError>,
) -> Response {
    let actor = caller.actor();
    let p = &caller.0.principal;
    let users = state.store().list_users(&actor).await.unwrap_or_default();
    let sites = if p.org_kind == OrgKind::Vendor {
        state.store().list_sites(&actor).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let page = UsersPage {
        chrome: Chrome::for_caller(caller, "/users"),
        users,
        roles: Role::roles_of_kind(p.org_kind).collect(),
        sites,
        codes,
        notice,
        error: error.map(|e| e.to_string()),
    };
    with_status(render(&page), error)
}

pub async fn users(State(state): State<AppState>, caller: Caller) -> Response {
    users_page(&state, &caller, Vec::new(), None, None).await
}

async fn invite_all(state: &AppState, caller: &Caller, rows: Vec<InviteRequest>) -> ApiResult<Vec<(String, String)>> {
    let mut news = Vec::new();
    let mut shown = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let email = clearline_core::validate::Email::parse(&row.email).map_err(|e| {
            if rows.len() > 1 {
                ApiError::invalid("csv", format!("line {}: email: {}", i + 2, e.reason))
            } else {
                e.into()
            }
        })?;
        let code = random_token();
        news.push(NewInvitation {
            email,
            display_name: row.display_name.clone(),
            role: row.role,
            site_id: row.site_id.map(clearline_core::SiteId),
            foreign_national: row.foreign_national,
            token_hash: token_hash(&code),
            expires_at_us: clearline_store::now_us() + 7 * 24 * 3600 * 1_000_000,
        });
        shown.push((row.display_name.clone(), code));
    }
    state.store().create_invitations(&caller.actor(), &news).await?;
    Ok(shown)
}

pub async fn users_invite(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = async {
        let role: Role = field("role").parse().map_err(|_| ApiError::invalid("role", "choose a role"))?;
        let site_id = match field("site_id").as_str() {
            "" => None,
            s => Some(s.parse().map_err(|_| ApiError::invalid("site_id", "choose a site"))?),
        };
        let row = InviteRequest {
            email: field("email"),
            display_name: field("display_name"),
            role,
            site_id,
            foreign_national: field("foreign_national") == "yes",
        };
        invite_all(&state, &caller, vec![row]).await
    }
    .await;
    match result {
        Ok(codes) => users_page(&state, &caller, codes, Some("Invitation created.".into()), None).await,
        Err(e) => users_page(&state, &caller, Vec::new(), None, Some(&e)).await,
    }
}

#[derive(Deserialize)]
pub struct BulkForm {
    csv: String,
}

pub async fn users_invite_bulk(State(state): State<AppState>, caller: Caller, Form(form): Form<BulkForm>) -> Response {
    let result = match parse_invitation_csv(&form.csv) {
        Ok(rows) => invite_all(&state, &caller, rows).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(codes) => {
            let n = codes.len();
            users_page(&state, &caller, codes, Some(format!("{n} invitations created.")), None).await
        }
        Err(e) => users_page(&state, &caller, Vec::new(), None, Some(&e)).await,
    }
}

pub async fn users_reset_second_factor(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Response {
    match state.store().reset_second_factor(&caller.actor(), UserId(id)).await {
        Ok(()) => {
            users_page(
                &state,
                &caller,
                Vec::new(),
                Some("Second factor reset; they enrol again at next sign-in.".into()),
                None,
            )
            .await
        }
        Err(e) => users_page(&state, &caller, Vec::new(), None, Some(&ApiError::from(e))).await,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn users_reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let result = async {
        clearline_core::validate::password_acceptable(&form.password)?;
        let hash = crate::auth::hash_password(&form.password)?;
        state.store().reset_password(&caller.actor(), UserId(id), &hash).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => {
            users_page(&state, &caller, Vec::new(), Some("Password set; their sessions were ended.".into()), None).await
        }
        Err(e) => users_page(&state, &caller, Vec::new(), None, Some(&e)).await,
    }
}

struct EngagementRow {
    id: i64,
    counterpart: String,
    starts_on: String,
    ends_on: String,
    fields: String,
    state: &'static str,
    can_end: bool,
}

#[derive(Template)]
#[template(path = "engagements.html")]
struct EngagementsPage {
    chrome: Chrome,
    rows: Vec<EngagementRow>,
    is_campaign: bool,
    can_manage: bool,
    error: Option<String>,
}

async fn engagements_page(state: &AppState, caller: &Caller, error: Option<&ApiError>) -> Response {
    let actor = caller.actor();
    let p = &caller.0.principal;
    let engagements = state.store().list_engagements(&actor).await.unwrap_or_default();
    let orgs: HashMap<_, _> = state
        .store()
        .list_organizations(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let today = jiff::Zoned::now().date();
    let rows = engagements
        .into_iter()
        .map(|e| {
            let other = if p.org_kind == OrgKind::Campaign { e.vendor_id } else { e.campaign_id };
            let state = if e.ended_at_us.is_some() {
                "ended"
            } else if e.is_active_on(today) {
                "active"
            } else if today < e.starts_on {
                "not started"
            } else {
                "expired"
            };
            EngagementRow {
                id: e.id.0,
                counterpart: orgs.get(&other).cloned().unwrap_or_else(|| other.to_string()),
                starts_on: e.starts_on.to_string(),
                ends_on: e.ends_on.to_string(),
                fields: e.visible_fields.join(", "),
                can_end: e.ended_at_us.is_none(),
                state,
            }
        })
        .collect();
    let page = EngagementsPage {
        chrome: Chrome::for_caller(caller, "/engagements"),
        rows,
        is_campaign: p.org_kind == OrgKind::Campaign,
        can_manage: p.can(Capability::ManageEngagements),
        error: error.map(|e| e.to_string()),
    };
    with_status(render(&page), error)
}

pub async fn engagements(State(state): State<AppState>, caller: Caller) -> Response {
    engagements_page(&state, &caller, None).await
}

#[derive(Deserialize)]
pub struct EngagementForm {
    vendor: String,
    starts_on: String,
    ends_on: String,
    visible_fields: String,
}

pub async fn engagements_create(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<EngagementForm>,
) -> Response {
    let result = async {
        let vendor = Slug::parse(form.vendor.trim())?;
        let starts_on =
            form.starts_on.parse().map_err(|_| ApiError::invalid("starts_on", "use a date like 2026-09-01"))?;
        let ends_on = form.ends_on.parse().map_err(|_| ApiError::invalid("ends_on", "use a date like 2026-11-03"))?;
        let visible_fields =
            form.visible_fields.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        state
            .store()
            .create_engagement(
                &caller.actor(),
                None,
                NewEngagement { vendor, starts_on, ends_on, programs: Vec::new(), visible_fields },
            )
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/engagements").into_response(),
        Err(e) => engagements_page(&state, &caller, Some(&e)).await,
    }
}

pub async fn engagements_end(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Response {
    match state.store().end_engagement(&caller.actor(), EngagementId(id)).await {
        Ok(()) => Redirect::to("/engagements").into_response(),
        Err(e) => engagements_page(&state, &caller, Some(&ApiError::from(e))).await,
    }
}

struct AuditRow {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    object: String,
    source: String,
    details: String,
}

impl From<&AuditEvent> for AuditRow {
    fn from(e: &AuditEvent) -> Self {
        let when = jiff::Timestamp::from_microsecond(e.entry.occurred_at_us)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        AuditRow {
            seq: e.seq,
            when,
            actor: e.entry.actor.clone(),
            action: e.entry.action.clone(),
            object: format!("{} {}", e.entry.object_type, e.entry.object_id).trim().to_string(),
            source: e.entry.source.clone(),
            details: clearline_core::audit::canonical_details_text(&e.entry.details),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditRow>,
    q_action: String,
    q_actor: String,
    q_since: String,
    q_until: String,
    export_query: String,
    older_query: String,
    older: Option<i64>,
    can_export: bool,
    error: Option<String>,
}

pub async fn audit(State(state): State<AppState>, caller: Caller, Query(q): Query<AuditQuery>) -> Response {
    let (events, error) = match q.to_filter() {
        Ok(filter) => match state.store().audit_events(&caller.actor(), &filter).await {
            Ok(events) => (events, None),
            Err(e) => (Vec::new(), Some(ApiError::from(e))),
        },
        Err(e) => (Vec::new(), Some(e)),
    };
    let query = serde_urlencoded::to_string([
        ("action", q.action.clone().unwrap_or_default()),
        ("actor", q.actor.clone().unwrap_or_default()),
        ("since", q.since.clone().unwrap_or_default()),
        ("until", q.until.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    let limit = q.limit.unwrap_or(200).clamp(1, 10_000);
    let older = if events.len() as i64 >= limit { events.last().map(|e| e.seq) } else { None };
    let page = AuditPage {
        chrome: Chrome::for_caller(&caller, "/audit"),
        events: events.iter().map(AuditRow::from).collect(),
        q_action: q.action.unwrap_or_default(),
        q_actor: q.actor.unwrap_or_default(),
        q_since: q.since.unwrap_or_default(),
        q_until: q.until.unwrap_or_default(),
        export_query: query.clone(),
        older_query: query,
        older,
        can_export: caller.0.principal.can(Capability::ExportAuditLog),
        error: error.as_ref().map(|e| e.to_string()),
    };
    with_status(render(&page), error.as_ref())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    can_tokens: bool,
    tokens: Vec<ApiTokenInfo>,
    new_token: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    caller: &Caller,
    new_token: Option<String>,
    notice: Option<String>,
    error: Option<&ApiError>,
) -> Response {
    let can_tokens = caller.0.principal.can(Capability::ManageOwnApiTokens);
    let tokens =
        if can_tokens { state.store().list_api_tokens(&caller.actor()).await.unwrap_or_default() } else { Vec::new() };
    let page = AccountPage {
        chrome: Chrome::for_caller(caller, "/account"),
        can_tokens,
        tokens,
        new_token,
        notice,
        error: error.map(|e| e.to_string()),
    };
    with_status(render(&page), error)
}

pub async fn account(State(state): State<AppState>, caller: Caller) -> Response {
    account_page(&state, &caller, None, None, None).await
}

pub async fn account_sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> Response {
    match state.store().close_all_sessions(&caller.actor()).await {
        Ok(_) => (
            axum::response::AppendHeaders([(
                axum::http::header::SET_COOKIE,
                crate::api::session::clear_session_cookie(),
            )]),
            Redirect::to("/login"),
        )
            .into_response(),
        Err(e) => account_page(&state, &caller, None, None, Some(&ApiError::from(e))).await,
    }
}

pub async fn account_create_token(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let scopes: Vec<String> =
        ["read", "write"].iter().filter(|s| form.get(**s).is_some_and(|v| v == "yes")).map(|s| s.to_string()).collect();
    if scopes.is_empty() {
        return account_page(
            &state,
            &caller,
            None,
            None,
            Some(&ApiError::invalid("scopes", "choose read and/or write")),
        )
        .await;
    }
    let token = format!("cl_{}", random_token());
    let name = form.get("name").cloned().unwrap_or_default();
    match state.store().create_api_token(&caller.actor(), &name, &scopes, &token_hash(&token), None).await {
        Ok(_) => account_page(&state, &caller, Some(token), None, None).await,
        Err(e) => account_page(&state, &caller, None, None, Some(&ApiError::from(e))).await,
    }
}

pub async fn account_revoke_token(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Response {
    match state.store().revoke_api_token(&caller.actor(), ApiTokenId(id)).await {
        Ok(()) => account_page(&state, &caller, None, Some("Token revoked.".into()), None).await,
        Err(e) => account_page(&state, &caller, None, None, Some(&ApiError::from(e))).await,
    }
}
