//! The OpenAPI document: served, complete for the referral endpoints, and its examples are
//! real — each posted exactly as it stands makes a referral.
use crate::helpers::*;
use serde_json::Value;

async fn every_example_in_the_document_makes_a_referral(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/v1/referrals", "post"),
        ("/api/v1/referrals", "get"),
        ("/api/v1/referrals/{id}", "get"),
        ("/api/v1/referrals/{id}/updates", "post"),
        ("/api/v1/referrals/{id}/messages", "post"),
        ("/api/v1/referrals/{id}/transitions", "post"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let schemas = &doc["components"]["schemas"];
    let examples = doc["paths"]["/api/v1/referrals"]["post"]["requestBody"]["content"]
        ["application/json"]["examples"]
        .as_object()
        .expect("examples");
    assert_eq!(
        examples.keys().collect::<Vec<_>>(),
        vec!["ecpr", "va", "vv"]
    );

    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let client = app.browser();
    assert_eq!(
        app.sign_in(&client, "ref.a@a.test", GOOD_PASSWORD).await,
        200
    );
    for (name, example) in examples {
        let body = &example["value"];
        // Every field of the example is described by its pathway's schema, and every
        // required field of the schema is in the example.
        let schema = match name.as_str() {
            "vv" => &schemas["VvReferral"],
            "va" => &schemas["VaReferral"],
            _ => &schemas["EcprAlert"],
        };
        for key in body.as_object().unwrap().keys() {
            assert!(
                schema["properties"].get(key).is_some(),
                "{name}: {key} not in the schema"
            );
        }
        for required in schema["required"].as_array().unwrap() {
            let required = required.as_str().unwrap();
            assert!(
                body.get(required).is_some(),
                "{name}: required {required} not in the example"
            );
        }
        let response =
            crate::referrals::submit(&app, &client, &format!("key-openapi-{name}"), body).await;
        assert_eq!(
            response.status(),
            201,
            "{name}: {}",
            response.text().await.unwrap()
        );
    }
    // The update example is valid too.
    let update = &doc["paths"]["/api/v1/referrals/{id}/updates"]["post"]["requestBody"]["content"]
        ["application/json"]["example"];
    let list: Vec<Value> = client
        .get(format!("{}/api/v1/referrals", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let vv = list.iter().find(|r| r["pathway"] == "vv").unwrap();
    let response = client
        .post(format!(
            "{}/api/v1/referrals/{}/updates",
            app.address, vv["id"]
        ))
        .json(update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // The transition example is valid once the referral is under consultation, and its
    // target is one of the schema's states.
    let transition = &doc["paths"]["/api/v1/referrals/{id}/transitions"]["post"]["requestBody"]
        ["content"]["application/json"]["example"];
    let states = schemas["Transition"]["properties"]["to"]["enum"]
        .as_array()
        .unwrap();
    assert!(states.contains(&transition["to"]));
    app.create_user("doc.clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let clinician = app.browser();
    assert_eq!(
        app.sign_in(&clinician, "doc.clinician@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let url = format!("{}/api/v1/referrals/{}/transitions", app.address, vv["id"]);
    for body in [
        serde_json::json!({"to": "ACKNOWLEDGED"}),
        serde_json::json!({"to": "UNDER_CONSULTATION"}),
        transition.clone(),
    ] {
        let response = clinician.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200, "{body}");
    }
    app.stop().await;
}

crate::on_both_databases!(every_example_in_the_document_makes_a_referral);

/// Each calculator is in the document, and its example, posted as it stands, is answered.
#[tokio::test]
async fn every_score_example_in_the_document_is_answered() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for score in ["murray", "resp", "save", "preserve", "vis", "scai"] {
        let operation = &doc["paths"][format!("/api/v1/scores/{score}")]["post"];
        let content = &operation["requestBody"]["content"]["application/json"];
        assert!(
            content["schema"]["properties"].is_object(),
            "{score}: no schema"
        );
        let response = app
            .client
            .post(format!("{}/api/v1/scores/{score}", app.address))
            .json(&content["example"])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{score}: {}", content["example"]);
    }
    let vis = &doc["paths"]["/api/v1/scores/vis"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(vis["properties"]["milrinone_ug_kg_min"]["maximum"], 1.5);
    app.stop().await;
}

/// Checks responses against the document: the status must be one the operation lists, and
/// the body must match the schema given for it.
struct Conformance {
    doc: Value,
    checked: std::cell::Cell<usize>,
}

impl Conformance {
    async fn fetch(app: &TestApp) -> Self {
        let doc = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        Self {
            doc,
            checked: std::cell::Cell::new(0),
        }
    }

    /// The body of `response` to `method path` (`path` as the document writes it),
    /// after checking it.
    async fn check(&self, method: &str, path: &str, response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let operation = &self.doc["paths"][path][method];
        assert!(
            operation.is_object(),
            "{method} {path} is not in the document"
        );
        let described = &operation["responses"][status.to_string()];
        assert!(
            described.is_object(),
            "{method} {path} answered {status}, which the document does not list: {text}"
        );
        let Some(schema) = described["content"]["application/json"].get("schema") else {
            assert!(
                text.is_empty(),
                "{method} {path} {status}: undescribed body {text}"
            );
            return (status, Value::Null);
        };
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON ({e}): {text}"));
        // The operation's schema, its references resolved within the document's components.
        let root = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [schema],
            "components": self.doc["components"],
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|e| {
                panic!("{method} {path} {status}: the schema does not compile: {e}")
            });
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match its schema:\n{}\n{body:#}",
            errors.join("\n")
        );
        self.checked.set(self.checked.get() + 1);
        (status, body)
    }
}

/// Real answers of every documented operation, in success and in refusal, match the
/// document exactly (every object is closed: no property the document does not name).
async fn real_responses_match_the_document(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let api = |path: &str| format!("{}{path}", app.address);
    let doc = Conformance::fetch(&app).await;
    let anonymous = app.browser();

    doc.check(
        "get",
        "/api/v1/hospitals",
        anonymous
            .get(api("/api/v1/hospitals"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for score in ["murray", "resp", "save", "preserve", "vis", "scai"] {
        let path = format!("/api/v1/scores/{score}");
        let example = doc.doc["paths"][&path]["post"]["requestBody"]["content"]["application/json"]
            ["example"]
            .clone();
        let (status, _) = doc
            .check(
                "post",
                &path,
                anonymous
                    .post(api(&path))
                    .json(&example)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, 200, "{score}");
        let (status, _) = doc
            .check(
                "post",
                &path,
                anonymous
                    .post(api(&path))
                    .json(&serde_json::json!({"age_years": "old"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, 422, "{score}");
    }
    for (body, expected) in [
        (serde_json::json!({}), 422),
        (
            serde_json::json!({"email": "nobody@a.test", "password": "wrong"}),
            401,
        ),
    ] {
        let (status, _) = doc
            .check(
                "post",
                "/api/v1/session",
                anonymous
                    .post(api("/api/v1/session"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, expected, "{body}");
    }
    let (status, _) = doc
        .check(
            "get",
            "/api/v1/me",
            anonymous.get(api("/api/v1/me")).send().await.unwrap(),
        )
        .await;
    assert_eq!(status, 401);

    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let referrer = app.browser();
    let (status, me) = doc
        .check(
            "post",
            "/api/v1/session",
            referrer
                .post(api("/api/v1/session"))
                .json(&serde_json::json!({"email": "ref.a@a.test", "password": GOOD_PASSWORD}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!((status, me["email"].as_str()), (200, Some("ref.a@a.test")));
    doc.check(
        "get",
        "/api/v1/me",
        referrer.get(api("/api/v1/me")).send().await.unwrap(),
    )
    .await;

    let examples = doc.doc["paths"]["/api/v1/referrals"]["post"]["requestBody"]["content"]
        ["application/json"]["examples"]
        .as_object()
        .unwrap()
        .clone();
    let mut ids = Vec::new();
    for (name, example) in &examples {
        let submit = || {
            referrer
                .post(api("/api/v1/referrals"))
                .header("idempotency-key", format!("conformance-{name}"))
                .json(&example["value"])
        };
        let (status, made) = doc
            .check("post", "/api/v1/referrals", submit().send().await.unwrap())
            .await;
        assert_eq!(status, 201, "{name}");
        let (status, _) = doc
            .check("post", "/api/v1/referrals", submit().send().await.unwrap())
            .await;
        assert_eq!(status, 200, "{name}: the same key again");
        ids.push(made["id"].as_i64().unwrap());
    }
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals",
            referrer
                .post(api("/api/v1/referrals"))
                .json(&serde_json::json!({"pathway": "vv"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 422, "no key");
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals",
            referrer
                .post(api("/api/v1/referrals"))
                .header("idempotency-key", "conformance-bad")
                .json(&serde_json::json!({"pathway": "vv", "age_years": 900}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 422, "impossible age");
    let (_, list) = doc
        .check(
            "get",
            "/api/v1/referrals",
            referrer.get(api("/api/v1/referrals")).send().await.unwrap(),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), ids.len());
    let vv = ids[examples.keys().position(|k| k == "vv").unwrap()];
    let updates = format!("/api/v1/referrals/{vv}/updates");
    let update = doc.doc["paths"]["/api/v1/referrals/{id}/updates"]["post"]["requestBody"]
        ["content"]["application/json"]["example"]
        .clone();
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals/{id}/updates",
            referrer
                .post(api(&updates))
                .json(&update)
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals/{id}/updates",
            referrer
                .post(api(&updates))
                .json(&serde_json::json!({"blood_gases": [{"ph": 12}]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 422);
    let messages = format!("/api/v1/referrals/{vv}/messages");
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals/{id}/messages",
            referrer
                .post(api(&messages))
                .json(&serde_json::json!({"body": "Please call the ICU."}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 201);
    for id in &ids {
        let (status, detail) = doc
            .check(
                "get",
                "/api/v1/referrals/{id}",
                referrer
                    .get(api(&format!("/api/v1/referrals/{id}")))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!((status, detail["summary"]["id"].as_i64()), (200, Some(*id)));
    }
    let (status, _) = doc
        .check(
            "get",
            "/api/v1/referrals/{id}",
            referrer
                .get(api("/api/v1/referrals/999999"))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 404);

    // The centre: every step answered as documented, the refused one too.
    app.create_user("doc.clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let clinician = app.browser();
    assert_eq!(
        app.sign_in(&clinician, "doc.clinician@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let transitions = format!("/api/v1/referrals/{vv}/transitions");
    for (body, expected) in [
        (serde_json::json!({"to": "ACKNOWLEDGED"}), 200),
        (serde_json::json!({"to": "CLOSED"}), 409),
        (serde_json::json!({"to": "NO_SUCH_STATE"}), 422),
        (
            serde_json::json!({"to": "UNDER_CONSULTATION", "from": "ACKNOWLEDGED"}),
            200,
        ),
    ] {
        let (status, _) = doc
            .check(
                "post",
                "/api/v1/referrals/{id}/transitions",
                clinician
                    .post(api(&transitions))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        assert_eq!(status, expected, "{body}");
    }
    let (status, _) = doc
        .check(
            "post",
            "/api/v1/referrals/{id}/transitions",
            referrer
                .post(api(&transitions))
                .json(&serde_json::json!({"to": "ACCEPTED_TRANSFER"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 403);
    for id in &ids {
        doc.check(
            "get",
            "/api/v1/referrals/{id}",
            clinician
                .get(api(&format!("/api/v1/referrals/{id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
    }
    let (status, _) = doc
        .check(
            "delete",
            "/api/v1/session",
            referrer
                .delete(api("/api/v1/session"))
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(status, 204);
    assert!(
        doc.checked.get() >= 40,
        "{} bodies checked",
        doc.checked.get()
    );
    app.stop().await;
}

crate::on_both_databases!(real_responses_match_the_document);
