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

const JSON: &str = "application/json";

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn string(description: impl Into<String>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description.into()))
}

/// The schema of one checklist field, with its limits, unit and allowed values.
fn field_schema(field: &Field, unit: Option<&str>) -> Schema {
    let label = question_label(field.key, Lang::En);
    match field.kind {
        Kind::Number | Kind::Pressure => {
            let key = match (field.kind, unit) {
                (Kind::Pressure, Some(u)) => format!("{}_{u}", field.key),
                _ => field.key.to_owned(),
            };
            let spec = validation::spec_of(&key)
                .or_else(|| validation::spec_of(&format!("{}_kpa", field.key)));
            let (mut min, mut max, mut unit_text) = spec.map_or((None, None, String::new()), |s| {
                (Some(s.hard.0), Some(s.hard.1), s.unit.to_owned())
            });
            if unit == Some("mmhg") {
                min = min.map(|m| (m * 7.50062 * 10.0).round() / 10.0);
                max = max.map(|m| (m * 7.50062).round());
                unit_text = "mmHg".into();
            }
            let mut description = label;
            if !unit_text.is_empty() {
                description = format!("{description}, {unit_text}");
            }
            if field.key == "fio2" {
                description.push_str(" (a fraction 0.21–1.0; 21–100 is read as a percentage)");
            }
            if let Some(soft) = spec.and_then(|s| s.soft_below.or(s.soft_above)) {
                let _ = soft;
                description.push_str(". Unusual values must be listed in `confirmed`");
            }
            let integer = spec.is_some_and(|s| s.integer);
            ObjectBuilder::new()
                .schema_type(if integer { Type::Integer } else { Type::Number })
                .description(Some(description))
                .minimum(min)
                .maximum(if field.key == "fio2" {
                    Some(100.0)
                } else {
                    max
                })
                .into()
        }
        Kind::Choice(values) => string(label)
            .enum_values(Some(values.iter().copied()))
            .into(),
        Kind::Multi(values) => ArrayBuilder::new()
            .description(Some(format!("{label}; `none` alone when none applies")))
            .items(string("value").enum_values(Some(values.iter().copied())))
            .into(),
        Kind::YesNo | Kind::Check => ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(label))
            .into(),
        Kind::Text(max) => string(label).max_length(Some(max)).into(),
        Kind::Phone => string(format!(
            "{label}: 6 to 15 digits; spaces, +, -, /, brackets allowed"
        ))
        .max_length(Some(30))
        .into(),
        Kind::DateTime => string(format!(
            "{label}: wall-clock time in Europe/Ljubljana, `YYYY-MM-DDTHH:MM`, not in the future"
        ))
        .pattern(Some(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"))
        .into(),
        Kind::Date => string(format!("{label}: `YYYY-MM-DD`, not in the future"))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .into(),
    }
}

/// A field's schema, or the string `unknown` where the field may be answered so.
fn answer_schema(field: &Field, unit: Option<&str>, need: Need) -> Schema {
    let schema = field_schema(field, unit);
    if need == Need::Minimal {
        return schema;
    }
    OneOfBuilder::new()
        .item(schema)
        .item(
            string("Unknown or not measured: the centre sees the field as not given")
                .enum_values(Some([checklist::UNKNOWN])),
        )
        .into()
}

/// Adds a field (both unit spellings for a pressure) to an object schema; only the minimal
/// set is required.
fn with_field(object: ObjectBuilder, field: &Field, need: Need) -> ObjectBuilder {
    if field.kind == Kind::Pressure {
        return object
            .property(
                format!("{}_kpa", field.key),
                answer_schema(field, Some("kpa"), need),
            )
            .property(
                format!("{}_mmhg", field.key),
                answer_schema(field, Some("mmhg"), need),
            );
    }
    let object = object.property(field.key, answer_schema(field, None, need));
    if need == Need::Minimal {
        object.required(field.key)
    } else {
        object
    }
}

fn blood_gas_schema() -> Schema {
    let mut object = ObjectBuilder::new().description(Some(
        "One blood gas. Give PaO2 and PaCO2 in kPa (`pao2_kpa`) or mmHg (`pao2_mmhg`), not both; \
         the P/F criteria read arterial samples with FiO2.",
    ));
    for field in GAS {
        object = with_field(object, field, Need::Optional);
    }
    object.into()
}

fn checklist_schema(pathway: Pathway) -> Schema {
    let code = if pathway == Pathway::Va { "va" } else { "vv" };
    let mut object = ObjectBuilder::new()
        .description(Some(format!(
            "A {} referral (spec §5). Only the callback phone, the age and what the referrer wants to discuss \
             are required; every other field may be left out or answered `unknown`. Fields not in this schema are \
             refused. Fields with unusual but possible values must be named in `confirmed` after checking them.",
            if pathway == Pathway::Va { "VA-ECMO" } else { "VV-ECMO" }
        )))
        .property("pathway", string("The pathway").enum_values(Some([code])))
        .required("pathway");
    for step in STEPS {
        for field in step.fields {
            match field.need(pathway) {
                Need::Hidden => {}
                need => object = with_field(object, field, need),
            }
        }
    }
    object
        .property(
            checklist::GAS_STEP,
            ArrayBuilder::new()
                .description(Some("The blood-gas series, oldest first"))
                .items(reference("BloodGas"))
                .max_items(Some(checklist::MAX_GASES)),
        )
        .property(
            checklist::UNKNOWN,
            ArrayBuilder::new()
                .description(Some(
                    "Fields answered unknown / not measured, e.g. `lvef_pct` or `blood_gases.0.lactate_mmol_l`: \
                     the same as giving the field the value `unknown`",
                ))
                .items(string("a field name")),
        )
        .property(
            "confirmed",
            ArrayBuilder::new()
                .description(Some(
                    "Fields whose unusual values the doctor has checked, e.g. `weight_kg` or `blood_gases.0.lactate_mmol_l`",
                ))
                .items(string("a field name")),
        )
        .into()
}

fn ecpr_schema() -> Schema {
    let number = |description: &str, min: f64, max: f64| {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(description))
            .minimum(Some(min))
            .maximum(Some(max))
    };
    ObjectBuilder::new()
        .description(Some(
            "The ECPR alert (spec §5.9): phone the centre first, then send these ten answers.",
        ))
        .property("pathway", string("The pathway").enum_values(Some(["ecpr"])))
        .required("pathway")
        .property(
            "callback_phone",
            string("Callback phone").max_length(Some(30)),
        )
        .required("callback_phone")
        .property(
            "location",
            string("OHCA address or EMS unit, or the ward of an in-hospital arrest")
                .max_length(Some(200)),
        )
        .required("location")
        .property(
            "age_years",
            number("Age in years (an estimate is enough)", 18.0, 110.0),
        )
        .required("age_years")
        .property(
            "minutes_since_collapse",
            number("Minutes since collapse", 0.0, 300.0),
        )
        .required("minutes_since_collapse")
        .property(
            "collapse",
            string("Witnessed, and bystander CPR").enum_values(Some(COLLAPSE.iter().copied())),
        )
        .required("collapse")
        .property(
            "no_flow_min",
            number(
                "Minutes from collapse to the first compression, if known",
                0.0,
                60.0,
            ),
        )
        .property(
            "initial_rhythm",
            string("Initial rhythm").enum_values(Some(RHYTHMS.iter().copied())),
        )
        .required("initial_rhythm")
        .property(
            "etco2_kpa",
            number("Latest EtCO2 in kPa (or `etco2_mmhg`, not both)", 0.0, 15.0),
        )
        .property("etco2_mmhg", number("Latest EtCO2 in mmHg", 0.0, 110.0))
        .property(
            "eta_min",
            number(
                "Minutes until the patient reaches the centre, or the team the patient",
                0.0,
                240.0,
            ),
        )
        .property(
            "known",
            ArrayBuilder::new()
                .description(Some("Known before the arrest"))
                .items(string("finding").enum_values(Some(KNOWN.iter().copied()))),
        )
        .into()
}

fn ecpr_example() -> Value {
    json!({
        "pathway": "ecpr",
        "callback_phone": "+386 41 555 123",
        "location": "NMP Celje, reanimobil 1",
        "age_years": 54,
        "minutes_since_collapse": 20,
        "collapse": "witnessed_bystander_cpr",
        "no_flow_min": 2,
        "initial_rhythm": "vf_pvt",
        "etco2_kpa": 3.1,
        "eta_min": 25,
        "known": []
    })
}

fn errors_schema() -> Schema {
    ObjectBuilder::new()
        .description(Some("Every field that is missing, impossible or unconfirmed, with messages giving the allowed range and unit"))
        .property(
            "errors",
            ObjectBuilder::new().additional_properties(Some(
                ArrayBuilder::new().items(string("message")),
            )),
        )
        .required("errors")
        .into()
}

fn error_schema() -> Schema {
    ObjectBuilder::new()
        .property("error", string("What happened and what to do"))
        .required("error")
        .into()
}

fn json_response(description: &str, schema: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(reference(schema)))
                .build(),
        )
        .build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    json_response(description, "Error")
}

fn id_parameter() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("The referral's id"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
        .build()
}

fn object_with(properties: &[(&str, &str)]) -> Schema {
    let mut object = ObjectBuilder::new();
    for (name, description) in properties {
        object = object.property(*name, string(*description));
    }
    object.into()
}

/// Every referral state's name, in the order of the diagram.
fn state_names() -> Vec<&'static str> {
    ecmo_referral_app::domain::workflow::STATES
        .iter()
        .map(|s| s.as_str())
        .collect()
}

fn choices(description: &str, values: &[&str]) -> ObjectBuilder {
    string(description).enum_values(Some(values.iter().copied()))
}

/// The dataset entry whose limits a calculator field shares (dose fields carry their unit
/// in the name; the previous lactate is a lactate).
fn calculator_limits(key: &str) -> Option<&'static validation::Spec> {
    let dataset_key = match key {
        "vasopressin_u_per_min" => "vasopressin_u_min",
        "lactate_previous_mmol_l" => "lactate_mmol_l",
        other => other.strip_suffix("_ug_kg_min").unwrap_or(other),
    };
    validation::spec_of(dataset_key)
}

/// The request schema of a calculator, from the same field list its form and parser use.
fn score_schema(score: Score) -> Schema {
    let number = |key: &str| {
        let spec = calculator_limits(key);
        let mut description = field_label(key, Lang::En);
        if let Some(unit) = spec
            .map(|s| s.unit)
            .filter(|u| !u.is_empty() && !description.contains(*u))
        {
            description = format!("{description}, {unit}");
        }
        ObjectBuilder::new()
            .schema_type(if spec.is_some_and(|s| s.integer) {
                Type::Integer
            } else {
                Type::Number
            })
            .description(Some(description))
            .minimum(spec.map(|s| s.hard.0))
            .maximum(spec.map(|s| s.hard.1))
    };
    let mut object = ObjectBuilder::new();
    for field in score.fields() {
        object = match field.kind {
            FieldKind::Number => object.property(field.key, number(field.key)),
            FieldKind::Pressure { mmhg, kpa } => {
                let pressure = |unit: &str, other: &str| {
                    ObjectBuilder::new()
                        .schema_type(Type::Number)
                        .description(Some(format!(
                            "{}, {unit} (or `{other}`, not both)",
                            field_label(field.key, Lang::En)
                        )))
                };
                object
                    .property(mmhg, pressure("mmHg", kpa))
                    .property(kpa, pressure("kPa", mmhg))
            }
            FieldKind::Boolean => object.property(
                field.key,
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .description(Some(field_label(field.key, Lang::En))),
            ),
            FieldKind::Choice(values) => object.property(
                field.key,
                choices(&field_label(field.key, Lang::En), values),
            ),
            FieldKind::Multi(values) => object.property(
                field.key,
                ArrayBuilder::new()
                    .description(Some(field_label(field.key, Lang::En)))
                    .items(choices("value", values)),
            ),
        };
        let required = !field.optional
            && !matches!(field.kind, FieldKind::Pressure { .. })
            && !matches!(score, Score::Vis | Score::Scai);
        if required {
            object = object.required(field.key);
        }
    }
    if score == Score::Vis {
        object = object.description(Some(
            "Every dose is optional, at least 0, absent meaning 0. `weight_kg` is needed only with vasopressin (converted to U/kg/min). Levosimendan is read but not counted.",
        ));
    }
    if score == Score::Scai {
        object = object.description(Some(
            "Every field is optional: an unknown value supports no criterion, and an absent yes/no is no. `ph` (latest arterial) and the doses (only how many drugs run counts) are optional too.",
        ));
    }
    object.into()
}

/// `POST /api/v1/scores/{score}` for each calculator, with a complete example request.
fn score_operation(score: Score) -> OperationBuilder {
    let reply = match score {
        Score::Murray => "`score` (2 decimals), `points`, `components`, `severity`, `meets_referral_threshold`, `rule_set_version`, `caveat`",
        Score::Resp | Score::Save => "`points`, `risk_class`, `predicted_survival_pct`, `components`, `rule_set_version`, `caveat`",
        Score::Preserve => "`points`, `risk_class`, `predicted_survival_pct`, `components`, `provisional` (true), `rule_set_version`, `caveat`",
        Score::Vis => "`score` (2 decimals), `components` (what each request field contributed), `rule_set`",
        Score::Scai => "`stage` (`A`–`E`), `arrest_with_coma`, `label` (e.g. `D-A`), `reasons` (the criteria that reached the stage), `rule_set`",
    };
    OperationBuilder::new()
        .operation_id(Some(format!("score_{}", score.key())))
        .summary(Some(format!(
            "{}: no sign-in, nothing stored",
            score.title()
        )))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(score_schema(score)))
                        .example(Some(score.example()))
                        .build(),
                )
                .build(),
        ))
        .response("200", json_response(reply, &score_reply_name(score)))
        .response(
            "422",
            json_response(
                "Every missing or impossible field, with its allowed range and unit",
                "FieldErrors",
            ),
        )
}

/// The transition request, its enumerations taken from the state machine itself.
fn transition_schema() -> Schema {
    use ecmo_referral_app::domain::workflow as wf;
    ObjectBuilder::new()
        .property("to", choices("The target state", &state_names()))
        .property(
            "reason_code",
            choices(
                "Why (declines, deferral, onward referral, not cannulated or started; withdrawal takes the withdrawal reasons)",
                &[wf::REASON_CODES, wf::WITHDRAW_REASONS].concat(),
            ),
        )
        .property("note", string("Internal to the centre"))
        .property("advice", string("Shown to the referring doctor"))
        .property("fields", ArrayBuilder::new().items(choices("Requested item", wf::INFO_ITEMS)))
        .property("triggers", ArrayBuilder::new().items(choices("Re-referral trigger", wf::TRIGGERS)))
        .property("review_at", string("Review time, local wall clock YYYY-MM-DDTHH:MM, within 7 days"))
        .property("eta_min", ObjectBuilder::new().schema_type(Type::Number).description(Some("Minutes until the team or transport arrives (0–1440)")))
        .property("team", string("Who comes (mobile team)"))
        .property("mode", choices("Cannulation mode", wf::CANNULATION_MODES))
        .property("centre", string("The centre referred onward to"))
        .property("from", string("The state the caller saw"))
        .required("to")
        .into()
}

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
