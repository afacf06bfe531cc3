//! Form pieces shared by the account pages: labelled fields with their own error messages,
//! a summary of what went wrong, and texts in the language on screen.
use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The language of a locale, as the domain's `Lang`.
pub fn lang_of(locale: Locale) -> Lang {
    match locale {
        Locale::sl => Lang::Sl,
        Locale::en => Lang::En,
    }
}

/// The language on screen, as the domain's `Lang`.
pub fn use_lang() -> Signal<Lang> {
    let i18n = use_i18n();
    Signal::derive(move || lang_of(i18n.get_locale()))
}

/// A text in both languages, following the language switch.
pub fn tr(
    sl: &'static str,
    en: &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || match lang.get() {
        Lang::Sl => sl,
        Lang::En => en,
    }
}

/// `tr` as a signal of owned text, for component props.
pub fn text(f: impl Fn() -> &'static str + Send + Sync + 'static) -> Signal<String> {
    Signal::derive(move || f().to_owned())
}

/// The error of the last submission of a server action, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// What went wrong with the whole form, announced to screen readers. When fields are
/// wrong it is an error summary (the GOV.UK pattern): each entry links to its field, and
/// it is scrolled into view and focused when it appears, so that on a phone the doctor
/// sees it instead of the bottom of the form.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if error.with(Option::is_some) {
            if let Some(el) = summary.get() {
                el.scroll_into_view();
                let _ = el.focus();
            }
        }
    });
    move || {
        error.get().map(|e| {
            let l = lang.get();
            let entries: Vec<(String, String)> = e
                .field_errors()
                .map(|f| {
                    f.0.iter()
                        .map(|(name, list)| {
                            let text = list
                                .iter()
                                .map(|m| m.message(l))
                                .collect::<Vec<_>>()
                                .join("; ");
                            // A value given in either unit belongs to the one input.
                            let field = name
                                .strip_suffix("_kpa")
                                .or_else(|| name.strip_suffix("_mmhg"))
                                .unwrap_or(name);
                            (
                                format!("#field-{field}"),
                                format!("{}: {text}", crate::domain::labels::field_label(name, l)),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            // Signed out meanwhile: sign in, and what was sent (if it was kept) is completed.
            let sign_in = matches!(e, AppError::SignIn).then(|| {
                let here = current_path();
                let href = format!(
                    "/login?next=/resume%3Fthen%3D{}",
                    percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC)
                );
                view! {
                    <p><a class="button" href=href data-testid="sign-in-again">{match l {
                        crate::domain::i18n::Lang::Sl => "Prijava (odgovori ostanejo)",
                        crate::domain::i18n::Lang::En => "Sign in (your answers are kept)",
                    }}</a></p>
                }
            });
            view! {
                <div class="form-error-box" role="alert" tabindex="-1" autofocus=true node_ref=summary data-testid="error-summary">
                    <p class="form-error">{e.message(l)}</p>
                    {sign_in}
                    {(!entries.is_empty()).then(|| view! {
                        <ul class="error-links">
                            {entries.into_iter().map(|(href, text)| view! { <li><a href=href>{text}</a></li> }).collect_view()}
                        </ul>
                    })}
                </div>
            }
        })
    }
}

/// The path of the page on screen. Router hooks are not available inside an island, so it
/// is read from the browser, or on the server from the request.
fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().pathname().unwrap_or_default()
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        use_context::<http::request::Parts>()
            .map(|parts| parts.uri.path().to_owned())
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        String::new()
    }
}

/// A labelled input with the messages for its field underneath.
#[component]
pub fn Field(
    #[prop(into)] label: Signal<String>,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<Signal<String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("{id}-error");
    let lang = use_lang();
    let messages = move || {
        error
            .get()
            .and_then(|e| {
                e.field_errors()
                    .and_then(|f| f.get(name).map(|m| m.to_vec()))
            })
            .unwrap_or_default()
    };
    let invalid = move || (!messages().is_empty()).then_some("true");
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            {hint.map(|h| view! { <p class="field-hint">{move || h.get()}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                aria-invalid=invalid
                aria-describedby=message_id.clone()
            />
            <p class="field-error" id=message_id aria-live="polite">
                {move || {
                    messages()
                        .iter()
                        .map(|m| m.message(lang.get()))
                        .collect::<Vec<_>>()
                        .join("; ")
                }}
            </p>
        </div>
    }
}

/// Messages for a field that is not a plain input (a select, a hidden token).
#[component]
pub fn FieldMessages(name: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="field-error" id=format!("field-{name}-error") aria-live="polite">
            {move || {
                error
                    .get()
                    .and_then(|e| e.field_errors().and_then(|f| f.get(name).map(|m| m.to_vec())))
                    .unwrap_or_default()
                    .iter()
                    .map(|m| m.message(lang.get()))
                    .collect::<Vec<_>>()
                    .join("; ")
            }}
        </p>
    }
}

/// A submit button that says when the request is on its way.
#[component]
pub fn Submit(
    label: Signal<String>,
    pending: Signal<bool>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let busy = tr("Pošiljam…", "Sending…");
    view! {
        <button type="submit" class=class.unwrap_or("button") aria-busy=move || pending.get().then_some("true") disabled=move || pending.get()>
            {move || if pending.get() { busy().to_owned() } else { label.get() }}
        </button>
    }
}
