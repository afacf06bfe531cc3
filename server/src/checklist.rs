//! The checklist step form: a plain HTML form post (it works without JavaScript) whose
//! fields depend on the step, so it is an ordinary handler rather than a server function.
//! It saves the step into the draft and sends the browser on to the step asked for.
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use ecmo_referral_app::domain::checklist::{self, MAX_GASES, REVIEW, STEPS};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use ecmo_referral_app::ssr::drafts::Form as DraftForm;
use ecmo_referral_app::ssr::pending::{self, PendingPost};
use ecmo_referral_app::ssr::time::{now_ms, to_local};

fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

fn step_url(id: i64, step: usize, extra: &str) -> String {
    let step = if step >= REVIEW {
        "review".to_owned()
    } else {
        step.to_string()
    };
    format!("/referrals/drafts/{id}?step={step}{extra}")
}

/// The ECPR alert's page with `error` as a plain form post that failed would show it (the
/// framework's error parameters), and a note that the alert was kept over the sign-in.
fn returned_url(error: AppError) -> String {
    use ecmo_referral_app::referrals::SubmitEcprAlert;
    use leptos::server_fn::{error::ServerFnUrlError, ServerFn};
    let base = "http://localhost/referrals/new/ecpr?kept=failed";
    match ServerFnUrlError::new(SubmitEcprAlert::PATH, error).to_url(base) {
        Ok(url) => format!("{}?{}", url.path(), url.query().unwrap_or_default()),
        Err(_) => "/referrals/new/ecpr?kept=failed".to_owned(),
    }
}

/// `POST /referrals/drafts/{id}/step`: `_step` is the step shown, `_go` where to go
/// (`next`, `prev`, `stay`, `add_gas`, `paste_gas` with `_paste_unit`, or a step number);
/// every other field is the step's.
pub async fn save_step(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "No such draft.").into_response();
    };
    apply_step(&state, &identity, id, pairs).await
}

/// Saves a posted step and answers with where the browser goes next. A post without a
/// valid session is kept (see [`pending`]) and the browser goes to sign in, after which
/// `/resume` calls this again with the same fields.
pub async fn apply_step(
    state: &AppState,
    identity: &RequestIdentity,
    id: i64,
    pairs: Vec<(String, String)>,
) -> Response {
    let kept = pairs.clone();
    let mut step = None;
    let mut go = String::from("stay");
    let mut rows = 0usize;
    let mut paste_unit = String::new();
    let mut fields = DraftForm::new();
    for (name, value) in pairs {
        match name.as_str() {
            "_step" => step = value.parse::<usize>().ok().filter(|s| *s < STEPS.len()),
            "_go" => go = value,
            "_rows" => rows = value.parse().unwrap_or(0),
            "_paste_unit" => paste_unit = value,
            _ => fields.entry(name).or_default().push(value),
        }
    }
    let Some(step) = step else {
        return (
            StatusCode::BAD_REQUEST,
            "The form did not say which step it is.",
        )
            .into_response();
    };
    // Samples pasted as text go into the gas rows before the step is saved.
    let pasted = (go == "paste_gas" && STEPS[step].key == checklist::GAS_STEP).then(|| {
        let text = fields
            .remove(checklist::GAS_PASTE)
            .unwrap_or_default()
            .join("\n");
        checklist::paste_gases(&mut fields, &text, &paste_unit, to_local(now_ms()))
    });
    let saved = state
        .referrals
        .save_draft(identity, id, Some(step), fields)
        .await;
    let draft = match saved {
        Ok(draft) => draft,
        Err(AppError::SignIn) => {
            let post = PendingPost::DraftStep {
                draft_id: id,
                pairs: kept,
            };
            return keep_and_sign_in(state, &post).await;
        }
        Err(AppError::Conflict) => return see_other(&step_url(id, step, "&error=conflict")),
        Err(AppError::Request(_)) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response()
        }
        Err(e) => {
            return (
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                e.message(ecmo_referral_app::domain::i18n::Lang::En),
            )
                .into_response()
        }
    };
    if let Some(placed) = pasted {
        let rows = checklist::gas_rows(&draft.form).max(rows).min(MAX_GASES);
        return see_other(&step_url(
            id,
            step,
            &format!("&rows={rows}&pasted={placed}#gas-paste"),
        ));
    }
    let target = match go.as_str() {
        "next" => step + 1,
        "prev" => step.saturating_sub(1),
        "add_gas" => {
            let rows = rows.max(checklist::gas_rows(&draft.form)) + 1;
            return see_other(&step_url(
                id,
                step,
                &format!("&rows={}", rows.min(MAX_GASES)),
            ));
        }
        "review" => REVIEW,
        other => other.parse::<usize>().map_or(step, |s| s.min(REVIEW)),
    };
    // Moving on with impossible values or unconfirmed unusual ones in this step shows them
    // first; missing answers do not stop the doctor from going on.
    if go == "next" {
        let pathway = draft.pathway;
        let checked = checklist::check(
            &checklist::form_to_json(pathway, &draft.form),
            to_local(now_ms()),
        );
        let blocking = checked
            .errors
            .0
            .keys()
            .any(|k| checklist::step_of(k) == Some(step))
            || checked
                .unconfirmed()
                .iter()
                .any(|(k, _)| checklist::step_of(k) == Some(step));
        if blocking {
            // The fragment puts the error summary in view, above the form's fields.
            return see_other(&step_url(
                id,
                step,
                &format!("&check=1&rows={rows}#error-summary"),
            ));
        }
    }
    see_other(&step_url(id, target, ""))
}

/// Keeps a post that came without a valid session and sends the browser to sign in; the
/// sign-in page then leads to `/resume`, which completes it.
pub async fn keep_and_sign_in(state: &AppState, post: &PendingPost) -> Response {
    let secure = state.settings.secure_cookies();
    match pending::keep(&state.db, now_ms(), post).await {
        Ok(token) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, format!("/login?next={}", pending::RESUME)),
                (header::SET_COOKIE, pending::cookie(Some(&token), secure)),
            ],
        )
            .into_response(),
        Err(_) => see_other("/login"),
    }
}

/// `GET /resume`: completes the post this browser's session lost — saves the step and shows
/// it, or sends the ECPR alert (once: its idempotency key came with it) and shows the
/// referral. With nothing kept it goes home.
#[derive(serde::Deserialize)]
pub struct ResumeQuery {
    /// Where to go when nothing was kept (the page whose form lost its session).
    then: Option<String>,
}

pub async fn resume(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    axum::extract::Query(query): axum::extract::Query<ResumeQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    if identity.user.is_none() {
        return see_other(&format!("/login?next={}", pending::RESUME));
    }
    let token = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(pending::token_from)
        .map(str::to_owned);
    let post = match token {
        Some(token) => pending::take(&state.db, now_ms(), &token)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let mut response = match post {
        Some(PendingPost::DraftStep { draft_id, pairs }) => {
            apply_step(&state, &identity, draft_id, pairs).await
        }
        Some(PendingPost::EcprAlert {
            idempotency_key,
            body,
            values,
        }) => match state
            .referrals
            .submit(&identity, &idempotency_key, &body)
            .await
        {
            Ok(sent) => see_other(&format!("/referrals/{}?new=1", sent.id)),
            // Refused now for another reason (a wrong value): the form again, as typed,
            // with a note.
            Err(error) => {
                let mut response = see_other(&returned_url(error));
                if let (Some(values), Some(user)) = (values, identity.user.as_ref()) {
                    let post = PendingPost::ReturnedEcprForm {
                        user_id: user.id,
                        values,
                    };
                    if let Ok(token) = pending::keep(&state.db, now_ms(), &post).await {
                        let cookie =
                            pending::returned_cookie(Some(&token), state.settings.secure_cookies());
                        if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
                            response.headers_mut().append(header::SET_COOKIE, value);
                        }
                    }
                }
                response
            }
        },
        // A returned form is shown on its page, never completed here.
        Some(PendingPost::ReturnedEcprForm { .. }) | None => see_other(
            &ecmo_referral_app::accounts::safe_next(query.then.as_deref().unwrap_or("/")),
        ),
    };
    let secure = state.settings.secure_cookies();
    if let Ok(value) = axum::http::HeaderValue::from_str(&pending::cookie(None, secure)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
