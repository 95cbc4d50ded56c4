-- The browser sessions a person has open, so they can see and end them. `session_key` is the
-- key of the session's row in the session table (a hash of the cookie's id, never the cookie);
-- a row whose session expired is not shown, and is purged with it.
CREATE TABLE user_sessions (
    session_key TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    browser     TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX user_sessions_by_user ON user_sessions (user_id);

-- The audit log records the network address each change came from (empty: none, e.g. the
-- command line or Herald itself).
ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN address TEXT NOT NULL DEFAULT '';
