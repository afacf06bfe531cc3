//! The referral's state machine at the centre (spec §6.1): which states follow which, what
//! each decision must carry (reason code, advice, ETA and team, re-referral triggers), and
//! the words the pages use for them. Pure, so the server enforces exactly what the pages
//! offer.
use super::checklist::parse_local;
use super::fields::{FieldError, FieldErrors};
use super::i18n::Lang;
use super::triage::Pathway;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

mod labels;
pub use labels::*;

/// A referral's state (spec §6.1). Stored and sent as its name in capitals
/// (`UNDER_CONSULTATION`); a stored name this version does not know is an error, never a
/// default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Status {
    Submitted,
    EcprAlert,
    Acknowledged,
    UnderConsultation,
    InfoRequested,
    AcceptedTransfer,
    TransferScheduled,
    InTransit,
    Arrived,
    AcceptedMobileTeam,
    TeamDispatched,
    TeamOnSite,
    Cannulated,
    NotCannulatedOnSite,
    DeferredReassess,
    DeclinedWithAdvice,
    DeclinedContraindicated,
    ReferredOnward,
    Withdrawn,
    FollowUpPending,
    Closed,
    AcceptedEcpr,
    DeclinedEcpr,
    EcmoStarted,
    NotStarted,
}

impl Status {
    /// The state's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "SUBMITTED",
            Status::EcprAlert => "ECPR_ALERT",
            Status::Acknowledged => "ACKNOWLEDGED",
            Status::UnderConsultation => "UNDER_CONSULTATION",
            Status::InfoRequested => "INFO_REQUESTED",
            Status::AcceptedTransfer => "ACCEPTED_TRANSFER",
            Status::TransferScheduled => "TRANSFER_SCHEDULED",
            Status::InTransit => "IN_TRANSIT",
            Status::Arrived => "ARRIVED",
            Status::AcceptedMobileTeam => "ACCEPTED_MOBILE_TEAM",
            Status::TeamDispatched => "TEAM_DISPATCHED",
            Status::TeamOnSite => "TEAM_ON_SITE",
            Status::Cannulated => "CANNULATED",
            Status::NotCannulatedOnSite => "NOT_CANNULATED_ON_SITE",
            Status::DeferredReassess => "DEFERRED_REASSESS",
            Status::DeclinedWithAdvice => "DECLINED_WITH_ADVICE",
            Status::DeclinedContraindicated => "DECLINED_CONTRAINDICATED",
            Status::ReferredOnward => "REFERRED_ONWARD",
            Status::Withdrawn => "WITHDRAWN",
            Status::FollowUpPending => "FOLLOW_UP_PENDING",
            Status::Closed => "CLOSED",
            Status::AcceptedEcpr => "ACCEPTED_ECPR",
            Status::DeclinedEcpr => "DECLINED_ECPR",
            Status::EcmoStarted => "ECMO_STARTED",
            Status::NotStarted => "NOT_STARTED",
        }
    }

    /// The state with the stored name `name`, if there is one.
    pub fn parse(name: &str) -> Option<Status> {
        STATES.iter().copied().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every state, in the order of the diagram.
pub const STATES: &[Status] = &[
    Status::Submitted,
    Status::EcprAlert,
    Status::Acknowledged,
    Status::UnderConsultation,
    Status::InfoRequested,
    Status::AcceptedTransfer,
    Status::TransferScheduled,
    Status::AcceptedMobileTeam,
    Status::TeamDispatched,
    Status::TeamOnSite,
    Status::Cannulated,
    Status::NotCannulatedOnSite,
    Status::InTransit,
    Status::Arrived,
    Status::DeferredReassess,
    Status::DeclinedWithAdvice,
    Status::DeclinedContraindicated,
    Status::ReferredOnward,
    Status::AcceptedEcpr,
    Status::DeclinedEcpr,
    Status::EcmoStarted,
    Status::NotStarted,
    Status::Withdrawn,
    Status::FollowUpPending,
    Status::Closed,
];

/// Where the patient's care is still being arranged: these may be withdrawn, take updates
/// from the referring hospital, and stand in the centre's queue.
pub const OPEN: &[Status] = &[
    Status::Submitted,
    Status::EcprAlert,
    Status::Acknowledged,
    Status::UnderConsultation,
    Status::InfoRequested,
    Status::DeferredReassess,
    Status::AcceptedTransfer,
    Status::TransferScheduled,
    Status::AcceptedMobileTeam,
    Status::TeamDispatched,
    Status::AcceptedEcpr,
];

/// The queue shows what is open plus the patient on the way.
pub const IN_QUEUE: &[Status] = &[
    Status::Submitted,
    Status::EcprAlert,
    Status::Acknowledged,
    Status::UnderConsultation,
    Status::InfoRequested,
    Status::DeferredReassess,
    Status::AcceptedTransfer,
    Status::TransferScheduled,
    Status::AcceptedMobileTeam,
    Status::TeamDispatched,
    Status::TeamOnSite,
    Status::Cannulated,
    Status::InTransit,
    Status::AcceptedEcpr,
];

/// The decision on a referral (first entry into one of these is the decision time).
pub const ACCEPTED: &[Status] = &[
    Status::AcceptedTransfer,
    Status::AcceptedMobileTeam,
    Status::AcceptedEcpr,
];
pub const DECLINED: &[Status] = &[
    Status::DeclinedWithAdvice,
    Status::DeclinedContraindicated,
    Status::DeclinedEcpr,
];
pub const DECISIONS: &[Status] = &[
    Status::AcceptedTransfer,
    Status::AcceptedMobileTeam,
    Status::AcceptedEcpr,
    Status::DeclinedWithAdvice,
    Status::DeclinedContraindicated,
    Status::DeclinedEcpr,
    Status::DeferredReassess,
    Status::ReferredOnward,
];

/// Why the centre declines, defers or sends elsewhere (spec §6.1).
pub const REASON_CODES: &[&str] = &[
    "NOT_YET_INDICATED",
    "OPTIMISE_FIRST",
    "IRREVERSIBLE",
    "CONTRAINDICATION_ANTICOAG",
    "NEURO",
    "MALIGNANCY",
    "FRAILTY_COMORBIDITY",
    "TOO_LATE_MV_DURATION",
    "NO_EXIT_STRATEGY",
    "CAPACITY",
    "OTHER",
];

/// Why a referral is withdrawn, by the referring hospital or the centre.
pub const WITHDRAW_REASONS: &[&str] = &[
    "improved",
    "deteriorated_or_died",
    "treated_locally",
    "other_centre",
    "family_declined",
    "entered_in_error",
    "other",
];

/// What the centre may ask the referring hospital for.
pub const INFO_ITEMS: &[&str] = &[
    "blood_gas",
    "ventilator_settings",
    "chest_imaging",
    "echo",
    "laboratory",
    "haemodynamics",
    "neurology",
    "other",
];

/// Structured re-referral triggers of a deferral.
pub const TRIGGERS: &[&str] = &[
    "pf_below_80",
    "ph_hypercapnia",
    "lactate_above_4",
    "rising_support",
    "cardiac_arrest",
    "other",
];

pub const CANNULATION_MODES: &[&str] = &["VV", "VA", "VAV"];

/// The pre-transfer preparation checklist (spec §5.10), shown after acceptance.
pub const PRE_TRANSFER: &[(&str, &str, &str)] = &[
    (
        "blood",
        "Navzkrižno testirana kri (2–4 enote koncentriranih eritrocitov) in krvna skupina",
        "Cross-matched blood (2–4 units of red cells) and the blood group",
    ),
    (
        "lines",
        "Arterijski in centralni venski kateter; desno jugularno in femoralni veni po možnosti pustite proste za kanilacijo",
        "Arterial and central lines; if possible keep the right jugular and the femoral veins free for cannulation",
    ),
    ("urinary", "Urinski kateter", "Urinary catheter"),
    (
        "imaging",
        "Kopije slikovnih preiskav (RTG, CT) za ekipo",
        "Imaging copied (X-ray, CT) for the team",
    ),
    (
        "medication",
        "Seznam zdravil s časi (heparin, antiagregacijska zdravila)",
        "Medication list with times (heparin, antiplatelets)",
    ),
    (
        "relatives",
        "Svojci obveščeni; njihova telefonska številka",
        "Relatives informed; their phone number",
    ),
    (
        "documents",
        "Premestitveni list in dokumentacija",
        "Transfer documentation (premestitveni list)",
    ),
    (
        "isolation",
        "Status izolacije (npr. MRSA, COVID-19)",
        "Isolation status (e.g. MRSA, COVID-19)",
    ),
];

/// The states that may follow `from` on a pathway. Withdrawal is open to the referring
/// hospital too; everything else is the centre's. Every state names its exits here (the
/// match has no catch-all), so a new state does not compile until it has them.
pub fn next_states(pathway: Pathway, from: Status) -> Vec<Status> {
    use Status::*;
    let ecpr = pathway == Pathway::Ecpr;
    // Exits on the VV/VA pathways, then on ECPR.
    let (vv_va, on_ecpr): (Vec<Status>, Vec<Status>) = match from {
        Submitted => (vec![Acknowledged], vec![]),
        EcprAlert => (vec![], vec![Acknowledged, AcceptedEcpr, DeclinedEcpr]),
        Acknowledged => (
            vec![UnderConsultation, InfoRequested],
            vec![AcceptedEcpr, DeclinedEcpr],
        ),
        UnderConsultation => (
            vec![
                InfoRequested,
                AcceptedTransfer,
                AcceptedMobileTeam,
                DeferredReassess,
                DeclinedWithAdvice,
                DeclinedContraindicated,
                ReferredOnward,
            ],
            vec![],
        ),
        InfoRequested | DeferredReassess => (vec![UnderConsultation], vec![]),
        AcceptedTransfer => (vec![TransferScheduled], vec![]),
        TransferScheduled => (vec![InTransit], vec![]),
        AcceptedMobileTeam => (vec![TeamDispatched], vec![]),
        TeamDispatched => (vec![TeamOnSite], vec![]),
        TeamOnSite => (vec![Cannulated, NotCannulatedOnSite], vec![]),
        Cannulated => (vec![InTransit], vec![]),
        InTransit => (vec![Arrived], vec![]),
        AcceptedEcpr => (vec![], vec![Arrived]),
        Arrived => (vec![FollowUpPending], vec![EcmoStarted, NotStarted]),
        NotCannulatedOnSite | DeclinedWithAdvice | DeclinedContraindicated | ReferredOnward => {
            (vec![FollowUpPending], vec![])
        }
        EcmoStarted | NotStarted | DeclinedEcpr => (vec![], vec![FollowUpPending]),
        Withdrawn => (vec![FollowUpPending], vec![FollowUpPending]),
        FollowUpPending => (vec![Closed], vec![Closed]),
        Closed => (vec![], vec![]),
    };
    let mut next = if ecpr { on_ecpr } else { vv_va };
    if is_open(pathway, from) {
        next.push(Withdrawn);
    }
    next
}

/// Whether a referral of this pathway in this state is still being arranged.
pub fn is_open(pathway: Pathway, state: Status) -> bool {
    let ecpr_only = matches!(state, Status::EcprAlert | Status::AcceptedEcpr);
    let vv_va_only = !matches!(state, Status::Acknowledged) && !ecpr_only;
    OPEN.contains(&state)
        && match pathway {
            Pathway::Ecpr => !vv_va_only,
            _ => !ecpr_only,
        }
}

pub fn may_follow(pathway: Pathway, from: Status, to: Status) -> bool {
    next_states(pathway, from).contains(&to)
}

/// The states a step may pass through without asking anything: a clinician who decides on
/// an alert nobody has acknowledged yet has acknowledged it and consulted.
const IMPLIED: &[Status] = &[Status::Acknowledged, Status::UnderConsultation];

/// The states a step from `from` to `to` writes, in order, `to` last: the diagram's own step
/// when it has one; from a new or acknowledged referral, also the shortest way through the
/// states that carry nothing (acknowledged, under consultation), so that a decision made on
/// the phone is recorded in one step and the timeline stays complete. `None` when `to`
/// cannot be reached so.
pub fn route(pathway: Pathway, from: Status, to: Status) -> Option<Vec<Status>> {
    if may_follow(pathway, from, to) {
        return Some(vec![to]);
    }
    let starts = matches!(
        from,
        Status::Submitted | Status::EcprAlert | Status::Acknowledged
    );
    if !starts || to == Status::Withdrawn {
        return None;
    }
    let mut paths: Vec<Vec<Status>> = vec![Vec::new()];
    for _ in 0..IMPLIED.len() {
        let mut longer = Vec::new();
        for path in paths {
            let at = path.last().copied().unwrap_or(from);
            for step in next_states(pathway, at) {
                if !IMPLIED.contains(&step) || path.contains(&step) {
                    continue;
                }
                let mut through = path.clone();
                through.push(step);
                if may_follow(pathway, step, to) {
                    through.push(to);
                    return Some(through);
                }
                longer.push(through);
            }
        }
        paths = longer;
    }
    None
}

/// Every state a step from `from` may reach (see [`route`]): the diagram's steps first,
/// then the decisions reached through the states that carry nothing.
pub fn reachable(pathway: Pathway, from: Status) -> Vec<Status> {
    let mut all = next_states(pathway, from);
    for state in STATES {
        if !all.contains(state) && route(pathway, from, *state).is_some() {
            all.push(*state);
        }
    }
    all
}

/// What a transition carries besides its target, as typed in a form or sent as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransitionInput {
    pub to: String,
    pub reason_code: Option<String>,
    /// Internal to the centre.
    pub note: String,
    /// Shown to the referrer.
    pub advice: String,
    /// The items requested from the referrer (Status::InfoRequested).
    pub fields: Vec<String>,
    /// Re-referral triggers (Status::DeferredReassess).
    pub triggers: Vec<String>,
    /// When the centre looks again (Status::DeferredReassess), local wall-clock `YYYY-MM-DDTHH:MM`.
    pub review_at: Option<String>,
    /// Minutes until the team or the transport arrives (acceptances).
    pub eta_min: Option<f64>,
    /// Who comes (Status::AcceptedMobileTeam).
    pub team: String,
    /// Cannulation mode (Status::Cannulated): VV, VA or VAV.
    pub mode: Option<String>,
    /// The centre the patient is sent to (Status::ReferredOnward).
    pub centre: String,
    /// The state the actor saw; when the referral has moved on since, the action is refused.
    pub from: Option<String>,
}

pub const MAX_TEXT: usize = 2000;
const MAX_ETA_MIN: f64 = 1440.0;
/// A deferral is looked at again within a week.
const MAX_REVIEW_MS: i64 = 7 * 86_400_000;

/// Why a transition cannot be made.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The target does not follow the current state.
    NotAllowed { allowed: Vec<Status> },
    /// The referral is no longer in the state the actor saw.
    Changed,
    /// What the target needs is missing or wrong.
    Invalid(FieldErrors),
}

fn known(errors: &mut FieldErrors, field: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        errors.add(
            field,
            FieldError::UnknownValue {
                allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }
}

fn needs_reason(to: Status) -> bool {
    matches!(
        to,
        Status::DeferredReassess
            | Status::DeclinedWithAdvice
            | Status::DeclinedContraindicated
            | Status::DeclinedEcpr
            | Status::ReferredOnward
            | Status::NotCannulatedOnSite
            | Status::NotStarted
            | Status::Withdrawn
    )
}

/// Checks a step from `from` (the diagram's own, or a decision through the states that
/// carry nothing: see [`route`]) and returns what the timeline stores with its target.
/// `now_local` is the centre's wall clock in milliseconds, for the review time.
pub fn check(
    pathway: Pathway,
    from: Status,
    input: &TransitionInput,
    now_local: i64,
) -> Result<Map<String, Value>, Refusal> {
    if input
        .from
        .as_deref()
        .is_some_and(|seen| seen.trim() != from.as_str())
    {
        return Err(Refusal::Changed);
    }
    let Some(to) = Status::parse(input.to.trim()) else {
        let mut errors = FieldErrors::default();
        let names: Vec<&str> = STATES.iter().map(|s| s.as_str()).collect();
        known(&mut errors, "to", input.to.trim(), &names);
        return Err(Refusal::Invalid(errors));
    };
    if route(pathway, from, to).is_none() {
        return Err(Refusal::NotAllowed {
            allowed: reachable(pathway, from),
        });
    }
    let mut errors = FieldErrors::default();
    let mut detail = Map::new();
    detail.insert("from".into(), json!(from));
    let reason = input
        .reason_code
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let reasons = if to == Status::Withdrawn {
        WITHDRAW_REASONS
    } else {
        REASON_CODES
    };
    match reason {
        Some(code) => {
            known(&mut errors, "reason_code", code, reasons);
            detail.insert("reason_code".into(), json!(code));
        }
        None if needs_reason(to) => errors.add("reason_code", FieldError::Missing),
        None => {}
    }
    for (key, text) in [
        ("note", &input.note),
        ("advice", &input.advice),
        ("team", &input.team),
        ("centre", &input.centre),
    ] {
        let text = text.trim();
        if text.chars().count() > MAX_TEXT {
            errors.add(key, FieldError::TooLong { max: MAX_TEXT });
        } else if !text.is_empty() {
            detail.insert(key.into(), json!(text));
        }
    }
    let advice_missing = input.advice.trim().is_empty();
    match to {
        Status::DeclinedWithAdvice if advice_missing => errors.add("advice", FieldError::Missing),
        Status::Withdrawn
            if reason == Some("other") && advice_missing && input.note.trim().is_empty() =>
        {
            errors.add("advice", FieldError::Missing)
        }
        Status::InfoRequested => {
            if input.fields.is_empty() {
                errors.add("fields", FieldError::EmptyList);
            }
            for item in &input.fields {
                known(&mut errors, "fields", item, INFO_ITEMS);
            }
            if input.fields.iter().any(|f| f == "other") && advice_missing {
                errors.add("advice", FieldError::Missing);
            }
            detail.insert("fields".into(), json!(input.fields));
        }
        Status::DeferredReassess => {
            if input.triggers.is_empty() {
                errors.add("triggers", FieldError::EmptyList);
            }
            for item in &input.triggers {
                known(&mut errors, "triggers", item, TRIGGERS);
            }
            if input.triggers.iter().any(|f| f == "other") && advice_missing {
                errors.add("advice", FieldError::Missing);
            }
            detail.insert("triggers".into(), json!(input.triggers));
            match input
                .review_at
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                None => errors.add("review_at", FieldError::Missing),
                Some(text) => match parse_local(text) {
                    None => errors.add("review_at", FieldError::NotADateTime),
                    Some(at) if at <= now_local => errors.add("review_at", FieldError::InPast),
                    Some(at) if at > now_local + MAX_REVIEW_MS => errors.add(
                        "review_at",
                        FieldError::OutOfRange {
                            min: 0.0,
                            max: 7.0,
                            unit: "d".into(),
                        },
                    ),
                    Some(_) => {
                        detail.insert("review_at".into(), json!(text));
                    }
                },
            }
        }
        Status::Cannulated => match input.mode.as_deref() {
            None => errors.add("mode", FieldError::Missing),
            Some(mode) => {
                known(&mut errors, "mode", mode, CANNULATION_MODES);
                detail.insert("mode".into(), json!(mode));
            }
        },
        Status::AcceptedMobileTeam if input.team.trim().is_empty() => {
            errors.add("team", FieldError::Missing)
        }
        Status::ReferredOnward if input.centre.trim().is_empty() => {
            errors.add("centre", FieldError::Missing)
        }
        _ => {}
    }
    match input.eta_min {
        Some(eta) if !(0.0..=MAX_ETA_MIN).contains(&eta) || !eta.is_finite() => errors.add(
            "eta_min",
            FieldError::OutOfRange {
                min: 0.0,
                max: MAX_ETA_MIN,
                unit: "min".into(),
            },
        ),
        Some(eta) => {
            detail.insert("eta_min".into(), json!(eta.round() as i64));
        }
        None if to == Status::AcceptedMobileTeam => errors.add("eta_min", FieldError::Missing),
        None => {}
    }
    if errors.is_empty() {
        Ok(detail)
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// The same transition's detail as the referring hospital sees it: the centre's internal
/// note left out.
pub fn for_referrer(mut detail: Map<String, Value>) -> Map<String, Value> {
    detail.remove("note");
    detail
}

#[cfg(test)]
mod tests;
