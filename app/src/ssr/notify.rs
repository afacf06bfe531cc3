//! The notifications about referrals: who receives them and what they say. Every message
//! names the pathway, urgency, reference and hospital and links to the referral — never
//! the patient's name, birth date or number. Each has a plain-text and an HTML part, in
//! the recipient's language (both languages for a shared team address).
use super::outbox::NewMail;
use crate::domain::i18n::Lang;
use crate::domain::triage::{Evaluation, Pathway, Severity};
use html_escape::encode_text;

/// Someone to tell: an account (with its language) or a shared address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub user_id: Option<i64>,
    /// `None` for a shared address: both languages.
    pub lang: Option<Lang>,
}

impl Recipient {
    pub fn team(email: &str) -> Self {
        Self {
            email: email.to_owned(),
            user_id: None,
            lang: None,
        }
    }
}

/// What a notification is about.
#[derive(Clone, Debug)]
pub struct About<'a> {
    pub id: i64,
    pub reference: &'a str,
    pub hospital: &'a str,
    pub pathway: Pathway,
    pub evaluation: &'a Evaluation,
    pub acknowledge_min: u32,
    pub public_url: &'a str,
    /// Whom to call back and where they are, for the alerts to the centre: the callback
    /// number and the referring hospital and department are the hospital's, not the
    /// patient's.
    pub contact: &'a Contact,
}

/// How the on-call physician reaches the referring doctor without signing in first. The
/// ECPR form's free-text location is left out: it may be the street where the patient
/// collapsed, which identifies a home.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    pub callback_phone: Option<String>,
    /// A department of the referring hospital (a code of the checklist's choice).
    pub department: Option<String>,
}

impl Contact {
    /// Read from a referral's stored answers.
    pub fn from_data(data: &serde_json::Value) -> Self {
        let text = |key: &str| {
            data.get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != crate::domain::checklist::UNKNOWN)
                .map(str::to_owned)
        };
        Self {
            callback_phone: text("callback_phone"),
            department: text("department"),
        }
    }

    fn line(&self, hospital: &str, lang: Lang) -> Option<String> {
        let place = match &self.department {
            Some(code) => format!(
                "{hospital}, {}",
                crate::domain::labels::option_label(code, lang)
            ),
            None => hospital.to_owned(),
        };
        let phone = self.callback_phone.as_ref()?;
        Some(match lang {
            Lang::En => format!("Call back: {phone} ({place})"),
            Lang::Sl => format!("Pokličite: {phone} ({place})"),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// To the on-call physician (or the team when nobody is on call).
    NewReferral,
    /// Not acknowledged in time: to the backup (level 1) or the whole team (level 2).
    Escalation { level: u8, waited_min: u32 },
    /// To the administrators: a referral arrived when no shift covered the moment.
    NoShift,
    /// To the referrer: received, with the response target.
    Receipt,
    /// To the referrer: the centre has it.
    Acknowledged,
    /// To the other side of the thread: a new message.
    Message,
    /// To the referrer: the centre asks for more information.
    InfoRequested,
    /// To the clinician who asked: the referring hospital has added an update.
    InfoProvided,
    /// To the clinician who deferred: the referring hospital added an update meanwhile.
    DeferredUpdated,
    /// To the clinician who deferred (else the team): the review time has come.
    ReviewDue,
    /// To the referrer: the centre has decided (the state it moved the referral to).
    Decision {
        state: crate::domain::workflow::Status,
    },
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::NewReferral => "referral_submitted",
            Kind::Escalation { .. } => "referral_escalated",
            Kind::NoShift => "roster_gap",
            Kind::Receipt => "referral_receipt",
            Kind::Acknowledged => "referral_acknowledged",
            Kind::Message => "referral_message",
            Kind::InfoRequested => "referral_info_requested",
            Kind::InfoProvided => "referral_info_provided",
            Kind::Decision { .. } => "referral_decision",
            Kind::DeferredUpdated => "referral_deferred_updated",
            Kind::ReviewDue => "referral_review_due",
        }
    }
}

fn pathway_name(pathway: Pathway, lang: Lang) -> &'static str {
    match (pathway, lang) {
        (Pathway::Ecpr, Lang::En) => "ECPR alert",
        (Pathway::Ecpr, Lang::Sl) => "ECPR alarm",
        (Pathway::Va, Lang::En) => "VA-ECMO referral",
        (Pathway::Va, Lang::Sl) => "Napotitev VA-ECMO",
        (Pathway::Vv, Lang::En) => "VV-ECMO referral",
        (Pathway::Vv, Lang::Sl) => "Napotitev VV-ECMO",
    }
}

/// One language's subject, paragraphs, and the link with its label.
struct Text {
    subject: String,
    lines: Vec<String>,
    link: (String, String),
    action: Option<(String, String)>,
}

fn compose(kind: Kind, about: &About<'_>, ack_link: Option<&str>, lang: Lang) -> Text {
    let en = lang == Lang::En;
    let name = pathway_name(about.pathway, lang);
    let scai = about
        .evaluation
        .scai
        .map(|s| format!(" · SCAI {}", s.label()))
        .unwrap_or_default();
    let urgency = match (about.pathway, en) {
        (Pathway::Ecpr, true) => "URGENT · ".to_owned(),
        (Pathway::Ecpr, false) => "NUJNO · ".to_owned(),
        _ => String::new(),
    };
    let head = format!(
        "{urgency}{name} {}{scai} — {}",
        about.reference, about.hospital
    );
    let count = |s: Severity| {
        about
            .evaluation
            .flags
            .iter()
            .filter(|f| f.severity == s)
            .count()
    };
    let flags = if en {
        format!(
            "Flags: {} indications met, {} consult early, {} contraindications to discuss, {} cautions.",
            count(Severity::Indication),
            count(Severity::ConsultEarly),
            count(Severity::Contraindication),
            count(Severity::Caution)
        )
    } else {
        format!(
            "Zastavice: izpolnjenih indikacij {}, zgodnji posvet {}, kontraindikacij za pogovor {}, opozoril {}.",
            count(Severity::Indication),
            count(Severity::ConsultEarly),
            count(Severity::Contraindication),
            count(Severity::Caution)
        )
    };
    let url = format!("{}/referrals/{}", about.public_url, about.id);
    let open = (
        url.clone(),
        if en {
            "Open the referral"
        } else {
            "Odpri napotitev"
        }
        .to_owned(),
    );
    let ack = ack_link.map(|l| {
        (
            l.to_owned(),
            if en {
                "Acknowledge (sign-in needed)"
            } else {
                "Potrdi prejem (potrebna je prijava)"
            }
            .to_owned(),
        )
    });
    let minutes = about.acknowledge_min;
    let contact = about.contact.line(about.hospital, lang);
    match kind {
        Kind::NewReferral => Text {
            subject: head.clone(),
            lines: [
                Some(head),
                contact,
                Some(if en {
                    format!("Please acknowledge within {minutes} min and call the referring doctor back.")
                } else {
                    format!("Prosimo, potrdite prejem v {minutes} min in pokličite napotnega zdravnika.")
                }),
                Some(flags),
            ]
            .into_iter()
            .flatten()
            .collect(),
            link: open,
            action: ack,
        },
        Kind::Escalation { level, waited_min } => {
            let who = match (level, en) {
                (1, true) => "You are the backup on call.",
                (1, false) => "Ste nadomestni dežurni zdravnik.",
                (_, true) => "Neither the on-call physician nor the backup has acknowledged it.",
                (_, false) => "Ne dežurni ne nadomestni zdravnik še nista potrdila prejema.",
            };
            Text {
                subject: if en {
                    format!("NOT ACKNOWLEDGED after {waited_min} min: {head}")
                } else {
                    format!("NI POTRJENO po {waited_min} min: {head}")
                },
                lines: [
                    Some(head),
                    contact,
                    Some(who.to_owned()),
                    Some(if en {
                        format!("Nobody has acknowledged this referral for {waited_min} min. Please acknowledge it and call the referring doctor back now.")
                    } else {
                        format!("Prejema te napotitve nihče ni potrdil {waited_min} min. Prosimo, potrdite ga in takoj pokličite napotnega zdravnika.")
                    }),
                    Some(flags),
                ]
                .into_iter()
                .flatten()
                .collect(),
                link: open,
                action: ack,
            }
        }
        Kind::NoShift => Text {
            subject: if en {
                format!(
                    "Roster gap: {} arrived with nobody on call",
                    about.reference
                )
            } else {
                format!(
                    "Vrzel v razporedu: {} je prispela, ko ni bil nihče dežuren",
                    about.reference
                )
            },
            lines: vec![
                if en {
                    format!("{head} arrived when no on-call shift covered the moment. It was sent to the team address.")
                } else {
                    format!("{head} je prispela, ko je ni pokrival noben dežurni termin. Poslana je bila na naslov ekipe.")
                },
                if en {
                    "Please complete the on-call roster.".to_owned()
                } else {
                    "Prosimo, dopolnite razpored dežurstev.".to_owned()
                },
            ],
            link: (
                format!("{}/roster", about.public_url),
                if en {
                    "Open the roster"
                } else {
                    "Odpri razpored"
                }
                .to_owned(),
            ),
            action: None,
        },
        Kind::Receipt => Text {
            subject: if en {
                format!("Received: {} {}", name, about.reference)
            } else {
                format!("Prejeto: {} {}", name, about.reference)
            },
            lines: vec![
                if en {
                    format!("The ECMO centre has received your referral {}. The on-call ECMO physician has been told and should call you back within {minutes} min.", about.reference)
                } else {
                    format!("ECMO center je prejel vašo napotitev {}. Dežurni zdravnik ECMO je obveščen in naj bi vas poklical v {minutes} min.", about.reference)
                },
                if en {
                    "If the patient deteriorates, phone the centre.".to_owned()
                } else {
                    "Če se bolnikovo stanje poslabša, pokličite center.".to_owned()
                },
            ],
            link: open,
            action: None,
        },
        Kind::Acknowledged => Text {
            subject: if en {
                format!("Acknowledged: {} {}", name, about.reference)
            } else {
                format!("Potrjeno: {} {}", name, about.reference)
            },
            lines: vec![if en {
                format!("The on-call ECMO physician has acknowledged referral {} and will call you back.", about.reference)
            } else {
                format!(
                    "Dežurni zdravnik ECMO je potrdil prejem napotitve {} in vas bo poklical.",
                    about.reference
                )
            }],
            link: open,
            action: None,
        },
        Kind::Message => Text {
            subject: if en {
                format!("New message: {} {}", name, about.reference)
            } else {
                format!("Novo sporočilo: {} {}", name, about.reference)
            },
            lines: vec![if en {
                format!(
                    "There is a new message on referral {}. Open it to read and answer.",
                    about.reference
                )
            } else {
                format!("Pri napotitvi {} je novo sporočilo. Odprite jo, da ga preberete in odgovorite.", about.reference)
            }],
            link: open,
            action: None,
        },
        Kind::InfoRequested => Text {
            subject: if en {
                format!("Information requested: {} {}", name, about.reference)
            } else {
                format!("Zahtevani podatki: {} {}", name, about.reference)
            },
            lines: vec![if en {
                format!("The ECMO centre asks for more information on referral {}. Open it to see what is needed, then add an update.", about.reference)
            } else {
                format!("ECMO center za napotitev {} potrebuje dodatne podatke. Odprite jo, da vidite, kaj je potrebno, in jo dopolnite.", about.reference)
            }],
            link: open,
            action: None,
        },
        Kind::InfoProvided => Text {
            subject: if en {
                format!("Update received: {} {}", name, about.reference)
            } else {
                format!("Prejeta dopolnitev: {} {}", name, about.reference)
            },
            lines: vec![if en {
                format!("The referring hospital has added the update you requested to {}. It is back under consultation.", about.reference)
            } else {
                format!("Napotna bolnišnica je napotitev {} dopolnila, kot ste zahtevali. Znova je v obravnavi.", about.reference)
            }],
            link: open,
            action: None,
        },
        Kind::DeferredUpdated => Text {
            subject: if en {
                format!("Update on a deferred referral: {head}")
            } else {
                format!("Dopolnitev odložene napotitve: {head}")
            },
            lines: vec![if en {
                format!("The referring hospital has added an update to {}, which you deferred. Check it against the re-referral triggers.", about.reference)
            } else {
                format!("Napotna bolnišnica je dopolnila napotitev {}, ki ste jo odložili. Preverite jo glede na merila za ponovno napotitev.", about.reference)
            }],
            link: open,
            action: None,
        },
        Kind::ReviewDue => Text {
            subject: if en {
                format!("Review due: {head}")
            } else {
                format!("Čas za ponovno oceno: {head}")
            },
            lines: vec![if en {
                format!("The time set to reassess deferred referral {} has come. Open it and decide, or call the referring doctor.", about.reference)
            } else {
                format!("Napočil je čas za ponovno oceno odložene napotitve {}. Odprite jo in se odločite ali pokličite napotnega zdravnika.", about.reference)
            }],
            link: open,
            action: None,
        },
        Kind::Decision { state } => {
            let label = crate::domain::workflow::state_label(state, lang);
            Text {
                subject: if en {
                    format!("Decision: {label} — {} {}", name, about.reference)
                } else {
                    format!("Odločitev: {label} — {} {}", name, about.reference)
                },
                lines: vec![
                    if en {
                        format!(
                            "The ECMO centre has decided on referral {}: {label}.",
                            about.reference
                        )
                    } else {
                        format!(
                            "ECMO center se je odločil o napotitvi {}: {label}.",
                            about.reference
                        )
                    },
                    if en {
                        "Open the referral for the reasons, the advice and what to prepare. Phone the centre with any question.".to_owned()
                    } else {
                        "Odprite napotitev za obrazložitev, nasvete in navodila za pripravo. Z vprašanji pokličite center.".to_owned()
                    },
                ],
                link: open,
                action: None,
            }
        }
    }
}

fn plain(text: &Text) -> String {
    let mut out = text.lines.join("\n");
    if let Some((url, label)) = &text.action {
        out.push_str(&format!("\n\n{label}:\n{url}"));
    }
    out.push_str(&format!("\n\n{}:\n{}\n", text.link.1, text.link.0));
    out
}

fn html(text: &Text) -> String {
    let mut out = String::new();
    for line in &text.lines {
        out.push_str(&format!("<p>{}</p>", encode_text(line)));
    }
    if let Some((url, label)) = &text.action {
        out.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#0b4f6c;color:#ffffff;text-decoration:none;border-radius:6px\">{}</a></p>",
            encode_text(url),
            encode_text(label)
        ));
    }
    out.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>",
        encode_text(&text.link.0),
        encode_text(&text.link.1)
    ));
    out
}

/// The message for one recipient. `ack_link` is the recipient's own acknowledgement link.
pub fn mail(kind: Kind, about: &About<'_>, to: &Recipient, ack_link: Option<&str>) -> NewMail {
    let langs: Vec<Lang> = match to.lang {
        Some(lang) => vec![lang],
        None => vec![Lang::Sl, Lang::En],
    };
    let texts: Vec<Text> = langs
        .iter()
        .map(|lang| compose(kind, about, ack_link, *lang))
        .collect();
    let subject = texts
        .iter()
        .map(|t| t.subject.clone())
        .collect::<Vec<_>>()
        .join(" / ");
    let body_text = texts
        .iter()
        .map(plain)
        .collect::<Vec<_>>()
        .join("\n----\n\n");
    let body_html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{}</body></html>",
        texts.iter().map(html).collect::<Vec<_>>().join("<hr>")
    );
    NewMail {
        kind: kind.code().into(),
        lane: match kind {
            Kind::NewReferral | Kind::Escalation { .. } => crate::ssr::outbox::Lane::Alert,
            _ => crate::ssr::outbox::Lane::Clinical,
        },
        recipient: to.email.clone(),
        subject,
        body_text,
        body_html: Some(body_html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::triage::{Flag, Scai, ScaiStage};

    fn about<'a>(evaluation: &'a Evaluation, contact: &'a Contact) -> About<'a> {
        About {
            id: 7,
            reference: "ECMO-2026-0007",
            hospital: "SB Celje",
            pathway: Pathway::Va,
            evaluation,
            acknowledge_min: 10,
            public_url: "https://ecmo.example",
            contact,
        }
    }

    #[test]
    fn a_clinician_gets_their_language_with_both_parts_and_their_link() {
        let evaluation = Evaluation {
            scai: Some(Scai {
                stage: ScaiStage::D,
                arrest_with_coma: false,
            }),
            flags: vec![Flag {
                id: "VA-T1".into(),
                severity: Severity::Indication,
                source: String::new(),
            }],
            ..Evaluation::default()
        };
        let to = Recipient {
            email: "oncall@centre.test".into(),
            user_id: Some(1),
            lang: Some(Lang::En),
        };
        let m = mail(
            Kind::NewReferral,
            &about(&evaluation, &Contact::default()),
            &to,
            Some("https://ecmo.example/referrals/7/acknowledge?token=abc"),
        );
        assert_eq!(
            m.subject,
            "VA-ECMO referral ECMO-2026-0007 · SCAI D — SB Celje"
        );
        assert!(m.body_text.contains("within 10 min"));
        assert!(m.body_text.contains("1 indications met"));
        assert!(m.body_text.contains("token=abc"));
        assert!(m
            .body_html
            .as_deref()
            .unwrap()
            .contains("href=\"https://ecmo.example/referrals/7/acknowledge?token=abc\""));
        assert!(!m.body_text.contains("Napotitev"));
    }

    #[test]
    fn a_team_address_gets_both_languages() {
        let evaluation = Evaluation::default();
        let m = mail(
            Kind::Escalation {
                level: 2,
                waited_min: 30,
            },
            &about(&evaluation, &Contact::default()),
            &Recipient::team("team@centre.test"),
            None,
        );
        assert!(m.subject.starts_with("NI POTRJENO po 30 min"));
        assert!(m.subject.contains(" / NOT ACKNOWLEDGED after 30 min"));
        assert_eq!(m.kind, "referral_escalated");
    }

    #[test]
    fn alerts_to_the_centre_say_whom_to_call_and_where_but_not_the_receipt() {
        let evaluation = Evaluation::default();
        let data = serde_json::json!({
            "callback_phone": "+386 3 423 3000",
            "department": "icu",
            "patient_name": "Janez Novak",
        });
        let contact = Contact::from_data(&data);
        let to = Recipient {
            email: "oncall@centre.test".into(),
            user_id: Some(1),
            lang: Some(Lang::Sl),
        };
        let alert = mail(Kind::NewReferral, &about(&evaluation, &contact), &to, None);
        assert!(alert
            .body_text
            .contains("Pokličite: +386 3 423 3000 (SB Celje, enota intenzivne terapije (EIT))"));
        assert!(!alert.body_text.contains("Novak"));
        let receipt = mail(Kind::Receipt, &about(&evaluation, &contact), &to, None);
        assert!(!receipt.body_text.contains("423 3000"));

        let ecpr = Contact::from_data(
            &serde_json::json!({"callback_phone": "041 123 456", "location": "Mariborska 7, Celje"}),
        );
        let escalation = mail(
            Kind::Escalation {
                level: 1,
                waited_min: 5,
            },
            &about(&evaluation, &ecpr),
            &Recipient::team("team@centre.test"),
            None,
        );
        assert!(escalation
            .body_text
            .contains("Call back: 041 123 456 (SB Celje)"));
        assert!(!escalation.body_text.contains("Mariborska"));
        let nothing = Contact::from_data(&serde_json::json!({"callback_phone": "unknown"}));
        assert_eq!(nothing, Contact::default());
    }
}
