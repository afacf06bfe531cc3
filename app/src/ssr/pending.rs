//! Posts that arrived after the session expired. A doctor whose idle sign-out came while
//! typing loses nothing: the post is kept here under a random token that only their
//! browser holds (a short-lived cookie), the sign-in page says so, and after sign-in
//! `/resume` completes the original action once — the step is saved, the alert is sent.
use super::cookies;
use super::db::Db;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The cookie that holds a kept post's token.
pub const COOKIE: &str = "ecmo_pending";
/// How long a kept post waits for its sign-in.
pub const KEEP_MS: i64 = 3_600_000;
/// Where the sign-in page sends the browser to complete a kept post.
pub const RESUME: &str = "/resume";

/// A post kept until its author signs in again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PendingPost {
    /// One step of a VV/VA draft, as posted (names and values, `_step` and `_go` included).
    DraftStep {
        draft_id: i64,
        pairs: Vec<(String, String)>,
    },
    /// The ECPR alert, with the idempotency key of the form it came from, so that it is
    /// sent once however often it is completed.
    EcprAlert {
        idempotency_key: String,
        body: Value,
    },
}

/// Keeps `post` and returns its token.
pub async fn keep(db: &Db, now_ms: i64, post: &PendingPost) -> Result<String, AppError> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let text = serde_json::to_string(post).map_err(|_| AppError::Internal)?;
    let _turn = db.write_turn().await;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM pending_posts WHERE created_at < $1")
        .bind(now_ms - KEEP_MS)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO pending_posts (token, post, created_at) VALUES ($1, $2, $3)")
        .bind(&token)
        .bind(&text)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// Takes the post kept under `token`, once: a second call (a reload of `/resume`, a second
/// tab) finds nothing. An expired post is gone.
pub async fn take(db: &Db, now_ms: i64, token: &str) -> Result<Option<PendingPost>, AppError> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin().await?;
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT post, created_at FROM pending_posts WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((text, created_at)) = row else {
        return Ok(None);
    };
    let deleted = sqlx::query("DELETE FROM pending_posts WHERE token = $1")
        .bind(token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if deleted != 1 || created_at < now_ms - KEEP_MS {
        return Ok(None);
    }
    serde_json::from_str(&text).map(Some).map_err(|e| {
        tracing::error!(error = %e, "a kept post does not decode");
        AppError::Internal
    })
}

/// Deletes kept posts past [`KEEP_MS`]: they may hold patient data, and nobody can
/// complete them any more.
pub async fn purge_expired(conn: &mut sqlx::AnyConnection) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM pending_posts WHERE created_at < $1")
        .bind(crate::ssr::time::now_ms() - KEEP_MS)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

/// The `Set-Cookie` value that gives the browser the token (or, with `None`, removes it).
pub fn cookie(token: Option<&str>, secure: bool) -> String {
    match token {
        Some(token) => cookies::set(COOKIE, token, KEEP_MS / 1000, secure),
        None => cookies::set(COOKIE, "", 0, secure),
    }
}

/// The token in a `Cookie` header, if it looks like one.
pub fn token_from(cookie_header: &str) -> Option<&str> {
    cookies::read(cookie_header, COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}
