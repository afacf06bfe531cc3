-- Referrals: the submitted record with its computed flags, its timeline, and the counter
-- behind the human-readable references (ECMO-2026-0042).

CREATE TABLE reference_counters (
    year        BIGINT PRIMARY KEY NOT NULL,
    last_number BIGINT NOT NULL
);

CREATE TABLE referrals (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    reference              TEXT NOT NULL UNIQUE,
    pathway                TEXT NOT NULL CHECK (pathway IN ('vv', 'va', 'ecpr')),
    status                 TEXT NOT NULL,
    hospital_id            BIGINT NOT NULL REFERENCES hospitals (id),
    created_by             BIGINT NOT NULL REFERENCES users (id),
    -- Chosen by the client once per form: a repeated submission returns the first result.
    idempotency_key        TEXT NOT NULL,
    -- The submitted answers as checked (JSON), and what the rules made of them.
    data                   TEXT NOT NULL,
    evaluation             TEXT NOT NULL,
    rule_set_version       TEXT NOT NULL,
    acknowledge_target_min BIGINT NOT NULL,
    decision_target_min    BIGINT NOT NULL,
    submitted_at           BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    version                BIGINT NOT NULL DEFAULT 1,
    UNIQUE (created_by, idempotency_key)
);
CREATE INDEX referrals_hospital ON referrals (hospital_id, submitted_at);

-- The referral's timeline as people see it (the audit trail records every read as well).
CREATE TABLE referral_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id   BIGINT NOT NULL REFERENCES referrals (id),
    at            BIGINT NOT NULL,
    actor_user_id BIGINT,
    kind          TEXT NOT NULL,
    status        TEXT,
    detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);
