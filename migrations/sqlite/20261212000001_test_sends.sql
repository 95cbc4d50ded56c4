-- What "Send a test" sent: listed and opened on the campaign page. Only the newest 50 of a
-- campaign are kept (older ones are deleted as new ones come); they are not messages of the
-- campaign, so no report counts them.
CREATE TABLE test_sends (
    id          TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,               -- the campaign version rendered
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    payload     TEXT,                           -- push options as sent, NULL for email and SMS
    provider    TEXT NOT NULL,
    provider_id TEXT,
    error       TEXT,                           -- what the provider answered; NULL: it took it
    sent_by     TEXT NOT NULL,                  -- `user:<id>` or `key:<id>`
    sent_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX test_sends_by_campaign ON test_sends (campaign_id, sent_at);
