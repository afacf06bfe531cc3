use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(healthz_reports_database_and_worker);

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
