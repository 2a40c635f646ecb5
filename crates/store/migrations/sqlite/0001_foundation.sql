-- Foundation: organizations, sites, users, sessions, tokens, invitations, engagements, the audit chain.
-- Times are microseconds since the Unix epoch (BIGINT); dates are ISO 8601 text. A landed migration is never edited.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('campaign', 'vendor', 'deployment')),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    profile_json TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    vendor_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    networks_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vendor_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    site_id BIGINT REFERENCES sites (id),
    foreign_national BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    totp_secret TEXT,
    second_factor_required BIGINT NOT NULL,
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    second_factor_done BIGINT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    site_id BIGINT REFERENCES sites (id),
    foreign_national BIGINT NOT NULL DEFAULT 0,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT
);

CREATE TABLE engagements (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES organizations (id),
    vendor_id BIGINT NOT NULL REFERENCES organizations (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    programs_json TEXT NOT NULL,
    visible_fields_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX engagements_campaign ON engagements (campaign_id);
CREATE INDEX engagements_vendor ON engagements (vendor_id);

CREATE TABLE audit_heads (
    org_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_events (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    seq BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_org BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    source TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_time ON audit_events (org_id, occurred_at);

CREATE TABLE audit_checkpoints (
    org_id BIGINT NOT NULL REFERENCES organizations (id),
    day TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, day)
);

-- The audit trail is append-only for the application.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
