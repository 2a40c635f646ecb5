-- Inbound calls to a program's caller ID or callback number (CR-5, CR-6, CR-14): answered with the
-- program's greeting and the automated opt-out, then its message. One row a call, written when it ends;
-- an opt-out is listed at the key press (do_not_call, source key_press), before the row.
CREATE TABLE inbound_calls (
    id INTEGER PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs (id),
    -- The caller, when the number is one the program dialed (never the number itself).
    person_id BIGINT REFERENCES persons (id),
    -- lead (a number the program dialed) | number (another number) | withheld
    caller TEXT NOT NULL,
    -- opted_out | opt_out_withheld | message | hung_up
    outcome TEXT NOT NULL,
    -- Microseconds since the epoch.
    received_at BIGINT NOT NULL,
    opted_out_at BIGINT,
    ended_at BIGINT NOT NULL,
    -- 1 when it came through the simulated carrier.
    simulated BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbound_calls_by_program ON inbound_calls (program_id, received_at);
