//! What a person sees when a page fails: what happened, and what to do now.
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn ErrorPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let i18n = use_i18n();
    view! {
        <section class="message-page" role="alert">
            <h1>{t!(i18n, error_title)}</h1>
            <p>{t!(i18n, error_body)}</p>
            <p><a class="button" href="/">{t!(i18n, back_home)}</a></p>
        </section>
    }
}
