//! The score calculators as forms (the four outcome scores, the VIS and the SCAI stage):
//! which fields each has, how raw form text becomes the JSON the score parsers take, and
//! one result shape for display. Used by the calculator page in the browser and on the
//! server alike.
use super::fields::{FieldError, FieldErrors};
use super::rules::RuleSet;
use super::scores::{
    self, murray::MurrayInput, preserve::PreserveInput, resp::RespInput, save::SaveInput,
    scai::ScaiInput, vis::VisInput, Component,
};
use super::triage::{ScaiReason, ScaiStage};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Score {
    Murray,
    Resp,
    Save,
    Preserve,
    Vis,
    Scai,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Number,
    /// Entered in mmHg or kPa; the unit is a separate form value `<key>_unit`.
    Pressure {
        mmhg: &'static str,
        kpa: &'static str,
    },
    Boolean,
    Choice(&'static [&'static str]),
    Multi(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormField {
    pub key: &'static str,
    pub kind: FieldKind,
    pub optional: bool,
}

const fn num(key: &'static str) -> FormField {
    FormField {
        key,
        kind: FieldKind::Number,
        optional: false,
    }
}
const fn flag(key: &'static str) -> FormField {
    FormField {
        key,
        kind: FieldKind::Boolean,
        optional: false,
    }
}

const MURRAY: &[FormField] = &[
    num("cxr_quadrants"),
    FormField {
        key: "pf_ratio",
        kind: FieldKind::Pressure {
            mmhg: "pf_ratio_mmhg",
            kpa: "pf_ratio_kpa",
        },
        optional: false,
    },
    num("peep_cmh2o"),
    FormField {
        key: "compliance_ml_per_cmh2o",
        kind: FieldKind::Number,
        optional: true,
    },
];

const RESP: &[FormField] = &[
    num("age_years"),
    num("mv_hours"),
    FormField {
        key: "diagnosis",
        kind: FieldKind::Choice(scores::resp::DIAGNOSES),
        optional: false,
    },
    FormField {
        key: "paco2",
        kind: FieldKind::Pressure {
            mmhg: "paco2_mmhg",
            kpa: "paco2_kpa",
        },
        optional: false,
    },
    num("pip_cmh2o"),
    flag("immunocompromised"),
    flag("cns_dysfunction"),
    flag("nonpulmonary_infection"),
    flag("neuromuscular_blockade"),
    flag("nitric_oxide"),
    flag("bicarbonate_infusion"),
    flag("cardiac_arrest"),
];

const SAVE: &[FormField] = &[
    FormField {
        key: "diagnoses",
        kind: FieldKind::Multi(scores::save::DIAGNOSES),
        optional: false,
    },
    num("age_years"),
    num("weight_kg"),
    num("intubation_hours"),
    num("pip_cmh2o"),
    num("diastolic_bp_mmhg"),
    num("pulse_pressure_mmhg"),
    num("hco3_mmol_l"),
    flag("liver_failure"),
    flag("cns_dysfunction"),
    flag("acute_renal_failure"),
    flag("chronic_renal_failure"),
    flag("cardiac_arrest"),
];

const fn optional(key: &'static str) -> FormField {
    FormField {
        key,
        kind: FieldKind::Number,
        optional: true,
    }
}

const VIS: &[FormField] = &[
    optional("noradrenaline_ug_kg_min"),
    optional("adrenaline_ug_kg_min"),
    optional("dobutamine_ug_kg_min"),
    optional("dopamine_ug_kg_min"),
    optional("milrinone_ug_kg_min"),
    optional("vasopressin_u_per_min"),
    optional("levosimendan_ug_kg_min"),
    optional("weight_kg"),
];

const SCAI: &[FormField] = &[
    optional("sbp_mmhg"),
    optional("map_mmhg"),
    optional("heart_rate"),
    optional("lactate_mmol_l"),
    optional("lactate_previous_mmol_l"),
    optional("ph"),
    optional("gcs"),
    optional("noradrenaline_ug_kg_min"),
    optional("adrenaline_ug_kg_min"),
    optional("dobutamine_ug_kg_min"),
    optional("dopamine_ug_kg_min"),
    optional("milrinone_ug_kg_min"),
    optional("vasopressin_u_per_min"),
    optional("levosimendan_ug_kg_min"),
    flag("sbp_drop_over_30"),
    flag("hypoperfusion_signs"),
    flag("mcs"),
    flag("escalating_support"),
    flag("maximal_support"),
    flag("ongoing_cpr"),
    flag("no_sbp_without_resuscitation"),
    flag("cardiac_arrest"),
];

const PRESERVE: &[FormField] = &[
    num("age_years"),
    num("bmi"),
    num("mv_days"),
    num("sofa"),
    num("peep_cmh2o"),
    num("plateau_cmh2o"),
    flag("immunocompromised"),
    flag("prone_positioning"),
];

/// What a calculator shows once its inputs are complete.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The figure to show large: the Murray mean, or the points of the others.
    pub headline: String,
    pub points: i32,
    /// Risk class, or the Murray severity key.
    pub class: String,
    pub predicted_survival_pct: Option<u8>,
    pub meets_referral_threshold: Option<bool>,
    pub provisional: bool,
    pub components: Vec<Component>,
    /// What each drug added to the VIS (request field, figure).
    pub contributions: Vec<(String, f64)>,
    /// The SCAI stage and the criteria that reached it.
    pub stage: Option<ScaiStage>,
    pub reasons: Vec<ScaiReason>,
    pub rule_set_version: String,
}

impl Score {
    pub const ALL: [Score; 6] = [
        Score::Murray,
        Score::Resp,
        Score::Save,
        Score::Preserve,
        Score::Vis,
        Score::Scai,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Score::Murray => "murray",
            Score::Resp => "resp",
            Score::Save => "save",
            Score::Preserve => "preserve",
            Score::Vis => "vis",
            Score::Scai => "scai",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Score::Murray => "Murray (LIS)",
            Score::Resp => "RESP",
            Score::Save => "SAVE",
            Score::Preserve => "PRESERVE",
            Score::Vis => "VIS",
            Score::Scai => "SCAI SHOCK",
        }
    }

    pub fn fields(self) -> &'static [FormField] {
        match self {
            Score::Murray => MURRAY,
            Score::Resp => RESP,
            Score::Save => SAVE,
            Score::Preserve => PRESERVE,
            Score::Vis => VIS,
            Score::Scai => SCAI,
        }
    }

    /// A complete request of this calculator, as the API documentation shows it.
    pub fn example(self) -> Value {
        match self {
            Score::Murray => json!({"cxr_quadrants": 4, "pf_ratio_mmhg": 80, "peep_cmh2o": 15,
                                    "compliance_ml_per_cmh2o": 18}),
            Score::Resp => json!({"age_years": 35, "immunocompromised": false, "mv_hours": 24,
                "diagnosis": "viral_pneumonia", "cns_dysfunction": false, "nonpulmonary_infection": false,
                "neuromuscular_blockade": true, "nitric_oxide": false, "bicarbonate_infusion": false,
                "cardiac_arrest": false, "paco2_kpa": 8.0, "pip_cmh2o": 35}),
            Score::Save => json!({"diagnoses": ["other"], "age_years": 58, "weight_kg": 82,
                "liver_failure": false, "cns_dysfunction": false, "acute_renal_failure": true,
                "chronic_renal_failure": false, "intubation_hours": 15, "pip_cmh2o": 26,
                "cardiac_arrest": true, "diastolic_bp_mmhg": 38, "pulse_pressure_mmhg": 17,
                "hco3_mmol_l": 14}),
            Score::Preserve => json!({"age_years": 50, "bmi": 32, "immunocompromised": true,
                "sofa": 13, "mv_days": 8, "prone_positioning": false, "peep_cmh2o": 12,
                "plateau_cmh2o": 29}),
            Score::Vis => json!({"noradrenaline_ug_kg_min": 0.3, "dobutamine_ug_kg_min": 5}),
            Score::Scai => json!({"sbp_mmhg": 84, "heart_rate": 112, "lactate_mmol_l": 3.4,
                "lactate_previous_mmol_l": 2.1, "hypoperfusion_signs": true,
                "noradrenaline_ug_kg_min": 0.2, "mcs": true, "cardiac_arrest": false, "gcs": 14}),
        }
    }

    /// Turns raw form text (as typed, decimal comma allowed) into the score's JSON input.
    /// Unchecked boxes are `false`; empty fields are left out, so they count as missing.
    pub fn form_to_json(self, form: &BTreeMap<String, Vec<String>>) -> Value {
        let first = |key: &str| {
            form.get(key)
                .and_then(|v| v.first())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let mut map = Map::new();
        for field in self.fields() {
            match field.kind {
                FieldKind::Number => {
                    if let Some(raw) = first(field.key) {
                        map.insert(field.key.into(), number_or_text(&raw));
                    }
                }
                FieldKind::Pressure { mmhg, kpa } => {
                    if let Some(raw) = first(field.key) {
                        let key = if first(&format!("{}_unit", field.key)).as_deref() == Some("kpa")
                        {
                            kpa
                        } else {
                            mmhg
                        };
                        map.insert(key.into(), number_or_text(&raw));
                    }
                }
                FieldKind::Boolean => {
                    let on = first(field.key).is_some_and(|v| v == "on" || v == "true");
                    map.insert(field.key.into(), Value::Bool(on));
                }
                FieldKind::Choice(_) => {
                    if let Some(raw) = first(field.key) {
                        map.insert(field.key.into(), Value::String(raw));
                    }
                }
                FieldKind::Multi(_) => {
                    let items: Vec<Value> = form
                        .get(field.key)
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.clone()))
                        .collect();
                    if !items.is_empty() {
                        map.insert(field.key.into(), Value::Array(items));
                    }
                }
            }
        }
        Value::Object(map)
    }

    pub fn compute(self, input: &Value, rules: &RuleSet) -> Result<Outcome, FieldErrors> {
        let risk = |r: scores::RiskResult, provisional| Outcome {
            headline: r.points.to_string(),
            points: r.points,
            class: r.risk_class,
            predicted_survival_pct: Some(r.predicted_survival_pct),
            meets_referral_threshold: None,
            provisional,
            components: r.components,
            contributions: Vec::new(),
            stage: None,
            reasons: Vec::new(),
            rule_set_version: r.rule_set_version,
        };
        Ok(match self {
            Score::Murray => {
                let m = MurrayInput::parse(input)?.score(rules);
                Outcome {
                    headline: format!("{:.2}", m.score),
                    points: m.points,
                    class: serde_json::to_value(m.severity)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    predicted_survival_pct: None,
                    meets_referral_threshold: Some(m.meets_referral_threshold),
                    provisional: false,
                    components: m.components,
                    contributions: Vec::new(),
                    stage: None,
                    reasons: Vec::new(),
                    rule_set_version: m.rule_set_version,
                }
            }
            Score::Resp => risk(RespInput::parse(input)?.score(rules), false),
            Score::Save => risk(SaveInput::parse(input)?.score(rules), false),
            Score::Preserve => {
                let p = PreserveInput::parse(input)?.score(rules);
                risk(p.risk, p.provisional)
            }
            Score::Vis => {
                let v = VisInput::parse(input)?.score(rules);
                Outcome {
                    headline: format_figure(v.score),
                    points: v.score.round() as i32,
                    class: String::new(),
                    predicted_survival_pct: None,
                    meets_referral_threshold: None,
                    provisional: false,
                    components: Vec::new(),
                    contributions: VIS
                        .iter()
                        .filter_map(|f| v.components.get(f.key).map(|x| (f.key.to_owned(), *x)))
                        .collect(),
                    stage: None,
                    reasons: Vec::new(),
                    rule_set_version: v.rule_set,
                }
            }
            Score::Scai => {
                let r = ScaiInput::parse(input)?.score(rules);
                Outcome {
                    headline: r.label,
                    points: 0,
                    class: String::new(),
                    predicted_survival_pct: None,
                    meets_referral_threshold: None,
                    provisional: false,
                    components: Vec::new(),
                    contributions: Vec::new(),
                    stage: Some(r.stage),
                    reasons: r.reasons,
                    rule_set_version: r.rule_set,
                }
            }
        })
    }

    /// The form field an error key belongs to (pressures have one field for two keys).
    pub fn field_of(self, error_key: &str) -> &'static str {
        self.fields()
            .iter()
            .find(|f| match f.kind {
                FieldKind::Pressure { mmhg, kpa } => error_key == mmhg || error_key == kpa,
                _ => f.key == error_key,
            })
            .map_or("body", |f| f.key)
    }
}

/// Errors to show beside the fields the user filled in, and the fields still missing.
pub type SplitErrors = (BTreeMap<&'static str, Vec<FieldError>>, Vec<&'static str>);

/// Splits errors into those to show beside fields the user filled in, and the fields that
/// are still missing.
pub fn split_errors(score: Score, errors: &FieldErrors) -> SplitErrors {
    let mut shown: BTreeMap<&'static str, Vec<FieldError>> = BTreeMap::new();
    let mut missing = Vec::new();
    for (key, errs) in &errors.0 {
        let field = score.field_of(key);
        for e in errs {
            if matches!(e, FieldError::Missing) {
                if !missing.contains(&field) {
                    missing.push(field);
                }
            } else {
                shown.entry(field).or_default().push(e.clone());
            }
        }
    }
    (shown, missing)
}

/// A figure with at most two decimals and no trailing zeros (35, 2.5, 0.04).
pub fn format_figure(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn number_or_text(raw: &str) -> Value {
    raw.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| json!(raw), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry((*k).to_owned())
                .or_default()
                .push((*v).to_owned());
        }
        map
    }

    #[test]
    fn a_form_with_decimal_commas_and_kpa_gives_the_score() {
        let f = form(&[
            ("cxr_quadrants", "4"),
            ("pf_ratio", "10,7"),
            ("pf_ratio_unit", "kpa"),
            ("peep_cmh2o", "15"),
            ("compliance_ml_per_cmh2o", "18"),
        ]);
        let input = Score::Murray.form_to_json(&f);
        assert_eq!(input["pf_ratio_kpa"], json!(10.7));
        let outcome = Score::Murray.compute(&input, RuleSet::embedded()).unwrap();
        assert_eq!(
            (outcome.headline.as_str(), outcome.class.as_str()),
            ("4.00", "severe")
        );
    }

    #[test]
    fn missing_and_bad_fields_are_told_apart() {
        let f = form(&[("cxr_quadrants", "9"), ("pf_ratio", "abc")]);
        let errors = Score::Murray
            .compute(&Score::Murray.form_to_json(&f), RuleSet::embedded())
            .unwrap_err();
        let (shown, missing) = split_errors(Score::Murray, &errors);
        assert!(shown.contains_key("cxr_quadrants"));
        assert!(shown.contains_key("pf_ratio"));
        assert_eq!(missing, vec!["peep_cmh2o"]);
    }

    #[test]
    fn every_example_is_a_complete_request_with_only_the_form_fields() {
        for score in Score::ALL {
            let example = score.example();
            assert!(
                score.compute(&example, RuleSet::embedded()).is_ok(),
                "{score:?}"
            );
            for key in example.as_object().unwrap().keys() {
                assert_ne!(score.field_of(key), "body", "{score:?}: {key}");
            }
        }
    }

    #[test]
    fn vis_and_scai_from_a_form() {
        let f = form(&[
            ("noradrenaline_ug_kg_min", "0,3"),
            ("dobutamine_ug_kg_min", "5"),
        ]);
        let vis = Score::Vis
            .compute(&Score::Vis.form_to_json(&f), RuleSet::embedded())
            .unwrap();
        assert_eq!(vis.headline, "35");
        assert_eq!(
            vis.contributions[0],
            ("noradrenaline_ug_kg_min".to_owned(), 30.0)
        );
        let f = form(&[
            ("lactate_mmol_l", "3,4"),
            ("noradrenaline_ug_kg_min", "0,2"),
            ("mcs", "on"),
        ]);
        let scai = Score::Scai
            .compute(&Score::Scai.form_to_json(&f), RuleSet::embedded())
            .unwrap();
        assert_eq!(
            (scai.headline.as_str(), scai.stage),
            ("D", Some(ScaiStage::D))
        );
        assert!(scai.reasons.contains(&ScaiReason::McsAddedToVasoactive));
    }

    #[test]
    fn unchecked_boxes_are_false_and_multi_values_are_kept() {
        let f = form(&[
            ("diagnoses", "myocarditis"),
            ("diagnoses", "refractory_vt_vf"),
        ]);
        let input = Score::Save.form_to_json(&f);
        assert_eq!(
            input["diagnoses"],
            json!(["myocarditis", "refractory_vt_vf"])
        );
        assert_eq!(input["cardiac_arrest"], json!(false));
    }
}
