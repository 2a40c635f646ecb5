-- A call list's counts by mode, vendor and exclusion are facts of its snapshot (an entry's mode never
-- changes after the build): written with the entries, so the program page and its API read a handful
-- of rows instead of grouping every entry (1.7 s for a 1M-person list on SQLite; docs/benchmarks.md).
CREATE TABLE call_list_counts (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    mode TEXT NOT NULL,
    vendor_id BIGINT REFERENCES organizations (id),
    -- The exclusion key of excluded entries; '' for listed ones.
    exclusion TEXT NOT NULL,
    people BIGINT NOT NULL
);
CREATE INDEX call_list_counts_by_program ON call_list_counts (program_id);
INSERT INTO call_list_counts (program_id, mode, vendor_id, exclusion, people)
    SELECT program_id, mode, vendor_id, CASE WHEN mode = 'excluded' THEN exclusion ELSE '' END, COUNT(*)
    FROM call_list_entries
    GROUP BY program_id, mode, vendor_id, CASE WHEN mode = 'excluded' THEN exclusion ELSE '' END;

-- The dialer's next leads in the order it takes them (callbacks due, fresh records, retries oldest due
-- first), among entries still to call: the refill walks this index and stops at its limit instead of
-- sorting every dialable entry (40 s a refill on a 1M-person list, 1 ms with it).
CREATE INDEX call_list_next_lead ON call_list_entries
    (program_id, vendor_id, callback DESC, (CASE WHEN attempts = 0 THEN 0 ELSE 1 END), (COALESCE(next_attempt_at, 0)), person_id)
    WHERE final_disposition IS NULL AND mode <> 'excluded';
-- A household's attempts so far (CR rules count them per household), read per lead.
CREATE INDEX call_list_by_household ON call_list_entries (program_id, household_id, attempts);
