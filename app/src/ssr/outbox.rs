//! The mail outbox. An email is never the record: the change that causes it writes an
//! outbox row in its own transaction, and the delivery worker sends it later, retrying
//! with backoff until it is delivered or marked failed.
use super::time::now_ms;
use sqlx::AnyConnection;

/// How urgent a message is. The delivery worker claims the lowest lane first: nothing in
/// a later lane (a flood of password resets, a burst of receipts) can delay an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    /// A new referral or an escalation, to the on-call team.
    Alert,
    /// Other mail about referrals: receipts, acknowledgements, decisions, messages.
    Clinical,
    /// Account mail: invitations, confirmations, password resets.
    Account,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::Alert, Lane::Clinical, Lane::Account];

    /// The lane of a stored number.
    pub fn from_rank(rank: i64) -> Option<Lane> {
        Lane::ALL.into_iter().find(|lane| lane.rank() == rank)
    }

    /// Its name in logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Alert => "alert",
            Lane::Clinical => "clinical",
            Lane::Account => "account",
        }
    }

    /// The stored number, in claiming order.
    pub fn rank(self) -> i64 {
        match self {
            Lane::Alert => 0,
            Lane::Clinical => 1,
            Lane::Account => 2,
        }
    }
}

/// A message to be sent. Callers put no patient identifier in any field.
#[derive(Clone, Debug)]
pub struct NewMail {
    /// What caused the message (e.g. `referral_submitted`), for the delivery page and logs.
    pub kind: String,
    pub lane: Lane,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// Queues a message on the caller's connection — normally inside its transaction — and returns its Message-ID, which stays
/// the same across retries so that a receiver can recognise a repeated delivery.
pub async fn enqueue(
    conn: &mut AnyConnection,
    mail: &NewMail,
    message_id_domain: &str,
) -> Result<String, sqlx::Error> {
    let message_id = format!("{}@{}", uuid::Uuid::new_v4(), message_id_domain);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (message_id, kind, recipient, subject, body_text, body_html, \
         status, attempts, next_attempt_at, created_at, lane) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $8)",
    )
    .bind(&message_id)
    .bind(&mail.kind)
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(mail.body_html.as_deref())
    .bind(now)
    .bind(mail.lane.rank())
    .execute(&mut *conn)
    .await?;
    Ok(message_id)
}

/// An alert to the team older than this and still undelivered means the team may not know
/// of a referral: the shortest acknowledgement target (ECPR) is two minutes.
pub const ALERT_OVERDUE_MS: i64 = 120_000;

/// Alerts to the team undelivered past [`ALERT_OVERDUE_MS`] at `now_ms`: how many, and
/// when the oldest was queued. Shown on `/healthz` and, to centre staff, on every page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverdueAlerts {
    pub count: i64,
    pub oldest_created_at: Option<i64>,
}

pub async fn overdue_alerts(db: &super::db::Db, now_ms: i64) -> Result<OverdueAlerts, sqlx::Error> {
    let (count, oldest_created_at): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM outbox \
         WHERE lane = 0 AND status <> 'sent' AND created_at < $1",
    )
    .bind(now_ms - ALERT_OVERDUE_MS)
    .fetch_one(&db.pool)
    .await?;
    Ok(OverdueAlerts {
        count,
        oldest_created_at,
    })
}

/// Whether a message of `kind` to `recipient` was queued at or after `since_ms`: account
/// mail that anyone can ask for (a password reset) goes to one person at most once in a
/// while, however often it is asked for.
pub async fn queued_since(
    conn: &mut AnyConnection,
    kind: &str,
    recipient: &str,
    since_ms: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM outbox WHERE recipient = $1 AND kind = $2 AND created_at >= $3 LIMIT 1",
    )
    .bind(recipient)
    .bind(kind)
    .bind(since_ms)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
