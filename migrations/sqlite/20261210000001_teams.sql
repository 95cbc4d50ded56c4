-- Teams: people hold a role in each sandbox they may enter; accounts can be disabled; invitations
-- and password resets are one-time links.

-- A disabled account cannot sign in, and its sessions stop working at their next request.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- A person's role in a sandbox (no row: they cannot enter it).
CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'approver', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, sandbox_id)
) STRICT;
CREATE INDEX memberships_sandbox ON memberships (sandbox_id);

-- Everyone who could sign in before roles existed could do everything, everywhere.
INSERT INTO memberships (user_id, sandbox_id, role, created_at)
SELECT u.id, s.id, 'owner', u.created_at FROM users u CROSS JOIN sandboxes s;

-- One-time links: an invitation (email, sandbox and role of the person to be) or a password
-- reset (an existing user). Only the token's SHA-256 is stored; a link works once, until it
-- expires.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    email      TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    sandbox_id TEXT REFERENCES sandboxes (id) ON DELETE CASCADE,
    role       TEXT CHECK (role IN ('owner', 'admin', 'editor', 'approver', 'viewer')),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    CHECK ((purpose = 'invite') = (sandbox_id IS NOT NULL AND role IS NOT NULL)),
    CHECK ((purpose = 'reset') = (user_id IS NOT NULL))
) STRICT;
