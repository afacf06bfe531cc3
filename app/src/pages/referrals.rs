//! The referrer's pages: choose a pathway, the ECPR alert (phone first), the list of the
//! hospital's referrals, and one referral with its flags and timeline. After submitting,
//! the referral page is the confirmation.
use crate::accounts::use_current_user;
use crate::components::forms::{
    action_error, text, tr, use_lang, Field, FieldMessages, FormError, Submit,
};
use crate::domain::i18n::Lang;
use crate::domain::policy::Action;
use crate::domain::triage::Pathway;
use crate::pages::account::Guarded;
use crate::pages::workspace::pathway_label;
use crate::referrals::*;
use crate::site::use_site_info;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod start;
pub use start::*;

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
    let print = move || query.with(|q| q.get("print").is_some());
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
                Ok(d) => referral_view(d, is_new(), print(), lang).into_any(),
            })}
        </Suspense>
    }
}

use crate::pages::checklist::display_value;

fn event_label(kind: &str, lang: Lang) -> String {
    match (kind, lang) {
        ("submitted", Lang::Sl) => "poslano".into(),
        ("submitted", Lang::En) => "submitted".into(),
        ("updated", Lang::Sl) => "dopolnjeno".into(),
        ("updated", Lang::En) => "update added".into(),
        ("message", Lang::Sl) => "sporočilo".into(),
        ("message", Lang::En) => "message".into(),
        ("withdrawn", Lang::Sl) => "preklicano".into(),
        ("withdrawn", Lang::En) => "withdrawn".into(),
        ("acknowledged", Lang::Sl) => "prejem potrjen".into(),
        ("acknowledged", Lang::En) => "acknowledged".into(),
        ("escalated", Lang::Sl) => "stopnjevano (ni bilo potrjeno pravočasno)".into(),
        ("escalated", Lang::En) => "escalated (not acknowledged in time)".into(),
        ("review_due", Lang::Sl) => "čas za ponovno oceno".into(),
        ("review_due", Lang::En) => "review due".into(),
        ("assigned", Lang::Sl) => "prevzeto".into(),
        ("assigned", Lang::En) => "assigned".into(),
        (other, _) => other.replace('_', " "),
    }
}

/// What the referrer most wants to know, in one line: when the centre received it and who
/// acknowledged it when ("received 06:11, acknowledged by Dr X at 06:13"); on an open
/// referral, a link that shows the latest state.
/// Who acknowledged the referral, and when (local), from its timeline.
fn acknowledgement(events: &[ReferralEvent]) -> Option<(String, String)> {
    events
        .iter()
        .find(|e| e.status == Some(crate::domain::workflow::Status::Acknowledged))
        .map(|e| (e.actor.clone().unwrap_or_default(), e.at_local.clone()))
}

/// The receipt line: received when, acknowledged by whom and when (or not yet), and the
/// state. While the referral is open it follows the centre live: the referral's change
/// events (`/api/v1/referrals/{id}/events`) fetch it again and the line changes in place,
/// with a link to show everything else that changed (the page is not reloaded under the
/// doctor's typing). Without scripts, a link shows the latest state (and see the page's
/// reload below).
#[island(lazy)]
fn Receipt(
    id: i64,
    submitted: String,
    acknowledged: Option<(String, String)>,
    status: crate::domain::workflow::Status,
    open: bool,
) -> impl IntoView {
    crate::island_hydrated();
    let lang = use_lang();
    let acknowledged = RwSignal::new(acknowledged);
    let status = RwSignal::new(status);
    let changed = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if open {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;
            let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/referrals/{id}/events"))
            else {
                return;
            };
            let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
                leptos::task::spawn_local(async move {
                    if let Ok(d) = get_referral(id.to_string()).await {
                        acknowledged.set(acknowledgement(&d.events));
                        status.set(d.summary.status);
                        changed.set(true);
                    }
                });
            });
            let _ = source
                .add_event_listener_with_callback("referral", on_change.as_ref().unchecked_ref());
            on_change.forget();
        }
    });
    let text = move || {
        let received = match lang.get() {
            Lang::Sl => format!("Prejeto {submitted}"),
            Lang::En => format!("Received {submitted}"),
        };
        let state = status_label(status.get(), lang.get());
        match (acknowledged.get(), lang.get()) {
            (Some((by, at)), Lang::Sl) => format!("{received} · prevzel(a) {by}, {at} · {state}"),
            (Some((by, at)), Lang::En) => {
                format!("{received} · acknowledged by {by}, {at} · {state}")
            }
            (None, Lang::Sl) => format!("{received} · center še ni potrdil prevzema · {state}"),
            (None, Lang::En) => {
                format!("{received} · not yet acknowledged by the centre · {state}")
            }
        }
    };
    view! {
        <p class="receipt" data-testid="receipt" aria-live="polite">
            {text}
            {open.then(|| view! {
                " "<a href=format!("/referrals/{id}") data-testid="refresh">
                    {move || if changed.get() {
                        tr("Spremenjeno: prikaži novo stanje", "Changed: show the latest")()
                    } else {
                        tr("Osveži stanje", "Refresh the status")()
                    }}
                </a>
            })}
        </p>
    }
}

/// The local clock time `minutes` after a local time shown as `d. m. yyyy HH:MM`.
fn arrival_clock(at_local: &str, minutes: i64) -> Option<String> {
    let (h, m) = at_local.rsplit(' ').next()?.split_once(':')?;
    let total = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()? + minutes;
    let total = total.rem_euclid(24 * 60);
    Some(format!("{:02}:{:02}", total / 60, total % 60))
}

/// A moment the case clock counts from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClockMark {
    Referral,
    Acknowledged,
    Decided,
    /// ECPR: the collapse, as the alert estimated it (minutes before the alert).
    Collapse,
}

/// The case clock's moments, each with the minutes since it when the page was read.
fn case_marks(d: &ReferralDetail) -> Vec<(ClockMark, i64)> {
    use crate::domain::workflow::{Status, DECISIONS};
    let minutes = |at: i64| (d.read_at - at).max(0) / 60_000;
    let first = |wanted: &dyn Fn(Status) -> bool| {
        d.events
            .iter()
            .filter(|e| e.status.is_some_and(wanted))
            .map(|e| e.at)
            .min()
    };
    let mut marks = Vec::new();
    if d.summary.pathway == Pathway::Ecpr {
        if let Some(before) = d.data.get("minutes_since_collapse").and_then(Value::as_f64) {
            let at = d.summary.submitted_at - (before * 60_000.0).round() as i64;
            marks.push((ClockMark::Collapse, minutes(at)));
        }
    }
    marks.push((ClockMark::Referral, minutes(d.summary.submitted_at)));
    if let Some(at) = first(&|s| s == Status::Acknowledged) {
        marks.push((ClockMark::Acknowledged, minutes(at)));
    }
    if let Some(at) = first(&|s| DECISIONS.contains(&s)) {
        marks.push((ClockMark::Decided, minutes(at)));
    }
    marks
}

/// Minutes as a clinician reads them: `12 min`, `2 h 05 min`, `3 d 4 h`.
fn elapsed_text(minutes: i64) -> String {
    let minutes = minutes.max(0);
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {:02} min", m / 60, m % 60),
        m => format!("{} d {} h", m / 1440, (m % 1440) / 60),
    }
}

/// The case clock: how long since the collapse (ECPR), the referral, its acknowledgement
/// and the decision — what every ECPR decision turns on. Right at page load without
/// scripts (the server counted it); while the case is open it moves on with the browser's
/// clock every 30 s.
#[island(lazy)]
fn CaseClock(marks: Vec<(ClockMark, i64)>, live: bool) -> impl IntoView {
    crate::island_hydrated();
    let lang = use_lang();
    // Minutes the browser has counted since the page was read.
    let more = RwSignal::new(0_i64);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if live {
            let loaded = js_sys::Date::now();
            let _ = set_interval_with_handle(
                move || more.set(((js_sys::Date::now() - loaded) / 60_000.0).floor() as i64),
                std::time::Duration::from_secs(30),
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = live;
    });
    view! {
        <dl class="case-clock" data-testid="case-clock" aria-live="off">
            {marks.into_iter().map(|(mark, minutes)| {
                let label = move || match (mark, lang.get()) {
                    (ClockMark::Collapse, Lang::Sl) => "Od zastoja",
                    (ClockMark::Collapse, Lang::En) => "Since collapse",
                    (ClockMark::Referral, Lang::Sl) => "Od napotitve",
                    (ClockMark::Referral, Lang::En) => "Since referral",
                    (ClockMark::Acknowledged, Lang::Sl) => "Od potrditve prejema",
                    (ClockMark::Acknowledged, Lang::En) => "Since acknowledgement",
                    (ClockMark::Decided, Lang::Sl) => "Od odločitve",
                    (ClockMark::Decided, Lang::En) => "Since the decision",
                };
                let testid = format!("clock-{}", format!("{mark:?}").to_lowercase());
                view! {
                    <div>
                        <dt>{label}</dt>
                        <dd data-testid=testid>{move || elapsed_text(minutes + more.get())}</dd>
                    </div>
                }
            }).collect_view()}
        </dl>
    }
}

/// A timeline entry: the step (a state's name for state changes) and what it carried.
fn event_text(e: &ReferralEvent, lang: Lang) -> String {
    use crate::domain::workflow as wf;
    let mut text = match (&e.kind[..], &e.status) {
        ("transition", Some(state)) => wf::state_label(*state, lang),
        _ => event_label(&e.kind, lang),
    };
    let field = |key: &str| e.detail.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(code) = field("reason_code") {
        text.push_str(&format!(" · {}", wf::reason_label(&code, lang)));
    }
    if let Some(eta) = e.detail.get("eta_min").and_then(Value::as_i64) {
        text.push_str(&match (arrival_clock(&e.at_local, eta), lang) {
            (Some(at), Lang::Sl) => format!(" · prihod ekipe okoli {at} (čez {eta} min)"),
            (Some(at), Lang::En) => format!(" · team arrives about {at} (in {eta} min)"),
            (None, Lang::Sl) => format!(" · prihod ekipe čez {eta} min"),
            (None, Lang::En) => format!(" · team arrives in {eta} min"),
        });
    }
    if let Some(mode) = field("mode") {
        text.push_str(&format!(" · {mode}"));
    }
    if e.detail.get("by_update").is_some() {
        text.push_str(match lang {
            Lang::Sl => " (po dopolnitvi)",
            Lang::En => " (after the update)",
        });
    }
    text
}

fn referral_view(
    d: ReferralDetail,
    is_new: bool,
    print: bool,
    lang: Signal<Lang>,
) -> impl IntoView {
    use crate::pages::checklist::{Answers, DecisionSupport};
    let full = d.clone();
    let s = d.summary.clone();
    let id = s.id;
    let followups = (!print).then(|| followup_view(&d, lang));
    let chart = (!d.pf_series.is_empty()).then(|| view! { <PfChart points=d.pf_series.clone() /> });
    let snapshots = d.snapshots.clone();
    let ecpr = s.pathway == Pathway::Ecpr;
    let stage_e = d
        .evaluation
        .scai
        .is_some_and(|s| s.stage == crate::domain::triage::ScaiStage::E);
    let status = s.status;
    let live = !print && crate::domain::workflow::is_open(s.pathway, s.status);
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
        {(!print).then(|| view! { <CaseClock marks=case_marks(&d) live /> })}
        <crate::pages::workspace::DecisionPanel detail=full.clone() />
        {(!print).then(|| view! { <crate::pages::workspace::CentreActions detail=full.clone() /> })}
        {(!print).then(|| view! {
            <p class="page-actions">
                <a href=format!("/referrals/{id}?print=1") data-testid="print-link">{tr("Pogled za tiskanje", "Print view")}</a>
            </p>
        })}
        {print.then(|| view! {
            <p class="print-hint no-print">{tr("Natisnite s Ctrl+P (⌘P); glava in obrazci se ne natisnejo.", "Print with Ctrl+P (⌘P); the header and the forms are left out.")}</p>
        })}
        <Receipt id submitted=d.summary.submitted_local.clone() acknowledged=acknowledgement(&d.events) status=d.summary.status open=live />
        // Without scripts, a page still waiting for the centre reloads itself every minute
        // (outside the island: with scripts, a noscript's content is text, not markup).
        {(live && acknowledgement(&d.events).is_none()).then(|| view! { <noscript><meta http-equiv="refresh" content="60" /></noscript> })}
        <dl class="facts">
            <dt>{tr("Pot", "Pathway")}</dt><dd>{pathway_label(d.summary.pathway)}</dd>
            <dt>{tr("Stanje", "Status")}</dt><dd data-testid="status">{move || status_label(status, lang.get())}</dd>
            <dt>{tr("Bolnišnica", "Hospital")}</dt><dd>{d.summary.hospital_name.clone()}</dd>
            <dt>{tr("Poslano", "Submitted")}</dt><dd>{d.summary.submitted_local.clone()}</dd>
            <dt>{tr("Odziv centra", "Centre's response")}</dt>
            <dd>{move || match lang.get() {
                Lang::Sl => format!("povratni klic v {} min, odločitev v {} min", d.summary.acknowledge_target_min, d.decision_target_min),
                Lang::En => format!("call back within {} min, decision within {} min", d.summary.acknowledge_target_min, d.decision_target_min),
            }}</dd>
        </dl>
        <DecisionSupport evaluation=d.evaluation.clone() missing=Vec::new() rule_ids=d.workflow.centre />
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
        <section id="updates" class="updates" data-testid="updates">
            <h2>{tr("Potek in dopolnitve", "Course and updates")}</h2>
            {chart}
            <ol class="versions">
                {snapshots.into_iter().map(|v| view! {
                    <li data-testid=format!("version-{}", v.version)>
                        <strong>{move || match lang.get() { Lang::Sl => format!("Različica {}", v.version), Lang::En => format!("Version {}", v.version) }}</strong>
                        " · "{v.at_local.clone()}" · "{v.author.clone()}
                        {move || match lang.get() { Lang::Sl => format!(" · plinskih analiz: {}", v.gases), Lang::En => format!(" · blood gases: {}", v.gases) }}
                        {(!v.note.is_empty()).then(|| view! { <p class="note">{v.note.clone()}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        {followups}
        <crate::pages::workspace::AuditTrail detail=full />
        <h2>{tr("Časovnica", "Timeline")}</h2>
        <ol class="timeline" data-testid="timeline">
            {d.events.into_iter().map(|e| view! {
                <li>
                    <span class="time">{e.at_local.clone()}</span>
                    // The case clock's times, step by step: how long after the referral.
                    {(e.kind != "submitted").then(|| view! { " " <span class="muted" data-testid="after-referral">{format!("(+{})", elapsed_text((e.at - s.submitted_at) / 60_000))}</span> })}
                    " "{event_text(&e, lang.get_untracked())}{e.actor.clone().map(|a| format!(" — {a}"))}
                    {e.detail.get("advice").and_then(Value::as_str).map(|a| view! { <p class="advice">{a.to_owned()}</p> })}
                    {e.detail.get("note").and_then(Value::as_str).map(|n| view! { <p class="note internal">{tr("Interno: ", "Internal: ")}{n.to_owned()}</p> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// The referrer's side after sending: add an update, the message thread, follow, withdraw.
fn followup_view(d: &ReferralDetail, lang: Signal<Lang>) -> impl IntoView {
    let id = d.summary.id.to_string();
    let can_update = d.can_update;
    let checklist = d.summary.pathway != Pathway::Ecpr;
    let message = ServerAction::<PostReferralMessage>::new();
    let message_error = action_error(message);
    let withdraw = ServerAction::<WithdrawReferral>::new();
    let withdraw_error = action_error(withdraw);
    let follow = ServerAction::<FollowReferral>::new();
    let messages = d.messages.clone();
    let followers = d.followers.clone();
    let following = d.following;
    let referrer = use_current_user().is_some_and(|u| u.hospital_id == Some(d.summary.hospital_id));
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id);
    view! {
        {can_update.then(|| view! { <UpdateForm id=id1.clone() checklist /> })}
        <section id="messages" class="messages" data-testid="messages">
            <h2>{tr("Sporočila s centrom", "Messages with the centre")}</h2>
            {if messages.is_empty() {
                view! { <p class="muted">{tr("Še ni sporočil.", "No messages yet.")}</p> }.into_any()
            } else {
                view! {
                    <ol class="thread">
                        {messages.into_iter().map(|m| view! {
                            <li class:from-centre=m.from_centre>
                                <p class="meta">{m.at_local}" · "{m.author}{m.from_centre.then_some(" (ECMO)")}</p>
                                <p class="body">{m.body}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <ActionForm attr:novalidate=true action=message attr:class="form no-print">
                <FormError error=message_error />
                <input type="hidden" name="id" value=id2 />
                <div class="field">
                    <label for="message-body">{tr("Novo sporočilo", "New message")}</label>
                    <textarea id="message-body" name="body" rows="3" maxlength="2000"></textarea>
                    <FieldMessages name="body" error=message_error />
                </div>
                <Submit label=text(tr("Pošlji sporočilo", "Send the message")) pending=message.pending().into() />
            </ActionForm>
        </section>
        <section class="following no-print">
            <p data-testid="followers">{move || {
                let names = followers.join(", ");
                match (lang.get(), names.is_empty()) {
                    (Lang::Sl, true) => "Napotitve še nihče ne spremlja.".to_owned(),
                    (Lang::En, true) => "Nobody follows this referral yet.".to_owned(),
                    (Lang::Sl, false) => format!("Spremljajo: {names}"),
                    (Lang::En, false) => format!("Followed by: {names}"),
                }
            }}</p>
            {referrer.then(|| view! {
                <ActionForm attr:novalidate=true action=follow attr:class="inline-form">
                    <input type="hidden" name="id" value=id3 />
                    <input type="hidden" name="follow" value=(!following).to_string() />
                    <button type="submit" class="button button-secondary" data-testid="follow">
                        {if following { tr("Ne spremljaj več", "Stop following") } else { tr("Spremljaj to napotitev", "Follow this referral") }}
                    </button>
                </ActionForm>
            })}
        </section>
        {can_update.then(|| view! {
            <details class="withdraw no-print">
                <summary>{tr("Prekliči napotitev", "Withdraw the referral")}</summary>
                <ActionForm attr:novalidate=true action=withdraw attr:class="form">
                    <FormError error=withdraw_error />
                    <input type="hidden" name="id" value=id4 />
                    <div class="field">
                        <label for="withdraw-code">{tr("Razlog", "Reason")}</label>
                        <select id="withdraw-code" name="reason_code">
                            {crate::domain::workflow::WITHDRAW_REASONS.iter().map(|c| view! {
                                <option value=*c>{move || crate::domain::workflow::reason_label(c, lang.get())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="withdraw-reason">{tr("Pojasnilo", "Explanation")}</label>
                        <textarea id="withdraw-reason" name="reason" rows="2" maxlength="500"></textarea>
                        <FieldMessages name="reason" error=withdraw_error />
                    </div>
                    <Submit label=text(tr("Prekliči napotitev", "Withdraw the referral")) pending=withdraw.pending().into() class="button danger" />
                </ActionForm>
            </details>
        })}
    }
}

/// The update form: an island, so that a mistake is shown beside its field without losing
/// what was typed; the page reloads with the new version once it is accepted.
#[island(lazy)]
fn UpdateForm(id: String, checklist: bool) -> impl IntoView {
    crate::island_hydrated();
    let update = ServerAction::<AddReferralUpdate>::new();
    let update_error = action_error(update);
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            #[cfg(feature = "hydrate")]
            {
                let location = window().location();
                let _ = location.set_hash("updates");
                let _ = location.reload();
            }
        }
    });
    view! {
        <ActionForm attr:novalidate=true action=update attr:class="form update-form no-print" attr:data-testid="update-form">
            <h3>{tr("Dodaj dopolnitev", "Add an update")}</h3>
            <FormError error=update_error />
            <input type="hidden" name="id" value=id />
            <div class="field">
                <label for="update-note">{tr("Kaj je novega (besedilo)", "What is new (text)")}</label>
                <textarea id="update-note" name="note" rows="3" maxlength="2000"></textarea>
                <FieldMessages name="note" error=update_error />
            </div>
            {checklist.then(|| view! {
                <fieldset class="gas">
                    <legend>{tr("Nova plinska analiza (neobvezno)", "New blood gas (optional)")}</legend>
                    <div class="gas-grid">
                        <div class="field"><label for="u-taken_at">{tr("Čas odvzema", "Sample time")}</label>
                            <input id="u-taken_at" name="taken_at" type="datetime-local" /><FieldMessages name="blood_gases.0.taken_at" error=update_error /></div>
                        <div class="field"><label for="u-site">{tr("Vzorec", "Sample site")}</label>
                            <select id="u-site" name="site">
                                <option value="arterial">{tr("arterijski", "arterial")}</option>
                                <option value="venous">{tr("venski", "venous")}</option>
                                <option value="capillary">{tr("kapilarni", "capillary")}</option>
                            </select></div>
                        <div class="field"><label for="u-ph">"pH"</label>
                            <input id="u-ph" name="ph" type="text" inputmode="decimal" /><FieldMessages name="blood_gases.0.ph" error=update_error /></div>
                        <div class="field"><label for="u-pao2">"PaO2"</label>
                            <div class="input-with-unit"><input id="u-pao2" name="pao2" type="text" inputmode="decimal" />
                            <select name="pao2_unit" aria-label="PaO2 unit"><option value="kpa">"kPa"</option><option value="mmhg">"mmHg"</option></select></div>
                            <FieldMessages name="blood_gases.0.pao2_kpa" error=update_error /><FieldMessages name="blood_gases.0.pao2_mmhg" error=update_error /></div>
                        <div class="field"><label for="u-paco2">"PaCO2"</label>
                            <div class="input-with-unit"><input id="u-paco2" name="paco2" type="text" inputmode="decimal" />
                            <select name="paco2_unit" aria-label="PaCO2 unit"><option value="kpa">"kPa"</option><option value="mmhg">"mmHg"</option></select></div>
                            <FieldMessages name="blood_gases.0.paco2_kpa" error=update_error /><FieldMessages name="blood_gases.0.paco2_mmhg" error=update_error /></div>
                        <div class="field"><label for="u-fio2">{tr("FiO2 (delež ali %)", "FiO2 (fraction or %)")}</label>
                            <input id="u-fio2" name="fio2" type="text" inputmode="decimal" /><FieldMessages name="blood_gases.0.fio2" error=update_error /></div>
                        <div class="field"><label for="u-lactate">{tr("Laktat (mmol/L)", "Lactate (mmol/L)")}</label>
                            <input id="u-lactate" name="lactate_mmol_l" type="text" inputmode="decimal" /><FieldMessages name="blood_gases.0.lactate_mmol_l" error=update_error /></div>
                    </div>
                    <label class="checkbox"><input type="checkbox" name="confirm" value="on" />{tr("Nenavadne vrednosti so pravilne", "Unusual values are right")}</label>
                </fieldset>
            })}
            <Submit label=text(tr("Dodaj dopolnitev", "Add the update")) pending=update.pending().into() />
        </ActionForm>
    }
}

/// P/F ratio over time as an SVG line, with the EOLIA thresholds (80 and 50 mmHg) drawn in.
#[component]
fn PfChart(points: Vec<(i64, f64)>) -> impl IntoView {
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 48.0, 12.0, 12.0, 36.0);
    let max_y = points
        .iter()
        .map(|p| p.1)
        .fold(150.0_f64, f64::max)
        .min(750.0);
    let max_y = (max_y / 50.0).ceil() * 50.0;
    let t0 = points.first().map_or(0, |p| p.0);
    let t1 = points.last().map_or(1, |p| p.0).max(t0 + 1);
    let x = move |t: i64| left + (t - t0) as f64 / (t1 - t0) as f64 * (w - left - right);
    let y = move |v: f64| top + (1.0 - v / max_y) * (h - top - bottom);
    let single = points.len() == 1;
    let coords: Vec<(f64, f64)> = points
        .iter()
        .map(|(t, v)| {
            (
                if single {
                    (w + left - right) / 2.0
                } else {
                    x(*t)
                },
                y(*v),
            )
        })
        .collect();
    let line = coords
        .iter()
        .map(|(a, b)| format!("{a:.1},{b:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let label = |t: i64| {
        let s = crate::domain::checklist::format_local(t);
        // 2026-11-20T06:00 → 20. 11. 06:00
        let (date, time) = s.split_once('T').unwrap_or((&s, ""));
        let parts: Vec<&str> = date.split('-').collect();
        match parts.as_slice() {
            [_, m, d] => format!(
                "{}. {}. {time}",
                d.trim_start_matches('0'),
                m.trim_start_matches('0')
            ),
            _ => s.clone(),
        }
    };
    let first_label = label(t0);
    let last_label = label(t1);
    let values: Vec<String> = points
        .iter()
        .map(|(t, v)| format!("{}: {:.0} mmHg", label(*t), v))
        .collect();
    let summary = values.join("; ");
    let grid: Vec<f64> = (0..=(max_y as i64 / 50)).map(|i| i as f64 * 50.0).collect();
    view! {
        <figure class="pf-chart" data-testid="pf-chart">
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary.clone()>
                <title>{move || tr("Razmerje PaO2/FiO2 skozi čas", "PaO2/FiO2 ratio over time")()}</title>
                {grid.into_iter().map(|g| view! {
                    <line x1=left x2=w - right y1=y(g) y2=y(g) class="grid" />
                    <text x=left - 6.0 y=y(g) + 4.0 text-anchor="end" class="axis">{format!("{g:.0}")}</text>
                }).collect_view()}
                <line x1=left x2=w - right y1=y(80.0) y2=y(80.0) class="threshold" />
                <text x=w - right y=y(80.0) - 4.0 text-anchor="end" class="threshold-label">"80"</text>
                <line x1=left x2=w - right y1=y(50.0) y2=y(50.0) class="threshold threshold-severe" />
                <text x=w - right y=y(50.0) - 4.0 text-anchor="end" class="threshold-label">"50"</text>
                <polyline points=line class="series" />
                {coords.into_iter().map(|(a, b)| view! { <circle cx=a cy=b r="4" class="point" /> }).collect_view()}
                <text x=left y=h - 10.0 class="axis">{first_label}</text>
                <text x=w - right y=h - 10.0 text-anchor="end" class="axis">{last_label}</text>
            </svg>
            <figcaption>
                {move || tr("P/F (mmHg) arterijskih vzorcev; črti pri 80 in 50 mmHg sta meji EOLIA.", "P/F (mmHg) of the arterial samples; the lines at 80 and 50 mmHg are the EOLIA thresholds.")()}
                <span class="visually-hidden">" "{summary}</span>
            </figcaption>
        </figure>
    }
}
