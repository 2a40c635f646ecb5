-- Recorded audio (issue 5): voicemail drops, IVR prompts, prerecorded messages and the safe-harbor
-- message, versioned and approved like scripts (docs/scripts.md, "Recorded audio").
CREATE TABLE audio_messages (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    -- clearline_core::audio::AudioKind: voicemail_drop, ivr_prompt, safe_harbor, prerecorded_message.
    kind TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (campaign_id, slug)
);

-- One row per version: the WAV bytes (at most 1 MB, clearline_core::audio::MAX_AUDIO_BYTES, so they
-- live here beside their transcript), what its header says, and the transcript. None of it ever
-- changes (a trigger refuses it); only the status moves: draft -> submitted -> approved | rejected.
CREATE TABLE audio_versions (
    id INTEGER PRIMARY KEY,
    audio_id BIGINT NOT NULL REFERENCES audio_messages (id),
    number BIGINT NOT NULL,
    audio BLOB NOT NULL,
    audio_sha256 TEXT NOT NULL,
    byte_len BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    sample_rate BIGINT NOT NULL,
    channels BIGINT NOT NULL,
    bits_per_sample BIGINT NOT NULL,
    sample_format TEXT NOT NULL,
    transcript TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    submitted_at BIGINT,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT,
    rejection_reason TEXT,
    UNIQUE (audio_id, number)
);

CREATE TRIGGER audio_versions_content_is_immutable
BEFORE UPDATE OF audio_id, number, audio, audio_sha256, byte_len, duration_ms, sample_rate, channels,
    bits_per_sample, sample_format, transcript, author_id, created_at ON audio_versions
BEGIN SELECT RAISE(ABORT, 'audio versions are immutable'); END;
CREATE TRIGGER audio_versions_no_delete BEFORE DELETE ON audio_versions
BEGIN SELECT RAISE(ABORT, 'audio versions are immutable'); END;

-- The approved version a program plays, one per kind it needs.
CREATE TABLE program_audio (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    kind TEXT NOT NULL,
    version_id BIGINT NOT NULL REFERENCES audio_versions (id),
    attached_by BIGINT REFERENCES users (id),
    attached_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, kind)
);
