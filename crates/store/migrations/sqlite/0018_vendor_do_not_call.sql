-- A vendor's own do-not-call list (the organization-wide list of CR-47, CR-7): a person who tells a
-- vendor's caller to stop calling is not called again by that vendor for any campaign it calls for
-- (64.1200(d) binds the entity making the call as well as the one it calls for), and the vendor's admin
-- may load the list the call center already keeps. Numbers are stored encrypted with a blind index
-- under the vendor's own data key (a key ring kept in campaign_keys under the vendor's id), so a
-- campaign's blind indexes never meet another campaign's. campaign_id names the campaign whose call
-- heard the opt-out (NULL for an imported list); it is never shown to another campaign.
CREATE TABLE vendor_do_not_call (
    id INTEGER PRIMARY KEY,
    vendor_id BIGINT NOT NULL REFERENCES organizations (id),
    number_index BLOB NOT NULL,
    number_enc BLOB NOT NULL,
    source TEXT NOT NULL,
    campaign_id BIGINT REFERENCES organizations (id),
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (vendor_id, number_index)
);
