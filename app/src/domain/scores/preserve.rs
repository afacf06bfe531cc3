//! PRESERVE score (spec §4.4), version A, labelled provisional until the centre confirms
//! the PEEP and plateau weights (spec §0).
use super::{component, risk_result, RiskResult};
use crate::domain::fields::{limits, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreserveInput {
    pub age_years: f64,
    pub bmi: f64,
    pub immunocompromised: bool,
    pub mv_days: f64,
    pub sofa: u8,
    pub prone_positioning: bool,
    pub peep_cmh2o: f64,
    pub plateau_cmh2o: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PreserveResult {
    #[serde(flatten)]
    pub risk: RiskResult,
    pub provisional: bool,
}

impl PreserveInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let age = r.age("age_years");
        let bmi = r.number("bmi", limits::BMI);
        let ic = r.boolean("immunocompromised");
        let mv_days = r.number("mv_days", limits::MV_DAYS);
        let sofa = r.integer("sofa", limits::SOFA);
        let prone = r.boolean("prone_positioning");
        let peep = r.number("peep_cmh2o", limits::PEEP_CMH2O);
        let plateau = r.number("plateau_cmh2o", limits::PLATEAU_CMH2O);
        r.finish()?;
        let need = super::incomplete;
        Ok(Self {
            age_years: age.ok_or_else(need)?,
            bmi: bmi.ok_or_else(need)?,
            immunocompromised: ic.ok_or_else(need)?,
            mv_days: mv_days.ok_or_else(need)?,
            sofa: sofa.ok_or_else(need)? as u8,
            prone_positioning: prone.ok_or_else(need)?,
            peep_cmh2o: peep.ok_or_else(need)?,
            plateau_cmh2o: plateau.ok_or_else(need)?,
        })
    }

    pub fn score(&self, rules: &RuleSet) -> PreserveResult {
        let p = &rules.preserve;
        let components = vec![
            component("age", p.age_years.points(self.age_years)),
            component("bmi", p.bmi.points(self.bmi)),
            component(
                "immunocompromised",
                if self.immunocompromised {
                    p.immunocompromised
                } else {
                    0
                },
            ),
            component("mv_duration", p.mv_days.points(self.mv_days)),
            component("sofa", p.sofa.points(f64::from(self.sofa))),
            component(
                "no_prone_positioning",
                if self.prone_positioning {
                    0
                } else {
                    p.no_prone_positioning
                },
            ),
            component("peep", p.peep_cmh2o.points(self.peep_cmh2o)),
            component("plateau", p.plateau_cmh2o.points(self.plateau_cmh2o)),
        ];
        PreserveResult {
            risk: risk_result(components, &p.classes, &rules.version),
            provisional: p.provisional,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(clippy::too_many_arguments)]
    fn score(
        age: f64,
        bmi: f64,
        ic: bool,
        sofa: u8,
        mv: f64,
        prone: bool,
        peep: f64,
        pplat: f64,
    ) -> PreserveResult {
        let v = json!({"age_years": age, "bmi": bmi, "immunocompromised": ic, "sofa": sofa, "mv_days": mv,
                       "prone_positioning": prone, "peep_cmh2o": peep, "plateau_cmh2o": pplat});
        PreserveInput::parse(&v).unwrap().score(RuleSet::embedded())
    }

    #[test]
    fn spec_vectors() {
        let p1 = score(40.0, 28.0, false, 9, 2.0, true, 14.0, 28.0);
        assert_eq!(
            (
                p1.risk.points,
                p1.risk.risk_class.as_str(),
                p1.risk.predicted_survival_pct
            ),
            (0, "0-2", 97)
        );
        let p2 = score(50.0, 32.0, true, 13, 8.0, false, 12.0, 29.0);
        assert_eq!(
            (
                p2.risk.points,
                p2.risk.risk_class.as_str(),
                p2.risk.predicted_survival_pct
            ),
            (5, "5-6", 54)
        );
        let p3 = score(60.0, 24.0, true, 14, 7.0, false, 10.0, 30.0);
        assert_eq!(
            (
                p3.risk.points,
                p3.risk.risk_class.as_str(),
                p3.risk.predicted_survival_pct
            ),
            (8, ">=7", 16)
        );
        assert!(p3.provisional);
    }

    #[test]
    fn version_a_weights_and_negative_totals() {
        let r = score(40.0, 28.0, false, 9, 2.0, true, 9.0, 31.0);
        assert_eq!(
            r.risk.points, 4,
            "PEEP < 10 and plateau > 30 are worth 2 each"
        );
        let r = score(40.0, 35.0, false, 9, 2.0, true, 14.0, 28.0);
        assert_eq!((r.risk.points, r.risk.risk_class.as_str()), (-2, "0-2"));
    }
}
