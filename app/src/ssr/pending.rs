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
        /// The form as typed, to show again if the alert is refused after sign-in (absent
        /// in posts kept by earlier versions).
        #[serde(default)]
        values: Option<crate::wire::referrals::EcprAlertValues>,
    },
    /// The ECPR alert form as typed, when the centre returned it with a mistake: the page
    /// it goes back to shows it again (see [`RETURNED_COOKIE`]). Never sent anywhere.
    ReturnedEcprForm {
        user_id: i64,
        values: crate::wire::referrals::EcprAlertValues,
    },
}

/// The cookie that holds the token of an ECPR alert form returned with a mistake.
pub const RETURNED_COOKIE: &str = "ecmo_returned";
/// How long a returned form is shown again: long enough to correct it, too short to be
/// mistaken for another patient's alert.
pub const RETURNED_MS: i64 = 15 * 60_000;

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

/// Reads the post kept under `token` without taking it (a returned form is shown again on
/// every reload until it is sent or expires), if it is younger than `max_age_ms`.
pub async fn peek(
    db: &Db,
    now_ms: i64,
    token: &str,
    max_age_ms: i64,
) -> Result<Option<PendingPost>, AppError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT post, created_at FROM pending_posts WHERE token = $1")
            .bind(token)
            .fetch_optional(&db.pool)
            .await?;
    match row {
        Some((text, created_at)) if created_at >= now_ms - max_age_ms => {
            serde_json::from_str(&text).map(Some).map_err(|e| {
                tracing::error!(error = %e, "a kept post does not decode");
                AppError::Internal
            })
        }
        _ => Ok(None),
    }
}

/// Deletes the post kept under `token` (a returned form that has now been sent).
pub async fn discard(db: &Db, token: &str) -> Result<(), AppError> {
    let _turn = db.write_turn().await;
    sqlx::query("DELETE FROM pending_posts WHERE token = $1")
        .bind(token)
        .execute(&db.pool)
        .await?;
    Ok(())
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
    token_in(cookie_header, COOKIE)
}

/// The token of a returned form, from a `Cookie` header.
pub fn returned_token_from(cookie_header: &str) -> Option<&str> {
    token_in(cookie_header, RETURNED_COOKIE)
}

fn token_in<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookies::read(cookie_header, name)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value for a returned form's token (or, with `None`, its removal).
pub fn returned_cookie(token: Option<&str>, secure: bool) -> String {
    let (value, max_age) = token.map_or(("", 0), |t| (t, RETURNED_MS / 1000));
    cookies::set(RETURNED_COOKIE, value, max_age, secure)
}
