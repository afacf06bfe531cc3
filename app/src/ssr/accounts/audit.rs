//! The audit trail: an append-only table (the database refuses UPDATE and DELETE on it).
//! Events name people by account id and never carry a password or patient data.
use crate::ssr::time::now_ms;
use sqlx::AnyConnection;
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub actor: Option<i64>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<String>,
    pub client_addr: Option<IpAddr>,
    /// A small JSON object of facts (e.g. the roles set); never secrets.
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event by whoever made the request (none for the system), about one subject.
    pub fn by(
        identity: &super::RequestIdentity,
        action: &'a str,
        subject_type: &'a str,
        subject_id: impl ToString,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            actor: identity.user.as_ref().map(|u| u.id),
            action,
            subject_type,
            subject_id: Some(subject_id.to_string()),
            client_addr: identity.client_addr,
            detail,
        }
    }
}

pub async fn record(conn: &mut AnyConnection, event: Event<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor_user_id, action, subject_type, subject_id, client_addr, detail, actor_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT name FROM users WHERE id = $2))",
    )
    .bind(now_ms())
    .bind(event.actor)
    .bind(event.action)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.client_addr.map(|a| a.to_string()))
    .bind(event.detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
