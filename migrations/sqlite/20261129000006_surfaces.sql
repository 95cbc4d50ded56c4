-- Channel surfaces: a sender (email from/reply-to, SMS sender id, push app) and the provider that
-- carries its messages, per sandbox, marked marketing or transactional. A campaign may name one
-- of its channel and category; each message keeps the surface it was accepted for.

CREATE TABLE surfaces (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    name       TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    category   TEXT NOT NULL CHECK (category IN ('marketing', 'transactional')),
    -- The plain settings (domain::surface::SurfaceSettings) as JSON.
    settings   TEXT NOT NULL CHECK (json_valid(settings)),
    -- The credentials' JSON sealed with the server's secret key (nonce || ciphertext), bound to
    -- this id; NULL when the provider needs none.
    secrets    BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (sandbox_id, name)
) STRICT;

ALTER TABLE campaigns ADD COLUMN surface_id TEXT REFERENCES surfaces (id);
ALTER TABLE messages ADD COLUMN surface_id TEXT REFERENCES surfaces (id);
