-- The vendor whose floor an agent state change happened on (NULL: an agentless floor), so a vendor's
-- supervisor reads their own agents' states (the wallboard) without telling bots and people apart by name.
ALTER TABLE agent_state_log ADD COLUMN vendor_id BIGINT REFERENCES organizations (id);
CREATE INDEX agent_state_log_by_vendor ON agent_state_log (program_id, vendor_id, agent, id);
