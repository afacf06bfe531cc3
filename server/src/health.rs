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
    let ok = database_ok && worker_ok;
    let body = Health {
        status: if ok { "ok" } else { "unavailable" },
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
