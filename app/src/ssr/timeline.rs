//! A referral's timeline as people see it (the audit trail records every read besides):
//! one row per thing that happened to it, written here and nowhere else.
use crate::domain::workflow::Status;
use serde_json::Value;
use sqlx::AnyConnection;

/// One step of a referral's timeline.
pub struct Step<'a> {
    pub referral_id: i64,
    pub at: i64,
    /// `None` for what the server did by itself (an escalation, a review coming due).
    pub actor: Option<i64>,
    /// What happened: `submitted`, `updated`, `message`, `assigned`, `escalated`,
    /// `review_due`, or a state change's kind.
    pub kind: &'a str,
    /// The state the referral moved to, for state changes.
    pub status: Option<Status>,
    pub detail: &'a Value,
}

/// Writes a step in the caller's transaction.
pub async fn record(conn: &mut AnyConnection, step: Step<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO referral_events (referral_id, at, actor_user_id, kind, status, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(step.referral_id)
    .bind(step.at)
    .bind(step.actor)
    .bind(step.kind)
    .bind(step.status.map(Status::as_str))
    .bind(step.detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
