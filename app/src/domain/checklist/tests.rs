use super::*;
use crate::domain::triage::{ScaiStage, Severity};

/// 2026-11-21T12:00 local.
fn now() -> i64 {
    parse_local("2026-11-21T12:00").unwrap()
}

fn same(ms: i64) -> i64 {
    ms
}

#[test]
fn local_times_round_trip_and_reject_nonsense() {
    for text in ["2026-11-21T08:30", "2024-02-29T23:59", "1970-01-01T00:00"] {
        assert_eq!(format_local(parse_local(text).unwrap()), text);
    }
    assert_eq!(
        parse_local("2026-11-21 08:30:15")
            .map(format_local)
            .as_deref(),
        Some("2026-11-21T08:30")
    );
    for bad in [
        "2026-02-30T08:00",
        "2026-13-01T00:00",
        "2026-11-21T24:00",
        "yesterday",
        "2026-11-21",
        "",
    ] {
        assert_eq!(parse_local(bad), None, "{bad}");
    }
    assert_eq!(
        parse_local("2026-11-21T01:00").unwrap() - parse_local("2026-11-20T23:00").unwrap(),
        2 * 3_600_000
    );
}

#[test]
fn both_examples_are_complete_and_clean() {
    for pathway in [Pathway::Vv, Pathway::Va] {
        let checked = check(&example(pathway), now());
        assert!(
            checked.submission_errors().is_empty(),
            "{pathway:?}: {:?}",
            checked.submission_errors()
        );
        assert_eq!(checked.pathway, Some(pathway));
    }
}

#[test]
fn the_vv_example_meets_eolia_and_murray() {
    let checked = check(&example(Pathway::Vv), now());
    let support = checked.support(
        checked.pathway.unwrap(),
        RuleSet::embedded(),
        now(),
        now(),
        &same,
    );
    let e = &support;
    // P/F 52 mmHg / 1.0 and 7.1 kPa ≈ 53 mmHg over 8 hours: below 80 for more than 6 h.
    assert!(e.has("VV-EOL-2"), "{:?}", e.flags);
    assert!(e.has("VV-NHS-1"), "{:?}", support.scores);
    assert!(e.has("VV-CONSULT"));
    let murray = support.scores.iter().find(|s| s.score == "murray").unwrap();
    assert!(murray.points.unwrap() >= 3.0);
    let resp = support.scores.iter().find(|s| s.score == "resp").unwrap();
    assert!(resp.result.is_some(), "{resp:?}");
    // mmHg entries are stored in kPa.
    let last = &checked.gases()[2];
    assert!((last["pao2_kpa"].as_f64().unwrap() * MMHG_PER_KPA - 52.0).abs() < 1e-9);
}

#[test]
fn the_va_example_is_scai_d_with_save() {
    let checked = check(&example(Pathway::Va), now());
    let support = checked.support(
        checked.pathway.unwrap(),
        RuleSet::embedded(),
        now(),
        now(),
        &same,
    );
    let scai = support.scai.unwrap();
    assert_eq!(scai.stage, ScaiStage::D);
    assert!(support.has("VA-T1"));
    assert!(support.has("VA-T2"), "{:?}", support.flags);
    let save = &support.scores[0];
    assert_eq!(save.score, "save");
    assert!(save.result.is_some(), "{save:?}");
}

#[test]
fn only_the_minimal_set_is_required() {
    for pathway in ["vv", "va"] {
        let checked = check(&json!({ "pathway": pathway }), now());
        assert_eq!(
            checked.missing,
            ["discussion", "callback_phone", "age_years"],
            "{pathway}"
        );
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        // The minimal set alone can be sent.
        let minimal = json!({
            "pathway": pathway, "discussion": "Hypoxaemia despite prone position",
            "callback_phone": "01 522 1234", "age_years": 50
        });
        let checked = check(&minimal, now());
        assert!(
            checked.submission_errors().is_empty(),
            "{:?}",
            checked.submission_errors()
        );
    }
    // "Unknown" does not answer the minimal set.
    let checked = check(
        &json!({"pathway": "vv", "discussion": "x", "callback_phone": "01 522 1234", "age_years": "unknown"}),
        now(),
    );
    assert_eq!(
        checked.errors.get("age_years"),
        Some(&[FieldError::NotANumber][..])
    );
}

#[test]
fn unknown_answers_every_other_field_and_counts_as_not_given() {
    let mut value = json!({
        "pathway": "va", "discussion": "Shock after PCI", "callback_phone": "01 522 1234",
        "age_years": 61, "lvef_pct": "unknown", "comorbidities": "unknown",
        "cardiac_arrest": "Unknown", "treatment_limitation": "unknown", "shock_onset_at": "unknown",
        "blood_gases": [{"taken_at": "2026-11-21T07:00", "site": "arterial", "lactate_mmol_l": "unknown", "pao2_mmhg": "unknown"}]
    });
    let checked = check(&value, now());
    assert!(
        checked.submission_errors().is_empty(),
        "{:?}",
        checked.submission_errors()
    );
    for key in [
        "lvef_pct",
        "comorbidities",
        "cardiac_arrest",
        "shock_onset_at",
        "blood_gases.0.lactate_mmol_l",
        "blood_gases.0.pao2",
    ] {
        assert!(
            checked.unknown.iter().any(|u| u == key),
            "{key}: {:?}",
            checked.unknown
        );
        assert!(checked.data.get(key).is_none(), "{key}");
    }
    // A choice whose own options say "unknown" keeps it as its answer.
    assert_eq!(checked.text("treatment_limitation"), Some("unknown"));
    assert!(!checked.unknown.iter().any(|u| u == "treatment_limitation"));
    // The centre sees unknown and empty answers apart, in the checklist's order.
    let lacking = not_given(&checked.data);
    let find = |name: &str| lacking.iter().find(|n| n.name == name).cloned();
    assert_eq!(
        find("lvef_pct"),
        Some(NotGiven {
            name: "lvef_pct".into(),
            unknown: true
        })
    );
    assert_eq!(
        find("sbp_mmhg"),
        Some(NotGiven {
            name: "sbp_mmhg".into(),
            unknown: false
        })
    );
    assert_eq!(find("blood_gases.0.pao2").map(|n| n.unknown), Some(true));
    assert_eq!(
        find("fio2"),
        None,
        "FiO2 is asked with each gas, not on its own"
    );
    assert_eq!(find("discussion"), None);
    let position = |name: &str| lacking.iter().position(|n| n.name == name);
    assert!(position("department") < position("lvef_pct"));
    // Unknown is read as missing, never as "none": no comorbidity means nothing to SAVE.
    let support = checked.support(
        checked.pathway.unwrap(),
        RuleSet::embedded(),
        now(),
        now(),
        &same,
    );
    let save = support.scores.iter().find(|s| s.score == "save").unwrap();
    assert!(save.result.is_none(), "{save:?}");
    // The stored list carries the marks through a second check (an update re-checks it).
    let again = check(&Value::Object(checked.data.clone()), now());
    assert_eq!(again.unknown, checked.unknown);
    // Minimal fields, hidden fields and unknown names are refused in the list form.
    value["unknown"] = json!(["age_years"]);
    assert!(check(&value, now()).errors.get("unknown").is_some());
    value["unknown"] = json!(["resp_diagnosis"]);
    assert!(check(&value, now()).errors.get("unknown").is_some());
    value["unknown"] = json!(["aortic_dissection", "blood_gases.0.ph"]);
    let checked = check(&value, now());
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    assert!(checked.unknown.contains(&"aortic_dissection".to_owned()));
    assert!(checked.unknown.contains(&"blood_gases.0.ph".to_owned()));
}

#[test]
fn a_form_answers_unknown_with_a_tick_and_a_typed_value_wins() {
    let mut form = Form::new();
    let mut put = |k: &str, v: &[&str]| {
        form.insert(k.into(), v.iter().map(|s| (*s).to_owned()).collect());
    };
    put("unknown", &["lvef_pct", "tapse_mm", "comorbidities"]);
    put("tapse_mm", &["14"]);
    let value = form_to_json(Pathway::Va, &form);
    assert_eq!(value["lvef_pct"], json!("unknown"));
    assert_eq!(value["comorbidities"], json!("unknown"));
    assert_eq!(value["tapse_mm"], json!(14.0));
    // Saving a step replaces that step's marks only.
    let neurology = STEPS.iter().position(|s| s.key == "neurology").unwrap();
    let patient = STEPS.iter().position(|s| s.key == "patient").unwrap();
    let mut step = Form::new();
    step.insert("unknown".into(), vec!["tapse_mm".into()]);
    merge_step(&mut form, neurology, step);
    assert_eq!(form["unknown"], ["comorbidities", "tapse_mm"]);
    merge_step(&mut form, patient, Form::new());
    assert_eq!(form["unknown"], ["tapse_mm"]);
}

#[test]
fn a_field_of_the_other_pathway_is_refused() {
    // A field of the other pathway is not part of this one.
    let checked = check(&json!({"pathway": "va", "resp_diagnosis": "asthma"}), now());
    assert_eq!(
        checked.errors.get("resp_diagnosis"),
        Some(&[FieldError::UnknownField][..])
    );
}

#[test]
fn impossible_values_are_named_with_their_field() {
    let mut value = example(Pathway::Vv);
    value["age_years"] = json!(15);
    value["blood_gases"][0]["fio2"] = json!(1.5e3);
    value["sex"] = json!("x");
    value["callback_phone"] = json!("ring me");
    value["admission_at"] = json!("2026-11-22T08:00");
    value["intubation_at"] = json!("2026-11-01T08:00");
    value["plateau_cmh2o"] = json!(200);
    value["blood_gases"][1]["pao2_kpa"] = json!(500);
    value["blood_gases"][2]["pao2_mmhg"] = json!(2);
    value["blood_gases"][0]["shoe"] = json!(1);
    value["favourite_colour"] = json!("blue");
    let checked = check(&value, now());
    for key in [
        "age_years",
        "blood_gases.0.fio2",
        "sex",
        "callback_phone",
        "admission_at",
        "plateau_cmh2o",
        "blood_gases.1.pao2_kpa",
        "blood_gases.2.pao2_mmhg",
        "blood_gases.0.shoe",
        "favourite_colour",
    ] {
        assert!(
            checked.errors.get(key).is_some(),
            "{key}: {:?}",
            checked.errors
        );
    }
    assert_eq!(
        checked.errors.get("admission_at"),
        Some(&[FieldError::InFuture][..])
    );
    // mmHg errors name the mmHg range.
    let message = checked.errors.get("blood_gases.2.pao2_mmhg").unwrap()[0]
        .message(crate::domain::i18n::Lang::En);
    assert_eq!(message, "must be from 7.5 to 750 mmHg");
    // Fields with errors are not kept.
    assert!(checked.data.get("age_years").is_none());
}

#[test]
fn intubation_cannot_precede_admission_by_more_than_a_day() {
    let mut value = example(Pathway::Vv);
    value["intubation_at"] = json!("2026-11-17T08:00");
    let checked = check(&value, now());
    assert_eq!(
        checked.errors.get("intubation_at"),
        Some(&[FieldError::BeforeAdmission][..])
    );
}

#[test]
fn implausible_values_need_confirmation() {
    let mut value = example(Pathway::Vv);
    value["weight_kg"] = json!(200);
    let checked = check(&value, now());
    assert!(checked.errors.is_empty());
    let errors = checked.submission_errors();
    assert!(
        matches!(
            errors.get("weight_kg"),
            Some([FieldError::Unconfirmed { .. }, ..])
        ),
        "{errors:?}"
    );
    value["confirmed"] = json!(["weight_kg"]);
    assert!(check(&value, now()).submission_errors().is_empty());
    // Inconsistent acid–base values in a gas are a warning on that gas.
    let mut value = example(Pathway::Vv);
    value["blood_gases"][0]["hco3_mmol_l"] = json!(40);
    let checked = check(&value, now());
    assert!(
        checked.warnings.contains_key("blood_gases.0.hco3_mmol_l"),
        "{:?}",
        checked.warnings
    );
}

#[test]
fn fio2_as_a_percentage_and_none_with_others() {
    let mut value = example(Pathway::Vv);
    value["blood_gases"][0]["fio2"] = json!(80);
    value["comorbidities"] = json!(["none", "copd"]);
    let checked = check(&value, now());
    assert_eq!(checked.gases()[0]["fio2"], json!(0.8));
    assert!(checked.errors.get("comorbidities").is_some());
}

#[test]
fn a_form_becomes_the_api_json() {
    let mut form: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut put = |k: &str, v: &str| form.entry(k.to_owned()).or_default().push(v.to_owned());
    put("age_years", "46,5");
    put("sex", "male");
    put("cardiac_arrest", "no");
    put("neuromuscular_blockade", "yes");
    put("comorbidities", "copd");
    put("comorbidities", "diabetes");
    put("inhaled_no", "on");
    put("blood_gases.0.taken_at", "2026-11-21T08:00");
    put("blood_gases.0.site", "arterial");
    put("blood_gases.0.pao2", "60");
    put("blood_gases.0.pao2_unit", "mmhg");
    put("blood_gases.1.site", "arterial");
    put("weight_kg", "heavy");
    let value = form_to_json(Pathway::Vv, &form);
    assert_eq!(value["age_years"], json!(46.5));
    assert_eq!(value["cardiac_arrest"], json!(false));
    assert_eq!(value["neuromuscular_blockade"], json!(true));
    assert_eq!(value["comorbidities"], json!(["copd", "diabetes"]));
    assert_eq!(value["inhaled_no"], json!(true));
    assert_eq!(value["blood_gases"].as_array().unwrap().len(), 1);
    assert_eq!(value["blood_gases"][0]["pao2_mmhg"], json!(60.0));
    assert_eq!(gas_rows(&form), 1);
    let checked = check(&value, now());
    assert_eq!(
        checked.errors.get("weight_kg"),
        Some(&[FieldError::NotANumber][..])
    );
    // Unticked boxes are false, not missing.
    assert_eq!(checked.flag("air_leak"), Some(false));
}

#[test]
fn every_field_and_value_has_both_labels() {
    use crate::domain::labels::is_labelled;
    let fields = STEPS.iter().flat_map(|s| s.fields.iter()).chain(GAS.iter());
    for field in fields {
        assert!(is_labelled(field.key, true), "{}", field.key);
        let values: &[&str] = match field.kind {
            Kind::Choice(v) | Kind::Multi(v) => v,
            _ => &[],
        };
        for v in values {
            assert!(is_labelled(v, false), "{}: {v}", field.key);
        }
    }
    for step in STEPS.iter().map(|s| s.key).chain(["review"]) {
        assert!(is_labelled(step, true), "{step}");
    }
}

#[test]
fn nothing_blocks_a_referral_with_contraindications() {
    let mut value = example(Pathway::Va);
    value["aortic_dissection"] = json!("present");
    value["treatment_limitation"] = json!("dnr");
    let checked = check(&value, now());
    assert!(checked.submission_errors().is_empty());
    let support = checked.support(
        checked.pathway.unwrap(),
        RuleSet::embedded(),
        now(),
        now(),
        &same,
    );
    let ci: Vec<&str> = support
        .flags
        .iter()
        .filter(|f| f.severity == Severity::Contraindication)
        .map(|f| f.id.as_str())
        .collect();
    assert!(ci.contains(&"VA-CI-2") && ci.contains(&"VA-CI-6"), "{ci:?}");
}

#[test]
fn the_step_of_a_field() {
    assert_eq!(step_of("callback_phone"), Some(0));
    assert_eq!(step_of("blood_gases.3.pao2_mmhg"), Some(4));
    assert_eq!(step_of("gcs"), Some(7));
    assert_eq!(base_key("blood_gases.0.pao2_kpa"), "blood_gases.0.pao2");
    assert_eq!(base_key("fio2"), "fio2");
}

#[test]
fn a_step_replaces_its_own_fields_and_confirmations_only() {
    let mut form: Form = BTreeMap::new();
    form.insert("weight_kg".into(), vec!["200".into()]);
    form.insert("comorbidities".into(), vec!["copd".into()]);
    form.insert("plateau_cmh2o".into(), vec!["31".into()]);
    form.insert(
        "confirmed".into(),
        vec!["weight_kg".into(), "blood_gases.0.peep_cmh2o".into()],
    );
    // The patient step is posted again with no comorbidity ticked and no confirmation.
    let mut posted: Form = BTreeMap::new();
    posted.insert("weight_kg".into(), vec!["201".into()]);
    merge_step(&mut form, 1, posted);
    assert_eq!(form["weight_kg"], vec!["201".to_owned()]);
    assert!(!form.contains_key("comorbidities"));
    assert_eq!(form["plateau_cmh2o"], vec!["31".to_owned()]);
    assert_eq!(
        form["confirmed"],
        vec!["blood_gases.0.peep_cmh2o".to_owned()]
    );
    assert!(is_form_key("blood_gases.3.pao2_unit"));
    assert!(!is_form_key("blood_gases.99.ph"));
    assert!(!is_form_key("_go"));
}

#[test]
fn an_update_appends_checked_gases_and_names_its_own_errors() {
    let previous = check(&example(Pathway::Vv), now()).data;
    let update = json!({
        "note": "Proned again, no better.",
        "blood_gases": [
            {"taken_at": "2026-11-21T08:00", "site": "arterial", "ph": 7.21, "pao2_kpa": 6.8, "paco2_kpa": 9.0, "fio2": 1.0}
        ]
    });
    let (note, data) = check_update(Pathway::Vv, &previous, &update, now()).unwrap();
    assert_eq!(note, "Proned again, no better.");
    assert_eq!(data[GAS_STEP].as_array().unwrap().len(), 4);
    assert_eq!(pf_series(&data).len(), 4);
    let bad = json!({"blood_gases": [{"taken_at": "2099-01-01T08:00", "site": "arterial", "ph": 9.9}], "mood": "tired"});
    let errors = check_update(Pathway::Vv, &previous, &bad, now()).unwrap_err();
    for key in ["blood_gases.0.taken_at", "mood"] {
        assert!(errors.get(key).is_some(), "{key}: {errors:?}");
    }
    let errors = check_update(
        Pathway::Vv,
        &previous,
        &json!({"blood_gases": [{"taken_at": "2026-11-21T08:00", "site": "arterial", "ph": 9.9}]}),
        now(),
    )
    .unwrap_err();
    assert!(errors.get("blood_gases.0.ph").is_some(), "{errors:?}");
    assert!(check_update(Pathway::Vv, &previous, &json!({}), now())
        .unwrap_err()
        .get("note")
        .is_some());
    // An ECPR alert takes text only.
    let errors = check_update(
        Pathway::Ecpr,
        &Map::new(),
        &json!({"blood_gases": []}),
        now(),
    )
    .unwrap_err();
    assert!(errors.get(GAS_STEP).is_some());
}

#[test]
fn pasted_gases_fill_the_free_rows_and_unread_lines_stay() {
    let mut fields: Form = BTreeMap::new();
    fields.insert(
        "blood_gases.0.taken_at".into(),
        vec!["2026-11-20T02:00".into()],
    );
    fields.insert("blood_gases.0.site".into(), vec!["arterial".into()]);
    fields.insert("blood_gases.0.ph".into(), vec!["7,31".into()]);
    // 2026-11-20 14:30 on the ward (the tests' now): these are today's samples.
    let now_local = parse_local("2026-11-20T14:30").unwrap();
    let placed = paste_gases(
        &mut fields,
        "06:00 7,28 55 60 1 1,8\nnot a sample\n10:00; 7.26; 53; 62; 100%",
        "mmhg",
        now_local,
    );
    assert_eq!(placed, 2);
    assert_eq!(fields["blood_gases.0.ph"], vec!["7,31".to_owned()]);
    assert_eq!(
        fields["blood_gases.1.taken_at"],
        vec!["2026-11-20T06:00".to_owned()]
    );
    assert_eq!(fields["blood_gases.1.pao2_unit"], vec!["mmhg".to_owned()]);
    assert_eq!(fields["blood_gases.2.fio2"], vec!["100".to_owned()]);
    assert_eq!(fields[GAS_PASTE], vec!["not a sample".to_owned()]);

    // As the step posts them: read as typed, in mmHg, FiO2 100 % as a fraction.
    let value = form_to_json(Pathway::Vv, &fields);
    let gases = value[GAS_STEP].as_array().unwrap();
    assert_eq!(gases.len(), 3);
    assert_eq!(gases[1]["pao2_mmhg"], json!(55.0));
    assert_eq!(gases[1]["lactate_mmol_l"], json!(1.8));
    let checked = check(&value, now_local);
    assert_eq!(checked.gases()[2]["fio2"], json!(1.0));

    // Once corrected, the box empties.
    assert_eq!(
        paste_gases(&mut fields, "11:00 7,25 52 63 1", "mmhg", now_local),
        1
    );
    assert!(!fields.contains_key(GAS_PASTE));
    assert!(is_form_key(GAS_PASTE));
}
