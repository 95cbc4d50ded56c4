-- SMS and push campaigns: push settings per version, and messages on every channel with a
-- payload for what is not subject/body (push image, link, data). The messages table is rebuilt
-- to widen its channel CHECK (migrations run with foreign keys off; see 20261129000002).

-- Push only: {"imageUrl", "link", "data"} as JSON; NULL for email and SMS.
ALTER TABLE campaign_versions ADD COLUMN push_options TEXT
    CHECK (push_options IS NULL OR json_valid(push_options));

CREATE TABLE messages_new (
    id              TEXT PRIMARY KEY NOT NULL,
    execution_id    TEXT NOT NULL REFERENCES executions (id),
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    recipient_index INTEGER NOT NULL,
    user_id         TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    -- Email address, E.164 phone number or push token.
    address         TEXT NOT NULL,
    -- Email subject or push title; empty for SMS.
    subject         TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    -- Email text part, SMS text or push body.
    text_body       TEXT NOT NULL,
    -- Push: {"appId", "platform", "imageUrl", "link", "data"}; NULL otherwise.
    payload         TEXT CHECK (payload IS NULL OR json_valid(payload)),
    -- excluded: never sent, with the reason in status_reason (e.g. a suppressed address).
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'excluded')),
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

INSERT INTO messages_new (id, execution_id, campaign_id, recipient_index, user_id, channel, address,
                          subject, html_body, text_body, status, status_reason, attempts,
                          next_attempt_at, locked_until, lease_token, provider, created_at, updated_at)
SELECT id, execution_id, campaign_id, recipient_index, user_id, channel, address,
       subject, html_body, text_body, status, status_reason, attempts,
       next_attempt_at, locked_until, lease_token, provider, created_at, updated_at
  FROM messages;

DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_due ON messages (status, next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_recent ON messages (created_at);
