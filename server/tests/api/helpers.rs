use ecmo_referral_app::ssr::db::Db;
use ecmo_referral_app::ssr::time::Clock;
use ecmo_referral_server::config::Settings;
use ecmo_referral_server::startup::Application;
use mailin_embedded::{response, Handler, Response, Server, SslConfig};
use sqlx::Connection;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Generates `mod name { sqlite, postgres }` tests that call `name(DbKind)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::helpers::runtime().block_on(super::$name($crate::helpers::DbKind::Sqlite))
            }
            #[test]
            fn postgres() {
                if $crate::helpers::postgres_available() {
                    $crate::helpers::runtime().block_on(super::$name($crate::helpers::DbKind::Postgres))
                }
            }
        }
    )*};
}

/// The runtime each database test runs on: two workers, with the stack the server's own
/// runtime has (see `server/src/main.rs`).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(ecmo_referral_server::startup::WORKER_STACK_BYTES)
        .enable_all()
        .build()
        .expect("test runtime")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// True when PostgreSQL tests should run; panics when they are required but not configured.
pub fn postgres_available() -> bool {
    let configured = std::env::var("ECMO_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty());
    if !configured && std::env::var("ECMO_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("ECMO_TEST_REQUIRE_POSTGRES=1 but ECMO_TEST_POSTGRES_URL is not set");
    }
    if !configured {
        eprintln!(
            "PostgreSQL not configured (ECMO_TEST_POSTGRES_URL): this test ran on SQLite only"
        );
    }
    configured
}

/// A fresh, empty database of the given kind; the SQLite file lives in `dir`.
pub async fn fresh_database_url(kind: DbKind, dir: &std::path::Path) -> String {
    match kind {
        DbKind::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
        DbKind::Postgres => {
            let admin = std::env::var("ECMO_TEST_POSTGRES_URL").expect("ECMO_TEST_POSTGRES_URL");
            let name = format!("ecmo_test_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            conn.close().await.ok();
            let mut url = url::Url::parse(&admin).expect("ECMO_TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
    }
}

/// One message as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    pub fn message_id(&self) -> Option<String> {
        header(&self.data, "Message-ID")
            .map(|v| v.trim_matches(|c| c == '<' || c == '>').to_owned())
    }
}

pub fn header(data: &str, name: &str) -> Option<String> {
    data.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    })
}

/// How the test SMTP server answers.
#[derive(Clone, Copy, Debug)]
pub enum SinkMode {
    Accept,
    /// 550 to every recipient: a permanent failure.
    RejectRecipients,
    /// 451 to every recipient: a temporary failure.
    TemporaryFailure,
}

#[derive(Clone)]
struct SinkHandler {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    current: Option<ReceivedMail>,
    delay: Duration,
    mode: SinkMode,
}

impl Handler for SinkHandler {
    fn rcpt(&mut self, _to: &str) -> Response {
        match self.mode {
            SinkMode::RejectRecipients => response::NO_MAILBOX,
            SinkMode::TemporaryFailure => response::INTERNAL_ERROR,
            SinkMode::Accept => response::OK,
        }
    }
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail {
            to: to.to_vec(),
            data: String::new(),
        });
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        std::thread::sleep(self.delay);
        if let Some(mail) = self.current.take() {
            self.received.lock().unwrap().push(mail);
        }
        response::OK
    }
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// A bound, not listening, local port (see [`MailSink::reserve_port`]).
pub struct ReservedPort {
    socket: socket2::Socket,
    pub port: u16,
}

/// A real SMTP server (mailin-embedded) on a loopback port, recording what it accepts.
#[derive(Clone)]
pub struct MailSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl MailSink {
    pub fn start() -> Self {
        Self::start_with(SinkMode::Accept, Duration::ZERO)
    }

    pub fn start_with(mode: SinkMode, delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        Self::serve(listener, mode, delay)
    }

    /// A port where nothing listens yet: connections are refused until `start_on` is called.
    /// The socket stays bound meanwhile (without listening), so no other server of the test
    /// process can take the port — a server there would accept the connection and leave the
    /// mail worker waiting for a greeting instead of being refused.
    pub fn reserve_port() -> ReservedPort {
        use socket2::{Domain, SockAddr, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
        socket.bind(&SockAddr::from(any)).expect("bind");
        let port = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("a bound address")
            .port();
        ReservedPort { socket, port }
    }

    pub fn start_on(reserved: ReservedPort) -> Self {
        reserved
            .socket
            .listen(128)
            .expect("listen on the reserved SMTP port");
        Self::serve(
            TcpListener::from(reserved.socket),
            SinkMode::Accept,
            Duration::ZERO,
        )
    }

    fn serve(listener: TcpListener, mode: SinkMode, delay: Duration) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = SinkHandler {
            received: received.clone(),
            current: None,
            delay,
            mode,
        };
        let mut server = Server::new(handler);
        server
            .with_name("sink.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_num_threads(32)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                start.elapsed() < timeout,
                "expected {count} messages, got {} within {timeout:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub shutdown: CancellationToken,
    pub data_dir: std::path::PathBuf,
    pub database_url: String,
    /// The application's clock: tests move it forward instead of waiting.
    pub clock: Clock,
    /// Page views waiting for the audit trail.
    pub views: ecmo_referral_app::ssr::accounts::audit::ViewLog,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(handle) = self.handle.take() {
            handle
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }
}

/// The variables every test app gets; `overrides` replace or add to them.
pub fn base_vars(database_url: &str, data_dir: &std::path::Path) -> HashMap<String, String> {
    [
        ("ECMO_DATABASE_URL", database_url.to_owned()),
        ("ECMO_DATA_DIR", data_dir.display().to_string()),
        ("ECMO_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("ECMO_PUBLIC_URL", "http://ecmo.test".to_owned()),
        ("ECMO_CENTRE_PHONE", "+386 1 555 0100".to_owned()),
        (
            "ECMO_MAIL_FROM",
            "ECMO Referral <noreply@ecmo.test>".to_owned(),
        ),
        ("ECMO_MAIL_POLL_MS", "50".to_owned()),
        ("ECMO_MAIL_BACKOFF_MS", "100".to_owned()),
        ("ECMO_ESCALATION_POLL_MS", "50".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Starts the application with a fresh database of `kind` and the given mail server.
pub async fn spawn_app(
    kind: DbKind,
    smtp_url: Option<String>,
    overrides: &[(&str, &str)],
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url(kind, dir.path()).await;
    let path = dir.path().to_path_buf();
    let mut app = spawn_app_on(&database_url, &path, smtp_url, overrides).await;
    app._dir = Some(dir);
    app
}

/// Starts the application on an existing database (e.g. a second instance).
pub async fn spawn_app_on(
    database_url: &str,
    data_dir: &std::path::Path,
    smtp_url: Option<String>,
    overrides: &[(&str, &str)],
) -> TestApp {
    spawn_app_with_clock(
        database_url,
        data_dir,
        smtp_url,
        overrides,
        Clock::default(),
    )
    .await
}

/// Starts the application on an existing database with the given clock.
pub async fn spawn_app_with_clock(
    database_url: &str,
    data_dir: &std::path::Path,
    smtp_url: Option<String>,
    overrides: &[(&str, &str)],
    clock: Clock,
) -> TestApp {
    spawn_tuned(database_url, data_dir, smtp_url, overrides, clock, |_| {}).await
}

/// Starts the application with a fresh database of `kind` and settings changed by `tune`
/// beyond what the environment can say (e.g. timeouts in seconds instead of minutes).
pub async fn spawn_app_tuned(kind: DbKind, tune: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url(kind, dir.path()).await;
    let path = dir.path().to_path_buf();
    let mut app = spawn_tuned(&database_url, &path, None, &[], Clock::default(), tune).await;
    app._dir = Some(dir);
    app
}

async fn spawn_tuned(
    database_url: &str,
    data_dir: &std::path::Path,
    smtp_url: Option<String>,
    overrides: &[(&str, &str)],
    clock: Clock,
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut vars = base_vars(database_url, data_dir);
    if let Some(url) = smtp_url {
        vars.insert("ECMO_SMTP_URL".into(), url);
    }
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let mut settings =
        Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings are valid");
    tune(&mut settings);
    if std::env::var_os("RUST_LOG").is_some() {
        ecmo_referral_server::telemetry::init(settings.log_format);
    }
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let views = app.state().referrals.views.clone();
    let shutdown = app.shutdown_token();
    let handle = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        db,
        client,
        shutdown,
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.to_owned(),
        clock,
        views,
        handle: Some(handle),
        _dir: None,
    }
}

/// Queues `count` messages in one transaction, as a feature would.
pub async fn enqueue_mails(db: &Db, count: usize, recipient: &str) -> Vec<String> {
    use ecmo_referral_app::ssr::outbox::{enqueue, NewMail};
    let mut tx = db.pool.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..count {
        let mail = NewMail {
            kind: "test".into(),
            lane: ecmo_referral_app::ssr::outbox::Lane::Clinical,
            recipient: recipient.into(),
            subject: format!("Test message {i}"),
            body_text: format!("Body {i}"),
            body_html: (i % 2 == 0).then(|| format!("<p>Body {i}</p>")),
        };
        ids.push(enqueue(&mut tx, &mail, "ecmo.test").await.unwrap());
    }
    tx.commit().await.unwrap();
    ids
}

/// (status, attempts) of an outbox row, by Message-ID.
pub async fn outbox_row(db: &Db, message_id: &str) -> (String, i64) {
    sqlx::query_as("SELECT status, attempts FROM outbox WHERE message_id = $1")
        .bind(message_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

pub async fn wait_until<F, Fut>(timeout: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !condition().await {
        assert!(
            start.elapsed() < timeout,
            "condition not met within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The origin of `ECMO_PUBLIC_URL` in test apps; browsers send it with every POST.
pub const ORIGIN: &str = "http://ecmo.test";

/// A password that passes the policy.
pub const GOOD_PASSWORD: &str = "kisik membrana Vrhnika 42";

impl TestApp {
    /// A client that keeps cookies, like a browser, and does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Calls a server function as the page's script does (form-encoded, our Origin).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(format!("{}{path}", self.address))
            .header("origin", ORIGIN)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// `GET path` as a browser asks for a page (`Accept: text/html`).
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(format!("{}{path}", self.address))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request")
    }

    /// Signs in through the JSON API; returns the status.
    /// `GET /api/v1/referrals/{id}` as `client` sees it, as JSON.
    pub async fn referral(
        &self,
        client: &reqwest::Client,
        id: &serde_json::Value,
    ) -> serde_json::Value {
        client
            .get(format!("{}/api/v1/referrals/{id}", self.address))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, password: &str) -> u16 {
        client
            .post(format!("{}/api/v1/session", self.address))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    pub async fn me(&self, client: &reqwest::Client) -> reqwest::Response {
        client
            .get(format!("{}/api/v1/me", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Creates an active account as the command line would.
    pub async fn create_user(&self, email: &str, roles: &[&str], hospital: Option<&str>) -> i64 {
        use ecmo_referral_app::domain::account::Role;
        let roles: Vec<Role> = roles.iter().filter_map(|r| Role::parse(r)).collect();
        let create = || {
            ecmo_referral_app::ssr::accounts::service::create_user_directly(
                &self.db,
                email,
                "Test Person",
                &roles,
                hospital,
                secrecy::SecretString::from(GOOD_PASSWORD),
            )
        };
        // Set-up, not the test: on the loaded 2-core CI machine this has (rarely) failed
        // with an internal error right after start-up, cause not yet found; it is said
        // on the test's output and tried again once, so that it stays visible.
        match create().await {
            Ok(id) => id,
            Err(error) => {
                eprintln!("create_user({email}) failed once: {error:?}; trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
                create().await.expect("user created")
            }
        }
    }

    pub async fn hospital_id(&self, name: &str) -> i64 {
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM hospitals WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db.pool)
            .await
            .expect("seeded hospital");
        id
    }

    /// The token in the newest queued mail of `kind` to `recipient`.
    pub async fn token_from_mail(&self, recipient: &str, kind: &str) -> String {
        let (body,): (String,) = sqlx::query_as(
            "SELECT body_text FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(recipient)
        .bind(kind)
        .fetch_one(&self.db.pool)
        .await
        .unwrap_or_else(|_| panic!("a {kind} mail to {recipient}"));
        body.split("token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a token in the link")
            .to_owned()
    }

    pub async fn mail_count(&self, recipient: &str, kind: &str) -> i64 {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND kind = $2")
                .bind(recipient)
                .bind(kind)
                .fetch_one(&self.db.pool)
                .await
                .unwrap();
        n
    }

    /// Every audit action so far (page views waiting for their batch written first).
    pub async fn audit_actions(&self) -> Vec<String> {
        self.views.flush(&self.db).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT action FROM audit_events ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .unwrap();
        rows.into_iter().map(|(a,)| a).collect()
    }
}
