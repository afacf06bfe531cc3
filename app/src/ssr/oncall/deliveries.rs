//! The notifications sent, resending one, and each user's notification preferences.
use super::*;

impl Referrals {
    // ------------------------------------------------------------ deliveries, preferences

    #[tracing::instrument(skip_all)]
    pub async fn deliveries(
        &self,
        identity: &RequestIdentity,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let rows: Vec<DeliveryDbRow> = sqlx::query_as(
            "SELECT id, kind, recipient, status, attempts, created_at, sent_at, last_error FROM outbox \
             ORDER BY id DESC LIMIT 300",
        )
        .fetch_all(&self.db.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, kind, recipient, status, attempts, created, sent, error)| {
                    let Some(status) = DeliveryState::from_stored(&status, attempts) else {
                        tracing::error!(
                            outbox_id = id,
                            status,
                            "an outbox row's status is unknown"
                        );
                        return Err(AppError::Internal);
                    };
                    Ok(DeliveryRow {
                        id,
                        kind,
                        recipient,
                        status,
                        attempts,
                        created_local: local_display(created),
                        sent_local: sent.map(local_display),
                        last_error: error,
                    })
                },
            )
            .collect()
    }

    /// Queues a failed message again, from its first attempt.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn resend(&self, identity: &RequestIdentity, id: i64) -> Result<(), AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let mut tx = self.db.begin().await?;
        let changed = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL \
             WHERE id = $2 AND status = 'failed'",
        )
        .bind(self.clock.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::Conflict);
        }
        audit::record(
            &mut tx,
            Event::by(identity, "notification_resent", "outbox", id, json!({})),
        )
        .await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn preferences(&self, identity: &RequestIdentity) -> Result<Vec<String>, AppError> {
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let (value,): (String,) = sqlx::query_as("SELECT notify_optional FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(value
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_preferences(
        &self,
        identity: &RequestIdentity,
        chosen: &[&str],
    ) -> Result<(), AppError> {
        authorize(identity, Action::ManageOwnAccount)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let allowed: Vec<&str> = chosen
            .iter()
            .copied()
            .filter(|k| {
                *k == "messages" || (*k == "all_referrals" && user.has(Role::EcmoClinician))
            })
            .collect();
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE users SET notify_optional = $1 WHERE id = $2")
            .bind(allowed.join(","))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "notification_preferences_set",
                "user",
                user.id,
                json!({ "optional": allowed }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// id, kind, recipient, status, attempts, created, sent, last error
pub(super) type DeliveryDbRow = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);
