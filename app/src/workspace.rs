//! The centre's workspace as the pages see it: the queue, the state machine's actions on a
//! referral, capacity, and the quality figures — what crosses the wire and the server
//! functions behind them.
// A server function behind an HTML form takes one argument per form field.
#![allow(clippy::too_many_arguments)]
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::wire::workspace::*;

#[cfg(feature = "ssr")]
fn referrals() -> Result<crate::ssr::referrals::Referrals, AppError> {
    use_context::<crate::ssr::referrals::Referrals>().ok_or(AppError::Internal)
}

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<i64, AppError> {
    id.trim().parse::<i64>().map_err(|_| AppError::NotFound)
}

#[server(endpoint = "queue/get")]
pub async fn get_queue(
    #[server(default)] status: String,
    #[server(default)] pathway: String,
    #[server(default)] hospital: String,
    #[server(default)] mine: String,
    #[server(default)] urgent: String,
) -> Result<QueueView, AppError> {
    use crate::ssr::request;
    let ticked = |value: &str| !value.is_empty() && value != "false";
    let filter = QueueFilter {
        status,
        pathway,
        hospital,
        mine: ticked(&mine),
        urgent: ticked(&urgent),
    };
    let result = async { referrals()?.queue(&request::identity(), &filter).await }.await;
    request::respond(result)
}

/// A step of the state machine from the referral's page. Checkboxes arrive as indexed
/// lists (`fields[0]`, `triggers[2]`, …).
#[server(endpoint = "referrals/transition")]
pub async fn transition_referral(
    #[server(default)] id: String,
    #[server(default)] to: String,
    #[server(default)] from: String,
    #[server(default)] reason_code: String,
    #[server(default)] note: String,
    #[server(default)] advice: String,
    #[server(default)] fields: Vec<String>,
    #[server(default)] triggers: Vec<String>,
    #[server(default)] review_at: String,
    #[server(default)] eta_min: String,
    #[server(default)] team: String,
    #[server(default)] mode: String,
    #[server(default)] centre: String,
) -> Result<String, AppError> {
    use crate::domain::fields::{FieldError, FieldErrors};
    use crate::domain::workflow::TransitionInput;
    use crate::ssr::request;
    let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let result = async {
        let id = parse_id(&id)?;
        let eta_min = match some(eta_min) {
            None => None,
            Some(text) => Some(
                text.replace(',', ".")
                    .parse::<f64>()
                    .map_err(|_| FieldErrors::single("eta_min", FieldError::NotANumber))?,
            ),
        };
        let input = TransitionInput {
            to,
            reason_code: some(reason_code),
            note,
            advice,
            fields,
            triggers,
            review_at: some(review_at),
            eta_min,
            team,
            mode: some(mode),
            centre,
            from: some(from),
        };
        referrals()?
            .transition(&request::identity(), id, &input)
            .await
            .map(|_| id)
    }
    .await;
    let next = result
        .as_ref()
        .map(|id| format!("/referrals/{id}"))
        .unwrap_or_default();
    request::answer(result.map(|_| next.clone()), &next)
}

#[server(endpoint = "referrals/assign")]
pub async fn assign_referral(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        let id = parse_id(&id)?;
        referrals()?.assign_to_me(&request::identity(), id).await?;
        Ok(id)
    }
    .await;
    let next = result
        .as_ref()
        .map(|id| format!("/referrals/{id}"))
        .unwrap_or_default();
    request::answer(result.map(|_| ()), &next)
}

#[server(endpoint = "capacity/get")]
pub async fn get_capacity() -> Result<Capacity, AppError> {
    use crate::ssr::request;
    let result = async { referrals()?.capacity(&request::identity()).await }.await;
    request::respond(result)
}

#[server(endpoint = "capacity/set")]
pub async fn set_capacity(
    #[server(default)] beds_available: Option<String>,
    #[server(default)] team_available: Option<String>,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        referrals()?
            .set_capacity(
                &request::identity(),
                beds_available.is_some(),
                team_available.is_some(),
                &note,
            )
            .await
    }
    .await;
    request::answer(result, "/queue")
}

#[server(endpoint = "kpi/get")]
pub async fn get_kpis(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<Kpis, AppError> {
    use crate::ssr::request;
    let result = async { referrals()?.kpis(&request::identity(), &from, &to).await }.await;
    request::respond(result)
}
