-- Audiences (domain/src/audience.rs) and audience sends (backend/src/audience_sends.rs).

-- A static audience lists its members; a rule-based one keeps its rule's canonical text and
-- is evaluated when counted or sent.
CREATE TABLE audiences (
    id          TEXT PRIMARY KEY NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rule        TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (sandbox_id, name)
) STRICT;

CREATE TABLE audience_members (
    audience_id TEXT NOT NULL REFERENCES audiences (id) ON DELETE CASCADE,
    profile_id  TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (audience_id, profile_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX audience_members_by_profile ON audience_members (profile_id);

-- Sends walk a sandbox's profiles in id order.
CREATE INDEX profiles_by_sandbox ON profiles (sandbox_id, id);

-- The campaign's own audience, used by audience sends that name none.
ALTER TABLE campaigns ADD COLUMN audience_id TEXT REFERENCES audiences (id) ON DELETE SET NULL;

-- One audience send per execution. Profiles up to `upper_bound` (the largest id when the send
-- started) are read in id order after `checkpoint`; each batch's messages are committed with
-- the new checkpoint, under the lease of the node doing the work.
CREATE TABLE audience_sends (
    execution_id  TEXT PRIMARY KEY NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    audience_id   TEXT REFERENCES audiences (id) ON DELETE SET NULL,
    audience_name TEXT NOT NULL,
    context       TEXT NOT NULL CHECK (json_valid(context)),
    status        TEXT NOT NULL CHECK (status IN ('in_progress', 'succeeded', 'failed', 'cancelled')),
    upper_bound   TEXT NOT NULL,
    checkpoint    TEXT NOT NULL DEFAULT '',
    -- Members counted when the send started; NULL until the first step counted them.
    targeted      INTEGER,
    queued        INTEGER NOT NULL DEFAULT 0,
    excluded      INTEGER NOT NULL DEFAULT 0,
    lease_token   TEXT,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    failure       TEXT,
    finished_at   INTEGER
) STRICT;

CREATE INDEX audience_sends_unfinished ON audience_sends (locked_until) WHERE status = 'in_progress';

-- An audience send to start later. At its time it becomes an audience send (`execution_id`);
-- found more than the grace period late (Herald was down), it is marked missed instead.
CREATE TABLE audience_schedules (
    id            TEXT PRIMARY KEY NOT NULL,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    audience_id   TEXT REFERENCES audiences (id) ON DELETE SET NULL,
    context       TEXT NOT NULL CHECK (json_valid(context)),
    request_id    TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    api_key_id    TEXT NOT NULL REFERENCES api_keys (id),
    execute_at    INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('scheduled', 'triggered', 'missed', 'failed')),
    execution_id  TEXT REFERENCES executions (id) ON DELETE SET NULL,
    failure       TEXT,
    created_at    INTEGER NOT NULL,
    fired_at      INTEGER,
    UNIQUE (campaign_id, request_id)
) STRICT;

CREATE INDEX audience_schedules_due ON audience_schedules (execute_at) WHERE status = 'scheduled';

-- The instant after which a queued message is no longer sent (an audience send's window);
-- NULL: no such limit. Delivery excludes it then (send_window).
ALTER TABLE messages ADD COLUMN send_by INTEGER;
