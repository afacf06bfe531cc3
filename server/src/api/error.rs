//! Errors of the JSON API, each with the status a caller can act on. Internals are logged
//! once and never sent.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ecmo_referral_app::domain::fields::FieldErrors;
use ecmo_referral_app::domain::i18n::Lang;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound(&'static str),
    #[error("unprocessable")]
    Unprocessable(FieldErrors),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(what) => {
                (StatusCode::NOT_FOUND, Json(json!({ "error": what }))).into_response()
            }
            Self::Unprocessable(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": errors.messages(Lang::En) })),
            )
                .into_response(),
        }
    }
}
