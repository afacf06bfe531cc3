//! How people get an account and keep it theirs: registration, e-mail confirmation,
//! invitation, password links and the profile.
use super::*;

impl Accounts {
    /// Self-registration of a referrer whose email domain belongs to the chosen hospital.
    /// The answer is the same whether or not the email already has an account: its owner
    /// gets a mail that says so instead of a confirmation link.
    #[tracing::instrument(skip_all)]
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
            return Err(throttled("registration", retry_after_secs));
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
            Event::by(
                identity,
                "user_registered",
                "user",
                user_id,
                json!({ "hospital_id": hospital.id, "needs_approval": !approved }),
            )
            .acting(Some(user_id)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms a self-registered email. Returns whether the account still waits for an
    /// administrator's approval (the administrators are then told by mail).
    #[tracing::instrument(skip_all)]
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
                    crate::wire::accounts::parse_language(&language),
                    &self.config,
                );
                self.enqueue(&mut tx, &admin, mail).await?;
            }
        }
        audit::record(
            &mut tx,
            Event::by(identity, "email_confirmed", "user", user_id, json!({}))
                .acting(Some(user_id)),
        )
        .await?;
        tx.commit().await?;
        Ok(!user.approved)
    }

    /// An administrator invites a user; the invitee sets a password through the link.
    #[tracing::instrument(skip_all)]
    pub async fn invite(
        &self,
        identity: &RequestIdentity,
        input: InvitationInput,
    ) -> Result<i64, AppError> {
        authorize(identity, Action::ManageUsers)?;
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
            Event::by(
                identity,
                "user_invited",
                "user",
                user_id,
                json!({ "roles": roles_to_csv(&input.roles), "hospital_id": input.hospital_id }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(user_id)
    }

    /// Sets a password through an invitation or a reset link. Both end every other session
    /// of the account and clear its failed sign-ins.
    #[tracing::instrument(skip_all)]
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
            Event::by(identity, action, "user", user_id, json!({})).acting(Some(user_id)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a reset link when the email belongs to an active account; says nothing either way.
    #[tracing::instrument(skip_all)]
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
            return Err(throttled("password_reset", retry_after_secs));
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
                    Event::by(
                        identity,
                        "password_reset_requested",
                        "user",
                        user.id,
                        json!({}),
                    )
                    .acting(None),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
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
            Event::by(
                identity,
                "profile_updated",
                "user",
                user.id,
                json!({ "language": store::lang_code(input.language) }),
            )
            .acting(Some(user.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
