-- Voter data: campaign data keys (wrapped), import batches, people and their phones.
-- Personal fields classified "encrypted" are stored only as ciphertext (*_enc) and, where looked up by
-- equality, a keyed blind index (*_index). See docs/personal-data.md.

CREATE TABLE campaign_keys (
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    version BIGINT NOT NULL,
    wrapped TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, version)
);

CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    created_by BIGINT REFERENCES users (id),
    layout TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    phones_valid BIGINT NOT NULL,
    phones_invalid BIGINT NOT NULL,
    rejects_enc BLOB,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    person_key TEXT NOT NULL,
    source_state TEXT,
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    name_suffix TEXT,
    res_address TEXT,
    res_city TEXT,
    res_state TEXT,
    res_zip TEXT,
    county TEXT,
    birth_year BIGINT,
    gender TEXT,
    race TEXT,
    party TEXT,
    voter_status TEXT,
    registration_date TEXT,
    precinct TEXT,
    congressional_district TEXT,
    state_house_district TEXT,
    state_senate_district TEXT,
    birth_date_enc BLOB,
    email_enc BLOB,
    email_index BLOB,
    vote_history TEXT NOT NULL,
    extra TEXT NOT NULL,
    field_problems TEXT NOT NULL,
    address_zones TEXT NOT NULL,
    household_id BIGINT,
    content_hash BLOB NOT NULL,
    batch_id BIGINT NOT NULL REFERENCES import_batches (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (campaign_id, person_key)
);
CREATE INDEX persons_party ON persons (campaign_id, party);
CREATE INDEX persons_birth_year ON persons (campaign_id, birth_year);
CREATE INDEX persons_county ON persons (campaign_id, county);

CREATE TABLE phones (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    number_enc BLOB NOT NULL,
    number_index BLOB NOT NULL,
    line_type TEXT NOT NULL,
    npa_zones TEXT NOT NULL,
    npa_state TEXT
);
CREATE INDEX phones_person ON phones (person_id);
CREATE INDEX phones_number ON phones (campaign_id, number_index);

-- Saved column mappings: how a campaign's own delimited files map onto Clearline's fields.
CREATE TABLE column_mappings (
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    mapping_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, name)
);
