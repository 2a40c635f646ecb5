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

/// Two `demo` nodes call the same programs on one PostgreSQL: one holds each program's lease and calls,
/// the other waits; killed (SIGKILL), the caller is replaced within the lease's length, the attempts it
/// left in flight are closed as interrupted by the node that took over, and calling goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_calling_node_is_taken_over_by_the_other_and_loses_no_attempt() {
    use clearline_core::validate::Email;
    use clearline_core::Actor;
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};
    if !clearline_store::testing::postgres_available().await {
        return;
    }
    let url = clearline_store::testing::postgres_url();
    let schema = clearline_store::testing::unique_schema("two_callers");
    // Both nodes unwrap the campaign's keys, so they share the operator's master key.
    let master_key = "5a".repeat(32);
    let env = [("CLEARLINE_POSTGRES_SCHEMA", schema.as_str()), ("CLEARLINE_MASTER_KEY", master_key.as_str())];
    // 13:00 in North Carolina: inside the demo programs' calling hours.
    let demo_args = ["--voters", "400", "--bots-per-vendor", "2", "--calling-at", "2026-12-09T18:00:00Z"];
    let mut node_a = ServerProcess::start_calling_node(&url, &env, &demo_args, None).await;

    let store = clearline_store::Store::open(&clearline_store::StoreConfig {
        data_dir: std::env::temp_dir(),
        database_url: Some(url.clone()),
        postgres_schema: Some(schema.clone()),
    })
    .await
    .unwrap();
    let owner = Actor::User(store.cli_principal(&Email::parse("owner@demo.clearline.test").unwrap()).await.unwrap());
    let slug = "gotv-general";
    let program = store.program_by_slug(&owner, slug).await.unwrap();
    let holder = |pid: u32| format!("/pid {pid}/");
    let wait_for = |what: &'static str, limit: Duration| {
        let deadline = Instant::now() + limit;
        move || {
            assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        }
    };

    // Node A takes the lease and calls.
    let check = wait_for("node A calling", Duration::from_secs(90));
    loop {
        let lease = store.program_lease(&owner, &program).await.unwrap();
        let stats = store.call_stats(&owner, slug).await.unwrap();
        if lease.is_some_and(|l| l.holder.contains(&holder(node_a.pid()))) && stats.attempts > 0 {
            break;
        }
        check();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Node B joins the same database (its demo seeding finds everything there) and waits.
    let mut node_b = ServerProcess::start_calling_node(&url, &env, &demo_args, Some(&node_a)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let lease = store.program_lease(&owner, &program).await.unwrap().unwrap();
    assert!(lease.holder.contains(&holder(node_a.pid())), "B does not take a live node's lease: {lease:?}");

    // Kill A while it has calls in flight.
    let check = wait_for("a call in flight on node A", Duration::from_secs(60));
    while store.call_stats(&owner, slug).await.unwrap().in_flight == 0 {
        check();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let killed_at = Instant::now();
    let a_pid = node_a.pid();
    node_a.kill();
    let before = store.program_attempts(&owner, slug, 0, 100_000).await.unwrap();
    let left_in_flight: BTreeSet<i64> = before.iter().filter(|a| a.state == "in_flight").map(|a| a.id).collect();
    assert!(!left_in_flight.is_empty(), "the kill left calls in flight");
    let last_of_a = before.iter().map(|a| a.id).max().unwrap();

    // B takes over once A's lease has run out (20 s), and calls on.
    let check = wait_for("node B taking over", Duration::from_secs(60));
    loop {
        let lease = store.program_lease(&owner, &program).await.unwrap().unwrap();
        if lease.holder.contains(&holder(node_b.pid())) {
            break;
        }
        assert!(lease.holder.contains(&holder(a_pid)), "only A or B may hold it: {lease:?}");
        check();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = killed_at.elapsed();
    assert!(took < Duration::from_secs(30), "taken over {took:?} after the kill (lease 20 s, retries every 2 s)");
    let check = wait_for("node B dialing", Duration::from_secs(90));
    while !store.program_attempts(&owner, slug, 0, 100_000).await.unwrap().iter().any(|a| a.id > last_of_a) {
        check();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Stop B too, so what is read next is one state of the store (its counts are separate queries).
    let b_pid = node_b.pid();
    node_b.kill();
    let after = store.program_attempts(&owner, slug, 0, 100_000).await.unwrap();

    // Nothing A wrote is lost; what it left in flight was closed as interrupted by B, before B dialed.
    let after_by_id: std::collections::HashMap<i64, &clearline_store::AttemptRow> =
        after.iter().map(|a| (a.id, a)).collect();
    for a in &before {
        assert!(after_by_id.contains_key(&a.id), "attempt {} is still stored", a.id);
    }
    for id in &left_in_flight {
        let a = after_by_id[id];
        assert_eq!((a.state.as_str(), a.disposition.as_deref()), ("interrupted", Some("interrupted")), "attempt {id}");
    }
    let stats = store.call_stats(&owner, slug).await.unwrap();
    // Every attempt either node stored is counted on its call-list entry (the attempt rules see it).
    assert_eq!(stats.entry_attempts, stats.attempts, "{stats:?}");
    // Never two calls in flight to one household, whichever node placed them.
    let mut live: BTreeSet<i64> = BTreeSet::new();
    for a in after.iter().filter(|a| a.state == "in_flight") {
        assert!(live.insert(a.household_id.unwrap_or(-a.person_id)), "two calls in flight to one household: {a:?}");
    }
    // The change of hands is in the campaign's audit trail.
    let events = store
        .audit_events(
            &owner,
            &clearline_store::AuditFilter { action_prefix: Some("program.lease_claimed".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.entry.object_id == program.id.to_string()
            && e.entry.details["taken_from"].as_str().is_some_and(|h| h.contains(&holder(a_pid)))
            && e.entry.details["holder"].as_str().is_some_and(|h| h.contains(&holder(b_pid)))),
        "{events:?}"
    );
}
