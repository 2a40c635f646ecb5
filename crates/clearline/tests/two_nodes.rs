//! Two `clearline serve` processes on one PostgreSQL: a session made on node A works on node B, and
//! "sign out everywhere" on node B ends it on node A at once.

mod support;

use serde_json::{json, Value};
use support::ServerProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_shared_and_signed_out_everywhere_across_nodes() {
    if !clearline_store::testing::postgres_available().await {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("two_nodes");
    let env = [("CLEARLINE_POSTGRES_SCHEMA", schema.as_str())];
    let node_a = ServerProcess::start_node(Some(&url), &env, true).await;
    let node_b = ServerProcess::start_node(Some(&url), &env, false).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Sign in on node A (the data manager has no second factor to give).
    let user = node_a.user("data_manager", "demo");
    let res = client
        .post(node_a.url("/api/v1/session"))
        .json(&json!({"email": user.email, "password": user.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(body["second_factor"], "done");

    let me = |node: &ServerProcess| client.get(node.url("/api/v1/me")).header("cookie", &cookie).send();
    assert_eq!(me(&node_a).await.unwrap().status(), 200, "the session works where it was made");
    let on_b = me(&node_b).await.unwrap();
    assert_eq!(on_b.status(), 200, "and on the other node");
    let who: Value = on_b.json().await.unwrap();
    assert_eq!(who["role"], "data_manager");

    // Sign out everywhere on B.
    let out = client
        .post(node_b.url("/api/v1/session/sign-out-everywhere"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let ended: Value = out.json().await.unwrap();
    assert_eq!(ended["sessions_ended"], 1);

    // Node A refuses the session at once.
    assert_eq!(me(&node_a).await.unwrap().status(), 401);
    assert_eq!(me(&node_b).await.unwrap().status(), 401);

    // Both nodes appended to one chain per organization, and every chain still verifies.
    let store = clearline_store::Store::open(&clearline_store::StoreConfig {
        data_dir: std::env::temp_dir(),
        database_url: Some(url.clone()),
        postgres_schema: Some(schema.clone()),
    })
    .await
    .unwrap();
    let reports = store.verify_audit(&clearline_core::Actor::system("test"), None).await.unwrap();
    assert!(reports.iter().all(|r| r.ok()), "{reports:?}");
    let demo = reports.iter().find(|r| r.slug == "demo").unwrap();
    let events =
        store.audit_events(&clearline_core::Actor::system("test"), &clearline_store::AuditFilter::default()).await;
    assert!(events.is_err(), "a system job has no organization to read a log from");
    assert!(demo.events >= 3, "sign-in (node A) and sign-out everywhere (node B) are on the demo chain");
}
