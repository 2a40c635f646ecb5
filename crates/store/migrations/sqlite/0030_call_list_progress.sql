-- A call list's progress — the attempts its entries count, the entries done and those denied at the
-- dial — is kept with the entries, as their counts by mode are (`call_list_counts`, 0026): the program
-- page and its calls API read one row instead of summing every entry (`SUM(attempts)` over 687,923
-- entries: 40 ms warm, 130 ms cold on SQLite; docs/benchmarks.md). Triggers keep it, so no writer can
-- forget to (the dialer's writes, inbound opt-outs, a rebuilt list): it moves in the same transaction
-- as the entries. A fresh entry (no attempt, not done) adds nothing, so a list's build runs no trigger
-- body; only its WHEN is evaluated per row.
CREATE TABLE call_list_progress (
    program_id BIGINT PRIMARY KEY REFERENCES programs (id) ON DELETE CASCADE,
    attempts BIGINT NOT NULL,
    -- Entries with a final disposition, and those whose final disposition is `denied`.
    done BIGINT NOT NULL,
    denied BIGINT NOT NULL
);
INSERT INTO call_list_progress (program_id, attempts, done, denied)
    SELECT program_id, SUM(attempts), SUM(CASE WHEN final_disposition IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN final_disposition = 'denied' THEN 1 ELSE 0 END)
    FROM call_list_entries GROUP BY program_id;

CREATE TRIGGER call_list_progress_insert AFTER INSERT ON call_list_entries
    WHEN NEW.attempts <> 0 OR NEW.final_disposition IS NOT NULL
BEGIN
    INSERT INTO call_list_progress (program_id, attempts, done, denied)
        VALUES (NEW.program_id, NEW.attempts, NEW.final_disposition IS NOT NULL, NEW.final_disposition IS 'denied')
    ON CONFLICT (program_id) DO UPDATE SET attempts = attempts + excluded.attempts,
        done = done + excluded.done, denied = denied + excluded.denied;
END;
CREATE TRIGGER call_list_progress_update AFTER UPDATE OF program_id, attempts, final_disposition ON call_list_entries
    WHEN OLD.program_id IS NOT NEW.program_id OR OLD.attempts IS NOT NEW.attempts
        OR OLD.final_disposition IS NOT NEW.final_disposition
BEGIN
    UPDATE call_list_progress SET attempts = attempts - OLD.attempts,
        done = done - (OLD.final_disposition IS NOT NULL), denied = denied - (OLD.final_disposition IS 'denied')
    WHERE program_id = OLD.program_id;
    INSERT INTO call_list_progress (program_id, attempts, done, denied)
        VALUES (NEW.program_id, NEW.attempts, NEW.final_disposition IS NOT NULL, NEW.final_disposition IS 'denied')
    ON CONFLICT (program_id) DO UPDATE SET attempts = attempts + excluded.attempts,
        done = done + excluded.done, denied = denied + excluded.denied;
END;
CREATE TRIGGER call_list_progress_delete AFTER DELETE ON call_list_entries
    WHEN OLD.attempts <> 0 OR OLD.final_disposition IS NOT NULL
BEGIN
    UPDATE call_list_progress SET attempts = attempts - OLD.attempts,
        done = done - (OLD.final_disposition IS NOT NULL), denied = denied - (OLD.final_disposition IS 'denied')
    WHERE program_id = OLD.program_id;
END;
