//! Checking the answers of a referral: each value against its field's limits, the
//! required ones, and the cross-checks between values.
use super::*;

// ---------------------------------------------------------------- checking

/// What checking a VV or VA referral found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub pathway: Option<Pathway>,
    /// The answers that passed their checks, normalised (pressures in kPa, FiO2 as a
    /// fraction, text trimmed). Fields with errors are left out.
    pub data: Map<String, Value>,
    pub errors: FieldErrors,
    pub warnings: BTreeMap<String, Vec<Warning>>,
    /// Fields of the minimal set not answered yet: only these (with errors and unconfirmed
    /// values) stop a submission.
    pub missing: Vec<String>,
    /// Fields answered "unknown / not measured" (`lvef_pct`, `blood_gases.1.ph`); also
    /// stored in `data` under `unknown`.
    pub unknown: Vec<String>,
}

impl Checked {
    /// Warnings the user has not confirmed (by listing the field in `confirmed`).
    pub fn unconfirmed(&self) -> Vec<(&str, &Warning)> {
        let confirmed: BTreeSet<&str> = self
            .data
            .get("confirmed")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.warnings
            .iter()
            .filter(|(k, _)| !confirmed.contains(k.as_str()))
            .flat_map(|(k, ws)| ws.iter().map(move |w| (k.as_str(), w)))
            .collect()
    }

    /// Everything that stops a submission: impossible values, missing required fields and
    /// unconfirmed warnings, each as a field error.
    pub fn submission_errors(&self) -> FieldErrors {
        let mut errors = self.errors.clone();
        for key in &self.missing {
            errors.add(key, FieldError::Missing);
        }
        for (key, warning) in self.unconfirmed() {
            errors.add(
                key,
                FieldError::Unconfirmed {
                    warning: warning.clone(),
                },
            );
        }
        errors
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        self.data.get(key).and_then(Value::as_f64)
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.data.get(key).and_then(Value::as_bool)
    }

    pub fn list(&self, key: &str) -> Vec<&str> {
        self.data
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    pub fn has(&self, key: &str, value: &str) -> bool {
        self.list(key).contains(&value)
    }

    pub fn gases(&self) -> Vec<&Map<String, Value>> {
        self.data
            .get(GAS_STEP)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    }
}

/// Checks one field's value and returns its normalised form; the error goes under `name`.
pub(super) fn check_value(
    field: &Field,
    name: &str,
    value: &Value,
    now_local_ms: i64,
    out: &mut Checked,
) -> Option<Value> {
    let fail = |out: &mut Checked, e: FieldError| {
        out.errors.add(name, e);
        None
    };
    let unknown = |allowed: &[&str]| FieldError::UnknownValue {
        allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
    };
    match field.kind {
        Kind::Number | Kind::Pressure => {
            let Some(mut n) = value.as_f64().filter(|n| n.is_finite()) else {
                return fail(out, FieldError::NotANumber);
            };
            // FiO2 is a fraction; 21–100 is read as a percentage.
            if field.key == "fio2" && n > 1.0 && n <= 100.0 {
                n /= 100.0;
            }
            let in_mmhg = field.kind == Kind::Pressure && name.ends_with("_mmhg");
            let spec_key = if field.kind == Kind::Pressure {
                format!("{}_kpa", field.key)
            } else {
                field.key.to_owned()
            };
            if in_mmhg {
                n = mmhg_to_kpa(n);
            }
            match validation::check(&spec_key, n) {
                Ok(warning) => {
                    if let Some(w) = warning {
                        out.warnings.entry(name.to_owned()).or_default().push(w);
                    }
                    Some(json!(n))
                }
                Err(FieldError::OutOfRange { min, max, .. }) if in_mmhg => fail(
                    out,
                    FieldError::OutOfRange {
                        min: readable(min * MMHG_PER_KPA),
                        max: readable(max * MMHG_PER_KPA),
                        unit: "mmHg".into(),
                    },
                ),
                Err(e) => fail(out, e),
            }
        }
        Kind::Choice(allowed) => match value.as_str() {
            Some(s) if allowed.contains(&s) => Some(json!(s)),
            _ => fail(out, unknown(allowed)),
        },
        Kind::Multi(allowed) => {
            let Some(items) = value.as_array() else {
                return fail(out, FieldError::NotAList);
            };
            let mut seen: Vec<&str> = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) if allowed.contains(&s) => {
                        if !seen.contains(&s) {
                            seen.push(s);
                        }
                    }
                    _ => return fail(out, unknown(allowed)),
                }
            }
            if seen.contains(&"none") && seen.len() > 1 {
                return fail(
                    out,
                    FieldError::OneOf {
                        other: "none".into(),
                    },
                );
            }
            Some(json!(seen))
        }
        Kind::YesNo | Kind::Check => match value.as_bool() {
            Some(b) => Some(json!(b)),
            None => fail(out, FieldError::NotABoolean),
        },
        Kind::Text(_) | Kind::Phone => {
            let max = match field.kind {
                Kind::Text(max) => max,
                _ => 30,
            };
            let Some(text) = value.as_str().map(str::trim) else {
                return fail(out, unknown(&["text"]));
            };
            if text.chars().count() > max {
                return fail(out, FieldError::TooLong { max });
            }
            if text.is_empty() {
                return None;
            }
            if field.kind == Kind::Phone && !phone_ok(text) {
                return fail(out, FieldError::InvalidPhone);
            }
            Some(json!(text))
        }
        Kind::DateTime | Kind::Date => {
            let text = value.as_str().unwrap_or_default().trim();
            let parsed = if field.kind == Kind::Date {
                parse_date(text)
            } else {
                parse_local(text)
            };
            let Some(ms) = parsed else {
                return fail(out, FieldError::NotADateTime);
            };
            if ms > now_local_ms + CLOCK_SKEW_MS {
                return fail(out, FieldError::InFuture);
            }
            if field.kind == Kind::Date {
                Some(json!(text))
            } else {
                Some(json!(format_local(ms)))
            }
        }
    }
}

/// A converted limit as people write it: 750.06 → 750, 7.50062 → 7.5.
pub(super) fn readable(x: f64) -> f64 {
    let whole = x.round();
    if (x - whole).abs() < 0.1 {
        whole
    } else {
        round_to(x, 1)
    }
}

pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Reads the fields of `fields` from `object` into `target`, naming errors `prefix + key`.
/// Returns the keys of `object` that no field claimed.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_fields(
    fields: &[Field],
    pathway: Option<Pathway>,
    object: &Map<String, Value>,
    prefix: &str,
    now_local_ms: i64,
    target: &mut Map<String, Value>,
    out: &mut Checked,
) -> BTreeSet<String> {
    let mut unclaimed: BTreeSet<String> = object.keys().cloned().collect();
    for field in fields {
        let need = pathway.map_or(Need::Optional, |p| field.need(p));
        if need == Need::Hidden {
            continue;
        }
        let names: Vec<String> = if field.kind == Kind::Pressure {
            vec![format!("{}_kpa", field.key), format!("{}_mmhg", field.key)]
        } else {
            vec![field.key.to_owned()]
        };
        let given: Vec<&String> = names
            .iter()
            .filter(|n| object.get(n.as_str()).is_some_and(|v| !is_empty(v)))
            .collect();
        for n in &names {
            unclaimed.remove(n);
        }
        if given.len() > 1 {
            for (n, other) in [(&names[0], &names[1]), (&names[1], &names[0])] {
                out.errors.add(
                    &format!("{prefix}{n}"),
                    FieldError::OneOf {
                        other: other.clone(),
                    },
                );
            }
            continue;
        }
        let Some(name) = given.first() else {
            if field.kind == Kind::Check {
                target.insert(field.key.into(), json!(false));
            } else if need == Need::Minimal {
                out.missing.push(format!("{prefix}{}", field.key));
            }
            continue;
        };
        let full = format!("{prefix}{name}");
        let value = &object[name.as_str()];
        if need != Need::Minimal && is_unknown(field, value) {
            out.unknown.push(format!("{prefix}{}", field.key));
            continue;
        }
        if let Some(v) = check_value(field, &full, value, now_local_ms, out) {
            target.insert(field.stored_key(), v);
        } else if need == Need::Minimal && out.errors.get(&full).is_none() {
            out.missing.push(format!("{prefix}{}", field.key));
        }
    }
    unclaimed
}

/// Whether `value` answers `field` with "unknown / not measured" rather than with one of the
/// field's own options (a choice whose options include `unknown` keeps it as its answer).
pub(super) fn is_unknown(field: &Field, value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    if !text.trim().eq_ignore_ascii_case(UNKNOWN) {
        return false;
    }
    !matches!(field.kind, Kind::Choice(options) if options.contains(&UNKNOWN))
}

/// Checks a VV or VA referral given as the JSON API takes it. Every problem is reported at
/// once; nothing here decides whether the referral may be sent, only what is wrong or
/// missing. `now_local_ms` is the current wall-clock time in the centre's zone.
pub fn check(value: &Value, now_local_ms: i64) -> Checked {
    let mut out = Checked::default();
    let Some(object) = value.as_object() else {
        out.errors.add("body", FieldError::NotAnObject);
        return out;
    };
    out.pathway = match object.get("pathway").and_then(Value::as_str) {
        Some("vv") => Some(Pathway::Vv),
        Some("va") => Some(Pathway::Va),
        _ => {
            out.errors.add(
                "pathway",
                FieldError::UnknownValue {
                    allowed: vec!["vv".into(), "va".into(), "ecpr".into()],
                },
            );
            None
        }
    };
    let pathway = out.pathway;
    let mut data = Map::new();
    if let Some(p) = pathway {
        data.insert(
            "pathway".into(),
            json!(crate::domain::referral::pathway_code(p)),
        );
    }
    let fields: Vec<Field> = all_fields().copied().collect();
    let mut unclaimed = read_fields(
        &fields,
        pathway,
        object,
        "",
        now_local_ms,
        &mut data,
        &mut out,
    );
    unclaimed.remove("pathway");
    unclaimed.remove("confirmed");
    unclaimed.remove(UNKNOWN);
    unclaimed.remove(GAS_STEP);

    match object.get("confirmed") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            data.insert("confirmed".into(), Value::Array(items.clone()));
        }
        Some(_) => out.errors.add("confirmed", FieldError::NotAList),
    }

    let mut gases = Vec::new();
    match object.get(GAS_STEP) {
        None | Some(Value::Null) => {}
        Some(Value::Array(rows)) if rows.len() > MAX_GASES => out.errors.add(
            GAS_STEP,
            FieldError::OutOfRange {
                min: 1.0,
                max: MAX_GASES as f64,
                unit: String::new(),
            },
        ),
        Some(Value::Array(rows)) => {
            for (i, row) in rows.iter().enumerate() {
                let prefix = format!("{GAS_STEP}.{i}.");
                let Some(row) = row.as_object() else {
                    out.errors
                        .add(&format!("{GAS_STEP}.{i}"), FieldError::NotAnObject);
                    continue;
                };
                let mut gas = Map::new();
                // Every field of a gas is asked on both pathways; its time and site are
                // expected whatever the pathway.
                let rest = read_fields(
                    GAS,
                    Some(Pathway::Vv),
                    row,
                    &prefix,
                    now_local_ms,
                    &mut gas,
                    &mut out,
                );
                for key in rest {
                    out.errors
                        .add(&format!("{prefix}{key}"), FieldError::UnknownField);
                }
                cross_check_gas(&gas, &prefix, &mut out);
                gases.push(Value::Object(gas));
            }
        }
        Some(_) => out.errors.add(GAS_STEP, FieldError::NotAList),
    }
    // The list form of "unknown" (as stored, and as an API client may send it): field names
    // whose answer is unknown. A name that is also answered keeps its answer.
    match object.get(UNKNOWN) {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item.as_str() {
                    Some(name)
                        if form_field(name).is_some_and(|(_, f)| {
                            pathway
                                .is_some_and(|p| !matches!(f.need(p), Need::Minimal | Need::Hidden))
                        }) =>
                    {
                        let answered = match name.strip_prefix("blood_gases.") {
                            Some(rest) => rest.split_once('.').is_some_and(|(i, key)| {
                                i.parse::<usize>()
                                    .ok()
                                    .and_then(|i| gases.get(i))
                                    .is_some_and(|g| {
                                        g.get(key).or(g.get(format!("{key}_kpa"))).is_some()
                                    })
                            }),
                            None => {
                                data.contains_key(name) || data.contains_key(&format!("{name}_kpa"))
                            }
                        };
                        if !answered && !out.unknown.iter().any(|u| u == name) {
                            out.unknown.push(name.to_owned());
                        }
                    }
                    _ => out.errors.add(UNKNOWN, FieldError::UnknownField),
                }
            }
        }
        Some(_) => out.errors.add(UNKNOWN, FieldError::NotAList),
    }
    if !gases.is_empty() {
        data.insert(GAS_STEP.into(), Value::Array(gases));
    }
    if !out.unknown.is_empty() {
        data.insert(UNKNOWN.into(), json!(out.unknown));
    }
    for key in unclaimed {
        out.errors.add(&key, FieldError::UnknownField);
    }
    out.data = data;
    cross_check(&mut out);
    out
}

pub(super) fn numbers(
    map: &Map<String, Value>,
    keys: &[&'static str],
) -> BTreeMap<&'static str, f64> {
    keys.iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_f64).map(|v| (*k, v)))
        .collect()
}

/// Merges the cross-field findings of [`validation::validate`] under `prefix`.
pub(super) fn merge(
    (errors, warnings): (FieldErrors, BTreeMap<String, Vec<Warning>>),
    prefix: &str,
    out: &mut Checked,
) {
    for (key, list) in errors.0 {
        // Errors that [`check_value`] already reported are not repeated.
        let name = format!("{prefix}{key}");
        for e in list {
            if !out.errors.get(&name).is_some_and(|have| have.contains(&e)) {
                out.errors.add(&name, e);
            }
        }
    }
    for (key, list) in warnings {
        let name = format!("{prefix}{key}");
        let have = out.warnings.entry(name).or_default();
        for w in list {
            if !have.contains(&w) {
                have.push(w);
            }
        }
    }
}

pub(super) fn cross_check_gas(gas: &Map<String, Value>, prefix: &str, out: &mut Checked) {
    let values = numbers(gas, &["ph", "pao2_kpa", "paco2_kpa", "fio2", "hco3_mmol_l"]);
    let (errors, warnings) = validation::validate(&values, None);
    // Only the cross-field results: single values were checked already.
    let cross_errors = FieldErrors(
        errors
            .0
            .into_iter()
            .filter(|(_, l)| l.iter().any(|e| matches!(e, FieldError::OutOfRange { .. })))
            .collect(),
    );
    let cross_warnings = warnings
        .into_iter()
        .map(|(k, l)| {
            let l: Vec<Warning> = l
                .into_iter()
                .filter(|w| matches!(w, Warning::AcidBaseInconsistent { .. }))
                .collect();
            (k, l)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    merge((cross_errors, cross_warnings), prefix, out);
}

/// Plateau against PEEP is not checked here: PEEP is recorded with each gas, and a plateau
/// below an earlier sample's PEEP is possible once PEEP has been lowered.
pub(super) fn cross_check(out: &mut Checked) {
    let values = numbers(
        &out.data,
        &[
            "plateau_cmh2o",
            "pip_cmh2o",
            "sbp_mmhg",
            "dbp_mmhg",
            "weight_kg",
            "height_cm",
            "tidal_volume_ml",
        ],
    );
    let male = out.text("sex").map(|s| s == "male");
    let (errors, warnings) = validation::validate(&values, male);
    let warnings = warnings
        .into_iter()
        .map(|(k, l)| {
            let l: Vec<Warning> = l
                .into_iter()
                .filter(|w| matches!(w, Warning::Bmi { .. } | Warning::TidalVolumePerPbw { .. }))
                .collect();
            (k, l)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let errors = FieldErrors(
        errors
            .0
            .into_iter()
            .filter(|(k, _)| ["plateau_cmh2o", "pip_cmh2o", "dbp_mmhg"].contains(&k.as_str()))
            .collect(),
    );
    for key in errors.0.keys() {
        out.data.remove(key);
    }
    merge((errors, warnings), "", out);
    let admission = out.text("admission_at").and_then(parse_local);
    let intubation = out.text("intubation_at").and_then(parse_local);
    if let (Some(a), Some(i)) = (admission, intubation) {
        if i < a - DAY_MS {
            out.errors.add("intubation_at", FieldError::BeforeAdmission);
            out.data.remove("intubation_at");
        }
    }
}
