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

// ---------------------------------------------------------------- a referral's page

/// What the referrer is asked for and what the centre decided, with the pre-transfer
/// checklist after acceptance.
#[component]
pub fn DecisionPanel(detail: ReferralDetail) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let w = detail.workflow;
    let request = w.info_request.map(|r| {
        view! {
            <section class="info-request" role="status" data-testid="info-request">
                <h2>{tr("Center potrebuje dodatne podatke", "The centre asks for more information")}</h2>
                <ul>{r.fields.iter().map(|f| view! { <li>{wf::info_label(f, lang)}</li> }).collect_view()}</ul>
                {(!r.advice.is_empty()).then(|| view! { <p class="advice">{r.advice.clone()}</p> })}
                <p class="muted">{r.at_local.clone()}" · "{tr("Dodajte jih kot dopolnitev spodaj.", "Add them as an update below.")}</p>
            </section>
        }
    });
    let decision = w.decision.map(|d| {
        let accepted = wf::ACCEPTED.contains(&d.state);
        view! {
            <section class="decision" class:accepted=accepted data-testid="decision">
                <h2>{tr("Odločitev centra", "The centre's decision")}</h2>
                <p class="decision-state" data-testid="decision-state"><strong>{wf::state_label(d.state, lang)}</strong>" · "{d.at_local.clone()}</p>
                <dl class="facts">
                    {d.reason_code.clone().map(|c| view! { <dt>{tr("Razlog", "Reason")}</dt><dd>{wf::reason_label(&c, lang)}</dd> })}
                    {d.eta_min.map(|m| view! { <dt>{tr("Predviden prihod", "Expected arrival")}</dt><dd data-testid="decision-eta">{format!("{m} min")}</dd> })}
                    {(!d.team.is_empty()).then(|| view! { <dt>{tr("Kdo pride", "Who comes")}</dt><dd data-testid="decision-team">{d.team.clone()}</dd> })}
                    {(!d.centre.is_empty()).then(|| view! { <dt>{tr("Center", "Centre")}</dt><dd>{d.centre.clone()}</dd> })}
                    {d.review_at.clone().map(|r| view! { <dt>{tr("Ponovna ocena", "Review at")}</dt><dd>{r.replace('T', " ")}</dd> })}
                </dl>
                {(!d.advice.is_empty()).then(|| view! { <h3>{tr("Nasvet", "Advice")}</h3><p class="advice" data-testid="decision-advice">{d.advice.clone()}</p> })}
                {(!d.triggers.is_empty()).then(|| view! {
                    <h3>{tr("Ponovno napotite, če", "Refer again if")}</h3>
                    <ul>{d.triggers.iter().map(|t| view! { <li>{wf::trigger_label(t, lang)}</li> }).collect_view()}</ul>
                })}
            </section>
        }
    });
    let id = detail.summary.id;
    let checks = w.transfer_checks.clone();
    let may_check = w.may_check_transfer;
    let checklist = w.show_pre_transfer.then(move || {
        let save = ServerAction::<crate::referrals::SaveTransferChecklist>::new();
        let error = action_error(save);
        let items = wf::PRE_TRANSFER.iter().enumerate().map(|(i, (key, sl, en))| {
            let done = checks.iter().find(|c| c.item == *key).cloned();
            let label = if lang == Lang::Sl { *sl } else { *en };
            let when = done.as_ref().map(|c| format!("✓ {}, {}", c.at_local, c.by));
            let input_id = format!("prep-{key}");
            view! {
                <li data-testid=format!("prep-{key}")>
                    {if may_check {
                        view! {
                            <input type="checkbox" id=input_id.clone() name=format!("items[{i}]") value=*key checked=done.is_some() />
                            " "<label for=input_id>{label}</label>
                        }.into_any()
                    } else {
                        view! {
                            <span class="tick" aria-hidden="true">{if done.is_some() { "☑" } else { "☐" }}</span>
                            " "{label}
                        }.into_any()
                    }}
                    {when.map(|w| view! { " "<small class="muted" data-testid="prep-when">{w}</small> })}
                </li>
            }
        }).collect_view();
        view! {
            <section class="pre-transfer" id="pre-transfer" data-testid="pre-transfer">
                <h2>{tr("Priprava na premestitev", "Preparing for the transfer")}</h2>
                {if may_check {
                    view! {
                        <ActionForm attr:novalidate=true action=save>
                            <input type="hidden" name="id" value=id.to_string() />
                            <ul class="checklist">{items}</ul>
                            <FormError error />
                            <button type="submit" class="button button-secondary" data-testid="save-pre-transfer">
                                {tr("Shrani pripravo (center jo vidi)", "Save the preparation (the centre sees it)")}
                            </button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <ul class="checklist">{items}</ul> }.into_any()
                }}
            </section>
        }
    });
    view! { {request} {decision} {checklist} }
}

/// The centre's actions on a referral: assign, and one form per step the state machine
/// allows now, each asking only what that step needs.
#[component]
pub fn CentreActions(detail: ReferralDetail) -> impl IntoView {
    let w = detail.workflow.clone();
    if !w.centre {
        return ().into_any();
    }
    let lang = use_lang().get_untracked();
    let id = detail.summary.id;
    let status = detail.summary.status;
    let action = ServerAction::<TransitionReferral>::new();
    let error = action_error(action);
    let assign = ServerAction::<AssignReferral>::new();
    let assignee = w.assignee.clone();
    view! {
        <section class="centre-actions no-print" data-testid="centre-actions">
            <h2>{tr("Ukrepi centra", "Centre actions")}</h2>
            <p data-testid="assignee">
                {match (assignee, lang) {
                    (Some(a), Lang::Sl) => format!("Dodeljeno: {a}"),
                    (Some(a), Lang::En) => format!("Assigned to {a}"),
                    (None, Lang::Sl) => "Ni dodeljeno.".to_owned(),
                    (None, Lang::En) => "Not assigned.".to_owned(),
                }}
                {(!w.assigned_to_me).then(|| view! {
                    " "
                    <ActionForm attr:novalidate=true action=assign attr:class="inline-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="button button-secondary" data-testid="assign-me">{tr("Prevzemi", "Assign to me")}</button>
                    </ActionForm>
                })}
            </p>
            <FormError error />
            {w.next.iter().map(|to| step_form(action, error, id, status, *to, lang)).collect_view()}
        </section>
    }
    .into_any()
}

/// What each step asks for beyond the internal note.
fn needs(to: wf::Status) -> (bool, bool, bool) {
    // (reason code, shown advice, anything else)
    match to {
        wf::Status::DeferredReassess
        | wf::Status::DeclinedWithAdvice
        | wf::Status::DeclinedContraindicated
        | wf::Status::ReferredOnward
        | wf::Status::DeclinedEcpr
        | wf::Status::NotCannulatedOnSite
        | wf::Status::NotStarted
        | wf::Status::Withdrawn => (true, true, true),
        wf::Status::InfoRequested
        | wf::Status::AcceptedTransfer
        | wf::Status::AcceptedMobileTeam
        | wf::Status::AcceptedEcpr => (false, true, true),
        wf::Status::Cannulated => (false, false, true),
        _ => (false, false, false),
    }
}

fn step_form(
    action: ServerAction<TransitionReferral>,
    error: Signal<Option<AppError>>,
    id: i64,
    status: wf::Status,
    to: wf::Status,
    lang: Lang,
) -> AnyView {
    let (reason, advice, more) = needs(to);
    let reasons = if to == wf::Status::Withdrawn {
        wf::WITHDRAW_REASONS
    } else {
        wf::REASON_CODES
    };
    let step_id = format!("step-{to}");
    let do_id = format!("do-{to}");
    let label = wf::action_label(to, lang);
    let sl = lang == Lang::Sl;
    let danger = matches!(
        to,
        wf::Status::Withdrawn
            | wf::Status::DeclinedWithAdvice
            | wf::Status::DeclinedContraindicated
            | wf::Status::DeclinedEcpr
    );
    let key = to.as_str().to_lowercase();
    let fid = move |name: &str| format!("{key}-{name}");
    let hidden = view! {
        <input type="hidden" name="id" value=id.to_string() />
        <input type="hidden" name="to" value=to.as_str() />
        <input type="hidden" name="from" value=status.as_str() />
    };
    let specific = specific_fields(to, error, lang, &fid);
    if !more {
        return view! {
            <ActionForm action attr:class="inline-form step" attr:data-testid=step_id>
                {hidden}
                <button type="submit" class="button" data-testid=do_id>{label}</button>
            </ActionForm>
        }
        .into_any();
    }
    let reason_field = reason.then(|| {
        view! {
            <div class="field">
                <label for=fid("reason")>{if sl { "Razlog (koda)" } else { "Reason code" }}</label>
                <select id=fid("reason") name="reason_code" required>
                    <option value="">{if sl { "— izberite —" } else { "— choose —" }}</option>
                    {reasons.iter().map(|c| view! { <option value=*c>{wf::reason_label(c, lang)}</option> }).collect_view()}
                </select>
                <FieldMessages name="reason_code" error />
            </div>
        }
    });
    let advice_field = advice.then(|| {
        view! {
            <div class="field">
                <label for=fid("advice")>{if sl { "Sporočilo napotnemu zdravniku (nasvet)" } else { "For the referring doctor (advice)" }}</label>
                <textarea id=fid("advice") name="advice" rows="3" maxlength="2000"></textarea>
                <FieldMessages name="advice" error />
            </div>
        }
    });
    // Under consultation a decision is what comes next: its form is open; once
    // acknowledged, the acceptances are (a decision made on the phone is one step).
    let open = match status {
        wf::Status::UnderConsultation => wf::DECISIONS.contains(&to),
        wf::Status::Acknowledged => wf::ACCEPTED.contains(&to),
        _ => false,
    };
    view! {
        <details class="step" data-testid=step_id open=open>
            <summary>{label.clone()}</summary>
            // The browser's own check stays here: a refused step would come back with its
            // form folded (the page is not an island), its message out of sight.
            <ActionForm action attr:class="form">
                {hidden}
                {reason_field}
                {specific}
                {advice_field}
                <div class="field">
                    <label for=fid("note")>{if sl { "Interna opomba (samo center)" } else { "Internal note (centre only)" }}</label>
                    <textarea id=fid("note") name="note" rows="2" maxlength="2000"></textarea>
                    <FieldMessages name="note" error />
                </div>
                <button type="submit" class=if danger { "button danger" } else { "button" } data-testid=do_id>{label}</button>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// The fields a step asks for besides the reason, the advice and the note.
fn specific_fields(
    to: wf::Status,
    error: Signal<Option<AppError>>,
    lang: Lang,
    fid: &dyn Fn(&str) -> String,
) -> AnyView {
    let sl = lang == Lang::Sl;
    match to {
        wf::Status::InfoRequested => view! {
            <fieldset class="field">
                <legend>{if sl { "Kaj potrebujete" } else { "What you need" }}</legend>
                {wf::INFO_ITEMS.iter().enumerate().map(|(i, item)| view! {
                    <label class="check"><input type="checkbox" name=format!("fields[{i}]") value=*item />" "{wf::info_label(item, lang)}</label>
                }).collect_view()}
                <FieldMessages name="fields" error />
            </fieldset>
        }
        .into_any(),
        wf::Status::DeferredReassess => view! {
            <fieldset class="field">
                <legend>{if sl { "Ponovno napotite, če" } else { "Refer again if" }}</legend>
                {wf::TRIGGERS.iter().enumerate().map(|(i, item)| view! {
                    <label class="check"><input type="checkbox" name=format!("triggers[{i}]") value=*item />" "{wf::trigger_label(item, lang)}</label>
                }).collect_view()}
                <FieldMessages name="triggers" error />
            </fieldset>
            <div class="field">
                <label for=fid("review")>{if sl { "Ponovna ocena ob (lokalni čas)" } else { "Review at (local time)" }}</label>
                <input id=fid("review") type="datetime-local" name="review_at" required />
                <FieldMessages name="review_at" error />
            </div>
        }
        .into_any(),
        wf::Status::AcceptedTransfer | wf::Status::AcceptedMobileTeam | wf::Status::AcceptedEcpr => {
            let mobile = to == wf::Status::AcceptedMobileTeam;
            view! {
                <div class="field">
                    <label for=fid("eta")>{if sl { "Predviden prihod (min)" } else { "Expected arrival (min)" }}</label>
                    <input id=fid("eta") name="eta_min" inputmode="numeric" required=mobile />
                    <FieldMessages name="eta_min" error />
                </div>
                {mobile.then(|| view! {
                    <div class="field">
                        <label for=fid("team")>{if sl { "Ekipa (kdo pride)" } else { "Team (who comes)" }}</label>
                        <input id=fid("team") name="team" maxlength="2000" required />
                        <FieldMessages name="team" error />
                    </div>
                })}
            }
            .into_any()
        }
        wf::Status::ReferredOnward => view! {
            <div class="field">
                <label for=fid("centre")>{if sl { "Center" } else { "Centre" }}</label>
                <input id=fid("centre") name="centre" maxlength="2000" required placeholder="UKC Maribor" />
                <FieldMessages name="centre" error />
            </div>
        }
        .into_any(),
        wf::Status::Cannulated => view! {
            <div class="field">
                <label for=fid("mode")>{if sl { "Način" } else { "Mode" }}</label>
                <select id=fid("mode") name="mode">
                    {wf::CANNULATION_MODES.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                </select>
            </div>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// Every read and change of the referral, for centre staff, with its export.
#[component]
pub fn AuditTrail(detail: ReferralDetail) -> impl IntoView {
    let audit = detail.workflow.audit;
    if audit.is_empty() {
        return ().into_any();
    }
    let lang = use_lang().get_untracked();
    let id = detail.summary.id;
    let total = detail.workflow.audit_total;
    let shown = audit.len();
    view! {
        <details class="audit no-print" data-testid="audit-trail">
            <summary>{tr("Revizijska sled", "Audit trail")}" ("{total}")"</summary>
            {(total > shown as u64).then(|| view! {
                <p class="muted" data-testid="audit-shown">{move || match lang {
                    Lang::Sl => format!("Prikazanih je zadnjih {shown} od {total} vnosov; izvoz vsebuje vse."),
                    Lang::En => format!("The latest {shown} of {total} entries are shown; the export has them all."),
                }}</p>
            })}
            <p><a href=format!("/referrals/{id}/audit.csv") data-testid="audit-export" download>{tr("Izvozi CSV za pregled", "Export CSV for a review")}</a></p>
            <table class="audit-table">
                <thead><tr><th>{tr("Čas", "Time")}</th><th>{tr("Kdo", "Who")}</th><th>{tr("Kaj", "What")}</th><th>{tr("Naslov", "Address")}</th></tr></thead>
                <tbody>
                    {audit.into_iter().map(|a| view! {
                        <tr><td>{a.at_local}</td><td>{a.actor}</td><td>{wf::audit_label(&a.action, lang)}</td><td>{a.client_addr}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
    .into_any()
}

// ---------------------------------------------------------------- quality figures

#[component]
pub fn KpiPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ViewCentreOperations>
            <KpiView />
        </Guarded>
    }
}

#[component]
fn KpiView() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let range = query.with_untracked(|q| {
        (
            q.get("from").unwrap_or_default(),
            q.get("to").unwrap_or_default(),
        )
    });
    let kpis = Resource::new(move || range.clone(), |(from, to)| get_kpis(from, to));
    view! {
        <h1>{tr("Kazalniki kakovosti", "Quality figures")}</h1>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Računam…", "Calculating…")}</p> }>
            {move || kpis.get().map(|result| match result {
                Err(e) => view! {
                    <p class="form-error" role="alert">{e.message(lang.get())}</p>
                    {e.field_errors().map(|errors| errors.messages(lang.get()).into_iter().map(|(field, messages)| view! {
                        <p class="field-error">{field}": "{messages.join("; ")}</p>
                    }).collect_view())}
                    <p><a href="/kpi">{tr("Zadnjih 12 mesecev", "The last 12 months")}</a></p>
                }.into_any(),
                Ok(k) => kpi_view(k, lang.get_untracked()).into_any(),
            })}
        </Suspense>
    }
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.0} %", 100.0 * part as f64 / whole as f64)
    }
}

fn minutes(value: Option<f64>) -> String {
    value.map_or("—".into(), |m| format!("{m:.0} min"))
}

fn kpi_view(k: Kpis, lang: Lang) -> impl IntoView {
    let sl = lang == Lang::Sl;
    let csv = format!("/kpi.csv?from={}&to={}", k.from, k.to);
    let intervals = [
        (
            if sl {
                "do potrditve prejema"
            } else {
                "to acknowledgement"
            },
            k.to_acknowledge.clone(),
        ),
        (
            if sl { "do odločitve" } else { "to decision" },
            k.to_decision.clone(),
        ),
        (
            if sl {
                "do odhoda ekipe"
            } else {
                "to team departure"
            },
            k.to_departure.clone(),
        ),
    ];
    // An interval nobody has reached yet (n = 0) has no bar: "no data", never a 0.
    let interval_bars: Vec<(String, Option<f64>)> = intervals
        .iter()
        .flat_map(|(name, i)| {
            [
                (
                    format!("{name}: {}", if sl { "mediana" } else { "median" }),
                    i.median_min,
                ),
                (format!("{name}: P90"), i.p90_min),
            ]
        })
        .collect();
    let count = |v: &[(String, usize)]| {
        v.iter()
            .map(|(l, n)| (l.clone(), Some(*n as f64)))
            .collect::<Vec<_>>()
    };
    let no_data = if sl { "ni podatkov" } else { "no data" };
    let pathways: Vec<(String, usize)> = k
        .per_pathway
        .iter()
        .map(|(p, n)| (pathway_label(*p).to_owned(), *n))
        .collect();
    view! {
        <form method="get" novalidate=true action="/kpi" class="filters no-print" data-testid="kpi-range">
            <label>{if sl { "Od" } else { "From" }}" "<input type="date" name="from" value=k.from.clone() /></label>
            <label>{if sl { "Do" } else { "To" }}" "<input type="date" name="to" value=k.to.clone() /></label>
            <button type="submit" class="button button-secondary">{if sl { "Prikaži" } else { "Show" }}</button>
            <a href=csv class="button button-secondary" data-testid="kpi-csv" download>{if sl { "Izvozi CSV" } else { "Export CSV" }}</a>
        </form>
        <dl class="facts kpi-facts" data-testid="kpi-facts">
            <dt>{if sl { "Napotitev" } else { "Referrals" }}</dt><dd data-testid="kpi-total">{k.total}</dd>
            <dt>{if sl { "Odločenih" } else { "Decided" }}</dt><dd>{k.decided}</dd>
            <dt>{if sl { "Sprejetih" } else { "Accepted" }}</dt><dd data-testid="kpi-accepted">{pct(k.accepted, k.decided)}</dd>
            <dt>{if sl { "Zavrnjenih" } else { "Declined" }}</dt><dd>{pct(k.declined, k.decided)}</dd>
            <dt>{if sl { "Z mobilno ekipo" } else { "With the mobile team" }}</dt><dd>{pct(k.mobile_team, k.decided)}</dd>
            <dt>{if sl { "Stopnjevanih (ni potrjeno pravočasno)" } else { "Escalated (not acknowledged in time)" }}</dt><dd data-testid="kpi-escalated">{k.escalated}</dd>
        </dl>
        <h2>{if sl { "Časi (mediana in 90. percentil)" } else { "Times (median and 90th percentile)" }}</h2>
        <table class="kpi-times" data-testid="kpi-times">
            <thead><tr><th></th><th>{"n"}</th><th>{if sl { "mediana" } else { "median" }}</th><th>{"P90"}</th></tr></thead>
            <tbody>
                {intervals.iter().map(|(name, i)| view! {
                    <tr><th scope="row">{*name}</th><td>{i.n}</td><td>{minutes(i.median_min)}</td><td>{minutes(i.p90_min)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <BarChart title=if sl { "Časi v minutah" } else { "Times in minutes" }.to_owned() bars=interval_bars unit="min" no_data />
        <BarChart title=if sl { "Napotitve po mesecih" } else { "Referrals per month" }.to_owned() bars=count(&k.per_month) unit="" no_data />
        <BarChart title=if sl { "Napotitve po poteh" } else { "Referrals per pathway" }.to_owned() bars=count(&pathways) unit="" no_data />
        <BarChart title=if sl { "Napotitve po bolnišnicah" } else { "Referrals per hospital" }.to_owned() bars=count(&k.per_hospital) unit="" no_data />
    }
}

/// Horizontal bars drawn as SVG on the server: readable without JavaScript, in print and
/// on a phone (each label sits on its own line above its bar). A value that does not exist
/// (`None`: nobody reached that point in the range) has no bar and says `no_data`.
#[component]
fn BarChart(
    title: String,
    bars: Vec<(String, Option<f64>)>,
    unit: &'static str,
    no_data: &'static str,
) -> impl IntoView {
    const ROW: f64 = 40.0;
    const WIDTH: f64 = 480.0;
    const VALUE_ROOM: f64 = 90.0;
    let max = bars
        .iter()
        .filter_map(|b| b.1)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let height = ROW * bars.len().max(1) as f64 + 4.0;
    let scale = (WIDTH - VALUE_ROOM) / max;
    let described = bars
        .iter()
        .map(|(l, v)| match v {
            Some(v) => format!("{l}: {v:.0} {unit}"),
            None => format!("{l}: {no_data}"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if bars.is_empty() {
        return view! {
            <figure class="chart">
                <figcaption>{title}</figcaption>
                <p class="chart-empty" data-testid="chart-empty">{no_data}</p>
            </figure>
        }
        .into_any();
    }
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=format!("{title}: {described}") class="bar-chart">
                {bars.into_iter().enumerate().map(|(i, (label, value))| {
                    let y = 2.0 + i as f64 * ROW;
                    let bar = value.map(|value| {
                        let width = (value * scale).max(1.0);
                        view! {
                            <rect x="0" y={y + 19.0} width=width height="14" class="chart-bar" />
                            <text x={width + 6.0} y={y + 31.0} class="chart-value">{format!("{value:.0}")}</text>
                        }
                    });
                    let missing = value.is_none().then(|| view! {
                        <text x="0" y={y + 31.0} class="chart-value chart-no-data">{no_data}</text>
                    });
                    view! {
                        <text x="0" y={y + 14.0} class="chart-label">{label}</text>
                        {bar}
                        {missing}
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
    .into_any()
}
