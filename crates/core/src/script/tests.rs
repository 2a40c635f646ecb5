use super::*;
use crate::policy::{DialMode, Purpose};

const GOTV: &str = include_str!("../../../../docs/scripts/gotv.script");
const FUNDRAISING: &str = include_str!("../../../../docs/scripts/fundraising.script");
const SURVEY: &str = include_str!("../../../../docs/scripts/survey.script");
const IVR: &str = include_str!("../../../../docs/scripts/ivr.script");

fn live(purpose: Purpose) -> ScriptFacts {
    ScriptFacts { purpose, dial_mode: DialMode::Predictive, recorded: true, expected_calls: Some(10_000) }
}

fn parsed(text: &str) -> Script {
    parse(text).unwrap_or_else(|e| panic!("{}", e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}

/// The problems of `text` for `facts`, as (step, rule) pairs.
fn problems(text: &str, facts: &ScriptFacts) -> Vec<(String, Option<&'static str>, String)> {
    validate(&parsed(text), facts).into_iter().map(|p| (p.step, p.rule, p.message)).collect()
}

fn has(problems: &[(String, Option<&'static str>, String)], step: &str, rule: Option<&str>, words: &str) -> bool {
    problems.iter().any(|(s, r, m)| s == step && r.as_deref() == rule && m.contains(words))
}

/// A live GOTV script that passes everything, to break one piece at a time.
const MINIMAL: &str = "\
title: Minimal
step opening: disclose identification purpose recording
| Hi {voter.first_name}, this is {caller.first_name} with {campaign.legal_name}, reminding you to vote.
| This call is recorded.
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

#[test]
fn the_documented_examples_parse_and_validate() {
    for (name, text, purpose) in [
        ("gotv", GOTV, Purpose::Gotv),
        ("fundraising", FUNDRAISING, Purpose::Fundraising),
        ("survey", SURVEY, Purpose::Survey),
    ] {
        let script = parsed(text);
        let mut facts = live(purpose);
        facts.recorded = purpose != Purpose::Survey;
        let problems = validate(&script, &facts);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
    // The IVR poll: a recording (CR-5, CR-6) whose every question one key answers.
    let ivr = ScriptFacts {
        purpose: Purpose::Survey,
        dial_mode: DialMode::Ivr,
        recorded: false,
        expected_calls: Some(5_000),
    };
    let problems = validate(&parsed(IVR), &ivr);
    assert!(problems.is_empty(), "ivr: {problems:?}");
    let survey = parsed(SURVEY);
    let issues = survey.step("issues").unwrap().question().unwrap();
    assert_eq!(issues.answer, AnswerKind::Multiple);
    assert!(issues.randomize);
    assert_eq!(issues.options.len(), 5);
    assert_eq!(survey.step("likely").unwrap().question().unwrap().answer, AnswerKind::Scale { min: 1, max: 10 });
    assert_eq!(
        survey.step("age").unwrap().question().unwrap().answer,
        AnswerKind::Numeric { min: Some(18), max: Some(120) }
    );
    assert_eq!(survey.step("comments").unwrap().question().unwrap().answer, AnswerKind::Open);
    assert_eq!(survey.step("likely").unwrap().branches[0].test, Test::AtMost(3));
    assert_eq!(survey.step("screened_out").unwrap().kind, StepKind::End(crate::disposition::Disposition::NotEligible));
}

#[test]
fn the_minimal_script_is_valid() {
    assert_eq!(problems(MINIMAL, &live(Purpose::Gotv)), vec![]);
}

#[test]
fn parse_errors_name_the_line_and_the_step() {
    let text = "title: T\nstep a: say\n| hi\n-> b\nfrobnicate now\nstep b: ask sometimes\n| q?\nstep c: end maybe\n";
    let errors = parse(text).unwrap_err();
    let at = |line: usize| {
        errors.iter().find(|e| e.line == line).unwrap_or_else(|| panic!("no error at {line}: {errors:?}"))
    };
    assert_eq!(at(5).step.as_deref(), Some("a"));
    assert!(at(5).message.contains("unknown statement `frobnicate`"));
    assert_eq!(at(6).step.as_deref(), Some("b"));
    assert!(at(6).message.contains("ask single"));
    assert_eq!(at(8).step.as_deref(), Some("c"));
    assert!(at(8).message.contains("disposition"));
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(at(8).to_string(), format!("line 8, step c: {}", at(8).message));
}

#[test]
fn parse_refuses_misplaced_statements() {
    let cases = [
        ("step a: say\n| x\n-> b\n", "title"),
        ("title: T\n| stray\n", "before the first `step`"),
        ("title: T\nstep a: say\n| x\n-> b\n-> c\n", "second `->`"),
        ("title: T\nstep a: say\n| x\noption y: Yes\n", "`option` belongs"),
        ("title: T\nstep a: ask scale 1..5\n| x\nrandomize\n", "random order"),
        ("title: T\nstep a: ask single\n| x\noption y: Yes\noption y: Again\n", "second answer"),
        ("title: T\nstep a: end complete\n-> b\n", "no next step"),
        ("title: T\nstep a: say\n| x\nstep a: say\n", "second step with this id"),
        ("title: T\nstep Bad-Id: say\n", "step id"),
        ("title: T\nstep a: disclose fame\n", "unknown disclosure"),
        ("title: T\nstep a: ask scale 5..1\n", "scale"),
        ("title: T\nstep a: say\n| x\nif a sometimes -> b\n", "a branch is"),
    ];
    for (text, words) in cases {
        let errors = parse(text).unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains(words)), "{text:?}: {errors:?}");
    }
}

#[test]
fn a_step_without_next_or_with_a_missing_target_is_refused() {
    let no_next = MINIMAL.replace("-> paid\n", "");
    let p = problems(&no_next, &live(Purpose::Gotv));
    assert!(has(&p, "plan", None, "has no `->`"), "{p:?}");
    let missing = MINIMAL.replace("-> done", "-> finished");
    let p = problems(&missing, &live(Purpose::Gotv));
    assert!(has(&p, "paid", None, "step finished, which does not exist"), "{p:?}");
}

#[test]
fn an_unreachable_step_is_refused() {
    let text = format!("{MINIMAL}step orphan: say\n| Nobody hears this.\n-> done\n");
    let p = problems(&text, &live(Purpose::Gotv));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(has(&p, "orphan", None, "unreachable"));
}

#[test]
fn a_cycle_with_no_exit_is_refused_and_one_with_an_exit_is_not() {
    // again → plan → again … with the only exit removed.
    let closed = MINIMAL
        .replace("if plan is no -> bye\n-> paid", "-> again")
        .replace("step paid:", "step again: say\n| Let me ask again.\n-> plan\nstep paid:");
    let p = problems(&closed, &live(Purpose::Gotv));
    assert!(has(&p, "plan", None, "a cycle with no exit"), "{p:?}");
    assert!(p.iter().any(|(_, _, m)| m.contains("plan, again")), "{p:?}");
    // The same loop with a way out is a legitimate "let me ask again".
    let open = MINIMAL
        .replace("if plan is no -> bye", "if plan is no -> again")
        .replace("step paid:", "step again: say\n| Let me ask again.\nif plan is no -> bye\n-> plan\nstep paid:");
    let p = problems(&open, &live(Purpose::Gotv));
    assert!(!p.iter().any(|(_, _, m)| m.contains("cycle")), "{p:?}");
}

#[test]
fn every_merge_field_must_be_provided() {
    let text = MINIMAL.replace("| Thanks anyway.", "| Thanks anyway, {voter.shoe_size}.");
    let p = problems(&text, &live(Purpose::Gotv));
    assert!(has(&p, "bye", None, "unknown merge field {voter.shoe_size}"), "{p:?}");
    let text = MINIMAL.replace("| Thanks anyway.", "| Thanks anyway {voter.first_name");
    let p = problems(&text, &live(Purpose::Gotv));
    assert!(has(&p, "bye", None, "unmatched brace"), "{p:?}");
    // A recording has no caller: {caller.first_name} is not provided (CR-5 scripts name the committee).
    let robo = ScriptFacts { dial_mode: DialMode::Prerecorded, ..live(Purpose::Gotv) };
    let p = problems(MINIMAL, &robo);
    assert!(has(&p, "opening", None, "{caller.first_name} is not provided"), "{p:?}");
}

#[test]
fn cr48_the_live_opening_identifies_the_caller_the_committee_and_the_purpose() {
    // Purpose stated after the first question is not in the opening.
    let late = MINIMAL.replace("disclose identification purpose recording", "disclose identification recording");
    let p = problems(&late, &live(Purpose::Gotv));
    assert!(has(&p, "opening", Some("CR-48"), "disclose purpose"), "{p:?}");
    // An identification without the committee's legal name or the caller's first name.
    let anonymous =
        MINIMAL.replace(" with {campaign.legal_name}", "").replace("this is {caller.first_name}", "this is me");
    let p = problems(&anonymous, &live(Purpose::Gotv));
    assert!(has(&p, "opening", Some("CR-48"), "lacks {campaign.legal_name}"), "{p:?}");
    assert!(has(&p, "opening", Some("CR-48"), "lacks {caller.first_name}"), "{p:?}");
    // A plain `say` with the right words is not a disclosure: the approver sees it declared.
    let undeclared = MINIMAL.replace("disclose identification purpose recording", "say");
    let p = problems(&undeclared, &live(Purpose::Gotv));
    assert!(has(&p, "opening", Some("CR-48"), "disclose identification"), "{p:?}");
}

#[test]
fn cr48_an_opening_spread_over_several_steps_counts_until_the_first_question() {
    let split = MINIMAL.replace(
        "step opening: disclose identification purpose recording\n| Hi {voter.first_name}, this is {caller.first_name} with {campaign.legal_name}, reminding you to vote.\n| This call is recorded.\n-> plan",
        "step opening: disclose identification recording\n| Hi, this is {caller.first_name} with {campaign.legal_name}. This call is recorded.\n-> why\nstep why: disclose purpose\n| I'm calling to remind you to vote.\n-> plan",
    );
    assert_eq!(problems(&split, &live(Purpose::Gotv)), vec![]);
}

#[test]
fn cr28_a_recorded_program_announces_recording_in_the_opening() {
    let text = MINIMAL.replace("purpose recording", "purpose").replace("| This call is recorded.\n", "");
    let p = problems(&text, &live(Purpose::Gotv));
    assert!(has(&p, "opening", Some("CR-28"), "recorded"), "{p:?}");
    let unrecorded = ScriptFacts { recorded: false, ..live(Purpose::Gotv) };
    assert_eq!(problems(&text, &unrecorded), vec![]);
    // The notice must actually say it.
    let silent = MINIMAL.replace("| This call is recorded.\n", "");
    let p = problems(&silent, &live(Purpose::Gotv));
    assert!(has(&p, "opening", Some("CR-28"), "\"recorded\""), "{p:?}");
}

#[test]
fn cr37_paid_for_by_on_every_completed_call_of_a_phone_bank_over_500() {
    // A new path to `done` that skips the disclaimer.
    let text = MINIMAL.replace("if plan is no -> bye", "if plan is no -> bye\nif plan is yes -> done");
    let p = problems(&text, &live(Purpose::Gotv));
    assert!(has(&p, "done", Some("CR-37"), "disclose paid_for_by"), "{p:?}");
    let small = ScriptFacts { expected_calls: Some(500), ..live(Purpose::Gotv) };
    assert_eq!(problems(&text, &small), vec![]);
    let unknown = ScriptFacts { expected_calls: None, ..live(Purpose::Gotv) };
    assert!(has(&problems(&text, &unknown), "done", Some("CR-37"), "paid_for_by"));
    let wordless = MINIMAL.replace("| {campaign.paid_for_by}.", "| Paid for by us.");
    assert!(has(&problems(&wordless, &live(Purpose::Gotv)), "paid", Some("CR-37"), "lacks {campaign.paid_for_by}"));
}

#[test]
fn cr34_cr38_fundraising_needs_best_efforts_and_non_deductibility_before_a_gift() {
    let p = problems(MINIMAL, &live(Purpose::Fundraising));
    assert!(has(&p, "done", Some("CR-34"), "best_efforts"), "{p:?}");
    assert!(has(&p, "done", Some("CR-38"), "non_deductible"), "{p:?}");
    // The documented fundraising call, with the `other amount` path skipping the disclosures.
    let shortcut =
        FUNDRAISING.replace("  -> best_efforts\n\nstep best_efforts", "  -> disclaimer\n\nstep best_efforts");
    let p = problems(&shortcut, &live(Purpose::Fundraising));
    assert!(has(&p, "pledged", Some("CR-34"), "best_efforts"), "{p:?}");
    assert!(has(&p, "pledged", Some("CR-38"), "non_deductible"), "{p:?}");
    // The declared statements must say what the law asks.
    let vague = FUNDRAISING.replace("are not deductible as charitable", "may not be deductible as charitable");
    assert!(has(&problems(&vague, &live(Purpose::Fundraising)), "not_deductible", Some("CR-38"), "not deductible"));
    let no_employer = FUNDRAISING.replace("name of employer", "workplace");
    assert!(has(&problems(&no_employer, &live(Purpose::Fundraising)), "best_efforts", Some("CR-34"), "employer"));
}

const ROBOCALL: &str = "\
title: Prerecorded reminder
step opening: disclose identification purpose
| This is a message from {campaign.legal_name} reminding you to vote on {election.date}.
-> opt_out
step opt_out: disclose opt_out
| To stop these calls, press 9 now.
-> callback
step callback: disclose callback paid_for_by
| To reach us, call {campaign.callback_number}. {campaign.paid_for_by}.
-> done
step done: end complete
";

#[test]
fn cr5_cr6_a_recording_names_the_committee_first_offers_the_opt_out_and_a_callback() {
    let robo =
        ScriptFacts { purpose: Purpose::Gotv, dial_mode: DialMode::Prerecorded, recorded: false, expected_calls: None };
    assert_eq!(problems(ROBOCALL, &robo), vec![]);
    // Identification after the opt-out: not the opening any more.
    let late = ROBOCALL.replace("disclose identification purpose", "say").replace(
        "step callback: disclose callback paid_for_by",
        "step callback: disclose callback paid_for_by identification",
    );
    let p = problems(&late, &robo);
    assert!(has(&p, "opening", Some("CR-5"), "open with"), "{p:?}");
    // The opt-out moved to the end: more than one step after the identification.
    let late_opt_out = ROBOCALL
        .replace("step opt_out: disclose opt_out", "step opt_out: say")
        .replace("disclose callback paid_for_by", "disclose callback paid_for_by opt_out")
        .replace("call {campaign.callback_number}.", "call {campaign.callback_number} or press 9.");
    let p = problems(&late_opt_out, &robo);
    assert!(has(&p, "opening", Some("CR-6"), "opt-out"), "{p:?}");
    // No callback number on the message's path.
    let no_callback = ROBOCALL
        .replace("disclose callback paid_for_by", "disclose paid_for_by")
        .replace(" call {campaign.callback_number}.", " visit us.");
    let p = problems(&no_callback, &robo);
    assert!(has(&p, "done", Some("CR-5"), "disclose callback"), "{p:?}");
    // A prerecorded message cannot ask.
    let asking = ROBOCALL.replace("step opt_out: disclose opt_out\n| To stop these calls, press 9 now.\n-> callback",
        "step opt_out: disclose opt_out\n| To stop these calls, press 9 now.\n-> q\nstep q: ask open\n| Why?\n-> callback");
    assert!(has(&problems(&asking, &robo), "q", None, "cannot listen"));
    let ivr = ScriptFacts { dial_mode: DialMode::Ivr, ..robo };
    assert!(!has(&problems(&asking, &ivr), "q", None, "cannot listen"));
    // An IVR question is answered by one key: an open one cannot be, a small scale can.
    assert!(has(&problems(&asking, &ivr), "q", None, "open question cannot be answered by a key press"));
    let keyed = asking.replace("step q: ask open\n| Why?", "step q: ask scale 1..5\n| Press 1 to 5.");
    assert!(!has(&problems(&keyed, &ivr), "q", None, "key"), "{:?}", problems(&keyed, &ivr));
}

#[test]
fn branches_are_checked_against_the_question_they_test() {
    let bad = MINIMAL
        .replace("if plan is no -> bye", "if plan is maybe -> bye\nif plan >= 3 -> bye\nif opening is yes -> bye");
    let p = problems(&bad, &live(Purpose::Gotv));
    assert!(has(&p, "plan", None, "no answer maybe"), "{p:?}");
    assert!(has(&p, "plan", None, "`>=` and `<=` test a scale"), "{p:?}");
    assert!(has(&p, "plan", None, "step opening asks nothing"), "{p:?}");
    // Branching on a later question: never answered yet.
    let later = SURVEY
        .replace("if consent is no -> decline", "if consent is no -> decline\n  if direction is right -> decline");
    let p = problems(&later, &live(Purpose::Survey));
    assert!(has(&p, "consent", None, "step direction is never answered before this step"), "{p:?}");
    // A scale threshold outside the scale.
    let outside = SURVEY.replace("if likely <= 3", "if likely <= 11");
    assert!(has(&problems(&outside, &live(Purpose::Survey)), "likely", None, "outside step likely's scale 1..10"));
}

#[test]
fn a_branch_may_test_an_earlier_step() {
    let text = MINIMAL.replace(
        "step bye: say\n| Thanks anyway.\n-> declined",
        "step bye: say\n| Thanks anyway.\nif plan is yes -> paid\n-> declined",
    );
    assert_eq!(problems(&text, &live(Purpose::Gotv)), vec![]);
}

#[test]
fn dispositions_come_from_the_table_and_only_those_an_agent_records() {
    let system = MINIMAL.replace("end refused", "end no_answer");
    let p = problems(&system, &live(Purpose::Gotv));
    assert!(has(&p, "declined", None, "only the dialer records"), "{p:?}");
    let never_completes = MINIMAL.replace("step done: end complete", "step done: end refused");
    let p = problems(&never_completes, &live(Purpose::Gotv));
    assert!(has(&p, "opening", None, "can never be finished"), "{p:?}");
}

#[test]
fn every_problem_names_a_step_of_the_document() {
    let broken = MINIMAL.replace("disclose identification purpose recording", "say").replace("-> done", "-> nowhere");
    let script = parsed(&broken);
    let problems = validate(&script, &live(Purpose::Fundraising));
    assert!(problems.len() >= 5, "{problems:?}");
    for p in &problems {
        assert!(script.step(&p.step).is_some(), "{p}");
    }
}

#[test]
fn the_diff_shows_changed_lines_with_their_numbers() {
    let old = "title: T\nstep a: say\n| Hello there.\n-> b\n";
    let new = "title: T\nstep a: say\n| Hello, friend.\n-> b\n";
    let d = diff_lines(old, new);
    let changed: Vec<_> = d.iter().filter(|l| l.tag != DiffTag::Same).collect();
    assert_eq!(changed.len(), 2);
    assert_eq!((changed[0].tag, changed[0].old_line, changed[0].new_line), (DiffTag::Removed, Some(3), None));
    assert_eq!(changed[0].text, "| Hello there.");
    assert_eq!((changed[1].tag, changed[1].old_line, changed[1].new_line), (DiffTag::Added, None, Some(3)));
    assert_eq!(render_diff(&d), "  title: T\n  step a: say\n- | Hello there.\n+ | Hello, friend.\n  -> b\n");
    assert!(diff_lines(GOTV, GOTV).iter().all(|l| l.tag == DiffTag::Same));
}

#[test]
fn merge_fields_are_found_in_order() {
    assert_eq!(
        merge_fields_in("Hi {voter.first_name}, I'm {caller.first_name}."),
        Ok(vec!["voter.first_name", "caller.first_name"])
    );
    assert_eq!(merge_fields_in("no fields"), Ok(vec![]));
    assert_eq!(merge_fields_in("oops } here"), Err(6));
    assert_eq!(merge_fields_in("a {b"), Err(3));
    assert_eq!(merge_fields_in("{}"), Err(1));
}

#[test]
fn docs_scripts_md_shows_the_example_files_as_they_are() {
    let doc = include_str!("../../../../docs/scripts.md");
    for (name, text) in [("gotv", GOTV), ("fundraising", FUNDRAISING), ("survey", SURVEY), ("ivr", IVR)] {
        assert!(doc.contains(text.trim_end()), "docs/scripts.md's copy of {name}.script differs from the file");
    }
}

#[test]
fn a_version_moves_draft_submitted_then_approved_or_rejected_and_stops() {
    use VersionStatus::*;
    let allowed: Vec<(VersionStatus, VersionStatus)> = VersionStatus::ALL
        .into_iter()
        .flat_map(|a| VersionStatus::ALL.into_iter().map(move |b| (a, b)))
        .filter(|(a, b)| a.may_become(*b))
        .collect();
    assert_eq!(allowed, vec![(Draft, Submitted), (Submitted, Approved), (Submitted, Rejected)]);
    for s in VersionStatus::ALL {
        assert_eq!(VersionStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn a_script_fits_only_programs_with_the_facts_it_was_checked_for() {
    use crate::program::ProgramSettings;
    let facts = ScriptFacts {
        purpose: Purpose::Gotv,
        dial_mode: DialMode::Predictive,
        recorded: false,
        expected_calls: Some(400),
    };
    let mut settings = ProgramSettings::new(Purpose::Gotv, DialMode::Predictive, "u");
    settings.recorded = false;
    assert!(facts.mismatches(&settings, 400).is_empty());
    // CR-28: a recorded program needs a script checked for the recording notice.
    settings.recorded = true;
    assert!(facts.mismatches(&settings, 400)[0].contains("CR-28"));
    settings.recorded = false;
    // CR-37: a script checked for a small phone bank does not fit a list over 500.
    assert!(facts.mismatches(&settings, 501)[0].contains("CR-37"));
    let other = ProgramSettings::new(Purpose::Fundraising, DialMode::Preview, "u");
    let m = ScriptFacts { recorded: true, ..facts }.mismatches(&other, 0);
    assert_eq!(m.len(), 2, "purpose and dial mode: {m:?}");
}

#[test]
fn language_tags_are_a_primary_subtag_and_an_optional_region_or_script() {
    for ok in ["en", "es", "es-MX", "zh-Hant", "haw"] {
        assert!(is_language_tag(ok), "{ok}");
    }
    for bad in ["", "E", "English", "EN", "es-", "es-MX-x", "e1"] {
        assert!(!is_language_tag(bad), "{bad}");
    }
}

#[test]
fn cr48_a_call_that_opens_with_a_question_has_an_empty_opening() {
    let text =
        "title: T\nstep q: ask single\n| Ready?\noption yes: Yes\noption no: No\n-> done\nstep done: end complete\n";
    let p = problems(text, &ScriptFacts { recorded: false, expected_calls: Some(1), ..live(Purpose::Gotv) });
    assert_eq!(p.len(), 2, "identification and purpose: {p:?}");
    assert!(
        p.iter().all(|(s, r, m)| s == "q" && *r == Some("CR-48") && m.contains("the call starts with a question")),
        "{p:?}"
    );
}
