use super::*;
use crate::domain::rules::RuleSet;
use crate::domain::units::kpa_to_mmhg;

const H: i64 = 3_600_000;

fn rules() -> &'static RuleSet {
    RuleSet::embedded()
}

fn gas(hours: f64, pao2_mmhg: f64, fio2: f64) -> BloodGas {
    BloodGas {
        taken_at_ms: (hours * H as f64) as i64,
        arterial: true,
        ph: Some(7.35),
        pao2_mmhg: Some(pao2_mmhg),
        paco2_mmhg: Some(45.0),
        fio2: Some(fio2),
        ..Default::default()
    }
}

fn vv(gases: Vec<BloodGas>) -> Evaluation {
    let case = Case {
        now_ms: 10 * H,
        blood_gases: gases,
        ventilation_start_ms: Some(0),
        ..Default::default()
    };
    evaluate(Pathway::Vv, &case, rules())
}

#[test]
fn eol2_needs_more_than_six_hours_without_a_break() {
    // P/F 70 at 0 h, 3 h and 6.5 h: more than 6 h → indication.
    let e = vv(vec![
        gas(0.0, 70.0, 1.0),
        gas(3.0, 70.0, 1.0),
        gas(6.5, 70.0, 1.0),
    ]);
    assert_eq!(e.vv_state, Some(VvState::IndicationMet));
    assert!(e.has("VV-EOL-2"));
    assert!(!e.has("VV-EOL-1"));

    // Exactly 6 h is not "more than 6 h".
    let e = vv(vec![gas(0.0, 70.0, 1.0), gas(6.0, 70.0, 1.0)]);
    assert_eq!(e.vv_state, Some(VvState::ThresholdMetDurationUnknown));
    assert!(e.has("VV-EOL-DURATION"));

    // An intervening sample at or above 80 breaks the run.
    let e = vv(vec![
        gas(0.0, 70.0, 1.0),
        gas(3.0, 85.0, 1.0),
        gas(6.5, 70.0, 1.0),
    ]);
    assert!(!e.has("VV-EOL-2"));
    assert_eq!(e.vv_state, Some(VvState::ThresholdMetDurationUnknown));
}

#[test]
fn eol1_over_three_hours_and_sample_order_does_not_matter() {
    let e = vv(vec![gas(3.5, 45.0, 1.0), gas(0.0, 45.0, 1.0)]);
    assert!(e.has("VV-EOL-1"));
}

#[test]
fn kpa_entries_are_compared_after_conversion() {
    // 6.67 kPa = 50.03 mmHg: not below 50.
    let e = vv(vec![
        gas(0.0, kpa_to_mmhg(6.67), 1.0),
        gas(4.0, kpa_to_mmhg(6.67), 1.0),
    ]);
    assert!(!e.has("VV-EOL-1"));
    let e = vv(vec![
        gas(0.0, kpa_to_mmhg(6.66), 1.0),
        gas(4.0, kpa_to_mmhg(6.66), 1.0),
    ]);
    assert!(e.has("VV-EOL-1"));
}

#[test]
fn venous_samples_do_not_count_for_pf_criteria() {
    let mut a = gas(0.0, 45.0, 1.0);
    let mut b = gas(4.0, 45.0, 1.0);
    a.arterial = false;
    b.arterial = false;
    let e = vv(vec![a, b]);
    assert!(!e.has("VV-EOL-1"));
    assert!(e.missing.contains(&"blood_gases".to_string()));
}

/// Hypercapnic acidosis over 7 h, the latest sample taken at the set rate `rr`, with the
/// plateau pressure `plateau`.
fn hypercapnic(rr: Option<f64>, plateau: Option<f64>) -> Evaluation {
    let g = |h: f64| BloodGas {
        ph: Some(7.20),
        paco2_mmhg: Some(70.0),
        ..gas(h, 200.0, 0.5)
    };
    let mut last = g(7.0);
    last.rr = rr;
    let case = Case {
        now_ms: 10 * H,
        blood_gases: vec![g(0.0), last],
        ventilation_start_ms: Some(0),
        plateau_cmh2o: plateau,
        ..Default::default()
    };
    evaluate(Pathway::Vv, &case, rules())
}

#[test]
fn eol3_hypercapnic_acidosis_despite_rr_35_and_plateau_32() {
    let e = hypercapnic(Some(35.0), Some(32.0));
    assert!(e.has("VV-EOL-3"));
    assert_eq!(e.vv_state, Some(VvState::IndicationMet));
    assert!(!e.has("VV-EOL-3-VENT"));
}

#[test]
fn eol3_is_not_met_before_ventilation_is_optimised() {
    for (rr, plateau) in [
        (Some(34.9), Some(32.0)),
        (Some(35.0), Some(32.1)),
        (Some(24.0), Some(28.0)),
        (None, Some(30.0)),
        (Some(35.0), None),
    ] {
        let e = hypercapnic(rr, plateau);
        assert!(!e.has("VV-EOL-3"), "{rr:?} {plateau:?}");
        // Not an indication yet: optimise ventilation and consult.
        assert!(e.has("VV-EOL-3-VENT"), "{rr:?} {plateau:?}");
        assert_eq!(
            e.vv_state,
            Some(VvState::ConsultEarly),
            "{rr:?} {plateau:?}"
        );
    }
    let e = hypercapnic(None, None);
    assert!(e.missing.contains(&"respiratory_rate".to_string()));
    assert!(e.missing.contains(&"plateau_cmh2o".to_string()));
}

proptest::proptest! {
    /// EOL-3 holds exactly when the rate is at least 35/min and the plateau at most 32.
    #[test]
    fn eol3_ventilation_boundary(rr in 0.0..80.0f64, plateau in 5.0..80.0f64) {
        let e = hypercapnic(Some(rr), Some(plateau));
        let optimised = rr >= 35.0 && plateau <= 32.0;
        proptest::prop_assert_eq!(e.has("VV-EOL-3"), optimised);
        proptest::prop_assert_eq!(e.has("VV-EOL-3-VENT"), !optimised);
    }
}

#[test]
fn consult_early_band() {
    // P/F 90 on FiO2 0.7: not an indication, but consult early.
    let e = vv(vec![gas(0.0, 63.0, 0.7)]);
    assert_eq!(e.vv_state, Some(VvState::ConsultEarly));
    assert!(e.has("VV-CONSULT"));
    let e = vv(vec![gas(0.0, 300.0, 0.4)]);
    assert_eq!(e.vv_state, Some(VvState::NotMet));
}

#[test]
fn murray_and_uncompensated_hypercapnia() {
    let case = Case {
        murray: Some(3.0),
        ..Default::default()
    };
    assert!(evaluate(Pathway::Vv, &case, rules()).has("VV-NHS-1"));
    let case = Case {
        murray: Some(2.75),
        ..Default::default()
    };
    let e = evaluate(Pathway::Vv, &case, rules());
    assert!(!e.has("VV-NHS-1"));
    assert!(e.has("VV-CONSULT"));
    let g = BloodGas {
        ph: Some(7.18),
        rr: Some(36.0),
        ..gas(0.0, 200.0, 0.5)
    };
    assert!(vv(vec![g]).has("VV-NHS-2"));
}

#[test]
fn contraindications_are_flags_never_a_verdict() {
    let mut case = Case {
        now_ms: 8 * 24 * H,
        ventilation_start_ms: Some(0),
        age_years: Some(70.0),
        clinical_frailty_scale: Some(5),
        sofa: Some(14),
        ..Default::default()
    };
    case.findings.insert("limitation_of_therapy".into());
    case.blood_gases = vec![gas(0.0, 45.0, 1.0), gas(4.0, 45.0, 1.0)];
    let e = evaluate(Pathway::Vv, &case, rules());
    for id in [
        "VV-EOL-1", "VV-CI-A1", "VV-CI-R1", "VV-CI-R5", "VV-CI-R8", "VV-CI-R9",
    ] {
        assert!(e.has(id), "{id}: {:?}", e.flags);
    }
    // The indication stands beside the contraindications: nothing merges them.
    assert_eq!(e.vv_state, Some(VvState::IndicationMet));
    assert!(e
        .flags
        .iter()
        .all(|f| !f.text(Lang::Sl).is_empty() && !f.text(Lang::En).is_empty()));
}

fn shock() -> Case {
    Case {
        sbp: Some(80.0),
        lactate: Some(4.0),
        hypoperfusion_signs: true,
        ..Default::default()
    }
}

#[test]
fn scai_stages() {
    let r = &rules().triage.scai;
    assert_eq!(classify_scai(&Case::default(), r).stage, ScaiStage::A);
    assert_eq!(
        classify_scai(
            &Case {
                sbp: Some(85.0),
                lactate: Some(1.2),
                ..Default::default()
            },
            r
        )
        .stage,
        ScaiStage::B
    );
    let mut c = shock();
    c.vasoactives.noradrenaline = 0.2;
    assert_eq!(classify_scai(&c, r).stage, ScaiStage::C);
    c.vasoactives.dobutamine = 5.0;
    assert_eq!(classify_scai(&c, r).stage, ScaiStage::D);
    let mut rising = shock();
    rising.vasoactives.noradrenaline = 0.2;
    rising.lactate_previous = Some(2.5);
    rising.lactate = Some(3.8);
    assert_eq!(classify_scai(&rising, r).stage, ScaiStage::D);
    let cpr = Case {
        ongoing_cpr: true,
        cardiac_arrest: true,
        gcs: Some(3),
        ..Default::default()
    };
    let s = classify_scai(&cpr, r);
    assert_eq!((s.stage, s.label().as_str()), (ScaiStage::E, "E-A"));
}

#[test]
fn va_triggers_and_contraindications() {
    let mut c = shock();
    c.vasoactives.noradrenaline = 0.6;
    c.vasoactives.adrenaline = 0.1;
    c.ami = true;
    c.findings.insert("aortic_dissection".into());
    let e = evaluate(Pathway::Va, &c, rules());
    for id in ["VA-T1", "VA-T2", "VA-T6", "VA-CI-2"] {
        assert!(e.has(id), "{id}: {:?}", e.flags);
    }
    assert_eq!(e.scai.map(|s| s.stage), Some(ScaiStage::D));
}

#[test]
fn ecpr_screening() {
    let good = Case {
        age_years: Some(50.0),
        witnessed: Some(true),
        bystander_cpr: Some(true),
        no_flow_min: Some(2.0),
        initial_rhythm: Some("vf_pvt".into()),
        expected_arrest_to_flow_min: Some(45.0),
        etco2_mmhg: Some(25.0),
        ..Default::default()
    };
    let e = evaluate(Pathway::Ecpr, &good, rules());
    assert_eq!(
        e.flags.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        vec!["ECPR-PHONE"]
    );
    assert!(e.missing.is_empty());

    let bad = Case {
        age_years: Some(78.0),
        witnessed: Some(false),
        no_flow_min: Some(12.0),
        initial_rhythm: Some("asystole".into()),
        expected_arrest_to_flow_min: Some(90.0),
        etco2_mmhg: Some(8.0),
        lactate: Some(19.0),
        ..Default::default()
    };
    let e = evaluate(Pathway::Ecpr, &bad, rules());
    for id in [
        "ECPR-AGE-EXCL",
        "ECPR-UNWITNESSED",
        "ECPR-NOFLOW-EXCL",
        "ECPR-RHYTHM-ASYSTOLE",
        "ECPR-ATF-EXCL",
        "ECPR-ETCO2-LOW",
        "ECPR-METABOLIC",
    ] {
        assert!(e.has(id), "{id}: {:?}", e.flags);
    }
    // One metabolic marker alone is not the exclusion.
    let one = Case {
        lactate: Some(19.0),
        ..good
    };
    assert!(!evaluate(Pathway::Ecpr, &one, rules()).has("ECPR-METABOLIC"));
}

#[test]
fn every_catalogue_entry_is_unique_and_bilingual() {
    let mut ids = std::collections::BTreeSet::new();
    for (id, _, source, sl, en) in CATALOGUE {
        assert!(ids.insert(*id), "duplicate {id}");
        assert!(
            !sl.is_empty() && !en.is_empty() && !source.is_empty(),
            "{id}"
        );
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn opt(range: std::ops::RangeInclusive<f64>) -> impl Strategy<Value = Option<f64>> {
        proptest::option::of(range)
    }

    fn gas() -> impl Strategy<Value = BloodGas> {
        (
            0i64..400,
            any::<bool>(),
            opt(6.5..=8.0),
            opt(7.5..=750.0),
            opt(7.5..=300.0),
            opt(0.21..=1.0),
            opt(0.0..=80.0),
            opt(0.0..=40.0),
        )
            .prop_map(
                |(h, arterial, ph, pao2, paco2, fio2, rr, lactate)| BloodGas {
                    taken_at_ms: h * H / 4,
                    arterial,
                    ph,
                    pao2_mmhg: pao2,
                    paco2_mmhg: paco2,
                    fio2,
                    rr,
                    lactate,
                },
            )
    }

    fn case() -> impl Strategy<Value = Case> {
        let items = proptest::sample::subsequence(
            vec![
                "limitation_of_therapy",
                "aortic_dissection",
                "immunosuppressed",
                "refractory_vt_vf",
                "hypothermia",
                "terminal_illness",
            ],
            0..4,
        );
        (
            proptest::collection::vec(gas(), 0..12),
            (
                opt(18.0..=110.0),
                opt(0.0..=4.0),
                opt(0.0..=300.0),
                opt(0.0..=40.0),
                opt(0.0..=2.0),
            ),
            (
                opt(0.0..=60.0),
                opt(0.0..=120.0),
                opt(0.0..=15.0),
                proptest::option::of(0u8..=24),
                proptest::option::of(1u8..=9),
            ),
            (
                any::<[bool; 6]>(),
                items,
                proptest::option::of(-1000i64..1000),
            ),
        )
            .prop_map(
                |(
                    gases,
                    (age, murray, sbp, lactate, norad),
                    (no_flow, atf, etco2_kpa, sofa, cfs),
                    (b, items, vent),
                )| {
                    let mut case = Case {
                        now_ms: 200 * H,
                        age_years: age,
                        murray,
                        sbp,
                        lactate,
                        no_flow_min: no_flow,
                        expected_arrest_to_flow_min: atf,
                        etco2_mmhg: etco2_kpa.map(crate::domain::units::kpa_to_mmhg),
                        sofa,
                        clinical_frailty_scale: cfs,
                        ventilation_start_ms: vent.map(|h| h * H),
                        blood_gases: gases,
                        witnessed: Some(b[0]),
                        ongoing_cpr: b[1],
                        hypoperfusion_signs: b[2],
                        ami: b[3],
                        cardiac_arrest: b[4],
                        failed_prone_trial: Some(b[5]),
                        weight_kg: Some(70.0),
                        ..Default::default()
                    };
                    case.vasoactives.noradrenaline = norad.unwrap_or(0.0);
                    case.findings = items.into_iter().map(String::from).collect();
                    case
                },
            )
    }

    proptest! {
        #[test]
        fn any_case_evaluates_without_panic_to_known_sorted_flags(case in case()) {
            for pathway in [Pathway::Vv, Pathway::Va, Pathway::Ecpr] {
                let e = evaluate(pathway, &case, rules());
                for f in &e.flags {
                    prop_assert!(CATALOGUE.iter().any(|d| d.0 == f.id), "{} is not in the catalogue", f.id);
                }
                prop_assert!(e.flags.windows(2).all(|w| (w[0].severity, &w[0].id) < (w[1].severity, &w[1].id)), "sorted, no repeats");
                prop_assert_eq!(e.vv_state.is_some(), pathway == Pathway::Vv);
                prop_assert_eq!(e.scai.is_some(), pathway == Pathway::Va);
            }
        }
    }
}

#[test]
fn a_pathway_is_stored_and_sent_by_its_code_and_an_unknown_code_is_none() {
    for pathway in [Pathway::Vv, Pathway::Va, Pathway::Ecpr] {
        assert_eq!(Pathway::from_code(pathway.code()), Some(pathway));
        assert_eq!(serde_json::to_value(pathway).unwrap(), pathway.code());
    }
    assert_eq!(Pathway::from_code("VV"), None);
    assert_eq!(Pathway::from_code(""), None);
    assert_eq!(Pathway::from_code("ecmo"), None);
}
