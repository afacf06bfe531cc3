//! Referrals, drafts and the ECPR alert form as they cross the wire.
use crate::domain::triage::Evaluation;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Submitted {
    pub id: i64,
    pub reference: String,
    pub status: crate::domain::workflow::Status,
    /// False when the same idempotency key had already made this referral.
    pub created: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ReferralSummary {
    pub id: i64,
    pub reference: String,
    pub pathway: crate::domain::triage::Pathway,
    pub status: crate::domain::workflow::Status,
    pub hospital_id: i64,
    pub hospital_name: String,
    pub submitted_at: i64,
    /// `submitted_at` in the centre's time zone, formatted on the server.
    pub submitted_local: String,
    pub acknowledge_target_min: i64,
    pub indications: usize,
    pub contraindications: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ReferralEvent {
    pub at: i64,
    pub at_local: String,
    pub kind: String,
    pub status: Option<crate::domain::workflow::Status>,
    pub actor: Option<String>,
    /// What the step carried (reason code, advice, …); the centre's internal note only
    /// for the centre.
    pub detail: Value,
}

/// One version of a referral's data: the submission or an update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SnapshotSummary {
    pub version: i64,
    pub at_local: String,
    pub author: String,
    pub note: String,
    /// Blood gases in this version.
    pub gases: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ReferralMessage {
    pub id: i64,
    pub at_local: String,
    pub author: String,
    /// True when written by the ECMO centre's staff.
    pub from_centre: bool,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ReferralDetail {
    pub summary: ReferralSummary,
    /// The version the data and evaluation are of (1 = as submitted).
    pub version: i64,
    pub snapshots: Vec<SnapshotSummary>,
    pub messages: Vec<ReferralMessage>,
    /// Colleagues of the referring hospital who follow this referral.
    pub followers: Vec<String>,
    pub following: bool,
    /// Whether the reader may add updates and withdraw it (its hospital's referrers).
    pub can_update: bool,
    /// P/F ratio (mmHg) over time: wall-clock milliseconds and value.
    pub pf_series: Vec<(i64, f64)>,
    /// The answers as submitted and checked.
    pub data: Value,
    pub evaluation: Evaluation,
    pub rule_set_version: String,
    pub decision_target_min: i64,
    pub events: Vec<ReferralEvent>,
    pub workflow: crate::wire::workspace::WorkflowView,
    /// The server's clock when this was read (milliseconds), for the case clock.
    pub read_at: i64,
}

/// A form value as JSON: empty is absent, a number stays a number, anything else stays
/// text so that the checks can name it.
#[cfg(feature = "ssr")]
pub fn form_value(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => serde_json::Number::from_f64(n).map(Value::Number),
        _ => Some(Value::String(text.to_owned())),
    }
}

/// The ECPR alert form as typed. A form the centre returns with a mistake is shown again
/// with these values (a plain form post reloads its page; see `ssr::pending`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EcprAlertValues {
    pub callback_phone: String,
    pub location: String,
    pub age_years: String,
    pub minutes_since_collapse: String,
    pub collapse: String,
    pub no_flow_min: String,
    pub initial_rhythm: String,
    pub etco2: String,
    pub etco2_unit: String,
    pub eta_min: String,
    pub known_limitation_of_therapy: bool,
    pub known_terminal_illness: bool,
    pub known_hypothermia: bool,
}

impl EcprAlertValues {
    /// The referral's answers: decimal commas accepted, EtCO2 under its unit's key.
    #[cfg(feature = "ssr")]
    pub fn body(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("pathway".into(), "ecpr".into());
        for (key, text) in [
            ("callback_phone", &self.callback_phone),
            ("location", &self.location),
            ("collapse", &self.collapse),
            ("initial_rhythm", &self.initial_rhythm),
        ] {
            if !text.trim().is_empty() {
                body.insert(key.into(), Value::String(text.trim().to_owned()));
            }
        }
        for (key, text) in [
            ("age_years", &self.age_years),
            ("minutes_since_collapse", &self.minutes_since_collapse),
            ("no_flow_min", &self.no_flow_min),
            ("eta_min", &self.eta_min),
        ] {
            if let Some(value) = form_value(text) {
                body.insert(key.into(), value);
            }
        }
        if let Some(value) = form_value(&self.etco2) {
            let key = if self.etco2_unit == "mmhg" {
                "etco2_mmhg"
            } else {
                "etco2_kpa"
            };
            body.insert(key.into(), value);
        }
        let known: Vec<Value> = [
            ("limitation_of_therapy", self.known_limitation_of_therapy),
            ("terminal_illness", self.known_terminal_illness),
            ("hypothermia", self.known_hypothermia),
        ]
        .into_iter()
        .filter(|(_, ticked)| *ticked)
        .map(|(key, _)| Value::String(key.into()))
        .collect();
        body.insert("known".into(), Value::Array(known));
        Value::Object(body)
    }
}

/// A draft as the home page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: i64,
    pub pathway: crate::domain::triage::Pathway,
    /// The patient's name when already entered: the doctor's own list, never a URL or mail.
    pub patient: Option<String>,
    pub updated_local: String,
}

/// A draft with the form as typed: field name → the values posted under it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftView {
    pub id: i64,
    pub pathway: crate::domain::triage::Pathway,
    pub form: std::collections::BTreeMap<String, Vec<String>>,
    pub revision: i64,
    pub updated_at: i64,
    pub updated_local: String,
    pub submitted_referral_id: Option<i64>,
}

/// What the checklist page needs: the draft, the rule set it is evaluated with, and the
/// server's clock (the instant and the centre's wall-clock time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftPageData {
    pub draft: DraftView,
    pub rules: crate::domain::rules::RuleSet,
    pub now_ms: i64,
    pub now_local_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftSaved {
    pub revision: i64,
    pub updated_local: String,
}
