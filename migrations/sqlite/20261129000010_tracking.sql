-- Engagement tracking (per campaign): links in tracked messages point at Herald (/l/<id>), which
-- records the click and redirects to the stored URL — only stored URLs, so no open redirect —
-- and tracked email carries an open pixel (/o/<message>.<signature>).
ALTER TABLE campaigns ADD COLUMN tracking INTEGER NOT NULL DEFAULT 0 CHECK (tracking IN (0, 1));

CREATE TABLE tracked_links (
    id         TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    url        TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE engagements (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    kind       TEXT NOT NULL CHECK (kind IN ('open', 'click')),
    url        TEXT,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX engagements_by_message ON engagements (message_id);
