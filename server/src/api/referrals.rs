//! Referrals for hospital systems: `POST /api/v1/referrals` with an `Idempotency-Key`
//! header, `GET /api/v1/referrals` and `GET /api/v1/referrals/{id}`. The same checks and
//! the same authorisation as the pages, through the same service.
use super::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use ecmo_referral_app::domain::fields::{FieldError, FieldErrors};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::referrals::{ReferralDetail, ReferralSummary, Submitted};
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Idempotency keys of API submissions this instance is processing. A second request with
/// the same key meanwhile is answered 409, as the IETF idempotency-key draft asks; one that
/// comes after the first has finished gets the first one's answer. (Across instances the
/// database's unique key makes a concurrent twin wait for the first and replay it.)
#[derive(Clone, Default)]
pub struct KeysInFlight(Arc<Mutex<HashSet<(i64, String)>>>);

/// A key held while its request is processed; released when dropped, whatever the outcome.
struct InFlight {
    keys: KeysInFlight,
    entry: (i64, String),
}

impl KeysInFlight {
    fn enter(&self, user: i64, key: &str) -> Option<InFlight> {
        let entry = (user, key.to_owned());
        let mut keys = self.0.lock().unwrap_or_else(|e| e.into_inner());
        keys.insert(entry.clone()).then(|| InFlight {
            keys: self.clone(),
            entry,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut keys = self.keys.0.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&self.entry);
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if key.is_empty() {
        return Err(FieldErrors::single("Idempotency-Key", FieldError::Missing).into());
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject).into());
    };
    let user = identity.user.as_ref().map_or(0, |u| u.id);
    let Some(_in_flight) = state.keys_in_flight.enter(user, &key) else {
        return Err(ApiError::Conflict(
            "A request with this Idempotency-Key is still being processed; repeat it in a moment to get its answer.",
        ));
    };
    let submitted = state.referrals.submit(&identity, &key, &value).await?;
    let status = if submitted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(submitted)))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
) -> Result<Json<Vec<ReferralSummary>>, ApiError> {
    Ok(Json(state.referrals.list(&identity).await?))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
) -> Result<Json<ReferralDetail>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    Ok(Json(state.referrals.get(&identity, id).await?))
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body)
        .map_err(|_| FieldErrors::whole_body(FieldError::NotAnObject).into())
}

/// `POST /api/v1/referrals/{id}/updates`: `{"note": "...", "blood_gases": [...]}` →
/// `201 {"version": n}`.
pub async fn add_update(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let value = json_body(&body)?;
    let version = state.referrals.add_update(&identity, id, &value).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "version": version })),
    ))
}

/// `POST /api/v1/referrals/{id}/messages`: `{"body": "..."}` → `201 {"id": n}`.
pub async fn post_message(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let value = json_body(&body)?;
    let Some(object) = value.as_object() else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject).into());
    };
    let mut errors = FieldErrors::default();
    for key in object.keys().filter(|k| *k != "body") {
        errors.add(key, FieldError::UnknownField);
    }
    let text = match object.get("body") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            errors.add(
                "body",
                FieldError::UnknownValue {
                    allowed: vec!["text".into()],
                },
            );
            String::new()
        }
        None => String::new(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let message = state.referrals.post_message(&identity, id, &text).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": message })),
    ))
}
