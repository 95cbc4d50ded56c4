-- Tenancy (organisations and their sandboxes), API key scopes, and stored profiles.

-- A sandbox is an isolated space of one organisation (e.g. "prod", "dev"). Campaigns, profiles
-- and API keys each live in exactly one; an API key sees only its own sandbox.
CREATE TABLE sandboxes (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, name)
) STRICT;

-- Every install starts with the organisation "herald" and its sandbox "prod"; the fixed id lets
-- existing rows move into it.
INSERT INTO sandboxes (id, org_id, name, created_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'herald', 'prod', 0);

-- SQLite adds a REFERENCES column only with a NULL default; the code always sets it.
ALTER TABLE campaigns ADD COLUMN sandbox_id TEXT REFERENCES sandboxes (id);
UPDATE campaigns SET sandbox_id = '00000000-0000-7000-8000-000000000001';
-- Whether a trigger call may create a profile for an unknown `aep` recipient.
ALTER TABLE campaigns ADD COLUMN create_profiles INTEGER NOT NULL DEFAULT 0
    CHECK (create_profiles IN (0, 1));
CREATE INDEX campaigns_by_sandbox ON campaigns (sandbox_id, created_at);

ALTER TABLE api_keys ADD COLUMN sandbox_id TEXT REFERENCES sandboxes (id);
UPDATE api_keys SET sandbox_id = '00000000-0000-7000-8000-000000000001';
-- 'trigger' keys call the execution API only; 'admin' keys also use the management API.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'
    CHECK (scope IN ('trigger', 'admin'));
-- A restricted key may trigger only the campaigns listed in api_key_campaigns (maybe none).
ALTER TABLE api_keys ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1));

CREATE TABLE api_key_campaigns (
    api_key_id  TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, campaign_id)
) STRICT;

-- A person known by one or more identities, with attributes (a JSON object) used as `profile.*`
-- in content. Context data from trigger calls is never stored here.
CREATE TABLE profiles (
    id         TEXT PRIMARY KEY NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    attributes TEXT NOT NULL CHECK (json_valid(attributes) AND json_type(attributes) = 'object'),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- An identity belongs to one profile per sandbox: (namespace, value) such as ('email', 'a@b.c').
CREATE TABLE profile_identities (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    namespace  TEXT NOT NULL,
    value      TEXT NOT NULL,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (sandbox_id, namespace, value)
) STRICT, WITHOUT ROWID;

CREATE INDEX profile_identities_by_profile ON profile_identities (profile_id);
