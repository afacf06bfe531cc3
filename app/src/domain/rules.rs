//! The rule set: every threshold, weight and class boundary the scores use, as data. The
//! default is embedded at build time; the centre can replace it with its own reviewed file,
//! and every result records the version it was computed with.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const DEFAULT_RULES: &str = include_str!("../../rules/default.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub op: Op,
    pub value: f64,
    pub points: i32,
}

/// Points for a continuous value: the first step whose comparison holds, else `otherwise`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bands {
    pub steps: Vec<Step>,
    pub otherwise: i32,
}

impl Bands {
    pub fn points(&self, value: f64) -> i32 {
        self.steps
            .iter()
            .find(|s| s.op.holds(value, s.value))
            .map_or(self.otherwise, |s| s.points)
    }
}

/// A risk class: totals at or above `min_points` (checked from the top) fall in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskClass {
    pub min_points: i32,
    pub class: String,
    pub survival_pct: u8,
}

pub fn classify(classes: &[RiskClass], points: i32) -> Option<&RiskClass> {
    classes
        .iter()
        .find(|c| points >= c.min_points)
        .or(classes.last())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MurrayRules {
    pub pf_ratio_mmhg: Bands,
    pub peep_cmh2o: Bands,
    pub compliance_ml_per_cmh2o: Bands,
    pub severe_above: f64,
    pub referral_threshold: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RespRules {
    pub age_years: Bands,
    pub mv_hours: Bands,
    pub diagnosis: BTreeMap<String, i32>,
    pub immunocompromised: i32,
    pub cns_dysfunction: i32,
    pub nonpulmonary_infection: i32,
    pub neuromuscular_blockade: i32,
    pub nitric_oxide: i32,
    pub bicarbonate_infusion: i32,
    pub cardiac_arrest: i32,
    pub paco2_mmhg: Bands,
    pub pip_cmh2o: Bands,
    pub classes: Vec<RiskClass>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveRules {
    pub diagnosis: BTreeMap<String, i32>,
    pub age_years: Bands,
    pub weight_kg: Bands,
    pub liver_failure: i32,
    pub cns_dysfunction: i32,
    pub acute_renal_failure: i32,
    pub chronic_renal_failure: i32,
    pub intubation_hours: Bands,
    pub pip_cmh2o: Bands,
    pub pip_points_when_not_ventilated: i32,
    pub cardiac_arrest: i32,
    pub diastolic_bp_mmhg: Bands,
    pub pulse_pressure_mmhg: Bands,
    pub hco3_mmol_l: Bands,
    pub constant: i32,
    pub classes: Vec<RiskClass>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreserveRules {
    pub age_years: Bands,
    pub bmi: Bands,
    pub immunocompromised: i32,
    pub mv_days: Bands,
    pub sofa: Bands,
    pub no_prone_positioning: i32,
    pub peep_cmh2o: Bands,
    pub plateau_cmh2o: Bands,
    pub provisional: bool,
    pub classes: Vec<RiskClass>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub version: String,
    #[serde(default)]
    pub note: String,
    pub murray: MurrayRules,
    pub resp: RespRules,
    pub save: SaveRules,
    pub preserve: PreserveRules,
    pub triage: super::triage::TriageRules,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleSetError {
    #[error("the rule set is not valid JSON of the expected shape: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the rule set is inconsistent: {0}")]
    Inconsistent(String),
}

impl RuleSet {
    /// Parses and checks a rule set (the embedded default or a centre's file).
    pub fn from_json(text: &str) -> Result<Self, RuleSetError> {
        let rules: Self = serde_json::from_str(text)?;
        rules.check()?;
        Ok(rules)
    }

    /// The rule set shipped with this version of the software.
    pub fn embedded() -> &'static RuleSet {
        static RULES: OnceLock<RuleSet> = OnceLock::new();
        // The embedded file is checked by a unit test, so this cannot fail in a release.
        RULES.get_or_init(|| RuleSet::from_json(DEFAULT_RULES).expect("embedded rule set is valid"))
    }

    fn check(&self) -> Result<(), RuleSetError> {
        if self.version.trim().is_empty() {
            return Err(RuleSetError::Inconsistent("version is empty".into()));
        }
        for (name, classes) in [
            ("resp", &self.resp.classes),
            ("save", &self.save.classes),
            ("preserve", &self.preserve.classes),
        ] {
            if classes.is_empty() {
                return Err(RuleSetError::Inconsistent(format!(
                    "{name}: no risk classes"
                )));
            }
            if classes
                .windows(2)
                .any(|w| w[0].min_points <= w[1].min_points)
            {
                return Err(RuleSetError::Inconsistent(format!(
                    "{name}: classes must go from the highest minimum down"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rule_set_is_valid() {
        let rules = RuleSet::from_json(DEFAULT_RULES).unwrap();
        assert!(!rules.version.is_empty());
    }

    #[test]
    fn inconsistent_classes_are_refused() {
        let mut value: serde_json::Value = serde_json::from_str(DEFAULT_RULES).unwrap();
        value["resp"]["classes"][0]["min_points"] = serde_json::json!(-100);
        assert!(RuleSet::from_json(&value.to_string()).is_err());
    }

    #[test]
    fn bands_take_the_first_matching_step() {
        let bands = &RuleSet::embedded().murray.pf_ratio_mmhg;
        assert_eq!(bands.points(300.0), 0);
        assert_eq!(bands.points(299.999), 1);
        assert_eq!(bands.points(100.0), 3);
        assert_eq!(bands.points(99.9), 4);
    }
}
