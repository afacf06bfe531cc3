//! Trusted devices (OWASP "Authentication": device cookies). A browser that signed in with
//! the right password gets a long-lived cookie naming it; while an account is locked by
//! failed sign-ins, the right password from such a browser still signs in, and failures
//! from it do not add to the account's lock. So guessing from elsewhere can lock a name
//! out of strangers' browsers but not out of the clinician's own phone or ward computer.
use super::tokens::{digest, random_token};
use crate::ssr::cookies;
use crate::ssr::time::now_ms;
use sqlx::AnyConnection;

/// The cookie that names a trusted browser.
pub const COOKIE: &str = "ecmo_device";
/// How long a browser stays trusted after its last sign-in.
pub const TRUST_DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;

/// Whether `token` names a browser `user_id` signed in from within the trust period.
pub async fn is_trusted(
    conn: &mut AnyConnection,
    user_id: i64,
    token: &str,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT user_id FROM trusted_devices WHERE token_digest = $1 AND user_id = $2 AND last_used_at >= $3",
    )
    .bind(digest(token))
    .bind(user_id)
    .bind(now_ms() - TRUST_DAYS * DAY_MS)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Records a successful sign-in from a browser: renews its trust when it already has a
/// token for this user, else issues one. Returns the token the cookie should carry.
pub async fn signed_in(
    conn: &mut AnyConnection,
    user_id: i64,
    token: Option<&str>,
) -> Result<String, sqlx::Error> {
    let now = now_ms();
    if let Some(token) = token {
        let renewed = sqlx::query(
            "UPDATE trusted_devices SET last_used_at = $1 WHERE token_digest = $2 AND user_id = $3",
        )
        .bind(now)
        .bind(digest(token))
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if renewed == 1 {
            return Ok(token.to_owned());
        }
    }
    sqlx::query("DELETE FROM trusted_devices WHERE last_used_at < $1")
        .bind(now - TRUST_DAYS * DAY_MS)
        .execute(&mut *conn)
        .await?;
    let token = random_token();
    sqlx::query(
        "INSERT INTO trusted_devices (token_digest, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The `Set-Cookie` value for a trusted browser's token.
pub fn cookie(token: &str, secure: bool) -> String {
    cookies::set(COOKIE, token, TRUST_DAYS * 86_400, secure)
}

/// The device token in a `Cookie` header.
pub fn token_from(cookie_header: &str) -> Option<&str> {
    cookies::read(cookie_header, COOKIE).filter(|v| {
        (20..=100).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}
