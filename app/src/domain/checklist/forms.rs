//! The checklist as an HTML form: field names, steps merged into a draft, pasted blood
//! gases, and the form read as the JSON the checks take.
use super::*;

// ---------------------------------------------------------------- forms

/// The field a form name belongs to: `blood_gases.2.pao2_unit` → (`blood_gases`, `pao2`).
pub(super) fn form_field(name: &str) -> Option<(usize, &'static Field)> {
    if let Some(rest) = name.strip_prefix("blood_gases.") {
        let (index, key) = rest.split_once('.')?;
        let index: usize = index.parse().ok()?;
        if index >= MAX_GASES {
            return None;
        }
        let key = key.strip_suffix("_unit").unwrap_or(key);
        let gas_step = STEPS.iter().position(|s| s.key == GAS_STEP)?;
        return GAS.iter().find(|f| f.key == key).map(|f| (gas_step, f));
    }
    STEPS
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.fields.iter().find(|f| f.key == name).map(|f| (i, f)))
}

/// A form as posted: field name → values (several for ticked boxes).
pub type Form = BTreeMap<String, Vec<String>>;

/// Form names whose values are field names: confirmations of unusual values, and answers
/// of "unknown / not measured".
pub(super) const MARKS: [&str; 2] = ["confirmed", UNKNOWN];

/// Puts the fields one step posted over a stored form. A step posts every field it shows
/// except unticked boxes and empty lists, so the step's old fields are cleared first; the
/// confirmations and "unknown" marks are kept for the other steps and replaced for this one.
pub fn merge_step(form: &mut Form, step: usize, mut fields: Form) {
    form.retain(|k, _| step_of_form_key(k) != Some(step));
    for mark in MARKS {
        let mut names: Vec<String> = form
            .remove(mark)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| step_of(k) != Some(step))
            .collect();
        names.extend(fields.remove(mark).unwrap_or_default());
        names.sort();
        names.dedup();
        if !names.is_empty() {
            form.insert(mark.into(), names);
        }
    }
    form.extend(fields);
}

/// Whether a posted name is part of the checklist form.
pub fn is_form_key(name: &str) -> bool {
    MARKS.contains(&name) || name == GAS_PASTE || form_field(name).is_some()
}

/// The gas step's text box for pasted samples: what could not be read stays there (in the
/// draft) until the doctor corrects or clears it. Not an answer: the check never reads it.
pub const GAS_PASTE: &str = "gas_paste";

/// Puts the samples pasted in `text` into the first unused rows of the gas step's posted
/// `fields`, each with the pressure unit chosen for the paste (`kpa` or `mmhg`) and an
/// arterial site; lines that do not read as a sample (or find no free row) are left in
/// [`GAS_PASTE`]. Returns how many samples went into rows.
pub fn paste_gases(fields: &mut Form, text: &str, unit: &str, now_local_ms: i64) -> usize {
    let unit = if unit == "mmhg" { "mmhg" } else { "kpa" };
    let mut row = gas_rows(fields);
    let mut placed = 0;
    let mut left = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let pasted = crate::domain::gas_paste::read(line, now_local_ms);
        let Some(gas) = pasted.gases.into_iter().next().filter(|_| row < MAX_GASES) else {
            left.push(line.to_owned());
            continue;
        };
        let mut set = |key: &str, value: &str| {
            fields.insert(format!("{GAS_STEP}.{row}.{key}"), vec![value.to_owned()]);
        };
        set("taken_at", &gas.taken_at);
        set("site", "arterial");
        set("ph", &gas.ph);
        set("pao2", &gas.pao2);
        set("pao2_unit", unit);
        set("paco2", &gas.paco2);
        set("paco2_unit", unit);
        if let Some(fio2) = &gas.fio2 {
            set("fio2", fio2);
        }
        if let Some(lactate) = &gas.lactate {
            set("lactate_mmol_l", lactate);
        }
        row += 1;
        placed += 1;
    }
    if left.is_empty() {
        fields.remove(GAS_PASTE);
    } else {
        fields.insert(GAS_PASTE.into(), vec![left.join("\n")]);
    }
    placed
}

/// Whether the form marks `name` (`lvef_pct`, `blood_gases.0.ph`) as unknown.
pub fn marked_unknown(form: &Form, name: &str) -> bool {
    form.get(UNKNOWN)
        .is_some_and(|v| v.iter().any(|n| n == name))
}

/// The step of a posted name (`confirmed` belongs to none).
pub fn step_of_form_key(name: &str) -> Option<usize> {
    if name == GAS_PASTE {
        return STEPS.iter().position(|s| s.key == GAS_STEP);
    }
    form_field(name).map(|(step, _)| step)
}

/// Turns posted form fields (as typed: decimal commas, `yes`/`no`, unit selectors, repeated
/// names for ticked boxes, `blood_gases.N.key` for the series) into the JSON the API takes.
/// Text that is not a number stays text so that the check can name it.
pub fn form_to_json(pathway: Pathway, form: &BTreeMap<String, Vec<String>>) -> Value {
    let first = |key: &str| {
        form.get(key)
            .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
            .map(|s| s.trim().to_owned())
    };
    let mut map = Map::new();
    map.insert(
        "pathway".into(),
        json!(crate::domain::referral::pathway_code(pathway)),
    );
    let put = |map: &mut Map<String, Value>, field: &Field, name: &str| {
        let kind = field.kind;
        // "Unknown" answers a field left empty; a value typed after ticking it wins.
        let typed = form
            .get(name)
            .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()));
        if !typed && kind != Kind::Check && marked_unknown(form, name) {
            map.insert(field.stored_key(), json!(UNKNOWN));
            return;
        }
        match kind {
            Kind::Multi(_) => {
                let items: Vec<Value> = form
                    .get(name)
                    .map(|v| {
                        v.iter()
                            .filter(|s| !s.trim().is_empty())
                            .map(|s| json!(s.trim()))
                            .collect()
                    })
                    .unwrap_or_default();
                if !items.is_empty() {
                    map.insert(field.key.into(), Value::Array(items));
                }
            }
            Kind::Check => {
                if first(name).is_some() {
                    map.insert(field.key.into(), json!(true));
                }
            }
            Kind::YesNo => match first(name).as_deref() {
                Some("yes") => {
                    map.insert(field.key.into(), json!(true));
                }
                Some("no") => {
                    map.insert(field.key.into(), json!(false));
                }
                Some(other) => {
                    map.insert(field.key.into(), json!(other));
                }
                None => {}
            },
            Kind::Number => {
                if let Some(raw) = first(name) {
                    map.insert(field.key.into(), number_or_text(&raw));
                }
            }
            Kind::Pressure => {
                if let Some(raw) = first(name) {
                    let unit = first(&format!("{name}_unit")).unwrap_or_default();
                    let suffix = if unit == "mmhg" { "mmhg" } else { "kpa" };
                    map.insert(format!("{}_{suffix}", field.key), number_or_text(&raw));
                }
            }
            _ => {
                if let Some(raw) = first(name) {
                    map.insert(field.key.into(), json!(raw));
                }
            }
        }
    };
    for field in all_fields() {
        if field.need(pathway) != Need::Hidden {
            put(&mut map, field, field.key);
        }
    }
    let mut gases = Vec::new();
    for i in 0..MAX_GASES {
        let mut row = Map::new();
        for field in GAS {
            put(&mut row, field, &format!("{GAS_STEP}.{i}.{}", field.key));
        }
        // A row with only its default site chosen is an unused row.
        let used = row.keys().any(|k| k != "site");
        if used {
            gases.push(Value::Object(row));
        }
    }
    if !gases.is_empty() {
        map.insert(GAS_STEP.into(), Value::Array(gases));
    }
    let confirmed: Vec<Value> = form
        .get("confirmed")
        .map(|v| v.iter().map(|s| json!(s)).collect())
        .unwrap_or_default();
    if !confirmed.is_empty() {
        map.insert("confirmed".into(), Value::Array(confirmed));
    }
    Value::Object(map)
}

pub(super) fn number_or_text(raw: &str) -> Value {
    match raw.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => json!(n),
        _ => json!(raw),
    }
}

/// How many blood-gas rows a draft's form holds (used rows; at least three are offered).
pub fn gas_rows(form: &BTreeMap<String, Vec<String>>) -> usize {
    (0..MAX_GASES)
        .filter(|i| {
            let prefix = format!("{GAS_STEP}.{i}.");
            form.iter().any(|(k, v)| {
                k.starts_with(&prefix)
                    && !k.ends_with(".site")
                    && !k.ends_with("_unit")
                    && v.iter().any(|s| !s.trim().is_empty())
            })
        })
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

/// An expected answer a referral does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotGiven {
    /// The field's name: `lvef_pct`, `blood_gases`, `blood_gases.1.taken_at`.
    pub name: String,
    /// Answered "unknown / not measured" (rather than left empty).
    pub unknown: bool,
}

/// What a VV or VA referral's checked answers lack, in the order of the checklist: every
/// expected field neither answered nor known, and every field answered "unknown". The
/// review and the centre's page list these as "not given".
pub fn not_given(data: &Map<String, Value>) -> Vec<NotGiven> {
    let pathway = match data.get("pathway").and_then(Value::as_str) {
        Some("vv") => Pathway::Vv,
        Some("va") => Pathway::Va,
        _ => return Vec::new(),
    };
    let unknown: Vec<&str> = data
        .get(UNKNOWN)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let lacking = |row: &Map<String, Value>, field: &Field, prefix: &str| {
        let name = format!("{prefix}{}", field.key);
        if unknown.contains(&name.as_str()) {
            Some(NotGiven {
                name,
                unknown: true,
            })
        } else if field.need(pathway) == Need::Expected
            && field.kind != Kind::Check
            && !row.contains_key(&field.stored_key())
        {
            Some(NotGiven {
                name,
                unknown: false,
            })
        } else {
            None
        }
    };
    let gases: Vec<&Map<String, Value>> = data
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for step in STEPS {
        if step.key == GAS_STEP {
            if gases.is_empty() {
                out.push(NotGiven {
                    name: GAS_STEP.into(),
                    unknown: false,
                });
            }
            for (i, gas) in gases.iter().enumerate() {
                let prefix = format!("{GAS_STEP}.{i}.");
                out.extend(GAS.iter().filter_map(|f| lacking(gas, f, &prefix)));
            }
            continue;
        }
        out.extend(
            step.fields
                .iter()
                .filter(|f| f.need(pathway) != Need::Hidden)
                .filter_map(|f| lacking(data, f, "")),
        );
    }
    out
}
