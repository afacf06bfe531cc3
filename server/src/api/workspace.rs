//! The centre's workspace over HTTP: state transitions for hospital and centre systems,
//! and the change events that keep open queue pages live.
use super::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::sse::{Event, Sse};
use axum::Json;
use ecmo_referral_app::domain::fields::{FieldError, FieldErrors};
use ecmo_referral_app::domain::policy::Action;
use ecmo_referral_app::domain::workflow::{Status, TransitionInput, STATES};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::ssr::accounts::service::authorize;
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use serde_json::{json, Map, Value};
use std::convert::Infallible;

fn string(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<String> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(
                key,
                FieldError::UnknownValue {
                    allowed: vec!["text".into()],
                },
            );
            None
        }
    }
}

fn strings(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Vec<String> {
    match object.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            errors.add(key, FieldError::NotAList);
            Vec::new()
        }
    }
}

/// Reads a transition request field by field, so that every mistake is named.
fn transition_input(value: &Value) -> Result<TransitionInput, FieldErrors> {
    let Some(object) = value.as_object() else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject));
    };
    const KNOWN: &[&str] = &[
        "to",
        "reason_code",
        "note",
        "advice",
        "fields",
        "triggers",
        "review_at",
        "eta_min",
        "team",
        "mode",
        "centre",
        "from",
    ];
    let mut errors = FieldErrors::default();
    for key in object.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        errors.add(key, FieldError::UnknownField);
    }
    let to = string(object, "to", &mut errors).unwrap_or_default();
    if to.trim().is_empty() {
        if errors.get("to").is_none() {
            errors.add("to", FieldError::Missing);
        }
    } else if Status::parse(to.trim()).is_none() {
        errors.add(
            "to",
            FieldError::UnknownValue {
                allowed: STATES.iter().map(|s| s.as_str().to_owned()).collect(),
            },
        );
    }
    let eta_min = match object.get("eta_min") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => {
            errors.add("eta_min", FieldError::NotANumber);
            None
        }
    };
    let input = TransitionInput {
        to,
        reason_code: string(object, "reason_code", &mut errors),
        note: string(object, "note", &mut errors).unwrap_or_default(),
        advice: string(object, "advice", &mut errors).unwrap_or_default(),
        fields: strings(object, "fields", &mut errors),
        triggers: strings(object, "triggers", &mut errors),
        review_at: string(object, "review_at", &mut errors),
        eta_min,
        team: string(object, "team", &mut errors).unwrap_or_default(),
        mode: string(object, "mode", &mut errors),
        centre: string(object, "centre", &mut errors).unwrap_or_default(),
        from: string(object, "from", &mut errors),
    };
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// `POST /api/v1/referrals/{id}/transitions` with
/// `{"to": "ACKNOWLEDGED", "reason_code": "...", "note": "...", "advice": "..."}` →
/// `200 {"status": "ACKNOWLEDGED"}`; `409 {"error", "status", "allowed", "changed"}` when the
/// step does not follow the referral's state or the state moved since `from`.
pub async fn transition(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| FieldErrors::whole_body(FieldError::NotAnObject))?;
    let input = transition_input(&value)?;
    let status = state.referrals.transition(&identity, id, &input).await?;
    Ok(Json(json!({ "id": id, "status": status })))
}

/// `GET /api/v1/queue/events`: a server-sent event `queue` whenever a referral changes, for
/// the centre's clinicians. It says only that something changed; the page then fetches
/// the queue through its own authorised route. The stream ends when the reader may no
/// longer work the queue (see [`crate::live`]).
pub async fn events(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    session: tower_sessions::Session,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    authorize(&identity, Action::WorkReferrals)?;
    let changes = state.referrals.changes.clone();
    let check: crate::live::Check = std::sync::Arc::new(move |identity, changed| {
        let seen = *changes.subscribe().borrow();
        Box::pin(async move {
            match (authorize(&identity, Action::WorkReferrals), changed) {
                (Err(_), _) => crate::live::Verdict::Close,
                (Ok(()), false) => crate::live::Verdict::Quiet,
                (Ok(()), true) => crate::live::Verdict::Send(
                    Event::default().event("queue").data(seen.to_string()),
                ),
            }
        })
    });
    Ok(crate::live::stream(state, &session, &identity, check))
}

/// `GET /api/v1/referrals/{id}/events`: a server-sent event `referral` whenever this
/// referral changes (acknowledged, a message, a decision), for everyone who may read it —
/// the referring doctor's page follows the centre without a reload. The data is the
/// change's time only.
pub async fn referral_events(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    session: tower_sessions::Session,
    Path(id): Path<String>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let (_, updated_at) = state.referrals.watch(&identity, id).await?;
    let last = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(updated_at));
    let referrals = state.referrals.clone();
    let check: crate::live::Check = std::sync::Arc::new(move |identity, _| {
        let (referrals, last) = (referrals.clone(), last.clone());
        Box::pin(async move {
            match referrals.watch(&identity, id).await {
                Err(_) => crate::live::Verdict::Close,
                Ok((_, at)) if last.swap(at, std::sync::atomic::Ordering::Relaxed) != at => {
                    crate::live::Verdict::Send(
                        Event::default().event("referral").data(at.to_string()),
                    )
                }
                Ok(_) => crate::live::Verdict::Quiet,
            }
        })
    });
    Ok(crate::live::stream(state, &session, &identity, check))
}
