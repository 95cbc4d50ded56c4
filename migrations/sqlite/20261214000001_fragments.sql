-- Fragments: named pieces of content (a header, a footer) that campaigns include with
-- `{{> name}}`. A campaign version keeps the bodies of the fragments it includes as they were
-- when it was written (`campaign_versions.fragments`, JSON name → body; NULL: none), so editing
-- a fragment changes no version: campaigns take the new body in their next version.
CREATE TABLE fragments (
    id          TEXT PRIMARY KEY NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_by  TEXT NOT NULL,                  -- `user:<id>` or `key:<id>`
    updated_at  INTEGER NOT NULL,
    UNIQUE (sandbox_id, name)
) STRICT;

ALTER TABLE campaign_versions ADD COLUMN fragments TEXT;
