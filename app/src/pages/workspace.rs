//! The centre's workspace: the queue (live while open), the state machine's actions on a
//! referral, what the referrer is told (the request, the decision, the pre-transfer
//! checklist), the audit trail, capacity, and the quality figures with their charts.
use crate::components::forms::{
    action_error, text, tr, use_lang, FieldMessages, FormError, Submit,
};
use crate::domain::derived::Sex;
use crate::domain::i18n::Lang;
use crate::domain::labels::value_label;
use crate::domain::policy::Action;
use crate::domain::triage::{Flag, Pathway, Severity};
use crate::domain::triage_line::{Figure, Trend, TriageLine};
use crate::domain::workflow::{self as wf};
use crate::error::AppError;
use crate::pages::account::Guarded;
use crate::referrals::ReferralDetail;
use crate::workspace::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

mod case;
mod kpi;
pub use case::*;
pub use kpi::*;

/// A pathway as the pages name it.
pub(crate) fn pathway_label(pathway: Pathway) -> &'static str {
    match pathway {
        Pathway::Ecpr => "ECPR",
        Pathway::Va => "VA-ECMO",
        Pathway::Vv => "VV-ECMO",
    }
}

fn flag_text(id: &str, lang: Lang) -> String {
    let flag = Flag {
        id: id.to_owned(),
        severity: Severity::Contraindication,
        source: String::new(),
    };
    match flag.text(lang) {
        "" => id.replace('_', " "),
        text => text.to_owned(),
    }
}

// ---------------------------------------------------------------- the queue

#[component]
pub fn QueuePage() -> impl IntoView {
    view! {
        <Guarded action=Action::WorkReferrals>
            <QueueView />
        </Guarded>
    }
}

fn filter_from_query() -> QueueFilter {
    let query = use_query_map();
    query.with_untracked(|q| QueueFilter {
        status: q.get("status").unwrap_or_default(),
        pathway: q.get("pathway").unwrap_or_default(),
        hospital: q.get("hospital").unwrap_or_default(),
        mine: q.get("mine").is_some_and(|m| !m.is_empty() && m != "false"),
        urgent: q
            .get("urgent")
            .is_some_and(|m| !m.is_empty() && m != "false"),
    })
}

#[component]
fn QueueView() -> impl IntoView {
    let lang = use_lang();
    let filter = filter_from_query();
    let f = filter.clone();
    let queue = Resource::new(
        || (),
        move |_| {
            let f = f.clone();
            async move {
                get_queue(
                    f.status,
                    f.pathway,
                    f.hospital,
                    if f.mine { "1".into() } else { String::new() },
                    if f.urgent { "1".into() } else { String::new() },
                )
                .await
            }
        },
    );
    view! {
        <h1>{tr("Čakalna vrsta napotitev", "Referral queue")}</h1>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || queue.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(view) => {
                    let filter = filter.clone();
                    view! {
                        <CapacityPanel capacity=view.capacity.clone() />
                        <QueueFilters filter=filter.clone() hospitals=view.hospitals.clone() />
                        <QueueLive initial=view filter />
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn QueueFilters(filter: QueueFilter, hospitals: Vec<(i64, String)>) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let status = filter.status.clone();
    let selected = move |value: &str, current: &str| value == current;
    view! {
        <form method="get" novalidate=true action="/queue" class="filters no-print" data-testid="queue-filters">
            <label>{tr("Stanje", "Status")}" "
                <select name="status">
                    <option value="open" selected={selected("open", &status) || status.is_empty()}>{tr("odprte", "open")}</option>
                    <option value="all" selected=selected("all", &status)>{tr("vse", "all")}</option>
                    {wf::STATES.iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(s.as_str(), &status)>{wf::state_label(*s, lang)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{tr("Pot", "Pathway")}" "
                <select name="pathway">
                    <option value="">{tr("vse", "all")}</option>
                    {[Pathway::Ecpr, Pathway::Va, Pathway::Vv].into_iter().map(|p| view! {
                        <option value=p.code() selected={filter.pathway == p.code()}>{pathway_label(p)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{tr("Bolnišnica", "Hospital")}" "
                <select name="hospital">
                    <option value="">{tr("vse", "all")}</option>
                    {hospitals.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected={filter.hospital == id.to_string()}>{name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="check"><input type="checkbox" name="mine" value="1" checked=filter.mine />" "{tr("samo moje", "mine only")}</label>
            <label class="check"><input type="checkbox" name="urgent" value="1" checked=filter.urgent data-testid="filter-urgent" />" "{tr("potrebna odločitev zdaj", "needs a decision now")}</label>
            <button type="submit" class="button button-secondary">{tr("Prikaži", "Show")}</button>
        </form>
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Live {
    Off,
    On,
    Reconnecting,
}

/// The queue's table. Without JavaScript it is the page as rendered (reload to refresh);
/// with it, the server's change events (`/api/v1/queue/events`) fetch it again at once,
/// and the waiting times move on with the browser's clock every 30 s.
#[island(lazy)]
fn QueueLive(initial: QueueView, filter: QueueFilter) -> impl IntoView {
    crate::island_hydrated();
    let lang = use_lang();
    let rows = RwSignal::new(initial.rows);
    let truncated = RwSignal::new(initial.truncated);
    let live = RwSignal::new(Live::Off);
    let error = RwSignal::new(None::<AppError>);
    // Whether the keys work (they need the script).
    let keys = RwSignal::new(false);
    // Minutes since the rows were read, added to their waiting times.
    let fetched_at = RwSignal::new(0.0_f64);
    let clock = RwSignal::new(0.0_f64);
    let since_fetch = Signal::derive(move || {
        ((clock.get() - fetched_at.get()) / 60_000.0)
            .floor()
            .max(0.0) as i64
    });
    let browser_now = move || {
        #[cfg(feature = "hydrate")]
        {
            js_sys::Date::now()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            0.0
        }
    };
    let refresh = move || {
        let f = filter.clone();
        leptos::task::spawn_local(async move {
            let tick = |on: bool| if on { "1".to_owned() } else { String::new() };
            match get_queue(
                f.status,
                f.pathway,
                f.hospital,
                tick(f.mine),
                tick(f.urgent),
            )
            .await
            {
                Ok(view) => {
                    let now = browser_now();
                    fetched_at.set(now);
                    clock.set(now);
                    rows.set(view.rows);
                    truncated.set(view.truncated);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;
            let Ok(source) = web_sys::EventSource::new("/api/v1/queue/events") else {
                return;
            };
            let now = browser_now();
            fetched_at.set(now);
            clock.set(now);
            let on_event = refresh.clone();
            let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| on_event());
            let _ = source
                .add_event_listener_with_callback("queue", on_change.as_ref().unchecked_ref());
            on_change.forget();
            let on_open = Closure::<dyn FnMut()>::new(move || live.set(Live::On));
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            on_open.forget();
            let on_error = Closure::<dyn FnMut()>::new(move || live.set(Live::Reconnecting));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_error.forget();
            let _ = set_interval_with_handle(
                move || clock.set(browser_now()),
                std::time::Duration::from_secs(30),
            );
            let listener = window_event_listener(leptos::ev::keydown, queue_key);
            // The listener lives as long as the page.
            std::mem::forget(listener);
            keys.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &refresh;
    });
    view! {
        <p class="live-state muted" data-testid="live-state" aria-live="polite">
            {move || match (live.get(), lang.get()) {
                (Live::On, Lang::Sl) => "V živo: nove napotitve se prikažejo same.",
                (Live::On, Lang::En) => "Live: new referrals appear by themselves.",
                (Live::Reconnecting, Lang::Sl) => "Povezava prekinjena; ponovno se povezujem…",
                (Live::Reconnecting, Lang::En) => "Connection lost; reconnecting…",
                (Live::Off, Lang::Sl) => "Osvežite stran za najnovejše stanje.",
                (Live::Off, Lang::En) => "Reload the page for the latest state.",
            }}
        </p>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> })}
        <p class="muted keys-hint" data-testid="queue-keys" hidden=move || !keys.get()>
            {move || if lang.get() == Lang::Sl { "Tipke: " } else { "Keys: " }}
            <kbd>"j"</kbd>" / "<kbd>"k"</kbd>{move || if lang.get() == Lang::Sl { " naslednja / prejšnja, " } else { " next / previous, " }}
            <kbd>"Enter"</kbd>{move || if lang.get() == Lang::Sl { " odpri, " } else { " open, " }}
            <kbd>"a"</kbd>{move || if lang.get() == Lang::Sl { " potrdi prejem, " } else { " acknowledge, " }}
            <kbd>"m"</kbd>{move || if lang.get() == Lang::Sl { " prevzemi" } else { " assign to me" }}
        </p>
        <div class="queue-wrap">
            <table class="queue" data-testid="queue">
                <thead>
                    <tr>
                        <th scope="col">{move || if lang.get() == Lang::Sl { "Napotitev" } else { "Referral" }}</th>
                        <th scope="col">{move || if lang.get() == Lang::Sl { "Zastavice in ocene" } else { "Flags and scores" }}</th>
                        <th scope="col">{move || if lang.get() == Lang::Sl { "Čaka" } else { "Waiting" }}</th>
                        <th scope="col">{move || if lang.get() == Lang::Sl { "Stanje" } else { "Status" }}</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.id, r.status, r.waiting_min, r.assignee.clone(), r.assigned_to_me) let:row>
                        <QueueRowView row lang since_fetch />
                    </For>
                </tbody>
            </table>
        </div>
        {move || rows.with(Vec::is_empty).then(|| view! {
            <p class="muted" data-testid="queue-empty">{if lang.get() == Lang::Sl { "Ni napotitev, ki bi ustrezale izbiri." } else { "No referrals match." }}</p>
        })}
        {move || truncated.get().then(|| view! {
            <p class="muted">{if lang.get() == Lang::Sl { "Prikazanih je prvih 200; zožite izbiro." } else { "The first 200 are shown; narrow the filters." }}</p>
        })}
    }
}

#[component]
fn QueueRowView(row: QueueRow, lang: Signal<Lang>, since_fetch: Signal<i64>) -> impl IntoView {
    let l = lang.get_untracked();
    let urgent = row.pathway == Pathway::Ecpr
        || row
            .scai
            .as_deref()
            .is_some_and(|s| s.starts_with('D') || s.starts_with('E'));
    let contra = row
        .contraindications
        .iter()
        .map(|id| flag_text(id, l))
        .collect::<Vec<_>>();
    let (read, target) = (row.waiting_min, row.target_min);
    let who = who_text(&row.triage, l);
    let figure = row.triage.figure.clone();
    let collapse = row.since_collapse_min;
    let figure_line = move || {
        figure
            .as_ref()
            .map(|f| figure_text(f, collapse.map(|m| m + since_fetch.get()), l))
    };
    let waited = move || read + since_fetch.get();
    let overdue = move || target.is_some_and(|t| waited() > t);
    let waiting = move || match (target, l) {
        (Some(t), Lang::Sl) => format!("{} min / cilj {t} min", waited()),
        (Some(t), Lang::En) => format!("{} min / target {t} min", waited()),
        (None, _) => format!("{} min", waited()),
    };
    view! {
        <tr class:urgent=urgent class:overdue=overdue data-queue-row="" data-testid=format!("queue-row-{}", row.reference)>
            <td data-label=if l == Lang::Sl { "Napotitev" } else { "Referral" }>
                <a href=format!("/referrals/{}", row.id) class="queue-link"><strong>{row.reference.clone()}</strong></a>
                <br />{pathway_label(row.pathway)}{row.scai.clone().map(|s| format!(" · SCAI {s}"))}
                <br /><span class="muted">{row.hospital.clone()}</span>
                <span class="triage-line" data-testid="triage-line">
                    {(!who.is_empty()).then(|| view! { <span data-testid="triage-who">{who.clone()}</span> })}
                    {row.triage.reason.clone().map(|r| view! { <span class="triage-reason" data-testid="triage-reason">{r}</span> })}
                    {move || figure_line().map(|text| view! { <span class="triage-figure" data-testid="triage-figure">{text}</span> })}
                </span>
            </td>
            <td data-label=if l == Lang::Sl { "Zastavice" } else { "Flags" }>
                {(row.indications > 0).then(|| view! { <span class="badge indication">{match l { Lang::Sl => format!("indikacij: {}", row.indications), Lang::En => format!("indications: {}", row.indications) }}</span> })}
                {contra.iter().take(3).map(|c| view! { <span class="badge contraindication">{c.clone()}</span> }).collect_view()}
                {(contra.len() > 3).then(|| view! { <span class="badge contraindication">{format!("+{}", contra.len() - 3)}</span> })}
                {(!row.scores.is_empty()).then(|| view! { <br /><span class="scores">{row.scores.join(" · ")}</span> })}
            </td>
            <td data-label=if l == Lang::Sl { "Čaka" } else { "Waiting" } class="waiting">
                {waiting}
                {move || overdue().then(|| view! { <br /><strong class="overdue-label">{if l == Lang::Sl { "zamuda" } else { "overdue" }}</strong> })}
                {row.since_acknowledged_min.map(|m| view! {
                    <br /><span data-testid="since-acknowledged">{move || match l {
                        Lang::Sl => format!("prejem potrjen pred {} min", m + since_fetch.get()),
                        Lang::En => format!("acknowledged {} min ago", m + since_fetch.get()),
                    }}</span>
                })}
                {row.since_decided_min.map(|m| view! {
                    <br /><span data-testid="since-decided">{move || match l {
                        Lang::Sl => format!("odločeno pred {} min", m + since_fetch.get()),
                        Lang::En => format!("decided {} min ago", m + since_fetch.get()),
                    }}</span>
                })}
                <br /><span class="muted">{row.submitted_local.clone()}</span>
            </td>
            <td data-label=if l == Lang::Sl { "Stanje" } else { "Status" }>
                <span data-testid="queue-status">{wf::state_label(row.status, l)}</span>
                <br /><span class="muted">{row.assignee.clone().unwrap_or_else(|| if l == Lang::Sl { "nedodeljeno".into() } else { "unassigned".into() })}</span>
                <QuickActions id=row.id status=row.status assigned_to_me=row.assigned_to_me lang=l />
            </td>
        </tr>
    }
}

/// Acknowledge and assign from the queue, without opening the referral; with scripts the
/// queue stays (and shows the change when the server announces it), without them the
/// post lands on the referral's page.
#[component]
fn QuickActions(id: i64, status: wf::Status, assigned_to_me: bool, lang: Lang) -> impl IntoView {
    let acknowledge = ServerAction::<TransitionReferral>::new();
    let assign = ServerAction::<AssignReferral>::new();
    let ack_error = action_error(acknowledge);
    let assign_error = action_error(assign);
    let may_acknowledge = matches!(status, wf::Status::Submitted | wf::Status::EcprAlert);
    let sl = lang == Lang::Sl;
    view! {
        <div class="quick-actions">
            {may_acknowledge.then(|| view! {
                <ActionForm action=acknowledge attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="to" value=wf::Status::Acknowledged.as_str() />
                    <input type="hidden" name="from" value=status.as_str() />
                    <button type="submit" class="button" data-key="a" data-testid="quick-ack"
                        aria-keyshortcuts="a" disabled=move || acknowledge.pending().get()>
                        {if sl { "Potrdi prejem" } else { "Acknowledge" }}
                    </button>
                </ActionForm>
            })}
            {(!assigned_to_me).then(|| view! {
                <ActionForm action=assign attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" class="button button-secondary" data-key="m" data-testid="quick-assign"
                        aria-keyshortcuts="m" disabled=move || assign.pending().get()>
                        {if sl { "Prevzemi" } else { "Assign to me" }}
                    </button>
                </ActionForm>
            })}
            <FormError error=ack_error />
            <FormError error=assign_error />
        </div>
    }
}

/// The queue's keys: `j`/`k` move to the next or previous referral, `a` acknowledges and
/// `m` assigns the current one (the row holding the focus, else the first); typing in a
/// field or with a modifier is left alone.
#[cfg(feature = "hydrate")]
fn queue_key(event: web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    if event.ctrl_key() || event.meta_key() || event.alt_key() || event.default_prevented() {
        return;
    }
    let typing = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || el.closest("[contenteditable]").ok().flatten().is_some()
        });
    if typing {
        return;
    }
    let document = document();
    let Ok(list) = document.query_selector_all("tr[data-queue-row]") else {
        return;
    };
    let rows: Vec<web_sys::Element> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok())
        .collect();
    if rows.is_empty() {
        return;
    }
    let active = document.active_element();
    let current = active
        .as_ref()
        .and_then(|a| rows.iter().position(|r| r.contains(Some(a))));
    let go = |index: usize| {
        if let Some(link) = rows[index]
            .query_selector("a.queue-link")
            .ok()
            .flatten()
            .and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = link.focus();
        }
    };
    let press = |key: &str| {
        let row = &rows[current.unwrap_or(0)];
        if let Some(button) = row
            .query_selector(&format!("button[data-key=\"{key}\"]"))
            .ok()
            .flatten()
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
        {
            button.click();
        }
    };
    match event.key().as_str() {
        "j" => go(current.map_or(0, |i| (i + 1).min(rows.len() - 1))),
        "k" => go(current.map_or(0, |i| i.saturating_sub(1))),
        "a" => press("a"),
        "m" => press("m"),
        _ => return,
    }
    event.prevent_default();
}

/// Age and sex as the triage line gives them: `47 let · Ž`, `47 y · F`.
fn who_text(line: &TriageLine, lang: Lang) -> String {
    let age = line.age_years.map(|a| match lang {
        Lang::Sl => format!("{} let", a.floor()),
        Lang::En => format!("{} y", a.floor()),
    });
    let sex = line.sex.map(|s| match (s, lang) {
        (Sex::Male, _) => "M",
        (Sex::Female, Lang::Sl) => "Ž",
        (Sex::Female, Lang::En) => "F",
    });
    [age, sex.map(str::to_owned)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A figure with at most one decimal, with a decimal comma in Slovene.
fn one_decimal(x: f64, lang: Lang) -> String {
    let text = format!("{}", (x * 10.0).round() / 10.0);
    match lang {
        Lang::Sl => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The figure the pathway turns on, as one line: `P/F 45 mmHg ↓ · < 80 for 6,5 h`,
/// `laktat 6,8 mmol/L ↑ · 2 zdravili, VIS 35`, `kolaps pred 34 min · brez pretoka 2 min`.
fn figure_text(figure: &Figure, since_collapse_min: Option<i64>, lang: Lang) -> String {
    let sl = lang == Lang::Sl;
    let arrow = |t: &Option<Trend>| t.map(|t| format!(" {}", t.arrow())).unwrap_or_default();
    let mut parts = Vec::new();
    match figure {
        Figure::Oxygenation {
            pf_mmhg,
            trend,
            under_80_h,
            under_50_h,
        } => {
            parts.push(format!("P/F {} mmHg{}", pf_mmhg.round(), arrow(trend)));
            // The strictest threshold held over more than one sample.
            for (limit, hours) in [(50, under_50_h), (80, under_80_h)] {
                if let Some(h) = hours.filter(|h| *h > 0.0) {
                    parts.push(match sl {
                        true => format!("< {limit} že {} h", one_decimal(h, lang)),
                        false => format!("< {limit} for {} h", one_decimal(h, lang)),
                    });
                    break;
                }
            }
        }
        Figure::Perfusion {
            lactate_mmol_l,
            trend,
            vasoactives,
            vis,
        } => {
            if let Some(l) = lactate_mmol_l {
                let name = if sl { "laktat" } else { "lactate" };
                parts.push(format!(
                    "{name} {} mmol/L{}",
                    one_decimal(*l, lang),
                    arrow(trend)
                ));
            }
            let drugs = match (sl, vasoactives) {
                (true, 0) => "brez vazoaktivnih zdravil".to_owned(),
                (true, 1) => "1 vazoaktivno zdravilo".to_owned(),
                (true, 2) => "2 vazoaktivni zdravili".to_owned(),
                (true, n @ (3 | 4)) => format!("{n} vazoaktivna zdravila"),
                (true, n) => format!("{n} vazoaktivnih zdravil"),
                (false, 0) => "no vasoactives".to_owned(),
                (false, 1) => "1 vasoactive".to_owned(),
                (false, n) => format!("{n} vasoactives"),
            };
            parts.push(match vis {
                Some(v) if *vasoactives > 0 => format!("{drugs}, VIS {}", v.round()),
                _ => drugs,
            });
        }
        Figure::Arrest {
            no_flow_min,
            rhythm,
            ..
        } => {
            if let Some(m) = since_collapse_min {
                parts.push(match sl {
                    true => format!("kolaps pred {m} min"),
                    false => format!("collapse {m} min ago"),
                });
            }
            if let Some(n) = no_flow_min {
                parts.push(match sl {
                    true => format!("brez pretoka {} min", one_decimal(*n, lang)),
                    false => format!("no-flow {} min", one_decimal(*n, lang)),
                });
            }
            if rhythm != "unknown" {
                parts.push(value_label(rhythm, lang));
            }
        }
    }
    parts.join(" · ")
}

// ---------------------------------------------------------------- capacity

#[component]
fn CapacityPanel(capacity: Capacity) -> impl IntoView {
    let action = ServerAction::<SetCapacity>::new();
    let error = action_error(action);
    let lang = use_lang();
    let full = capacity.at_capacity();
    view! {
        <section class="capacity" class:at-capacity=full data-testid="capacity">
            <h2>{tr("Zmogljivost centra", "Centre capacity")}</h2>
            <p data-testid="capacity-state">{move || match (full, lang.get()) {
                (false, Lang::Sl) => "Center sprejema nove bolnike z ECMO.",
                (false, Lang::En) => "The centre can take new ECMO patients.",
                (true, Lang::Sl) => "Center je polno zaseden: napotni zdravniki vidijo »pokličite za posvet«.",
                (true, Lang::En) => "The centre is at capacity: referring doctors see \"phone to discuss\".",
            }}
            {capacity.set_local.clone().map(|at| format!(" ({at}, {})", capacity.set_by.clone().unwrap_or_default()))}</p>
            {(!capacity.note.is_empty()).then(|| view! { <p class="note">{capacity.note.clone()}</p> })}
            <details class="no-print">
                <summary>{tr("Spremeni", "Change")}</summary>
                <ActionForm attr:novalidate=true action attr:class="form">
                    <FormError error />
                    <label class="check"><input type="checkbox" name="beds_available" value="1" checked=capacity.beds_available />" "{tr("prosta postelja z ECMO", "an ECMO bed is free")}</label>
                    <label class="check"><input type="checkbox" name="team_available" value="1" checked=capacity.team_available />" "{tr("ekipa je na voljo", "a team is available")}</label>
                    <div class="field">
                        <label for="capacity-note">{tr("Opomba (samo za center)", "Note (centre only)")}</label>
                        <input id="capacity-note" name="note" maxlength="500" value=capacity.note.clone() />
                        <FieldMessages name="note" error />
                    </div>
                    <Submit label=text(tr("Shrani", "Save")) pending=action.pending().into() />
                </ActionForm>
            </details>
        </section>
    }
}

/// For referring doctors: the centre is full, phone before sending.
#[component]
pub fn CapacityBanner() -> impl IntoView {
    // Only for the signed-in: an anonymous call would answer 401 into the page's status.
    if crate::accounts::use_current_user().is_none() {
        return ().into_any();
    }
    let capacity = Resource::new(|| (), |_| get_capacity());
    view! {
        <Suspense fallback=|| ()>
            {move || capacity.get().and_then(Result::ok).filter(Capacity::at_capacity).map(|_| view! {
                <p class="capacity-banner" role="alert" data-testid="capacity-banner">
                    {tr("ECMO center je trenutno polno zaseden – pokličite za posvet.", "The ECMO centre is at capacity now – phone to discuss.")}
                </p>
            })}
        </Suspense>
    }
    .into_any()
}
