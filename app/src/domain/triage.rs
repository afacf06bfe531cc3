//! Pathway rules (spec §1–§3): indications, triggers and contraindications as flags, each
//! with an id, a severity, text in both languages and its source. Nothing here blocks a
//! referral; contraindications are shown for discussion and the ECMO physician decides.
use super::derived::Vasoactives;
use super::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod circulation;
pub use circulation::*;

// ---------------------------------------------------------------- rule thresholds (data)

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sustained {
    #[serde(default)]
    pub pf_below_mmhg: Option<f64>,
    #[serde(default)]
    pub ph_below: Option<f64>,
    #[serde(default)]
    pub paco2_at_least_mmhg: Option<f64>,
    pub min_hours: f64,
    /// The ventilation the criterion must persist despite (EOLIA's hypercapnia criterion).
    #[serde(default)]
    pub despite: Option<Optimised>,
}

/// Ventilation optimised as EOLIA requires before hypercapnia counts (spec §1.2, §0):
/// respiratory rate raised to at least `rr_at_least` with plateau at most
/// `plateau_at_most_cmh2o`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Optimised {
    pub rr_at_least: f64,
    pub plateau_at_most_cmh2o: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VvRules {
    pub eol1: Sustained,
    pub eol2: Sustained,
    pub eol3: Sustained,
    pub murray_indication: f64,
    pub murray_consult: f64,
    pub uncompensated_ph_at_most: f64,
    pub uncompensated_rr_above: f64,
    pub consult_pf_below_mmhg: f64,
    pub consult_fio2_at_least: f64,
    pub consult_ph_below: f64,
    pub mv_days_caution_above: f64,
    pub age_caution_above: f64,
    pub frailty_cfs_above: u8,
    pub sofa_above: u8,
    pub preserve_at_least: i32,
    pub resp_at_most: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaiRules {
    pub sbp_below: f64,
    pub map_below: f64,
    pub hr_at_least: f64,
    pub lactate_hypoperfusion: f64,
    pub lactate_extremis: f64,
    pub ph_extremis_at_most: f64,
    /// A lactate rise of this fraction is deterioration (CCCTN: 50 %)...
    pub lactate_rise_fraction: f64,
    /// ...counted only from a baseline of at least this (CCCTN: 2 mmol/L).
    pub lactate_rise_baseline_at_least: f64,
    /// Stage D: hypoperfusion with at least this many vasoactive drugs.
    pub deteriorating_vasoactives_at_least: usize,
    /// Stage D: hypoperfusion with a vasoactive drug and a device added (spec §2.1, §0).
    pub deteriorating_mcs_added_to_vasoactive: bool,
    pub coma_gcs_below: u8,
    /// Where the sources disagree, the choice made and its alternative.
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VaRules {
    pub ami_lactate_above: f64,
    pub noradrenaline_high_above: f64,
    pub vis_high_above: f64,
    pub age_caution_above: f64,
    pub frailty_cfs_above: u8,
    pub bmi_caution_above: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EcprRules {
    pub age_favourable_max: f64,
    pub age_exclusion_above: f64,
    pub no_flow_favourable_max_min: f64,
    pub no_flow_exclusion_above_min: f64,
    pub arrest_to_flow_favourable_max_min: f64,
    pub arrest_to_flow_exclusion_above_min: f64,
    pub etco2_low_below_mmhg: f64,
    pub metabolic_pao2_below_mmhg: f64,
    pub metabolic_spo2_below_pct: f64,
    pub metabolic_lactate_above: f64,
    pub metabolic_min_count: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriageRules {
    pub vv: VvRules,
    pub scai: ScaiRules,
    pub va: VaRules,
    pub ecpr: EcprRules,
}

// ---------------------------------------------------------------- flags

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Indication,
    ConsultEarly,
    Caution,
    Contraindication,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Flag {
    pub id: String,
    pub severity: Severity,
    pub source: String,
}

impl Flag {
    pub fn text(&self, lang: Lang) -> &'static str {
        CATALOGUE
            .iter()
            .find(|d| d.0 == self.id)
            .map_or("", |d| match lang {
                Lang::Sl => d.3,
                Lang::En => d.4,
            })
    }
}

/// (id, severity, source, Slovene, English)
type FlagDef = (
    &'static str,
    Severity,
    &'static str,
    &'static str,
    &'static str,
);

use Severity::{Caution as C, ConsultEarly as E, Contraindication as X, Indication as I};

pub const CATALOGUE: &[FlagDef] = &[
    ("VV-EOL-1", I, "EOLIA [SRC-1]", "P/F pod 50 mmHg (6,67 kPa) več kot 3 ure.", "P/F below 50 mmHg (6.67 kPa) for more than 3 hours."),
    ("VV-EOL-2", I, "EOLIA [SRC-1]", "P/F pod 80 mmHg (10,7 kPa) več kot 6 ur.", "P/F below 80 mmHg (10.7 kPa) for more than 6 hours."),
    ("VV-EOL-3", I, "EOLIA [SRC-1]", "pH pod 7,25 in PaCO2 vsaj 60 mmHg (8,0 kPa) več kot 6 ur, ob frekvenci dihanja 35/min in plato tlaku do 32 cmH2O.", "pH below 7.25 with PaCO2 of 60 mmHg (8.0 kPa) or more for more than 6 hours, with RR raised to 35/min and plateau ≤ 32 cmH2O."),
    ("VV-EOL-3-VENT", E, "EOLIA [SRC-1]", "pH pod 7,25 in PaCO2 vsaj 60 mmHg (8,0 kPa) več kot 6 ur, a frekvenca dihanja vsaj 35/min s plato tlakom do 32 cmH2O ni zabeležena: optimizirajte ventilacijo in se posvetujte s centrom.", "pH below 7.25 with PaCO2 of 60 mmHg (8.0 kPa) or more for more than 6 hours, but RR of 35/min or more with plateau ≤ 32 cmH2O is not recorded: optimise ventilation and consult the centre."),
    ("VV-EOL-DURATION", E, "EOLIA [SRC-1]", "Zadnja plinska analiza dosega mejo, trajanje pa še ni dokazano: dodajte zaporedne vzorce s časom odvzema.", "The latest blood gas meets a threshold but its duration is not shown yet: add serial samples with their times."),
    ("VV-NHS-1", I, "NHS/CESAR [SRC-9], [SRC-12]", "Murrayjev indeks pljučne okvare 3,0 ali več.", "Murray lung injury score of 3.0 or more."),
    ("VV-NHS-2", I, "NHS [SRC-9], [SRC-12]", "Nekompenzirana hiperkapnija: pH do 7,20 kljub frekvenci dihanja nad 35/min.", "Uncompensated hypercapnia: pH 7.20 or lower despite RR above 35/min."),
    ("VV-CONSULT", E, "RBH/NHS [SRC-10]; KOIIM [SRC-20]", "Posvetujte se zgodaj: P/F pod 100 mmHg (13,3 kPa) ob FiO2 vsaj 0,6, pH pod 7,20, Murray vsaj 2,5 ali neuspešen trebušni položaj.", "Consult early: P/F below 100 mmHg (13.3 kPa) on FiO2 of 0.6 or more, pH below 7.20, Murray 2.5 or more, or a failed prone trial."),
    ("VV-CI-A1", X, "[SRC-5], [SRC-11]", "Bolnik odklanja zdravljenje ali je sprejeta odločitev o omejitvi zdravljenja.", "Patient refusal, or a decision to limit life-sustaining treatment."),
    ("VV-CI-A2", X, "[SRC-5], [SRC-12]", "Napredovala ali neozdravljiva razsejana maligna bolezen.", "Advanced or untreatable metastatic malignancy."),
    ("VV-CI-A3", X, "[SRC-5], [SRC-12]", "Huda ireverzibilna možganska okvara, herniacija ali neobvladljiva intrakranialna hipertenzija.", "Severe irreversible brain injury, herniation or intractable intracranial hypertension."),
    ("VV-CI-A4", X, "[SRC-5]", "Ireverzibilna okvara pljuč brez možnosti presaditve.", "Irreversible lung destruction without lung-transplant candidacy."),
    ("VV-CI-R1", C, "ELSO [SRC-3], EOLIA [SRC-1]", "Mehanska ventilacija z visokimi nastavitvami več kot 7 dni.", "Mechanical ventilation with high settings for more than 7 days."),
    ("VV-CI-R2", C, "[SRC-3], [SRC-11], [SRC-12]", "Kontraindikacija za antikoagulacijo ali aktivna krvavitev.", "Contraindication to anticoagulation or active bleeding."),
    ("VV-CI-R3", C, "[SRC-3]", "Krvavitev v osrednje živčevje ali pomembna okvara osrednjega živčevja.", "CNS haemorrhage or significant CNS injury."),
    ("VV-CI-R4", C, "[SRC-5], [SRC-4], [SRC-6]", "Imunska oslabelost (hematološki malignom, presaditev kostnega mozga).", "Immunosuppression (haematological malignancy, bone-marrow transplant)."),
    ("VV-CI-R5", C, "[SRC-3], [SRC-11]", "Višja starost (ni potrjene meje).", "Advanced age (no validated threshold)."),
    ("VV-CI-R6", C, "[SRC-5]", "Huda desnostranska srčna odpoved: razmislite o VA ali VAV.", "Severe right-heart failure: consider VA or VAV."),
    ("VV-CI-R7", C, "[SRC-12]", "Omejen žilni dostop.", "Limited vascular access."),
    ("VV-CI-R8", C, "[SRC-10]", "Krhkost: lestvica klinične krhkosti nad 3.", "Frailty: Clinical Frailty Scale above 3."),
    ("VV-CI-R9", C, "[SRC-5]", "Slaba napovedana prognoza (SOFA nad 12, PRESERVE vsaj 5 ali RESP do −2).", "Poor predicted outcome (SOFA above 12, PRESERVE 5 or more, or RESP −2 or lower)."),
    ("VV-CI-R10", C, "[SRC-10]", "Refraktarna večorganska odpoved.", "Refractory multi-organ failure."),
    ("VA-T1", I, "SCAI 2022 [SRC-14]", "Kardiogeni šok stopnje SCAI D ali E: predstavite bolnika centru.", "Cardiogenic shock, SCAI stage D or E: present the patient to the centre."),
    ("VA-T1-C", E, "SCAI 2022 [SRC-14]", "Kardiogeni šok stopnje SCAI C: posvetujte se, če se po začetnem zdravljenju ne izboljša.", "Cardiogenic shock, SCAI stage C: consult if it does not improve with initial treatment."),
    ("VA-T2", I, "ECLS-SHOCK [SRC-16]", "Hipotenzija s hipoperfuzijo in laktatom nad 3 mmol/L pri infarktnem šoku (rutinski VA-ECMO v ECLS-SHOCK ni zmanjšal umrljivosti).", "Hypotension with hypoperfusion and lactate above 3 mmol/L in infarct-related shock (routine VA-ECMO did not reduce mortality in ECLS-SHOCK)."),
    ("VA-T3", I, "SAVE [SRC-7]", "Refraktarna VT/VF ali električna nevihta s hemodinamsko prizadetostjo.", "Refractory VT/VF or electrical storm with haemodynamic compromise."),
    ("VA-T4", I, "SAVE [SRC-7]", "Fulminantni miokarditis.", "Fulminant myocarditis."),
    ("VA-T5", I, "[SRC-17], [SRC-18]", "Masivna pljučna embolija, zastrupitev s kardiodepresivi, peripartalna kardiomiopatija, odpoved presadka ali šok po kardiokirurgiji.", "Massive PE, cardiodepressant intoxication, peripartum cardiomyopathy, graft failure or post-cardiotomy shock."),
    ("VA-T6", E, "design default (!)", "Več vazoaktivnih zdravil v visokih odmerkih (noradrenalin nad 0,5 µg/kg/min ali visok VIS).", "Several vasoactive drugs at high dose (noradrenaline above 0.5 µg/kg/min or a high VIS)."),
    ("VA-CI-1", X, "[SRC-17], [SRC-18]", "Neozdravljivo srce brez možnosti presaditve ali trajne podpore (ni izhodne strategije).", "Unrecoverable heart with no transplant or durable VAD option (no exit strategy)."),
    ("VA-CI-2", X, "[SRC-17], [SRC-18]", "Disekcija aorte.", "Aortic dissection."),
    ("VA-CI-3", X, "[SRC-17], [SRC-18]", "Huda aortna regurgitacija.", "Severe aortic regurgitation."),
    ("VA-CI-4", X, "[SRC-17], [SRC-18]", "Huda ireverzibilna možganska okvara ali dolgotrajno oživljanje brez ustrezne perfuzije.", "Severe irreversible brain injury, or prolonged CPR without adequate perfusion."),
    ("VA-CI-5", X, "[SRC-17], [SRC-18]", "Napredovala maligna ali terminalna bolezen, končna odpoved organa brez možnosti presaditve.", "Advanced malignancy, terminal illness or end-stage organ disease not amenable to transplant."),
    ("VA-CI-6", X, "[SRC-17], [SRC-18]", "Bolnik odklanja zdravljenje, odločitev o neoživljanju ali omejitvi zdravljenja.", "Patient refusal, DNR or limitation of therapy."),
    ("VA-CI-7", C, "[SRC-17]", "Kontraindikacija za antikoagulacijo ali aktivna večja krvavitev.", "Contraindication to anticoagulation or active major bleeding."),
    ("VA-CI-8", C, "[SRC-17]", "Huda periferna arterijska bolezen ali neprimeren femoralni dostop.", "Severe peripheral arterial disease or unsuitable femoral access."),
    ("VA-CI-9", C, "[SRC-17]", "Višja starost, krhkost ali huda debelost.", "Advanced age, frailty or morbid obesity."),
    ("VA-CI-10", C, "SAVE [SRC-7]", "Kronična ledvična odpoved ali večorganska odpoved pred ECMO.", "Chronic renal failure or multi-organ failure before ECMO."),
    ("ECPR-PHONE", I, "KOIIM [SRC-20]", "ECPR je časovno kritičen: takoj pokličite center, obrazec izpolnite pozneje.", "ECPR is time-critical: phone the centre now and fill in the form afterwards."),
    ("ECPR-AGE-UNFAV", C, "Prague OHCA, ARREST [SRC-21], [SRC-24]", "Starost nad 65 let je neugodna za ECPR.", "Age above 65 is unfavourable for ECPR."),
    ("ECPR-AGE-EXCL", X, "ARREST [SRC-24]", "Starost nad 75 let (zgornja meja ARREST).", "Age above 75 (ARREST upper bound)."),
    ("ECPR-UNWITNESSED", X, "Prague OHCA, INCEPTION [SRC-21], [SRC-25]", "Zastoj brez prisotnosti očividcev.", "Unwitnessed arrest."),
    ("ECPR-NOFLOW-UNFAV", C, "design default (!)", "Brez laičnega oživljanja ali čas brez pretoka 5 do 10 minut.", "No bystander CPR, or no-flow time of 5 to 10 minutes."),
    ("ECPR-NOFLOW-EXCL", X, "design default (!)", "Čas brez pretoka nad 10 minut.", "No-flow time above 10 minutes."),
    ("ECPR-RHYTHM-PEA", C, "[SRC-21], [SRC-24]", "Začetni ritem PEA je manj ugoden.", "Initial rhythm PEA is less favourable."),
    ("ECPR-RHYTHM-ASYSTOLE", X, "design default (!)", "Začetni ritem asistolija.", "Initial rhythm asystole."),
    ("ECPR-ATF-UNFAV", C, "design default (!)", "Pričakovan čas od zastoja do pretoka 60 do 80 minut.", "Expected arrest-to-flow time of 60 to 80 minutes."),
    ("ECPR-ATF-EXCL", X, "design default (!)", "Pričakovan čas od zastoja do pretoka nad 80 minut.", "Expected arrest-to-flow time above 80 minutes."),
    ("ECPR-ETCO2-LOW", X, "[SRC-26], [SRC-27]", "EtCO2 med oživljanjem pod 10 mmHg (1,3 kPa).", "EtCO2 during CPR below 10 mmHg (1.3 kPa)."),
    ("ECPR-PREARREST", X, "Prague OHCA [SRC-21]", "Pred zastojem CPC 3 ali več, odločitev o neoživljanju ali terminalna bolezen.", "Pre-arrest CPC 3 or more, DNR, or terminal illness."),
    ("ECPR-METABOLIC", X, "ARREST/Minnesota [SRC-26]", "Presnovna izključitev: vsaj dva od EtCO2 pod 10 mmHg, PaO2 pod 50 mmHg ali SpO2 pod 85 %, laktat nad 18 mmol/L.", "Metabolic exclusion: two or more of EtCO2 below 10 mmHg, PaO2 below 50 mmHg or SpO2 below 85 %, lactate above 18 mmol/L."),
    ("ECPR-HYPOTHERMIA", E, "ERC (!)", "Podhladitev z zastojem: časovne meje ne veljajo enako; takoj pokličite center.", "Hypothermic arrest: the time limits do not apply in the same way; phone the centre at once."),
];

fn flag(id: &str) -> Flag {
    let def = CATALOGUE.iter().find(|d| d.0 == id);
    Flag {
        id: id.to_owned(),
        severity: def.map_or(Severity::Caution, |d| d.1),
        source: def.map_or("", |d| d.2).to_owned(),
    }
}

// ---------------------------------------------------------------- inputs

/// The referral's pathway, stored and sent as `vv`, `va` or `ecpr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Pathway {
    Vv,
    Va,
    Ecpr,
}

impl Pathway {
    /// The pathway's stored code.
    pub fn code(self) -> &'static str {
        match self {
            Pathway::Vv => "vv",
            Pathway::Va => "va",
            Pathway::Ecpr => "ecpr",
        }
    }

    /// The pathway with the stored code `code`, if there is one.
    pub fn from_code(code: &str) -> Option<Pathway> {
        [Pathway::Vv, Pathway::Va, Pathway::Ecpr]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// One blood gas. Pressures in mmHg (converted at the edge); FiO2 as a fraction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BloodGas {
    pub taken_at_ms: i64,
    pub arterial: bool,
    pub ph: Option<f64>,
    pub pao2_mmhg: Option<f64>,
    pub paco2_mmhg: Option<f64>,
    pub fio2: Option<f64>,
    pub rr: Option<f64>,
    pub lactate: Option<f64>,
}

impl BloodGas {
    pub fn pf_mmhg(&self) -> Option<f64> {
        match (self.arterial, self.pao2_mmhg, self.fio2) {
            (true, Some(p), Some(f)) if f > 0.0 => Some(p / f),
            _ => None,
        }
    }
}

/// What the rules read. Every clinical value is optional: rules that lack their inputs
/// report them as missing instead of guessing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub now_ms: i64,
    pub age_years: Option<f64>,
    pub bmi: Option<f64>,
    pub clinical_frailty_scale: Option<u8>,
    pub sofa: Option<u8>,
    pub gcs: Option<u8>,
    pub ventilation_start_ms: Option<i64>,
    pub blood_gases: Vec<BloodGas>,
    pub murray: Option<f64>,
    pub resp_points: Option<i32>,
    pub preserve_points: Option<i32>,
    pub failed_prone_trial: Option<bool>,
    /// The current plateau pressure, cmH2O.
    pub plateau_cmh2o: Option<f64>,
    /// Ticked checklist items, e.g. `limitation_of_therapy`, `aortic_dissection`.
    pub findings: BTreeSet<String>,
    // Haemodynamics (VA)
    pub sbp: Option<f64>,
    pub map: Option<f64>,
    pub sbp_drop_over_30: bool,
    pub heart_rate: Option<f64>,
    pub lactate: Option<f64>,
    pub lactate_previous: Option<f64>,
    pub hypoperfusion_signs: bool,
    pub vasoactives: Vasoactives,
    pub weight_kg: Option<f64>,
    pub mcs: bool,
    pub escalating_support: bool,
    pub maximal_support: bool,
    pub ongoing_cpr: bool,
    pub no_sbp_without_resuscitation: bool,
    pub cardiac_arrest: bool,
    pub ami: bool,
    // ECPR
    pub witnessed: Option<bool>,
    pub bystander_cpr: Option<bool>,
    pub no_flow_min: Option<f64>,
    pub initial_rhythm: Option<String>,
    pub expected_arrest_to_flow_min: Option<f64>,
    pub etco2_mmhg: Option<f64>,
    pub spo2_pct: Option<f64>,
}

// ---------------------------------------------------------------- outputs

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VvState {
    IndicationMet,
    ThresholdMetDurationUnknown,
    ConsultEarly,
    NotMet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum ScaiStage {
    A,
    B,
    C,
    D,
    E,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Scai {
    pub stage: ScaiStage,
    /// The 2022 "A" modifier: cardiac arrest with coma.
    pub arrest_with_coma: bool,
}

impl ScaiStage {
    /// The stage's name (SCAI 2019/2022).
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::A, Lang::Sl) => "ogroženost",
            (Self::A, Lang::En) => "at risk",
            (Self::B, Lang::Sl) => "začetni šok",
            (Self::B, Lang::En) => "beginning",
            (Self::C, Lang::Sl) => "klasični šok",
            (Self::C, Lang::En) => "classic",
            (Self::D, Lang::Sl) => "poslabšanje",
            (Self::D, Lang::En) => "deteriorating",
            (Self::E, Lang::Sl) => "skrajno stanje",
            (Self::E, Lang::En) => "extremis",
        }
    }
}

impl Scai {
    pub fn label(&self) -> String {
        format!(
            "{:?}{}",
            self.stage,
            if self.arrest_with_coma { "-A" } else { "" }
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Evaluation {
    pub vv_state: Option<VvState>,
    pub scai: Option<Scai>,
    pub flags: Vec<Flag>,
    /// Inputs the rules could not evaluate without.
    pub missing: Vec<String>,
    pub rule_set_version: String,
    /// The scores computed from the same answers (VV: Murray, RESP, PRESERVE; VA: SAVE).
    #[serde(default)]
    pub scores: Vec<super::scores::ScoreLine>,
}

impl Evaluation {
    pub fn has(&self, id: &str) -> bool {
        self.flags.iter().any(|f| f.id == id)
    }
}

// ---------------------------------------------------------------- evaluation

const HOUR_MS: f64 = 3_600_000.0;

/// Whether a condition held over a run of consecutive arterial samples spanning more than
/// `min_hours` with no sample in between that breaks it (spec §1.4).
fn sustained(
    gases: &[BloodGas],
    min_hours: f64,
    holds: impl Fn(&BloodGas) -> Option<bool>,
) -> Option<VvState> {
    let mut samples: Vec<(i64, bool)> = gases
        .iter()
        .filter(|g| g.arterial)
        .filter_map(|g| holds(g).map(|h| (g.taken_at_ms, h)))
        .collect();
    if samples.is_empty() {
        return None;
    }
    samples.sort_by_key(|s| s.0);
    let mut run_start = None;
    for &(t, ok) in &samples {
        if ok {
            let start = *run_start.get_or_insert(t);
            if (t - start) as f64 > min_hours * HOUR_MS {
                return Some(VvState::IndicationMet);
            }
        } else {
            run_start = None;
        }
    }
    Some(if samples.last().is_some_and(|s| s.1) {
        VvState::ThresholdMetDurationUnknown
    } else {
        VvState::NotMet
    })
}

fn criterion(rule: &Sustained) -> impl Fn(&BloodGas) -> Option<bool> + '_ {
    move |g| {
        let mut all = true;
        if let Some(limit) = rule.pf_below_mmhg {
            all &= g.pf_mmhg()? < limit;
        }
        if let Some(limit) = rule.ph_below {
            all &= g.ph? < limit;
        }
        if let Some(limit) = rule.paco2_at_least_mmhg {
            all &= g.paco2_mmhg? >= limit;
        }
        Some(all)
    }
}

/// Whether the ventilation was optimised as `despite` requires: the set rate (read with
/// the latest arterial gas) and the plateau pressure. Unknown values are reported missing
/// and do not count as optimised.
fn optimised(case: &Case, despite: &Optimised, eval: &mut Evaluation) -> bool {
    let rr = latest(case).and_then(|g| g.rr);
    if rr.is_none() {
        eval.missing.push("respiratory_rate".into());
    }
    if case.plateau_cmh2o.is_none() {
        eval.missing.push("plateau_cmh2o".into());
    }
    rr.is_some_and(|rr| rr >= despite.rr_at_least)
        && case
            .plateau_cmh2o
            .is_some_and(|p| p <= despite.plateau_at_most_cmh2o)
}

fn latest(case: &Case) -> Option<&BloodGas> {
    case.blood_gases
        .iter()
        .filter(|g| g.arterial)
        .max_by_key(|g| g.taken_at_ms)
}

pub fn evaluate(pathway: Pathway, case: &Case, rules: &super::rules::RuleSet) -> Evaluation {
    let t = &rules.triage;
    let mut eval = Evaluation {
        rule_set_version: rules.version.clone(),
        ..Default::default()
    };
    match pathway {
        Pathway::Vv => evaluate_vv(case, &t.vv, &mut eval),
        Pathway::Va => evaluate_va(case, t, &mut eval),
        Pathway::Ecpr => evaluate_ecpr(case, &t.ecpr, &mut eval),
    }
    eval.flags
        .sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.id.cmp(&b.id)));
    eval.flags.dedup_by(|a, b| a.id == b.id);
    eval
}

fn finding(case: &Case, name: &str) -> bool {
    case.findings.contains(name)
}

fn evaluate_vv(case: &Case, r: &VvRules, eval: &mut Evaluation) {
    let mut state = VvState::NotMet;
    let mut duration_unknown = false;
    let mut vent_not_optimised = false;
    if case.blood_gases.iter().filter(|g| g.arterial).count() == 0 {
        eval.missing.push("blood_gases".into());
    }
    for (id, rule) in [
        ("VV-EOL-1", &r.eol1),
        ("VV-EOL-2", &r.eol2),
        ("VV-EOL-3", &r.eol3),
    ] {
        match sustained(&case.blood_gases, rule.min_hours, criterion(rule)) {
            Some(VvState::IndicationMet) => {
                let despite_met = rule
                    .despite
                    .as_ref()
                    .is_none_or(|despite| optimised(case, despite, eval));
                if despite_met {
                    eval.flags.push(flag(id));
                    state = VvState::IndicationMet;
                } else {
                    // The gases meet the criterion, but not yet despite the ventilation
                    // it requires: optimise and consult, not an indication yet.
                    eval.flags.push(flag(&format!("{id}-VENT")));
                    vent_not_optimised = true;
                }
            }
            Some(VvState::ThresholdMetDurationUnknown) => duration_unknown = true,
            _ => {}
        }
    }
    if let Some(m) = case.murray {
        if m >= r.murray_indication {
            eval.flags.push(flag("VV-NHS-1"));
            state = VvState::IndicationMet;
        }
    } else {
        eval.missing.push("murray".into());
    }
    let last = latest(case);
    if let Some(g) = last {
        if let (Some(ph), Some(rr)) = (g.ph, g.rr) {
            if ph <= r.uncompensated_ph_at_most && rr > r.uncompensated_rr_above {
                eval.flags.push(flag("VV-NHS-2"));
                state = VvState::IndicationMet;
            }
        }
    }
    if state != VvState::IndicationMet && duration_unknown {
        eval.flags.push(flag("VV-EOL-DURATION"));
        state = VvState::ThresholdMetDurationUnknown;
    }
    let consult = last.is_some_and(|g| {
        let pf = g
            .pf_mmhg()
            .zip(g.fio2)
            .is_some_and(|(pf, f)| pf < r.consult_pf_below_mmhg && f >= r.consult_fio2_at_least);
        let ph = g.ph.is_some_and(|ph| ph < r.consult_ph_below);
        pf || ph
    }) || case.murray.is_some_and(|m| m >= r.murray_consult)
        || case.failed_prone_trial == Some(true)
        || vent_not_optimised;
    if consult {
        eval.flags.push(flag("VV-CONSULT"));
        if state == VvState::NotMet {
            state = VvState::ConsultEarly;
        }
    }
    eval.vv_state = Some(state);

    for (item, id) in [
        ("limitation_of_therapy", "VV-CI-A1"),
        ("metastatic_malignancy", "VV-CI-A2"),
        ("severe_brain_injury", "VV-CI-A3"),
        ("irreversible_lung_no_transplant", "VV-CI-A4"),
        ("anticoagulation_contraindicated", "VV-CI-R2"),
        ("cns_haemorrhage", "VV-CI-R3"),
        ("immunosuppressed", "VV-CI-R4"),
        ("right_heart_failure", "VV-CI-R6"),
        ("limited_vascular_access", "VV-CI-R7"),
        ("multi_organ_failure", "VV-CI-R10"),
    ] {
        if finding(case, item) {
            eval.flags.push(flag(id));
        }
    }
    match case.ventilation_start_ms {
        Some(start) if (case.now_ms - start) as f64 > r.mv_days_caution_above * 24.0 * HOUR_MS => {
            eval.flags.push(flag("VV-CI-R1"))
        }
        Some(_) => {}
        None => eval.missing.push("ventilation_start".into()),
    }
    if case.age_years.is_some_and(|a| a > r.age_caution_above) {
        eval.flags.push(flag("VV-CI-R5"));
    }
    if case
        .clinical_frailty_scale
        .is_some_and(|c| c > r.frailty_cfs_above)
    {
        eval.flags.push(flag("VV-CI-R8"));
    }
    if case.sofa.is_some_and(|s| s > r.sofa_above)
        || case
            .preserve_points
            .is_some_and(|p| p >= r.preserve_at_least)
        || case.resp_points.is_some_and(|p| p <= r.resp_at_most)
    {
        eval.flags.push(flag("VV-CI-R9"));
    }
}

#[cfg(test)]
mod tests;
