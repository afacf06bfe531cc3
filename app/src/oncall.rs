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
    /// Today and the coming Monday in the centre's zone (`YYYY-MM-DD`), the planning
    /// forms' defaults.
    pub today: String,
    pub next_monday: String,
}

/// One shift of a plan, as the preview lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedView {
    /// `1. 12. 2026 08:00 – 1. 12. 2026 20:00`
    pub label: String,
    pub primary: String,
    pub backup: Option<String>,
}

/// A plan of shifts for a period: what it makes and, against the roster as it is, where
/// it overlaps existing shifts and what it leaves uncovered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub shifts: Vec<PlannedView>,
    pub overlaps: Vec<String>,
    pub gaps: Vec<String>,
    /// Whether the shifts were written (else a preview).
    pub saved: bool,
}

/// A planning form's fields as typed: dates `YYYY-MM-DD`, times `HH:MM`, and per week of
/// the rotation the user ids of the day and night physicians and the backup.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    pub from_date: String,
    pub to_date: String,
    pub day_start: String,
    pub night_start: String,
    pub day: Vec<String>,
    pub night: Vec<String>,
    pub backup: Vec<String>,
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

/// Where a notification's email stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first attempt.
    Queued,
    /// Attempted and waiting for the next attempt.
    Retrying,
    Sent,
    /// Given up after its attempts; an administrator may send it again.
    Failed,
}

impl DeliveryState {
    /// The state of an outbox row from its stored status and attempts; `None` for a
    /// status this version does not write.
    pub fn from_stored(status: &str, attempts: i64) -> Option<Self> {
        match (status, attempts) {
            ("pending", 0) => Some(Self::Queued),
            ("pending", _) => Some(Self::Retrying),
            ("sent", _) => Some(Self::Sent),
            ("failed", _) => Some(Self::Failed),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Retrying => "retrying",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub status: DeliveryState,
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
    use crate::accounts::server;
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
            .plan_shifts(&server::identity(), &input, save)
            .await
    }
    .await;
    if !save {
        return server::respond(result);
    }
    let next = result
        .as_ref()
        .map(|v| format!("/roster?planned={}", v.shifts.len()))
        .unwrap_or_default();
    server::answer(result, &next)
}

/// Copies last week's shifts (the seven days before `week_start`) one week on.
#[server(endpoint = "roster/copy-week")]
pub async fn copy_week(#[server(default)] week_start: String) -> Result<usize, AppError> {
    use crate::accounts::server;
    let result = async { service()?.copy_week(&server::identity(), &week_start).await }.await;
    let next = result
        .as_ref()
        .map(|n| format!("/roster?copied={n}"))
        .unwrap_or_default();
    server::answer(result, &next)
}

/// The reader's calendar address, if they have made one.
#[server(endpoint = "roster/calendar-link")]
pub async fn calendar_link() -> Result<Option<String>, AppError> {
    use crate::accounts::server;
    let result = async { service()?.calendar_link(&server::identity()).await }.await;
    server::respond(result)
}

/// Makes the reader's calendar address; an earlier one stops working.
#[server(endpoint = "roster/calendar-renew")]
pub async fn renew_calendar_link() -> Result<String, AppError> {
    use crate::accounts::server;
    let result = async { service()?.renew_calendar_link(&server::identity()).await }.await;
    server::answer(result, "/roster?renewed=1#calendar")
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
