//! The account emails, in the recipient's language, as plain text and HTML. They carry a
//! link and nothing about any patient.
use super::AccountConfig;
use crate::domain::i18n::Lang;
use html_escape::{encode_double_quoted_attribute, encode_text};

pub struct Mail {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Paragraphs and one call-to-action link, rendered both ways.
fn compose(
    kind: &'static str,
    subject: &str,
    paragraphs: &[String],
    action: &str,
    link: &str,
    lang: Lang,
) -> Mail {
    let footer = match lang {
        Lang::Sl => "To sporočilo je poslal sistem ECMO Referral. Če ga niste pričakovali, ga lahko prezrete.",
        Lang::En => "This message was sent by ECMO Referral. If you did not expect it, you can ignore it.",
    };
    let mut text = String::new();
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(&format!("{action}:\n{link}\n\n-- \n{footer}\n"));
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for p in paragraphs {
        html.push_str(&format!("<p>{}</p>", encode_text(p)));
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><p style=\"color:#555;font-size:90%\">{}</p></body></html>",
        encode_double_quoted_attribute(link),
        encode_text(action),
        encode_text(footer)
    ));
    Mail {
        kind,
        subject: subject.to_owned(),
        text,
        html,
    }
}

fn hours(duration: std::time::Duration) -> u64 {
    duration.as_secs().div_ceil(3600)
}

pub fn invitation(lang: Lang, config: &AccountConfig, name: &str, token: &str) -> Mail {
    let link = config.link(&format!("/account/invitation?token={token}"));
    let h = hours(config.invitation_ttl);
    match lang {
        Lang::Sl => compose(
            "account_invitation",
            "Povabilo v ECMO Referral",
            &[
                format!("Pozdravljeni, {name},"),
                "ECMO center vas vabi k uporabi sistema ECMO Referral za napotitve in posvete."
                    .into(),
                format!(
                    "Povezava velja {h} ur in jo lahko uporabite enkrat: z njo si nastavite geslo."
                ),
            ],
            "Nastavite geslo",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_invitation",
            "Your invitation to ECMO Referral",
            &[
                format!("Hello {name},"),
                "The ECMO centre invites you to use ECMO Referral for referrals and consultations."
                    .into(),
                format!(
                    "The link is valid for {h} hours and works once: use it to set your password."
                ),
            ],
            "Set your password",
            &link,
            lang,
        ),
    }
}

pub fn confirm_email(lang: Lang, config: &AccountConfig, token: &str) -> Mail {
    let link = config.link(&format!("/account/confirm?token={token}"));
    let h = hours(config.confirmation_ttl);
    match lang {
        Lang::Sl => compose(
            "account_confirm_email",
            "Potrdite e-naslov za ECMO Referral",
            &[
                "Prejeli smo registracijo za ta e-naslov.".into(),
                format!("Potrdite ga s povezavo (velja {h} ur). Če to ni bila vaša registracija, sporočilo prezrite."),
            ],
            "Potrdite e-naslov",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_confirm_email",
            "Confirm your email for ECMO Referral",
            &[
                "We received a registration for this email address.".into(),
                format!("Confirm it with the link (valid for {h} hours). If you did not register, ignore this message."),
            ],
            "Confirm your email",
            &link,
            lang,
        ),
    }
}

pub fn already_registered(lang: Lang, config: &AccountConfig) -> Mail {
    let link = config.link("/account/forgot");
    match lang {
        Lang::Sl => compose(
            "account_already_registered",
            "Račun za ECMO Referral že obstaja",
            &[
                "Nekdo se je poskusil registrirati s tem e-naslovom, a zanj račun že obstaja."
                    .into(),
                "Če ste pozabili geslo, ga lahko ponastavite.".into(),
            ],
            "Ponastavite geslo",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_already_registered",
            "You already have an ECMO Referral account",
            &[
                "Someone tried to register with this email address, which already has an account."
                    .into(),
                "If you forgot your password, you can reset it.".into(),
            ],
            "Reset your password",
            &link,
            lang,
        ),
    }
}

pub fn password_reset(lang: Lang, config: &AccountConfig, token: &str) -> Mail {
    let link = config.link(&format!("/account/reset?token={token}"));
    let minutes = config.reset_ttl.as_secs().div_ceil(60);
    match lang {
        Lang::Sl => compose(
            "account_password_reset",
            "Ponastavitev gesla za ECMO Referral",
            &[
                format!("S povezavo si nastavite novo geslo. Velja {minutes} minut in jo lahko uporabite enkrat."),
                "Če ponastavitve niste zahtevali, sporočilo prezrite: vaše geslo ostane nespremenjeno.".into(),
            ],
            "Nastavite novo geslo",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_password_reset",
            "Reset your ECMO Referral password",
            &[
                format!("Use the link to set a new password. It is valid for {minutes} minutes and works once."),
                "If you did not ask for this, ignore this message: your password stays as it is.".into(),
            ],
            "Set a new password",
            &link,
            lang,
        ),
    }
}

pub fn approval_needed(lang: Lang, config: &AccountConfig) -> Mail {
    let link = config.link("/admin/users");
    match lang {
        Lang::Sl => compose(
            "account_approval_needed",
            "Nov račun čaka na odobritev",
            &["Napotni zdravnik je potrdil e-naslov in čaka na vašo odobritev.".into()],
            "Odprite seznam uporabnikov",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_approval_needed",
            "A new account is waiting for approval",
            &[
                "A referring physician confirmed their email and is waiting for your approval."
                    .into(),
            ],
            "Open the user list",
            &link,
            lang,
        ),
    }
}

pub fn account_approved(lang: Lang, config: &AccountConfig) -> Mail {
    let link = config.link("/login");
    match lang {
        Lang::Sl => compose(
            "account_approved",
            "Vaš račun za ECMO Referral je odobren",
            &["Skrbnik ECMO centra je odobril vaš račun. Zdaj se lahko prijavite.".into()],
            "Prijava",
            &link,
            lang,
        ),
        Lang::En => compose(
            "account_approved",
            "Your ECMO Referral account is approved",
            &[
                "The ECMO centre's administrator approved your account. You can sign in now."
                    .into(),
            ],
            "Sign in",
            &link,
            lang,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn config() -> AccountConfig {
        AccountConfig {
            public_url: "https://ecmo.example.org".into(),
            message_id_domain: "ecmo.example.org".into(),
            idle_timeout: Duration::from_secs(7200),
            absolute_timeout: Duration::from_secs(3600),
            max_failures: 10,
            lockout: Duration::from_secs(900),
            invitation_ttl: Duration::from_secs(72 * 3600),
            confirmation_ttl: Duration::from_secs(24 * 3600),
            reset_ttl: Duration::from_secs(3600),
        }
    }

    #[test]
    fn names_are_escaped_in_html_and_links_are_absolute() {
        let mail = invitation(Lang::En, &config(), "<b>Ana</b>", "tok");
        assert!(mail.html.contains("&lt;b&gt;Ana&lt;/b&gt;"));
        assert!(!mail.html.contains("<b>Ana"));
        assert!(mail
            .text
            .contains("https://ecmo.example.org/account/invitation?token=tok"));
        assert!(mail.text.contains("72 hours"));
    }
}
