//! Errors of the JSON API, each with the status a caller can act on. Internals are logged
//! once and never sent.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ecmo_referral_app::domain::fields::FieldErrors;
use ecmo_referral_app::domain::i18n::Lang;
use ecmo_referral_app::error::AppError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound(&'static str),
    /// 409 with what to do.
    #[error("conflict")]
    Conflict(&'static str),
    #[error("unprocessable")]
    Unprocessable(FieldErrors),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Unprocessable(errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(what) => {
                (StatusCode::NOT_FOUND, Json(json!({ "error": what }))).into_response()
            }
            Self::Conflict(what) => {
                (StatusCode::CONFLICT, Json(json!({ "error": what }))).into_response()
            }
            Self::Unprocessable(errors) | Self::App(AppError::Invalid(errors)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": errors.messages(Lang::En) })),
            )
                .into_response(),
            Self::App(AppError::Transition {
                status,
                allowed,
                changed,
            }) => {
                let message = AppError::Transition {
                    status,
                    allowed: allowed.clone(),
                    changed,
                }
                .message(Lang::En);
                (
                    StatusCode::CONFLICT,
                    Json(json!({
                        "error": message,
                        "status": status,
                        "allowed": allowed,
                        "changed": changed,
                    })),
                )
                    .into_response()
            }
            Self::App(error) => {
                let status = StatusCode::from_u16(error.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut response =
                    (status, Json(json!({ "error": error.message(Lang::En) }))).into_response();
                if let AppError::TooManyAttempts { retry_after_secs }
                | AppError::Busy { retry_after_secs } = error
                {
                    if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                        response.headers_mut().insert(header::RETRY_AFTER, value);
                    }
                }
                response
            }
        }
    }
}
