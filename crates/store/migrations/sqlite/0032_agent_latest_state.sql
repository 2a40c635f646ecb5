-- Each agent's latest state change on each program floor, kept by a trigger on the append-only log
-- (`agent_state_log`): the wallboard reads one row per agent instead of finding every agent's latest
-- among all their changes (43,456 changes on one floor at 80,000 calls: 53 ms a view in the sqlite3
-- shell; docs/benchmarks.md). `vendor_id` is 0 for a floor with no vendor.
CREATE TABLE agent_latest_state (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    vendor_id BIGINT NOT NULL,
    agent TEXT NOT NULL,
    log_id BIGINT NOT NULL,
    PRIMARY KEY (program_id, vendor_id, agent)
);
INSERT INTO agent_latest_state (program_id, vendor_id, agent, log_id)
    SELECT program_id, IFNULL(vendor_id, 0), agent, MAX(id) FROM agent_state_log GROUP BY 1, 2, 3;
CREATE TRIGGER agent_latest_state_insert AFTER INSERT ON agent_state_log
BEGIN
    INSERT INTO agent_latest_state (program_id, vendor_id, agent, log_id)
        VALUES (NEW.program_id, IFNULL(NEW.vendor_id, 0), NEW.agent, NEW.id)
    ON CONFLICT (program_id, vendor_id, agent) DO UPDATE SET log_id = MAX(log_id, excluded.log_id);
END;
