//! SAVE score — Survival After Veno-arterial ECMO (spec §4.3). Class I is a total above 5
//! (spec §0).
use super::{component, risk_result, RiskResult};
use crate::domain::fields::{limits, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const DIAGNOSES: &[&str] = &[
    "myocarditis",
    "refractory_vt_vf",
    "post_transplant",
    "congenital",
    "other",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveInput {
    pub diagnoses: Vec<String>,
    pub age_years: f64,
    pub weight_kg: f64,
    pub liver_failure: bool,
    pub cns_dysfunction: bool,
    pub acute_renal_failure: bool,
    pub chronic_renal_failure: bool,
    pub intubation_hours: f64,
    /// `None` when the patient is not ventilated (then the rule set decides the points).
    pub pip_cmh2o: Option<f64>,
    pub cardiac_arrest: bool,
    pub diastolic_bp_mmhg: f64,
    pub pulse_pressure_mmhg: f64,
    pub hco3_mmol_l: f64,
}

impl SaveInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let diagnoses = r.choices("diagnoses", DIAGNOSES);
        let age = r.age("age_years");
        let weight = r.number("weight_kg", limits::WEIGHT_KG);
        let liver = r.boolean("liver_failure");
        let cns = r.boolean("cns_dysfunction");
        let arf = r.boolean("acute_renal_failure");
        let crf = r.boolean("chronic_renal_failure");
        let intubation = r.number("intubation_hours", limits::MV_HOURS);
        // "Not ventilated" is explicit (spec §4.3): then no PIP is needed.
        let ventilated = r.optional_boolean("ventilated").unwrap_or(true);
        let pip = if ventilated {
            r.number("pip_cmh2o", limits::PIP_CMH2O)
        } else {
            r.optional_number("pip_cmh2o", limits::PIP_CMH2O)
        };
        let arrest = r.boolean("cardiac_arrest");
        let dbp = r.number("diastolic_bp_mmhg", limits::DIASTOLIC_MMHG);
        let pp = r.number("pulse_pressure_mmhg", limits::PULSE_PRESSURE_MMHG);
        let hco3 = r.number("hco3_mmol_l", limits::HCO3_MMOL_L);
        r.finish()?;
        let need = super::incomplete;
        Ok(Self {
            diagnoses: diagnoses.ok_or_else(need)?,
            age_years: age.ok_or_else(need)?,
            weight_kg: weight.ok_or_else(need)?,
            liver_failure: liver.ok_or_else(need)?,
            cns_dysfunction: cns.ok_or_else(need)?,
            acute_renal_failure: arf.ok_or_else(need)?,
            chronic_renal_failure: crf.ok_or_else(need)?,
            intubation_hours: intubation.ok_or_else(need)?,
            pip_cmh2o: if ventilated {
                Some(pip.ok_or_else(need)?)
            } else {
                None
            },
            cardiac_arrest: arrest.ok_or_else(need)?,
            diastolic_bp_mmhg: dbp.ok_or_else(need)?,
            pulse_pressure_mmhg: pp.ok_or_else(need)?,
            hco3_mmol_l: hco3.ok_or_else(need)?,
        })
    }

    pub fn score(&self, rules: &RuleSet) -> RiskResult {
        let s = &rules.save;
        let when = |yes: bool, points: i32| if yes { points } else { 0 };
        let diagnosis: i32 = self
            .diagnoses
            .iter()
            .filter_map(|d| s.diagnosis.get(d))
            .sum();
        let pip = match self.pip_cmh2o {
            Some(p) => s.pip_cmh2o.points(p),
            None => s.pip_points_when_not_ventilated,
        };
        let components = vec![
            component("diagnosis", diagnosis),
            component("age", s.age_years.points(self.age_years)),
            component("weight", s.weight_kg.points(self.weight_kg)),
            component("liver_failure", when(self.liver_failure, s.liver_failure)),
            component(
                "cns_dysfunction",
                when(self.cns_dysfunction, s.cns_dysfunction),
            ),
            component(
                "acute_renal_failure",
                when(self.acute_renal_failure, s.acute_renal_failure),
            ),
            component(
                "chronic_renal_failure",
                when(self.chronic_renal_failure, s.chronic_renal_failure),
            ),
            component(
                "intubation_duration",
                s.intubation_hours.points(self.intubation_hours),
            ),
            component("pip", pip),
            component(
                "cardiac_arrest",
                when(self.cardiac_arrest, s.cardiac_arrest),
            ),
            component(
                "diastolic_bp",
                s.diastolic_bp_mmhg.points(self.diastolic_bp_mmhg),
            ),
            component(
                "pulse_pressure",
                s.pulse_pressure_mmhg.points(self.pulse_pressure_mmhg),
            ),
            component("hco3", s.hco3_mmol_l.points(self.hco3_mmol_l)),
            component("constant", s.constant),
        ];
        risk_result(components, &s.classes, &rules.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(clippy::too_many_arguments)]
    fn input(
        dx: &[&str],
        age: f64,
        wt: f64,
        arf: bool,
        intub: f64,
        pip: f64,
        arrest: bool,
        dbp: f64,
        pp: f64,
        hco3: f64,
    ) -> Value {
        json!({
            "diagnoses": dx, "age_years": age, "weight_kg": wt, "liver_failure": false, "cns_dysfunction": false,
            "acute_renal_failure": arf, "chronic_renal_failure": false, "intubation_hours": intub, "pip_cmh2o": pip,
            "cardiac_arrest": arrest, "diastolic_bp_mmhg": dbp, "pulse_pressure_mmhg": pp, "hco3_mmol_l": hco3
        })
    }

    fn score(v: &Value) -> RiskResult {
        SaveInput::parse(v).unwrap().score(RuleSet::embedded())
    }

    #[test]
    fn spec_vectors() {
        let s1 = score(&input(
            &["myocarditis"],
            30.0,
            60.0,
            false,
            5.0,
            18.0,
            false,
            45.0,
            30.0,
            18.0,
        ));
        assert_eq!(
            (s1.points, s1.risk_class.as_str(), s1.predicted_survival_pct),
            (11, "I", 75)
        );
        let s2 = score(&input(
            &["other"],
            58.0,
            82.0,
            true,
            15.0,
            26.0,
            true,
            38.0,
            17.0,
            14.0,
        ));
        assert_eq!(
            (s2.points, s2.risk_class.as_str(), s2.predicted_survival_pct),
            (-13, "V", 18)
        );
        let s3 = score(&input(
            &["refractory_vt_vf"],
            45.0,
            95.0,
            false,
            2.0,
            22.0,
            true,
            42.0,
            25.0,
            17.0,
        ));
        assert_eq!(
            (s3.points, s3.risk_class.as_str(), s3.predicted_survival_pct),
            (1, "II", 58)
        );
        let s4 = score(&input(
            &["other"],
            50.0,
            75.0,
            false,
            20.0,
            24.0,
            false,
            40.0,
            20.0,
            16.0,
        ));
        assert_eq!(
            (s4.points, s4.risk_class.as_str(), s4.predicted_survival_pct),
            (-1, "III", 42)
        );
    }

    #[test]
    fn class_one_is_above_five() {
        let classes = &RuleSet::embedded().save.classes;
        assert_eq!(
            crate::domain::rules::classify(classes, 5).unwrap().class,
            "II"
        );
        assert_eq!(
            crate::domain::rules::classify(classes, 6).unwrap().class,
            "I"
        );
    }

    #[test]
    fn weight_and_intubation_boundaries() {
        let rules = &RuleSet::embedded().save;
        assert_eq!(rules.weight_kg.points(65.0), 1);
        assert_eq!(rules.weight_kg.points(65.1), 2);
        assert_eq!(rules.weight_kg.points(89.9), 2);
        assert_eq!(rules.weight_kg.points(90.0), 0);
        assert_eq!(rules.intubation_hours.points(10.0), 0);
        assert_eq!(rules.intubation_hours.points(10.5), -2);
        assert_eq!(rules.intubation_hours.points(29.9), -2);
        assert_eq!(rules.intubation_hours.points(30.0), -4);
    }

    #[test]
    fn not_ventilated_needs_no_pip() {
        let mut v = input(
            &["other"],
            50.0,
            75.0,
            false,
            0.0,
            24.0,
            false,
            40.0,
            20.0,
            16.0,
        );
        v.as_object_mut().unwrap().remove("pip_cmh2o");
        assert!(SaveInput::parse(&v).unwrap_err().get("pip_cmh2o").is_some());
        v["ventilated"] = json!(false);
        assert_eq!(
            score(&v).components[8].points,
            RuleSet::embedded().save.pip_points_when_not_ventilated
        );
    }
}
