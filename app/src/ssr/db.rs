//! One database handle for SQLite and PostgreSQL. Queries are written once, with `$N`
//! placeholders that both drivers accept.
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Which database a URL names, or `None` for anything else.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time; writers that collide wait in SQLite's busy handler,
    /// which sleeps in growing steps. Taking turns in the process instead keeps the wait to
    /// the length of the transactions ahead. PostgreSQL needs no turns.
    write_gate: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the database URL names neither SQLite nor PostgreSQL")]
    UnsupportedUrl,
    #[error("could not open the database")]
    Open(#[source] sqlx::Error),
}

impl Db {
    /// Opens a pool. SQLite gets write-ahead logging, foreign keys and a busy timeout on
    /// every connection; the file is created when missing.
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or(ConnectError::UnsupportedUrl)?;
        let url = match backend {
            Backend::Sqlite => sqlite_create_url(url),
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        configure_sqlite(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(ConnectError::Open)?;
        let write_gate =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            pool,
            backend,
            write_gate,
        })
    }

    /// This process's turn to write, held until the returned guard is dropped (after the
    /// commit). Only the busiest write paths take turns; others rely on the busy timeout.
    #[tracing::instrument(skip_all)]
    pub async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a transaction that reads and then writes would otherwise fail at its first write,
    /// without waiting, whenever another connection committed in between (SQLite's
    /// `SQLITE_BUSY_SNAPSHOT`); taken up front, the lock waits in the busy handler instead.
    #[tracing::instrument(skip_all)]
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A cheap round trip, for health checks.
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await
    }
}

/// A JSON column read back (a referral's answers or evaluation, an event's detail): one
/// that does not decode is an error, logged with what and which row, never a default that
/// would show "no flags" or be written back over the stored data.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
    row: i64,
) -> Result<T, crate::error::AppError> {
    serde_json::from_str(text).map_err(|error| {
        tracing::error!(what, row, %error, "stored JSON does not decode");
        crate::error::AppError::Internal
    })
}

/// A stored referral state: a name this version does not know is damage (logged, and an
/// error), never read as some other state.
pub fn decode_status(
    text: &str,
    row: i64,
) -> Result<crate::domain::workflow::Status, crate::error::AppError> {
    crate::domain::workflow::Status::parse(text).ok_or_else(|| {
        tracing::error!(row, state = text, "stored referral state is unknown");
        crate::error::AppError::Internal
    })
}

/// A stored pathway code: one this version does not know is damage (logged, and an
/// error), never read as another pathway.
pub fn decode_pathway(
    code: &str,
    row: i64,
) -> Result<crate::domain::triage::Pathway, crate::error::AppError> {
    crate::domain::triage::Pathway::from_code(code).ok_or_else(|| {
        tracing::error!(row, pathway = code, "stored pathway is unknown");
        crate::error::AppError::Internal
    })
}

/// A SQLite URL that creates the file when missing (unless it names a mode itself).
pub fn sqlite_create_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    }
}

async fn configure_sqlite(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 5000",
        "PRAGMA synchronous = NORMAL",
    ] {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_database_urls() {
        assert_eq!(
            Backend::from_url("sqlite://data/ecmo.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("nonsense"), None);
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}
