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
use crate::accounts::{
    HospitalInput, InvitationInput, ProfileInput, RegistrationInput, RolesInput,
};
use crate::domain::account::{role_conflict, roles_to_csv, CurrentUser, Role, RoleConflict};
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::{decide, Action, Decision};
use crate::error::AppError;
use crate::ssr::db::Db;
use crate::ssr::outbox::{self, NewMail};
use crate::ssr::session::{EPOCH, SEEN_AT, SIGNED_IN_AT, USER_ID};
use crate::ssr::time::now_ms;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::AnyConnection;
use std::sync::Arc;
use tower_sessions::Session;
use validator::ValidateEmail;

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

/// An audit event about a user account.
fn user_event(
    actor: Option<i64>,
    action: &str,
    user_id: i64,
    client_addr: Option<std::net::IpAddr>,
    detail: serde_json::Value,
) -> Event<'_> {
    Event {
        actor,
        action,
        subject_type: "user",
        subject_id: Some(user_id.to_string()),
        client_addr,
        detail,
    }
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
            return Err(AppError::TooManyAttempts { retry_after_secs });
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
                    return Err(AppError::TooManyAttempts { retry_after_secs });
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
                    Event {
                        actor: None,
                        action: "sign_in_failed",
                        subject_type: "user",
                        subject_id: user.as_ref().map(|u| u.id.to_string()),
                        client_addr: identity.client_addr,
                        detail: json!({ "account_locked": locked.is_some(), "trusted_device": trusted }),
                    },
                )
                .await?;
                return Err(match locked {
                    Some(retry_after_secs) => AppError::TooManyAttempts { retry_after_secs },
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
            user_event(
                Some(user.id),
                "signed_in",
                user.id,
                identity.client_addr,
                json!({ "trusted_device": trusted }),
            ),
        )
        .await?;
        Ok((user.current(), device_token))
    }

    pub async fn sign_out(
        &self,
        session: &Session,
        identity: &RequestIdentity,
    ) -> Result<(), AppError> {
        if let Some(user) = &identity.user {
            let mut conn = self.conn().await?;
            audit::record(
                &mut conn,
                user_event(
                    Some(user.id),
                    "signed_out",
                    user.id,
                    identity.client_addr,
                    json!({}),
                ),
            )
            .await?;
        }
        session.flush().await.map_err(session_error)
    }

    /// Ends every session of the user, on every device and server instance.
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
            user_event(
                Some(user.id),
                "signed_out_everywhere",
                user.id,
                identity.client_addr,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        session.flush().await.map_err(session_error)
    }

    /// Self-registration of a referrer whose email domain belongs to the chosen hospital.
    /// The answer is the same whether or not the email already has an account: its owner
    /// gets a mail that says so instead of a confirmation link.
    pub async fn register(
        &self,
        identity: &RequestIdentity,
        input: RegistrationInput,
    ) -> Result<(), AppError> {
        let email = normalise_email(&input.email);
        let name = input.name.trim().to_owned();
        let phone = input.phone.trim().to_owned();
        let password = SecretString::from(input.password);
        let confirm = SecretString::from(input.password_confirm);
        let mut errors = FieldErrors::default();
        check_email(&email, &mut errors);
        check_name(&name, &mut errors);
        check_phone(&phone, &mut errors);
        check_new_password(&password, &confirm, &[&email, &name], &mut errors);
        let mut conn = self.conn().await?;
        let hospital = match input.hospital_id {
            None => {
                errors.add("hospital_id", FieldError::Missing);
                None
            }
            Some(id) => match store::hospital(&mut conn, id).await? {
                Some(h) if h.active => Some(h),
                _ => {
                    errors.add("hospital_id", FieldError::UnknownHospital);
                    None
                }
            },
        };
        if let (Some(hospital), false) = (&hospital, errors.get("email").is_some()) {
            if !hospital.accepts_email(&email) {
                errors.add("email", FieldError::DomainNotAccepted);
            }
        }
        finish(errors)?;
        let hospital = hospital.ok_or(AppError::Internal)?;
        if let Err(retry_after_secs) = self.limiter.try_attempt(identity.client_addr) {
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
        drop(conn);
        let hash = passwords::hash(&self.hashing, password)
            .await
            .map_err(hash_error)?;
        let lang = input.language;
        let mut tx = self.db.begin().await?;
        if let Some(existing) = store::user_by_email(&mut tx, &email).await? {
            let mail = mails::already_registered(existing.lang(), &self.config);
            self.enqueue(&mut tx, &existing.email, mail).await?;
            tx.commit().await?;
            return Ok(());
        }
        let approved = !store::meta_flag(&mut tx, store::REQUIRES_APPROVAL).await?;
        let (user_id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, name, phone, roles, hospital_id, password_hash, active, \
             email_confirmed, approved, language, created_at) \
             VALUES ($1, $2, $3, 'referrer', $4, $5, TRUE, FALSE, $6, $7, $8) RETURNING id",
        )
        .bind(&email)
        .bind(&name)
        .bind(&phone)
        .bind(hospital.id)
        .bind(hash)
        .bind(approved)
        .bind(store::lang_code(lang))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let token = tokens::issue(
            &mut tx,
            user_id,
            Purpose::ConfirmEmail,
            self.config.confirmation_ttl,
        )
        .await?;
        let mail = mails::confirm_email(lang, &self.config, &token);
        self.enqueue(&mut tx, &email, mail).await?;
        audit::record(
            &mut tx,
            user_event(
                Some(user_id),
                "user_registered",
                user_id,
                identity.client_addr,
                json!({ "hospital_id": hospital.id, "needs_approval": !approved }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms a self-registered email. Returns whether the account still waits for an
    /// administrator's approval (the administrators are then told by mail).
    pub async fn confirm_email(
        &self,
        identity: &RequestIdentity,
        token: &str,
    ) -> Result<bool, AppError> {
        let mut tx = self.db.begin().await?;
        let Some(user_id) = tokens::consume(&mut tx, token, Purpose::ConfirmEmail).await? else {
            return Err(FieldErrors::single("token", FieldError::LinkInvalid).into());
        };
        sqlx::query("UPDATE users SET email_confirmed = TRUE WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let user = store::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !user.approved {
            for (admin, language) in store::active_with_role(&mut tx, Role::Admin).await? {
                let mail = mails::approval_needed(
                    crate::accounts::parse_language(&language),
                    &self.config,
                );
                self.enqueue(&mut tx, &admin, mail).await?;
            }
        }
        audit::record(
            &mut tx,
            user_event(
                Some(user_id),
                "email_confirmed",
                user_id,
                identity.client_addr,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(!user.approved)
    }

    /// An administrator invites a user; the invitee sets a password through the link.
    pub async fn invite(
        &self,
        identity: &RequestIdentity,
        input: InvitationInput,
    ) -> Result<i64, AppError> {
        authorize(identity, Action::ManageUsers)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let email = normalise_email(&input.email);
        let name = input.name.trim().to_owned();
        let phone = input.phone.trim().to_owned();
        let mut errors = FieldErrors::default();
        check_email(&email, &mut errors);
        check_name(&name, &mut errors);
        check_phone(&phone, &mut errors);
        check_roles(&input.roles, input.hospital_id, &mut errors);
        let mut tx = self.db.begin().await?;
        if let Some(id) = input.hospital_id {
            if store::hospital(&mut tx, id).await?.is_none() {
                errors.add("hospital_id", FieldError::UnknownHospital);
            }
        }
        if errors.get("email").is_none() && store::user_by_email(&mut tx, &email).await?.is_some() {
            errors.add("email", FieldError::AlreadyRegistered);
        }
        finish(errors)?;
        let (user_id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, name, phone, roles, hospital_id, password_hash, active, \
             email_confirmed, approved, language, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, TRUE, FALSE, TRUE, $6, $7) RETURNING id",
        )
        .bind(&email)
        .bind(&name)
        .bind(&phone)
        .bind(roles_to_csv(&input.roles))
        .bind(input.hospital_id)
        .bind(store::lang_code(input.language))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let token = tokens::issue(
            &mut tx,
            user_id,
            Purpose::Invitation,
            self.config.invitation_ttl,
        )
        .await?;
        let mail = mails::invitation(input.language, &self.config, &name, &token);
        self.enqueue(&mut tx, &email, mail).await?;
        audit::record(
            &mut tx,
            user_event(
                Some(admin.id),
                "user_invited",
                user_id,
                identity.client_addr,
                json!({ "roles": roles_to_csv(&input.roles), "hospital_id": input.hospital_id }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(user_id)
    }

    /// Sets a password through an invitation or a reset link. Both end every other session
    /// of the account and clear its failed sign-ins.
    pub async fn set_password_with_link(
        &self,
        identity: &RequestIdentity,
        token: &str,
        purpose: Purpose,
        password: String,
        password_confirm: String,
    ) -> Result<(), AppError> {
        let password = SecretString::from(password);
        let confirm = SecretString::from(password_confirm);
        let mut errors = FieldErrors::default();
        // The account behind the link, so that the password is also checked against its
        // own email and name.
        let owner = {
            let mut conn = self.conn().await?;
            match tokens::owner(&mut conn, token, purpose).await? {
                Some(id) => store::user_by_id(&mut conn, id).await?,
                None => None,
            }
        };
        if owner.is_none() {
            errors.add("token", FieldError::LinkInvalid);
        }
        let personal: Vec<&str> = owner
            .iter()
            .flat_map(|u| [u.email.as_str(), u.name.as_str()])
            .collect();
        check_new_password(&password, &confirm, &personal, &mut errors);
        finish(errors)?;
        let hash = passwords::hash(&self.hashing, password)
            .await
            .map_err(hash_error)?;
        let mut tx = self.db.begin().await?;
        let Some(user_id) = tokens::consume(&mut tx, token, purpose).await? else {
            return Err(FieldErrors::single("token", FieldError::LinkInvalid).into());
        };
        let user = store::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, email_confirmed = TRUE, \
             session_epoch = session_epoch + 1 WHERE id = $2",
        )
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        throttle::reset(&mut tx, &user.email).await?;
        let action = match purpose {
            Purpose::Invitation => "invitation_accepted",
            _ => "password_reset",
        };
        audit::record(
            &mut tx,
            user_event(
                Some(user_id),
                action,
                user_id,
                identity.client_addr,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a reset link when the email belongs to an active account; says nothing either way.
    pub async fn request_password_reset(
        &self,
        identity: &RequestIdentity,
        email: &str,
    ) -> Result<(), AppError> {
        let email = normalise_email(email);
        let mut errors = FieldErrors::default();
        check_email(&email, &mut errors);
        finish(errors)?;
        if let Err(retry_after_secs) = self.limiter.try_attempt(identity.client_addr) {
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
        let mut tx = self.db.begin().await?;
        if let Some(user) = store::user_by_email(&mut tx, &email).await? {
            if user.active && user.password_hash.is_some() {
                let token = tokens::issue(
                    &mut tx,
                    user.id,
                    Purpose::PasswordReset,
                    self.config.reset_ttl,
                )
                .await?;
                let mail = mails::password_reset(user.lang(), &self.config, &token);
                self.enqueue(&mut tx, &user.email, mail).await?;
                audit::record(
                    &mut tx,
                    user_event(
                        None,
                        "password_reset_requested",
                        user.id,
                        identity.client_addr,
                        json!({}),
                    ),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn update_profile(
        &self,
        identity: &RequestIdentity,
        input: ProfileInput,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageOwnAccount)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let name = input.name.trim().to_owned();
        let phone = input.phone.trim().to_owned();
        let mut errors = FieldErrors::default();
        check_name(&name, &mut errors);
        check_phone(&phone, &mut errors);
        finish(errors)?;
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE users SET name = $1, phone = $2, language = $3 WHERE id = $4")
            .bind(&name)
            .bind(&phone)
            .bind(store::lang_code(input.language))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            user_event(
                Some(user.id),
                "profile_updated",
                user.id,
                identity.client_addr,
                json!({ "language": store::lang_code(input.language) }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn users(&self, identity: &RequestIdentity) -> Result<Vec<StoredUser>, AppError> {
        authorize(identity, Action::ManageUsers)?;
        let mut conn = self.conn().await?;
        Ok(store::all_users(&mut conn).await?)
    }

    /// Activates or deactivates an account; deactivation ends its sessions at once.
    pub async fn set_active(
        &self,
        identity: &RequestIdentity,
        user_id: i64,
        active: bool,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageUsers)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        if admin.id == user_id && !active {
            // Locking oneself out leaves nobody to undo it.
            return Err(FieldErrors::single("user_id", FieldError::OwnAccount).into());
        }
        let mut tx = self.db.begin().await?;
        let changed = sqlx::query(
            "UPDATE users SET active = $1, session_epoch = session_epoch + 1 WHERE id = $2",
        )
        .bind(active)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::NotFound);
        }
        self.audit_admin(
            &mut tx,
            identity,
            if active {
                "user_activated"
            } else {
                "user_deactivated"
            },
            user_id,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Approves a self-registered account and tells its owner.
    pub async fn approve(&self, identity: &RequestIdentity, user_id: i64) -> Result<(), AppError> {
        authorize(identity, Action::ManageUsers)?;
        let mut tx = self.db.begin().await?;
        let user = store::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        sqlx::query("UPDATE users SET approved = TRUE WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if !user.approved {
            let mail = mails::account_approved(user.lang(), &self.config);
            self.enqueue(&mut tx, &user.email, mail).await?;
        }
        self.audit_admin(&mut tx, identity, "user_approved", user_id, json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_roles(
        &self,
        identity: &RequestIdentity,
        input: RolesInput,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageUsers)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut errors = FieldErrors::default();
        check_roles(&input.roles, input.hospital_id, &mut errors);
        if admin.id == input.user_id && !input.roles.contains(&Role::Admin) {
            errors.add("roles", FieldError::OwnAccount);
        }
        let mut tx = self.db.begin().await?;
        if let Some(id) = input.hospital_id {
            if store::hospital(&mut tx, id).await?.is_none() {
                errors.add("hospital_id", FieldError::UnknownHospital);
            }
        }
        finish(errors)?;
        let changed = sqlx::query(
            "UPDATE users SET roles = $1, hospital_id = $2, session_epoch = session_epoch + 1 WHERE id = $3",
        )
        .bind(roles_to_csv(&input.roles))
        .bind(input.hospital_id)
        .bind(input.user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::NotFound);
        }
        self.audit_admin(
            &mut tx,
            identity,
            "user_roles_changed",
            input.user_id,
            json!({ "roles": roles_to_csv(&input.roles), "hospital_id": input.hospital_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn save_hospital(
        &self,
        identity: &RequestIdentity,
        input: HospitalInput,
    ) -> Result<i64, AppError> {
        authorize(identity, Action::ManageHospitals)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let name = input.name.trim().to_owned();
        let city = input.city.trim().to_owned();
        let phone = input.icu_phone.trim().to_owned();
        let mut errors = FieldErrors::default();
        check_name(&name, &mut errors);
        if city.chars().count() > 100 {
            errors.add("city", FieldError::TooLong { max: 100 });
        }
        let mut icu_errors = FieldErrors::default();
        check_phone(&phone, &mut icu_errors);
        if icu_errors.get("phone").is_some() {
            errors.add("icu_phone", FieldError::InvalidPhone);
        }
        let domains = match crate::accounts::parse_domains(&input.email_domains) {
            Ok(domains) => domains,
            Err(()) => {
                errors.add("email_domains", FieldError::InvalidEmail);
                String::new()
            }
        };
        finish(errors)?;
        let mut tx = self.db.begin().await?;
        let now = now_ms();
        let result: Result<(i64,), sqlx::Error> = match input.id {
            Some(id) => sqlx::query_as(
                "UPDATE hospitals SET name = $1, city = $2, icu_phone = $3, email_domains = $4, \
                 active = $5, seeded = FALSE WHERE id = $6 RETURNING id",
            )
            .bind(&name)
            .bind(&city)
            .bind(&phone)
            .bind(&domains)
            .bind(input.active)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .and_then(|row| row.ok_or(sqlx::Error::RowNotFound)),
            None => sqlx::query_as(
                "INSERT INTO hospitals (name, city, icu_phone, email_domains, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&name)
            .bind(&city)
            .bind(&phone)
            .bind(&domains)
            .bind(input.active)
            .bind(now)
            .fetch_one(&mut *tx)
            .await,
        };
        let id = match result {
            Ok((id,)) => id,
            Err(sqlx::Error::RowNotFound) => return Err(AppError::NotFound),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(FieldErrors::single("name", FieldError::AlreadyRegistered).into())
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &mut tx,
            Event {
                actor: Some(admin.id),
                action: if input.id.is_some() {
                    "hospital_updated"
                } else {
                    "hospital_created"
                },
                subject_type: "hospital",
                subject_id: Some(id.to_string()),
                client_addr: identity.client_addr,
                detail: json!({ "active": input.active, "email_domains": domains }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_requires_approval(
        &self,
        identity: &RequestIdentity,
        required: bool,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageUsers)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut tx = self.db.begin().await?;
        store::set_meta_flag(&mut tx, store::REQUIRES_APPROVAL, required).await?;
        audit::record(
            &mut tx,
            Event {
                actor: Some(admin.id),
                action: "registration_approval_set",
                subject_type: "setting",
                subject_id: Some(store::REQUIRES_APPROVAL.into()),
                client_addr: identity.client_addr,
                detail: json!({ "required": required }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn requires_approval(&self) -> Result<bool, AppError> {
        let mut conn = self.conn().await?;
        Ok(store::meta_flag(&mut conn, store::REQUIRES_APPROVAL).await?)
    }

    async fn audit_admin(
        &self,
        conn: &mut AnyConnection,
        identity: &RequestIdentity,
        action: &str,
        user_id: i64,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let actor = identity.user.as_ref().map(|u| u.id);
        audit::record(
            conn,
            user_event(actor, action, user_id, identity.client_addr, detail),
        )
        .await?;
        Ok(())
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
        user_event(
            None,
            "user_created_from_command_line",
            id,
            None,
            json!({ "roles": roles_to_csv(roles), "hospital_id": hospital_id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
