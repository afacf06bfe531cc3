//! Building the application: database, state, router, layers and the mail worker, and
//! running them until a shutdown is requested.
use crate::config::Settings;
use crate::mail::{MailWorker, Transport, WorkerHealth};
use crate::state::AppState;
use crate::{db, demo, health, security};
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
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

pub struct Application {
    listener: TcpListener,
    router: Router,
    worker: MailWorker,
    shutdown: CancellationToken,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::open(settings.database_url.expose_secret()).await?;
        if settings.demo {
            let accounts = demo::seed_if_empty(&db).await?;
            print_demo_accounts(&accounts);
        }
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
        let state = AppState {
            leptos_options,
            db,
            site,
            settings: Arc::new(settings),
            mail_health,
            worker_stale_after,
            rules,
        };
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            worker,
            shutdown: CancellationToken::new(),
            state,
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
            ..
        } = self;
        let worker_task = tokio::spawn(worker.run(shutdown.clone()));
        tracing::info!(address = %listener.local_addr()?, "listening");
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let result = serve.await;
        shutdown.cancel();
        worker_task.await?;
        result?;
        tracing::info!("stopped");
        Ok(())
    }
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = page_context(state.clone());
    let max_body = state.settings.max_body_bytes;
    let timeout = state.settings.request_timeout;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/lang/{locale}", get(set_language))
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
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| internal_error_response()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // The path only: query strings may carry tokens, and bodies are never logged.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
}

/// Context every page render and server function sees.
fn page_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.site.clone());
        provide_context(state.db.clone());
        provide_context(state.rules.clone());
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

async fn server_fn(State(state): State<AppState>, request: Request) -> impl IntoResponse {
    leptos_axum::handle_server_fns_with_context(page_context(state), request).await
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
    // Only a path on this site: no scheme, no host, no protocol-relative "//".
    let next = query
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!("i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax");
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
