-- Survey answers, one row per question answered on an attempt. The answer is personal data: only its
-- ciphertext under the campaign's data key is stored (docs/personal-data.md). The order the options
-- were shown in (for `randomize` questions) is not personal and is kept as text: option keys joined by
-- commas, in the order shown.
CREATE TABLE survey_answers (
    attempt_id BIGINT NOT NULL REFERENCES call_attempts (id),
    program_id BIGINT NOT NULL REFERENCES programs (id),
    -- The question's step id in the attempt's script version.
    step TEXT NOT NULL,
    -- The order asked on the call, from 0.
    position BIGINT NOT NULL,
    answer_enc BLOB NOT NULL,
    shown_order TEXT,
    -- Microseconds since the epoch.
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, step)
);
CREATE INDEX survey_answers_by_program ON survey_answers (program_id, attempt_id);
