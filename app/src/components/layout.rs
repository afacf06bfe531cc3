//! The frame around every page: the centre's phone number, navigation, the language
//! switch and, on demonstration installations, a banner that says so.
use crate::accounts::use_current_user;
use crate::components::forms::tr;
use crate::domain::policy::{permits, Action};
use crate::i18n::*;
use crate::pages::account::SignOutButton;
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
