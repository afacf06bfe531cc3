//! Timestamps are stored as integer milliseconds since the Unix epoch (UTC), the one
//! representation SQLite and PostgreSQL share through sqlx's `Any` driver.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The clock the referral services read: the system's, plus an offset that only tests move
/// (to let an escalation window pass without waiting for it).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Sets this clock to read `at_ms` now.
    pub fn set(&self, at_ms: i64) {
        self.offset_ms.store(at_ms - now_ms(), Ordering::Relaxed);
    }

    /// The offset from the system clock, to give another instance the same time.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

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

fn zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Ljubljana").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The wall-clock reading in Ljubljana of an instant, as milliseconds of a naive civil
/// time (the representation of [`crate::domain::checklist::parse_local`]).
pub fn to_local(ms: i64) -> i64 {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(instant) => {
            let offset = zone().to_offset(instant);
            ms + i64::from(offset.seconds()) * 1000
        }
        Err(_) => ms,
    }
}

/// The instant of a Ljubljana wall-clock time. In the hour that repeats when clocks go back,
/// the earlier instant; in the hour that is skipped in spring, the time after the jump.
pub fn from_local(local_ms: i64) -> i64 {
    let Ok(naive) = jiff::Timestamp::from_millisecond(local_ms) else {
        return local_ms;
    };
    let civil = naive.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    match zone().to_ambiguous_zoned(civil).compatible() {
        Ok(zoned) => zoned.timestamp().as_millisecond(),
        Err(_) => local_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::parse_local;

    #[test]
    fn wall_clock_times_of_ljubljana() {
        // Winter: UTC+1; summer: UTC+2.
        let winter = parse_local("2026-11-21T09:15").unwrap();
        assert_eq!(from_local(winter), 1_795_248_900_000);
        assert_eq!(to_local(1_795_248_900_000), winter);
        let summer = parse_local("2026-07-01T10:15").unwrap();
        assert_eq!(from_local(summer), 1_782_893_700_000);
        // 29 March 2026: 02:30 does not exist; it is read as 03:30 CEST = 01:30 UTC.
        let skipped = parse_local("2026-03-29T02:30").unwrap();
        assert_eq!(
            from_local(skipped),
            parse_local("2026-03-29T01:30").unwrap()
        );
        // Two samples 01:30 and 04:30 local across the spring change are two hours apart.
        let a = from_local(parse_local("2026-03-29T01:30").unwrap());
        let b = from_local(parse_local("2026-03-29T04:30").unwrap());
        assert_eq!(b - a, 2 * 3_600_000);
    }

    #[test]
    fn times_are_shown_in_ljubljana_across_daylight_saving() {
        // 2026-11-21 08:15 UTC is 09:15 in winter (CET).
        assert_eq!(local_display(1_795_248_900_000), "21. 11. 2026 09:15");
        // 2026-07-01 08:15 UTC is 10:15 in summer (CEST).
        assert_eq!(local_display(1_782_893_700_000), "1. 7. 2026 10:15");
    }
}
