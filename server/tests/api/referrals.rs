//! Referrals through the JSON API: idempotent submission, the stored evaluation, the team's
//! mail without patient data, and who may read what.
use crate::helpers::*;
use serde_json::{json, Value};

pub fn ecpr_alert() -> Value {
    json!({
        "pathway": "ecpr",
        "callback_phone": "+386 41 555 123",
        "location": "Mariborska cesta 7, Celje",
        "age_years": 54,
        "minutes_since_collapse": 20,
        "collapse": "witnessed_bystander_cpr",
        "no_flow_min": 2,
        "initial_rhythm": "vf_pvt",
        "etco2_kpa": 3.1,
        "eta_min": 25
    })
}

pub async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{}/api/v1/referrals", app.address))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn referral_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM referrals")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    n
}

async fn an_ecpr_alert_is_stored_once_with_its_flags_and_announced(kind: DbKind) {
    let app = spawn_app(kind, None, &[("ECMO_TEAM_EMAIL", "ecmo-team@centre.test")]).await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let client = app.browser();
    assert_eq!(
        app.sign_in(&client, "ref.a@a.test", GOOD_PASSWORD).await,
        200
    );

    let first = submit(&app, &client, "key-0000-0001", &ecpr_alert()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let reference = first["reference"].as_str().unwrap().to_owned();
    assert!(
        reference.starts_with("ECMO-20") && reference.ends_with("-0001"),
        "{reference}"
    );
    assert_eq!(first["status"], "ECPR_ALERT");
    // A retry with the same key (a double click, a lost answer) gives the same referral.
    let again = submit(&app, &client, "key-0000-0001", &ecpr_alert()).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    // Two at once with a new key: still one. The twin either arrives while the first is
    // processed (409: repeat to get the answer) or after it (200, the same referral).
    let body = ecpr_alert();
    let (a, b) = tokio::join!(
        submit(&app, &client, "key-0000-0002", &body),
        submit(&app, &client, "key-0000-0002", &body)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    match statuses {
        [200, 201] => assert_eq!(a["id"], b["id"]),
        [201, 409] => {}
        other => panic!("{other:?}: {a} {b}"),
    }
    let made = submit(&app, &client, "key-0000-0002", &body).await;
    assert_eq!(made.status(), 200);
    let made: Value = made.json().await.unwrap();
    assert!(made["reference"].as_str().unwrap().ends_with("-0002"));
    assert_eq!(referral_count(&app).await, 2);
    // The same key with another patient's alert is refused, not answered with the first:
    // nothing is stored, and the message names the key.
    let mut other = ecpr_alert();
    other["age_years"] = json!(61);
    other["location"] = json!("Ljubljanska cesta 3, Celje");
    let reused = submit(&app, &client, "key-0000-0001", &other).await;
    assert_eq!(reused.status(), 422);
    let reused: Value = reused.json().await.unwrap();
    assert!(
        reused["errors"]["idempotency_key"][0]
            .as_str()
            .unwrap()
            .contains("different referral"),
        "{reused}"
    );
    assert_eq!(referral_count(&app).await, 2);
    // The same answers written in another key order are the same request.
    let alert = ecpr_alert();
    let reversed: Vec<String> = alert
        .as_object()
        .unwrap()
        .iter()
        .rev()
        .map(|(k, v)| format!("{}: {v}", json!(k)))
        .collect();
    let retry = client
        .post(format!("{}/api/v1/referrals", app.address))
        .header("idempotency-key", "key-0000-0001")
        .header("content-type", "application/json")
        .body(format!("{{ {} }}", reversed.join(",\n  ")))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);

    let detail = app.referral(&client, &first["id"]).await;
    assert_eq!(detail["summary"]["hospital_name"], "SB Celje");
    let flags: Vec<&str> = detail["evaluation"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(flags.contains(&"ECPR-PHONE"), "{flags:?}");
    assert!(
        !flags.contains(&"ECPR-ATF-EXCL"),
        "20 + 25 min is within the limit: {flags:?}"
    );
    assert!(!detail["rule_set_version"].as_str().unwrap().is_empty());
    assert_eq!(detail["summary"]["acknowledge_target_min"], 2);
    assert!((detail["data"]["etco2_mmhg"].as_f64().unwrap() - 3.1 * 7.50062).abs() < 1e-6);
    assert_eq!(detail["events"][0]["kind"], "submitted");

    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE kind = 'referral_submitted' AND recipient = 'ecmo-team@centre.test' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        subject.contains(&reference) && subject.contains("SB Celje"),
        "{subject}"
    );
    // Whole words only: the acknowledgement link's random token may contain any digits.
    let words = |text: &str| {
        text.split(|c: char| !c.is_alphanumeric())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    // The place of the arrest may be a home: never in a mail. The callback number is the
    // caller's, so that the physician can phone before signing in.
    assert!(
        !subject.contains("Mariborska") && !body.contains("Mariborska"),
        "the arrest's address in the mail"
    );
    assert!(body.contains("+386 41 555 123 (SB Celje)"), "{body}");
    assert!(
        !words(&subject).contains(&"54".to_owned()) && !words(&body).contains(&"54".to_owned())
    );
    assert!(body.contains(&format!("http://ecmo.test/referrals/{}", first["id"])));
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"referral_submitted".to_owned()));
    assert!(actions.contains(&"referral_viewed".to_owned()));

    // Keys expire after 24 hours: a day later the same key is a new referral, and the
    // first keeps its data.
    app.clock.advance(24 * 3_600_000 + 60_000);
    let later = submit(&app, &client, "key-0000-0001", &other).await;
    assert_eq!(later.status(), 201);
    let later: Value = later.json().await.unwrap();
    assert_ne!(later["id"], first["id"]);
    let kept = app.referral(&client, &first["id"]).await;
    assert_eq!(kept["data"]["age_years"].as_f64(), Some(54.0));
    app.stop().await;
}

async fn another_hospital_cannot_see_the_referral(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("ref.b@b.test", &["referrer"], Some("SB Izola"))
        .await;
    app.create_user("clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let a = app.browser();
    let b = app.browser();
    let clinician = app.browser();
    app.sign_in(&a, "ref.a@a.test", GOOD_PASSWORD).await;
    app.sign_in(&b, "ref.b@b.test", GOOD_PASSWORD).await;
    app.sign_in(&clinician, "clinician@centre.test", GOOD_PASSWORD)
        .await;
    let made: Value = submit(&app, &a, "key-a-000001", &ecpr_alert())
        .await
        .json()
        .await
        .unwrap();
    let url = format!("{}/api/v1/referrals/{}", app.address, made["id"]);
    assert_eq!(b.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(a.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(clinician.get(&url).send().await.unwrap().status(), 200);
    let list = |c: reqwest::Client| {
        let url = format!("{}/api/v1/referrals", app.address);
        async move {
            c.get(url)
                .send()
                .await
                .unwrap()
                .json::<Vec<Value>>()
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(list(b.clone()).await, 0);
    assert_eq!(list(a.clone()).await, 1);
    assert_eq!(list(clinician.clone()).await, 1);
    // The page says the same.
    let page = b
        .get(format!("{}/referrals/{}", app.address, made["id"]))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    // Without a team address, every active ECMO clinician is told.
    assert_eq!(
        app.mail_count("clinician@centre.test", "referral_submitted")
            .await,
        1
    );
    app.stop().await;
}

async fn bad_referrals_are_refused_field_by_field_and_nothing_is_stored(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let client = app.browser();
    app.sign_in(&client, "ref.a@a.test", GOOD_PASSWORD).await;
    let mut body = ecpr_alert();
    body["age_years"] = json!(15);
    body["no_flow_min"] = json!(45);
    body["initial_rhythm"] = json!("sinus");
    body["patient_name"] = json!("Janez Novak");
    let response = submit(&app, &client, "key-bad-00001", &body).await;
    assert_eq!(response.status(), 422);
    let errors: Value = response.json().await.unwrap();
    for field in ["age_years", "no_flow_min", "initial_rhythm", "patient_name"] {
        assert!(errors["errors"].get(field).is_some(), "{field}: {errors}");
    }
    assert!(
        !errors.to_string().contains("Janez"),
        "values are never echoed"
    );
    let vv = submit(&app, &client, "key-bad-00002", &json!({"pathway": "vv"})).await;
    assert_eq!(vv.status(), 422);
    let unknown = submit(&app, &client, "key-bad-00004", &json!({"pathway": "cpr"})).await;
    assert_eq!(unknown.status(), 422);
    let no_key = client
        .post(format!("{}/api/v1/referrals", app.address))
        .json(&ecpr_alert())
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 422);
    let garbage = client
        .post(format!("{}/api/v1/referrals", app.address))
        .header("idempotency-key", "key-bad-00003")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 422);
    assert_eq!(referral_count(&app).await, 0);
    assert_eq!(
        app.mail_count("ecmo-team@centre.test", "referral_submitted")
            .await,
        0
    );
    app.stop().await;
}

crate::on_both_databases!(
    an_ecpr_alert_is_stored_once_with_its_flags_and_announced,
    another_hospital_cannot_see_the_referral,
    bad_referrals_are_refused_field_by_field_and_nothing_is_stored,
);

/// The referrer's side of the loop: the home page lists the hospital's open referrals with
/// their state, and the referral's page says who acknowledged it when.
#[test]
fn the_referrer_sees_open_referrals_and_who_acknowledged() {
    runtime().block_on(referrer_loop());
}

async fn referrer_loop() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    app.create_user("ref.loop@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("ecmo.loop@centre.test", &["ecmo_clinician"], None)
        .await;
    let referrer = app.browser();
    assert_eq!(
        app.sign_in(&referrer, "ref.loop@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    let vv = ecmo_referral_app::domain::checklist::example(
        ecmo_referral_app::domain::triage::Pathway::Vv,
    );
    let made: Value = submit(&app, &referrer, "7c0e6a52-loop-0001", &vv)
        .await
        .json()
        .await
        .unwrap();
    let html = |path: String| {
        let (app, referrer) = (&app, &referrer);
        async move { app.page(referrer, &path).await.text().await.unwrap() }
    };
    let home = html("/".into()).await;
    assert!(home.contains("data-testid=\"open-referrals\""), "{home}");
    assert!(home.contains(made["reference"].as_str().unwrap()));
    let page = html(format!("/referrals/{}", made["id"])).await;
    assert!(page.contains("center še ni potrdil prevzema"), "{page}");

    let centre = app.browser();
    assert_eq!(
        app.sign_in(&centre, "ecmo.loop@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let acknowledged = centre
        .post(format!(
            "{}/api/v1/referrals/{}/transitions",
            app.address, made["id"]
        ))
        .json(&json!({"to": "ACKNOWLEDGED"}))
        .send()
        .await
        .unwrap();
    assert!(
        acknowledged.status().is_success(),
        "{}",
        acknowledged.status()
    );
    let page = html(format!("/referrals/{}", made["id"])).await;
    assert!(page.contains("prevzel(a) Test Person"), "{page}");
    app.stop().await;
}

/// Twenty requests at once with one Idempotency-Key (a client retrying impatiently): one
/// referral is made (201); a twin that arrives while it is processed is told so (409), one
/// that arrives after gets the same referral (200). Nothing else is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_in_flight_is_answered_409_and_makes_one_referral() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    app.create_user("ref.twin@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let client = app.browser();
    assert_eq!(
        app.sign_in(&client, "ref.twin@a.test", GOOD_PASSWORD).await,
        200
    );
    let body = ecpr_alert();
    let answers = futures_util::future::join_all((0..20).map(|_| async {
        let response = submit(&app, &client, "key-twins-0001", &body).await;
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.unwrap())
    }))
    .await;
    let count = |code: u16| answers.iter().filter(|(s, _)| *s == code).count();
    assert_eq!(count(201), 1, "{answers:?}");
    assert_eq!(count(201) + count(200) + count(409), 20, "{answers:?}");
    assert!(
        count(409) >= 1,
        "no request overlapped the first: {answers:?}"
    );
    let made = &answers.iter().find(|(s, _)| *s == 201).unwrap().1;
    for (status, answer) in &answers {
        match status {
            200 => assert_eq!(answer["id"], made["id"]),
            409 => assert!(answer["error"]
                .as_str()
                .unwrap()
                .contains("still being processed")),
            _ => {}
        }
    }
    assert_eq!(referral_count(&app).await, 1);
    // Once it is done, the key answers with the referral.
    let again = submit(&app, &client, "key-twins-0001", &body).await;
    assert_eq!(again.status(), 200);
    app.stop().await;
}
