//! Accounts as the pages see them: the data that crosses the wire and the server functions
//! behind the account pages. Each server function is thin: read the form, call one service
//! in `ssr::accounts::service`, map the error.
use crate::domain::account::CurrentUser;
#[cfg(feature = "ssr")]
use crate::domain::account::Role;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::request;
pub use crate::wire::accounts::*;

/// The signed-in user, rendered into the first HTML and read back by the browser.
pub fn use_current_user() -> Option<CurrentUser> {
    if let Some(user) = use_context::<CurrentUserContext>() {
        return user.0;
    }
    let user = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            request::identity().user
        }
        #[cfg(not(feature = "ssr"))]
        {
            None
        }
    })
    .into_inner();
    provide_context(CurrentUserContext(user.clone()));
    user
}

#[derive(Clone, Debug)]
struct CurrentUserContext(Option<CurrentUser>);

#[cfg(feature = "ssr")]
fn parse_id(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    use crate::domain::fields::{FieldError, FieldErrors};
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| FieldErrors::single(field, FieldError::NotAWholeNumber).into())
}

#[cfg(feature = "ssr")]
fn parse_roles(text: &str) -> Vec<Role> {
    crate::domain::account::roles_from_csv(text)
}

/// Only a path on this site, never another host: a single `/` followed by anything but
/// `/` or `\`, with no backslash and no control character anywhere — checked as given and
/// once more percent-decoded (browsers strip tabs and newlines and read `\` as `/`, so
/// `/\t/evil.example` would leave the site). Anything else is the home page.
pub fn safe_next(next: &str) -> String {
    fn local_path(path: &str) -> bool {
        let mut chars = path.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !path.chars().any(|c| c == '\\' || c.is_control())
    }
    /// Kept as they are: ASCII that may stand in a URL. Everything else (spaces, quotes,
    /// non-ASCII letters) is percent-encoded, so the `Location` header is a valid URL.
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'^');
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8_lossy();
    if local_path(next) && local_path(&decoded) {
        percent_encoding::utf8_percent_encode(next, ENCODED).to_string()
    } else {
        "/".to_owned()
    }
}

#[server(endpoint = "account/sign-in")]
pub async fn sign_in(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] next: Option<String>,
) -> Result<String, AppError> {
    use crate::ssr::accounts::devices;
    let accounts = request::accounts()?;
    let session = request::session().await?;
    let identity = request::identity();
    let device = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(devices::token_from)
            .map(str::to_owned)
    });
    let result = accounts
        .sign_in(
            &session,
            &identity,
            &email,
            secrecy::SecretString::from(password),
            device.as_deref(),
        )
        .await
        .map(|(_, token)| {
            let secure = accounts.config.public_url.starts_with("https:");
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                if let Ok(value) = http::HeaderValue::from_str(&devices::cookie(&token, secure)) {
                    response.append_header(http::header::SET_COOKIE, value);
                }
            }
            safe_next(next.as_deref().unwrap_or("/"))
        });
    if let Ok(path) = &result {
        request::redirect_form(path);
    }
    request::respond(result)
}

#[server(endpoint = "account/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let accounts = request::accounts()?;
    let session = request::session().await?;
    let result = accounts.sign_out(&session, &request::identity()).await;
    request::answer(result, "/")
}

#[server(endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let accounts = request::accounts()?;
    let session = request::session().await?;
    let result = accounts
        .sign_out_everywhere(&session, &request::identity())
        .await;
    request::answer(result, "/login?signed_out=everywhere")
}

#[server(endpoint = "account/hospitals")]
pub async fn hospital_options() -> Result<Vec<HospitalOption>, AppError> {
    request::accounts()?.hospital_options().await
}

#[server(endpoint = "account/register")]
pub async fn register(
    #[server(default)] email: String,
    #[server(default)] name: String,
    #[server(default)] phone: String,
    #[server(default)] hospital_id: String,
    #[server(default)] password: String,
    #[server(default)] password_confirm: String,
    #[server(default)] language: String,
) -> Result<(), AppError> {
    let result = async {
        let accounts = request::accounts()?;
        let input = RegistrationInput {
            email,
            name,
            phone,
            hospital_id: parse_id("hospital_id", &hospital_id)?,
            password,
            password_confirm,
            language: parse_language(&language),
        };
        accounts.register(&request::identity(), input).await
    }
    .await;
    request::answer(result, "/register?sent=1")
}

#[server(endpoint = "account/confirm")]
pub async fn confirm_email(#[server(default)] token: String) -> Result<bool, AppError> {
    let result = async {
        request::accounts()?
            .confirm_email(&request::identity(), &token)
            .await
    }
    .await;
    if let Ok(pending) = result {
        request::redirect_form(if pending {
            "/account/confirm?done=pending"
        } else {
            "/account/confirm?done=active"
        });
    }
    request::respond(result)
}

#[server(endpoint = "account/accept-invitation")]
pub async fn accept_invitation(
    #[server(default)] token: String,
    #[server(default)] password: String,
    #[server(default)] password_confirm: String,
) -> Result<(), AppError> {
    use crate::ssr::accounts::tokens::Purpose;
    let result = async {
        request::accounts()?
            .set_password_with_link(
                &request::identity(),
                &token,
                Purpose::Invitation,
                password,
                password_confirm,
            )
            .await
    }
    .await;
    request::answer(result, "/login?password_set=1")
}

#[server(endpoint = "account/forgot")]
pub async fn forgot_password(#[server(default)] email: String) -> Result<(), AppError> {
    let result = async {
        request::accounts()?
            .request_password_reset(&request::identity(), &email)
            .await
    }
    .await;
    request::answer(result, "/account/forgot?sent=1")
}

#[server(endpoint = "account/reset")]
pub async fn reset_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
    #[server(default)] password_confirm: String,
) -> Result<(), AppError> {
    use crate::ssr::accounts::tokens::Purpose;
    let result = async {
        request::accounts()?
            .set_password_with_link(
                &request::identity(),
                &token,
                Purpose::PasswordReset,
                password,
                password_confirm,
            )
            .await
    }
    .await;
    request::answer(result, "/login?password_set=1")
}

#[server(endpoint = "account/profile")]
pub async fn update_profile(
    #[server(default)] name: String,
    #[server(default)] phone: String,
    #[server(default)] language: String,
) -> Result<(), AppError> {
    let result = async {
        let input = ProfileInput {
            name,
            phone,
            language: parse_language(&language),
        };
        request::accounts()?
            .update_profile(&request::identity(), input)
            .await
    }
    .await;
    request::answer(result, "/profile?saved=1")
}

#[server(endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    let result = async {
        let users = request::accounts()?.users(&request::identity()).await?;
        Ok(users.iter().map(|u| u.summary()).collect())
    }
    .await;
    request::respond(result)
}

#[server(endpoint = "admin/invite")]
pub async fn invite_user(
    #[server(default)] email: String,
    #[server(default)] name: String,
    #[server(default)] phone: String,
    #[server(default)] role: String,
    #[server(default)] hospital_id: String,
    #[server(default)] language: String,
) -> Result<i64, AppError> {
    let result = async {
        let input = InvitationInput {
            email,
            name,
            phone,
            roles: parse_roles(&role),
            hospital_id: parse_id("hospital_id", &hospital_id)?,
            language: parse_language(&language),
        };
        request::accounts()?
            .invite(&request::identity(), input)
            .await
    }
    .await;
    request::answer(result, "/admin/users?invited=1")
}

#[server(endpoint = "admin/user-active")]
pub async fn set_user_active(
    #[server(default)] user_id: String,
    #[server(default)] active: String,
) -> Result<(), AppError> {
    let result = async {
        let id = parse_id("user_id", &user_id)?.ok_or(AppError::NotFound)?;
        request::accounts()?
            .set_active(&request::identity(), id, active == "true")
            .await
    }
    .await;
    request::answer(result, "/admin/users")
}

#[server(endpoint = "admin/user-approve")]
pub async fn approve_user(#[server(default)] user_id: String) -> Result<(), AppError> {
    let result = async {
        let id = parse_id("user_id", &user_id)?.ok_or(AppError::NotFound)?;
        request::accounts()?.approve(&request::identity(), id).await
    }
    .await;
    request::answer(result, "/admin/users")
}

#[server(endpoint = "admin/user-roles")]
pub async fn change_roles(
    #[server(default)] user_id: String,
    #[server(default)] role: String,
    #[server(default)] hospital_id: String,
) -> Result<(), AppError> {
    let result = async {
        let input = RolesInput {
            user_id: parse_id("user_id", &user_id)?.ok_or(AppError::NotFound)?,
            roles: parse_roles(&role),
            hospital_id: parse_id("hospital_id", &hospital_id)?,
        };
        request::accounts()?
            .set_roles(&request::identity(), input)
            .await
    }
    .await;
    request::answer(result, "/admin/users")
}

/// The hospitals with every field, and whether self-registration needs approval.
#[server(endpoint = "admin/hospitals")]
pub async fn list_hospitals() -> Result<(Vec<HospitalRecord>, bool), AppError> {
    let result = async { request::accounts()?.hospitals(&request::identity()).await }.await;
    request::respond(result)
}

#[server(endpoint = "admin/hospital")]
pub async fn save_hospital(
    #[server(default)] id: String,
    #[server(default)] name: String,
    #[server(default)] city: String,
    #[server(default)] icu_phone: String,
    #[server(default)] email_domains: String,
    #[server(default)] active: Option<String>,
) -> Result<i64, AppError> {
    let result = async {
        let input = HospitalInput {
            id: parse_id("id", &id)?,
            name,
            city,
            icu_phone,
            email_domains,
            active: active.is_some_and(|v| v == "on" || v == "true"),
        };
        request::accounts()?
            .save_hospital(&request::identity(), input)
            .await
    }
    .await;
    request::answer(result, "/admin/hospitals?saved=1")
}

#[server(endpoint = "admin/registration-approval")]
pub async fn set_registration_approval(
    #[server(default)] required: Option<String>,
) -> Result<(), AppError> {
    let result = async {
        let required = required.is_some_and(|v| v == "on" || v == "true");
        request::accounts()?
            .set_requires_approval(&request::identity(), required)
            .await
    }
    .await;
    request::answer(result, "/admin/hospitals?saved=1")
}

/// The retention policy in force, for the administrators' page.
#[server(endpoint = "admin/retention")]
pub async fn retention_policy() -> Result<RetentionView, AppError> {
    let result = async {
        crate::ssr::accounts::service::authorize(
            &request::identity(),
            crate::domain::policy::Action::ManageUsers,
        )?;
        let retention = use_context::<crate::ssr::retention::Retention>().unwrap_or_default();
        Ok(RetentionView {
            draft_days: retention.draft_days,
            next_run_local: retention.next_run_ms().map(crate::ssr::time::local_display),
        })
    }
    .await;
    request::respond(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hospital(domains: &str) -> HospitalRecord {
        HospitalRecord {
            id: 1,
            name: "SB Celje".into(),
            city: String::new(),
            icu_phone: String::new(),
            email_domains: domains.into(),
            active: true,
            seeded: false,
        }
    }

    #[test]
    fn the_role_list_shows_the_roles_a_user_holds_in_any_order() {
        use crate::domain::account::Role::{Admin, EcmoClinician, Referrer};
        assert_eq!(
            role_choice(&[EcmoClinician, Admin]),
            Some("admin,ecmo_clinician")
        );
        assert_eq!(
            role_choice(&[Admin, EcmoClinician]),
            Some("admin,ecmo_clinician")
        );
        assert_eq!(role_choice(&[Admin]), Some("admin"));
        assert_eq!(role_choice(&[Referrer]), Some("referrer"));
        assert_eq!(role_choice(&[Referrer, Admin]), None);
    }

    #[test]
    fn email_domains_match_exactly_or_as_subdomains() {
        let h = hospital("sb-celje.si,ekipa.example");
        assert!(h.accepts_email("ana@sb-celje.si"));
        assert!(h.accepts_email("ana@SB-CELJE.SI"));
        assert!(h.accepts_email("ana@mail.sb-celje.si"));
        assert!(!h.accepts_email("ana@evil-sb-celje.si"));
        assert!(!h.accepts_email("ana@sb-celje.si.evil.com"));
        assert!(!h.accepts_email("ana@gmail.com"));
        assert!(!hospital("").accepts_email("ana@sb-celje.si"));
    }

    #[test]
    fn domain_lists_are_normalised_and_checked() {
        assert_eq!(
            parse_domains(" SB-Celje.si, @ekipa.example\nsb-celje.si"),
            Ok("sb-celje.si,ekipa.example".into())
        );
        assert_eq!(parse_domains(""), Ok(String::new()));
        assert_eq!(parse_domains("localhost"), Err(()));
        assert_eq!(parse_domains("a_b.si"), Err(()));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/admin/users"), "/admin/users");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/%09/evil.example"), "/");
        assert_eq!(safe_next("/%2F/evil.example"), "/");
        assert_eq!(safe_next("/%5Cevil.example"), "/");
        assert_eq!(safe_next("/queue\n"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/"), "/");
        assert_eq!(
            safe_next("/referrals/12?tab=messages"),
            "/referrals/12?tab=messages"
        );
        assert_eq!(safe_next("/čakalna vrsta"), "/%C4%8Dakalna%20vrsta");
        // Every single byte after the slash: never a panic, never another host.
        for byte in 0u8..=255 {
            let next = format!("/{}x", byte as char);
            let safe = safe_next(&next);
            assert!(safe.starts_with('/') && !safe.starts_with("//"), "{byte}");
            assert!(
                !safe.chars().any(char::is_control) && safe.is_ascii(),
                "{byte}"
            );
            let encoded = format!("/%{byte:02X}x");
            assert!(!safe_next(&encoded).starts_with("//"), "{byte}");
        }
    }
}
