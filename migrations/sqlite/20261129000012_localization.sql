-- Email preheaders and language variants, both part of a version's immutable content.

-- Email only: the inbox preview line; empty for none and on other channels.
ALTER TABLE campaign_versions ADD COLUMN preheader TEXT NOT NULL DEFAULT '';

-- {"attribute": "<profile attribute path>", "variants": [{"locale", "subject", "preheader",
-- "htmlBody", "textBody"}]}; NULL when the version has no variants.
ALTER TABLE campaign_versions ADD COLUMN localization TEXT
    CHECK (localization IS NULL OR json_valid(localization));
