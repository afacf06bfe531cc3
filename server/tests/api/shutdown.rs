//! The real binary, stopped with SIGTERM while it delivers mail.
use crate::helpers::*;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start_server(vars: &HashMap<String, String>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ecmo-referral-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary")
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("the server did not stop within {timeout:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_delivery_loses_and_duplicates_nothing() {
    const COUNT: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("ecmo.db").display());
    // Each message takes 150 ms to be accepted, so SIGTERM lands mid-delivery.
    let sink = MailSink::start_with(SinkMode::Accept, Duration::from_millis(150));

    let db = ecmo_referral_server::db::open(&database_url).await.unwrap();
    let ids = enqueue_mails(&db, COUNT, "oncall@ecmo.test").await;
    db.pool.close().await;

    let mut vars = base_vars(&database_url, dir.path());
    vars.insert("ECMO_SMTP_URL".into(), sink.url());

    let mut server = start_server(&vars);
    sink.wait_for(3, Duration::from_secs(30)).await;
    sigterm(&server);
    let status = wait_exit(&mut server, Duration::from_secs(20));
    assert!(status.success(), "graceful exit, got {status}");
    let before_restart = sink.messages().len();
    assert!(
        before_restart < COUNT,
        "SIGTERM arrived before all mail was sent"
    );

    let mut server = start_server(&vars);
    sink.wait_for(COUNT, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigterm(&server);
    assert!(wait_exit(&mut server, Duration::from_secs(20)).success());

    let received: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(|m| m.message_id())
        .collect();
    assert_eq!(received.len(), COUNT, "exactly once each");
    let mut sorted_received = received.clone();
    sorted_received.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(sorted_received, expected);
}

/// A crash (SIGKILL) while alerts are being handed to the mail server: the restarted
/// server sends each of them within seconds — the dead worker's lease (15 s) runs out —
/// never minutes, and each exactly once to the mail server that answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_in_flight_at_a_crash_go_out_within_seconds_of_restart() {
    const COUNT: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("ecmo.db").display());
    // This mail server takes two minutes to accept a message: every alert is in flight.
    let stalled = MailSink::start_with(SinkMode::Accept, Duration::from_secs(120));
    let db = ecmo_referral_server::db::open(&database_url).await.unwrap();
    let ids = enqueue_mails(&db, COUNT, "oncall@ecmo.test").await;

    let mut vars = base_vars(&database_url, dir.path());
    vars.insert("ECMO_SMTP_URL".into(), stalled.url());
    vars.insert("ECMO_MAIL_CONCURRENCY".into(), COUNT.to_string());
    let mut server = start_server(&vars);
    wait_until(Duration::from_secs(30), || async {
        let (claimed,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND locked_until IS NOT NULL",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        claimed == COUNT as i64
    })
    .await;
    // Past the DATA command: the stalled server has every message and has not answered.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let killed_at = Instant::now();

    let sink = MailSink::start();
    vars.insert("ECMO_SMTP_URL".into(), sink.url());
    let mut server = start_server(&vars);
    sink.wait_for(COUNT, Duration::from_secs(60)).await;
    let delay = killed_at.elapsed();
    eprintln!("alerts in flight at SIGKILL were delivered {delay:?} after it");
    assert!(delay < Duration::from_secs(25), "{delay:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigterm(&server);
    assert!(wait_exit(&mut server, Duration::from_secs(20)).success());
    let mut received: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(|m| m.message_id())
        .collect();
    received.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(received, expected, "each alert once");
    let (sent,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(sent, COUNT as i64);
}
