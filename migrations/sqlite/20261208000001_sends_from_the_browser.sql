-- Audience sends started by a person in the browser.
--
-- Executions and schedules name the API key that made them (NOT NULL). A send started in the
-- browser goes through its sandbox's console key: a key row that no secret matches (its hash
-- is not a SHA-256), never listed or revoked, made on first use.
ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'client' CHECK (kind IN ('client', 'console'));

-- Who started a send or made a schedule, as the audit log names actors (`user:<id>`,
-- `key:<id>`); NULL on rows older than this column: the execution's key.
ALTER TABLE audience_sends ADD COLUMN started_by TEXT;
ALTER TABLE audience_schedules ADD COLUMN started_by TEXT;
