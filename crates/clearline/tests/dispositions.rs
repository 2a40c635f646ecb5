//! `clearline dispositions`: a campaign's own codes added, listed and retired from the command line,
//! refused by field and reason, and only by the roles that manage programs.

mod support;

use support::cli::{clearline as run, ok_json, stderr, stdout};

const PM: &str = "programs@demo.clearline.test";

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["demo", "--no-serve", "--voters", "0"]).status.success());
    dir
}

#[test]
fn a_program_manager_adds_lists_and_retires_custom_codes() {
    let dir = demo();
    let d = dir.path();
    let add = |code: &str, label: &str, base: &str| {
        run(d, &["--as", PM, "dispositions", "add", "--campaign", "demo", code, "--label", label, "--base", base])
    };
    let out = add("hostile_refusal", "Hostile refusal", "refused");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("hostile_refusal") && stdout(&out).contains("refused"), "{}", stdout(&out));
    assert!(add("call_after_six", "Call after 6 pm", "callback_requested").status.success());

    // Refusals name the field and the reason, as usage errors, and add nothing.
    for (code, label, base, says) in [
        ("Bad Code", "Bad", "refused", "code"),
        ("refused", "Refused", "refused", "is a base code"),
        ("hostile_refusal", "Again", "refused", "appears twice"),
        ("line_busy", "Busy", "busy", "base"),
        ("quiet_one", " ", "refused", "label"),
        ("no_base", "No base", "nonsense", "--base"),
    ] {
        let out = add(code, label, base);
        assert_eq!(out.status.code(), Some(2), "{code}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{code}: {}", stderr(&out));
    }
    // An analyst may read the codes (results name them) but not define them; another org's user neither.
    let analyst = "analyst@demo.clearline.test";
    let out = run(
        d,
        &[
            "--as",
            analyst,
            "dispositions",
            "add",
            "--campaign",
            "demo",
            "nope_code",
            "--label",
            "N",
            "--base",
            "refused",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("manage_programs"), "{}", stderr(&out));
    let out = run(d, &["--as", "agent@granite-calls.clearline.test", "dispositions", "list", "--campaign", "demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not your campaign"), "{}", stderr(&out));

    let out = run(d, &["--as", PM, "dispositions", "retire", "--campaign", "demo", "call_after_six"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["--as", PM, "dispositions", "retire", "--campaign", "demo", "no_such_code"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no such custom disposition code"), "{}", stderr(&out));

    let listed = ok_json(run(d, &["--as", analyst, "--json", "dispositions", "list", "--campaign", "demo"]));
    let codes: Vec<(&str, &str, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap(), c["base"].as_str().unwrap(), c["retired_at_us"].is_null()))
        .collect();
    assert_eq!(codes, [("hostile_refusal", "refused", true), ("call_after_six", "callback_requested", false)]);
    let text = stdout(&run(d, &["--as", PM, "dispositions", "list", "--campaign", "demo"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("hostile_refusal") && lines[0].contains("2.11") && lines[0].contains("active"), "{text}");
    assert!(lines[1].contains("call_after_six") && lines[1].contains("retired"), "{text}");

    // Every change is in the campaign's audit trail.
    let out = run(d, &["--as", "owner@demo.clearline.test", "audit", "export", "--action", "disposition."]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));
}
