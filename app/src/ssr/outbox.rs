//! The mail outbox. An email is never the record: the change that causes it writes an
//! outbox row in its own transaction, and the delivery worker sends it later, retrying
//! with backoff until it is delivered or marked failed.
use super::time::now_ms;
use sqlx::AnyConnection;

/// A message to be sent. Callers put no patient identifier in any field.
#[derive(Clone, Debug)]
pub struct NewMail {
    /// What caused the message (e.g. `referral_submitted`), for the delivery page and logs.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// Queues a message on the caller's connection — normally inside its transaction — and returns its Message-ID, which stays
/// the same across retries so that a receiver can recognise a repeated delivery.
pub async fn enqueue(
    conn: &mut AnyConnection,
    mail: &NewMail,
    message_id_domain: &str,
) -> Result<String, sqlx::Error> {
    let message_id = format!("{}@{}", uuid::Uuid::new_v4(), message_id_domain);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (message_id, kind, recipient, subject, body_text, body_html, \
         status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
    )
    .bind(&message_id)
    .bind(&mail.kind)
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(mail.body_html.as_deref())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(message_id)
}
