//! Outcome and severity scores (domain specification §4). Each is a pure function of
//! checked inputs and a rule set; each result lists its itemised points, and the total is
//! their sum.
pub mod murray;
pub mod preserve;
#[cfg(test)]
mod properties;
pub mod resp;
pub mod save;
pub mod scai;
pub mod vis;

use super::fields::{FieldError, FieldErrors};
use super::i18n::Lang;
use serde::{Deserialize, Serialize};

/// One item of a score and the points it contributed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Component {
    pub item: String,
    pub points: i32,
}

pub(crate) fn component(item: &str, points: i32) -> Component {
    Component {
        item: item.to_owned(),
        points,
    }
}

/// ELSO: outcome scores are not for selecting individual patients (spec §4, [SRC-8]).
pub fn elso_caveat(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "ELSO: these calculators are not recommended for determining individual patient management while on ECMO or for selecting patients for ECMO.",
        Lang::Sl => "ELSO: teh kalkulatorjev ne priporočajo za odločanje o zdravljenju posameznega bolnika na ECMO ali za izbiro bolnikov za ECMO.",
    }
}

/// A score's risk class and the survival published for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RiskResult {
    pub points: i32,
    pub risk_class: String,
    pub predicted_survival_pct: u8,
    pub components: Vec<Component>,
    pub rule_set_version: String,
}

pub(crate) fn risk_result(
    components: Vec<Component>,
    classes: &[crate::domain::rules::RiskClass],
    version: &str,
) -> RiskResult {
    let points = components.iter().map(|c| c.points).sum();
    let class = crate::domain::rules::classify(classes, points);
    RiskResult {
        points,
        risk_class: class.map(|c| c.class.clone()).unwrap_or_default(),
        predicted_survival_pct: class.map_or(0, |c| c.survival_pct),
        components,
        rule_set_version: version.to_owned(),
    }
}

/// Every absent or bad field is reported by the reader; this only guards the invariant.
pub(crate) fn incomplete() -> FieldErrors {
    FieldErrors::whole_body(FieldError::Missing)
}

/// A score as the decision support shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ScoreLine {
    pub score: String,
    /// `3.25`, or points with risk class and predicted survival.
    pub result: Option<String>,
    pub points: Option<f64>,
    /// The score's inputs not known yet.
    pub missing: Vec<String>,
    pub provisional: bool,
}
