//! What the server functions share: the services, who is asking, and how errors answer.
//! Read from the request the server function runs in (leptos context).
use crate::error::AppError;
use crate::ssr::accounts::service::Accounts;
use crate::ssr::accounts::RequestIdentity;
use leptos::prelude::*;

pub fn accounts() -> Result<Accounts, AppError> {
    use_context::<Accounts>().ok_or(AppError::Internal)
}

pub fn identity() -> RequestIdentity {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestIdentity>().cloned())
        .unwrap_or_default()
}

pub async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)
}

/// True for a plain HTML form post (no JavaScript): the answer is then a redirect.
pub fn from_html_form() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Gives an error its HTTP status (and `Retry-After`) for script callers; a plain
/// form post keeps the redirect back to its page, which shows the error.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if !from_html_form() {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                if let Ok(status) = http::StatusCode::from_u16(error.status()) {
                    response.set_status(status);
                }
                if let AppError::TooManyAttempts { retry_after_secs } = error {
                    if let Ok(value) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                        response.insert_header(http::header::RETRY_AFTER, value);
                    }
                }
            }
        }
    }
    result
}

/// Sends a plain form post on to `path`; script callers navigate themselves.
pub fn redirect_form(path: &str) {
    if from_html_form() {
        leptos_axum::redirect(path);
    }
}

/// The answer of a server function: on success a plain form post goes on to `next`;
/// an error gets its status.
pub fn answer<T>(result: Result<T, AppError>, next: &str) -> Result<T, AppError> {
    if result.is_ok() {
        redirect_form(next);
    }
    respond(result)
}
