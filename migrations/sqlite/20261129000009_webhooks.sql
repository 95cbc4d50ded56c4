-- Delivery feedback webhooks: endpoints an admin registers per sandbox, and the outbox of the
-- signed event POSTs to them (queued in the transaction that records what happened).
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    url        TEXT NOT NULL,
    -- JSON array of event types: sent, failed, excluded, unsubscribed, opened, clicked.
    events     TEXT NOT NULL CHECK (json_valid(events)),
    -- The HMAC signing secret, sealed with the server's key (bound to the id).
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_by_sandbox ON webhooks (sandbox_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    -- The exact JSON body that is signed and sent.
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    lease_token     TEXT,
    -- The receiver's last HTTP status, or the network error.
    last_result     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)
    WHERE status IN ('queued', 'sending');
