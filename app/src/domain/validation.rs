//! Field validation for the referral dataset (spec §5): hard limits reject a value as an
//! entry error (with the allowed range and unit), soft limits warn and are accepted once
//! the user confirms, and cross-field checks catch combinations that cannot be true.
use super::fields::{FieldError, FieldErrors};
use super::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A numeric field of the dataset with its limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    pub key: &'static str,
    pub unit: &'static str,
    pub hard: (f64, f64),
    /// Warn below / above these (either may be absent).
    pub soft_below: Option<f64>,
    pub soft_above: Option<f64>,
    pub integer: bool,
}

const fn spec(
    key: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    soft_below: Option<f64>,
    soft_above: Option<f64>,
) -> Spec {
    Spec {
        key,
        unit,
        hard: (min, max),
        soft_below,
        soft_above,
        integer: false,
    }
}

const fn int(
    key: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    soft_above: Option<f64>,
) -> Spec {
    Spec {
        key,
        unit,
        hard: (min, max),
        soft_below: None,
        soft_above,
        integer: true,
    }
}

/// Numeric fields of §5.2–§5.9. Hard limits stop impossible values. Soft limits warn only
/// where a value is probably a typing or unit error in a critically ill adult (PaO2 60 left
/// in kPa, creatinine 15000): values ordinary for these patients — MAP 50, lactate 12,
/// creatinine 300, plateau 35 — pass without a question.
pub const DATASET: &[Spec] = &[
    spec("age_years", "years", 18.0, 110.0, None, Some(100.0)),
    spec("weight_kg", "kg", 25.0, 350.0, Some(35.0), Some(250.0)),
    spec("height_cm", "cm", 100.0, 250.0, Some(130.0), Some(220.0)),
    int("clinical_frailty_scale", "", 1.0, 9.0, None),
    spec("cardiac_arrest_min", "min", 0.0, 300.0, None, Some(180.0)),
    spec("fio2", "", 0.21, 1.0, None, None),
    spec("peep_cmh2o", "cmH2O", 0.0, 40.0, None, Some(30.0)),
    spec("plateau_cmh2o", "cmH2O", 5.0, 80.0, None, Some(50.0)),
    spec("pip_cmh2o", "cmH2O", 5.0, 100.0, None, Some(60.0)),
    spec("mean_airway_pressure_cmh2o", "cmH2O", 0.0, 60.0, None, None),
    spec("tidal_volume_ml", "mL", 50.0, 2000.0, None, None),
    spec("respiratory_rate", "/min", 0.0, 80.0, None, Some(50.0)),
    spec("minute_ventilation_l_min", "L/min", 0.0, 40.0, None, None),
    spec("prone_hours", "h", 0.0, 200.0, None, None),
    spec("inhaled_no_ppm", "ppm", 0.0, 80.0, None, Some(40.0)),
    int("cxr_quadrants", "", 0.0, 4.0, None),
    spec("ph", "", 6.5, 8.0, Some(6.8), Some(7.7)),
    spec("pao2_kpa", "kPa", 1.0, 100.0, Some(3.0), Some(40.0)),
    spec("paco2_kpa", "kPa", 1.0, 40.0, Some(2.0), Some(20.0)),
    spec("hco3_mmol_l", "mmol/L", 1.0, 60.0, Some(5.0), Some(50.0)),
    spec(
        "base_excess_mmol_l",
        "mmol/L",
        -40.0,
        40.0,
        Some(-30.0),
        None,
    ),
    spec("sao2_pct", "%", 0.0, 100.0, Some(30.0), None),
    spec("lactate_mmol_l", "mmol/L", 0.0, 40.0, None, Some(25.0)),
    spec("heart_rate", "/min", 0.0, 300.0, Some(20.0), Some(220.0)),
    spec("sbp_mmhg", "mmHg", 0.0, 300.0, None, None),
    spec("dbp_mmhg", "mmHg", 0.0, 200.0, Some(15.0), None),
    spec("map_mmhg", "mmHg", 0.0, 250.0, Some(25.0), Some(180.0)),
    spec("cvp_mmhg", "mmHg", -5.0, 40.0, None, Some(30.0)),
    spec("scvo2_pct", "%", 0.0, 100.0, Some(20.0), None),
    spec("cardiac_index", "L/min/m²", 0.0, 10.0, Some(0.8), None),
    spec("pcwp_mmhg", "mmHg", 0.0, 60.0, None, Some(40.0)),
    spec("urine_ml_h", "mL/h", 0.0, 2000.0, None, Some(1000.0)),
    spec("noradrenaline", "µg/kg/min", 0.0, 10.0, None, Some(2.0)),
    spec("adrenaline", "µg/kg/min", 0.0, 5.0, None, Some(1.0)),
    spec("dobutamine", "µg/kg/min", 0.0, 40.0, None, Some(20.0)),
    spec("dopamine", "µg/kg/min", 0.0, 50.0, None, Some(20.0)),
    spec("milrinone", "µg/kg/min", 0.0, 1.5, None, Some(0.75)),
    spec("levosimendan", "µg/kg/min", 0.0, 0.4, None, Some(0.2)),
    spec("vasopressin_u_min", "U/min", 0.0, 0.1, None, Some(0.07)),
    spec("haemoglobin_g_l", "g/L", 20.0, 250.0, Some(40.0), None),
    spec("platelets", "×10⁹/L", 0.0, 2000.0, Some(10.0), None),
    spec("inr", "", 0.5, 20.0, None, Some(8.0)),
    spec("aptt_s", "s", 10.0, 250.0, None, Some(150.0)),
    spec("fibrinogen_g_l", "g/L", 0.0, 15.0, Some(0.5), None),
    spec(
        "creatinine_umol_l",
        "µmol/L",
        10.0,
        3000.0,
        None,
        Some(1500.0),
    ),
    spec("bilirubin_umol_l", "µmol/L", 1.0, 1000.0, None, Some(500.0)),
    spec("alt_u_l", "U/L", 0.0, 20000.0, None, Some(10000.0)),
    spec("ast_u_l", "U/L", 0.0, 20000.0, None, Some(10000.0)),
    spec("troponin_ng_l", "ng/L", 0.0, 1_000_000.0, None, None),
    spec("nt_probnp_ng_l", "ng/L", 0.0, 100_000.0, None, None),
    spec("crp_mg_l", "mg/L", 0.0, 700.0, None, None),
    spec("pct_ug_l", "µg/L", 0.0, 1000.0, None, None),
    int("sofa", "", 0.0, 24.0, None),
    int("gcs", "", 3.0, 15.0, None),
    spec("etco2_kpa", "kPa", 0.0, 15.0, None, None),
    spec("lvef_pct", "%", 0.0, 90.0, None, None),
    spec("tapse_mm", "mm", 0.0, 50.0, None, None),
];

pub fn spec_of(key: &str) -> Option<&'static Spec> {
    DATASET.iter().find(|s| s.key == key)
}

/// A value that is possible but unusual: accepted once the user confirms it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    Below {
        limit: f64,
        unit: String,
    },
    Above {
        limit: f64,
        unit: String,
    },
    /// HCO3 entered differs from the one computed from pH and PaCO2 (Henderson–Hasselbalch).
    AcidBaseInconsistent {
        computed: f64,
    },
    TidalVolumePerPbw {
        ml_per_kg: f64,
    },
    Bmi {
        bmi: f64,
    },
}

impl Warning {
    pub fn message(&self, lang: Lang) -> String {
        let n = |v: f64| {
            let s = format!("{}", super::units::round_to(v, 2));
            if lang == Lang::Sl {
                s.replace('.', ",")
            } else {
                s
            }
        };
        match (self, lang) {
            (Self::Below { limit, unit }, Lang::En) => {
                format!("unusually low (below {} {unit}): please confirm", n(*limit))
            }
            (Self::Below { limit, unit }, Lang::Sl) => format!(
                "nenavadno nizko (pod {} {unit}): prosimo, potrdite",
                n(*limit)
            ),
            (Self::Above { limit, unit }, Lang::En) => format!(
                "unusually high (above {} {unit}): please confirm",
                n(*limit)
            ),
            (Self::Above { limit, unit }, Lang::Sl) => format!(
                "nenavadno visoko (nad {} {unit}): prosimo, potrdite",
                n(*limit)
            ),
            (Self::AcidBaseInconsistent { computed }, Lang::En) => format!(
                "does not match pH and PaCO2 (expected about {} mmol/L): check the entries",
                n(*computed)
            ),
            (Self::AcidBaseInconsistent { computed }, Lang::Sl) => format!(
                "se ne ujema s pH in PaCO2 (pričakovano okoli {} mmol/L): preverite vnos",
                n(*computed)
            ),
            (Self::TidalVolumePerPbw { ml_per_kg }, Lang::En) => format!(
                "{} mL/kg predicted body weight, outside 4–8: please confirm",
                n(*ml_per_kg)
            ),
            (Self::TidalVolumePerPbw { ml_per_kg }, Lang::Sl) => format!(
                "{} mL/kg predvidene telesne mase, zunaj 4–8: prosimo, potrdite",
                n(*ml_per_kg)
            ),
            (Self::Bmi { bmi }, Lang::En) => format!(
                "body mass index {} kg/m² is unusual: please confirm weight and height",
                n(*bmi)
            ),
            (Self::Bmi { bmi }, Lang::Sl) => format!(
                "indeks telesne mase {} kg/m² je nenavaden: potrdite maso in višino",
                n(*bmi)
            ),
        }
    }
}

/// Checks one value against its field's limits.
pub fn check(key: &str, value: f64) -> Result<Option<Warning>, FieldError> {
    let Some(spec) = spec_of(key) else {
        return Ok(None);
    };
    if !value.is_finite() {
        return Err(FieldError::NotANumber);
    }
    if value < spec.hard.0 || value > spec.hard.1 {
        if key == "age_years" && (0.0..super::fields::ADULT_AGE).contains(&value) {
            return Err(FieldError::UnderAge);
        }
        return Err(FieldError::OutOfRange {
            min: spec.hard.0,
            max: spec.hard.1,
            unit: spec.unit.to_owned(),
        });
    }
    if spec.integer && value.fract() != 0.0 {
        return Err(FieldError::NotAWholeNumber);
    }
    if let Some(lo) = spec.soft_below.filter(|lo| value < *lo) {
        return Ok(Some(Warning::Below {
            limit: lo,
            unit: spec.unit.to_owned(),
        }));
    }
    if let Some(hi) = spec.soft_above.filter(|hi| value > *hi) {
        return Ok(Some(Warning::Above {
            limit: hi,
            unit: spec.unit.to_owned(),
        }));
    }
    Ok(None)
}

/// HCO3 from pH and PaCO2 (mmHg) by Henderson–Hasselbalch: 0.0307 × PaCO2 × 10^(pH − 6.1).
pub fn hco3_from(ph: f64, paco2_mmhg: f64) -> f64 {
    0.0307 * paco2_mmhg * 10f64.powf(ph - 6.1)
}

/// Hard errors and warnings of a set of values, each checked alone and then together.
/// Keys as in [`DATASET`], plus `sex` is not numeric and goes separately.
pub fn validate(
    values: &BTreeMap<&str, f64>,
    male: Option<bool>,
) -> (FieldErrors, BTreeMap<String, Vec<Warning>>) {
    let mut errors = FieldErrors::default();
    let mut warnings: BTreeMap<String, Vec<Warning>> = BTreeMap::new();
    for (key, value) in values {
        match check(key, *value) {
            Err(e) => errors.add(key, e),
            Ok(Some(w)) => warnings.entry((*key).to_owned()).or_default().push(w),
            Ok(None) => {}
        }
    }
    // Cross-field checks use only values that passed on their own.
    let valid: BTreeMap<&str, f64> = values
        .iter()
        .filter(|(k, _)| errors.get(k).is_none())
        .map(|(k, v)| (*k, *v))
        .collect();
    let ok = |k: &str| valid.get(k).copied();
    let range = |min: f64, max: f64, unit: &str| FieldError::OutOfRange {
        min,
        max,
        unit: unit.to_owned(),
    };
    if let (Some(peep), Some(plateau)) = (ok("peep_cmh2o"), ok("plateau_cmh2o")) {
        if plateau < peep {
            errors.add("plateau_cmh2o", range(peep, 80.0, "cmH2O"));
        }
    }
    if let (Some(plateau), Some(pip)) = (ok("plateau_cmh2o"), ok("pip_cmh2o")) {
        if pip < plateau {
            errors.add("pip_cmh2o", range(plateau, 100.0, "cmH2O"));
        }
    }
    if let (Some(sbp), Some(dbp)) = (ok("sbp_mmhg"), ok("dbp_mmhg")) {
        if dbp >= sbp {
            errors.add("dbp_mmhg", range(0.0, sbp, "mmHg (below systolic)"));
        }
    }
    // PaO2 cannot exceed the alveolar PO2 that FiO2 allows at sea level.
    if let (Some(pao2), Some(fio2)) = (ok("pao2_kpa"), ok("fio2")) {
        let ceiling = fio2 * 95.0 + 1.0;
        if pao2 > ceiling {
            errors.add(
                "pao2_kpa",
                range(1.0, super::units::round_to(ceiling, 1), "kPa at this FiO2"),
            );
        }
    }
    if let (Some(ph), Some(paco2), Some(hco3)) = (ok("ph"), ok("paco2_kpa"), ok("hco3_mmol_l")) {
        let computed = hco3_from(ph, super::units::kpa_to_mmhg(paco2));
        if (computed - hco3).abs() > 4.0 {
            warnings
                .entry("hco3_mmol_l".into())
                .or_default()
                .push(Warning::AcidBaseInconsistent { computed });
        }
    }
    if let (Some(weight), Some(height)) = (ok("weight_kg"), ok("height_cm")) {
        let bmi = super::derived::bmi(weight, height);
        if !(16.0..=40.0).contains(&bmi) {
            warnings
                .entry("weight_kg".into())
                .or_default()
                .push(Warning::Bmi { bmi });
        }
    }
    if let (Some(vt), Some(height), Some(male)) = (ok("tidal_volume_ml"), ok("height_cm"), male) {
        let sex = if male {
            super::derived::Sex::Male
        } else {
            super::derived::Sex::Female
        };
        let per_kg = super::derived::tidal_volume_per_pbw(vt, sex, height);
        if !(4.0..=8.0).contains(&per_kg) {
            warnings
                .entry("tidal_volume_ml".into())
                .or_default()
                .push(Warning::TidalVolumePerPbw { ml_per_kg: per_kg });
        }
    }
    (errors, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::units::mmhg_to_kpa;

    fn values(pairs: &[(&'static str, f64)]) -> BTreeMap<&'static str, f64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn hard_soft_and_integer_limits() {
        assert!(matches!(
            check("ph", 6.4),
            Err(FieldError::OutOfRange { .. })
        ));
        assert!(matches!(check("ph", 6.7), Ok(Some(Warning::Below { .. }))));
        assert_eq!(check("ph", 7.3), Ok(None));
        assert_eq!(check("sofa", 12.5), Err(FieldError::NotAWholeNumber));
        assert_eq!(check("age_years", 16.0), Err(FieldError::UnderAge));
        assert!(matches!(
            check("lactate_mmol_l", 30.0),
            Ok(Some(Warning::Above { .. }))
        ));
        // PaO2 60 left in kPa (it was mmHg) is a unit error worth a question.
        assert!(matches!(
            check("pao2_kpa", 60.0),
            Ok(Some(Warning::Above { .. }))
        ));
        // Values ordinary for a critically ill adult pass without one.
        for (key, value) in [
            ("map_mmhg", 50.0),
            ("urine_ml_h", 10.0),
            ("creatinine_umol_l", 350.0),
            ("alt_u_l", 900.0),
            ("lactate_mmol_l", 12.0),
            ("plateau_cmh2o", 34.0),
            ("ph", 6.9),
            ("sao2_pct", 75.0),
            ("age_years", 75.0),
            ("clinical_frailty_scale", 5.0),
            ("sofa", 14.0),
        ] {
            assert_eq!(check(key, value), Ok(None), "{key} {value}");
        }
        assert!(matches!(
            check("map_mmhg", 20.0),
            Ok(Some(Warning::Below { .. }))
        ));
        assert!(matches!(
            check("creatinine_umol_l", 1600.0),
            Ok(Some(Warning::Above { .. }))
        ));
        let msg = check("weight_kg", 400.0).unwrap_err().message(Lang::En);
        assert_eq!(msg, "must be from 25 to 350 kg");
    }

    #[test]
    fn cross_field_checks() {
        let (errors, _) = validate(
            &values(&[("peep_cmh2o", 12.0), ("plateau_cmh2o", 10.0)]),
            None,
        );
        assert!(errors.get("plateau_cmh2o").is_some());
        let (errors, _) = validate(
            &values(&[("plateau_cmh2o", 30.0), ("pip_cmh2o", 28.0)]),
            None,
        );
        assert!(errors.get("pip_cmh2o").is_some());
        let (errors, _) = validate(&values(&[("sbp_mmhg", 80.0), ("dbp_mmhg", 80.0)]), None);
        assert!(errors.get("dbp_mmhg").is_some());
        // FiO2 0.21 → at most 20.95 kPa.
        let (errors, _) = validate(&values(&[("fio2", 0.21), ("pao2_kpa", 25.0)]), None);
        assert!(errors.get("pao2_kpa").is_some());
        let (errors, _) = validate(&values(&[("fio2", 1.0), ("pao2_kpa", 60.0)]), None);
        assert!(errors.is_empty());
    }

    #[test]
    fn henderson_hasselbalch_consistency() {
        // pH 7.40, PaCO2 40 mmHg (5.33 kPa) → HCO3 ≈ 24.4.
        let paco2 = mmhg_to_kpa(40.0);
        let (_, warnings) = validate(
            &values(&[("ph", 7.40), ("paco2_kpa", paco2), ("hco3_mmol_l", 24.0)]),
            None,
        );
        assert!(!warnings.contains_key("hco3_mmol_l"));
        let (_, warnings) = validate(
            &values(&[("ph", 7.40), ("paco2_kpa", paco2), ("hco3_mmol_l", 15.0)]),
            None,
        );
        assert!(matches!(
            warnings["hco3_mmol_l"][0],
            Warning::AcidBaseInconsistent { .. }
        ));
    }

    #[test]
    fn tidal_volume_per_predicted_body_weight() {
        let (_, w) = validate(
            &values(&[("tidal_volume_ml", 800.0), ("height_cm", 170.0)]),
            Some(true),
        );
        assert!(w.contains_key("tidal_volume_ml"));
        let (_, w) = validate(
            &values(&[("tidal_volume_ml", 400.0), ("height_cm", 170.0)]),
            Some(true),
        );
        assert!(!w.contains_key("tidal_volume_ml"));
    }

    #[test]
    fn every_field_has_a_sane_spec() {
        for s in DATASET {
            assert!(s.hard.0 < s.hard.1, "{}", s.key);
            for limit in [s.soft_below, s.soft_above].into_iter().flatten() {
                assert!(limit >= s.hard.0 && limit <= s.hard.1, "{}", s.key);
            }
        }
    }
}
