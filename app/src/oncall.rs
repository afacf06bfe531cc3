//! The on-call roster, acknowledgement and the delivery of notifications as the pages see
//! them, and the server functions behind those pages.
#![allow(clippy::too_many_arguments)]
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShiftView {
    pub id: i64,
    pub starts_local: String,
    pub ends_local: String,
    /// `21. 11. 2026 08:00 – 22. 11. 2026 08:00`
    pub label: String,
    pub primary: String,
    pub backup: Option<String>,
    pub perfusionist: String,
    pub coordinator: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RosterView {
    pub now: Option<ShiftView>,
    pub next: Option<ShiftView>,
    /// Shifts that end in the next 14 days.
    pub upcoming: Vec<ShiftView>,
    /// Stretches of the next 14 days nobody covers, as labels.
    pub gaps: Vec<String>,
    /// Where team notifications go, and whether that is the configured default.
    pub team_email: String,
    pub team_email_is_default: bool,
    /// Active ECMO clinicians, for the shift form.
    pub clinicians: Vec<(i64, String)>,
    pub can_manage: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AckView {
    pub referral_id: i64,
    pub reference: String,
    pub hospital: String,
    pub pathway: crate::domain::triage::Pathway,
    /// Who acknowledged it already, and when.
    pub acknowledged: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    /// queued, retrying, sent or failed
    pub status: String,
    pub attempts: i64,
    pub created_local: String,
    pub sent_local: Option<String>,
    pub last_error: Option<String>,
}

#[cfg(feature = "ssr")]
fn service() -> Result<crate::ssr::referrals::Referrals, AppError> {
    use_context::<crate::ssr::referrals::Referrals>().ok_or(AppError::Internal)
}

#[server(endpoint = "roster/get")]
pub async fn get_roster() -> Result<RosterView, AppError> {
    use crate::accounts::server;
    let result = async { service()?.roster(&server::identity()).await }.await;
    server::respond(result)
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
    use crate::accounts::server;
    let result = async {
        service()?
            .add_shift(
                &server::identity(),
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
    server::answer(result, "/roster?saved=1")
}

#[server(endpoint = "roster/delete")]
pub async fn delete_shift(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::accounts::server;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.delete_shift(&server::identity(), id).await
    }
    .await;
    server::answer(result, "/roster")
}

#[server(endpoint = "roster/team-email")]
pub async fn set_team_email(#[server(default)] email: String) -> Result<(), AppError> {
    use crate::accounts::server;
    let result = async { service()?.set_team_email(&server::identity(), &email).await }.await;
    server::answer(result, "/roster?saved=1")
}

#[server(endpoint = "referrals/acknowledge-view")]
pub async fn acknowledge_view(#[server(default)] id: String) -> Result<AckView, AppError> {
    use crate::accounts::server;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.acknowledge_view(&server::identity(), id).await
    }
    .await;
    server::respond(result)
}

/// Acknowledges a referral: with the link's token from a notification, or from the
/// referral's page.
#[server(endpoint = "referrals/acknowledge")]
pub async fn acknowledge_referral(
    #[server(default)] id: String,
    #[server(default)] token: String,
) -> Result<(), AppError> {
    use crate::accounts::server;
    let referral = id.trim().to_owned();
    let result = async {
        let id = referral.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let token = (!token.trim().is_empty()).then(|| token.trim().to_owned());
        service()?
            .acknowledge(&server::identity(), id, token.as_deref())
            .await
    }
    .await;
    server::answer(result, &format!("/referrals/{referral}?acknowledged=1"))
}

#[server(endpoint = "notifications/list")]
pub async fn list_deliveries() -> Result<Vec<DeliveryRow>, AppError> {
    use crate::accounts::server;
    let result = async { service()?.deliveries(&server::identity()).await }.await;
    server::respond(result)
}

#[server(endpoint = "notifications/resend")]
pub async fn resend_delivery(#[server(default)] id: String) -> Result<(), AppError> {
    use crate::accounts::server;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        service()?.resend(&server::identity(), id).await
    }
    .await;
    server::answer(result, "/notifications?resent=1")
}

#[server(endpoint = "account/notifications")]
pub async fn save_notification_preferences(
    #[server(default)] all_referrals: Option<String>,
    #[server(default)] messages: Option<String>,
) -> Result<(), AppError> {
    use crate::accounts::server;
    let mut chosen = Vec::new();
    if all_referrals.is_some() {
        chosen.push("all_referrals");
    }
    if messages.is_some() {
        chosen.push("messages");
    }
    let result = async {
        service()?
            .set_preferences(&server::identity(), &chosen)
            .await
    }
    .await;
    server::answer(result, "/profile?saved=1")
}

#[server(endpoint = "account/notifications-get")]
pub async fn notification_preferences() -> Result<Vec<String>, AppError> {
    use crate::accounts::server;
    let result = async { service()?.preferences(&server::identity()).await }.await;
    server::respond(result)
}
