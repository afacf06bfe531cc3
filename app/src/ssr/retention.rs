//! Retention: what is deleted once it is no longer needed. Unsent drafts (patient names and
//! answers the referral never carried) are deleted a set number of days after their last
//! change, when the centre sets that number (`ECMO_RETENTION_DRAFT_DAYS`; off by default).
//! A sent draft stays: its referral names it. Each purge that removes anything is one audit
//! event with the count, never the contents. Every instance may run the purge: a draft is
//! deleted once, and only the instance that deleted rows records them.
use super::accounts::audit::{self, Event};
use super::db::Db;
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;

/// The policy in force and when the purge runs next (shown to administrators).
#[derive(Clone, Debug, Default)]
pub struct Retention {
    pub draft_days: Option<u32>,
    next_run_ms: Arc<AtomicI64>,
}

impl Retention {
    pub fn new(draft_days: Option<u32>) -> Self {
        Self {
            draft_days,
            next_run_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    /// The instant of the next purge, once the first has run.
    pub fn next_run_ms(&self) -> Option<i64> {
        Some(self.next_run_ms.load(Ordering::Relaxed)).filter(|at| *at > 0)
    }

    pub fn set_next_run_ms(&self, at: i64) {
        self.next_run_ms.store(at, Ordering::Relaxed);
    }
}

/// Deletes the drafts never sent whose last change is more than `days` days before `now`,
/// and records how many in the audit trail; returns how many.
pub async fn purge_drafts(db: &Db, now: i64, days: u32) -> Result<u64, sqlx::Error> {
    let before = now - i64::from(days) * DAY_MS;
    let mut tx = db.begin().await?;
    let deleted = sqlx::query(
        "DELETE FROM referral_drafts WHERE submitted_referral_id IS NULL AND updated_at < $1",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted > 0 {
        audit::record(
            &mut tx,
            Event::system(
                "drafts_purged",
                "retention",
                "referral_drafts",
                json!({ "count": deleted, "older_than_days": days }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(deleted)
}
