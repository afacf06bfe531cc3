use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(demo_mode_seeds_an_empty_database_once);

async fn demo_mode_seeds_an_empty_database_once(kind: DbKind) {
    let app = spawn_app(kind, None, &[("ECMO_DEMO", "1")]).await;
    let (hospitals,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM hospitals")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(hospitals >= 10, "hospitals from the specification");
    let users: Vec<(String, String, String)> =
        sqlx::query_as("SELECT email, roles, password_hash FROM users ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let roles: Vec<&str> = users.iter().map(|u| u.1.as_str()).collect();
    assert!(roles.iter().any(|r| r.contains("referrer")));
    assert!(roles.iter().any(|r| r.contains("ecmo_clinician")));
    assert!(roles.iter().any(|r| r.contains("admin")));
    assert!(
        users.iter().all(|u| u.2.starts_with("$argon2id$")),
        "passwords are stored hashed"
    );

    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("demo-banner"));

    // A second start on the same database adds nothing.
    let (url, dir) = (app.database_url.clone(), app.data_dir.clone());
    app.stop().await;
    let again = spawn_app_on(&url, &dir, None, &[("ECMO_DEMO", "1")]).await;
    let (users_after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&again.db.pool)
        .await
        .unwrap();
    assert_eq!(users_after, users.len() as i64);
    again.stop().await;
}

#[tokio::test]
async fn production_start_has_no_demo_data_or_banner() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
    assert!(!app
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("demo-banner"));
    app.stop().await;
}
