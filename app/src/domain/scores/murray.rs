//! Murray Lung Injury Score (spec §4.1): the mean of the component points used (3 or 4).
use super::{component, Component};
use crate::domain::fields::{limits, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use crate::domain::units::round_to;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MurrayInput {
    pub cxr_quadrants: u8,
    pub pf_ratio_mmhg: f64,
    pub peep_cmh2o: f64,
    pub compliance_ml_per_cmh2o: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", schemars(rename = "MurraySeverity"))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    None,
    MildModerate,
    Severe,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MurrayResult {
    /// Rounded to two decimals for display; the class and threshold use the exact mean.
    pub score: f64,
    pub points: i32,
    pub components: Vec<Component>,
    pub severity: Severity,
    pub meets_referral_threshold: bool,
    pub rule_set_version: String,
}

impl MurrayInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let cxr = r.integer("cxr_quadrants", limits::CXR_QUADRANTS);
        let pf = r.pressure_mmhg(
            "pf_ratio_mmhg",
            "pf_ratio_kpa",
            limits::PF_RATIO_MMHG,
            limits::PF_RATIO_KPA,
        );
        let peep = r.number("peep_cmh2o", limits::PEEP_CMH2O);
        let compliance = r.optional_number("compliance_ml_per_cmh2o", limits::COMPLIANCE);
        r.finish()?;
        match (cxr, pf, peep) {
            (Some(cxr), Some(pf), Some(peep)) => Ok(Self {
                cxr_quadrants: cxr as u8,
                pf_ratio_mmhg: pf,
                peep_cmh2o: peep,
                compliance_ml_per_cmh2o: compliance,
            }),
            _ => Err(super::incomplete()),
        }
    }

    pub fn score(&self, rules: &RuleSet) -> MurrayResult {
        let m = &rules.murray;
        let mut components = vec![
            component("cxr_quadrants", i32::from(self.cxr_quadrants)),
            component("pf_ratio", m.pf_ratio_mmhg.points(self.pf_ratio_mmhg)),
            component("peep", m.peep_cmh2o.points(self.peep_cmh2o)),
        ];
        if let Some(c) = self.compliance_ml_per_cmh2o {
            components.push(component("compliance", m.compliance_ml_per_cmh2o.points(c)));
        }
        let points: i32 = components.iter().map(|c| c.points).sum();
        let mean = f64::from(points) / components.len() as f64;
        let severity = if points == 0 {
            Severity::None
        } else if mean > m.severe_above {
            Severity::Severe
        } else {
            Severity::MildModerate
        };
        MurrayResult {
            score: round_to(mean, 2),
            points,
            meets_referral_threshold: mean >= m.referral_threshold,
            severity,
            components,
            rule_set_version: rules.version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn score(v: Value) -> MurrayResult {
        MurrayInput::parse(&v).unwrap().score(RuleSet::embedded())
    }

    #[test]
    fn spec_vectors() {
        let m1 = score(
            json!({"cxr_quadrants": 4, "pf_ratio_mmhg": 80, "peep_cmh2o": 15, "compliance_ml_per_cmh2o": 18}),
        );
        assert_eq!(
            (
                m1.points,
                m1.score,
                m1.severity,
                m1.meets_referral_threshold
            ),
            (16, 4.0, Severity::Severe, true)
        );
        let m2 = score(
            json!({"cxr_quadrants": 3, "pf_ratio_mmhg": 150, "peep_cmh2o": 10, "compliance_ml_per_cmh2o": 35}),
        );
        assert_eq!(
            (
                m2.points,
                m2.score,
                m2.severity,
                m2.meets_referral_threshold
            ),
            (11, 2.75, Severity::Severe, false)
        );
        let m3 = score(json!({"cxr_quadrants": 2, "pf_ratio_mmhg": 230, "peep_cmh2o": 8}));
        assert_eq!(
            (
                m3.points,
                m3.score,
                m3.severity,
                m3.meets_referral_threshold
            ),
            (4, 1.33, Severity::MildModerate, false)
        );
    }

    #[test]
    fn kpa_is_converted_before_comparing() {
        // 13.3 kPa = 99.76 mmHg: below 100, so 4 points, not 3.
        let r = score(json!({"cxr_quadrants": 0, "pf_ratio_kpa": 13.3, "peep_cmh2o": 5}));
        assert_eq!(r.components[1].points, 4);
        // 13.34 kPa = 100.06 mmHg: 3 points.
        let r = score(json!({"cxr_quadrants": 0, "pf_ratio_kpa": 13.34, "peep_cmh2o": 5}));
        assert_eq!(r.components[1].points, 3);
    }

    #[test]
    fn zero_is_no_injury() {
        let r = score(
            json!({"cxr_quadrants": 0, "pf_ratio_mmhg": 400, "peep_cmh2o": 5, "compliance_ml_per_cmh2o": 90}),
        );
        assert_eq!((r.score, r.severity), (0.0, Severity::None));
    }

    #[test]
    fn errors_name_every_field() {
        let errors = MurrayInput::parse(
            &json!({"cxr_quadrants": 5, "pf_ratio_mmhg": 100, "pf_ratio_kpa": 13, "extra": 1}),
        )
        .unwrap_err();
        for field in [
            "cxr_quadrants",
            "pf_ratio_mmhg",
            "pf_ratio_kpa",
            "peep_cmh2o",
            "extra",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(MurrayInput::parse(
            &json!({"cxr_quadrants": 2.5, "pf_ratio_mmhg": 100, "peep_cmh2o": 5})
        )
        .is_err());
        assert!(MurrayInput::parse(&json!([1, 2])).is_err());
        assert!(MurrayInput::parse(
            &json!({"cxr_quadrants": "4", "pf_ratio_mmhg": 100, "peep_cmh2o": 5})
        )
        .is_err());
    }
}
