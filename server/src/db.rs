//! Opening the configured database and bringing its schema up to date.
use ecmo_referral_app::ssr::db::{Backend, Db};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Connects and applies pending migrations; a SQLite file's folder is created when missing.
pub async fn open(url: &str) -> anyhow::Result<Db> {
    if Backend::from_url(url) == Some(Backend::Sqlite) {
        if let Some(dir) = sqlite_file(url).and_then(|p| p.parent().map(|d| d.to_path_buf())) {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display())
                })?;
            }
        }
    }
    let db = Db::connect(url, 10).await?;
    migrate(&db).await?;
    Ok(db)
}

/// The newest SQLite schema version this build knows.
pub fn latest_sqlite_migration() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default()
}

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    let migrator = match db.backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .run(&db.pool)
        .await
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(())
}

fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(':')).then(|| path.into())
}
