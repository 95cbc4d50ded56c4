-- Profile imports (backend/src/profile_imports.rs): each batch of rows commits with the
-- import's checkpoint, so an upload cut short resumes after its last committed row.
CREATE TABLE profile_imports (
    id          TEXT PRIMARY KEY NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    format      TEXT NOT NULL CHECK (format IN ('csv', 'ndjson')),
    file_name   TEXT NOT NULL DEFAULT '',
    -- Rows of imported profiles also become members of this static audience.
    audience_id TEXT REFERENCES audiences (id) ON DELETE SET NULL,
    -- reading: an upload is being read (taken over when `updated_at` is a minute old);
    -- completed: the whole file was read; interrupted: the upload ended before its end.
    status      TEXT NOT NULL CHECK (status IN ('reading', 'completed', 'interrupted')),
    -- The last row (as numbered in the file) whose batch committed.
    checkpoint  INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX profile_imports_by_sandbox ON profile_imports (sandbox_id, created_at);

-- The first 10,000 refused rows of an import, for its error report.
CREATE TABLE profile_import_errors (
    import_id   TEXT NOT NULL REFERENCES profile_imports (id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number)
) STRICT, WITHOUT ROWID;

-- Changes that are not a campaign's (the campaign ones are in audit_log): who, what, when,
-- never the personal data itself (e.g. "profile erased", subject = the profile's id).
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    sandbox_id TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_events_by_sandbox ON audit_events (sandbox_id, id);
