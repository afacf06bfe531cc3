//! Slowing down password guessing, per account and per client address.
//!
//! Per account, the count of consecutive failures is kept in the database, so that every
//! server instance sees the same count and a success anywhere resets it. Per address, a
//! GCRA limiter (governor) in each instance caps how fast one client may try at all.
use crate::ssr::time::now_ms;
use governor::{clock::DefaultClock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::AnyConnection;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Seconds until an account may try again, when it is locked.
pub async fn account_locked_for(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<u64>, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT locked_until FROM login_failures WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *conn)
            .await?;
    let now = now_ms();
    Ok(row
        .and_then(|(until,)| until)
        .filter(|until| *until > now)
        .map(|until| ((until - now) as u64).div_ceil(1000)))
}

/// Counts a failure. Failures older than the lockout window no longer count; the one
/// that reaches `max_failures` locks the account for `lockout` and starts a new count.
/// Returns the seconds of lock when this failure locked the account.
pub async fn record_failure(
    conn: &mut AnyConnection,
    email: &str,
    max_failures: u32,
    lockout: Duration,
) -> Result<Option<u64>, sqlx::Error> {
    let now = now_ms();
    let window_start = now - lockout.as_millis() as i64;
    let (failures,): (i64,) = sqlx::query_as(
        "INSERT INTO login_failures (email, failures, last_failed_at, locked_until) \
         VALUES ($1, 1, $2, NULL) \
         ON CONFLICT (email) DO UPDATE SET \
           failures = CASE WHEN login_failures.last_failed_at < $3 THEN 1 \
                           ELSE login_failures.failures + 1 END, \
           last_failed_at = $2 \
         RETURNING failures",
    )
    .bind(email)
    .bind(now)
    .bind(window_start)
    .fetch_one(&mut *conn)
    .await?;
    if failures < i64::from(max_failures) {
        return Ok(None);
    }
    sqlx::query("UPDATE login_failures SET failures = 0, locked_until = $1 WHERE email = $2")
        .bind(now + lockout.as_millis() as i64)
        .bind(email)
        .execute(&mut *conn)
        .await?;
    Ok(Some(lockout.as_secs().max(1)))
}

/// A successful sign-in clears the account's count.
pub async fn reset(conn: &mut AnyConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets failure counts that no longer matter: older than the window and not locked.
/// Without this, guesses at many made-up emails would grow the table without end.
pub async fn purge_stale(conn: &mut AnyConnection, lockout: Duration) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let result = sqlx::query(
        "DELETE FROM login_failures WHERE last_failed_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(now - lockout.as_millis() as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected())
}

/// The key an address is throttled under: an IPv6 address by its /64 (one subscriber's
/// network hands out a fresh address per request), an IPv4 address as it is.
pub fn throttle_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// Attempts per client address: a burst of `burst`, refilled at one per `refill`.
#[derive(Clone)]
pub struct AddressLimiter(Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl AddressLimiter {
    pub fn new(burst: u32, refill: Duration) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// Forgets addresses whose allowance is full again, so the table holds only those
    /// seen recently.
    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }

    /// Takes one attempt for `addr`; `Err(seconds)` when it must wait.
    pub fn try_attempt(&self, addr: Option<IpAddr>) -> Result<(), u64> {
        let Some(addr) = addr else { return Ok(()) };
        self.0.check_key(&throttle_key(addr)).map_err(|not_until| {
            use governor::clock::Clock;
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

impl std::fmt::Debug for AddressLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddressLimiter")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_shares_one_allowance() {
        let limiter = AddressLimiter::new(2, Duration::from_secs(60));
        let first: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_network: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:fffe".parse().unwrap();
        let other_network: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.try_attempt(Some(first)).is_ok());
        assert!(limiter.try_attempt(Some(same_network)).is_ok());
        assert!(limiter.try_attempt(Some(first)).is_err());
        assert!(limiter.try_attempt(Some(same_network)).is_err());
        assert!(limiter.try_attempt(Some(other_network)).is_ok());
        // IPv4 mapped into IPv6 is the IPv4 address, not a /64.
        let mapped: IpAddr = "::ffff:192.0.2.9".parse().unwrap();
        assert_eq!(throttle_key(mapped), "192.0.2.9".parse::<IpAddr>().unwrap());
        limiter.forget_idle();
    }

    #[test]
    fn an_address_gets_its_burst_then_waits() {
        let limiter = AddressLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.try_attempt(Some(a)).is_ok());
        }
        let wait = limiter.try_attempt(Some(a)).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.try_attempt(Some(b)).is_ok());
    }
}
