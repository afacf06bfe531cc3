//! The audit trail: an append-only table (the database refuses UPDATE and DELETE on it).
//! Events name people by account id and never carry a password or patient data.
use crate::ssr::db::Db;
use crate::ssr::time::now_ms;
use sqlx::AnyConnection;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Clone, Debug)]
pub struct Event<'a> {
    actor: Option<i64>,
    action: &'a str,
    subject_type: &'a str,
    subject_id: Option<String>,
    client_addr: Option<IpAddr>,
    /// A small JSON object of facts (e.g. the roles set); never secrets.
    detail: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event by whoever made the request (none for the system), about one subject.
    pub fn by(
        identity: &super::RequestIdentity,
        action: &'a str,
        subject_type: &'a str,
        subject_id: impl ToString,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            actor: identity.user.as_ref().map(|u| u.id),
            action,
            subject_type,
            subject_id: Some(subject_id.to_string()),
            client_addr: identity.client_addr,
            detail,
        }
    }

    /// An event of the server's own (an escalation, a reminder, the command line): by no
    /// one, from no address.
    pub fn system(
        action: &'a str,
        subject_type: &'a str,
        subject_id: impl ToString,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            actor: None,
            action,
            subject_type,
            subject_id: Some(subject_id.to_string()),
            client_addr: None,
            detail,
        }
    }

    /// The person the event is by when it is not the request's signed-in user: someone
    /// who has just registered, confirmed or signed in, or no one (a failed sign-in).
    pub fn acting(mut self, actor: Option<i64>) -> Self {
        self.actor = actor;
        self
    }

    /// For an event whose subject may not exist (a sign-in with an unknown address, a
    /// submission refused before it had a number).
    pub fn subject(mut self, subject_id: Option<String>) -> Self {
        self.subject_id = subject_id;
        self
    }
}

pub async fn record(conn: &mut AnyConnection, event: Event<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor_user_id, action, subject_type, subject_id, client_addr, detail, actor_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT name FROM users WHERE id = $2))",
    )
    .bind(now_ms())
    .bind(event.actor)
    .bind(event.action)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.client_addr.map(|a| a.to_string()))
    .bind(event.detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A read recorded in the trail (a page view, a list): who, what, when, from where.
#[derive(Clone, Debug)]
pub struct View {
    pub at: i64,
    pub actor: Option<i64>,
    /// Shown in the trail while the view waits for its batch.
    pub actor_name: Option<String>,
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Option<String>,
    pub client_addr: Option<IpAddr>,
    pub detail: serde_json::Value,
}

/// How many views wait before a batch is written at once rather than at the next tick.
const VIEW_BATCH: usize = 256;

/// Reads are audited like writes, but a page view must not wait for a write of its own: on
/// SQLite every write takes the one write lock and a commit, so readers of busy pages would
/// queue behind each other. Views are collected here and written in one transaction per
/// short interval by a background task (`write_views` in the server); a trail read
/// meanwhile lists the waiting views too (`hold_batches`, `waiting_about`), an export writes
/// them first (`flush`), and the server writes the rest when it stops. A crash loses at most
/// the views of the last interval; writes (submissions, decisions, sign-ins) are never
/// batched.
#[derive(Clone, Debug, Default)]
pub struct ViewLog {
    waiting: Arc<Mutex<Vec<View>>>,
    /// Held (to write) while a batch is written, so that a flush also waits for one under
    /// way; held to read while a trail is read from both the waiting views and the table,
    /// so that no view is in neither or in both.
    writing: Arc<tokio::sync::RwLock<()>>,
    /// Wakes the writer when a full batch is waiting.
    full: Arc<tokio::sync::Notify>,
}

impl ViewLog {
    /// Records a view by whoever made the request; it is written with the next batch.
    pub fn record(
        &self,
        identity: &super::RequestIdentity,
        action: &'static str,
        subject_type: &'static str,
        subject_id: Option<String>,
        detail: serde_json::Value,
    ) {
        let view = View {
            at: now_ms(),
            actor: identity.user.as_ref().map(|u| u.id),
            actor_name: identity.user.as_ref().map(|u| u.name.clone()),
            action,
            subject_type,
            subject_id,
            client_addr: identity.client_addr,
            detail,
        };
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.push(view);
        if waiting.len() >= VIEW_BATCH {
            self.full.notify_one();
        }
    }

    /// Keeps batches from being written while the guard lives: a trail read from the
    /// table and from `waiting_about` under it sees each view once.
    #[tracing::instrument(skip_all)]
    pub async fn hold_batches(&self) -> tokio::sync::RwLockReadGuard<'_, ()> {
        self.writing.read().await
    }

    /// The views of one subject that wait for their batch (for a trail read meanwhile;
    /// see `hold_batches`).
    pub fn waiting_about(&self, subject_type: &str, subject_id: &str) -> Vec<View> {
        let waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting
            .iter()
            .filter(|v| {
                v.subject_type == subject_type && v.subject_id.as_deref() == Some(subject_id)
            })
            .cloned()
            .collect()
    }

    /// Resolves when a full batch waits (the writer's cue besides its interval).
    #[tracing::instrument(skip_all)]
    pub async fn batch_full(&self) {
        self.full.notified().await;
    }

    /// Writes every waiting view in one transaction. If that fails, the views wait again
    /// for the next attempt (none is dropped).
    #[tracing::instrument(skip_all)]
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let _writing = self.writing.write().await;
        let batch =
            std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        if batch.is_empty() {
            return Ok(0);
        }
        match insert_views(db, &batch).await {
            Ok(()) => Ok(batch.len()),
            Err(error) => {
                let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                let newer = std::mem::replace(&mut *waiting, batch);
                waiting.extend(newer);
                Err(error)
            }
        }
    }
}

async fn insert_views(db: &Db, batch: &[View]) -> Result<(), sqlx::Error> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin().await?;
    for view in batch {
        sqlx::query(
            "INSERT INTO audit_events (at, actor_user_id, action, subject_type, subject_id, client_addr, detail, actor_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT name FROM users WHERE id = $2))",
        )
        .bind(view.at)
        .bind(view.actor)
        .bind(view.action)
        .bind(view.subject_type)
        .bind(view.subject_id.as_deref())
        .bind(view.client_addr.map(|a| a.to_string()))
        .bind(view.detail.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
