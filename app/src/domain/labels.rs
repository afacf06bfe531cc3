//! Labels of clinical fields and values in both languages (Slovene terms per spec §7.3),
//! shared by the calculators and the referral form.
use super::checklist_labels::{OPTIONS, QUESTIONS};
use super::i18n::Lang;

/// (key, Slovene, English)
const FIELDS: &[(&str, &str, &str)] = &[
    (
        "cxr_quadrants",
        "Rentgenogram prsnega koša: kvadranti s konsolidacijo",
        "Chest X-ray: quadrants with consolidation",
    ),
    ("pf_ratio", "Razmerje PaO2/FiO2", "PaO2/FiO2 ratio"),
    (
        "pf_ratio_mmhg",
        "Razmerje PaO2/FiO2 (mmHg)",
        "PaO2/FiO2 ratio (mmHg)",
    ),
    (
        "pf_ratio_kpa",
        "Razmerje PaO2/FiO2 (kPa)",
        "PaO2/FiO2 ratio (kPa)",
    ),
    ("peep_cmh2o", "PEEP (cmH2O)", "PEEP (cmH2O)"),
    (
        "compliance_ml_per_cmh2o",
        "Statična podajnost (mL/cmH2O), če je znana",
        "Static compliance (mL/cmH2O), if known",
    ),
    ("age_years", "Starost (leta)", "Age (years)"),
    // The VIS and SCAI calculators (request fields of /api/v1/scores/vis and /scai).
    (
        "noradrenaline_ug_kg_min",
        "Noradrenalin (µg/kg/min)",
        "Noradrenaline (µg/kg/min)",
    ),
    (
        "adrenaline_ug_kg_min",
        "Adrenalin (µg/kg/min)",
        "Adrenaline (µg/kg/min)",
    ),
    (
        "dobutamine_ug_kg_min",
        "Dobutamin (µg/kg/min)",
        "Dobutamine (µg/kg/min)",
    ),
    (
        "dopamine_ug_kg_min",
        "Dopamin (µg/kg/min)",
        "Dopamine (µg/kg/min)",
    ),
    (
        "milrinone_ug_kg_min",
        "Milrinon (µg/kg/min)",
        "Milrinone (µg/kg/min)",
    ),
    (
        "levosimendan_ug_kg_min",
        "Levosimendan (µg/kg/min), v VIS ni upoštevan",
        "Levosimendan (µg/kg/min), not counted in the VIS",
    ),
    (
        "vasopressin_u_per_min",
        "Vazopresin (E/min)",
        "Vasopressin (U/min)",
    ),
    (
        "sbp_mmhg",
        "Sistolični tlak (mmHg)",
        "Systolic pressure (mmHg)",
    ),
    (
        "map_mmhg",
        "Srednji arterijski tlak (mmHg)",
        "Mean arterial pressure (mmHg)",
    ),
    ("heart_rate", "Srčna frekvenca (/min)", "Heart rate (/min)"),
    (
        "lactate_mmol_l",
        "Laktat zdaj (mmol/L)",
        "Lactate now (mmol/L)",
    ),
    (
        "lactate_previous_mmol_l",
        "Laktat prej (mmol/L)",
        "Previous lactate (mmol/L)",
    ),
    (
        "gcs",
        "Glasgowska lestvica kome (3–15)",
        "Glasgow coma scale (3–15)",
    ),
    (
        "sbp_drop_over_30",
        "Sistolični tlak je padel za več kot 30 mmHg od izhodišča",
        "Systolic pressure dropped more than 30 mmHg from baseline",
    ),
    (
        "mcs",
        "Deluje mehanska podpora obtoku (IABP, Impella ali drugo)",
        "Mechanical circulatory support running (IABP, Impella or other)",
    ),
    ("ongoing_cpr", "Oživljanje poteka", "Ongoing CPR"),
    (
        "no_sbp_without_resuscitation",
        "Sistoličnega tlaka ni brez oživljanja",
        "No systolic pressure without resuscitation",
    ),
    (
        "callback_phone",
        "Telefon za povratni klic",
        "Callback phone",
    ),
    ("location", "Kraj", "Location"),
    (
        "minutes_since_collapse",
        "Minut od zastoja",
        "Minutes since collapse",
    ),
    ("collapse", "Zastoj", "Collapse"),
    (
        "no_flow_min",
        "Čas brez pretoka (min)",
        "No-flow time (min)",
    ),
    ("initial_rhythm", "Začetni ritem", "Initial rhythm"),
    ("etco2_mmhg", "EtCO2 (mmHg)", "EtCO2 (mmHg)"),
    (
        "eta_min",
        "Minut do prihoda v center",
        "Minutes until arrival",
    ),
    ("known", "Znano pred zastojem", "Known before the arrest"),
    (
        "expected_arrest_to_flow_min",
        "Pričakovan čas od zastoja do pretoka (min)",
        "Expected arrest-to-flow time (min)",
    ),
    (
        "witnessed",
        "Zastoj ob prisotnosti očividcev",
        "Witnessed arrest",
    ),
    (
        "immunocompromised",
        "Imunska oslabelost",
        "Immunocompromised",
    ),
    (
        "mv_hours",
        "Mehanska ventilacija pred ECMO (ure)",
        "Mechanical ventilation before ECMO (hours)",
    ),
    (
        "diagnosis",
        "Akutna dihalna diagnoza",
        "Acute respiratory diagnosis",
    ),
    (
        "cns_dysfunction",
        "Motnja delovanja osrednjega živčevja",
        "CNS dysfunction",
    ),
    (
        "nonpulmonary_infection",
        "Pridružena zunajpljučna okužba",
        "Associated non-pulmonary infection",
    ),
    (
        "neuromuscular_blockade",
        "Živčno-mišična blokada pred ECMO",
        "Neuromuscular blockade before ECMO",
    ),
    (
        "nitric_oxide",
        "Dušikov oksid pred ECMO",
        "Nitric oxide before ECMO",
    ),
    (
        "bicarbonate_infusion",
        "Infuzija bikarbonata pred ECMO",
        "Bicarbonate infusion before ECMO",
    ),
    (
        "cardiac_arrest",
        "Srčni zastoj pred ECMO",
        "Cardiac arrest before ECMO",
    ),
    ("paco2", "PaCO2", "PaCO2"),
    ("paco2_mmhg", "PaCO2 (mmHg)", "PaCO2 (mmHg)"),
    ("paco2_kpa", "PaCO2 (kPa)", "PaCO2 (kPa)"),
    (
        "pip_cmh2o",
        "Vršni inspiracijski tlak (cmH2O)",
        "Peak inspiratory pressure (cmH2O)",
    ),
    (
        "diagnoses",
        "Diagnoza kardiogenega šoka (ena ali več)",
        "Cardiogenic shock diagnosis (one or more)",
    ),
    ("weight_kg", "Telesna masa (kg)", "Weight (kg)"),
    (
        "liver_failure",
        "Akutna odpoved jeter",
        "Acute liver failure",
    ),
    (
        "acute_renal_failure",
        "Akutna ledvična odpoved",
        "Acute renal failure",
    ),
    (
        "chronic_renal_failure",
        "Kronična ledvična odpoved",
        "Chronic renal failure",
    ),
    (
        "intubation_hours",
        "Trajanje intubacije pred ECMO (ure)",
        "Intubation before ECMO (hours)",
    ),
    (
        "ventilated",
        "Bolnik je mehansko ventiliran",
        "Patient is mechanically ventilated",
    ),
    (
        "diastolic_bp_mmhg",
        "Diastolični tlak pred ECMO (mmHg)",
        "Diastolic blood pressure before ECMO (mmHg)",
    ),
    (
        "pulse_pressure_mmhg",
        "Pulzni tlak pred ECMO (mmHg)",
        "Pulse pressure before ECMO (mmHg)",
    ),
    (
        "hco3_mmol_l",
        "HCO3 pred ECMO (mmol/L)",
        "HCO3 before ECMO (mmol/L)",
    ),
    (
        "bmi",
        "Indeks telesne mase (kg/m²)",
        "Body mass index (kg/m²)",
    ),
    (
        "mv_days",
        "Mehanska ventilacija pred ECMO (dnevi)",
        "Mechanical ventilation before ECMO (days)",
    ),
    ("sofa", "Točke SOFA", "SOFA score"),
    (
        "prone_positioning",
        "Trebušni položaj pred ECMO",
        "Prone positioning before ECMO",
    ),
    (
        "plateau_cmh2o",
        "Tlak platoja (cmH2O)",
        "Plateau pressure (cmH2O)",
    ),
];

const VALUES: &[(&str, &str, &str)] = &[
    (
        "witnessed_bystander_cpr",
        "ob prisotnosti, laično oživljanje",
        "witnessed, bystander CPR",
    ),
    (
        "witnessed_no_cpr",
        "ob prisotnosti, brez laičnega oživljanja",
        "witnessed, no bystander CPR",
    ),
    ("unwitnessed", "brez prisotnosti očividcev", "unwitnessed"),
    ("vf_pvt", "VF / pVT", "VF / pVT"),
    ("pea", "PEA", "PEA"),
    ("asystole", "asistolija", "asystole"),
    ("unknown", "ni znano", "unknown"),
    (
        "limitation_of_therapy",
        "odločitev o neoživljanju ali omejitvi zdravljenja",
        "DNR or limitation of therapy",
    ),
    ("terminal_illness", "terminalna bolezen", "terminal illness"),
    ("hypothermia", "podhladitev", "hypothermia"),
    ("viral_pneumonia", "virusna pljučnica", "viral pneumonia"),
    (
        "bacterial_pneumonia",
        "bakterijska pljučnica",
        "bacterial pneumonia",
    ),
    ("asthma", "astma", "asthma"),
    ("trauma_burn", "poškodba ali opeklina", "trauma or burn"),
    (
        "aspiration_pneumonitis",
        "aspiracijski pnevmonitis",
        "aspiration pneumonitis",
    ),
    (
        "other_acute_respiratory",
        "druga akutna dihalna diagnoza",
        "other acute respiratory diagnosis",
    ),
    (
        "non_respiratory_or_chronic",
        "nedihalna ali kronična dihalna diagnoza",
        "non-respiratory or chronic respiratory diagnosis",
    ),
    ("myocarditis", "miokarditis", "myocarditis"),
    ("refractory_vt_vf", "refraktarna VT/VF", "refractory VT/VF"),
    (
        "post_transplant",
        "po presaditvi srca ali pljuč",
        "after heart or lung transplantation",
    ),
    (
        "congenital",
        "prirojena srčna bolezen",
        "congenital heart disease",
    ),
    ("other", "druga diagnoza", "other diagnosis"),
    ("none", "brez", "none"),
    ("mild_moderate", "blaga do zmerna", "mild to moderate"),
    ("severe", "huda (ARDS)", "severe (ARDS)"),
];

/// Items of the score breakdowns whose key is not a field's (others use the field label).
const COMPONENTS: &[(&str, &str, &str)] = &[
    ("peep", "PEEP", "PEEP"),
    ("compliance", "Statična podajnost", "Static compliance"),
    ("age", "Starost", "Age"),
    (
        "mv_duration",
        "Trajanje mehanske ventilacije",
        "Duration of mechanical ventilation",
    ),
    (
        "pip",
        "Vršni inspiracijski tlak",
        "Peak inspiratory pressure",
    ),
    ("weight", "Telesna masa", "Weight"),
    (
        "intubation_duration",
        "Trajanje intubacije",
        "Duration of intubation",
    ),
    (
        "diastolic_bp",
        "Diastolični tlak",
        "Diastolic blood pressure",
    ),
    ("pulse_pressure", "Pulzni tlak", "Pulse pressure"),
    ("hco3", "HCO3", "HCO3"),
    ("constant", "Konstanta", "Constant"),
    (
        "no_prone_positioning",
        "Brez trebušnega položaja",
        "No prone positioning",
    ),
    ("plateau", "Tlak platoja", "Plateau pressure"),
];

/// The label of a score breakdown item: its own short label, else the field it comes from.
pub fn component_label(item: &str, lang: Lang) -> String {
    lookup(COMPONENTS, item, lang).map_or_else(|| field_label(item, lang), str::to_owned)
}

fn lookup(
    table: &[(&str, &'static str, &'static str)],
    key: &str,
    lang: Lang,
) -> Option<&'static str> {
    table
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, sl, en)| match lang {
            Lang::Sl => *sl,
            Lang::En => *en,
        })
}

/// The label of a field, or the key itself for an unknown field.
pub fn field_label(key: &str, lang: Lang) -> String {
    lookup(FIELDS, key, lang)
        .or_else(|| lookup(QUESTIONS, key, lang))
        .map_or_else(|| key.to_owned(), str::to_owned)
}

/// The label of an enumerated value (diagnosis, severity), or the value itself.
pub fn value_label(value: &str, lang: Lang) -> String {
    lookup(VALUES, value, lang)
        .or_else(|| lookup(OPTIONS, value, lang))
        .map_or_else(|| value.to_owned(), str::to_owned)
}

/// A question of the referral checklist (without its unit), or the key itself.
pub fn question_label(key: &str, lang: Lang) -> String {
    let key = key.rsplit('.').next().unwrap_or(key);
    lookup(QUESTIONS, key, lang)
        .or_else(|| lookup(FIELDS, key, lang))
        .map_or_else(|| key.to_owned(), str::to_owned)
}

/// Whether the checklist has labels for a question (`true`) or an option (`false`).
pub fn is_labelled(key: &str, question: bool) -> bool {
    let tables = if question {
        [QUESTIONS, FIELDS]
    } else {
        [OPTIONS, VALUES]
    };
    tables
        .iter()
        .any(|t| lookup(t, key, Lang::Sl).is_some() && lookup(t, key, Lang::En).is_some())
}

/// An answer option of the referral checklist, or the value itself.
pub fn option_label(value: &str, lang: Lang) -> String {
    lookup(OPTIONS, value, lang)
        .or_else(|| lookup(VALUES, value, lang))
        .map_or_else(|| value.to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scores::{resp, save};

    #[test]
    fn every_breakdown_item_has_a_label() {
        use crate::domain::calculator::Score;
        use crate::domain::rules::RuleSet;
        let inputs = [
            serde_json::json!({"cxr_quadrants": 1, "pf_ratio_mmhg": 200, "peep_cmh2o": 5, "compliance_ml_per_cmh2o": 50}),
            serde_json::json!({"age_years": 40, "immunocompromised": false, "mv_hours": 10, "diagnosis": "asthma",
                "cns_dysfunction": false, "nonpulmonary_infection": false, "neuromuscular_blockade": false, "nitric_oxide": false,
                "bicarbonate_infusion": false, "cardiac_arrest": false, "paco2_mmhg": 50, "pip_cmh2o": 30}),
            serde_json::json!({"diagnoses": ["other"], "age_years": 40, "weight_kg": 70, "liver_failure": false, "cns_dysfunction": false,
                "acute_renal_failure": false, "chronic_renal_failure": false, "intubation_hours": 5, "pip_cmh2o": 20,
                "cardiac_arrest": false, "diastolic_bp_mmhg": 50, "pulse_pressure_mmhg": 30, "hco3_mmol_l": 20}),
            serde_json::json!({"age_years": 40, "bmi": 25, "immunocompromised": false, "mv_days": 2, "sofa": 5,
                "prone_positioning": true, "peep_cmh2o": 10, "plateau_cmh2o": 25}),
        ];
        for (score, input) in Score::ALL.into_iter().zip(inputs) {
            let outcome = score.compute(&input, RuleSet::embedded()).unwrap();
            for c in outcome.components {
                let labelled = lookup(COMPONENTS, &c.item, Lang::Sl)
                    .or_else(|| lookup(FIELDS, &c.item, Lang::Sl));
                assert!(labelled.is_some(), "{}", c.item);
            }
        }
    }

    #[test]
    fn every_diagnosis_has_both_labels() {
        for value in resp::DIAGNOSES.iter().chain(save::DIAGNOSES) {
            assert!(lookup(VALUES, value, Lang::Sl).is_some(), "{value}");
            assert!(lookup(VALUES, value, Lang::En).is_some(), "{value}");
        }
    }
}
