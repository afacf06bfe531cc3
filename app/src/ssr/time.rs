//! Timestamps are stored as integer milliseconds since the Unix epoch (UTC), the one
//! representation SQLite and PostgreSQL share through sqlx's `Any` driver.
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
