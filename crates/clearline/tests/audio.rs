//! `clearline audio …` as a campaign meets it: recordings (a WAV and its transcript) taken through
//! draft → submitted → approved or rejected like scripts, every transcript problem listed with its
//! check and rule (CR-5, CR-6, CR-46), and the demo's approved safe-harbor message.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::cli::{ok_json, stderr, stdout};

const AUTHOR: &str = "programs@demo.clearline.test";
const APPROVER: &str = "scripts@demo.clearline.test";

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = support::cli::clearline(dir.path(), &["demo", "--no-serve", "--voters", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn as_user(dir: &Path, email: &str, args: &[&str]) -> Output {
    let mut all = vec!["--as", email, "audio"];
    all.extend_from_slice(args);
    support::cli::clearline(dir, &all)
}

/// Writes a WAV (a tone made in Rust) and a transcript, returning their paths.
fn recording(dir: &Path, name: &str, transcript: &str) -> (String, String) {
    let wav = dir.join(format!("{name}.wav"));
    std::fs::write(&wav, clearline_core::audio::tone_wav(1_500, 440)).unwrap();
    let text = dir.join(format!("{name}.txt"));
    std::fs::write(&text, transcript).unwrap();
    (wav.to_str().unwrap().to_string(), text.to_str().unwrap().to_string())
}

#[test]
fn the_demo_seeds_an_approved_safe_harbor_message() {
    let dir = demo();
    let listed = ok_json(as_user(dir.path(), APPROVER, &["--json", "list", "--campaign", "demo"]));
    let messages = listed.as_array().unwrap();
    assert_eq!(messages.len(), 1, "{listed}");
    assert_eq!((messages[0]["slug"].as_str(), messages[0]["kind"].as_str()), (Some("missed-you"), Some("safe_harbor")));
    assert_eq!(messages[0]["versions"][0]["status"], "approved");
    let shown = ok_json(as_user(dir.path(), APPROVER, &["--json", "show", "missed-you", "1", "--campaign", "demo"]));
    assert_eq!(shown["problems"], Value::Array(vec![]), "{shown}");
    assert_eq!(shown["version"]["sample_format"], "int");
    assert!(shown["version"]["transcript"].as_str().unwrap().contains("Friends of Jordan Rivera"));
    assert!(shown["version"].get("audio").is_none(), "the bytes are not printed");
}

#[test]
fn a_voicemail_goes_from_draft_to_approved_by_a_second_person_and_every_problem_is_listed() {
    let dir = demo();
    let d = dir.path();
    // Not a WAV: refused with a clear error.
    let not_wav = d.join("message.mp3");
    std::fs::write(&not_wav, b"ID3\x03 not a wav").unwrap();
    let (_, text) = recording(d, "bad", "Friends of Jordan Rivera.");
    let add = |file: &str, text: &str, extra: &[&str]| {
        let mut args = vec!["add", "vm", "--campaign", "demo", "--file", file, "--transcript", text];
        args.extend_from_slice(extra);
        as_user(d, AUTHOR, &args)
    };
    let new = ["--name", "Voicemail", "--kind", "voicemail_drop"];
    let out = add(not_wav.to_str().unwrap(), &text, &new);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("audio: not a WAV file"), "{}", stderr(&out));
    // A transcript with the name only: kept as a draft, refused at submit with every check and rule.
    let (wav, text) = recording(d, "v1", "This is Friends of Jordan Rivera. Please vote on Tuesday.");
    let out = add(&wav, &text, &[]);
    assert!(!out.status.success(), "--name and --kind are needed for a new message");
    assert!(add(&wav, &text, &new).status.success());
    let out = as_user(d, AUTHOR, &["submit", "vm", "1", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error: callback_number (CR-5): "), "{err}");
    assert!(err.contains("error: opt_out (CR-6): a voicemail must say how to opt out"), "{err}");
    assert!(err.contains("toll-free"), "{err}");
    assert!(err.contains("problem(s); version 1 stays a draft"), "{err}");

    // A good voicemail: a toll-free opt-out number and the callback number (CR-5, CR-6).
    let (wav, text) = recording(
        d,
        "v2",
        "This is Friends of Jordan Rivera. Please vote on Tuesday. To opt out of these calls, call \
         1-800-555-0100. To reach us, call 919-555-0142.",
    );
    let out = add(&wav, &text, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(as_user(d, AUTHOR, &["submit", "vm", "2", "--campaign", "demo"]).status.success());
    let out = as_user(d, AUTHOR, &["approve", "vm", "2", "--campaign", "demo"]);
    assert!(!out.status.success(), "the author (a program manager) does not approve");
    let approved = ok_json(as_user(d, APPROVER, &["--json", "approve", "vm", "2", "--campaign", "demo"]));
    assert_eq!(approved["status"], "approved");
    let out = as_user(d, APPROVER, &["reject", "vm", "2", "--campaign", "demo", "--reason", "late"]);
    assert!(!out.status.success(), "approved is final");
    let shown = stdout(&as_user(d, APPROVER, &["show", "vm", "--campaign", "demo"]));
    assert!(shown.contains("voicemail_drop") && shown.contains("approved") && shown.contains("draft"), "{shown}");

    // Audited, with the recording's SHA-256.
    let out = support::cli::clearline(
        d,
        &["--as", "owner@demo.clearline.test", "audit", "export", "--action", "audio.version.approve"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(approved["audio_sha256"].as_str().unwrap()), "{}", stdout(&out));
}

#[test]
fn audio_is_only_the_own_campaigns_and_needs_a_user() {
    let dir = demo();
    let out = support::cli::clearline(dir.path(), &["audio", "list", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as EMAIL"), "{}", stderr(&out));
    let vendor = "admin@granite-calls.clearline.test";
    let out = as_user(dir.path(), vendor, &["list", "--campaign", "demo"]);
    assert!(!out.status.success(), "a vendor reads no campaign's audio");
}

/// A prerecorded GOTV message that passes the script checks for its facts (CR-5, CR-6, CR-37).
const ROBO_SCRIPT: &str = "title: GOTV robocall

step opening: disclose identification opt_out
  | This is a recorded message from {campaign.legal_name}. To stop these calls, press 9.
  -> reminder

step reminder: say
  | Election Day is {election.date}. Every vote counts.
  -> close

step close: disclose callback paid_for_by
  | To reach us, call {campaign.callback_number}. {campaign.paid_for_by}.
  -> done

step done: end complete
";

/// In a demo campaign: the universe `everyone`, the approved prerecorded script `robo` and the approved
/// recorded message `robo-message` (its version's id returned).
fn robocall_script_and_message(d: &Path) -> i64 {
    let cli = |who: &str, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        let out = support::cli::clearline(d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    cli(AUTHOR, &["universe", "save", "--name", "everyone", r#"{"op":"all","filters":[]}"#]);
    let script = d.join("robo.script");
    std::fs::write(&script, ROBO_SCRIPT).unwrap();
    let file = script.to_str().unwrap();
    cli(
        AUTHOR,
        &[
            "script",
            "new",
            "robo",
            "--campaign",
            "demo",
            "--file",
            file,
            "--name",
            "Robo",
            "--purpose",
            "gotv",
            "--dial-mode",
            "prerecorded",
        ],
    );
    cli(AUTHOR, &["script", "submit", "robo", "1", "--campaign", "demo"]);
    cli(APPROVER, &["script", "approve", "robo", "1", "--campaign", "demo"]);
    approved_recording(
        d,
        "robo-message",
        "GOTV message",
        "prerecorded_message",
        "This is a recorded message from Friends of Jordan Rivera. To stop these calls, press 9. Election Day \
         is Tuesday. To reach us, call 919-555-0142.",
    )
}

/// Adds, submits and approves a recording; returns the approved version's id.
fn approved_recording(d: &Path, slug: &str, name: &str, kind: &str, transcript: &str) -> i64 {
    let (wav, text) = recording(d, slug, transcript);
    let added = ok_json(as_user(
        d,
        AUTHOR,
        &[
            "--json",
            "add",
            slug,
            "--campaign",
            "demo",
            "--file",
            &wav,
            "--transcript",
            &text,
            "--name",
            name,
            "--kind",
            kind,
        ],
    ));
    let out = as_user(d, AUTHOR, &["submit", slug, "1", "--campaign", "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let approved = ok_json(as_user(d, APPROVER, &["--json", "approve", slug, "1", "--campaign", "demo"]));
    assert_eq!(approved["id"], added["id"]);
    approved["id"].as_i64().unwrap()
}

#[test]
fn a_prerecorded_program_plays_only_its_approved_recordings_and_every_call_records_the_one_it_played() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cli = |who: &str, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        let out = support::cli::clearline(d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    assert!(support::cli::clearline(d, &["demo", "--no-serve", "--voters", "400"]).status.success());
    let message = robocall_script_and_message(d);
    let voicemail = approved_recording(
        d,
        "robo-voicemail",
        "GOTV voicemail",
        "voicemail_drop",
        "This is Friends of Jordan Rivera. Election Day is Tuesday. To opt out of these calls, call \
         1-800-555-0100. To reach us, call 919-555-0142.",
    );
    // A voicemail drop is for recorded calls only: an agent program cannot leave one.
    let out = support::cli::clearline(
        d,
        &[
            "--as",
            AUTHOR,
            "program",
            "create",
            "agents",
            "--name",
            "A",
            "--universe",
            "everyone",
            "--purpose",
            "gotv",
            "--dial-mode",
            "power",
            "--voicemail-drop",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("voicemail_drop"), "{}", stderr(&out));
    cli(
        AUTHOR,
        &[
            "program",
            "create",
            "robo",
            "--name",
            "Robocall",
            "--universe",
            "everyone",
            "--purpose",
            "gotv",
            "--dial-mode",
            "prerecorded",
            "--voicemail-drop",
            "--not-recorded",
            "--caller-id",
            "919-555-0100",
            "--caller-id-authorized",
        ],
    );
    cli(AUTHOR, &["program", "attach-script", "robo", "--script", "robo", "--version", "1"]);
    cli(AUTHOR, &["program", "build-list", "robo", "--instant", "2026-10-20T16:00:00Z"]);
    cli(AUTHOR, &["program", "attach-audio", "robo", "--audio", "robo-message", "--version", "1"]);
    // Without its voicemail drop the program does not start: it would play nothing approved on machines.
    let out = support::cli::clearline(d, &["--as", AUTHOR, "program", "start", "robo"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("voicemail_drop"), "{}", stderr(&out));
    cli(AUTHOR, &["program", "attach-audio", "robo", "--audio", "robo-voicemail", "--version", "1"]);
    cli(AUTHOR, &["program", "start", "robo"]);
    let report = ok_json(cli(
        AUTHOR,
        &[
            "--json",
            "program",
            "simulate",
            "robo",
            "--minutes",
            "30",
            "--answer-rate",
            "0.3",
            "--start",
            "2026-10-20T13:00:00Z",
        ],
    ));
    assert!(report["attempts_finished"].as_u64().unwrap() > 10, "{report}");
    let attempts = ok_json(cli(AUTHOR, &["--json", "program", "attempts", "robo"]));
    let attempts = attempts.as_array().unwrap();
    let played = |disposition: &str| -> Vec<Value> {
        attempts.iter().filter(|a| a["disposition"] == disposition).map(|a| a["audio_version_id"].clone()).collect()
    };
    // Machines got the voicemail drop, people the message (a key-press opt-out heard it too), and a
    // call nobody answered played nothing.
    let machines = played("answering_machine");
    let heard = played("complete");
    assert!(!machines.is_empty() && !heard.is_empty(), "{report}");
    assert!(machines.iter().all(|v| v.as_i64() == Some(voicemail)), "{machines:?}");
    assert!(heard.iter().all(|v| v.as_i64() == Some(message)), "{heard:?}");
    for unanswered in ["no_answer", "busy"] {
        assert!(played(unanswered).iter().all(Value::is_null), "{unanswered}: {:?}", played(unanswered));
    }
}

/// The demo calls a program launched after it started, like its own: a robocall program set up and
/// started with the CLI while `clearline demo` serves places calls within seconds, each playing the
/// program's approved message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_started_while_the_demo_runs_is_called_too() {
    let at = support::a_weekday_afternoon();
    let mut server = support::ServerProcess::start_calling_demo(&["--bots-per-vendor", "0", "--calling-at", &at]).await;
    let d = server.data_dir().to_path_buf();
    let message = robocall_script_and_message(&d);
    for args in [
        &[
            "program",
            "create",
            "robo",
            "--name",
            "Robocall",
            "--universe",
            "everyone",
            "--purpose",
            "gotv",
            "--dial-mode",
            "prerecorded",
            "--not-recorded",
            "--caller-id",
            "919-555-0100",
            "--caller-id-authorized",
        ][..],
        &["program", "attach-script", "robo", "--script", "robo", "--version", "1"],
        &["program", "build-list", "robo", "--instant", &at],
        &["program", "attach-audio", "robo", "--audio", "robo-message", "--version", "1"],
        &["program", "start", "robo"],
    ] {
        let mut all = vec!["--as", AUTHOR];
        all.extend_from_slice(args);
        let out = support::cli::clearline(&d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let played = loop {
        let attempts = ok_json(support::cli::clearline(&d, &["--as", AUTHOR, "--json", "program", "attempts", "robo"]));
        let played: Vec<Value> = attempts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["disposition"] == "complete")
            .map(|a| a["audio_version_id"].clone())
            .collect();
        if !played.is_empty() {
            break played;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new program placed no answered call: {attempts}\n{}",
            server.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert!(played.iter().all(|v| v.as_i64() == Some(message)), "{played:?}");
    server.terminate(std::time::Duration::from_secs(10));
}

/// An IVR poll (docs/scripts/ivr.script) runs on the simulated carrier as its script says: the opening
/// recording asks the first question, the later question plays its own approved `ivr_question`
/// recording and each closing its `ivr_closing` (without them the start is refused, naming the
/// step), the keys pressed become the
/// script's answers — stored encrypted and counted in the survey report — and the calls end where the
/// keys led: every respondent answered "yes" (a "no" ends the call refused) and rated on the 1–5 scale.
#[test]
fn an_ivr_poll_asks_its_scripts_questions_with_their_own_prompts_and_reports_the_keys_as_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |who: &str, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        support::cli::clearline(d, &all)
    };
    let cli = |who: &str, args: &[&str]| {
        let out = run(who, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    assert!(support::cli::clearline(d, &["demo", "--no-serve", "--voters", "400"]).status.success());
    cli(AUTHOR, &["universe", "save", "--name", "everyone", r#"{"op":"all","filters":[]}"#]);
    let script = d.join("ivr.script");
    std::fs::write(&script, include_str!("../../../docs/scripts/ivr.script")).unwrap();
    let file = script.to_str().unwrap();
    let new = ["script", "new", "poll", "--campaign", "demo", "--file", file, "--name", "Poll"];
    cli(AUTHOR, &[&new[..], &["--purpose", "survey", "--dial-mode", "ivr"]].concat());
    cli(AUTHOR, &["script", "submit", "poll", "1", "--campaign", "demo"]);
    cli(APPROVER, &["script", "approve", "poll", "1", "--campaign", "demo"]);
    let opening = approved_recording(
        d,
        "poll-opening",
        "Poll opening",
        "ivr_prompt",
        "This is a short poll from Friends of Jordan Rivera. To stop these calls, press 9. To reach us, call \
         919-555-0142. Will you vote on Tuesday? Press 1 for yes, 2 for no.",
    );
    approved_recording(
        d,
        "poll-rate",
        "Poll: how well is the district run",
        "ivr_question",
        "How well is the district run? Press 1 for very badly, up to 5 for very well.",
    );
    cli(
        AUTHOR,
        &[
            "program",
            "create",
            "poll",
            "--name",
            "IVR poll",
            "--universe",
            "everyone",
            "--purpose",
            "survey",
            "--dial-mode",
            "ivr",
            "--not-recorded",
            "--caller-id",
            "919-555-0100",
            "--caller-id-authorized",
        ],
    );
    cli(AUTHOR, &["program", "attach-script", "poll", "--script", "poll", "--version", "1"]);
    cli(AUTHOR, &["program", "build-list", "poll", "--instant", "2026-10-20T16:00:00Z"]);
    cli(AUTHOR, &["program", "attach-audio", "poll", "--audio", "poll-opening", "--version", "1"]);
    // The later question has no prompt yet: the start names it.
    let out = run(AUTHOR, &["program", "start", "poll"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("for the question rate"), "{}", stderr(&out));
    cli(AUTHOR, &["program", "attach-audio", "poll", "--audio", "poll-rate", "--version", "1", "--step", "rate"]);
    // Each path's closing words are a recording too: without them the start names them.
    let out = run(AUTHOR, &["program", "start", "poll"]);
    assert!(stderr(&out).contains("for the closing thanks"), "{}", stderr(&out));
    for (slug, words) in [
        ("poll-thanks", "Thank you. To reach us, call 919-555-0142. Paid for by Friends of Jordan Rivera."),
        ("poll-bye", "Thank you for your time. To reach us, call 919-555-0142. Paid for by Friends of Jordan Rivera."),
    ] {
        approved_recording(d, slug, "Poll closing", "ivr_closing", words);
        let step = slug.trim_start_matches("poll-");
        cli(AUTHOR, &["program", "attach-audio", "poll", "--audio", slug, "--version", "1", "--step", step]);
    }
    let shown = String::from_utf8(cli(AUTHOR, &["program", "show", "poll"]).stdout).unwrap();
    assert!(shown.contains("poll-rate") && shown.contains("rate"), "{shown}");
    cli(AUTHOR, &["program", "start", "poll"]);
    let report = ok_json(cli(
        AUTHOR,
        &[
            "--json",
            "program",
            "simulate",
            "poll",
            "--minutes",
            "60",
            "--answer-rate",
            "0.4",
            "--start",
            "2026-10-20T13:00:00Z",
        ],
    ));
    let attempts = ok_json(cli(AUTHOR, &["--json", "program", "attempts", "poll"]));
    let attempts = attempts.as_array().unwrap();
    let with = |disposition: &str| attempts.iter().filter(|a| a["disposition"] == disposition).count();
    let (complete, refused) = (with("complete"), with("refused"));
    assert!(complete >= 5 && refused >= 1, "the keys lead to both ends: {report}");
    // A person answered: the opening recording played, and is the one the attempt records.
    for a in attempts.iter().filter(|a| a["disposition"] == "complete" || a["disposition"] == "refused") {
        assert_eq!(a["audio_version_id"].as_i64(), Some(opening), "{a}");
    }

    let r = ok_json(cli("analyst@demo.clearline.test", &["--json", "survey", "report", "--program", "poll"]));
    assert_eq!(r["respondents"].as_u64(), Some(complete as u64), "{r}");
    let q = |step: &str| r["questions"].as_array().unwrap().iter().find(|q| q["step"] == step).unwrap().clone();
    let vote = q("vote");
    let yes = &vote["variables"][0]["categories"][0];
    assert_eq!((yes["key"].as_str(), yes["share"].as_f64()), (Some("yes"), Some(1.0)), "{vote}");
    let rate = q("rate");
    assert_eq!(rate["asked"].as_u64(), Some(complete as u64), "{rate}");
    let categories = rate["variables"][0]["categories"].as_array().unwrap();
    let answered: u64 = categories.iter().map(|c| c["respondents"].as_u64().unwrap()).sum();
    assert_eq!(answered, complete as u64, "every respondent pressed one of keys 1 to 5: {rate}");
    assert!(categories.iter().filter(|c| c["respondents"].as_u64() > Some(0)).count() >= 2, "{rate}");
}
