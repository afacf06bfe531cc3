//! The session API for scripts and integrations, and the public hospital list.
//!
//! `POST /api/v1/session` signs in and sets the session cookie; `DELETE` signs out;
//! `GET /api/v1/me` is the current user; `GET /api/v1/hospitals` lists ids and names.
use super::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use ecmo_referral_app::domain::account::CurrentUser;
use ecmo_referral_app::domain::fields::{FieldError, FieldErrors};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::ssr::accounts::{devices, RequestIdentity};
use serde_json::Value;
use tower_sessions::Session;

pub async fn sign_in(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    session: Session,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject).into());
    };
    let field = |name: &str, errors: &mut FieldErrors| match map.get(name) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            errors.add(name, FieldError::Missing);
            String::new()
        }
        Some(_) => {
            errors.add(
                name,
                FieldError::UnknownValue {
                    allowed: vec!["a string".into()],
                },
            );
            String::new()
        }
    };
    let mut errors = FieldErrors::default();
    let email = field("email", &mut errors);
    let password = field("password", &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let device = headers
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(devices::token_from);
    let (user, token) = state
        .accounts
        .sign_in(
            &session,
            &identity,
            &email,
            secrecy::SecretString::from(password),
            device,
        )
        .await?;
    let secure = state.settings.secure_cookies();
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            devices::cookie(&token, secure),
        )],
        Json(user),
    ))
}

pub async fn sign_out(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    state.accounts.sign_out(&session, &identity).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(
    Extension(identity): Extension<RequestIdentity>,
) -> Result<Json<CurrentUser>, ApiError> {
    identity
        .user
        .map(Json)
        .ok_or(ApiError::App(AppError::SignIn))
}

pub async fn hospitals(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(state.accounts.hospital_options().await?))
}
