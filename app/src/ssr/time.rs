//! Timestamps are stored as integer milliseconds since the Unix epoch (UTC), the one
//! representation SQLite and PostgreSQL share through sqlx's `Any` driver.
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A time as people at the centre read it: `21. 11. 2026 09:15` in Europe/Ljubljana.
pub fn local_display(ms: i64) -> String {
    let Ok(instant) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    match jiff::tz::TimeZone::get("Europe/Ljubljana") {
        Ok(zone) => instant
            .to_zoned(zone)
            .strftime("%-d. %-m. %Y %H:%M")
            .to_string(),
        Err(_) => instant.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_ljubljana_across_daylight_saving() {
        // 2026-11-21 08:15 UTC is 09:15 in winter (CET).
        assert_eq!(local_display(1_795_248_900_000), "21. 11. 2026 09:15");
        // 2026-07-01 08:15 UTC is 10:15 in summer (CEST).
        assert_eq!(local_display(1_782_893_700_000), "1. 7. 2026 10:15");
    }
}
