//! The landing page: what the service is for and the three pathways.
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
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
                    title=move || t_string!(i18n, pathway_vv_title).to_string()
                    body=move || t_string!(i18n, pathway_vv_body).to_string()
                    details=move || t_string!(i18n, details_vv).to_string()
                />
                <PathwayCard
                    id="va"
                    title=move || t_string!(i18n, pathway_va_title).to_string()
                    body=move || t_string!(i18n, pathway_va_body).to_string()
                    details=move || t_string!(i18n, details_va).to_string()
                />
                <PathwayCard
                    id="ecpr"
                    title=move || t_string!(i18n, pathway_ecpr_title).to_string()
                    body=move || t_string!(i18n, pathway_ecpr_body).to_string()
                    details=move || t_string!(i18n, details_ecpr).to_string()
                />
            </div>
        </section>
    }
}

/// A pathway with its "what the centre needs" list. Without JavaScript the list is a
/// native `<details>` element; once hydrated the button toggles it and reports its state.
#[component]
fn PathwayCard(
    id: &'static str,
    title: impl Fn() -> String + Send + Sync + 'static,
    body: impl Fn() -> String + Send + Sync + 'static,
    details: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    view! {
        <article class="pathway" data-pathway=id>
            <h3>{title}</h3>
            <p>{body}</p>
            <details prop:open=move || open.get() data-testid=format!("details-{id}")>
                <summary on:click=move |ev| {
                    ev.prevent_default();
                    open.update(|o| *o = !*o);
                }>
                    {move || if open.get() {
                        t_string!(i18n, hide_details).to_string()
                    } else {
                        t_string!(i18n, show_details).to_string()
                    }}
                </summary>
                <p>{details}</p>
            </details>
        </article>
    }
}
