-- The campaign's internal do-not-call list (CR-47) and consent records (CR-50). Numbers are stored
-- encrypted with a keyed blind index for look-ups, like every phone number.
CREATE TABLE do_not_call (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    number_index BLOB NOT NULL,
    number_enc BLOB NOT NULL,
    source TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (campaign_id, number_index)
);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    number_index BLOB NOT NULL,
    number_enc BLOB NOT NULL,
    calling_entity TEXT NOT NULL,
    source TEXT NOT NULL,
    wording TEXT NOT NULL,
    evidence_enc BLOB,
    obtained_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX consents_number ON consents (campaign_id, number_index);
