//! The frame around every page: the centre's phone number, navigation, the language
//! switch and, on demonstration installations, a banner that says so.
use crate::accounts::use_current_user;
use crate::accounts::SignOut;
use crate::components::forms::tr;
use crate::domain::policy::{permits, Action};
use crate::i18n::*;
use crate::site::{use_site_info, SiteInfo};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let info = use_site_info();
    let demo = info.as_ref().is_some_and(|i| i.demo);
    let user = use_current_user();
    let admin = permits(user.as_ref(), Action::ManageUsers);
    let referrals = permits(user.as_ref(), Action::ListReferrals);
    let centre = permits(user.as_ref(), Action::ViewCentreOperations);
    let clinician = permits(user.as_ref(), Action::WorkReferrals);
    view! {
        <a class="skip-link" href="#content">{t!(i18n, skip_to_content)}</a>
        {demo.then(|| view! { <div class="demo-banner" role="note">{t!(i18n, demo_banner)}</div> })}
        <MailAlarm />
        <header class="site-header">
            <div class="brand">
                <a href="/" class="brand-name">{t!(i18n, app_name)}</a>
                <span class="brand-centre">{t!(i18n, centre_name)}</span>
            </div>
            {info.map(|info| view! { <PhoneLink info /> })}
            <nav class="site-nav" aria-label=move || t_string!(i18n, nav_main)>
                <a href="/">{t!(i18n, nav_home)}</a>
                <a href="/calculators">{t!(i18n, nav_calculators)}</a>
                {referrals.then(|| view! { <a href="/referrals">{tr("Napotitve", "Referrals")}</a> })}
                {clinician.then(|| view! { <a href="/queue">{tr("Čakalna vrsta", "Queue")}</a> })}
                {centre.then(|| view! { <a href="/kpi">{tr("Kazalniki", "Figures")}</a> <a href="/roster">{tr("Dežurstva", "On call")}</a> <a href="/notifications">{tr("Obvestila", "Notifications")}</a> })}
                {admin.then(|| view! {
                    <a href="/admin/users">{tr("Uporabniki", "Users")}</a>
                    <a href="/admin/hospitals">{tr("Bolnišnice", "Hospitals")}</a>
                    <a href="/admin/subject-access">{tr("Dostop do podatkov", "Subject access")}</a>
                })}
                {match user {
                    Some(user) => view! {
                        <a href="/profile" data-testid="profile-link">{user.name}</a>
                        <SignOutButton />
                    }.into_any(),
                    None => view! { <a href="/login" data-testid="sign-in-link">{tr("Prijava", "Sign in")}</a> }.into_any(),
                }}
                <LanguageSwitch />
            </nav>
        </header>
        <main id="content" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{t!(i18n, disclaimer)}</p>
        </footer>
    }
}

/// For centre staff, while an alert to the team is undelivered past the shortest
/// acknowledgement target: the team may not know of a referral. The server puts the figures
/// in the request (see the server's `auth::identify`).
#[component]
fn MailAlarm() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let overdue = use_context::<http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<crate::ssr::outbox::OverdueAlerts>()
            .copied()
    });
    #[cfg(not(feature = "ssr"))]
    let overdue: Option<(i64, Option<i64>)> = None;
    #[cfg(feature = "ssr")]
    let overdue = overdue.map(|o| {
        let minutes = o
            .oldest_created_at
            .map(|at| (crate::ssr::time::now_ms() - at).max(0) / 60_000);
        (o.count, minutes)
    });
    let lang = crate::components::forms::use_lang();
    overdue.map(|(count, minutes)| {
        let minutes = minutes.unwrap_or(0);
        let text = match lang.get_untracked() {
            crate::domain::i18n::Lang::Sl => format!("Opozoril ekipi ni bilo mogoče dostaviti: {count}, najstarejše čaka {minutes} min. Ekipa morda ne ve za napotitev — preverite e-pošto in pokličite dežurnega."),
            crate::domain::i18n::Lang::En => format!("Alerts to the team undelivered: {count}, the oldest waiting {minutes} min. The team may not know of a referral — check the mail and phone the on-call physician."),
        };
        view! {
            <div class="alarm-banner" role="alert" data-testid="mail-alarm">
                {text}" "<a href="/notifications">{tr("Obvestila", "Notifications")}</a>
            </div>
        }
    })
}

/// The 24/7 number, always one tap away.
#[component]
pub fn PhoneLink(info: SiteInfo) -> impl IntoView {
    let i18n = use_i18n();
    let href = info.tel_href();
    view! {
        <a class="centre-phone" href=href data-testid="centre-phone">
            <span class="centre-phone-label">{t!(i18n, centre_phone_label)}</span>
            <span class="centre-phone-number">{info.centre_phone}</span>
        </a>
    }
}

/// Links to `/lang/{sl|en}`: the server sets the language cookie and sends the browser back
/// to the same page, now in that language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let link = move |locale: Locale, label: &'static str| {
        let code = locale.as_str();
        let href = move || format!("/lang/{code}?next={}", location.pathname.get());
        let current = move || i18n.get_locale() == locale;
        view! {
            <a
                href=href
                hreflang=code
                lang=code
                class="lang-link"
                aria-current=move || current().then_some("true")
            >
                {label}
            </a>
        }
    };
    view! {
        <span class="lang-switch" role="group" aria-label=move || t_string!(i18n, language)>
            {link(Locale::sl, "SL")}
            {link(Locale::en, "EN")}
        </span>
    }
}

/// A form, not a link: signing out changes state, so it is a POST.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    view! {
        <ActionForm attr:novalidate=true action=action attr:class="inline-form">
            <button type="submit" class="link-button" data-testid="sign-out">{tr("Odjava", "Sign out")}</button>
        </ActionForm>
    }
}
