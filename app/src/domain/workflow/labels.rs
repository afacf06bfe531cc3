//! The workflow's states, actions, reasons, requested items, triggers and audit actions in
//! both languages.
use super::*;

pub fn state_label(state: Status, lang: Lang) -> String {
    let (sl, en) = match state {
        Status::Submitted => ("Poslano", "Submitted"),
        Status::EcprAlert => ("ECPR alarm poslan", "ECPR alert sent"),
        Status::Acknowledged => ("Prejem potrjen", "Acknowledged"),
        Status::UnderConsultation => ("V obravnavi (posvet)", "Under consultation"),
        Status::InfoRequested => ("Zahtevani dodatni podatki", "Information requested"),
        Status::AcceptedTransfer => ("Sprejet v premestitev", "Accepted for transfer"),
        Status::TransferScheduled => ("Premestitev načrtovana", "Transfer scheduled"),
        Status::InTransit => ("Na poti v center", "In transit"),
        Status::Arrived => ("Prispel v center", "Arrived"),
        Status::AcceptedMobileTeam => (
            "Sprejet – pride mobilna ECMO ekipa",
            "Accepted – mobile ECMO team",
        ),
        Status::TeamDispatched => ("Mobilna ECMO ekipa na poti", "Mobile team on the way"),
        Status::TeamOnSite => ("Ekipa na mestu", "Team on site"),
        Status::Cannulated => ("Kaniliran", "Cannulated"),
        Status::NotCannulatedOnSite => ("Ni bil kaniliran na mestu", "Not cannulated on site"),
        Status::DeferredReassess => ("Ponovna ocena pozneje", "Deferred – reassess"),
        Status::DeclinedWithAdvice => ("Ni kandidat – podan nasvet", "Declined with advice"),
        Status::DeclinedContraindicated => (
            "Ni kandidat – kontraindikacija",
            "Declined – contraindicated",
        ),
        Status::ReferredOnward => ("Napoten v drug center", "Referred onward to another centre"),
        Status::Withdrawn => ("Preklicano", "Withdrawn"),
        Status::FollowUpPending => ("Čaka na izid", "Follow-up pending"),
        Status::Closed => ("Zaključeno", "Closed"),
        Status::AcceptedEcpr => ("ECPR sprejet", "ECPR accepted"),
        Status::DeclinedEcpr => ("ECPR zavrnjen", "ECPR declined"),
        Status::EcmoStarted => ("ECMO uveden", "ECMO started"),
        Status::NotStarted => ("ECMO ni bil uveden", "ECMO not started"),
    };
    match lang {
        Lang::Sl => sl.into(),
        Lang::En => en.into(),
    }
}

/// The button that moves a referral to `state`.
pub fn action_label(state: Status, lang: Lang) -> String {
    let (sl, en) = match state {
        Status::Acknowledged => ("Potrdi prejem", "Acknowledge"),
        Status::UnderConsultation => ("Začni posvet", "Start consultation"),
        Status::InfoRequested => ("Zahtevaj podatke", "Request information"),
        Status::AcceptedTransfer => ("Sprejmi v premestitev", "Accept for transfer"),
        Status::AcceptedMobileTeam => ("Sprejmi – mobilna ekipa", "Accept with mobile team"),
        Status::DeferredReassess => ("Odloži, ponovna ocena", "Defer and reassess"),
        Status::DeclinedWithAdvice => ("Zavrni z nasvetom", "Decline with advice"),
        Status::DeclinedContraindicated => {
            ("Zavrni – kontraindikacija", "Decline – contraindicated")
        }
        Status::ReferredOnward => ("Napoti v drug center", "Refer onward"),
        Status::TransferScheduled => ("Premestitev načrtovana", "Transfer scheduled"),
        Status::InTransit => ("Na poti", "In transit"),
        Status::Arrived => ("Prispel", "Arrived"),
        Status::TeamDispatched => ("Ekipa odšla", "Team departed"),
        Status::TeamOnSite => ("Ekipa na mestu", "Team on site"),
        Status::Cannulated => ("Kaniliran", "Cannulated"),
        Status::NotCannulatedOnSite => ("Ni kaniliran", "Not cannulated"),
        Status::AcceptedEcpr => ("ECPR: sprejmi", "ECPR: accept"),
        Status::DeclinedEcpr => ("ECPR: zavrni", "ECPR: decline"),
        Status::EcmoStarted => ("ECMO uveden", "ECMO started"),
        Status::NotStarted => ("ECMO ni uveden", "ECMO not started"),
        Status::Withdrawn => ("Prekliči napotitev", "Withdraw"),
        Status::FollowUpPending => ("Čaka na izid", "Follow-up pending"),
        Status::Closed => ("Zaključi", "Close"),
        Status::Submitted | Status::EcprAlert => return state_label(state, lang),
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
