-- Call universes: saved targeting (a JSON filter tree, see clearline_core::universe).
CREATE TABLE universes (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    filter_json TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (campaign_id, name)
);
