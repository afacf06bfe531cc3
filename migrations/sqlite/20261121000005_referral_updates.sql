-- What follows a submission: every version of the referral's data (the submission is
-- version 1, each update by the referrer a new one), the message thread with the centre,
-- and the colleagues who follow the referral.

CREATE TABLE referral_snapshots (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id    BIGINT NOT NULL REFERENCES referrals (id),
    version        BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    author_user_id BIGINT NOT NULL REFERENCES users (id),
    -- Free text that came with the update (empty for the submission).
    note           TEXT NOT NULL DEFAULT '',
    -- The complete data of this version and what the rules made of it (JSON).
    data           TEXT NOT NULL,
    evaluation     TEXT NOT NULL,
    UNIQUE (referral_id, version)
);

CREATE TABLE referral_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id    BIGINT NOT NULL REFERENCES referrals (id),
    at             BIGINT NOT NULL,
    author_user_id BIGINT NOT NULL REFERENCES users (id),
    body           TEXT NOT NULL
);
CREATE INDEX referral_messages_referral ON referral_messages (referral_id, at);

CREATE TABLE referral_followers (
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    since       BIGINT NOT NULL,
    PRIMARY KEY (referral_id, user_id)
);

-- Referrals submitted before this table existed get their version 1.
INSERT INTO referral_snapshots (referral_id, version, at, author_user_id, note, data, evaluation)
SELECT id, 1, submitted_at, created_by, '', data, evaluation FROM referrals;
