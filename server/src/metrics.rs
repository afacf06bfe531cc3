//! `GET /metrics` in Prometheus's text format, for the hospital's monitoring: requests and
//! their latency by route *template* (never a path with an id in it), the outbox's backlog
//! and oldest message by lane, how long an alert took from its commit to the SMTP server,
//! escalations by level, refused sign-ins and throttled attempts, and the database pool.
//!
//! Counters and histograms are kept by the `metrics` facade and rendered by
//! `metrics-exporter-prometheus`; the backlog and the pool are read when scraped. Only
//! clients from `ECMO_METRICS_ALLOW` or with `ECMO_METRICS_TOKEN` are answered.
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use ecmo_referral_app::ssr::outbox::Lane;
use http::{header, HeaderMap, Method, StatusCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;
use std::sync::OnceLock;
use std::time::Instant;

/// Histogram buckets in seconds: from a fast page (5 ms) to an alert mail that waited
/// through an outage (an hour).
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. Several servers in one process (the
/// tests) share it, as they would share a process's figures.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows only what is read when scraped");
        }
        handle
    })
}

/// Counts each request and times it, by method, route template and status. A path no
/// route matched is `unmatched`, and an unusual method `other`, so that a scan of random
/// URLs cannot grow the label set.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "ecmo_http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!(
        "ecmo_http_request_duration_seconds",
        "method" => method,
        "route" => route
    )
    .record(started.elapsed().as_secs_f64());
    response
}

pub(crate) fn lane_name(rank: i64) -> &'static str {
    Lane::from_rank(rank).map_or("unknown", Lane::name)
}

fn allowed(state: &AppState, identity: &RequestIdentity, headers: &HeaderMap) -> bool {
    let settings = &state.settings.metrics;
    let from_allowed = identity
        .client_addr
        .is_some_and(|addr| settings.allow.iter().any(|net| net.contains(&addr)));
    let with_token = settings.token.as_ref().is_some_and(|token| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                constant_time_eq(given.as_bytes(), token.expose_secret().as_bytes())
            })
    });
    from_allowed || with_token
}

/// Compares without stopping at the first difference, so that the time taken does not
/// tell how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads what is not counted as it happens: the outbox by lane and the pool.
async fn read_gauges(state: &AppState) -> Result<(), sqlx::Error> {
    let now = ecmo_referral_app::ssr::time::now_ms();
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT CAST(lane AS BIGINT), COUNT(*), MIN(created_at) FROM outbox \
         WHERE status = 'pending' GROUP BY lane",
    )
    .fetch_all(&state.db.pool)
    .await?;
    for lane in Lane::ALL {
        let (count, oldest) = rows
            .iter()
            .find(|(rank, _, _)| *rank == lane.rank())
            .map_or((0, now), |(_, count, oldest)| (*count, *oldest));
        let lane = lane.name();
        metrics::gauge!("ecmo_outbox_pending", "lane" => lane).set(count as f64);
        metrics::gauge!("ecmo_outbox_oldest_pending_seconds", "lane" => lane)
            .set((now - oldest).max(0) as f64 / 1000.0);
    }
    let (failed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'failed'")
        .fetch_one(&state.db.pool)
        .await?;
    metrics::gauge!("ecmo_outbox_failed").set(failed as f64);
    let pool = &state.db.pool;
    let idle = pool.num_idle() as f64;
    metrics::gauge!("ecmo_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("ecmo_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.size()) - idle);
    metrics::gauge!("ecmo_db_pool_max").set(f64::from(pool.options().get_max_connections()));
    Ok(())
}

/// `GET /metrics`.
pub async fn serve(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, &identity, &headers) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            "Metrics are served to the addresses in ECMO_METRICS_ALLOW, or with the bearer \
             token of ECMO_METRICS_TOKEN.\n",
        )
            .into_response();
    }
    let handle = handle();
    if let Err(error) = read_gauges(&state).await {
        tracing::warn!(error = %error, "metrics: the outbox could not be read");
        metrics::gauge!("ecmo_database_up").set(0.0);
    } else {
        metrics::gauge!("ecmo_database_up").set(1.0);
    }
    handle.run_upkeep();
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn lanes_have_names() {
        assert_eq!(lane_name(Lane::Alert.rank()), "alert");
        assert_eq!(lane_name(Lane::Account.rank()), "account");
        assert_eq!(lane_name(9), "unknown");
    }
}
