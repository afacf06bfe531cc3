//! The account pages: sign in, register, confirm an email, accept an invitation, forgotten
//! and reset password, and the profile. They are server-rendered, not islands: each form
//! posts to its server function, which answers with a redirect to the next page or back to
//! this one with the error, shown beside its field.
use crate::accounts::*;
use crate::components::forms::{
    action_error, text, tr, use_lang, Field, FieldMessages, FormError, Submit,
};
use crate::components::layout::SignOutButton;
use crate::domain::i18n::Lang;
use crate::domain::policy::{decide, Action, Decision};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

fn query(key: &'static str) -> Memo<Option<String>> {
    let map = use_query_map();
    Memo::new(move |_| map.with(|m| m.get(key)))
}

/// Renders `children` only when the policy allows `action`; otherwise sends the visitor to
/// sign in (302) or says that the account may not see this (403).
#[component]
pub fn Guarded(action: Action, children: ChildrenFn) -> impl IntoView {
    let user = use_current_user();
    let location = use_location();
    let deny_text = tr(
        "Vaš račun te strani ne sme odpreti. Če jo potrebujete, se obrnite na skrbnika ECMO centra.",
        "Your account may not open this page. If you need it, ask the ECMO centre's administrator.",
    );
    let sign_in_text = tr(
        "Za to stran se prijavite.",
        "Please sign in to see this page.",
    );
    match decide(user.as_ref(), action) {
        Decision::Allow => children().into_any(),
        Decision::SignIn => {
            let next = format!("/login?next={}", location.pathname.get_untracked());
            #[cfg(feature = "ssr")]
            leptos_axum::redirect(&next);
            view! { <p class="notice"><a href=next>{sign_in_text}</a></p> }.into_any()
        }
        Decision::Deny => {
            #[cfg(feature = "ssr")]
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::FORBIDDEN);
            }
            view! { <h1>{tr("Ni dovoljeno", "Not allowed")}</h1><p class="notice" role="alert">{deny_text}</p> }
                .into_any()
        }
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    let next = query("next");
    let password_set = query("password_set");
    let signed_out = query("signed_out");
    view! {
        <section class="narrow">
            <h1>{tr("Prijava", "Sign in")}</h1>
            {move || password_set.get().map(|_| view! {
                <p class="notice success" role="status">{tr("Geslo je nastavljeno. Zdaj se prijavite.", "Your password is set. Sign in now.")}</p>
            })}
            {move || signed_out.get().map(|_| view! {
                <p class="notice success" role="status">{tr("Odjavljeni ste na vseh napravah.", "You are signed out on every device.")}</p>
            })}
            {move || next.get().filter(|n| n.starts_with("/resume")).map(|_| view! {
                <p class="notice" role="status" data-testid="kept-notice">{tr(
                    "Seja je potekla, vaši odgovori pa so shranjeni. Prijavite se in dokončali bomo, kar ste poslali (korak shranimo, ECPR alarm pošljemo).",
                    "Your session expired, but your answers are kept. Sign in and what you sent is completed (the step saved, the ECPR alert sent)."
                )}</p>
            })}
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormError error />
                <Field label=text(tr("E-naslov", "Email")) name="email" kind="email" autocomplete="username" required=true error />
                <Field label=text(tr("Geslo", "Password")) name="password" kind="password" autocomplete="current-password" required=true error />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_else(|| "/".into()) />
                <Submit label=text(tr("Prijava", "Sign in")) pending=action.pending().into() />
            </ActionForm>
            <p><a href="/account/forgot">{tr("Ste pozabili geslo?", "Forgot your password?")}</a></p>
            <p><a href="/register">{tr("Nimate računa? Registrirajte se s službenim e-naslovom.", "No account? Register with your work email.")}</a></p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = action_error(action);
    let sent = query("sent");
    let hospitals = Resource::new(|| (), |_| hospital_options());
    let lang = use_lang();
    let done = move || sent.get().is_some() || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section class="narrow">
            <h1>{tr("Registracija napotnega zdravnika", "Register as a referring physician")}</h1>
            <Show
                when=done
                fallback=move || view! {
                    <p class="lead">{tr(
                        "Z e-naslovom svoje bolnišnice. Po registraciji potrdite e-naslov; skrbnik centra račun odobri.",
                        "Use your hospital email address. After registering, confirm your email; the centre's administrator approves the account."
                    )}</p>
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormError error />
                        <Field label=text(tr("Ime in priimek", "Full name")) name="name" autocomplete="name" required=true error />
                        <Field label=text(tr("Službeni e-naslov", "Work email")) name="email" kind="email" autocomplete="email" required=true error />
                        <Field label=text(tr("Telefon (neobvezno)", "Phone (optional)")) name="phone" kind="tel" autocomplete="tel" error />
                        <div class="field">
                            <label for="field-hospital_id">{tr("Bolnišnica", "Hospital")}</label>
                            <select id="field-hospital_id" name="hospital_id" required=true aria-describedby="field-hospital_id-error">
                                <option value="">{tr("— izberite —", "— choose —")}</option>
                                <Suspense fallback=|| ()>
                                    {move || hospitals.get().map(|list| list.unwrap_or_default().into_iter().map(|h| view! {
                                        <option value=h.id.to_string()>{h.name}</option>
                                    }).collect_view())}
                                </Suspense>
                            </select>
                            <FieldMessages name="hospital_id" error />
                        </div>
                        <Field label=text(tr("Geslo", "Password")) name="password" kind="password" autocomplete="new-password" required=true error
                            hint=text(tr("Vsaj 10 znakov; najbolje tri ali štiri nepovezane besede.", "At least 10 characters; three or four unrelated words work best.")) />
                        <Field label=text(tr("Ponovite geslo", "Repeat the password")) name="password_confirm" kind="password" autocomplete="new-password" required=true error />
                        <input type="hidden" name="language" value=move || if lang.get() == Lang::En { "en" } else { "sl" } />
                        <Submit label=text(tr("Registracija", "Register")) pending=action.pending().into() />
                    </ActionForm>
                }
            >
                <p class="notice success" role="status">{tr(
                    "Hvala. Če je e-naslov pravi, smo vam poslali povezavo za potrditev. Preverite pošto (tudi mapo z neželeno pošto).",
                    "Thank you. If the address is right, we have sent you a link to confirm it. Check your mail (and the spam folder)."
                )}</p>
            </Show>
        </section>
    }
}

#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmail>::new();
    let error = action_error(action);
    let token = query("token");
    let done = query("done");
    let outcome = move || {
        done.get().or_else(|| match action.value().get() {
            Some(Ok(true)) => Some("pending".into()),
            Some(Ok(false)) => Some("active".into()),
            _ => None,
        })
    };
    view! {
        <section class="narrow">
            <h1>{tr("Potrditev e-naslova", "Confirm your email")}</h1>
            {move || match outcome().as_deref() {
                Some("pending") => view! { <p class="notice success" role="status">{tr(
                    "E-naslov je potrjen. Skrbnik ECMO centra mora račun še odobriti; o tem vas obvestimo po e-pošti.",
                    "Your email is confirmed. The ECMO centre's administrator still has to approve the account; we will tell you by email."
                )}</p> }.into_any(),
                Some(_) => view! { <p class="notice success" role="status">{tr("E-naslov je potrjen. ", "Your email is confirmed. ")}<a href="/login">{tr("Prijava", "Sign in")}</a></p> }.into_any(),
                None => view! {
                    <ActionForm attr:novalidate=true action=action attr:class="form">
                        <FormError error />
                        <FieldMessages name="token" error />
                        <input type="hidden" name="token" value=move || token.get().unwrap_or_default() />
                        <Submit label=text(tr("Potrdi e-naslov", "Confirm my email")) pending=action.pending().into() />
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// The token from the emailed link and a new password, twice: the invitation and the
/// reset forms share them.
#[component]
fn NewPasswordFields(
    token: Memo<Option<String>>,
    error: Signal<Option<crate::error::AppError>>,
    label: Signal<String>,
) -> impl IntoView {
    view! {
        <FormError error />
        <FieldMessages name="token" error />
        <input type="hidden" name="token" value=move || token.get().unwrap_or_default() />
        <Field label name="password" kind="password" autocomplete="new-password" required=true error
            hint=text(tr("Vsaj 10 znakov; najbolje tri ali štiri nepovezane besede.", "At least 10 characters; three or four unrelated words work best.")) />
        <Field label=text(tr("Ponovite geslo", "Repeat the password")) name="password_confirm" kind="password" autocomplete="new-password" required=true error />
    }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    let error = action_error(action);
    let token = query("token");
    view! {
        <section class="narrow">
            <h1>{tr("Dobrodošli v ECMO Referral", "Welcome to ECMO Referral")}</h1>
            <p class="lead">{tr("Nastavite si geslo za svoj račun.", "Set the password for your account.")}</p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <NewPasswordFields token error label=text(tr("Geslo", "Password")) />
                <Submit label=text(tr("Nastavi geslo", "Set password")) pending=action.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = action_error(action);
    let sent = query("sent");
    let done = move || sent.get().is_some() || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section class="narrow">
            <h1>{tr("Pozabljeno geslo", "Forgotten password")}</h1>
            <Show
                when=done
                fallback=move || view! {
                    <ActionForm action=action attr:class="form" attr:novalidate=true>
                        <FormError error />
                        <Field label=text(tr("E-naslov", "Email")) name="email" kind="email" autocomplete="username" required=true error />
                        <Submit label=text(tr("Pošlji povezavo", "Send me a link")) pending=action.pending().into() />
                    </ActionForm>
                }
            >
                <p class="notice success" role="status">{tr(
                    "Če za ta e-naslov obstaja račun, smo nanj poslali povezavo za novo geslo. Velja eno uro.",
                    "If this address has an account, we have sent it a link to set a new password. It is valid for one hour."
                )}</p>
            </Show>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    let token = query("token");
    view! {
        <section class="narrow">
            <h1>{tr("Novo geslo", "Set a new password")}</h1>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <NewPasswordFields token error label=text(tr("Novo geslo", "New password")) />
                <Submit label=text(tr("Nastavi geslo", "Set password")) pending=action.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Guarded action=Action::ManageOwnAccount>
            <Profile />
        </Guarded>
    }
}

#[component]
fn Profile() -> impl IntoView {
    let user = use_current_user();
    let save = ServerAction::<UpdateProfile>::new();
    let error = action_error(save);
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let saved = query("saved");
    let lang = use_lang();
    let Some(user) = user else {
        return ().into_any();
    };
    let roles = user
        .roles
        .iter()
        .map(|r| r.label(lang.get_untracked()))
        .collect::<Vec<_>>()
        .join(", ");
    let is_en = user.language == Lang::En;
    let is_clinician = user.has(crate::domain::account::Role::EcmoClinician);
    view! {
        <section class="narrow">
            <h1>{tr("Moj račun", "My account")}</h1>
            <dl class="facts">
                <dt>{tr("E-naslov", "Email")}</dt><dd>{user.email.clone()}</dd>
                <dt>{tr("Vloga", "Role")}</dt><dd>{roles}</dd>
                {user.hospital_name.clone().map(|h| view! { <dt>{tr("Bolnišnica", "Hospital")}</dt><dd>{h}</dd> })}
            </dl>
            {move || (saved.get().is_some() || matches!(save.value().get(), Some(Ok(())))).then(|| view! {
                <p class="notice success" role="status">{tr("Shranjeno.", "Saved.")}</p>
            })}
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <FormError error />
                <Field label=text(tr("Ime in priimek", "Full name")) name="name" autocomplete="name" required=true value=user.name.clone() error />
                <Field label=text(tr("Telefon", "Phone")) name="phone" kind="tel" autocomplete="tel" value=user.phone.clone() error />
                <div class="field">
                    <label for="field-language">{tr("Jezik e-pošte", "Language of emails")}</label>
                    <select id="field-language" name="language">
                        <option value="sl" selected=!is_en>"Slovenščina"</option>
                        <option value="en" selected=is_en>"English"</option>
                    </select>
                </div>
                <Submit label=text(tr("Shrani", "Save")) pending=save.pending().into() />
            </ActionForm>
            <crate::pages::oncall::NotificationPreferences clinician=is_clinician />
            <h2>{tr("Odjava", "Signing out")}</h2>
            <SignOutButton />
            <ActionForm attr:novalidate=true action=everywhere attr:class="form inline">
                <p class="field-hint">{tr(
                    "Če ste račun uporabljali na tuji ali izgubljeni napravi:",
                    "If you used your account on a shared or lost device:"
                )}</p>
                <Submit label=text(tr("Odjava na vseh napravah", "Sign out everywhere")) pending=everywhere.pending().into() class="button secondary" />
            </ActionForm>
        </section>
    }
    .into_any()
}
