-- An IVR program plays one approved prompt per question of its script (issue 5: only approved audio
-- plays): `program_audio` keeps, besides one version per kind, one `ivr_question` version per question
-- step. `step` is '' for the kinds attached once per program.
ALTER TABLE program_audio ADD COLUMN step TEXT NOT NULL DEFAULT '';
ALTER TABLE program_audio DROP CONSTRAINT program_audio_pkey;
ALTER TABLE program_audio ADD PRIMARY KEY (program_id, kind, step);
