-- Drafts of VV and VA referrals: the form as the doctor typed it (JSON of field → text),
-- saved as they go, resumable from any device by the same account. A draft is submitted
-- once: its idempotency key becomes the referral's.

CREATE TABLE referral_drafts (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id               BIGINT NOT NULL REFERENCES users (id),
    hospital_id           BIGINT NOT NULL REFERENCES hospitals (id),
    pathway               TEXT NOT NULL CHECK (pathway IN ('vv', 'va')),
    form                  TEXT NOT NULL DEFAULT '{}',
    idempotency_key       TEXT NOT NULL UNIQUE,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    revision              BIGINT NOT NULL DEFAULT 1,
    submitted_referral_id BIGINT REFERENCES referrals (id),
    discarded_at          BIGINT
);
CREATE INDEX referral_drafts_user ON referral_drafts (user_id, updated_at);
