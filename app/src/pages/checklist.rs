//! The VV and VA checklist: one page per step of spec §5, the review, and the decision
//! support beside them. Each step is a plain HTML form that saves the draft and moves on, so
//! it works without JavaScript; as an island it also keeps the flags and scores live, saves
//! while the doctor types, and offers the dose helper.
use crate::accounts::use_current_user;
use crate::components::forms::{action_error, text, tr, use_lang, FormError, Submit};
use crate::domain::checklist::{
    self, Checked, Field, Form, Kind, Need, GAS, GAS_STEP, MAX_GASES, REVIEW, STEPS,
    VASOACTIVE_KEYS,
};
use crate::domain::i18n::Lang;
use crate::domain::labels::{field_label, option_label, question_label};
use crate::domain::policy::Action;
use crate::domain::rules::RuleSet;
use crate::domain::scores::{elso_caveat, ScoreLine};
use crate::domain::triage::{Evaluation, Pathway, Severity};
use crate::pages::account::Guarded;
use crate::referrals::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

mod answers;
mod fields;
pub use answers::*;
pub use fields::*;

/// Blood-gas rows offered at first: the spec asks for a series, typically three or more.
const MIN_GAS_ROWS: usize = 3;

fn step_title(step: usize, lang: Lang) -> String {
    let key = STEPS.get(step).map_or("review", |s| s.key);
    question_label(key, lang)
}

/// Which step a `?step=` asks for: a number, or `review`.
pub fn parse_step(text: Option<String>) -> usize {
    match text.as_deref() {
        Some("review") => REVIEW,
        Some(n) => n.parse::<usize>().map_or(0, |n| n.min(REVIEW)),
        None => 0,
    }
}

/// Field errors, missing answers and unconfirmed values of one step (for its badge).
fn open_items(checked: &Checked, step: usize) -> usize {
    let errors = checked
        .submission_errors()
        .0
        .keys()
        .filter(|k| checklist::step_of(k) == Some(step))
        .count();
    errors
}

// ---------------------------------------------------------------- the page

#[component]
pub fn DraftPage() -> impl IntoView {
    let hospital_id = use_current_user().and_then(|u| u.hospital_id).unwrap_or(-1);
    view! {
        <Guarded action=Action::CreateReferral { hospital_id }>
            <DraftContent />
        </Guarded>
    }
}

#[component]
fn DraftContent() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let lang = use_lang();
    let data = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        get_draft,
    );
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam osnutek…", "Loading the draft…")}</p> }>
            {move || data.get().map(|result| match result {
                Err(e) => {
                    #[cfg(feature = "ssr")]
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        if let Ok(status) = http::StatusCode::from_u16(e.status()) {
                            response.set_status(status);
                        }
                    }
                    view! {
                        <h1>{tr("Osnutka ni mogoče odpreti", "This draft cannot be opened")}</h1>
                        <p class="form-error" role="alert">{e.message(lang.get())}</p>
                        <p><a href="/">{tr("Na začetno stran", "To the home page")}</a></p>
                    }.into_any()
                }
                Ok(d) => {
                    if let Some(referral) = d.draft.submitted_referral_id {
                        return view! {
                            <h1>{tr("Ta osnutek je že poslan", "This draft has been sent")}</h1>
                            <p><a class="button" href=format!("/referrals/{referral}")>{tr("Odpri napotitev", "Open the referral")}</a></p>
                        }.into_any();
                    }
                    let step = parse_step(query.with(|q| q.get("step")));
                    let check = query.with(|q| q.get("check").is_some() || q.get("__err").is_some());
                    let error = query.with(|q| q.get("error"));
                    let rows = query
                        .with(|q| q.get("rows"))
                        .and_then(|r| r.parse::<usize>().ok())
                        .unwrap_or(0);
                    let pasted = query
                        .with(|q| q.get("pasted"))
                        .and_then(|r| r.parse::<usize>().ok());
                    if step == REVIEW {
                        view! { <Review d check /> }.into_any()
                    } else {
                        let rows = rows
                            .max(checklist::gas_rows(&d.draft.form) + usize::from(check))
                            .clamp(MIN_GAS_ROWS, MAX_GASES);
                        view! {
                            {error.map(|code| view! { <p class="form-error" role="alert">{save_error(&code, lang.get_untracked())}</p> })}
                            <ChecklistStep
                                draft_id=d.draft.id
                                pathway=d.draft.pathway
                                step
                                form=d.draft.form.clone()
                                rules=d.rules.clone()
                                show_errors=check
                                rows
                                pasted
                                now_ms=d.now_ms
                                now_local_ms=d.now_local_ms
                                updated_local=d.draft.updated_local.clone()
                            />
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn save_error(code: &str, lang: Lang) -> String {
    use crate::error::AppError;
    let error = match code {
        "conflict" => AppError::Conflict,
        "too_large" => AppError::Request(String::new()),
        _ => AppError::Internal,
    };
    error.message(lang)
}

// ---------------------------------------------------------------- one step (island)

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum SaveState {
    Saved(String),
    Saving,
    Failed(String),
}

/// One step of the checklist with the decision support beside it.
#[island(lazy)]
#[allow(clippy::too_many_arguments)]
fn ChecklistStep(
    draft_id: i64,
    pathway: Pathway,
    step: usize,
    form: Form,
    rules: RuleSet,
    show_errors: bool,
    rows: usize,
    /// How many pasted samples went into rows, right after a paste.
    pasted: Option<usize>,
    now_ms: i64,
    now_local_ms: i64,
    updated_local: String,
) -> impl IntoView {
    crate::island_hydrated();
    let lang = use_lang();
    let offset = now_ms - now_local_ms;
    let initial = form.clone();
    let form_state = RwSignal::new(form);
    let now = move || {
        #[cfg(feature = "hydrate")]
        {
            let now = js_sys::Date::now() as i64;
            (now, now - offset)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            (now_ms, now_local_ms)
        }
    };
    let checked = Memo::new(move |_| {
        form_state.with(|f| checklist::check(&checklist::form_to_json(pathway, f), now().1))
    });
    let evaluation = Memo::new(move |_| {
        let (now_ms, now_local) = now();
        checked.with(|c| c.support(pathway, &rules, now_ms, now_local, &|local| local + offset))
    });
    let save_state = RwSignal::new(SaveState::Saved(updated_local));
    let generation = StoredValue::new(0u64);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    // Reads the step's fields from the form element and saves them a moment later.
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form_el) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let fields = read_form(&form_el);
            let for_save = fields.clone();
            form_state.update(|f| checklist::merge_step(f, step, fields));
            let mine = generation.get_value() + 1;
            generation.set_value(mine);
            set_timeout(
                move || {
                    if generation.get_value() != mine {
                        return;
                    }
                    save_state.set(SaveState::Saving);
                    let json = serde_json::to_string(&for_save).unwrap_or_default();
                    leptos::task::spawn_local(async move {
                        let result = autosave_draft(draft_id.to_string(), step, json).await;
                        save_state.set(match result {
                            Ok(saved) => SaveState::Saved(saved.updated_local),
                            Err(e) => SaveState::Failed(e.message(lang.get_untracked())),
                        });
                    });
                },
                std::time::Duration::from_millis(1200),
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    // A pending autosave is dropped when the form itself is sent: the post saves everything.
    let on_submit = move |_| generation.set_value(generation.get_value() + 1);

    let fields_view = if STEPS[step].key == GAS_STEP {
        gas_rows_view(rows, pasted, &initial, checked, show_errors).into_any()
    } else {
        STEPS[step]
            .fields
            .iter()
            .filter(|f| f.need(pathway) != Need::Hidden)
            .map(|f| {
                field_view(
                    f,
                    f.key.to_owned(),
                    f.need(pathway),
                    &initial,
                    checked,
                    show_errors,
                )
            })
            .collect_view()
            .into_any()
    };
    let last = step + 1 == STEPS.len();
    let title = move || {
        let n = step + 1;
        let total = STEPS.len();
        match lang.get() {
            Lang::Sl => format!(
                "{} — korak {n} od {total}: {}",
                pathway_name(pathway),
                step_title(step, Lang::Sl)
            ),
            Lang::En => format!(
                "{} — step {n} of {total}: {}",
                pathway_name(pathway),
                step_title(step, Lang::En)
            ),
        }
    };
    view! {
        <div class="checklist">
            <form
                id="checklist-form"
                class="form checklist-form"
                method="post"
                action=format!("/referrals/drafts/{draft_id}/step")
                novalidate=true
                on:input=on_change
                on:change=on_change
                on:submit=on_submit
            >
                // Enter in a field moves to the next step.
                <button type="submit" name="_go" value="next" class="default-submit" tabindex="-1" aria-hidden="true"></button>
                <input type="hidden" name="_step" value=step.to_string() />
                <input type="hidden" name="_rows" value=rows.to_string() />
                <StepNav step checked />
                <h1>{title}</h1>
                <p class="save-state" role="status" data-testid="save-state">
                    {move || match save_state.get() {
                        SaveState::Saved(at) => match lang.get() {
                            Lang::Sl => format!("Osnutek shranjen {at}"),
                            Lang::En => format!("Draft saved {at}"),
                        },
                        SaveState::Saving => tr("Shranjujem…", "Saving…")().to_owned(),
                        SaveState::Failed(message) => match lang.get() {
                            Lang::Sl => format!("Ni shranjeno: {message}"),
                            Lang::En => format!("Not saved: {message}"),
                        },
                    }}
                </p>
                {show_errors.then(|| view! { <ErrorSummary step checked /> })}
                <p class="field-hint">{tr(
                    "Za pošiljanje so potrebna le polja z *. Drugo izpolnite, če je znano, ali označite »ni znano«; kar manjka, center vidi kot »ni podano«.",
                    "Only the fields marked * are needed to send. Fill in the rest if known, or tick \"unknown\"; what is missing, the centre sees as \"not given\"."
                )}</p>
                {fields_view}
                {(STEPS[step].key == "circulation").then(|| view! { <DoseHelper form=form_state hydrated /> })}
                <div class="step-buttons">
                    {(step > 0).then(|| view! { <button type="submit" name="_go" value="prev" class="button button-secondary">{tr("← Nazaj", "← Back")}</button> })}
                    <button type="submit" name="_go" value="stay" class="button button-secondary">{tr("Shrani", "Save")}</button>
                    <button type="submit" name="_go" value="next" class="button" data-testid="next">
                        {move || if last { tr("Na pregled →", "To review →")() } else { tr("Naprej →", "Next →")() }}
                    </button>
                </div>
            </form>
            <aside class="support" aria-label=move || tr("Podpora odločanju", "Decision support")() aria-live="polite" data-testid="support">
                {move || {
                    let missing = checked.with(still_missing);
                    view! { <DecisionSupport evaluation=evaluation.get() missing /> }
                }}
            </aside>
        </div>
    }
}

/// What stops this step, at the top of the form: each entry a link to its field. The
/// server sends the browser to `#error-summary`, so it is in view on a phone, and it takes
/// the focus (with or without JavaScript), so a screen reader reads it first.
#[component]
fn ErrorSummary(step: usize, checked: Memo<Checked>) -> impl IntoView {
    let lang = use_lang();
    let entries = move || {
        let l = lang.get();
        checked.with(|c| {
            c.submission_errors()
                .0
                .into_iter()
                .filter(|(k, _)| checklist::step_of(k) == Some(step))
                .map(|(k, es)| {
                    let text = es
                        .iter()
                        .map(|e| e.message(l))
                        .collect::<Vec<_>>()
                        .join("; ");
                    (
                        dom_id(checklist::base_key(&k)),
                        format!("{}: {text}", answer_label(&k, l)),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    // Focused once, when the step comes back with errors; not again while the doctor
    // types (the summary is redrawn as errors are corrected).
    let focus = NodeRef::<leptos::html::Div>::new();
    let focused = StoredValue::new(false);
    Effect::new(move |_| {
        if let Some(el) = focus.get() {
            if !focused.get_value() {
                focused.set_value(true);
                let _ = el.focus();
            }
        }
    });
    move || {
        let entries = entries();
        (!entries.is_empty()).then(|| view! {
            <div class="error-summary" id="error-summary" role="alert" tabindex="-1" autofocus=true
                node_ref=focus data-testid="error-summary" aria-labelledby="error-summary-title">
                <h2 id="error-summary-title">{tr("Popravite, preden nadaljujete", "Correct these before going on")}</h2>
                <ul>
                    {entries.into_iter().map(|(target, text)| view! {
                        <li><a href=format!("#{target}")>{text}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        })
    }
}

/// The minimal answers not given yet, then the expected ones neither given nor known.
fn still_missing(checked: &Checked) -> Vec<String> {
    let mut names = checked.missing.clone();
    names.extend(
        checklist::not_given(&checked.data)
            .into_iter()
            .filter(|n| !n.unknown)
            .map(|n| n.name),
    );
    names
}

#[cfg(feature = "hydrate")]
fn read_form(form: &web_sys::HtmlFormElement) -> Form {
    let mut out = Form::new();
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return out;
    };
    if let Ok(Some(iter)) = js_sys::try_iter(&data) {
        for entry in iter.flatten() {
            let pair = js_sys::Array::from(&entry);
            let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            if checklist::is_form_key(&key) {
                out.entry(key).or_default().push(value);
            }
        }
    }
    out
}

fn pathway_name(pathway: Pathway) -> &'static str {
    match pathway {
        Pathway::Va => "VA-ECMO",
        Pathway::Ecpr => "ECPR",
        Pathway::Vv => "VV-ECMO",
    }
}

/// The steps as buttons that save the current one and go there; each shows how many of its
/// answers still need attention.
#[component]
fn StepNav(step: usize, checked: Memo<Checked>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <nav class="steps" aria-label=move || tr("Koraki", "Steps")()>
            <ol>
                {(0..=REVIEW).map(|i| {
                    let count = move || if i == REVIEW {
                        0
                    } else {
                        checked.with(|c| open_items(c, i))
                    };
                    view! {
                        <li class:current=i == step>
                            <button type="submit" name="_go" value=i.to_string() aria-current=(i == step).then_some("step")
                                class="step-link" data-testid=format!("step-{i}")>
                                <span class="step-number">{i + 1}</span>
                                <span class="step-name">{move || step_title(i, lang.get())}</span>
                                {move || (count() > 0).then(|| view! {
                                    <span class="badge" title=move || tr("odprtih postavk", "open items")()>{count()}</span>
                                })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

// ---------------------------------------------------------------- review

#[component]
fn Review(d: DraftPageData, check: bool) -> impl IntoView {
    let lang = use_lang();
    let pathway = d.draft.pathway;
    let offset = d.now_ms - d.now_local_ms;
    let checked = checklist::check(
        &checklist::form_to_json(pathway, &d.draft.form),
        d.now_local_ms,
    );
    let evaluation = checked.support(pathway, &d.rules, d.now_ms, d.now_local_ms, &|l| l + offset);
    let errors = checked.submission_errors();
    let id = d.draft.id;
    let submit = ServerAction::<SubmitDraft>::new();
    let submit_error = action_error(submit);
    let discard = ServerAction::<DiscardDraft>::new();
    let by_step: Vec<(usize, Vec<String>)> = (0..STEPS.len())
        .map(|i| {
            let l = lang.get_untracked();
            let items = errors
                .0
                .iter()
                .filter(|(k, _)| checklist::step_of(k) == Some(i))
                .map(|(k, es)| {
                    let label = answer_label(k, l);
                    let text = es
                        .iter()
                        .map(|e| e.message(l))
                        .collect::<Vec<_>>()
                        .join("; ");
                    format!("{label}: {text}")
                })
                .collect::<Vec<_>>();
            (i, items)
        })
        .filter(|(_, items)| !items.is_empty())
        .collect();
    let ready = by_step.is_empty();
    let phone_now = evaluation
        .scai
        .is_some_and(|s| s.stage == crate::domain::triage::ScaiStage::E);
    view! {
        <div class="checklist">
            <div class="review">
                <nav class="steps" aria-label=move || tr("Koraki", "Steps")()>
                    <ol>
                        {(0..=REVIEW).map(|i| view! {
                            <li class:current=i == REVIEW>
                                <a class="step-link" href=format!("/referrals/drafts/{id}?step={}", if i == REVIEW { "review".to_owned() } else { i.to_string() })
                                    aria-current=(i == REVIEW).then_some("step")>
                                    <span class="step-number">{i + 1}</span>
                                    <span class="step-name">{move || step_title(i, lang.get())}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ol>
                </nav>
                <h1>{move || format!("{} — {}", pathway_name(pathway), step_title(REVIEW, lang.get()))}</h1>
                // Two steps, with or without JavaScript: open, then confirm.
                <details class="discard">
                    <summary>{tr("Zavrzi osnutek …", "Discard the draft …")}</summary>
                    <p>{tr(
                        "Vsi odgovori tega osnutka bodo izbrisani. Tega ni mogoče razveljaviti.",
                        "Every answer of this draft will be deleted. This cannot be undone."
                    )}</p>
                    <ActionForm attr:novalidate=true action=discard attr:class="form discard-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="button button-secondary">{tr("Da, zavrzi osnutek", "Yes, discard the draft")}</button>
                    </ActionForm>
                </details>
                {phone_now.then(|| view! {
                    <p class="notice notice-urgent" role="alert">{tr(
                        "Šok stopnje SCAI E: pokličite center zdaj, napotitev pošljite med klicem ali po njem.",
                        "SCAI stage E shock: phone the centre now, and send the referral during or after the call."
                    )}</p>
                })}
                {if ready {
                    let lacking = checklist::not_given(&checked.data).len();
                    let text = move || match (lang.get(), lacking) {
                        (Lang::Sl, 0) => "Napotitev je pripravljena. Preverite povzetek in pošljite.".to_owned(),
                        (Lang::En, 0) => "The referral is ready. Check the summary and send.".to_owned(),
                        (Lang::Sl, n) => format!("Napotitev lahko pošljete. Podatki, ki niso podani ({n}), so našteti na koncu povzetka; center jih bo videl kot »ni podano«."),
                        (Lang::En, n) => format!("The referral can be sent. The answers not given ({n}) are listed at the end of the summary; the centre sees them as \"not given\"."),
                    };
                    view! { <p class="notice" data-testid="review-ready">{text}</p> }.into_any()
                } else {
                    view! {
                        <section class="review-open" data-testid="review-open" role=check.then_some("alert")>
                            <h2>{tr("Pred pošiljanjem popravite ali dopolnite", "To correct or complete before sending")}</h2>
                            {by_step.into_iter().map(|(i, items)| view! {
                                <h3><a href=format!("/referrals/drafts/{id}?step={i}&check=1")>{move || step_title(i, lang.get())}</a></h3>
                                <ul>{items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                            }).collect_view()}
                        </section>
                    }.into_any()
                }}
                <h2>{tr("Povzetek", "Summary")}</h2>
                <Answers data=checked.data.clone() />
                // Send is the last control, where the summary ends; discarding (above) is
                // small, far from it, and asks first.
                <ActionForm attr:novalidate=true action=submit attr:class="form send-form">
                    <FormError error=submit_error />
                    <input type="hidden" name="id" value=id.to_string() />
                    <Submit label=text(tr("Pošlji napotitev", "Send the referral")) pending=submit.pending().into() />
                </ActionForm>
            </div>
            <aside class="support" data-testid="support">
                <DecisionSupport evaluation missing=still_missing(&checked) />
            </aside>
        </div>
    }
}
