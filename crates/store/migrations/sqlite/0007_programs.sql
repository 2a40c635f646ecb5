-- Programs (one calling effort: purpose, dial mode, hours, caller ID, attempt rules, vendors) and their
-- call lists: a universe snapshotted through the contact policy, with the reason for every exclusion.
CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    -- clearline_core::program::ProgramSettings as JSON (vendors also in program_vendors).
    settings_json TEXT NOT NULL,
    universe_id BIGINT NOT NULL REFERENCES universes (id),
    caller_id_attested_by BIGINT REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    list_built_at BIGINT,
    UNIQUE (campaign_id, slug)
);

CREATE TABLE program_vendors (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    vendor_id BIGINT NOT NULL REFERENCES organizations (id),
    percent BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (program_id, vendor_id)
);

-- One row per person of the universe at the snapshot: on the list (mode 'program' or 'preview', with
-- the phone to dial and the vendor) or excluded (mode 'excluded', with the key of the reason).
CREATE TABLE call_list_entries (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    household_id BIGINT,
    vendor_id BIGINT REFERENCES organizations (id),
    mode TEXT NOT NULL,
    phone_position BIGINT,
    conditions TEXT NOT NULL,
    exclusion TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, person_id)
);
CREATE INDEX call_list_by_mode ON call_list_entries (program_id, mode, vendor_id);

-- The plain sentence of each exclusion key of a snapshot (kept once, not per person).
CREATE TABLE call_list_reasons (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    exclusion TEXT NOT NULL,
    sentence TEXT NOT NULL,
    PRIMARY KEY (program_id, exclusion)
);
