//! Password policy and storage. Hashing is Argon2id, deliberately slow (19 MiB and tens of
//! milliseconds of a core each), so it runs on the blocking pool and never stalls the async
//! runtime, and at most one hash per core runs at a time: a flood of sign-ins waits for a
//! turn briefly and is then told to come back, instead of exhausting memory and the cores
//! that clinical alerts need.
use crate::domain::fields::FieldError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use zxcvbn::Score;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Refuses short, overlong and guessable passwords (zxcvbn score below 3, which also
/// catches the user's own email and name).
pub fn check_policy(password: &str, user_inputs: &[&str]) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length > MAX_LENGTH {
        return Err(FieldError::TooLong { max: MAX_LENGTH });
    }
    if length < MIN_LENGTH {
        return Err(FieldError::WeakPassword {
            min_length: MIN_LENGTH,
        });
    }
    if zxcvbn::zxcvbn(password, user_inputs).score() < Score::Three {
        return Err(FieldError::WeakPassword {
            min_length: MIN_LENGTH,
        });
    }
    Ok(())
}

/// How long a request waits for a turn to hash before it is told to come back.
const WAIT_FOR_TURN: Duration = Duration::from_secs(2);

/// Turns to hash, and how long a caller waits for one. Each server holds its own (the
/// accounts service carries them), one per core.
#[derive(Clone, Debug)]
pub struct Turns {
    semaphore: Arc<Semaphore>,
    wait: Duration,
}

impl Turns {
    pub fn per_core() -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            WAIT_FOR_TURN,
        )
    }

    fn new(permits: usize, wait: Duration) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(permits)),
            wait,
        }
    }

    async fn take(&self) -> Result<SemaphorePermit<'_>, Busy> {
        match tokio::time::timeout(self.wait, self.semaphore.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
        }
    }
}

/// No turn to hash came in time; the caller answers "busy, come back in a moment".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many passwords are being checked at once")]
pub struct Busy;

/// Seconds a busy caller is asked to wait.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Hashes a new password in one of the server's turns.
pub async fn hash(turns: &Turns, password: SecretString) -> Result<String, HashError> {
    let _turn = turns.take().await.map_err(|_| HashError::Busy)?;
    hash_now(password).await
}

/// Hashes without taking a turn: for the command line, which is its own process and is
/// run by an operator, not by the network.
pub async fn hash_now(password: SecretString) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| HashError::Failed)
    })
    .await
    .map_err(|_| HashError::Failed)?
}

/// Checks a password against a stored hash. With no hash (unknown email, or an invitation
/// not yet accepted) it still spends the time of one verification, so that the answer's
/// timing does not tell which emails have accounts.
pub async fn verify(
    turns: &Turns,
    password: SecretString,
    stored: Option<String>,
) -> Result<bool, Busy> {
    let _turn = turns.take().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        ok && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false))
}

/// The Argon2id hash of a random string nobody knows; used only to spend time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qh5yWnM1l3B3GQ0VpV0Wcq8bQwP3zG8m7o3m4Zl2jv8";

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed")]
    Failed,
    #[error("too many passwords are being checked at once")]
    Busy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_guessable_and_personal_passwords() {
        assert!(check_policy("short1!", &[]).is_err());
        assert!(check_policy("password123", &[]).is_err());
        assert!(check_policy("1234567890", &[]).is_err());
        assert!(check_policy("janez.novak@sb-celje.si", &["janez.novak@sb-celje.si"]).is_err());
        assert!(check_policy(&"a".repeat(129), &[]).is_err());
        assert!(check_policy("kisik membrana Vrhnika 42", &[]).is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_the_dummy_never_does() {
        let turns = Turns::per_core();
        let hash = hash(&turns, SecretString::from("kisik membrana Vrhnika 42"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify(
            &turns,
            SecretString::from("kisik membrana Vrhnika 42"),
            Some(hash.clone())
        )
        .await
        .unwrap());
        assert!(!verify(&turns, SecretString::from("wrong"), Some(hash))
            .await
            .unwrap());
        assert!(!verify(&turns, SecretString::from("anything"), None)
            .await
            .unwrap());
    }

    /// Many checks at once take turns: none fails while turns come in time, and a caller
    /// that cannot get one in time is told it is busy rather than queued on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_takes_turns_and_says_busy_when_none_comes() {
        let turns = Turns::new(2, Duration::from_secs(60));
        let checks: Vec<_> = (0..6)
            .map(|_| {
                let turns = turns.clone();
                tokio::spawn(async move { verify(&turns, SecretString::from("x"), None).await })
            })
            .collect();
        for check in checks {
            assert_eq!(check.await.unwrap(), Ok(false));
        }
        // Every turn taken (as by a flood): the next caller hears "busy" after the wait.
        let turns = Turns::new(1, Duration::from_millis(200));
        let held = turns.semaphore.acquire().await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            verify(&turns, SecretString::from("x"), None).await,
            Err(Busy)
        );
        assert!(started.elapsed() >= turns.wait);
        drop(held);
        assert_eq!(
            verify(&turns, SecretString::from("x"), None).await,
            Ok(false)
        );
    }
}
