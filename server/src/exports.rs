//! Downloads for reviews: a referral's audit trail and the quality figures' rows, as CSV.
//! Authorised and audited by the same services as the pages.
use crate::api::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use ecmo_referral_app::domain::fields::{FieldError, FieldErrors};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use serde::Deserialize;

fn csv(file_name: &str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // References and dates only: the name never needs escaping, but stay safe anyway.
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /referrals/{id}/audit.csv`: every read and change of one referral.
pub async fn referral_audit(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let (name, body) = state.referrals.audit_csv(&identity, id).await?;
    Ok(csv(&name, body))
}

#[derive(Debug, Default, Deserialize)]
pub struct Range {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `GET /kpi.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: one row per referral with its intervals.
pub async fn kpis(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    range: Result<Query<Range>, QueryRejection>,
) -> Result<Response, ApiError> {
    if identity.user.is_none() {
        return Err(AppError::SignIn.into());
    }
    let Ok(Query(range)) = range else {
        return Err(FieldErrors::single("from", FieldError::NotADateTime).into());
    };
    let (name, body) = state
        .referrals
        .kpi_csv(&identity, &range.from, &range.to)
        .await?;
    Ok(csv(&name, body))
}

/// `GET /calendar/{token}.ics`: a clinician's shifts for their calendar program, which
/// has no session; the token is the key. An unknown token is not found.
pub async fn calendar(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound.into());
    }
    let body = state.referrals.calendar_feed(token).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /admin/subject-access` (the administrators' form): everything held about one
/// patient, as a JSON download. A form with a mistake goes back to its page, which names
/// the fields (only their names travel in the address, never what was typed).
pub async fn subject_access(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    form: Result<
        axum::extract::Form<ecmo_referral_app::ssr::subject_access::SubjectQuery>,
        axum::extract::rejection::FormRejection,
    >,
) -> Result<Response, ApiError> {
    const PAGE: &str = "/admin/subject-access";
    if identity.user.is_none() {
        return Ok(axum::response::Redirect::to(&format!("/login?next={PAGE}")).into_response());
    }
    let query = form.map(|f| f.0).unwrap_or_default();
    match state.referrals.subject_access(&identity, &query).await {
        Ok(document) => {
            let mut response = axum::Json(document).into_response();
            let stamp = time::OffsetDateTime::now_utc();
            let name = format!(
                "attachment; filename=\"subject-access-{:04}{:02}{:02}-{:02}{:02}.json\"",
                stamp.year(),
                u8::from(stamp.month()),
                stamp.day(),
                stamp.hour(),
                stamp.minute()
            );
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&name) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
            Ok(
                axum::response::Redirect::to(&format!("{PAGE}?error={}", fields.join(",")))
                    .into_response(),
            )
        }
        Err(other) => Err(other.into()),
    }
}
