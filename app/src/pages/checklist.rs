//! The VV and VA checklist: one page per step of spec §5, the review, and the decision
//! support beside them. Each step is a plain HTML form that saves the draft and moves on, so
//! it works without JavaScript; as an island it also keeps the flags and scores live, saves
//! while the doctor types, and offers the dose helper.
use crate::accounts::use_current_user;
use crate::components::forms::{action_error, text, tr, use_lang, FormError, Submit};
use crate::domain::checklist::{
    self, Checked, Field, Form, Kind, Need, GAS, GAS_STEP, MAX_GASES, STEPS, VASOACTIVE_KEYS,
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

/// The index of the review "step", after the last step of the form.
pub const REVIEW: usize = STEPS.len();
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
        checked.with(|c| c.support(&rules, now_ms, now_local, &|local| local + offset))
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

fn first_value<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.get(name)
        .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
        .map(String::as_str)
}

fn dom_id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

/// One question: label (with unit and whether it is required), input, and the messages
/// for it — errors, missing when asked for, and unusual values with their confirmation.
fn field_view(
    field: &'static Field,
    name: String,
    need: Need,
    form: &Form,
    checked: Memo<Checked>,
    show_errors: bool,
) -> AnyView {
    let lang = use_lang();
    let id = dom_id(&name);
    let message_id = format!("{id}-msg");
    let value = first_value(form, &name).unwrap_or_default().to_owned();
    let required = need == Need::Minimal;
    // Every answer but the minimal set may be "unknown / not measured"; in a blood gas an
    // empty cell already says "not measured".
    let in_gas = name.starts_with("blood_gases.");
    let unknown_tick = (need != Need::Minimal && !field.has_own_unknown() && !in_gas).then(|| {
        let ticked = checklist::marked_unknown(form, &name);
        let tick_id = format!("{id}-unknown");
        let for_id = tick_id.clone();
        view! {
            <label class="checkbox unknown-tick" for=for_id>
                <input id=tick_id type="checkbox" name=checklist::UNKNOWN value=name.clone() checked=ticked
                    data-testid=format!("unknown-{name}") />
                {tr("ni znano / ni izmerjeno", "unknown / not measured")}
            </label>
        }
    });
    let unit = field.unit();
    let label_key = field.key;
    let label = move || {
        let lang = lang.get();
        let mut l = question_label(label_key, lang);
        let unit = unit_text(unit, lang, false);
        if !unit.is_empty() && !l.contains(unit) && field.kind != Kind::Pressure {
            l = format!("{l} ({unit})");
        }
        if required {
            l.push_str(" *");
        }
        l
    };
    let error_names = [name.clone(), format!("{name}_kpa"), format!("{name}_mmhg")];
    let name_for_msgs = name.clone();
    let messages = move || {
        let lang = lang.get();
        checked.with(|c| {
            let mut out: Vec<String> = error_names
                .iter()
                .filter_map(|n| c.errors.get(n))
                .flatten()
                .map(|e| e.message(lang))
                .collect();
            if show_errors && c.missing.contains(&name_for_msgs) {
                out.push(crate::domain::fields::FieldError::Missing.message(lang));
            }
            out.join("; ")
        })
    };
    let invalid = {
        let messages = messages.clone();
        move || (!messages().is_empty()).then_some("true")
    };
    let warn_names: Vec<String> = vec![name.clone(), format!("{name}_kpa"), format!("{name}_mmhg")];
    let warnings = move || {
        let lang = lang.get();
        checked.with(|c| {
            let confirmed: Vec<String> = c
                .data
                .get("confirmed")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            warn_names
                .iter()
                .filter_map(|n| c.warnings.get(n).map(|w| (n.clone(), w.clone())))
                .map(|(n, ws)| {
                    let text = ws.iter().map(|w| w.message(lang)).collect::<Vec<_>>().join("; ");
                    let is_confirmed = confirmed.contains(&n);
                    view! {
                        <div class="field-warning" data-testid=format!("warning-{n}")>
                            <p>{text}</p>
                            <label class="checkbox">
                                <input type="checkbox" name="confirmed" value=n.clone() checked=is_confirmed />
                                {if lang == Lang::En { "The value is right" } else { "Vrednost je pravilna" }}
                            </label>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let described = message_id.clone();
    let input = match field.kind {
        Kind::Number => view! {
            <input id=id.clone() name=name.clone() type="text" inputmode="decimal" value=value
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described />
        }
        .into_any(),
        Kind::Pressure => {
            let unit_name = format!("{name}_unit");
            let mmhg = first_value(form, &unit_name) == Some("mmhg");
            view! {
                <div class="input-with-unit">
                    <input id=id.clone() name=name.clone() type="text" inputmode="decimal" value=value
                        aria-invalid=invalid aria-describedby=described />
                    <select name=unit_name aria-label=move || tr("Enota", "Unit")()>
                        <option value="kpa" selected=!mmhg>"kPa"</option>
                        <option value="mmhg" selected=mmhg>"mmHg"</option>
                    </select>
                </div>
            }
            .into_any()
        }
        Kind::Choice(options) => view! {
            <select id=id.clone() name=name.clone() aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described>
                <option value="">{tr("— izberite —", "— choose —")}</option>
                {options.iter().map(|o| {
                    let selected = value == *o;
                    view! { <option value=*o selected=selected>{move || option_label(o, lang.get())}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        Kind::Multi(options) => {
            let ticked: Vec<String> = form.get(&name).cloned().unwrap_or_default();
            return view! {
                <fieldset class="field field-multi" id=id.clone() aria-describedby=described.clone()>
                    <legend>{label}</legend>
                    <div class="options">
                        {options.iter().map(|o| {
                            let checked_now = ticked.iter().any(|t| t == o);
                            let option_id = format!("{id}-{o}");
                            let for_id = option_id.clone();
                            view! {
                                <label class="checkbox" for=for_id>
                                    <input id=option_id type="checkbox" name=name.clone() value=*o checked=checked_now />
                                    {move || option_label(o, lang.get())}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {unknown_tick}
                    <p class="field-error" id=message_id aria-live="polite">{messages}</p>
                </fieldset>
            }
            .into_any();
        }
        Kind::YesNo => {
            return view! {
                <fieldset class="field field-yesno" id=id.clone() aria-describedby=described.clone()>
                    <legend>{label}</legend>
                    <div class="options options-inline">
                        {["yes", "no"].into_iter().map(|o| {
                            let option_id = format!("{id}-{o}");
                            let for_id = option_id.clone();
                            view! {
                                <label class="checkbox" for=for_id>
                                    <input id=option_id type="radio" name=name.clone() value=o checked=value == o />
                                    {move || option_label(o, lang.get())}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {unknown_tick}
                    <p class="field-error" id=message_id aria-live="polite">{messages}</p>
                </fieldset>
            }
            .into_any();
        }
        Kind::Check => {
            return view! {
                <div class="field field-check">
                    <label class="checkbox" for=id.clone()>
                        <input id=id.clone() type="checkbox" name=name.clone() value="on" checked=!value.is_empty() />
                        {label}
                    </label>
                    <p class="field-error" id=message_id aria-live="polite">{messages}</p>
                </div>
            }
            .into_any();
        }
        Kind::Text(max) if max > 200 => view! {
            <textarea id=id.clone() name=name.clone() rows="3" maxlength=max.to_string()
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described>{value}</textarea>
        }
        .into_any(),
        Kind::Text(max) => view! {
            <input id=id.clone() name=name.clone() type="text" value=value maxlength=max.to_string()
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described />
        }
        .into_any(),
        Kind::Phone => view! {
            <input id=id.clone() name=name.clone() type="tel" autocomplete="tel" value=value
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described />
        }
        .into_any(),
        Kind::DateTime => view! {
            <input id=id.clone() name=name.clone() type="datetime-local" value=value
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described />
        }
        .into_any(),
        Kind::Date => view! {
            <input id=id.clone() name=name.clone() type="date" value=value
                aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described />
        }
        .into_any(),
    };
    let pressure_unit_hint = (field.kind == Kind::Pressure).then(|| {
        view! { <span class="visually-hidden">" (kPa / mmHg)"</span> }
    });
    view! {
        <div class="field">
            <label for=id>{label}{pressure_unit_hint}</label>
            {input}
            {unknown_tick}
            <p class="field-error" id=message_id aria-live="polite">{messages}</p>
            {warnings}
        </div>
    }
    .into_any()
}

/// The blood-gas series: one group per sample, newest typed last, after a box where the
/// analyser's printout can be pasted and split into rows (by the server: the same with and
/// without scripts).
fn gas_rows_view(
    rows: usize,
    pasted: Option<usize>,
    form: &Form,
    checked: Memo<Checked>,
    show_errors: bool,
) -> impl IntoView {
    let lang = use_lang();
    let left = first_value(form, checklist::GAS_PASTE)
        .unwrap_or_default()
        .to_owned();
    let unread = !left.trim().is_empty();
    let outcome = pasted.map(|n| {
        let text = match (lang.get_untracked(), unread) {
            (Lang::Sl, false) => format!("Vzorcev razporejenih v tabelo: {n}. Preverite jih spodaj."),
            (Lang::Sl, true) => format!("Vzorcev razporejenih v tabelo: {n}. Vrstic, ki so ostale v polju, ni bilo mogoče prebrati: popravite jih (čas, pH, PaO2, PaCO2, FiO2, laktat) ali jih izbrišite."),
            (Lang::En, false) => format!("Samples put into the table: {n}. Check them below."),
            (Lang::En, true) => format!("Samples put into the table: {n}. The lines left in the box could not be read: correct them (time, pH, PaO2, PaCO2, FiO2, lactate) or delete them."),
        };
        view! { <p class=if unread { "form-error" } else { "notice" } role="status" data-testid="paste-outcome">{text}</p> }
    });
    view! {
        <p class="field-hint">{tr(
            "Vnesite zaporedne plinske analize s časom odvzema (običajno tri ali več): orodje iz njih izračuna, kako dolgo so meje presežene.",
            "Enter the blood gases in sequence with their sample times (typically three or more): the tool works out how long a threshold has held."
        )}</p>
        <div class="gas-paste" id="gas-paste">
            <label for="gas-paste-text">{tr("Prilepi izpis analizatorja", "Paste the analyser's printout")}</label>
            <p class="field-hint" id="gas-paste-hint">{tr(
                "Vrstica na vzorec: čas (po želji z datumom), pH, PaO2, PaCO2, FiO2, laktat. Decimalna vejica je dovoljena.",
                "One line per sample: time (optionally with the date), pH, PaO2, PaCO2, FiO2, lactate. A decimal comma is fine."
            )}</p>
            {outcome}
            <textarea id="gas-paste-text" name=checklist::GAS_PASTE rows="3" aria-describedby="gas-paste-hint"
                placeholder="06:00 7,28 7,4 7,9 1,0 1,8">{left}</textarea>
            <div class="gas-paste-actions">
                <select name="_paste_unit" aria-label=move || tr("Enota za PaO2 in PaCO2", "Unit of PaO2 and PaCO2")()>
                    <option value="kpa" selected=true>"kPa"</option>
                    <option value="mmhg">"mmHg"</option>
                </select>
                <button type="submit" name="_go" value="paste_gas" class="button button-secondary" data-testid="paste-gas">
                    {tr("Razporedi v tabelo", "Split into the table")}
                </button>
            </div>
        </div>
        {(0..rows).map(|i| {
            let legend = move || match lang.get() {
                Lang::Sl => format!("Vzorec {}", i + 1),
                Lang::En => format!("Sample {}", i + 1),
            };
            view! {
                <fieldset class="gas" data-testid=format!("gas-{i}")>
                    <legend>{legend}</legend>
                    <div class="gas-grid">
                        {GAS.iter().map(|f| {
                            let name = format!("{GAS_STEP}.{i}.{}", f.key);
                            // Time and site are required of a sample once any of it is filled.
                            field_view(f, name, Need::Optional, form, checked, show_errors)
                        }).collect_view()}
                    </div>
                </fieldset>
            }
        }).collect_view()}
        {(rows < MAX_GASES).then(|| view! {
            <button type="submit" name="_go" value="add_gas" class="button button-secondary" data-testid="add-gas">
                {tr("+ Dodaj vzorec", "+ Add a sample")}
            </button>
        })}
    }
}

/// mg of drug in mL at mL/h, for the patient's weight → µg/kg/min, written into the drug's
/// field. Shown only where scripts run, since it writes into the form.
#[component]
fn DoseHelper(form: RwSignal<Form>, hydrated: RwSignal<bool>) -> impl IntoView {
    let lang = use_lang();
    let drug = RwSignal::new("noradrenaline".to_owned());
    let mg = RwSignal::new(String::new());
    let ml = RwSignal::new(String::new());
    let rate = RwSignal::new(String::new());
    let num = |s: String| {
        s.trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| *v > 0.0)
    };
    let weight = move || {
        form.with(|f| first_value(f, "weight_kg").map(str::to_owned))
            .and_then(num)
    };
    let dose = move || {
        let (mg, ml, rate, w) = (num(mg.get())?, num(ml.get())?, num(rate.get())?, weight()?);
        Some(crate::domain::units::round_to(
            crate::domain::derived::dose_ug_per_kg_min(mg, ml, rate, w),
            3,
        ))
    };
    let insert = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(dose) = dose() {
            use wasm_bindgen::JsCast;
            let selector = format!("[name=\"{}\"]", drug.get_untracked());
            if let Some(input) = document()
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let text = if lang.get_untracked() == Lang::Sl {
                    dose.to_string().replace('.', ",")
                } else {
                    dose.to_string()
                };
                input.set_value(&text);
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                if let Ok(event) = web_sys::Event::new_with_event_init_dict("input", &init) {
                    let _ = input.dispatch_event(&event);
                }
            }
        }
    };
    let drugs: Vec<&'static str> = VASOACTIVE_KEYS
        .iter()
        .copied()
        .filter(|k| *k != "vasopressin_u_min")
        .collect();
    move || {
        hydrated.get().then(|| {
            let drugs = drugs.clone();
            view! {
                <section class="dose-helper" aria-labelledby="dose-helper-title" data-testid="dose-helper">
                    <h2 id="dose-helper-title">{tr("Pomoč pri odmerku", "Dose helper")}</h2>
                    <p class="field-hint">{tr("mg zdravila v mL raztopine, hitrost v mL/h in telesna masa iz koraka 2 → µg/kg/min.", "mg of drug in mL of solution, rate in mL/h and the weight from step 2 → µg/kg/min.")}</p>
                    <div class="dose-grid">
                        <label>{tr("Zdravilo", "Drug")}
                            <select on:change=move |ev| drug.set(event_target_value(&ev))>
                                {drugs.into_iter().map(|d| view! { <option value=d>{move || question_label(d, lang.get())}</option> }).collect_view()}
                            </select>
                        </label>
                        <label>"mg"<input type="text" inputmode="decimal" on:input=move |ev| mg.set(event_target_value(&ev)) data-testid="dose-mg" /></label>
                        <label>"mL"<input type="text" inputmode="decimal" on:input=move |ev| ml.set(event_target_value(&ev)) data-testid="dose-ml" /></label>
                        <label>"mL/h"<input type="text" inputmode="decimal" on:input=move |ev| rate.set(event_target_value(&ev)) data-testid="dose-rate" /></label>
                    </div>
                    <p data-testid="dose-result">{move || match (dose(), weight()) {
                        (_, None) => tr("Najprej vnesite telesno maso (korak 2).", "Enter the weight first (step 2).")().to_owned(),
                        (Some(d), Some(_)) => format!("= {} µg/kg/min", if lang.get() == Lang::Sl { d.to_string().replace('.', ",") } else { d.to_string() }),
                        (None, Some(_)) => String::new(),
                    }}</p>
                    <button type="button" class="button button-secondary" on:click=insert disabled=move || dose().is_none() data-testid="dose-insert">
                        {tr("Vpiši odmerek", "Insert the dose")}
                    </button>
                </section>
            }
        })
    }
}

// ---------------------------------------------------------------- decision support

/// Flags grouped as the referrer reads them, the scores, and what is still missing. The
/// rules' ids are the centre's shorthand: shown in small print (and as a tooltip) only
/// when `rule_ids`; otherwise kept in a `data-rule` attribute that nobody reads on screen.
#[component]
pub fn DecisionSupport(
    evaluation: Evaluation,
    missing: Vec<String>,
    #[prop(optional)] rule_ids: bool,
) -> impl IntoView {
    let lang = use_lang();
    let group = |severities: &[Severity]| -> Vec<_> {
        evaluation
            .flags
            .iter()
            .filter(|f| severities.contains(&f.severity))
            .cloned()
            .collect()
    };
    let groups = [
        (
            "indication",
            "Indikacije izpolnjene",
            "Indications met",
            group(&[Severity::Indication]),
        ),
        (
            "consult",
            "Zgodnji posvet",
            "Consult early",
            group(&[Severity::ConsultEarly]),
        ),
        (
            "contra",
            "Kontraindikacije in opozorila za pogovor",
            "Contraindications and cautions to discuss",
            group(&[Severity::Contraindication, Severity::Caution]),
        ),
    ];
    let mut missing_labels: Vec<String> = Vec::new();
    for m in &missing {
        let label = field_label(m.rsplit('.').next().unwrap_or(m), lang.get_untracked());
        if !missing_labels.contains(&label) {
            missing_labels.push(label);
        }
    }
    for m in &evaluation.missing {
        let label = field_label(m, lang.get_untracked());
        if !missing_labels.contains(&label) {
            missing_labels.push(label);
        }
    }
    let scai = evaluation.scai;
    let scores = evaluation.scores.clone();
    view! {
        <div class="decision-support">
            <h2>{tr("Podpora odločanju", "Decision support")}</h2>
            <p class="caveat">{tr("Zastavice so v pomoč in ne preprečijo napotitve; odloči dežurni zdravnik ECMO.", "Flags assist and never block a referral; the on-call ECMO physician decides.")}</p>
            {scai.map(|s| view! {
                <p class="scai" data-testid="scai">{tr("Stopnja šoka SCAI: ", "SCAI shock stage: ")}<strong>{s.label()}</strong></p>
            })}
            {groups.into_iter().map(|(class, sl, en, flags)| {
                let empty = flags.is_empty();
                view! {
                    <section class=format!("support-group support-{class}") data-testid=format!("support-{class}")>
                        <h3>{move || if lang.get() == Lang::En { en } else { sl }}</h3>
                        {if empty {
                            view! { <p class="none">{tr("Nič", "None")}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="flags">
                                    {flags.into_iter().map(|f| {
                                        let flag = f.clone();
                                        let id = f.id.clone();
                                        view! {
                                            <li class=format!("flag flag-{class}") data-rule=id.clone() title=rule_ids.then(|| id.clone())>
                                                {move || flag.text(lang.get())}
                                                {rule_ids.then(|| view! { " " <small class="rule-id">{id.clone()}</small> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }
            }).collect_view()}
            <section class="support-group support-missing" data-testid="support-missing">
                <h3>{tr("Manjkajoči podatki", "Missing information")}</h3>
                {if missing_labels.is_empty() {
                    view! { <p class="none">{tr("Nič", "None")}</p> }.into_any()
                } else {
                    view! { <ul>{missing_labels.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            {(!scores.is_empty()).then(|| view! {
                <section class="support-group support-scores" data-testid="support-scores">
                    <h3>{tr("Ocene", "Scores")}</h3>
                    <dl class="facts">
                        {scores.into_iter().map(score_view).collect_view()}
                    </dl>
                    <p class="caveat">{move || elso_caveat(lang.get())}</p>
                </section>
            })}
            <p class="rule-version">{tr("Različica pravil: ", "Rule set: ")}{evaluation.rule_set_version.clone()}</p>
        </div>
    }
}

fn score_view(line: ScoreLine) -> impl IntoView {
    let lang = use_lang();
    let title = match line.score.as_str() {
        "murray" => "Murray (LIS)",
        "resp" => "RESP",
        "save" => "SAVE",
        _ => "PRESERVE",
    };
    let provisional = line.provisional;
    let result = line.result.clone();
    let missing = line.missing.clone();
    view! {
        <dt>{title}{provisional.then(|| view! { <span class="badge">{tr(" začasno", " provisional")}</span> })}</dt>
        <dd data-testid=format!("score-{}", line.score)>{move || match &result {
            Some(r) => r.clone(),
            None => {
                let lang = lang.get();
                let names = missing.iter().map(|m| field_label(m, lang)).collect::<Vec<_>>().join(", ");
                match lang {
                    Lang::Sl => format!("manjka: {names}"),
                    Lang::En => format!("needs: {names}"),
                }
            }
        }}</dd>
    }
}

// ---------------------------------------------------------------- answers

/// A stored answer as a person reads it: labels for coded values, numbers with the
/// language's decimal mark and without a trailing ".0".
pub fn display_value(value: &Value, lang: Lang) -> String {
    match value {
        Value::String(s) => option_label(s, lang),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            let text = if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                let rounded = crate::domain::units::round_to(x, 2);
                format!("{rounded}")
            };
            if lang == Lang::Sl {
                text.replace('.', ",")
            } else {
                text
            }
        }
        Value::Array(items) => items
            .iter()
            .map(|v| display_value(v, lang))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Bool(b) => option_label(if *b { "yes" } else { "no" }, lang),
        other => other.to_string(),
    }
}

/// A stored local date or time (`2026-11-20T09:00`, `2026-11-20`) as the page's language
/// writes it: "20. 11. 2026 09:00", "20/11/2026 09:00".
pub fn local_time_text(stored: &str, lang: Lang) -> String {
    let (date, time) = stored.split_once('T').unwrap_or((stored, ""));
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return stored.to_owned();
    };
    let (m, d) = (m.trim_start_matches('0'), d.trim_start_matches('0'));
    let day = match lang {
        Lang::Sl => format!("{d}. {m}. {y}"),
        Lang::En => format!("{d}/{m}/{y}"),
    };
    if time.is_empty() {
        day
    } else {
        format!("{day} {}", time.get(..5).unwrap_or(time))
    }
}

/// A unit as the page's language writes it: the only unit that is a word is the age's
/// ("Starost (leta)", "46 let").
fn unit_text(unit: &'static str, lang: Lang, after_number: bool) -> &'static str {
    match (unit, lang, after_number) {
        ("years", Lang::Sl, false) => "leta",
        ("years", Lang::Sl, true) => "let",
        _ => unit,
    }
}

/// The question a field name asks, with the sample for a blood-gas field
/// (`blood_gases.1.pao2_kpa` → "Sample 2: PaO2").
fn answer_label(name: &str, lang: Lang) -> String {
    match name.strip_prefix("blood_gases.") {
        Some(rest) => {
            let (n, key) = rest.split_once('.').unwrap_or((rest, ""));
            let n = n.parse::<usize>().map_or(0, |n| n + 1);
            let key = checklist::base_key(key);
            match lang {
                Lang::Sl => format!("Vzorec {n}: {}", question_label(key, lang)),
                Lang::En => format!("Sample {n}: {}", question_label(key, lang)),
            }
        }
        None => question_label(checklist::base_key(name), lang),
    }
}

/// The expected answers a referral lacks, each marked "unknown" or "not entered".
#[component]
pub fn NotGivenList(data: serde_json::Map<String, Value>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.get_untracked();
    let items = checklist::not_given(&data);
    (!items.is_empty()).then(|| {
        view! {
            <section class="not-given" data-testid="not-given">
                <h3>{tr("Ni podano", "Not given")}</h3>
                <ul>
                    {items.into_iter().map(|item| {
                        let how = if item.unknown {
                            tr("ni znano / ni izmerjeno", "unknown / not measured")
                        } else {
                            tr("ni vneseno", "not entered")
                        };
                        view! { <li data-testid=format!("not-given-{}", item.name)>{answer_label(&item.name, l)}" — "{how}</li> }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// One stored answer as a person reads it: times in the language's format, coded values
/// as words.
fn answer_text(field: &Field, value: &Value, lang: Lang) -> String {
    match (field.kind, value.as_str()) {
        (Kind::DateTime | Kind::Date, Some(text)) => local_time_text(text, lang),
        _ => display_value(value, lang),
    }
}

/// The answers of a VV/VA referral by step, with the blood gases as a table; what it lacks
/// is listed at the end.
#[component]
pub fn Answers(data: serde_json::Map<String, Value>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.get_untracked();
    let gases: Vec<serde_json::Map<String, Value>> = data
        .get(GAS_STEP)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|g| g.as_object().cloned()).collect())
        .unwrap_or_default();
    let stored_key = |f: &Field| f.stored_key();
    let not_given = data.clone();
    let steps = STEPS
        .iter()
        .map(|step| {
            if step.key == GAS_STEP {
                let columns: Vec<&Field> = GAS
                    .iter()
                    .filter(|f| gases.iter().any(|g| g.contains_key(&stored_key(f))))
                    .collect();
                return view! {
                    <h3>{question_label(step.key, l)}</h3>
                    <div class="table-wrap">
                        <table class="data-table gases" data-testid="gas-table">
                            <thead><tr>{columns.iter().map(|f| {
                                let unit = if f.kind == Kind::Pressure { "kPa" } else { f.unit() };
                                let label = question_label(f.key, l);
                                view! { <th>{if unit.is_empty() { label } else { format!("{label} ({unit})") }}</th> }
                            }).collect_view()}</tr></thead>
                            <tbody>{gases.iter().map(|g| view! {
                                <tr>{columns.iter().map(|f| view! {
                                    <td>{g.get(&stored_key(f)).map(|v| answer_text(f, v, l)).unwrap_or_default()}</td>
                                }).collect_view()}</tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                }
                .into_any();
            }
            let rows: Vec<(String, String)> = step
                .fields
                .iter()
                .filter_map(|f| {
                    let v = data.get(&stored_key(f))?;
                    if v == &Value::Bool(false) && f.kind == Kind::Check {
                        return None;
                    }
                    let unit = unit_text(f.unit(), l, true);
                    let mut shown = answer_text(f, v, l);
                    if !unit.is_empty() && v.is_number() {
                        shown = format!("{shown} {unit}");
                    }
                    Some((question_label(f.key, l), shown))
                })
                .collect();
            view! {
                <h3>{question_label(step.key, l)}</h3>
                <dl class="facts">
                    {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            }
            .into_any()
        })
        .collect_view();
    view! {
        {steps}
        <NotGivenList data=not_given />
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
    let evaluation = checked.support(&d.rules, d.now_ms, d.now_local_ms, &|l| l + offset);
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
