//! Decision support (indications, flags, scores) and a referral's answers as read back.
use super::*;

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

pub(super) fn score_view(line: ScoreLine) -> impl IntoView {
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
pub(super) fn unit_text(unit: &'static str, lang: Lang, after_number: bool) -> &'static str {
    match (unit, lang, after_number) {
        ("years", Lang::Sl, false) => "leta",
        ("years", Lang::Sl, true) => "let",
        _ => unit,
    }
}

/// The question a field name asks, with the sample for a blood-gas field
/// (`blood_gases.1.pao2_kpa` → "Sample 2: PaO2").
pub(super) fn answer_label(name: &str, lang: Lang) -> String {
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
pub(super) fn answer_text(field: &Field, value: &Value, lang: Lang) -> String {
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
