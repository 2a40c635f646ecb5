//! The agent desk over HTTP against the real `clearline demo` server, as an agent's browser would post
//! its forms (no browser needed): what the contact policy decides at the agent's own click.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{a_weekday_afternoon, http_sign_in, ServerProcess};

/// The value of the hidden `call` field of the desk's Dial form, when a preview record is on screen.
fn preview_call_number(page: &str) -> Option<String> {
    let form = page.split("action=\"/desk/dial\"").nth(1)?;
    let value = form.split("name=\"call\" value=\"").nth(1)?;
    Some(value.split('"').next()?.to_string())
}

/// A preview record sits on the agent's screen while its number is opted out by another channel (here
/// the campaign's compliance officer adds every number to the list, as an imported list or a text reply
/// would): the click on Dial asks the policy again, so the call is not placed, the desk says why, the
/// seat is ready again, and no attempt is written (CR-47 at once; CR-49's Dial is the agent's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_record_opted_out_while_on_screen_is_not_dialed_at_the_click() {
    let at = a_weekday_afternoon();
    // No bots and no answers: the agent's only work is preview records, and none is ever connected.
    let server =
        ServerProcess::start_calling_demo(&["--bots-per-vendor", "0", "--answer-rate", "0", "--calling-at", &at]).await;
    let agent = server.user("agent", "granite-calls").clone();
    let (client, csrf) = http_sign_in(&server, &agent.email, &agent.password).await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = server.url(path);
        async move {
            let mut form = form;
            form.push(("csrf", csrf));
            client.post(url).form(&form).send().await.unwrap()
        }
    };
    let desk = || async { client.get(server.url("/desk")).send().await.unwrap().text().await.unwrap() };
    for (path, form) in [("/desk/join", vec![("program", "gotv-general".to_string())]), ("/desk/ready", vec![])] {
        let r = post(path, form).await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let call = loop {
        if let Some(call) = preview_call_number(&desk().await) {
            break call;
        }
        assert!(Instant::now() < deadline, "no preview record reached the desk: {}", desk().await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    let numbers = support::cli::campaign_numbers(server.data_dir());
    let list = server.data_dir().join("opted-out.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out = support::cli::clearline(
        server.data_dir(),
        &["--as", "compliance@demo.clearline.test", "import", "dnc", "--campaign", "demo", list.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", support::cli::stderr(&out));
    // The calling run asks the lists again for the leads it holds every 5 seconds.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(preview_call_number(&desk().await).as_deref(), Some(call.as_str()), "the record is still on screen");

    let r = post("/desk/dial", vec![("call", call.clone())]).await;
    assert_eq!(r.status().as_u16(), 422, "refused");
    let page = r.text().await.unwrap();
    assert!(page.contains("it was not dialed"), "{page}");
    let page = desk().await;
    assert_ne!(preview_call_number(&page).as_deref(), Some(call.as_str()), "the record left the screen");
    let pm = "programs@demo.clearline.test";
    let attempts = support::cli::ok_json(support::cli::clearline(
        server.data_dir(),
        &["--as", pm, "--json", "program", "attempts", "gotv-general"],
    ));
    let by_agent: Vec<&Value> = attempts.as_array().unwrap().iter().filter(|a| a["dial_kind"] == "preview").collect();
    assert!(by_agent.is_empty(), "no preview call was placed: {by_agent:?}");
}
