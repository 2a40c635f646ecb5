-- Scripts (what callers say) and their immutable versions, approved by the campaign (issue 5).
CREATE TABLE scripts (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    -- clearline_core::script::ScriptFacts as JSON: the purpose, dial mode and facts it is validated for.
    facts_json TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (campaign_id, slug)
);

-- One row per version. The text and what it is never change (a trigger refuses it); only the status
-- moves: draft -> submitted -> approved | rejected, each with who and when.
CREATE TABLE script_versions (
    id INTEGER PRIMARY KEY,
    script_id BIGINT NOT NULL REFERENCES scripts (id),
    number BIGINT NOT NULL,
    language TEXT NOT NULL,
    translation_of BIGINT REFERENCES script_versions (id),
    body TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    submitted_at BIGINT,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT,
    rejection_reason TEXT,
    UNIQUE (script_id, number)
);

CREATE TRIGGER script_versions_text_is_immutable
BEFORE UPDATE OF script_id, number, language, translation_of, body, body_sha256, author_id, created_at ON script_versions
BEGIN SELECT RAISE(ABORT, 'script versions are immutable'); END;
CREATE TRIGGER script_versions_no_delete BEFORE DELETE ON script_versions
BEGIN SELECT RAISE(ABORT, 'script versions are immutable'); END;

-- The approved version a program's callers read.
ALTER TABLE programs ADD COLUMN script_version_id BIGINT REFERENCES script_versions (id);
