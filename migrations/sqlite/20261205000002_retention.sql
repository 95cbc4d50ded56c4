-- Retention (domain/src/retention.rs): a sandbox's own ages in days (NULL: the server's
-- default), when a message's content was emptied, where the content sweep of each campaign
-- has got to, and the indexes the sweeps walk.
ALTER TABLE sandboxes ADD COLUMN content_days INTEGER;
ALTER TABLE sandboxes ADD COLUMN message_days INTEGER;
ALTER TABLE sandboxes ADD COLUMN webhook_days INTEGER;

-- Set when the subject, bodies and payload were emptied, past the content age.
ALTER TABLE messages ADD COLUMN content_dropped_at INTEGER;

-- The last message (by created_at, then id) of a campaign whose content age was checked:
-- the next sweep starts after it, so emptied rows are not read again.
CREATE TABLE retention_marks (
    campaign_id TEXT PRIMARY KEY NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    message_id  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Deleting a message deletes its tracked links, deleting an execution checks the idempotency
-- keys that may name it (without an index, each check reads every key); webhook deliveries age
-- out per webhook.
CREATE INDEX tracked_links_by_message ON tracked_links (message_id);
CREATE INDEX idempotency_keys_by_execution ON idempotency_keys (execution_id);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);
