//! The roster, acknowledgement and notification deliveries as they cross the wire.
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
