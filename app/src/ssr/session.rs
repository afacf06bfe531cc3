//! Sessions in the application's own database, so that several server instances behind a
//! load balancer share them. tower-sessions does the cookie, expiry and id rotation; this
//! picks its SQLite or PostgreSQL store to match `ECMO_DATABASE_URL`.
use super::db::Backend;
use async_trait::async_trait;
use sqlx::{postgres::PgPoolOptions, sqlite::SqlitePoolOptions};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Keys of what a session holds: who signed in, under which session epoch, and when.
pub const USER_ID: &str = "uid";
pub const EPOCH: &str = "epoch";
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When the session last moved its idle deadline (see `Accounts::session_user`).
pub const SEEN_AT: &str = "seen_at";

#[derive(Clone, Debug)]
pub enum SessionDb {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionDb {
    /// Opens a small pool of its own on the same database and creates the session table.
    #[tracing::instrument(skip_all)]
    pub async fn open(url: &str, backend: Backend) -> Result<Self, sqlx::Error> {
        let store = match backend {
            Backend::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions =
                    super::db::sqlite_create_url(url).parse()?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(
                        options
                            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                            .busy_timeout(std::time::Duration::from_secs(5)),
                    )
                    .await?;
                Self::Sqlite(SqliteStore::new(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new().max_connections(4).connect(url).await?;
                Self::Postgres(PostgresStore::new(pool))
            }
        };
        match &store {
            Self::Sqlite(s) => s.migrate().await?,
            Self::Postgres(s) => s.migrate().await?,
        }
        Ok(store)
    }
}

#[async_trait]
impl SessionStore for SessionDb {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(s) => s.load(id).await,
            Self::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete(id).await,
            Self::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionDb {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete_expired().await,
            Self::Postgres(s) => s.delete_expired().await,
        }
    }
}
