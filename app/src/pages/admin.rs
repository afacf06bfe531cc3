//! The administrator's pages: users (invite, approve, deactivate, change role) and referring
//! hospitals (with their email domains and the registration setting).
use crate::accounts::*;
use crate::components::forms::{
    action_error, text, tr, use_lang, Field, FieldMessages, FormError, Submit,
};
use crate::domain::account::roles_to_csv;
use crate::domain::i18n::Lang;
use crate::domain::policy::Action;
use crate::pages::account::Guarded;
use leptos::prelude::*;

fn role_choice_label(choice: &str, lang: Lang) -> &'static str {
    match (choice, lang) {
        ("referrer", Lang::Sl) => "Napotni zdravnik",
        ("referrer", Lang::En) => "Referring physician",
        ("ecmo_clinician", Lang::Sl) => "Zdravnik ECMO centra",
        ("ecmo_clinician", Lang::En) => "ECMO clinician",
        ("admin", Lang::Sl) => "Skrbnik",
        ("admin", Lang::En) => "Administrator",
        (_, Lang::Sl) => "Skrbnik in zdravnik ECMO centra",
        (_, Lang::En) => "Administrator and ECMO clinician",
    }
}

#[component]
fn HospitalSelect(
    hospitals: Vec<HospitalOption>,
    selected: Option<i64>,
    id: String,
) -> impl IntoView {
    view! {
        <select id=id name="hospital_id">
            <option value="">{tr("— brez (osebje centra) —", "— none (centre staff) —")}</option>
            {hospitals.into_iter().map(|h| view! {
                <option value=h.id.to_string() selected=selected == Some(h.id)>{h.name}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn RoleSelect(selected: String, id: String) -> impl IntoView {
    let lang = use_lang();
    view! {
        <select id=id name="role">
            {ROLE_CHOICES.iter().map(|choice| {
                let value = *choice;
                view! { <option value=value selected=selected == value>{move || role_choice_label(value, lang.get())}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ManageUsers>
            <AdminUsers />
        </Guarded>
    }
}

#[component]
fn AdminUsers() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let approve = ServerAction::<ApproveUser>::new();
    let active = ServerAction::<SetUserActive>::new();
    let roles = ServerAction::<ChangeRoles>::new();
    let invite_error = action_error(invite);
    let row_error = Signal::derive(move || {
        [
            approve.value().get(),
            active.value().get(),
            roles.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
    });
    let users = Resource::new(
        move || {
            (
                invite.version().get(),
                approve.version().get(),
                active.version().get(),
                roles.version().get(),
            )
        },
        |_| list_users(),
    );
    let hospitals = Resource::new(|| (), |_| hospital_options());
    let lang = use_lang();
    let query = leptos_router::hooks::use_query_map();
    let invited = Memo::new(move |_| query.with(|q| q.get("invited").is_some()));
    view! {
        <h1>{tr("Uporabniki", "Users")}</h1>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || {
                let hospital_list = hospitals.get().and_then(Result::ok).unwrap_or_default();
                users.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                    Ok(list) => view! {
                        <FormError error=row_error />
                        <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr>
                                <th>{tr("Ime", "Name")}</th>
                                <th>{tr("E-naslov", "Email")}</th>
                                <th>{tr("Stanje", "Status")}</th>
                                <th>{tr("Vloga in bolnišnica", "Role and hospital")}</th>
                                <th>{tr("Dejanja", "Actions")}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| {
                                    let hospitals = hospital_list.clone();
                                    user_row(u, hospitals, approve, active, roles, lang)
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                })
            }}
        </Suspense>
        <h2 id="invite">{tr("Povabi uporabnika", "Invite a user")}</h2>
        {move || (invited.get() || matches!(invite.value().get(), Some(Ok(_)))).then(|| view! {
            <p class="notice success" role="status">{tr("Povabilo je poslano.", "The invitation is on its way.")}</p>
        })}
        <ActionForm action=invite attr:class="form" attr:novalidate=true>
            <FormError error=invite_error />
            <Field label=text(tr("Ime in priimek", "Full name")) name="name" required=true error=invite_error />
            <Field label=text(tr("E-naslov", "Email")) name="email" kind="email" required=true error=invite_error />
            <Field label=text(tr("Telefon (neobvezno)", "Phone (optional)")) name="phone" kind="tel" error=invite_error />
            <div class="field">
                <label for="invite-role">{tr("Vloga", "Role")}</label>
                <RoleSelect selected="referrer".into() id="invite-role".into() />
                <FieldMessages name="roles" error=invite_error />
            </div>
            <div class="field">
                <label for="invite-hospital">{tr("Bolnišnica (za napotne zdravnike)", "Hospital (for referring physicians)")}</label>
                <Suspense fallback=|| ()>
                    {move || hospitals.get().map(|h| view! { <HospitalSelect hospitals=h.unwrap_or_default() selected=None id="invite-hospital".into() /> })}
                </Suspense>
                <FieldMessages name="hospital_id" error=invite_error />
            </div>
            <div class="field">
                <label for="invite-language">{tr("Jezik povabila", "Language of the invitation")}</label>
                <select id="invite-language" name="language">
                    <option value="sl">"Slovenščina"</option>
                    <option value="en">"English"</option>
                </select>
            </div>
            <Submit label=text(tr("Pošlji povabilo", "Send invitation")) pending=invite.pending().into() />
        </ActionForm>
        <RetentionPolicy />
    }
}

/// What is deleted and when: the policy the server was started with.
#[component]
fn RetentionPolicy() -> impl IntoView {
    let policy = Resource::new(|| (), |_| retention_policy());
    let lang = use_lang();
    view! {
        <h2>{tr("Hramba podatkov", "Data retention")}</h2>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || policy.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(p) => {
                    let drafts = match (p.draft_days, lang.get()) {
                        (Some(days), Lang::Sl) => format!("Neposlani osnutki napotitev se izbrišejo {days} dni po zadnji spremembi."),
                        (Some(days), Lang::En) => format!("Unsent referral drafts are deleted {days} days after their last change."),
                        (None, Lang::Sl) => "Neposlani osnutki se hranijo brez omejitve (ECMO_RETENTION_DRAFT_DAYS ni nastavljen).".to_owned(),
                        (None, Lang::En) => "Unsent drafts are kept without limit (ECMO_RETENTION_DRAFT_DAYS is not set).".to_owned(),
                    };
                    let next = p.next_run_local.map(|at| match lang.get() {
                        Lang::Sl => format!("Naslednje brisanje: {at}."),
                        Lang::En => format!("Next purge: {at}."),
                    });
                    view! {
                        <p data-testid="retention-drafts">{drafts}</p>
                        {next.map(|n| view! { <p class="hint" data-testid="retention-next">{n}</p> })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

fn user_row(
    u: UserSummary,
    hospitals: Vec<HospitalOption>,
    approve: ServerAction<ApproveUser>,
    active: ServerAction<SetUserActive>,
    roles: ServerAction<ChangeRoles>,
    lang: Signal<Lang>,
) -> impl IntoView {
    let (id_roles, id_approve, id_active) = (u.id.to_string(), u.id.to_string(), u.id.to_string());
    let status = move || {
        let l = lang.get();
        let s = |sl: &'static str, en: &'static str| if l == Lang::En { en } else { sl };
        if !u.active {
            s("onemogočen", "deactivated")
        } else if u.invitation_pending {
            s("povabljen", "invited")
        } else if !u.email_confirmed {
            s("e-naslov ni potrjen", "email not confirmed")
        } else if !u.approved {
            s("čaka na odobritev", "waiting for approval")
        } else {
            s("aktiven", "active")
        }
    };
    let role_value = role_choice(&u.roles)
        .map(str::to_owned)
        .unwrap_or_else(|| roles_to_csv(&u.roles));
    let role_id = format!("role-{}", u.id);
    let hospital_id = format!("hospital-{}", u.id);
    view! {
        <tr data-testid=format!("user-{}", u.email)>
            <td>{u.name.clone()}</td>
            <td>{u.email.clone()}</td>
            <td>{status}</td>
            <td>
                <ActionForm attr:novalidate=true action=roles attr:class="row-form">
                    <input type="hidden" name="user_id" value=id_roles />
                    <label class="visually-hidden" for=role_id.clone()>{tr("Vloga", "Role")}</label>
                    <RoleSelect selected=role_value id=role_id />
                    <label class="visually-hidden" for=hospital_id.clone()>{tr("Bolnišnica", "Hospital")}</label>
                    <HospitalSelect hospitals selected=u.hospital_id id=hospital_id />
                    <button type="submit" class="button small">{tr("Spremeni", "Change")}</button>
                </ActionForm>
            </td>
            <td class="actions">
                {(!u.approved).then(|| view! {
                    <ActionForm attr:novalidate=true action=approve attr:class="row-form">
                        <input type="hidden" name="user_id" value=id_approve.clone() />
                        <button type="submit" class="button small">{tr("Odobri", "Approve")}</button>
                    </ActionForm>
                })}
                <ActionForm attr:novalidate=true action=active attr:class="row-form">
                    <input type="hidden" name="user_id" value=id_active />
                    <input type="hidden" name="active" value=if u.active { "false" } else { "true" } />
                    <button type="submit" class="button small secondary">
                        {move || if u.active { tr("Onemogoči", "Deactivate")() } else { tr("Omogoči", "Activate")() }}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
pub fn AdminHospitalsPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ManageHospitals>
            <AdminHospitals />
        </Guarded>
    }
}

#[component]
fn AdminHospitals() -> impl IntoView {
    let save = ServerAction::<SaveHospital>::new();
    let approval = ServerAction::<SetRegistrationApproval>::new();
    let error = action_error(save);
    let approval_error = action_error(approval);
    let data = Resource::new(
        move || (save.version().get(), approval.version().get()),
        |_| list_hospitals(),
    );
    let lang = use_lang();
    view! {
        <h1>{tr("Napotne bolnišnice", "Referring hospitals")}</h1>
        <p class="lead">{tr(
            "Zdravniki se lahko sami registrirajo le z e-naslovom z domene svoje bolnišnice. Označeni vnosi so s seznama v specifikaciji (§7.2): preverite in dopolnite jih.",
            "Doctors can self-register only with an email address on their hospital's domains. Marked entries come from the specification's list (§7.2): confirm and complete them."
        )}</p>
        <FormError error />
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || data.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok((hospitals, requires_approval)) => view! {
                    <ActionForm attr:novalidate=true action=approval attr:class="form inline">
                        <FormError error=approval_error />
                        <label class="checkbox">
                            <input type="checkbox" name="required" checked=requires_approval />
                            {tr("Samoregistrirani računi čakajo na odobritev skrbnika", "Self-registered accounts wait for an administrator's approval")}
                        </label>
                        <button type="submit" class="button small">{tr("Shrani", "Save")}</button>
                    </ActionForm>
                    <div class="hospital-list">
                        {hospitals.into_iter().map(|h| hospital_form(Some(h), save)).collect_view()}
                    </div>
                }.into_any(),
            })}
        </Suspense>
        <h2>{tr("Nova bolnišnica", "Add a hospital")}</h2>
        {hospital_form(None, save)}
    }
}

fn hospital_form(h: Option<HospitalRecord>, save: ServerAction<SaveHospital>) -> impl IntoView {
    let key = h
        .as_ref()
        .map(|h| h.id.to_string())
        .unwrap_or_else(|| "new".into());
    let field = move |name: &str| format!("h{key}-{name}");
    let seeded = h.as_ref().is_some_and(|h| h.seeded);
    let (id, name, city, phone, domains, active) = match &h {
        Some(h) => (
            h.id.to_string(),
            h.name.clone(),
            h.city.clone(),
            h.icu_phone.clone(),
            h.email_domains.clone(),
            h.active,
        ),
        None => (
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            true,
        ),
    };
    view! {
        <ActionForm attr:novalidate=true action=save attr:class="hospital-form">
            <input type="hidden" name="id" value=id />
            {seeded.then(|| view! { <p class="badge">{tr("S seznama specifikacije — preverite", "From the specification's list — confirm")}</p> })}
            <div class="field-row">
                <div class="field"><label for=field("name")>{tr("Ime", "Name")}</label><input id=field("name") name="name" value=name required=true /></div>
                <div class="field"><label for=field("city")>{tr("Kraj", "City")}</label><input id=field("city") name="city" value=city /></div>
                <div class="field"><label for=field("phone")>{tr("Telefon EIT", "ICU phone")}</label><input id=field("phone") name="icu_phone" type="tel" value=phone /></div>
                <div class="field"><label for=field("domains")>{tr("E-poštne domene (z vejico)", "Email domains (comma-separated)")}</label><input id=field("domains") name="email_domains" value=domains /></div>
                <label class="checkbox"><input type="checkbox" name="active" checked=active />{tr("Aktivna", "Active")}</label>
                <button type="submit" class="button small">{tr("Shrani", "Save")}</button>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn AdminSubjectAccessPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ManageUsers>
            <SubjectAccess />
        </Guarded>
    }
}

/// A patient's access request: a plain form whose answer is a JSON download. A mistake
/// comes back as the names of the fields (`?error=reason,patient_number`), never their
/// values, and is shown beside each field.
#[component]
fn SubjectAccess() -> impl IntoView {
    use crate::domain::fields::{FieldError, FieldErrors};
    use crate::error::AppError;
    let query = leptos_router::hooks::use_query_map();
    let error = Signal::derive(move || {
        let names = query.with(|q| q.get("error")).unwrap_or_default();
        let mut errors = FieldErrors::default();
        for name in names.split(',') {
            match name {
                "reason" => errors.add("reason", FieldError::TooShort { min: 5 }),
                "patient_number" => errors.add("patient_number", FieldError::Missing),
                "birth_date" => errors.add("birth_date", FieldError::NotADate),
                _ => {}
            }
        }
        (!errors.is_empty()).then_some(AppError::Invalid(errors))
    });
    view! {
        <h1>{tr("Zahteva za dostop do podatkov", "Subject access request")}</h1>
        <p class="lead">{tr(
            "Poiščite napotitve enega bolnika po številki (KZZ) ali po imenu in datumu rojstva, kot so zapisani v napotitvi, in prenesite vse, kar hranimo o njih (JSON). Iskanje se zabeleži z razlogom, ki ga vpišete; iskani podatki se ne zapišejo nikamor.",
            "Find one patient's referrals by their number or by name and birth date, as the referral records them, and download everything held about them (JSON). The search is recorded with the reason you give; what you search for is not written anywhere."
        )}</p>
        <FormError error />
        <form method="post" action="/admin/subject-access" class="form" novalidate=true>
            <Field label=text(tr("Številka bolnika (KZZ)", "Patient number")) name="patient_number" autocomplete="off" error />
            <p class="hint">{tr("ali", "or")}</p>
            <div class="field-row">
                <Field label=text(tr("Ime in priimek", "Name")) name="patient_name" autocomplete="off" error />
                <Field label=text(tr("Datum rojstva", "Birth date")) name="birth_date" kind="date" error />
            </div>
            <div class="field">
                <label for="field-reason">{tr("Razlog (npr. pisna zahteva bolnika, št. zadeve)", "Reason (e.g. the patient's written request, case number)")}</label>
                <textarea id="field-reason" name="reason" rows="2" maxlength="500" required=true
                    aria-describedby="field-reason-error"></textarea>
                <FieldMessages name="reason" error />
            </div>
            <button type="submit" class="button">{tr("Prenesi podatke (JSON)", "Download the data (JSON)")}</button>
        </form>
    }
}
