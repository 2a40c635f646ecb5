//! The storage contract: every test runs against SQLite and PostgreSQL, each in a fresh database.

use clearline_core::audit::{ChainHead, ChainProblem};
use clearline_core::org::CampaignProfile;
use clearline_core::validate::{Email, Slug};
use clearline_core::{Actor, OrgId, OrgKind, Principal, Role, SiteId, UserId, Via};
use clearline_store::testing::{TestBackend, TestStore};
use clearline_store::{
    AuditFilter, DncEntry, NewEngagement, NewOrganization, NewSite, NewUser, Store, StoreError, VendorOptOut,
};
use sqlx::Executor;

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { if let Some(t) = super::TestStore::new(super::TestBackend::Sqlite, stringify!($name)).await { super::$name(t).await } } )* }
        mod postgres { $( #[tokio::test] async fn $name() { if let Some(t) = super::TestStore::new(super::TestBackend::Postgres, stringify!($name)).await { super::$name(t).await } } )* }
    };
}

contract!(
    migrations_are_idempotent_and_create_the_deployment,
    organizations_users_and_tenant_isolation,
    sessions_open_and_close_everywhere,
    lockout_after_repeated_failures,
    engagements_end_at_once,
    every_write_appends_a_gapless_chain,
    concurrent_writes_keep_the_chain_gapless,
    audit_rows_cannot_be_updated_or_deleted,
    verify_names_edited_removed_reordered_and_cut_events,
    checkpoints_are_signed_and_checked,
    signals_reach_subscribers,
    imports_insert_update_skip_unchanged_and_abort_cleanly,
    imported_values_are_stored_exactly_as_given,
    a_failing_import_leaves_nothing_and_the_store_usable,
    campaign_keys_are_per_campaign_and_replaceable,
    universes_count_with_and_or_not,
    do_not_call_and_consent_records,
    a_vendors_own_list_is_kept_by_its_admin_and_read_by_its_engaged_campaigns,
    households_link_shared_addresses_and_phones,
    a_first_import_rewrites_households_merged_after_their_rows_were_written,
    imports_leave_every_reference_whole_and_the_kept_counts_right,
    universe_dial_facts_match_do_not_call_and_consent_by_blind_index,
    universes_exclude_do_not_call_nest_dedupe_households_and_sample,
    universes_rename_keeping_their_id_and_delete_only_when_nothing_uses_them,
    universe_counts_are_kept_and_never_shown_current_after_a_change,
    column_mappings_are_listed_per_campaign_and_replaced_by_name,
    programs_are_campaign_scoped_and_call_lists_replace_whole,
    script_versions_are_immutable_and_approved_by_another_person,
    scripts_attach_only_approved_and_fitting_and_a_switch_is_audited,
    audio_versions_are_immutable_checked_on_their_transcript_and_approved_by_another_person,
    a_program_needing_audio_starts_only_with_an_approved_version_attached,
    an_ivr_program_starts_only_with_an_approved_prompt_for_each_later_question,
    attempts_are_counted_before_the_dial_and_closed_once,
    survey_answers_are_written_with_the_result_and_full_quota_cells_are_not_dialed,
    custom_dispositions_are_per_campaign_validated_audited_and_retired_not_deleted,
    a_custom_code_is_recorded_beside_its_base_which_alone_decides_the_redial,
    a_program_lease_has_one_holder_until_it_expires_and_a_taken_over_holder_cannot_renew,
    a_call_lists_kept_progress_and_its_attempts_tallies_are_what_live_counts_give,
);

fn system() -> Actor {
    Actor::system("test")
}

fn profile() -> CampaignProfile {
    serde_json::from_value(serde_json::json!({
        "committee_legal_name": "Friends of Test",
        "fec_committee_id": "C00123456",
        "paid_for_by": "Paid for by Friends of Test",
        "callback_number": "+19195550100",
        "calling_states": ["NC"]
    }))
    .unwrap()
}

struct World {
    campaign: OrgId,
    vendor: OrgId,
    site: SiteId,
    owner: Actor,
    vendor_admin: Actor,
    analyst: Actor,
}

fn as_actor(store_user: &clearline_store::UserInfo, kind: OrgKind) -> Actor {
    Actor::User(Principal {
        user_id: store_user.id,
        org_id: store_user.org_id,
        org_kind: kind,
        role: store_user.role,
        site_id: store_user.site_id,
        via: Via::Cli,
        source: "cli".into(),
    })
}

async fn world(store: &Store, suffix: &str) -> World {
    let campaign = store
        .create_organization(
            &system(),
            NewOrganization {
                kind: OrgKind::Campaign,
                slug: Slug::parse(&format!("camp-{suffix}")).unwrap(),
                name: "Campaign".into(),
                profile: Some(profile()),
            },
        )
        .await
        .unwrap();
    let vendor = store
        .create_organization(
            &system(),
            NewOrganization {
                kind: OrgKind::Vendor,
                slug: Slug::parse(&format!("vend-{suffix}")).unwrap(),
                name: "Vendor".into(),
                profile: None,
            },
        )
        .await
        .unwrap();
    let site = store
        .create_site(
            &system(),
            Some(vendor.id),
            NewSite { name: "Floor".into(), country: "us".into(), networks: vec!["127.0.0.0/8".parse().unwrap()] },
        )
        .await
        .unwrap();
    let user = |org: OrgId, role: Role, site: Option<SiteId>, n: &str| NewUser {
        org_id: org,
        email: Email::parse(&format!("{n}-{suffix}@example.org")).unwrap(),
        display_name: n.into(),
        role,
        site_id: site,
        foreign_national: false,
        password_hash: "$argon2id$fake".into(),
    };
    let owner = store.create_user(&system(), user(campaign.id, Role::Owner, None, "owner")).await.unwrap();
    let va = store.create_user(&system(), user(vendor.id, Role::VendorAdmin, Some(site.id), "va")).await.unwrap();
    let analyst = store.create_user(&system(), user(campaign.id, Role::Analyst, None, "analyst")).await.unwrap();
    World {
        campaign: campaign.id,
        vendor: vendor.id,
        site: site.id,
        owner: as_actor(&owner, OrgKind::Campaign),
        vendor_admin: as_actor(&va, OrgKind::Vendor),
        analyst: as_actor(&analyst, OrgKind::Campaign),
    }
}

async fn migrations_are_idempotent_and_create_the_deployment(t: TestStore) {
    let a = t.open().await;
    let deployment = a.deployment_org();
    a.close().await;
    let b = t.open().await;
    assert_eq!(b.deployment_org(), deployment, "reopening must not create a second deployment org");
    let reports = b.verify_audit(&system(), None).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].events, 1);
}

async fn organizations_users_and_tenant_isolation(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "a").await;
    let other = world(&store, "b").await;
    let users = store.list_users(&w.owner).await.unwrap();
    assert_eq!(users.len(), 2, "owner sees the two users of their own campaign only");
    assert!(users.iter().all(|u| u.org_id == w.campaign));
    // Another tenant's user is indistinguishable from a missing one.
    let foreign = store.list_users(&other.owner).await.unwrap()[0].id;
    assert!(matches!(store.user(&w.owner, foreign).await, Err(StoreError::NotFound)));
    assert!(matches!(store.user(&w.owner, UserId(999_999)).await, Err(StoreError::NotFound)));
    // An analyst cannot manage users.
    assert!(matches!(store.list_users(&w.analyst).await, Err(StoreError::Forbidden(_))));
    // Duplicate slugs and emails are conflicts naming the field.
    let dup = store
        .create_organization(
            &system(),
            NewOrganization {
                kind: OrgKind::Vendor,
                slug: Slug::parse("vend-a").unwrap(),
                name: "Again".into(),
                profile: None,
            },
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict { field: "slug" })));
    // A vendor user needs a site of their own vendor.
    let bad = store
        .create_user(
            &system(),
            NewUser {
                org_id: w.vendor,
                email: Email::parse("agent-x@example.org").unwrap(),
                display_name: "Agent".into(),
                role: Role::Agent,
                site_id: Some(other.site),
                foreign_national: true,
                password_hash: "x".into(),
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(ref i)) if i.field == "site_id"), "{bad:?}");
    // A campaign role cannot be given in a vendor.
    let bad = store
        .create_user(
            &system(),
            NewUser {
                org_id: w.vendor,
                email: Email::parse("x@example.org").unwrap(),
                display_name: "X".into(),
                role: Role::Analyst,
                site_id: None,
                foreign_national: false,
                password_hash: "x".into(),
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(ref i)) if i.field == "role"));
    // Organizations visible to a vendor admin: its own only until engaged.
    let seen = store.list_organizations(&w.vendor_admin).await.unwrap();
    assert_eq!(seen.iter().map(|o| o.id).collect::<Vec<_>>(), vec![w.vendor]);
    assert_eq!(store.list_sites(&w.vendor_admin).await.unwrap().len(), 1);
    assert_eq!(store.campaign_profile(&w.owner).await.unwrap(), profile());
}

async fn sessions_open_and_close_everywhere(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "s").await;
    let p = w.owner.principal().unwrap().clone();
    let far = jiff::Timestamp::now().as_microsecond() + 3_600_000_000;
    for token in ["a".repeat(64), "b".repeat(64)] {
        store
            .open_session(&Actor::anonymous("127.0.0.1"), p.user_id, p.org_id, &token, "csrf", true, far)
            .await
            .unwrap();
    }
    let s = store.session(&"a".repeat(64), "127.0.0.1").await.unwrap().unwrap();
    assert_eq!(s.principal.user_id, p.user_id);
    assert_eq!(s.principal.role, Role::Owner);
    assert!(store.session(&"c".repeat(64), "x").await.unwrap().is_none());
    let closed = store.close_all_sessions(&Actor::User(s.principal.clone())).await.unwrap();
    assert_eq!(closed, 2);
    assert!(store.session(&"a".repeat(64), "x").await.unwrap().is_none());
    assert!(store.session(&"b".repeat(64), "x").await.unwrap().is_none());
    // An expired session is absent.
    store.open_session(&Actor::anonymous("x"), p.user_id, p.org_id, &"d".repeat(64), "c", true, 1).await.unwrap();
    assert!(store.session(&"d".repeat(64), "x").await.unwrap().is_none());
}

async fn lockout_after_repeated_failures(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "l").await;
    let p = w.owner.principal().unwrap();
    let email = Email::parse("owner-l@example.org").unwrap();
    for _ in 0..4 {
        store
            .record_sign_in_failure(
                &Actor::anonymous("1.2.3.4"),
                Some((p.user_id, p.org_id)),
                clearline_store::SignInFailure::WrongPassword,
            )
            .await
            .unwrap();
    }
    assert!(store.credentials(&email).await.unwrap().unwrap().locked_until_us.is_none());
    store
        .record_sign_in_failure(
            &Actor::anonymous("1.2.3.4"),
            Some((p.user_id, p.org_id)),
            clearline_store::SignInFailure::WrongPassword,
        )
        .await
        .unwrap();
    let locked = store.credentials(&email).await.unwrap().unwrap().locked_until_us.unwrap();
    assert!(locked > jiff::Timestamp::now().as_microsecond());
    let failures = store
        .audit_events(
            &w.owner,
            &AuditFilter { action_prefix: Some("session.sign_in_failed".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(failures.len(), 5);
    assert_eq!(failures[0].entry.details["reason"], "wrong_password");
}

async fn engagements_end_at_once(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "e").await;
    let other = world(&store, "f").await;
    let today: jiff::civil::Date = "2026-10-01".parse().unwrap();
    let e = store
        .create_engagement(
            &w.owner,
            None,
            NewEngagement {
                vendor: Slug::parse("vend-e").unwrap(),
                starts_on: "2026-09-01".parse().unwrap(),
                ends_on: "2026-11-03".parse().unwrap(),
                programs: vec![],
                visible_fields: vec!["first_name".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(store.active_engagement(&w.vendor_admin, w.campaign, today).await.unwrap().id, e.id);
    assert!(store.active_engagement(&other.vendor_admin, w.campaign, today).await.is_err());
    assert_eq!(store.list_engagements(&w.vendor_admin).await.unwrap().len(), 1);
    assert!(store.list_engagements(&other.owner).await.unwrap().is_empty());
    // Another campaign cannot end it, and cannot tell it exists.
    assert!(matches!(store.end_engagement(&other.owner, e.id).await, Err(StoreError::NotFound)));
    // A vendor cannot engage itself.
    assert!(matches!(store.end_engagement(&w.vendor_admin, e.id).await, Err(StoreError::Forbidden(_))));
    store.end_engagement(&w.owner, e.id).await.unwrap();
    assert!(matches!(store.active_engagement(&w.vendor_admin, w.campaign, today).await, Err(StoreError::NotFound)));
    let bad = store
        .create_engagement(
            &w.owner,
            None,
            NewEngagement {
                vendor: Slug::parse("vend-e").unwrap(),
                starts_on: "2026-09-01".parse().unwrap(),
                ends_on: "2026-08-01".parse().unwrap(),
                programs: vec![],
                visible_fields: vec![],
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(ref i)) if i.field == "ends_on"));
}

async fn every_write_appends_a_gapless_chain(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "g").await;
    let events = store.audit_events(&w.owner, &AuditFilter::default()).await.unwrap();
    let seqs: Vec<i64> = events.iter().rev().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let actions: Vec<&str> = events.iter().rev().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, vec!["organization.create", "user.create", "user.create"]);
    // Vendor events live on the vendor's chain, not the campaign's.
    let vendor_events = store.audit_events(&w.vendor_admin, &AuditFilter::default()).await.unwrap();
    assert!(vendor_events.iter().any(|e| e.entry.action == "site.create"));
    assert!(events.iter().all(|e| e.org_id == w.campaign));
    // Filters.
    let only_users = store
        .audit_events(
            &w.owner,
            &AuditFilter { action_prefix: Some("user.".into()), limit: Some(1), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(only_users.len(), 1);
    assert_eq!(only_users[0].seq, 3);
    // An analyst may not read the log.
    assert!(matches!(store.audit_events(&w.analyst, &AuditFilter::default()).await, Err(StoreError::Forbidden(_))));
    assert!(store.verify_audit(&system(), None).await.unwrap().iter().all(|r| r.ok()));
}

async fn concurrent_writes_keep_the_chain_gapless(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "c").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let actor = Actor::anonymous(format!("10.0.0.{i}"));
        let target = w.owner.principal().map(|p| (p.user_id, p.org_id));
        tasks.push(tokio::spawn(async move {
            store.record_sign_in_failure(&actor, target, clearline_store::SignInFailure::Locked).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let reports = store.verify_audit(&system(), None).await.unwrap();
    let campaign = reports.iter().find(|r| r.org_id == w.campaign).unwrap();
    assert!(campaign.ok(), "{campaign:?}");
    assert_eq!(campaign.events, 3 + 16);
}

/// A raw connection to the test database, standing in for someone with direct database access.
async fn raw(t: &TestStore) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    match &t.config.database_url {
        None => {
            let url = format!("sqlite://{}", t.config.data_dir.join("clearline.db").display());
            sqlx::AnyConnection::connect(&url).await.unwrap()
        }
        Some(url) => {
            let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
            c.execute(format!("SET search_path TO {}", t.config.postgres_schema.as_ref().unwrap()).as_str())
                .await
                .unwrap();
            c
        }
    }
}

async fn audit_rows_cannot_be_updated_or_deleted(t: TestStore) {
    let store = t.open().await;
    let _w = world(&store, "u").await;
    let mut c = raw(&t).await;
    let update = c.execute("UPDATE audit_events SET action = 'x' WHERE seq = 1").await;
    assert!(update.is_err(), "UPDATE of an audit event must fail");
    let delete = c.execute("DELETE FROM audit_events WHERE seq = 1").await;
    assert!(delete.is_err(), "DELETE of an audit event must fail");
    if t.config.database_url.is_some() {
        assert!(c.execute("TRUNCATE audit_events").await.is_err(), "TRUNCATE must fail");
    }
    assert!(store.verify_audit(&system(), None).await.unwrap().iter().all(|r| r.ok()));
}

/// Lifts the append-only guard, as an attacker with database superuser rights could.
async fn lift_guard(t: &TestStore, c: &mut sqlx::AnyConnection) {
    if t.config.database_url.is_some() {
        c.execute("ALTER TABLE audit_events DISABLE TRIGGER USER").await.unwrap();
    } else {
        c.execute("DROP TRIGGER audit_events_no_update").await.unwrap();
        c.execute("DROP TRIGGER audit_events_no_delete").await.unwrap();
    }
}

async fn campaign_problem(store: &Store, campaign: OrgId, expect: Option<ChainHead>) -> Option<ChainProblem> {
    let reports = store.verify_audit(&system(), expect.map(|h| (campaign, h))).await.unwrap();
    reports.into_iter().find(|r| r.org_id == campaign).unwrap().problem
}

async fn verify_names_edited_removed_reordered_and_cut_events(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "v").await;
    // Give the campaign a chain of 8 events.
    for _ in 0..5 {
        store
            .record_sign_in_failure(
                &Actor::anonymous("10.9.9.9"),
                w.owner.principal().map(|p| (p.user_id, p.org_id)),
                clearline_store::SignInFailure::Locked,
            )
            .await
            .unwrap();
    }
    let head = store
        .verify_audit(&system(), None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.org_id == w.campaign)
        .unwrap()
        .head
        .unwrap();
    assert_eq!(head.seq, 8);
    let mut c = raw(&t).await;
    lift_guard(&t, &mut c).await;
    let org = w.campaign.0;

    // Edited.
    c.execute(format!("UPDATE audit_events SET source = '6.6.6.6' WHERE org_id = {org} AND seq = 4").as_str())
        .await
        .unwrap();
    assert_eq!(campaign_problem(&store, w.campaign, None).await, Some(ChainProblem::Altered { seq: 4 }));
    c.execute(format!("UPDATE audit_events SET source = '10.9.9.9' WHERE org_id = {org} AND seq = 4").as_str())
        .await
        .unwrap();
    assert_eq!(campaign_problem(&store, w.campaign, None).await, None, "restoring the value restores the chain");

    // Reordered: events 5 and 6 swap places.
    c.execute(format!("UPDATE audit_events SET seq = -5 WHERE org_id = {org} AND seq = 5").as_str()).await.unwrap();
    c.execute(format!("UPDATE audit_events SET seq = 5 WHERE org_id = {org} AND seq = 6").as_str()).await.unwrap();
    c.execute(format!("UPDATE audit_events SET seq = 6 WHERE org_id = {org} AND seq = -5").as_str()).await.unwrap();
    assert_eq!(
        campaign_problem(&store, w.campaign, None).await,
        Some(ChainProblem::Reordered { seq: 5, links_to_seq: 6 })
    );
    c.execute(format!("UPDATE audit_events SET seq = -5 WHERE org_id = {org} AND seq = 6").as_str()).await.unwrap();
    c.execute(format!("UPDATE audit_events SET seq = 6 WHERE org_id = {org} AND seq = 5").as_str()).await.unwrap();
    c.execute(format!("UPDATE audit_events SET seq = 5 WHERE org_id = {org} AND seq = -5").as_str()).await.unwrap();
    assert_eq!(campaign_problem(&store, w.campaign, None).await, None);

    // Cut tail: the last two events removed, and the stored head rewound to hide it. The signed
    // checkpoint or an externally kept head still catches it.
    c.execute(format!("DELETE FROM audit_events WHERE org_id = {org} AND seq > 6").as_str()).await.unwrap();
    let rewound = format!("UPDATE audit_heads SET seq = 6, hash = (SELECT hash FROM audit_events WHERE org_id = {org} AND seq = 6) WHERE org_id = {org}");
    c.execute(rewound.as_str()).await.unwrap();
    assert_eq!(
        campaign_problem(&store, w.campaign, None).await,
        None,
        "a rewound cut is invisible without an outside head"
    );
    assert_eq!(
        campaign_problem(&store, w.campaign, Some(head.clone())).await,
        Some(ChainProblem::Truncated { last_seq: 6, expected_seq: 8 })
    );

    // Removed from the middle.
    c.execute(format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = 3").as_str()).await.unwrap();
    assert_eq!(
        campaign_problem(&store, w.campaign, None).await,
        Some(ChainProblem::Removed { seq: 4, expected_seq: 3 })
    );
}

async fn checkpoints_are_signed_and_checked(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "k").await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let written = store.write_checkpoints(&system(), &key).await.unwrap();
    assert_eq!(written, 3, "one per chain with events: deployment, campaign, vendor");
    assert_eq!(store.write_checkpoints(&system(), &key).await.unwrap(), 0, "one checkpoint per chain per day");
    assert!(store.write_checkpoints(&w.owner, &key).await.is_err());
    let reports = store.verify_audit(&system(), None).await.unwrap();
    assert!(reports.iter().all(|r| r.ok() && r.checkpoints == 1), "{reports:?}");
    // A cut tail below a signed checkpoint is caught with no outside help.
    let mut c = raw(&t).await;
    lift_guard(&t, &mut c).await;
    let org = w.campaign.0;
    c.execute(format!("DELETE FROM audit_events WHERE org_id = {org} AND seq = 3").as_str()).await.unwrap();
    c.execute(format!("UPDATE audit_heads SET seq = 2, hash = (SELECT hash FROM audit_events WHERE org_id = {org} AND seq = 2) WHERE org_id = {org}").as_str()).await.unwrap();
    assert_eq!(
        campaign_problem(&store, w.campaign, None).await,
        Some(ChainProblem::Truncated { last_seq: 2, expected_seq: 3 })
    );
    // A forged checkpoint signature is reported.
    if t.config.database_url.is_some() {
        c.execute("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER").await.unwrap();
    } else {
        c.execute("DROP TRIGGER audit_checkpoints_no_update").await.unwrap();
    }
    c.execute(format!("UPDATE audit_checkpoints SET seq = 2 WHERE org_id = {org}").as_str()).await.unwrap();
    let reports = store.verify_audit(&system(), None).await.unwrap();
    let r = reports.iter().find(|r| r.org_id == w.campaign).unwrap();
    assert!(r.bad_checkpoint.is_some(), "{r:?}");
}

async fn signals_reach_subscribers(t: TestStore) {
    let store = t.open().await;
    let mut rx = store.signals().subscribe();
    let w = world(&store, "n").await;
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let s = rx.recv().await.unwrap();
            if s.topic == "audit" && s.org_id == Some(w.campaign) {
                return s;
            }
        }
    })
    .await
    .expect("a signal within 10 s");
    assert_eq!(got.object, "1");
}

fn person(key: &str, last: &str, hash: u8) -> clearline_store::PersonRecord {
    clearline_store::PersonRecord {
        person_key: key.into(),
        last_name: Some(last.into()),
        birth_year: Some(1980),
        vote_history: "[]".into(),
        extra: "{}".into(),
        field_problems: "[]".into(),
        address_zones: "America/New_York".into(),
        content_hash: vec![hash; 32],
        phones: vec![clearline_store::PhoneRecord {
            kind: "home".into(),
            number_enc: vec![1, 2, 3],
            number_index: vec![hash; 32],
            line_type: "unknown".into(),
            npa_zones: "America/New_York".into(),
            npa_state: Some("NC".into()),
        }],
        ..Default::default()
    }
}

async fn imports_insert_update_skip_unchanged_and_abort_cleanly(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "i").await;
    // An analyst may not import lists.
    assert!(matches!(store.begin_import(&w.analyst, w.campaign).await, Err(StoreError::Forbidden(_))));
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let rows: Vec<_> = (0..1203).map(|i| person(&format!("K{i}"), "Smith", 1)).collect();
    let c = import.upsert_chunk(rows).await.unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (1203, 0, 0));
    let summary =
        clearline_store::BatchSummary { layout: "nc".into(), rows_read: 1203, inserted: 1203, ..Default::default() };
    import.finish(&summary, Some(vec![9, 9])).await.unwrap();
    assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 1203);

    // A re-import: one changed, one new, the rest unchanged.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let mut rows: Vec<_> = (0..1203).map(|i| person(&format!("K{i}"), "Smith", 1)).collect();
    rows[5] = person("K5", "Jones", 2);
    rows.push(person("K-new", "Lee", 3));
    let c = import.upsert_chunk(rows).await.unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (1, 1, 1202));
    import.finish(&summary, None).await.unwrap();
    assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 1204);

    // An aborted import leaves nothing, not even its batch.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(vec![person("K-gone", "Gone", 4)]).await.unwrap();
    import.abort().await.unwrap();
    assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 1204);
    let imports = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("voters.import".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(imports.len(), 2, "two committed batches, each audited");
    assert_eq!(imports[1].entry.details["inserted"], 1203);
    // Another campaign sees none of it.
    let other = world(&store, "j").await;
    assert_eq!(store.person_count(&other.owner, other.campaign).await.unwrap(), 0);
    assert!(matches!(store.person_count(&other.owner, w.campaign).await, Err(StoreError::NotFound)));
}

/// Values that a text `COPY`, an array literal or a CSV writer would have to escape, and their
/// neighbours (NUL aside: PostgreSQL text cannot hold it).
const AWKWARD: [&str; 12] = [
    "tab\there\t",
    "back\\slash \\N \\x41 \\\\",
    "new\nline\r\nCRLF\r",
    r#"quote " and ' and "" "#,
    "José Ñúñez — 北京 🎉",
    "comma, {brace} [NULL] (x)",
    "",
    "\\.",
    "NULL",
    "\\",
    " leading and trailing ",
    "\u{7f}\u{1b}[0m\u{85}",
];

/// Every person column as a raw reader of the table sees it, by person key.
type StoredPerson = (Vec<Option<String>>, Vec<Option<i64>>, Vec<Option<Vec<u8>>>);

async fn stored_people(t: &TestStore, campaign: OrgId) -> Vec<(String, StoredPerson)> {
    use sqlx::Row;
    let mut c = raw(t).await;
    let rows = sqlx::query(
        "SELECT person_key, source_state, first_name, middle_name, last_name, name_suffix, res_address, res_city, \
         res_state, res_zip, county, gender, race, party, voter_status, registration_date, precinct, \
         congressional_district, state_house_district, state_senate_district, vote_history, extra, field_problems, \
         address_zones, birth_year, batch_id, birth_date_enc, email_enc, email_index, content_hash \
         FROM persons WHERE campaign_id = $1 ORDER BY person_key",
    )
    .bind(campaign.0)
    .fetch_all(&mut c)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let texts = (1..24).map(|i| r.get::<Option<String>, _>(i)).collect();
            let ints = (24..26).map(|i| r.get::<Option<i64>, _>(i)).collect();
            let blobs = (26..30).map(|i| r.get::<Option<Vec<u8>>, _>(i)).collect();
            (r.get::<String, _>(0), (texts, ints, blobs))
        })
        .collect()
}

/// The person columns of a record in the order [`stored_people`] reads them.
fn as_stored(p: &clearline_store::PersonRecord, batch: i64) -> (String, StoredPerson) {
    let texts = [
        &p.source_state,
        &p.first_name,
        &p.middle_name,
        &p.last_name,
        &p.name_suffix,
        &p.res_address,
        &p.res_city,
        &p.res_state,
        &p.res_zip,
        &p.county,
        &p.gender,
        &p.race,
        &p.party,
        &p.voter_status,
        &p.registration_date,
        &p.precinct,
        &p.congressional_district,
        &p.state_house_district,
        &p.state_senate_district,
    ]
    .into_iter()
    .cloned()
    .chain([&p.vote_history, &p.extra, &p.field_problems, &p.address_zones].map(|v| Some(v.clone())))
    .collect();
    let blobs =
        vec![p.birth_date_enc.clone(), p.email_enc.clone(), p.email_index.clone(), Some(p.content_hash.clone())];
    (p.person_key.clone(), (texts, vec![p.birth_year, Some(batch)], blobs))
}

/// Awkward text (tabs, backslashes, newlines, quotes, non-ASCII) and awkward bytes go in and come back
/// byte for byte, in the right column, NULL kept apart from empty — on PostgreSQL through `COPY`.
async fn imported_values_are_stored_exactly_as_given(t: TestStore) {
    use sqlx::Row;
    let store = t.open().await;
    let w = world(&store, "e").await;
    let n = AWKWARD.len();
    let mut rows = Vec::new();
    for i in 0..3 * n {
        // Each column takes a different awkward value on each row (and every value reaches every column),
        // so a value landing in its neighbour's column would show; every fourth field is NULL.
        let v = |k: usize| -> Option<String> { ((i + k) % 4 != 3).then(|| format!("{}{k}", AWKWARD[(i + k) % n])) };
        let bytes = |k: usize| -> Option<Vec<u8>> {
            ((i + k) % 4 != 3)
                .then(|| [0u8, b'\t', b'\n', b'\r', b'\\', b'"', b',', 0xff, k as u8, i as u8].repeat(1 + i % 3))
        };
        let mut p = person(&format!("K{i:02}-{}", AWKWARD[i % n]), "x", i as u8);
        (p.source_state, p.first_name, p.middle_name, p.last_name, p.name_suffix) = (v(0), v(1), v(2), v(3), v(4));
        (p.res_address, p.res_city, p.res_state, p.res_zip, p.county) = (v(5), v(6), v(7), v(8), v(9));
        (p.gender, p.race, p.party, p.voter_status, p.registration_date) = (v(10), v(11), v(12), v(13), v(14));
        (p.precinct, p.congressional_district, p.state_house_district, p.state_senate_district) =
            (v(15), v(16), v(17), v(18));
        p.vote_history = AWKWARD[(i + 19) % n].to_string();
        p.extra = AWKWARD[(i + 20) % n].to_string();
        p.field_problems = AWKWARD[(i + 21) % n].to_string();
        p.address_zones = AWKWARD[(i + 22) % n].to_string();
        p.birth_year = (i % 5 != 0).then_some(1900 + i as i64);
        (p.birth_date_enc, p.email_enc, p.email_index) = (bytes(0), bytes(1), bytes(2));
        p.content_hash = bytes(3).unwrap_or_default();
        p.phones = (0..i % 3)
            .map(|k| clearline_store::PhoneRecord {
                kind: AWKWARD[(i + k) % n].to_string(),
                number_enc: bytes(k + 4).unwrap_or_default(),
                number_index: vec![i as u8, k as u8, b'\\', 0, b'\n'],
                line_type: AWKWARD[(i + k + 1) % n].to_string(),
                npa_zones: AWKWARD[(i + k + 2) % n].to_string(),
                npa_state: v(k + 5),
            })
            .collect();
        rows.push(p);
    }
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let batch = import.batch_id();
    assert_eq!(import.upsert_chunk(rows.clone()).await.unwrap().inserted, rows.len() as u64);
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();

    let mut want: Vec<_> = rows.iter().map(|p| as_stored(p, batch)).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    let got = stored_people(&t, w.campaign).await;
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "person {:?} is stored as given", w.0);
    }

    let mut c = raw(&t).await;
    let phones = sqlx::query(
        "SELECT p.person_key, ph.position, ph.kind, ph.number_enc, ph.number_index, ph.line_type, ph.npa_zones, \
         ph.npa_state FROM phones ph JOIN persons p ON p.id = ph.person_id WHERE ph.campaign_id = $1 \
         ORDER BY p.person_key, ph.position",
    )
    .bind(w.campaign.0)
    .fetch_all(&mut c)
    .await
    .unwrap();
    let got: Vec<_> = phones
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<i64, _>(1),
                r.get::<String, _>(2),
                r.get::<Vec<u8>, _>(3),
                r.get::<Vec<u8>, _>(4),
                r.get::<String, _>(5),
                r.get::<String, _>(6),
                r.get::<Option<String>, _>(7),
            )
        })
        .collect();
    let mut want: Vec<_> = rows
        .iter()
        .flat_map(|p| {
            p.phones.iter().enumerate().map(|(k, ph)| {
                (
                    p.person_key.clone(),
                    k as i64,
                    ph.kind.clone(),
                    ph.number_enc.clone(),
                    ph.number_index.clone(),
                    ph.line_type.clone(),
                    ph.npa_zones.clone(),
                    ph.npa_state.clone(),
                )
            })
        })
        .collect();
    want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(got, want);
    // And through the store's own reader.
    let seen = store.read_person(&w.owner, w.campaign, &rows[4].person_key).await.unwrap();
    assert_eq!(seen.first_name, rows[4].first_name);
    assert_eq!(seen.email_enc, rows[4].email_enc);
}

/// An import that fails part-way — a refused row in a later chunk, after earlier chunks went in —
/// leaves no person, phone, batch or audit event, and the store takes the next import as usual.
async fn a_failing_import_leaves_nothing_and_the_store_usable(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "f").await;
    let chunk = |from: usize| (from..from + 1000).map(|i| person(&format!("K{i}"), "Smith", 1)).collect::<Vec<_>>();
    let imports_audited = || async {
        store
            .audit_events(&w.owner, &AuditFilter { action_prefix: Some("voters.import".into()), ..Default::default() })
            .await
            .unwrap()
            .len()
    };
    let nothing_left = || async {
        assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 0);
        assert!(store.import_batches(&w.owner).await.unwrap().is_empty());
        assert_eq!(imports_audited().await, 0);
        let mut c = raw(&t).await;
        let phones: i64 =
            sqlx::Row::get(&sqlx::query("SELECT COUNT(*) FROM phones").fetch_one(&mut c).await.unwrap(), 0);
        assert_eq!(phones, 0);
    };

    // A key repeated from an earlier chunk: the database refuses the second chunk.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(chunk(0)).await.unwrap();
    import.upsert_chunk(chunk(1000)).await.unwrap();
    let mut repeat = chunk(2000);
    repeat[500] = person("K17", "Smith", 1);
    assert!(import.upsert_chunk(repeat).await.is_err());
    import.abort().await.unwrap();
    nothing_left().await;

    // Dropped without an abort (a caller that gives up): still nothing.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(chunk(0)).await.unwrap();
    drop(import);
    nothing_left().await;

    if store.backend() == clearline_store::Backend::Postgres {
        // The people of a chunk went in and its phones were refused (PostgreSQL text holds no NUL).
        let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
        import.upsert_chunk(chunk(0)).await.unwrap();
        let mut bad = chunk(1000);
        bad[999].phones[0].npa_state = Some("N\0C".into());
        assert!(import.upsert_chunk(bad).await.is_err());
        import.abort().await.unwrap();
        nothing_left().await;
    }

    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    for from in [0, 1000, 2000] {
        import.upsert_chunk(chunk(from)).await.unwrap();
    }
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 3000);
    assert_eq!(imports_audited().await, 1);
}

async fn campaign_keys_are_per_campaign_and_replaceable(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "x").await;
    store.add_campaign_key(&w.owner, w.campaign, 1, "wrapped-one").await.unwrap();
    assert!(matches!(store.add_campaign_key(&w.owner, w.campaign, 1, "again").await, Err(StoreError::Conflict { .. })));
    assert!(matches!(store.campaign_keys(&w.vendor_admin, w.campaign).await, Err(StoreError::NotFound)));
    assert_eq!(store.campaign_keys(&w.owner, w.campaign).await.unwrap(), vec![(1, "wrapped-one".to_string())]);
    assert!(store.all_campaign_keys(&w.owner).await.is_err());
    store.replace_wrapped_keys(&system(), &[(w.campaign, 1, "rewrapped".into())], "keys.rotate_master").await.unwrap();
    assert_eq!(store.all_campaign_keys(&system()).await.unwrap(), vec![(w.campaign, 1, "rewrapped".to_string())]);
    assert!(store.verify_audit(&system(), None).await.unwrap().iter().all(|r| r.ok()));
}

async fn universes_count_with_and_or_not(t: TestStore) {
    use clearline_core::universe::Filter;
    let store = t.open().await;
    let w = world(&store, "u").await;
    let other = world(&store, "v").await;
    // 60 people: party cycles DEM/REP/UNA, birth years 1950..2009, every third voted in 2022, every
    // fourth has a wireless phone (the rest landline), every fifth has no phone.
    let mut rows = Vec::new();
    for i in 0..60 {
        let mut p = person(&format!("P{i}"), "X", 1);
        p.party = Some(["DEM", "REP", "UNA"][i % 3].into());
        p.birth_year = Some(1950 + i as i64);
        p.vote_history = if i % 3 == 0 { r#"[["GENERAL-11/08/2022","X"]]"#.into() } else { "[]".into() };
        p.phones[0].line_type = if i % 4 == 0 { "wireless".into() } else { "landline".into() };
        if i % 5 == 0 {
            p.phones.clear();
        }
        rows.push(p);
    }
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(rows).await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let count = |json: &str| {
        let f: Filter = serde_json::from_str(json).unwrap();
        let store = store.clone();
        let actor = w.owner.clone();
        async move { store.count_universe(&actor, &f).await.unwrap() }
    };
    let expect = |pred: &dyn Fn(usize) -> bool| (0..60).filter(|&i| pred(i)).count() as u64;
    assert_eq!(count(r#"{"op":"all","filters":[]}"#).await, 60);
    assert_eq!(count(r#"{"op":"in","field":"party","values":["DEM"]}"#).await, 20);
    assert_eq!(count(r#"{"op":"in","field":"party","values":["DEM","UNA"]}"#).await, 40);
    // Ages 18-35 on 2026: born 1991..=2008.
    assert_eq!(
        count(r#"{"op":"age","min":18,"max":35,"on_year":2026}"#).await,
        expect(&|i| (1991..=2008).contains(&(1950 + i)))
    );
    assert_eq!(count(r#"{"op":"voted_in","election":"GENERAL-11/08/2022"}"#).await, 20);
    assert_eq!(count(r#"{"op":"voted_in","election":"GENERAL-11/08/2020"}"#).await, 0);
    let three = r#"{"op":"all","filters":[
        {"op":"in","field":"party","values":["DEM","UNA"]},
        {"op":"age","min":18,"max":60,"on_year":2026},
        {"op":"not","filter":{"op":"voted_in","election":"GENERAL-11/08/2022"}}]}"#;
    assert_eq!(count(three).await, expect(&|i| i % 3 != 1 && (1966..=2008).contains(&(1950 + i)) && i % 3 != 0));
    assert_eq!(
        count(r#"{"op":"any","filters":[{"op":"in","field":"party","values":["REP"]},{"op":"range","field":"birth_year","min":2000}]}"#).await,
        expect(&|i| i % 3 == 1 || 1950 + i >= 2000)
    );
    assert_eq!(count(r#"{"op":"has_phone"}"#).await, expect(&|i| i % 5 != 0));
    assert_eq!(count(r#"{"op":"has_phone","line_types":["wireless"]}"#).await, expect(&|i| i % 5 != 0 && i % 4 == 0));
    // Another campaign counts only its own people; bad filters are refused; analysts cannot target.
    let f: Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    assert_eq!(store.count_universe(&other.owner, &f).await.unwrap(), 0);
    let bad: Filter = serde_json::from_str(r#"{"op":"range","field":"party","min":1}"#).unwrap();
    assert!(matches!(store.count_universe(&w.owner, &bad).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.count_universe(&w.analyst, &f).await, Err(StoreError::Forbidden(_))));
    let id = store.save_universe(&w.owner, "Young Dems", &f).await.unwrap();
    assert_eq!(store.universe_by_name(&w.owner, "Young Dems").await.unwrap().id, id);
    assert!(matches!(store.save_universe(&w.owner, "Young Dems", &f).await, Err(StoreError::Conflict { .. })));
    assert!(store.list_universes(&other.owner).await.unwrap().is_empty());
}

async fn do_not_call_and_consent_records(t: TestStore) {
    use clearline_store::NewConsent;
    let store = t.open().await;
    let w = world(&store, "d").await;
    let other = world(&store, "e").await;
    let entry = |b: u8| DncEntry { number_index: vec![b; 32], number_enc: vec![b, b] };
    let counts = store.add_do_not_call(&w.owner, "imported_list", &[entry(1), entry(2), entry(1)]).await.unwrap();
    assert_eq!((counts.added, counts.already_listed), (2, 1));
    assert!(store.on_do_not_call(&w.owner, w.campaign, &[1; 32]).await.unwrap());
    assert!(!store.on_do_not_call(&w.owner, w.campaign, &[3; 32]).await.unwrap());
    // Each campaign keeps its own list.
    assert!(!store.on_do_not_call(&other.owner, other.campaign, &[1; 32]).await.unwrap());
    assert!(matches!(store.on_do_not_call(&other.owner, w.campaign, &[1; 32]).await, Err(StoreError::NotFound)));
    assert!(matches!(store.add_do_not_call(&w.analyst, "agent", &[entry(4)]).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(store.add_do_not_call(&w.owner, "rumour", &[entry(4)]).await, Err(StoreError::Invalid(_))));

    let consent = |wording: &str| NewConsent {
        written: false,
        number_index: vec![9; 32],
        number_enc: vec![9],
        calling_entity: "Friends of Test".into(),
        source: "web_form".into(),
        wording: wording.into(),
        evidence_enc: Some(vec![1, 2, 3]),
        obtained_at_us: 1_700_000_000_000_000,
    };
    assert!(
        matches!(store.record_consent(&w.owner, consent("  ")).await, Err(StoreError::Invalid(_))),
        "CR-50: the exact wording is required"
    );
    let id = store.record_consent(&w.owner, consent("Yes, you may text and call me.")).await.unwrap();
    let list = store.consents_for(&w.owner, w.campaign, &[9; 32]).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].wording, "Yes, you may text and call me.");
    assert!(list[0].revoked_at_us.is_none());
    assert!(matches!(store.revoke_consent(&other.owner, id).await, Err(StoreError::NotFound)));
    store.revoke_consent(&w.owner, id).await.unwrap();
    assert!(store.consents_for(&w.owner, w.campaign, &[9; 32]).await.unwrap()[0].revoked_at_us.is_some());
    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("dnc.".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events[0].entry.details["added"], 2);
}

async fn a_vendors_own_list_is_kept_by_its_admin_and_read_by_its_engaged_campaigns(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "vl").await;
    let other = world(&store, "vm").await;
    let entry = |b: u8| DncEntry { number_index: vec![b; 32], number_enc: vec![b] };
    // Only the vendor's admin writes it; a campaign's owner keeps the campaign's list, not this one.
    let counts = store.add_vendor_do_not_call(&w.vendor_admin, "imported_list", &[entry(1), entry(1)]).await.unwrap();
    assert_eq!((counts.added, counts.already_listed), (1, 1));
    assert!(matches!(
        store.add_vendor_do_not_call(&w.owner, "imported_list", &[entry(2)]).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(store.vendor_dnc_size(&w.vendor_admin).await.unwrap(), 1);
    // Its list keys and look-ups: the vendor, a campaign that engaged it, system jobs; nobody else.
    let ask = [vec![1u8; 32], vec![2u8; 32]];
    assert_eq!(store.vendor_dnc_listed(&w.vendor_admin, w.vendor, &ask).await.unwrap().len(), 1);
    assert!(matches!(store.vendor_dnc_listed(&w.owner, w.vendor, &ask).await, Err(StoreError::NotFound)));
    assert!(matches!(store.vendor_list_keys(&other.vendor_admin, w.vendor).await, Err(StoreError::NotFound)));
    assert!(matches!(store.vendor_list_keys(&system(), w.campaign).await, Err(StoreError::NotFound)), "not a vendor");
    store
        .create_engagement(
            &w.owner,
            None,
            NewEngagement {
                vendor: Slug::parse("vend-vl").unwrap(),
                starts_on: "2026-01-01".parse().unwrap(),
                ends_on: "2026-12-31".parse().unwrap(),
                programs: vec![],
                visible_fields: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(store.engaged_vendor_ids(&w.owner, w.campaign).await.unwrap(), vec![w.vendor]);
    assert!(matches!(store.engaged_vendor_ids(&other.owner, w.campaign).await, Err(StoreError::NotFound)));
    let listed = store.vendor_dnc_listed(&w.owner, w.vendor, &ask).await.unwrap();
    assert_eq!(listed.into_iter().collect::<Vec<_>>(), vec![vec![1u8; 32]], "an engaged campaign's calls honour it");
    assert!(store.vendor_list_keys(&w.owner, w.vendor).await.unwrap().is_empty());
    store.add_vendor_list_key(&w.owner, w.vendor, 1, "00ff").await.unwrap();
    assert!(matches!(
        store.add_vendor_list_key(&w.vendor_admin, w.vendor, 1, "00ee").await,
        Err(StoreError::Conflict { field: "version" })
    ));
    assert_eq!(store.vendor_list_keys(&w.vendor_admin, w.vendor).await.unwrap(), vec![(1, "00ff".to_string())]);
    // A batch larger than one statement's worth of numbers.
    let many: Vec<Vec<u8>> = (0..1_200u32).map(|i| i.to_be_bytes().repeat(8)).collect();
    let entries: Vec<DncEntry> =
        many.iter().step_by(3).map(|i| DncEntry { number_index: i.clone(), number_enc: vec![0] }).collect();
    store.add_vendor_do_not_call(&w.vendor_admin, "imported_list", &entries).await.unwrap();
    assert_eq!(store.vendor_dnc_listed(&w.vendor_admin, w.vendor, &many).await.unwrap().len(), 400);
    // Both writes are in the vendor's own audit log.
    let events = store
        .audit_events(&w.vendor_admin, &AuditFilter { action_prefix: Some("dnc.".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
}

async fn households_link_shared_addresses_and_phones(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "h").await;
    let mk = |key: &str, address: &str, zip: &str, phone: u8| {
        let mut p = person(key, "X", 1);
        p.res_address = Some(address.into());
        p.res_zip = Some(zip.into());
        p.phones[0].number_index = vec![phone; 32];
        p
    };
    let rows = vec![
        mk("A", "12 Oak St", "27601", 1),
        mk("B", "12 OAK ST.", "27601", 2), // same address as A
        mk("C", "90 Elm Ave", "27601", 2), // shares B's phone in the same ZIP
        mk("D", "5 Pine Rd", "28202", 2),  // same phone, another ZIP: not linked
        mk("E", "7 Birch Ln", "27601", 3), // alone
    ];
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(rows).await.unwrap();
    assert_eq!(import.assign_households().await.unwrap(), 3, "{{A,B,C}}, {{D}}, {{E}}");
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let hh = |key: &'static str| {
        let store = store.clone();
        let actor = w.owner.clone();
        let campaign = w.campaign;
        async move { store.household_of(&actor, campaign, key).await.unwrap() }
    };
    let (a, b, c, d, e) = (hh("A").await, hh("B").await, hh("C").await, hh("D").await, hh("E").await);
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_ne!(a, d);
    assert_ne!(a, e);
    assert_ne!(d, e);
    // A later import that bridges two households merges them, keeping the oldest member's id.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(vec![mk("F", "7 Birch Ln", "27601", 1)]).await.unwrap();
    assert_eq!(import.assign_households().await.unwrap(), 2);
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    assert_eq!(hh("E").await, a);
    assert_eq!(hh("F").await, a);
    // The whole campaign's household count (one pass over the household roots) agrees with the
    // general count (a `DISTINCT` over the selected people's households) after the merge.
    use clearline_core::universe::Filter;
    let f = |json: &str| -> Filter { serde_json::from_str(json).unwrap() };
    let everyone = f(r#"{"op":"all","filters":[{"op":"all","filters":[]}]}"#);
    assert!(everyone.selects_everyone());
    let everyone_by_distinct = f(r#"{"op":"any","filters":[{"op":"all","filters":[]}]}"#);
    assert!(!everyone_by_distinct.selects_everyone());
    assert_eq!(store.count_universe_people_and_households(&w.owner, &everyone).await.unwrap(), (6, 2));
    assert_eq!(store.count_universe_people_and_households(&w.owner, &everyone_by_distinct).await.unwrap(), (6, 2));
}

/// A campaign's first import links households as rows go in; a later row that bridges two households
/// already written must rewrite the younger one, exactly as a full recomputation would.
async fn a_first_import_rewrites_households_merged_after_their_rows_were_written(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "hm").await;
    let mk = |key: &str, address: &str, phone: u8| {
        let mut p = person(key, "X", 1);
        p.res_address = Some(address.into());
        p.res_zip = Some("27601".into());
        p.phones[0].number_index = vec![phone; 32];
        p
    };
    let rows = vec![
        mk("P1", "1 Oak St", 1),
        mk("P2", "2 Elm Ave", 2),
        mk("P3", "2 Elm Ave", 1), // P2's address and P1's phone: {P1, P2, P3}, written after P2
        mk("P4", "4 Ash Ct", 4),
    ];
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(rows).await.unwrap();
    assert_eq!(import.assign_households().await.unwrap(), 2);
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let hh = |key: &'static str| {
        let store = store.clone();
        let actor = w.owner.clone();
        let campaign = w.campaign;
        async move { store.household_of(&actor, campaign, key).await.unwrap().expect("every person has a household") }
    };
    let first = [hh("P1").await, hh("P2").await, hh("P3").await, hh("P4").await];
    assert_eq!(first[0], first[1], "P2 was rewritten into P1's household");
    assert_eq!(first[0], first[2]);
    assert_ne!(first[0], first[3]);
    // An empty second import recomputes every household from the stored rows: nothing may move.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    assert_eq!(import.assign_households().await.unwrap(), 2);
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    assert_eq!([hh("P1").await, hh("P2").await, hh("P3").await, hh("P4").await], first);
}

/// A campaign's data generation as kept in `campaign_data`, if it has a row.
async fn kept_generation(c: &mut sqlx::AnyConnection, campaign: OrgId) -> Option<i64> {
    use sqlx::Row;
    sqlx::query("SELECT generation FROM campaign_data WHERE campaign_id = $1")
        .bind(campaign.0)
        .fetch_optional(c)
        .await
        .unwrap()
        .map(|r| r.get::<i64, _>(0))
}

/// A SQLite import writes with foreign-key checks off (`Store::write_sqlite_import`): whatever it writes
/// must still satisfy every reference, first import, re-import and households alike; and the kept
/// counts of `campaign_data`, which the triggers of migration 0033 keep with plain updates, must match
/// the rows, for a campaign created before and after its first person.
async fn imports_leave_every_reference_whole_and_the_kept_counts_right(t: TestStore) {
    use sqlx::Row;
    let store = t.open().await;
    let w = world(&store, "fk").await;
    let mk = |key: &str, address: &str, phone: u8, hash: u8| {
        let mut p = person(key, "X", hash);
        p.res_address = Some(address.into());
        p.res_zip = Some("27601".into());
        p.phones[0].number_index = vec![phone; 32];
        let mut second = p.phones[0].clone();
        second.number_index = vec![phone.wrapping_add(100); 32];
        p.phones.push(second);
        p
    };
    // Enough rows for several full-size statements, households that merge after their rows went in.
    let first: Vec<_> =
        (0..1500u32).map(|i| mk(&format!("F{i}"), &format!("{} Oak St", i % 700), (i % 90) as u8, 1)).collect();
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(first).await.unwrap();
    import.assign_households().await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    // A re-import: a third changed (their phones rewritten), some new, the rest unchanged.
    let again: Vec<_> = (0..1800u32)
        .map(|i| mk(&format!("F{i}"), &format!("{} Oak St", i % 700), (i % 90) as u8, if i % 3 == 0 { 2 } else { 1 }))
        .collect();
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let c = import.upsert_chunk(again).await.unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (300, 500, 1000));
    import.assign_households().await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();

    let mut c = raw(&t).await;
    let orphans: i64 = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = p.campaign_id))               + (SELECT COUNT(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM import_batches b WHERE b.id = p.batch_id))               + (SELECT COUNT(*) FROM persons p WHERE p.household_id IS NOT NULL                    AND NOT EXISTS (SELECT 1 FROM persons h WHERE h.id = p.household_id))               + (SELECT COUNT(*) FROM phones f WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = f.person_id))               + (SELECT COUNT(*) FROM phones f JOIN persons p ON p.id = f.person_id WHERE f.campaign_id <> p.campaign_id)",
    )
    .fetch_one(&mut c)
    .await
    .unwrap()
    .get(0);
    assert_eq!(orphans, 0, "every person's campaign, batch and household, and every phone's person, exist");
    if t.config.database_url.is_none() {
        let violations = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut c).await.unwrap();
        assert!(violations.is_empty(), "{} rows break a declared foreign key", violations.len());
    }
    let phones: i64 = sqlx::query("SELECT COUNT(*) FROM phones WHERE campaign_id = $1")
        .bind(w.campaign.0)
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(phones, 2 * 1800, "a changed person's phones are replaced, never doubled");
    assert_eq!(store.person_count(&w.owner, w.campaign).await.unwrap(), 1800);
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 1800, "the kept count matches the rows");
    // A campaign created now (after the migration) counts its first people, and its data generation
    // moves with them.
    let later = world(&store, "fk2").await;
    // SQLite's plain-update triggers need the row from the start; PostgreSQL creates it on first use.
    let before = kept_generation(&mut c, later.campaign).await;
    if t.config.database_url.is_none() {
        assert!(before.is_some(), "a new campaign has its kept row");
    }
    let before = before.unwrap_or(0);
    assert_eq!(store.campaign_people(&later.owner).await.unwrap(), 0);
    let mut import = store.begin_import(&later.owner, later.campaign).await.unwrap();
    import.upsert_chunk(vec![mk("L1", "1 Elm", 1, 1), mk("L2", "2 Elm", 2, 1)]).await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    assert_eq!(store.campaign_people(&later.owner).await.unwrap(), 2);
    assert!(kept_generation(&mut c, later.campaign).await.unwrap() > before);
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 1800, "another campaign's count is its own");
}

/// The policy engine's facts for a universe: each phone's do-not-call entry and newest unrevoked
/// consent, matched by blind index in SQL, for roles that may see personal data only.
async fn universe_dial_facts_match_do_not_call_and_consent_by_blind_index(t: TestStore) {
    use clearline_core::universe::Filter;
    use clearline_store::{DncEntry, NewConsent};
    let store = t.open().await;
    let w = world(&store, "df").await;
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let mut rows = vec![person("A", "X", 1), person("B", "Y", 2), person("C", "Z", 3)];
    rows[2].phones.clear();
    rows[0].source_state = Some("NC".into());
    import.upsert_chunk(rows).await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    store
        .add_do_not_call(&w.owner, "agent", &[DncEntry { number_index: vec![2; 32], number_enc: vec![2] }])
        .await
        .unwrap();
    let consent = |at: i64| NewConsent {
        written: false,
        number_index: vec![1; 32],
        number_enc: vec![1],
        calling_entity: "Friends of Test".into(),
        source: "web_form".into(),
        wording: "Yes, you may call me.".into(),
        evidence_enc: None,
        obtained_at_us: at,
    };
    store.record_consent(&w.owner, consent(1_700_000_000_000_000)).await.unwrap();
    let newest = store.record_consent(&w.owner, consent(1_800_000_000_000_000)).await.unwrap();
    let everyone: Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();

    let facts = store.universe_dial_facts(&w.owner, &everyone, 0, 100).await.unwrap();
    let keys: Vec<&str> = facts.iter().map(|p| p.person_key.as_str()).collect();
    assert_eq!(keys, ["A", "B", "C"]);
    assert_eq!(facts[0].source_state.as_deref(), Some("NC"));
    assert_eq!(facts[0].address_zones, "America/New_York");
    assert_eq!(facts[0].phones.len(), 1);
    assert!(!facts[0].phones[0].on_dnc);
    assert_eq!(facts[0].phones[0].consent_at_us, Some(1_800_000_000_000_000), "the newest consent");
    assert!(facts[1].phones[0].on_dnc);
    assert_eq!(facts[1].phones[0].consent_at_us, None);
    assert!(facts[2].phones.is_empty());
    // A revoked consent no longer counts; the older one still does.
    store.revoke_consent(&w.owner, newest).await.unwrap();
    let facts = store.universe_dial_facts(&w.owner, &everyone, 0, 100).await.unwrap();
    assert_eq!(facts[0].phones[0].consent_at_us, Some(1_700_000_000_000_000));
    // CR-12: the phones' line types are as of the import batch that wrote them.
    let batch_started = facts[0].line_types_as_of_us.expect("the batch's start");
    assert!(
        batch_started > 1_700_000_000_000_000 && facts.iter().all(|p| p.line_types_as_of_us == Some(batch_started))
    );
    assert!(!facts[0].phones[0].consent_written);
    assert_eq!(facts[0].phones[0].rnd, None, "no RND check yet");
    // CR-27: a written consent, newer than the oral one, is the newest; CR-13: the newest RND check.
    store.record_consent(&w.owner, NewConsent { written: true, ..consent(1_750_000_000_000_000) }).await.unwrap();
    let number = || DncEntry { number_index: vec![1; 32], number_enc: vec![1] };
    let check = |result: &str, checked_at_us: i64| clearline_store::NewRndCheck {
        asked_since_us: 1_750_000_000_000_000,
        result: result.into(),
        checked_at_us,
    };
    let recorded = store
        .record_rnd_checks(
            &w.owner,
            &[(number(), check("no", 1_760_000_000_000_000)), (number(), check("yes", 1_770_000_000_000_000))],
        )
        .await
        .unwrap();
    assert_eq!(recorded, 2);
    let bad = store.record_rnd_checks(&w.owner, &[(number(), check("maybe", 1_780_000_000_000_000))]).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "an answer other than no, yes, no_data is refused");
    let facts = store.universe_dial_facts(&w.owner, &everyone, 0, 100).await.unwrap();
    assert_eq!(facts[0].phones[0].consent_at_us, Some(1_750_000_000_000_000));
    assert!(facts[0].phones[0].consent_written);
    assert_eq!(
        facts[0].phones[0].rnd,
        Some(clearline_store::RndRow {
            result: "yes".into(),
            checked_at_us: 1_770_000_000_000_000,
            asked_since_us: 1_750_000_000_000_000
        }),
        "the newest check, whatever the order recorded"
    );
    assert_eq!(facts[1].phones[0].rnd, None, "another number's checks are not this one's");
    assert!(matches!(
        store.record_rnd_checks(&w.analyst, &[(number(), check("no", 1))]).await,
        Err(StoreError::Forbidden(_))
    ));
    // CR-24: no Registry extract covers the numbers yet; an NC extract listing B's number covers both.
    assert!(facts.iter().flat_map(|p| &p.phones).all(|ph| ph.on_national_dnc.is_none()));
    let bad_state = store.add_national_dnc_extract(&w.owner, "nc", "2026-10-01", &[]).await;
    assert!(matches!(bad_state, Err(StoreError::Invalid(_))));
    let b_number = DncEntry { number_index: vec![2; 32], number_enc: vec![2] };
    let loaded =
        store.add_national_dnc_extract(&w.owner, "NC", "2026-10-01", &[b_number.clone(), b_number]).await.unwrap();
    assert_eq!((loaded.added, loaded.already_listed), (1, 1));
    let facts = store.universe_dial_facts(&w.owner, &everyone, 0, 100).await.unwrap();
    assert_eq!(facts[0].phones[0].on_national_dnc, Some(false), "covered by the NC extract, not listed");
    assert_eq!(facts[1].phones[0].on_national_dnc, Some(true));
    let status = store.national_dnc_status(&w.owner, w.campaign, &[1; 32], Some("NH")).await.unwrap();
    assert_eq!(status, None, "an NH number is not covered by the NC extract");
    // Paging: after A's id, A is not returned.
    let after = store.universe_dial_facts(&w.owner, &everyone, facts[0].id, 100).await.unwrap();
    assert_eq!(after.iter().map(|p| p.person_key.as_str()).collect::<Vec<_>>(), ["B", "C"]);
    assert!(matches!(store.universe_dial_facts(&w.analyst, &everyone, 0, 100).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(store.record_universe_policy_check(&w.analyst, &everyone).await, Err(StoreError::Forbidden(_))));
}

async fn universes_exclude_do_not_call_nest_dedupe_households_and_sample(t: TestStore) {
    use clearline_core::universe::{Field, Filter};
    let store = t.open().await;
    let w = world(&store, "s").await;
    // 40 people, two per address (20 households), party alternating; person i's phone index is [i; 32].
    let mut rows = Vec::new();
    for i in 0..40u8 {
        let mut p = person(&format!("S{i}"), "X", 1);
        p.party = Some(if i % 2 == 0 { "DEM" } else { "REP" }.into());
        p.res_address = Some(format!("{} Oak St", i / 2));
        p.res_zip = Some("27601".into());
        p.phones[0].number_index = vec![i + 1; 32];
        rows.push(p);
    }
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(rows).await.unwrap();
    assert_eq!(import.assign_households().await.unwrap(), 20);
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    // Three numbers on the do-not-call list.
    let dnc: Vec<_> = [1u8, 2, 3]
        .iter()
        .map(|&b| clearline_store::DncEntry { number_index: vec![b; 32], number_enc: vec![b] })
        .collect();
    store.add_do_not_call(&w.owner, "imported_list", &dnc).await.unwrap();
    let f = |json: &str| serde_json::from_str::<Filter>(json).unwrap();
    assert_eq!(store.count_universe(&w.owner, &f(r#"{"op":"on_do_not_call"}"#)).await.unwrap(), 3);
    assert_eq!(
        store.count_universe(&w.owner, &f(r#"{"op":"not","filter":{"op":"on_do_not_call"}}"#)).await.unwrap(),
        37
    );
    // A saved universe used inside another.
    let dems =
        store.save_universe(&w.owner, "Dems", &f(r#"{"op":"in","field":"party","values":["DEM"]}"#)).await.unwrap();
    let callable = format!(
        r#"{{"op":"all","filters":[{{"op":"in_universe","universe_id":{dems}}},{{"op":"not","filter":{{"op":"on_do_not_call"}}}}]}}"#
    );
    assert_eq!(store.count_universe(&w.owner, &f(&callable)).await.unwrap(), 18, "20 Dems minus S0 and S2 on the list");
    assert!(store.count_universe(&w.owner, &f(r#"{"op":"in_universe","universe_id":987654}"#)).await.is_err());
    // Households: every address has one Dem and one Rep.
    assert_eq!(store.count_universe_households(&w.owner, &f(r#"{"op":"all","filters":[]}"#)).await.unwrap(), 20);
    assert_eq!(
        store.count_universe_households(&w.owner, &f(r#"{"op":"in","field":"party","values":["DEM"]}"#)).await.unwrap(),
        20
    );
    // Both at once: 20 Dems, one per household; the callable Dems as counted above.
    let dems_filter = f(r#"{"op":"in","field":"party","values":["DEM"]}"#);
    assert_eq!(store.count_universe_people_and_households(&w.owner, &dems_filter).await.unwrap(), (20, 20));
    assert_eq!(store.count_universe_people_and_households(&w.owner, &f(&callable)).await.unwrap(), (18, 18));
    assert_eq!(
        store.count_universe_people_and_households(&w.owner, &f(r#"{"op":"all","filters":[]}"#)).await.unwrap(),
        (40, 20)
    );
    // Samples: seeded, repeatable, stratified proportionally.
    let everyone = f(r#"{"op":"all","filters":[]}"#);
    let a = store.sample_universe(&w.owner, &everyone, 10, 7, Some(Field::Party)).await.unwrap();
    let b = store.sample_universe(&w.owner, &everyone, 10, 7, Some(Field::Party)).await.unwrap();
    let c = store.sample_universe(&w.owner, &everyone, 10, 8, Some(Field::Party)).await.unwrap();
    assert_eq!(a.person_keys, b.person_keys, "the same seed draws the same people");
    assert_ne!(a.person_keys, c.person_keys);
    assert_eq!((a.population, a.drawn), (40, 10));
    assert_eq!(a.strata, vec![("DEM".to_string(), 20, 5), ("REP".to_string(), 20, 5)]);
    let all = store.sample_universe(&w.owner, &everyone, 100, 1, None).await.unwrap();
    assert_eq!(all.drawn, 40, "a sample never exceeds its population");
    let mut keys = all.person_keys.clone();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 40, "no one is drawn twice");
    // A sample saved as a universe selects exactly the people the same draw names, nested or not.
    let sample = f(r#"{"op":"sample","of":{"op":"all","filters":[]},"size":10,"seed":7,"stratify_by":"party"}"#);
    let id = store.save_universe(&w.owner, "survey-sample", &sample).await.unwrap();
    assert_eq!(store.count_universe(&w.owner, &sample).await.unwrap(), 10);
    let in_it = f(&format!(r#"{{"op":"in_universe","universe_id":{id}}}"#));
    let drawn = store.sample_universe(&w.owner, &in_it, 100, 1, None).await.unwrap();
    let mut drawn_keys = drawn.person_keys.clone();
    drawn_keys.sort();
    let mut expected = a.person_keys.clone();
    expected.sort();
    assert_eq!(drawn_keys, expected, "the saved sample is the draw of seed 7");
    let democrats_in_it = f(&format!(
        r#"{{"op":"all","filters":[{{"op":"in_universe","universe_id":{id}}},{{"op":"in","field":"party","values":["DEM"]}}]}}"#
    ));
    assert_eq!(store.count_universe(&w.owner, &democrats_in_it).await.unwrap(), 5, "stratified: 5 of each party");
    let empty_sample =
        serde_json::from_str::<Filter>(r#"{"op":"sample","of":{"op":"all","filters":[]},"size":0,"seed":1}"#);
    assert!(matches!(store.count_universe(&w.owner, &empty_sample.unwrap()).await, Err(StoreError::Invalid(_))));
    assert!(
        serde_json::from_str::<Filter>(r#"{"op":"people","ids":[1,2]}"#).is_err(),
        "drawn ids are the store's, never taken from a filter"
    );
}

async fn programs_are_campaign_scoped_and_call_lists_replace_whole(t: TestStore) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{EntryMode, ProgramSettings, VendorShare};
    use clearline_store::NewEntry;
    let store = t.open().await;
    let w = world(&store, "pg").await;
    let other = world(&store, "ph").await;
    let everyone = save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "everyone");
    settings.vendors = vec![VendorShare::parse("vend-pg=100").unwrap()];
    let slug = Slug::parse("gotv").unwrap();
    // The vendor must be engaged first; the universe must exist.
    let refused = store.create_program(&w.owner, &slug, "GOTV", &settings).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref i)) if i.field == "vendors"), "{refused:?}");
    store
        .create_engagement(
            &w.owner,
            None,
            NewEngagement {
                vendor: Slug::parse("vend-pg").unwrap(),
                starts_on: "2026-09-01".parse().unwrap(),
                ends_on: "2026-11-03".parse().unwrap(),
                programs: vec!["gotv".into()],
                visible_fields: vec!["first_name".into()],
            },
        )
        .await
        .unwrap();
    let mut nowhere = settings.clone();
    nowhere.universe = "missing".into();
    let refused = store.create_program(&w.owner, &slug, "GOTV", &nowhere).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref i)) if i.field == "universe"), "{refused:?}");
    let mut split = settings.clone();
    split.vendors[0].percent = 60;
    let refused = store.create_program(&w.owner, &slug, "GOTV", &split).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref i)) if i.field == "vendors"), "{refused:?}");

    let program = store.create_program(&w.owner, &slug, "GOTV", &settings).await.unwrap();
    assert_eq!(program.vendor_ids, vec![w.vendor]);
    assert_eq!(program.settings, settings);
    assert!(matches!(
        store.create_program(&w.owner, &slug, "GOTV", &settings).await,
        Err(StoreError::Conflict { field: "slug" })
    ));
    // Other tenants cannot see it; vendors and analysts cannot set programs up.
    assert!(matches!(store.program_by_slug(&other.owner, "gotv").await, Err(StoreError::NotFound)));
    assert!(store.list_programs(&other.owner).await.unwrap().is_empty());
    assert!(matches!(store.list_programs(&w.vendor_admin).await, Err(StoreError::Forbidden(_))));
    assert_eq!(store.list_programs(&w.analyst).await.unwrap().len(), 1, "analysts read programs");
    let slug2 = Slug::parse("gotv2").unwrap();
    assert!(matches!(store.create_program(&w.analyst, &slug2, "GOTV", &settings).await, Err(StoreError::Forbidden(_))));

    // A call list: two people, one listed, one excluded.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(vec![person("A", "X", 1), person("B", "Y", 2)]).await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let people = store.universe_dial_facts(&w.owner, &everyone, 0, 10).await.unwrap();
    let entry = |i: usize, mode: EntryMode, exclusion: &str| NewEntry {
        person_id: people[i].id,
        household_id: people[i].household_id,
        vendor_id: (mode != EntryMode::Excluded).then_some(w.vendor),
        mode,
        phone_position: (mode != EntryMode::Excluded).then_some(0),
        conditions: String::new(),
        exclusion: exclusion.into(),
    };
    let sentences = std::collections::BTreeMap::from([("CR-47".to_string(), "On the list.".to_string())]);
    let entries = vec![entry(0, EntryMode::Program, ""), entry(1, EntryMode::Excluded, "CR-47")];
    assert!(matches!(
        store.replace_call_list(&other.owner, program.id, &entries, &sentences).await,
        Err(StoreError::NotFound)
    ));
    store.replace_call_list(&w.owner, program.id, &entries, &sentences).await.unwrap();
    let summary = store.call_list_summary(&w.owner, "gotv").await.unwrap();
    assert_eq!(summary.people, 2);
    assert_eq!(summary.by_mode.get("program"), Some(&1));
    assert_eq!(summary.by_vendor.get("vend-pg"), Some(&1));
    assert_eq!(summary.exclusions.len(), 1);
    assert_eq!(
        (summary.exclusions[0].exclusion.as_str(), summary.exclusions[0].sentence.as_str()),
        ("CR-47", "On the list.")
    );
    // Rebuilding replaces the list whole.
    store.replace_call_list(&w.owner, program.id, &entries[..1], &Default::default()).await.unwrap();
    let summary = store.call_list_summary(&w.owner, "gotv").await.unwrap();
    assert_eq!((summary.people, summary.exclusions.len()), (1, 0));

    // What blocks the start: no caller ID, no approved script; the engagement covers "gotv".
    let today: jiff::civil::Date = "2026-10-01".parse().unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    let fields: Vec<&str> = blockers.iter().map(|b| b.field).collect();
    // A predictive program abandons some answers: it needs its safe-harbor message (CR-46).
    assert_eq!(fields, ["caller_id", "script", "audio"], "{blockers:?}");
    let after_the_engagement: jiff::civil::Date = "2026-11-04".parse().unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", after_the_engagement).await.unwrap();
    assert!(blockers.iter().any(|b| b.field == "vendors"), "{blockers:?}");
    // A list whose every person is excluded has nobody to call; one listed person is enough.
    store.replace_call_list(&w.owner, program.id, &entries[1..], &sentences).await.unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    assert!(blockers.iter().any(|b| b.field == "call_list"), "{blockers:?}");
    store.replace_call_list(&w.owner, program.id, &entries, &sentences).await.unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    assert!(!blockers.iter().any(|b| b.field == "call_list"), "{blockers:?}");

    // A settings change is audited and clears the list (it was built for the old settings).
    let mut changed = settings.clone();
    changed.caller_id = Some("+19195550100".parse().unwrap());
    changed.caller_id_authorized = true;
    let updated = store.update_program(&w.owner, "gotv", &changed).await.unwrap();
    assert!(updated.settings.caller_id_authorized);
    assert_eq!(updated.list_built_at_us, None);
    assert_eq!(store.call_list_summary(&w.owner, "gotv").await.unwrap().people, 0);
    let events = store.audit_events(&w.owner, &AuditFilter::default()).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
    for action in ["program.create", "program.call_list", "program.update"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
}

/// A campaign user in `role`, for tests that need more roles than [`World`] has.
/// Saves the campaign's universe `everyone` (every person) and returns its filter.
async fn save_everyone(store: &Store, w: &World) -> clearline_core::universe::Filter {
    let everyone: clearline_core::universe::Filter = serde_json::from_str(r#"{"op":"all","filters":[]}"#).unwrap();
    store.save_universe(&w.owner, "everyone", &everyone).await.unwrap();
    everyone
}

async fn campaign_user(store: &Store, w: &World, role: Role, name: &str) -> Actor {
    let user = store
        .create_user(
            &system(),
            NewUser {
                org_id: w.campaign,
                email: Email::parse(&format!("{name}-{}@example.org", w.campaign.0)).unwrap(),
                display_name: name.into(),
                role,
                site_id: None,
                foreign_national: false,
                password_hash: "$argon2id$fake".into(),
            },
        )
        .await
        .unwrap();
    as_actor(&user, OrgKind::Campaign)
}

const VALID_SCRIPT: &str = "\
title: Reminder
step opening: disclose identification purpose
| Hi, this is {caller.first_name} with {campaign.legal_name}, reminding you to vote.
-> plan
step plan: ask single
| Will you vote?
option yes: Yes
option no: No
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

async fn script_versions_are_immutable_and_approved_by_another_person(t: TestStore) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::script::{ScriptFacts, VersionStatus};
    use clearline_store::NewVersion;
    let store = t.open().await;
    let w = world(&store, "sa").await;
    let other = world(&store, "sb").await;
    let author = campaign_user(&store, &w, Role::ProgramManager, "author").await;
    let approver = campaign_user(&store, &w, Role::ScriptApprover, "approver").await;
    let facts = ScriptFacts::new(Purpose::Gotv, DialMode::Predictive);
    let slug = Slug::parse("reminder").unwrap();
    // Only campaign roles that edit scripts create them (CR-31).
    assert!(matches!(store.create_script(&w.analyst, &slug, "R", &facts).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(store.create_script(&w.vendor_admin, &slug, "R", &facts).await, Err(StoreError::Forbidden(_))));
    let script = store.create_script(&author, &slug, "Reminder", &facts).await.unwrap();
    assert_eq!(script.facts, facts);
    assert!(matches!(
        store.create_script(&author, &slug, "Again", &facts).await,
        Err(StoreError::Conflict { field: "slug" })
    ));

    // An unfinished draft is kept, but cannot be submitted: the refusal names the step.
    let draft = |body: &str| NewVersion { body: body.into(), language: "en".into(), translation_of: None };
    let broken = VALID_SCRIPT.replace("-> done", "-> nowhere");
    let v1 = store.add_script_version(&author, "reminder", &draft(&broken)).await.unwrap();
    assert_eq!((v1.number, v1.status, v1.author), (1, VersionStatus::Draft, author.principal().map(|p| p.user_id)));
    let refused = store.submit_script_version(&author, "reminder", 1).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.field == "body" && i.reason.contains("step paid")),
        "{refused:?}"
    );
    assert_eq!(store.script_version(&author, "reminder", 1).await.unwrap().status, VersionStatus::Draft);
    // Approving a draft skips submission: refused.
    let skipped = store.approve_script_version(&approver, "reminder", 1).await;
    assert!(matches!(&skipped, Err(StoreError::Invalid(i)) if i.field == "status"), "{skipped:?}");

    // A valid version: submitted, then approved by someone else, never by its author.
    // Stored with LF line ends whatever was sent (a browser's textarea sends CRLF).
    let v2 = store.add_script_version(&author, "reminder", &draft(&VALID_SCRIPT.replace('\n', "\r\n"))).await.unwrap();
    assert_eq!(v2.number, 2);
    assert_eq!(v2.body, VALID_SCRIPT);
    let v2 = store.submit_script_version(&author, "reminder", 2).await.unwrap();
    assert_eq!((v2.status, v2.submitted_by), (VersionStatus::Submitted, author.principal().map(|p| p.user_id)));
    assert!(matches!(store.approve_script_version(&author, "reminder", 2).await, Err(StoreError::Forbidden(_))));
    let own = store.add_script_version(&approver, "reminder", &draft(VALID_SCRIPT)).await.unwrap();
    store.submit_script_version(&approver, "reminder", own.number).await.unwrap();
    let self_approval = store.approve_script_version(&approver, "reminder", own.number).await;
    assert!(
        matches!(&self_approval, Err(StoreError::Invalid(i)) if i.reason.contains("own version")),
        "{self_approval:?}"
    );
    let v2 = store.approve_script_version(&approver, "reminder", 2).await.unwrap();
    assert_eq!((v2.status, v2.decided_by), (VersionStatus::Approved, approver.principal().map(|p| p.user_id)));
    assert!(v2.decided_at_us.is_some());
    // Approved is final.
    assert!(matches!(store.reject_script_version(&w.owner, "reminder", 2, "late").await, Err(StoreError::Invalid(_))));
    // The owner (not the author) rejects version 3, with a reason.
    assert!(
        matches!(store.reject_script_version(&w.owner, "reminder", own.number, " ").await, Err(StoreError::Invalid(i)) if i.field == "reason")
    );
    let rejected = store.reject_script_version(&w.owner, "reminder", own.number, "Too long").await.unwrap();
    assert_eq!((rejected.status, rejected.rejection_reason.as_deref()), (VersionStatus::Rejected, Some("Too long")));

    // A translation is a version of its own, in another language, approved on its own.
    let es = NewVersion { body: VALID_SCRIPT.into(), language: "es".into(), translation_of: Some(2) };
    let v4 = store.add_script_version(&author, "reminder", &es).await.unwrap();
    assert_eq!((v4.language.as_str(), v4.translation_of, v4.status), ("es", Some(2), VersionStatus::Draft));
    let same_language = NewVersion { language: "en".into(), ..es.clone() };
    assert!(
        matches!(store.add_script_version(&author, "reminder", &same_language).await, Err(StoreError::Invalid(i)) if i.field == "translation_of")
    );
    let bad_language = NewVersion { language: "Spanish".into(), ..es.clone() };
    assert!(
        matches!(store.add_script_version(&author, "reminder", &bad_language).await, Err(StoreError::Invalid(i)) if i.field == "language")
    );

    let info = store.script_by_slug(&approver, "reminder").await.unwrap();
    let statuses: Vec<(u32, VersionStatus)> = info.versions.iter().map(|v| (v.number, v.status)).collect();
    use VersionStatus::*;
    assert_eq!(statuses, vec![(1, Draft), (2, Approved), (3, Rejected), (4, Draft)]);
    assert_eq!(info.latest_approved("en").map(|v| v.number), Some(2));
    assert_eq!(info.latest_approved("es").map(|v| v.number), None);

    // Other tenants see nothing; analysts (no script capability) are refused.
    assert!(matches!(store.script_by_slug(&other.owner, "reminder").await, Err(StoreError::NotFound)));
    assert!(matches!(store.script_version(&other.owner, "reminder", 2).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.add_script_version(&other.owner, "reminder", &draft(VALID_SCRIPT)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.approve_script_version(&other.owner, "reminder", 2).await, Err(StoreError::NotFound)));
    assert!(store.list_scripts(&other.owner).await.unwrap().is_empty());
    assert!(matches!(store.list_scripts(&w.analyst).await, Err(StoreError::Forbidden(_))));

    // The text cannot be changed or removed behind the store's back (the audit guard lifted, the
    // script triggers not).
    for statement in [
        "UPDATE script_versions SET body = 'say nothing' WHERE number = 2",
        "DELETE FROM script_versions WHERE number = 1",
    ] {
        let result = clearline_store::testing::tamper(&t.config, &[statement]).await;
        assert!(result.is_err(), "{statement} must be refused");
    }
    assert_eq!(store.script_version(&author, "reminder", 2).await.unwrap().body, VALID_SCRIPT);

    // Every change is audited.
    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("script.".into()), ..Default::default() })
        .await
        .unwrap();
    let mut actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "script.create",
            "script.version.create",
            "script.version.create",
            "script.version.submit",
            "script.version.create",
            "script.version.submit",
            "script.version.approve",
            "script.version.reject",
            "script.version.create",
        ]
    );
}

async fn scripts_attach_only_approved_and_fitting_and_a_switch_is_audited(t: TestStore) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_core::script::ScriptFacts;
    use clearline_store::NewVersion;
    let store = t.open().await;
    let w = world(&store, "at").await;
    let other = world(&store, "au").await;
    let author = campaign_user(&store, &w, Role::ProgramManager, "author").await;
    let approver = campaign_user(&store, &w, Role::ScriptApprover, "approver").await;
    save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    settings.recorded = false;
    store.create_program(&w.owner, &Slug::parse("gotv").unwrap(), "GOTV", &settings).await.unwrap();
    let draft = NewVersion { body: VALID_SCRIPT.into(), language: "en".into(), translation_of: None };
    let approved = |slug: &'static str, facts: ScriptFacts| {
        let (store, author, approver, draft) = (&store, &author, &approver, draft.clone());
        async move {
            store.create_script(author, &Slug::parse(slug).unwrap(), slug, &facts).await.unwrap();
            store.add_script_version(author, slug, &draft).await.unwrap();
            store.submit_script_version(author, slug, 1).await.unwrap();
            store.approve_script_version(approver, slug, 1).await.unwrap();
        }
    };
    let facts = ScriptFacts::new(Purpose::Gotv, DialMode::Manual);
    approved("reminder", facts).await;
    approved("for-predictive", ScriptFacts::new(Purpose::Gotv, DialMode::Predictive)).await;
    store.add_script_version(&author, "reminder", &draft).await.unwrap(); // v2, a draft

    // Nothing attached: the start is blocked on the script.
    let today: jiff::civil::Date = "2026-10-01".parse().unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    assert!(blockers.iter().any(|b| b.field == "script" && b.reason.contains("no approved script")), "{blockers:?}");
    // A draft, a script checked for another dial mode, another tenant's program: refused.
    let refused = store.attach_script(&w.owner, "gotv", "reminder", 2).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("only an approved version")),
        "{refused:?}"
    );
    let refused = store.attach_script(&w.owner, "gotv", "for-predictive", 1).await;
    assert!(matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("dials manual")), "{refused:?}");
    assert!(matches!(store.attach_script(&other.owner, "gotv", "reminder", 1).await, Err(StoreError::NotFound)));
    assert!(matches!(store.attach_script(&w.analyst, "gotv", "reminder", 1).await, Err(StoreError::Forbidden(_))));

    let program = store.attach_script(&w.owner, "gotv", "reminder", 1).await.unwrap();
    assert!(program.script_version_id.is_some());
    let (slug, version) = store.program_script(&w.owner, "gotv").await.unwrap().unwrap();
    assert_eq!((slug.as_str(), version.number), ("reminder", 1));
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    assert!(!blockers.iter().any(|b| b.field == "script"), "{blockers:?}");
    // Recording switched on after the attach: the script was not checked for the notice (CR-28).
    let mut recorded = settings.clone();
    recorded.recorded = true;
    store.update_program(&w.owner, "gotv", &recorded).await.unwrap();
    let blockers = store.program_start_blockers(&w.owner, "gotv", today).await.unwrap();
    assert!(blockers.iter().any(|b| b.field == "script" && b.reason.contains("CR-28")), "{blockers:?}");
    store.update_program(&w.owner, "gotv", &settings).await.unwrap();

    // Mid-program: a running program switches to another approved version, audited before → after.
    store.submit_script_version(&author, "reminder", 2).await.unwrap();
    store.approve_script_version(&approver, "reminder", 2).await.unwrap();
    clearline_store::testing::tamper(&t.config, &["UPDATE programs SET status = 'running' WHERE slug = 'gotv'"])
        .await
        .unwrap();
    store.attach_script(&w.owner, "gotv", "reminder", 2).await.unwrap();
    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("program.script".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let switch = &events[0].entry.details;
    assert_eq!(switch["status"], "running");
    assert_eq!((switch["before"]["number"].as_i64(), switch["after"]["number"].as_i64()), (Some(1), Some(2)));
    assert_eq!(switch["after"]["script"], "reminder");
    assert!(events[1].entry.details["before"].is_null());
    // A finished program keeps the script it ran with.
    clearline_store::testing::tamper(&t.config, &["UPDATE programs SET status = 'finished' WHERE slug = 'gotv'"])
        .await
        .unwrap();
    let refused = store.attach_script(&w.owner, "gotv", "reminder", 1).await;
    assert!(matches!(&refused, Err(StoreError::Invalid(i)) if i.field == "status"), "{refused:?}");
}

/// A safe-harbor transcript for the world's profile (Friends of Test, +1 919 555 0100): the name at the
/// start, the key-press opt-out right after it, the callback number (CR-5, CR-6, CR-46).
const SAFE_HARBOR: &str = "This is Friends of Test. To stop these calls, press 9. \
    Sorry we missed you; to reach us, call 919-555-0100.";

async fn audio_versions_are_immutable_checked_on_their_transcript_and_approved_by_another_person(t: TestStore) {
    use clearline_core::audio::{tone_wav, AudioKind};
    use clearline_core::script::VersionStatus;
    let store = t.open().await;
    let w = world(&store, "aa").await;
    let other = world(&store, "ab").await;
    let author = campaign_user(&store, &w, Role::ProgramManager, "author").await;
    let approver = campaign_user(&store, &w, Role::ScriptApprover, "approver").await;
    let slug = Slug::parse("missed-you").unwrap();
    // The scripts' capabilities: campaign roles that edit scripts (CR-31); a vendor never.
    for refused_actor in [&w.analyst, &w.vendor_admin] {
        let refused = store.create_audio_message(refused_actor, &slug, "Missed", AudioKind::SafeHarbor).await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
    }
    let info = store.create_audio_message(&author, &slug, "Missed you", AudioKind::SafeHarbor).await.unwrap();
    assert_eq!((info.kind, info.versions.len()), (AudioKind::SafeHarbor, 0));
    assert!(matches!(
        store.create_audio_message(&author, &slug, "Again", AudioKind::VoicemailDrop).await,
        Err(StoreError::Conflict { field: "slug" })
    ));

    // Not a WAV: refused naming the audio.
    let refused = store.add_audio_version(&author, "missed-you", b"ID3 an mp3", SAFE_HARBOR).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.field == "audio" && i.reason.contains("not a WAV")),
        "{refused:?}"
    );
    let wav = tone_wav(1200, 440);
    // A transcript without the callback number or opt-out is kept as a draft but cannot be submitted;
    // the refusal names every check and its rule.
    let v1 = store.add_audio_version(&author, "missed-you", &wav, "This is Friends of Test.").await.unwrap();
    assert_eq!((v1.number, v1.status, v1.duration_ms, v1.sample_rate), (1, VersionStatus::Draft, 1200, 8000));
    assert_eq!(v1.audio_sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&wav)));
    let refused = store.submit_audio_version(&author, "missed-you", 1).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.field == "transcript"
            && i.reason.contains("callback_number (CR-5, CR-46)") && i.reason.contains("opt_out (CR-6, CR-46)")),
        "{refused:?}"
    );
    let problems = store.audio_version_problems(&author, "missed-you", 1).await.unwrap();
    assert_eq!(problems.iter().map(|p| p.check).collect::<Vec<_>>(), ["callback_number", "opt_out"]);
    // Approving a draft skips submission: refused by the scripts' own state machine.
    let skipped = store.approve_audio_version(&approver, "missed-you", 1).await;
    assert!(matches!(&skipped, Err(StoreError::Invalid(i)) if i.field == "status"), "{skipped:?}");

    // A good version: submitted, approved by someone else, never by its author.
    store.add_audio_version(&author, "missed-you", &wav, SAFE_HARBOR).await.unwrap();
    assert!(store.audio_version_problems(&author, "missed-you", 2).await.unwrap().is_empty());
    let v2 = store.submit_audio_version(&author, "missed-you", 2).await.unwrap();
    assert_eq!(v2.status, VersionStatus::Submitted);
    assert!(matches!(store.approve_audio_version(&author, "missed-you", 2).await, Err(StoreError::Forbidden(_))));
    let own = store.add_audio_version(&approver, "missed-you", &wav, SAFE_HARBOR).await.unwrap();
    store.submit_audio_version(&approver, "missed-you", own.number).await.unwrap();
    let self_approval = store.approve_audio_version(&approver, "missed-you", own.number).await;
    assert!(
        matches!(&self_approval, Err(StoreError::Invalid(i)) if i.reason.contains("own version")),
        "{self_approval:?}"
    );
    let v2 = store.approve_audio_version(&approver, "missed-you", 2).await.unwrap();
    assert_eq!((v2.status, v2.decided_by), (VersionStatus::Approved, approver.principal().map(|p| p.user_id)));
    assert!(matches!(store.reject_audio_version(&w.owner, "missed-you", 2, "late").await, Err(StoreError::Invalid(_))));
    let rejected = store.reject_audio_version(&w.owner, "missed-you", own.number, "Too quiet").await.unwrap();
    assert_eq!((rejected.status, rejected.rejection_reason.as_deref()), (VersionStatus::Rejected, Some("Too quiet")));
    let statuses: Vec<(u32, VersionStatus)> = store
        .audio_message(&approver, "missed-you")
        .await
        .unwrap()
        .versions
        .iter()
        .map(|v| (v.number, v.status))
        .collect();
    use VersionStatus::*;
    assert_eq!(statuses, vec![(1, Draft), (2, Approved), (3, Rejected)]);
    // The bytes come back as they went in.
    assert_eq!(store.audio_bytes(&approver, "missed-you", 2).await.unwrap(), wav);

    // Other tenants see nothing; analysts are refused.
    assert!(matches!(store.audio_message(&other.owner, "missed-you").await, Err(StoreError::NotFound)));
    assert!(matches!(store.audio_bytes(&other.owner, "missed-you", 2).await, Err(StoreError::NotFound)));
    assert!(matches!(store.approve_audio_version(&other.owner, "missed-you", 3).await, Err(StoreError::NotFound)));
    assert!(store.list_audio_messages(&other.owner).await.unwrap().is_empty());
    assert!(matches!(store.list_audio_messages(&w.analyst).await, Err(StoreError::Forbidden(_))));

    // Neither the recording nor its transcript can be changed or removed behind the store's back.
    for statement in [
        "UPDATE audio_versions SET transcript = 'say nothing' WHERE number = 2",
        "UPDATE audio_versions SET audio_sha256 = 'x' WHERE number = 2",
        "DELETE FROM audio_versions WHERE number = 1",
    ] {
        let result = clearline_store::testing::tamper(&t.config, &[statement]).await;
        assert!(result.is_err(), "{statement} must be refused");
    }
    assert_eq!(store.audio_version(&author, "missed-you", 2).await.unwrap().transcript, SAFE_HARBOR);

    // Every change is audited, with the SHA-256 and never the bytes.
    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("audio.".into()), ..Default::default() })
        .await
        .unwrap();
    let mut actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "audio.create",
            "audio.version.create",
            "audio.version.create",
            "audio.version.submit",
            "audio.version.create",
            "audio.version.submit",
            "audio.version.approve",
            "audio.version.reject",
        ]
    );
    assert!(events.iter().all(|e| e.entry.details.to_string().len() < 600), "no bytes in audit details");
}

async fn a_program_needing_audio_starts_only_with_an_approved_version_attached(t: TestStore) {
    use clearline_core::audio::{tone_wav, AudioKind};
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    let store = t.open().await;
    let w = world(&store, "ap").await;
    let other = world(&store, "aq").await;
    let author = campaign_user(&store, &w, Role::ProgramManager, "author").await;
    let approver = campaign_user(&store, &w, Role::ScriptApprover, "approver").await;
    save_everyone(&store, &w).await;
    let settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "everyone");
    store.create_program(&w.owner, &Slug::parse("gotv").unwrap(), "GOTV", &settings).await.unwrap();
    let wav = tone_wav(800, 440);
    let message = |slug: &'static str, kind: AudioKind, approve: bool| {
        let (store, author, approver, wav) = (&store, &author, &approver, wav.clone());
        async move {
            store.create_audio_message(author, &Slug::parse(slug).unwrap(), slug, kind).await.unwrap();
            store.add_audio_version(author, slug, &wav, SAFE_HARBOR).await.unwrap();
            store.submit_audio_version(author, slug, 1).await.unwrap();
            if approve {
                store.approve_audio_version(approver, slug, 1).await.unwrap();
            }
        }
    };
    message("missed-you", AudioKind::SafeHarbor, true).await;
    message("pending", AudioKind::SafeHarbor, false).await;
    message("robocall", AudioKind::PrerecordedMessage, true).await;

    // Nothing attached: the start is blocked on the safe-harbor message, with its rule.
    let today: jiff::civil::Date = "2026-10-01".parse().unwrap();
    let audio_blockers = |b: Vec<clearline_core::validate::Invalid>| -> Vec<String> {
        b.into_iter().filter(|b| b.field == "audio").map(|b| b.reason).collect()
    };
    let blockers = audio_blockers(store.program_start_blockers(&w.owner, "gotv", today).await.unwrap());
    assert_eq!(blockers, ["no approved safe_harbor message is attached (CR-46)"]);
    // A version still awaiting approval, a kind the program does not play, another tenant: refused.
    let refused = store.attach_audio(&w.owner, "gotv", "pending", 1, None).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("only an approved version")),
        "{refused:?}"
    );
    let refused = store.attach_audio(&w.owner, "gotv", "robocall", 1, None).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("plays safe_harbor, not a prerecorded_message")),
        "{refused:?}"
    );
    assert!(matches!(store.attach_audio(&other.owner, "gotv", "missed-you", 1, None).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.attach_audio(&w.analyst, "gotv", "missed-you", 1, None).await,
        Err(StoreError::Forbidden(_))
    ));

    // Approved and attached: the audio blocker is gone.
    store.attach_audio(&w.owner, "gotv", "missed-you", 1, None).await.unwrap();
    let attached = store.program_audio(&w.owner, "gotv").await.unwrap();
    assert_eq!(
        attached.iter().map(|a| (a.kind, a.slug.as_str(), a.version.number)).collect::<Vec<_>>(),
        [(AudioKind::SafeHarbor, "missed-you", 1)]
    );
    assert!(audio_blockers(store.program_start_blockers(&w.owner, "gotv", today).await.unwrap()).is_empty());

    // The program's own callback number, set after the attach, is not the one the message states.
    let mut own_number = settings.clone();
    own_number.callback_number = Some("+19195550177".parse().unwrap());
    store.update_program(&w.owner, "gotv", &own_number).await.unwrap();
    let blockers = audio_blockers(store.program_start_blockers(&w.owner, "gotv", today).await.unwrap());
    assert_eq!(blockers.len(), 1, "{blockers:?}");
    assert!(blockers[0].contains("callback_number (CR-5, CR-46)"), "{blockers:?}");
    let refused = store.attach_audio(&w.owner, "gotv", "missed-you", 1, None).await;
    assert!(matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("for this program")), "{refused:?}");
    store.update_program(&w.owner, "gotv", &settings).await.unwrap();

    // A manual program plays no recording: nothing to attach, nothing blocks.
    let manual = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    store.create_program(&w.owner, &Slug::parse("manual").unwrap(), "Manual", &manual).await.unwrap();
    assert!(audio_blockers(store.program_start_blockers(&w.owner, "manual", today).await.unwrap()).is_empty());
    let refused = store.attach_audio(&w.owner, "manual", "missed-you", 1, None).await;
    assert!(matches!(&refused, Err(StoreError::Invalid(i)) if i.reason.contains("no recorded audio")), "{refused:?}");

    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("program.audio".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entry.details["after"]["audio"], "missed-you");
    assert_eq!(events[0].entry.details["kind"], "safe_harbor");
}

/// An IVR program (docs/scripts.md, "IVR scripts"): the `ivr_prompt` asks the opening question and
/// each later question plays its own approved `ivr_question` prompt and each closing its `ivr_closing`
/// recording, attached by step; an attach for no step, the opening question, a step of no script or
/// not of the kind's, or a transcript that does not say the keys or the closing's disclosures is
/// refused, naming the field; the start is blocked until every later question and closing has one.
async fn an_ivr_program_starts_only_with_an_approved_prompt_for_each_later_question(t: TestStore) {
    use clearline_core::audio::{tone_wav, AudioKind};
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_core::script::ScriptFacts;
    use clearline_store::NewVersion;
    let store = t.open().await;
    let w = world(&store, "iv").await;
    let author = campaign_user(&store, &w, Role::ProgramManager, "author").await;
    let approver = campaign_user(&store, &w, Role::ScriptApprover, "approver").await;
    save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Survey, DialMode::Ivr, "everyone");
    settings.recorded = false;
    store.create_program(&w.owner, &Slug::parse("poll").unwrap(), "Poll", &settings).await.unwrap();
    let wav = tone_wav(800, 440);
    let recording = |slug: &'static str, kind: AudioKind, transcript: &'static str| {
        let (store, author, approver, wav) = (&store, &author, &approver, wav.clone());
        async move {
            store.create_audio_message(author, &Slug::parse(slug).unwrap(), slug, kind).await.unwrap();
            store.add_audio_version(author, slug, &wav, transcript).await.unwrap();
            store.submit_audio_version(author, slug, 1).await.unwrap();
            store.approve_audio_version(approver, slug, 1).await.unwrap();
        }
    };
    // The opening recording names the campaign, offers the opt-out, states the callback number and
    // asks the first question (vote: keys 1 and 2).
    recording(
        "opening",
        AudioKind::IvrPrompt,
        "This is Friends of Test. To stop these calls, press 9. To reach us, call 919-555-0100. \
         Will you vote? Press 1 for yes, 2 for no.",
    )
    .await;
    recording(
        "rate",
        AudioKind::IvrQuestion,
        "How well is the district run? Press 1 for very badly, up to 5 for very well.",
    )
    .await;
    recording("rate-short", AudioKind::IvrQuestion, "How well is the district run? Press 1 if badly.").await;
    recording("vote", AudioKind::IvrQuestion, "Will you vote? Press 1 for yes, 2 for no.").await;
    // The closings say what their steps disclose: the callback number and "Paid for by" (CR-5, CR-37).
    recording(
        "thanks",
        AudioKind::IvrClosing,
        "Thank you. To reach us, call 919-555-0100. Paid for by Friends of Test.",
    )
    .await;
    recording(
        "bye",
        AudioKind::IvrClosing,
        "Thank you for your time. To reach us, call 919-555-0100. Paid for by Friends of Test.",
    )
    .await;
    recording("goodbye", AudioKind::IvrClosing, "Thank you, goodbye.").await;
    let step_refusal = |r: Result<clearline_store::Program, StoreError>| match r {
        Err(StoreError::Invalid(i)) => format!("{}: {}", i.field, i.reason),
        other => panic!("expected a refusal, got {other:?}"),
    };

    // No script attached yet: a question's prompt has no question to ask.
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "rate", 1, Some("rate")).await);
    assert!(refused.starts_with("step: attach the program's script first"), "{refused}");

    let facts = ScriptFacts::new(Purpose::Survey, DialMode::Ivr);
    store.create_script(&author, &Slug::parse("poll").unwrap(), "Poll", &facts).await.unwrap();
    let body = include_str!("../../../docs/scripts/ivr.script");
    let draft = NewVersion { body: body.into(), language: "en".into(), translation_of: None };
    store.add_script_version(&author, "poll", &draft).await.unwrap();
    store.submit_script_version(&author, "poll", 1).await.unwrap();
    store.approve_script_version(&approver, "poll", 1).await.unwrap();
    store.attach_script(&w.owner, "poll", "poll", 1).await.unwrap();

    let today: jiff::civil::Date = "2026-10-01".parse().unwrap();
    let audio_blockers = |b: Vec<clearline_core::validate::Invalid>| -> Vec<String> {
        b.into_iter().filter(|b| b.field == "audio").map(|b| b.reason).collect()
    };
    let blockers = audio_blockers(store.program_start_blockers(&w.owner, "poll", today).await.unwrap());
    assert!(blockers.iter().any(|b| b.contains("ivr_prompt")), "{blockers:?}");
    assert!(
        blockers.iter().any(|b| b == "no approved ivr_question recording is attached for the question rate"),
        "{blockers:?}"
    );
    assert!(
        !blockers.iter().any(|b| b.contains("question vote")),
        "the opening question is the ivr_prompt's: {blockers:?}"
    );
    for closing in ["thanks", "bye"] {
        let wanted = format!("no approved ivr_closing recording is attached for the closing {closing}");
        assert!(blockers.contains(&wanted), "{blockers:?}");
    }

    // Refused, each naming why.
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "rate", 1, None).await);
    assert!(refused.starts_with("step: an ivr_question prompt is attached for one question"), "{refused}");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "rate", 1, Some("thanks")).await);
    assert_eq!(refused, "step: the program's script has no question step thanks");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "vote", 1, Some("vote")).await);
    assert!(refused.contains("question vote is the one the call opens with"), "{refused}");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "opening", 1, Some("rate")).await);
    assert!(refused.starts_with("step: only an ivr_question or ivr_closing recording"), "{refused}");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "thanks", 1, None).await);
    assert!(refused.starts_with("step: an ivr_closing recording is attached for one closing"), "{refused}");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "thanks", 1, Some("rate")).await);
    assert!(
        refused.contains("step rate does not start a closing") && refused.contains("closings: thanks, bye"),
        "{refused}"
    );
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "goodbye", 1, Some("bye")).await);
    assert!(refused.starts_with("audio: for this program:") && refused.contains("callback_number (CR-5)"), "{refused}");
    let refused = step_refusal(store.attach_audio(&w.owner, "poll", "rate-short", 1, Some("rate")).await);
    assert!(refused.starts_with("audio: for this program:") && refused.contains("key 5"), "{refused}");

    // Attached: nothing blocks, and each prompt is listed with its step.
    store.attach_audio(&w.owner, "poll", "opening", 1, None).await.unwrap();
    store.attach_audio(&w.owner, "poll", "rate", 1, Some("rate")).await.unwrap();
    store.attach_audio(&w.owner, "poll", "thanks", 1, Some("thanks")).await.unwrap();
    let blockers = audio_blockers(store.program_start_blockers(&w.owner, "poll", today).await.unwrap());
    assert_eq!(blockers, ["no approved ivr_closing recording is attached for the closing bye"]);
    store.attach_audio(&w.owner, "poll", "bye", 1, Some("bye")).await.unwrap();
    assert!(audio_blockers(store.program_start_blockers(&w.owner, "poll", today).await.unwrap()).is_empty());
    let mut attached: Vec<(AudioKind, Option<String>, String)> =
        store.program_audio(&w.owner, "poll").await.unwrap().into_iter().map(|a| (a.kind, a.step, a.slug)).collect();
    attached.sort_by_key(|a| a.2.clone());
    assert_eq!(
        attached,
        [
            (AudioKind::IvrClosing, Some("bye".into()), "bye".into()),
            (AudioKind::IvrPrompt, None, "opening".to_string()),
            (AudioKind::IvrQuestion, Some("rate".into()), "rate".into()),
            (AudioKind::IvrClosing, Some("thanks".into()), "thanks".into()),
        ]
    );
}

/// The calling store: an attempt is counted on its entry when it is recorded (before the dial), one
/// live attempt per household, results set the retry or finish the entry, a `do_not_call` result lists
/// the number at once (CR-47), and attempts a stopped process left in flight close as interrupted.
async fn attempts_are_counted_before_the_dial_and_closed_once(t: TestStore) {
    use clearline_core::disposition::Disposition;
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_store::{AttemptResult, NewAttempt};
    let store = t.open().await;
    let w = world(&store, "ca").await;
    let other = world(&store, "cb").await;
    let everyone = save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    settings.max_attempts = 2;
    settings.min_spacing_minutes = Some(30);
    let program = store.create_program(&w.owner, &Slug::parse("calls").unwrap(), "Calls", &settings).await.unwrap();
    // A and B share an address (one household); C is alone.
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let mut rows = vec![person("A", "X", 1), person("B", "X", 2), person("C", "Z", 3)];
    rows[0].res_address = Some("1 Oak St".into());
    rows[1].res_address = Some("1 Oak St".into());
    for r in &mut rows[..2] {
        r.res_zip = Some("27601".into());
    }
    import.upsert_chunk(rows).await.unwrap();
    import.assign_households().await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let people = store.universe_dial_facts(&w.owner, &everyone, 0, 10).await.unwrap();
    assert_eq!(people[0].household_id, people[1].household_id);
    list_for_preview(&store, &w.owner, program.id, &people).await;
    // Only a running program hands out leads.
    assert!(store.dialable_entries(&w.owner, &program, None, 0, 10, &[]).await.unwrap().is_empty());
    let program = running(&t, &store, &w.owner, "calls").await;
    let t0 = 1_792_501_200_000_000i64;
    let dialable = store.dialable_entries(&w.owner, &program, None, t0, 10, &[]).await.unwrap();
    assert_eq!(dialable.len(), 3);
    assert!(matches!(
        store.dialable_entries(&other.owner, &program, None, t0, 10, &[]).await,
        Err(StoreError::NotFound)
    ));
    let attempt = |person_id: i64, at: i64| NewAttempt {
        person_id,
        dial_kind: "preview",
        agent: Some("agent-1".into()),
        dialed_at_us: at,
        simulated: true,
    };
    let (a, b, c) = (people[0].id, people[1].id, people[2].id);
    let first = store.open_attempt(&w.owner, &program, &attempt(a, t0)).await.unwrap();
    // Counted already, before any result.
    assert_eq!(store.call_stats(&w.owner, "calls").await.unwrap().entry_attempts, 1);
    // B is in A's household: not handed out, and refused if asked for anyway.
    let dialable = store.dialable_entries(&w.owner, &program, None, t0, 10, &[]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| e.person_id).collect::<Vec<_>>(), vec![c]);
    assert!(matches!(
        store.open_attempt(&w.owner, &program, &attempt(b, t0)).await,
        Err(StoreError::Conflict { field: "person" })
    ));
    let result = |d: Disposition, end: i64| AttemptResult {
        disposition: d,
        agent: None,
        rang_at_us: Some(end - 20_000_000),
        answered_at_us: None,
        greeting_ended_at_us: None,
        bridged_at_us: None,
        ended_at_us: end,
        callback_at_us: None,
        answers: Vec::new(),
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
        custom_disposition: None,
    };
    let end = t0 + 25_000_000;
    store.finish_attempt(&w.owner, &program, first, &result(Disposition::NoAnswer, end)).await.unwrap();
    assert!(
        matches!(
            store.finish_attempt(&w.owner, &program, first, &result(Disposition::Complete, end)).await,
            Err(StoreError::Invalid(_))
        ),
        "a result is written once"
    );
    // A no-answer waits out the 30-minute spacing; B is free now, fresh records before retries.
    let dialable = store.dialable_entries(&w.owner, &program, None, end, 10, &[]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| e.person_id).collect::<Vec<_>>(), vec![b, c]);
    assert_eq!(dialable[0].household_attempts, 1, "A's attempt counts for the household");
    let later = end + 30 * 60_000_000;
    let dialable = store.dialable_entries(&w.owner, &program, None, later, 10, &[b, c]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| (e.person_id, e.attempts)).collect::<Vec<_>>(), vec![(a, 1)]);
    // The second and last allowed attempt finishes the entry whatever its result.
    let second = store.open_attempt(&w.owner, &program, &attempt(a, later)).await.unwrap();
    store.finish_attempt(&w.owner, &program, second, &result(Disposition::Busy, later + 5_000_000)).await.unwrap();
    let far = later + 86_400_000_000;
    let dialable = store.dialable_entries(&w.owner, &program, None, far, 10, &[]).await.unwrap();
    assert!(!dialable.iter().any(|e| e.person_id == a), "max_attempts reached");
    // CR-27 counts this program's calls per number over 24 h; CR-3 only recorded-message calls.
    let calls = store.program_calls_since(&w.owner, &program, &[a, b, c], t0).await.unwrap();
    assert_eq!(calls.into_iter().collect::<Vec<_>>(), vec![((a, 0), 2)], "A's two calls, nobody else's");
    let calls = store.program_calls_since(&w.owner, &program, &[a, b, c], later).await.unwrap();
    assert_eq!(calls.get(&(a, 0)), Some(&1), "only the call since then");
    assert!(store.recorded_calls_since(&w.owner, &[a, b, c], t0).await.unwrap().is_empty(), "preview calls are live");
    // do_not_call: the number goes on the campaign's list in the same transaction (CR-47).
    // C's entry is the vendor's: the opt-out also goes on the vendor's own list, in the same
    // transaction, and only the vendor whose floor placed the call may be named.
    clearline_store::testing::tamper(
        &t.config,
        &[&format!("UPDATE call_list_entries SET vendor_id = {} WHERE person_id = {c}", w.vendor.0)],
    )
    .await
    .unwrap();
    let opt_out = store.open_attempt(&w.owner, &program, &attempt(c, far)).await.unwrap();
    let sealed = DncEntry { number_index: vec![7; 32], number_enc: vec![7] };
    let for_vendor = |vendor: OrgId| AttemptResult {
        vendor_opt_out: Some(VendorOptOut { vendor, entry: sealed.clone() }),
        audio_version_id: None,
        ..result(Disposition::DoNotCall, far + 60_000_000)
    };
    assert!(matches!(
        store.finish_attempt(&w.owner, &program, opt_out, &for_vendor(other.vendor)).await,
        Err(StoreError::Invalid(i)) if i.field == "vendor_opt_out"
    ));
    assert!(!store.on_do_not_call(&w.owner, w.campaign, &[3u8; 32]).await.unwrap(), "refused whole: no list written");
    // Only approved audio plays: a result naming a draft recording, or no recording of the campaign, is
    // refused whole; an approved one is kept with the attempt.
    let voice = campaign_user(&store, &w, Role::ProgramManager, "voice").await;
    let ear = campaign_user(&store, &w, Role::ScriptApprover, "ear").await;
    let sorry = Slug::parse("sorry").unwrap();
    store.create_audio_message(&voice, &sorry, "Sorry", clearline_core::audio::AudioKind::SafeHarbor).await.unwrap();
    let recording = clearline_core::audio::tone_wav(800, 440);
    let draft = store.add_audio_version(&voice, "sorry", &recording, SAFE_HARBOR).await.unwrap();
    let with_audio = |id: i64| AttemptResult { audio_version_id: Some(id), ..for_vendor(w.vendor) };
    for id in [draft.id, draft.id + 1_000] {
        assert!(matches!(
            store.finish_attempt(&w.owner, &program, opt_out, &with_audio(id)).await,
            Err(StoreError::Invalid(i)) if i.field == "audio_version"
        ));
    }
    store.submit_audio_version(&voice, "sorry", 1).await.unwrap();
    store.approve_audio_version(&ear, "sorry", 1).await.unwrap();
    store.finish_attempt(&w.owner, &program, opt_out, &with_audio(draft.id)).await.unwrap();
    assert!(store.on_do_not_call(&w.owner, w.campaign, &[3u8; 32]).await.unwrap());
    let listed = store.vendor_dnc_listed(&w.vendor_admin, w.vendor, &[vec![7; 32], vec![3; 32]]).await.unwrap();
    assert_eq!(listed.into_iter().collect::<Vec<_>>(), vec![vec![7u8; 32]], "the vendor's own index of the number");
    // A process stops with B's attempt in flight: the restart closes it as interrupted, counted, and B
    // waits out the spacing from the restart.
    store.open_attempt(&w.owner, &program, &attempt(b, far)).await.unwrap();
    let restart = far + 3_600_000_000;
    assert_eq!(store.interrupt_attempts(&w.owner, &program, restart).await.unwrap(), 1);
    assert_eq!(store.interrupt_attempts(&w.owner, &program, restart).await.unwrap(), 0, "closed once");
    assert!(store.dialable_entries(&w.owner, &program, None, restart + 60_000_000, 10, &[]).await.unwrap().is_empty());
    let dialable = store.dialable_entries(&w.owner, &program, None, restart + 30 * 60_000_000, 10, &[]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| (e.person_id, e.attempts)).collect::<Vec<_>>(), vec![(b, 1)]);
    let stats = store.call_stats(&w.owner, "calls").await.unwrap();
    assert_eq!((stats.attempts, stats.in_flight, stats.entry_attempts), (4, 0, 4));
    assert_eq!(stats.by_disposition.get("interrupted"), Some(&1));
    assert_eq!(stats.contacts, 1, "the opt-out is a contact");
    assert_eq!(stats.entries_done, 2, "A (attempts used up) and C (final)");
    let rows = store.program_attempts(&w.owner, "calls", 0, 10).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].state, "interrupted");
    assert_eq!(
        rows.iter().map(|r| r.audio_version_id).collect::<Vec<_>>(),
        [None, None, Some(draft.id), None],
        "the recording the opt-out call played"
    );
    assert_eq!(rows[0].rang_at_us, Some(end - 20_000_000));
    assert_eq!(rows[0].line_type.as_deref(), Some("unknown"), "the dialed phone's line type, recorded");
    // CR-46 history: only system-dialed live answers count, by day back from the origin.
    clearline_store::testing::tamper(
        &t.config,
        &[
            "UPDATE call_attempts SET dial_kind = 'paced', bridged_at = dialed_at + 1 WHERE disposition = 'no_answer'",
            "UPDATE call_attempts SET dial_kind = 'paced', disposition = 'abandoned' WHERE disposition = 'busy'",
        ],
    )
    .await
    .unwrap();
    let history = store.abandonment_history(&w.owner, &program, t0 + 86_400_000_000).await.unwrap();
    assert_eq!(history, vec![(-1, 2, 1)], "one bridged and one abandoned call the day before");
    assert!(store.abandonment_history(&w.owner, &program, t0).await.unwrap().is_empty(), "none before t0");
    // The agent state log is append-only.
    let change = clearline_store::AgentStateChange {
        agent: "agent-1".to_string(),
        state: "ready",
        reason: None,
        at_us: t0,
        vendor: None,
    };
    store.log_agent_states(&w.owner, &program, &[change]).await.unwrap();
    let refused = clearline_store::testing::tamper(&t.config, &["DELETE FROM agent_state_log"]).await;
    assert!(refused.is_err(), "deleting agent states is refused");
    // Each agent's latest change is kept (migration 0032) as the log's latest per agent, on every write.
    let change = |agent: &str, state: &'static str, at_us: i64| clearline_store::AgentStateChange {
        agent: agent.to_string(),
        state,
        reason: None,
        at_us,
        vendor: None,
    };
    let batches = [
        vec![change("agent-2", "ready", t0 + 1), change("agent-1", "on_call", t0 + 2)],
        vec![change("agent-2", "on_call", t0 + 3), change("agent-2", "wrap_up", t0 + 4)],
        vec![change("agent-1", "logged_out", t0 + 5)],
    ];
    use sqlx::Row;
    let mut conn = raw(&t).await;
    for batch in batches {
        store.log_agent_states(&w.owner, &program, &batch).await.unwrap();
        let mut pairs = async |sql: String| -> Vec<(String, i64)> {
            sqlx::query(&sql).fetch_all(&mut conn).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
        };
        let kept = pairs(format!(
            "SELECT agent, log_id FROM agent_latest_state WHERE program_id = {} AND vendor_id = 0 ORDER BY agent",
            program.id
        ))
        .await;
        let live = pairs(format!(
            "SELECT agent, MAX(id) FROM agent_state_log WHERE program_id = {} GROUP BY agent ORDER BY agent",
            program.id
        ))
        .await;
        assert_eq!(kept, live, "each agent's kept latest change is the log's latest");
    }
}

/// Survey answers are stored (ciphertext, the order shown) in the result's transaction, read back by
/// results roles only; a quota cell that has its completes is no longer handed out nor dialed, and
/// ends with at most its quota plus the calls to it in flight when it filled.
async fn survey_answers_are_written_with_the_result_and_full_quota_cells_are_not_dialed(t: TestStore) {
    use clearline_core::disposition::Disposition;
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{EntryMode, ProgramSettings, Quota};
    use clearline_store::{AnswerRecord, AttemptResult, NewAttempt, NewEntry};
    let store = t.open().await;
    let w = world(&store, "qa").await;
    let everyone = save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Survey, DialMode::Preview, "everyone");
    settings.one_per_household = false;
    settings.quotas = vec![Quota::parse("party=DEM:1").unwrap()];
    let program = store.create_program(&w.owner, &Slug::parse("poll").unwrap(), "Poll", &settings).await.unwrap();
    let mut gotv = ProgramSettings::new(Purpose::Gotv, DialMode::Preview, "everyone");
    gotv.quotas = settings.quotas.clone();
    assert!(
        matches!(store.create_program(&w.owner, &Slug::parse("gotv-q").unwrap(), "G", &gotv).await, Err(StoreError::Invalid(i)) if i.field == "quotas"),
        "quotas are for surveys"
    );
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    let mut rows = vec![person("A", "X", 1), person("B", "Y", 2), person("C", "Z", 3), person("D", "W", 4)];
    for (r, party) in rows.iter_mut().zip(["DEM", "DEM", "DEM", "REP"]) {
        r.party = Some(party.into());
    }
    import.upsert_chunk(rows).await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let people = store.universe_dial_facts(&w.owner, &everyone, 0, 10).await.unwrap();
    let entries: Vec<NewEntry> = people
        .iter()
        .map(|p| NewEntry {
            person_id: p.id,
            household_id: None,
            vendor_id: None,
            mode: EntryMode::Preview,
            phone_position: Some(0),
            conditions: String::new(),
            exclusion: String::new(),
        })
        .collect();
    store.replace_call_list(&w.owner, program.id, &entries, &Default::default()).await.unwrap();
    clearline_store::testing::tamper(&t.config, &["UPDATE programs SET status = 'running' WHERE slug = 'poll'"])
        .await
        .unwrap();
    let program = store.program_by_slug(&w.owner, "poll").await.unwrap();
    let (a, b, c, d) = (people[0].id, people[1].id, people[2].id, people[3].id);
    let t0 = 1_792_501_200_000_000i64;
    let attempt = |person_id: i64| NewAttempt {
        person_id,
        dial_kind: "preview",
        agent: Some("agent-1".into()),
        dialed_at_us: t0,
        simulated: true,
    };
    let result = |d: Disposition, answers: Vec<AnswerRecord>| AttemptResult {
        disposition: d,
        agent: None,
        rang_at_us: None,
        answered_at_us: Some(t0 + 1),
        greeting_ended_at_us: None,
        bridged_at_us: Some(t0 + 2),
        ended_at_us: t0 + 60_000_000,
        callback_at_us: None,
        answers,
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
        custom_disposition: None,
    };
    let answer = |step: &str, enc: &[u8], shown: Option<Vec<&str>>| AnswerRecord {
        step: step.into(),
        answer_enc: enc.to_vec(),
        shown_order: shown.map(|o| o.into_iter().map(String::from).collect()),
        answered_at_us: t0 + 30_000_000,
    };
    // A and B (both DEM) are dialed before the cell fills.
    let first = store.open_attempt(&w.owner, &program, &attempt(a)).await.unwrap();
    let second = store.open_attempt(&w.owner, &program, &attempt(b)).await.unwrap();
    // Two answers for one question in one result: refused, and nothing of the result is written.
    let twice = result(Disposition::Complete, vec![answer("q1", b"x", None), answer("q1", b"y", None)]);
    assert!(store.finish_attempt(&w.owner, &program, first, &twice).await.is_err());
    assert_eq!(store.call_stats(&w.owner, "poll").await.unwrap().in_flight, 2, "the result rolled back with it");
    let answers = vec![answer("q1", b"\x01ct-1", None), answer("q2", b"\x01ct-2", Some(vec!["c", "a", "b"]))];
    store.finish_attempt(&w.owner, &program, first, &result(Disposition::Complete, answers)).await.unwrap();
    // The cell is full: C (DEM) is no longer handed out, D (REP) is.
    let dialable = store.dialable_entries(&w.owner, &program, None, t0 + 61_000_000, 10, &[]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| e.person_id).collect::<Vec<_>>(), vec![d]);
    assert!(matches!(
        store.open_attempt(&w.owner, &program, &attempt(c)).await,
        Err(StoreError::Invalid(i)) if i.field == "quota"
    ));
    store.open_attempt(&w.owner, &program, &attempt(d)).await.unwrap();
    // B was in flight when the cell filled: it may still complete — the bound is quota + in flight.
    store.finish_attempt(&w.owner, &program, second, &result(Disposition::Complete, Vec::new())).await.unwrap();
    assert_eq!(store.quota_completes(&w.owner, &program, t0).await.unwrap(), vec![2]);
    // The answers read back as ciphertext, in the order asked, with the order shown.
    let stored = store.survey_answers(&w.owner, "poll").await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].attempt_id, stored[0].step.as_str(), stored[0].answer_enc.as_slice()),
        (first, "q1", &b"\x01ct-1"[..])
    );
    assert_eq!(stored[1].shown_order.as_deref(), Some(&["c".to_string(), "a".into(), "b".into()][..]));
    assert_eq!(stored[0].shown_order, None);
    let cases = store.survey_cases(&w.owner, "poll").await.unwrap();
    assert_eq!(cases.iter().filter(|c| c.disposition == "complete").count(), 2);
    assert!(cases.iter().all(|c| c.party.is_some()));
    // The call list counted by a voter field (the population a survey is weighted to): a count per
    // value, dialed or not; by birth year for age bands.
    use clearline_core::program::QuotaField;
    let by_party = store.call_list_counts_by(&w.owner, "poll", QuotaField::Party).await.unwrap();
    assert_eq!(by_party, vec![(Some("DEM".to_string()), 3), (Some("REP".to_string()), 1)]);
    let by_year = store.call_list_counts_by(&w.owner, "poll", QuotaField::AgeBand).await.unwrap();
    assert_eq!(by_year, vec![(Some("1980".to_string()), 4)]);
    // Reading them needs view_results; another campaign sees nothing.
    let other = world(&store, "qb").await;
    assert!(matches!(store.survey_answers(&other.owner, "poll").await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.call_list_counts_by(&other.owner, "poll", QuotaField::Party).await,
        Err(StoreError::NotFound)
    ));
}

/// Renaming keeps the id (programs and `in_universe` references follow it); deleting is refused while a
/// program or another universe uses it; both audited, both refused without targeting.
async fn universes_rename_keeping_their_id_and_delete_only_when_nothing_uses_them(t: TestStore) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::{ProgramSettings, VendorShare};
    use clearline_core::universe::Filter;
    let store = t.open().await;
    let w = world(&store, "rd").await;
    let other = world(&store, "re").await;
    let f = |json: &str| serde_json::from_str::<Filter>(json).unwrap();
    let dems =
        store.save_universe(&w.owner, "Dems", &f(r#"{"op":"in","field":"party","values":["DEM"]}"#)).await.unwrap();
    let reps =
        store.save_universe(&w.owner, "Reps", &f(r#"{"op":"in","field":"party","values":["REP"]}"#)).await.unwrap();
    let not_dems = store
        .save_universe(
            &w.owner,
            "Not Dems",
            &f(&format!(r#"{{"op":"not","filter":{{"op":"in_universe","universe_id":{dems}}}}}"#)),
        )
        .await
        .unwrap();

    // Renamed: same id, the new name; a taken or empty name is refused naming the field.
    store.rename_universe(&w.owner, dems, "  Democrats ").await.unwrap();
    let renamed = store.universe_by_name(&w.owner, "Democrats").await.unwrap();
    assert_eq!(renamed.id, dems);
    assert!(matches!(store.universe_by_name(&w.owner, "Dems").await, Err(StoreError::NotFound)));
    let taken = store.rename_universe(&w.owner, dems, "Reps").await;
    assert!(matches!(taken, Err(StoreError::Conflict { field: "name" })), "{taken:?}");
    let empty = store.rename_universe(&w.owner, dems, "  ").await;
    assert!(matches!(empty, Err(StoreError::Invalid(ref i)) if i.field == "name"), "{empty:?}");
    // Another campaign's universe, or none, is not found; an analyst may not rename.
    assert!(matches!(store.rename_universe(&other.owner, dems, "Mine").await, Err(StoreError::NotFound)));
    assert!(matches!(store.rename_universe(&w.owner, 987_654, "X").await, Err(StoreError::NotFound)));
    assert!(matches!(store.rename_universe(&w.analyst, dems, "X").await, Err(StoreError::Forbidden(_))));
    assert!(matches!(store.delete_universe(&w.analyst, reps).await, Err(StoreError::Forbidden(_))));
    // The same name in another campaign is fine.
    store.save_universe(&other.owner, "Democrats", &f(r#"{"op":"all","filters":[]}"#)).await.unwrap();

    // A program drawing from Reps: renaming follows into its settings; deleting is refused naming it.
    store
        .create_engagement(
            &w.owner,
            None,
            NewEngagement {
                vendor: Slug::parse("vend-rd").unwrap(),
                starts_on: "2026-09-01".parse().unwrap(),
                ends_on: "2026-11-03".parse().unwrap(),
                programs: vec!["gotv-reps".into()],
                visible_fields: vec!["first_name".into()],
            },
        )
        .await
        .unwrap();
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "Reps");
    settings.vendors = vec![VendorShare::parse("vend-rd=100").unwrap()];
    store.create_program(&w.owner, &Slug::parse("gotv-reps").unwrap(), "GOTV", &settings).await.unwrap();
    store.rename_universe(&w.owner, reps, "Republicans").await.unwrap();
    let program = store.program_by_slug(&w.owner, "gotv-reps").await.unwrap();
    assert_eq!((program.universe_id, program.settings.universe.as_str()), (reps, "Republicans"));
    let refused = store.delete_universe(&w.owner, reps).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(ref i)) if i.field == "universe" && i.reason.contains("gotv-reps")),
        "{refused:?}"
    );
    // Referred to by "Not Dems": refused naming it; once that one is gone, Democrats goes too.
    let refused = store.delete_universe(&w.owner, dems).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(ref i)) if i.field == "universe" && i.reason.contains("Not Dems")),
        "{refused:?}"
    );
    assert!(matches!(store.delete_universe(&other.owner, not_dems).await, Err(StoreError::NotFound)));
    store.delete_universe(&w.owner, not_dems).await.unwrap();
    store.delete_universe(&w.owner, dems).await.unwrap();
    let left: Vec<String> = store.list_universes(&w.owner).await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(left, vec!["Republicans".to_string()]);
    assert!(matches!(store.delete_universe(&w.owner, dems).await, Err(StoreError::NotFound)));

    // Each change is one audit event naming the universe by id; refusals wrote none.
    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("universe.".into()), ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> =
        events.iter().rev().map(|e| (e.entry.action.as_str(), e.entry.object_id.as_str())).collect();
    let (dems, reps, not_dems) = (dems.to_string(), reps.to_string(), not_dems.to_string());
    assert_eq!(
        actions,
        vec![
            ("universe.create", dems.as_str()),
            ("universe.create", reps.as_str()),
            ("universe.create", not_dems.as_str()),
            ("universe.rename", dems.as_str()),
            ("universe.rename", reps.as_str()),
            ("universe.delete", not_dems.as_str()),
            ("universe.delete", dems.as_str()),
        ]
    );
    let rename = &events.iter().rev().nth(4).unwrap().entry.details;
    assert_eq!(rename["programs"], serde_json::json!(["gotv-reps"]), "{rename}");
}

async fn column_mappings_are_listed_per_campaign_and_replaced_by_name(t: TestStore) {
    let store = t.open().await;
    let w = world(&store, "cm").await;
    let other = world(&store, "cn").await;
    let first = r#"{"delimiter":",","header":true,"columns":{"voter_id":"ID"}}"#;
    let second = r#"{"delimiter":";","header":true,"columns":{"voter_id":"Key"}}"#;
    store.save_column_mapping(&w.owner, "vendor-b", first).await.unwrap();
    store.save_column_mapping(&w.owner, "vendor-a", first).await.unwrap();
    let listed = store.column_mappings(&w.owner).await.unwrap();
    assert_eq!(listed.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["vendor-a", "vendor-b"]);
    assert!(listed.iter().all(|m| m.created_at_us > 0));
    // Saved again under its name: replaced, still one entry, first saved when it was.
    store.save_column_mapping(&w.owner, "vendor-b", second).await.unwrap();
    let again = store.column_mappings(&w.owner).await.unwrap();
    assert_eq!(again, listed);
    assert_eq!(store.column_mapping(&w.owner, "vendor-b").await.unwrap(), second);
    // Another campaign lists its own (none); an analyst may not read the list.
    assert!(store.column_mappings(&other.owner).await.unwrap().is_empty());
    assert!(matches!(store.column_mapping(&other.owner, "vendor-b").await, Err(StoreError::NotFound)));
    assert!(matches!(store.column_mappings(&w.analyst).await, Err(StoreError::Forbidden(_))));
}

fn custom(
    code: &str,
    label: &str,
    base: clearline_core::disposition::Disposition,
) -> clearline_core::disposition::CustomDisposition {
    clearline_core::disposition::CustomDisposition { code: code.into(), label: label.into(), base }
}

/// A campaign's custom codes: added by the roles that manage programs, validated by core's rules with
/// the field named, audited, read by results readers of that campaign only, and retired (never
/// deleted: the code stays taken and listed, no longer offered).
async fn custom_dispositions_are_per_campaign_validated_audited_and_retired_not_deleted(t: TestStore) {
    use clearline_core::disposition::Disposition;
    let store = t.open().await;
    let w = world(&store, "da").await;
    let other = world(&store, "db").await;
    let added = store
        .add_custom_disposition(&w.owner, &custom("hostile_refusal", " Hostile refusal ", Disposition::Refused))
        .await
        .unwrap();
    assert_eq!(
        (added.label.as_str(), added.base, added.retired_at_us),
        ("Hostile refusal", Disposition::Refused, None)
    );
    store
        .add_custom_disposition(&w.owner, &custom("call_after_six", "Call after 6 pm", Disposition::CallbackRequested))
        .await
        .unwrap();

    // Refusals name their field: a bad code, a base code, a system-only base, a missing label, a repeat.
    let field_of = |r: Result<clearline_store::StoredDisposition, StoreError>| match r {
        Err(StoreError::Invalid(i)) => i.field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    for (new, field) in [
        (custom("Bad Code", "x", Disposition::Refused), "code"),
        (custom("refused", "Refused again", Disposition::Refused), "code"),
        (custom("line_busy", "Busy line", Disposition::Busy), "base"),
        (custom("quiet", "  ", Disposition::Refused), "label"),
        (custom("hostile_refusal", "Again", Disposition::BreakOff), "code"),
    ] {
        assert_eq!(field_of(store.add_custom_disposition(&w.owner, &new).await), field, "{new:?}");
    }
    // Only the roles that manage programs define codes; results readers see them; vendors do not.
    assert!(matches!(
        store.add_custom_disposition(&w.analyst, &custom("nope_code", "No", Disposition::Refused)).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.retire_custom_disposition(&w.analyst, "hostile_refusal").await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(store.custom_dispositions(&w.analyst).await.unwrap().len(), 2);
    assert!(matches!(store.custom_dispositions(&w.vendor_admin).await, Err(StoreError::Forbidden(_))));
    // Another campaign has its own list (the same code means what it says there), and cannot retire ours.
    assert!(store.custom_dispositions(&other.owner).await.unwrap().is_empty());
    assert!(matches!(
        store.retire_custom_disposition(&other.owner, "hostile_refusal").await,
        Err(StoreError::NotFound)
    ));
    store
        .add_custom_disposition(&other.owner, &custom("hostile_refusal", "Rude", Disposition::BreakOff))
        .await
        .unwrap();

    // Retired: still listed with its time, no longer active, its code not given out again.
    let retired = store.retire_custom_disposition(&w.owner, "call_after_six").await.unwrap();
    assert!(retired.retired_at_us.is_some());
    assert_eq!(field_of(store.retire_custom_disposition(&w.owner, "call_after_six").await), "code");
    assert_eq!(
        field_of(
            store
                .add_custom_disposition(&w.owner, &custom("call_after_six", "Later", Disposition::CallbackRequested))
                .await
        ),
        "code"
    );
    let listed = store.custom_dispositions(&w.owner).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| (d.code.as_str(), d.is_active())).collect::<Vec<_>>(),
        [("hostile_refusal", true), ("call_after_six", false)]
    );
    let active = store.active_dispositions(&w.owner).await.unwrap();
    assert_eq!(active.resolve("hostile_refusal"), Some(Disposition::Refused));
    assert_eq!(active.resolve("call_after_six"), None);
    assert_eq!(active.resolve("busy"), Some(Disposition::Busy), "base codes resolve as ever");

    let events = store
        .audit_events(&w.owner, &AuditFilter { action_prefix: Some("disposition.".into()), ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> =
        events.iter().map(|e| (e.entry.action.as_str(), e.entry.details["code"].as_str().unwrap())).collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions.contains(&("disposition.add", "hostile_refusal")));
    assert!(actions.contains(&("disposition.retire", "call_after_six")));
    assert!(events.iter().any(|e| e.entry.details["base"] == "refused"));
}

/// A custom code on a call: the attempt keeps the base code in `disposition` (what the redial rules,
/// rates and exports read) and the custom code beside it; a code mapped to `refused` finishes the entry
/// like `refused` does. A code that does not mean the result's base, or is not the campaign's, is
/// refused and nothing of the result is written.
async fn a_custom_code_is_recorded_beside_its_base_which_alone_decides_the_redial(t: TestStore) {
    use clearline_core::disposition::Disposition;
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_store::{AttemptResult, NewAttempt};
    let store = t.open().await;
    let w = world(&store, "dc").await;
    let other = world(&store, "dd").await;
    store
        .add_custom_disposition(&w.owner, &custom("hostile_refusal", "Hostile refusal", Disposition::Refused))
        .await
        .unwrap();
    store.add_custom_disposition(&other.owner, &custom("theirs_only", "Theirs", Disposition::Refused)).await.unwrap();
    let everyone = save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    settings.max_attempts = 3;
    settings.min_spacing_minutes = Some(1);
    let program = store.create_program(&w.owner, &Slug::parse("calls").unwrap(), "Calls", &settings).await.unwrap();
    let mut import = store.begin_import(&w.owner, w.campaign).await.unwrap();
    import.upsert_chunk(vec![person("A", "X", 1), person("C", "Z", 3)]).await.unwrap();
    import.assign_households().await.unwrap();
    import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
    let people = store.universe_dial_facts(&w.owner, &everyone, 0, 10).await.unwrap();
    list_for_preview(&store, &w.owner, program.id, &people).await;
    let program = running(&t, &store, &w.owner, "calls").await;
    let t0 = 1_792_501_200_000_000i64;
    let (a, c) = (people[0].id, people[1].id);
    let open = |person_id: i64| NewAttempt {
        person_id,
        dial_kind: "preview",
        agent: Some("agent-1".into()),
        dialed_at_us: t0,
        simulated: true,
    };
    let result = |d: Disposition, custom: Option<&str>| AttemptResult {
        disposition: d,
        custom_disposition: custom.map(String::from),
        agent: None,
        rang_at_us: Some(t0 + 1_000_000),
        answered_at_us: Some(t0 + 5_000_000),
        greeting_ended_at_us: None,
        bridged_at_us: Some(t0 + 6_000_000),
        ended_at_us: t0 + 60_000_000,
        callback_at_us: None,
        answers: Vec::new(),
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
    };
    let first = store.open_attempt(&w.owner, &program, &open(a)).await.unwrap();
    let second = store.open_attempt(&w.owner, &program, &open(c)).await.unwrap();
    // A custom code standing beside another base, or another campaign's code: refused, nothing written.
    for (bad, why) in [
        (result(Disposition::NoAnswer, Some("hostile_refusal")), "another base"),
        (result(Disposition::Refused, Some("theirs_only")), "another campaign's code"),
        (result(Disposition::Refused, Some("no_such_code")), "an unknown code"),
    ] {
        let refused = store.finish_attempt(&w.owner, &program, second, &bad).await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(i)) if i.field == "custom_disposition"),
            "{why}: {refused:?}"
        );
    }
    let rows = store.program_attempts(&w.owner, "calls", 0, 10).await.unwrap();
    assert!(rows.iter().all(|r| r.state == "in_flight" && r.disposition.is_none()), "{rows:?}");

    store
        .finish_attempt(&w.owner, &program, first, &result(Disposition::Refused, Some("hostile_refusal")))
        .await
        .unwrap();
    store.finish_attempt(&w.owner, &program, second, &result(Disposition::NoAnswer, None)).await.unwrap();
    let rows = store.program_attempts(&w.owner, "calls", 0, 10).await.unwrap();
    let row = rows.iter().find(|r| r.id == first).unwrap();
    assert_eq!(
        (row.disposition.as_deref(), row.custom_disposition.as_deref()),
        (Some("refused"), Some("hostile_refusal"))
    );
    assert_eq!(rows.iter().find(|r| r.id == second).unwrap().custom_disposition, None);
    let record = store.call_record(&w.owner, "calls", first).await.unwrap();
    assert_eq!(
        (record.disposition.as_deref(), record.custom_disposition.as_deref()),
        (Some("refused"), Some("hostile_refusal"))
    );
    let results = store.program_results(&w.owner, "calls", 0, 10).await.unwrap();
    assert_eq!(
        results.iter().find(|r| r.attempt_id == first).unwrap().custom_disposition.as_deref(),
        Some("hostile_refusal")
    );
    // The refusal finished A's entry, exactly as `refused` does; C's no-answer comes due again.
    let later = t0 + 3_600_000_000;
    let dialable = store.dialable_entries(&w.owner, &program, None, later, 10, &[]).await.unwrap();
    assert_eq!(dialable.iter().map(|e| e.person_id).collect::<Vec<_>>(), vec![c]);
    let stats = store.call_stats(&w.owner, "calls").await.unwrap();
    assert_eq!(stats.by_disposition.get("refused"), Some(&1), "counted under its base: {:?}", stats.by_disposition);
    let custom = clearline_store::CustomCount { code: "hostile_refusal".into(), base: "refused".into(), attempts: 1 };
    assert_eq!(stats.by_custom_disposition, [custom]);
    assert_eq!(stats.entries_done, 1);
}

/// Puts each of `people` on the program's call list as a preview entry of no vendor, to its first phone.
async fn list_for_preview(store: &Store, owner: &Actor, program_id: i64, people: &[clearline_store::PersonDialFacts]) {
    let entries: Vec<clearline_store::NewEntry> = people
        .iter()
        .map(|p| clearline_store::NewEntry {
            person_id: p.id,
            household_id: p.household_id,
            vendor_id: None,
            mode: clearline_core::program::EntryMode::Preview,
            phone_position: Some(0),
            conditions: String::new(),
            exclusion: String::new(),
        })
        .collect();
    store.replace_call_list(owner, program_id, &entries, &Default::default()).await.unwrap();
}

/// The program marked running by hand (past the start checks, which other tests cover), read again.
async fn running(t: &TestStore, store: &Store, owner: &Actor, slug: &str) -> clearline_store::Program {
    let sql = format!("UPDATE programs SET status = 'running' WHERE slug = '{slug}'");
    clearline_store::testing::tamper(&t.config, &[sql.as_str()]).await.unwrap();
    store.program_by_slug(owner, slug).await.unwrap()
}

async fn a_program_lease_has_one_holder_until_it_expires_and_a_taken_over_holder_cannot_renew(t: TestStore) {
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_store::LeaseClaim;
    let store = t.open().await;
    let w = world(&store, "ca").await;
    let other = world(&store, "cb").await;
    save_everyone(&store, &w).await;
    let settings = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    let program = store.create_program(&w.owner, &Slug::parse("calls").unwrap(), "Calls", &settings).await.unwrap();
    let (ttl, t0) = (20_000_000i64, 1_792_501_200_000_000i64);
    assert_eq!(store.program_lease(&w.owner, &program).await.unwrap(), None, "never claimed");

    // Node A claims it; node B is refused while A's lease runs, told who holds it until when.
    let Ok(LeaseClaim::Held { generation: a_gen, taken_from: None, .. }) =
        store.claim_program_lease(&w.owner, &program, "node-a", t0, ttl).await
    else {
        panic!("the first claim takes the lease")
    };
    assert_eq!(
        store.claim_program_lease(&w.owner, &program, "node-b", t0 + ttl - 1, ttl).await.unwrap(),
        LeaseClaim::HeldElsewhere { holder: "node-a".into(), expires_at_us: t0 + ttl }
    );
    // Another campaign's user cannot see or take it.
    assert!(matches!(
        store.claim_program_lease(&other.owner, &program, "node-x", t0 + 10 * ttl, ttl).await,
        Err(StoreError::NotFound)
    ));
    // A renews; B is still refused past A's first expiry.
    assert!(store.renew_program_lease(&w.owner, &program, "node-a", a_gen, t0 + ttl / 2, ttl).await.unwrap());
    assert!(matches!(
        store.claim_program_lease(&w.owner, &program, "node-b", t0 + ttl + 1, ttl).await.unwrap(),
        LeaseClaim::HeldElsewhere { .. }
    ));
    // A stops renewing (it was killed): once expired, B takes it over, with a new generation.
    let late = t0 + ttl / 2 + ttl + 1;
    let Ok(LeaseClaim::Held { generation: b_gen, taken_from: Some(from), .. }) =
        store.claim_program_lease(&w.owner, &program, "node-b", late, ttl).await
    else {
        panic!("an expired lease is taken over")
    };
    assert_eq!(from, "node-a");
    assert!(b_gen > a_gen);
    // A wakes up (it had stalled, not died): its renewal fails, and its claim is refused.
    assert!(!store.renew_program_lease(&w.owner, &program, "node-a", a_gen, late + 1, ttl).await.unwrap());
    assert!(matches!(
        store.claim_program_lease(&w.owner, &program, "node-a", late + 1, ttl).await.unwrap(),
        LeaseClaim::HeldElsewhere { .. }
    ));
    // A stale release leaves B's lease alone; B's own release frees it for the next claim at once.
    store.release_program_lease(&w.owner, &program, "node-a", a_gen).await.unwrap();
    let lease = store.program_lease(&w.owner, &program).await.unwrap().unwrap();
    assert_eq!((lease.holder.as_str(), lease.generation, lease.expires_at_us), ("node-b", b_gen, late + ttl));
    store.release_program_lease(&w.owner, &program, "node-b", b_gen).await.unwrap();
    assert!(matches!(
        store.claim_program_lease(&w.owner, &program, "node-a", late + 2, ttl).await.unwrap(),
        LeaseClaim::Held { .. }
    ));
    // Each change of hands is audited; a holder's own renewals are not.
    let events = store
        .audit_events(
            &w.owner,
            &AuditFilter { action_prefix: Some("program.lease_claimed".into()), ..AuditFilter::default() },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 3, "A, then B taking over, then A again");
}

/// A saved universe's counts are stored with the campaign's data generations: current until the people,
/// phones or (for a universe that selects on it) the do-not-call list change, then shown as stale with
/// the old figures until counted again; a recount equals the live count. The campaign's people are kept
/// the same way.
async fn universe_counts_are_kept_and_never_shown_current_after_a_change(t: TestStore) {
    use clearline_core::universe::Filter;
    let store = t.open().await;
    let w = world(&store, "uc").await;
    let other = world(&store, "ud").await;
    let f = |json: &str| serde_json::from_str::<Filter>(json).unwrap();
    let import = |rows: Vec<clearline_store::PersonRecord>| {
        let store = store.clone();
        let owner = w.owner.clone();
        let campaign = w.campaign;
        async move {
            let mut import = store.begin_import(&owner, campaign).await.unwrap();
            import.upsert_chunk(rows).await.unwrap();
            import.assign_households().await.unwrap();
            import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
        }
    };
    // 20 people, two per address; party alternating; person i's phone index is [i + 1; 32].
    let people = |from: u8, to: u8| {
        (from..to)
            .map(|i| {
                let mut p = person(&format!("C{i}"), "X", 1);
                p.party = Some(if i % 2 == 0 { "DEM" } else { "REP" }.into());
                p.res_address = Some(format!("{} Elm St", i / 2));
                p.res_zip = Some("27601".into());
                p.phones[0].number_index = vec![i + 1; 32];
                p
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 0);
    import(people(0, 20)).await;
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 20);
    let dems_filter = f(r#"{"op":"in","field":"party","values":["DEM"]}"#);
    let dems = store.save_universe(&w.owner, "Dems", &dems_filter).await.unwrap();
    let callable_filter = f(&format!(
        r#"{{"op":"all","filters":[{{"op":"in_universe","universe_id":{dems}}},{{"op":"not","filter":{{"op":"on_do_not_call"}}}}]}}"#
    ));
    let callable = store.save_universe(&w.owner, "Callable", &callable_filter).await.unwrap();
    let counts = |name: &'static str| {
        let store = store.clone();
        let owner = w.owner.clone();
        async move {
            store
                .universes_with_counts(&owner)
                .await
                .unwrap()
                .into_iter()
                .find(|u| u.universe.name == name)
                .unwrap()
                .counts
        }
    };
    assert_eq!(counts("Dems").await, None, "never counted");
    let live = |filter: &Filter| {
        let (store, owner, filter) = (store.clone(), w.owner.clone(), filter.clone());
        async move { store.count_universe_people_and_households(&owner, &filter).await.unwrap() }
    };
    for id in [dems, callable] {
        store.refresh_universe_counts(&w.owner, id).await.unwrap();
    }
    let stored = counts("Dems").await.unwrap();
    assert!(stored.current);
    assert_eq!((stored.people, stored.households), live(&dems_filter).await);
    assert_eq!((stored.people, stored.households), (10, 10));
    assert!(counts("Callable").await.unwrap().current);

    // A number on the do-not-call list: the universe that excludes it is stale (its old figures kept),
    // the one that does not select on the list stays current.
    let dnc = [clearline_store::DncEntry { number_index: vec![1; 32], number_enc: vec![1] }];
    store.add_do_not_call(&w.owner, "imported_list", &dnc).await.unwrap();
    assert!(counts("Dems").await.unwrap().current, "Dems does not depend on the do-not-call list");
    let stale = counts("Callable").await.unwrap();
    assert!(!stale.current, "not shown as current after the list changed");
    assert_eq!((stale.people, stale.households), (10, 10), "the figures of the last count");
    assert_eq!(store.refresh_universe_counts(&w.owner, callable).await.unwrap(), (9, 9));
    let fresh = counts("Callable").await.unwrap();
    assert!(fresh.current);
    assert_eq!((fresh.people, fresh.households), live(&callable_filter).await);

    // An import that changes who is in them: both stale until counted again, then the live counts.
    import(people(20, 24)).await;
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 24);
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), store.person_count(&w.owner, w.campaign).await.unwrap());
    assert!(!counts("Dems").await.unwrap().current, "stale after the import");
    assert!(!counts("Callable").await.unwrap().current, "stale after the import");
    for id in [dems, callable] {
        store.refresh_universe_counts(&w.owner, id).await.unwrap();
    }
    let (d, c) = (counts("Dems").await.unwrap(), counts("Callable").await.unwrap());
    assert!(d.current && c.current);
    assert_eq!((d.people, d.households), live(&dems_filter).await);
    assert_eq!((d.people, d.households), (12, 12));
    assert_eq!((c.people, c.households), live(&callable_filter).await);

    // An import that changes nothing it commits (aborted) leaves them current; so does a rename.
    let mut aborted = store.begin_import(&w.owner, w.campaign).await.unwrap();
    aborted.upsert_chunk(people(30, 34)).await.unwrap();
    aborted.abort().await.unwrap();
    store.rename_universe(&w.owner, dems, "Democrats").await.unwrap();
    assert!(counts("Democrats").await.unwrap().current);
    assert!(counts("Callable").await.unwrap().current);
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 24);

    // Re-importing a person with another party changes them too (an update, not an insert).
    let mut moved = people(0, 1);
    moved[0].party = Some("REP".into());
    moved[0].content_hash = vec![2; 32];
    import(moved).await;
    assert!(!counts("Democrats").await.unwrap().current, "stale after an update");
    assert_eq!(store.campaign_people(&w.owner).await.unwrap(), 24, "an update adds no one");

    // A deleted universe takes its counts with it; another campaign cannot read or count them.
    store.delete_universe(&w.owner, callable).await.unwrap();
    assert_eq!(store.universes_with_counts(&w.owner).await.unwrap().len(), 1);
    assert!(matches!(store.refresh_universe_counts(&w.owner, callable).await, Err(StoreError::NotFound)));
    assert!(matches!(store.refresh_universe_counts(&other.owner, dems).await, Err(StoreError::NotFound)));
    assert!(store.universes_with_counts(&other.owner).await.unwrap().is_empty());
    assert!(matches!(store.universes_with_counts(&w.analyst).await, Err(StoreError::Forbidden(_))));
    assert_eq!(store.campaign_people(&other.owner).await.unwrap(), 0);
}

/// `call_stats` reads a call list's progress (its entries' attempts, the entries done and those denied
/// at the dial) from the row kept with the entries (`call_list_progress`, migration 0030). After every
/// kind of write that moves it — attempts opened, results final and not, a denial at the dial, an
/// interrupted attempt, an inbound opt-out, another import, a raw edit, a rebuilt list — the kept row is
/// what a live count over the entries gives.
async fn a_call_lists_kept_progress_and_its_attempts_tallies_are_what_live_counts_give(t: TestStore) {
    use clearline_core::disposition::Disposition;
    use clearline_core::policy::{DialMode, Purpose};
    use clearline_core::program::ProgramSettings;
    use clearline_store::{AttemptResult, NewAttempt};
    use sqlx::Row;
    let store = t.open().await;
    let w = world(&store, "kp").await;
    let everyone = save_everyone(&store, &w).await;
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Manual, "everyone");
    settings.max_attempts = 2;
    settings.min_spacing_minutes = Some(30);
    let program = store.create_program(&w.owner, &Slug::parse("kept").unwrap(), "Kept", &settings).await.unwrap();
    let campaign = w.campaign;
    let import = |rows: Vec<clearline_store::PersonRecord>| {
        let store = store.clone();
        let owner = w.owner.clone();
        async move {
            let mut import = store.begin_import(&owner, campaign).await.unwrap();
            import.upsert_chunk(rows).await.unwrap();
            import.assign_households().await.unwrap();
            import.finish(&clearline_store::BatchSummary::default(), None).await.unwrap();
        }
    };
    import((1..=6u8).map(|i| person(&format!("P{i}"), "Kept", i)).collect()).await;
    let people = store.universe_dial_facts(&w.owner, &everyone, 0, 10).await.unwrap();
    assert_eq!(people.len(), 6);
    list_for_preview(&store, &w.owner, program.id, &people).await;
    // (kept attempts, done, denied) beside the live count.
    let mut conn = raw(&t).await;
    let mut compare = async |label: &str| -> (u64, u64, u64) {
        let stats = store.call_stats(&w.owner, "kept").await.unwrap();
        let kept = (stats.entry_attempts, stats.entries_done, stats.entries_denied);
        let live = sqlx::query(
            "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT), COUNT(final_disposition), \
             CAST(COALESCE(SUM(CASE WHEN final_disposition = 'denied' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM call_list_entries WHERE program_id = $1",
        )
        .bind(program.id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let live = (live.get::<i64, _>(0) as u64, live.get::<i64, _>(1) as u64, live.get::<i64, _>(2) as u64);
        assert_eq!(kept, live, "kept progress against a live count, {label}");
        // The attempts' tallies (migration 0031) against the same grouping of the attempts, live.
        type Tally = (i64, i64, String, String, String, i64, i64);
        let kept_tallies: Vec<Tally> = sqlx::query(
            "SELECT vendor_id, hour, state, disposition, custom_disposition, live, n FROM attempt_tallies \
             WHERE program_id = $1 AND n <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
        )
        .bind(program.id)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
        .collect();
        let live_tallies: Vec<Tally> = sqlx::query(
            "SELECT COALESCE(vendor_id, 0), dialed_at / 3600000000, state, COALESCE(disposition, ''), \
             COALESCE(custom_disposition, ''), CAST(CASE WHEN dial_kind IN ('paced', 'power') AND state = 'finished' \
             AND (bridged_at IS NOT NULL OR disposition = 'abandoned') THEN 1 ELSE 0 END AS BIGINT), COUNT(*) \
             FROM call_attempts WHERE program_id = $1 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
        )
        .bind(program.id)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
        .collect();
        assert_eq!(kept_tallies, live_tallies, "kept attempt tallies against a live grouping, {label}");
        let attempts: i64 = live_tallies.iter().map(|t| t.6).sum();
        assert_eq!(stats.attempts, attempts as u64, "call_stats reads the tallies, {label}");
        kept
    };
    assert_eq!(compare("after the build").await, (0, 0, 0));
    // A survey's stamp (what a kept report is keyed by): the same while nothing it reads changed.
    let stamp = async || store.survey_stamp(&w.owner, "kept").await.unwrap();
    let mut stamps = vec![stamp().await];
    assert_eq!(stamp().await, stamps[0], "read twice, nothing written");
    let program = running(&t, &store, &w.owner, "kept").await;
    let t0 = 1_792_501_200_000_000i64;
    let attempt = |person_id: i64, at: i64| NewAttempt {
        person_id,
        dial_kind: "preview",
        agent: Some("agent-1".into()),
        dialed_at_us: at,
        simulated: true,
    };
    let result = |d: Disposition, end: i64| AttemptResult {
        disposition: d,
        agent: None,
        rang_at_us: None,
        answered_at_us: None,
        greeting_ended_at_us: None,
        bridged_at_us: None,
        ended_at_us: end,
        callback_at_us: None,
        answers: Vec::new(),
        steps: Vec::new(),
        notes_enc: None,
        vendor_opt_out: None,
        audio_version_id: None,
        custom_disposition: None,
    };
    let id: Vec<i64> = people.iter().map(|p| p.id).collect();
    let a = store.open_attempt(&w.owner, &program, &attempt(id[0], t0)).await.unwrap();
    assert_eq!(compare("an attempt opened").await, (1, 0, 0));
    stamps.push(stamp().await);
    store.finish_attempt(&w.owner, &program, a, &result(Disposition::NoAnswer, t0 + 1)).await.unwrap();
    assert_eq!(compare("a result that is not final").await, (1, 0, 0));
    stamps.push(stamp().await);
    let b = store.open_attempt(&w.owner, &program, &attempt(id[1], t0)).await.unwrap();
    store.finish_attempt(&w.owner, &program, b, &result(Disposition::Complete, t0 + 1)).await.unwrap();
    assert_eq!(compare("a final result").await, (2, 1, 0));
    stamps.push(stamp().await);
    store.defer_entry(&w.owner, &program, id[2], Some(t0 + 60_000_000), "CR-1").await.unwrap();
    assert_eq!(compare("a deferral until later").await, (2, 1, 0));
    assert_eq!(stamp().await, *stamps.last().unwrap(), "a deferral changes no attempt, answer or person");
    store.defer_entry(&w.owner, &program, id[2], None, "CR-8").await.unwrap();
    assert_eq!(compare("a denial at the dial").await, (2, 2, 1));
    let d = store.open_attempt(&w.owner, &program, &attempt(id[3], t0)).await.unwrap();
    store.finish_attempt(&w.owner, &program, d, &result(Disposition::DoNotCall, t0 + 1)).await.unwrap();
    assert_eq!(compare("an opt-out on the call").await, (3, 3, 1));
    store.opt_out_inbound(&w.owner, &program, id[4], t0 + 2).await.unwrap();
    assert_eq!(compare("an inbound opt-out").await, (3, 4, 1));
    // A's second and last allowed attempt, interrupted: the entry is done with its attempts used up.
    let later = t0 + 3_600_000_000;
    store.open_attempt(&w.owner, &program, &attempt(id[0], later)).await.unwrap();
    store.open_attempt(&w.owner, &program, &attempt(id[5], later)).await.unwrap();
    assert_eq!(compare("two attempts in flight").await, (5, 4, 1));
    assert_eq!(store.interrupt_attempts(&w.owner, &program, later + 1).await.unwrap(), 2);
    assert_eq!(compare("attempts interrupted").await, (5, 5, 1));
    assert_eq!(store.call_stats(&w.owner, "kept").await.unwrap().attempts, 5, "every attempt counted on its entry");
    // Another import, with a new person and a changed one: the list is a snapshot, its progress too.
    let mut changed = person("P1", "Renamed", 9);
    changed.phones[0].number_index = vec![1; 32];
    stamps.push(stamp().await);
    import(vec![changed, person("P7", "Kept", 7)]).await;
    assert_eq!(compare("another import").await, (5, 5, 1));
    stamps.push(stamp().await);
    let distinct: std::collections::HashSet<&String> = stamps.iter().collect();
    assert_eq!(distinct.len(), stamps.len(), "every attempt written and the import moved the stamp: {stamps:?}");
    // Someone with the database at hand edits entries directly: the triggers keep up all the same.
    let sql = format!(
        "UPDATE call_list_entries SET attempts = attempts + 3, final_disposition = 'denied' \
         WHERE program_id = {} AND person_id = {}",
        program.id, id[5]
    );
    clearline_store::testing::tamper(&t.config, &[sql.as_str()]).await.unwrap();
    assert_eq!(compare("a raw edit").await.0, 8);
    // Raw edits of attempts too: a system-dialed call a person answered, one abandoned, a custom code,
    // one moved to another hour.
    let edits = [
        format!("UPDATE call_attempts SET dial_kind = 'paced', bridged_at = {} WHERE id = {b}", t0 + 5),
        format!("UPDATE call_attempts SET dial_kind = 'power', disposition = 'abandoned' WHERE id = {d}"),
        format!("UPDATE call_attempts SET custom_disposition = 'moved_away' WHERE id = {a}"),
        format!("UPDATE call_attempts SET dialed_at = dialed_at + 7200000000 WHERE id = {a}"),
    ];
    clearline_store::testing::tamper(&t.config, &edits.iter().map(String::as_str).collect::<Vec<_>>()).await.unwrap();
    compare("raw edits of attempts").await;
    let stats = store.call_stats(&w.owner, "kept").await.unwrap();
    assert_eq!(stats.by_custom_disposition.len(), 1, "{stats:?}");
    assert_eq!(
        (stats.by_custom_disposition[0].code.as_str(), stats.by_custom_disposition[0].attempts),
        ("moved_away", 1)
    );
    // A rebuilt list (the program back to draft) starts again from nothing.
    let sql = format!("UPDATE programs SET status = 'draft' WHERE id = {}", program.id);
    clearline_store::testing::tamper(&t.config, &[sql.as_str()]).await.unwrap();
    list_for_preview(&store, &w.owner, program.id, &people).await;
    assert_eq!(compare("a rebuilt list").await, (0, 0, 0));
}
