//! The error of every server function, typed so that field errors arrive at the form and
//! each case tells the user what to do. Internals never cross the wire.
use crate::domain::fields::FieldErrors;
use crate::domain::i18n::Lang;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    SignIn,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("wrong email or password")]
    BadCredentials,
    #[error("account not active yet")]
    AccountPending,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Too many passwords being checked at once: come back in a moment.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error("request refused")]
    CrossSite,
    #[error("conflict")]
    Conflict,
    /// A referral cannot make this step: it is not allowed from its state, or the state
    /// changed since the actor looked (`changed`).
    #[error("transition refused")]
    Transition {
        status: crate::domain::workflow::Status,
        allowed: Vec<crate::domain::workflow::Status>,
        changed: bool,
    },
    #[error("internal error")]
    Internal,
    /// The request itself could not be made or read (network, encoding).
    #[error("request failed")]
    Request(String),
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            Self::SignIn | Self::BadCredentials => 401,
            Self::Forbidden | Self::CrossSite | Self::AccountPending => 403,
            Self::NotFound => 404,
            Self::Invalid(_) => 422,
            Self::TooManyAttempts { .. } => 429,
            Self::Conflict | Self::Transition { .. } => 409,
            Self::Internal => 500,
            Self::Busy { .. } => 503,
            Self::Request(_) => 400,
        }
    }

    /// A sentence that says what happened and what to do next.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::SignIn, Lang::En) => "Please sign in first.".into(),
            (Self::SignIn, Lang::Sl) => "Najprej se prijavite.".into(),
            (Self::Forbidden, Lang::En) => "Your account may not do this. If you need it, ask the ECMO centre's administrator.".into(),
            (Self::Forbidden, Lang::Sl) => "Vaš račun tega ne sme. Če to potrebujete, se obrnite na skrbnika ECMO centra.".into(),
            (Self::NotFound, Lang::En) => "Not found: it may have been removed.".into(),
            (Self::NotFound, Lang::Sl) => "Ni najdeno: morda je bilo odstranjeno.".into(),
            (Self::Invalid(_), Lang::En) => "Some fields need attention; see the messages beside them.".into(),
            (Self::Invalid(_), Lang::Sl) => "Nekatera polja je treba popraviti; glejte sporočila ob njih.".into(),
            (Self::BadCredentials, Lang::En) => "Wrong email or password. Check both, or reset your password.".into(),
            (Self::BadCredentials, Lang::Sl) => "Napačen e-naslov ali geslo. Preverite oboje ali ponastavite geslo.".into(),
            (Self::AccountPending, Lang::En) => "Your account is not active yet: confirm your email with the link we sent, then wait for the ECMO centre's administrator to approve it. Urgent patient? Phone the centre.".into(),
            (Self::AccountPending, Lang::Sl) => "Vaš račun še ni aktiven: potrdite e-naslov s povezavo, ki smo vam jo poslali, nato počakajte na odobritev skrbnika ECMO centra. Nujen bolnik? Pokličite center.".into(),
            (Self::TooManyAttempts { retry_after_secs }, Lang::En) => format!(
                "Too many failed sign-ins. Try again in {} min, or reset your password. For an urgent patient, phone the ECMO centre now.",
                minutes(*retry_after_secs)
            ),
            (Self::TooManyAttempts { retry_after_secs }, Lang::Sl) => format!(
                "Preveč neuspelih prijav. Poskusite znova čez {} min ali ponastavite geslo. Za nujnega bolnika takoj pokličite ECMO center.",
                minutes(*retry_after_secs)
            ),
            (Self::CrossSite, Lang::En) => "This request did not come from this site's own pages and was refused. Reload the page and try again.".into(),
            (Self::CrossSite, Lang::Sl) => "Zahteva ni prišla s strani tega spletišča in je bila zavrnjena. Osvežite stran in poskusite znova.".into(),
            (Self::Conflict, Lang::En) => "This was changed meanwhile (in another tab, on another device or by a colleague). Reload the page to see the latest, then try again.".into(),
            (Self::Conflict, Lang::Sl) => "Medtem je bilo spremenjeno (v drugem zavihku, na drugi napravi ali s strani kolega). Osvežite stran, da vidite zadnje stanje, in poskusite znova.".into(),
            (Self::Transition { status, changed: true, .. }, _) => {
                let now = crate::domain::workflow::state_label(*status, lang);
                match lang {
                    Lang::En => format!("A colleague changed this referral meanwhile: it is now «{now}». Nothing of yours was saved; reload it and decide again."),
                    Lang::Sl => format!("Kolega je napotitev medtem spremenil: zdaj je «{now}». Vaša sprememba ni bila shranjena; osvežite stran in se odločite znova."),
                }
            }
            (Self::Transition { status, allowed, changed: false }, _) => {
                let now = crate::domain::workflow::state_label(*status, lang);
                let next = if allowed.is_empty() {
                    match lang {
                        Lang::En => "none".to_owned(),
                        Lang::Sl => "nobeno".to_owned(),
                    }
                } else {
                    allowed
                        .iter()
                        .map(|s| crate::domain::workflow::state_label(*s, lang))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match lang {
                    Lang::En => format!("A referral that is «{now}» cannot make this step. Possible next steps: {next}."),
                    Lang::Sl => format!("Napotitev v stanju «{now}» ne more narediti tega koraka. Možni naslednji koraki: {next}."),
                }
            }
            (Self::Busy { retry_after_secs }, Lang::En) => format!(
                "The server is checking many sign-ins at once. Try again in {retry_after_secs} s. For an urgent patient, phone the ECMO centre now."
            ),
            (Self::Busy { retry_after_secs }, Lang::Sl) => format!(
                "Strežnik hkrati preverja veliko prijav. Poskusite znova čez {retry_after_secs} s. Za nujnega bolnika takoj pokličite ECMO center."
            ),
            (Self::Internal, Lang::En) => "The server could not complete this. Try again; if it keeps failing, phone the ECMO centre.".into(),
            (Self::Internal, Lang::Sl) => "Strežnik tega ni mogel dokončati. Poskusite znova; če se ponavlja, pokličite ECMO center.".into(),
            (Self::Request(_), Lang::En) => "The request could not be sent. Check the connection and try again.".into(),
            (Self::Request(_), Lang::Sl) => "Zahteve ni bilo mogoče poslati. Preverite povezavo in poskusite znova.".into(),
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Request(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// Logs the cause once, with the place of the operation that failed (the `?` that
    /// converted it), so that an operator can tell which query it was.
    #[track_caller]
    fn from(error: sqlx::Error) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(error = %error, operation = %format_args!("{}:{}", at.file(), at.line()), "database error");
        Self::Internal
    }
}
