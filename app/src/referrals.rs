//! Referrals as the pages see them: what crosses the wire and the server functions behind
//! the referral pages. The JSON API calls the same service with the same checks.
// A server function behind an HTML form takes one argument per form field.
#![allow(clippy::too_many_arguments)]
use crate::domain::triage::Evaluation;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submitted {
    pub id: i64,
    pub reference: String,
    pub status: String,
    /// False when the same idempotency key had already made this referral.
    pub created: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferralSummary {
    pub id: i64,
    pub reference: String,
    pub pathway: String,
    pub status: String,
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
pub struct ReferralEvent {
    pub at: i64,
    pub at_local: String,
    pub kind: String,
    pub status: Option<String>,
    pub actor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferralDetail {
    pub summary: ReferralSummary,
    /// The answers as submitted and checked.
    pub data: Value,
    pub evaluation: Evaluation,
    pub rule_set_version: String,
    pub decision_target_min: i64,
    pub events: Vec<ReferralEvent>,
}

#[cfg(feature = "ssr")]
fn referrals() -> Result<crate::ssr::referrals::Referrals, AppError> {
    use_context::<crate::ssr::referrals::Referrals>().ok_or(AppError::Internal)
}

/// A form value as JSON: empty is absent, a number stays a number, anything else stays
/// text so that the checks can name it.
#[cfg(feature = "ssr")]
fn form_value(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => serde_json::Number::from_f64(n).map(Value::Number),
        _ => Some(Value::String(text.to_owned())),
    }
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
    use crate::accounts::server;
    let mut body = serde_json::Map::new();
    body.insert("pathway".into(), "ecpr".into());
    for (key, text) in [
        ("callback_phone", &callback_phone),
        ("location", &location),
        ("collapse", &collapse),
        ("initial_rhythm", &initial_rhythm),
    ] {
        if !text.trim().is_empty() {
            body.insert(key.into(), Value::String(text.trim().to_owned()));
        }
    }
    for (key, text) in [
        ("age_years", &age_years),
        ("minutes_since_collapse", &minutes_since_collapse),
        ("no_flow_min", &no_flow_min),
        ("eta_min", &eta_min),
    ] {
        if let Some(value) = form_value(text) {
            body.insert(key.into(), value);
        }
    }
    if let Some(value) = form_value(&etco2) {
        let key = if etco2_unit == "mmhg" {
            "etco2_mmhg"
        } else {
            "etco2_kpa"
        };
        body.insert(key.into(), value);
    }
    let known: Vec<Value> = [
        ("limitation_of_therapy", known_limitation_of_therapy),
        ("terminal_illness", known_terminal_illness),
        ("hypothermia", known_hypothermia),
    ]
    .into_iter()
    .filter(|(_, ticked)| ticked.is_some())
    .map(|(key, _)| Value::String(key.into()))
    .collect();
    body.insert("known".into(), Value::Array(known));
    let result = async {
        referrals()?
            .submit(&server::identity(), &idempotency_key, &Value::Object(body))
            .await
    }
    .await;
    let next = result
        .as_ref()
        .map(|s| format!("/referrals/{}?new=1", s.id))
        .unwrap_or_default();
    server::answer(result, &next)
}

#[server(endpoint = "referrals/list")]
pub async fn list_referrals() -> Result<Vec<ReferralSummary>, AppError> {
    use crate::accounts::server;
    let result = async { referrals()?.list(&server::identity()).await }.await;
    server::respond(result)
}

#[server(endpoint = "referrals/get")]
pub async fn get_referral(#[server(default)] id: String) -> Result<ReferralDetail, AppError> {
    use crate::accounts::server;
    let result = async {
        let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        referrals()?.get(&server::identity(), id).await
    }
    .await;
    server::respond(result)
}
