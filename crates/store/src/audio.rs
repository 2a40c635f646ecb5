//! Recorded audio and its versions: voicemail drops, IVR prompts, prerecorded messages and the
//! safe-harbor message (docs/scripts.md, "Recorded audio").
//!
//! Audio is messaging like a script, and is kept the same way: a campaign's audio message has
//! immutable versions (the WAV bytes, what its header says, the transcript; triggers refuse a change
//! on both backends) that move draft → submitted → approved | rejected through the scripts' own gate
//! ([`crate::scripts::check_move`]) and capabilities (`edit_scripts` to write and submit,
//! `approve_scripts` to decide, never on one's own version; campaign roles only, CR-31). Submitting
//! runs the transcript checks of `clearline_core::audio` against the campaign's legal name and
//! callback number (CR-5, CR-6, CR-46). A program plays only approved audio: it attaches one version
//! per kind it needs, and cannot start without them.
//!
//! The bytes are never logged nor put in an audit event: events carry the SHA-256.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use crate::orgs::require_in_org;
use crate::scripts::{
    campaign_only, check_move, script_approver, script_reader, script_writer, status_of, write_move, VersionTable,
};
use clearline_core::audio::{self, AudioKind, TranscriptFacts, TranscriptProblem, MAX_TRANSCRIPT_CHARS};
use clearline_core::org::CampaignProfile;
use clearline_core::phone::PhoneE164;
use clearline_core::program::ProgramStatus;
use clearline_core::script::{ivr, walk, Script, VersionStatus};
use clearline_core::validate::{Invalid, Slug};
use clearline_core::{Actor, Capability, OrgId, UserId};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored audio message and the summary of its versions.
#[derive(Clone, Debug, Serialize)]
pub struct AudioInfo {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: AudioKind,
    pub created_at_us: i64,
    /// Oldest first.
    pub versions: Vec<AudioVersionSummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AudioVersionSummary {
    pub id: i64,
    pub number: u32,
    pub status: VersionStatus,
    pub duration_ms: u64,
    pub created_at_us: i64,
}

/// One version, without its bytes ([`Store::audio_bytes`] reads those).
#[derive(Clone, Debug, Serialize)]
pub struct AudioVersion {
    pub id: i64,
    pub audio_id: i64,
    pub number: u32,
    /// SHA-256 of the WAV bytes, hex.
    pub audio_sha256: String,
    pub byte_len: u64,
    pub duration_ms: u64,
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    pub sample_format: String,
    pub transcript: String,
    pub status: VersionStatus,
    pub author: Option<UserId>,
    pub created_at_us: i64,
    pub submitted_by: Option<UserId>,
    pub submitted_at_us: Option<i64>,
    pub decided_by: Option<UserId>,
    pub decided_at_us: Option<i64>,
    pub rejection_reason: Option<String>,
}

/// The audio a program plays: one per kind, and for an IVR program one `ivr_question` per question.
#[derive(Clone, Debug, Serialize)]
pub struct AttachedAudio {
    pub kind: AudioKind,
    /// The question step an `ivr_question` prompt asks; `None` for the other kinds.
    pub step: Option<String>,
    pub slug: String,
    pub version: AudioVersion,
}

impl Store {
    /// Creates a campaign's audio message, with no version yet.
    pub async fn create_audio_message(
        &self,
        actor: &Actor,
        slug: &Slug,
        name: &str,
        kind: AudioKind,
    ) -> StoreResult<AudioInfo> {
        let campaign = script_writer(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Invalid::new("name", "must be 1-120 characters").into());
        }
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO audio_messages (campaign_id, slug, name, kind, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(campaign.0)
        .bind(slug.as_str())
        .bind(name)
        .bind(kind.as_str())
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("slug"))?
        .get(0);
        tx.audit(
            campaign,
            actor,
            "audio.create",
            "audio",
            &id.to_string(),
            json!({"slug": slug.as_str(), "kind": kind}),
        )
        .await?;
        tx.commit().await?;
        self.audio_message(actor, slug.as_str()).await
    }

    /// Adds a recording as a draft version of the message `slug`, creating the message first when
    /// `new_message` (its name and kind) is given and the slug is new — the one way the CLI and the page
    /// add audio. The recording and the transcript are checked before anything is written, so a wrong
    /// file never leaves an empty new message behind.
    pub async fn add_recording(
        &self,
        actor: &Actor,
        slug: &Slug,
        new_message: Option<(&str, AudioKind)>,
        wav: &[u8],
        transcript: &str,
    ) -> StoreResult<AudioVersion> {
        script_writer(actor)?;
        audio::read_wav(wav)?;
        clean_transcript(transcript)?;
        match (self.audio_message(actor, slug.as_str()).await, new_message) {
            (Ok(existing), Some(_)) => {
                return Err(Invalid::new(
                    "slug",
                    format!(
                        "audio {} exists: its name and kind ({}) are fixed; give no name or kind to add a version, \
                         or another slug for another message",
                        existing.slug, existing.kind
                    ),
                )
                .into())
            }
            (Ok(_), None) => {}
            (Err(StoreError::NotFound), Some((name, kind))) => {
                self.create_audio_message(actor, slug, name, kind).await?;
            }
            (Err(StoreError::NotFound), None) => {
                return Err(Invalid::new("kind", "a new audio message needs a name and a kind").into())
            }
            (Err(e), _) => return Err(e),
        }
        self.add_audio_version(actor, slug.as_str(), wav, transcript).await
    }

    /// Adds a draft version (numbered after the last): a WAV recording and its transcript. A non-WAV
    /// file is refused here; the transcript is checked when the version is submitted.
    pub async fn add_audio_version(
        &self,
        actor: &Actor,
        slug: &str,
        wav: &[u8],
        transcript: &str,
    ) -> StoreResult<AudioVersion> {
        let campaign = script_writer(actor)?;
        let info = audio::read_wav(wav)?;
        let transcript = clean_transcript(transcript)?;
        let transcript = transcript.as_str();
        let mut tx = self.write().await?;
        let audio_id: i64 = sqlx::query("SELECT id FROM audio_messages WHERE campaign_id = $1 AND slug = $2")
            .bind(campaign.0)
            .bind(slug)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        let number: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 FROM audio_versions WHERE audio_id = $1")
            .bind(audio_id)
            .fetch_one(&mut *tx.tx)
            .await?
            .get(0);
        let sha = hex::encode(Sha256::digest(wav));
        let id: i64 = sqlx::query(
            "INSERT INTO audio_versions (audio_id, number, audio, audio_sha256, byte_len, duration_ms, sample_rate, \
             channels, bits_per_sample, sample_format, transcript, status, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13) RETURNING id",
        )
        .bind(audio_id)
        .bind(number)
        .bind(wav.to_vec())
        .bind(sha.as_str())
        .bind(wav.len() as i64)
        .bind(info.duration_ms as i64)
        .bind(i64::from(info.sample_rate))
        .bind(i64::from(info.channels))
        .bind(i64::from(info.bits_per_sample))
        .bind(info.sample_format)
        .bind(transcript)
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        tx.audit(
            campaign,
            actor,
            "audio.version.create",
            "audio_version",
            &id.to_string(),
            json!({"audio": slug, "number": number, "sha256": sha, "duration_ms": info.duration_ms}),
        )
        .await?;
        tx.commit().await?;
        self.audio_version(actor, slug, number as u32).await
    }

    /// What the transcript of a version lacks for the campaign's legal name and callback number (the
    /// profile's), every problem naming its check and rule; empty when it could be submitted.
    pub async fn audio_version_problems(
        &self,
        actor: &Actor,
        slug: &str,
        number: u32,
    ) -> StoreResult<Vec<TranscriptProblem>> {
        let campaign = script_reader(actor)?;
        let info = self.audio_of_campaign(campaign, slug).await?;
        let version = self.audio_version_of_campaign(campaign, slug, number).await?;
        let profile = self.profile_of(campaign).await?;
        let callback = profile_callback(&profile)?;
        Ok(audio::check_transcript(
            info.kind,
            &version.transcript,
            TranscriptFacts { legal_name: &profile.committee_legal_name, callback_number: &callback },
        ))
    }

    /// Submits a draft for approval. Its transcript must pass the checks of its kind (CR-5, CR-6,
    /// CR-46); the refusal lists every problem.
    pub async fn submit_audio_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<AudioVersion> {
        script_writer(actor)?;
        let problems = self.audio_version_problems(actor, slug, number).await?;
        if !problems.is_empty() {
            let all = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            return Err(Invalid::new("transcript", format!("the recording cannot be submitted: {all}")).into());
        }
        self.move_audio_version(actor, slug, number, VersionStatus::Submitted, None).await
    }

    /// Approves a submitted version. Not by its author.
    pub async fn approve_audio_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<AudioVersion> {
        script_approver(actor)?;
        self.move_audio_version(actor, slug, number, VersionStatus::Approved, None).await
    }

    /// Rejects a submitted version with a reason the author reads. Not by its author.
    pub async fn reject_audio_version(
        &self,
        actor: &Actor,
        slug: &str,
        number: u32,
        reason: &str,
    ) -> StoreResult<AudioVersion> {
        script_approver(actor)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(Invalid::new("reason", "say why in 1-1000 characters").into());
        }
        self.move_audio_version(actor, slug, number, VersionStatus::Rejected, Some(reason)).await
    }

    /// The campaign's audio messages, by slug, with their versions.
    pub async fn list_audio_messages(&self, actor: &Actor) -> StoreResult<Vec<AudioInfo>> {
        let campaign = script_reader(actor)?;
        let rows = sqlx::query(&format!("{AUDIO_SELECT} WHERE campaign_id = $1 ORDER BY slug"))
            .bind(campaign.0)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.audio_from_row(row).await?);
        }
        Ok(out)
    }

    /// One of the campaign's audio messages; another campaign's is `NotFound`.
    pub async fn audio_message(&self, actor: &Actor, slug: &str) -> StoreResult<AudioInfo> {
        let campaign = script_reader(actor)?;
        self.audio_of_campaign(campaign, slug).await
    }

    /// One version of one of the campaign's audio messages, without its bytes.
    pub async fn audio_version(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<AudioVersion> {
        let campaign = script_reader(actor)?;
        self.audio_version_of_campaign(campaign, slug, number).await
    }

    /// The WAV bytes of one version (for the approver to listen to, and for playing).
    pub async fn audio_bytes(&self, actor: &Actor, slug: &str, number: u32) -> StoreResult<Vec<u8>> {
        let campaign = script_reader(actor)?;
        let version = self.audio_version_of_campaign(campaign, slug, number).await?;
        Ok(sqlx::query("SELECT audio FROM audio_versions WHERE id = $1")
            .bind(version.id)
            .fetch_one(&self.pool)
            .await?
            .get::<Vec<u8>, _>(0))
    }

    /// Attaches an approved version to a draft or running program, for the kind of audio it is
    /// (replacing the one of that kind before) — an `ivr_question` prompt for the question `step` of the
    /// program's script, which it must name. Only a kind the program plays ([`audio::kinds_needed`]),
    /// and only a transcript that states the program's callback number (the program's own may differ
    /// from the profile's the version was checked against at submit) and, for an IVR prompt, says the
    /// keys of the question it asks. Audited with the version before and after.
    pub async fn attach_audio(
        &self,
        actor: &Actor,
        program_slug: &str,
        audio_slug: &str,
        number: u32,
        step: Option<&str>,
    ) -> StoreResult<crate::Program> {
        let campaign = campaign_only(actor, require_in_org(actor, Capability::ManagePrograms, None))?;
        let program = self.program_by_slug(actor, program_slug).await?;
        if !matches!(program.status, ProgramStatus::Draft | ProgramStatus::Running) {
            return Err(Invalid::new("status", "audio is attached to a draft or running program only").into());
        }
        let info = self.audio_of_campaign(campaign, audio_slug).await?;
        let version = self.audio_version_of_campaign(campaign, audio_slug, number).await?;
        if version.status != VersionStatus::Approved {
            return Err(Invalid::new(
                "audio",
                format!("version {} is {}: only an approved version can be attached", number, version.status.as_str()),
            )
            .into());
        }
        let needed = audio::kinds_needed(&program.settings);
        if !needed.iter().any(|(kind, _)| *kind == info.kind) {
            let plays = match needed.is_empty() {
                true => "no recorded audio".to_string(),
                false => needed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "),
            };
            return Err(Invalid::new(
                "audio",
                format!("a {} program plays {plays}, not a {} message", program.settings.dial_mode.as_str(), info.kind),
            )
            .into());
        }
        let script = self.attached_script(&program).await?;
        let step = match (info.kind, step) {
            (AudioKind::IvrQuestion, None) => {
                return Err(
                    Invalid::new("step", "an ivr_question prompt is attached for one question: name its step").into()
                )
            }
            (AudioKind::IvrClosing, None) => {
                return Err(Invalid::new(
                    "step",
                    "an ivr_closing recording is attached for one closing: name its first step",
                )
                .into())
            }
            (AudioKind::IvrClosing, Some(step)) => {
                let Some(script) = &script else {
                    return Err(Invalid::new(
                        "step",
                        "attach the program's script first: the closing says some of its steps",
                    )
                    .into());
                };
                let all: Vec<String> = ivr::closings(script).into_iter().map(|c| c.step).collect();
                if !all.iter().any(|c| c == step) {
                    return Err(Invalid::new(
                        "step",
                        format!(
                            "step {step} does not start a closing of the program's script (the steps after a path's \
                             last question; its closings: {})",
                            if all.is_empty() { "none".to_string() } else { all.join(", ") }
                        ),
                    )
                    .into());
                }
                step.to_string()
            }
            (AudioKind::IvrQuestion, Some(step)) => {
                let Some(script) = &script else {
                    return Err(Invalid::new(
                        "step",
                        "attach the program's script first: the prompt asks one of its questions",
                    )
                    .into());
                };
                if script.step(step).and_then(|s| s.question()).is_none() {
                    return Err(
                        Invalid::new("step", format!("the program's script has no question step {step}")).into()
                    );
                }
                if ivr::opening_question(script).as_deref() == Some(step) {
                    return Err(Invalid::new(
                        "step",
                        format!(
                            "question {step} is the one the call opens with: its prompt is the ivr_prompt recording"
                        ),
                    )
                    .into());
                }
                step.to_string()
            }
            (_, Some(_)) => {
                return Err(Invalid::new(
                    "step",
                    "only an ivr_question or ivr_closing recording is attached for a step of the script",
                )
                .into())
            }
            (_, None) => String::new(),
        };
        let problems =
            self.transcript_problems_for(campaign, &program, info.kind, &version, script.as_ref(), &step).await?;
        if let Some(first) = problems.first() {
            return Err(Invalid::new("audio", format!("for this program: {first}")).into());
        }
        let before =
            sqlx::query("SELECT version_id FROM program_audio WHERE program_id = $1 AND kind = $2 AND step = $3")
                .bind(program.id)
                .bind(info.kind.as_str())
                .bind(step.as_str())
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.get::<i64, _>(0));
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM program_audio WHERE program_id = $1 AND kind = $2 AND step = $3")
            .bind(program.id)
            .bind(info.kind.as_str())
            .bind(step.as_str())
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(
            "INSERT INTO program_audio (program_id, kind, step, version_id, attached_by, attached_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(program.id)
        .bind(info.kind.as_str())
        .bind(step.as_str())
        .bind(version.id)
        .bind(actor.principal().map(|p| p.user_id.0))
        .bind(now_us())
        .execute(&mut *tx.tx)
        .await?;
        tx.audit(
            campaign,
            actor,
            "program.audio",
            "program",
            &program.id.to_string(),
            json!({
                "program": program.slug, "status": program.status.as_str(), "kind": info.kind,
                "step": (!step.is_empty()).then_some(step.as_str()),
                "before": before.map(|id| json!({"version_id": id})),
                "after": {"version_id": version.id, "audio": info.slug, "number": version.number,
                          "sha256": version.audio_sha256},
            }),
        )
        .await?;
        tx.commit().await?;
        self.program_by_slug(actor, program_slug).await
    }

    /// The audio attached to a program, by kind (IVR questions by step).
    pub async fn program_audio(&self, actor: &Actor, program_slug: &str) -> StoreResult<Vec<AttachedAudio>> {
        let program = self.program_by_slug(actor, program_slug).await?;
        self.attached_audio(program.id).await
    }

    async fn attached_audio(&self, program_id: i64) -> StoreResult<Vec<AttachedAudio>> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS}, pa.kind, m.slug, pa.step FROM audio_versions v, program_audio pa, audio_messages m \
             WHERE pa.program_id = $1 AND v.id = pa.version_id AND m.id = v.audio_id ORDER BY pa.kind, pa.step"
        ))
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.get(19);
                Ok(AttachedAudio {
                    kind: AudioKind::parse(&kind)
                        .ok_or_else(|| StoreError::Other(format!("unknown audio kind {kind:?}")))?,
                    slug: row.get(20),
                    step: Some(row.get::<String, _>(21)).filter(|s| !s.is_empty()),
                    version: version_from_row(row)?,
                })
            })
            .collect()
    }

    /// What the program's audio lacks for it to start: an approved version of every kind its dial mode
    /// plays (CR-5; CR-46 for the safe-harbor message of a predictive program), each transcript still
    /// stating the campaign's name and the program's callback number (settings or the profile may
    /// have changed since the attach).
    pub(crate) async fn attached_audio_blockers(&self, program: &crate::Program) -> StoreResult<Vec<Invalid>> {
        let needed = audio::kinds_needed(&program.settings);
        if needed.is_empty() {
            return Ok(Vec::new());
        }
        let campaign: i64 = sqlx::query("SELECT campaign_id FROM programs WHERE id = $1")
            .bind(program.id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let attached = self.attached_audio(program.id).await?;
        let script = self.attached_script(program).await?;
        let mut out = Vec::new();
        for (kind, rule) in needed {
            match kind {
                AudioKind::IvrQuestion => {
                    out.extend(self.ivr_step_blockers(OrgId(campaign), program, script.as_ref(), &attached).await?);
                    continue;
                }
                AudioKind::IvrClosing => continue, // with the questions, above
                _ => {}
            }
            let Some(a) = attached.iter().find(|a| a.kind == kind && a.step.is_none()) else {
                out.push(Invalid::new("audio", format!("no approved {kind} message is attached ({rule})")));
                continue;
            };
            if a.version.status != VersionStatus::Approved {
                out.push(Invalid::new("audio", format!("the attached {kind} version is not approved ({rule})")));
            }
            let problems =
                self.transcript_problems_for(OrgId(campaign), program, kind, &a.version, script.as_ref(), "").await?;
            for problem in problems {
                out.push(Invalid::new("audio", format!("{kind} {}: {problem}", a.slug)));
            }
        }
        Ok(out)
    }

    /// An IVR program's steps that play a recording of their own — each question after the opening
    /// (`ivr_question`, which says its keys) and each closing (`ivr_closing`, which says what it
    /// discloses) — each need an approved one attached for their step; and every question must take a
    /// key (a script approved for another dial mode could not).
    async fn ivr_step_blockers(
        &self,
        campaign: OrgId,
        program: &crate::Program,
        script: Option<&Script>,
        attached: &[AttachedAudio],
    ) -> StoreResult<Vec<Invalid>> {
        // A program without a script is refused by the script check of its own.
        let Some(script) = script else { return Ok(Vec::new()) };
        let opening = ivr::opening_question(script);
        let mut out = Vec::new();
        let mut steps: Vec<(AudioKind, &str, String)> = Vec::new();
        for (step, question) in walk::questions(script) {
            if let Err(why) = ivr::keys(question) {
                out.push(Invalid::new("script", format!("question {}: {why}", step.id)));
            } else if opening.as_deref() != Some(step.id.as_str()) {
                steps.push((AudioKind::IvrQuestion, "question", step.id.clone()));
                // the opening's is the ivr_prompt
            }
        }
        steps.extend(ivr::closings(script).into_iter().map(|c| (AudioKind::IvrClosing, "closing", c.step)));
        for (kind, what, step) in steps {
            let Some(a) = attached.iter().find(|a| a.kind == kind && a.step.as_deref() == Some(&step)) else {
                out.push(Invalid::new(
                    "audio",
                    format!("no approved {kind} recording is attached for the {what} {step}"),
                ));
                continue;
            };
            if a.version.status != VersionStatus::Approved {
                out.push(Invalid::new("audio", format!("the recording of the {what} {step} is not approved")));
            }
            let problems =
                self.transcript_problems_for(campaign, program, kind, &a.version, Some(script), &step).await?;
            for problem in problems {
                out.push(Invalid::new("audio", format!("{kind} {}: {problem}", a.slug)));
            }
        }
        Ok(out)
    }

    /// The program's attached script version, parsed (an approved version parses; one that does not,
    /// or none attached, is `None`).
    async fn attached_script(&self, program: &crate::Program) -> StoreResult<Option<Script>> {
        let Some(id) = program.script_version_id else { return Ok(None) };
        let body: Option<String> = sqlx::query("SELECT body FROM script_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0));
        Ok(body.and_then(|b| clearline_core::script::parse(&b).ok()))
    }

    /// Every problem of a version's transcript on this program: its kind's rule checks with the
    /// program's facts, and on an IVR program what the script's `step` asks of it (its question's
    /// keys; its closing's disclosures).
    async fn transcript_problems_for(
        &self,
        campaign: OrgId,
        program: &crate::Program,
        kind: AudioKind,
        version: &AudioVersion,
        script: Option<&Script>,
        step: &str,
    ) -> StoreResult<Vec<TranscriptProblem>> {
        let profile = self.profile_of(campaign).await?;
        let callback = match program.settings.callback_number {
            Some(n) => n,
            None => profile_callback(&profile)?,
        };
        let facts = TranscriptFacts { legal_name: &profile.committee_legal_name, callback_number: &callback };
        let mut out = audio::check_transcript(kind, &version.transcript, facts);
        out.extend(prompt_key_problems(script, kind, step, &version.transcript));
        if let (AudioKind::IvrClosing, Some(script)) = (kind, script) {
            if let Some(closing) = ivr::closings(script).into_iter().find(|c| c.step == step) {
                out.extend(audio::check_closing(&version.transcript, step, &closing.disclosures, facts));
            }
        }
        Ok(out)
    }

    /// The campaign's legal profile, read as the store (the checks need it whoever asks).
    async fn profile_of(&self, campaign: OrgId) -> StoreResult<CampaignProfile> {
        let json: String = sqlx::query("SELECT profile_json FROM organizations WHERE id = $1 AND kind = 'campaign'")
            .bind(campaign.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        serde_json::from_str(&json).map_err(|e| StoreError::Other(format!("campaign profile: {e}")))
    }

    async fn move_audio_version(
        &self,
        actor: &Actor,
        slug: &str,
        number: u32,
        next: VersionStatus,
        reason: Option<&str>,
    ) -> StoreResult<AudioVersion> {
        let campaign = script_reader(actor)?;
        let version = self.audio_version_of_campaign(campaign, slug, number).await?;
        let me = actor.principal().map(|p| p.user_id);
        let deciding = check_move(version.number, version.status, next, me, version.author)?;
        let mut tx = self.write().await?;
        let action =
            write_move(&mut tx, VersionTable::Audio, version.id, version.status, next, me, deciding, reason).await?;
        tx.audit(
            campaign,
            actor,
            action,
            "audio_version",
            &version.id.to_string(),
            json!({"audio": slug, "number": version.number, "sha256": version.audio_sha256,
                   "from": version.status.as_str(), "to": next.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.audio_version(actor, slug, number).await
    }

    async fn audio_of_campaign(&self, campaign: OrgId, slug: &str) -> StoreResult<AudioInfo> {
        let row = sqlx::query(&format!("{AUDIO_SELECT} WHERE campaign_id = $1 AND slug = $2"))
            .bind(campaign.0)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.audio_from_row(&row).await
    }

    async fn audio_version_of_campaign(&self, campaign: OrgId, slug: &str, number: u32) -> StoreResult<AudioVersion> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM audio_versions v WHERE v.audio_id = (SELECT id FROM audio_messages WHERE campaign_id = $1 AND slug = $2) \
             AND v.number = $3"
        ))
        .bind(campaign.0)
        .bind(slug)
        .bind(i64::from(number))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        version_from_row(&row)
    }

    async fn audio_from_row(&self, row: &AnyRow) -> StoreResult<AudioInfo> {
        let id: i64 = row.get(0);
        let kind: String = row.get(3);
        let versions = sqlx::query(
            "SELECT id, number, status, duration_ms, created_at FROM audio_versions WHERE audio_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AudioVersionSummary {
                id: r.get(0),
                number: r.get::<i64, _>(1) as u32,
                status: status_of(&r.get::<String, _>(2))?,
                duration_ms: r.get::<i64, _>(3) as u64,
                created_at_us: r.get(4),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(AudioInfo {
            id,
            slug: row.get(1),
            name: row.get(2),
            kind: AudioKind::parse(&kind).ok_or_else(|| StoreError::Other(format!("unknown audio kind {kind:?}")))?,
            created_at_us: row.get(4),
            versions,
        })
    }
}

/// What an IVR prompt's transcript lacks for the question it asks: the opening question's keys for the
/// `ivr_prompt` (when the script is attached), the step's for an `ivr_question`. Nothing for the other
/// kinds.
fn prompt_key_problems(
    script: Option<&Script>,
    kind: AudioKind,
    step: &str,
    transcript: &str,
) -> Vec<TranscriptProblem> {
    let Some(script) = script else { return Vec::new() };
    let step = match kind {
        AudioKind::IvrPrompt => match ivr::opening_question(script) {
            Some(opening) => opening,
            None => return Vec::new(),
        },
        AudioKind::IvrQuestion => step.to_string(),
        _ => return Vec::new(),
    };
    let Some(question) = script.step(&step).and_then(|s| s.question()) else { return Vec::new() };
    match ivr::keys(question) {
        Ok(keys) => {
            let keys: Vec<char> = keys.into_iter().map(|(k, _)| k).collect();
            audio::check_prompt_keys(transcript, &step, &keys, question.answer.is_number())
        }
        // Refused as a script problem where the program is checked.
        Err(_) => Vec::new(),
    }
}

/// A transcript as stored: one form of line ends (as for scripts), trimmed, and within bounds.
fn clean_transcript(transcript: &str) -> StoreResult<String> {
    let transcript = transcript.replace("\r\n", "\n");
    let transcript = transcript.trim();
    if transcript.is_empty() || transcript.chars().count() > MAX_TRANSCRIPT_CHARS {
        return Err(Invalid::new(
            "transcript",
            format!("must be 1 to {MAX_TRANSCRIPT_CHARS} characters: every word the recording says"),
        )
        .into());
    }
    Ok(transcript.to_string())
}

/// The profile's callback number (validated when the profile was saved).
fn profile_callback(profile: &CampaignProfile) -> StoreResult<PhoneE164> {
    profile
        .callback_number
        .parse()
        .map_err(|_| Invalid::new("callback_number", "the campaign profile has no valid callback number (CR-5)").into())
}

const AUDIO_SELECT: &str = "SELECT id, slug, name, kind, created_at FROM audio_messages";
/// A version's columns (0-18), never its bytes: lists and attaches never carry the recording.
const VERSION_COLUMNS: &str = "v.id, v.audio_id, v.number, v.audio_sha256, v.byte_len, v.duration_ms, \
     v.sample_rate, v.channels, v.bits_per_sample, v.sample_format, v.transcript, v.status, v.author_id, \
     v.created_at, v.submitted_by, v.submitted_at, v.decided_by, v.decided_at, v.rejection_reason";

fn version_from_row(row: &AnyRow) -> StoreResult<AudioVersion> {
    let user = |i: usize| row.get::<Option<i64>, _>(i).map(UserId);
    Ok(AudioVersion {
        id: row.get(0),
        audio_id: row.get(1),
        number: row.get::<i64, _>(2) as u32,
        audio_sha256: row.get(3),
        byte_len: row.get::<i64, _>(4) as u64,
        duration_ms: row.get::<i64, _>(5) as u64,
        sample_rate: row.get::<i64, _>(6) as u32,
        channels: row.get::<i64, _>(7) as u16,
        bits_per_sample: row.get::<i64, _>(8) as u16,
        sample_format: row.get(9),
        transcript: row.get(10),
        status: status_of(&row.get::<String, _>(11))?,
        author: user(12),
        created_at_us: row.get(13),
        submitted_by: user(14),
        submitted_at_us: row.get(15),
        decided_by: user(16),
        decided_at_us: row.get(17),
        rejection_reason: row.get(18),
    })
}

/// A call's result names the recording it played: only an approved version of the campaign's own
/// audio may be named (the run loop plays only what is attached, and only approved versions can be;
/// this holds the line should anything else ever ask).
pub(crate) async fn check_played(conn: &mut sqlx::AnyConnection, campaign: OrgId, version_id: i64) -> StoreResult<()> {
    let status: Option<String> = sqlx::query(
        "SELECT v.status FROM audio_versions v, audio_messages m WHERE v.id = $1 AND m.id = v.audio_id \
         AND m.campaign_id = $2",
    )
    .bind(version_id)
    .bind(campaign.0)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.get(0));
    match status.as_deref() {
        Some(s) if s == VersionStatus::Approved.as_str() => Ok(()),
        Some(s) => {
            Err(Invalid::new("audio_version", format!("the recording played is {s}: only approved audio plays")).into())
        }
        None => Err(Invalid::new("audio_version", "no recording of this campaign has that id").into()),
    }
}
