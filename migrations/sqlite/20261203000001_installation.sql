-- One row describing this installation: a check value of the secret key it was first started
-- with (an HMAC of a fixed text, which reveals nothing of the key), so a node started with
-- another key refuses to run instead of failing to open sealed credentials and signed links.
CREATE TABLE installation (
    id         BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    key_check  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
