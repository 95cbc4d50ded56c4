-- Approvals: a sandbox may require that a marketing campaign (or a new version of one) is
-- approved before it goes live, by someone other than the person who last changed it.

ALTER TABLE sandboxes ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0
    CHECK (approval_required IN (0, 1));

-- Who last wrote each version's content (`user:<id>` or `key:<id>`); unknown before this.
ALTER TABLE campaign_versions ADD COLUMN edited_by TEXT;

-- One request per campaign version: pending (no decision yet) until an approver approves
-- (which activates the version) or rejects it, or an edit of the version withdraws it.
CREATE TABLE approval_requests (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    sandbox_id   TEXT NOT NULL REFERENCES sandboxes (id),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    decision     TEXT CHECK (decision IN ('approved', 'rejected', 'withdrawn')),
    decided_by   TEXT,
    decided_at   INTEGER,
    comment      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, version),
    CHECK ((decision IS NULL) = (decided_at IS NULL))
) STRICT;
CREATE INDEX approval_requests_pending ON approval_requests (sandbox_id) WHERE decision IS NULL;

-- The audit log page reads a sandbox's campaign changes newest first.
CREATE INDEX audit_log_by_sandbox ON audit_log (sandbox_id, at);
