-- Accounts: self-registration and approval, single-use links, login throttling,
-- the audit trail, and the referring hospitals of the specification.

ALTER TABLE hospitals ADD COLUMN seeded BOOLEAN NOT NULL DEFAULT FALSE;

-- A self-registered account is usable once its email is confirmed and, when the centre
-- requires it, an administrator has approved it.
ALTER TABLE users ADD COLUMN email_confirmed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN approved BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'sl';
-- Raised by "sign out everywhere", a password change or a deactivation: every session
-- created under an older value is no longer valid.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- Single-use links sent by email. Only the SHA-256 of the token is stored.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'confirm_email', 'password_reset')),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Consecutive failed sign-ins per account (lower-cased email, whether or not an account
-- exists, so that the answer never tells which emails are registered).
CREATE TABLE login_failures (
    email           TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failed_at  BIGINT NOT NULL,
    locked_until    BIGINT
);

-- The audit trail: who did what, when, from which address. Append-only.
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            BIGINT NOT NULL,
    actor_user_id BIGINT,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT,
    client_addr   TEXT,
    detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- Whether self-registered referrers wait for an administrator's approval.
INSERT INTO app_meta (key, value) VALUES ('registration_requires_approval', 'true');

-- Referring hospitals from the domain specification, section 7.2. The list is a starting
-- point: `seeded` stays TRUE until an administrator confirms or edits the entry, and the
-- email domains (which allow self-registration) are left for the centre to fill in.
INSERT INTO hospitals (name, city, seeded, created_at) VALUES
    ('SB Celje', 'Celje', TRUE, 1795132800000),
    ('SB Novo mesto', 'Novo mesto', TRUE, 1795132800000),
    ('SB Murska Sobota', 'Rakičan', TRUE, 1795132800000),
    ('SB Slovenj Gradec', 'Slovenj Gradec', TRUE, 1795132800000),
    ('SB Izola', 'Izola', TRUE, 1795132800000),
    ('SB dr. Franca Derganca Nova Gorica', 'Šempeter pri Gorici', TRUE, 1795132800000),
    ('SB Jesenice', 'Jesenice', TRUE, 1795132800000),
    ('SB Brežice', 'Brežice', TRUE, 1795132800000),
    ('SB Ptuj', 'Ptuj', TRUE, 1795132800000),
    ('SB Trbovlje', 'Trbovlje', TRUE, 1795132800000),
    ('Bolnišnica Topolšica', 'Topolšica', TRUE, 1795132800000),
    ('Univerzitetna klinika Golnik', 'Golnik', TRUE, 1795132800000),
    ('UKC Maribor', 'Maribor', TRUE, 1795132800000),
    ('Onkološki inštitut Ljubljana', 'Ljubljana', TRUE, 1795132800000),
    ('UKC Ljubljana – Klinika za infekcijske bolezni in vročinska stanja', 'Ljubljana', TRUE, 1795132800000),
    ('UKC Ljubljana – Urgentni center', 'Ljubljana', TRUE, 1795132800000),
    ('UKC Ljubljana – KO za kardiologijo', 'Ljubljana', TRUE, 1795132800000),
    ('Predbolnišnična NMP (reševalne postaje, HNMP)', '', TRUE, 1795132800000)
ON CONFLICT (name) DO NOTHING;
