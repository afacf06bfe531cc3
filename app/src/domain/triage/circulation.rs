//! VA-ECMO and ECPR: the SCAI shock stage with its reasons, and the two pathways' rules.
use super::*;

/// Why a SCAI stage was reached: the criteria that held, as the calculator and the API
/// report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScaiReason {
    OngoingCpr,
    NoSbpWithoutResuscitation,
    ExtremisLabsOnMaximalSupport,
    MultipleVasoactives,
    EscalatingSupport,
    McsAddedToVasoactive,
    LactateRising,
    HypoperfusionSigns,
    LactateHypoperfusion,
    VasoactiveDrug,
    MechanicalSupport,
    Hypotension,
    Tachycardia,
    ArrestWithComa,
}

impl ScaiReason {
    pub const ALL: [ScaiReason; 14] = [
        Self::OngoingCpr,
        Self::NoSbpWithoutResuscitation,
        Self::ExtremisLabsOnMaximalSupport,
        Self::MultipleVasoactives,
        Self::EscalatingSupport,
        Self::McsAddedToVasoactive,
        Self::LactateRising,
        Self::HypoperfusionSigns,
        Self::LactateHypoperfusion,
        Self::VasoactiveDrug,
        Self::MechanicalSupport,
        Self::Hypotension,
        Self::Tachycardia,
        Self::ArrestWithComa,
    ];

    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::OngoingCpr, Lang::Sl) => "oživljanje poteka",
            (Self::OngoingCpr, Lang::En) => "ongoing CPR",
            (Self::NoSbpWithoutResuscitation, Lang::Sl) => {
                "brez sistoličnega tlaka ni mogoče brez oživljanja"
            }
            (Self::NoSbpWithoutResuscitation, Lang::En) => {
                "no systolic pressure without resuscitation"
            }
            (Self::ExtremisLabsOnMaximalSupport, Lang::Sl) => {
                "laktat ali pH v območju skrajnosti ob največji podpori"
            }
            (Self::ExtremisLabsOnMaximalSupport, Lang::En) => {
                "lactate or pH in extremis despite maximal support"
            }
            (Self::MultipleVasoactives, Lang::Sl) => "več vazoaktivnih zdravil",
            (Self::MultipleVasoactives, Lang::En) => "several vasoactive drugs",
            (Self::EscalatingSupport, Lang::Sl) => "naraščajoči odmerki ali podpora",
            (Self::EscalatingSupport, Lang::En) => "escalating doses or support",
            (Self::McsAddedToVasoactive, Lang::Sl) => "mehanska podpora ob vazoaktivnem zdravilu",
            (Self::McsAddedToVasoactive, Lang::En) => {
                "mechanical support added to a vasoactive drug"
            }
            (Self::LactateRising, Lang::Sl) => "laktat narašča",
            (Self::LactateRising, Lang::En) => "lactate rising",
            (Self::HypoperfusionSigns, Lang::Sl) => "klinični znaki hipoperfuzije",
            (Self::HypoperfusionSigns, Lang::En) => "clinical signs of hypoperfusion",
            (Self::LactateHypoperfusion, Lang::Sl) => "laktat kaže hipoperfuzijo",
            (Self::LactateHypoperfusion, Lang::En) => "lactate shows hypoperfusion",
            (Self::VasoactiveDrug, Lang::Sl) => "vazoaktivno zdravilo",
            (Self::VasoactiveDrug, Lang::En) => "vasoactive drug",
            (Self::MechanicalSupport, Lang::Sl) => "mehanska podpora obtoku",
            (Self::MechanicalSupport, Lang::En) => "mechanical circulatory support",
            (Self::Hypotension, Lang::Sl) => "hipotenzija",
            (Self::Hypotension, Lang::En) => "hypotension",
            (Self::Tachycardia, Lang::Sl) => "tahikardija",
            (Self::Tachycardia, Lang::En) => "tachycardia",
            (Self::ArrestWithComa, Lang::Sl) => "srčni zastoj s komo",
            (Self::ArrestWithComa, Lang::En) => "cardiac arrest with coma",
        }
    }
}

/// A SCAI stage with the criteria that led to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaiAssessment {
    #[serde(flatten)]
    pub scai: Scai,
    pub reasons: Vec<ScaiReason>,
}

/// SCAI SHOCK stage (spec §2.1), rule-based; the physician can override it.
pub fn classify_scai(case: &Case, r: &ScaiRules) -> Scai {
    assess_scai(case, r).scai
}

/// SCAI SHOCK stage (spec §2.1) and the criteria that reached it:
/// E: ongoing CPR, no systolic pressure without resuscitation, or extremis labs (lactate
///    or pH) on maximal support;
/// D: C, and several vasoactives, escalating support, a device added to a vasoactive, or a
///    lactate rising from a baseline that already showed hypoperfusion;
/// C: hypoperfusion (signs or lactate) with a vasoactive or a device;
/// B: hypotension or tachycardia without hypoperfusion; A: none of these.
pub fn assess_scai(case: &Case, r: &ScaiRules) -> ScaiAssessment {
    use ScaiReason as R;
    let holds = |pairs: &[(bool, ScaiReason)]| -> Vec<ScaiReason> {
        pairs.iter().filter(|p| p.0).map(|p| p.1).collect()
    };
    let hypotension = case.sbp.is_some_and(|s| s < r.sbp_below)
        || case.map.is_some_and(|m| m < r.map_below)
        || case.sbp_drop_over_30;
    let tachycardia = case.heart_rate.is_some_and(|h| h >= r.hr_at_least);
    let lactate_hypoperfusion = case.lactate.is_some_and(|l| l >= r.lactate_hypoperfusion);
    let hypoperfusion = case.hypoperfusion_signs || lactate_hypoperfusion;
    let drugs = case.vasoactives.count();
    let lactate_rising = match (case.lactate, case.lactate_previous) {
        (Some(now), Some(before)) if before >= r.lactate_rise_baseline_at_least => {
            now >= before * (1.0 + r.lactate_rise_fraction)
        }
        _ => false,
    };
    let ph = case
        .blood_gases
        .iter()
        .max_by_key(|g| g.taken_at_ms)
        .and_then(|g| g.ph);
    let extremis_labs = case.lactate.is_some_and(|l| l >= r.lactate_extremis)
        || ph.is_some_and(|p| p <= r.ph_extremis_at_most);
    let classic = holds(&[
        (case.hypoperfusion_signs, R::HypoperfusionSigns),
        (lactate_hypoperfusion, R::LactateHypoperfusion),
        (drugs > 0, R::VasoactiveDrug),
        (case.mcs, R::MechanicalSupport),
    ]);
    let extremis = holds(&[
        (case.ongoing_cpr, R::OngoingCpr),
        (
            case.no_sbp_without_resuscitation,
            R::NoSbpWithoutResuscitation,
        ),
        (
            extremis_labs && case.maximal_support,
            R::ExtremisLabsOnMaximalSupport,
        ),
    ]);
    let deteriorating = holds(&[
        (
            drugs >= r.deteriorating_vasoactives_at_least,
            R::MultipleVasoactives,
        ),
        (case.escalating_support, R::EscalatingSupport),
        (
            r.deteriorating_mcs_added_to_vasoactive && case.mcs && drugs > 0,
            R::McsAddedToVasoactive,
        ),
        (lactate_rising, R::LactateRising),
    ]);
    let supported = drugs > 0 || case.mcs;
    let (stage, mut reasons) = if !extremis.is_empty() {
        (ScaiStage::E, extremis)
    } else if hypoperfusion && supported && !deteriorating.is_empty() {
        (ScaiStage::D, [deteriorating, classic].concat())
    } else if hypoperfusion && supported {
        (ScaiStage::C, classic)
    } else if hypotension || tachycardia {
        (
            ScaiStage::B,
            holds(&[(hypotension, R::Hypotension), (tachycardia, R::Tachycardia)]),
        )
    } else {
        (ScaiStage::A, Vec::new())
    };
    let arrest_with_coma = case.cardiac_arrest && case.gcs.is_some_and(|g| g < r.coma_gcs_below);
    if arrest_with_coma {
        reasons.push(R::ArrestWithComa);
    }
    ScaiAssessment {
        scai: Scai {
            stage,
            arrest_with_coma,
        },
        reasons,
    }
}

pub(super) fn evaluate_va(case: &Case, t: &TriageRules, eval: &mut Evaluation) {
    let r = &t.va;
    let scai = classify_scai(case, &t.scai);
    eval.scai = Some(scai);
    match scai.stage {
        ScaiStage::D | ScaiStage::E => eval.flags.push(flag("VA-T1")),
        ScaiStage::C => eval.flags.push(flag("VA-T1-C")),
        _ => {}
    }
    if case.sbp.is_none() && case.map.is_none() {
        eval.missing.push("blood_pressure".into());
    }
    if case.lactate.is_none() {
        eval.missing.push("lactate".into());
    }
    let hypotension =
        case.sbp.is_some_and(|s| s < t.scai.sbp_below) || case.vasoactives.count() > 0;
    if case.ami
        && hypotension
        && case.hypoperfusion_signs
        && case.lactate.is_some_and(|l| l > r.ami_lactate_above)
    {
        eval.flags.push(flag("VA-T2"));
    }
    for (item, id) in [
        ("refractory_vt_vf", "VA-T3"),
        ("fulminant_myocarditis", "VA-T4"),
        ("massive_pe", "VA-T5"),
        ("cardiodepressant_intoxication", "VA-T5"),
        ("peripartum_cardiomyopathy", "VA-T5"),
        ("graft_failure", "VA-T5"),
        ("post_cardiotomy", "VA-T5"),
        ("no_exit_strategy", "VA-CI-1"),
        ("aortic_dissection", "VA-CI-2"),
        ("severe_aortic_regurgitation", "VA-CI-3"),
        ("severe_brain_injury", "VA-CI-4"),
        ("terminal_illness", "VA-CI-5"),
        ("limitation_of_therapy", "VA-CI-6"),
        ("anticoagulation_contraindicated", "VA-CI-7"),
        ("severe_pad", "VA-CI-8"),
        ("chronic_renal_failure", "VA-CI-10"),
        ("multi_organ_failure", "VA-CI-10"),
    ] {
        if finding(case, item) {
            eval.flags.push(flag(id));
        }
    }
    let vis_high = case
        .weight_kg
        .is_some_and(|w| case.vasoactives.vis(w) > r.vis_high_above);
    if case.vasoactives.noradrenaline > r.noradrenaline_high_above || vis_high {
        eval.flags.push(flag("VA-T6"));
    }
    if case.age_years.is_some_and(|a| a > r.age_caution_above)
        || case
            .clinical_frailty_scale
            .is_some_and(|c| c > r.frailty_cfs_above)
        || case.bmi.is_some_and(|b| b > r.bmi_caution_above)
    {
        eval.flags.push(flag("VA-CI-9"));
    }
}

pub(super) fn evaluate_ecpr(case: &Case, r: &EcprRules, eval: &mut Evaluation) {
    eval.flags.push(flag("ECPR-PHONE"));
    match case.age_years {
        Some(a) if a > r.age_exclusion_above => eval.flags.push(flag("ECPR-AGE-EXCL")),
        Some(a) if a > r.age_favourable_max => eval.flags.push(flag("ECPR-AGE-UNFAV")),
        Some(_) => {}
        None => eval.missing.push("age_years".into()),
    }
    match case.witnessed {
        Some(false) => eval.flags.push(flag("ECPR-UNWITNESSED")),
        Some(true) => {}
        None => eval.missing.push("witnessed".into()),
    }
    match case.no_flow_min {
        Some(n) if n > r.no_flow_exclusion_above_min => eval.flags.push(flag("ECPR-NOFLOW-EXCL")),
        Some(n) if n > r.no_flow_favourable_max_min => eval.flags.push(flag("ECPR-NOFLOW-UNFAV")),
        Some(_) if case.bystander_cpr == Some(false) => eval.flags.push(flag("ECPR-NOFLOW-UNFAV")),
        Some(_) => {}
        None => eval.missing.push("no_flow_min".into()),
    }
    match case.initial_rhythm.as_deref() {
        Some("pea") => eval.flags.push(flag("ECPR-RHYTHM-PEA")),
        Some("asystole") => eval.flags.push(flag("ECPR-RHYTHM-ASYSTOLE")),
        Some(_) => {}
        None => eval.missing.push("initial_rhythm".into()),
    }
    match case.expected_arrest_to_flow_min {
        Some(m) if m > r.arrest_to_flow_exclusion_above_min => {
            eval.flags.push(flag("ECPR-ATF-EXCL"))
        }
        Some(m) if m > r.arrest_to_flow_favourable_max_min => {
            eval.flags.push(flag("ECPR-ATF-UNFAV"))
        }
        Some(_) => {}
        None => eval.missing.push("expected_arrest_to_flow_min".into()),
    }
    let etco2_low = case.etco2_mmhg.is_some_and(|e| e < r.etco2_low_below_mmhg);
    if etco2_low {
        eval.flags.push(flag("ECPR-ETCO2-LOW"));
    }
    if [
        "pre_arrest_cpc_3_or_more",
        "limitation_of_therapy",
        "terminal_illness",
    ]
    .iter()
    .any(|f| finding(case, f))
    {
        eval.flags.push(flag("ECPR-PREARREST"));
    }
    if finding(case, "hypothermia") {
        eval.flags.push(flag("ECPR-HYPOTHERMIA"));
    }
    let pao2 = latest(case).and_then(|g| g.pao2_mmhg);
    let oxygen_low = pao2.is_some_and(|p| p < r.metabolic_pao2_below_mmhg)
        || case
            .spo2_pct
            .is_some_and(|s| s < r.metabolic_spo2_below_pct);
    let lactate_high = case.lactate.is_some_and(|l| l > r.metabolic_lactate_above);
    if [etco2_low, oxygen_low, lactate_high]
        .iter()
        .filter(|b| **b)
        .count()
        >= r.metabolic_min_count
    {
        eval.flags.push(flag("ECPR-METABOLIC"));
    }
}
