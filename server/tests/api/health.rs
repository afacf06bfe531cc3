use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    healthz_reports_database_and_worker,
    an_alert_is_never_failed_and_an_overdue_one_degrades_healthz,
);

/// A rejected account mail is failed after its attempts; a rejected alert to the team is
/// not: it waits for another attempt (at most five minutes away), and once it is overdue
/// `/healthz` says the mail is degraded, with the count and the age.
async fn an_alert_is_never_failed_and_an_overdue_one_degrades_healthz(kind: DbKind) {
    use ecmo_referral_app::ssr::outbox::{enqueue, Lane, NewMail};
    let sink = MailSink::start_with(SinkMode::RejectRecipients, std::time::Duration::ZERO);
    let app = spawn_app(kind, Some(sink.url()), &[("ECMO_MAIL_MAX_ATTEMPTS", "1")]).await;
    let mail = |lane: Lane, to: &str| NewMail {
        kind: "test".into(),
        lane,
        recipient: to.into(),
        subject: "test".into(),
        body_text: "test".into(),
        body_html: None,
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    let account = enqueue(&mut tx, &mail(Lane::Account, "someone@a.test"), "ecmo.test")
        .await
        .unwrap();
    let alert = enqueue(&mut tx, &mail(Lane::Alert, "oncall@ecmo.test"), "ecmo.test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let wait = std::time::Duration::from_secs(15);
    wait_until(wait, || async {
        outbox_row(&app.db, &account).await.0 == "failed"
    })
    .await;
    wait_until(wait, || async { outbox_row(&app.db, &alert).await.1 >= 1 }).await;
    let (status, attempts) = outbox_row(&app.db, &alert).await;
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    let (next,): (i64,) =
        sqlx::query_as("SELECT next_attempt_at FROM outbox WHERE message_id = $1")
            .bind(&alert)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(next <= ecmo_referral_app::ssr::time::now_ms() + 300_000);

    let body: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(body["mail"], "ok", "not yet past its target: {body}");
    // Three minutes old and still undelivered.
    sqlx::query("UPDATE outbox SET created_at = created_at - 180000 WHERE message_id = $1")
        .bind(&alert)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["mail"], "degraded");
    assert_eq!(body["alerts_undelivered"], 1);
    assert!(body["oldest_undelivered_alert_seconds"].as_i64().unwrap() >= 180);

    // Centre staff see the alarm on every page; a referring doctor does not.
    app.create_user("staff@centre.test", &["ecmo_clinician"], None)
        .await;
    app.create_user("ref@a.test", &["referrer"], Some("SB Celje"))
        .await;
    for (email, shown) in [("staff@centre.test", true), ("ref@a.test", false)] {
        let client = app.browser();
        assert_eq!(app.sign_in(&client, email, GOOD_PASSWORD).await, 200);
        let page = app
            .page(&client, "/calculators")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.contains("data-testid=\"mail-alarm\""),
            shown,
            "{email}"
        );
        if shown {
            assert!(page.contains("najstarejše čaka 3 min"), "{page}");
        }
    }
    app.stop().await;
}

async fn healthz_reports_database_and_worker(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(kind, Some(sink.url()), &[]).await;
    wait_until(std::time::Duration::from_secs(5), || async {
        app.get("/healthz").await.status() == 200
    })
    .await;

    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["mail_worker"], "ok");
    assert_eq!(body["outbox_pending"], 0);
    app.stop().await;
}

#[tokio::test]
async fn healthz_is_unavailable_when_the_database_is_closed() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    app.db.pool.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    assert_eq!(body["status"], "unavailable");
}
