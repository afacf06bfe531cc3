use crate::helpers::*;
use serde_json::{json, Value};

async fn post(app: &TestApp, score: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/scores/{score}", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn resp_r1() -> Value {
    json!({"age_years": 35, "immunocompromised": false, "mv_hours": 24, "diagnosis": "viral_pneumonia",
           "cns_dysfunction": false, "nonpulmonary_infection": false, "neuromuscular_blockade": true,
           "nitric_oxide": false, "bicarbonate_infusion": false, "cardiac_arrest": false,
           "paco2_mmhg": 60, "pip_cmh2o": 35})
}

#[tokio::test]
async fn the_four_scores_answer_the_spec_vectors() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;

    let (status, m) = post(&app, "murray", json!({"cxr_quadrants": 3, "pf_ratio_mmhg": 150, "peep_cmh2o": 10, "compliance_ml_per_cmh2o": 35}).to_string()).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["score"], 2.75);
    assert_eq!(m["points"], 11);
    assert_eq!(m["severity"], "severe");
    assert_eq!(m["meets_referral_threshold"], false);
    assert!(m["caveat"].as_str().unwrap().contains("ELSO"));
    assert!(m["rule_set_version"].is_string());

    let (status, r) = post(&app, "resp", resp_r1().to_string()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (
            r["points"].as_i64(),
            r["risk_class"].as_str(),
            r["predicted_survival_pct"].as_i64()
        ),
        (Some(7), Some("I"), Some(92))
    );

    let s2 = json!({"diagnoses": ["other"], "age_years": 58, "weight_kg": 82, "liver_failure": false, "cns_dysfunction": false,
                    "acute_renal_failure": true, "chronic_renal_failure": false, "intubation_hours": 15, "pip_cmh2o": 26,
                    "cardiac_arrest": true, "diastolic_bp_mmhg": 38, "pulse_pressure_mmhg": 17, "hco3_mmol_l": 14});
    let (status, s) = post(&app, "save", s2.to_string()).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        (
            s["points"].as_i64(),
            s["risk_class"].as_str(),
            s["predicted_survival_pct"].as_i64()
        ),
        (Some(-13), Some("V"), Some(18))
    );

    let p2 = json!({"age_years": 50, "bmi": 32, "immunocompromised": true, "sofa": 13, "mv_days": 8,
                    "prone_positioning": false, "peep_cmh2o": 12, "plateau_cmh2o": 29});
    let (status, p) = post(&app, "preserve", p2.to_string()).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (
            p["points"].as_i64(),
            p["risk_class"].as_str(),
            p["predicted_survival_pct"].as_i64()
        ),
        (Some(5), Some("5-6"), Some(54))
    );
    assert_eq!(p["provisional"], true);
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_are_422_with_field_messages_never_500() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;

    let (status, body) = post(&app, "murray", "{not json").await;
    assert_eq!(status, 422);
    assert!(body["errors"]["body"].is_array());

    let (status, body) = post(
        &app,
        "murray",
        json!({"cxr_quadrants": "four", "pf_ratio_mmhg": 900}).to_string(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["cxr_quadrants"][0]
        .as_str()
        .unwrap()
        .contains("number"));
    assert!(
        body["errors"]["pf_ratio_mmhg"][0]
            .as_str()
            .unwrap()
            .contains("mmHg"),
        "the range names the unit: {body}"
    );
    assert!(body["errors"]["peep_cmh2o"][0]
        .as_str()
        .unwrap()
        .contains("required"));

    let mut young = resp_r1();
    young["age_years"] = json!(16);
    young["diagnosis"] = json!("covid");
    let (status, body) = post(&app, "resp", young.to_string()).await;
    assert_eq!(status, 422);
    assert!(body["errors"]["age_years"][0]
        .as_str()
        .unwrap()
        .contains("18"));
    assert!(body["errors"]["diagnosis"][0]
        .as_str()
        .unwrap()
        .contains("viral_pneumonia"));

    for body in [
        "[]",
        "null",
        "42",
        "\"x\"",
        "{\"diagnoses\": \"myocarditis\"}",
    ] {
        let (status, _) = post(&app, "save", body).await;
        assert_eq!(status, 422, "{body}");
    }
    let (status, _) = post(&app, "apache", "{}").await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// Every vector of the specification (§4.1–§4.4), through the API.
#[tokio::test]
async fn every_spec_vector_through_the_api() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let murray = [
        (
            json!({"cxr_quadrants": 4, "pf_ratio_mmhg": 80, "peep_cmh2o": 15, "compliance_ml_per_cmh2o": 18}),
            4.0,
            "severe",
            true,
        ),
        (
            json!({"cxr_quadrants": 3, "pf_ratio_mmhg": 150, "peep_cmh2o": 10, "compliance_ml_per_cmh2o": 35}),
            2.75,
            "severe",
            false,
        ),
        (
            json!({"cxr_quadrants": 2, "pf_ratio_mmhg": 230, "peep_cmh2o": 8}),
            1.33,
            "mild_moderate",
            false,
        ),
    ];
    for (input, score, severity, threshold) in murray {
        let (status, r) = post(&app, "murray", input.to_string()).await;
        assert_eq!(status, 200);
        assert_eq!(
            (
                r["score"].as_f64(),
                r["severity"].as_str(),
                r["meets_referral_threshold"].as_bool()
            ),
            (Some(score), Some(severity), Some(threshold)),
            "{input}"
        );
    }
    let with = |base: Value, changes: Value| {
        let mut v = base;
        for (k, x) in changes.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let resp = [
        (resp_r1(), 7, "I", 92),
        (
            with(
                resp_r1(),
                json!({"age_years": 55, "immunocompromised": true, "mv_hours": 96, "diagnosis": "bacterial_pneumonia",
            "nonpulmonary_infection": true, "nitric_oxide": true, "paco2_mmhg": 80, "pip_cmh2o": 40}),
            ),
            -4,
            "IV",
            33,
        ),
        (
            with(
                resp_r1(),
                json!({"age_years": 28, "mv_hours": 12, "diagnosis": "asthma", "bicarbonate_infusion": true,
            "paco2_mmhg": 95, "pip_cmh2o": 45}),
            ),
            11,
            "I",
            92,
        ),
    ];
    let save_base = json!({"diagnoses": ["myocarditis"], "age_years": 30, "weight_kg": 60, "liver_failure": false, "cns_dysfunction": false,
        "acute_renal_failure": false, "chronic_renal_failure": false, "intubation_hours": 5, "pip_cmh2o": 18,
        "cardiac_arrest": false, "diastolic_bp_mmhg": 45, "pulse_pressure_mmhg": 30, "hco3_mmol_l": 18});
    let save = [
        (save_base.clone(), 11, "I", 75),
        (
            with(
                save_base.clone(),
                json!({"diagnoses": ["other"], "age_years": 58, "weight_kg": 82, "acute_renal_failure": true,
            "intubation_hours": 15, "pip_cmh2o": 26, "cardiac_arrest": true, "diastolic_bp_mmhg": 38, "pulse_pressure_mmhg": 17, "hco3_mmol_l": 14}),
            ),
            -13,
            "V",
            18,
        ),
        (
            with(
                save_base.clone(),
                json!({"diagnoses": ["refractory_vt_vf"], "age_years": 45, "weight_kg": 95, "intubation_hours": 2,
            "pip_cmh2o": 22, "cardiac_arrest": true, "diastolic_bp_mmhg": 42, "pulse_pressure_mmhg": 25, "hco3_mmol_l": 17}),
            ),
            1,
            "II",
            58,
        ),
        (
            with(
                save_base,
                json!({"diagnoses": ["other"], "age_years": 50, "weight_kg": 75, "intubation_hours": 20, "pip_cmh2o": 24,
            "diastolic_bp_mmhg": 40, "pulse_pressure_mmhg": 20, "hco3_mmol_l": 16}),
            ),
            -1,
            "III",
            42,
        ),
    ];
    let p = |age: i32,
             bmi: i32,
             ic: bool,
             sofa: i32,
             mv: i32,
             prone: bool,
             peep: i32,
             pplat: i32| {
        json!({"age_years": age, "bmi": bmi,
        "immunocompromised": ic, "sofa": sofa, "mv_days": mv, "prone_positioning": prone, "peep_cmh2o": peep, "plateau_cmh2o": pplat})
    };
    let preserve = [
        (p(40, 28, false, 9, 2, true, 14, 28), 0, "0-2", 97),
        (p(50, 32, true, 13, 8, false, 12, 29), 5, "5-6", 54),
        (p(60, 24, true, 14, 7, false, 10, 30), 8, ">=7", 16),
    ];
    for (score, cases) in [
        ("resp", resp.to_vec()),
        ("save", save.to_vec()),
        ("preserve", preserve.to_vec()),
    ] {
        for (input, points, class, survival) in cases {
            let (status, r) = post(&app, score, input.to_string()).await;
            assert_eq!(status, 200, "{r}");
            assert_eq!(
                (
                    r["points"].as_i64(),
                    r["risk_class"].as_str(),
                    r["predicted_survival_pct"].as_i64()
                ),
                (Some(points), Some(class), Some(survival)),
                "{score}: {input}"
            );
        }
    }
    app.stop().await;
}

/// The centre's own rule-set file replaces the embedded default, and results name it.
#[tokio::test]
async fn a_rule_file_changes_thresholds_without_a_code_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut rules: Value =
        serde_json::from_str(include_str!("../../../app/rules/default.json")).unwrap();
    rules["version"] = json!("koiim-test-1");
    rules["murray"]["referral_threshold"] = json!(2.5);
    let path = dir.path().join("rules.json");
    std::fs::write(&path, rules.to_string()).unwrap();

    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[("ECMO_RULES_FILE", path.to_str().unwrap())],
    )
    .await;
    let (_, r) = post(&app, "murray", json!({"cxr_quadrants": 3, "pf_ratio_mmhg": 150, "peep_cmh2o": 10, "compliance_ml_per_cmh2o": 35}).to_string()).await;
    assert_eq!(
        r["meets_referral_threshold"], true,
        "2.75 meets the centre's 2.5"
    );
    assert_eq!(r["rule_set_version"], "koiim-test-1");
    app.stop().await;
}

#[test]
fn an_invalid_rule_file_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.json");
    std::fs::write(&path, "{\"version\": \"x\"}").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecmo-referral-server"))
        .env_clear()
        .current_dir(dir.path())
        .env("ECMO_DEMO", "1")
        .env("ECMO_RULES_FILE", &path)
        .env("ECMO_LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("ECMO_RULES_FILE"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

/// VIS and the SCAI stage (spec §0.1): the spec's example, the boundaries of the rules
/// changed in this rule set, and a 422 naming every bad field.
#[tokio::test]
async fn vis_and_scai_answer_like_the_rules() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;

    let (status, v) = post(
        &app,
        "vis",
        json!({"noradrenaline_ug_kg_min": 0.3, "dobutamine_ug_kg_min": 5}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["score"], 35.0);
    assert_eq!(v["components"]["noradrenaline_ug_kg_min"], 30.0);
    assert!(v["rule_set"].as_str().unwrap().starts_with("default-"));
    let (status, v) = post(
        &app,
        "vis",
        json!({"vasopressin_u_per_min": 0.04, "weight_kg": 80}).to_string(),
    )
    .await;
    assert_eq!((status, v["score"].as_f64()), (200, Some(5.0)), "{v}");
    let (status, v) = post(
        &app,
        "vis",
        json!({"vasopressin_u_per_min": 0.04, "milrinone_ug_kg_min": -0.1}).to_string(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        v["errors"]["weight_kg"][0]
            .as_str()
            .unwrap()
            .contains("required"),
        "{v}"
    );
    assert!(
        v["errors"]["milrinone_ug_kg_min"][0]
            .as_str()
            .unwrap()
            .contains("µg/kg/min"),
        "{v}"
    );

    let scai = |body: Value| {
        let app = &app;
        async move {
            let (status, r) = post(app, "scai", body.to_string()).await;
            assert_eq!(status, 200, "{r}");
            r
        }
    };
    // One drug + a device + hypoperfusion: D, and the reason says why.
    let d = scai(
        json!({"sbp_mmhg": 84, "lactate_mmol_l": 3.4, "hypoperfusion_signs": true,
                        "noradrenaline_ug_kg_min": 0.2, "mcs": true}),
    )
    .await;
    assert_eq!(d["stage"], "D", "{d}");
    assert!(
        d["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("mcs_added_to_vasoactive")),
        "{d}"
    );
    let c =
        scai(json!({"sbp_mmhg": 84, "lactate_mmol_l": 3.4, "noradrenaline_ug_kg_min": 0.2})).await;
    assert_eq!(c["stage"], "C", "{c}");
    // A rise from a normal baseline is not deterioration; from 2 mmol/L it is.
    let trend = |before: f64, now: f64| {
        json!({"hypoperfusion_signs": true, "noradrenaline_ug_kg_min": 0.1,
               "lactate_previous_mmol_l": before, "lactate_mmol_l": now})
    };
    assert_eq!(scai(trend(0.8, 1.3)).await["stage"], "C");
    assert_eq!(scai(trend(2.0, 3.0)).await["stage"], "D");
    assert_eq!(scai(trend(2.0, 2.99)).await["stage"], "C");
    // Extremis at lactate 8 on maximal support; the coma modifier below GCS 9.
    let e = scai(
        json!({"maximal_support": true, "lactate_mmol_l": 8, "cardiac_arrest": true, "gcs": 8}),
    )
    .await;
    assert_eq!(
        (
            e["stage"].as_str(),
            e["label"].as_str(),
            e["arrest_with_coma"].as_bool()
        ),
        (Some("E"), Some("E-A"), Some(true)),
        "{e}"
    );
    assert_eq!(
        scai(json!({"maximal_support": true, "lactate_mmol_l": 7.9})).await["stage"],
        "A"
    );
    assert_eq!(scai(json!({})).await["stage"], "A");

    let (status, bad) = post(
        &app,
        "scai",
        json!({"sbp_mmhg": "low", "gcs": 2, "mcs": 1, "colour": "grey"}).to_string(),
    )
    .await;
    assert_eq!(status, 422);
    for key in ["sbp_mmhg", "gcs", "mcs", "colour"] {
        assert!(bad["errors"][key].is_array(), "{key}: {bad}");
    }
    for body in ["[]", "null", "\"D\"", "{\"ongoing_cpr\": \"yes\"}"] {
        assert_eq!(post(&app, "scai", body).await.0, 422, "{body}");
        assert_eq!(post(&app, "vis", body).await.0, 422, "{body}");
    }
    app.stop().await;
}
