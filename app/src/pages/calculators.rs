//! `/calculators`: the four outcome scores, the VIS and the SCAI stage, updating as you type
//! once the page is interactive, and computed by the server from the submitted form when
//! JavaScript is off.
use crate::components::forms::lang_of;
use crate::domain::calculator::{
    format_figure, split_errors, FieldKind, FormField, Outcome, Score, SplitErrors,
};
use crate::domain::fields::FieldErrors;
use crate::domain::i18n::Lang;
use crate::domain::labels::{component_label, field_label, value_label};
use crate::domain::rules::RuleSet;
use crate::domain::scores::elso_caveat;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

/// The rule set in force on the server, sent with the page so that the browser computes
/// exactly what the server would.
fn use_active_rules() -> Option<RuleSet> {
    SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<std::sync::Arc<RuleSet>>().map(|rules| (*rules).clone())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None
        }
    })
    .into_inner()
}

#[component]
pub fn CalculatorsPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = move || lang_of(i18n.get_locale());
    let rules = use_active_rules();
    view! {
        <h1>{t!(i18n, calc_title)}</h1>
        <p class="lead">{t!(i18n, calc_lead)}</p>
        <p class="caveat" role="note">{move || elso_caveat(lang())}</p>
        <nav class="calc-index" aria-label=move || t_string!(i18n, calc_title)>
            {Score::ALL.into_iter().map(|s| view! { <a href=format!("#{}", s.key())>{s.title()}</a> }).collect_view()}
        </nav>
        {match rules {
            Some(rules) => Score::ALL
                .into_iter()
                .map(|score| view! { <Calculator score rules=rules.clone() initial=submitted(score) /> })
                .collect_view()
                .into_any(),
            None => view! { <p class="field-error">{t!(i18n, error_body)}</p> }.into_any(),
        }}
    }
}

/// The values submitted for `score`, when the query is that calculator's form.
fn submitted(score: Score) -> BTreeMap<String, Vec<String>> {
    let query = use_query_map();
    query.with_untracked(|q| {
        if q.get_str("score") != Some(score.key()) {
            return BTreeMap::new();
        }
        score
            .fields()
            .iter()
            .flat_map(|f| [f.key.to_owned(), format!("{}_unit", f.key)])
            .filter_map(|k| q.get_all(&k).map(|v| (k, v)))
            .collect()
    })
}

/// One calculator: an island, the only part of the page that runs in the browser. Its
/// starting values are those of a submitted form (the page without JavaScript).
#[island(lazy)]
fn Calculator(
    score: Score,
    rules: RuleSet,
    initial: BTreeMap<String, Vec<String>>,
) -> impl IntoView {
    crate::island_hydrated();
    let i18n = use_i18n();
    let form = RwSignal::new(initial);
    let outcome = Memo::new(move |_| form.with(|f| score.compute(&score.form_to_json(f), &rules)));
    let errors = Memo::new(move |_| match outcome.get() {
        Ok(_) => (BTreeMap::new(), Vec::new()),
        Err(e) => split_errors(score, &e),
    });
    view! {
        <section class="calculator" id=score.key() aria-labelledby=format!("{}-title", score.key())>
            <h2 id=format!("{}-title", score.key())>{score.title()}</h2>
            <form method="get" novalidate=true action=format!("/calculators#{}", score.key()) class="calc-form">
                <input type="hidden" name="score" value=score.key() />
                <div class="calc-fields">
                    {score.fields().iter().map(|field| view! { <Field score field=*field form errors /> }).collect_view()}
                </div>
                <button type="submit" class="button">{t!(i18n, calc_submit)}</button>
            </form>
            <div class="calc-result" aria-live="polite" data-testid=format!("result-{}", score.key())>
                {move || match outcome.get() {
                    Ok(o) => view! { <Result score outcome=o /> }.into_any(),
                    Err(e) => view! { <Missing missing=errors.get().1 errors=e /> }.into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn Missing(missing: Vec<&'static str>, errors: FieldErrors) -> impl IntoView {
    let i18n = use_i18n();
    let lang = move || lang_of(i18n.get_locale());
    let body = errors.get("body").map(|e| e.to_vec()).unwrap_or_default();
    view! {
        <p class="calc-missing">
            <strong>{t!(i18n, calc_missing)}</strong>" "
            {move || missing.iter().map(|f| field_label(f, lang())).collect::<Vec<_>>().join(", ")}
        </p>
        {body.into_iter().map(|e| view! { <p class="field-error">{move || e.message(lang())}</p> }).collect_view()}
    }
}

#[component]
fn Result(score: Score, outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let lang = move || lang_of(i18n.get_locale());
    let class = outcome.class.clone();
    let stage = outcome.stage;
    let class_text = move || match (score, stage) {
        (_, Some(stage)) => stage.name(lang()).to_owned(),
        (Score::Murray, _) => value_label(&class, lang()),
        _ => class.clone(),
    };
    let reasons = outcome.reasons.clone();
    let contributions = outcome.contributions.clone();
    let itemised = !outcome.components.is_empty();
    view! {
        <p class="calc-headline">
            <span class="calc-figure" data-testid=format!("figure-{}", score.key())>{outcome.headline.clone()}</span>
            <span class="calc-class">{class_text}</span>
        </p>
        {outcome.predicted_survival_pct.map(|pct| view! {
            <p>{t!(i18n, calc_survival)}": "<strong>{pct}" %"</strong></p>
        })}
        {outcome.meets_referral_threshold.map(|met| view! {
            <p class=if met { "flag flag-indication" } else { "flag" }>
                {move || if met { t_string!(i18n, calc_threshold_met) } else { t_string!(i18n, calc_threshold_not_met) }}
            </p>
        })}
        {outcome.provisional.then(|| view! { <p class="flag flag-caution">{t!(i18n, calc_provisional)}</p> })}
        {(!reasons.is_empty()).then(|| view! {
            <p class="calc-reasons-title">{t!(i18n, calc_reasons)}</p>
            <ul class="calc-reasons">
                {reasons.iter().map(|r| {
                    let r = *r;
                    view! { <li>{move || r.text(lang())}</li> }
                }).collect_view()}
            </ul>
        })}
        {(score == Score::Scai && reasons.is_empty()).then(|| view! {
            <p>{t!(i18n, calc_no_criteria)}</p>
        })}
        {itemised.then(|| view! {
            <details class="calc-breakdown">
                <summary>{t!(i18n, calc_breakdown)}" ("{outcome.points}")"</summary>
                <table>
                    <tbody>
                        {outcome.components.iter().map(|c| {
                            let item = c.item.clone();
                            view! { <tr><td>{move || component_label(&item, lang())}</td><td class="num">{c.points}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        })}
        {(!contributions.is_empty()).then(|| view! {
            <details class="calc-breakdown">
                <summary>{t!(i18n, calc_contributions)}</summary>
                <table>
                    <tbody>
                        {contributions.iter().map(|(key, figure)| {
                            let key = key.clone();
                            let figure = *figure;
                            view! {
                                <tr>
                                    <td>{move || field_label(&key, lang())}</td>
                                    <td class="num">{move || local_number(figure, lang())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        })}
        <p class="rule-version">{t!(i18n, calc_rule_version)}": "{outcome.rule_set_version.clone()}</p>
    }
}

/// A figure with at most two decimals, with a decimal comma in Slovene.
fn local_number(x: f64, lang: Lang) -> String {
    let text = format_figure(x);
    match lang {
        Lang::Sl => text.replace('.', ","),
        Lang::En => text,
    }
}

#[component]
fn Field(
    score: Score,
    field: FormField,
    form: RwSignal<BTreeMap<String, Vec<String>>>,
    errors: Memo<SplitErrors>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lang = move || lang_of(i18n.get_locale());
    let id = format!("{}-{}", score.key(), field.key);
    let error_id = format!("{id}-error");
    let key = field.key;
    let initial = move |k: &str| {
        form.with_untracked(|f| {
            f.get(k)
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default()
        })
    };
    let set = move |k: String, v: String| {
        form.update(|f| {
            f.insert(k, vec![v]);
        })
    };
    let error_view = {
        let error_id = error_id.clone();
        move || {
            errors
                .with(|(shown, _)| shown.get(key).cloned())
                .map(|errs| {
                    let text = errs
                        .iter()
                        .map(|e| e.message(lang()))
                        .collect::<Vec<_>>()
                        .join("; ");
                    view! { <p class="field-error" id=error_id.clone()>{text}</p> }
                })
        }
    };
    let invalid = move || {
        errors
            .with(|(shown, _)| shown.contains_key(key))
            .then_some("true")
    };
    let label = move || {
        let mut text = field_label(key, lang());
        if field.optional {
            text.push_str(match lang() {
                Lang::Sl => " (neobvezno)",
                Lang::En => " (optional)",
            });
        }
        text
    };
    match field.kind {
        FieldKind::Number | FieldKind::Pressure { .. } => {
            let unit_key = format!("{key}_unit");
            let unit_initial = initial(&unit_key);
            let unit = matches!(field.kind, FieldKind::Pressure { .. }).then(|| {
                let unit_key = unit_key.clone();
                view! {
                    <select name=unit_key.clone() aria-label=move || t_string!(i18n, calc_unit)
                        on:change=move |ev| set(unit_key.clone(), event_target_value(&ev))>
                        <option value="mmhg" selected=unit_initial != "kpa">"mmHg"</option>
                        <option value="kpa" selected=unit_initial == "kpa">"kPa"</option>
                    </select>
                }
            });
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <span class="input-with-unit">
                        <input id=id.clone() name=key type="text" inputmode="decimal" autocomplete="off"
                            value=initial(key) aria-invalid=invalid aria-describedby=error_id.clone()
                            on:input=move |ev| set(key.to_owned(), event_target_value(&ev)) />
                        {unit}
                    </span>
                    {error_view}
                </div>
            }
            .into_any()
        }
        FieldKind::Boolean => view! {
            <div class="field field-check">
                <input id=id.clone() name=key type="checkbox" checked=initial(key) == "on"
                    on:change=move |ev| set(key.to_owned(), if event_target_checked(&ev) { "on".into() } else { String::new() }) />
                <label for=id.clone()>{label}</label>
            </div>
        }
        .into_any(),
        FieldKind::Choice(values) => {
            let current = initial(key);
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <select id=id.clone() name=key aria-invalid=invalid aria-describedby=error_id.clone()
                        on:change=move |ev| set(key.to_owned(), event_target_value(&ev))>
                        <option value="">"—"</option>
                        {values.iter().map(|v| {
                            let v = *v;
                            view! { <option value=v selected=current == v>{move || value_label(v, lang())}</option> }
                        }).collect_view()}
                    </select>
                    {error_view}
                </div>
            }
            .into_any()
        }
        FieldKind::Multi(values) => {
            let chosen = form.with_untracked(|f| f.get(key).cloned().unwrap_or_default());
            view! {
                <fieldset class="field" aria-describedby=error_id.clone()>
                    <legend>{label}</legend>
                    {values.iter().map(|v| {
                        let v = *v;
                        let box_id = format!("{id}-{v}");
                        view! {
                            <div class="field-check">
                                <input id=box_id.clone() type="checkbox" name=key value=v checked=chosen.iter().any(|c| c == v)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        form.update(|f| {
                                            let list = f.entry(key.to_owned()).or_default();
                                            list.retain(|x| x != v);
                                            if on {
                                                list.push(v.to_owned());
                                            }
                                        });
                                    } />
                                <label for=box_id>{move || value_label(v, lang())}</label>
                            </div>
                        }
                    }).collect_view()}
                    {error_view}
                </fieldset>
            }
            .into_any()
        }
    }
}
