use crate::helpers::*;
use crate::on_both_databases;
use std::collections::HashSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

on_both_databases!(
    queued_mail_is_delivered_once_with_its_message_id,
    a_rolled_back_change_sends_nothing,
    mail_waits_for_an_smtp_server_that_is_down,
    permanent_rejections_become_dead_letters_at_once,
    temporary_failures_are_retried_up_to_the_limit,
    two_instances_never_send_the_same_message,
    an_alert_is_sent_before_queued_account_mail,
);

/// Mail lanes: with a hundred account mails waiting (a flood of password resets), an alert
/// queued after them is the next message the worker sends.
async fn an_alert_is_sent_before_queued_account_mail(kind: DbKind) {
    use ecmo_referral_app::ssr::outbox::{enqueue, Lane, NewMail};
    // Each message takes 20 ms at the SMTP server, so the backlog lasts seconds; two
    // messages are in flight at a time.
    let sink = MailSink::start_with(SinkMode::Accept, Duration::from_millis(20));
    let app = spawn_app(kind, Some(sink.url()), &[("ECMO_MAIL_CONCURRENCY", "2")]).await;
    let mail = |lane: Lane, kind: &str, to: &str| NewMail {
        kind: kind.into(),
        lane,
        recipient: to.into(),
        subject: kind.into(),
        body_text: kind.into(),
        body_html: None,
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    for i in 0..100 {
        let to = format!("person{i}@a.test");
        enqueue(
            &mut tx,
            &mail(Lane::Account, "account_password_reset", &to),
            "ecmo.test",
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    sink.wait_for(1, WAIT).await;
    let mut tx = app.db.pool.begin().await.unwrap();
    enqueue(
        &mut tx,
        &mail(Lane::Clinical, "referral_receipt", "ref@a.test"),
        "ecmo.test",
    )
    .await
    .unwrap();
    enqueue(
        &mut tx,
        &mail(Lane::Alert, "referral_submitted", "oncall@ecmo.test"),
        "ecmo.test",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Read after the commit: at most this many were sent or in hand before the alert was
    // there to claim.
    let sent_before = sink.messages().len();
    assert!(sent_before < 90, "the backlog was still there");
    let position = |to: &str| {
        sink.messages()
            .iter()
            .position(|m| m.to == vec![to.to_owned()])
    };
    wait_until(WAIT, || async {
        position("oncall@ecmo.test").is_some() && position("ref@a.test").is_some()
    })
    .await;
    let (alert, receipt) = (position("oncall@ecmo.test"), position("ref@a.test"));
    // At most the messages in flight when they were queued (two, and one claim racing the
    // commit) came before them; the
    // hundred account mails still waiting came after.
    assert!(
        alert <= Some(sent_before + 3),
        "{alert:?} after {sent_before}"
    );
    assert!(
        receipt <= Some(sent_before + 4),
        "{receipt:?} after {sent_before}"
    );
    app.stop().await;
}

async fn queued_mail_is_delivered_once_with_its_message_id(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(kind, Some(sink.url()), &[]).await;

    let ids = enqueue_mails(&app.db, 3, "oncall@ecmo.test").await;
    let received = sink.wait_for(3, WAIT).await;

    let got: HashSet<String> = received.iter().filter_map(|m| m.message_id()).collect();
    assert_eq!(got, ids.iter().cloned().collect::<HashSet<_>>());
    assert!(received
        .iter()
        .all(|m| m.to == vec!["oncall@ecmo.test".to_string()]));
    let html = received
        .iter()
        .find(|m| m.data.contains("Test message 0"))
        .unwrap();
    assert!(
        html.data.contains("multipart/alternative"),
        "text and HTML parts"
    );
    for id in &ids {
        wait_until(WAIT, || async { outbox_row(&app.db, id).await.0 == "sent" }).await;
        assert_eq!(outbox_row(&app.db, id).await, ("sent".to_owned(), 1));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 3, "nothing is sent twice");
    app.stop().await;
}

async fn a_rolled_back_change_sends_nothing(kind: DbKind) {
    use ecmo_referral_app::ssr::outbox::{enqueue, NewMail};
    let sink = MailSink::start();
    let app = spawn_app(kind, Some(sink.url()), &[]).await;
    let mail = NewMail {
        kind: "test".into(),
        lane: ecmo_referral_app::ssr::outbox::Lane::Clinical,
        recipient: "oncall@ecmo.test".into(),
        subject: "never".into(),
        body_text: "never".into(),
        body_html: None,
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    enqueue(&mut tx, &mail, "ecmo.test").await.unwrap();
    tx.rollback().await.unwrap();

    let ids = enqueue_mails(&app.db, 1, "oncall@ecmo.test").await;
    let received = sink.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(received[0].message_id().as_deref(), Some(ids[0].as_str()));
    app.stop().await;
}

async fn mail_waits_for_an_smtp_server_that_is_down(kind: DbKind) {
    let reserved = MailSink::reserve_port();
    let port = reserved.port;
    let url = format!("smtp://127.0.0.1:{port}?tls=none");
    let app = spawn_app(kind, Some(url), &[("ECMO_MAIL_MAX_ATTEMPTS", "50")]).await;
    let ids = enqueue_mails(&app.db, 2, "oncall@ecmo.test").await;

    // Refused connections count as attempts and leave the rows pending.
    wait_until(WAIT, || async { outbox_row(&app.db, &ids[0]).await.1 >= 2 }).await;
    assert_eq!(outbox_row(&app.db, &ids[0]).await.0, "pending");

    let sink = MailSink::start_on(reserved);
    let received = sink.wait_for(2, WAIT).await;
    for id in &ids {
        wait_until(WAIT, || async { outbox_row(&app.db, id).await.0 == "sent" }).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.messages().len(),
        2,
        "each message exactly once: {received:?}"
    );
    app.stop().await;
}

async fn permanent_rejections_become_dead_letters_at_once(kind: DbKind) {
    let sink = MailSink::start_with(SinkMode::RejectRecipients, Duration::ZERO);
    let app = spawn_app(kind, Some(sink.url()), &[]).await;
    let ids = enqueue_mails(&app.db, 1, "nobody@ecmo.test").await;
    wait_until(WAIT, || async {
        outbox_row(&app.db, &ids[0]).await.0 == "failed"
    })
    .await;
    assert_eq!(
        outbox_row(&app.db, &ids[0]).await.1,
        1,
        "no retry after a 5xx"
    );
    let (error,): (Option<String>,) =
        sqlx::query_as("SELECT last_error FROM outbox WHERE message_id = $1")
            .bind(&ids[0])
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(error.is_some_and(|e| !e.is_empty()), "the cause is kept");
    app.stop().await;
}

async fn temporary_failures_are_retried_up_to_the_limit(kind: DbKind) {
    let sink = MailSink::start_with(SinkMode::TemporaryFailure, Duration::ZERO);
    let app = spawn_app(
        kind,
        Some(sink.url()),
        &[
            ("ECMO_MAIL_MAX_ATTEMPTS", "3"),
            ("ECMO_MAIL_BACKOFF_MS", "20"),
        ],
    )
    .await;
    let ids = enqueue_mails(&app.db, 1, "oncall@ecmo.test").await;
    wait_until(WAIT, || async {
        outbox_row(&app.db, &ids[0]).await.0 == "failed"
    })
    .await;
    assert_eq!(outbox_row(&app.db, &ids[0]).await.1, 3);
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["outbox_failed"], 1);
    app.stop().await;
}

async fn two_instances_never_send_the_same_message(kind: DbKind) {
    let sink = MailSink::start_with(SinkMode::Accept, Duration::from_millis(5));
    let first = spawn_app(kind, Some(sink.url()), &[]).await;
    let second = spawn_app_on(&first.database_url, &first.data_dir, Some(sink.url()), &[]).await;
    let ids = enqueue_mails(&first.db, 40, "oncall@ecmo.test").await;

    let received = sink.wait_for(40, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = if sink.messages().len() > received.len() {
        sink.messages()
    } else {
        received
    };
    let got: Vec<String> = received.iter().filter_map(|m| m.message_id()).collect();
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(got.len(), 40, "no duplicates");
    assert_eq!(unique.len(), 40);
    assert!(ids.iter().all(|id| unique.contains(id)));
    second.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let ids = enqueue_mails(&app.db, 1, "oncall@ecmo.test").await;
    wait_until(WAIT, || async {
        outbox_row(&app.db, &ids[0]).await.0 == "sent"
    })
    .await;
    let files: Vec<_> = std::fs::read_dir(app.data_dir.join("mail"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.contains(&ids[0]));
    assert!(text.contains("Subject: Test message 0"));
    app.stop().await;
}
