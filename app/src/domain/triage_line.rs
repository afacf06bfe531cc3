//! The queue's triage line: what a clinician reads of a referral before opening it — age,
//! sex, the one-line reason and the figure its pathway turns on (VV: the latest P/F, its
//! trend and how long it has been under the EOLIA thresholds; VA: the latest lactate, its
//! trend and the vasoactive load; ECPR: the collapse and the no-flow time).
use super::checklist::{pf_series, Checked};
use super::derived::Sex;
use super::triage::Pathway;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The EOLIA P/F thresholds (mmHg) whose duration the line shows: < 50 for 3 h and
/// < 80 for 6 h (spec §1.4).
pub const EOLIA_PF_MMHG: [f64; 2] = [80.0, 50.0];

/// The longest reason shown on the line; the full text is on the referral's page.
const REASON_CHARS: usize = 90;

/// Which way a measurement moved between its last two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Rising,
    Steady,
    Falling,
}

impl Trend {
    /// A change of less than a tenth of the earlier value (and less than `floor` in the
    /// value's unit) is steady: the noise of two samples, not a course.
    pub fn between(previous: f64, latest: f64, floor: f64) -> Self {
        let change = latest - previous;
        if change.abs() < (previous.abs() * 0.1).max(floor) {
            Self::Steady
        } else if change > 0.0 {
            Self::Rising
        } else {
            Self::Falling
        }
    }

    pub fn arrow(self) -> &'static str {
        match self {
            Self::Rising => "↑",
            Self::Steady => "→",
            Self::Falling => "↓",
        }
    }
}

/// The figure a pathway turns on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    /// VV: the latest arterial P/F (mmHg) and, for each EOLIA threshold the latest sample
    /// is under, the hours from the first sample of that unbroken run to the latest.
    Oxygenation {
        pf_mmhg: f64,
        trend: Option<Trend>,
        under_80_h: Option<f64>,
        under_50_h: Option<f64>,
    },
    /// VA: the latest lactate (mmol/L), how many vasoactive drugs run and their VIS
    /// (unknown when vasopressin runs and the weight is not given).
    Perfusion {
        lactate_mmol_l: Option<f64>,
        trend: Option<Trend>,
        vasoactives: usize,
        vis: Option<f64>,
    },
    /// ECPR: when the patient collapsed (service clock, ms) as estimated at the alert, the
    /// no-flow time and the first rhythm (a value of the alert's rhythm list).
    Arrest {
        collapse_at: i64,
        no_flow_min: Option<f64>,
        rhythm: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TriageLine {
    pub age_years: Option<f64>,
    pub sex: Option<Sex>,
    /// The referrer's one-line diagnosis, shortened to a line.
    pub reason: Option<String>,
    pub figure: Option<Figure>,
}

/// The triage line of a referral's checked answers, submitted at `submitted_at`.
pub fn triage_line(pathway: Pathway, data: &Map<String, Value>, submitted_at: i64) -> TriageLine {
    let number = |key: &str| data.get(key).and_then(Value::as_f64);
    let sex = match data.get("sex").and_then(Value::as_str) {
        Some("male") => Some(Sex::Male),
        Some("female") => Some(Sex::Female),
        _ => None,
    };
    let reason = data
        .get("primary_diagnosis")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(shorten);
    let figure = match pathway {
        Pathway::Vv => oxygenation(data),
        Pathway::Va => Some(perfusion(data)),
        Pathway::Ecpr => number("minutes_since_collapse").map(|before| Figure::Arrest {
            collapse_at: submitted_at - (before * 60_000.0).round() as i64,
            no_flow_min: number("no_flow_min"),
            rhythm: data
                .get("initial_rhythm")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned(),
        }),
    };
    TriageLine {
        age_years: number("age_years"),
        sex,
        reason,
        figure,
    }
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= REASON_CHARS && line.len() == text.trim().len() {
        return line.to_owned();
    }
    let cut: String = line.chars().take(REASON_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn oxygenation(data: &Map<String, Value>) -> Option<Figure> {
    let series = pf_series(data);
    let &(latest_at, pf) = series.last()?;
    let trend = series
        .len()
        .checked_sub(2)
        .map(|i| Trend::between(series[i].1, pf, 5.0));
    let under = |limit: f64| -> Option<f64> {
        if pf >= limit {
            return None;
        }
        let start = series
            .iter()
            .rev()
            .take_while(|(_, v)| *v < limit)
            .last()
            .map_or(latest_at, |(at, _)| *at);
        Some((latest_at - start) as f64 / 3_600_000.0)
    };
    Some(Figure::Oxygenation {
        pf_mmhg: pf,
        trend,
        under_80_h: under(EOLIA_PF_MMHG[0]),
        under_50_h: under(EOLIA_PF_MMHG[1]),
    })
}

fn perfusion(data: &Map<String, Value>) -> Figure {
    let checked = Checked {
        pathway: Some(Pathway::Va),
        data: data.clone(),
        ..Checked::default()
    };
    // Wall-clock times are enough here: only the order of the samples matters.
    let case = checked.case(&[], 0, &|t| t);
    let vis = match case.weight_kg {
        Some(weight) => Some(case.vasoactives.vis(weight)),
        None => Some(case.vasoactives.vis_components(None).iter().sum()),
    }
    .filter(|v: &f64| v.is_finite());
    Figure::Perfusion {
        lactate_mmol_l: case.lactate,
        trend: case
            .lactate
            .zip(case.lactate_previous)
            .map(|(latest, previous)| Trend::between(previous, latest, 0.3)),
        vasoactives: case.vasoactives.count(),
        vis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn gas(at: &str, pao2_kpa: f64, fio2: f64) -> Value {
        json!({ "taken_at": at, "site": "arterial", "pao2_kpa": pao2_kpa, "fio2": fio2 })
    }

    #[test]
    fn vv_shows_the_latest_pf_its_trend_and_the_hours_under_each_threshold() {
        // P/F (mmHg): 97.5, 75.0, 60.0, 45.0 at 00:00, 02:00, 05:00, 08:30.
        let data = map(json!({
            "age_years": 47, "sex": "female",
            "primary_diagnosis": "Influenza A pneumonia with ARDS",
            "blood_gases": [
                gas("2026-11-21T00:00", 13.0, 1.0),
                gas("2026-11-21T02:00", 10.0, 1.0),
                gas("2026-11-21T05:00", 8.0, 1.0),
                gas("2026-11-21T08:30", 6.0, 1.0),
            ],
        }));
        let line = triage_line(Pathway::Vv, &data, 0);
        assert_eq!(line.age_years, Some(47.0));
        assert_eq!(line.sex, Some(Sex::Female));
        assert_eq!(
            line.reason.as_deref(),
            Some("Influenza A pneumonia with ARDS")
        );
        let Some(Figure::Oxygenation {
            pf_mmhg,
            trend,
            under_80_h,
            under_50_h,
        }) = line.figure
        else {
            panic!("no oxygenation figure: {line:?}");
        };
        assert!((pf_mmhg - 6.0 * 7.500_62).abs() < 0.1, "{pf_mmhg}");
        assert_eq!(trend, Some(Trend::Falling));
        // Under 80 since 02:00, under 50 only at the latest sample.
        assert_eq!(under_80_h, Some(6.5));
        assert_eq!(under_50_h, Some(0.0));
    }

    #[test]
    fn a_pf_over_the_thresholds_has_no_hours_and_one_sample_no_trend() {
        let data = map(json!({ "blood_gases": [gas("2026-11-21T08:00", 20.0, 0.8)] }));
        let line = triage_line(Pathway::Vv, &data, 0);
        assert_eq!(
            line.figure,
            Some(Figure::Oxygenation {
                pf_mmhg: 20.0 * 7.500_62 / 0.8,
                trend: None,
                under_80_h: None,
                under_50_h: None,
            })
        );
        assert_eq!(line.sex, None);
        assert_eq!(triage_line(Pathway::Vv, &Map::new(), 0).figure, None);
    }

    #[test]
    fn va_shows_the_lactate_trend_and_the_vasoactive_load() {
        let data = map(json!({
            "weight_kg": 80, "noradrenaline": 0.3, "dobutamine": 5,
            "blood_gases": [
                { "taken_at": "2026-11-21T06:00", "site": "venous", "lactate_mmol_l": 4.1 },
                { "taken_at": "2026-11-21T08:00", "site": "arterial", "lactate_mmol_l": 6.8 },
            ],
        }));
        assert_eq!(
            triage_line(Pathway::Va, &data, 0).figure,
            Some(Figure::Perfusion {
                lactate_mmol_l: Some(6.8),
                trend: Some(Trend::Rising),
                vasoactives: 2,
                vis: Some(35.0),
            })
        );
        // Vasopressin without a weight: the drugs are counted, the VIS is unknown.
        let data = map(json!({ "vasopressin_u_min": 0.03 }));
        let Some(Figure::Perfusion {
            vasoactives, vis, ..
        }) = triage_line(Pathway::Va, &data, 0).figure
        else {
            panic!("no perfusion figure");
        };
        assert_eq!((vasoactives, vis), (1, None));
    }

    #[test]
    fn ecpr_dates_the_collapse_from_the_alert() {
        let data = map(json!({
            "age_years": 52, "minutes_since_collapse": 25, "no_flow_min": 2,
            "initial_rhythm": "vf_pvt",
        }));
        assert_eq!(
            triage_line(Pathway::Ecpr, &data, 10_000_000).figure,
            Some(Figure::Arrest {
                collapse_at: 10_000_000 - 25 * 60_000,
                no_flow_min: Some(2.0),
                rhythm: "vf_pvt".into(),
            })
        );
    }

    #[test]
    fn a_long_reason_is_cut_to_one_line() {
        let long = format!("{}\nsecond line", "a".repeat(200));
        let line = triage_line(Pathway::Va, &map(json!({ "primary_diagnosis": long })), 0);
        let reason = line.reason.unwrap();
        assert_eq!(reason.chars().count(), REASON_CHARS);
        assert!(reason.ends_with('…'));
        assert_eq!(shorten("two\nlines"), "two…");
        assert_eq!(shorten("  short  "), "short");
    }

    #[test]
    fn trends_ignore_noise() {
        assert_eq!(Trend::between(100.0, 105.0, 5.0), Trend::Steady);
        assert_eq!(Trend::between(100.0, 115.0, 5.0), Trend::Rising);
        assert_eq!(Trend::between(2.0, 2.2, 0.3), Trend::Steady);
        assert_eq!(Trend::between(2.0, 1.5, 0.3), Trend::Falling);
    }
}
