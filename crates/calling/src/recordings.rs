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
//! | `IvrPrompt(0)` (an IVR call's opening) | `ivr_prompt` |
//!
//! The other prompts — an IVR's later questions, the opt-out confirmation, the inbound greeting and
//! message — are the system's own, not a campaign recording (no version of them exists to approve yet;
//! docs/scripts.md says so). A campaign kind with no approved version attached is never played: the
//! call is hung up instead. A program cannot start without the kinds it needs (`start_blockers`), so
//! this only happens if the attachment is changed under a running program in a way the store refuses.

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

/// The program's attached recordings by kind, as loaded at the run's start and refreshed with the
/// program's status (so a version switched mid-program plays from then on).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recordings(HashMap<AudioKind, Recording>);

impl Recordings {
    pub async fn load(store: &Store, actor: &Actor, program_slug: &str) -> StoreResult<Recordings> {
        let attached = store.program_audio(actor, program_slug).await?;
        Ok(Recordings(
            attached
                .into_iter()
                .map(|a| {
                    let length = i64::try_from(a.version.duration_ms).unwrap_or(i64::MAX / MILLISECOND) * MILLISECOND;
                    (a.kind, Recording { version_id: a.version.id, length })
                })
                .collect(),
        ))
    }

    /// What to play for the engine's `audio`: `Ok(None)` for the system's own prompts, `Ok(Some)` for
    /// the campaign's attached version, `Err(kind)` for a campaign kind with none attached.
    pub fn for_audio(&self, audio: Audio) -> Result<Option<Recording>, AudioKind> {
        let Some(kind) = campaign_kind(audio) else { return Ok(None) };
        self.0.get(&kind).copied().map(Some).ok_or(kind)
    }

    /// Every recording with the engine's audio it plays for (the carrier is told their lengths).
    pub fn lengths(&self) -> impl Iterator<Item = (Audio, Micros)> + '_ {
        self.0.iter().map(|(kind, r)| (engine_audio(*kind), r.length))
    }
}

/// The campaign recording kind an engine prompt is, if it is one.
pub fn campaign_kind(audio: Audio) -> Option<AudioKind> {
    match audio {
        Audio::SafeHarbor => Some(AudioKind::SafeHarbor),
        Audio::VoicemailDrop => Some(AudioKind::VoicemailDrop),
        Audio::Message => Some(AudioKind::PrerecordedMessage),
        Audio::IvrPrompt(0) => Some(AudioKind::IvrPrompt),
        Audio::IvrPrompt(_) | Audio::OptOutConfirmed | Audio::InboundGreeting | Audio::InboundMessage => None,
    }
}

fn engine_audio(kind: AudioKind) -> Audio {
    match kind {
        AudioKind::SafeHarbor => Audio::SafeHarbor,
        AudioKind::VoicemailDrop => Audio::VoicemailDrop,
        AudioKind::PrerecordedMessage => Audio::Message,
        AudioKind::IvrPrompt => Audio::IvrPrompt(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_campaign_kind_is_the_engine_prompt_it_plays_for() {
        for kind in AudioKind::ALL {
            assert_eq!(campaign_kind(engine_audio(kind)), Some(kind));
        }
        assert_eq!(campaign_kind(Audio::IvrPrompt(2)), None, "an IVR's later questions are not its opening prompt");
        assert_eq!(campaign_kind(Audio::OptOutConfirmed), None);
    }

    #[test]
    fn a_campaign_prompt_without_an_attached_version_is_refused() {
        let mut r = Recordings::default();
        assert_eq!(r.for_audio(Audio::SafeHarbor), Err(AudioKind::SafeHarbor));
        assert_eq!(r.for_audio(Audio::OptOutConfirmed), Ok(None));
        r.0.insert(AudioKind::SafeHarbor, Recording { version_id: 7, length: 9 * MILLISECOND });
        assert_eq!(r.for_audio(Audio::SafeHarbor), Ok(Some(Recording { version_id: 7, length: 9 * MILLISECOND })));
    }
}
