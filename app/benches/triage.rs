//! How long all rules and all four scores take for one complete referral. Not a test: run
//! `cargo bench -p ecmo-referral-app --bench triage` and read the figures.
use ecmo_referral_app::domain::derived::Vasoactives;
use ecmo_referral_app::domain::rules::RuleSet;
use ecmo_referral_app::domain::scores::{
    murray::MurrayInput, preserve::PreserveInput, resp::RespInput, save::SaveInput,
};
use ecmo_referral_app::domain::triage::{evaluate, BloodGas, Case, Pathway};
use ecmo_referral_app::domain::validation;
use serde_json::json;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

const H: i64 = 3_600_000;

fn case() -> Case {
    let gas = |h: i64, pao2: f64| BloodGas {
        taken_at_ms: h * H,
        arterial: true,
        ph: Some(7.22),
        pao2_mmhg: Some(pao2),
        paco2_mmhg: Some(62.0),
        fio2: Some(0.9),
        rr: Some(34.0),
        lactate: Some(2.4),
    };
    let mut case = Case {
        now_ms: 30 * H,
        age_years: Some(52.0),
        bmi: Some(29.0),
        clinical_frailty_scale: Some(2),
        sofa: Some(9),
        gcs: Some(10),
        ventilation_start_ms: Some(0),
        blood_gases: (0..12).map(|i| gas(i * 2, 60.0 + i as f64)).collect(),
        murray: Some(3.25),
        resp_points: Some(2),
        preserve_points: Some(4),
        failed_prone_trial: Some(true),
        sbp: Some(85.0),
        heart_rate: Some(118.0),
        lactate: Some(4.2),
        lactate_previous: Some(2.6),
        hypoperfusion_signs: true,
        vasoactives: Vasoactives {
            noradrenaline: 0.4,
            dobutamine: 5.0,
            ..Default::default()
        },
        weight_kg: Some(84.0),
        ..Default::default()
    };
    case.findings.insert("immunosuppressed".into());
    case
}

fn main() {
    let rules = RuleSet::embedded();
    let murray = json!({"cxr_quadrants": 3, "pf_ratio_kpa": 9.1, "peep_cmh2o": 14, "compliance_ml_per_cmh2o": 28});
    let resp = json!({"age_years": 52, "immunocompromised": true, "mv_hours": 30, "diagnosis": "viral_pneumonia",
        "cns_dysfunction": false, "nonpulmonary_infection": false, "neuromuscular_blockade": true, "nitric_oxide": false,
        "bicarbonate_infusion": false, "cardiac_arrest": false, "paco2_kpa": 8.3, "pip_cmh2o": 34});
    let save = json!({"diagnoses": ["other"], "age_years": 52, "weight_kg": 84, "liver_failure": false, "cns_dysfunction": false,
        "acute_renal_failure": true, "chronic_renal_failure": false, "intubation_hours": 30, "pip_cmh2o": 34,
        "cardiac_arrest": false, "diastolic_bp_mmhg": 45, "pulse_pressure_mmhg": 40, "hco3_mmol_l": 18});
    let preserve = json!({"age_years": 52, "bmi": 29, "immunocompromised": true, "mv_days": 1.3, "sofa": 9,
        "prone_positioning": true, "peep_cmh2o": 14, "plateau_cmh2o": 29});
    let fields: BTreeMap<&str, f64> = validation::DATASET
        .iter()
        .map(|s| (s.key, (s.hard.0 + s.hard.1) / 2.0))
        .collect();
    let case = case();

    let run = || {
        black_box(MurrayInput::parse(&murray).map(|i| i.score(rules)).ok());
        black_box(RespInput::parse(&resp).map(|i| i.score(rules)).ok());
        black_box(SaveInput::parse(&save).map(|i| i.score(rules)).ok());
        black_box(PreserveInput::parse(&preserve).map(|i| i.score(rules)).ok());
        black_box(validation::validate(&fields, Some(true)));
        for pathway in [Pathway::Vv, Pathway::Va, Pathway::Ecpr] {
            black_box(evaluate(pathway, &case, rules));
        }
    };
    for _ in 0..1_000 {
        run();
    }
    let mut samples: Vec<f64> = (0..20_000)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "all rules and scores for one complete referral ({} runs): median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        samples.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
