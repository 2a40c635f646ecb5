-- CR-24 (New Hampshire): the federal Do Not Call Registry applies to recorded political messages there,
-- so a campaign loads the Registry's extract for a state's area codes. Numbers are stored encrypted with
-- the campaign's blind index, like every phone; an extract row says which state's numbers are covered,
-- so a number of that state not on the list is known not to be on the Registry.
CREATE TABLE national_dnc (
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    number_index BLOB NOT NULL,
    number_enc BLOB NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, number_index)
);

CREATE TABLE national_dnc_extracts (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    state TEXT NOT NULL,
    extract_date TEXT NOT NULL,
    numbers BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX national_dnc_extracts_state ON national_dnc_extracts (campaign_id, state);
