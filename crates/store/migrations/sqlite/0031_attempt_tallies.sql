-- A program's attempts counted by what the program page, its calls API, oversight and the wallboard
-- group them by — vendor, hour of the dial, state, disposition, custom code, and whether a person
-- answered a system-dialed call (CR-46's denominator: bridged, or abandoned waiting) — kept with the
-- attempts by triggers, as a call list's progress is (0030). Those pages read a few hundred tally
-- rows instead of grouping every attempt on every view (they grew with the calls: at 20,001 calls
-- oversight took 166 ms and the wallboard 139 ms at p99; docs/benchmarks.md). The tallies move in
-- the transaction of every attempt written, so no writer can forget them.
--
-- `hour` is the dial's UTC hour (microseconds / 3,600,000,000): the hourly series are exact, and a
-- window such as "the last 24 hours" starts at the top of its first hour. `vendor_id` is 0 for none,
-- `disposition` and `custom_disposition` '' for none.
CREATE TABLE attempt_tallies (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    vendor_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    state TEXT NOT NULL,
    disposition TEXT NOT NULL,
    custom_disposition TEXT NOT NULL,
    live BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (program_id, vendor_id, hour, state, disposition, custom_disposition, live)
);
INSERT INTO attempt_tallies (program_id, vendor_id, hour, state, disposition, custom_disposition, live, n)
    SELECT program_id, IFNULL(vendor_id, 0), dialed_at / 3600000000, state, IFNULL(disposition, ''),
           IFNULL(custom_disposition, ''),
           dial_kind IN ('paced', 'power') AND state = 'finished'
               AND (bridged_at IS NOT NULL OR disposition IS 'abandoned'),
           COUNT(*)
    FROM call_attempts GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE TRIGGER attempt_tallies_insert AFTER INSERT ON call_attempts
BEGIN
    INSERT INTO attempt_tallies (program_id, vendor_id, hour, state, disposition, custom_disposition, live, n)
        VALUES (NEW.program_id, IFNULL(NEW.vendor_id, 0), NEW.dialed_at / 3600000000, NEW.state,
                IFNULL(NEW.disposition, ''), IFNULL(NEW.custom_disposition, ''),
                NEW.dial_kind IN ('paced', 'power') AND NEW.state = 'finished'
                    AND (NEW.bridged_at IS NOT NULL OR NEW.disposition IS 'abandoned'),
                1)
    ON CONFLICT (program_id, vendor_id, hour, state, disposition, custom_disposition, live) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER attempt_tallies_update
    AFTER UPDATE OF program_id, vendor_id, dialed_at, state, disposition, custom_disposition, dial_kind, bridged_at
    ON call_attempts
    WHEN OLD.program_id IS NOT NEW.program_id OR OLD.vendor_id IS NOT NEW.vendor_id
        OR OLD.dialed_at / 3600000000 IS NOT NEW.dialed_at / 3600000000 OR OLD.state IS NOT NEW.state
        OR OLD.disposition IS NOT NEW.disposition OR OLD.custom_disposition IS NOT NEW.custom_disposition
        OR OLD.dial_kind IS NOT NEW.dial_kind OR (OLD.bridged_at IS NULL) IS NOT (NEW.bridged_at IS NULL)
BEGIN
    UPDATE attempt_tallies SET n = n - 1
    WHERE program_id = OLD.program_id AND vendor_id = IFNULL(OLD.vendor_id, 0) AND hour = OLD.dialed_at / 3600000000
        AND state = OLD.state AND disposition = IFNULL(OLD.disposition, '')
        AND custom_disposition = IFNULL(OLD.custom_disposition, '')
        AND live = (OLD.dial_kind IN ('paced', 'power') AND OLD.state = 'finished'
                    AND (OLD.bridged_at IS NOT NULL OR OLD.disposition IS 'abandoned'));
    INSERT INTO attempt_tallies (program_id, vendor_id, hour, state, disposition, custom_disposition, live, n)
        VALUES (NEW.program_id, IFNULL(NEW.vendor_id, 0), NEW.dialed_at / 3600000000, NEW.state,
                IFNULL(NEW.disposition, ''), IFNULL(NEW.custom_disposition, ''),
                NEW.dial_kind IN ('paced', 'power') AND NEW.state = 'finished'
                    AND (NEW.bridged_at IS NOT NULL OR NEW.disposition IS 'abandoned'),
                1)
    ON CONFLICT (program_id, vendor_id, hour, state, disposition, custom_disposition, live) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER attempt_tallies_delete AFTER DELETE ON call_attempts
BEGIN
    UPDATE attempt_tallies SET n = n - 1
    WHERE program_id = OLD.program_id AND vendor_id = IFNULL(OLD.vendor_id, 0) AND hour = OLD.dialed_at / 3600000000
        AND state = OLD.state AND disposition = IFNULL(OLD.disposition, '')
        AND custom_disposition = IFNULL(OLD.custom_disposition, '')
        AND live = (OLD.dial_kind IN ('paced', 'power') AND OLD.state = 'finished'
                    AND (OLD.bridged_at IS NOT NULL OR OLD.disposition IS 'abandoned'));
END;

-- The wallboard's contacts of the last hour, per agent, by when the calls ended: a range, not a scan.
CREATE INDEX call_attempts_by_end ON call_attempts (program_id, vendor_id, ended_at);
