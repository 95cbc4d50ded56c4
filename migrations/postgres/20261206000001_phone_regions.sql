-- A sandbox's default region for national phone numbers (ISO 3166 alpha-2, e.g. 'US'); NULL:
-- the server's (HERALD_DEFAULT_PHONE_REGION). A surface may name its own in its settings.
ALTER TABLE sandboxes ADD COLUMN phone_region TEXT;
