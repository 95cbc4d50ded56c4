-- Custom identity namespaces an admin adds to a sandbox, besides the standard ones (email,
-- phone, ecid, crmId), which are not stored. Campaigns and profile identities use only known
-- namespaces; one in use cannot be deleted.
CREATE TABLE namespaces (
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (sandbox_id, name)
) STRICT, WITHOUT ROWID;

-- Namespaces used before they were managed become custom namespaces of their sandbox.
INSERT OR IGNORE INTO namespaces (sandbox_id, name, description, created_at)
SELECT sandbox_id, namespace, '', CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM (SELECT sandbox_id, namespace FROM campaigns
        UNION SELECT sandbox_id, namespace FROM profile_identities)
 WHERE namespace NOT IN ('email', 'phone', 'ecid', 'crmId');
