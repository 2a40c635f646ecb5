-- What the caller did on a call, for the campaign to check: each script step the desk showed, when it was
-- entered and left (written with the attempt's result), and the caller's note, encrypted under the
-- campaign's data key (a note is free text about a voter: personal data; card and phone numbers are
-- removed before it is encrypted).
CREATE TABLE call_steps (
    attempt_id BIGINT NOT NULL REFERENCES call_attempts (id),
    position BIGINT NOT NULL,
    step TEXT NOT NULL,
    -- Microseconds since the epoch.
    entered_at BIGINT NOT NULL,
    left_at BIGINT,
    PRIMARY KEY (attempt_id, position)
);
ALTER TABLE call_attempts ADD COLUMN notes_enc BYTEA;
