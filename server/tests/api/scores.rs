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
