-- An IVR program plays one approved prompt per question of its script (issue 5: only approved audio
-- plays): `program_audio` keeps, besides one version per kind, one `ivr_question` version per question
-- step. `step` is '' for the kinds attached once per program.
CREATE TABLE program_audio_new (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    kind TEXT NOT NULL,
    step TEXT NOT NULL DEFAULT '',
    version_id BIGINT NOT NULL REFERENCES audio_versions (id),
    attached_by BIGINT REFERENCES users (id),
    attached_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, kind, step)
);
INSERT INTO program_audio_new (program_id, kind, step, version_id, attached_by, attached_at)
    SELECT program_id, kind, '', version_id, attached_by, attached_at FROM program_audio;
DROP TABLE program_audio;
ALTER TABLE program_audio_new RENAME TO program_audio;
