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

// ---------------------------------------------------------------- local times

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Clocks on wards and servers differ a little; a time this far ahead is still accepted.
const CLOCK_SKEW_MS: i64 = 5 * MINUTE_MS;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1900..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    if !(1..=days_in_month(y, m)).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS)
}

/// Wall-clock milliseconds of `YYYY-MM-DDTHH:MM[:SS]` (a space instead of `T` is accepted).
pub fn parse_local(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let day = parse_date(date)?;
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let min: i64 = parts.next()?.parse().ok()?;
    let s: i64 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&min) {
        return None;
    }
    if !(0..60).contains(&s) {
        return None;
    }
    Some(day + (h * 60 + min) * MINUTE_MS + s * 1000)
}

/// `YYYY-MM-DDTHH:MM` of wall-clock milliseconds.
pub fn format_local(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS) / MINUTE_MS;
    // civil_from_days
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}", rest / 60, rest % 60)
}

// ---------------------------------------------------------------- checking

/// What checking a VV or VA referral found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub pathway: Option<Pathway>,
    /// The answers that passed their checks, normalised (pressures in kPa, FiO2 as a
    /// fraction, text trimmed). Fields with errors are left out.
    pub data: Map<String, Value>,
    pub errors: FieldErrors,
    pub warnings: BTreeMap<String, Vec<Warning>>,
    /// Fields of the minimal set not answered yet: only these (with errors and unconfirmed
    /// values) stop a submission.
    pub missing: Vec<String>,
    /// Fields answered "unknown / not measured" (`lvef_pct`, `blood_gases.1.ph`); also
    /// stored in `data` under `unknown`.
    pub unknown: Vec<String>,
}

impl Checked {
    /// Warnings the user has not confirmed (by listing the field in `confirmed`).
    pub fn unconfirmed(&self) -> Vec<(&str, &Warning)> {
        let confirmed: BTreeSet<&str> = self
            .data
            .get("confirmed")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.warnings
            .iter()
            .filter(|(k, _)| !confirmed.contains(k.as_str()))
            .flat_map(|(k, ws)| ws.iter().map(move |w| (k.as_str(), w)))
            .collect()
    }

    /// Everything that stops a submission: impossible values, missing required fields and
    /// unconfirmed warnings, each as a field error.
    pub fn submission_errors(&self) -> FieldErrors {
        let mut errors = self.errors.clone();
        for key in &self.missing {
            errors.add(key, FieldError::Missing);
        }
        for (key, warning) in self.unconfirmed() {
            errors.add(
                key,
                FieldError::Unconfirmed {
                    warning: warning.clone(),
                },
            );
        }
        errors
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        self.data.get(key).and_then(Value::as_f64)
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.data.get(key).and_then(Value::as_bool)
    }

    pub fn list(&self, key: &str) -> Vec<&str> {
        self.data
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    pub fn has(&self, key: &str, value: &str) -> bool {
        self.list(key).contains(&value)
    }

    pub fn gases(&self) -> Vec<&Map<String, Value>> {
        self.data
            .get(GAS_STEP)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    }
}

/// Checks one field's value and returns its normalised form; the error goes under `name`.
fn check_value(
    field: &Field,
    name: &str,
    value: &Value,
    now_local_ms: i64,
    out: &mut Checked,
) -> Option<Value> {
    let fail = |out: &mut Checked, e: FieldError| {
        out.errors.add(name, e);
        None
    };
    let unknown = |allowed: &[&str]| FieldError::UnknownValue {
        allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
    };
    match field.kind {
        Kind::Number | Kind::Pressure => {
            let Some(mut n) = value.as_f64().filter(|n| n.is_finite()) else {
                return fail(out, FieldError::NotANumber);
            };
            // FiO2 is a fraction; 21–100 is read as a percentage.
            if field.key == "fio2" && n > 1.0 && n <= 100.0 {
                n /= 100.0;
            }
            let in_mmhg = field.kind == Kind::Pressure && name.ends_with("_mmhg");
            let spec_key = if field.kind == Kind::Pressure {
                format!("{}_kpa", field.key)
            } else {
                field.key.to_owned()
            };
            if in_mmhg {
                n = mmhg_to_kpa(n);
            }
            match validation::check(&spec_key, n) {
                Ok(warning) => {
                    if let Some(w) = warning {
                        out.warnings.entry(name.to_owned()).or_default().push(w);
                    }
                    Some(json!(n))
                }
                Err(FieldError::OutOfRange { min, max, .. }) if in_mmhg => fail(
                    out,
                    FieldError::OutOfRange {
                        min: readable(min * MMHG_PER_KPA),
                        max: readable(max * MMHG_PER_KPA),
                        unit: "mmHg".into(),
                    },
                ),
                Err(e) => fail(out, e),
            }
        }
        Kind::Choice(allowed) => match value.as_str() {
            Some(s) if allowed.contains(&s) => Some(json!(s)),
            _ => fail(out, unknown(allowed)),
        },
        Kind::Multi(allowed) => {
            let Some(items) = value.as_array() else {
                return fail(out, FieldError::NotAList);
            };
            let mut seen: Vec<&str> = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) if allowed.contains(&s) => {
                        if !seen.contains(&s) {
                            seen.push(s);
                        }
                    }
                    _ => return fail(out, unknown(allowed)),
                }
            }
            if seen.contains(&"none") && seen.len() > 1 {
                return fail(
                    out,
                    FieldError::OneOf {
                        other: "none".into(),
                    },
                );
            }
            Some(json!(seen))
        }
        Kind::YesNo | Kind::Check => match value.as_bool() {
            Some(b) => Some(json!(b)),
            None => fail(out, FieldError::NotABoolean),
        },
        Kind::Text(_) | Kind::Phone => {
            let max = match field.kind {
                Kind::Text(max) => max,
                _ => 30,
            };
            let Some(text) = value.as_str().map(str::trim) else {
                return fail(out, unknown(&["text"]));
            };
            if text.chars().count() > max {
                return fail(out, FieldError::TooLong { max });
            }
            if text.is_empty() {
                return None;
            }
            if field.kind == Kind::Phone && !phone_ok(text) {
                return fail(out, FieldError::InvalidPhone);
            }
            Some(json!(text))
        }
        Kind::DateTime | Kind::Date => {
            let text = value.as_str().unwrap_or_default().trim();
            let parsed = if field.kind == Kind::Date {
                parse_date(text)
            } else {
                parse_local(text)
            };
            let Some(ms) = parsed else {
                return fail(out, FieldError::NotADateTime);
            };
            if ms > now_local_ms + CLOCK_SKEW_MS {
                return fail(out, FieldError::InFuture);
            }
            if field.kind == Kind::Date {
                Some(json!(text))
            } else {
                Some(json!(format_local(ms)))
            }
        }
    }
}

/// A converted limit as people write it: 750.06 → 750, 7.50062 → 7.5.
fn readable(x: f64) -> f64 {
    let whole = x.round();
    if (x - whole).abs() < 0.1 {
        whole
    } else {
        round_to(x, 1)
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Reads the fields of `fields` from `object` into `target`, naming errors `prefix + key`.
/// Returns the keys of `object` that no field claimed.
#[allow(clippy::too_many_arguments)]
fn read_fields(
    fields: &[Field],
    pathway: Option<Pathway>,
    object: &Map<String, Value>,
    prefix: &str,
    now_local_ms: i64,
    target: &mut Map<String, Value>,
    out: &mut Checked,
) -> BTreeSet<String> {
    let mut unclaimed: BTreeSet<String> = object.keys().cloned().collect();
    for field in fields {
        let need = pathway.map_or(Need::Optional, |p| field.need(p));
        if need == Need::Hidden {
            continue;
        }
        let names: Vec<String> = if field.kind == Kind::Pressure {
            vec![format!("{}_kpa", field.key), format!("{}_mmhg", field.key)]
        } else {
            vec![field.key.to_owned()]
        };
        let given: Vec<&String> = names
            .iter()
            .filter(|n| object.get(n.as_str()).is_some_and(|v| !is_empty(v)))
            .collect();
        for n in &names {
            unclaimed.remove(n);
        }
        if given.len() > 1 {
            for (n, other) in [(&names[0], &names[1]), (&names[1], &names[0])] {
                out.errors.add(
                    &format!("{prefix}{n}"),
                    FieldError::OneOf {
                        other: other.clone(),
                    },
                );
            }
            continue;
        }
        let Some(name) = given.first() else {
            if field.kind == Kind::Check {
                target.insert(field.key.into(), json!(false));
            } else if need == Need::Minimal {
                out.missing.push(format!("{prefix}{}", field.key));
            }
            continue;
        };
        let full = format!("{prefix}{name}");
        let value = &object[name.as_str()];
        if need != Need::Minimal && is_unknown(field, value) {
            out.unknown.push(format!("{prefix}{}", field.key));
            continue;
        }
        if let Some(v) = check_value(field, &full, value, now_local_ms, out) {
            target.insert(field.stored_key(), v);
        } else if need == Need::Minimal && out.errors.get(&full).is_none() {
            out.missing.push(format!("{prefix}{}", field.key));
        }
    }
    unclaimed
}

/// Whether `value` answers `field` with "unknown / not measured" rather than with one of the
/// field's own options (a choice whose options include `unknown` keeps it as its answer).
fn is_unknown(field: &Field, value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    if !text.trim().eq_ignore_ascii_case(UNKNOWN) {
        return false;
    }
    !matches!(field.kind, Kind::Choice(options) if options.contains(&UNKNOWN))
}

/// Checks a VV or VA referral given as the JSON API takes it. Every problem is reported at
/// once; nothing here decides whether the referral may be sent, only what is wrong or
/// missing. `now_local_ms` is the current wall-clock time in the centre's zone.
pub fn check(value: &Value, now_local_ms: i64) -> Checked {
    let mut out = Checked::default();
    let Some(object) = value.as_object() else {
        out.errors.add("body", FieldError::NotAnObject);
        return out;
    };
    out.pathway = match object.get("pathway").and_then(Value::as_str) {
        Some("vv") => Some(Pathway::Vv),
        Some("va") => Some(Pathway::Va),
        _ => {
            out.errors.add(
                "pathway",
                FieldError::UnknownValue {
                    allowed: vec!["vv".into(), "va".into(), "ecpr".into()],
                },
            );
            None
        }
    };
    let pathway = out.pathway;
    let mut data = Map::new();
    if let Some(p) = pathway {
        data.insert("pathway".into(), json!(super::referral::pathway_code(p)));
    }
    let fields: Vec<Field> = all_fields().copied().collect();
    let mut unclaimed = read_fields(
        &fields,
        pathway,
        object,
        "",
        now_local_ms,
        &mut data,
        &mut out,
    );
    unclaimed.remove("pathway");
    unclaimed.remove("confirmed");
    unclaimed.remove(UNKNOWN);
    unclaimed.remove(GAS_STEP);

    match object.get("confirmed") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            data.insert("confirmed".into(), Value::Array(items.clone()));
        }
        Some(_) => out.errors.add("confirmed", FieldError::NotAList),
    }

    let mut gases = Vec::new();
    match object.get(GAS_STEP) {
        None | Some(Value::Null) => {}
        Some(Value::Array(rows)) if rows.len() > MAX_GASES => out.errors.add(
            GAS_STEP,
            FieldError::OutOfRange {
                min: 1.0,
                max: MAX_GASES as f64,
                unit: String::new(),
            },
        ),
        Some(Value::Array(rows)) => {
            for (i, row) in rows.iter().enumerate() {
                let prefix = format!("{GAS_STEP}.{i}.");
                let Some(row) = row.as_object() else {
                    out.errors
                        .add(&format!("{GAS_STEP}.{i}"), FieldError::NotAnObject);
                    continue;
                };
                let mut gas = Map::new();
                // Every field of a gas is asked on both pathways; its time and site are
                // expected whatever the pathway.
                let rest = read_fields(
                    GAS,
                    Some(Pathway::Vv),
                    row,
                    &prefix,
                    now_local_ms,
                    &mut gas,
                    &mut out,
                );
                for key in rest {
                    out.errors
                        .add(&format!("{prefix}{key}"), FieldError::UnknownField);
                }
                cross_check_gas(&gas, &prefix, &mut out);
                gases.push(Value::Object(gas));
            }
        }
        Some(_) => out.errors.add(GAS_STEP, FieldError::NotAList),
    }
    // The list form of "unknown" (as stored, and as an API client may send it): field names
    // whose answer is unknown. A name that is also answered keeps its answer.
    match object.get(UNKNOWN) {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item.as_str() {
                    Some(name)
                        if form_field(name).is_some_and(|(_, f)| {
                            pathway
                                .is_some_and(|p| !matches!(f.need(p), Need::Minimal | Need::Hidden))
                        }) =>
                    {
                        let answered = match name.strip_prefix("blood_gases.") {
                            Some(rest) => rest.split_once('.').is_some_and(|(i, key)| {
                                i.parse::<usize>()
                                    .ok()
                                    .and_then(|i| gases.get(i))
                                    .is_some_and(|g| {
                                        g.get(key).or(g.get(format!("{key}_kpa"))).is_some()
                                    })
                            }),
                            None => {
                                data.contains_key(name) || data.contains_key(&format!("{name}_kpa"))
                            }
                        };
                        if !answered && !out.unknown.iter().any(|u| u == name) {
                            out.unknown.push(name.to_owned());
                        }
                    }
                    _ => out.errors.add(UNKNOWN, FieldError::UnknownField),
                }
            }
        }
        Some(_) => out.errors.add(UNKNOWN, FieldError::NotAList),
    }
    if !gases.is_empty() {
        data.insert(GAS_STEP.into(), Value::Array(gases));
    }
    if !out.unknown.is_empty() {
        data.insert(UNKNOWN.into(), json!(out.unknown));
    }
    for key in unclaimed {
        out.errors.add(&key, FieldError::UnknownField);
    }
    out.data = data;
    cross_check(&mut out);
    out
}

fn numbers(map: &Map<String, Value>, keys: &[&'static str]) -> BTreeMap<&'static str, f64> {
    keys.iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_f64).map(|v| (*k, v)))
        .collect()
}

/// Merges the cross-field findings of [`validation::validate`] under `prefix`.
fn merge(
    (errors, warnings): (FieldErrors, BTreeMap<String, Vec<Warning>>),
    prefix: &str,
    out: &mut Checked,
) {
    for (key, list) in errors.0 {
        // Errors that [`check_value`] already reported are not repeated.
        let name = format!("{prefix}{key}");
        for e in list {
            if !out.errors.get(&name).is_some_and(|have| have.contains(&e)) {
                out.errors.add(&name, e);
            }
        }
    }
    for (key, list) in warnings {
        let name = format!("{prefix}{key}");
        let have = out.warnings.entry(name).or_default();
        for w in list {
            if !have.contains(&w) {
                have.push(w);
            }
        }
    }
}

fn cross_check_gas(gas: &Map<String, Value>, prefix: &str, out: &mut Checked) {
    let values = numbers(gas, &["ph", "pao2_kpa", "paco2_kpa", "fio2", "hco3_mmol_l"]);
    let (errors, warnings) = validation::validate(&values, None);
    // Only the cross-field results: single values were checked already.
    let cross_errors = FieldErrors(
        errors
            .0
            .into_iter()
            .filter(|(_, l)| l.iter().any(|e| matches!(e, FieldError::OutOfRange { .. })))
            .collect(),
    );
    let cross_warnings = warnings
        .into_iter()
        .map(|(k, l)| {
            let l: Vec<Warning> = l
                .into_iter()
                .filter(|w| matches!(w, Warning::AcidBaseInconsistent { .. }))
                .collect();
            (k, l)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    merge((cross_errors, cross_warnings), prefix, out);
}

/// Plateau against PEEP is not checked here: PEEP is recorded with each gas, and a plateau
/// below an earlier sample's PEEP is possible once PEEP has been lowered.
fn cross_check(out: &mut Checked) {
    let values = numbers(
        &out.data,
        &[
            "plateau_cmh2o",
            "pip_cmh2o",
            "sbp_mmhg",
            "dbp_mmhg",
            "weight_kg",
            "height_cm",
            "tidal_volume_ml",
        ],
    );
    let male = out.text("sex").map(|s| s == "male");
    let (errors, warnings) = validation::validate(&values, male);
    let warnings = warnings
        .into_iter()
        .map(|(k, l)| {
            let l: Vec<Warning> = l
                .into_iter()
                .filter(|w| matches!(w, Warning::Bmi { .. } | Warning::TidalVolumePerPbw { .. }))
                .collect();
            (k, l)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let errors = FieldErrors(
        errors
            .0
            .into_iter()
            .filter(|(k, _)| ["plateau_cmh2o", "pip_cmh2o", "dbp_mmhg"].contains(&k.as_str()))
            .collect(),
    );
    for key in errors.0.keys() {
        out.data.remove(key);
    }
    merge((errors, warnings), "", out);
    let admission = out.text("admission_at").and_then(parse_local);
    let intubation = out.text("intubation_at").and_then(parse_local);
    if let (Some(a), Some(i)) = (admission, intubation) {
        if i < a - DAY_MS {
            out.errors.add("intubation_at", FieldError::BeforeAdmission);
            out.data.remove("intubation_at");
        }
    }
}

// ---------------------------------------------------------------- forms

/// The field a form name belongs to: `blood_gases.2.pao2_unit` → (`blood_gases`, `pao2`).
fn form_field(name: &str) -> Option<(usize, &'static Field)> {
    if let Some(rest) = name.strip_prefix("blood_gases.") {
        let (index, key) = rest.split_once('.')?;
        let index: usize = index.parse().ok()?;
        if index >= MAX_GASES {
            return None;
        }
        let key = key.strip_suffix("_unit").unwrap_or(key);
        let gas_step = STEPS.iter().position(|s| s.key == GAS_STEP)?;
        return GAS.iter().find(|f| f.key == key).map(|f| (gas_step, f));
    }
    STEPS
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.fields.iter().find(|f| f.key == name).map(|f| (i, f)))
}

/// A form as posted: field name → values (several for ticked boxes).
pub type Form = BTreeMap<String, Vec<String>>;

/// Form names whose values are field names: confirmations of unusual values, and answers
/// of "unknown / not measured".
const MARKS: [&str; 2] = ["confirmed", UNKNOWN];

/// Puts the fields one step posted over a stored form. A step posts every field it shows
/// except unticked boxes and empty lists, so the step's old fields are cleared first; the
/// confirmations and "unknown" marks are kept for the other steps and replaced for this one.
pub fn merge_step(form: &mut Form, step: usize, mut fields: Form) {
    form.retain(|k, _| step_of_form_key(k) != Some(step));
    for mark in MARKS {
        let mut names: Vec<String> = form
            .remove(mark)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| step_of(k) != Some(step))
            .collect();
        names.extend(fields.remove(mark).unwrap_or_default());
        names.sort();
        names.dedup();
        if !names.is_empty() {
            form.insert(mark.into(), names);
        }
    }
    form.extend(fields);
}

/// Whether a posted name is part of the checklist form.
pub fn is_form_key(name: &str) -> bool {
    MARKS.contains(&name) || name == GAS_PASTE || form_field(name).is_some()
}

/// The gas step's text box for pasted samples: what could not be read stays there (in the
/// draft) until the doctor corrects or clears it. Not an answer: the check never reads it.
pub const GAS_PASTE: &str = "gas_paste";

/// Puts the samples pasted in `text` into the first unused rows of the gas step's posted
/// `fields`, each with the pressure unit chosen for the paste (`kpa` or `mmhg`) and an
/// arterial site; lines that do not read as a sample (or find no free row) are left in
/// [`GAS_PASTE`]. Returns how many samples went into rows.
pub fn paste_gases(fields: &mut Form, text: &str, unit: &str, now_local_ms: i64) -> usize {
    let unit = if unit == "mmhg" { "mmhg" } else { "kpa" };
    let mut row = gas_rows(fields);
    let mut placed = 0;
    let mut left = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let pasted = super::gas_paste::read(line, now_local_ms);
        let Some(gas) = pasted.gases.into_iter().next().filter(|_| row < MAX_GASES) else {
            left.push(line.to_owned());
            continue;
        };
        let mut set = |key: &str, value: &str| {
            fields.insert(format!("{GAS_STEP}.{row}.{key}"), vec![value.to_owned()]);
        };
        set("taken_at", &gas.taken_at);
        set("site", "arterial");
        set("ph", &gas.ph);
        set("pao2", &gas.pao2);
        set("pao2_unit", unit);
        set("paco2", &gas.paco2);
        set("paco2_unit", unit);
        if let Some(fio2) = &gas.fio2 {
            set("fio2", fio2);
        }
        if let Some(lactate) = &gas.lactate {
            set("lactate_mmol_l", lactate);
        }
        row += 1;
        placed += 1;
    }
    if left.is_empty() {
        fields.remove(GAS_PASTE);
    } else {
        fields.insert(GAS_PASTE.into(), vec![left.join("\n")]);
    }
    placed
}

/// Whether the form marks `name` (`lvef_pct`, `blood_gases.0.ph`) as unknown.
pub fn marked_unknown(form: &Form, name: &str) -> bool {
    form.get(UNKNOWN)
        .is_some_and(|v| v.iter().any(|n| n == name))
}

/// The step of a posted name (`confirmed` belongs to none).
pub fn step_of_form_key(name: &str) -> Option<usize> {
    if name == GAS_PASTE {
        return STEPS.iter().position(|s| s.key == GAS_STEP);
    }
    form_field(name).map(|(step, _)| step)
}

/// Turns posted form fields (as typed: decimal commas, `yes`/`no`, unit selectors, repeated
/// names for ticked boxes, `blood_gases.N.key` for the series) into the JSON the API takes.
/// Text that is not a number stays text so that the check can name it.
pub fn form_to_json(pathway: Pathway, form: &BTreeMap<String, Vec<String>>) -> Value {
    let first = |key: &str| {
        form.get(key)
            .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
            .map(|s| s.trim().to_owned())
    };
    let mut map = Map::new();
    map.insert(
        "pathway".into(),
        json!(super::referral::pathway_code(pathway)),
    );
    let put = |map: &mut Map<String, Value>, field: &Field, name: &str| {
        let kind = field.kind;
        // "Unknown" answers a field left empty; a value typed after ticking it wins.
        let typed = form
            .get(name)
            .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()));
        if !typed && kind != Kind::Check && marked_unknown(form, name) {
            map.insert(field.stored_key(), json!(UNKNOWN));
            return;
        }
        match kind {
            Kind::Multi(_) => {
                let items: Vec<Value> = form
                    .get(name)
                    .map(|v| {
                        v.iter()
                            .filter(|s| !s.trim().is_empty())
                            .map(|s| json!(s.trim()))
                            .collect()
                    })
                    .unwrap_or_default();
                if !items.is_empty() {
                    map.insert(field.key.into(), Value::Array(items));
                }
            }
            Kind::Check => {
                if first(name).is_some() {
                    map.insert(field.key.into(), json!(true));
                }
            }
            Kind::YesNo => match first(name).as_deref() {
                Some("yes") => {
                    map.insert(field.key.into(), json!(true));
                }
                Some("no") => {
                    map.insert(field.key.into(), json!(false));
                }
                Some(other) => {
                    map.insert(field.key.into(), json!(other));
                }
                None => {}
            },
            Kind::Number => {
                if let Some(raw) = first(name) {
                    map.insert(field.key.into(), number_or_text(&raw));
                }
            }
            Kind::Pressure => {
                if let Some(raw) = first(name) {
                    let unit = first(&format!("{name}_unit")).unwrap_or_default();
                    let suffix = if unit == "mmhg" { "mmhg" } else { "kpa" };
                    map.insert(format!("{}_{suffix}", field.key), number_or_text(&raw));
                }
            }
            _ => {
                if let Some(raw) = first(name) {
                    map.insert(field.key.into(), json!(raw));
                }
            }
        }
    };
    for field in all_fields() {
        if field.need(pathway) != Need::Hidden {
            put(&mut map, field, field.key);
        }
    }
    let mut gases = Vec::new();
    for i in 0..MAX_GASES {
        let mut row = Map::new();
        for field in GAS {
            put(&mut row, field, &format!("{GAS_STEP}.{i}.{}", field.key));
        }
        // A row with only its default site chosen is an unused row.
        let used = row.keys().any(|k| k != "site");
        if used {
            gases.push(Value::Object(row));
        }
    }
    if !gases.is_empty() {
        map.insert(GAS_STEP.into(), Value::Array(gases));
    }
    let confirmed: Vec<Value> = form
        .get("confirmed")
        .map(|v| v.iter().map(|s| json!(s)).collect())
        .unwrap_or_default();
    if !confirmed.is_empty() {
        map.insert("confirmed".into(), Value::Array(confirmed));
    }
    Value::Object(map)
}

fn number_or_text(raw: &str) -> Value {
    match raw.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => json!(n),
        _ => json!(raw),
    }
}

/// How many blood-gas rows a draft's form holds (used rows; at least three are offered).
pub fn gas_rows(form: &BTreeMap<String, Vec<String>>) -> usize {
    (0..MAX_GASES)
        .filter(|i| {
            let prefix = format!("{GAS_STEP}.{i}.");
            form.iter().any(|(k, v)| {
                k.starts_with(&prefix)
                    && !k.ends_with(".site")
                    && !k.ends_with("_unit")
                    && v.iter().any(|s| !s.trim().is_empty())
            })
        })
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

/// An expected answer a referral does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotGiven {
    /// The field's name: `lvef_pct`, `blood_gases`, `blood_gases.1.taken_at`.
    pub name: String,
    /// Answered "unknown / not measured" (rather than left empty).
    pub unknown: bool,
}

/// What a VV or VA referral's checked answers lack, in the order of the checklist: every
/// expected field neither answered nor known, and every field answered "unknown". The
/// review and the centre's page list these as "not given".
pub fn not_given(data: &Map<String, Value>) -> Vec<NotGiven> {
    let pathway = match data.get("pathway").and_then(Value::as_str) {
        Some("vv") => Pathway::Vv,
        Some("va") => Pathway::Va,
        _ => return Vec::new(),
    };
    let unknown: Vec<&str> = data
        .get(UNKNOWN)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let lacking = |row: &Map<String, Value>, field: &Field, prefix: &str| {
        let name = format!("{prefix}{}", field.key);
        if unknown.contains(&name.as_str()) {
            Some(NotGiven {
                name,
                unknown: true,
            })
        } else if field.need(pathway) == Need::Expected
            && field.kind != Kind::Check
            && !row.contains_key(&field.stored_key())
        {
            Some(NotGiven {
                name,
                unknown: false,
            })
        } else {
            None
        }
    };
    let gases: Vec<&Map<String, Value>> = data
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for step in STEPS {
        if step.key == GAS_STEP {
            if gases.is_empty() {
                out.push(NotGiven {
                    name: GAS_STEP.into(),
                    unknown: false,
                });
            }
            for (i, gas) in gases.iter().enumerate() {
                let prefix = format!("{GAS_STEP}.{i}.");
                out.extend(GAS.iter().filter_map(|f| lacking(gas, f, &prefix)));
            }
            continue;
        }
        out.extend(
            step.fields
                .iter()
                .filter(|f| f.need(pathway) != Need::Hidden)
                .filter_map(|f| lacking(data, f, "")),
        );
    }
    out
}

// ---------------------------------------------------------------- rules and scores

/// The latest arterial sample with a value for `key`.
/// A ventilator setting (FiO2, PEEP) as recorded with the latest gas that has it.
fn latest_setting(gases: &[&Map<String, Value>], key: &str) -> Option<f64> {
    gases
        .iter()
        .filter_map(|g| Some((g.get(key)?.as_f64()?, g)))
        .max_by_key(|(_, g)| {
            g.get("taken_at")
                .and_then(Value::as_str)
                .and_then(parse_local)
        })
        .map(|(v, _)| v)
}

fn latest_with<'a>(gases: &[&'a Map<String, Value>], key: &str) -> Option<&'a Map<String, Value>> {
    gases
        .iter()
        .filter(|g| g.get("site").and_then(Value::as_str) == Some("arterial"))
        .filter(|g| g.get(key).is_some())
        .max_by_key(|g| {
            g.get("taken_at")
                .and_then(Value::as_str)
                .and_then(parse_local)
        })
        .copied()
}

const IMMUNOCOMPROMISED: &[&str] = &[
    "solid_malignancy",
    "metastatic_malignancy",
    "haematological_malignancy",
    "transplant",
    "hiv",
    "cirrhosis",
    "immunosuppressive_drugs",
];

impl Checked {
    /// Read from the comorbidities; unknown while they are not given (never "no").
    fn immunocompromised(&self) -> Option<bool> {
        self.data.contains_key("comorbidities").then(|| {
            IMMUNOCOMPROMISED
                .iter()
                .any(|c| self.has("comorbidities", c))
        })
    }

    /// Read from the brain CT and the concerns; unknown while neither says anything.
    fn cns_dysfunction(&self) -> Option<bool> {
        let ct = self.text("brain_ct");
        let injury = self.has("concerns", "severe_brain_injury");
        if ct.is_none() && !injury {
            return None;
        }
        Some(matches!(ct, Some("haemorrhage" | "infarct" | "oedema")) || injury)
    }

    fn hours_since(&self, key: &str, now_local_ms: i64) -> Option<f64> {
        let start = self.text(key).and_then(parse_local)?;
        Some(((now_local_ms - start).max(0)) as f64 / 3_600_000.0)
    }

    /// The PEEP of the latest blood gas that records one (any site: it is a setting).
    fn peep(&self) -> Option<f64> {
        latest_setting(&self.gases(), "peep_cmh2o")
    }

    fn score_inputs(&self, score: Score, now_local_ms: i64) -> Value {
        let gases = self.gases();
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        let num = |k: &str| self.number(k).map(|v| json!(v));
        match score {
            Score::Murray => {
                put("cxr_quadrants", num("cxr_quadrants"));
                let pf = latest_with(&gases, "pao2_kpa").and_then(|g| {
                    let pao2 = kpa_to_mmhg(g.get("pao2_kpa")?.as_f64()?);
                    let fio2 = g
                        .get("fio2")
                        .and_then(Value::as_f64)
                        .or_else(|| latest_setting(&gases, "fio2"))?;
                    Some(json!(derived::pf_ratio_mmhg(pao2, fio2)))
                });
                put("pf_ratio_mmhg", pf);
                put("peep_cmh2o", self.peep().map(|v| json!(v)));
                if let (Some(vt), Some(plat), Some(peep)) = (
                    self.number("tidal_volume_ml"),
                    self.number("plateau_cmh2o"),
                    self.peep(),
                ) {
                    if let Some(c) = derived::static_compliance(vt, plat, peep) {
                        put("compliance_ml_per_cmh2o", Some(json!(c.clamp(1.0, 1000.0))));
                    }
                }
            }
            Score::Resp => {
                put("age_years", num("age_years"));
                put(
                    "immunocompromised",
                    self.immunocompromised().map(|b| json!(b)),
                );
                put(
                    "mv_hours",
                    self.hours_since("intubation_at", now_local_ms)
                        .map(|h| json!(h.min(8760.0))),
                );
                put("diagnosis", self.data.get("resp_diagnosis").cloned());
                put("cns_dysfunction", self.cns_dysfunction().map(|b| json!(b)));
                for (key, field) in [
                    ("nonpulmonary_infection", "nonpulmonary_infection"),
                    ("neuromuscular_blockade", "neuromuscular_blockade"),
                    ("nitric_oxide", "inhaled_no"),
                    ("bicarbonate_infusion", "bicarbonate_infusion"),
                    ("cardiac_arrest", "cardiac_arrest"),
                ] {
                    put(key, self.data.get(field).cloned());
                }
                put(
                    "paco2_mmhg",
                    latest_with(&gases, "paco2_kpa")
                        .and_then(|g| g.get("paco2_kpa")?.as_f64())
                        .map(|k| json!(kpa_to_mmhg(k))),
                );
                put("pip_cmh2o", num("pip_cmh2o"));
            }
            Score::Save => {
                put("diagnoses", self.data.get("save_diagnoses").cloned());
                put("age_years", num("age_years"));
                put("weight_kg", num("weight_kg"));
                let liver = [
                    ("bilirubin_umol_l", 33.0),
                    ("alt_u_l", 70.0),
                    ("ast_u_l", 70.0),
                ];
                if liver.iter().any(|(k, _)| self.number(k).is_some()) {
                    let failing = liver
                        .iter()
                        .any(|(k, limit)| self.number(k).is_some_and(|v| v > *limit));
                    put("liver_failure", Some(json!(failing)));
                }
                put("cns_dysfunction", self.cns_dysfunction().map(|b| json!(b)));
                put(
                    "acute_renal_failure",
                    self.number("creatinine_umol_l").map(|c| json!(c > 133.0)),
                );
                put(
                    "chronic_renal_failure",
                    self.data
                        .contains_key("comorbidities")
                        .then(|| json!(self.has("comorbidities", "ckd_dialysis"))),
                );
                put(
                    "intubation_hours",
                    Some(json!(self
                        .hours_since("intubation_at", now_local_ms)
                        .unwrap_or(0.0)
                        .min(8760.0))),
                );
                put("pip_cmh2o", num("pip_cmh2o"));
                put("cardiac_arrest", self.data.get("cardiac_arrest").cloned());
                put("diastolic_bp_mmhg", num("dbp_mmhg"));
                if let (Some(s), Some(d)) = (self.number("sbp_mmhg"), self.number("dbp_mmhg")) {
                    put(
                        "pulse_pressure_mmhg",
                        Some(json!(derived::pulse_pressure(s, d))),
                    );
                }
                put(
                    "hco3_mmol_l",
                    latest_with(&gases, "hco3_mmol_l").and_then(|g| g.get("hco3_mmol_l").cloned()),
                );
            }
            // The VA rules compute the SCAI stage and the VIS from the case itself; the
            // checklist shows neither as a score line.
            Score::Vis | Score::Scai => {}
            Score::Preserve => {
                put("age_years", num("age_years"));
                if let (Some(w), Some(h)) = (self.number("weight_kg"), self.number("height_cm")) {
                    put("bmi", Some(json!(derived::bmi(w, h))));
                }
                put(
                    "immunocompromised",
                    self.immunocompromised().map(|b| json!(b)),
                );
                put(
                    "mv_days",
                    self.hours_since("intubation_at", now_local_ms)
                        .map(|h| json!((h / 24.0).min(365.0))),
                );
                put("sofa", num("sofa"));
                put(
                    "prone_positioning",
                    self.text("prone").map(|p| json!(p.starts_with("done"))),
                );
                put("peep_cmh2o", self.peep().map(|v| json!(v)));
                put("plateau_cmh2o", num("plateau_cmh2o"));
            }
        }
        Value::Object(m)
    }

    fn score_line(&self, score: Score, rules: &RuleSet, now_local_ms: i64) -> ScoreLine {
        let input = self.score_inputs(score, now_local_ms);
        match score.compute(&input, rules) {
            Ok(outcome) => ScoreLine {
                score: score.key().into(),
                result: Some(match outcome.predicted_survival_pct {
                    Some(pct) => format!("{} · {} · {pct} %", outcome.headline, outcome.class),
                    None => outcome.headline.clone(),
                }),
                points: outcome.headline.parse().ok(),
                missing: Vec::new(),
                provisional: outcome.provisional,
            },
            Err(errors) => ScoreLine {
                score: score.key().into(),
                result: None,
                points: None,
                missing: errors.0.keys().cloned().collect(),
                provisional: score == Score::Preserve,
            },
        }
    }

    /// The case the triage rules read. `local_to_utc` turns a wall-clock time of the
    /// centre's zone into an instant.
    pub fn case(
        &self,
        scores: &[ScoreLine],
        now_ms: i64,
        local_to_utc: &dyn Fn(i64) -> i64,
    ) -> Case {
        let at = |key: &str| self.text(key).and_then(parse_local).map(local_to_utc);
        let points = |key: &str| {
            scores
                .iter()
                .find(|s| s.score == key)
                .and_then(|s| s.points)
        };
        let mut gases: Vec<BloodGas> = self
            .gases()
            .iter()
            .filter_map(|g| {
                let taken = g
                    .get("taken_at")
                    .and_then(Value::as_str)
                    .and_then(parse_local)
                    .map(local_to_utc)?;
                let n = |k: &str| g.get(k).and_then(Value::as_f64);
                Some(BloodGas {
                    taken_at_ms: taken,
                    arterial: g.get("site").and_then(Value::as_str) == Some("arterial"),
                    ph: n("ph"),
                    pao2_mmhg: n("pao2_kpa").map(kpa_to_mmhg),
                    paco2_mmhg: n("paco2_kpa").map(kpa_to_mmhg),
                    fio2: n("fio2"),
                    rr: None,
                    lactate: n("lactate_mmol_l"),
                })
            })
            .collect();
        gases.sort_by_key(|g| g.taken_at_ms);
        // The set rate applies to the latest sample, which is what the hypercapnia rule reads.
        if let Some(last) = gases.iter_mut().rev().find(|g| g.arterial) {
            last.rr = self.number("respiratory_rate");
        }
        let lactates: Vec<f64> = gases.iter().filter_map(|g| g.lactate).collect();
        let mut findings: BTreeSet<String> = self
            .list("concerns")
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        findings.extend(self.list("va_causes").iter().map(|s| (*s).to_owned()));
        if matches!(
            self.text("treatment_limitation"),
            Some("dnr" | "limitation_of_therapy")
        ) {
            findings.insert("limitation_of_therapy".into());
        }
        if self.has("comorbidities", "metastatic_malignancy") {
            findings.insert("metastatic_malignancy".into());
        }
        if [
            "haematological_malignancy",
            "transplant",
            "immunosuppressive_drugs",
        ]
        .iter()
        .any(|c| self.has("comorbidities", c))
        {
            findings.insert("immunosuppressed".into());
        }
        if self.has("comorbidities", "ckd_dialysis") {
            findings.insert("chronic_renal_failure".into());
        }
        let ci = self.list("anticoagulation_contraindications");
        if !ci.is_empty() && !ci.contains(&"none") {
            findings.insert("anticoagulation_contraindicated".into());
        }
        if self.text("brain_ct") == Some("haemorrhage") || ci.contains(&"intracranial_haemorrhage")
        {
            findings.insert("cns_haemorrhage".into());
        }
        if self.text("rv_function") == Some("severely_reduced") {
            findings.insert("right_heart_failure".into());
        }
        if self.text("vascular_access") == Some("limited") {
            findings.insert("limited_vascular_access".into());
            findings.insert("severe_pad".into());
        }
        if self.text("aortic_regurgitation") == Some("severe") {
            findings.insert("severe_aortic_regurgitation".into());
        }
        if self.text("aortic_dissection") == Some("present") {
            findings.insert("aortic_dissection".into());
        }
        let vaso = |k: &str| self.number(k).unwrap_or(0.0);
        Case {
            now_ms,
            age_years: self.number("age_years"),
            bmi: self
                .number("weight_kg")
                .zip(self.number("height_cm"))
                .map(|(w, h)| derived::bmi(w, h)),
            clinical_frailty_scale: self.number("clinical_frailty_scale").map(|c| c as u8),
            sofa: self.number("sofa").map(|s| s as u8),
            gcs: self.number("gcs").map(|g| g as u8),
            ventilation_start_ms: at("intubation_at"),
            murray: points("murray"),
            resp_points: points("resp").map(|p| p as i32),
            preserve_points: points("preserve").map(|p| p as i32),
            failed_prone_trial: self.text("prone").map(|p| p == "done_no_response"),
            plateau_cmh2o: self.number("plateau_cmh2o"),
            findings,
            sbp: self.number("sbp_mmhg"),
            map: self.number("map_mmhg").or_else(|| {
                self.number("sbp_mmhg")
                    .zip(self.number("dbp_mmhg"))
                    .map(|(s, d)| derived::mean_arterial_pressure(s, d))
            }),
            heart_rate: self.number("heart_rate"),
            lactate: lactates.last().copied(),
            lactate_previous: lactates.iter().rev().nth(1).copied(),
            hypoperfusion_signs: self.flag("hypoperfusion_signs") == Some(true),
            vasoactives: Vasoactives {
                dopamine: vaso("dopamine"),
                dobutamine: vaso("dobutamine"),
                adrenaline: vaso("adrenaline"),
                noradrenaline: vaso("noradrenaline"),
                milrinone: vaso("milrinone"),
                vasopressin_u_per_min: vaso("vasopressin_u_min"),
                levosimendan: vaso("levosimendan"),
            },
            weight_kg: self.number("weight_kg"),
            mcs: self.text("mcs").is_some_and(|m| m != "none"),
            escalating_support: self.flag("escalating_support") == Some(true),
            maximal_support: self.flag("maximal_support") == Some(true),
            cardiac_arrest: self.flag("cardiac_arrest") == Some(true),
            ami: self.has("va_causes", "ami") || self.text("stemi") == Some("yes"),
            blood_gases: gases,
            ..Case::default()
        }
    }

    /// Scores and rule flags for this checklist. `now_local_ms` is the wall-clock time of
    /// the centre's zone, `now_ms` the instant; `local_to_utc` converts between them.
    pub fn support(
        &self,
        rules: &RuleSet,
        now_ms: i64,
        now_local_ms: i64,
        local_to_utc: &dyn Fn(i64) -> i64,
    ) -> Evaluation {
        let pathway = self.pathway.unwrap_or(Pathway::Vv);
        let wanted: &[Score] = match pathway {
            Pathway::Va => &[Score::Save],
            _ => &[Score::Murray, Score::Resp, Score::Preserve],
        };
        let scores: Vec<ScoreLine> = wanted
            .iter()
            .map(|s| self.score_line(*s, rules, now_local_ms))
            .collect();
        let case = self.case(&scores, now_ms, local_to_utc);
        let mut evaluation = triage::evaluate(pathway, &case, rules);
        evaluation.scores = scores;
        evaluation
    }
}

#[cfg(test)]
mod tests;

/// A complete referral for each pathway, as the JSON API takes it: the OpenAPI document
/// carries these, and posting one as it stands makes a referral.
pub fn example(pathway: Pathway) -> Value {
    match pathway {
        Pathway::Vv => json!({
            "pathway": "vv",
            "discussion": "Influenza ARDS, P/F under 80 for 8 h despite prone position: VV-ECMO?",
            "department": "icu",
            "referring_doctor": "Dr. Ana Novak",
            "doctor_grade": "specialist",
            "callback_phone": "+386 3 423 3000",
            "patient_name": "Janez Primer",
            "treatment_limitation": "full_treatment",
            "age_years": 46,
            "sex": "male",
            "weight_kg": 92,
            "height_cm": 181,
            "clinical_frailty_scale": 2,
            "comorbidities": ["diabetes"],
            "pregnancy": "not_applicable",
            "primary_diagnosis": "Severe influenza A pneumonia with ARDS",
            "resp_diagnosis": "viral_pneumonia",
            "reversibility": "reversible",
            "admission_at": "2026-11-18T14:10",
            "intubation_at": "2026-11-19T02:30",
            "cardiac_arrest": false,
            "transfusion_restrictions": "none",
            "ventilation_mode": "pc",
            "plateau_cmh2o": 31,
            "pip_cmh2o": 33,
            "tidal_volume_ml": 450,
            "respiratory_rate": 30,
            "prone": "done_no_response",
            "prone_hours": 16,
            "neuromuscular_blockade": true,
            "cxr_quadrants": 4,
            "blood_gases": [
                {"taken_at": "2026-11-20T06:00", "site": "arterial", "ph": 7.28, "pao2_kpa": 7.4, "paco2_kpa": 7.9, "fio2": 1.0, "peep_cmh2o": 14},
                {"taken_at": "2026-11-20T10:00", "site": "arterial", "ph": 7.26, "pao2_kpa": 7.1, "paco2_kpa": 8.2, "fio2": 1.0, "peep_cmh2o": 14},
                {"taken_at": "2026-11-20T14:00", "site": "arterial", "ph": 7.25, "pao2_mmhg": 52, "paco2_mmhg": 63, "fio2": 1.0, "peep_cmh2o": 14, "lactate_mmol_l": 1.8}
            ],
            "heart_rate": 112,
            "sbp_mmhg": 105,
            "dbp_mmhg": 55,
            "noradrenaline": 0.12,
            "creatinine_umol_l": 98,
            "sofa": 9,
            "gcs": 3,
            "sedated": true,
            "brain_ct": "not_done",
            "anticoagulation_contraindications": ["none"],
            "rv_function": "mildly_reduced",
            "vascular_access": "free"
        }),
        _ => json!({
            "pathway": "va",
            "discussion": "Cardiogenic shock after PCI despite IABP and two drugs: VA-ECMO?",
            "department": "coronary_unit",
            "referring_doctor": "Dr. Marko Kos",
            "doctor_grade": "trainee",
            "responsible_consultant": "Dr. Petra Zupan",
            "callback_phone": "02 321 1000",
            "patient_name": "Marija Primer",
            "treatment_limitation": "full_treatment",
            "age_years": 58,
            "sex": "female",
            "weight_kg": 70,
            "height_cm": 165,
            "clinical_frailty_scale": 3,
            "comorbidities": ["none"],
            "pregnancy": "not_pregnant",
            "primary_diagnosis": "Anterior STEMI, cardiogenic shock after PCI of the LAD",
            "va_causes": ["ami"],
            "save_diagnoses": ["other"],
            "reversibility": "possibly_reversible",
            "admission_at": "2026-11-20T09:00",
            "intubation_at": "2026-11-20T11:30",
            "shock_onset_at": "2026-11-20T10:15",
            "cardiac_arrest": false,
            "transfusion_restrictions": "none",
            "pip_cmh2o": 24,
            "blood_gases": [
                {"taken_at": "2026-11-20T11:00", "site": "arterial", "ph": 7.29, "pao2_kpa": 12.5, "paco2_kpa": 4.6, "fio2": 0.5, "hco3_mmol_l": 16, "lactate_mmol_l": 4.1},
                {"taken_at": "2026-11-20T13:00", "site": "arterial", "ph": 7.22, "pao2_kpa": 11.8, "paco2_kpa": 4.4, "fio2": 0.5, "hco3_mmol_l": 13, "lactate_mmol_l": 6.3}
            ],
            "heart_rate": 118,
            "heart_rhythm": "sinus",
            "sbp_mmhg": 78,
            "dbp_mmhg": 50,
            "noradrenaline": 0.4,
            "dobutamine": 7.5,
            "mcs": "iabp",
            "hypoperfusion_signs": true,
            "escalating_support": true,
            "creatinine_umol_l": 160,
            "confirmed": ["creatinine_umol_l"],
            "bilirubin_umol_l": 20,
            "gcs": 3,
            "sedated": true,
            "pupils": "normal",
            "brain_ct": "not_done",
            "anticoagulation_contraindications": ["none"],
            "anticoagulants": ["heparin", "aspirin", "p2y12"],
            "lvef_pct": 15,
            "rv_function": "mildly_reduced",
            "aortic_regurgitation": "none",
            "aortic_dissection": "excluded",
            "stemi": "yes",
            "coronary_angiography": "done_revascularised",
            "vascular_access": "free"
        }),
    }
}

/// The longest free text of an update or a message.
pub const MAX_NOTE: usize = 2_000;

/// An update from the referrer: free text, new blood gases, or both. The gases are
/// checked like the checklist's own and appended to the previous data; errors name the
/// update's fields (`blood_gases.0.ph` is the update's first sample). Returns the note and
/// the data of the new version.
pub fn check_update(
    pathway: Pathway,
    previous: &Map<String, Value>,
    update: &Value,
    now_local_ms: i64,
) -> Result<(String, Map<String, Value>), FieldErrors> {
    let Some(object) = update.as_object() else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject));
    };
    let mut errors = FieldErrors::default();
    for key in object.keys() {
        let known = match key.as_str() {
            "note" => true,
            GAS_STEP | "confirmed" => pathway != Pathway::Ecpr,
            _ => false,
        };
        if !known {
            errors.add(key, FieldError::UnknownField);
        }
    }
    let note = match object.get("note") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.trim().chars().count() > MAX_NOTE => {
            errors.add("note", FieldError::TooLong { max: MAX_NOTE });
            String::new()
        }
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => {
            errors.add(
                "note",
                FieldError::UnknownValue {
                    allowed: vec!["text".into()],
                },
            );
            String::new()
        }
    };
    let new_gases: Vec<Value> = match object.get(GAS_STEP) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(rows)) => rows.clone(),
        Some(_) => {
            errors.add(GAS_STEP, FieldError::NotAList);
            Vec::new()
        }
    };
    if note.is_empty() && new_gases.is_empty() && errors.is_empty() {
        errors.add("note", FieldError::Missing);
    }
    if new_gases.is_empty() {
        return if errors.is_empty() {
            Ok((note, previous.clone()))
        } else {
            Err(errors)
        };
    }
    let old: Vec<Value> = previous
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let offset = old.len();
    let mut merged = previous.clone();
    let mut gases = old;
    gases.extend(new_gases);
    merged.insert(GAS_STEP.into(), Value::Array(gases));
    let mut confirmed: Vec<Value> = previous
        .get("confirmed")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let renumber = |key: &str, by: isize| -> Option<String> {
        let rest = key.strip_prefix("blood_gases.")?;
        let (index, field) = rest.split_once('.')?;
        let index = index.parse::<isize>().ok()? + by;
        (index >= 0).then(|| format!("blood_gases.{index}.{field}"))
    };
    if let Some(items) = object.get("confirmed").and_then(Value::as_array) {
        confirmed.extend(
            items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|k| renumber(k, offset as isize))
                .map(Value::from),
        );
    }
    merged.insert("confirmed".into(), Value::Array(confirmed));
    let checked = check(&Value::Object(merged), now_local_ms);
    for (key, list) in checked.submission_errors().0 {
        let renamed = if key == GAS_STEP {
            Some(key.clone())
        } else {
            renumber(&key, -(offset as isize))
        };
        // Only the update's own samples can be wrong: the earlier ones were accepted.
        let is_new = key
            .strip_prefix("blood_gases.")
            .and_then(|r| r.split_once('.'))
            .and_then(|(i, _)| i.parse::<usize>().ok())
            .is_some_and(|i| i >= offset);
        if let (true, Some(name)) = (is_new || key == GAS_STEP, renamed) {
            for e in list {
                errors.add(&name, e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((note, checked.data))
}

/// The P/F ratio (mmHg) of every arterial sample with PaO2 and FiO2, in time order, as
/// (wall-clock time, P/F).
pub fn pf_series(data: &Map<String, Value>) -> Vec<(i64, f64)> {
    let mut points: Vec<(i64, f64)> = data
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(Value::as_object)
                .filter(|g| g.get("site").and_then(Value::as_str) == Some("arterial"))
                .filter_map(|g| {
                    let at = parse_local(g.get("taken_at")?.as_str()?)?;
                    let pao2 = kpa_to_mmhg(g.get("pao2_kpa")?.as_f64()?);
                    let fio2 = g.get("fio2")?.as_f64()?;
                    (fio2 > 0.0).then(|| (at, derived::pf_ratio_mmhg(pao2, fio2)))
                })
                .collect()
        })
        .unwrap_or_default();
    points.sort_by_key(|p| p.0);
    points
}
