-- The on-call roster, installation settings edited by administrators, the escalation state
-- of each referral, single-use acknowledgement links, and notification preferences.

CREATE TABLE oncall_shifts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Instants (UTC ms), computed from the local times as entered (Europe/Ljubljana).
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    starts_local    TEXT NOT NULL,
    ends_local      TEXT NOT NULL,
    primary_user_id BIGINT NOT NULL REFERENCES users (id),
    backup_user_id  BIGINT REFERENCES users (id),
    perfusionist    TEXT NOT NULL DEFAULT '',
    coordinator     TEXT NOT NULL DEFAULT '',
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX oncall_shifts_time ON oncall_shifts (starts_at, ends_at);

CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id)
);

-- Who has been told about a referral and when the next person is due. Timers live here,
-- not in memory: they survive restarts, and an escalation is claimed by moving `level` on
-- with a conditional update, so two instances never send the same one.
CREATE TABLE referral_escalations (
    referral_id     BIGINT PRIMARY KEY NOT NULL REFERENCES referrals (id),
    -- 0: the on-call physician (or the team) was told; 1: the backup; 2: the whole team.
    level           BIGINT NOT NULL DEFAULT 0,
    next_at         BIGINT,
    shift_id        BIGINT REFERENCES oncall_shifts (id),
    acknowledged_at BIGINT,
    acknowledged_by BIGINT REFERENCES users (id)
);
CREATE INDEX referral_escalations_due ON referral_escalations (next_at);

CREATE TABLE acknowledge_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    user_id     BIGINT REFERENCES users (id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    created_at  BIGINT NOT NULL
);

-- Optional notifications a user chose (comma-separated kinds); mandatory ones need none.
ALTER TABLE users ADD COLUMN notify_optional TEXT NOT NULL DEFAULT '';
