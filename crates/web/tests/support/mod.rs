//! Starts the real app on a random port with a fresh database, and test identities for every role.

#![allow(dead_code)]

use clearline_core::org::CampaignProfile;
use clearline_core::validate::{Email, Slug};
use clearline_core::{Actor, OrgId, OrgKind, Role, SiteId, UserId};
use clearline_store::testing::{TestBackend, TestStore};
use clearline_store::{NewEngagement, NewOrganization, NewSite, NewUser, Store};
use clearline_web::auth::{hash_password, random_token, token_hash};
use clearline_web::state::AppState;
use clearline_web::WebSettings;
use std::collections::HashMap;
use std::net::SocketAddr;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub campaign: OrgId,
    pub other_campaign: OrgId,
    pub vendor: OrgId,
    pub site: SiteId,
    /// One user per role, plus `other_owner` (owner of a second campaign).
    pub users: HashMap<&'static str, UserId>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _db: TestStore,
}

pub fn profile() -> CampaignProfile {
    serde_json::from_value(serde_json::json!({
        "committee_legal_name": "Friends of Test",
        "paid_for_by": "Paid for by Friends of Test",
        "callback_number": "+19195550100"
    }))
    .unwrap()
}

pub fn email_for(name: &str) -> String {
    format!("{name}@example.org")
}

impl TestApp {
    /// None when the backend is unavailable (and not under CI).
    pub async fn spawn(backend: TestBackend, name: &str) -> Option<TestApp> {
        let db = TestStore::new(backend, name).await?;
        let store = db.open().await;
        let system = Actor::system("test");
        let mk = |kind, slug: &str| NewOrganization {
            kind,
            slug: Slug::parse(slug).unwrap(),
            name: slug.to_string(),
            profile: (kind == OrgKind::Campaign).then(profile),
        };
        let campaign = store.create_organization(&system, mk(OrgKind::Campaign, "camp")).await.unwrap().id;
        let other_campaign = store.create_organization(&system, mk(OrgKind::Campaign, "other")).await.unwrap().id;
        let vendor = store.create_organization(&system, mk(OrgKind::Vendor, "vend")).await.unwrap().id;
        let site = store
            .create_site(
                &system,
                Some(vendor),
                NewSite { name: "Floor".into(), country: "US".into(), networks: vec!["127.0.0.0/8".parse().unwrap()] },
            )
            .await
            .unwrap()
            .id;
        store
            .create_engagement(
                &system,
                Some(campaign),
                NewEngagement {
                    vendor: Slug::parse("vend").unwrap(),
                    starts_on: "2020-01-01".parse().unwrap(),
                    ends_on: "2099-01-01".parse().unwrap(),
                    programs: vec![],
                    visible_fields: vec!["first_name".into()],
                },
            )
            .await
            .unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        let mut users = HashMap::new();
        for role in Role::ALL {
            let (org, site_id) = match role.org_kind() {
                OrgKind::Campaign => (campaign, None),
                OrgKind::Vendor => (vendor, Some(site)),
                OrgKind::Deployment => (store.deployment_org(), None),
            };
            let user = store
                .create_user(
                    &system,
                    NewUser {
                        org_id: org,
                        email: Email::parse(&email_for(role.as_str())).unwrap(),
                        display_name: role.label().into(),
                        role,
                        site_id,
                        foreign_national: false,
                        password_hash: hash.clone(),
                    },
                )
                .await
                .unwrap();
            users.insert(role.as_str(), user.id);
        }
        let other_owner = store
            .create_user(
                &system,
                NewUser {
                    org_id: other_campaign,
                    email: Email::parse(&email_for("other_owner")).unwrap(),
                    display_name: "Other".into(),
                    role: Role::Owner,
                    site_id: None,
                    foreign_national: false,
                    password_hash: hash,
                },
            )
            .await
            .unwrap();
        users.insert("other_owner", other_owner.id);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(store.clone(), WebSettings::default())
            .with_master_key(clearline_vault::MasterKey::generate());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            clearline_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Some(TestApp { addr, store, campaign, other_campaign, vendor, site, users, shutdown: Some(tx), _db: db })
    }

    /// Runs raw statements on the test database behind the store's back (to set up a state the test
    /// is not about, or to prove a trigger refuses a change).
    #[allow(dead_code)] // not every test binary tampers
    pub async fn tamper(&self, statements: &[&str]) {
        clearline_store::testing::tamper(&self._db.config, statements).await.expect("the statements run");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A fresh, fully signed-in session for the user named (a role name or `other_owner`):
    /// returns (cookie header value, CSRF token).
    pub async fn session(&self, who: &str) -> (String, String) {
        let user = self.users[who];
        let info = self.store.credentials(&Email::parse(&email_for(who)).unwrap()).await.unwrap().unwrap();
        let token = random_token();
        let csrf = random_token();
        let expires = clearline_store::now_us() + 3_600_000_000;
        self.store
            .open_session(&Actor::anonymous("127.0.0.1"), user, info.org_id, &token_hash(&token), &csrf, true, expires)
            .await
            .unwrap();
        (format!("clearline_session={token}"), csrf)
    }

    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs a test body against both backends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(app) = $crate::support::TestApp::spawn(clearline_store::testing::TestBackend::Sqlite, stringify!($name)).await { super::$name(app).await } } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(app) = $crate::support::TestApp::spawn(clearline_store::testing::TestBackend::Postgres, stringify!($name)).await { super::$name(app).await } } )* }
    };
}
