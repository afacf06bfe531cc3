//! The on-call roster, acknowledgement and the delivery of notifications as the pages see
//! them, and the server functions behind those pages.
#![allow(clippy::too_many_arguments)]
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::wire::oncall::*;

#[cfg(feature = "ssr")]
fn service() -> Result<crate::ssr::referrals::Referrals, AppError> {
    use_context::<crate::ssr::referrals::Referrals>().ok_or(AppError::Internal)
}

#[server(endpoint = "roster/get")]
pub async fn get_roster() -> Result<RosterView, AppError> {
    use crate::ssr::request;
    let result = async { service()?.roster(&request::identity()).await }.await;
    request::respond(result)
}

#[server(endpoint = "roster/add")]
pub async fn add_shift(
    #[server(default)] starts_local: String,
    #[server(default)] ends_local: String,
    #[server(default)] primary_user_id: String,
    #[server(default)] backup_user_id: String,
    #[server(default)] perfusionist: String,
    #[server(default)] coordinator: String,
) -> Result<i64, AppError> {
    use crate::ssr::request;
    let result = async {
        service()?
            .add_shift(
                &request::identity(),
                crate::ssr::oncall::ShiftInput {
                    starts_local,
                    ends_local,
                    primary_user_id,
                    backup_user_id,
                    perfusionist,
                    coordinator,
                },
            )
            .await
    }
    .await;
    request::answer(result, "/roster?saved=1")
}

/// Checks a plan of shifts for a period and, with `save`, writes it. Week fields arrive
/// as indexed lists (`day[0]`, `night[1]`, …).
#[server(endpoint = "roster/plan")]
pub async fn plan_shifts(
    #[server(default)] from_date: String,
    #[server(default)] to_date: String,
    #[server(default)] day_start: String,
    #[server(default)] night_start: String,
    #[server(default)] day: Vec<String>,
    #[server(default)] night: Vec<String>,
    #[server(default)] backup: Vec<String>,
    #[server(default)] save: String,
) -> Result<PlanView, AppError> {
    use crate::ssr::request;
    let input = PlanInput {
        from_date,
        to_date,
        day_start,
        night_start,
        day,
        night,
        backup,
    };
    let save = !save.is_empty();
    let result = async {
        service()?
            .plan_shifts(&request::identity(), &input, save)
            .await
    }
    .await;
    if !save {
        return request::respond(result);
    }
    let next = result
        .as_ref()
        .map(|v| format!("/roster?planned={}", v.shifts.len()))
        .unwrap_or_default();
    request::answer(result, &next)
}

/// Copies last week's shifts (the seven days before `week_start`) one week on.
#[server(endpoint = "roster/copy-week")]
pub async fn copy_week(#[server(default)] week_start: String) -> Result<usize, AppError> {
    use crate::ssr::request;
    let result = async {
        service()?
            .copy_week(&request::identity(), &week_start)
            .await
    }
    .await;
    let next = result
        .as_ref()
        .map(|n| format!("/roster?copied={n}"))
        .unwrap_or_default();
    request::answer(result, &next)
}

/// The reader's calendar address, if they have made one.
#[server(endpoint = "roster/calendar-link")]
pub async fn calendar_link() -> Result<Option<String>, AppError> {
    use crate::ssr::request;
    let result = async { service()?.calendar_link(&request::identity()).await }.await;
    request::respond(result)
}

/// Makes the reader's calendar address; an earlier one stops working.
#[server(endpoint = "roster/calendar-renew")]
pub async fn renew_calendar_link() -> Result<String, AppError> {
    use crate::ssr::request;
    let result = async { service()?.renew_calendar_link(&request::identity()).await }.await;
    request::answer(result, "/roster?renewed=1#calendar")
}

#[server(endpoint = "roster/delete")]
pub async fn delete_shift(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.delete_shift(&request::identity(), id).await
    }
    .await;
    request::answer(result, "/roster")
}

#[server(endpoint = "roster/team-email")]
pub async fn set_team_email(#[server(default)] email: String) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        service()?
            .set_team_email(&request::identity(), &email)
            .await
    }
    .await;
    request::answer(result, "/roster?saved=1")
}

#[server(endpoint = "referrals/acknowledge-view")]
pub async fn acknowledge_view(#[server(default)] id: String) -> Result<AckView, AppError> {
    use crate::ssr::request;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.acknowledge_view(&request::identity(), id).await
    }
    .await;
    request::respond(result)
}

/// Acknowledges a referral: with the link's token from a notification, or from the
/// referral's page.
#[server(endpoint = "referrals/acknowledge")]
pub async fn acknowledge_referral(
    #[server(default)] id: String,
    #[server(default)] token: String,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let referral = id.trim().to_owned();
    let result = async {
        let id = referral.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let token = (!token.trim().is_empty()).then(|| token.trim().to_owned());
        service()?
            .acknowledge(&request::identity(), id, token.as_deref())
            .await
    }
    .await;
    request::answer(result, &format!("/referrals/{referral}?acknowledged=1"))
}

#[server(endpoint = "notifications/list")]
pub async fn list_deliveries() -> Result<Vec<DeliveryRow>, AppError> {
    use crate::ssr::request;
    let result = async { service()?.deliveries(&request::identity()).await }.await;
    request::respond(result)
}

#[server(endpoint = "notifications/resend")]
pub async fn resend_delivery(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::ssr::request;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.resend(&request::identity(), id).await
    }
    .await;
    request::answer(result, "/notifications?resent=1")
}

#[server(endpoint = "account/notifications")]
pub async fn save_notification_preferences(
    #[server(default)] all_referrals: Option<String>,
    #[server(default)] messages: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::request;
    let mut chosen = Vec::new();
    if all_referrals.is_some() {
        chosen.push("all_referrals");
    }
    if messages.is_some() {
        chosen.push("messages");
    }
    let result = async {
        service()?
            .set_preferences(&request::identity(), &chosen)
            .await
    }
    .await;
    request::answer(result, "/profile?saved=1")
}

#[server(endpoint = "account/notifications-get")]
pub async fn notification_preferences() -> Result<Vec<String>, AppError> {
    use crate::ssr::request;
    let result = async { service()?.preferences(&request::identity()).await }.await;
    request::respond(result)
}
