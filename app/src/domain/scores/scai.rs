//! SCAI SHOCK stage (spec §2.1) as a calculator of its own: the classifier the VA rules
//! use, read from a JSON object of haemodynamics, lactate, support and arrest status.
//! Every input is optional: an unknown value is not taken as normal or abnormal, it
//! simply supports no criterion.
use super::vis::read_doses;
use crate::domain::fields::{limits, FieldError, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use crate::domain::triage::{assess_scai, BloodGas, Case, ScaiReason, ScaiStage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct ScaiInput {
    case: Case,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ScaiResult {
    pub stage: ScaiStage,
    pub arrest_with_coma: bool,
    /// The stage as clinicians write it, e.g. `D-A`.
    pub label: String,
    pub reasons: Vec<ScaiReason>,
    pub rule_set: String,
}

impl ScaiInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let sbp = r.optional_number("sbp_mmhg", limits::SBP_MMHG);
        let map = r.optional_number("map_mmhg", limits::MAP_MMHG);
        let heart_rate = r.optional_number("heart_rate", limits::HEART_RATE);
        let sbp_drop_over_30 = flag(&mut r, "sbp_drop_over_30");
        let lactate = r.optional_number("lactate_mmol_l", limits::LACTATE_MMOL_L);
        let lactate_previous = r.optional_number("lactate_previous_mmol_l", limits::LACTATE_MMOL_L);
        let ph = r.optional_number("ph", limits::PH);
        let hypoperfusion_signs = flag(&mut r, "hypoperfusion_signs");
        let vasoactives = read_doses(&mut r);
        // Accepted for symmetry with the VIS request; the stage counts drugs, not doses.
        let weight_kg = r.optional_number("weight_kg", limits::WEIGHT_KG);
        let mcs = flag(&mut r, "mcs");
        let escalating_support = flag(&mut r, "escalating_support");
        let maximal_support = flag(&mut r, "maximal_support");
        let ongoing_cpr = flag(&mut r, "ongoing_cpr");
        let no_sbp_without_resuscitation = flag(&mut r, "no_sbp_without_resuscitation");
        let cardiac_arrest = flag(&mut r, "cardiac_arrest");
        let gcs = r.optional_number("gcs", limits::GCS);
        if gcs.is_some_and(|g| g.fract() != 0.0) {
            r.errors.add("gcs", FieldError::NotAWholeNumber);
        }
        r.finish()?;
        Ok(Self {
            case: Case {
                sbp,
                map,
                heart_rate,
                sbp_drop_over_30,
                lactate,
                lactate_previous,
                blood_gases: ph
                    .map(|ph| BloodGas {
                        ph: Some(ph),
                        ..BloodGas::default()
                    })
                    .into_iter()
                    .collect(),
                hypoperfusion_signs,
                vasoactives,
                weight_kg,
                mcs,
                escalating_support,
                maximal_support,
                ongoing_cpr,
                no_sbp_without_resuscitation,
                cardiac_arrest,
                gcs: gcs.map(|g| g as u8),
                ..Case::default()
            },
        })
    }

    /// The case the classifier reads (the same type the referral's rules read).
    pub fn case(&self) -> &Case {
        &self.case
    }

    pub fn score(&self, rules: &RuleSet) -> ScaiResult {
        let a = assess_scai(&self.case, &rules.triage.scai);
        ScaiResult {
            stage: a.scai.stage,
            arrest_with_coma: a.scai.arrest_with_coma,
            label: a.scai.label(),
            reasons: a.reasons,
            rule_set: rules.version.clone(),
        }
    }
}

/// An optional yes/no: absent or `null` is no.
fn flag(r: &mut Reader, key: &str) -> bool {
    r.optional_boolean(key).unwrap_or(false)
}

#[cfg(test)]
mod tests;
