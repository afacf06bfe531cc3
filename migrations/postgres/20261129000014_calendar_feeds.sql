-- A personal calendar feed of on-call shifts (iCalendar), one per clinician, read by
-- calendar programs without a session. The token is kept as it was issued so that its
-- owner can copy the address again (as calendar services do for their private feeds):
-- it reveals only the owner's shift times. Renewing it replaces the row.
CREATE TABLE calendar_feeds (
    user_id    BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    token      TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
