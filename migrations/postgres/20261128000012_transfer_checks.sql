-- The pre-transfer checklist as the referring hospital ticks it, item by item, with who
-- ticked it and when, so that the centre sees what is ready before the team leaves.
-- Unticking an item removes its row.
CREATE TABLE transfer_checks (
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    item        TEXT   NOT NULL,
    checked_at  BIGINT NOT NULL,
    checked_by  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (referral_id, item)
);
