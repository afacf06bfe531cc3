//! Single-use links sent by email. The token is 256 random bits; only its SHA-256 is
//! stored, so a copy of the database cannot be used to take over an account.
use crate::ssr::time::now_ms;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    ConfirmEmail,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::ConfirmEmail => "confirm_email",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// 256 random bits, URL-safe: the secret part of a link.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, in hex.
pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a token for `user_id`; earlier unused tokens of the same purpose stop working.
pub async fn issue(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: Purpose,
    ttl: Duration,
) -> Result<String, sqlx::Error> {
    let token = random_token();
    let now = now_ms();
    sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(&token))
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(now + ttl.as_millis() as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Marks the token used and returns its user, or `None` when it is unknown, expired or
/// already used. One statement, so two concurrent uses cannot both succeed.
pub async fn consume(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<Option<i64>, sqlx::Error> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let now = now_ms();
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// The user a token would act for, without using it; `None` when it would be refused.
pub async fn owner(
    conn: &mut AnyConnection,
    token: &str,
    purpose: Purpose,
) -> Result<Option<i64>, sqlx::Error> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT user_id FROM account_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(digest(token))
    .bind(purpose.as_str())
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id,)| id))
}
