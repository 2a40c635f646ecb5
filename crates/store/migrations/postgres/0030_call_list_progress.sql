-- A call list's progress — the attempts its entries count, the entries done and those denied at the
-- dial — is kept with the entries, as their counts by mode are (`call_list_counts`, 0026): the program
-- page and its calls API read one row instead of summing every entry (`SUM(attempts)` over 687,923
-- entries: 40 ms warm, 130 ms cold on SQLite; docs/benchmarks.md). Triggers keep it, so no writer can
-- forget to (the dialer's writes, inbound opt-outs, a rebuilt list): it moves in the same transaction
-- as the entries. A fresh entry (no attempt, not done) adds nothing, so a list's build calls no trigger
-- function; only its WHEN is evaluated per row.
--
-- Row level, unlike `campaign_data`'s (0028): the writes are single entries in short transactions (an
-- attempt opened, its result, an opt-out), so the program's row is held only as long as one of those.
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

CREATE FUNCTION clearline_call_list_progress() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE call_list_progress SET attempts = attempts - OLD.attempts,
            done = done - CASE WHEN OLD.final_disposition IS NOT NULL THEN 1 ELSE 0 END,
            denied = denied - CASE WHEN OLD.final_disposition = 'denied' THEN 1 ELSE 0 END
        WHERE program_id = OLD.program_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO call_list_progress (program_id, attempts, done, denied)
            VALUES (NEW.program_id, NEW.attempts, CASE WHEN NEW.final_disposition IS NOT NULL THEN 1 ELSE 0 END,
                    CASE WHEN NEW.final_disposition = 'denied' THEN 1 ELSE 0 END)
        ON CONFLICT (program_id) DO UPDATE SET attempts = call_list_progress.attempts + EXCLUDED.attempts,
            done = call_list_progress.done + EXCLUDED.done, denied = call_list_progress.denied + EXCLUDED.denied;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER call_list_progress_insert AFTER INSERT ON call_list_entries FOR EACH ROW
    WHEN (NEW.attempts <> 0 OR NEW.final_disposition IS NOT NULL)
    EXECUTE FUNCTION clearline_call_list_progress();
CREATE TRIGGER call_list_progress_update AFTER UPDATE OF program_id, attempts, final_disposition ON call_list_entries
    FOR EACH ROW
    WHEN (OLD.program_id IS DISTINCT FROM NEW.program_id OR OLD.attempts IS DISTINCT FROM NEW.attempts
        OR OLD.final_disposition IS DISTINCT FROM NEW.final_disposition)
    EXECUTE FUNCTION clearline_call_list_progress();
CREATE TRIGGER call_list_progress_delete AFTER DELETE ON call_list_entries FOR EACH ROW
    WHEN (OLD.attempts <> 0 OR OLD.final_disposition IS NOT NULL)
    EXECUTE FUNCTION clearline_call_list_progress();
