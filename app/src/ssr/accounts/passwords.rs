//! Password policy and storage. Hashing is Argon2id, deliberately slow (19 MiB and tens of
//! milliseconds of a core each), so it runs off the async runtime and never stalls it, and
//! at most one hash per core runs at a time: a flood of sign-ins waits for a turn briefly
//! and is then told to come back, instead of exhausting memory and the cores that clinical
//! alerts need.
//!
//! The hashes run on a few threads of their own, one per turn, and a check reuses its
//! thread's Argon2 memory: allocated afresh each time, the freed 19 MiB blocks stayed
//! resident (glibc raises its mmap threshold after the first free), and 600 sign-ins at
//! once left the server at 605 MiB.
use crate::domain::fields::FieldError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
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
/// accounts service carries them), one per core, each with its thread.
#[derive(Clone, Debug)]
pub struct Turns {
    semaphore: Arc<Semaphore>,
    wait: Duration,
    jobs: std::sync::mpsc::SyncSender<Job>,
}

/// Work for a hashing thread; it answers through the channel the job carries.
type Job = Box<dyn FnOnce() + Send>;

impl Turns {
    pub fn per_core() -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            WAIT_FOR_TURN,
        )
    }

    fn new(permits: usize, wait: Duration) -> Self {
        // One job waits per thread at most: a turn is taken before a job is sent.
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(permits);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..permits {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        // Every `Turns` holding the sender is gone.
                        Err(_) => return,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password-hashing thread");
            }
        }
        Self {
            semaphore: Arc::new(Semaphore::new(permits)),
            wait,
            jobs,
        }
    }

    /// Runs `work` on a hashing thread, in a turn: the turn is held until the work is done,
    /// even if the caller stops waiting (a dropped request must not free a turn while its
    /// hash still runs).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, Busy> {
        let permit = tokio::time::timeout(self.wait, self.semaphore.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = answer.send(work());
        });
        if self.jobs.try_send(job).is_err() {
            return Ok(None);
        }
        Ok(answered.await.ok())
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
    turns
        .run(move || hash_blocking(&password))
        .await
        .map_err(|_| HashError::Busy)?
        .ok_or(HashError::Failed)?
}

fn hash_blocking(password: &SecretString) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| HashError::Failed)
}

/// Hashes without taking a turn: for the command line, which is its own process and is
/// run by an operator, not by the network.
pub async fn hash_now(password: SecretString) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
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
    let checked = turns
        .run(move || {
            let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return false;
            };
            let ok = MEMORY.with(|memory| {
                verify_in(
                    &mut memory.borrow_mut(),
                    password.expose_secret().as_bytes(),
                    &parsed,
                )
            });
            ok && stored != DUMMY_HASH
        })
        .await?;
    Ok(checked.unwrap_or(false))
}

thread_local! {
    /// The Argon2 working memory of a hashing thread, kept from one check to the next.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What `PasswordVerifier::verify_password` does for a PHC string, computed in `memory`
/// instead of a fresh 19 MiB allocation: the allocator kept freed blocks resident (600
/// sign-ins at once on two cores left 605 MiB; with the memory kept per thread, see the
/// README's figures). The comparison of the outputs is constant-time (`Output`'s `==`).
fn verify_in(memory: &mut Vec<argon2::Block>, password: &[u8], stored: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(stored.algorithm) else {
        return false;
    };
    let version = match stored.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = argon2::Params::try_from(stored) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    memory.resize(params.block_count(), argon2::Block::default());
    let mut out = vec![0u8; expected.len()];
    if Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..])
        .is_err()
    {
        return false;
    }
    argon2::password_hash::Output::new(&out).is_ok_and(|computed| computed == expected)
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

    /// The check in reused memory agrees with the library's own verification, for the
    /// right and a wrong password, over hashes of two different costs in one memory.
    #[test]
    fn the_check_in_reused_memory_agrees_with_the_library() {
        use argon2::password_hash::PasswordVerifier;
        let mut memory = Vec::new();
        for params in [
            argon2::Params::default(),
            argon2::Params::new(8192, 3, 1, None).unwrap(),
        ] {
            let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let salt = SaltString::generate(&mut OsRng);
            let stored = argon
                .hash_password(b"kisik membrana", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&stored).unwrap();
            for (password, right) in [
                (&b"kisik membrana"[..], true),
                (&b"kisik membranA"[..], false),
            ] {
                assert_eq!(verify_in(&mut memory, password, &parsed), right);
                assert_eq!(
                    Argon2::default().verify_password(password, &parsed).is_ok(),
                    right
                );
            }
        }
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
