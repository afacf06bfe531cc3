//! Starting a referral: the pathway choice, drafts under way, the ECPR alert form and
//! the referrer's list.
use super::*;

/// The centre's number as a large call button.
#[component]
pub(super) fn CallNow(#[prop(into)] label: Signal<String>) -> impl IntoView {
    let info = use_site_info();
    info.map(|info| {
        let href = info.tel_href();
        view! {
            <a class="call-now" href=href data-testid="call-now">
                <span>{move || label.get()}</span>
                <strong>{info.centre_phone}</strong>
            </a>
        }
    })
}

pub(super) fn status_label(status: crate::domain::workflow::Status, lang: Lang) -> String {
    crate::domain::workflow::state_label(status, lang)
}

#[component]
pub fn NewReferralPage() -> impl IntoView {
    view! {
        <crate::pages::workspace::CapacityBanner />
        <h1>{tr("Nova napotitev", "New referral")}</h1>
        <div class="pathways">
            <a class="pathway pathway-urgent" href="/referrals/new/ecpr" data-testid="start-ecpr">
                <h2>{tr("ECPR alarm — refraktarni srčni zastoj", "ECPR alert — refractory cardiac arrest")}</h2>
                <p>{tr("Najprej pokličite, nato izpolnite deset vprašanj.", "Phone first, then answer ten questions.")}</p>
            </a>
            <StartDraft pathway="vv" />
            <StartDraft pathway="va" />
        </div>
        <p class="phone-first">{tr(
            "Kontrolni seznam se shranjuje sproti; nadaljujete ga lahko tudi z druge naprave. Za nujnega bolnika najprej pokličite.",
            "The checklist is saved as you go; you can continue it from another device. For an urgent patient, phone first."
        )}</p>
        <CallNow label=text(tr("Pokličite ECMO center", "Phone the ECMO centre")) />
    }
}

/// The referring hospital's open referrals, newest first, with their state and how long
/// ago each was sent: the referrer's view of what the centre is doing.
#[component]
pub fn OpenReferrals() -> impl IntoView {
    let lang = use_lang();
    let list = Resource::new(|| (), |_| list_referrals());
    view! {
        <Suspense fallback=|| ()>
            {move || list.get().and_then(Result::ok).map(|items| {
                let open: Vec<ReferralSummary> = items
                    .into_iter()
                    .filter(|r| crate::domain::workflow::is_open(r.pathway, r.status))
                    .collect();
                (!open.is_empty()).then(|| view! {
                    <section class="open-referrals" aria-labelledby="open-referrals-title" data-testid="open-referrals">
                        <h2 id="open-referrals-title">{tr("Odprte napotitve vaše bolnišnice", "Your hospital's open referrals")}</h2>
                        <ul>
                            {open.into_iter().map(|r| {
                                let status = r.status;
                                view! {
                                    <li>
                                        <a href=format!("/referrals/{}", r.id)>{format!("{} · {}", r.reference, pathway_label(r.pathway))}</a>
                                        " — "<strong>{move || status_label(status, lang.get())}</strong>
                                        " · "<span class="muted">{move || match lang.get() {
                                            Lang::Sl => format!("poslano {}", r.submitted_local),
                                            Lang::En => format!("sent {}", r.submitted_local),
                                        }}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// The signed-in referrer's way in, at the top of the home page: the ECPR alert first and
/// largest, then a button that starts a VV or a VA checklist at once.
#[component]
pub fn QuickStart() -> impl IntoView {
    view! {
        <section class="quick-start" aria-labelledby="quick-start-title" data-testid="quick-start">
            <h2 id="quick-start-title">{tr("Nova napotitev", "New referral")}</h2>
            <a class="button button-urgent" href="/referrals/new/ecpr" data-testid="home-start-ecpr">
                {tr("ECPR alarm — refraktarni srčni zastoj", "ECPR alert — refractory cardiac arrest")}
            </a>
            <div class="quick-start-row">
                <StartButton pathway="vv" />
                <StartButton pathway="va" />
            </div>
        </section>
    }
}

/// One button that starts a draft of `pathway` (a plain form: it works without scripts).
#[component]
pub(super) fn StartButton(pathway: &'static str) -> impl IntoView {
    let action = ServerAction::<crate::referrals::StartDraft>::new();
    let error = action_error(action);
    let label = if pathway == "va" {
        tr("VA-ECMO — kardiogeni šok", "VA-ECMO — cardiogenic shock")
    } else {
        tr("VV-ECMO — dihalna odpoved", "VV-ECMO — respiratory failure")
    };
    view! {
        <ActionForm attr:novalidate=true action=action attr:class="form quick-start-form">
            <FormError error />
            <input type="hidden" name="pathway" value=pathway />
            <Submit label=text(label) pending=action.pending().into() />
        </ActionForm>
    }
}

/// A pathway card whose button starts a draft (a plain form: it works without scripts).
#[component]
pub(super) fn StartDraft(pathway: &'static str) -> impl IntoView {
    let action = ServerAction::<crate::referrals::StartDraft>::new();
    let error = action_error(action);
    let (title, body) = if pathway == "va" {
        (
            tr("VA-ECMO — kardiogeni šok", "VA-ECMO — cardiogenic shock"),
            tr(
                "Kontrolni seznam v osmih korakih: hemodinamika, laktat, vzrok šoka, UZ srca. Stopnjo SCAI in SAVE izračuna orodje.",
                "An eight-step checklist: haemodynamics, lactate, cause of shock, echo. The tool works out the SCAI stage and SAVE.",
            ),
        )
    } else {
        (
            tr("VV-ECMO — dihalna odpoved", "VV-ECMO — respiratory failure"),
            tr(
                "Kontrolni seznam v osmih korakih: ventilacija, zaporedne plinske analize, trebušni položaj. Merila EOLIA, Murray, RESP in PRESERVE izračuna orodje.",
                "An eight-step checklist: ventilation, serial blood gases, prone position. The tool checks the EOLIA criteria and works out Murray, RESP and PRESERVE.",
            ),
        )
    };
    view! {
        <div class="pathway" data-pathway=pathway>
            <h2>{title}</h2>
            <p>{body}</p>
            <ActionForm attr:novalidate=true action=action attr:class="form">
                <FormError error />
                <input type="hidden" name="pathway" value=pathway />
                <Submit label=text(if pathway == "va" { tr("Začni napotitev VA", "Start a VA referral") } else { tr("Začni napotitev VV", "Start a VV referral") }) pending=action.pending().into() />
            </ActionForm>
        </div>
    }
}

#[component]
pub fn EcprAlertPage() -> impl IntoView {
    let user = use_current_user();
    let hospital_id = user.as_ref().and_then(|u| u.hospital_id).unwrap_or(-1);
    let phone = user.map(|u| u.phone).unwrap_or_default();
    // One key per rendered form: a double click or a resent form makes one referral.
    #[cfg(feature = "ssr")]
    let key = uuid::Uuid::new_v4().simple().to_string();
    #[cfg(not(feature = "ssr"))]
    let key = String::new();
    let call = text(tr(
        "Najprej pokličite ECMO center",
        "Phone the ECMO centre first",
    ));
    // The form comes back as typed only when the centre has just returned it with a
    // mistake (the framework's error in the address), never into a new alert.
    let query = use_query_map();
    let returned = query.with_untracked(|q| q.get("__err").is_some());
    let kept_failed = query.with_untracked(|q| q.get("kept").is_some());
    let typed = Resource::new(
        move || returned,
        |returned| async move {
            if returned {
                crate::referrals::returned_ecpr_form().await.ok().flatten()
            } else {
                None
            }
        },
    );
    let fresh = StoredValue::new((phone, key));
    let form = move || {
        typed.get().map(|values| {
            let (phone, key) = fresh.get_value();
            let values = values.unwrap_or(crate::referrals::EcprAlertValues {
                callback_phone: phone,
                ..Default::default()
            });
            view! { <EcprAlertForm values idempotency_key=key /> }
        })
    };
    view! {
        <crate::pages::workspace::CapacityBanner />
        <Guarded action=Action::CreateReferral { hospital_id }>
            <h1>{tr("ECPR alarm", "ECPR alert")}</h1>
            <CallNow label=call />
            {kept_failed.then(|| view! {
                <p class="notice" role="status" data-testid="kept-failed">{tr(
                    "Alarm je bil shranjen med ponovno prijavo, a ga center ni sprejel: popravite označeno in ga pošljite znova.",
                    "The alert was kept while you signed in again, but the centre returned it: correct what is marked and send it again."
                )}</p>
            })}
            <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
                {form}
            </Suspense>
        </Guarded>
    }
}

/// The alert's form, a plain HTML form: the page downloads no script, so it is ready at
/// once on a slow phone. A mistake comes back beside its field with everything as typed;
/// the form's idempotency key makes a double click or a resent form one referral.
#[component]
pub(super) fn EcprAlertForm(
    values: crate::referrals::EcprAlertValues,
    idempotency_key: String,
) -> impl IntoView {
    let action = ServerAction::<SubmitEcprAlert>::new();
    let error = action_error(action);
    let select = move |name: &'static str,
                       chosen: String,
                       options: Vec<(&'static str, Signal<String>)>,
                       label: Signal<String>| {
        let id = format!("field-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{move || label.get()}</label>
                <select id=id name=name aria-describedby=format!("field-{name}-error")>
                    <option value="">{tr("— izberite —", "— choose —")}</option>
                    {options.into_iter().map(|(value, label)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{move || label.get()}</option> }
                    }).collect_view()}
                </select>
                <FieldMessages name error />
            </div>
        }
    };
    let checkbox = |name: &'static str, checked: bool, label: Signal<String>| {
        view! { <label class="checkbox"><input type="checkbox" name=name checked=checked />{move || label.get()}</label> }
    };
    let mmhg = values.etco2_unit == "mmhg";
    view! {
        <p class="lead">{tr(
            "Nato izpolnite, kar veste: vprašanja 1 do 5 in 7 so obvezna, druga le, če jih poznate.",
            "Then fill in what you know: questions 1 to 5 and 7 are required, the others only if known."
        )}</p>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormError error />
            <input type="hidden" name="idempotency_key" value=idempotency_key />
            <Field label=text(tr("1. Telefon za povratni klic", "1. Callback phone")) name="callback_phone" kind="tel" autocomplete="tel" required=true value=values.callback_phone error />
            <Field label=text(tr("2. Kraj (naslov, ekipa NMP ali oddelek)", "2. Location (address, EMS unit or ward)")) name="location" required=true value=values.location error />
            <Field label=text(tr("3. Starost (ocena, leta)", "3. Age (estimate, years)")) name="age_years" kind="text" required=true value=values.age_years error />
            <Field label=text(tr("4. Minut od zastoja", "4. Minutes since collapse")) name="minutes_since_collapse" required=true value=values.minutes_since_collapse error />
            {select("collapse", values.collapse, vec![
                ("witnessed_bystander_cpr", text(tr("Ob prisotnosti, laično oživljanje", "Witnessed, bystander CPR"))),
                ("witnessed_no_cpr", text(tr("Ob prisotnosti, brez laičnega oživljanja", "Witnessed, no bystander CPR"))),
                ("unwitnessed", text(tr("Brez prisotnosti očividcev", "Unwitnessed"))),
            ], text(tr("5. Zastoj", "5. Collapse")))}
            <Field label=text(tr("6. Čas brez pretoka (min do začetka stisov), če je znan", "6. No-flow time (min to first compression), if known")) name="no_flow_min" value=values.no_flow_min error />
            {select("initial_rhythm", values.initial_rhythm, vec![
                ("vf_pvt", text(tr("VF / pVT", "VF / pVT"))),
                ("pea", text(tr("PEA", "PEA"))),
                ("asystole", text(tr("Asistolija", "Asystole"))),
                ("unknown", text(tr("Ni znano", "Unknown"))),
            ], text(tr("7. Začetni ritem", "7. Initial rhythm")))}
            <div class="field">
                <label for="field-etco2">{tr("8. Zadnji EtCO2", "8. Latest EtCO2")}</label>
                <div class="input-with-unit">
                    <input id="field-etco2" name="etco2" type="text" inputmode="decimal" value=values.etco2 aria-describedby="field-etco2_kpa-error" />
                    <select name="etco2_unit" aria-label=move || tr("Enota", "Unit")()>
                        <option value="kpa" selected=!mmhg>"kPa"</option>
                        <option value="mmhg" selected=mmhg>"mmHg"</option>
                    </select>
                </div>
                <FieldMessages name="etco2_kpa" error />
                <FieldMessages name="etco2_mmhg" error />
            </div>
            <Field label=text(tr("9. Minut do prihoda v center", "9. Minutes until arrival at the centre")) name="eta_min" value=values.eta_min error />
            <fieldset class="field">
                <legend>{tr("10. Znano pred zastojem", "10. Known before the arrest")}</legend>
                {checkbox("known_limitation_of_therapy", values.known_limitation_of_therapy, text(tr("Odločitev o neoživljanju ali omejitvi zdravljenja", "DNR or limitation of therapy")))}
                {checkbox("known_terminal_illness", values.known_terminal_illness, text(tr("Terminalna bolezen", "Terminal illness")))}
                {checkbox("known_hypothermia", values.known_hypothermia, text(tr("Podhladitev", "Hypothermia")))}
                <FieldMessages name="known" error />
            </fieldset>
            <FieldMessages name="pathway" error />
            <Submit label=text(tr("Pošlji ECPR alarm", "Send ECPR alert")) pending=action.pending().into() />
        </ActionForm>
    }
}

#[component]
pub fn ReferralsPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ListReferrals>
            <ReferralList />
        </Guarded>
    }
}

#[component]
pub(super) fn ReferralList() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_referrals());
    let lang = use_lang();
    let referrer = use_current_user().is_some_and(|u| u.hospital_id.is_some());
    view! {
        <h1>{tr("Napotitve", "Referrals")}</h1>
        {referrer.then(|| view! { <p><a class="button" href="/referrals/new">{tr("Nova napotitev", "New referral")}</a></p> })}
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(items) if items.is_empty() => view! { <p>{tr("Še ni napotitev.", "No referrals yet.")}</p> }.into_any(),
                Ok(items) => view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr>
                                <th>{tr("Oznaka", "Reference")}</th>
                                <th>{tr("Pot", "Pathway")}</th>
                                <th>{tr("Bolnišnica", "Hospital")}</th>
                                <th>{tr("Poslano", "Submitted")}</th>
                                <th>{tr("Stanje", "Status")}</th>
                            </tr></thead>
                            <tbody>
                                {items.into_iter().map(|r| {
                                    let status = r.status;
                                    let pathway = r.pathway;
                                    view! {
                                        <tr>
                                            <td><a href=format!("/referrals/{}", r.id)>{r.reference}</a></td>
                                            <td>{pathway_label(pathway)}</td>
                                            <td>{r.hospital_name}</td>
                                            <td>{r.submitted_local}</td>
                                            <td>{move || status_label(status, lang.get())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}
