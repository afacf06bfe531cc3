//! Reading score and form inputs from JSON objects into checked values, collecting every
//! field error at once. Impossible values are refused with the allowed range and unit.
use super::i18n::Lang;
use super::units::kpa_to_mmhg;
#[cfg(test)]
use super::units::MMHG_PER_KPA;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The smallest age the tool accepts: it is for adults.
pub const ADULT_AGE: f64 = 18.0;
pub const MAX_AGE: f64 = 110.0;

/// Hard limits of a quantity: values outside are entry errors.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

impl Limits {
    pub const fn new(min: f64, max: f64, unit: &'static str) -> Self {
        Self { min, max, unit }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FieldError {
    Missing,
    NotANumber,
    NotAWholeNumber,
    NotABoolean,
    OutOfRange {
        min: f64,
        max: f64,
        unit: String,
    },
    UnderAge,
    UnknownValue {
        allowed: Vec<String>,
    },
    NotAList,
    EmptyList,
    OneOf {
        other: String,
    },
    UnknownField,
    NotAnObject,
    // Accounts
    InvalidEmail,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    WeakPassword {
        min_length: usize,
    },
    PasswordsDiffer,
    InvalidPhone,
    UnknownHospital,
    /// Not an active ECMO clinician (a roster choice).
    UnknownClinician,
    DomainNotAccepted,
    LinkInvalid,
    AlreadyRegistered,
    NoRole,
    ReferrerNeedsHospital,
    ReferrerOnly,
    CentreRoleWithoutHospital,
    OwnAccount,
    InvalidKey,
    /// An idempotency key already used by this account for a different request.
    KeyReused,
    // Dates and times
    NotADateTime,
    InFuture,
    /// A time that must lie ahead (a review time) is already past.
    InPast,
    /// The end of a range lies before its start.
    EndBeforeStart,
    BeforeAdmission,
    /// A shift must end after it starts, within a week.
    ShiftLength,
    /// A date without a time, `YYYY-MM-DD`.
    NotADate,
    /// A time of day, `HH:MM`.
    NotATime,
    /// A planned period ends on or after its first day and lasts at most `max_days`.
    PlanLength {
        max_days: i64,
    },
    /// An implausible value the user has not confirmed yet.
    Unconfirmed {
        warning: super::validation::Warning,
    },
}

impl FieldError {
    pub fn message(&self, lang: Lang) -> String {
        let fmt = |v: f64| {
            let s = format!("{v}");
            match lang {
                Lang::Sl => s.replace('.', ","),
                Lang::En => s,
            }
        };
        match (self, lang) {
            (Self::Missing, Lang::En) => "is required".into(),
            (Self::Missing, Lang::Sl) => "je obvezen podatek".into(),
            (Self::NotANumber, Lang::En) => "must be a number".into(),
            (Self::NotANumber, Lang::Sl) => "mora biti število".into(),
            (Self::NotAWholeNumber, Lang::En) => "must be a whole number".into(),
            (Self::NotAWholeNumber, Lang::Sl) => "mora biti celo število".into(),
            (Self::NotABoolean, Lang::En) => "must be true or false".into(),
            (Self::NotABoolean, Lang::Sl) => "mora biti da (true) ali ne (false)".into(),
            (Self::OutOfRange { min, max, unit }, Lang::En) => {
                format!("must be from {} to {} {unit}", fmt(*min), fmt(*max)).trim_end().to_owned()
            }
            (Self::OutOfRange { min, max, unit }, Lang::Sl) => {
                let unit = if unit == "years" { "let" } else { unit.as_str() };
                format!("mora biti od {} do {} {unit}", fmt(*min), fmt(*max)).trim_end().to_owned()
            }
            (Self::UnderAge, Lang::En) => {
                "the patient must be 18 or older: this tool is for adults; for children contact the paediatric ECMO team".into()
            }
            (Self::UnderAge, Lang::Sl) => {
                "bolnik mora biti star vsaj 18 let: orodje je za odrasle; za otroke se obrnite na pediatrično ECMO ekipo".into()
            }
            (Self::UnknownValue { allowed }, Lang::En) => format!("must be one of: {}", allowed.join(", ")),
            (Self::UnknownValue { allowed }, Lang::Sl) => format!("mora biti ena od vrednosti: {}", allowed.join(", ")),
            (Self::NotAList, Lang::En) => "must be a list".into(),
            (Self::NotAList, Lang::Sl) => "mora biti seznam".into(),
            (Self::EmptyList, Lang::En) => "must name at least one value".into(),
            (Self::EmptyList, Lang::Sl) => "mora vsebovati vsaj eno vrednost".into(),
            (Self::OneOf { other }, Lang::En) => format!("give this or {other}, not both"),
            (Self::OneOf { other }, Lang::Sl) => format!("vnesite to ali {other}, ne obojega"),
            (Self::UnknownField, Lang::En) => "is not a field of this request".into(),
            (Self::UnknownField, Lang::Sl) => "ni polje te zahteve".into(),
            (Self::NotAnObject, Lang::En) => "the request body must be a JSON object".into(),
            (Self::NotAnObject, Lang::Sl) => "telo zahteve mora biti objekt JSON".into(),
            (Self::InvalidEmail, Lang::En) => "is not an email address (name@hospital.si)".into(),
            (Self::InvalidEmail, Lang::Sl) => "ni e-poštni naslov (ime@bolnisnica.si)".into(),
            (Self::TooShort { min }, Lang::En) => format!("must have at least {min} characters"),
            (Self::TooShort { min }, Lang::Sl) => format!("mora imeti vsaj {min} znakov"),
            (Self::TooLong { max }, Lang::En) => format!("must have at most {max} characters"),
            (Self::TooLong { max }, Lang::Sl) => format!("ima lahko največ {max} znakov"),
            (Self::WeakPassword { min_length }, Lang::En) => format!(
                "is too easy to guess: use at least {min_length} characters, e.g. three or four unrelated words"
            ),
            (Self::WeakPassword { min_length }, Lang::Sl) => format!(
                "je preveč predvidljivo: uporabite vsaj {min_length} znakov, npr. tri ali štiri nepovezane besede"
            ),
            (Self::PasswordsDiffer, Lang::En) => "does not match the password".into(),
            (Self::PasswordsDiffer, Lang::Sl) => "se ne ujema z geslom".into(),
            (Self::InvalidPhone, Lang::En) => "must be a phone number of 6 to 15 digits, e.g. +386 3 423 3000".into(),
            (Self::InvalidPhone, Lang::Sl) => "mora biti telefonska številka s 6 do 15 števkami, npr. +386 3 423 3000".into(),
            (Self::UnknownHospital, Lang::En) => "is not a hospital on the list".into(),
            (Self::UnknownHospital, Lang::Sl) => "ni bolnišnica s seznama".into(),
            (Self::UnknownClinician, Lang::En) => {
                "is not an ECMO clinician: choose one from the list".into()
            }
            (Self::UnknownClinician, Lang::Sl) => {
                "ni zdravnik ECMO: izberite enega s seznama".into()
            }
            (Self::DomainNotAccepted, Lang::En) => {
                "use your work email: this hospital accepts self-registration only from its own email domains; otherwise ask the ECMO centre for an invitation".into()
            }
            (Self::DomainNotAccepted, Lang::Sl) => {
                "uporabite službeni e-naslov: bolnišnica sprejema samoregistracijo le z lastnih domen; sicer prosite ECMO center za povabilo".into()
            }
            (Self::LinkInvalid, Lang::En) => "this link has expired or was already used: ask for a new one".into(),
            (Self::LinkInvalid, Lang::Sl) => "povezava je potekla ali je bila že uporabljena: zahtevajte novo".into(),
            (Self::AlreadyRegistered, Lang::En) => "already has an account".into(),
            (Self::AlreadyRegistered, Lang::Sl) => "že ima račun".into(),
            (Self::NoRole, Lang::En) => "choose at least one role".into(),
            (Self::NoRole, Lang::Sl) => "izberite vsaj eno vlogo".into(),
            (Self::ReferrerNeedsHospital, Lang::En) => "a referring physician belongs to one hospital: choose it".into(),
            (Self::ReferrerNeedsHospital, Lang::Sl) => "napotni zdravnik pripada eni bolnišnici: izberite jo".into(),
            (Self::ReferrerOnly, Lang::En) => "a referring physician cannot also hold a centre role".into(),
            (Self::ReferrerOnly, Lang::Sl) => "napotni zdravnik ne more imeti tudi vloge v centru".into(),
            (Self::CentreRoleWithoutHospital, Lang::En) => "centre staff belong to no referring hospital: leave it empty".into(),
            (Self::CentreRoleWithoutHospital, Lang::Sl) => "osebje centra ne pripada napotni bolnišnici: pustite prazno".into(),
            (Self::InvalidKey, Lang::En) => "must be 8 to 100 letters, digits, - or _, chosen once per form".into(),
            (Self::InvalidKey, Lang::Sl) => "mora imeti 8 do 100 črk, števk, - ali _, izbranih enkrat za obrazec".into(),
            (Self::KeyReused, Lang::En) => "was already used for a different referral, which is stored; choose a new key for each new referral".into(),
            (Self::KeyReused, Lang::Sl) => "je že bil uporabljen za drugo napotitev, ki je shranjena; za vsako novo napotitev izberite nov ključ".into(),
            (Self::NotADateTime, Lang::En) => "must be a date and time, e.g. 2026-11-21T08:30".into(),
            (Self::NotADateTime, Lang::Sl) => "mora biti datum in ura, npr. 2026-11-21T08:30".into(),
            (Self::InFuture, Lang::En) => "cannot be in the future: check the date and the time".into(),
            (Self::InFuture, Lang::Sl) => "ne more biti v prihodnosti: preverite datum in uro".into(),
            (Self::EndBeforeStart, Lang::En) => "must not be before the start".into(),
            (Self::EndBeforeStart, Lang::Sl) => "ne sme biti pred začetkom".into(),
            (Self::InPast, Lang::En) => "must be later than now: choose a time ahead".into(),
            (Self::InPast, Lang::Sl) => "mora biti pozneje kot zdaj: izberite čas v prihodnosti".into(),
            (Self::BeforeAdmission, Lang::En) => "cannot be more than a day before the hospital admission".into(),
            (Self::BeforeAdmission, Lang::Sl) => "ne more biti več kot dan pred sprejemom v bolnišnico".into(),
            (Self::ShiftLength, Lang::En) => "must be after the start and at most 7 days later".into(),
            (Self::ShiftLength, Lang::Sl) => "mora biti po začetku in največ 7 dni kasneje".into(),
            (Self::NotADate, Lang::En) => "must be a date, e.g. 2026-12-01".into(),
            (Self::NotADate, Lang::Sl) => "mora biti datum, npr. 2026-12-01".into(),
            (Self::NotATime, Lang::En) => "must be a time of day, e.g. 08:00".into(),
            (Self::NotATime, Lang::Sl) => "mora biti ura, npr. 08:00".into(),
            (Self::PlanLength { max_days }, Lang::En) => format!("must be on or after the first day and at most {max_days} days later"),
            (Self::PlanLength { max_days }, Lang::Sl) => format!("mora biti na prvi dan ali pozneje in največ {max_days} dni kasneje"),
            (Self::Unconfirmed { warning }, _) => warning.message(lang),
            (Self::OwnAccount, Lang::En) => "you cannot do this to your own account: ask another administrator".into(),
            (Self::OwnAccount, Lang::Sl) => "tega ne morete storiti lastnemu računu: prosite drugega skrbnika".into(),
        }
    }
}

/// Field name → every error found for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<FieldError>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, error: FieldError) {
        self.0.entry(field.to_owned()).or_default().push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&[FieldError]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// The `{"field": ["message", …]}` form used by the JSON API.
    pub fn messages(&self, lang: Lang) -> BTreeMap<String, Vec<String>> {
        self.0
            .iter()
            .map(|(field, errors)| {
                (
                    field.clone(),
                    errors.iter().map(|e| e.message(lang)).collect(),
                )
            })
            .collect()
    }

    pub fn single(field: &str, error: FieldError) -> Self {
        let mut errors = Self::default();
        errors.add(field, error);
        errors
    }

    pub fn whole_body(error: FieldError) -> Self {
        let mut errors = Self::default();
        errors.add("body", error);
        errors
    }
}

/// Reads fields from a JSON object, remembering which were read so that unknown ones can be
/// reported, and collecting errors instead of stopping at the first.
pub struct Reader<'a> {
    map: &'a Map<String, Value>,
    seen: BTreeSet<String>,
    pub errors: FieldErrors,
}

impl<'a> Reader<'a> {
    pub fn new(value: &'a Value) -> Result<Self, FieldErrors> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                seen: BTreeSet::new(),
                errors: FieldErrors::default(),
            }),
            _ => Err(FieldErrors::whole_body(FieldError::NotAnObject)),
        }
    }

    fn raw(&mut self, key: &str) -> Option<&'a Value> {
        self.seen.insert(key.to_owned());
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn present(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    fn number_value(&mut self, key: &str, value: &Value) -> Option<f64> {
        match value.as_f64() {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.errors.add(key, FieldError::NotANumber);
                None
            }
        }
    }

    /// An optional number within `limits`.
    pub fn optional_number(&mut self, key: &str, limits: Limits) -> Option<f64> {
        let value = self.raw(key)?;
        let n = self.number_value(key, value)?;
        if n < limits.min || n > limits.max {
            self.errors.add(key, out_of_range(limits));
            return None;
        }
        Some(n)
    }

    /// A required number within `limits`.
    pub fn number(&mut self, key: &str, limits: Limits) -> Option<f64> {
        if !self.present(key) {
            self.seen.insert(key.to_owned());
            self.errors.add(key, FieldError::Missing);
            return None;
        }
        self.optional_number(key, limits)
    }

    /// A required whole number within `limits` (e.g. chest X-ray quadrants).
    pub fn integer(&mut self, key: &str, limits: Limits) -> Option<i64> {
        let n = self.number(key, limits)?;
        if n.fract() != 0.0 {
            self.errors.add(key, FieldError::NotAWholeNumber);
            return None;
        }
        Some(n as i64)
    }

    /// Age in years: required, adults only.
    pub fn age(&mut self, key: &str) -> Option<f64> {
        if !self.present(key) {
            self.seen.insert(key.to_owned());
            self.errors.add(key, FieldError::Missing);
            return None;
        }
        let value = self.raw(key)?;
        let n = self.number_value(key, value)?;
        if !(0.0..=MAX_AGE).contains(&n) {
            self.errors
                .add(key, out_of_range(Limits::new(ADULT_AGE, MAX_AGE, "years")));
            None
        } else if n < ADULT_AGE {
            self.errors.add(key, FieldError::UnderAge);
            None
        } else {
            Some(n)
        }
    }

    pub fn optional_boolean(&mut self, key: &str) -> Option<bool> {
        let value = self.raw(key)?;
        match value.as_bool() {
            Some(b) => Some(b),
            None => {
                self.errors.add(key, FieldError::NotABoolean);
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        if !self.present(key) {
            self.seen.insert(key.to_owned());
            self.errors.add(key, FieldError::Missing);
            return None;
        }
        self.optional_boolean(key)
    }

    /// One value from a fixed list.
    pub fn choice(&mut self, key: &str, allowed: &[&str]) -> Option<String> {
        if !self.present(key) {
            self.seen.insert(key.to_owned());
            self.errors.add(key, FieldError::Missing);
            return None;
        }
        let value = self.raw(key)?;
        match value.as_str() {
            Some(s) if allowed.contains(&s) => Some(s.to_owned()),
            _ => {
                self.errors.add(key, unknown_value(allowed));
                None
            }
        }
    }

    /// A non-empty list of values from a fixed list; repeats count once.
    pub fn choices(&mut self, key: &str, allowed: &[&str]) -> Option<Vec<String>> {
        if !self.present(key) {
            self.seen.insert(key.to_owned());
            self.errors.add(key, FieldError::Missing);
            return None;
        }
        let value = self.raw(key)?;
        let Some(items) = value.as_array() else {
            self.errors.add(key, FieldError::NotAList);
            return None;
        };
        if items.is_empty() {
            self.errors.add(key, FieldError::EmptyList);
            return None;
        }
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) if allowed.contains(&s) => {
                    if !out.iter().any(|o| o == s) {
                        out.push(s.to_owned());
                    }
                }
                _ => {
                    self.errors.add(key, unknown_value(allowed));
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Free text, trimmed, at most `max` characters; `None` when absent or empty.
    pub fn optional_text(&mut self, key: &str, max: usize) -> Option<String> {
        let value = self.raw(key)?;
        let Some(text) = value.as_str() else {
            self.errors.add(
                key,
                FieldError::UnknownValue {
                    allowed: vec!["text".into()],
                },
            );
            return None;
        };
        let text = text.trim();
        if text.chars().count() > max {
            self.errors.add(key, FieldError::TooLong { max });
            return None;
        }
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// Required free text.
    pub fn text(&mut self, key: &str, max: usize) -> Option<String> {
        let had_error = self.errors.get(key).is_some();
        let text = self.optional_text(key, max);
        if text.is_none() && !had_error && self.errors.get(key).is_none() {
            self.errors.add(key, FieldError::Missing);
        }
        text
    }

    /// A phone number people can dial (see [`phone_ok`]).
    pub fn phone(&mut self, key: &str) -> Option<String> {
        let text = self.text(key, 30)?;
        if !phone_ok(&text) {
            self.errors.add(key, FieldError::InvalidPhone);
            return None;
        }
        Some(text)
    }

    /// A possibly empty list of values from a fixed list; absent means empty.
    pub fn optional_choices(&mut self, key: &str, allowed: &[&str]) -> Vec<String> {
        match self.map.get(key) {
            None | Some(Value::Null) => {
                self.seen.insert(key.to_owned());
                Vec::new()
            }
            Some(Value::Array(items)) if items.is_empty() => {
                self.seen.insert(key.to_owned());
                Vec::new()
            }
            Some(_) => self.choices(key, allowed).unwrap_or_default(),
        }
    }

    /// An optional pressure in mmHg or kPa (not both), returned in mmHg.
    pub fn optional_pressure_mmhg(
        &mut self,
        mmhg_key: &str,
        kpa_key: &str,
        mmhg: Limits,
        kpa: Limits,
    ) -> Option<f64> {
        if !self.present(mmhg_key) && !self.present(kpa_key) {
            self.seen.insert(mmhg_key.to_owned());
            self.seen.insert(kpa_key.to_owned());
            return None;
        }
        self.pressure_mmhg(mmhg_key, kpa_key, mmhg, kpa)
    }

    /// A pressure given in exactly one of mmHg or kPa, returned in mmHg (converted, not rounded).
    pub fn pressure_mmhg(
        &mut self,
        mmhg_key: &str,
        kpa_key: &str,
        mmhg: Limits,
        kpa: Limits,
    ) -> Option<f64> {
        match (self.present(mmhg_key), self.present(kpa_key)) {
            (true, true) => {
                self.seen.insert(mmhg_key.to_owned());
                self.seen.insert(kpa_key.to_owned());
                self.errors.add(
                    mmhg_key,
                    FieldError::OneOf {
                        other: kpa_key.to_owned(),
                    },
                );
                self.errors.add(
                    kpa_key,
                    FieldError::OneOf {
                        other: mmhg_key.to_owned(),
                    },
                );
                None
            }
            (false, true) => self.optional_number(kpa_key, kpa).map(kpa_to_mmhg),
            (true, false) => self.optional_number(mmhg_key, mmhg),
            (false, false) => {
                self.seen.insert(mmhg_key.to_owned());
                self.seen.insert(kpa_key.to_owned());
                self.errors.add(mmhg_key, FieldError::Missing);
                None
            }
        }
    }

    /// Reports fields that were never read, and returns every error collected.
    pub fn finish(mut self) -> Result<(), FieldErrors> {
        for key in self.map.keys() {
            if !self.seen.contains(key) {
                self.errors.add(key, FieldError::UnknownField);
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// 6 to 15 digits, with spaces, `+`, `-`, `/` and brackets allowed between them.
pub fn phone_ok(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()/".contains(c));
    allowed && (6..=15).contains(&digits)
}

fn out_of_range(limits: Limits) -> FieldError {
    FieldError::OutOfRange {
        min: limits.min,
        max: limits.max,
        unit: limits.unit.to_owned(),
    }
}

fn unknown_value(allowed: &[&str]) -> FieldError {
    FieldError::UnknownValue {
        allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Hard limits of the quantities the scores read (domain specification §5).
pub mod limits {
    use super::Limits;

    pub const PF_RATIO_MMHG: Limits = Limits::new(5.0, 750.0, "mmHg");
    pub const PF_RATIO_KPA: Limits = Limits::new(0.7, 100.0, "kPa");
    pub const PACO2_MMHG: Limits = Limits::new(7.5, 300.0, "mmHg");
    pub const PACO2_KPA: Limits = Limits::new(1.0, 40.0, "kPa");
    pub const PEEP_CMH2O: Limits = Limits::new(0.0, 40.0, "cmH2O");
    pub const PLATEAU_CMH2O: Limits = Limits::new(5.0, 80.0, "cmH2O");
    pub const PIP_CMH2O: Limits = Limits::new(5.0, 100.0, "cmH2O");
    pub const COMPLIANCE: Limits = Limits::new(1.0, 1000.0, "mL/cmH2O");
    pub const CXR_QUADRANTS: Limits = Limits::new(0.0, 4.0, "");
    pub const MV_HOURS: Limits = Limits::new(0.0, 8760.0, "h");
    pub const MV_DAYS: Limits = Limits::new(0.0, 365.0, "days");
    pub const WEIGHT_KG: Limits = Limits::new(25.0, 350.0, "kg");
    pub const BMI: Limits = Limits::new(8.0, 100.0, "kg/m²");
    pub const SOFA: Limits = Limits::new(0.0, 24.0, "");
    pub const DIASTOLIC_MMHG: Limits = Limits::new(0.0, 200.0, "mmHg");
    pub const PULSE_PRESSURE_MMHG: Limits = Limits::new(0.0, 300.0, "mmHg");
    pub const HCO3_MMOL_L: Limits = Limits::new(1.0, 60.0, "mmol/L");
    // Haemodynamics and vasoactive doses, as in the referral dataset (see the test below).
    pub const SBP_MMHG: Limits = Limits::new(0.0, 300.0, "mmHg");
    pub const MAP_MMHG: Limits = Limits::new(0.0, 250.0, "mmHg");
    pub const HEART_RATE: Limits = Limits::new(0.0, 300.0, "/min");
    pub const LACTATE_MMOL_L: Limits = Limits::new(0.0, 40.0, "mmol/L");
    pub const PH: Limits = Limits::new(6.5, 8.0, "");
    pub const GCS: Limits = Limits::new(3.0, 15.0, "");
    pub const DOPAMINE: Limits = Limits::new(0.0, 50.0, "µg/kg/min");
    pub const DOBUTAMINE: Limits = Limits::new(0.0, 40.0, "µg/kg/min");
    pub const ADRENALINE: Limits = Limits::new(0.0, 5.0, "µg/kg/min");
    pub const NORADRENALINE: Limits = Limits::new(0.0, 10.0, "µg/kg/min");
    pub const MILRINONE: Limits = Limits::new(0.0, 1.5, "µg/kg/min");
    pub const LEVOSIMENDAN: Limits = Limits::new(0.0, 0.4, "µg/kg/min");
    pub const VASOPRESSIN_U_MIN: Limits = Limits::new(0.0, 0.1, "U/min");

    /// The same quantities have the same limits in the calculators and the referral form.
    #[cfg(test)]
    #[test]
    fn limits_match_the_referral_dataset() {
        use crate::domain::validation::spec_of;
        for (key, limits) in [
            ("sbp_mmhg", SBP_MMHG),
            ("map_mmhg", MAP_MMHG),
            ("heart_rate", HEART_RATE),
            ("lactate_mmol_l", LACTATE_MMOL_L),
            ("ph", PH),
            ("gcs", GCS),
            ("dopamine", DOPAMINE),
            ("dobutamine", DOBUTAMINE),
            ("adrenaline", ADRENALINE),
            ("noradrenaline", NORADRENALINE),
            ("milrinone", MILRINONE),
            ("levosimendan", LEVOSIMENDAN),
            ("vasopressin_u_min", VASOPRESSIN_U_MIN),
            ("weight_kg", WEIGHT_KG),
            ("plateau_cmh2o", PLATEAU_CMH2O),
            ("pip_cmh2o", PIP_CMH2O),
        ] {
            let spec = spec_of(key).unwrap();
            assert_eq!(
                (spec.hard, spec.unit),
                ((limits.min, limits.max), limits.unit),
                "{key}"
            );
        }
    }

    /// The kPa limits are the mmHg limits converted; kept as literals for readable messages.
    #[cfg(test)]
    #[test]
    fn kpa_limits_match_mmhg_limits() {
        use super::MMHG_PER_KPA;
        assert!((PACO2_KPA.min * MMHG_PER_KPA - PACO2_MMHG.min).abs() < 0.01);
        assert!((PF_RATIO_KPA.max * MMHG_PER_KPA - PF_RATIO_MMHG.max).abs() < 1.0);
    }
}
