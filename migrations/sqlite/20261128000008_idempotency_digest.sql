-- The SHA-256 of the request an idempotency key first came with: the same key with another
-- body is refused instead of answered with the first referral. Empty for referrals stored
-- before this column existed (their key still returns them).
ALTER TABLE referrals ADD COLUMN request_digest TEXT NOT NULL DEFAULT '';
