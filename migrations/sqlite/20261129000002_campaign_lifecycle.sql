-- Campaign properties for the whole lifecycle: category, description, tags, start and end
-- dates, a delivery rate limit, SMS and push channels, the archived status, and a creator that
-- may be an API key ("key:<id>") as well as a user ("user:<id>").
--
-- SQLite cannot change a table's CHECK constraints in place, so the table is rebuilt (SQLite's
-- documented procedure: new table, copy, drop, rename). Herald runs migrations with foreign keys
-- off and checks them all afterwards (backend/src/store/mod.rs), as that procedure requires.

CREATE TABLE campaigns_new (
    id              TEXT PRIMARY KEY NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- A JSON array of strings.
    tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    category        TEXT NOT NULL DEFAULT 'transactional' CHECK (category IN ('marketing', 'transactional')),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    namespace       TEXT NOT NULL,
    sandbox_id      TEXT NOT NULL REFERENCES sandboxes (id),
    create_profiles INTEGER NOT NULL DEFAULT 0 CHECK (create_profiles IN (0, 1)),
    -- Trigger calls are accepted from starts_at (inclusive) until ends_at (exclusive).
    starts_at       INTEGER,
    ends_at         INTEGER,
    -- Most messages per second this campaign may send (NULL: no campaign limit).
    rate_limit      INTEGER CHECK (rate_limit BETWEEN 1 AND 2000),
    -- Stored statuses; "scheduled" and "completed" are live campaigns before their start and
    -- after their end, derived from the dates when read.
    status          TEXT NOT NULL CHECK (status IN ('draft', 'live', 'stopped', 'archived')),
    live_version    INTEGER,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at),
    CHECK (status = 'draft' OR live_version IS NOT NULL)
) STRICT;

INSERT INTO campaigns_new (id, title, channel, namespace, sandbox_id, create_profiles, status,
                           live_version, created_by, created_at, updated_at)
SELECT id, title, channel, namespace,
       COALESCE(sandbox_id, '00000000-0000-7000-8000-000000000001'), create_profiles,
       status, live_version, 'user:' || created_by, created_at, updated_at
  FROM campaigns;

DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE INDEX campaigns_by_sandbox ON campaigns (sandbox_id, created_at);
