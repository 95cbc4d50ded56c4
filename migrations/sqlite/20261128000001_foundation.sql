-- Herald's first schema. Timestamps are integer milliseconds since the Unix epoch (UTC).
-- Status columns are constrained to the values of the matching Rust enums.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,            -- the first characters of the key, to recognise it
    key_hash     TEXT NOT NULL UNIQUE,     -- SHA-256 of the whole key; the key itself is never stored
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE TABLE campaigns (
    id           TEXT PRIMARY KEY NOT NULL,
    title        TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('email')),
    namespace    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'live', 'stopped')),
    live_version INTEGER,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK ((status = 'live') = (live_version IS NOT NULL) OR status = 'stopped')
) STRICT;

-- Content is immutable per version: messages accepted under a version always render with it.
CREATE TABLE campaign_versions (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, version)
) STRICT;

-- One accepted trigger call.
CREATE TABLE executions (
    id               TEXT PRIMARY KEY NOT NULL,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    campaign_version INTEGER NOT NULL,
    request_id       TEXT NOT NULL,
    api_key_id       TEXT NOT NULL REFERENCES api_keys (id),
    created_at       INTEGER NOT NULL,
    FOREIGN KEY (campaign_id, campaign_version) REFERENCES campaign_versions (campaign_id, version)
) STRICT;

-- Idempotency keys (the Idempotency-Key header, else the requestId), per campaign, kept until
-- expires_at. A key that is present and unexpired answers with its execution or is refused.
CREATE TABLE idempotency_keys (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,            -- SHA-256 of the parsed request, to tell replays from reuse
    execution_id TEXT NOT NULL REFERENCES executions (id),
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, key)
) STRICT;

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- The outbox: one row per message, claimed by delivery workers under a lease.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    execution_id    TEXT NOT NULL REFERENCES executions (id),
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    recipient_index INTEGER NOT NULL,
    user_id         TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email')),
    address         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    status_reason   TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    lease_token     TEXT,
    provider        TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (execution_id, recipient_index)
) STRICT;

CREATE INDEX messages_due ON messages (status, next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_recent ON messages (created_at);

-- Every delivery attempt, kept for the message ledger.
CREATE TABLE message_attempts (
    message_id  TEXT NOT NULL REFERENCES messages (id),
    attempt     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    provider    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'transient_failure', 'permanent_failure')),
    detail      TEXT,
    PRIMARY KEY (message_id, attempt)
) STRICT;
