-- Foundation: installation metadata, hospitals, users, the mail outbox.
-- Timestamps are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE hospitals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    city          TEXT NOT NULL DEFAULT '',
    icu_phone     TEXT NOT NULL DEFAULT '',
    -- Comma-separated email domains whose owners may self-register for this hospital.
    email_domains TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,          -- stored lower-cased
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    -- Comma-separated roles: referrer, ecmo_clinician, admin.
    roles         TEXT NOT NULL,
    hospital_id   BIGINT REFERENCES hospitals (id),
    password_hash TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
