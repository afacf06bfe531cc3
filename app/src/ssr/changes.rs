//! Tells open queue pages that referrals changed. Each instance keeps the newest change it
//! knows of in a watch channel: its own writes move it at once (`touch`), and a poller
//! (`poll`) reads the newest `updated_at` from the database so that changes made by other
//! instances arrive within one poll interval. Subscribers only learn *that* something
//! changed, never what: the page fetches the queue again through its authorised route.
use super::db::Db;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Changes {
    /// Counts the changes this instance has seen; subscribers wake on each.
    seen: Arc<watch::Sender<u64>>,
    /// The newest `updated_at` the poller has read or this instance has written.
    polled: Arc<AtomicI64>,
    /// Set once at shutdown; every event stream ends when it is.
    closed: Arc<watch::Sender<bool>>,
}

impl Default for Changes {
    fn default() -> Self {
        Self::new()
    }
}

impl Changes {
    pub fn new() -> Self {
        Self {
            seen: Arc::new(watch::channel(0).0),
            polled: Arc::new(AtomicI64::new(i64::MIN)),
            closed: Arc::new(watch::channel(false).0),
        }
    }

    /// Records a change made by this instance that the poller cannot see (no referral row
    /// moved, e.g. the centre's capacity).
    pub fn touch(&self) {
        self.seen.send_modify(|n| *n += 1);
    }

    /// Records a referral this instance wrote with `updated_at`: subscribers learn of it at
    /// once, and the poller, which will read the same `updated_at`, does not announce it a
    /// second time (a page would fetch the queue twice for one change).
    pub fn referral_written(&self, updated_at: i64) {
        self.polled.fetch_max(updated_at, Ordering::Relaxed);
        self.touch();
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.seen.subscribe()
    }

    /// Ends every subscription (server shutdown): open event streams finish.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    #[tracing::instrument(skip_all)]
    pub async fn closed(&self) {
        let mut rx = self.closed.subscribe();
        let _ = rx.wait_for(|closed| *closed).await;
    }

    /// Reads the newest change in the database and passes it on when it moved.
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self, db: &Db) -> Result<(), sqlx::Error> {
        let (latest,): (Option<i64>,) = sqlx::query_as("SELECT MAX(updated_at) FROM referrals")
            .fetch_one(&db.pool)
            .await?;
        let latest = latest.unwrap_or(0);
        let before = self.polled.swap(latest, Ordering::Relaxed);
        if before != i64::MIN && before != latest {
            self.touch();
        }
        Ok(())
    }
}
