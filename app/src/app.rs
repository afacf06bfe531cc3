//! The document shell, the router and the layout every page shares.
use crate::components::layout::Layout;
use crate::i18n::*;
use crate::pages::{
    account::{
        ConfirmEmailPage, ForgotPasswordPage, InvitationPage, LoginPage, ProfilePage, RegisterPage,
        ResetPasswordPage,
    },
    admin::{AdminHospitalsPage, AdminSubjectAccessPage, AdminUsersPage},
    calculators::CalculatorsPage,
    error::ErrorPage,
    home::HomePage,
    not_found::NotFoundPage,
    referrals::{EcprAlertPage, NewReferralPage, ReferralPage, ReferralsPage},
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use leptos_router::SsrMode;

/// The HTML document rendered on the server around the application.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let scripts = match use_context::<crate::site::AssetRoot>() {
        Some(root) => view! { <HydrationScripts options islands=true root=root.0 /> }.into_any(),
        None => view! { <HydrationScripts options islands=true /> }.into_any(),
    };
    // Most pages are plain HTML with forms: the framework's scripts wait, inert, in a
    // template, and are started only on a page that shows an island (after the document has
    // been parsed, as module scripts are), so that such a page downloads no script at all.
    let scripts = view! {
        <template id="island-scripts">{scripts}</template>
        <script type="module" id="island-loader" nonce=leptos::nonce::use_nonce()>
            {ISLAND_LOADER}
        </script>
    };
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {scripts}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Starts the hydration scripts kept in `#island-scripts` when the page shows an island
/// other than the language provider (which wraps every page and only serves islands); a
/// script copied from a template must be created anew to run, with this script's nonce.
/// Without islands, the document is marked hydrated at once (what the bundle does last).
const ISLAND_LOADER: &str = r#"
const islands = document.querySelector('leptos-island:not([data-component^="I18nContextProvider"])');
if (islands) {
  const nonce = document.getElementById("island-loader").nonce;
  for (const kept of document.getElementById("island-scripts").content.children) {
    const node = document.createElement(kept.localName);
    for (const attr of kept.attributes) node.setAttribute(attr.name, attr.value);
    node.textContent = kept.textContent;
    if (nonce) node.nonce = nonce;
    document.head.append(node);
  }
} else {
  document.documentElement.setAttribute("data-hydrated", "");
}
"#;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let assets = use_context::<crate::site::AssetRoot>()
        .map(|r| r.0)
        .unwrap_or_default();
    view! {
        <Stylesheet id="leptos" href=format!("{assets}/pkg/ecmo-referral.css") />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="theme-color" content="#0b4f6c" />
        <I18nContextProvider>
            <AppTitle />
            <Router>
                <Layout>
                    // A failing page shows what to do instead of a blank screen.
                    <ErrorBoundary fallback=|_| view! { <ErrorPage /> }>
                        <Routes fallback=NotFoundPage>
                            <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                            <Route path=path!("/calculators") view=CalculatorsPage />
                            // Pages that load data wait for it on the server, so that their
                            // first HTML is complete and usable without JavaScript.
                            <Route path=path!("/login") view=LoginPage />
                            <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                            <Route path=path!("/account/confirm") view=ConfirmEmailPage />
                            <Route path=path!("/account/invitation") view=InvitationPage />
                            <Route path=path!("/account/forgot") view=ForgotPasswordPage />
                            <Route path=path!("/account/reset") view=ResetPasswordPage />
                            <Route path=path!("/profile") view=ProfilePage />
                            <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                            <Route path=path!("/admin/hospitals") view=AdminHospitalsPage ssr=SsrMode::Async />
                            <Route path=path!("/admin/subject-access") view=AdminSubjectAccessPage ssr=SsrMode::Async />
                            <Route path=path!("/referrals") view=ReferralsPage ssr=SsrMode::Async />
                            <Route path=path!("/referrals/new") view=NewReferralPage />
                            <Route path=path!("/referrals/new/ecpr") view=EcprAlertPage ssr=SsrMode::Async />
                            <Route path=path!("/referrals/drafts/:id") view=crate::pages::checklist::DraftPage ssr=SsrMode::Async />
                            <Route path=path!("/referrals/:id") view=ReferralPage ssr=SsrMode::Async />
                            <Route path=path!("/referrals/:id/acknowledge") view=crate::pages::oncall::AcknowledgePage ssr=SsrMode::Async />
                            <Route path=path!("/queue") view=crate::pages::workspace::QueuePage ssr=SsrMode::Async />
                            <Route path=path!("/kpi") view=crate::pages::workspace::KpiPage ssr=SsrMode::Async />
                            <Route path=path!("/roster") view=crate::pages::oncall::RosterPage ssr=SsrMode::Async />
                            <Route path=path!("/notifications") view=crate::pages::oncall::NotificationsPage ssr=SsrMode::Async />
                        </Routes>
                    </ErrorBoundary>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    // Read once while the page is built: the head is written after the body, outside the
    // request's reactive arena, where reading the language signal panics (under load).
    let title = t_string!(i18n, app_name).to_string();
    view! { <Title text=title /> }
}
