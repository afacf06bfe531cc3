-- The actor's name as it was when the event was recorded: the audit trail must not change
-- when a user is renamed later. Rows written before this column read the current name.
ALTER TABLE audit_events ADD COLUMN actor_name TEXT;
