//! Derived quantities (spec §4.6), computed in the interface as fields are filled.
use super::units::fio2_fraction;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// PaO2/FiO2 in mmHg; FiO2 as a fraction or a percentage.
pub fn pf_ratio_mmhg(pao2_mmhg: f64, fio2: f64) -> f64 {
    pao2_mmhg / fio2_fraction(fio2)
}

/// Predicted body weight (ARDSNet), kg.
pub fn predicted_body_weight_kg(sex: Sex, height_cm: f64) -> f64 {
    let base = match sex {
        Sex::Male => 50.0,
        Sex::Female => 45.5,
    };
    base + 0.91 * (height_cm - 152.4)
}

/// Tidal volume per kg of predicted body weight, mL/kg.
pub fn tidal_volume_per_pbw(vt_ml: f64, sex: Sex, height_cm: f64) -> f64 {
    vt_ml / predicted_body_weight_kg(sex, height_cm)
}

pub fn driving_pressure(plateau: f64, peep: f64) -> f64 {
    plateau - peep
}

/// Static compliance, mL/cmH2O; none when the plateau does not exceed PEEP.
pub fn static_compliance(vt_ml: f64, plateau: f64, peep: f64) -> Option<f64> {
    let dp = driving_pressure(plateau, peep);
    (dp > 0.0).then(|| vt_ml / dp)
}

/// Oxygenation index: FiO2 × mean airway pressure × 100 / PaO2 (mmHg).
pub fn oxygenation_index(fio2: f64, mean_airway_pressure: f64, pao2_mmhg: f64) -> f64 {
    fio2_fraction(fio2) * mean_airway_pressure * 100.0 / pao2_mmhg
}

pub fn bmi(weight_kg: f64, height_cm: f64) -> f64 {
    let m = height_cm / 100.0;
    weight_kg / (m * m)
}

pub fn pulse_pressure(sbp: f64, dbp: f64) -> f64 {
    sbp - dbp
}

/// Mean arterial pressure when not measured: DBP + (SBP − DBP)/3.
pub fn mean_arterial_pressure(sbp: f64, dbp: f64) -> f64 {
    dbp + (sbp - dbp) / 3.0
}

/// Infusion rate to dose: `mg` of drug in `ml` of solution, running at `ml_per_h`, for a
/// patient of `weight_kg` → µg/kg/min.
pub fn dose_ug_per_kg_min(mg: f64, ml: f64, ml_per_h: f64, weight_kg: f64) -> f64 {
    (mg * 1000.0 / ml) * ml_per_h / 60.0 / weight_kg
}

/// Vasoactive doses, µg/kg/min except vasopressin (U/min, as it is charted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Vasoactives {
    pub dopamine: f64,
    pub dobutamine: f64,
    pub adrenaline: f64,
    pub noradrenaline: f64,
    pub milrinone: f64,
    pub vasopressin_u_per_min: f64,
    pub levosimendan: f64,
}

impl Vasoactives {
    /// Vasoactive-inotropic score (Gaies 2010); vasopressin converted to U/kg/min by weight.
    /// Levosimendan is not counted (only some versions add it).
    pub fn vis(&self, weight_kg: f64) -> f64 {
        self.vis_components(Some(weight_kg)).iter().sum()
    }

    /// What each drug adds to the VIS, in the order dopamine, dobutamine, adrenaline,
    /// noradrenaline, milrinone, levosimendan (not counted: 0), vasopressin (0 without a
    /// weight only when none is running).
    pub fn vis_components(&self, weight_kg: Option<f64>) -> [f64; 7] {
        let vasopressin = if self.vasopressin_u_per_min > 0.0 {
            weight_kg.map_or(f64::NAN, |w| 10_000.0 * self.vasopressin_u_per_min / w)
        } else {
            0.0
        };
        [
            self.dopamine,
            self.dobutamine,
            100.0 * self.adrenaline,
            100.0 * self.noradrenaline,
            10.0 * self.milrinone,
            0.0,
            vasopressin,
        ]
    }

    /// How many drugs are running.
    pub fn count(&self) -> usize {
        [
            self.dopamine,
            self.dobutamine,
            self.adrenaline,
            self.noradrenaline,
            self.milrinone,
            self.vasopressin_u_per_min,
            self.levosimendan,
        ]
        .iter()
        .filter(|d| **d > 0.0)
        .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vis_example() {
        let v = Vasoactives {
            noradrenaline: 0.3,
            dobutamine: 5.0,
            ..Default::default()
        };
        assert!((v.vis(80.0) - 35.0).abs() < 1e-9);
        assert_eq!(v.count(), 2);
    }

    #[test]
    fn pbw_and_compliance() {
        assert!((predicted_body_weight_kg(Sex::Male, 180.0) - 75.116).abs() < 1e-9);
        assert!((predicted_body_weight_kg(Sex::Female, 152.4) - 45.5).abs() < 1e-9);
        assert_eq!(static_compliance(500.0, 30.0, 10.0), Some(25.0));
        assert_eq!(static_compliance(500.0, 10.0, 10.0), None);
    }

    #[test]
    fn dose_helper() {
        // 4 mg noradrenaline in 50 mL at 15 mL/h for 80 kg = 0.25 µg/kg/min.
        assert!((dose_ug_per_kg_min(4.0, 50.0, 15.0, 80.0) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn pressures_and_ratios() {
        assert!((mean_arterial_pressure(120.0, 60.0) - 80.0).abs() < 1e-12);
        assert_eq!(pulse_pressure(75.0, 45.0), 30.0);
        assert!((pf_ratio_mmhg(60.0, 80.0) - 75.0).abs() < 1e-12);
        assert!((bmi(80.0, 200.0) - 20.0).abs() < 1e-12);
        assert!((oxygenation_index(1.0, 20.0, 50.0) - 40.0).abs() < 1e-12);
    }
}
