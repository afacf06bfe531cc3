//! Accounts, hospitals and the account forms as they cross the wire between the pages,
//! the server functions and the services; and the pure helpers that read their fields.
use crate::domain::account::Role;
use crate::domain::i18n::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct HospitalOption {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HospitalRecord {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub icu_phone: String,
    /// Comma-separated, lower-case.
    pub email_domains: String,
    pub active: bool,
    /// Still as seeded from the specification's list: the centre should confirm it.
    pub seeded: bool,
}

impl HospitalRecord {
    /// Whether an address belongs to one of the hospital's email domains (exactly, or a
    /// subdomain of one).
    pub fn accepts_email(&self, email: &str) -> bool {
        let Some((_, domain)) = email.rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_lowercase();
        self.email_domains
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    }
}

/// Normalises a list of email domains typed by an administrator ("a.si, b.si" or one per
/// line) into the stored comma-separated form; refuses anything that is not a domain.
#[allow(clippy::result_unit_err)]
pub fn parse_domains(text: &str) -> Result<String, ()> {
    let mut domains = Vec::new();
    for raw in text.split([',', ' ', '\n', '\r', ';']) {
        let domain = raw.trim().trim_start_matches('@').to_lowercase();
        if domain.is_empty() {
            continue;
        }
        let labels_ok = domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
        });
        if !domain.contains('.') || !labels_ok || domain.len() > 253 {
            return Err(());
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    Ok(domains.join(","))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub roles: Vec<Role>,
    pub hospital_id: Option<i64>,
    pub hospital_name: Option<String>,
    pub active: bool,
    pub email_confirmed: bool,
    pub approved: bool,
    pub invitation_pending: bool,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct RegistrationInput {
    pub email: String,
    pub name: String,
    pub phone: String,
    pub hospital_id: Option<i64>,
    pub password: String,
    pub password_confirm: String,
    pub language: Lang,
}

#[derive(Clone, Debug)]
pub struct InvitationInput {
    pub email: String,
    pub name: String,
    pub phone: String,
    pub roles: Vec<Role>,
    pub hospital_id: Option<i64>,
    pub language: Lang,
}

#[derive(Clone, Debug)]
pub struct ProfileInput {
    pub name: String,
    pub phone: String,
    pub language: Lang,
}

#[derive(Clone, Debug)]
pub struct RolesInput {
    pub user_id: i64,
    pub roles: Vec<Role>,
    pub hospital_id: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct HospitalInput {
    pub id: Option<i64>,
    pub name: String,
    pub city: String,
    pub icu_phone: String,
    pub email_domains: String,
    pub active: bool,
}

/// The role choices of the admin forms: one select instead of checkboxes.
pub const ROLE_CHOICES: &[&str] = &[
    "referrer",
    "ecmo_clinician",
    "admin",
    "admin,ecmo_clinician",
];

/// The choice of [`ROLE_CHOICES`] that names exactly `roles` (in any order), so that the
/// role list shows what a user holds and "Change" never demotes them by accident.
pub fn role_choice(roles: &[Role]) -> Option<&'static str> {
    let held = crate::domain::account::roles_to_csv(roles);
    ROLE_CHOICES.iter().copied().find(|choice| {
        crate::domain::account::roles_to_csv(&crate::domain::account::roles_from_csv(choice))
            == held
    })
}

pub fn parse_language(code: &str) -> Lang {
    if code == "en" {
        Lang::En
    } else {
        Lang::Sl
    }
}

/// The retention policy as administrators see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetentionView {
    /// Unsent drafts are deleted this many days after their last change; none: kept.
    pub draft_days: Option<u32>,
    /// When the purge runs next, in the centre's time, once it has run.
    pub next_run_local: Option<String>,
}
