//! One checklist field as a form control with its unit, limits, "unknown" and warning
//! confirmation; the blood-gas rows; and the vasoactive dose helper.
use super::*;

pub(super) fn first_value<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.get(name)
        .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
        .map(String::as_str)
}

pub(super) fn dom_id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

/// One question: label (with unit and whether it is required), input, and the messages
/// for it — errors, missing when asked for, and unusual values with their confirmation.
pub(super) fn field_view(
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
pub(super) fn gas_rows_view(
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
pub(super) fn DoseHelper(form: RwSignal<Form>, hydrated: RwSignal<bool>) -> impl IntoView {
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
