//! The centre's workspace as it crosses the wire: the queue, a referral's workflow,
//! capacity and the quality figures.
use serde::{Deserialize, Serialize};

/// One referral in the centre's queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub hospital: String,
    pub pathway: crate::domain::triage::Pathway,
    pub status: crate::domain::workflow::Status,
    /// SCAI stage with its modifier, e.g. `D` or `E (A)`.
    pub scai: Option<String>,
    pub indications: usize,
    /// The ids of the contraindication flags (labels come from the flag catalogue).
    pub contraindications: Vec<String>,
    /// Scores with a result, e.g. `Murray 3.25`.
    pub scores: Vec<String>,
    pub submitted_at: i64,
    pub submitted_local: String,
    /// Minutes since submission at the time the queue was read.
    pub waiting_min: i64,
    /// The target the referral is measured against now: acknowledgement until
    /// acknowledged, then the decision, then none.
    pub target_min: Option<i64>,
    pub overdue: bool,
    pub assignee: Option<String>,
    pub assigned_to_me: bool,
    /// Age, sex, reason and the figure the pathway turns on.
    pub triage: crate::domain::triage_line::TriageLine,
    /// ECPR: minutes since the collapse at the time the queue was read.
    pub since_collapse_min: Option<i64>,
    /// Minutes since the acknowledgement and since the decision, when there were ones.
    pub since_acknowledged_min: Option<i64>,
    pub since_decided_min: Option<i64>,
}

impl QueueRow {
    /// Whether the referral waits on the centre now: past its target, in SCAI stage D or
    /// E, or an ECPR alert.
    pub fn needs_decision_now(&self) -> bool {
        self.overdue
            || self.pathway == crate::domain::triage::Pathway::Ecpr
            || self
                .scai
                .as_deref()
                .is_some_and(|s| s.starts_with('D') || s.starts_with('E'))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// One state, `open` (default) or `all`.
    pub status: String,
    pub pathway: String,
    pub hospital: String,
    pub mine: bool,
    /// Only the referrals that need a decision now ([`QueueRow::needs_decision_now`]).
    pub urgent: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub rows: Vec<QueueRow>,
    /// Hospitals for the filter: id and name.
    pub hospitals: Vec<(i64, String)>,
    pub capacity: Capacity,
    /// True when more rows matched than are shown.
    pub truncated: bool,
}

/// Whether the centre can take a new ECMO patient now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub beds_available: bool,
    pub team_available: bool,
    pub note: String,
    /// When and by whom it was last set (none: never set, available).
    pub set_local: Option<String>,
    pub set_by: Option<String>,
}

impl Capacity {
    pub fn available() -> Self {
        Self {
            beds_available: true,
            team_available: true,
            note: String::new(),
            set_local: None,
            set_by: None,
        }
    }

    pub fn at_capacity(&self) -> bool {
        !(self.beds_available && self.team_available)
    }
}

/// The centre's decision as the referrer reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DecisionView {
    pub state: crate::domain::workflow::Status,
    pub at_local: String,
    pub reason_code: Option<String>,
    pub advice: String,
    pub eta_min: Option<i64>,
    pub team: String,
    pub triggers: Vec<String>,
    pub review_at: Option<String>,
    pub centre: String,
}

/// What the centre asked for, while the referral waits for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct InfoRequestView {
    pub at_local: String,
    pub fields: Vec<String>,
    pub advice: String,
}

/// One entry of the audit trail of a referral.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AuditRow {
    pub at_local: String,
    pub actor: String,
    pub action: String,
    pub client_addr: String,
}

/// The state machine's side of a referral's page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct WorkflowView {
    /// The steps the reader may take now.
    pub next: Vec<crate::domain::workflow::Status>,
    pub assignee: Option<String>,
    pub assigned_to_me: bool,
    /// Whether the reader works referrals at the centre.
    pub centre: bool,
    pub decision: Option<DecisionView>,
    pub info_request: Option<InfoRequestView>,
    /// For centre staff only: the newest reads and changes of this referral (at most 50,
    /// oldest first).
    pub audit: Vec<AuditRow>,
    /// How many entries the referral's audit trail has in all (its CSV export lists them).
    pub audit_total: u64,
    /// The pre-transfer checklist applies (accepted for transfer or mobile team).
    pub show_pre_transfer: bool,
    /// Its items ticked so far, in the checklist's order.
    pub transfer_checks: Vec<TransferCheck>,
    /// Whether the reader may tick them (a doctor of the referring hospital).
    pub may_check_transfer: bool,
}

/// One ticked item of the pre-transfer checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TransferCheck {
    /// A key of `workflow::PRE_TRANSFER`.
    pub item: String,
    pub at_local: String,
    pub by: String,
}

/// Quality figures over a date range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub from: String,
    pub to: String,
    pub total: usize,
    /// `2026-11` and count.
    pub per_month: Vec<(String, usize)>,
    pub per_hospital: Vec<(String, usize)>,
    pub per_pathway: Vec<(crate::domain::triage::Pathway, usize)>,
    pub decided: usize,
    pub accepted: usize,
    pub declined: usize,
    pub mobile_team: usize,
    pub escalated: usize,
    /// Minutes: median and 90th percentile with the number of referrals measured.
    pub to_acknowledge: Interval,
    pub to_decision: Interval,
    pub to_departure: Interval,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub n: usize,
    pub median_min: Option<f64>,
    pub p90_min: Option<f64>,
}
