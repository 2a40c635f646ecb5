use super::*;
use crate::policy::Purpose;

const NAME: &str = "Friends of Jordan Rivera";

fn callback() -> PhoneE164 {
    "+19195550142".parse().unwrap()
}

fn check(kind: AudioKind, transcript: &str) -> Vec<TranscriptProblem> {
    let number = callback();
    check_transcript(kind, transcript, TranscriptFacts { legal_name: NAME, callback_number: &number })
}

fn checks(problems: &[TranscriptProblem]) -> Vec<(&'static str, &'static str)> {
    problems.iter().map(|p| (p.check, p.rule)).collect()
}

const GOOD_LIVE: &str = "This is a message from Friends of Jordan Rivera. To stop these calls, press 9. \
    Election Day is Tuesday. To reach us, call (919) 555-0142.";

fn wav(seconds: u32, rate: u32) -> Vec<u8> {
    let spec =
        hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for _ in 0..seconds * rate {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    bytes.into_inner()
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in AudioKind::ALL {
        assert_eq!(AudioKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(AudioKind::parse("jingle"), None);
}

#[test]
fn a_good_prerecorded_message_ivr_prompt_and_safe_harbor_pass() {
    for kind in [AudioKind::PrerecordedMessage, AudioKind::IvrPrompt, AudioKind::SafeHarbor] {
        assert_eq!(check(kind, GOOD_LIVE), vec![], "{kind}");
    }
}

#[test]
fn cr5_the_message_opens_with_the_legal_name() {
    let missing = check(AudioKind::PrerecordedMessage, "Hello! Press 9 to stop. Call 919-555-0142.");
    assert_eq!(checks(&missing), vec![("identification", "CR-5")]);
    let late = check(
        AudioKind::PrerecordedMessage,
        "Hello there neighbor, we wanted to take a moment today to remind you about voting, from \
         Friends of Jordan Rivera. Press 9 to stop. Call 919-555-0142.",
    );
    assert_eq!(checks(&late), vec![("identification", "CR-5")]);
    assert!(late[0].message.contains("must open with it"), "{}", late[0]);
    // Case and punctuation do not matter.
    let loose =
        check(AudioKind::PrerecordedMessage, "FRIENDS OF JORDAN-RIVERA here. Press 9 to stop. Call 9195550142.");
    assert_eq!(loose, vec![]);
}

#[test]
fn cr5_the_callback_number_is_stated_in_digits() {
    let missing = check(AudioKind::PrerecordedMessage, "Friends of Jordan Rivera here. To stop these calls, press 9.");
    assert_eq!(checks(&missing), vec![("callback_number", "CR-5")]);
    assert!(missing[0].to_string().starts_with("callback_number (CR-5): "), "{}", missing[0]);
    let other = check(AudioKind::PrerecordedMessage, "Friends of Jordan Rivera. Press 9 to stop. Call 919-555-0199.");
    assert_eq!(checks(&other), vec![("callback_number", "CR-5")], "another number is not the callback number");
    for spoken in ["1-919-555-0142", "(919) 555 0142", "919.555.0142", "+1 919 555 0142"] {
        let t = format!("Friends of Jordan Rivera. Press 9 to stop. Call {spoken}.");
        assert_eq!(check(AudioKind::PrerecordedMessage, &t), vec![], "{spoken}");
    }
}

#[test]
fn cr5_a_premium_callback_number_is_refused() {
    let number: PhoneE164 = "+19005550142".parse().unwrap();
    let problems = check_transcript(
        AudioKind::PrerecordedMessage,
        "Friends of Jordan Rivera. Press 9 to stop. Call 900-555-0142.",
        TranscriptFacts { legal_name: NAME, callback_number: &number },
    );
    assert_eq!(checks(&problems), vec![("callback_number", "CR-5")]);
    assert!(problems[0].message.contains("900"));
}

#[test]
fn cr6_a_live_message_offers_the_key_press_opt_out_right_after_the_name() {
    let none = check(AudioKind::IvrPrompt, "Friends of Jordan Rivera. Call 919-555-0142 to stop these calls.");
    assert_eq!(checks(&none), vec![("opt_out", "CR-6")]);
    let late = check(
        AudioKind::PrerecordedMessage,
        "Friends of Jordan Rivera. Election Day is Tuesday the fifth and the polls are open from seven \
         until seven. Press 9 to stop. Call 919-555-0142.",
    );
    assert_eq!(checks(&late), vec![("opt_out", "CR-6")]);
    assert!(late[0].message.contains("within 2 seconds"), "{}", late[0]);
    let no_key = check(AudioKind::PrerecordedMessage, "Friends of Jordan Rivera. Press now. Call 919-555-0142.");
    assert_eq!(checks(&no_key), vec![("opt_out", "CR-6")], "\"press\" names a key");
}

#[test]
fn cr46_the_safe_harbor_message_carries_name_callback_and_opt_out_and_cites_cr46() {
    let empty_of_all = check(AudioKind::SafeHarbor, "Sorry we missed you.");
    assert_eq!(
        checks(&empty_of_all),
        vec![("identification", "CR-5, CR-46"), ("callback_number", "CR-5, CR-46"), ("opt_out", "CR-6, CR-46")]
    );
}

#[test]
fn cr6_a_voicemail_says_how_to_opt_out_at_a_toll_free_number() {
    let good = "This is Friends of Jordan Rivera. To opt out of these calls, call 1-800-555-0100. \
                To reach us, call 919-555-0142.";
    assert_eq!(check(AudioKind::VoicemailDrop, good), vec![]);
    let no_toll_free =
        check(AudioKind::VoicemailDrop, "This is Friends of Jordan Rivera. To opt out or reach us, call 919-555-0142.");
    assert_eq!(checks(&no_toll_free), vec![("opt_out", "CR-6")]);
    assert!(no_toll_free[0].message.contains("toll-free"));
    let no_words =
        check(AudioKind::VoicemailDrop, "This is Friends of Jordan Rivera. Call 800-555-0100 or 919-555-0142.");
    assert_eq!(checks(&no_words), vec![("opt_out", "CR-6")]);
    // A voicemail is not asked for a key press: nobody can press one on a machine.
    assert!(!check(AudioKind::VoicemailDrop, good).iter().any(|p| p.message.contains("key-press")));
}

#[test]
fn a_transcript_is_words_not_merge_fields_and_not_empty() {
    let t = "{campaign.legal_name}. Press 9 to stop. Call 919-555-0142.";
    let problems = check(AudioKind::PrerecordedMessage, t);
    assert!(problems.iter().any(|p| p.check == "transcript" && p.message.contains("merge fields")), "{problems:?}");
    assert_eq!(checks(&check(AudioKind::SafeHarbor, "  ")), vec![("transcript", "CR-5, CR-46")]);
}

#[test]
fn programs_need_the_audio_their_dial_mode_plays() {
    let needed = |mode| kinds_needed(&ProgramSettings::new(Purpose::Gotv, mode, "everyone"));
    assert_eq!(needed(DialMode::Predictive), vec![(AudioKind::SafeHarbor, "CR-46")]);
    assert_eq!(needed(DialMode::Prerecorded), vec![(AudioKind::PrerecordedMessage, "CR-5")]);
    assert_eq!(needed(DialMode::ArtificialVoice), vec![(AudioKind::PrerecordedMessage, "CR-4, CR-5")]);
    assert_eq!(
        needed(DialMode::Ivr),
        vec![
            (AudioKind::IvrPrompt, "CR-5"),
            (AudioKind::IvrQuestion, "each question's prompt"),
            (AudioKind::IvrClosing, "CR-5, CR-37")
        ]
    );
    for mode in [DialMode::Manual, DialMode::Preview, DialMode::Power] {
        assert_eq!(needed(mode), vec![], "{mode:?}");
    }
}

#[test]
fn a_recorded_program_that_leaves_voicemail_needs_an_approved_voicemail_drop_and_an_agent_program_cannot() {
    let mut robo = ProgramSettings::new(Purpose::Gotv, DialMode::Prerecorded, "everyone");
    robo.voicemail_drop = true;
    assert_eq!(
        kinds_needed(&robo),
        vec![(AudioKind::PrerecordedMessage, "CR-5"), (AudioKind::VoicemailDrop, "CR-5, CR-6")]
    );
    assert!(robo.problems().is_empty(), "{:?}", robo.problems());
    for mode in [DialMode::Predictive, DialMode::Power, DialMode::Preview, DialMode::Ivr] {
        let mut agents = ProgramSettings::new(Purpose::Gotv, mode, "everyone");
        agents.voicemail_drop = true;
        assert!(agents.problems().iter().any(|p| p.field == "voicemail_drop"), "{mode:?}");
        assert!(!kinds_needed(&agents).iter().any(|(k, _)| *k == AudioKind::VoicemailDrop), "{mode:?}");
    }
}

#[test]
fn the_wav_header_gives_format_and_duration() {
    let info = read_wav(&wav(2, 8000)).unwrap();
    assert_eq!(
        info,
        WavInfo { sample_rate: 8000, channels: 1, bits_per_sample: 16, sample_format: "int", duration_ms: 2000 }
    );
}

#[test]
fn the_stand_in_tone_is_a_wav_of_the_length_asked() {
    let info = read_wav(&tone_wav(1500, 440)).unwrap();
    assert_eq!((info.sample_rate, info.channels, info.duration_ms), (8000, 1, 1500));
}

#[test]
fn anything_but_a_whole_wav_is_refused_with_a_clear_error() {
    let err = read_wav(b"ID3\x03\x00 an mp3").unwrap_err();
    assert_eq!(err.field, "audio");
    assert!(err.reason.contains("not a WAV file"), "{err}");
    assert!(read_wav(b"").unwrap_err().reason.contains("empty"));
    let whole = wav(1, 8000);
    let cut = &whole[..whole.len() / 2];
    assert!(read_wav(cut).is_err(), "a cut WAV");
    assert!(read_wav(&wav(0, 8000)).unwrap_err().reason.contains("no sound"));
    let big = vec![0u8; MAX_AUDIO_BYTES + 1];
    assert!(read_wav(&big).unwrap_err().reason.contains("at most"));
}

#[test]
fn an_ivr_question_prompt_is_checked_for_the_keys_it_offers_not_for_the_identification() {
    // The opening identified the caller: a later question needs no name or callback number.
    assert_eq!(check(AudioKind::IvrQuestion, "Will you vote? Press 1 for yes, or 2 for no."), vec![]);
    let no_keys = check(AudioKind::IvrQuestion, "Will you vote this year?");
    assert_eq!(checks(&no_keys), vec![("keys", "IVR")]);
    // Against its question: every option's key, or a range's ends; digits or their names.
    assert_eq!(check_prompt_keys("Press one for yes, two for no.", "vote", &['1', '2'], false), vec![]);
    let missing = check_prompt_keys("Press 1 for yes.", "vote", &['1', '2', '3'], false);
    assert_eq!(checks(&missing), vec![("keys", "IVR")]);
    assert!(missing[0].message.contains("question vote") && missing[0].message.contains("key 2, 3"), "{}", missing[0]);
    assert_eq!(check_prompt_keys("Press 1 to 5.", "rate", &['1', '2', '3', '4', '5'], true), vec![]);
    assert_eq!(
        checks(&check_prompt_keys("Press 1 to 4.", "rate", &['1', '2', '3', '4', '5'], true)),
        vec![("keys", "IVR")]
    );
}

#[test]
fn an_ivr_closing_says_what_its_steps_disclose_cr5_cr37() {
    use crate::script::Disclosure::{Callback, PaidForBy};
    let number = callback();
    let facts = TranscriptFacts { legal_name: NAME, callback_number: &number };
    let said = "Thank you. To reach us, call 919-555-0142. Paid for by Friends of Jordan Rivera.";
    // Heard after the opening: no name or opt-out asked of it at submit.
    assert_eq!(check(AudioKind::IvrClosing, "Thank you."), vec![]);
    assert_eq!(check_closing(said, "thanks", &[PaidForBy, Callback], facts), vec![]);
    let silent = check_closing("Thank you, goodbye.", "thanks", &[PaidForBy, Callback], facts);
    assert_eq!(checks(&silent), vec![("callback_number", "CR-5"), ("paid_for_by", "CR-37")]);
    assert!(silent[0].message.contains("closing thanks"), "{}", silent[0]);
    // Only what the steps disclose is asked of it.
    assert_eq!(check_closing("Thank you, goodbye.", "bye", &[], facts), vec![]);
}
