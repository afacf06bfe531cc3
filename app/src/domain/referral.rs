//! The referral as the domain sees it: what a pathway asks, how the answers are checked,
//! how they become the case the triage rules read, and how fast the centre must answer.
use super::fields::{FieldError, FieldErrors, Limits, Reader};
use super::triage::{Case, Pathway, ScaiStage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the arrest was witnessed (Utstein): one question instead of two.
pub const COLLAPSE: &[&str] = &["witnessed_bystander_cpr", "witnessed_no_cpr", "unwitnessed"];
pub const RHYTHMS: &[&str] = &["vf_pvt", "pea", "asystole", "unknown"];
/// What is known from before the arrest and changes the decision.
pub const KNOWN: &[&str] = &["limitation_of_therapy", "terminal_illness", "hypothermia"];

const MINUTES_SINCE_COLLAPSE: Limits = Limits::new(0.0, 300.0, "min");
const NO_FLOW: Limits = Limits::new(0.0, 60.0, "min");
const ETA: Limits = Limits::new(0.0, 240.0, "min");
const ETCO2_MMHG: Limits = Limits::new(0.0, 110.0, "mmHg");
const ETCO2_KPA: Limits = Limits::new(0.0, 15.0, "kPa");

/// The ECPR alert (spec §5.9): ten questions, asked after the phone call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EcprAlert {
    pub callback_phone: String,
    /// OHCA address or EMS unit, or the ward of an in-hospital arrest.
    pub location: String,
    /// An estimate is enough.
    pub age_years: f64,
    pub minutes_since_collapse: f64,
    pub collapse: String,
    /// Minutes from collapse to the first chest compression, when known.
    pub no_flow_min: Option<f64>,
    pub initial_rhythm: String,
    /// The latest end-tidal CO2, in mmHg (entered in either unit).
    pub etco2_mmhg: Option<f64>,
    /// Minutes until the patient can reach the centre or the team the patient.
    pub eta_min: Option<f64>,
    pub known: Vec<String>,
}

impl EcprAlert {
    /// Reads an alert from JSON: every field checked, every error reported at once,
    /// unknown fields refused.
    pub fn parse(value: &Value) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(value)?;
        r.choice("pathway", &["ecpr"]);
        let callback_phone = r.phone("callback_phone");
        let location = r.text("location", 200);
        let age_years = r.age("age_years");
        let minutes_since_collapse = r.number("minutes_since_collapse", MINUTES_SINCE_COLLAPSE);
        let collapse = r.choice("collapse", COLLAPSE);
        let no_flow_min = r.optional_number("no_flow_min", NO_FLOW);
        let initial_rhythm = r.choice("initial_rhythm", RHYTHMS);
        let etco2_mmhg = r.optional_pressure_mmhg("etco2_mmhg", "etco2_kpa", ETCO2_MMHG, ETCO2_KPA);
        let eta_min = r.optional_number("eta_min", ETA);
        let known = r.optional_choices("known", KNOWN);
        if let (Some(no_flow), Some(since)) = (no_flow_min, minutes_since_collapse) {
            if no_flow > since {
                r.errors.add(
                    "no_flow_min",
                    FieldError::OutOfRange {
                        min: 0.0,
                        max: since,
                        unit: "min".into(),
                    },
                );
            }
        }
        let errors = r.errors.clone();
        r.finish()?;
        match (
            callback_phone,
            location,
            age_years,
            minutes_since_collapse,
            collapse,
            initial_rhythm,
        ) {
            (
                Some(callback_phone),
                Some(location),
                Some(age_years),
                Some(minutes_since_collapse),
                Some(collapse),
                Some(initial_rhythm),
            ) if errors.is_empty() => Ok(Self {
                callback_phone,
                location,
                age_years,
                minutes_since_collapse,
                collapse,
                no_flow_min,
                initial_rhythm,
                etco2_mmhg,
                eta_min,
                known,
            }),
            _ => Err(errors),
        }
    }

    /// What the ECPR screening rules read. The expected arrest-to-flow time is the time
    /// since collapse plus the time to reach the centre.
    pub fn case(&self, now_ms: i64) -> Case {
        let witnessed = self.collapse != "unwitnessed";
        Case {
            now_ms,
            age_years: Some(self.age_years),
            witnessed: Some(witnessed),
            bystander_cpr: Some(self.collapse == "witnessed_bystander_cpr"),
            no_flow_min: self.no_flow_min,
            initial_rhythm: (self.initial_rhythm != "unknown").then(|| self.initial_rhythm.clone()),
            expected_arrest_to_flow_min: self.eta_min.map(|eta| self.minutes_since_collapse + eta),
            etco2_mmhg: self.etco2_mmhg,
            findings: self.known.iter().cloned().collect(),
            cardiac_arrest: true,
            ongoing_cpr: true,
            ..Case::default()
        }
    }
}

/// How fast the centre answers (spec §6.2, proposals to calibrate with the centre).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTarget {
    pub acknowledge_min: u32,
    pub decision_min: u32,
}

pub fn response_target(pathway: Pathway, scai: Option<ScaiStage>) -> ResponseTarget {
    match (pathway, scai) {
        (Pathway::Ecpr, _) => ResponseTarget {
            acknowledge_min: 2,
            decision_min: 10,
        },
        (Pathway::Va, Some(ScaiStage::D | ScaiStage::E)) => ResponseTarget {
            acknowledge_min: 10,
            decision_min: 30,
        },
        _ => ResponseTarget {
            acknowledge_min: 15,
            decision_min: 60,
        },
    }
}

/// The queue's first sort key: 0 for ECPR, 1 for VA-ECMO in SCAI stage D or E, 2 for the
/// rest.
pub fn urgency(pathway: Pathway, scai: Option<ScaiStage>) -> i64 {
    match (pathway, scai) {
        (Pathway::Ecpr, _) => 0,
        (Pathway::Va, Some(ScaiStage::D | ScaiStage::E)) => 1,
        _ => 2,
    }
}

/// A reference people can read out on the phone, e.g. `ECMO-2026-0042`.
pub fn reference(year: i32, number: i64) -> String {
    format!("ECMO-{year}-{number:04}")
}

pub fn pathway_code(pathway: Pathway) -> &'static str {
    pathway.code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert() -> Value {
        json!({
            "pathway": "ecpr",
            "callback_phone": "+386 41 123 456",
            "location": "NMP Celje, Mariborska 1",
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

    #[test]
    fn a_complete_alert_becomes_a_case() {
        let parsed = EcprAlert::parse(&alert()).unwrap();
        let case = parsed.case(0);
        assert_eq!(case.expected_arrest_to_flow_min, Some(45.0));
        assert_eq!(case.witnessed, Some(true));
        assert_eq!(case.bystander_cpr, Some(true));
        // kPa converted before any rule compares it.
        assert!((case.etco2_mmhg.unwrap() - 3.1 * 7.50062).abs() < 1e-9);
    }

    #[test]
    fn every_error_is_named_at_once() {
        let mut value = alert();
        value["callback_phone"] = json!("call me");
        value["age_years"] = json!(12);
        value["collapse"] = json!("maybe");
        value["no_flow_min"] = json!(30);
        value["etco2_mmhg"] = json!(20);
        value["shoe_size"] = json!(44);
        value.as_object_mut().unwrap().remove("location");
        let errors = EcprAlert::parse(&value).unwrap_err();
        for field in [
            "callback_phone",
            "age_years",
            "collapse",
            "no_flow_min",
            "etco2_mmhg",
            "etco2_kpa",
            "shoe_size",
            "location",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn optional_answers_may_be_left_out() {
        let value = json!({
            "pathway": "ecpr", "callback_phone": "041 123 456", "location": "UKC Maribor, IIM",
            "age_years": 70, "minutes_since_collapse": 5, "collapse": "unwitnessed", "initial_rhythm": "unknown"
        });
        let parsed = EcprAlert::parse(&value).unwrap();
        assert_eq!(parsed.known, Vec::<String>::new());
        let case = parsed.case(0);
        assert_eq!(case.initial_rhythm, None);
        assert_eq!(case.expected_arrest_to_flow_min, None);
    }

    #[test]
    fn response_targets_follow_the_pathway_and_stage() {
        assert_eq!(response_target(Pathway::Ecpr, None).acknowledge_min, 2);
        assert_eq!(
            response_target(Pathway::Va, Some(ScaiStage::E)).acknowledge_min,
            10
        );
        assert_eq!(
            response_target(Pathway::Va, Some(ScaiStage::C)).acknowledge_min,
            15
        );
        assert_eq!(response_target(Pathway::Vv, None).decision_min, 60);
        assert_eq!(reference(2026, 42), "ECMO-2026-0042");
        assert_eq!(reference(2026, 12345), "ECMO-2026-12345");
    }
}
