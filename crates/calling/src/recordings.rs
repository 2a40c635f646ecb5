//! Which approved recording plays when the engine asks for a campaign's audio (issue 5: only approved
//! audio plays, and every call records the version it played).
//!
//! The engine asks for audio by purpose ([`Audio`]); the campaign's recordings are attached to the
//! program by kind (`store::audio`, one approved version per kind). This maps one to the other:
//!
//! | the engine plays | the program's attached kind |
//! |---|---|
//! | `SafeHarbor` (an abandoned live answer, CR-46) | `safe_harbor` |
//! | `VoicemailDrop` (a machine on an agentless call) | `voicemail_drop` |
//! | `Message` (a prerecorded call's live answer) | `prerecorded_message` |
//! | `IvrPrompt(n)` for the question an IVR call opens with | `ivr_prompt` |
//! | `IvrPrompt(n)` for a later question | `ivr_question` attached for that question's step |
//! | `IvrPrompt(n)` for a closing | `ivr_closing` attached for the closing's first step |
//!
//! (An IVR prompt's number is its question's place in the script, [`crate::ivr::ScriptIvr`].) The
//! other prompts — the opt-out confirmation, the inbound greeting and message — are the system's own,
//! not a campaign recording (no version of them exists to approve yet; docs/scripts.md says so). A campaign kind with no approved version attached is never played: the
//! call is hung up instead. A program cannot start without the kinds it needs (`start_blockers`), so
//! this only happens if the attachment is changed under a running program in a way the store refuses.

use crate::ivr::ScriptIvr;
use clearline_core::audio::AudioKind;
use clearline_core::Actor;
use clearline_dialer::carrier::Audio;
use clearline_dialer::{Micros, MILLISECOND};
use clearline_store::{Store, StoreResult};
use std::collections::HashMap;

/// One attached, approved recording: its version's id and how long it plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    pub version_id: i64,
    pub length: Micros,
}

/// The program's attached recordings by kind (IVR questions and closings by step) with the engine prompt each
/// plays for, as loaded at the run's start and refreshed with the program's status (so a version
/// switched mid-program plays from then on).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recordings {
    by_kind: HashMap<(AudioKind, String), Recording>,
    /// An IVR program's prompts: prompt number → (kind, step) of the recording it plays.
    ivr: HashMap<u16, (AudioKind, String)>,
}

impl Recordings {
    /// The program's attached recordings; `ivr` the flow of an IVR program's calls.
    pub async fn load(
        store: &Store,
        actor: &Actor,
        program_slug: &str,
        ivr: Option<&ScriptIvr>,
    ) -> StoreResult<Recordings> {
        let attached = store.program_audio(actor, program_slug).await?;
        let by_kind = attached
            .into_iter()
            .map(|a| {
                let length = i64::try_from(a.version.duration_ms).unwrap_or(i64::MAX / MILLISECOND) * MILLISECOND;
                ((a.kind, a.step.unwrap_or_default()), Recording { version_id: a.version.id, length })
            })
            .collect();
        let ivr = ivr
            .map(|flow| {
                flow.prompts()
                    .map(|(n, kind, step)| match kind {
                        AudioKind::IvrPrompt => (n, (kind, String::new())),
                        _ => (n, (kind, step.to_string())),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Recordings { by_kind, ivr })
    }

    /// What to play for the engine's `audio`: `Ok(None)` for the system's own prompts, `Ok(Some)` for
    /// the campaign's attached version, `Err(kind)` for a campaign prompt with none attached.
    pub fn for_audio(&self, audio: Audio) -> Result<Option<Recording>, AudioKind> {
        let key = match audio {
            // A prompt the flow does not know is never played as something else.
            Audio::IvrPrompt(n) => self.ivr.get(&n).cloned().unwrap_or((AudioKind::IvrPrompt, format!("#{n}"))),
            other => match campaign_kind(other) {
                Some(kind) => (kind, String::new()),
                None => return Ok(None),
            },
        };
        self.by_kind.get(&key).copied().map(Some).ok_or(key.0)
    }

    /// Every recording with the engine's audio it plays for (the carrier is told their lengths).
    pub fn lengths(&self) -> impl Iterator<Item = (Audio, Micros)> + '_ {
        let ivr =
            self.ivr.iter().filter_map(|(n, key)| self.by_kind.get(key).map(|r| (Audio::IvrPrompt(*n), r.length)));
        self.by_kind.iter().filter_map(|((kind, _), r)| campaign_audio(*kind).map(|audio| (audio, r.length))).chain(ivr)
    }
}

/// The campaign recording kind an engine prompt is, if it is one (IVR prompts by the flow).
pub fn campaign_kind(audio: Audio) -> Option<AudioKind> {
    match audio {
        Audio::SafeHarbor => Some(AudioKind::SafeHarbor),
        Audio::VoicemailDrop => Some(AudioKind::VoicemailDrop),
        Audio::Message => Some(AudioKind::PrerecordedMessage),
        Audio::IvrPrompt(_) => Some(AudioKind::IvrPrompt),
        Audio::OptOutConfirmed | Audio::InboundGreeting | Audio::InboundMessage => None,
    }
}

/// The engine prompt a per-program kind plays for (the IVR kinds play by prompt number).
fn campaign_audio(kind: AudioKind) -> Option<Audio> {
    match kind {
        AudioKind::SafeHarbor => Some(Audio::SafeHarbor),
        AudioKind::VoicemailDrop => Some(Audio::VoicemailDrop),
        AudioKind::PrerecordedMessage => Some(Audio::Message),
        AudioKind::IvrPrompt | AudioKind::IvrQuestion | AudioKind::IvrClosing => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_per_program_kind_is_the_engine_prompt_it_plays_for() {
        for kind in [AudioKind::SafeHarbor, AudioKind::VoicemailDrop, AudioKind::PrerecordedMessage] {
            assert_eq!(campaign_audio(kind).and_then(campaign_kind), Some(kind));
        }
        assert_eq!(campaign_kind(Audio::OptOutConfirmed), None);
    }

    #[test]
    fn a_campaign_prompt_without_an_attached_version_is_refused() {
        let mut r = Recordings::default();
        assert_eq!(r.for_audio(Audio::SafeHarbor), Err(AudioKind::SafeHarbor));
        assert_eq!(r.for_audio(Audio::OptOutConfirmed), Ok(None));
        r.by_kind.insert((AudioKind::SafeHarbor, String::new()), Recording { version_id: 7, length: 9 * MILLISECOND });
        assert_eq!(r.for_audio(Audio::SafeHarbor), Ok(Some(Recording { version_id: 7, length: 9 * MILLISECOND })));
    }

    #[test]
    fn an_ivr_prompt_plays_the_opening_recording_its_questions_or_its_closings_own_and_nothing_else() {
        let mut r = Recordings::default();
        r.ivr.insert(0, (AudioKind::IvrPrompt, String::new()));
        r.ivr.insert(1, (AudioKind::IvrQuestion, "rate".into()));
        r.by_kind.insert((AudioKind::IvrPrompt, String::new()), Recording { version_id: 1, length: MILLISECOND });
        assert_eq!(r.for_audio(Audio::IvrPrompt(0)).map(|r| r.map(|r| r.version_id)), Ok(Some(1)));
        assert_eq!(r.for_audio(Audio::IvrPrompt(1)), Err(AudioKind::IvrQuestion), "rate has no prompt attached");
        assert_eq!(r.for_audio(Audio::IvrPrompt(5)), Err(AudioKind::IvrPrompt), "a prompt the flow does not know");
        r.by_kind.insert((AudioKind::IvrQuestion, "rate".into()), Recording { version_id: 2, length: MILLISECOND });
        assert_eq!(r.for_audio(Audio::IvrPrompt(1)).map(|r| r.map(|r| r.version_id)), Ok(Some(2)));
        // A closing plays the recording attached for its first step, never a question's of that name.
        r.ivr.insert(2, (AudioKind::IvrClosing, "rate".into()));
        assert_eq!(r.for_audio(Audio::IvrPrompt(2)), Err(AudioKind::IvrClosing));
        r.by_kind.insert((AudioKind::IvrClosing, "rate".into()), Recording { version_id: 3, length: MILLISECOND });
        assert_eq!(r.for_audio(Audio::IvrPrompt(2)).map(|r| r.map(|r| r.version_id)), Ok(Some(3)));
    }
}
