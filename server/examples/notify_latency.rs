//! Benchmark (not a test): how long from a referral's submission to the SMTP server
//! accepting the on-call physician's mail, at a steady 1, 10 and 50 submissions a second.
//!
//!     cargo run --release -p ecmo-referral-server --example notify_latency [seconds per rate]
//!
//! The application runs in this process on a fresh SQLite database, with its real mail
//! worker and a real SMTP server (mailin-embedded) on a loopback port. The latency is
//! measured from the outbox row's creation — inside the submission's transaction, so before
//! its commit — to the end of the SMTP DATA command, and so slightly overstates the
//! commit-to-accept time.
use ecmo_referral_app::domain::account::Role;
use ecmo_referral_app::domain::checklist::format_local;
use ecmo_referral_app::ssr::accounts::service::create_user_directly;
use ecmo_referral_app::ssr::time::{now_ms, to_local};
use ecmo_referral_server::config::Settings;
use ecmo_referral_server::startup::Application;
use mailin_embedded::{response, Handler, Response, Server, SslConfig};
use std::collections::HashMap;
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple 42";

#[derive(Clone)]
struct Sink {
    /// Message-ID → when the SMTP DATA ended (ms).
    accepted: Arc<Mutex<HashMap<String, i64>>>,
    data: String,
}

impl Handler for Sink {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.data.clear();
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let id = self
            .data
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| {
                l.strip_prefix("Message-ID:")
                    .or_else(|| l.strip_prefix("Message-Id:"))
            })
            .map(|v| v.trim().trim_matches(|c| c == '<' || c == '>').to_owned());
        if let Some(id) = id {
            self.accepted.lock().unwrap().insert(id, now_ms());
        }
        response::OK
    }
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let smtp_port = listener.local_addr()?.port();
    let accepted = Arc::new(Mutex::new(HashMap::new()));
    let mut server = Server::new(Sink {
        accepted: accepted.clone(),
        data: String::new(),
    });
    server
        .with_name("bench.test")
        .with_ssl(SslConfig::None)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_num_threads(16)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let dir = tempfile::tempdir()?;
    let vars: HashMap<&str, String> = [
        (
            "ECMO_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ),
        ("ECMO_DATA_DIR", dir.path().display().to_string()),
        ("ECMO_LISTEN_ADDR", "127.0.0.1:0".into()),
        ("ECMO_PUBLIC_URL", "http://ecmo.bench".into()),
        ("ECMO_CENTRE_PHONE", "+386 1 555 0100".into()),
        (
            "ECMO_MAIL_FROM",
            "ECMO Referral <noreply@ecmo.bench>".into(),
        ),
        (
            "ECMO_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}?tls=none"),
        ),
        ("ECMO_LOG_FORMAT", "json".into()),
    ]
    .into_iter()
    .collect();
    let settings = Settings::from_lookup(|k| vars.get(k).cloned())?;
    let app = Application::build(settings).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let shutdown = app.shutdown_token();
    let running = tokio::spawn(app.run_until_stopped());

    let password = || secrecy::SecretString::from(PASSWORD);
    create_user_directly(
        &db,
        "ref@sb-celje.si",
        "Bench Referrer",
        &[Role::Referrer],
        Some("SB Celje"),
        password(),
    )
    .await?;
    let oncall = create_user_directly(
        &db,
        "oncall@centre.bench",
        "On Call",
        &[Role::EcmoClinician],
        None,
        password(),
    )
    .await?;
    let now_local = to_local(now_ms());
    sqlx::query(
        "INSERT INTO oncall_shifts (starts_at, ends_at, starts_local, ends_local, primary_user_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $1)",
    )
    .bind(now_ms() - 3_600_000)
    .bind(now_ms() + 24 * 3_600_000)
    .bind(format_local(now_local - 3_600_000))
    .bind(format_local(now_local + 24 * 3_600_000))
    .bind(oncall)
    .execute(&db.pool)
    .await?;

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    client
        .post(format!("{address}/api/v1/session"))
        .json(&serde_json::json!({"email": "ref@sb-celje.si", "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?;
    let body = ecmo_referral_app::domain::checklist::example(
        ecmo_referral_app::domain::triage::Pathway::Vv,
    );

    println!("{seconds} s per rate; SQLite; on-call mail latency (outbox row → SMTP accepted)");
    let mut key = 0u64;
    for rate in [1u64, 10, 50] {
        let started = now_ms();
        let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
        let mut tasks = Vec::new();
        for _ in 0..rate * seconds {
            ticker.tick().await;
            key += 1;
            let client = client.clone();
            let url = format!("{address}/api/v1/referrals");
            let body = body.clone();
            let idempotency = format!("bench-{key:08}");
            tasks.push(tokio::spawn(async move {
                client
                    .post(url)
                    .header("idempotency-key", idempotency)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }));
        }
        let mut failed = 0;
        for task in tasks {
            if !matches!(task.await, Ok(Ok(201))) {
                failed += 1;
            }
        }
        // Give the last messages time to arrive, then match them to their outbox rows.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT message_id, created_at FROM outbox WHERE kind = 'referral_submitted' AND recipient = 'oncall@centre.bench' AND created_at >= $1",
        )
        .bind(started)
        .fetch_all(&db.pool)
        .await?;
        let accepted = accepted.lock().unwrap().clone();
        let mut latencies: Vec<i64> = rows
            .iter()
            .filter_map(|(id, created)| accepted.get(id).map(|at| at - created))
            .collect();
        latencies.sort_unstable();
        println!(
            "{rate:>3}/s: {} submitted ({} failed), {} mails accepted; p50 {} ms, p99 {} ms, max {} ms",
            rate * seconds,
            failed,
            latencies.len(),
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
            latencies.last().copied().unwrap_or(0)
        );
    }
    shutdown.cancel();
    running.await??;
    Ok(())
}
