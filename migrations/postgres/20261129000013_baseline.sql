-- Herald's schema on PostgreSQL: the same tables, columns and constraints as SQLite's migrations
-- 20261128000001 to 20261129000013 (migrations/sqlite), in one. Every later change adds a
-- migration to both folders.
--
-- Timestamps are integer milliseconds since the Unix epoch (UTC) in BIGINT; flags are BOOLEAN;
-- JSON is stored as text (as on SQLite) and checked to parse. Status columns are constrained to
-- the values of the matching Rust enums.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
-- Emails are unique whatever their case (SQLite: COLLATE NOCASE).
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE sandboxes (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

INSERT INTO sandboxes (id, org_id, name, created_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'herald', 'prod', 0);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    sandbox_id   TEXT REFERENCES sandboxes (id),
    scope        TEXT NOT NULL DEFAULT 'admin' CHECK (scope IN ('trigger', 'admin')),
    restricted   BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE surfaces (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    name       TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    category   TEXT NOT NULL CHECK (category IN ('marketing', 'transactional')),
    settings   TEXT NOT NULL CHECK (settings::jsonb IS NOT NULL),
    secrets    BYTEA,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (sandbox_id, name)
);

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags::jsonb) = 'array'),
    category        TEXT NOT NULL DEFAULT 'transactional' CHECK (category IN ('marketing', 'transactional')),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    namespace       TEXT NOT NULL,
    sandbox_id      TEXT NOT NULL REFERENCES sandboxes (id),
    create_profiles BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at       BIGINT,
    ends_at         BIGINT,
    rate_limit      BIGINT CHECK (rate_limit BETWEEN 1 AND 2000),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'live', 'stopped', 'archived')),
    live_version    BIGINT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    surface_id      TEXT REFERENCES surfaces (id),
    tracking        BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at),
    CHECK (status = 'draft' OR live_version IS NOT NULL)
);
CREATE INDEX campaigns_by_sandbox ON campaigns (sandbox_id, created_at);

CREATE TABLE campaign_versions (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version      BIGINT NOT NULL,
    subject      TEXT NOT NULL,
    html_body    TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    push_options TEXT CHECK (push_options IS NULL OR push_options::jsonb IS NOT NULL),
    preheader    TEXT NOT NULL DEFAULT '',
    localization TEXT CHECK (localization IS NULL OR localization::jsonb IS NOT NULL),
    PRIMARY KEY (campaign_id, version)
);

CREATE TABLE api_key_campaigns (
    api_key_id  TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, campaign_id)
);

CREATE TABLE executions (
    id               TEXT PRIMARY KEY NOT NULL,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    campaign_version BIGINT NOT NULL,
    request_id       TEXT NOT NULL,
    api_key_id       TEXT NOT NULL REFERENCES api_keys (id),
    created_at       BIGINT NOT NULL,
    FOREIGN KEY (campaign_id, campaign_version) REFERENCES campaign_versions (campaign_id, version)
);
CREATE INDEX executions_by_request ON executions (request_id);

CREATE TABLE idempotency_keys (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    execution_id TEXT NOT NULL REFERENCES executions (id),
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    execution_id    TEXT NOT NULL REFERENCES executions (id),
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    recipient_index BIGINT NOT NULL,
    user_id         TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    payload         TEXT CHECK (payload IS NULL OR payload::jsonb IS NOT NULL),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'excluded')),
    status_reason   TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    lease_token     TEXT,
    provider        TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    surface_id      TEXT REFERENCES surfaces (id),
    delivered_at    BIGINT,
    UNIQUE (execution_id, recipient_index)
);
CREATE INDEX messages_due ON messages (status, next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_recent ON messages (created_at);
CREATE INDEX messages_by_address ON messages (address);
CREATE INDEX messages_by_campaign ON messages (campaign_id, created_at);

CREATE TABLE message_attempts (
    message_id  TEXT NOT NULL REFERENCES messages (id),
    attempt     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    provider    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'transient_failure', 'permanent_failure')),
    detail      TEXT,
    PRIMARY KEY (message_id, attempt)
);

CREATE TABLE profiles (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    attributes TEXT NOT NULL CHECK (jsonb_typeof(attributes::jsonb) = 'object'),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE profile_identities (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    namespace  TEXT NOT NULL,
    value      TEXT NOT NULL,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (sandbox_id, namespace, value)
);
CREATE INDEX profile_identities_by_profile ON profile_identities (profile_id);

CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sandbox_id  TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, id);

CREATE TABLE suppressions (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sandbox_id, channel, address)
);

CREATE TABLE opt_outs (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address    TEXT NOT NULL,
    source     TEXT NOT NULL,
    message_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sandbox_id, channel, address)
);

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL CHECK (events::jsonb IS NOT NULL),
    secret     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_sandbox ON webhooks (sandbox_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (payload::jsonb IS NOT NULL),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    lease_token     TEXT,
    last_result     TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)
    WHERE status IN ('queued', 'sending');

CREATE TABLE tracked_links (
    id         TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    url        TEXT NOT NULL
);

CREATE TABLE engagements (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    kind       TEXT NOT NULL CHECK (kind IN ('open', 'click')),
    url        TEXT,
    at         BIGINT NOT NULL
);
CREATE INDEX engagements_by_message ON engagements (message_id);

CREATE TABLE namespaces (
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (sandbox_id, name)
);
