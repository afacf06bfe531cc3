-- The centre's workspace: who works a referral, how urgent it is (for the queue's order),
-- the instants the quality figures measure, and the centre's capacity.

ALTER TABLE referrals ADD COLUMN assigned_to BIGINT REFERENCES users (id);
-- 0 = ECPR, 1 = VA-ECMO with SCAI stage D or E, 2 = everything else.
ALTER TABLE referrals ADD COLUMN urgency BIGINT NOT NULL DEFAULT 2;
ALTER TABLE referrals ADD COLUMN acknowledged_at BIGINT;
-- The first decision's instant, and the decision in force (the latest).
ALTER TABLE referrals ADD COLUMN decided_at BIGINT;
ALTER TABLE referrals ADD COLUMN decision TEXT;
-- When the mobile team left for the referring hospital.
ALTER TABLE referrals ADD COLUMN departed_at BIGINT;
-- A deferred referral's review time (UTC ms); cleared once the reminder is sent or the
-- referral leaves the deferred state.
ALTER TABLE referrals ADD COLUMN review_due_at BIGINT;

UPDATE referrals SET urgency = 0 WHERE pathway = 'ecpr';
UPDATE referrals SET urgency = 1
    WHERE pathway = 'va' AND json_extract(evaluation, '$.scai.stage') IN ('D', 'E');
UPDATE referrals SET acknowledged_at = (
    SELECT e.acknowledged_at FROM referral_escalations e WHERE e.referral_id = referrals.id
);

CREATE INDEX referrals_queue ON referrals (status, urgency, submitted_at);
CREATE INDEX referrals_submitted ON referrals (submitted_at);
CREATE INDEX referrals_updated ON referrals (updated_at);
CREATE INDEX referrals_review_due ON referrals (review_due_at);

-- Whether the centre can take a new ECMO patient now. Kept apart from clinical decisions:
-- a full unit is never recorded as a decline. The newest row is in force.
CREATE TABLE centre_capacity (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    beds_available BOOLEAN NOT NULL,
    team_available BOOLEAN NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    set_by         BIGINT NOT NULL REFERENCES users (id)
);
