//! `clearline demo`: a campaign with a full legal profile, two vendors (one US site, one offshore),
//! a user in every role, and their engagements. Idempotent: a second run reuses what is there and
//! prints the same credentials (kept in <data_dir>/demo-credentials.json, mode 0600).

use crate::config::Config;
use anyhow::Context;
use clearline_core::org::CampaignProfile;
use clearline_core::validate::{Email, Slug};
use clearline_core::{Actor, OrgId, OrgKind, Role, SiteId};
use clearline_store::{NewEngagement, NewOrganization, NewSite, NewUser, Store, StoreError};
use clearline_web::auth::{hash_password, random_token, totp};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoUser {
    pub email: String,
    pub password: String,
    /// Base32 TOTP secret, for roles that must use a second factor (null otherwise).
    pub totp_secret: Option<String>,
    pub role: Role,
    pub organization: String,
}

pub const CAMPAIGN: &str = "demo";
pub const US_VENDOR: &str = "granite-calls";
const OFFSHORE_VENDOR: &str = "lakeshore-contact";

/// Who the demo seeds: (organization slug, role, email local part, display name, foreign national).
const PEOPLE: [(&str, Role, &str, &str, bool); 14] = [
    (CAMPAIGN, Role::Owner, "owner", "Olivia Owner", false),
    (CAMPAIGN, Role::Admin, "admin", "Adam Admin", false),
    (CAMPAIGN, Role::DataManager, "data", "Dana Data", false),
    (CAMPAIGN, Role::ProgramManager, "programs", "Pat Programs", false),
    (CAMPAIGN, Role::ScriptApprover, "scripts", "Sam Scripts", false),
    (CAMPAIGN, Role::ComplianceOfficer, "compliance", "Casey Compliance", false),
    (CAMPAIGN, Role::Analyst, "analyst", "Andy Analyst", false),
    (US_VENDOR, Role::VendorAdmin, "admin", "Vera Vendor", false),
    (US_VENDOR, Role::Supervisor, "supervisor", "Sue Supervisor", false),
    (US_VENDOR, Role::Agent, "agent", "Alex Agent", false),
    (OFFSHORE_VENDOR, Role::VendorAdmin, "admin", "Ramon Reyes", false),
    (OFFSHORE_VENDOR, Role::Supervisor, "supervisor", "Liza Santos", true),
    (OFFSHORE_VENDOR, Role::Agent, "agent", "Mark Dela Cruz", true),
    ("deployment", Role::Operator, "operator", "Opal Operator", false),
];

pub fn email_of(org: &str, local: &str) -> String {
    format!("{local}@{org}.clearline.test")
}

fn profile() -> CampaignProfile {
    serde_json::from_value(serde_json::json!({
        "committee_legal_name": "Friends of Jordan Rivera",
        "fec_committee_id": "C00912345",
        "state_registrations": [{"state": "NC", "number": "STA-2026-0412"}, {"state": "VA", "number": "PAC-88213"}],
        "candidates": ["Jordan Rivera"],
        "elections": [{"kind": "primary", "date": "2026-03-03"}, {"kind": "general", "date": "2026-11-03"}],
        "paid_for_by": "Paid for by Friends of Jordan Rivera and authorized by Jordan Rivera",
        "callback_number": "+19195550142",
        "calling_states": ["NC", "VA"]
    }))
    .expect("the demo profile is valid")
}

async fn org(store: &Store, system: &Actor, kind: OrgKind, slug: &str, name: &str) -> anyhow::Result<OrgId> {
    match store.organization_by_slug(system, slug).await {
        Ok(o) => Ok(o.id),
        Err(StoreError::NotFound) => {
            let profile = (kind == OrgKind::Campaign).then(profile);
            let new = NewOrganization { kind, slug: Slug::parse(slug)?, name: name.into(), profile };
            Ok(store.create_organization(system, new).await?.id)
        }
        Err(e) => Err(e.into()),
    }
}

async fn site(
    store: &Store,
    system: &Actor,
    vendor: OrgId,
    name: &str,
    country: &str,
    networks: &[&str],
) -> anyhow::Result<SiteId> {
    let new = NewSite {
        name: name.into(),
        country: country.into(),
        networks: networks.iter().map(|n| n.parse().expect("demo network")).collect(),
    };
    match store.create_site(system, Some(vendor), new).await {
        Ok(s) => Ok(s.id),
        Err(StoreError::Conflict { .. }) => {
            // Already seeded: find it by name through the vendor's own listing.
            let sites = store.sites_of(system, vendor).await?;
            sites.into_iter().find(|s| s.name == name).map(|s| s.id).context("demo site vanished")
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn seed(store: &Store, config: &Config) -> anyhow::Result<Vec<DemoUser>> {
    let system = Actor::system("demo");
    let creds_path = config.data_dir.join("demo-credentials.json");
    let mut known: Vec<DemoUser> = match std::fs::read_to_string(&creds_path) {
        Ok(text) => serde_json::from_str(&text).context("reading demo-credentials.json")?,
        Err(_) => Vec::new(),
    };
    let campaign = org(store, &system, OrgKind::Campaign, CAMPAIGN, "Friends of Jordan Rivera").await?;
    let us = org(store, &system, OrgKind::Vendor, US_VENDOR, "Granite Calling Co.").await?;
    let offshore = org(store, &system, OrgKind::Vendor, OFFSHORE_VENDOR, "Lakeshore Contact Center").await?;
    // Loopback is in every demo site's networks so the demo's agents can sign in from this machine.
    let us_site =
        site(store, &system, us, "Raleigh floor", "US", &["127.0.0.0/8", "::1/128", "198.51.100.0/24"]).await?;
    let offshore_site =
        site(store, &system, offshore, "Manila floor", "PH", &["127.0.0.0/8", "::1/128", "203.0.113.0/24"]).await?;

    let today = jiff::Zoned::now().date();
    let existing = store.engagements_of(&system, campaign).await?;
    for (vendor, slug, fields) in [
        (us, US_VENDOR, vec!["first_name", "language", "polling_place"]),
        (offshore, OFFSHORE_VENDOR, vec!["first_name", "language"]),
    ] {
        if existing.iter().any(|e| e.vendor_id == vendor) {
            continue;
        }
        store
            .create_engagement(
                &system,
                Some(campaign),
                NewEngagement {
                    vendor: Slug::parse(slug)?,
                    starts_on: today.checked_sub(jiff::Span::new().days(30))?,
                    ends_on: today.checked_add(jiff::Span::new().days(90))?,
                    programs: vec!["gotv-general".into(), SURVEY_PROGRAM.into()],
                    visible_fields: fields.into_iter().map(String::from).collect(),
                },
            )
            .await?;
    }

    let deployment = store.deployment_org();
    let mut out = Vec::new();
    for (org_slug, role, local, name, foreign_national) in PEOPLE {
        let email = email_of(org_slug, local);
        if let Some(user) = known.iter().find(|u| u.email == email) {
            out.push(user.clone());
            continue;
        }
        let (org_id, site_id) = match org_slug {
            CAMPAIGN => (campaign, None),
            US_VENDOR => (us, Some(us_site)),
            OFFSHORE_VENDOR => (offshore, Some(offshore_site)),
            _ => (deployment, None),
        };
        let password = format!("demo-{}", &random_token()[..16]);
        let new = NewUser {
            org_id,
            email: Email::parse(&email)?,
            display_name: name.into(),
            role,
            site_id,
            foreign_national,
            password_hash: hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let user = match store.create_user(&system, new).await {
            Ok(u) => u,
            Err(StoreError::Conflict { .. }) => {
                anyhow::bail!(
                    "the demo user {email} exists but its password is not in {}; use a fresh --data-dir",
                    creds_path.display()
                )
            }
            Err(e) => return Err(e.into()),
        };
        let totp_secret = if role.requires_second_factor_by_default() {
            let secret = totp::new_secret();
            store.enrol_second_factor_for(&system, user.id, &secret).await?;
            Some(secret)
        } else {
            None
        };
        let demo_user = DemoUser { email, password, totp_secret, role, organization: org_slug.to_string() };
        known.push(demo_user.clone());
        out.push(demo_user);
        crate::keys::write_private(&creds_path, &serde_json::to_string_pretty(&known)?)?;
    }
    Ok(out)
}

pub fn print_users(users: &[DemoUser], addr: Option<SocketAddr>) {
    println!();
    println!("Demo users (passwords and secrets are also in <data-dir>/demo-credentials.json):");
    println!("{:<44} {:<22} {:<20} {:<34} current code", "email", "password", "role", "TOTP secret");
    for u in users {
        let (secret, code) = match &u.totp_secret {
            Some(s) => (s.as_str(), totp::current(s).unwrap_or_default()),
            None => ("-", String::new()),
        };
        println!("{:<44} {:<22} {:<20} {:<34} {}", u.email, u.password, u.role.as_str(), secret, code);
    }
    if let Some(addr) = addr {
        println!();
        println!("Open http://{addr}/login and sign in as any of them. Owners, admins, vendor admins and the");
        println!("operator need a code from the TOTP secret (any authenticator app, or: oathtool --totp -b SECRET).");
    }
    println!();
}

/// Gives the demo campaign a synthetic NC voter file (imported as the demo data manager, encrypted like
/// any import) unless it already has people.
pub async fn seed_voters(
    store: &Store,
    config: &Config,
    rows: u64,
) -> anyhow::Result<Option<clearline_ingest::ImportReport>> {
    if rows == 0 {
        return Ok(None);
    }
    let email = Email::parse(&email_of(CAMPAIGN, "data"))?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let campaign = store.organization_by_slug(&actor, CAMPAIGN).await?.id;
    if store.person_count(&actor, campaign).await? > 0 {
        return Ok(None);
    }
    let mut file = Vec::new();
    clearline_voterfile::generate(&clearline_voterfile::Layout::Nc, rows, 2026, &mut file)?;
    let sealer = std::sync::Arc::new(crate::vaultkeys::campaign_sealer(config, store, &actor, campaign).await?);
    let options = clearline_ingest::ImportOptions {
        layout: clearline_voterfile::Layout::Nc,
        layout_name: "nc".into(),
        encoding: None,
        default_region: "US".into(),
        line_types: Some(
            clearline_core::phone::BlockLineTypes::parse(DEMO_LINE_TYPES)
                .map_err(|(line, e)| anyhow::anyhow!("the demo's line-type table, line {line}: {e}"))?,
        ),
    };
    let report =
        clearline_ingest::import_voters(store, &actor, campaign, sealer, options, std::io::Cursor::new(file), |_| {})
            .await?;
    Ok(Some(report))
}

/// The demo's stand-in for a data vendor's line-type append, by thousands-block of the fictional
/// 555-01XX lines the generator uses: four NC area codes' blocks are landlines (predictive dialing has
/// numbers to dial), five are wireless, and the 743 overlay is left out, so its numbers stay unknown —
/// which the contact policy treats as wireless (CR-49), never as landline.
const DEMO_LINE_TYPES: &str = "prefix,line_type
2525550,landline
3365550,landline
8285550,landline
9105550,landline
7045550,wireless
9195550,wireless
9805550,wireless
9845550,wireless
";

/// The demo's GOTV program: Democrats and unaffiliated voters, predictive for landlines (wireless and
/// unknown numbers blend in as preview calls, CR-49), 09:00–20:30 local, split 60/40 between the two
/// demo vendors, its call list built now. Left alone when it exists.
pub async fn seed_program(store: &Store, config: &Config) -> anyhow::Result<Option<clearline_store::CallListSummary>> {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{ProgramSettings, VendorShare};
    const PROGRAM: &str = "gotv-general"; // the demo engagements cover this program
    const UNIVERSE: &str = "Democrats and unaffiliated";
    let email = Email::parse(&email_of(CAMPAIGN, "programs"))?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let campaign = store.organization_by_slug(&actor, CAMPAIGN).await?.id;
    if store.person_count(&actor, campaign).await? == 0 || store.program_by_slug(&actor, PROGRAM).await.is_ok() {
        return Ok(None);
    }
    if store.universe_by_name(&actor, UNIVERSE).await.is_err() {
        let filter = serde_json::from_str(r#"{"op":"in","field":"party","values":["DEM","UNA"]}"#)?;
        store.save_universe(&actor, UNIVERSE, &filter).await?;
    }
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, UNIVERSE);
    settings.window = clearline_core::policy::case_file::parse_window("09:00-20:30");
    settings.caller_id = Some("+19195550100".parse()?);
    settings.caller_id_authorized = true;
    settings.vendors =
        vec![VendorShare::parse(&format!("{US_VENDOR}=60"))?, VendorShare::parse(&format!("{OFFSHORE_VENDOR}=40"))?];
    store.create_program(&actor, &Slug::parse(PROGRAM)?, "GOTV — general election", &settings).await?;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, &actor, campaign).await?;
    let summary =
        clearline_ingest::call_list::build_call_list(store, &actor, &sealer, PROGRAM, jiff::Timestamp::now()).await?;
    Ok(Some(summary))
}

/// The demo's survey program (issue 5): the documented survey script, asked of one registered voter per
/// household by the US vendor's floor.
pub const SURVEY_PROGRAM: &str = "survey-likely-voters";

/// The demo's survey program: every registered voter, one per household, predictive for landlines
/// (wireless and unknown numbers as preview calls, CR-49), not recorded (the survey script has no
/// recording notice), 09:00–20:30 local, all of it to the US vendor; its call list built now. Left
/// alone when it exists.
pub async fn seed_survey_program(
    store: &Store,
    config: &Config,
) -> anyhow::Result<Option<clearline_store::CallListSummary>> {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{ProgramSettings, VendorShare};
    const UNIVERSE: &str = "Registered voters";
    let email = Email::parse(&email_of(CAMPAIGN, "programs"))?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let campaign = store.organization_by_slug(&actor, CAMPAIGN).await?.id;
    if store.person_count(&actor, campaign).await? == 0 || store.program_by_slug(&actor, SURVEY_PROGRAM).await.is_ok() {
        return Ok(None);
    }
    if store.universe_by_name(&actor, UNIVERSE).await.is_err() {
        let filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#)?;
        store.save_universe(&actor, UNIVERSE, &filter).await?;
    }
    let mut settings = ProgramSettings::new(Purpose::Survey, DialMode::Predictive, UNIVERSE);
    settings.window = clearline_core::policy::case_file::parse_window("09:00-20:30");
    settings.caller_id = Some("+19195550100".parse()?);
    settings.caller_id_authorized = true;
    settings.recorded = false;
    settings.vendors = vec![VendorShare::parse(&format!("{US_VENDOR}=100"))?];
    store.create_program(&actor, &Slug::parse(SURVEY_PROGRAM)?, "District 2 issues survey", &settings).await?;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, &actor, campaign).await?;
    let summary =
        clearline_ingest::call_list::build_call_list(store, &actor, &sealer, SURVEY_PROGRAM, jiff::Timestamp::now())
            .await?;
    Ok(Some(summary))
}

/// How the demo's live calling runs.
#[derive(Clone)]
pub struct LiveCalling {
    pub bots_per_vendor: u32,
    pub answer_rate: f64,
    /// The instant the calling starts at (advancing in real time); `None`: now.
    pub calling_at: Option<jiff::Timestamp>,
    /// The agent desk the floors open on: people join the calling beside the bots.
    pub desk: clearline_calling::DeskHub,
    /// How long a desk may be closed while its agent owes a call.
    pub disconnect_grace: std::time::Duration,
}

/// Starts the demo programs (when nothing blocks them) and keeps bot agents calling their lists on the
/// simulated carrier in real time, four per vendor by default, eight hours of dialing after another — so
/// the programs' pages move from the first minute — and opens their floors to the agent desk, where
/// the demo's agents take calls beside the bots. The contact policy still decides every dial: outside
/// the programs' calling hours (09:00-20:30 in the voter's time zone) nothing is dialed. A program
/// someone else starts in the demo campaign — on its page or with `program start` — is called the same
/// way from the next look (every [`NEW_PROGRAM_LOOK`]): a program launched on the web places calls
/// like the seeded ones. Returns lines for the banner.
pub async fn start_live_calling(store: &Store, config: &Config, live: &LiveCalling) -> anyhow::Result<String> {
    let mut notes = Vec::new();
    let mut called: std::collections::HashSet<String> = std::collections::HashSet::new();
    for program in ["gotv-general", SURVEY_PROGRAM] {
        notes.push(start_live_program(store, config, program, live).await?);
        called.insert(program.to_string());
    }
    let email = Email::parse(&email_of(CAMPAIGN, "programs"))?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let (store, config, live) = (store.clone(), config.clone(), live.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(NEW_PROGRAM_LOOK).await;
            let programs = match store.list_programs(&actor).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "demo calling could not list the campaign's programs");
                    continue;
                }
            };
            for program in programs {
                if program.status != clearline_core::program::ProgramStatus::Running || called.contains(&program.slug) {
                    continue;
                }
                match start_live_program(&store, &config, &program.slug, &live).await {
                    Ok(note) => {
                        tracing::info!(program = %program.slug, "demo calling: {note}");
                        called.insert(program.slug);
                    }
                    Err(e) => {
                        tracing::warn!(program = %program.slug, error = %e, "demo calling could not call a program")
                    }
                }
            }
        }
    });
    notes.push(format!(
        "Programs started later in the demo campaign are called too (looked for every {} s).",
        NEW_PROGRAM_LOOK.as_secs()
    ));
    Ok(notes.join("\n"))
}

/// How often the demo's calling looks for programs started since (on the web or the CLI).
pub const NEW_PROGRAM_LOOK: std::time::Duration = std::time::Duration::from_secs(5);

async fn start_live_program(
    store: &Store,
    config: &Config,
    program_slug: &str,
    live: &LiveCalling,
) -> anyhow::Result<String> {
    let email = Email::parse(&email_of(CAMPAIGN, "programs"))?;
    let actor = Actor::User(store.cli_principal(&email).await?);
    let Ok(program) = store.program_by_slug(&actor, program_slug).await else {
        return Ok("No demo program (the demo has no voters): no live calling.".into());
    };
    if program.status != clearline_core::program::ProgramStatus::Running {
        if let Err(e) = store.start_program(&actor, program_slug, jiff::Zoned::now().date()).await {
            return Ok(format!("The demo program did not start ({e}): no live calling."));
        }
    }
    let campaign = store.organization_by_slug(&actor, CAMPAIGN).await?.id;
    let sealer = crate::vaultkeys::campaign_sealer(config, store, &actor, campaign).await?;
    let store = store.clone();
    let bots = live.bots_per_vendor;
    // The demo's clock: the chosen instant runs on from now, on the wall clock.
    let shift = live.calling_at.map(|at| at.as_microsecond() - jiff::Timestamp::now().as_microsecond());
    let mut options = clearline_calling::RunOptions {
        agents_per_vendor: bots,
        // A shift: people at the desk stay seated through it.
        duration: 8 * 3_600 * clearline_dialer::SECOND,
        pace: clearline_calling::Pace::RealTime,
        answer_rate: live.answer_rate,
        desk: Some(live.desk.clone()),
        desk_disconnect_grace: live.disconnect_grace,
        ..clearline_calling::RunOptions::default()
    };
    let slug = program_slug.to_string();
    tokio::spawn(async move {
        let program_slug = slug.as_str();
        let mut waiting = false;
        loop {
            let now = jiff::Timestamp::now();
            let origin = match shift {
                Some(us) => jiff::Timestamp::from_microsecond(now.as_microsecond() + us).unwrap_or(now),
                None => now,
            };
            let run = clearline_calling::run_program(&store, &actor, &sealer, program_slug, origin, &options);
            match run.await {
                Ok(report) => {
                    waiting = false;
                    tracing::info!(attempts = report.attempts_opened, "demo calling: a shift of dialing done")
                }
                // Paused (or not started): wait for someone to start it on its page, then call again.
                Err(clearline_calling::CallingError::NotRunning(status)) => {
                    if !waiting {
                        tracing::info!(status, "demo calling waits: the program is not running");
                        waiting = true;
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    continue;
                }
                // Another node (a second `demo` or `serve` on the same PostgreSQL) calls it: take over
                // when its lease runs out (it stopped), checking every few seconds.
                Err(clearline_calling::CallingError::LeasedElsewhere { holder, .. }) => {
                    if !waiting {
                        tracing::info!(%holder, "demo calling waits: another node calls the program");
                        waiting = true;
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
                Err(clearline_calling::CallingError::LeaseLost) => {
                    waiting = false;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "demo calling failed; trying again in a minute");
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                }
            }
            options.seed += 1; // the next hour draws other outcomes
        }
    });
    Ok(format!(
        "Live calling: {program_slug} on the simulated carrier ({bots} bot agents per vendor, and the demo's agents at the \
         agent desk), within its calling hours; pause and start it again on its program page. `--no-calling` serves without it."
    ))
}

/// The demo's scripts: the documented GOTV example (docs/scripts/gotv.script) and survey
/// (docs/scripts/survey.script), written by the program manager, approved by the script approver,
/// attached to `gotv-general` and the survey program when they exist. Idempotent. Returns whether
/// anything was written.
pub async fn seed_script(store: &Store) -> anyhow::Result<bool> {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::script::ScriptFacts;
    // The demo GOTV program is predictive and recorded (the programs' default); the survey is not recorded.
    let gotv = seed_one_script(
        store,
        "gotv-reminder",
        "GOTV — Election Day reminder",
        ScriptFacts { recorded: true, ..ScriptFacts::new(Purpose::Gotv, DialMode::Predictive) },
        include_str!("../../../docs/scripts/gotv.script"),
        "gotv-general",
    )
    .await?;
    let survey = seed_one_script(
        store,
        "issues-survey",
        "District 2 issues survey",
        ScriptFacts { recorded: false, ..ScriptFacts::new(Purpose::Survey, DialMode::Predictive) },
        include_str!("../../../docs/scripts/survey.script"),
        SURVEY_PROGRAM,
    )
    .await?;
    let spanish =
        seed_translation(store, "issues-survey", "es", include_str!("../../../docs/scripts/survey.es.script")).await?;
    Ok(gotv || survey || spanish)
}

/// An approved translation of the script's first version (a caller can switch to it mid-call).
/// Idempotent. Returns whether anything was written.
async fn seed_translation(store: &Store, script_slug: &str, language: &str, body: &str) -> anyhow::Result<bool> {
    let author = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "programs"))?).await?);
    let approver = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "scripts"))?).await?);
    let info = store.script_by_slug(&author, script_slug).await?;
    if info.versions.iter().any(|v| v.language == language) {
        return Ok(false);
    }
    let new =
        clearline_store::NewVersion { body: body.to_string(), language: language.into(), translation_of: Some(1) };
    let v = store.add_script_version(&author, script_slug, &new).await?;
    store.submit_script_version(&author, script_slug, v.number).await?;
    store.approve_script_version(&approver, script_slug, v.number).await?;
    Ok(true)
}

async fn seed_one_script(
    store: &Store,
    script_slug: &str,
    name: &str,
    facts: clearline_core::script::ScriptFacts,
    body: &str,
    program_slug: &str,
) -> anyhow::Result<bool> {
    let author = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "programs"))?).await?);
    let approver = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "scripts"))?).await?);
    let mut wrote = false;
    if store.script_by_slug(&author, script_slug).await.is_err() {
        store.create_script(&author, &Slug::parse(script_slug)?, name, &facts).await?;
        let body = body.to_string();
        let new = clearline_store::NewVersion { body, language: "en".into(), translation_of: None };
        let v = store.add_script_version(&author, script_slug, &new).await?;
        store.submit_script_version(&author, script_slug, v.number).await?;
        store.approve_script_version(&approver, script_slug, v.number).await?;
        wrote = true;
    }
    let attached = match store.program_by_slug(&author, program_slug).await {
        Ok(p) => p.script_version_id.is_some(),
        Err(StoreError::NotFound) => return Ok(wrote),
        Err(e) => return Err(e.into()),
    };
    if !attached {
        let info = store.script_by_slug(&author, script_slug).await?;
        if let Some(v) = info.latest_approved("en") {
            store.attach_script(&author, program_slug, script_slug, v.number).await?;
            wrote = true;
        }
    }
    Ok(wrote)
}

/// The demo's safe-harbor message (CR-46): played to a person a predictive program could not connect to
/// an agent, so both demo programs (predictive) need it approved and attached to start.
pub const SAFE_HARBOR_AUDIO: &str = "missed-you";

/// What the demo's safe-harbor recording says: the profile's legal name first, the key-press opt-out
/// right after it (CR-6), the profile's callback number (CR-5).
const SAFE_HARBOR_TRANSCRIPT: &str = "This is a message from Friends of Jordan Rivera. To stop these calls, press 9. \
    We are sorry we could not connect your call. To reach us, call 919-555-0142.";

/// Seeds the approved safe-harbor message, written by the program manager and approved by the script
/// approver, and attaches it to the demo's predictive programs that exist and lack one. The recording
/// is a soft 6-second tone made in Rust (`clearline_core::audio::tone_wav`), standing in for the voice
/// a campaign would record, so the demo needs no speech synthesizer. Idempotent; returns whether
/// anything was written.
pub async fn seed_audio(store: &Store) -> anyhow::Result<bool> {
    use clearline_core::audio::{tone_wav, AudioKind};
    let author = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "programs"))?).await?);
    let approver = Actor::User(store.cli_principal(&Email::parse(&email_of(CAMPAIGN, "scripts"))?).await?);
    let mut wrote = false;
    if store.audio_message(&author, SAFE_HARBOR_AUDIO).await.is_err() {
        let slug = Slug::parse(SAFE_HARBOR_AUDIO)?;
        store.create_audio_message(&author, &slug, "Safe harbor — sorry we missed you", AudioKind::SafeHarbor).await?;
        let v =
            store.add_audio_version(&author, SAFE_HARBOR_AUDIO, &tone_wav(6_000, 440), SAFE_HARBOR_TRANSCRIPT).await?;
        store.submit_audio_version(&author, SAFE_HARBOR_AUDIO, v.number).await?;
        store.approve_audio_version(&approver, SAFE_HARBOR_AUDIO, v.number).await?;
        wrote = true;
    }
    for program in ["gotv-general", SURVEY_PROGRAM] {
        let attached = match store.program_audio(&author, program).await {
            Ok(a) => a,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        if !attached.iter().any(|a| a.kind == AudioKind::SafeHarbor) {
            store.attach_audio(&author, program, SAFE_HARBOR_AUDIO, 1, None).await?;
            wrote = true;
        }
    }
    Ok(wrote)
}
