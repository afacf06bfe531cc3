-- A form post that arrived without a valid session (the idle sign-out came while the
-- doctor typed), kept so that nothing typed is lost: after sign-in, the browser that holds
-- the token completes it once. Rows live at most an hour.
CREATE TABLE pending_posts (
    token      TEXT PRIMARY KEY,
    post       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pending_posts_created_at ON pending_posts (created_at);
