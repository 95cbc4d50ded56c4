-- A campaign's content saved under a name, to start new campaigns from. `content` is the
-- content as the campaign form takes it (JSON: parts, push options, language variants); a
-- copy, independent of the campaign it came from (`campaign_id` only names it while it exists).
CREATE TABLE saved_content (
    id          TEXT PRIMARY KEY NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    content     TEXT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    saved_by    TEXT NOT NULL,                  -- `user:<id>` or `key:<id>`
    saved_at    BIGINT NOT NULL,
    UNIQUE (sandbox_id, name)
);
