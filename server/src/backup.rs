//! Backups of the SQLite database while the server runs, and their restoration.
//!
//! A backup is SQLite's `VACUUM INTO`: one read transaction, so the copy is the database
//! as it was at one moment however many referrals arrive meanwhile, written beside the
//! target and renamed into place only after it has passed SQLite's integrity check. A
//! restore checks the file the same way (and that this version knows its schema), and
//! refuses while a server has the database open: every server holds a shared lock on
//! `<database>.lock` for as long as it runs, and the restore needs it exclusively.
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`; see the README).
use crate::db::latest_sqlite_migration;
use sqlx::{AnyConnection, Connection};
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backups and restores here are for SQLite; for PostgreSQL use pg_dump and pg_restore")]
    NotSqlite,
    #[error("the database URL names no file")]
    NoFile,
    #[error("{0} exists already: choose a new file (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error("{0} is not there")]
    Missing(PathBuf),
    #[error("the database is in use: stop every server that uses it, then restore")]
    InUse,
    #[error("{path} is not a sound database: {reason}")]
    Unsound { path: PathBuf, reason: String },
    #[error("{path} was made by a newer version (schema {found}; this version knows up to {known}): use that version")]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a checked database file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub bytes: u64,
    pub schema_version: i64,
    pub referrals: i64,
    pub users: i64,
}

/// The file a `sqlite:` URL names.
pub fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or(BackupError::NotSqlite)?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return Err(BackupError::NoFile);
    }
    Ok(PathBuf::from(path))
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The lock a running server holds on its SQLite database (shared: several servers may
/// use one file). `None` for PostgreSQL.
pub fn hold_while_serving(url: &str) -> Result<Option<File>, BackupError> {
    let database = match sqlite_path(url) {
        Ok(path) => path,
        Err(BackupError::NotSqlite | BackupError::NoFile) => return Ok(None),
        Err(e) => return Err(e),
    };
    // The lock is taken before the database is opened, so its folder may not exist yet.
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&database))?;
    file.lock_shared()?;
    Ok(Some(file))
}

/// Writes a consistent copy of the running database to `to`, checked before it is named.
pub async fn backup(url: &str, to: &Path) -> Result<Summary, BackupError> {
    let database = sqlite_path(url)?;
    if !database.is_file() {
        return Err(BackupError::Missing(database));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let summary = match check(&partial).await {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, to)?;
    Ok(summary)
}

/// Checks a database file: SQLite's integrity check, a schema this version knows, and
/// what it holds.
pub async fn check(file: &Path) -> Result<Summary, BackupError> {
    if !file.is_file() {
        return Err(BackupError::Missing(file.to_owned()));
    }
    let unsound = |reason: String| BackupError::Unsound {
        path: file.to_owned(),
        reason,
    };
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", file.display());
    let mut conn = AnyConnection::connect(&url)
        .await
        .map_err(|e| unsound(e.to_string()))?;
    let verdict: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| unsound(e.to_string()))?;
    if verdict.first().map(|(v,)| v.as_str()) != Some("ok") {
        let reasons: Vec<String> = verdict.into_iter().map(|(v,)| v).take(3).collect();
        return Err(unsound(reasons.join("; ")));
    }
    let version: (Option<i64>,) =
        sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| unsound("no schema version: not a database of this application".into()))?;
    let schema_version = version
        .0
        .ok_or_else(|| unsound("no schema version: not a database of this application".into()))?;
    let known = latest_sqlite_migration();
    if schema_version > known {
        return Err(BackupError::Newer {
            path: file.to_owned(),
            found: schema_version,
            known,
        });
    }
    let (referrals,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM referrals")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| unsound(e.to_string()))?;
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| unsound(e.to_string()))?;
    conn.close().await?;
    Ok(Summary {
        bytes: std::fs::metadata(file)?.len(),
        schema_version,
        referrals,
        users,
    })
}

/// Replaces the database with a checked backup, keeping the replaced file beside it
/// (`<database>.before-restore`); refused while a server uses the database.
pub async fn restore(url: &str, from: &Path) -> Result<Summary, BackupError> {
    let database = sqlite_path(url)?;
    let summary = check(from).await?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&database))?;
    if lock.try_lock().is_err() {
        return Err(BackupError::InUse);
    }
    let sibling = |suffix: &str| {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let incoming = sibling(".restoring");
    std::fs::copy(from, &incoming)?;
    File::open(&incoming)?.sync_all()?;
    // The replaced database keeps its write-ahead log beside it, under the names SQLite
    // looks for, so that the kept copy is complete.
    if database.exists() {
        std::fs::rename(&database, sibling(".before-restore"))?;
        for log in ["-wal", "-shm"] {
            if sibling(log).exists() {
                std::fs::rename(sibling(log), sibling(&format!(".before-restore{log}")))?;
            }
        }
    }
    std::fs::rename(&incoming, &database)?;
    drop(lock);
    Ok(summary)
}

/// The prefix and suffix of scheduled copies; retention touches only files named so.
const SCHEDULED_PREFIX: &str = "ecmo-referral-";
const SCHEDULED_SUFFIX: &str = ".db";

/// A scheduled copy's name: the UTC time it was taken, so that names sort by age.
fn scheduled_name(at: time::OffsetDateTime) -> String {
    format!(
        "{SCHEDULED_PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z{SCHEDULED_SUFFIX}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Takes one scheduled copy into `schedule.dir` (checked before it is named, like every
/// backup), then removes the oldest scheduled copies beyond `schedule.keep`.
pub async fn scheduled_once(
    url: &str,
    schedule: &crate::config::BackupSchedule,
) -> Result<(PathBuf, Summary), BackupError> {
    std::fs::create_dir_all(&schedule.dir)?;
    let path = schedule
        .dir
        .join(scheduled_name(time::OffsetDateTime::now_utc()));
    let summary = backup(url, &path).await?;
    let mut copies: Vec<PathBuf> = std::fs::read_dir(&schedule.dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        })
        .collect();
    copies.sort();
    let surplus = copies.len().saturating_sub(schedule.keep);
    for old in &copies[..surplus] {
        std::fs::remove_file(old)?;
    }
    Ok((path, summary))
}

/// Takes a copy at start-up and then every `schedule.every` until the server stops. A
/// failed copy is logged and counted (`ecmo_backups_failed_total`) and tried again at the
/// next turn; the time of the last good one is `ecmo_backup_last_success_timestamp_seconds`.
pub async fn run_scheduled(
    url: String,
    schedule: crate::config::BackupSchedule,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut interval = tokio::time::interval(schedule.every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = interval.tick() => {}
        }
        match scheduled_once(&url, &schedule).await {
            Ok((path, summary)) => {
                tracing::info!(
                    file = %path.display(),
                    bytes = summary.bytes,
                    referrals = summary.referrals,
                    "scheduled backup written and checked"
                );
                metrics::gauge!("ecmo_backup_last_success_timestamp_seconds")
                    .set(time::OffsetDateTime::now_utc().unix_timestamp() as f64);
            }
            Err(error) => {
                tracing::error!(error = %error, dir = %schedule.dir.display(), "scheduled backup failed");
                metrics::counter!("ecmo_backups_failed_total").increment(1);
            }
        }
    }
}
