//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. The referral
//! schemas are built from the checklist's field table and the dataset's limits — the same
//! tables that check requests — and each pathway carries a complete example that, posted as
//! it stands, makes a referral.
use ecmo_referral_app::domain::calculator::{FieldKind, Score};
use ecmo_referral_app::domain::checklist::{self, Field, Kind, Need, GAS, STEPS};
use ecmo_referral_app::domain::i18n::Lang;
use ecmo_referral_app::domain::labels::{field_label, question_label};
use ecmo_referral_app::domain::referral::{COLLAPSE, KNOWN, RHYTHMS};
use ecmo_referral_app::domain::triage::Pathway;
use ecmo_referral_app::domain::validation;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder,
};

mod schemas;
use schemas::*;

const JSON: &str = "application/json";

fn build() -> OpenApi {
    let session = SecurityRequirement::new::<_, _, &str>("session", []);
    let submit_body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .description(Some(
            "A VV or VA checklist, or an ECPR alert. The examples are complete and valid.",
        ))
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(
                    OneOfBuilder::new()
                        .item(reference("VvReferral"))
                        .item(reference("VaReferral"))
                        .item(reference("EcprAlert")),
                ))
                .examples_from_iter([
                    (
                        "vv",
                        ExampleBuilder::new()
                            .summary("VV-ECMO: severe ARDS")
                            .value(Some(checklist::example(Pathway::Vv)))
                            .build(),
                    ),
                    (
                        "va",
                        ExampleBuilder::new()
                            .summary("VA-ECMO: cardiogenic shock after STEMI")
                            .value(Some(checklist::example(Pathway::Va)))
                            .build(),
                    ),
                    (
                        "ecpr",
                        ExampleBuilder::new()
                            .summary("ECPR alert")
                            .value(Some(ecpr_example()))
                            .build(),
                    ),
                ])
                .build(),
        )
        .build();
    let submit = OperationBuilder::new()
        .operation_id(Some("submitReferral"))
        .summary(Some("Send a referral"))
        .description(Some(
            "Checked field by field like the pages. The same `Idempotency-Key` from the same account returns the first referral (200) instead of making another; with a different body it is refused (422); while the first request with it is still being processed, 409. Keys are kept for 24 hours.",
        ))
        .parameter(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some("8 to 100 letters, digits, - or _, chosen once per referral"))
                .schema(Some(string("key").pattern(Some("^[A-Za-z0-9_-]{8,100}$")))),
        )
        .request_body(Some(submit_body))
        .response("201", json_response("Made", "Submitted"))
        .response("200", json_response("Already made with this key", "Submitted"))
        .response("401", error_response("Not signed in"))
        .response("403", error_response("Not a referring physician"))
        .response("409", error_response("A request with this key is still being processed; repeat it to get its answer"))
        .response("413", error_response("Body too large"))
        .response("422", json_response("Field errors; nothing stored", "FieldErrors"))
        .security(session.clone());
    let list = OperationBuilder::new()
        .operation_id(Some("listReferrals"))
        .summary(Some(
            "The referrals the caller may see: their hospital's, or all for centre staff",
        ))
        .response(
            "200",
            ResponseBuilder::new()
                .description("Newest first, at most 200")
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(
                            ArrayBuilder::new().items(reference("ReferralSummary")),
                        ))
                        .build(),
                )
                .build(),
        )
        .response("401", error_response("Not signed in"))
        .security(session.clone());
    let get = OperationBuilder::new()
        .operation_id(Some("getReferral"))
        .summary(Some(
            "One referral with its data, flags, scores, versions, messages and timeline",
        ))
        .parameter(id_parameter())
        .response("200", json_response("The referral", "ReferralDetail"))
        .response("401", error_response("Not signed in"))
        .response(
            "404",
            error_response("No such referral, or another hospital's"),
        )
        .security(session.clone());
    let update = OperationBuilder::new()
        .operation_id(Some("addReferralUpdate"))
        .summary(Some("Add an update: free text, new blood gases, or both — a new version, evaluated again"))
        .parameter(id_parameter())
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(reference("Update")))
                        .example(Some(json!({
                            "note": "Proned again for 16 h without improvement.",
                            "blood_gases": [{"taken_at": "2026-11-21T06:00", "site": "arterial", "ph": 7.22, "pao2_kpa": 6.9, "paco2_kpa": 8.8, "fio2": 1.0}]
                        })))
                        .build(),
                )
                .build(),
        ))
        .response("201", json_response("The new version", "Version"))
        .response("403", error_response("Only the referring hospital's physicians add updates"))
        .response("404", error_response("No such referral, or another hospital's"))
        .response("409", error_response("Closed, or another update landed first"))
        .response("422", json_response("Field errors; nothing stored", "FieldErrors"))
        .security(session.clone());
    let message = OperationBuilder::new()
        .operation_id(Some("postReferralMessage"))
        .summary(Some("Write in the referral's thread with the centre"))
        .parameter(id_parameter())
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(reference("Message")))
                        .example(Some(json!({"body": "Please call back on the ICU line."})))
                        .build(),
                )
                .build(),
        ))
        .response("201", json_response("Posted", "Created"))
        .response(
            "404",
            error_response("No such referral, or another hospital's"),
        )
        .response("422", json_response("Empty or too long", "FieldErrors"))
        .security(session.clone());
    let transition = OperationBuilder::new()
        .operation_id(Some("transitionReferral"))
        .summary(Some("Move a referral to the next state of the centre's workflow (spec §6.1)"))
        .description(Some(
            "The centre's clinicians may take every step; the referring hospital may withdraw. \
             Decisions to decline, defer or send elsewhere need a `reason_code`; a decline with \
             advice needs `advice` (shown to the referrer; `note` stays inside the centre); a \
             request for information names `fields`; acceptance with the mobile team needs \
             `eta_min` and `team`; a deferral needs `triggers` and `review_at`. Give `from` (the \
             state you saw) to be refused rather than act on a referral a colleague has moved.",
        ))
        .parameter(id_parameter())
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(reference("Transition")))
                        .example(Some(json!({
                            "to": "DECLINED_WITH_ADVICE",
                            "reason_code": "OPTIMISE_FIRST",
                            "advice": "Prone for 16 h with neuromuscular blockade, then call again.",
                            "note": "Discussed with the consultant on call.",
                            "from": "UNDER_CONSULTATION"
                        })))
                        .build(),
                )
                .build(),
        ))
        .response("200", json_response("The referral's new state", "Moved"))
        .response("403", error_response("Not a step this account may take"))
        .response("404", error_response("No such referral, or another hospital's"))
        .response("409", json_response("The step does not follow the current state (`allowed` lists those that do), or the state changed since `from` (`changed`)", "TransitionRefused"))
        .response("422", json_response("Field errors; nothing changed", "FieldErrors"))
        .security(session.clone());
    let paths = PathsBuilder::new()
        .path(
            "/api/v1/referrals/{id}/transitions",
            PathItem::new(HttpMethod::Post, transition),
        )
        .path("/api/v1/referrals", PathItem::new(HttpMethod::Post, submit))
        .path("/api/v1/referrals", PathItem::new(HttpMethod::Get, list))
        .path(
            "/api/v1/referrals/{id}",
            PathItem::new(HttpMethod::Get, get),
        )
        .path(
            "/api/v1/referrals/{id}/updates",
            PathItem::new(HttpMethod::Post, update),
        )
        .path(
            "/api/v1/referrals/{id}/messages",
            PathItem::new(HttpMethod::Post, message),
        )
        .path(
            "/api/v1/session",
            PathItem::new(
                HttpMethod::Post,
                OperationBuilder::new()
                    .operation_id(Some("signIn"))
                    .summary(Some(
                        "Sign in: sets the `ecmo_session` cookie the other calls use",
                    ))
                    .request_body(Some(
                        RequestBodyBuilder::new()
                            .required(Some(Required::True))
                            .content(
                                JSON,
                                ContentBuilder::new()
                                    .schema(Some(object_with(&[
                                        ("email", "Account email"),
                                        ("password", "Password"),
                                    ])))
                                    .build(),
                            )
                            .build(),
                    ))
                    .response(
                        "200",
                        json_response("Signed in: the account", "CurrentUser"),
                    )
                    .response("401", error_response("Wrong email or password"))
                    .response(
                        "422",
                        json_response("Email or password missing, or not text", "FieldErrors"),
                    )
                    .response(
                        "503",
                        error_response("Too many sign-ins at once; see Retry-After"),
                    )
                    .response(
                        "429",
                        error_response("Too many failed attempts; see Retry-After"),
                    ),
            ),
        )
        .build();
    let mut paths = paths;
    for score in Score::ALL {
        paths.add_path_operation(
            format!("/api/v1/scores/{}", score.key()),
            vec![HttpMethod::Post],
            score_operation(score),
        );
    }
    paths.add_path_operation(
        "/api/v1/me",
        vec![HttpMethod::Get],
        OperationBuilder::new()
            .operation_id(Some("me"))
            .summary(Some("The signed-in account"))
            .response("200", json_response("The account", "CurrentUser"))
            .response("401", error_response("Not signed in"))
            .security(session.clone()),
    );
    paths.add_path_operation(
        "/api/v1/hospitals",
        vec![HttpMethod::Get],
        OperationBuilder::new()
            .operation_id(Some("listHospitals"))
            .summary(Some(
                "The active referring hospitals (for registration); no sign-in",
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("By name")
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(ArrayBuilder::new().items(reference("HospitalOption"))))
                            .build(),
                    )
                    .build(),
            ),
    );
    paths.add_path_operation(
        "/api/v1/session",
        vec![HttpMethod::Delete],
        OperationBuilder::new()
            .operation_id(Some("signOut"))
            .summary(Some("Sign out"))
            .response(
                "204",
                ResponseBuilder::new().description("Signed out").build(),
            ),
    );
    let components = ComponentsBuilder::new()
        .schema("VvReferral", checklist_schema(Pathway::Vv))
        .schema("VaReferral", checklist_schema(Pathway::Va))
        .schema("EcprAlert", ecpr_schema())
        .schema("BloodGas", blood_gas_schema())
        .schema(
            "Update",
            ObjectBuilder::new()
                .property(
                    "note",
                    string("Free text").max_length(Some(checklist::MAX_NOTE)),
                )
                .property(
                    "blood_gases",
                    ArrayBuilder::new().items(reference("BloodGas")),
                )
                .property(
                    "confirmed",
                    ArrayBuilder::new().items(string(
                        "a field of this update, e.g. `blood_gases.0.lactate_mmol_l`",
                    )),
                ),
        )
        .schema(
            "Message",
            ObjectBuilder::new()
                .property(
                    "body",
                    string("The message").max_length(Some(checklist::MAX_NOTE)),
                )
                .required("body"),
        )
        .schema(
            "Version",
            ObjectBuilder::new()
                .property(
                    "version",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .description(Some("The new version's number")),
                )
                .required("version"),
        )
        .schema(
            "Created",
            ObjectBuilder::new()
                .property("id", ObjectBuilder::new().schema_type(Type::Integer))
                .required("id"),
        )
        .schema("Transition", transition_schema())
        .schema(
            "Moved",
            ObjectBuilder::new()
                .property("id", ObjectBuilder::new().schema_type(Type::Integer))
                .property("status", choices("The new state", &state_names()))
                .required("id")
                .required("status"),
        )
        .schema(
            "TransitionRefused",
            ObjectBuilder::new()
                .property("error", string("What happened and what to do"))
                .property("status", string("The referral's current state"))
                .property("allowed", ArrayBuilder::new().items(string("A state")))
                .property("changed", ObjectBuilder::new().schema_type(Type::Boolean))
                .required("error")
                .required("status")
                .required("allowed")
                .required("changed"),
        )
        .schema("FieldErrors", errors_schema())
        .schema("Error", error_schema())
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ecmo_session"))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("ECMO Referral API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Referrals to the ECMO centre for hospital systems. Sign in with `POST /api/v1/session`; \
                     the cookie it sets authorises the other calls. Every request is checked like the pages' \
                     forms and authorised by role and hospital. Times are wall-clock times in Europe/Ljubljana.",
                )),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The component a calculator's reply is described by.
fn score_reply_name(score: Score) -> String {
    let key = score.key();
    let mut name = key[..1].to_uppercase();
    name.push_str(&key[1..]);
    format!("{name}Score")
}

/// The response bodies' schemas, derived from the types the server serialises (serde's
/// attributes honoured), so that the document cannot drift from the responses.
fn derived_schemas() -> Map<String, Value> {
    use ecmo_referral_app::accounts::HospitalOption;
    use ecmo_referral_app::domain::account::CurrentUser;
    use ecmo_referral_app::domain::scores::{
        murray::MurrayResult, preserve::PreserveResult, scai::ScaiResult, vis::VisResult,
        RiskResult,
    };
    use ecmo_referral_app::referrals::{ReferralDetail, ReferralSummary, Submitted};
    use schemars::generate::SchemaSettings;
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    // Each is a named struct, so asking for it files it among the definitions.
    generator.subschema_for::<Submitted>();
    generator.subschema_for::<ReferralSummary>();
    generator.subschema_for::<ReferralDetail>();
    generator.subschema_for::<CurrentUser>();
    generator.subschema_for::<HospitalOption>();
    generator.subschema_for::<MurrayResult>();
    generator.subschema_for::<RiskResult>();
    generator.subschema_for::<PreserveResult>();
    generator.subschema_for::<VisResult>();
    generator.subschema_for::<ScaiResult>();
    let mut schemas = generator.take_definitions(true);
    // The outcome scores' replies carry the ELSO caveat beside the result.
    for score in Score::ALL {
        let (result, caveat) = match score {
            Score::Murray => ("MurrayResult", true),
            Score::Resp | Score::Save => ("RiskResult", true),
            Score::Preserve => ("PreserveResult", true),
            Score::Vis => ("VisResult", false),
            Score::Scai => ("ScaiResult", false),
        };
        // Every result type was asked for above; a missing one leaves the reference dangling,
        // which the document's tests catch (an empty schema would accept anything).
        let Some(mut reply) = schemas.get(result).cloned() else {
            continue;
        };
        if caveat {
            if let Some(properties) = reply.get_mut("properties").and_then(Value::as_object_mut) {
                properties.insert(
                    "caveat".into(),
                    json!({"type": "string", "description": "ELSO's caveat on outcome scores"}),
                );
            }
            if let Some(required) = reply.get_mut("required").and_then(Value::as_array_mut) {
                required.push(json!("caveat"));
            }
        }
        schemas.insert(score_reply_name(score), reply);
    }
    schemas
}

/// Declares every described object closed: the server sends no property its type does not
/// have and refuses requests with fields it does not know. Examples are left as they are.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    close_objects(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(build()).unwrap_or_else(|_| json!({}));
        if let Some(schemas) = document
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            schemas.extend(derived_schemas());
        }
        close_objects(&mut document);
        document
    })
}

pub async fn serve() -> axum::Json<Value> {
    axum::Json(document().clone())
}
