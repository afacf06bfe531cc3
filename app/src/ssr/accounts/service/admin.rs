//! What administrators do to accounts and hospitals, each audited.
use super::*;

impl Accounts {
    #[tracing::instrument(skip_all)]
    pub async fn users(&self, identity: &RequestIdentity) -> Result<Vec<StoredUser>, AppError> {
        authorize(identity, Action::ManageUsers)?;
        let mut conn = self.conn().await?;
        Ok(store::all_users(&mut conn).await?)
    }

    /// Activates or deactivates an account; deactivation ends its sessions at once.
    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
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

    #[tracing::instrument(skip_all)]
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

    #[tracing::instrument(skip_all)]
    pub async fn save_hospital(
        &self,
        identity: &RequestIdentity,
        input: HospitalInput,
    ) -> Result<i64, AppError> {
        authorize(identity, Action::ManageHospitals)?;
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
        let domains = match crate::wire::accounts::parse_domains(&input.email_domains) {
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
            Event::by(
                identity,
                if input.id.is_some() {
                    "hospital_updated"
                } else {
                    "hospital_created"
                },
                "hospital",
                id,
                json!({ "active": input.active, "email_domains": domains }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_requires_approval(
        &self,
        identity: &RequestIdentity,
        required: bool,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageUsers)?;
        let mut tx = self.db.begin().await?;
        store::set_meta_flag(&mut tx, store::REQUIRES_APPROVAL, required).await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "registration_approval_set",
                "setting",
                store::REQUIRES_APPROVAL,
                json!({ "required": required }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active hospitals a registering doctor chooses from (public).
    #[tracing::instrument(skip_all)]
    pub async fn hospital_options(&self) -> Result<Vec<HospitalOption>, AppError> {
        let mut conn = self.conn().await?;
        Ok(store::hospital_options(&mut conn).await?)
    }

    /// Every hospital with all its fields, and whether self-registration needs approval
    /// (administrators).
    #[tracing::instrument(skip_all)]
    pub async fn hospitals(
        &self,
        identity: &RequestIdentity,
    ) -> Result<(Vec<HospitalRecord>, bool), AppError> {
        authorize(identity, Action::ManageHospitals)?;
        let mut conn = self.conn().await?;
        let hospitals = store::hospitals(&mut conn, false).await?;
        drop(conn);
        Ok((hospitals, self.requires_approval().await?))
    }

    #[tracing::instrument(skip_all)]
    pub async fn requires_approval(&self) -> Result<bool, AppError> {
        let mut conn = self.conn().await?;
        Ok(store::meta_flag(&mut conn, store::REQUIRES_APPROVAL).await?)
    }

    pub(super) async fn audit_admin(
        &self,
        conn: &mut AnyConnection,
        identity: &RequestIdentity,
        action: &str,
        user_id: i64,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        audit::record(conn, Event::by(identity, action, "user", user_id, detail)).await?;
        Ok(())
    }
}
