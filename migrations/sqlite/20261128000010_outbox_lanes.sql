-- Mail lanes by urgency: 0 clinical alerts (a new referral, an escalation), 1 other
-- clinical mail (receipts, decisions, messages), 2 account mail (resets, invitations).
-- The worker claims the lowest lane first, so no flood of account mail can hold back an
-- alert. Rows queued before this column existed are clinical mail.
ALTER TABLE outbox ADD COLUMN lane SMALLINT NOT NULL DEFAULT 1;
CREATE INDEX outbox_due_by_lane ON outbox (status, lane, next_attempt_at);
-- Account mail capped per recipient looks up what was queued for them recently.
CREATE INDEX outbox_recipient_kind ON outbox (recipient, kind, created_at);
