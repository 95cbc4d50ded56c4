-- Addresses Herald must not send to, per sandbox and channel: hard bounces (SMTP 5.1.1 unknown
-- user) for now. Every campaign, transactional or marketing, skips them.
CREATE TABLE suppressions (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sandbox_id, channel, address)
) STRICT, WITHOUT ROWID;
