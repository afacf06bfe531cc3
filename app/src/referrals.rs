//! Referrals as the pages see them: what crosses the wire and the server functions behind
//! the referral pages. The JSON API calls the same service with the same checks.
// A server function behind an HTML form takes one argument per form field.
#![allow(clippy::too_many_arguments)]
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::wire::referrals::*;
#[cfg(feature = "ssr")]
use serde_json::Value;

#[cfg(feature = "ssr")]
fn referrals() -> Result<crate::ssr::referrals::Referrals, AppError> {
    use_context::<crate::ssr::referrals::Referrals>().ok_or(AppError::Internal)
}

/// Keeps a post that came without a valid session, gives the browser its token, and sends
/// a plain form post on to sign in; a script caller shows the sign-in link itself.
#[cfg(feature = "ssr")]
async fn keep_for_sign_in(post: &crate::ssr::pending::PendingPost) {
    use crate::ssr::pending;
    let Ok(service) = referrals() else {
        return;
    };
    let Ok(token) = pending::keep(&service.db, service.clock.now_ms(), post).await else {
        return;
    };
    let secure = service.config.public_url.starts_with("https:");
    set_cookie(&pending::cookie(Some(&token), secure));
    crate::ssr::request::redirect_form(&format!("/login?next={}", pending::RESUME));
}

/// The ECPR alert form. Decimal commas are accepted; EtCO2 comes with its unit.
#[server(endpoint = "referrals/ecpr")]
pub async fn submit_ecpr_alert(
    #[server(default)] idempotency_key: String,
    #[server(default)] callback_phone: String,
    #[server(default)] location: String,
    #[server(default)] age_years: String,
    #[server(default)] minutes_since_collapse: String,
    #[server(default)] collapse: String,
    #[server(default)] no_flow_min: String,
    #[server(default)] initial_rhythm: String,
    #[server(default)] etco2: String,
    #[server(default)] etco2_unit: String,
    #[server(default)] eta_min: String,
    #[server(default)] known_limitation_of_therapy: Option<String>,
    #[server(default)] known_terminal_illness: Option<String>,
    #[server(default)] known_hypothermia: Option<String>,
) -> Result<Submitted, AppError> {
    use crate::ssr::request;
    let values = EcprAlertValues {
        callback_phone,
        location,
        age_years,
        minutes_since_collapse,
        collapse,
        no_flow_min,
        initial_rhythm,
        etco2,
        etco2_unit,
        eta_min,
        known_limitation_of_therapy: known_limitation_of_therapy.is_some(),
        known_terminal_illness: known_terminal_illness.is_some(),
        known_hypothermia: known_hypothermia.is_some(),
    };
    let body = values.body();
    let identity = request::identity();
    let result = async {
        referrals()?
            .submit(&identity, &idempotency_key, &body)
            .await
    }
    .await;
    match &result {
        Err(AppError::SignIn) => {
            // The session expired while the doctor typed: the alert is kept, and sent
            // right after sign-in (see `ssr::pending`).
            let post = crate::ssr::pending::PendingPost::EcprAlert {
                idempotency_key,
                body,
                values: Some(values),
            };
            keep_for_sign_in(&post).await;
        }
        Err(_) if request::from_html_form() => {
            if let Some(user) = identity.user.as_ref() {
                return_form(user.id, values).await;
            }
        }
        Err(_) => {}
        Ok(_) => forget_returned_form().await,
    }
    let next = result
        .as_ref()
        .map(|s| format!("/referrals/{}?new=1", s.id))
        .unwrap_or_default();
    request::answer(result, &next)
}

/// Keeps an ECPR alert form the centre returned with a mistake, for its page to show again
/// (a plain form post goes back to the page, which knows nothing of what was typed).
#[cfg(feature = "ssr")]
pub async fn return_form(user_id: i64, values: EcprAlertValues) {
    use crate::ssr::pending::{self, PendingPost};
    let Ok(service) = referrals() else {
        return;
    };
    let post = PendingPost::ReturnedEcprForm { user_id, values };
    let Ok(token) = pending::keep(&service.db, service.clock.now_ms(), &post).await else {
        return;
    };
    let secure = service.config.public_url.starts_with("https:");
    set_cookie(&pending::returned_cookie(Some(&token), secure));
}

/// Removes the returned form once the alert has been sent.
#[cfg(feature = "ssr")]
async fn forget_returned_form() {
    use crate::ssr::pending;
    let Some(token) = request_cookie(pending::returned_token_from) else {
        return;
    };
    let Ok(service) = referrals() else {
        return;
    };
    if pending::discard(&service.db, &token).await.is_ok() {
        let secure = service.config.public_url.starts_with("https:");
        set_cookie(&pending::returned_cookie(None, secure));
    }
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// A token read from the request's `Cookie` header with `read`.
#[cfg(feature = "ssr")]
fn request_cookie(read: fn(&str) -> Option<&str>) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let header = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
    read(header).map(str::to_owned)
}

/// The ECPR alert form as the signed-in doctor typed it, when the centre has just returned
/// it with a mistake (and it is younger than `pending::RETURNED_MS`); otherwise nothing.
#[server(endpoint = "referrals/ecpr/returned")]
pub async fn returned_ecpr_form() -> Result<Option<EcprAlertValues>, AppError> {
    use crate::ssr::pending::{self, PendingPost};
    use crate::ssr::request;
    let result = async {
        let user = request::identity().user.ok_or(AppError::SignIn)?;
        let Some(token) = request_cookie(pending::returned_token_from) else {
            return Ok(None);
        };
        let service = referrals()?;
        let now = service.clock.now_ms();
        Ok(
            match pending::peek(&service.db, now, &token, pending::RETURNED_MS).await? {
                Some(PendingPost::ReturnedEcprForm { user_id, values }) if user_id == user.id => {
                    Some(values)
                }
                _ => None,
            },
        )
    }
    .await;
    request::respond(result)
}

#[server(endpoint = "referrals/list")]
pub async fn list_referrals() -> Result<Vec<ReferralSummary>, AppError> {
    use crate::ssr::request;
    let result = async { referrals()?.list(&request::identity()).await }.await;
    request::respond(result)
}

#[server(endpoint = "referrals/get")]
pub async fn get_referral(#[server(default)] id: String) -> Result<ReferralDetail, AppError> {
    use crate::ssr::request;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        referrals()?.get(&request::identity(), id).await
    }
    .await;
    request::respond(result)
}

#[cfg(feature = "ssr")]
fn parse_draft_id(id: &str) -> Result<i64, AppError> {
    id.trim().parse::<i64>().map_err(|_| AppError::NotFound)
}

/// Starts a VV or VA draft and opens its first step.
#[server(endpoint = "referrals/draft-start")]
pub async fn start_draft(#[server(default)] pathway: String) -> Result<i64, AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .create_draft(&request::identity(), pathway.trim())
            .await
    }
    .await;
    let next = result
        .as_ref()
        .map(|id| format!("/referrals/drafts/{id}"))
        .unwrap_or_default();
    request::answer(result, &next)
}

#[server(endpoint = "referrals/draft-get")]
pub async fn get_draft(#[server(default)] id: String) -> Result<DraftPageData, AppError> {
    use crate::ssr::request;
    let result = async {
        let service = referrals()?;
        let draft = service
            .draft(&request::identity(), parse_draft_id(&id)?)
            .await?;
        let now_ms = crate::ssr::time::now_ms();
        Ok(DraftPageData {
            draft,
            rules: (*service.rules).clone(),
            now_ms,
            now_local_ms: crate::ssr::time::to_local(now_ms),
        })
    }
    .await;
    request::respond(result)
}

#[server(endpoint = "referrals/drafts")]
pub async fn list_drafts() -> Result<Vec<DraftSummary>, AppError> {
    use crate::ssr::request;
    let result = async { referrals()?.drafts(&request::identity()).await }.await;
    request::respond(result)
}

/// Saves what the doctor is typing, a moment after they stop. `form` is the JSON of the
/// step's fields (name → values).
#[server(endpoint = "referrals/draft-autosave")]
pub async fn autosave_draft(
    #[server(default)] id: String,
    #[server(default)] step: usize,
    #[server(default)] form: String,
) -> Result<DraftSaved, AppError> {
    use crate::ssr::request;
    let result = async {
        let fields: crate::ssr::drafts::Form = serde_json::from_str(&form).map_err(|_| {
            crate::domain::fields::FieldErrors::whole_body(
                crate::domain::fields::FieldError::NotAnObject,
            )
        })?;
        let saved = referrals()?
            .save_draft(
                &request::identity(),
                parse_draft_id(&id)?,
                Some(step),
                fields,
            )
            .await?;
        Ok(DraftSaved {
            revision: saved.revision,
            updated_local: saved.updated_local,
        })
    }
    .await;
    request::respond(result)
}

/// Sends a draft. A plain form goes on to the confirmation, or back to the review with
/// what is still missing.
#[server(endpoint = "referrals/draft-submit")]
pub async fn submit_draft(#[server(default)] id: String) -> Result<Submitted, AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .submit_draft(&request::identity(), parse_draft_id(&id)?)
            .await
    }
    .await;
    // On an error a plain form returns to the review page (the framework's `__err`), which
    // then shows what is still missing.
    let next = result
        .as_ref()
        .map(|done| format!("/referrals/{}?new=1", done.id))
        .unwrap_or_default();
    request::answer(result, &next)
}

#[server(endpoint = "referrals/draft-discard")]
pub async fn discard_draft(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .discard_draft(&request::identity(), parse_draft_id(&id)?)
            .await
    }
    .await;
    request::answer(result, "/?discarded=1")
}

#[cfg(feature = "ssr")]
fn parse_referral_id(id: &str) -> Result<i64, AppError> {
    id.trim().parse::<i64>().map_err(|_| AppError::NotFound)
}

/// An update from the referral page: a note and one new blood gas, as typed.
#[server(endpoint = "referrals/update")]
pub async fn add_referral_update(
    #[server(default)] id: String,
    #[server(default)] note: String,
    #[server(default)] taken_at: String,
    #[server(default)] site: String,
    #[server(default)] ph: String,
    #[server(default)] pao2: String,
    #[server(default)] pao2_unit: String,
    #[server(default)] paco2: String,
    #[server(default)] paco2_unit: String,
    #[server(default)] fio2: String,
    #[server(default)] lactate_mmol_l: String,
    #[server(default)] confirm: String,
) -> Result<i64, AppError> {
    use crate::ssr::request;
    let mut gas = serde_json::Map::new();
    for (key, text) in [("taken_at", &taken_at), ("site", &site)] {
        if !text.trim().is_empty() {
            gas.insert(key.into(), Value::String(text.trim().to_owned()));
        }
    }
    for (key, text, unit) in [
        ("ph", &ph, None),
        ("pao2", &pao2, Some(&pao2_unit)),
        ("paco2", &paco2, Some(&paco2_unit)),
        ("fio2", &fio2, None),
        ("lactate_mmol_l", &lactate_mmol_l, None),
    ] {
        if let Some(value) = form_value(text) {
            let key = match unit {
                Some(u) if u == "mmhg" => format!("{key}_mmhg"),
                Some(_) => format!("{key}_kpa"),
                None => key.to_owned(),
            };
            gas.insert(key, value);
        }
    }
    let mut body = serde_json::Map::new();
    body.insert("note".into(), Value::String(note));
    // A gas with only the default site chosen is no gas.
    if gas.keys().any(|k| k != "site") {
        body.insert(
            "blood_gases".into(),
            Value::Array(vec![Value::Object(gas.clone())]),
        );
        // "These values are right": confirms whatever is unusual in this one sample.
        if !confirm.is_empty() {
            let keys = gas
                .keys()
                .map(|k| Value::String(format!("blood_gases.0.{k}")))
                .collect();
            body.insert("confirmed".into(), Value::Array(keys));
        }
    }
    let result = async {
        let id = parse_referral_id(&id)?;
        referrals()?
            .add_update(&request::identity(), id, &Value::Object(body))
            .await
    }
    .await;
    let next = format!("/referrals/{}?updated=1#updates", id.trim());
    request::answer(result, &next)
}

#[server(endpoint = "referrals/message")]
pub async fn post_referral_message(
    #[server(default)] id: String,
    #[server(default)] body: String,
) -> Result<i64, AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .post_message(&request::identity(), parse_referral_id(&id)?, &body)
            .await
    }
    .await;
    request::answer(result, &format!("/referrals/{}#messages", id.trim()))
}

/// Saves the pre-transfer checklist's ticks (`items`: the ticked keys).
#[server(endpoint = "referrals/transfer-checklist")]
pub async fn save_transfer_checklist(
    #[server(default)] id: String,
    #[server(default)] items: Vec<String>,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .set_transfer_checks(&request::identity(), parse_referral_id(&id)?, &items)
            .await
    }
    .await;
    request::answer(result, &format!("/referrals/{}#pre-transfer", id.trim()))
}

#[server(endpoint = "referrals/withdraw")]
pub async fn withdraw_referral(
    #[server(default)] id: String,
    #[server(default)] reason_code: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .withdraw(
                &request::identity(),
                parse_referral_id(&id)?,
                &reason_code,
                &reason,
            )
            .await
    }
    .await;
    request::answer(result, &format!("/referrals/{}", id.trim()))
}

#[server(endpoint = "referrals/follow")]
pub async fn follow_referral(
    #[server(default)] id: String,
    #[server(default)] follow: String,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .set_following(
                &request::identity(),
                parse_referral_id(&id)?,
                follow == "true",
            )
            .await
    }
    .await;
    request::answer(result, &format!("/referrals/{}", id.trim()))
}
