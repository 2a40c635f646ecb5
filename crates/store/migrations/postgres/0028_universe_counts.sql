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

-- On PostgreSQL the campaign's row is written once per transaction, at its commit: a row-level update
-- per person would leave a million versions of one row behind an import, and an update per statement
-- would hold the row's lock from an import's first chunk to its commit, stalling every opt-out written
-- meanwhile (calling, inbound). So statements note what they changed in a row of their own
-- transaction (`campaign_data_pending`, keyed by transaction: no two transactions share one), and a
-- deferred trigger folds that row into `campaign_data` as the transaction commits.
CREATE TABLE campaign_data_pending (
    campaign_id BIGINT NOT NULL,
    tx BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    dnc_generation BIGINT NOT NULL,
    people BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, tx)
);

-- A statement's changed rows (transition table `changed`); arguments: what moves (`data` or `dnc`) and
-- what each row adds to the campaign's people (1, -1 or 0).
CREATE FUNCTION clearline_campaign_data_note() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dnc BOOLEAN := TG_ARGV[0] = 'dnc';
    per_row BIGINT := TG_ARGV[1]::BIGINT;
BEGIN
    INSERT INTO campaign_data_pending (campaign_id, tx, generation, dnc_generation, people)
        SELECT campaign_id, txid_current(), CASE WHEN dnc THEN 0 ELSE 1 END, CASE WHEN dnc THEN 1 ELSE 0 END,
               COUNT(*) * per_row
        FROM changed GROUP BY campaign_id
    ON CONFLICT (campaign_id, tx) DO UPDATE SET
        generation = campaign_data_pending.generation + EXCLUDED.generation,
        dnc_generation = campaign_data_pending.dnc_generation + EXCLUDED.dnc_generation,
        people = campaign_data_pending.people + EXCLUDED.people;
    RETURN NULL;
END
$$;

-- A universe's filter changed (row level: the change names its columns, which transition tables cannot).
CREATE FUNCTION clearline_universe_filter_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_data_pending (campaign_id, tx, generation, dnc_generation, people)
        VALUES (NEW.campaign_id, txid_current(), 1, 0, 0)
    ON CONFLICT (campaign_id, tx) DO UPDATE SET generation = campaign_data_pending.generation + 1;
    RETURN NULL;
END
$$;

-- At commit: the transaction's pending row, folded into the campaign's (one short lock, at the end).
CREATE FUNCTION clearline_campaign_data_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g BIGINT;
    d BIGINT;
    n BIGINT;
BEGIN
    DELETE FROM campaign_data_pending WHERE campaign_id = NEW.campaign_id AND tx = NEW.tx
        RETURNING generation, dnc_generation, people INTO g, d, n;
    IF FOUND THEN
        INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people)
            VALUES (NEW.campaign_id, 1 + SIGN(g), 1 + SIGN(d), n)
        ON CONFLICT (campaign_id) DO UPDATE SET
            generation = campaign_data.generation + SIGN(g),
            dnc_generation = campaign_data.dnc_generation + SIGN(d),
            people = campaign_data.people + n;
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER campaign_data_pending_apply AFTER INSERT ON campaign_data_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION clearline_campaign_data_apply();

CREATE TRIGGER persons_insert_data AFTER INSERT ON persons REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '1');
CREATE TRIGGER persons_update_data AFTER UPDATE ON persons REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '0');
CREATE TRIGGER persons_delete_data AFTER DELETE ON persons REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '-1');
CREATE TRIGGER phones_insert_data AFTER INSERT ON phones REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '0');
CREATE TRIGGER phones_update_data AFTER UPDATE ON phones REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '0');
CREATE TRIGGER phones_delete_data AFTER DELETE ON phones REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('data', '0');
CREATE TRIGGER do_not_call_insert_data AFTER INSERT ON do_not_call REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('dnc', '0');
CREATE TRIGGER do_not_call_update_data AFTER UPDATE ON do_not_call REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('dnc', '0');
CREATE TRIGGER do_not_call_delete_data AFTER DELETE ON do_not_call REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clearline_campaign_data_note('dnc', '0');
CREATE TRIGGER universes_filter_data AFTER UPDATE OF filter_json ON universes
    FOR EACH ROW EXECUTE FUNCTION clearline_universe_filter_note();

-- The program page's call counts (`call_stats`) and oversight group the program's attempts by state
-- and disposition, by vendor, and by hour: with these the groups are read from an index instead of every
-- attempt's row (in the sqlite3 shell at 16,001 attempts: 40 ms → 2 ms by outcome, 25 → 4 ms by vendor,
-- 21 → 7 ms oversight's by vendor and outcome, 15 → 8 ms by hour; docs/benchmarks.md).
CREATE INDEX call_attempts_by_outcome ON call_attempts (program_id, state, disposition);
CREATE INDEX call_attempts_by_vendor ON call_attempts (program_id, vendor_id, state, disposition);
CREATE INDEX call_attempts_by_hour ON call_attempts (program_id, dialed_at, disposition);
