//! The account services every entry point calls: pages (server functions), the JSON API
//! and the command line. Each checks its input field by field, decides access through
//! `domain::policy`, writes in one transaction with its audit event and outbox mail.
use super::audit::{self, Event};
use super::devices;
use super::mails;
use super::passwords;
use super::store::{self, StoredUser};
use super::throttle::{self, AddressLimiter};
use super::tokens::{self, Purpose};
use super::{AccountConfig, RequestIdentity};
use crate::domain::account::{role_conflict, roles_to_csv, CurrentUser, Role, RoleConflict};
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::{decide, Action, Decision};
use crate::error::AppError;
use crate::ssr::db::Db;
use crate::ssr::outbox::{self, NewMail};
use crate::ssr::session::{EPOCH, SEEN_AT, SIGNED_IN_AT, USER_ID};
use crate::ssr::time::now_ms;
use crate::wire::accounts::{
    HospitalInput, HospitalOption, HospitalRecord, InvitationInput, ProfileInput,
    RegistrationInput, RolesInput,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::AnyConnection;
use std::sync::Arc;
use tower_sessions::Session;
use validator::ValidateEmail;

mod admin;
mod enrolment;

/// Everything the account services need, provided to server functions and API routes.
#[derive(Clone, Debug)]
pub struct Accounts {
    pub db: Db,
    pub config: Arc<AccountConfig>,
    pub limiter: AddressLimiter,
    /// This server's turns at password hashing.
    pub hashing: passwords::Turns,
}

/// Account mail that a request without a session can cause (and so a stranger can ask
/// for in bulk).
const ANONYMOUS_MAIL: [&str; 3] = [
    "account_password_reset",
    "account_confirm_email",
    "account_already_registered",
];
/// At most one such mail per recipient and kind in this time.
const ACCOUNT_MAIL_GAP_MS: i64 = 15 * 60_000;

/// Fails unless the policy allows `action` for the requester.
pub fn authorize(identity: &RequestIdentity, action: Action) -> Result<(), AppError> {
    match decide(identity.user.as_ref(), action) {
        Decision::Allow => Ok(()),
        Decision::SignIn => Err(AppError::SignIn),
        Decision::Deny => Err(AppError::Forbidden),
    }
}

pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn check_email(email: &str, errors: &mut FieldErrors) {
    if email.is_empty() {
        errors.add("email", FieldError::Missing);
    } else if email.chars().count() > 254 || !email.validate_email() {
        errors.add("email", FieldError::InvalidEmail);
    }
}

fn check_name(name: &str, errors: &mut FieldErrors) {
    let length = name.chars().count();
    if length == 0 {
        errors.add("name", FieldError::Missing);
    } else if length < 2 {
        errors.add("name", FieldError::TooShort { min: 2 });
    } else if length > 100 {
        errors.add("name", FieldError::TooLong { max: 100 });
    }
}

fn check_phone(phone: &str, errors: &mut FieldErrors) {
    if phone.is_empty() {
        return;
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()/".contains(c));
    if !allowed || !(6..=15).contains(&digits) {
        errors.add("phone", FieldError::InvalidPhone);
    }
}

fn check_new_password(
    password: &SecretString,
    confirm: &SecretString,
    personal: &[&str],
    errors: &mut FieldErrors,
) {
    if let Err(error) = passwords::check_policy(password.expose_secret(), personal) {
        errors.add("password", error);
    } else if password.expose_secret() != confirm.expose_secret() {
        errors.add("password_confirm", FieldError::PasswordsDiffer);
    }
}

fn check_roles(roles: &[Role], hospital_id: Option<i64>, errors: &mut FieldErrors) {
    match role_conflict(roles, hospital_id) {
        None => {}
        Some(RoleConflict::NoRole) => errors.add("roles", FieldError::NoRole),
        Some(RoleConflict::ReferrerWithCentreRole) => errors.add("roles", FieldError::ReferrerOnly),
        Some(RoleConflict::ReferrerWithoutHospital) => {
            errors.add("hospital_id", FieldError::ReferrerNeedsHospital)
        }
        Some(RoleConflict::CentreRoleWithHospital) => {
            errors.add("hospital_id", FieldError::CentreRoleWithoutHospital)
        }
    }
}

/// An attempt refused for its address or its account, counted for `/metrics` by what was
/// attempted.
pub(super) fn throttled(what: &'static str, retry_after_secs: u64) -> AppError {
    metrics::counter!("ecmo_throttled_total", "what" => what).increment(1);
    AppError::TooManyAttempts { retry_after_secs }
}

fn finish(errors: FieldErrors) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %error, "session store error");
    AppError::Internal
}

fn hash_error(error: passwords::HashError) -> AppError {
    match error {
        passwords::HashError::Busy => busy(),
        passwords::HashError::Failed => {
            tracing::error!("password hashing failed");
            AppError::Internal
        }
    }
}

fn busy() -> AppError {
    AppError::Busy {
        retry_after_secs: passwords::RETRY_AFTER_SECS,
    }
}

/// How often, at most, a signed-in user's activity is written to their session (a quarter
/// of the idle timeout when that is shorter, so that activity always moves the deadline).
const TOUCH_INTERVAL_MS: i64 = 60_000;

impl Accounts {
    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, AppError> {
        Ok(self.db.pool.acquire().await?)
    }

    /// The user a session belongs to, if it is still valid: the account is active, the
    /// session is younger than the absolute timeout, and nobody signed out everywhere since.
    #[tracing::instrument(skip_all)]
    pub async fn session_user(&self, session: &Session) -> Result<Option<CurrentUser>, AppError> {
        let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(session_error)? else {
            return Ok(None);
        };
        let epoch = session.get::<i64>(EPOCH).await.map_err(session_error)?;
        let signed_in_at = session
            .get::<i64>(SIGNED_IN_AT)
            .await
            .map_err(session_error)?
            .unwrap_or(0);
        let expired = now_ms() - signed_in_at > self.config.absolute_timeout.as_millis() as i64;
        let mut conn = self.conn().await?;
        let user = store::user_by_id(&mut conn, user_id).await?;
        match user {
            Some(user) if !expired && user.can_sign_in() && epoch == Some(user.session_epoch) => {
                // Activity moves the idle deadline: a changed session is saved with a new
                // expiry. Once a minute is enough, and spares a database write per request.
                let now = now_ms();
                let seen = session.get::<i64>(SEEN_AT).await.map_err(session_error)?;
                let every = TOUCH_INTERVAL_MS.min(self.config.idle_timeout.as_millis() as i64 / 4);
                if seen.is_none_or(|at| now - at >= every) {
                    session.insert(SEEN_AT, now).await.map_err(session_error)?;
                }
                Ok(Some(user.current()))
            }
            _ => {
                session.flush().await.map_err(session_error)?;
                Ok(None)
            }
        }
    }

    /// Signs in. Unknown email and wrong password get the same answer; the account and the
    /// client address are throttled; a success rotates the session id.
    ///
    /// `device` is the browser's trusted-device token, if it has one (see [`devices`]): the
    /// right password from a browser this account signed in from before is let through
    /// while failures from elsewhere keep the account locked. Returns the user and the
    /// token the browser keeps.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        session: &Session,
        identity: &RequestIdentity,
        email: &str,
        password: SecretString,
        device: Option<&str>,
    ) -> Result<(CurrentUser, String), AppError> {
        let email = normalise_email(email);
        let mut errors = FieldErrors::default();
        if email.is_empty() {
            errors.add("email", FieldError::Missing);
        }
        if password.expose_secret().is_empty() {
            errors.add("password", FieldError::Missing);
        } else if password.expose_secret().chars().count() > passwords::MAX_LENGTH {
            errors.add(
                "password",
                FieldError::TooLong {
                    max: passwords::MAX_LENGTH,
                },
            );
        }
        finish(errors)?;
        if let Err(retry_after_secs) = self.limiter.try_attempt(identity.client_addr) {
            return Err(throttled("sign_in_address", retry_after_secs));
        }
        // No database connection is held while the password is checked: a flood of
        // sign-ins must not take the connections that referrals and alerts need.
        let (user, trusted) = {
            let mut conn = self.conn().await?;
            let user = store::user_by_email(&mut conn, &email).await?;
            let trusted = match (&user, device) {
                (Some(user), Some(token)) => devices::is_trusted(&mut conn, user.id, token).await?,
                _ => false,
            };
            if !trusted {
                if let Some(retry_after_secs) =
                    throttle::account_locked_for(&mut conn, &email).await?
                {
                    return Err(throttled("sign_in_account", retry_after_secs));
                }
            }
            (user, trusted)
        };
        let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let password_ok = passwords::verify(&self.hashing, password, stored_hash)
            .await
            .map_err(|_| busy())?;
        let mut conn = self.conn().await?;
        let user = match user {
            Some(user) if password_ok => user,
            user => {
                // A trusted browser's mistakes do not lock the account for everyone else;
                // the per-address limit still applies to it.
                let locked = if trusted {
                    None
                } else {
                    throttle::record_failure(
                        &mut conn,
                        &email,
                        self.config.max_failures,
                        self.config.lockout,
                    )
                    .await?
                };
                audit::record(
                    &mut conn,
                    Event::by(
                        identity,
                        "sign_in_failed",
                        "user",
                        "",
                        json!({ "account_locked": locked.is_some(), "trusted_device": trusted }),
                    )
                    .acting(None)
                    .subject(user.as_ref().map(|u| u.id.to_string())),
                )
                .await?;
                metrics::counter!("ecmo_sign_in_failures_total").increment(1);
                return Err(match locked {
                    Some(retry_after_secs) => throttled("sign_in_account", retry_after_secs),
                    None => AppError::BadCredentials,
                });
            }
        };
        if !user.can_sign_in() {
            // The password was right, so saying why cannot reveal the account to a stranger.
            return Err(if user.active {
                AppError::AccountPending
            } else {
                AppError::BadCredentials
            });
        }
        throttle::reset(&mut conn, &email).await?;
        let device_token = devices::signed_in(&mut conn, user.id, device).await?;
        session.cycle_id().await.map_err(session_error)?;
        session
            .insert(USER_ID, user.id)
            .await
            .map_err(session_error)?;
        session
            .insert(EPOCH, user.session_epoch)
            .await
            .map_err(session_error)?;
        session
            .insert(SIGNED_IN_AT, now_ms())
            .await
            .map_err(session_error)?;
        audit::record(
            &mut conn,
            Event::by(
                identity,
                "signed_in",
                "user",
                user.id,
                json!({ "trusted_device": trusted }),
            )
            .acting(Some(user.id)),
        )
        .await?;
        Ok((user.current(), device_token))
    }

    #[tracing::instrument(skip_all)]
    pub async fn sign_out(
        &self,
        session: &Session,
        identity: &RequestIdentity,
    ) -> Result<(), AppError> {
        if let Some(user) = &identity.user {
            let mut conn = self.conn().await?;
            audit::record(
                &mut conn,
                Event::by(identity, "signed_out", "user", user.id, json!({})).acting(Some(user.id)),
            )
            .await?;
        }
        session.flush().await.map_err(session_error)
    }

    /// Ends every session of the user, on every device and server instance.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out_everywhere(
        &self,
        session: &Session,
        identity: &RequestIdentity,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageOwnAccount)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut tx = self.db.begin().await?;
        bump_epoch(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "signed_out_everywhere",
                "user",
                user.id,
                json!({}),
            )
            .acting(Some(user.id)),
        )
        .await?;
        tx.commit().await?;
        session.flush().await.map_err(session_error)
    }

    async fn enqueue(
        &self,
        conn: &mut AnyConnection,
        to: &str,
        mail: mails::Mail,
    ) -> Result<(), AppError> {
        // Mail that an anonymous request can cause goes to one address at most once per
        // quarter of an hour; further requests are answered the same, silently.
        if ANONYMOUS_MAIL.contains(&mail.kind)
            && outbox::queued_since(&mut *conn, mail.kind, to, now_ms() - ACCOUNT_MAIL_GAP_MS)
                .await?
        {
            return Ok(());
        }
        let new = NewMail {
            kind: mail.kind.to_owned(),
            lane: outbox::Lane::Account,
            recipient: to.to_owned(),
            subject: mail.subject,
            body_text: mail.text,
            body_html: Some(mail.html),
        };
        outbox::enqueue(conn, &new, &self.config.message_id_domain).await?;
        Ok(())
    }
}

async fn bump_epoch(conn: &mut AnyConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Creates an account from the command line: no invitation, the password given directly.
/// Returns the new id, or the field errors (printed by the caller).
pub async fn create_user_directly(
    db: &Db,
    email: &str,
    name: &str,
    roles: &[Role],
    hospital: Option<&str>,
    password: SecretString,
) -> Result<i64, AppError> {
    let email = normalise_email(email);
    let name = name.trim().to_owned();
    let mut errors = FieldErrors::default();
    check_email(&email, &mut errors);
    check_name(&name, &mut errors);
    if let Err(error) = passwords::check_policy(password.expose_secret(), &[&email, &name]) {
        errors.add("password", error);
    }
    let mut conn = db.pool.acquire().await?;
    let hospital_id = match hospital {
        None => None,
        Some(text) => match store::hospital_by_id_or_name(&mut conn, text).await? {
            Some(h) => Some(h.id),
            None => {
                errors.add("hospital", FieldError::UnknownHospital);
                None
            }
        },
    };
    if errors.get("hospital").is_none() {
        check_roles(roles, hospital_id, &mut errors);
    }
    if errors.get("email").is_none() && store::user_by_email(&mut conn, &email).await?.is_some() {
        errors.add("email", FieldError::AlreadyRegistered);
    }
    finish(errors)?;
    drop(conn);
    let hash = passwords::hash_now(password).await.map_err(hash_error)?;
    let mut tx = db.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (email, name, roles, hospital_id, password_hash, active, \
         email_confirmed, approved, created_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, TRUE, TRUE, $6) RETURNING id",
    )
    .bind(&email)
    .bind(&name)
    .bind(roles_to_csv(roles))
    .bind(hospital_id)
    .bind(hash)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Event::system(
            "user_created_from_command_line",
            "user",
            id,
            json!({ "roles": roles_to_csv(roles), "hospital_id": hospital_id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
