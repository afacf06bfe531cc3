//! The checklist step form: a plain HTML form post (it works without JavaScript) whose
//! fields depend on the step, so it is an ordinary handler rather than a server function.
//! It saves the step into the draft and sends the browser on to the step asked for.
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use ecmo_referral_app::domain::checklist::{self, MAX_GASES, STEPS};
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::pages::checklist::{pathway_of, REVIEW};
use ecmo_referral_app::ssr::accounts::RequestIdentity;
use ecmo_referral_app::ssr::drafts::Form as DraftForm;
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

/// `POST /referrals/drafts/{id}/step`: `_step` is the step shown, `_go` where to go
/// (`next`, `prev`, `stay`, `add_gas` or a step number); every other field is the step's.
pub async fn save_step(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "No such draft.").into_response();
    };
    let mut step = None;
    let mut go = String::from("stay");
    let mut rows = 0usize;
    let mut fields = DraftForm::new();
    for (name, value) in pairs {
        match name.as_str() {
            "_step" => step = value.parse::<usize>().ok().filter(|s| *s < STEPS.len()),
            "_go" => go = value,
            "_rows" => rows = value.parse().unwrap_or(0),
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
    let saved = state
        .referrals
        .save_draft(&identity, id, Some(step), fields)
        .await;
    let draft = match saved {
        Ok(draft) => draft,
        Err(AppError::SignIn) => {
            return see_other(&format!("/login?next=/referrals/drafts/{id}"));
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
        let pathway = pathway_of(&draft.pathway);
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
            return see_other(&step_url(id, step, &format!("&check=1&rows={rows}")));
        }
    }
    see_other(&step_url(id, target, ""))
}
