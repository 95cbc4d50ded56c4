-- Who changed what, when: one row per change to a campaign (created, edited, activated, …).
-- Kept when the campaign is deleted, so there are no foreign keys.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    sandbox_id  TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    -- "user:<id>" or "key:<id>"
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, id);
