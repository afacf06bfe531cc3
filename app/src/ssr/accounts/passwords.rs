//! Password policy and storage. Hashing is Argon2id, deliberately slow, so it runs on the
//! blocking pool and never stalls the async runtime.
use crate::domain::fields::FieldError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};
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

pub async fn hash(password: SecretString) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| HashError)
    })
    .await
    .map_err(|_| HashError)?
}

/// Checks a password against a stored hash. With no hash (unknown email, or an invitation
/// not yet accepted) it still spends the time of one verification, so that the answer's
/// timing does not tell which emails have accounts.
pub async fn verify(password: SecretString, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
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
    .unwrap_or(false)
}

/// The Argon2id hash of a random string nobody knows; used only to spend time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qh5yWnM1l3B3GQ0VpV0Wcq8bQwP3zG8m7o3m4Zl2jv8";

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

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
        let hash = hash(SecretString::from("kisik membrana Vrhnika 42"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify(
                SecretString::from("kisik membrana Vrhnika 42"),
                Some(hash.clone())
            )
            .await
        );
        assert!(!verify(SecretString::from("wrong"), Some(hash)).await);
        assert!(!verify(SecretString::from("anything"), None).await);
    }
}
