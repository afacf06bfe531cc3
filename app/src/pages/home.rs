//! The landing page: what the service is for and the three pathways.
use crate::accounts::use_current_user;
use crate::components::forms::{tr, use_lang};
use crate::i18n::*;
use crate::referrals::list_drafts;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let referrer = use_current_user().is_some_and(|u| u.hospital_id.is_some());
    view! {
        {referrer.then(|| view! {
            <crate::pages::workspace::CapacityBanner />
            <crate::pages::referrals::QuickStart />
            <crate::pages::referrals::OpenReferrals />
            <MyDrafts />
        })}
        <section class="hero">
            <h1>{t!(i18n, home_title)}</h1>
            <p class="lead">{t!(i18n, home_lead)}</p>
            <p class="phone-first" role="note">{t!(i18n, home_phone_first)}</p>
        </section>
        <section aria-labelledby="pathways-title">
            <h2 id="pathways-title">{t!(i18n, pathways_title)}</h2>
            <div class="pathways">
                <PathwayCard
                    id="vv"
                    title=t_string!(i18n, pathway_vv_title).to_string()
                    body=t_string!(i18n, pathway_vv_body).to_string()
                    details=t_string!(i18n, details_vv).to_string()
                />
                <PathwayCard
                    id="va"
                    title=t_string!(i18n, pathway_va_title).to_string()
                    body=t_string!(i18n, pathway_va_body).to_string()
                    details=t_string!(i18n, details_va).to_string()
                />
                <PathwayCard
                    id="ecpr"
                    title=t_string!(i18n, pathway_ecpr_title).to_string()
                    body=t_string!(i18n, pathway_ecpr_body).to_string()
                    details=t_string!(i18n, details_ecpr).to_string()
                />
            </div>
        </section>
    }
}

/// A pathway with its "what the centre needs" list.
#[component]
fn PathwayCard(id: &'static str, title: String, body: String, details: String) -> impl IntoView {
    view! {
        <article class="pathway" data-pathway=id>
            <h3>{title}</h3>
            <p>{body}</p>
            <DetailsToggle id=id.to_owned() details />
        </article>
    }
}

/// A native `<details>` element: it opens and closes without any script, and its summary
/// says what a click will do (the other label is hidden by the stylesheet).
#[component]
fn DetailsToggle(id: String, details: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details data-testid=format!("details-{id}")>
            <summary>
                <span class="when-closed">{t!(i18n, show_details)}</span>
                <span class="when-open">{t!(i18n, hide_details)}</span>
            </summary>
            <p>{details}</p>
        </details>
    }
}

/// The doctor's unsent drafts, to continue where they stopped (on any device).
#[component]
fn MyDrafts() -> impl IntoView {
    let lang = use_lang();
    let drafts = Resource::new(|| (), |_| list_drafts());
    view! {
        <Suspense fallback=|| ()>
            {move || drafts.get().and_then(Result::ok).filter(|d| !d.is_empty()).map(|items| view! {
                <section class="drafts" aria-labelledby="drafts-title" data-testid="drafts">
                    <h2 id="drafts-title">{tr("Vaši neposlani osnutki", "Your unsent drafts")}</h2>
                    <ul>
                        {items.into_iter().map(|d| {
                            let pathway = crate::pages::workspace::pathway_label(d.pathway);
                            let patient = d.patient.clone().unwrap_or_else(|| match lang.get_untracked() {
                                crate::domain::i18n::Lang::Sl => "bolnik še ni vpisan".into(),
                                crate::domain::i18n::Lang::En => "patient not entered yet".into(),
                            });
                            view! {
                                <li>
                                    <a href=format!("/referrals/drafts/{}", d.id)>{format!("{pathway} — {patient}")}</a>
                                    " "<span class="muted">{move || match lang.get() {
                                        crate::domain::i18n::Lang::Sl => format!("shranjeno {}", d.updated_local),
                                        crate::domain::i18n::Lang::En => format!("saved {}", d.updated_local),
                                    }}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </Suspense>
    }
}
