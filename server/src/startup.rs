//! Building the application: database, state, router, layers and the mail worker, and
//! running them until a shutdown is requested.
use crate::config::Settings;
use crate::mail::{MailWorker, Transport, WorkerHealth};
use crate::state::AppState;
use crate::{auth, db, demo, health, security};
use axum::{
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use ecmo_referral_app::app::{shell, App};
use ecmo_referral_app::domain::rules::RuleSet;
use ecmo_referral_app::site::SiteInfo;
use ecmo_referral_app::ssr::accounts::service::Accounts;
use ecmo_referral_app::ssr::accounts::throttle::AddressLimiter;
use ecmo_referral_app::ssr::accounts::AccountConfig;
use ecmo_referral_app::ssr::referrals::{ReferralConfig, Referrals};
use ecmo_referral_app::ssr::session::SessionDb;
use ecmo_referral_app::ssr::time::Clock;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

pub struct Application {
    listener: TcpListener,
    router: Router,
    worker: MailWorker,
    shutdown: CancellationToken,
    state: AppState,
    sessions: SessionDb,
    /// Held while the server runs: a restore refuses a SQLite database in use.
    _in_use: Option<std::fs::File>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// Builds the application with a given clock (tests move it to pass escalation windows).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let in_use = crate::backup::hold_while_serving(settings.database_url.expose_secret())
            .map_err(|e| anyhow::anyhow!("cannot take the database's lock file: {e}"))?;
        let db = db::open(settings.database_url.expose_secret()).await?;
        if settings.demo {
            let accounts = demo::seed_if_empty(&db).await?;
            print_demo_accounts(&accounts);
        }
        let sessions = SessionDb::open(settings.database_url.expose_secret(), db.backend)
            .await
            .map_err(|e| anyhow::anyhow!("cannot prepare the session table: {e}"))?;
        let rules = Arc::new(load_rules(settings.rules_file.as_deref())?);
        tracing::info!(version = %rules.version, "clinical rule set loaded");
        let site = SiteInfo {
            centre_phone: settings.centre_phone.clone(),
            demo: demo::is_demo(&db).await?,
        };

        let transport = Transport::from_settings(&settings.mail, &settings.data_dir)?;
        if let Transport::Files(dir) = &transport {
            tracing::warn!(folder = %dir.display(), "ECMO_SMTP_URL is not set: outgoing mail is written as .eml files");
        }
        let mail_health = WorkerHealth::default();
        let worker = MailWorker::new(
            db.clone(),
            transport,
            settings.mail.clone(),
            mail_health.clone(),
        );

        let listener = TcpListener::bind(settings.listen_addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen_addr))?;
        let leptos_options = LeptosOptions::builder()
            .output_name("ecmo-referral")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let worker_stale_after = settings.mail.send_timeout * 3 + settings.mail.poll_interval * 4;
        let accounts = Accounts {
            db: db.clone(),
            hashing: ecmo_referral_app::ssr::accounts::passwords::Turns::per_core(),
            config: Arc::new(AccountConfig {
                public_url: settings
                    .public_url
                    .as_str()
                    .trim_end_matches('/')
                    .to_owned(),
                message_id_domain: settings.message_id_domain(),
                idle_timeout: settings.accounts.session_idle,
                absolute_timeout: settings.accounts.session_absolute,
                max_failures: settings.accounts.login_max_failures,
                lockout: settings.accounts.login_lockout,
                invitation_ttl: Duration::from_secs(72 * 3600),
                confirmation_ttl: Duration::from_secs(72 * 3600),
                reset_ttl: Duration::from_secs(3600),
            }),
            limiter: AddressLimiter::new(
                settings.accounts.address_burst,
                settings.accounts.address_refill,
            ),
        };
        let referrals = Referrals {
            db: db.clone(),
            rules: rules.clone(),
            config: Arc::new(ReferralConfig {
                public_url: settings
                    .public_url
                    .as_str()
                    .trim_end_matches('/')
                    .to_owned(),
                message_id_domain: settings.message_id_domain(),
                team_email: settings.mail.team_email.as_ref().map(ToString::to_string),
                timeouts: settings.escalation.timeouts,
                outbox_signal: Some(mail_health.signal()),
            }),
            clock,
            changes: Default::default(),
            views: Default::default(),
            read_caches: Default::default(),
        };
        let assets = Arc::new(
            crate::assets::Assets::load(&settings.site_root, "pkg").map_err(|e| {
                anyhow::anyhow!("cannot read the browser bundle (LEPTOS_SITE_ROOT/pkg): {e}")
            })?,
        );
        let retention =
            ecmo_referral_app::ssr::retention::Retention::new(settings.retention_draft_days);
        let state = AppState {
            leptos_options,
            db,
            site,
            settings: Arc::new(settings),
            mail_health,
            worker_stale_after,
            rules,
            accounts,
            referrals,
            sessions: Arc::new(sessions.clone()),
            assets,
            keys_in_flight: Default::default(),
            retention,
        };
        let router = router(state.clone(), sessions.clone());
        Ok(Self {
            listener,
            router,
            worker,
            shutdown: CancellationToken::new(),
            state,
            sessions,
            _in_use: in_use,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Cancelling this token stops the server gracefully: in-flight requests finish, the
    /// mail worker completes the message in hand.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            worker,
            shutdown,
            sessions,
            state,
            // Held to the end of this function: the database is in use until the server stops.
            _in_use: _held,
        } = self;
        let worker_task = tokio::spawn(worker.run(shutdown.clone()));
        let sweeper = tokio::spawn(sessions.continuously_delete_expired(Duration::from_secs(600)));
        let failures = tokio::spawn(purge_login_failures(state.accounts.clone()));
        let escalations = tokio::spawn(escalate(
            state.referrals.clone(),
            state.settings.escalation.poll_interval,
            shutdown.clone(),
        ));
        let changes = tokio::spawn(watch_changes(
            state.referrals.clone(),
            state.settings.queue_poll_interval,
            shutdown.clone(),
        ));
        let views = tokio::spawn(write_views(state.referrals.clone(), shutdown.clone()));
        let retention = state
            .retention
            .draft_days
            .map(|days| tokio::spawn(purge_drafts(state.clone(), days, shutdown.clone())));
        let backups = state.settings.backups.clone().map(|schedule| {
            tokio::spawn(crate::backup::run_scheduled(
                state.settings.database_url.expose_secret().to_owned(),
                schedule,
                shutdown.clone(),
            ))
        });
        tracing::info!(address = %listener.local_addr()?, "listening");
        // Responses are written in parts (headers, then body): without TCP_NODELAY a kept-alive
        // connection waits for the client's delayed acknowledgement between them (~40 ms).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown({
            let shutdown = shutdown.clone();
            let changes = state.referrals.changes.clone();
            async move {
                shutdown.cancelled().await;
                // Open event streams end, so that the connections can close.
                changes.close();
            }
        });
        let result = serve.await;
        shutdown.cancel();
        sweeper.abort();
        failures.abort();
        let _ = escalations.await;
        let _ = changes.await;
        let _ = views.await;
        if let Some(backups) = backups {
            let _ = backups.await;
        }
        if let Some(retention) = retention {
            let _ = retention.await;
        }
        // Every request has finished: the views they recorded are written before the end.
        if let Err(error) = state.referrals.views.flush(&state.db).await {
            tracing::error!(error = %error, "could not write the last page views to the audit trail");
        }
        worker_task.await?;
        result?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Looks for referrals nobody has acknowledged in time and tells the next person, and for
/// deferred referrals whose review time has come. The
/// timers are in the database, so every instance runs this and each escalation is sent
/// once (see `ssr::oncall`).
async fn escalate(referrals: Referrals, poll: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(error) = referrals.escalate_due().await {
            tracing::error!(error = %error, "could not check escalations");
        }
        if let Err(error) = referrals.remind_due_reviews().await {
            tracing::error!(error = %error, "could not check deferred referrals' reviews");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Writes the page views waiting for the audit trail, a batch per interval (or at once when
/// a batch is full); see `ViewLog`.
async fn write_views(referrals: Referrals, shutdown: CancellationToken) {
    const INTERVAL: Duration = Duration::from_millis(250);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(INTERVAL) => {}
            _ = referrals.views.batch_full() => {}
        }
        if let Err(error) = referrals.views.flush(&referrals.db).await {
            tracing::error!(error = %error, "could not write page views to the audit trail; they wait for the next batch");
        }
    }
}

/// Passes on referral changes made by other instances to this one's open queue pages.
async fn watch_changes(referrals: Referrals, poll: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(error) = referrals.changes.poll(&referrals.db).await {
            tracing::warn!(error = %error, "could not look for referral changes");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// How often the retention purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes unsent drafts past their retention at start-up and then every hour.
async fn purge_drafts(state: AppState, days: u32, shutdown: CancellationToken) {
    loop {
        let now = state.referrals.clock.now_ms();
        match ecmo_referral_app::ssr::retention::purge_drafts(&state.db, now, days).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, older_than_days = days, "unsent drafts deleted"),
            Err(error) => tracing::error!(error = %error, "could not delete old drafts"),
        }
        state
            .retention
            .set_next_run_ms(now + PURGE_EVERY.as_millis() as i64);
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(PURGE_EVERY) => {}
        }
    }
}

/// Every ten minutes, drops sign-in failure counts that have run out, idle throttle
/// entries and kept posts past their hour.
async fn purge_login_failures(accounts: Accounts) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        accounts.limiter.forget_idle();
        let Ok(mut conn) = accounts.db.pool.acquire().await else {
            continue;
        };
        // Posts kept across an expired session that nobody came back for.
        if let Err(error) = ecmo_referral_app::ssr::pending::purge_expired(&mut conn).await {
            tracing::warn!(error = %error, "could not purge expired kept posts");
        }
        if let Err(error) = ecmo_referral_app::ssr::accounts::throttle::purge_stale(
            &mut conn,
            accounts.config.lockout,
        )
        .await
        {
            tracing::warn!(error = %error, "could not purge old sign-in failures");
        }
    }
}

/// Stack of each runtime worker. Rendering the checklist's larger pages nests deeply;
/// tokio's default of 2 MiB is not enough for it in unoptimised builds, so the server (and
/// its tests) give each worker 8 MiB — address space, committed only as it is used.
pub const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Every route the server answers, for the access-control test: the JSON API, the pages,
/// the server functions and the few plain handlers.
pub fn route_list() -> Vec<(http::Method, String)> {
    let mut routes = vec![
        (http::Method::GET, "/healthz".to_owned()),
        (http::Method::GET, "/lang/{locale}".to_owned()),
        (http::Method::POST, "/referrals/drafts/{id}/step".to_owned()),
        (http::Method::GET, "/resume".to_owned()),
        (http::Method::GET, "/referrals/{id}/audit.csv".to_owned()),
        (http::Method::GET, "/kpi.csv".to_owned()),
        (http::Method::GET, "/calendar/{file}".to_owned()),
        (http::Method::GET, "/metrics".to_owned()),
        (http::Method::POST, "/admin/subject-access".to_owned()),
    ];
    routes.extend(crate::api::route_list());
    for route in page_routes() {
        routes.push((http::Method::GET, route.path().to_owned()));
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        routes.push((method, path.to_owned()));
    }
    routes.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    routes.dedup();
    routes
}

/// The pages' routes, generated once per process. Generating them runs the app once with
/// data loading switched off for the whole process (leptos' `SuppressResourceLoad`): a page
/// that another server in the same process began rendering meanwhile would wait for its
/// data forever. With one generation, before the first server starts, that cannot happen.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState, sessions: SessionDb) -> Router {
    crate::metrics::handle();
    let routes = page_routes();
    let context = page_context(state.clone());
    let max_body = state.settings.max_body_bytes;
    let timeout = state.settings.request_timeout;
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("ecmo_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies())
        // Saved when changed: sign-in, sign-out, and activity once a minute
        // (`Accounts::session_user`), which moves the idle deadline forward.
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(state.settings.accounts.session_idle)
                .unwrap_or(time::Duration::hours(2)),
        ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v/{version}/pkg/{*file}", get(crate::assets::versioned))
        .route("/pkg/{*file}", get(crate::assets::plain))
        .route("/lang/{locale}", get(set_language))
        .route(
            "/referrals/drafts/{id}/step",
            axum::routing::post(crate::checklist::save_step),
        )
        .route("/resume", get(crate::checklist::resume))
        .route("/referrals/{id}/audit.csv", get(crate::exports::referral_audit))
        .route("/kpi.csv", get(crate::exports::kpis))
        .route("/calendar/{file}", get(crate::exports::calendar))
        .route("/metrics", get(crate::metrics::serve))
        .route(
            "/admin/subject-access",
            axum::routing::post(crate::exports::subject_access),
        )
        .merge(crate::api::routes())
        .route(
            "/api/{*fn_name}",
            get(server_fn).post(server_fn),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || page_shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, page_shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::same_origin))
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(crate::language::one_cookie))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| internal_error_response()))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // The path only: query strings may carry tokens, and bodies are never logged.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
}

/// Context every page render and server function sees.
fn page_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.site.clone());
        provide_context(ecmo_referral_app::site::AssetRoot(state.assets.root()));
        provide_context(state.db.clone());
        provide_context(state.rules.clone());
        provide_context(state.accounts.clone());
        provide_context(state.referrals.clone());
        provide_context(state.retention.clone());
        leptos::nonce::provide_nonce();
    }
}

/// The document shell, with the Content-Security-Policy for this render's nonce.
fn page_shell(options: LeptosOptions) -> impl IntoView {
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = HeaderValue::from_str(&security::page_policy(&nonce.to_string())) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    shell(options)
}

/// Runs a server function. A request it could not even read (wrong encoding, a field of
/// the wrong type) is the caller's mistake: 400, not the framework's 500.
async fn server_fn(State(state): State<AppState>, request: Request) -> Response {
    let response = leptos_axum::handle_server_fns_with_context(page_context(state), request)
        .await
        .into_response();
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(ecmo_referral_app::error::AppError::Request(_)) = serde_json::from_slice(&bytes) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[derive(serde::Deserialize)]
struct LanguageQuery {
    next: Option<String>,
}

/// Sets the language cookie and sends the browser back to where it was; this is how the
/// language switch works without JavaScript.
async fn set_language(Path(locale): Path<String>, Query(query): Query<LanguageQuery>) -> Response {
    if !matches!(locale.as_str(), "sl" | "en") {
        return (
            StatusCode::NOT_FOUND,
            "Unknown language. Use /lang/sl or /lang/en.",
        )
            .into_response();
    }
    let next = ecmo_referral_app::accounts::safe_next(query.next.as_deref().unwrap_or("/"));
    let cookie = format!(
        "{}={locale}; Path=/; Max-Age=31536000; SameSite=Lax",
        crate::language::COOKIE
    );
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The embedded rule set, or the centre's file when `ECMO_RULES_FILE` names one.
fn load_rules(path: Option<&std::path::Path>) -> anyhow::Result<RuleSet> {
    let Some(path) = path else {
        return Ok(RuleSet::embedded().clone());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("ECMO_RULES_FILE: cannot read {}: {e}", path.display()))?;
    RuleSet::from_json(&text).map_err(|e| anyhow::anyhow!("ECMO_RULES_FILE: {e}"))
}

fn internal_error_response() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "The server could not complete this request. Try again; if it keeps failing, phone the ECMO centre.",
    )
        .into_response()
}

fn print_demo_accounts(accounts: &[crate::demo::DemoAccount]) {
    if accounts.is_empty() {
        return;
    }
    // Printed to the console once, never logged: these are the only copies in clear text.
    println!("\nDemo data created. Sign-in accounts (shown only now):");
    for account in accounts {
        println!(
            "  {:<15} {:<28} password: {}",
            account.role, account.email, account.password
        );
    }
    println!();
}

/// Waits for SIGTERM or Ctrl-C, then cancels `token`.
pub async fn shutdown_on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
        _ = token.cancelled() => return,
    }
    tracing::info!("shutdown requested; finishing requests in flight");
    token.cancel();
    // A shutdown that hangs (a stuck client, a mail server that never answers) must not
    // keep the process forever; what was not sent stays queued for the next start.
    tokio::time::sleep(SHUTDOWN_GRACE).await;
    tracing::error!("shutdown did not finish within {SHUTDOWN_GRACE:?}; exiting");
    std::process::exit(1);
}

const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
