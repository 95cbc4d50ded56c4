-- Marketing opt-outs: an address that asked (one-click unsubscribe) to receive no more marketing
-- on a channel in a sandbox. Marketing campaigns exclude it; transactional ones do not.
CREATE TABLE opt_outs (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes (id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
    address    TEXT NOT NULL,
    -- How: 'unsubscribe_link' (the link or the List-Unsubscribe one-click POST).
    source     TEXT NOT NULL,
    -- The message whose link was used, if any.
    message_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sandbox_id, channel, address)
) STRICT, WITHOUT ROWID;
