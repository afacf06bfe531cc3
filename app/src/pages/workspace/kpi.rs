//! The quality figures page.
use super::*;

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
pub(super) fn KpiView() -> impl IntoView {
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

pub(super) fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.0} %", 100.0 * part as f64 / whole as f64)
    }
}

pub(super) fn minutes(value: Option<f64>) -> String {
    value.map_or("—".into(), |m| format!("{m:.0} min"))
}

pub(super) fn kpi_view(k: Kpis, lang: Lang) -> impl IntoView {
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
pub(super) fn BarChart(
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
