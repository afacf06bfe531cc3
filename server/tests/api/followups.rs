//! After sending: updates as new versions with the rules run again, the message thread,
//! following, and withdrawal — each kept within the referring hospital and the centre.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use serde_json::{json, Value};

async fn detail(app: &TestApp, client: &reqwest::Client, id: &Value) -> Value {
    client
        .get(format!("{}/api/v1/referrals/{id}", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: String,
    body: Value,
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn updates_messages_following_and_withdrawal(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    for (email, hospital) in [
        ("ref.a@a.test", "SB Celje"),
        ("colleague@a.test", "SB Celje"),
        ("ref.b@b.test", "SB Izola"),
    ] {
        app.create_user(email, &["referrer"], Some(hospital)).await;
    }
    app.create_user("clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let a = app.browser();
    let colleague = app.browser();
    let b = app.browser();
    let clinician = app.browser();
    for (client, email) in [
        (&a, "ref.a@a.test"),
        (&colleague, "colleague@a.test"),
        (&b, "ref.b@b.test"),
        (&clinician, "clinician@centre.test"),
    ] {
        assert_eq!(app.sign_in(client, email, GOOD_PASSWORD).await, 200);
    }
    // A VV referral whose gases do not yet meet EOLIA for long enough: one sample only.
    let mut body = example(Pathway::Vv);
    body["blood_gases"] = json!([
        {"taken_at": "2026-11-20T06:00", "site": "arterial", "ph": 7.30, "pao2_kpa": 9.0, "paco2_kpa": 6.5, "fio2": 1.0}
    ]);
    body["cxr_quadrants"] = json!(2);
    let made: Value = crate::referrals::submit(&app, &a, "key-follow-0001", &body)
        .await
        .json()
        .await
        .unwrap();
    let id = made["id"].clone();
    let before = detail(&app, &a, &id).await;
    let flags = |d: &Value| {
        d["evaluation"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(
        !flags(&before).contains(&"VV-EOL-2".to_owned()),
        "{:?}",
        flags(&before)
    );
    assert_eq!(before["version"], 1);

    // Two more samples over seven hours: the rules now see a sustained P/F below 80.
    let update = json!({
        "note": "Worse despite proning.",
        "blood_gases": [
            {"taken_at": "2026-11-20T07:00", "site": "arterial", "ph": 7.27, "pao2_kpa": 7.2, "paco2_kpa": 7.8, "fio2": 1.0},
            {"taken_at": "2026-11-20T14:00", "site": "arterial", "ph": 7.24, "pao2_mmhg": 52, "paco2_mmhg": 62, "fio2": 1.0}
        ]
    });
    let response = post(
        &app,
        &a,
        format!("/api/v1/referrals/{id}/updates"),
        update.clone(),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap()["version"], 2);
    let after = detail(&app, &a, &id).await;
    assert_eq!(after["version"], 2);
    assert!(
        flags(&after).contains(&"VV-EOL-2".to_owned()),
        "{:?}",
        flags(&after)
    );
    assert_eq!(after["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(after["snapshots"][1]["note"], "Worse despite proning.");
    assert_eq!(after["snapshots"][1]["gases"], 3);
    assert_eq!(after["pf_series"].as_array().unwrap().len(), 3);
    // A bad sample: named by the update's own index, nothing changes.
    let bad = json!({"blood_gases": [{"taken_at": "2099-01-01T00:00", "site": "arterial", "ph": 6.0}], "mood": "tired"});
    let response = post(&app, &a, format!("/api/v1/referrals/{id}/updates"), bad).await;
    assert_eq!(response.status(), 422);
    let errors: Value = response.json().await.unwrap();
    for key in ["blood_gases.0.taken_at", "blood_gases.0.ph", "mood"] {
        assert!(errors["errors"].get(key).is_some(), "{key}: {errors}");
    }
    assert_eq!(detail(&app, &a, &id).await["version"], 2);

    // The page draws the P/F chart and lists both versions.
    let page = a
        .get(format!("{}/referrals/{id}", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"pf-chart\"") && page.contains("<polyline"),
        "no chart"
    );
    assert!(page.contains("data-testid=\"version-2\""));

    // Another hospital can neither update nor write; the centre can write but not update.
    assert_eq!(
        post(
            &app,
            &b,
            format!("/api/v1/referrals/{id}/updates"),
            json!({"note": "x"})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        post(
            &app,
            &b,
            format!("/api/v1/referrals/{id}/messages"),
            json!({"body": "x"})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        post(
            &app,
            &clinician,
            format!("/api/v1/referrals/{id}/updates"),
            json!({"note": "x"})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        post(
            &app,
            &clinician,
            format!("/api/v1/referrals/{id}/messages"),
            json!({"body": "Call me on 1234."})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        post(
            &app,
            &a,
            format!("/api/v1/referrals/{id}/messages"),
            json!({"body": "Calling now."})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        post(
            &app,
            &a,
            format!("/api/v1/referrals/{id}/messages"),
            json!({"body": "   "})
        )
        .await
        .status(),
        422
    );
    let thread = detail(&app, &colleague, &id).await["messages"].clone();
    assert_eq!(thread.as_array().unwrap().len(), 2);
    assert_eq!(thread[0]["from_centre"], true);
    assert_eq!(thread[1]["from_centre"], false);

    // A colleague of the same hospital follows it.
    let followed = app
        .call(
            &colleague,
            "/api/referrals/follow",
            &[("id", &id.to_string()), ("follow", "true")],
        )
        .await;
    assert_eq!(followed.status(), 200);
    let seen = detail(&app, &colleague, &id).await;
    assert_eq!(seen["following"], true);
    assert_eq!(seen["followers"].as_array().unwrap().len(), 1);
    let refused = app
        .call(
            &b,
            "/api/referrals/follow",
            &[("id", &id.to_string()), ("follow", "true")],
        )
        .await;
    assert_eq!(refused.status(), 404);

    // Withdrawn with a reason: on the timeline, and closed to further updates.
    let missing_reason = app
        .call(
            &a,
            "/api/referrals/withdraw",
            &[
                ("id", &id.to_string()),
                ("reason_code", "other"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(missing_reason.status(), 422);
    let withdrawn = app
        .call(
            &a,
            "/api/referrals/withdraw",
            &[
                ("id", &id.to_string()),
                ("reason_code", "treated_locally"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    let closed = detail(&app, &a, &id).await;
    assert_eq!(closed["summary"]["status"], "WITHDRAWN");
    assert!(closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "withdrawn"));
    assert_eq!(closed["can_update"], false);
    assert_eq!(
        post(
            &app,
            &a,
            format!("/api/v1/referrals/{id}/updates"),
            json!({"note": "x"})
        )
        .await
        .status(),
        409
    );
    let actions = app.audit_actions().await;
    for action in [
        "referral_updated",
        "referral_message_posted",
        "referral_followed",
        "referral_withdrawn",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
    app.stop().await;
}

/// A stored referral whose evaluation or answers no longer decode (a damaged row, a
/// botched manual edit) is an error wherever it is read — never "no flags" on its page or
/// in the queue, and never an empty form that an update would write back over the answers.
async fn stored_data_that_does_not_decode_is_an_error(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let (a, clinician) = (app.browser(), app.browser());
    assert_eq!(app.sign_in(&a, "ref.a@a.test", GOOD_PASSWORD).await, 200);
    assert_eq!(
        app.sign_in(&clinician, "clinician@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let response =
        crate::referrals::submit(&app, &a, "key-damaged-0001", &example(Pathway::Vv)).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].clone();
    assert_eq!(detail(&app, &clinician, &id).await["version"], 1);

    sqlx::query("UPDATE referrals SET evaluation = '{\"flags\": 7}' WHERE id = $1")
        .bind(id.as_i64().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let status = |r: reqwest::Response| r.status().as_u16();
    let page = clinician
        .get(format!("{}/api/v1/referrals/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(status(page), 500);
    let list = a
        .get(format!("{}/api/v1/referrals", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(status(list), 500);
    let queue = app.call(&clinician, "/api/queue/get", &[]).await;
    assert_eq!(status(queue), 500);

    sqlx::query("UPDATE referrals SET evaluation = '{}', data = 'not json' WHERE id = $1")
        .bind(id.as_i64().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let update = post(
        &app,
        &a,
        format!("/api/v1/referrals/{id}/updates"),
        json!({ "note": "Worse." }),
    )
    .await;
    assert_eq!(status(update), 500);
    let (data, version): (String, i64) =
        sqlx::query_as("SELECT data, version FROM referrals WHERE id = $1")
            .bind(id.as_i64().unwrap())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (data.as_str(), version),
        ("not json", 1),
        "nothing written back"
    );

    // A state this version does not know is damage, never read as another state, and a
    // step from it changes nothing.
    let response =
        crate::referrals::submit(&app, &a, "key-damaged-0002", &example(Pathway::Vv)).await;
    let other = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    sqlx::query("UPDATE referrals SET status = 'UNDER CONSULTATION' WHERE id = $1")
        .bind(other)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = clinician
        .get(format!("{}/api/v1/referrals/{other}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(status(page), 500);
    let step = post(
        &app,
        &clinician,
        format!("/api/v1/referrals/{other}/transitions"),
        json!({ "to": "ACKNOWLEDGED" }),
    )
    .await;
    assert_eq!(status(step), 500);
    let (state,): (String,) = sqlx::query_as("SELECT status FROM referrals WHERE id = $1")
        .bind(other)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "UNDER CONSULTATION");
    app.stop().await;
}

crate::on_both_databases!(
    updates_messages_following_and_withdrawal,
    stored_data_that_does_not_decode_is_an_error
);
