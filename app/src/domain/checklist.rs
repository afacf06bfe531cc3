//! The VV and VA referral checklists (spec §5): which fields each step asks, which the
//! pathway requires, how answers from a form or from the JSON API are checked, and how the
//! checked answers become the case the triage rules read and the inputs of the scores.
//!
//! Times are wall-clock times in the centre's zone (`2026-11-21T08:30`), as doctors read
//! them off the monitor; the caller converts them to instants for the rules.
use super::calculator::Score;
use super::derived::{self, Vasoactives};
use super::fields::{phone_ok, FieldError, FieldErrors};
use super::rules::RuleSet;
use super::scores::{resp, save, ScoreLine};
use super::triage::{self, BloodGas, Case, Evaluation, Pathway};
use super::units::{kpa_to_mmhg, mmhg_to_kpa, round_to, MMHG_PER_KPA};
use super::validation::{self, Warning};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod checking;
mod derive;
mod example;
mod forms;
mod local_time;
mod updates;
pub use checking::*;
pub use example::*;
pub use forms::*;
pub use local_time::*;
pub use updates::*;

/// Whether a pathway asks a field.
///
/// Only the minimal set stops a referral: who to call back, the patient's age and what the
/// referrer wants to discuss. Every other field may be left empty or answered "unknown";
/// the expected ones that are neither given nor known are listed as "not given" for the
/// centre, and the rules treat them as missing, never as normal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Must be answered before the referral is sent; "unknown" is not an answer.
    Minimal,
    /// Asked of every referral of the pathway; listed as "not given" when unanswered.
    Expected,
    Optional,
    Hidden,
}

/// The JSON value (and form value) that answers a non-minimal field with "unknown / not
/// measured".
pub const UNKNOWN: &str = "unknown";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A number checked against its entry in [`validation::DATASET`].
    Number,
    /// Entered in kPa or mmHg: JSON `<key>_kpa` or `<key>_mmhg`, stored in kPa.
    Pressure,
    Choice(&'static [&'static str]),
    /// Several values from a list; a required list names at least one (`none` included).
    Multi(&'static [&'static str]),
    /// A yes/no question that must be answered when required.
    YesNo,
    /// A tick box: unticked is `false`.
    Check,
    Text(usize),
    Phone,
    /// Local date and time, `YYYY-MM-DDTHH:MM`, not in the future.
    DateTime,
    /// Local date, `YYYY-MM-DD`, not in the future.
    Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    pub vv: Need,
    pub va: Need,
}

impl Field {
    pub fn need(&self, pathway: Pathway) -> Need {
        match pathway {
            Pathway::Va => self.va,
            _ => self.vv,
        }
    }

    /// Whether the field's own options already say "unknown" (or "not assessed"), so the
    /// form needs no separate "unknown" tick for it.
    pub fn has_own_unknown(&self) -> bool {
        match self.kind {
            Kind::Choice(options) => options
                .iter()
                .any(|o| matches!(*o, "unknown" | "not_assessed" | "not_assessable")),
            // An unticked box is an answer ("no").
            Kind::Check => true,
            _ => false,
        }
    }

    /// The key the checked answer is stored under (`pao2` → `pao2_kpa`).
    pub fn stored_key(&self) -> String {
        if self.kind == Kind::Pressure {
            format!("{}_kpa", self.key)
        } else {
            self.key.to_owned()
        }
    }

    /// The unit shown beside the input (from the dataset's limits).
    pub fn unit(&self) -> &'static str {
        match self.kind {
            Kind::Pressure => "kPa",
            _ => validation::spec_of(self.key).map_or("", |s| s.unit),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub key: &'static str,
    pub fields: &'static [Field],
}

use Need::{Expected as R, Hidden as H, Minimal as M, Optional as O};

const fn f(key: &'static str, kind: Kind, vv: Need, va: Need) -> Field {
    Field { key, kind, vv, va }
}

pub const DEPARTMENTS: &[&str] = &["icu", "emergency", "coronary_unit", "ems", "ward", "other"];
pub const GRADES: &[&str] = &["specialist", "trainee"];
pub const LIMITATIONS: &[&str] = &[
    "full_treatment",
    "dnr",
    "limitation_of_therapy",
    "advance_directive",
    "unknown",
];
pub const SEXES: &[&str] = &["male", "female"];
pub const FUNCTIONAL: &[&str] = &["independent", "needs_help", "dependent"];
pub const COMORBIDITIES: &[&str] = &[
    "none",
    "heart_failure",
    "copd",
    "ckd_dialysis",
    "cirrhosis",
    "solid_malignancy",
    "metastatic_malignancy",
    "haematological_malignancy",
    "transplant",
    "hiv",
    "immunosuppressive_drugs",
    "diabetes",
    "pad",
    "prior_stroke",
];
pub const PREGNANCY: &[&str] = &["not_pregnant", "pregnant", "postpartum", "not_applicable"];
pub const REVERSIBILITY: &[&str] = &["reversible", "possibly_reversible", "unlikely_reversible"];
pub const VA_CAUSES: &[&str] = &[
    "ami",
    "refractory_vt_vf",
    "fulminant_myocarditis",
    "massive_pe",
    "cardiodepressant_intoxication",
    "peripartum_cardiomyopathy",
    "graft_failure",
    "post_cardiotomy",
    "other_cause",
];
pub const TRANSFUSION: &[&str] = &["none", "religious", "antibodies", "other"];
pub const VENT_MODES: &[&str] = &["vc", "pc", "prvc", "aprv", "hfov", "niv_hfno"];
pub const PRONE: &[&str] = &[
    "done_improved",
    "done_no_response",
    "contraindicated",
    "not_done",
];
pub const SITES: &[&str] = &["arterial", "venous", "capillary"];
pub const POSITIONS: &[&str] = &["supine", "prone"];
pub const HEART_RHYTHMS: &[&str] = &["sinus", "af", "vt_vf_storm", "paced", "other"];
pub const MCS: &[&str] = &["none", "iabp", "impella", "other"];
pub const PUPILS: &[&str] = &["normal", "unequal", "fixed_dilated", "not_assessable"];
pub const BRAIN_CT: &[&str] = &["not_done", "normal", "haemorrhage", "infarct", "oedema"];
pub const ANTICOAGULATION_CI: &[&str] = &[
    "none",
    "recent_surgery",
    "active_bleeding",
    "intracranial_haemorrhage",
    "hit",
    "recent_thrombolysis",
];
pub const ANTICOAGULANTS: &[&str] = &[
    "none",
    "heparin",
    "lmwh",
    "doac",
    "vka",
    "aspirin",
    "p2y12",
    "thrombolysis",
];
pub const RV_FUNCTION: &[&str] = &[
    "normal",
    "mildly_reduced",
    "severely_reduced",
    "not_assessed",
];
pub const AR_GRADES: &[&str] = &["none", "mild", "moderate", "severe", "not_assessed"];
pub const DISSECTION: &[&str] = &["excluded", "present", "not_assessed"];
pub const YES_NO_UNKNOWN: &[&str] = &["yes", "no", "unknown"];
pub const ANGIOGRAPHY: &[&str] = &["not_done", "done_revascularised", "done_not_revascularised"];
pub const ACCESS: &[&str] = &["free", "limited", "unknown"];
/// Findings that are not answered elsewhere and matter for the decision.
pub const CONCERNS: &[&str] = &[
    "irreversible_lung_no_transplant",
    "no_exit_strategy",
    "multi_organ_failure",
    "terminal_illness",
    "severe_brain_injury",
];

const CONTACT: &[Field] = &[
    f("discussion", Kind::Text(200), M, M),
    f("department", Kind::Choice(DEPARTMENTS), R, R),
    f("referring_doctor", Kind::Text(120), R, R),
    f("doctor_grade", Kind::Choice(GRADES), R, R),
    f("responsible_consultant", Kind::Text(120), O, O),
    f("callback_phone", Kind::Phone, M, M),
    f("mobile_phone", Kind::Phone, O, O),
    f("patient_name", Kind::Text(120), R, R),
    f("birth_date", Kind::Date, O, O),
    f("patient_number", Kind::Text(20), O, O),
    f("next_of_kin", Kind::Text(200), O, O),
    f("treatment_limitation", Kind::Choice(LIMITATIONS), R, R),
];

const PATIENT: &[Field] = &[
    f("age_years", Kind::Number, M, M),
    f("sex", Kind::Choice(SEXES), R, R),
    f("weight_kg", Kind::Number, R, R),
    f("weight_estimated", Kind::Check, O, O),
    f("height_cm", Kind::Number, R, R),
    f("clinical_frailty_scale", Kind::Number, R, R),
    f("functional_status", Kind::Choice(FUNCTIONAL), O, O),
    f("comorbidities", Kind::Multi(COMORBIDITIES), R, R),
    f("pregnancy", Kind::Choice(PREGNANCY), R, R),
];

const DIAGNOSIS: &[Field] = &[
    f("primary_diagnosis", Kind::Text(500), R, R),
    f("resp_diagnosis", Kind::Choice(resp::DIAGNOSES), R, H),
    f("va_causes", Kind::Multi(VA_CAUSES), H, R),
    f("save_diagnoses", Kind::Multi(save::DIAGNOSES), H, R),
    f("reversibility", Kind::Choice(REVERSIBILITY), R, R),
    f("admission_at", Kind::DateTime, R, R),
    f("intubation_at", Kind::DateTime, R, O),
    f("shock_onset_at", Kind::DateTime, H, R),
    f("cardiac_arrest", Kind::YesNo, R, R),
    f("cardiac_arrest_min", Kind::Number, O, O),
    f("nonpulmonary_infection", Kind::Check, O, O),
    f("infection_status", Kind::Text(300), O, O),
    f("allergies", Kind::Text(300), O, O),
    f("transfusion_restrictions", Kind::Choice(TRANSFUSION), R, R),
];

/// Ventilation: what the VV rules and scores read. A VA referral is asked only the settings
/// SAVE and the decision need (mode, peak pressure). FiO2 and PEEP are asked once, with
/// each blood gas (they belong to the sample); the current ones are the latest gas's.
const VENTILATION: &[Field] = &[
    f("ventilation_mode", Kind::Choice(VENT_MODES), R, O),
    f("plateau_cmh2o", Kind::Number, R, O),
    f("pip_cmh2o", Kind::Number, R, O),
    f("mean_airway_pressure_cmh2o", Kind::Number, O, H),
    f("tidal_volume_ml", Kind::Number, R, H),
    f("respiratory_rate", Kind::Number, R, H),
    f("minute_ventilation_l_min", Kind::Number, O, H),
    f("prone", Kind::Choice(PRONE), R, H),
    f("prone_hours", Kind::Number, O, H),
    f("neuromuscular_blockade", Kind::YesNo, R, H),
    f("inhaled_no", Kind::Check, O, H),
    f("recruitment_tried", Kind::Check, O, H),
    f("air_leak", Kind::Check, O, H),
    f("cxr_quadrants", Kind::Number, R, H),
];

/// One blood gas of the series (spec §5.5).
pub const GAS: &[Field] = &[
    f("taken_at", Kind::DateTime, R, R),
    f("site", Kind::Choice(SITES), R, R),
    f("ph", Kind::Number, O, O),
    f("pao2", Kind::Pressure, O, O),
    f("paco2", Kind::Pressure, O, O),
    f("fio2", Kind::Number, O, O),
    f("peep_cmh2o", Kind::Number, O, O),
    f("hco3_mmol_l", Kind::Number, O, O),
    f("base_excess_mmol_l", Kind::Number, O, O),
    f("sao2_pct", Kind::Number, O, O),
    f("lactate_mmol_l", Kind::Number, O, O),
    f("position", Kind::Choice(POSITIONS), O, O),
];
/// How many blood gases one referral holds at most.
pub const MAX_GASES: usize = 24;

pub const VASOACTIVE_KEYS: &[&str] = &[
    "noradrenaline",
    "adrenaline",
    "dobutamine",
    "dopamine",
    "milrinone",
    "levosimendan",
    "vasopressin_u_min",
];

const CIRCULATION: &[Field] = &[
    f("heart_rate", Kind::Number, O, R),
    f("heart_rhythm", Kind::Choice(HEART_RHYTHMS), O, R),
    f("sbp_mmhg", Kind::Number, O, R),
    f("dbp_mmhg", Kind::Number, O, R),
    f("map_mmhg", Kind::Number, O, O),
    f("cvp_mmhg", Kind::Number, O, O),
    f("scvo2_pct", Kind::Number, O, O),
    f("cardiac_index", Kind::Number, O, O),
    f("urine_ml_h", Kind::Number, O, O),
    f("noradrenaline", Kind::Number, O, O),
    f("adrenaline", Kind::Number, O, O),
    f("dobutamine", Kind::Number, O, O),
    f("dopamine", Kind::Number, O, O),
    f("milrinone", Kind::Number, O, O),
    f("levosimendan", Kind::Number, O, O),
    f("vasopressin_u_min", Kind::Number, O, O),
    f("mcs", Kind::Choice(MCS), O, R),
    f("hypoperfusion_signs", Kind::YesNo, O, R),
    f("escalating_support", Kind::Check, O, O),
    f("maximal_support", Kind::Check, O, O),
    f("bicarbonate_infusion", Kind::Check, O, O),
];

const LABORATORY: &[Field] = &[
    f("haemoglobin_g_l", Kind::Number, O, O),
    f("platelets", Kind::Number, O, O),
    f("inr", Kind::Number, O, O),
    f("aptt_s", Kind::Number, O, O),
    f("fibrinogen_g_l", Kind::Number, O, O),
    f("creatinine_umol_l", Kind::Number, O, O),
    f("bilirubin_umol_l", Kind::Number, O, O),
    f("alt_u_l", Kind::Number, O, O),
    f("ast_u_l", Kind::Number, O, O),
    f("troponin_ng_l", Kind::Number, O, O),
    f("nt_probnp_ng_l", Kind::Number, O, O),
    f("crp_mg_l", Kind::Number, O, O),
    f("pct_ug_l", Kind::Number, O, O),
    f("sofa", Kind::Number, O, O),
];

const NEUROLOGY: &[Field] = &[
    f("gcs", Kind::Number, R, R),
    f("sedated", Kind::Check, O, O),
    f("pupils", Kind::Choice(PUPILS), O, R),
    f("brain_ct", Kind::Choice(BRAIN_CT), R, R),
    f(
        "anticoagulation_contraindications",
        Kind::Multi(ANTICOAGULATION_CI),
        R,
        R,
    ),
    f("anticoagulants", Kind::Multi(ANTICOAGULANTS), O, R),
    f("lvef_pct", Kind::Number, O, R),
    f("tapse_mm", Kind::Number, O, O),
    f("rv_function", Kind::Choice(RV_FUNCTION), R, R),
    f("aortic_regurgitation", Kind::Choice(AR_GRADES), H, R),
    f("aortic_dissection", Kind::Choice(DISSECTION), H, R),
    f("stemi", Kind::Choice(YES_NO_UNKNOWN), H, R),
    f("coronary_angiography", Kind::Choice(ANGIOGRAPHY), H, R),
    f("vascular_access", Kind::Choice(ACCESS), R, R),
    f("concerns", Kind::Multi(CONCERNS), O, O),
];

/// The key of the blood-gas step, whose fields repeat per sample.
pub const GAS_STEP: &str = "blood_gases";

pub const STEPS: &[Step] = &[
    Step {
        key: "contact",
        fields: CONTACT,
    },
    Step {
        key: "patient",
        fields: PATIENT,
    },
    Step {
        key: "diagnosis",
        fields: DIAGNOSIS,
    },
    Step {
        key: "ventilation",
        fields: VENTILATION,
    },
    Step {
        key: GAS_STEP,
        fields: &[],
    },
    Step {
        key: "circulation",
        fields: CIRCULATION,
    },
    Step {
        key: "laboratory",
        fields: LABORATORY,
    },
    Step {
        key: "neurology",
        fields: NEUROLOGY,
    },
];

/// The index of the review "step", after the last step of the form.
pub const REVIEW: usize = STEPS.len();

fn all_fields() -> impl Iterator<Item = &'static Field> {
    STEPS.iter().flat_map(|s| s.fields.iter())
}

/// The step a field (or a blood-gas field such as `blood_gases.2.ph`) belongs to.
pub fn step_of(key: &str) -> Option<usize> {
    if key == GAS_STEP || key.starts_with("blood_gases.") {
        return STEPS.iter().position(|s| s.key == GAS_STEP);
    }
    let base = base_key(key);
    STEPS
        .iter()
        .position(|s| s.fields.iter().any(|f| f.key == base))
}

/// `pao2_kpa` → `pao2`; `blood_gases.0.pao2_mmhg` → `blood_gases.0.pao2`.
pub fn base_key(key: &str) -> &str {
    key.strip_suffix("_kpa")
        .or_else(|| key.strip_suffix("_mmhg"))
        .filter(|b| b.ends_with("pao2") || b.ends_with("paco2"))
        .unwrap_or(key)
}

#[cfg(test)]
mod tests;
