//! The roster page's reads and single-shift writes, and the team's shared address.
use super::*;

impl Referrals {
    // ------------------------------------------------------------ the roster

    pub(super) fn shift_view(row: ShiftRow) -> ShiftView {
        let (
            id,
            starts_at,
            ends_at,
            starts_local,
            ends_local,
            primary,
            backup,
            perfusionist,
            coordinator,
        ) = row;
        ShiftView {
            id,
            starts_local,
            ends_local,
            label: format!("{} – {}", local_display(starts_at), local_display(ends_at)),
            primary,
            backup,
            perfusionist,
            coordinator,
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn roster(&self, identity: &RequestIdentity) -> Result<RosterView, AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let now = self.clock.now_ms();
        let horizon = now + 14 * DAY_MS;
        let rows: Vec<ShiftRow> = sqlx::query_as(
            "SELECT s.id, s.starts_at, s.ends_at, s.starts_local, s.ends_local, p.name, b.name, s.perfusionist, s.coordinator \
             FROM oncall_shifts s JOIN users p ON p.id = s.primary_user_id LEFT JOIN users b ON b.id = s.backup_user_id \
             WHERE s.ends_at > $1 AND s.starts_at < $2 ORDER BY s.starts_at, s.id",
        )
        .bind(now)
        .bind(horizon)
        .fetch_all(&self.db.pool)
        .await?;
        let spans: Vec<(i64, i64)> = rows.iter().map(|r| (r.1, r.2)).collect();
        let current = rows
            .iter()
            .filter(|r| r.1 <= now && r.2 > now)
            .max_by_key(|r| (r.1, r.0))
            .cloned();
        let next = rows.iter().find(|r| r.1 > now).cloned();
        let mut conn = self.db.pool.acquire().await?;
        let set = team_email_set(&mut conn).await?;
        let team = set.clone().or_else(|| self.config.team_email.clone());
        let clinicians = people_with(&mut conn, Role::EcmoClinician, None)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        Ok(RosterView {
            now: current.map(Self::shift_view),
            next: next.map(Self::shift_view),
            upcoming: rows.into_iter().map(Self::shift_view).collect(),
            gaps: roster::gaps(&spans, now, horizon)
                .into_iter()
                .map(|(a, b)| format!("{} – {}", local_display(a), local_display(b)))
                .collect(),
            team_email: team.unwrap_or_default(),
            team_email_is_default: set.is_none(),
            clinicians,
            can_manage: authorize(identity, Action::ManageRoster).is_ok(),
            today: local_date(now, 0),
            next_monday: local_date(now, 1),
        })
    }

    /// Adds a shift from local times (Europe/Ljubljana, across daylight-saving changes).
    #[tracing::instrument(skip_all)]
    pub async fn add_shift(
        &self,
        identity: &RequestIdentity,
        input: ShiftInput,
    ) -> Result<i64, AppError> {
        authorize(identity, Action::ManageRoster)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut errors = FieldErrors::default();
        let starts = parse_local(&input.starts_local);
        let ends = parse_local(&input.ends_local);
        if starts.is_none() {
            errors.add("starts_local", FieldError::NotADateTime);
        }
        match (starts, ends) {
            (_, None) => errors.add("ends_local", FieldError::NotADateTime),
            (Some(s), Some(e)) if e <= s || e - s > 7 * DAY_MS => {
                errors.add("ends_local", FieldError::ShiftLength)
            }
            _ => {}
        }
        let mut conn = self.db.pool.acquire().await?;
        let clinicians: Vec<i64> = people_with(&mut conn, Role::EcmoClinician, None)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let primary = input.primary_user_id.trim().parse::<i64>().ok();
        if !primary.is_some_and(|p| clinicians.contains(&p)) {
            errors.add("primary_user_id", FieldError::Missing);
        }
        let backup = match input.backup_user_id.trim() {
            "" => None,
            text => match text.parse::<i64>().ok().filter(|b| clinicians.contains(b)) {
                Some(b) if Some(b) != primary => Some(b),
                _ => {
                    errors.add(
                        "backup_user_id",
                        FieldError::OneOf {
                            other: "primary_user_id".into(),
                        },
                    );
                    None
                }
            },
        };
        for (key, text) in [
            ("perfusionist", &input.perfusionist),
            ("coordinator", &input.coordinator),
        ] {
            if text.chars().count() > 120 {
                errors.add(key, FieldError::TooLong { max: 120 });
            }
        }
        let (Some(starts), Some(ends), Some(primary)) = (starts, ends, primary) else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let id = insert_shift(
            &mut tx,
            &NewShift {
                starts_local: starts,
                ends_local: ends,
                primary,
                backup,
                perfusionist: input.perfusionist.trim(),
                coordinator: input.coordinator.trim(),
            },
            admin.id,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "shift_added",
                "oncall_shift",
                id,
                json!({ "primary": primary, "backup": backup }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn delete_shift(&self, identity: &RequestIdentity, id: i64) -> Result<(), AppError> {
        authorize(identity, Action::ManageRoster)?;
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE referral_escalations SET shift_id = NULL WHERE shift_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM oncall_shifts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(
            &mut tx,
            Event::by(identity, "shift_deleted", "oncall_shift", id, json!({})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the team's address; empty goes back to `ECMO_TEAM_EMAIL`.
    #[tracing::instrument(skip_all)]
    pub async fn set_team_email(
        &self,
        identity: &RequestIdentity,
        email: &str,
    ) -> Result<(), AppError> {
        use validator::ValidateEmail;
        authorize(identity, Action::ManageRoster)?;
        let email = email.trim().to_lowercase();
        if !email.is_empty() && !email.validate_email() {
            return Err(FieldErrors::single("email", FieldError::InvalidEmail).into());
        }
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM app_settings WHERE key = $1")
            .bind(TEAM_EMAIL)
            .execute(&mut *tx)
            .await?;
        if !email.is_empty() {
            sqlx::query("INSERT INTO app_settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
                .bind(TEAM_EMAIL)
                .bind(&email)
                .bind(now)
                .bind(identity.user.as_ref().map(|u| u.id))
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            Event::by(identity, "team_email_set", "setting", TEAM_EMAIL, json!({})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(super) type ShiftRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);
