//! Units and conversions. Canonical storage is SI where Slovene ICUs use it (kPa for gases);
//! thresholds are compared in the unit they were published in, after converting and
//! without rounding first.

/// 1 kPa = 7.50062 mmHg (domain specification, conventions).
pub const MMHG_PER_KPA: f64 = 7.50062;

pub fn kpa_to_mmhg(kpa: f64) -> f64 {
    kpa * MMHG_PER_KPA
}

pub fn mmhg_to_kpa(mmhg: f64) -> f64 {
    mmhg / MMHG_PER_KPA
}

/// FiO2 entered either as a fraction (0.21–1.0) or as a percentage (21–100).
pub fn fio2_fraction(entered: f64) -> f64 {
    if entered > 1.0 {
        entered / 100.0
    } else {
        entered
    }
}

/// Rounds for display only, never before a comparison.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_inverse() {
        assert!((mmhg_to_kpa(kpa_to_mmhg(13.3)) - 13.3).abs() < 1e-12);
        assert!((kpa_to_mmhg(10.0) - 75.0062).abs() < 1e-9);
    }

    #[test]
    fn fio2_accepts_percent() {
        assert_eq!(fio2_fraction(60.0), 0.6);
        assert_eq!(fio2_fraction(0.6), 0.6);
        assert_eq!(fio2_fraction(1.0), 1.0);
    }
}
