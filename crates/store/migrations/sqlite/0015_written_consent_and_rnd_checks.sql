-- CR-27: whether a consent was given in writing (Florida's and Oklahoma's sales-call laws need written
-- consent for automated commercial calls). CR-13: the campaign's Reassigned Numbers Database queries —
-- the number (blind index and ciphertext), the consent date it asked about, the answer and when.
ALTER TABLE consents ADD COLUMN written BIGINT NOT NULL DEFAULT 0;

CREATE TABLE rnd_checks (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    number_index BLOB NOT NULL,
    number_enc BLOB NOT NULL,
    asked_since BIGINT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('no', 'yes', 'no_data')),
    checked_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX rnd_checks_number ON rnd_checks (campaign_id, number_index);
