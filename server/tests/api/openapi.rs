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
