//! Property tests: unit independence, totals equal to their itemised points, class
//! boundaries on both sides, and no panic anywhere in the allowed ranges.
use super::murray::MurrayInput;
use super::preserve::PreserveInput;
use super::resp::{RespInput, DIAGNOSES as RESP_DIAGNOSES};
use super::save::{SaveInput, DIAGNOSES as SAVE_DIAGNOSES};
use crate::domain::fields::limits;
use crate::domain::rules::{classify, RuleSet};
use crate::domain::units::MMHG_PER_KPA;
use proptest::prelude::*;
use serde_json::{json, Value};

fn rules() -> &'static RuleSet {
    RuleSet::embedded()
}

fn resp_json(
    age: f64,
    hours: f64,
    dx: usize,
    flags: [bool; 7],
    paco2: (&str, f64),
    pip: f64,
) -> Value {
    let mut v = json!({
        "age_years": age, "mv_hours": hours, "diagnosis": RESP_DIAGNOSES[dx],
        "immunocompromised": flags[0], "cns_dysfunction": flags[1], "nonpulmonary_infection": flags[2],
        "neuromuscular_blockade": flags[3], "nitric_oxide": flags[4], "bicarbonate_infusion": flags[5],
        "cardiac_arrest": flags[6], "pip_cmh2o": pip
    });
    v[paco2.0] = json!(paco2.1);
    v
}

proptest! {
    #[test]
    fn murray_kpa_and_mmhg_agree(kpa in limits::PF_RATIO_KPA.min..limits::PF_RATIO_MMHG.max / MMHG_PER_KPA, cxr in 0u8..=4, peep in 0.0f64..=40.0) {
        let by_kpa = MurrayInput::parse(&json!({"cxr_quadrants": cxr, "pf_ratio_kpa": kpa, "peep_cmh2o": peep})).unwrap().score(rules());
        let by_mmhg = MurrayInput::parse(&json!({"cxr_quadrants": cxr, "pf_ratio_mmhg": kpa * MMHG_PER_KPA, "peep_cmh2o": peep})).unwrap().score(rules());
        prop_assert_eq!(by_kpa, by_mmhg);
    }

    #[test]
    fn murray_points_are_the_itemised_sum(cxr in 0u8..=4, pf in 5.0f64..=750.0, peep in 0.0f64..=40.0, c in proptest::option::of(1.0f64..=1000.0)) {
        let mut v = json!({"cxr_quadrants": cxr, "pf_ratio_mmhg": pf, "peep_cmh2o": peep});
        if let Some(c) = c { v["compliance_ml_per_cmh2o"] = json!(c); }
        let r = MurrayInput::parse(&v).unwrap().score(rules());
        prop_assert_eq!(r.points, r.components.iter().map(|c| c.points).sum::<i32>());
        prop_assert!((0.0..=4.0).contains(&r.score));
        prop_assert_eq!(r.meets_referral_threshold, f64::from(r.points) / r.components.len() as f64 >= 3.0);
    }

    #[test]
    // 40 kPa is 300.02 mmHg, just above the mmHg limit: both spellings are drawn from the
    // range that each unit's limits accept.
    fn resp_kpa_and_mmhg_agree_and_sum(age in 18.0f64..=110.0, hours in 0.0f64..=8760.0, dx in 0usize..7, flags in any::<[bool; 7]>(),
                                       kpa in limits::PACO2_KPA.min..limits::PACO2_MMHG.max / MMHG_PER_KPA, pip in 5.0f64..=100.0) {
        let a = RespInput::parse(&resp_json(age, hours, dx, flags, ("paco2_kpa", kpa), pip)).unwrap().score(rules());
        let b = RespInput::parse(&resp_json(age, hours, dx, flags, ("paco2_mmhg", kpa * MMHG_PER_KPA), pip)).unwrap().score(rules());
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.points, a.components.iter().map(|c| c.points).sum::<i32>());
        prop_assert!((-22..=15).contains(&a.points), "published range");
    }

    #[test]
    fn save_sums_and_stays_in_range(dx in proptest::sample::subsequence(SAVE_DIAGNOSES.to_vec(), 1..=5), age in 18.0f64..=110.0,
                                    wt in 25.0f64..=350.0, flags in any::<[bool; 5]>(), hours in 0.0f64..=8760.0,
                                    pip in 5.0f64..=100.0, dbp in 0.0f64..=200.0, pp in 0.0f64..=300.0, hco3 in 1.0f64..=60.0) {
        let v = json!({"diagnoses": dx, "age_years": age, "weight_kg": wt, "liver_failure": flags[0], "cns_dysfunction": flags[1],
                       "acute_renal_failure": flags[2], "chronic_renal_failure": flags[3], "intubation_hours": hours,
                       "pip_cmh2o": pip, "cardiac_arrest": flags[4], "diastolic_bp_mmhg": dbp, "pulse_pressure_mmhg": pp, "hco3_mmol_l": hco3});
        let r = SaveInput::parse(&v).unwrap().score(rules());
        prop_assert_eq!(r.points, r.components.iter().map(|c| c.points).sum::<i32>());
        // Published range −35…+17 counts one diagnosis; several positive ones can add up to +8.
        prop_assert!((-35..=17 + 6).contains(&r.points));
    }

    #[test]
    fn preserve_sums(age in 18.0f64..=110.0, bmi in 8.0f64..=100.0, ic in any::<bool>(), mv in 0.0f64..=365.0, sofa in 0u8..=24,
                     prone in any::<bool>(), peep in 0.0f64..=40.0, pplat in 5.0f64..=80.0) {
        let v = json!({"age_years": age, "bmi": bmi, "immunocompromised": ic, "mv_days": mv, "sofa": sofa,
                       "prone_positioning": prone, "peep_cmh2o": peep, "plateau_cmh2o": pplat});
        let r = PreserveInput::parse(&v).unwrap().score(rules());
        prop_assert_eq!(r.risk.points, r.risk.components.iter().map(|c| c.points).sum::<i32>());
    }

    #[test]
    fn arbitrary_json_never_panics(v in arbitrary_json()) {
        let _ = MurrayInput::parse(&v).map(|i| i.score(rules()));
        let _ = RespInput::parse(&v).map(|i| i.score(rules()));
        let _ = SaveInput::parse(&v).map(|i| i.score(rules()));
        let _ = PreserveInput::parse(&v).map(|i| i.score(rules()));
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let keys = proptest::sample::select(vec![
        "cxr_quadrants",
        "pf_ratio_mmhg",
        "pf_ratio_kpa",
        "peep_cmh2o",
        "age_years",
        "diagnosis",
        "diagnoses",
        "mv_hours",
        "pip_cmh2o",
        "paco2_kpa",
        "sofa",
        "bmi",
        "ventilated",
        "weight_kg",
        "other",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-1000i64..1000).prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(2, 8, 4, |inner| {
        proptest::collection::vec(inner, 0..4).prop_map(Value::Array)
    });
    proptest::collection::btree_map(keys, value, 0..15)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

/// Class boundaries, checked on both sides of every boundary in the rule set.
#[test]
fn class_boundaries_on_both_sides() {
    for classes in [
        &rules().resp.classes,
        &rules().save.classes,
        &rules().preserve.classes,
    ] {
        for pair in classes.windows(2) {
            let (upper, lower) = (&pair[0], &pair[1]);
            assert_eq!(
                classify(classes, upper.min_points).unwrap().class,
                upper.class
            );
            assert_eq!(
                classify(classes, upper.min_points - 1).unwrap().class,
                lower.class
            );
        }
    }
    let expect = |classes, cases: &[(i32, &str)]| {
        for (points, class) in cases {
            assert_eq!(
                classify(classes, *points).unwrap().class,
                *class,
                "{points}"
            );
        }
    };
    expect(
        &rules().resp.classes,
        &[
            (6, "I"),
            (5, "II"),
            (3, "II"),
            (2, "III"),
            (-1, "III"),
            (-2, "IV"),
            (-5, "IV"),
            (-6, "V"),
            (-22, "V"),
        ],
    );
    expect(
        &rules().save.classes,
        &[
            (6, "I"),
            (5, "II"),
            (1, "II"),
            (0, "III"),
            (-4, "III"),
            (-5, "IV"),
            (-9, "IV"),
            (-10, "V"),
            (-35, "V"),
        ],
    );
    expect(
        &rules().preserve.classes,
        &[
            (7, ">=7"),
            (6, "5-6"),
            (5, "5-6"),
            (4, "3-4"),
            (3, "3-4"),
            (2, "0-2"),
            (-2, "0-2"),
        ],
    );
}

/// Murray component bands on both sides of each published boundary.
#[test]
fn murray_band_boundaries() {
    let m = &rules().murray;
    for (pf, points) in [
        (300.0, 0),
        (299.99, 1),
        (225.0, 1),
        (224.99, 2),
        (175.0, 2),
        (174.99, 3),
        (100.0, 3),
        (99.99, 4),
    ] {
        assert_eq!(m.pf_ratio_mmhg.points(pf), points, "P/F {pf}");
    }
    for (peep, points) in [
        (5.0, 0),
        (5.01, 1),
        (8.0, 1),
        (8.01, 2),
        (11.0, 2),
        (11.01, 3),
        (14.0, 3),
        (14.01, 4),
    ] {
        assert_eq!(m.peep_cmh2o.points(peep), points, "PEEP {peep}");
    }
    for (c, points) in [
        (80.0, 0),
        (79.99, 1),
        (60.0, 1),
        (59.99, 2),
        (40.0, 2),
        (39.99, 3),
        (20.0, 3),
        (19.99, 4),
    ] {
        assert_eq!(
            m.compliance_ml_per_cmh2o.points(c),
            points,
            "compliance {c}"
        );
    }
}
