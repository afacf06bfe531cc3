-- Browsers that signed in successfully before (OWASP "device cookies"): the right password
-- from such a browser is let through while the account is locked by failures from
-- elsewhere, so that a stranger cannot lock a named clinician out. Only the SHA-256 of the
-- cookie's token is stored.
CREATE TABLE trusted_devices (
    token_digest TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);
