//! VV and VA referrals: the checklist through the JSON API and through the step forms of
//! a draft, the same checks on both, and one referral per draft however often it is sent.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::{example, Kind, GAS, GAS_STEP, STEPS};
use ecmo_referral_app::domain::triage::Pathway;
use serde_json::{json, Value};

fn flag_ids(evaluation: &Value) -> Vec<String> {
    evaluation["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn signed_in_referrer(
    app: &TestApp,
    email: &str,
    hospital: &str,
) -> reqwest::Client {
    app.create_user(email, &["referrer"], Some(hospital)).await;
    let client = app.browser();
    assert_eq!(app.sign_in(&client, email, GOOD_PASSWORD).await, 200);
    client
}

async fn rows_in(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    n
}

async fn referral_count(app: &TestApp) -> i64 {
    rows_in(app, "referrals").await
}

async fn the_examples_make_referrals_with_their_flags_and_scores(kind: DbKind) {
    let app = spawn_app(kind, None, &[("ECMO_TEAM_EMAIL", "ecmo-team@centre.test")]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;

    let vv = crate::referrals::submit(&app, &client, "key-vv-000001", &example(Pathway::Vv)).await;
    assert_eq!(vv.status(), 201);
    let vv: Value = vv.json().await.unwrap();
    assert_eq!(vv["status"], "SUBMITTED");
    let va = crate::referrals::submit(&app, &client, "key-va-000001", &example(Pathway::Va)).await;
    assert_eq!(va.status(), 201);
    let va: Value = va.json().await.unwrap();

    let get = |id: &Value| {
        let url = format!("{}/api/v1/referrals/{id}", app.address);
        let client = client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let vv_detail = get(&vv["id"]).await;
    let flags = flag_ids(&vv_detail["evaluation"]);
    for id in ["VV-EOL-2", "VV-NHS-1", "VV-CONSULT"] {
        assert!(flags.contains(&id.to_owned()), "{id}: {flags:?}");
    }
    let scores = vv_detail["evaluation"]["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 3);
    assert!(scores.iter().all(|s| s["result"].is_string()), "{scores:?}");
    assert_eq!(vv_detail["summary"]["acknowledge_target_min"], 15);
    // Stored normalised: the mmHg sample in kPa.
    assert!(
        (vv_detail["data"]["blood_gases"][2]["pao2_kpa"]
            .as_f64()
            .unwrap()
            - 52.0 / 7.50062)
            .abs()
            < 1e-9
    );

    let va_detail = get(&va["id"]).await;
    assert_eq!(va_detail["evaluation"]["scai"]["stage"], "D");
    assert_eq!(va_detail["summary"]["acknowledge_target_min"], 10);
    assert!(flag_ids(&va_detail["evaluation"]).contains(&"VA-T1".to_owned()));
    assert_eq!(va_detail["evaluation"]["scores"][0]["score"], "save");

    // The page shows the same flags and scores as the API.
    let page = client
        .get(format!("{}/referrals/{}", app.address, vv["id"]))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for id in flags {
        assert!(page.contains(&id), "{id} not on the page");
    }
    let murray = scores[0]["result"].as_str().unwrap();
    assert!(page.contains(murray), "Murray {murray} not on the page");

    // The team is told, without the patient's name or birth date.
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE kind = 'referral_submitted' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 2);
    assert!(mails[0].0.contains("VV-ECMO referral"), "{}", mails[0].0);
    assert!(mails[1].0.contains("SCAI D"), "{}", mails[1].0);
    for (subject, body) in &mails {
        for private in ["Primer", "Janez", "Marija", "Novak"] {
            assert!(
                !subject.contains(private) && !body.contains(private),
                "{private}"
            );
        }
    }
    app.stop().await;
}

async fn bad_checklists_are_refused_field_by_field(kind: DbKind) {
    // A small body limit, so that the oversized request below fits the socket's buffers
    // and the client reads the answer instead of a reset.
    let app = spawn_app(kind, None, &[("ECMO_MAX_BODY_BYTES", "65536")]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let mut body = example(Pathway::Vv);
    body["admission_at"] = json!("2099-01-01T10:00");
    body["blood_gases"][0]["ph"] = json!(9.1);
    body["sex"] = json!("x");
    body["weight_kg"] = json!(210);
    body["favourite_colour"] = json!("blue");
    body["lvef_pct"] = json!("not known");
    body.as_object_mut().unwrap().remove("callback_phone");
    let response = crate::referrals::submit(&app, &client, "key-bad-vv-0001", &body).await;
    assert_eq!(response.status(), 422);
    let errors: Value = response.json().await.unwrap();
    for field in [
        "admission_at",
        "blood_gases.0.ph",
        "sex",
        "weight_kg",
        "favourite_colour",
        "lvef_pct",
        "callback_phone",
    ] {
        assert!(errors["errors"].get(field).is_some(), "{field}: {errors}");
    }
    assert!(
        !errors.to_string().contains("Janez"),
        "values are never echoed"
    );
    // Too big for any referral: refused before it is read.
    let huge = "x".repeat(80 * 1024);
    let response = client
        .post(format!("{}/api/v1/referrals", app.address))
        .header("idempotency-key", "key-bad-vv-0002")
        .header("content-type", "application/json")
        .body(format!(
            "{{\"pathway\": \"vv\", \"allergies\": \"{huge}\"}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(referral_count(&app).await, 0);
    app.stop().await;
}

/// The example as the step forms post it: text as typed, ticked boxes, units chosen.
pub(crate) fn step_forms(value: &Value) -> Vec<Vec<(String, String)>> {
    let object = value.as_object().unwrap();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut steps = Vec::new();
    for (i, step) in STEPS.iter().enumerate() {
        let mut pairs = vec![
            ("_step".to_owned(), i.to_string()),
            ("_go".to_owned(), "next".to_owned()),
        ];
        for field in step.fields {
            let Some(v) = object.get(field.key) else {
                continue;
            };
            match (field.kind, v) {
                (_, Value::Array(items)) => {
                    pairs.extend(items.iter().map(|item| (field.key.to_owned(), text(item))))
                }
                (Kind::YesNo, Value::Bool(b)) => pairs.push((
                    field.key.to_owned(),
                    if *b { "yes" } else { "no" }.to_owned(),
                )),
                (Kind::Check, Value::Bool(true)) => {
                    pairs.push((field.key.to_owned(), "on".to_owned()))
                }
                (Kind::Check, _) => {}
                _ => pairs.push((field.key.to_owned(), text(v))),
            }
        }
        if step.key == "blood_gases" {
            for (n, gas) in object["blood_gases"].as_array().unwrap().iter().enumerate() {
                for field in GAS {
                    for (key, unit) in [
                        (field.key.to_owned(), None),
                        (format!("{}_kpa", field.key), Some("kpa")),
                        (format!("{}_mmhg", field.key), Some("mmhg")),
                    ] {
                        if let Some(v) = gas.get(&key) {
                            let name = format!("blood_gases.{n}.{}", field.key);
                            pairs.push((name.clone(), text(v)));
                            if let Some(unit) = unit {
                                pairs.push((format!("{name}_unit"), unit.to_owned()));
                            }
                        }
                    }
                }
            }
        }
        if i == 2 {
            // Decimal commas, as a Slovene keyboard types them.
            for pair in pairs.iter_mut() {
                if pair.0 == "cardiac_arrest_min" {
                    pair.1 = pair.1.replace('.', ",");
                }
            }
        }
        steps.push(pairs);
    }
    let confirmed: Vec<(String, String)> = object
        .get("confirmed")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|k| ("confirmed".to_owned(), text(k)))
                .collect()
        })
        .unwrap_or_default();
    // Confirmations go with the step of their field (laboratory for creatinine).
    if !confirmed.is_empty() {
        steps[6].extend(confirmed);
    }
    steps
}

pub(crate) async fn post_step(
    app: &TestApp,
    client: &reqwest::Client,
    draft: &str,
    pairs: &[(String, String)],
) -> reqwest::Response {
    client
        .post(format!("{}/referrals/drafts/{draft}/step", app.address))
        .header("origin", ORIGIN)
        .form(pairs)
        .send()
        .await
        .unwrap()
}

async fn a_draft_is_filled_step_by_step_and_sent_once(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let colleague_elsewhere = signed_in_referrer(&app, "ref.b@b.test", "SB Izola").await;
    for pathway in [Pathway::Vv, Pathway::Va] {
        let code = if pathway == Pathway::Va { "va" } else { "vv" };
        let started = app
            .call(&client, "/api/referrals/draft-start", &[("pathway", code)])
            .await;
        assert_eq!(started.status(), 200);
        let draft = started.text().await.unwrap();

        // Sent before it is complete: refused, with what is missing.
        let early = app
            .call(&client, "/api/referrals/draft-submit", &[("id", &draft)])
            .await;
        assert_eq!(early.status(), 422);
        let missing: Value = early.json().await.unwrap();
        assert!(missing.to_string().contains("callback_phone"), "{missing}");

        let forms = step_forms(&example(pathway));
        for (i, pairs) in forms.iter().enumerate() {
            let response = post_step(&app, &client, &draft, pairs).await;
            assert_eq!(response.status(), 303, "step {i}");
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let next = if i + 1 == STEPS.len() {
                "review".to_owned()
            } else {
                (i + 1).to_string()
            };
            assert_eq!(
                location,
                format!("/referrals/drafts/{draft}?step={next}"),
                "step {i}"
            );
        }
        // Another hospital's doctor can neither read nor change it.
        let foreign = post_step(&app, &colleague_elsewhere, &draft, &forms[0]).await;
        assert_eq!(foreign.status(), 404);
        let foreign = app
            .call(
                &colleague_elsewhere,
                "/api/referrals/draft-get",
                &[("id", &draft)],
            )
            .await;
        assert_eq!(foreign.status(), 404);

        // The review page has nothing left to complete.
        let review = client
            .get(format!(
                "{}/referrals/drafts/{draft}?step=review",
                app.address
            ))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            review.contains("data-testid=\"review-ready\""),
            "{code}: review not ready"
        );

        // Sent twice (a double click): one referral.
        let id_field = [("id", draft.as_str())];
        let (a, b) = tokio::join!(
            app.call(&client, "/api/referrals/draft-submit", &id_field),
            app.call(&client, "/api/referrals/draft-submit", &id_field),
        );
        assert_eq!(a.status(), 200);
        assert_eq!(b.status(), 200);
        let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
        assert_eq!(a["id"], b["id"]);
        let again: Value = app
            .call(&client, "/api/referrals/draft-submit", &[("id", &draft)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["id"], a["id"]);
        // A sent draft is closed: saving into it is a conflict, and it leaves the list.
        let late = post_step(&app, &client, &draft, &forms[0]).await;
        assert_eq!(late.status(), 303);
        assert!(late.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=conflict"));
        let list: Value = app
            .call(&client, "/api/referrals/drafts", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list, json!([]));

        // The form-made referral equals the API-made one from the same answers.
        let detail: Value = client
            .get(format!("{}/api/v1/referrals/{}", app.address, a["id"]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let api = crate::referrals::submit(
            &app,
            &client,
            &format!("key-api-{code}-0001"),
            &example(pathway),
        )
        .await;
        let api: Value = api.json().await.unwrap();
        let api_detail = app.referral(&client, &api["id"]).await;
        assert_eq!(
            flag_ids(&detail["evaluation"]),
            flag_ids(&api_detail["evaluation"])
        );
        assert_eq!(
            detail["evaluation"]["scores"],
            api_detail["evaluation"]["scores"]
        );
        assert_eq!(detail["data"], api_detail["data"]);
    }
    assert_eq!(referral_count(&app).await, 4);
    let actions = app.audit_actions().await;
    for action in [
        "draft_created",
        "draft_saved",
        "draft_viewed",
        "referral_submitted",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
    app.stop().await;
}

async fn a_step_with_an_impossible_value_stays_and_keeps_what_was_typed(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let draft = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await
        .text()
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = [
        ("_step", "1"),
        ("_go", "next"),
        ("age_years", "46"),
        ("weight_kg", "4000"),
        ("comorbidities", "copd"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let response = post_step(&app, &client, &draft, &pairs).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("step=1") && location.contains("check=1"),
        "{location}"
    );
    let page = client
        .get(format!("{}{location}", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The value stays in its field with the allowed range beside it.
    assert!(page.contains("value=\"4000\""), "typed value lost");
    assert!(
        page.contains("25 do 350 kg") || page.contains("25 to 350 kg"),
        "no range shown"
    );
    // Going back is always allowed, and a later visit still has the answers.
    let mut back = pairs.clone();
    back[1].1 = "prev".into();
    let response = post_step(&app, &client, &draft, &back).await;
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("step=0"));
    let data: Value = app
        .call(&client, "/api/referrals/draft-get", &[("id", &draft)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(data["draft"]["form"]["weight_kg"], json!(["4000"]));
    assert_eq!(data["draft"]["form"]["comorbidities"], json!(["copd"]));
    app.stop().await;
}

/// Nothing blocks a referral: the minimal set alone is sent, "unknown" answers any other
/// field, and the centre's page lists what was not given, told apart from what is unknown.
async fn the_minimal_set_and_unknowns_make_a_referral(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.min@a.test", "SB Celje").await;
    let minimal = json!({
        "pathway": "vv", "discussion": "Influenza ARDS, hypoxaemic on FiO2 1.0",
        "callback_phone": "03 423 3000", "age_years": 47
    });
    let vv = crate::referrals::submit(&app, &client, "key-minimal-vv-01", &minimal).await;
    assert_eq!(vv.status(), 201);
    let mut va = json!({
        "pathway": "va", "discussion": "Cardiogenic shock, no echo tonight",
        "callback_phone": "03 423 3000", "age_years": 58, "lvef_pct": "unknown",
        "sbp_mmhg": 72, "dbp_mmhg": 40, "mcs": "unknown"
    });
    let made = crate::referrals::submit(&app, &client, "key-unknown-va-01", &va).await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let stored = app.referral(&client, &made["id"]).await;
    assert_eq!(
        stored["data"]["unknown"],
        json!(["mcs", "lvef_pct"]),
        "{stored}"
    );
    assert!(stored["data"].get("lvef_pct").is_none());
    // The minimal set is still required, and "unknown" does not answer it.
    va["age_years"] = json!("unknown");
    va.as_object_mut().unwrap().remove("discussion");
    let refused = crate::referrals::submit(&app, &client, "key-unknown-va-02", &va).await;
    assert_eq!(refused.status(), 422);
    let errors: Value = refused.json().await.unwrap();
    assert!(errors["errors"].get("age_years").is_some(), "{errors}");
    assert!(errors["errors"].get("discussion").is_some(), "{errors}");

    app.create_user("ecmo.min@centre.test", &["ecmo_clinician"], None)
        .await;
    let centre = app.browser();
    assert_eq!(
        app.sign_in(&centre, "ecmo.min@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    centre
        .get(format!("{}/lang/en", app.address))
        .send()
        .await
        .unwrap();
    let page = app
        .page(&centre, &format!("/referrals/{}", made["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"not-given\""), "{page}");
    for (name, how) in [
        ("lvef_pct", "unknown / not measured"),
        ("mcs", "unknown / not measured"),
        ("heart_rate", "not entered"),
        ("blood_gases", "not entered"),
    ] {
        let start = page
            .find(&format!("data-testid=\"not-given-{name}\""))
            .unwrap_or_else(|| panic!("{name} not listed"));
        let item = &page[start..start + page[start..].find("</li>").unwrap()];
        assert!(item.contains(how), "{name}: {item}");
    }
    assert!(
        !page.contains("not-given-sbp_mmhg"),
        "a given answer is not listed"
    );
    app.stop().await;
}

/// A new draft offers what the doctor would type every time: name and phone from the
/// profile, the hospital's ICU phone, and the department and grade of their previous draft.
async fn a_new_draft_is_prefilled(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let start = || async {
        app.call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
            .await
            .text()
            .await
            .unwrap()
    };
    let form_of = |draft: String| {
        let (app, client) = (&app, &client);
        async move {
            let data: Value = app
                .call(client, "/api/referrals/draft-get", &[("id", &draft)])
                .await
                .json()
                .await
                .unwrap();
            data["draft"]["form"].clone()
        }
    };
    let first = start().await;
    let form = form_of(first.clone()).await;
    assert_eq!(form["referring_doctor"], json!(["Test Person"]));
    assert!(form.get("department").is_none(), "{form}");
    let pairs: Vec<(String, String)> = [
        ("_step", "0"),
        ("_go", "stay"),
        ("department", "emergency"),
        ("doctor_grade", "specialist"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(post_step(&app, &client, &first, &pairs).await.status(), 303);
    let form = form_of(start().await).await;
    assert_eq!(form["department"], json!(["emergency"]));
    assert_eq!(form["doctor_grade"], json!(["specialist"]));
    app.stop().await;
}

/// Blood gases pasted as the analyser prints them go into the gas rows through the plain
/// form post (no script needed); a line that cannot be read stays in the box, saved with
/// the draft, and the rows are read like typed ones.
async fn pasted_blood_gases_fill_the_table(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let draft = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await
        .text()
        .await
        .unwrap();
    let gas_step = STEPS.iter().position(|s| s.key == GAS_STEP).unwrap();
    let pairs: Vec<(String, String)> = [
        ("_step", gas_step.to_string().as_str()),
        ("_go", "paste_gas"),
        ("_paste_unit", "kpa"),
        ("blood_gases.0.site", "arterial"),
        (
            "gas_paste",
            "2026-11-20 06:00 7,28 7,4 7,9 1 1,8\r\npH 7,2 ?\r\n2026-11-20 10:00; 7.26; 7.1; 8.2; 100%",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let response = post_step(&app, &client, &draft, &pairs).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains(&format!("step={gas_step}")) && location.contains("pasted=2"),
        "{location}"
    );
    let page = app.page(&client, &location).await.text().await.unwrap();
    assert!(
        page.contains("data-testid=\"paste-outcome\""),
        "no outcome shown"
    );
    assert!(
        page.contains("value=\"7,28\""),
        "first sample not in the table"
    );
    assert!(
        page.contains("value=\"2026-11-20T10:00\""),
        "second sample not in the table"
    );
    assert!(
        page.contains(">pH 7,2 ?</textarea>"),
        "the unread line was not kept"
    );
    let data: Value = app
        .call(&client, "/api/referrals/draft-get", &[("id", &draft)])
        .await
        .json()
        .await
        .unwrap();
    let form = &data["draft"]["form"];
    assert_eq!(form["blood_gases.1.fio2"], json!(["100"]));
    assert_eq!(form["blood_gases.0.lactate_mmol_l"], json!(["1,8"]));
    assert_eq!(form["gas_paste"], json!(["pH 7,2 ?"]));
    app.stop().await;
}

/// A draft whose stored form no longer decodes (a damaged row) stays as it is: a step
/// saved into it, an autosave and sending it are errors, and none of them writes the one
/// step over the other steps' answers. The doctor's list still shows it.
async fn a_draft_whose_stored_form_does_not_decode_is_not_overwritten(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let started = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await;
    assert_eq!(started.status(), 200);
    let draft = started.text().await.unwrap();
    let id: i64 = draft.trim().parse().unwrap();
    let damaged = "{\"patient_name\": [\"kept\"";
    sqlx::query("UPDATE referral_drafts SET form = $1 WHERE id = $2")
        .bind(damaged)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();

    let forms = step_forms(&example(Pathway::Vv));
    let step = post_step(&app, &client, &draft, &forms[0]).await;
    assert!(step.status().is_server_error(), "{}", step.status());
    let autosave = app
        .call(
            &client,
            "/api/referrals/draft-autosave",
            &[
                ("id", draft.as_str()),
                ("step", "1"),
                ("form", r#"{"patient_name": ["Over written"]}"#),
            ],
        )
        .await;
    assert!(autosave.status().is_server_error(), "{}", autosave.status());
    let submit = app
        .call(&client, "/api/referrals/draft-submit", &[("id", &draft)])
        .await;
    assert!(submit.status().is_server_error(), "{}", submit.status());
    let (form,): (String,) = sqlx::query_as("SELECT form FROM referral_drafts WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(form, damaged, "the stored form is untouched");
    let (referrals,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM referrals")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(referrals, 0);

    let list = app.call(&client, "/api/referrals/drafts", &[]).await;
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == json!(id)),
        "{list}"
    );
    app.stop().await;
}

crate::on_both_databases!(
    a_draft_whose_stored_form_does_not_decode_is_not_overwritten,
    the_minimal_set_and_unknowns_make_a_referral,
    pasted_blood_gases_fill_the_table,
    a_new_draft_is_prefilled,
    the_examples_make_referrals_with_their_flags_and_scores,
    bad_checklists_are_refused_field_by_field,
    a_draft_is_filled_step_by_step_and_sent_once,
    a_step_with_an_impossible_value_stays_and_keeps_what_was_typed,
);

/// The stage a sent referral records is the one the public SCAI calculator gives for the
/// same inputs; a device added to one vasopressor with hypoperfusion is D in both, and C
/// without it. A VV referral with hypercapnic acidosis at a rate below 35/min is not yet
/// the EOLIA criterion.
#[tokio::test]
async fn the_referral_and_the_calculators_agree() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.scai@a.test", "SB Celje").await;
    let evaluation = |body: Value, key: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            let sent = crate::referrals::submit(app, client, key, &body).await;
            assert_eq!(sent.status(), 201);
            let sent: Value = sent.json().await.unwrap();
            app.referral(client, &sent["id"]).await["evaluation"].clone()
        }
    };
    let calculator = |body: Value| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(format!("{}/api/v1/scores/scai", app.address))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    for (mcs, expected, key) in [
        ("iabp", "D", "key-scai-mcs-1"),
        ("none", "C", "key-scai-mcs-0"),
    ] {
        // One vasopressor, hypoperfusion, lactate 4.1 → 5.0 (not a 50 % rise), no escalation.
        let mut va = example(Pathway::Va);
        va["mcs"] = json!(mcs);
        va["escalating_support"] = json!(false);
        va.as_object_mut().unwrap().remove("dobutamine");
        va["blood_gases"][1]["lactate_mmol_l"] = json!(5.0);
        let stored = evaluation(va, key).await;
        let api = calculator(json!({
            "sbp_mmhg": 78, "map_mmhg": 59.33, "heart_rate": 118, "hypoperfusion_signs": true,
            "lactate_mmol_l": 5.0, "lactate_previous_mmol_l": 4.1, "ph": 7.22,
            "noradrenaline_ug_kg_min": 0.4, "mcs": mcs != "none", "cardiac_arrest": false, "gcs": 3
        }))
        .await;
        assert_eq!(stored["scai"]["stage"], expected, "{stored}");
        assert_eq!(api["stage"], expected, "{api}");
        assert_eq!(stored["scai"]["arrest_with_coma"], api["arrest_with_coma"]);
        let t1 = if expected == "D" { "VA-T1" } else { "VA-T1-C" };
        assert!(flag_ids(&stored).contains(&t1.to_owned()), "{stored}");
    }

    // VV: pH 7.20 with PaCO2 9.3 kPa for 8 h, at a set rate of 28/min.
    let mut vv = example(Pathway::Vv);
    vv["respiratory_rate"] = json!(28);
    vv["plateau_cmh2o"] = json!(30);
    vv["blood_gases"] = json!([
        {"taken_at": "2026-11-20T22:00", "site": "arterial", "ph": 7.20, "pao2_kpa": 12.0, "paco2_kpa": 9.3, "fio2": 0.5},
        {"taken_at": "2026-11-21T02:00", "site": "arterial", "ph": 7.19, "pao2_kpa": 12.5, "paco2_kpa": 9.5, "fio2": 0.5},
        {"taken_at": "2026-11-21T06:00", "site": "arterial", "ph": 7.18, "pao2_kpa": 12.1, "paco2_kpa": 9.8, "fio2": 0.5}
    ]);
    let low_rate = flag_ids(&evaluation(vv.clone(), "key-eol3-rr28").await);
    assert!(!low_rate.contains(&"VV-EOL-3".to_owned()), "{low_rate:?}");
    assert!(
        low_rate.contains(&"VV-EOL-3-VENT".to_owned()),
        "{low_rate:?}"
    );
    vv["respiratory_rate"] = json!(35);
    let optimised = flag_ids(&evaluation(vv, "key-eol3-rr35").await);
    assert!(optimised.contains(&"VV-EOL-3".to_owned()), "{optimised:?}");
    app.stop().await;
}

/// A draft belongs to the hospital it was started at as well as to its author: moved to
/// another hospital, the doctor can neither open nor send it (it would land under the new
/// hospital), and it leaves their list.
#[tokio::test]
async fn a_draft_stays_with_its_hospital() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.moved@a.test", "SB Celje").await;
    let draft = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await
        .text()
        .await
        .unwrap();
    let minimal = [
        ("_step".to_owned(), "0".to_owned()),
        ("_go".to_owned(), "stay".to_owned()),
        ("discussion".to_owned(), "Hypoxaemia".to_owned()),
        ("callback_phone".to_owned(), "03 423 3000".to_owned()),
    ];
    assert_eq!(
        post_step(&app, &client, &draft, &minimal).await.status(),
        303
    );
    let other = app
        .create_user("someone@b.test", &["referrer"], Some("SB Izola"))
        .await;
    let (izola,): (i64,) = sqlx::query_as("SELECT hospital_id FROM users WHERE id = $1")
        .bind(other)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET hospital_id = $1 WHERE email = 'ref.moved@a.test'")
        .bind(izola)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let id = [("id", draft.as_str())];
    for path in ["/api/referrals/draft-get", "/api/referrals/draft-submit"] {
        let response = app.call(&client, path, &id).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(
        post_step(&app, &client, &draft, &minimal).await.status(),
        404
    );
    assert_eq!(referral_count(&app).await, 0);
    app.stop().await;
}

/// Nothing typed is lost to an expired session: a step posted after the sign-out is kept,
/// the browser goes to sign in, and `/resume` saves it; an ECPR alert posted after the
/// sign-out (as a plain form and as the page's script) is sent right after sign-in, once.
async fn posts_after_the_session_expired_are_completed_after_sign_in(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.expired@a.test", "SB Celje").await;
    let draft = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await
        .text()
        .await
        .unwrap();
    let sign_out = |client: reqwest::Client| {
        let app = &app;
        async move {
            let out = app.call(&client, "/api/account/sign-out", &[]).await;
            assert_eq!(out.status(), 200);
        }
    };
    sign_out(client.clone()).await;
    let step = [
        ("_step".to_owned(), "1".to_owned()),
        ("_go".to_owned(), "next".to_owned()),
        ("age_years".to_owned(), "47".to_owned()),
        ("weight_kg".to_owned(), "92".to_owned()),
    ];
    let kept = post_step(&app, &client, &draft, &step).await;
    assert_eq!(kept.status(), 303);
    assert_eq!(kept.headers()["location"], "/login?next=/resume");
    let cookie = kept.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("ecmo_pending=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // Another browser, signed in as the same doctor, has no token: nothing to complete.
    let other = app.browser();
    assert_eq!(
        app.sign_in(&other, "ref.expired@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    let elsewhere = other
        .get(format!("{}/resume", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.headers()["location"], "/");

    assert_eq!(
        app.sign_in(&client, "ref.expired@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    let resumed = client
        .get(format!("{}/resume", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 303);
    assert_eq!(
        resumed.headers()["location"],
        format!("/referrals/drafts/{draft}?step=2").as_str()
    );
    let data: Value = app
        .call(&client, "/api/referrals/draft-get", &[("id", &draft)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(data["draft"]["form"]["weight_kg"], json!(["92"]));
    // Completed once: a reload finds nothing more.
    let again = client
        .get(format!("{}/resume", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/");

    // The ECPR alert, posted by the page's script and as a plain form.
    for (script, key) in [
        (true, "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        (false, "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ] {
        sign_out(client.clone()).await;
        let mut request = client
            .post(format!("{}/api/referrals/ecpr", app.address))
            .header("origin", ORIGIN);
        if !script {
            request = request.header("accept", "text/html");
        }
        let posted = request
            .form(&[
                ("idempotency_key", key),
                ("callback_phone", "041 555 123"),
                ("location", "NMP Celje"),
                ("age_years", "54"),
                ("minutes_since_collapse", "20"),
                ("collapse", "witnessed_bystander_cpr"),
                ("initial_rhythm", "vf_pvt"),
            ])
            .send()
            .await
            .unwrap();
        if script {
            assert_eq!(posted.status(), 401);
        } else {
            assert_eq!(posted.headers()["location"], "/login?next=/resume");
        }
        assert!(posted.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("ecmo_pending="));
        let before = referral_count(&app).await;
        assert_eq!(
            app.sign_in(&client, "ref.expired@a.test", GOOD_PASSWORD)
                .await,
            200
        );
        let resumed = client
            .get(format!("{}/resume", app.address))
            .send()
            .await
            .unwrap();
        let location = resumed.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with("/referrals/") && location.ends_with("?new=1"),
            "{location}"
        );
        assert_eq!(referral_count(&app).await, before + 1);
        let again = client
            .get(format!("{}/resume", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(again.headers()["location"], "/");
        assert_eq!(referral_count(&app).await, before + 1);
    }
    app.stop().await;
}

crate::on_both_databases!(posts_after_the_session_expired_are_completed_after_sign_in);

/// Posts the ECPR alert as a plain form (no script), from its page.
async fn post_alert(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}/api/referrals/ecpr", app.address))
        .header("origin", ORIGIN)
        .header("accept", "text/html")
        .header("referer", format!("{}/referrals/new/ecpr", app.address))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let page = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{path}");
    page.text().await.unwrap()
}

async fn kept_posts(app: &TestApp) -> i64 {
    rows_in(app, "pending_posts").await
}

/// The ECPR alert form is a plain form (its page downloads no script). One the centre
/// returns with a mistake comes back as typed, to its author alone and only on the way
/// back (never into a new alert), and is forgotten once the alert is sent; one refused
/// after a sign-in comes back the same way, with a note.
async fn a_returned_alert_form_comes_back_as_typed(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.returned@a.test", "SB Celje").await;
    let location = "NMP Celje, reanimobil 7";
    let mut fields = vec![
        ("idempotency_key", "5d1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ("callback_phone", "041 555 123"),
        ("location", location),
        ("age_years", "12"),
        ("minutes_since_collapse", "20"),
        ("collapse", "witnessed_no_cpr"),
        ("initial_rhythm", "pea"),
        ("etco2", "24"),
        ("etco2_unit", "mmhg"),
        ("known_hypothermia", "on"),
    ];
    let before = referral_count(&app).await;
    let returned = post_alert(&app, &client, &fields).await;
    assert_eq!(returned.status(), 302);
    let back = returned.headers()["location"].to_str().unwrap().to_owned();
    let back = back.trim_start_matches(&app.address).to_owned();
    assert!(
        back.starts_with("/referrals/new/ecpr?") && back.contains("__err="),
        "{back}"
    );
    assert!(
        !back.contains("Celje") && !back.contains("reanimobil"),
        "{back}"
    );
    let cookie = returned.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("ecmo_returned=")
            && cookie.contains("Max-Age=900")
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert_eq!(referral_count(&app).await, before);

    // Back on the page: everything as typed, the mistake beside its field, no script.
    let html = page(&app, &client, &back).await;
    assert!(html.contains(&format!("value=\"{location}\"")), "{html}");
    assert!(html.contains("value=\"12\""));
    assert!(html.contains("<option value=\"witnessed_no_cpr\" selected"));
    assert!(html.contains("<option value=\"pea\" selected"));
    assert!(html.contains("<option value=\"mmhg\" selected"));
    assert!(html.contains("name=\"known_hypothermia\" checked"));
    assert!(!html.contains("name=\"known_terminal_illness\" checked"));
    let age_error = html
        .split("id=\"field-age_years-error\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default();
    assert!(age_error.contains("18"), "{age_error}");
    // No island but the language provider's: the loader starts no bundle.
    assert_eq!(
        html.matches("<leptos-island").count(),
        html.matches("<leptos-island data-component=\"I18nContextProvider")
            .count(),
    );
    // A new alert starts empty.
    let fresh = page(&app, &client, "/referrals/new/ecpr").await;
    assert!(!fresh.contains(location));
    // Another doctor in the same browser does not see it.
    let other = signed_in_referrer(&app, "ref.other@a.test", "SB Celje").await;
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("ecmo_returned=")
        .to_owned();
    let theirs = other
        .get(format!("{}{back}", app.address))
        .header("cookie", format!("ecmo_returned={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains(location));

    // Corrected and sent: one referral, and the returned form is forgotten.
    fields[3] = ("age_years", "54");
    let sent = post_alert(&app, &client, &fields).await;
    let next = sent.headers()["location"].to_str().unwrap().to_owned();
    assert!(next.ends_with("?new=1"), "{next}");
    assert!(sent.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("ecmo_returned=; Path=/; Max-Age=0"));
    assert_eq!(referral_count(&app).await, before + 1);
    assert_eq!(kept_posts(&app).await, 0);
    let again = page(&app, &client, &back).await;
    assert!(!again.contains(location));

    // Refused after a sign-in: back on the form as typed, with a note.
    let out = app.call(&client, "/api/account/sign-out", &[]).await;
    assert_eq!(out.status(), 200);
    fields[0] = ("idempotency_key", "6d1e2d3c4b5a69788796a5b4c3d2e1f0");
    fields[3] = ("age_years", "12");
    let kept = post_alert(&app, &client, &fields).await;
    assert_eq!(kept.headers()["location"], "/login?next=/resume");
    assert_eq!(
        app.sign_in(&client, "ref.returned@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    let resumed = client
        .get(format!("{}/resume", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 303);
    let back = resumed.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("/referrals/new/ecpr?kept=failed&") && back.contains("__err="),
        "{back}"
    );
    let html = page(&app, &client, &back).await;
    assert!(html.contains("data-testid=\"kept-failed\""));
    assert!(html.contains(&format!("value=\"{location}\"")));
    assert_eq!(referral_count(&app).await, before + 1);
    app.stop().await;
}

crate::on_both_databases!(a_returned_alert_form_comes_back_as_typed);
