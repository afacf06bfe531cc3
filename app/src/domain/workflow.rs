//! The referral's state machine at the centre (spec §6.1): which states follow which, what
//! each decision must carry (reason code, advice, ETA and team, re-referral triggers), and
//! the words the pages use for them. Pure, so the server enforces exactly what the pages
//! offer.
use super::checklist::parse_local;
use super::fields::{FieldError, FieldErrors};
use super::i18n::Lang;
use super::triage::Pathway;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub const SUBMITTED: &str = "SUBMITTED";
pub const ECPR_ALERT: &str = "ECPR_ALERT";
pub const ACKNOWLEDGED: &str = "ACKNOWLEDGED";
pub const UNDER_CONSULTATION: &str = "UNDER_CONSULTATION";
pub const INFO_REQUESTED: &str = "INFO_REQUESTED";
pub const ACCEPTED_TRANSFER: &str = "ACCEPTED_TRANSFER";
pub const TRANSFER_SCHEDULED: &str = "TRANSFER_SCHEDULED";
pub const IN_TRANSIT: &str = "IN_TRANSIT";
pub const ARRIVED: &str = "ARRIVED";
pub const ACCEPTED_MOBILE_TEAM: &str = "ACCEPTED_MOBILE_TEAM";
pub const TEAM_DISPATCHED: &str = "TEAM_DISPATCHED";
pub const TEAM_ON_SITE: &str = "TEAM_ON_SITE";
pub const CANNULATED: &str = "CANNULATED";
pub const NOT_CANNULATED_ON_SITE: &str = "NOT_CANNULATED_ON_SITE";
pub const DEFERRED_REASSESS: &str = "DEFERRED_REASSESS";
pub const DECLINED_WITH_ADVICE: &str = "DECLINED_WITH_ADVICE";
pub const DECLINED_CONTRAINDICATED: &str = "DECLINED_CONTRAINDICATED";
pub const REFERRED_ONWARD: &str = "REFERRED_ONWARD";
pub const WITHDRAWN: &str = "WITHDRAWN";
pub const FOLLOW_UP_PENDING: &str = "FOLLOW_UP_PENDING";
pub const CLOSED: &str = "CLOSED";
pub const ACCEPTED_ECPR: &str = "ACCEPTED_ECPR";
pub const DECLINED_ECPR: &str = "DECLINED_ECPR";
pub const ECMO_STARTED: &str = "ECMO_STARTED";
pub const NOT_STARTED: &str = "NOT_STARTED";

/// Every state, in the order of the diagram.
pub const STATES: &[&str] = &[
    SUBMITTED,
    ECPR_ALERT,
    ACKNOWLEDGED,
    UNDER_CONSULTATION,
    INFO_REQUESTED,
    ACCEPTED_TRANSFER,
    TRANSFER_SCHEDULED,
    ACCEPTED_MOBILE_TEAM,
    TEAM_DISPATCHED,
    TEAM_ON_SITE,
    CANNULATED,
    NOT_CANNULATED_ON_SITE,
    IN_TRANSIT,
    ARRIVED,
    DEFERRED_REASSESS,
    DECLINED_WITH_ADVICE,
    DECLINED_CONTRAINDICATED,
    REFERRED_ONWARD,
    ACCEPTED_ECPR,
    DECLINED_ECPR,
    ECMO_STARTED,
    NOT_STARTED,
    WITHDRAWN,
    FOLLOW_UP_PENDING,
    CLOSED,
];

/// Where the patient's care is still being arranged: these may be withdrawn, take updates
/// from the referring hospital, and stand in the centre's queue.
pub const OPEN: &[&str] = &[
    SUBMITTED,
    ECPR_ALERT,
    ACKNOWLEDGED,
    UNDER_CONSULTATION,
    INFO_REQUESTED,
    DEFERRED_REASSESS,
    ACCEPTED_TRANSFER,
    TRANSFER_SCHEDULED,
    ACCEPTED_MOBILE_TEAM,
    TEAM_DISPATCHED,
    ACCEPTED_ECPR,
];

/// The queue shows what is open plus the patient on the way.
pub const IN_QUEUE: &[&str] = &[
    SUBMITTED,
    ECPR_ALERT,
    ACKNOWLEDGED,
    UNDER_CONSULTATION,
    INFO_REQUESTED,
    DEFERRED_REASSESS,
    ACCEPTED_TRANSFER,
    TRANSFER_SCHEDULED,
    ACCEPTED_MOBILE_TEAM,
    TEAM_DISPATCHED,
    TEAM_ON_SITE,
    CANNULATED,
    IN_TRANSIT,
    ACCEPTED_ECPR,
];

/// The decision on a referral (first entry into one of these is the decision time).
pub const ACCEPTED: &[&str] = &[ACCEPTED_TRANSFER, ACCEPTED_MOBILE_TEAM, ACCEPTED_ECPR];
pub const DECLINED: &[&str] = &[
    DECLINED_WITH_ADVICE,
    DECLINED_CONTRAINDICATED,
    DECLINED_ECPR,
];
pub const DECISIONS: &[&str] = &[
    ACCEPTED_TRANSFER,
    ACCEPTED_MOBILE_TEAM,
    ACCEPTED_ECPR,
    DECLINED_WITH_ADVICE,
    DECLINED_CONTRAINDICATED,
    DECLINED_ECPR,
    DEFERRED_REASSESS,
    REFERRED_ONWARD,
];

/// Why the centre declines, defers or sends elsewhere (spec §6.1).
pub const REASON_CODES: &[&str] = &[
    "NOT_YET_INDICATED",
    "OPTIMISE_FIRST",
    "IRREVERSIBLE",
    "CONTRAINDICATION_ANTICOAG",
    "NEURO",
    "MALIGNANCY",
    "FRAILTY_COMORBIDITY",
    "TOO_LATE_MV_DURATION",
    "NO_EXIT_STRATEGY",
    "CAPACITY",
    "OTHER",
];

/// Why a referral is withdrawn, by the referring hospital or the centre.
pub const WITHDRAW_REASONS: &[&str] = &[
    "improved",
    "deteriorated_or_died",
    "treated_locally",
    "other_centre",
    "family_declined",
    "entered_in_error",
    "other",
];

/// What the centre may ask the referring hospital for.
pub const INFO_ITEMS: &[&str] = &[
    "blood_gas",
    "ventilator_settings",
    "chest_imaging",
    "echo",
    "laboratory",
    "haemodynamics",
    "neurology",
    "other",
];

/// Structured re-referral triggers of a deferral.
pub const TRIGGERS: &[&str] = &[
    "pf_below_80",
    "ph_hypercapnia",
    "lactate_above_4",
    "rising_support",
    "cardiac_arrest",
    "other",
];

pub const CANNULATION_MODES: &[&str] = &["VV", "VA", "VAV"];

/// The pre-transfer preparation checklist (spec §5.10), shown after acceptance.
pub const PRE_TRANSFER: &[(&str, &str, &str)] = &[
    (
        "blood",
        "Navzkrižno testirana kri (2–4 enote koncentriranih eritrocitov) in krvna skupina",
        "Cross-matched blood (2–4 units of red cells) and the blood group",
    ),
    (
        "lines",
        "Arterijski in centralni venski kateter; desno jugularno in femoralni veni po možnosti pustite proste za kanilacijo",
        "Arterial and central lines; if possible keep the right jugular and the femoral veins free for cannulation",
    ),
    ("urinary", "Urinski kateter", "Urinary catheter"),
    (
        "imaging",
        "Kopije slikovnih preiskav (RTG, CT) za ekipo",
        "Imaging copied (X-ray, CT) for the team",
    ),
    (
        "medication",
        "Seznam zdravil s časi (heparin, antiagregacijska zdravila)",
        "Medication list with times (heparin, antiplatelets)",
    ),
    (
        "relatives",
        "Svojci obveščeni; njihova telefonska številka",
        "Relatives informed; their phone number",
    ),
    (
        "documents",
        "Premestitveni list in dokumentacija",
        "Transfer documentation (premestitveni list)",
    ),
    (
        "isolation",
        "Status izolacije (npr. MRSA, COVID-19)",
        "Isolation status (e.g. MRSA, COVID-19)",
    ),
];

/// The states that may follow `from` on a pathway. Withdrawal is open to the referring
/// hospital too; everything else is the centre's.
pub fn next_states(pathway: Pathway, from: &str) -> Vec<&'static str> {
    let ecpr = pathway == Pathway::Ecpr;
    let mut next: Vec<&'static str> = match (from, ecpr) {
        (SUBMITTED, false) => vec![ACKNOWLEDGED],
        (ECPR_ALERT, true) => vec![ACKNOWLEDGED, ACCEPTED_ECPR, DECLINED_ECPR],
        (ACKNOWLEDGED, true) => vec![ACCEPTED_ECPR, DECLINED_ECPR],
        (ACKNOWLEDGED, false) => vec![UNDER_CONSULTATION, INFO_REQUESTED],
        (UNDER_CONSULTATION, false) => vec![
            INFO_REQUESTED,
            ACCEPTED_TRANSFER,
            ACCEPTED_MOBILE_TEAM,
            DEFERRED_REASSESS,
            DECLINED_WITH_ADVICE,
            DECLINED_CONTRAINDICATED,
            REFERRED_ONWARD,
        ],
        (INFO_REQUESTED | DEFERRED_REASSESS, false) => vec![UNDER_CONSULTATION],
        (ACCEPTED_TRANSFER, false) => vec![TRANSFER_SCHEDULED],
        (TRANSFER_SCHEDULED, false) => vec![IN_TRANSIT],
        (ACCEPTED_MOBILE_TEAM, false) => vec![TEAM_DISPATCHED],
        (TEAM_DISPATCHED, false) => vec![TEAM_ON_SITE],
        (TEAM_ON_SITE, false) => vec![CANNULATED, NOT_CANNULATED_ON_SITE],
        (CANNULATED, false) => vec![IN_TRANSIT],
        (IN_TRANSIT, false) => vec![ARRIVED],
        (ACCEPTED_ECPR, true) => vec![ARRIVED],
        (ARRIVED, true) => vec![ECMO_STARTED, NOT_STARTED],
        (
            ARRIVED
            | NOT_CANNULATED_ON_SITE
            | DECLINED_WITH_ADVICE
            | DECLINED_CONTRAINDICATED
            | REFERRED_ONWARD
            | WITHDRAWN,
            false,
        )
        | (ECMO_STARTED | NOT_STARTED | DECLINED_ECPR | WITHDRAWN, true) => {
            vec![FOLLOW_UP_PENDING]
        }
        (FOLLOW_UP_PENDING, _) => vec![CLOSED],
        _ => vec![],
    };
    if is_open(pathway, from) {
        next.push(WITHDRAWN);
    }
    next
}

/// Whether a referral of this pathway in this state is still being arranged.
pub fn is_open(pathway: Pathway, state: &str) -> bool {
    let ecpr_only = matches!(state, ECPR_ALERT | ACCEPTED_ECPR);
    let vv_va_only = !matches!(state, ACKNOWLEDGED) && !ecpr_only;
    OPEN.contains(&state)
        && match pathway {
            Pathway::Ecpr => !vv_va_only,
            _ => !ecpr_only,
        }
}

pub fn may_follow(pathway: Pathway, from: &str, to: &str) -> bool {
    next_states(pathway, from).contains(&to)
}

/// What a transition carries besides its target, as typed in a form or sent as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransitionInput {
    pub to: String,
    pub reason_code: Option<String>,
    /// Internal to the centre.
    pub note: String,
    /// Shown to the referrer.
    pub advice: String,
    /// The items requested from the referrer (INFO_REQUESTED).
    pub fields: Vec<String>,
    /// Re-referral triggers (DEFERRED_REASSESS).
    pub triggers: Vec<String>,
    /// When the centre looks again (DEFERRED_REASSESS), local wall-clock `YYYY-MM-DDTHH:MM`.
    pub review_at: Option<String>,
    /// Minutes until the team or the transport arrives (acceptances).
    pub eta_min: Option<f64>,
    /// Who comes (ACCEPTED_MOBILE_TEAM).
    pub team: String,
    /// Cannulation mode (CANNULATED): VV, VA or VAV.
    pub mode: Option<String>,
    /// The centre the patient is sent to (REFERRED_ONWARD).
    pub centre: String,
    /// The state the actor saw; when the referral has moved on since, the action is refused.
    pub from: Option<String>,
}

pub const MAX_TEXT: usize = 2000;
const MAX_ETA_MIN: f64 = 1440.0;
/// A deferral is looked at again within a week.
const MAX_REVIEW_MS: i64 = 7 * 86_400_000;

/// Why a transition cannot be made.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The target does not follow the current state.
    NotAllowed { allowed: Vec<&'static str> },
    /// The referral is no longer in the state the actor saw.
    Changed,
    /// What the target needs is missing or wrong.
    Invalid(FieldErrors),
}

fn known(errors: &mut FieldErrors, field: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        errors.add(
            field,
            FieldError::UnknownValue {
                allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }
}

fn needs_reason(to: &str) -> bool {
    matches!(
        to,
        DEFERRED_REASSESS
            | DECLINED_WITH_ADVICE
            | DECLINED_CONTRAINDICATED
            | DECLINED_ECPR
            | REFERRED_ONWARD
            | NOT_CANNULATED_ON_SITE
            | NOT_STARTED
            | WITHDRAWN
    )
}

/// Checks a transition from `from` and returns what the timeline stores with it. `now_local`
/// is the centre's wall clock in milliseconds, for the review time.
pub fn check(
    pathway: Pathway,
    from: &str,
    input: &TransitionInput,
    now_local: i64,
) -> Result<Map<String, Value>, Refusal> {
    let to = input.to.trim();
    if input.from.as_deref().is_some_and(|seen| seen != from) {
        return Err(Refusal::Changed);
    }
    if !STATES.contains(&to) {
        let mut errors = FieldErrors::default();
        known(&mut errors, "to", to, STATES);
        return Err(Refusal::Invalid(errors));
    }
    if !may_follow(pathway, from, to) {
        return Err(Refusal::NotAllowed {
            allowed: next_states(pathway, from),
        });
    }
    let mut errors = FieldErrors::default();
    let mut detail = Map::new();
    detail.insert("from".into(), json!(from));
    let reason = input
        .reason_code
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let reasons = if to == WITHDRAWN {
        WITHDRAW_REASONS
    } else {
        REASON_CODES
    };
    match reason {
        Some(code) => {
            known(&mut errors, "reason_code", code, reasons);
            detail.insert("reason_code".into(), json!(code));
        }
        None if needs_reason(to) => errors.add("reason_code", FieldError::Missing),
        None => {}
    }
    for (key, text) in [
        ("note", &input.note),
        ("advice", &input.advice),
        ("team", &input.team),
        ("centre", &input.centre),
    ] {
        let text = text.trim();
        if text.chars().count() > MAX_TEXT {
            errors.add(key, FieldError::TooLong { max: MAX_TEXT });
        } else if !text.is_empty() {
            detail.insert(key.into(), json!(text));
        }
    }
    let advice_missing = input.advice.trim().is_empty();
    match to {
        DECLINED_WITH_ADVICE if advice_missing => errors.add("advice", FieldError::Missing),
        WITHDRAWN if reason == Some("other") && advice_missing && input.note.trim().is_empty() => {
            errors.add("advice", FieldError::Missing)
        }
        INFO_REQUESTED => {
            if input.fields.is_empty() {
                errors.add("fields", FieldError::EmptyList);
            }
            for item in &input.fields {
                known(&mut errors, "fields", item, INFO_ITEMS);
            }
            if input.fields.iter().any(|f| f == "other") && advice_missing {
                errors.add("advice", FieldError::Missing);
            }
            detail.insert("fields".into(), json!(input.fields));
        }
        DEFERRED_REASSESS => {
            if input.triggers.is_empty() {
                errors.add("triggers", FieldError::EmptyList);
            }
            for item in &input.triggers {
                known(&mut errors, "triggers", item, TRIGGERS);
            }
            if input.triggers.iter().any(|f| f == "other") && advice_missing {
                errors.add("advice", FieldError::Missing);
            }
            detail.insert("triggers".into(), json!(input.triggers));
            match input
                .review_at
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                None => errors.add("review_at", FieldError::Missing),
                Some(text) => match parse_local(text) {
                    None => errors.add("review_at", FieldError::NotADateTime),
                    Some(at) if at <= now_local => errors.add("review_at", FieldError::InPast),
                    Some(at) if at > now_local + MAX_REVIEW_MS => errors.add(
                        "review_at",
                        FieldError::OutOfRange {
                            min: 0.0,
                            max: 7.0,
                            unit: "d".into(),
                        },
                    ),
                    Some(_) => {
                        detail.insert("review_at".into(), json!(text));
                    }
                },
            }
        }
        CANNULATED => match input.mode.as_deref() {
            None => errors.add("mode", FieldError::Missing),
            Some(mode) => {
                known(&mut errors, "mode", mode, CANNULATION_MODES);
                detail.insert("mode".into(), json!(mode));
            }
        },
        ACCEPTED_MOBILE_TEAM if input.team.trim().is_empty() => {
            errors.add("team", FieldError::Missing)
        }
        REFERRED_ONWARD if input.centre.trim().is_empty() => {
            errors.add("centre", FieldError::Missing)
        }
        _ => {}
    }
    match input.eta_min {
        Some(eta) if !(0.0..=MAX_ETA_MIN).contains(&eta) || !eta.is_finite() => errors.add(
            "eta_min",
            FieldError::OutOfRange {
                min: 0.0,
                max: MAX_ETA_MIN,
                unit: "min".into(),
            },
        ),
        Some(eta) => {
            detail.insert("eta_min".into(), json!(eta.round() as i64));
        }
        None if to == ACCEPTED_MOBILE_TEAM => errors.add("eta_min", FieldError::Missing),
        None => {}
    }
    if errors.is_empty() {
        Ok(detail)
    } else {
        Err(Refusal::Invalid(errors))
    }
}

/// The same transition's detail as the referring hospital sees it: the centre's internal
/// note left out.
pub fn for_referrer(mut detail: Map<String, Value>) -> Map<String, Value> {
    detail.remove("note");
    detail
}

pub fn state_label(state: &str, lang: Lang) -> String {
    let (sl, en) = match state {
        SUBMITTED => ("Poslano", "Submitted"),
        ECPR_ALERT => ("ECPR alarm poslan", "ECPR alert sent"),
        ACKNOWLEDGED => ("Prejem potrjen", "Acknowledged"),
        UNDER_CONSULTATION => ("V obravnavi (posvet)", "Under consultation"),
        INFO_REQUESTED => ("Zahtevani dodatni podatki", "Information requested"),
        ACCEPTED_TRANSFER => ("Sprejet v premestitev", "Accepted for transfer"),
        TRANSFER_SCHEDULED => ("Premestitev načrtovana", "Transfer scheduled"),
        IN_TRANSIT => ("Na poti v center", "In transit"),
        ARRIVED => ("Prispel v center", "Arrived"),
        ACCEPTED_MOBILE_TEAM => (
            "Sprejet – pride mobilna ECMO ekipa",
            "Accepted – mobile ECMO team",
        ),
        TEAM_DISPATCHED => ("Mobilna ECMO ekipa na poti", "Mobile team on the way"),
        TEAM_ON_SITE => ("Ekipa na mestu", "Team on site"),
        CANNULATED => ("Kaniliran", "Cannulated"),
        NOT_CANNULATED_ON_SITE => ("Ni bil kaniliran na mestu", "Not cannulated on site"),
        DEFERRED_REASSESS => ("Ponovna ocena pozneje", "Deferred – reassess"),
        DECLINED_WITH_ADVICE => ("Ni kandidat – podan nasvet", "Declined with advice"),
        DECLINED_CONTRAINDICATED => (
            "Ni kandidat – kontraindikacija",
            "Declined – contraindicated",
        ),
        REFERRED_ONWARD => ("Napoten v drug center", "Referred onward to another centre"),
        WITHDRAWN => ("Preklicano", "Withdrawn"),
        FOLLOW_UP_PENDING => ("Čaka na izid", "Follow-up pending"),
        CLOSED => ("Zaključeno", "Closed"),
        ACCEPTED_ECPR => ("ECPR sprejet", "ECPR accepted"),
        DECLINED_ECPR => ("ECPR zavrnjen", "ECPR declined"),
        ECMO_STARTED => ("ECMO uveden", "ECMO started"),
        NOT_STARTED => ("ECMO ni bil uveden", "ECMO not started"),
        other => return other.replace('_', " ").to_lowercase(),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

/// The button that moves a referral to `state`.
pub fn action_label(state: &str, lang: Lang) -> String {
    let (sl, en) = match state {
        ACKNOWLEDGED => ("Potrdi prejem", "Acknowledge"),
        UNDER_CONSULTATION => ("Začni posvet", "Start consultation"),
        INFO_REQUESTED => ("Zahtevaj podatke", "Request information"),
        ACCEPTED_TRANSFER => ("Sprejmi v premestitev", "Accept for transfer"),
        ACCEPTED_MOBILE_TEAM => ("Sprejmi – mobilna ekipa", "Accept with mobile team"),
        DEFERRED_REASSESS => ("Odloži, ponovna ocena", "Defer and reassess"),
        DECLINED_WITH_ADVICE => ("Zavrni z nasvetom", "Decline with advice"),
        DECLINED_CONTRAINDICATED => ("Zavrni – kontraindikacija", "Decline – contraindicated"),
        REFERRED_ONWARD => ("Napoti v drug center", "Refer onward"),
        TRANSFER_SCHEDULED => ("Premestitev načrtovana", "Transfer scheduled"),
        IN_TRANSIT => ("Na poti", "In transit"),
        ARRIVED => ("Prispel", "Arrived"),
        TEAM_DISPATCHED => ("Ekipa odšla", "Team departed"),
        TEAM_ON_SITE => ("Ekipa na mestu", "Team on site"),
        CANNULATED => ("Kaniliran", "Cannulated"),
        NOT_CANNULATED_ON_SITE => ("Ni kaniliran", "Not cannulated"),
        ACCEPTED_ECPR => ("ECPR: sprejmi", "ECPR: accept"),
        DECLINED_ECPR => ("ECPR: zavrni", "ECPR: decline"),
        ECMO_STARTED => ("ECMO uveden", "ECMO started"),
        NOT_STARTED => ("ECMO ni uveden", "ECMO not started"),
        WITHDRAWN => ("Prekliči napotitev", "Withdraw"),
        FOLLOW_UP_PENDING => ("Čaka na izid", "Follow-up pending"),
        CLOSED => ("Zaključi", "Close"),
        other => return state_label(other, lang),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

pub fn reason_label(code: &str, lang: Lang) -> String {
    let (sl, en) = match code {
        "NOT_YET_INDICATED" => ("Še ni indicirano", "Not yet indicated"),
        "OPTIMISE_FIRST" => (
            "Najprej optimizirajte zdravljenje",
            "Optimise treatment first",
        ),
        "IRREVERSIBLE" => ("Ireverzibilno stanje", "Irreversible condition"),
        "CONTRAINDICATION_ANTICOAG" => (
            "Kontraindikacija za antikoagulacijo",
            "Contraindication to anticoagulation",
        ),
        "NEURO" => ("Nevrološka prognoza", "Neurological prognosis"),
        "MALIGNANCY" => ("Maligna bolezen", "Malignancy"),
        "FRAILTY_COMORBIDITY" => ("Krhkost, pridružene bolezni", "Frailty, comorbidity"),
        "TOO_LATE_MV_DURATION" => (
            "Predolga mehanska ventilacija",
            "Too long on mechanical ventilation",
        ),
        "NO_EXIT_STRATEGY" => ("Ni izhodne strategije", "No exit strategy"),
        "CAPACITY" => (
            "Ni zmogljivosti (postelja, ekipa)",
            "No capacity (bed, team)",
        ),
        "OTHER" | "other" => ("Drugo", "Other"),
        "improved" => ("Stanje se je izboljšalo", "Improved"),
        "deteriorated_or_died" => ("Poslabšanje ali smrt", "Deteriorated or died"),
        "treated_locally" => ("Zdravljen v matični bolnišnici", "Treated locally"),
        "other_centre" => ("Napoten drugam", "Referred elsewhere"),
        "family_declined" => ("Svojci ali bolnik odklanjajo", "Patient or family declined"),
        "entered_in_error" => ("Poslano pomotoma", "Entered in error"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

pub fn info_label(item: &str, lang: Lang) -> String {
    let (sl, en) = match item {
        "blood_gas" => (
            "Nova plinska analiza arterijske krvi",
            "A new arterial blood gas",
        ),
        "ventilator_settings" => ("Nastavitve ventilatorja", "Ventilator settings"),
        "chest_imaging" => ("RTG ali CT prsnega koša", "Chest X-ray or CT"),
        "echo" => ("Ultrazvok srca", "Echocardiography"),
        "laboratory" => (
            "Laboratorijski izvidi (laktat, koagulacija)",
            "Laboratory (lactate, coagulation)",
        ),
        "haemodynamics" => (
            "Hemodinamika in odmerki zdravil",
            "Haemodynamics and drug doses",
        ),
        "neurology" => ("Nevrološki status", "Neurological status"),
        "other" => ("Drugo (glejte sporočilo)", "Other (see the message)"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

pub fn trigger_label(item: &str, lang: Lang) -> String {
    let (sl, en) = match item {
        "pf_below_80" => (
            "P/F < 80 mmHg več kot 2 h po trebušnem položaju",
            "P/F < 80 mmHg for more than 2 h after proning",
        ),
        "ph_hypercapnia" => (
            "pH < 7,25 s PaCO2 ≥ 60 mmHg več kot 6 h",
            "pH < 7.25 with PaCO2 ≥ 60 mmHg for more than 6 h",
        ),
        "lactate_above_4" => ("Laktat > 4 mmol/L", "Lactate > 4 mmol/L"),
        "rising_support" => (
            "Naraščajoča potreba po vazopresorjih ali inotropih",
            "Rising vasopressor or inotrope need",
        ),
        "cardiac_arrest" => (
            "Srčni zastoj ali maligna motnja ritma",
            "Cardiac arrest or malignant arrhythmia",
        ),
        "other" => ("Drugo (glejte nasvet)", "Other (see the advice)"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

/// The audit trail's name for an action recorded on a referral; an action without a
/// label reads as its words (never an underscore).
pub fn audit_label(action: &str, lang: Lang) -> String {
    const LABELS: &[(&str, &str, &str)] = &[
        ("referral_submitted", "napotitev poslana", "referral sent"),
        ("referral_viewed", "napotitev odprta", "referral opened"),
        ("referral_acknowledged", "prejem potrjen", "acknowledged"),
        ("referral_transition", "sprememba stanja", "state changed"),
        ("referral_assigned", "dodeljena", "assigned"),
        ("referral_updated", "dopolnitev", "update added"),
        ("referral_message_posted", "sporočilo", "message posted"),
        ("referral_withdrawn", "preklicana", "withdrawn"),
        ("referral_followed", "spremljanje vklopljeno", "followed"),
        (
            "referral_unfollowed",
            "spremljanje izklopljeno",
            "unfollowed",
        ),
        (
            "referral_audit_exported",
            "revizijska sled izvožena",
            "audit trail exported",
        ),
        ("referral_escalated", "eskalacija", "escalated"),
        ("referral_review_due", "čas za ponovno oceno", "review due"),
        (
            "transfer_checklist_saved",
            "priprava na premestitev shranjena",
            "pre-transfer checklist saved",
        ),
    ];
    LABELS
        .iter()
        .find(|(key, _, _)| *key == action)
        .map(|(_, sl, en)| if lang == Lang::Sl { *sl } else { *en }.to_owned())
        .unwrap_or_else(|| action.replace('_', " "))
}

#[cfg(test)]
mod tests;
