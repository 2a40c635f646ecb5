-- Calling: every attempt a program's dialer places, written before it is dialed and closed with its
-- result before the result is acknowledged; the agents' state changes; and, on each call-list entry, what
-- the attempt rules need (when it was last tried, when it may be tried next, whether it is finished).

ALTER TABLE call_list_entries ADD COLUMN last_attempt_at BIGINT;
-- NULL: may be dialed now. Otherwise not before this instant (spacing, a callback's time).
ALTER TABLE call_list_entries ADD COLUMN next_attempt_at BIGINT;
-- The final disposition's code once the entry is done (a final code, or the last allowed attempt).
ALTER TABLE call_list_entries ADD COLUMN final_disposition TEXT;
-- 1 when the next attempt is a callback the person asked for (dialed before fresh records).
ALTER TABLE call_list_entries ADD COLUMN callback BIGINT NOT NULL DEFAULT 0;
CREATE INDEX call_list_dialable ON call_list_entries (program_id, final_disposition, next_attempt_at);

CREATE TABLE call_attempts (
    id INTEGER PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    household_id BIGINT,
    vendor_id BIGINT REFERENCES organizations (id),
    -- The phone dialed: its place among the person's phones (never the number), and its line type then.
    phone_position BIGINT,
    line_type TEXT,
    -- paced | power | preview | agentless | ivr
    dial_kind TEXT NOT NULL,
    -- in_flight (written before the dial) | finished | interrupted (the process stopped mid-call)
    state TEXT NOT NULL,
    disposition TEXT,
    -- The agent who took it: a user id, or a bot's name in a simulated run.
    agent TEXT,
    site_id BIGINT,
    script_version_id BIGINT,
    language TEXT,
    -- Microseconds since the epoch.
    dialed_at BIGINT NOT NULL,
    rang_at BIGINT,
    answered_at BIGINT,
    greeting_ended_at BIGINT,
    bridged_at BIGINT,
    ended_at BIGINT,
    -- 1 when placed on the simulated carrier.
    simulated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX call_attempts_by_program ON call_attempts (program_id, state, dialed_at);
CREATE INDEX call_attempts_by_person ON call_attempts (program_id, person_id);

-- Every agent state change, append-only: the raw material of billable units.
CREATE TABLE agent_state_log (
    id INTEGER PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs (id),
    agent TEXT NOT NULL,
    -- logged_in | ready | paused | on_call | wrap_up | logged_out
    state TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX agent_state_log_by_program ON agent_state_log (program_id, at);
CREATE TRIGGER agent_state_log_no_update BEFORE UPDATE ON agent_state_log
BEGIN SELECT RAISE(ABORT, 'the agent state log is append-only'); END;
CREATE TRIGGER agent_state_log_no_delete BEFORE DELETE ON agent_state_log
BEGIN SELECT RAISE(ABORT, 'the agent state log is append-only'); END;
