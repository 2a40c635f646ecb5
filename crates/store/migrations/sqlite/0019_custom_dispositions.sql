-- A campaign's own disposition codes (issue 4), each mapped onto one base code of
-- clearline_core::disposition and taking every property from it. A code is never deleted or changed:
-- retiring it stops agents picking it, and the calls that recorded it keep their meaning.
CREATE TABLE custom_dispositions (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    -- The base code it means (refused, callback_requested, ...).
    base TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    -- Microseconds since the epoch.
    created_at BIGINT NOT NULL,
    retired_by BIGINT REFERENCES users (id),
    retired_at BIGINT,
    -- Retired codes stay unique too: a code means one thing in a campaign's results for good.
    UNIQUE (campaign_id, code)
);

-- The custom code an agent picked, beside the base code in disposition (which every reader — rates,
-- redial rules, oversight, exports — keeps reading unchanged).
ALTER TABLE call_attempts ADD COLUMN custom_disposition TEXT;
