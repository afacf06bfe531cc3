//! A patient's access request: an administrator finds one patient's referrals by number or
//! by name and birth date as stored, and downloads all that is held about them; the search
//! and each export are audited with the reason, never with what was searched for.
use crate::checklist::signed_in_referrer;
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use serde_json::Value;

async fn request(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}/admin/subject-access", app.address))
        .header("origin", ORIGIN)
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn an_administrator_exports_one_patients_referrals(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let referrer = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let mut body = example(Pathway::Vv);
    body["patient_name"] = "Marija  Kovač".into();
    body["birth_date"] = "1961-04-02".into();
    body["patient_number"] = "123 456 789".into();
    let response = crate::referrals::submit(&app, &referrer, "key-subject-0001", &body).await;
    assert_eq!(response.status(), 201);
    let mut other = example(Pathway::Va);
    other["patient_name"] = "Janez Novak".into();
    other["patient_number"] = "987654321".into();
    let response = crate::referrals::submit(&app, &referrer, "key-subject-0002", &other).await;
    assert_eq!(response.status(), 201);

    app.create_user("admin@centre.test", &["admin"], None).await;
    let admin = app.browser();
    assert_eq!(
        app.sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let page = app.page(&admin, "/admin/subject-access").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"reason\""));

    // By number, written with other spacing: the one referral, all of it.
    let response = request(
        &app,
        &admin,
        &[
            ("patient_number", "123456789"),
            ("reason", "Written request 7/2026"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"subject-access-"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let document: Value = response.json().await.unwrap();
    let referrals = document["referrals"].as_array().unwrap();
    assert_eq!(referrals.len(), 1, "{document}");
    assert_eq!(referrals[0]["answers"]["patient_name"], "Marija  Kovač");
    assert_eq!(referrals[0]["versions"].as_array().unwrap().len(), 1);
    assert!(!referrals[0]["timeline"].as_array().unwrap().is_empty());
    assert_eq!(document["reason"], "Written request 7/2026");

    // By name (case and spaces aside) and birth date; a name without the date is not enough.
    let response = request(
        &app,
        &admin,
        &[
            ("patient_name", " marija kovač "),
            ("birth_date", "1961-04-02"),
            ("reason", "Written request 8/2026"),
        ],
    )
    .await;
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["referrals"].as_array().unwrap().len(), 1);
    let response = request(
        &app,
        &admin,
        &[
            ("patient_name", "Janez Novak"),
            ("reason", "Written request"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("birth_date"), "{location}");
    assert!(
        !location.contains("Janez"),
        "no value in the address: {location}"
    );

    // Without a reason nothing is exported, and the page names the field.
    let response = request(&app, &admin, &[("patient_number", "123456789")]).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/admin/subject-access?error=reason");
    let page = app.page(&admin, &location).await.text().await.unwrap();
    assert!(page.contains("field-reason-error"), "{page}");

    // Audited: two searches, one export each, with the reason and never the identifiers.
    let trail: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_events WHERE action LIKE 'subject_access%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "subject_access_export",
            "subject_access_search",
            "subject_access_export",
            "subject_access_search"
        ]
    );
    for (_, detail) in &trail {
        assert!(detail.contains("Written request"), "{detail}");
        assert!(
            !detail.contains("123456789") && !detail.to_lowercase().contains("kovač"),
            "{detail}"
        );
    }

    // Nobody else may ask.
    let response = request(
        &app,
        &referrer,
        &[
            ("patient_number", "123456789"),
            ("reason", "Curious about it"),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);
    app.stop().await;
}

crate::on_both_databases!(an_administrator_exports_one_patients_referrals);
