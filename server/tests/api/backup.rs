//! Backups of a running SQLite database and their restoration: a backup taken while
//! referrals arrive is one consistent moment; a restore refuses a database in use, a
//! corrupt file and a non-database, and a server started on the restored file finds
//! everything the backup held.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use ecmo_referral_server::backup::{self, BackupError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A digest of the referrals up to `max_id` with their timeline and first versions.
async fn digest(url: &str, max_id: i64) -> (i64, String) {
    use sha2::{Digest, Sha256};
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let referrals: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, reference, status, data FROM referrals WHERE id <= $1 ORDER BY id",
    )
    .bind(max_id)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let events: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT referral_id, at, kind FROM referral_events WHERE referral_id <= $1 ORDER BY id",
    )
    .bind(max_id)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let snapshots: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT referral_id, version FROM referral_snapshots WHERE referral_id <= $1 ORDER BY id",
    )
    .bind(max_id)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let text = format!("{referrals:?}{events:?}{snapshots:?}");
    (
        referrals.len() as i64,
        format!("{:x}", Sha256::digest(text.as_bytes())),
    )
}

#[test]
fn a_backup_under_load_restores_to_the_same_moment() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(DbKind::Sqlite, dir.path()).await;
        let app = spawn_app_on(&url, dir.path(), None, &[]).await;
        app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
            .await;
        let referrer = app.browser();
        assert_eq!(
            app.sign_in(&referrer, "ref.a@a.test", GOOD_PASSWORD).await,
            200
        );
        for i in 0..3 {
            let body = example(Pathway::Vv);
            let sent =
                crate::referrals::submit(&app, &referrer, &format!("key-backup-first-{i}"), &body)
                    .await;
            assert_eq!(sent.status(), 201);
        }
        // Referrals keep arriving while the backup is taken.
        let stop = Arc::new(AtomicBool::new(false));
        let load = {
            let (stop, referrer, address) = (stop.clone(), referrer.clone(), app.address.clone());
            tokio::spawn(async move {
                let mut sent = 0;
                while !stop.load(Ordering::Relaxed) {
                    let response = referrer
                        .post(format!("{address}/api/v1/referrals"))
                        .header("idempotency-key", format!("key-backup-load-{sent}"))
                        .json(&example(Pathway::Va))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                    sent += 1;
                }
                sent
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let file = dir.path().join("backup.db");
        let summary = backup::backup(&url, &file).await.expect("a backup");
        stop.store(true, Ordering::Relaxed);
        let sent = load.await.unwrap();
        assert!(sent > 0, "no referral arrived during the backup");
        assert!(summary.referrals >= 3);
        assert_eq!(summary.users, 1);
        // The backup is one moment: its referrals are the source's first ones, each with
        // its timeline and version, byte for byte.
        let backup_url = format!("sqlite://{}", file.display());
        let (max_id,): (i64,) = {
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(&backup_url).await.unwrap();
            sqlx::query_as("SELECT MAX(id) FROM referrals")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        };
        let in_backup = digest(&backup_url, max_id).await;
        assert_eq!(in_backup.0, summary.referrals);
        assert_eq!(digest(&url, max_id).await, in_backup);
        // A backup never overwrites a file.
        assert!(matches!(
            backup::backup(&url, &file).await,
            Err(BackupError::Exists(_))
        ));

        // Not while the server runs.
        assert!(matches!(
            backup::restore(&url, &file).await,
            Err(BackupError::InUse)
        ));
        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM referrals")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert!(total > summary.referrals);
        app.db.pool.close().await;
        app.stop().await;

        // Not from a corrupt copy, nor from a file that is no database of ours: the
        // database stays as it was.
        let bytes = std::fs::read(&file).unwrap();
        let corrupt = dir.path().join("corrupt.db");
        let mut damaged = bytes.clone();
        for b in damaged.iter_mut().skip(4096).take(4096) {
            *b = 0x5a;
        }
        std::fs::write(&corrupt, &damaged).unwrap();
        assert!(matches!(
            backup::restore(&url, &corrupt).await,
            Err(BackupError::Unsound { .. })
        ));
        let truncated = dir.path().join("truncated.db");
        std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
        assert!(backup::restore(&url, &truncated).await.is_err());
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database").unwrap();
        assert!(backup::restore(&url, &text).await.is_err());
        assert!(matches!(
            backup::restore(&url, &dir.path().join("absent.db")).await,
            Err(BackupError::Missing(_))
        ));
        assert_eq!(digest(&url, i64::MAX).await.0, total);

        // Restored, a server starts on it and finds what the backup held.
        let restored = backup::restore(&url, &file).await.expect("a restore");
        assert_eq!(restored, summary);
        assert!(dir.path().join("test.db.before-restore").exists());
        let again = spawn_app_on(&url, dir.path(), None, &[]).await;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM referrals")
            .fetch_one(&again.db.pool)
            .await
            .unwrap();
        assert_eq!(count, summary.referrals);
        assert_eq!(digest(&url, max_id).await, in_backup);
        let client = again.browser();
        assert_eq!(
            again.sign_in(&client, "ref.a@a.test", GOOD_PASSWORD).await,
            200
        );
        again.db.pool.close().await;
        again.stop().await;
    });
}

#[test]
fn postgresql_is_backed_up_with_its_own_tools() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.db");
        assert!(matches!(
            backup::backup("postgres://localhost/ecmo", &file).await,
            Err(BackupError::NotSqlite)
        ));
        assert!(matches!(
            backup::restore("postgres://localhost/ecmo", &file).await,
            Err(BackupError::NotSqlite)
        ));
    });
}

/// Scheduled copies: one at start-up and one each turn, each a sound database, the oldest
/// removed beyond the number kept, and files of other names in the folder left alone.
#[tokio::test]
async fn scheduled_backups_are_checked_and_kept_to_their_number() {
    let folder = tempfile::tempdir().unwrap();
    let other = folder.path().join("notes.txt");
    std::fs::write(&other, "kept").unwrap();
    let dir = folder.path().to_path_buf();
    let app = spawn_app_tuned(DbKind::Sqlite, move |settings| {
        settings.backups = Some(ecmo_referral_server::config::BackupSchedule {
            dir,
            every: std::time::Duration::from_millis(300),
            keep: 2,
        });
    })
    .await;
    let copies = || {
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(folder.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .collect();
        names.sort();
        names
    };
    // Several turns later: still two copies, newer ones.
    wait_until(std::time::Duration::from_secs(20), || async {
        copies().len() == 2
    })
    .await;
    let first = copies();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let later = copies();
    assert_eq!(later.len(), 2, "{later:?}");
    assert_ne!(first, later, "new copies replace the oldest");
    for copy in &later {
        let name = copy.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("ecmo-referral-") && name.ends_with("Z.db"),
            "{name}"
        );
        let summary = backup::check(copy).await.expect("a sound database");
        assert!(summary.schema_version > 0);
    }
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "kept");
    app.stop().await;

    let postgres = ecmo_referral_server::config::Settings::from_lookup(|name| match name {
        "ECMO_DEMO" => Some("1".into()),
        "ECMO_DATABASE_URL" => Some("postgres://u@localhost/ecmo".into()),
        "ECMO_BACKUP_DIR" => Some("/tmp/backups".into()),
        _ => None,
    });
    assert_eq!(postgres.unwrap_err().variable, "ECMO_BACKUP_DIR");
}
