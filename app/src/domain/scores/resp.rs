//! RESP score — Respiratory ECMO Survival Prediction (spec §4.2).
use super::{component, risk_result, RiskResult};
use crate::domain::fields::{limits, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const DIAGNOSES: &[&str] = &[
    "viral_pneumonia",
    "bacterial_pneumonia",
    "asthma",
    "trauma_burn",
    "aspiration_pneumonitis",
    "other_acute_respiratory",
    "non_respiratory_or_chronic",
];

const FLAGS: &[&str] = &[
    "immunocompromised",
    "cns_dysfunction",
    "nonpulmonary_infection",
    "neuromuscular_blockade",
    "nitric_oxide",
    "bicarbonate_infusion",
    "cardiac_arrest",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RespInput {
    pub age_years: f64,
    pub immunocompromised: bool,
    pub mv_hours: f64,
    pub diagnosis: String,
    pub cns_dysfunction: bool,
    pub nonpulmonary_infection: bool,
    pub neuromuscular_blockade: bool,
    pub nitric_oxide: bool,
    pub bicarbonate_infusion: bool,
    pub cardiac_arrest: bool,
    pub paco2_mmhg: f64,
    pub pip_cmh2o: f64,
}

impl RespInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let age = r.age("age_years");
        let mv_hours = r.number("mv_hours", limits::MV_HOURS);
        let diagnosis = r.choice("diagnosis", DIAGNOSES);
        let flags: Vec<Option<bool>> = FLAGS.iter().map(|f| r.boolean(f)).collect();
        let paco2 = r.pressure_mmhg(
            "paco2_mmhg",
            "paco2_kpa",
            limits::PACO2_MMHG,
            limits::PACO2_KPA,
        );
        let pip = r.number("pip_cmh2o", limits::PIP_CMH2O);
        r.finish()?;
        let flag = |i: usize| flags[i].ok_or_else(super::incomplete);
        Ok(Self {
            age_years: age.ok_or_else(super::incomplete)?,
            immunocompromised: flag(0)?,
            mv_hours: mv_hours.ok_or_else(super::incomplete)?,
            diagnosis: diagnosis.ok_or_else(super::incomplete)?,
            cns_dysfunction: flag(1)?,
            nonpulmonary_infection: flag(2)?,
            neuromuscular_blockade: flag(3)?,
            nitric_oxide: flag(4)?,
            bicarbonate_infusion: flag(5)?,
            cardiac_arrest: flag(6)?,
            paco2_mmhg: paco2.ok_or_else(super::incomplete)?,
            pip_cmh2o: pip.ok_or_else(super::incomplete)?,
        })
    }

    pub fn score(&self, rules: &RuleSet) -> RiskResult {
        let r = &rules.resp;
        let when = |yes: bool, points: i32| if yes { points } else { 0 };
        let components = vec![
            component("age", r.age_years.points(self.age_years)),
            component(
                "immunocompromised",
                when(self.immunocompromised, r.immunocompromised),
            ),
            component("mv_duration", r.mv_hours.points(self.mv_hours)),
            component(
                "diagnosis",
                r.diagnosis.get(&self.diagnosis).copied().unwrap_or(0),
            ),
            component(
                "cns_dysfunction",
                when(self.cns_dysfunction, r.cns_dysfunction),
            ),
            component(
                "nonpulmonary_infection",
                when(self.nonpulmonary_infection, r.nonpulmonary_infection),
            ),
            component(
                "neuromuscular_blockade",
                when(self.neuromuscular_blockade, r.neuromuscular_blockade),
            ),
            component("nitric_oxide", when(self.nitric_oxide, r.nitric_oxide)),
            component(
                "bicarbonate_infusion",
                when(self.bicarbonate_infusion, r.bicarbonate_infusion),
            ),
            component(
                "cardiac_arrest",
                when(self.cardiac_arrest, r.cardiac_arrest),
            ),
            component("paco2", r.paco2_mmhg.points(self.paco2_mmhg)),
            component("pip", r.pip_cmh2o.points(self.pip_cmh2o)),
        ];
        risk_result(components, &r.classes, &rules.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "age_years": 35, "immunocompromised": false, "mv_hours": 24, "diagnosis": "viral_pneumonia",
            "cns_dysfunction": false, "nonpulmonary_infection": false, "neuromuscular_blockade": true,
            "nitric_oxide": false, "bicarbonate_infusion": false, "cardiac_arrest": false,
            "paco2_mmhg": 60, "pip_cmh2o": 35
        })
    }

    fn score(v: &Value) -> RiskResult {
        RespInput::parse(v).unwrap().score(RuleSet::embedded())
    }

    #[test]
    fn spec_vectors() {
        let r1 = score(&base());
        assert_eq!(
            (r1.points, r1.risk_class.as_str(), r1.predicted_survival_pct),
            (7, "I", 92)
        );

        let mut r2 = base();
        for (k, v) in [
            ("age_years", json!(55)),
            ("immunocompromised", json!(true)),
            ("mv_hours", json!(96)),
            ("diagnosis", json!("bacterial_pneumonia")),
            ("nonpulmonary_infection", json!(true)),
            ("nitric_oxide", json!(true)),
            ("paco2_mmhg", json!(80)),
            ("pip_cmh2o", json!(40)),
        ] {
            r2[k] = v;
        }
        let r2 = score(&r2);
        assert_eq!(
            (r2.points, r2.risk_class.as_str(), r2.predicted_survival_pct),
            (-4, "IV", 33)
        );

        let mut r3 = base();
        for (k, v) in [
            ("age_years", json!(28)),
            ("mv_hours", json!(12)),
            ("diagnosis", json!("asthma")),
            ("bicarbonate_infusion", json!(true)),
            ("paco2_mmhg", json!(95)),
            ("pip_cmh2o", json!(45)),
        ] {
            r3[k] = v;
        }
        let r3 = score(&r3);
        assert_eq!(
            (r3.points, r3.risk_class.as_str(), r3.predicted_survival_pct),
            (11, "I", 92)
        );
    }

    #[test]
    fn mv_duration_boundaries() {
        let points = |h: f64| {
            let mut v = base();
            v["mv_hours"] = json!(h);
            score(&v).components[2].points
        };
        assert_eq!(points(47.9), 3);
        assert_eq!(points(48.0), 1);
        assert_eq!(points(168.0), 1);
        assert_eq!(points(168.1), 0);
    }

    #[test]
    fn paco2_in_kpa_is_converted() {
        let mut v = base();
        v.as_object_mut().unwrap().remove("paco2_mmhg");
        v["paco2_kpa"] = json!(10.0); // 75.006 mmHg
        assert_eq!(score(&v).components[10].points, -1);
        v["paco2_kpa"] = json!(9.99); // 74.93 mmHg
        assert_eq!(score(&v).components[10].points, 0);
    }

    #[test]
    fn under_age_and_unknown_diagnosis_are_field_errors() {
        let mut v = base();
        v["age_years"] = json!(17);
        v["diagnosis"] = json!("influenza");
        let errors = RespInput::parse(&v).unwrap_err();
        assert!(errors.get("age_years").is_some());
        assert!(errors.get("diagnosis").is_some());
    }
}
