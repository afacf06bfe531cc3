//! The schemas, parameters and responses the document is built from: the checklist and
//! ECPR forms from the domain's own field list and limits, the scores and the errors.
use super::*;

pub(super) fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

pub(super) fn string(description: impl Into<String>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description.into()))
}

/// The schema of one checklist field, with its limits, unit and allowed values.
pub(super) fn field_schema(field: &Field, unit: Option<&str>) -> Schema {
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
pub(super) fn answer_schema(field: &Field, unit: Option<&str>, need: Need) -> Schema {
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
pub(super) fn with_field(object: ObjectBuilder, field: &Field, need: Need) -> ObjectBuilder {
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

pub(super) fn blood_gas_schema() -> Schema {
    let mut object = ObjectBuilder::new().description(Some(
        "One blood gas. Give PaO2 and PaCO2 in kPa (`pao2_kpa`) or mmHg (`pao2_mmhg`), not both; \
         the P/F criteria read arterial samples with FiO2.",
    ));
    for field in GAS {
        object = with_field(object, field, Need::Optional);
    }
    object.into()
}

pub(super) fn checklist_schema(pathway: Pathway) -> Schema {
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

pub(super) fn ecpr_schema() -> Schema {
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

pub(super) fn ecpr_example() -> Value {
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

pub(super) fn errors_schema() -> Schema {
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

pub(super) fn error_schema() -> Schema {
    ObjectBuilder::new()
        .property("error", string("What happened and what to do"))
        .required("error")
        .into()
}

pub(super) fn json_response(description: &str, schema: &str) -> utoipa::openapi::Response {
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

pub(super) fn error_response(description: &str) -> utoipa::openapi::Response {
    json_response(description, "Error")
}

pub(super) fn id_parameter() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("The referral's id"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
        .build()
}

pub(super) fn object_with(properties: &[(&str, &str)]) -> Schema {
    let mut object = ObjectBuilder::new();
    for (name, description) in properties {
        object = object.property(*name, string(*description));
    }
    object.into()
}

/// Every referral state's name, in the order of the diagram.
pub(super) fn state_names() -> Vec<&'static str> {
    ecmo_referral_app::domain::workflow::STATES
        .iter()
        .map(|s| s.as_str())
        .collect()
}

pub(super) fn choices(description: &str, values: &[&str]) -> ObjectBuilder {
    string(description).enum_values(Some(values.iter().copied()))
}

/// The dataset entry whose limits a calculator field shares (dose fields carry their unit
/// in the name; the previous lactate is a lactate).
pub(super) fn calculator_limits(key: &str) -> Option<&'static validation::Spec> {
    let dataset_key = match key {
        "vasopressin_u_per_min" => "vasopressin_u_min",
        "lactate_previous_mmol_l" => "lactate_mmol_l",
        other => other.strip_suffix("_ug_kg_min").unwrap_or(other),
    };
    validation::spec_of(dataset_key)
}

/// The request schema of a calculator, from the same field list its form and parser use.
pub(super) fn score_schema(score: Score) -> Schema {
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
pub(super) fn score_operation(score: Score) -> OperationBuilder {
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
pub(super) fn transition_schema() -> Schema {
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
