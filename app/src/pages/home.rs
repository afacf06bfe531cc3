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

/// Without JavaScript a native `<details>` element; as an island, the summary toggles it
/// and says what it will do.
#[island]
fn DetailsToggle(id: String, details: String) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    view! {
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
    }
}
