//! The referrer's pages: choose a pathway, the ECPR alert (phone first), the list of the
//! hospital's referrals, and one referral with its flags and timeline. After submitting,
//! the referral page is the confirmation.
use crate::accounts::use_current_user;
use crate::components::forms::{
    action_error, text, tr, use_lang, Field, FieldMessages, FormError, Submit,
};
use crate::domain::i18n::Lang;
use crate::domain::policy::Action;
use crate::pages::account::Guarded;
use crate::referrals::*;
use crate::site::use_site_info;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

/// The centre's number as a large call button.
#[component]
fn CallNow(#[prop(into)] label: Signal<String>) -> impl IntoView {
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

fn pathway_label(pathway: &str, lang: Lang) -> &'static str {
    match (pathway, lang) {
        ("ecpr", _) => "ECPR",
        ("va", _) => "VA-ECMO",
        _ => "VV-ECMO",
    }
}

fn status_label(status: &str, lang: Lang) -> String {
    let en = lang == Lang::En;
    match status {
        "ECPR_ALERT" => if en {
            "ECPR alert sent"
        } else {
            "ECPR alarm poslan"
        }
        .into(),
        "SUBMITTED" => if en { "Submitted" } else { "Poslano" }.into(),
        other => other.replace('_', " ").to_lowercase(),
    }
}

#[component]
pub fn NewReferralPage() -> impl IntoView {
    view! {
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

/// A pathway card whose button starts a draft (a plain form: it works without scripts).
#[component]
fn StartDraft(pathway: &'static str) -> impl IntoView {
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
            <ActionForm action=action attr:class="form">
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
    view! {
        <Guarded action=Action::CreateReferral { hospital_id }>
            <h1>{tr("ECPR alarm", "ECPR alert")}</h1>
            <CallNow label=call />
            <EcprAlertForm phone=phone.clone() idempotency_key=key.clone() />
        </Guarded>
    }
}

/// The alert's form: an island, so that a mistake is shown beside its field without
/// losing what was typed, and a double click sends once.
#[island]
fn EcprAlertForm(phone: String, idempotency_key: String) -> impl IntoView {
    let action = ServerAction::<SubmitEcprAlert>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(done)) = action.value().get() {
            #[cfg(feature = "hydrate")]
            {
                let _ = window()
                    .location()
                    .set_href(&format!("/referrals/{}?new=1", done.id));
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = done;
        }
    });
    let select = move |name: &'static str,
                       options: Vec<(&'static str, Signal<String>)>,
                       label: Signal<String>| {
        let id = format!("field-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{move || label.get()}</label>
                <select id=id name=name aria-describedby=format!("field-{name}-error")>
                    <option value="">{tr("— izberite —", "— choose —")}</option>
                    {options.into_iter().map(|(value, label)| view! { <option value=value>{move || label.get()}</option> }).collect_view()}
                </select>
                <FieldMessages name error />
            </div>
        }
    };
    view! {
        <p class="lead">{tr(
            "Nato izpolnite, kar veste: vprašanja 1 do 5 in 7 so obvezna, druga le, če jih poznate.",
            "Then fill in what you know: questions 1 to 5 and 7 are required, the others only if known."
        )}</p>
        <ActionForm action=action attr:class="form" attr:novalidate=true>
            <FormError error />
            <input type="hidden" name="idempotency_key" value=idempotency_key />
            <Field label=text(tr("1. Telefon za povratni klic", "1. Callback phone")) name="callback_phone" kind="tel" autocomplete="tel" required=true value=phone error />
            <Field label=text(tr("2. Kraj (naslov, ekipa NMP ali oddelek)", "2. Location (address, EMS unit or ward)")) name="location" required=true error />
            <Field label=text(tr("3. Starost (ocena, leta)", "3. Age (estimate, years)")) name="age_years" kind="text" required=true error />
            <Field label=text(tr("4. Minut od zastoja", "4. Minutes since collapse")) name="minutes_since_collapse" required=true error />
            {select("collapse", vec![
                ("witnessed_bystander_cpr", text(tr("Ob prisotnosti, laično oživljanje", "Witnessed, bystander CPR"))),
                ("witnessed_no_cpr", text(tr("Ob prisotnosti, brez laičnega oživljanja", "Witnessed, no bystander CPR"))),
                ("unwitnessed", text(tr("Brez prisotnosti očividcev", "Unwitnessed"))),
            ], text(tr("5. Zastoj", "5. Collapse")))}
            <Field label=text(tr("6. Čas brez pretoka (min do začetka stisov), če je znan", "6. No-flow time (min to first compression), if known")) name="no_flow_min" error />
            {select("initial_rhythm", vec![
                ("vf_pvt", text(tr("VF / pVT", "VF / pVT"))),
                ("pea", text(tr("PEA", "PEA"))),
                ("asystole", text(tr("Asistolija", "Asystole"))),
                ("unknown", text(tr("Ni znano", "Unknown"))),
            ], text(tr("7. Začetni ritem", "7. Initial rhythm")))}
            <div class="field">
                <label for="field-etco2">{tr("8. Zadnji EtCO2", "8. Latest EtCO2")}</label>
                <div class="input-with-unit">
                    <input id="field-etco2" name="etco2" type="text" inputmode="decimal" aria-describedby="field-etco2_kpa-error" />
                    <select name="etco2_unit" aria-label=move || tr("Enota", "Unit")()>
                        <option value="kpa">"kPa"</option>
                        <option value="mmhg">"mmHg"</option>
                    </select>
                </div>
                <FieldMessages name="etco2_kpa" error />
                <FieldMessages name="etco2_mmhg" error />
            </div>
            <Field label=text(tr("9. Minut do prihoda v center", "9. Minutes until arrival at the centre")) name="eta_min" error />
            <fieldset class="field">
                <legend>{tr("10. Znano pred zastojem", "10. Known before the arrest")}</legend>
                <label class="checkbox"><input type="checkbox" name="known_limitation_of_therapy" />{tr("Odločitev o neoživljanju ali omejitvi zdravljenja", "DNR or limitation of therapy")}</label>
                <label class="checkbox"><input type="checkbox" name="known_terminal_illness" />{tr("Terminalna bolezen", "Terminal illness")}</label>
                <label class="checkbox"><input type="checkbox" name="known_hypothermia" />{tr("Podhladitev", "Hypothermia")}</label>
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
fn ReferralList() -> impl IntoView {
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
                                    let status = r.status.clone();
                                    let pathway = r.pathway.clone();
                                    view! {
                                        <tr>
                                            <td><a href=format!("/referrals/{}", r.id)>{r.reference}</a></td>
                                            <td>{move || pathway_label(&pathway, lang.get())}</td>
                                            <td>{r.hospital_name}</td>
                                            <td>{r.submitted_local}</td>
                                            <td>{move || status_label(&status, lang.get())}</td>
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

#[component]
pub fn ReferralPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ListReferrals>
            <ReferralView />
        </Guarded>
    }
}

#[component]
fn ReferralView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let lang = use_lang();
    let detail = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        get_referral,
    );
    let is_new = move || query.with(|q| q.get("new").is_some());
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || detail.get().map(|result| match result {
                Err(e) => {
                    #[cfg(feature = "ssr")]
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        if let Ok(status) = http::StatusCode::from_u16(e.status()) {
                            response.set_status(status);
                        }
                    }
                    view! { <h1>{tr("Napotitve ni mogoče prikazati", "This referral cannot be shown")}</h1><p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any()
                }
                Ok(d) => referral_view(d, is_new(), lang).into_any(),
            })}
        </Suspense>
    }
}

use crate::pages::checklist::display_value;

fn event_label(kind: &str, lang: Lang) -> String {
    match (kind, lang) {
        ("submitted", Lang::Sl) => "poslano".into(),
        ("submitted", Lang::En) => "submitted".into(),
        (other, _) => other.replace('_', " "),
    }
}

fn referral_view(d: ReferralDetail, is_new: bool, lang: Signal<Lang>) -> impl IntoView {
    use crate::pages::checklist::{Answers, DecisionSupport};
    let s = d.summary.clone();
    let ecpr = s.pathway == "ecpr";
    let stage_e = d
        .evaluation
        .scai
        .is_some_and(|s| s.stage == crate::domain::triage::ScaiStage::E);
    let status = s.status.clone();
    let checklist_data = (!ecpr).then(|| d.data.as_object().cloned()).flatten();
    let data: Vec<(String, Value)> = d
        .data
        .as_object()
        .filter(|_| ecpr)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    view! {
        {is_new.then(|| view! {
            <section class="confirmation" role="status" data-testid="confirmation">
                <h1>{tr("Napotitev je poslana", "Referral sent")}</h1>
                <p class="reference">{s.reference.clone()}</p>
                <p>{move || match lang.get() {
                    Lang::Sl => format!("Center se odzove v {} min.", s.acknowledge_target_min),
                    Lang::En => format!("The centre responds within {} min.", s.acknowledge_target_min),
                }}</p>
                {ecpr.then(|| view! { <CallNow label=text(tr("ECPR: pokličite zdaj", "ECPR: phone now")) /> })}
                {stage_e.then(|| view! { <CallNow label=text(tr("Šok SCAI E: pokličite zdaj", "SCAI E shock: phone now")) /> })}
                {(!ecpr && !stage_e).then(|| view! { <CallNow label=text(tr("Center po telefonu", "The centre by phone")) /> })}
            </section>
        })}
        {(!is_new).then(|| view! { <h1>{d.summary.reference.clone()}</h1> })}
        <dl class="facts">
            <dt>{tr("Pot", "Pathway")}</dt><dd>{move || pathway_label(&d.summary.pathway, lang.get())}</dd>
            <dt>{tr("Stanje", "Status")}</dt><dd data-testid="status">{move || status_label(&status, lang.get())}</dd>
            <dt>{tr("Bolnišnica", "Hospital")}</dt><dd>{d.summary.hospital_name.clone()}</dd>
            <dt>{tr("Poslano", "Submitted")}</dt><dd>{d.summary.submitted_local.clone()}</dd>
            <dt>{tr("Odziv centra", "Centre's response")}</dt>
            <dd>{move || match lang.get() {
                Lang::Sl => format!("povratni klic v {} min, odločitev v {} min", d.summary.acknowledge_target_min, d.decision_target_min),
                Lang::En => format!("call back within {} min, decision within {} min", d.summary.acknowledge_target_min, d.decision_target_min),
            }}</dd>
        </dl>
        <DecisionSupport evaluation=d.evaluation.clone() missing=Vec::new() />
        {checklist_data.map(|data| view! {
            <h2>{tr("Poslani podatki", "Submitted answers")}</h2>
            <Answers data />
        })}
        {ecpr.then(|| view! { <h2>{tr("Poslani podatki", "Submitted answers")}</h2> })}
        <dl class="facts">
            {data.into_iter().map(|(k, v)| view! {
                <dt>{crate::domain::labels::field_label(&k, lang.get_untracked())}</dt>
                <dd>{display_value(&v, lang.get_untracked())}</dd>
            }).collect_view()}
        </dl>
        <h2>{tr("Časovnica", "Timeline")}</h2>
        <ol class="timeline">
            {d.events.into_iter().map(|e| view! {
                <li><span class="time">{e.at_local}</span>" "{event_label(&e.kind, lang.get_untracked())}{e.actor.map(|a| format!(" — {a}"))}</li>
            }).collect_view()}
        </ol>
    }
}
