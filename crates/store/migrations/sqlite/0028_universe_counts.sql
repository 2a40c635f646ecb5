-- A universe's counts are kept with it, stamped with the campaign's data generations at the time of the
-- count, so the universes page reads them instead of counting every universe over the whole campaign on
-- every view (3.7 s at 1M people; docs/benchmarks.md). A stored count is shown as current only while
-- the generations it was counted at are still the campaign's (`store::universes`).
--
-- `generation` moves with every change to the campaign's people or phones (imports, edits, household
-- links) and to a universe's filter; `dnc_generation` with every change to its do-not-call list, which
-- only universes that select on it (`on_do_not_call`, at any depth) depend on: opt-outs while calling
-- do not make every other count stale. Triggers move them, so no writer can forget to: the generations
-- change in the same transaction as the rows. `people` is the campaign's people, kept the same way (the
-- voters page showed a COUNT(*) over the campaign on every view).
CREATE TABLE campaign_data (
    campaign_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    generation BIGINT NOT NULL,
    dnc_generation BIGINT NOT NULL,
    people BIGINT NOT NULL
);
INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people)
    SELECT id, 1, 1, (SELECT COUNT(*) FROM persons p WHERE p.campaign_id = o.id) FROM organizations o
    WHERE kind = 'campaign';

CREATE TABLE universe_counts (
    universe_id BIGINT PRIMARY KEY REFERENCES universes (id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    people BIGINT NOT NULL,
    households BIGINT NOT NULL,
    -- The campaign's generations read before the count started (a change during the count leaves the
    -- stored count stale, never wrongly current).
    generation BIGINT NOT NULL,
    dnc_generation BIGINT NOT NULL,
    counted_at BIGINT NOT NULL
);

-- SQLite triggers run per row: an upsert of one row, cheap beside the row's own insert (a few percent
-- of an import). The single writer means no contention.
CREATE TRIGGER persons_insert_data AFTER INSERT ON persons BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 1)
    ON CONFLICT (campaign_id) DO UPDATE SET generation = generation + 1, people = people + 1;
END;
CREATE TRIGGER persons_update_data AFTER UPDATE ON persons BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER persons_delete_data AFTER DELETE ON persons BEGIN
    UPDATE campaign_data SET generation = generation + 1, people = people - 1 WHERE campaign_id = OLD.campaign_id;
END;
CREATE TRIGGER phones_insert_data AFTER INSERT ON phones BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER phones_update_data AFTER UPDATE ON phones BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER phones_delete_data AFTER DELETE ON phones BEGIN
    UPDATE campaign_data SET generation = generation + 1 WHERE campaign_id = OLD.campaign_id;
END;
CREATE TRIGGER universes_filter_data AFTER UPDATE OF filter_json ON universes BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER do_not_call_insert_data AFTER INSERT ON do_not_call BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET dnc_generation = dnc_generation + 1;
END;
CREATE TRIGGER do_not_call_update_data AFTER UPDATE ON do_not_call BEGIN
    INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.campaign_id, 1, 1, 0)
    ON CONFLICT (campaign_id) DO UPDATE SET dnc_generation = dnc_generation + 1;
END;
CREATE TRIGGER do_not_call_delete_data AFTER DELETE ON do_not_call BEGIN
    UPDATE campaign_data SET dnc_generation = dnc_generation + 1 WHERE campaign_id = OLD.campaign_id;
END;

-- The program page's call counts (`call_stats`) and oversight group the program's attempts by state
-- and disposition, by vendor, and by hour: with these the groups are read from an index instead of every
-- attempt's row (in the sqlite3 shell at 16,001 attempts: 40 ms → 2 ms by outcome, 25 → 4 ms by vendor,
-- 21 → 7 ms oversight's by vendor and outcome, 15 → 8 ms by hour; docs/benchmarks.md).
CREATE INDEX call_attempts_by_outcome ON call_attempts (program_id, state, disposition);
CREATE INDEX call_attempts_by_vendor ON call_attempts (program_id, vendor_id, state, disposition);
CREATE INDEX call_attempts_by_hour ON call_attempts (program_id, dialed_at, disposition);
