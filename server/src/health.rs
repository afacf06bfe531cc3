//! `GET /healthz`: 200 when the database answers and the mail worker is alive, else 503.
use crate::state::AppState;
use axum::{extract::State, http::StatusCode, Json};
use ecmo_referral_app::ssr::time::now_ms;
use serde::Serialize;
use std::time::Duration;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    database: &'static str,
    mail_worker: &'static str,
    outbox_pending: Option<i64>,
    outbox_failed: Option<i64>,
    outbox_oldest_pending_seconds: Option<i64>,
    /// `degraded` while an alert to the team is undelivered past its acknowledgement
    /// target: the team may not know of a referral.
    mail: &'static str,
    alerts_undelivered: Option<i64>,
    oldest_undelivered_alert_seconds: Option<i64>,
}

pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database_ok = tokio::time::timeout(Duration::from_secs(2), state.db.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    // The worker beats at least once per poll; a send can hold it for its timeout.
    let worker_ok = state
        .mail_health
        .heartbeat_age_ms()
        .is_some_and(|age| age < state.worker_stale_after.as_millis() as i64);
    let backlog = if database_ok {
        outbox_backlog(&state).await.ok()
    } else {
        None
    };
    let overdue = if database_ok {
        ecmo_referral_app::ssr::outbox::overdue_alerts(&state.db, now_ms())
            .await
            .ok()
    } else {
        None
    };
    let degraded = overdue.is_some_and(|o| o.count > 0);
    let ok = database_ok && worker_ok;
    let body = Health {
        status: match (ok, degraded) {
            (false, _) => "unavailable",
            (true, true) => "degraded",
            (true, false) => "ok",
        },
        mail: if degraded { "degraded" } else { "ok" },
        alerts_undelivered: overdue.map(|o| o.count),
        oldest_undelivered_alert_seconds: overdue
            .and_then(|o| o.oldest_created_at)
            .map(|created| (now_ms() - created).max(0) / 1000),
        database: if database_ok { "ok" } else { "unreachable" },
        mail_worker: if worker_ok { "ok" } else { "stalled" },
        outbox_pending: backlog.map(|b| b.0),
        outbox_failed: backlog.map(|b| b.2),
        outbox_oldest_pending_seconds: backlog
            .and_then(|b| b.1)
            .map(|created| (now_ms() - created).max(0) / 1000),
    };
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}

async fn outbox_backlog(state: &AppState) -> Result<(i64, Option<i64>, i64), sqlx::Error> {
    let (pending, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(&state.db.pool)
            .await?;
    let (failed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'failed'")
        .fetch_one(&state.db.pool)
        .await?;
    Ok((pending, oldest, failed))
}
