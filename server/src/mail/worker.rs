//! The delivery worker. It claims one due outbox row at a time with a lease (so several
//! server instances never send the same row at once), sends it, and records the outcome.
//! On shutdown it finishes the message in hand and stops; pending rows wait in the
//! database for the next start.
use super::transport::{OutgoingMail, SendError, Transport};
use crate::config::MailSettings;
use ecmo_referral_app::ssr::outbox::Lane;
use ecmo_referral_app::ssr::{db::Db, time::now_ms};
use lettre::message::Mailbox;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How long a claimed row stays reserved for the worker that claimed it. The worker renews
/// the lease every [`RENEW_EVERY`] while the send is in progress, so a slow SMTP server
/// keeps its message; a worker killed mid-send holds it at most this long, after which
/// another instance (or this one, restarted) sends it.
const LEASE: Duration = Duration::from_secs(15);
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// The longest wait between two attempts at an alert to the team: alerts are never given
/// up, however often they fail.
const ALERT_RETRY_CAP: Duration = Duration::from_secs(300);

/// Shared with the health check and with code that enqueues mail.
#[derive(Clone, Default)]
pub struct WorkerHealth {
    heartbeat_ms: Arc<AtomicI64>,
    wake: Arc<Notify>,
}

impl WorkerHealth {
    /// Milliseconds since the worker last showed it was alive, or `None` if it never ran.
    pub fn heartbeat_age_ms(&self) -> Option<i64> {
        match self.heartbeat_ms.load(Ordering::Relaxed) {
            0 => None,
            beat => Some(now_ms() - beat),
        }
    }

    /// Asks the worker to look at the outbox now rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The signal behind [`Self::wake`], for code that queues mail outside the server crate.
    pub fn signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    fn beat(&self) {
        self.heartbeat_ms.store(now_ms(), Ordering::Relaxed);
    }
}

pub struct MailWorker {
    db: Db,
    transport: Transport,
    from: Mailbox,
    settings: MailSettings,
    health: WorkerHealth,
}

impl MailWorker {
    pub fn new(db: Db, transport: Transport, settings: MailSettings, health: WorkerHealth) -> Self {
        Self {
            db,
            transport,
            from: settings.from.clone(),
            settings,
            health,
        }
    }

    /// Runs `concurrency` delivery loops until shutdown: one slow or failing message does
    /// not hold up the others, and a burst of referrals is sent in parallel.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(transport = %self.transport.describe(), concurrency = self.settings.concurrency, "mail worker started");
        let worker = Arc::new(self);
        let loops: Vec<_> = (0..worker.settings.concurrency.max(1))
            .map(|_| {
                let worker = worker.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move { worker.deliver_loop(shutdown).await })
            })
            .collect();
        for handle in loops {
            let _ = handle.await;
        }
        tracing::info!("mail worker stopped");
    }

    async fn deliver_loop(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            self.health.beat();
            match self.deliver_next().await {
                Ok(true) => {
                    // There may be more: let an idle loop look while this one goes on.
                    self.health.wake.notify_one();
                    continue;
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(error = %error, "mail worker could not read the outbox")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.health.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }

    /// Sends one due message if there is one; `Ok(true)` when a message was handled.
    pub async fn deliver_next(&self) -> Result<bool, sqlx::Error> {
        let Some(mail) = self.claim().await? else {
            return Ok(false);
        };
        let outcome = {
            let send = self.transport.send(&self.from, &mail);
            tokio::pin!(send);
            let mut renew = tokio::time::interval(RENEW_EVERY);
            renew.tick().await;
            loop {
                tokio::select! {
                    outcome = &mut send => break outcome,
                    _ = renew.tick() => self.renew_lease(mail.id).await,
                }
            }
        };
        let now = now_ms();
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2")
                    .bind(now)
                    .bind(mail.id)
                    .execute(&self.db.pool)
                    .await?;
                tracing::info!(
                    outbox_id = mail.id,
                    attempt = mail.attempts,
                    "mail delivered"
                );
                let lane = crate::metrics::lane_name(mail.lane);
                metrics::histogram!("ecmo_mail_commit_to_smtp_seconds", "lane" => lane)
                    .record((now - mail.created_at).max(0) as f64 / 1000.0);
            }
            Err(error) => {
                let permanent = matches!(error, SendError::Permanent(_));
                // An alert to the team is never failed for good: it is retried (at most
                // five minutes apart) and reported by /healthz until it goes through.
                let alert = mail.lane == Lane::Alert.rank();
                let give_up =
                    !alert && (permanent || mail.attempts as u32 >= self.settings.max_attempts);
                let cause = format!("{:#}", anyhow::Error::from(error));
                if give_up {
                    sqlx::query("UPDATE outbox SET status = 'failed', locked_until = NULL, last_error = $1 WHERE id = $2")
                        .bind(&cause)
                        .bind(mail.id)
                        .execute(&self.db.pool)
                        .await?;
                    tracing::error!(outbox_id = mail.id, attempt = mail.attempts, permanent, error = %cause, "mail failed; kept as dead letter");
                } else {
                    let mut delay = backoff(&self.settings, mail.attempts as u32);
                    if alert {
                        delay = delay.min(ALERT_RETRY_CAP);
                    }
                    sqlx::query("UPDATE outbox SET next_attempt_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3")
                        .bind(now + delay.as_millis() as i64)
                        .bind(&cause)
                        .bind(mail.id)
                        .execute(&self.db.pool)
                        .await?;
                    tracing::warn!(outbox_id = mail.id, attempt = mail.attempts, retry_in_ms = delay.as_millis() as u64, error = %cause, "mail not delivered; will retry");
                }
            }
        }
        Ok(true)
    }

    /// Keeps a message in hand reserved while its send goes on.
    async fn renew_lease(&self, id: i64) {
        let until = now_ms() + LEASE.as_millis() as i64;
        if let Err(error) =
            sqlx::query("UPDATE outbox SET locked_until = $1 WHERE id = $2 AND status = 'pending'")
                .bind(until)
                .bind(id)
                .execute(&self.db.pool)
                .await
        {
            tracing::warn!(outbox_id = id, error = %error, "could not renew a mail lease");
        }
    }

    async fn claim(&self) -> Result<Option<OutgoingMail>, sqlx::Error> {
        let _turn = self.db.write_turn().await;
        let now = now_ms();
        // The outer condition repeats the inner one: on PostgreSQL a concurrent claimer that
        // waited for the row lock re-checks it against the updated row and gets nothing.
        sqlx::query_as::<_, OutgoingMail>(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                         AND (locked_until IS NULL OR locked_until < $2) \
                         ORDER BY lane, next_attempt_at, id LIMIT 1) \
               AND status = 'pending' AND (locked_until IS NULL OR locked_until < $2) \
             RETURNING id, message_id, recipient, subject, body_text, body_html, created_at, attempts, CAST(lane AS BIGINT) AS lane",
        )
        .bind(now + LEASE.as_millis() as i64)
        .bind(now)
        .fetch_optional(&self.db.pool)
        .await
    }
}

/// Exponential backoff: base × 2^(attempt − 1), capped.
pub fn backoff(settings: &MailSettings, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
    settings
        .backoff_base
        .saturating_mul(factor)
        .min(settings.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let settings =
            crate::config::Settings::from_lookup(|k| (k == "ECMO_DEMO").then(|| "1".to_owned()))
                .unwrap()
                .mail;
        assert_eq!(backoff(&settings, 1), Duration::from_secs(30));
        assert_eq!(backoff(&settings, 2), Duration::from_secs(60));
        assert_eq!(backoff(&settings, 4), Duration::from_secs(240));
        assert_eq!(backoff(&settings, 30), Duration::from_secs(3600));
    }
}
