-- Pacing schedules shared by every node: each rate-limited key's ('campaign:<id>',
-- 'surface:<id>') next free instant, in microseconds since the Unix epoch.
CREATE TABLE pacing (
    key        TEXT PRIMARY KEY NOT NULL,
    next_at_us BIGINT NOT NULL
);
