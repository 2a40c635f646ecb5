//! Recorded audio: voicemail drops, IVR prompts, prerecorded messages and the safe-harbor message.
//!
//! Recorded audio is messaging like a script (docs/scripts.md, "Recorded audio"): a campaign's audio
//! message has immutable versions — the WAV bytes and the transcript of what they say — approved with
//! the same state machine as script versions ([`crate::script::VersionStatus`]). This module holds the
//! pure parts:
//!
//! - [`AudioKind`]: what a recording is for, and which programs need which ([`kinds_needed`]);
//! - [`read_wav`]: the facts of the WAV header (format, duration), refusing anything that is not WAV;
//! - [`check_transcript`]: the CR-5, CR-6 and CR-46 checks on the transcript, each problem naming its
//!   check and its rule.
//!
//! The checks read the transcript, not the audio: the approver listens to the recording and confirms
//! that the transcript is what it says; the rules are then checked on the words.

use crate::phone::{is_premium, PhoneE164, TOLL_FREE_NPAS};
use crate::policy::DialMode;
use crate::program::ProgramSettings;
use crate::validate::Invalid;
use serde::Serialize;
use std::fmt;

/// The largest recording accepted. Prompts are stored in the database beside their transcript (a
/// BLOB on SQLite, BYTEA on PostgreSQL); 1 MB is about 60 s of 8 kHz 16-bit mono, the telephone
/// format, which is longer than any message a campaign should play.
pub const MAX_AUDIO_BYTES: usize = 1_000_000;

/// The longest transcript accepted (a minute of speech is about 150 words).
pub const MAX_TRANSCRIPT_CHARS: usize = 5_000;

/// CR-5: the message "opens with" the legal name. We read that as: the name begins within the first
/// this many words ("Hello, this is a recorded message from …" is seven).
pub const NAME_WITHIN_WORDS: usize = 12;

/// CR-6: the opt-out is offered "within 2 s of the identification". Speech runs about 2.5 words a
/// second, so 2 s is about five words; the instruction's own lead-in ("to stop these calls,") comes
/// before the key it names, so "press" must come within this many words after the name ends.
pub const OPT_OUT_WITHIN_WORDS: usize = 10;

/// What a recording is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioKind {
    /// Left on an answering machine or voicemail.
    VoicemailDrop,
    /// The opening prompt of an IVR call: who is calling, the opt-out key, and the first question with
    /// its keys.
    IvrPrompt,
    /// The prompt of one later IVR question: its words and the key of each answer. A program attaches
    /// one per question step of its script (the opening question's is the `IvrPrompt`).
    IvrQuestion,
    /// The words an IVR call ends with on one path: the `say` and `disclose` steps after its last
    /// question (`script::ivr::closings`), attached by the closing's first step. It says what those
    /// steps disclose — the callback number (CR-5), "Paid for by" (CR-37).
    IvrClosing,
    /// Played to a person whose call could not be connected to an agent (CR-46).
    SafeHarbor,
    /// The whole message of a prerecorded or artificial-voice call.
    PrerecordedMessage,
}

impl AudioKind {
    pub const ALL: [AudioKind; 6] = [
        AudioKind::VoicemailDrop,
        AudioKind::IvrPrompt,
        AudioKind::IvrQuestion,
        AudioKind::IvrClosing,
        AudioKind::SafeHarbor,
        AudioKind::PrerecordedMessage,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AudioKind::VoicemailDrop => "voicemail_drop",
            AudioKind::IvrPrompt => "ivr_prompt",
            AudioKind::IvrQuestion => "ivr_question",
            AudioKind::IvrClosing => "ivr_closing",
            AudioKind::SafeHarbor => "safe_harbor",
            AudioKind::PrerecordedMessage => "prerecorded_message",
        }
    }

    pub fn parse(text: &str) -> Option<AudioKind> {
        AudioKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The rules its transcript is checked against, for messages.
    pub const fn rules(self) -> &'static str {
        match self {
            AudioKind::SafeHarbor => "CR-5, CR-6, CR-46",
            // Heard after the opening, which identified the caller and offered the opt-out: checked
            // for the keys it offers (against its question when attached).
            AudioKind::IvrQuestion => "its question's keys",
            // Checked against its closing's disclosures when attached.
            AudioKind::IvrClosing => "CR-5, CR-37",
            _ => "CR-5, CR-6",
        }
    }

    /// Whether the listener can press a key while it plays (so CR-6's opt-out is a key press, offered
    /// right after the identification). A voicemail is heard later, on a machine: CR-6 asks it for a
    /// toll-free number that reaches the same automated opt-out instead.
    const fn is_live(self) -> bool {
        !matches!(self, AudioKind::VoicemailDrop)
    }
}

impl fmt::Display for AudioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The audio a program must have approved and attached before it starts, each with the rule that asks
/// for it. A robocall plays its message (CR-5; CR-4: an artificial voice is a recording too, so its
/// rendered audio is approved like one), and its voicemail drop when it leaves one (CR-5, CR-6); an
/// IVR call opens with its prompt; a predictive program abandons some live answers and must play the
/// safe-harbor message to them (CR-46). Power dialing reserves an agent for every line, so it does not
/// abandon.
pub fn kinds_needed(settings: &ProgramSettings) -> Vec<(AudioKind, &'static str)> {
    let mut out = match settings.dial_mode {
        DialMode::Prerecorded => vec![(AudioKind::PrerecordedMessage, "CR-5")],
        DialMode::ArtificialVoice => vec![(AudioKind::PrerecordedMessage, "CR-4, CR-5")],
        DialMode::Ivr => vec![(AudioKind::IvrPrompt, "CR-5")],
        DialMode::Predictive => vec![(AudioKind::SafeHarbor, "CR-46")],
        DialMode::Manual | DialMode::Preview | DialMode::Power => Vec::new(),
    };
    if settings.dial_mode == DialMode::Ivr {
        // One per question after the opening and one per closing, which `program_audio` attaches by
        // step and the store's start check asks of every such step of the attached script.
        out.push((AudioKind::IvrQuestion, "each question's prompt"));
        out.push((AudioKind::IvrClosing, "CR-5, CR-37"));
    }
    if settings.voicemail_drop && matches!(settings.dial_mode, DialMode::Prerecorded | DialMode::ArtificialVoice) {
        out.push((AudioKind::VoicemailDrop, "CR-5, CR-6"));
    }
    out
}

/// What the WAV header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    /// `int` (PCM) or `float`.
    pub sample_format: &'static str,
    /// Rounded down to the millisecond.
    pub duration_ms: u64,
}

/// Reads the header of a WAV file held in memory. Anything else — an MP3, a text file, a truncated
/// WAV, a WAV with no sound — is refused naming the field `audio`.
pub fn read_wav(bytes: &[u8]) -> Result<WavInfo, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::new("audio", "the file is empty: give a WAV recording"));
    }
    if bytes.len() > MAX_AUDIO_BYTES {
        return Err(Invalid::new(
            "audio",
            format!("the recording is {} bytes; at most {MAX_AUDIO_BYTES} are accepted", bytes.len()),
        ));
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(Invalid::new("audio", "not a WAV file (it does not start with a RIFF/WAVE header)"));
    }
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes))
        .map_err(|e| Invalid::new("audio", format!("not a readable WAV file: {e}")))?;
    let spec = reader.spec();
    let frames = u64::from(reader.duration());
    if frames == 0 || spec.sample_rate == 0 {
        return Err(Invalid::new("audio", "the WAV file holds no sound"));
    }
    // The header's data length must be there: a cut file would play short of its transcript.
    let expected = frames * u64::from(spec.channels) * u64::from(spec.bits_per_sample).div_ceil(8);
    if (bytes.len() as u64) < expected {
        return Err(Invalid::new("audio", "the WAV file is cut short of the length its header gives"));
    }
    Ok(WavInfo {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits_per_sample: spec.bits_per_sample,
        sample_format: match spec.sample_format {
            hound::SampleFormat::Int => "int",
            hound::SampleFormat::Float => "float",
        },
        duration_ms: frames * 1000 / u64::from(spec.sample_rate),
    })
}

/// A WAV of a soft tone at `hz` (0: silence) in the telephone format, 8 kHz 16-bit mono: a stand-in
/// recording for the demo and the tests, made here so neither needs a speech synthesizer.
pub fn tone_wav(duration_ms: u32, hz: u32) -> Vec<u8> {
    const RATE: u32 = 8_000;
    let spec =
        hound::WavSpec { channels: 1, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut bytes, spec).expect("a WAV header fits in memory");
        let frames = u64::from(duration_ms) * u64::from(RATE) / 1000;
        for i in 0..frames {
            let t = i as f64 / f64::from(RATE);
            let sample = (t * f64::from(hz) * std::f64::consts::TAU).sin() * 3_000.0;
            writer.write_sample(sample as i16).expect("writing to memory");
        }
        writer.finalize().expect("writing to memory");
    }
    bytes.into_inner()
}

/// The campaign's facts a transcript is checked against: the values the merge fields
/// `{campaign.legal_name}` and `{campaign.callback_number}` are filled with on a script
/// (docs/scripts.md, merge fields) — the profile's legal name, and the program's callback number
/// else the profile's.
#[derive(Clone, Copy, Debug)]
pub struct TranscriptFacts<'a> {
    pub legal_name: &'a str,
    pub callback_number: &'a PhoneE164,
}

/// One thing a transcript lacks: the check, the rule and what to change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TranscriptProblem {
    /// `identification`, `callback_number`, `opt_out`, `transcript`.
    pub check: &'static str,
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for TranscriptProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.check, self.rule, self.message)
    }
}

/// The rule checks on a recording's transcript, for its kind; empty when it passes.
///
/// - every kind (CR-5; for the safe-harbor message CR-46 too): the legal name begins within the
///   first [`NAME_WITHIN_WORDS`] words, and the callback number is stated (in digits), and is not a
///   900 number;
/// - a message heard live — prerecorded, IVR prompt, safe harbor (CR-6; CR-46 asks the safe-harbor
///   message for an automated opt-out too): a key-press opt-out ("press" and a key) within
///   [`OPT_OUT_WITHIN_WORDS`] words after the name;
/// - a voicemail drop (CR-6): it says "opt out" and states a toll-free number (the one that reaches
///   the automated opt-out).
pub fn check_transcript(kind: AudioKind, transcript: &str, facts: TranscriptFacts<'_>) -> Vec<TranscriptProblem> {
    let mut out = Vec::new();
    let rule_5 = match kind {
        AudioKind::SafeHarbor => "CR-5, CR-46",
        _ => "CR-5",
    };
    let rule_6 = match kind {
        AudioKind::SafeHarbor => "CR-6, CR-46",
        _ => "CR-6",
    };
    let mut problem = |check: &'static str, rule: &'static str, message: String| {
        out.push(TranscriptProblem { check, rule, message });
    };
    if transcript.trim().is_empty() {
        problem("transcript", rule_5, "the transcript is empty: write every word the recording says".into());
        return out;
    }
    // A recording says fixed words: a merge field in its transcript would be a promise the audio
    // cannot keep.
    if crate::script::merge_fields_in(transcript).map_or(true, |fields| !fields.is_empty()) {
        problem(
            "transcript",
            rule_5,
            "a transcript has no merge fields or braces: write the words the recording says".into(),
        );
    }
    let words = words_of(transcript);
    if kind == AudioKind::IvrQuestion {
        // The opening named the caller and offered the opt-out (its checks are the `IvrPrompt`'s); a
        // question's prompt must offer keys. Which keys is checked against its question on attach.
        if !words.iter().enumerate().any(|(i, w)| w == "press" && words.get(i + 1).is_some_and(|k| is_key(k))) {
            problem(
                "keys",
                "IVR",
                "the prompt offers no key to press (\"press\" and a key, e.g. \"press 1 for yes\")".into(),
            );
        }
        return out;
    }
    if kind == AudioKind::IvrClosing {
        // Heard after the opening; what it must say is what its steps disclose (`check_closing`).
        return out;
    }
    let name = words_of(facts.legal_name);
    let name_at = find_words(&words, &name);
    match name_at {
        None => problem(
            "identification",
            rule_5,
            "the transcript does not name the campaign's legal name (the entity responsible for the call)".into(),
        ),
        Some(at) if at >= NAME_WITHIN_WORDS => problem(
            "identification",
            rule_5,
            format!(
                "the legal name comes at word {}: the message must open with it (within the first \
                 {NAME_WITHIN_WORDS} words)",
                at + 1
            ),
        ),
        Some(_) => {}
    }
    if is_premium(facts.callback_number) {
        problem("callback_number", rule_5, "the callback number must not be a 900 (premium-rate) number".into());
    }
    let numbers = numbers_in(transcript);
    let callback = facts.callback_number.nanp_national();
    if !callback.is_some_and(|c| numbers.iter().any(|n| n.contains(&c))) {
        problem(
            "callback_number",
            rule_5,
            format!("the transcript does not state the callback number {} (in digits)", facts.callback_number),
        );
    }
    if kind.is_live() {
        let press =
            words.iter().enumerate().position(|(i, w)| w == "press" && words.get(i + 1).is_some_and(|key| is_key(key)));
        match (press, name_at) {
            (None, _) => problem(
                "opt_out",
                rule_6,
                "the transcript offers no key-press opt-out (\"press\" and a key, e.g. \"to stop these \
                 calls, press 9\")"
                    .into(),
            ),
            (Some(p), Some(at)) => {
                let after_name = p.saturating_sub(at + name.len());
                if p < at || after_name > OPT_OUT_WITHIN_WORDS {
                    problem(
                        "opt_out",
                        rule_6,
                        format!(
                            "the opt-out must follow the identification within 2 seconds (within \
                             {OPT_OUT_WITHIN_WORDS} words after the name); here it is {after_name} words after"
                        ),
                    );
                }
            }
            // No name: the identification problem above says what to fix first.
            (Some(_), None) => {}
        }
    } else {
        if find_words(&words, &["opt".to_string(), "out".to_string()]).is_none() {
            problem(
                "opt_out",
                rule_6,
                "a voicemail must say how to opt out (the words \"opt out\") by calling a toll-free number".into(),
            );
        }
        let toll_free = numbers.iter().any(|n| n.windows().any(|national| TOLL_FREE_NPAS.contains(&npa_of(national))));
        if !toll_free {
            problem(
                "opt_out",
                rule_6,
                format!(
                    "a voicemail must state a toll-free number ({}) that reaches the automated opt-out",
                    TOLL_FREE_NPAS.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
    out
}

/// What an IVR closing's transcript lacks for the steps it says (`disclosures`, from
/// `script::ivr::closings`): the callback number in digits when they disclose `callback` (CR-5), the
/// words "paid for by" when they disclose `paid_for_by` (CR-37). Empty when it says them.
pub fn check_closing(
    transcript: &str,
    step: &str,
    disclosures: &[crate::script::Disclosure],
    facts: TranscriptFacts<'_>,
) -> Vec<TranscriptProblem> {
    use crate::script::Disclosure;
    let mut out = Vec::new();
    if disclosures.contains(&Disclosure::Callback) {
        let callback = facts.callback_number.nanp_national();
        if !callback.is_some_and(|c| numbers_in(transcript).iter().any(|n| n.contains(&c))) {
            out.push(TranscriptProblem {
                check: "callback_number",
                rule: "CR-5",
                message: format!(
                    "the closing {step} discloses the callback number: the recording must state {} (in digits)",
                    facts.callback_number
                ),
            });
        }
    }
    let words = words_of(transcript);
    let paid_for_by: Vec<String> = ["paid", "for", "by"].map(String::from).to_vec();
    if disclosures.contains(&Disclosure::PaidForBy) && find_words(&words, &paid_for_by).is_none() {
        out.push(TranscriptProblem {
            check: "paid_for_by",
            rule: "CR-37",
            message: format!(
                "the closing {step} discloses who paid for the call: the recording must say \"Paid for by\""
            ),
        });
    }
    out
}

/// What an IVR prompt's transcript lacks for the question it asks: every key the question takes must
/// be said (as a digit or a word, "1" or "one"); for a scale or number range, its first and last keys
/// ("press 1 to 5"). `range` says which. Empty when the prompt names them all.
pub fn check_prompt_keys(transcript: &str, step: &str, keys: &[char], range: bool) -> Vec<TranscriptProblem> {
    const NAMES: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    let words = words_of(transcript);
    let said = |key: char| {
        let digit = key.to_string();
        let name = key.to_digit(10).map(|d| NAMES[d as usize]);
        words.iter().any(|w| *w == digit || Some(w.as_str()) == name)
    };
    let wanted: Vec<char> = match (range, keys) {
        (true, [first, .., last]) => vec![*first, *last],
        _ => keys.to_vec(),
    };
    let missing: Vec<String> = wanted.into_iter().filter(|k| !said(*k)).map(String::from).collect();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![TranscriptProblem {
        check: "keys",
        rule: "IVR",
        message: format!(
            "the prompt for question {step} does not say key {} of its answers (the listener answers by key: \
             say each one, e.g. \"press 1 for yes\")",
            missing.join(", ")
        ),
    }]
}

/// Lower-case words of letters and digits; punctuation and spacing never decide a match.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Where `needle` first appears as consecutive words.
fn find_words(words: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > words.len() {
        return None;
    }
    words.windows(needle.len()).position(|w| w == needle)
}

/// A key named in an opt-out instruction.
fn is_key(word: &str) -> bool {
    const KEYS: [&str; 12] =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "star", "pound"];
    (word.len() == 1 && word.as_bytes()[0].is_ascii_digit()) || KEYS.contains(&word)
}

/// The digits of one run of a spoken number: digits joined by spaces, dashes, dots or parentheses
/// ("(919) 555-0142", "1-800-555-0100").
struct DigitRun(Vec<u8>);

impl DigitRun {
    /// Every ten-digit window as a national number.
    fn windows(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.windows(10).map(|w| w.iter().fold(0u64, |n, d| n * 10 + u64::from(*d)))
    }

    fn contains(&self, national: &u64) -> bool {
        self.windows().any(|n| n == *national)
    }
}

fn npa_of(national: u64) -> u16 {
    (national / 10_000_000) as u16
}

/// The runs of digits in a text: digits joined by spaces, dashes, dots or parentheses form one run,
/// anything else ends it ("press 9, or call 919 555 0142" is two runs).
fn numbers_in(text: &str) -> Vec<DigitRun> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            run.push(d as u8);
        } else if !matches!(c, ' ' | '-' | '.' | '(' | ')') && !run.is_empty() {
            out.push(DigitRun(std::mem::take(&mut run)));
        }
    }
    if !run.is_empty() {
        out.push(DigitRun(run));
    }
    out
}

#[cfg(test)]
mod tests;
