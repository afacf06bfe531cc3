//! Vasoactive-inotropic score (spec §4.6, Gaies 2010) as a calculator of its own: the same
//! figure the VA rules compare with their threshold, with what each drug contributed.
use crate::domain::derived::Vasoactives;
use crate::domain::fields::{limits, FieldError, FieldErrors, Reader};
use crate::domain::rules::RuleSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The request's dose fields: (field, limits), in the order of the formula.
pub const DOSE_FIELDS: [(&str, crate::domain::fields::Limits); 7] = [
    ("dopamine_ug_kg_min", limits::DOPAMINE),
    ("dobutamine_ug_kg_min", limits::DOBUTAMINE),
    ("adrenaline_ug_kg_min", limits::ADRENALINE),
    ("noradrenaline_ug_kg_min", limits::NORADRENALINE),
    ("milrinone_ug_kg_min", limits::MILRINONE),
    ("levosimendan_ug_kg_min", limits::LEVOSIMENDAN),
    ("vasopressin_u_per_min", limits::VASOPRESSIN_U_MIN),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisInput {
    pub doses: Vasoactives,
    /// Needed only to convert vasopressin (charted in U/min) to U/kg/min.
    pub weight_kg: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct VisResult {
    /// Rounded to two decimals.
    pub score: f64,
    /// What each request field contributed (levosimendan is read but not counted).
    pub components: BTreeMap<String, f64>,
    pub rule_set: String,
}

/// Reads the seven optional doses (absent or `null` is 0); each must be a number within
/// its limits.
pub(crate) fn read_doses(r: &mut Reader) -> Vasoactives {
    let [dopamine, dobutamine, adrenaline, noradrenaline, milrinone, levosimendan, vasopressin] =
        DOSE_FIELDS.map(|(key, limits)| r.optional_number(key, limits).unwrap_or(0.0));
    Vasoactives {
        dopamine,
        dobutamine,
        adrenaline,
        noradrenaline,
        milrinone,
        levosimendan,
        vasopressin_u_per_min: vasopressin,
    }
}

impl VisInput {
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        let doses = read_doses(&mut r);
        let weight_kg = r.optional_number("weight_kg", limits::WEIGHT_KG);
        if doses.vasopressin_u_per_min > 0.0 && weight_kg.is_none() && !r.present("weight_kg") {
            r.errors.add("weight_kg", FieldError::Missing);
        }
        r.finish()?;
        Ok(Self { doses, weight_kg })
    }

    pub fn score(&self, rules: &RuleSet) -> VisResult {
        let figures = self.doses.vis_components(self.weight_kg);
        let components: BTreeMap<String, f64> = DOSE_FIELDS
            .iter()
            .zip(figures)
            .map(|((key, _), points)| ((*key).to_owned(), round2(points)))
            .collect();
        VisResult {
            score: round2(figures.iter().sum()),
            components,
            rule_set: rules.version.clone(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn vis(v: Value) -> Result<VisResult, FieldErrors> {
        VisInput::parse(&v).map(|i| i.score(RuleSet::embedded()))
    }

    #[test]
    fn the_spec_example() {
        // Noradrenaline 0.3 + dobutamine 5 µg/kg/min → 35.
        let r = vis(json!({"noradrenaline_ug_kg_min": 0.3, "dobutamine_ug_kg_min": 5})).unwrap();
        assert_eq!(r.score, 35.0);
        assert_eq!(r.components["noradrenaline_ug_kg_min"], 30.0);
        assert_eq!(r.components["dobutamine_ug_kg_min"], 5.0);
        assert_eq!(r.components["levosimendan_ug_kg_min"], 0.0);
    }

    #[test]
    fn every_drug_with_its_multiplier() {
        // 1 + 2 + 100·0.1 + 100·0.2 + 10·0.5 + 10 000·(0.04 U/min ÷ 80 kg) = 43; levosimendan 0.
        let r = vis(json!({
            "dopamine_ug_kg_min": 1, "dobutamine_ug_kg_min": 2, "adrenaline_ug_kg_min": 0.1,
            "noradrenaline_ug_kg_min": 0.2, "milrinone_ug_kg_min": 0.5, "levosimendan_ug_kg_min": 0.2,
            "vasopressin_u_per_min": 0.04, "weight_kg": 80
        }))
        .unwrap();
        assert_eq!(r.score, 43.0);
        assert_eq!(r.components["vasopressin_u_per_min"], 5.0);
        assert_eq!(r.rule_set, RuleSet::embedded().version);
    }

    #[test]
    fn nothing_running_is_zero_and_weight_is_needed_only_with_vasopressin() {
        assert_eq!(vis(json!({})).unwrap().score, 0.0);
        assert_eq!(
            vis(json!({"noradrenaline_ug_kg_min": null})).unwrap().score,
            0.0
        );
        let e = vis(json!({"vasopressin_u_per_min": 0.03})).unwrap_err();
        assert_eq!(e.get("weight_kg"), Some(&[FieldError::Missing][..]));
        assert!(vis(json!({"vasopressin_u_per_min": 0, "noradrenaline_ug_kg_min": 0.1})).is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = vis(
            json!({"dopamine_ug_kg_min": -1, "adrenaline_ug_kg_min": "a lot",
                           "milrinone_ug_kg_min": 2, "weight_kg": 10, "heparin": 1}),
        )
        .unwrap_err();
        for key in [
            "dopamine_ug_kg_min",
            "adrenaline_ug_kg_min",
            "milrinone_ug_kg_min",
            "weight_kg",
            "heparin",
        ] {
            assert!(e.get(key).is_some(), "{key}: {e:?}");
        }
        assert!(vis(json!([1, 2])).is_err());
    }

    proptest! {
        /// The score is the sum of its components, and the same as the figure the VA rules use.
        #[test]
        fn the_score_is_the_sum_and_the_rules_figure(
            dop in 0.0..50.0f64, dob in 0.0..40.0f64, adr in 0.0..5.0f64, nor in 0.0..10.0f64,
            mil in 0.0..1.5f64, vaso in 0.0..0.1f64, weight in 25.0..350.0f64,
        ) {
            let doses = json!({"dopamine_ug_kg_min": dop, "dobutamine_ug_kg_min": dob,
                "adrenaline_ug_kg_min": adr, "noradrenaline_ug_kg_min": nor, "milrinone_ug_kg_min": mil,
                "vasopressin_u_per_min": vaso, "weight_kg": weight});
            let input = VisInput::parse(&doses).unwrap();
            let r = input.score(RuleSet::embedded());
            prop_assert!((r.score - input.doses.vis(weight)).abs() <= 0.005 + 1e-9);
            let sum: f64 = r.components.values().sum();
            prop_assert!((r.score - sum).abs() <= 0.04);
        }
    }
}
