//! The referrer's updates after submission (notes and new blood gases) and the P/F
//! series across them.
use super::*;

/// The longest free text of an update or a message.
pub const MAX_NOTE: usize = 2_000;

/// An update from the referrer: free text, new blood gases, or both. The gases are
/// checked like the checklist's own and appended to the previous data; errors name the
/// update's fields (`blood_gases.0.ph` is the update's first sample). Returns the note and
/// the data of the new version.
pub fn check_update(
    pathway: Pathway,
    previous: &Map<String, Value>,
    update: &Value,
    now_local_ms: i64,
) -> Result<(String, Map<String, Value>), FieldErrors> {
    let Some(object) = update.as_object() else {
        return Err(FieldErrors::whole_body(FieldError::NotAnObject));
    };
    let mut errors = FieldErrors::default();
    for key in object.keys() {
        let known = match key.as_str() {
            "note" => true,
            GAS_STEP | "confirmed" => pathway != Pathway::Ecpr,
            _ => false,
        };
        if !known {
            errors.add(key, FieldError::UnknownField);
        }
    }
    let note = match object.get("note") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.trim().chars().count() > MAX_NOTE => {
            errors.add("note", FieldError::TooLong { max: MAX_NOTE });
            String::new()
        }
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => {
            errors.add(
                "note",
                FieldError::UnknownValue {
                    allowed: vec!["text".into()],
                },
            );
            String::new()
        }
    };
    let new_gases: Vec<Value> = match object.get(GAS_STEP) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(rows)) => rows.clone(),
        Some(_) => {
            errors.add(GAS_STEP, FieldError::NotAList);
            Vec::new()
        }
    };
    if note.is_empty() && new_gases.is_empty() && errors.is_empty() {
        errors.add("note", FieldError::Missing);
    }
    if new_gases.is_empty() {
        return if errors.is_empty() {
            Ok((note, previous.clone()))
        } else {
            Err(errors)
        };
    }
    let old: Vec<Value> = previous
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let offset = old.len();
    let mut merged = previous.clone();
    let mut gases = old;
    gases.extend(new_gases);
    merged.insert(GAS_STEP.into(), Value::Array(gases));
    let mut confirmed: Vec<Value> = previous
        .get("confirmed")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let renumber = |key: &str, by: isize| -> Option<String> {
        let rest = key.strip_prefix("blood_gases.")?;
        let (index, field) = rest.split_once('.')?;
        let index = index.parse::<isize>().ok()? + by;
        (index >= 0).then(|| format!("blood_gases.{index}.{field}"))
    };
    if let Some(items) = object.get("confirmed").and_then(Value::as_array) {
        confirmed.extend(
            items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|k| renumber(k, offset as isize))
                .map(Value::from),
        );
    }
    merged.insert("confirmed".into(), Value::Array(confirmed));
    let checked = check(&Value::Object(merged), now_local_ms);
    for (key, list) in checked.submission_errors().0 {
        let renamed = if key == GAS_STEP {
            Some(key.clone())
        } else {
            renumber(&key, -(offset as isize))
        };
        // Only the update's own samples can be wrong: the earlier ones were accepted.
        let is_new = key
            .strip_prefix("blood_gases.")
            .and_then(|r| r.split_once('.'))
            .and_then(|(i, _)| i.parse::<usize>().ok())
            .is_some_and(|i| i >= offset);
        if let (true, Some(name)) = (is_new || key == GAS_STEP, renamed) {
            for e in list {
                errors.add(&name, e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((note, checked.data))
}

/// The P/F ratio (mmHg) of every arterial sample with PaO2 and FiO2, in time order, as
/// (wall-clock time, P/F).
pub fn pf_series(data: &Map<String, Value>) -> Vec<(i64, f64)> {
    let mut points: Vec<(i64, f64)> = data
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(Value::as_object)
                .filter(|g| g.get("site").and_then(Value::as_str) == Some("arterial"))
                .filter_map(|g| {
                    let at = parse_local(g.get("taken_at")?.as_str()?)?;
                    let pao2 = kpa_to_mmhg(g.get("pao2_kpa")?.as_f64()?);
                    let fio2 = g.get("fio2")?.as_f64()?;
                    (fio2 > 0.0).then(|| (at, derived::pf_ratio_mmhg(pao2, fio2)))
                })
                .collect()
        })
        .unwrap_or_default();
    points.sort_by_key(|p| p.0);
    points
}
