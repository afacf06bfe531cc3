use super::*;
use proptest::prelude::*;
use serde_json::json;
use ScaiReason as R;

fn scai(v: Value) -> ScaiResult {
    ScaiInput::parse(&v).unwrap().score(RuleSet::embedded())
}

fn stage(v: Value) -> ScaiStage {
    scai(v).stage
}

/// Hypoperfusion by lactate, one vasopressor: stage C before anything is added.
fn classic() -> Value {
    json!({"sbp_mmhg": 82, "lactate_mmol_l": 3.1, "noradrenaline_ug_kg_min": 0.15})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn one_drug_plus_a_device_with_hypoperfusion_is_d() {
    assert_eq!(stage(classic()), ScaiStage::C);
    let r = scai(with(classic(), json!({"mcs": true})));
    assert_eq!(r.stage, ScaiStage::D);
    assert!(
        r.reasons.contains(&R::McsAddedToVasoactive),
        "{:?}",
        r.reasons
    );
    // A device alone (no drug) keeps the pressure: classic shock, C.
    assert_eq!(
        stage(json!({"hypoperfusion_signs": true, "mcs": true})),
        ScaiStage::C
    );
    // Two drugs, or escalating support, are D as before.
    assert_eq!(
        stage(with(classic(), json!({"dobutamine_ug_kg_min": 5}))),
        ScaiStage::D
    );
    assert_eq!(
        stage(with(classic(), json!({"escalating_support": true}))),
        ScaiStage::D
    );
}

#[test]
fn a_rising_lactate_counts_only_from_a_baseline_of_two() {
    let c = |before: f64, now: f64| {
        stage(
            json!({"hypoperfusion_signs": true, "noradrenaline_ug_kg_min": 0.1,
                     "lactate_previous_mmol_l": before, "lactate_mmol_l": now}),
        )
    };
    // 0.8 → 1.3 is +62 % but from a normal baseline: not deterioration.
    assert_eq!(c(0.8, 1.3), ScaiStage::C);
    assert_eq!(c(1.99, 3.5), ScaiStage::C);
    // From 2.0: +50 % (3.0) is rising, just under it is not.
    assert_eq!(c(2.0, 3.0), ScaiStage::D);
    assert_eq!(c(2.0, 2.99), ScaiStage::C);
    assert_eq!(c(4.0, 6.0), ScaiStage::D);
    assert_eq!(c(4.0, 5.99), ScaiStage::C);
}

#[test]
fn hypotension_tachycardia_and_hypoperfusion_boundaries() {
    assert_eq!(stage(json!({})), ScaiStage::A);
    assert_eq!(
        stage(json!({"sbp_mmhg": 90, "map_mmhg": 60, "heart_rate": 99})),
        ScaiStage::A
    );
    assert_eq!(stage(json!({"sbp_mmhg": 89.9})), ScaiStage::B);
    assert_eq!(stage(json!({"map_mmhg": 59.9})), ScaiStage::B);
    assert_eq!(stage(json!({"heart_rate": 100})), ScaiStage::B);
    assert_eq!(stage(json!({"sbp_drop_over_30": true})), ScaiStage::B);
    // Lactate 2.0 is hypoperfusion; 1.99 is not.
    let drug = json!({"noradrenaline_ug_kg_min": 0.1, "sbp_mmhg": 85});
    assert_eq!(
        stage(with(drug.clone(), json!({"lactate_mmol_l": 2.0}))),
        ScaiStage::C
    );
    assert_eq!(
        stage(with(drug, json!({"lactate_mmol_l": 1.99}))),
        ScaiStage::B
    );
}

#[test]
fn extremis_boundaries() {
    let maximal = json!({"maximal_support": true, "noradrenaline_ug_kg_min": 1.0,
                         "adrenaline_ug_kg_min": 0.5, "hypoperfusion_signs": true});
    assert_eq!(
        stage(with(maximal.clone(), json!({"lactate_mmol_l": 8.0}))),
        ScaiStage::E
    );
    assert_eq!(
        stage(with(maximal.clone(), json!({"lactate_mmol_l": 7.99}))),
        ScaiStage::D
    );
    assert_eq!(
        stage(with(maximal.clone(), json!({"ph": 7.2}))),
        ScaiStage::E
    );
    assert_eq!(stage(with(maximal, json!({"ph": 7.21}))), ScaiStage::D);
    // Extremis labs without maximal support are not E by themselves.
    assert_eq!(stage(json!({"lactate_mmol_l": 9})), ScaiStage::A);
    assert_eq!(stage(json!({"ongoing_cpr": true})), ScaiStage::E);
    assert_eq!(
        stage(json!({"no_sbp_without_resuscitation": true})),
        ScaiStage::E
    );
}

#[test]
fn arrest_with_coma_below_gcs_nine() {
    let r = scai(json!({"ongoing_cpr": true, "cardiac_arrest": true, "gcs": 8}));
    assert_eq!((r.label.as_str(), r.arrest_with_coma), ("E-A", true));
    assert!(r.reasons.contains(&R::ArrestWithComa));
    let r = scai(json!({"cardiac_arrest": true, "gcs": 9}));
    assert_eq!((r.label.as_str(), r.arrest_with_coma), ("A", false));
    // Coma without an arrest is not the modifier.
    assert!(!scai(json!({"gcs": 3})).arrest_with_coma);
}

#[test]
fn every_bad_field_is_named_and_nothing_is_required() {
    let e = ScaiInput::parse(&json!({"sbp_mmhg": -5, "gcs": 7.5, "mcs": "yes",
        "lactate_mmol_l": 41, "dopamine_ug_kg_min": 60, "ph": 9, "size": 3}))
    .unwrap_err();
    for key in [
        "sbp_mmhg",
        "gcs",
        "mcs",
        "lactate_mmol_l",
        "dopamine_ug_kg_min",
        "ph",
        "size",
    ] {
        assert!(e.get(key).is_some(), "{key}: {e:?}");
    }
    assert!(ScaiInput::parse(&json!("C")).is_err());
    assert_eq!(
        scai(json!({"sbp_mmhg": null})).rule_set,
        RuleSet::embedded().version
    );
}

#[test]
fn every_reason_has_both_labels() {
    use crate::domain::i18n::Lang;
    for reason in ScaiReason::ALL {
        assert!(!reason.text(Lang::Sl).is_empty() && !reason.text(Lang::En).is_empty());
        assert_ne!(reason.text(Lang::Sl), reason.text(Lang::En), "{reason:?}");
    }
}

proptest! {
    /// Continuous boundary of the lactate trend: rising exactly when the baseline is at
    /// least 2 mmol/L and the lactate has risen by at least half of it.
    #[test]
    fn lactate_trend(before in 0.0..20.0f64, now in 0.0..40.0f64) {
        let r = scai(json!({"hypoperfusion_signs": true, "noradrenaline_ug_kg_min": 0.1,
                            "lactate_previous_mmol_l": before, "lactate_mmol_l": now}));
        let rising = before >= 2.0 && now >= before * 1.5;
        prop_assert_eq!(r.reasons.contains(&R::LactateRising), rising);
        prop_assert_eq!(r.stage, if rising { ScaiStage::D } else { ScaiStage::C });
    }

    /// Continuous boundaries of hypotension: B exactly below SBP 90 or MAP 60.
    #[test]
    fn hypotension(sbp in 0.0..300.0f64, map in 0.0..250.0f64) {
        let expected = if sbp < 90.0 || map < 60.0 { ScaiStage::B } else { ScaiStage::A };
        prop_assert_eq!(stage(json!({"sbp_mmhg": sbp, "map_mmhg": map})), expected);
    }

    /// The stage never falls when a device is added to the same patient.
    #[test]
    fn a_device_never_lowers_the_stage(lactate in 0.0..40.0f64, nor in 0.0..2.0f64, signs: bool) {
        let base = json!({"lactate_mmol_l": lactate, "noradrenaline_ug_kg_min": nor, "hypoperfusion_signs": signs});
        let with_device = stage(with(base.clone(), json!({"mcs": true})));
        prop_assert!(with_device >= stage(base));
    }
}
