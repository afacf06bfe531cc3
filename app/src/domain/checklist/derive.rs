//! From checked answers to what the triage rules read and the inputs of the scores.
use super::*;

// ---------------------------------------------------------------- rules and scores

/// The latest arterial sample with a value for `key`.
/// A ventilator setting (FiO2, PEEP) as recorded with the latest gas that has it.
pub(super) fn latest_setting(gases: &[&Map<String, Value>], key: &str) -> Option<f64> {
    gases
        .iter()
        .filter_map(|g| Some((g.get(key)?.as_f64()?, g)))
        .max_by_key(|(_, g)| {
            g.get("taken_at")
                .and_then(Value::as_str)
                .and_then(parse_local)
        })
        .map(|(v, _)| v)
}

pub(super) fn latest_with<'a>(
    gases: &[&'a Map<String, Value>],
    key: &str,
) -> Option<&'a Map<String, Value>> {
    gases
        .iter()
        .filter(|g| g.get("site").and_then(Value::as_str) == Some("arterial"))
        .filter(|g| g.get(key).is_some())
        .max_by_key(|g| {
            g.get("taken_at")
                .and_then(Value::as_str)
                .and_then(parse_local)
        })
        .copied()
}

pub(super) const IMMUNOCOMPROMISED: &[&str] = &[
    "solid_malignancy",
    "metastatic_malignancy",
    "haematological_malignancy",
    "transplant",
    "hiv",
    "cirrhosis",
    "immunosuppressive_drugs",
];

impl Checked {
    /// Read from the comorbidities; unknown while they are not given (never "no").
    fn immunocompromised(&self) -> Option<bool> {
        self.data.contains_key("comorbidities").then(|| {
            IMMUNOCOMPROMISED
                .iter()
                .any(|c| self.has("comorbidities", c))
        })
    }

    /// Read from the brain CT and the concerns; unknown while neither says anything.
    fn cns_dysfunction(&self) -> Option<bool> {
        let ct = self.text("brain_ct");
        let injury = self.has("concerns", "severe_brain_injury");
        if ct.is_none() && !injury {
            return None;
        }
        Some(matches!(ct, Some("haemorrhage" | "infarct" | "oedema")) || injury)
    }

    fn hours_since(&self, key: &str, now_local_ms: i64) -> Option<f64> {
        let start = self.text(key).and_then(parse_local)?;
        Some(((now_local_ms - start).max(0)) as f64 / 3_600_000.0)
    }

    /// The PEEP of the latest blood gas that records one (any site: it is a setting).
    fn peep(&self) -> Option<f64> {
        latest_setting(&self.gases(), "peep_cmh2o")
    }

    fn score_inputs(&self, score: Score, now_local_ms: i64) -> Value {
        let gases = self.gases();
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        let num = |k: &str| self.number(k).map(|v| json!(v));
        match score {
            Score::Murray => {
                put("cxr_quadrants", num("cxr_quadrants"));
                let pf = latest_with(&gases, "pao2_kpa").and_then(|g| {
                    let pao2 = kpa_to_mmhg(g.get("pao2_kpa")?.as_f64()?);
                    let fio2 = g
                        .get("fio2")
                        .and_then(Value::as_f64)
                        .or_else(|| latest_setting(&gases, "fio2"))?;
                    Some(json!(derived::pf_ratio_mmhg(pao2, fio2)))
                });
                put("pf_ratio_mmhg", pf);
                put("peep_cmh2o", self.peep().map(|v| json!(v)));
                if let (Some(vt), Some(plat), Some(peep)) = (
                    self.number("tidal_volume_ml"),
                    self.number("plateau_cmh2o"),
                    self.peep(),
                ) {
                    if let Some(c) = derived::static_compliance(vt, plat, peep) {
                        put("compliance_ml_per_cmh2o", Some(json!(c.clamp(1.0, 1000.0))));
                    }
                }
            }
            Score::Resp => {
                put("age_years", num("age_years"));
                put(
                    "immunocompromised",
                    self.immunocompromised().map(|b| json!(b)),
                );
                put(
                    "mv_hours",
                    self.hours_since("intubation_at", now_local_ms)
                        .map(|h| json!(h.min(8760.0))),
                );
                put("diagnosis", self.data.get("resp_diagnosis").cloned());
                put("cns_dysfunction", self.cns_dysfunction().map(|b| json!(b)));
                for (key, field) in [
                    ("nonpulmonary_infection", "nonpulmonary_infection"),
                    ("neuromuscular_blockade", "neuromuscular_blockade"),
                    ("nitric_oxide", "inhaled_no"),
                    ("bicarbonate_infusion", "bicarbonate_infusion"),
                    ("cardiac_arrest", "cardiac_arrest"),
                ] {
                    put(key, self.data.get(field).cloned());
                }
                put(
                    "paco2_mmhg",
                    latest_with(&gases, "paco2_kpa")
                        .and_then(|g| g.get("paco2_kpa")?.as_f64())
                        .map(|k| json!(kpa_to_mmhg(k))),
                );
                put("pip_cmh2o", num("pip_cmh2o"));
            }
            Score::Save => {
                put("diagnoses", self.data.get("save_diagnoses").cloned());
                put("age_years", num("age_years"));
                put("weight_kg", num("weight_kg"));
                let liver = [
                    ("bilirubin_umol_l", 33.0),
                    ("alt_u_l", 70.0),
                    ("ast_u_l", 70.0),
                ];
                if liver.iter().any(|(k, _)| self.number(k).is_some()) {
                    let failing = liver
                        .iter()
                        .any(|(k, limit)| self.number(k).is_some_and(|v| v > *limit));
                    put("liver_failure", Some(json!(failing)));
                }
                put("cns_dysfunction", self.cns_dysfunction().map(|b| json!(b)));
                put(
                    "acute_renal_failure",
                    self.number("creatinine_umol_l").map(|c| json!(c > 133.0)),
                );
                put(
                    "chronic_renal_failure",
                    self.data
                        .contains_key("comorbidities")
                        .then(|| json!(self.has("comorbidities", "ckd_dialysis"))),
                );
                put(
                    "intubation_hours",
                    Some(json!(self
                        .hours_since("intubation_at", now_local_ms)
                        .unwrap_or(0.0)
                        .min(8760.0))),
                );
                put("pip_cmh2o", num("pip_cmh2o"));
                put("cardiac_arrest", self.data.get("cardiac_arrest").cloned());
                put("diastolic_bp_mmhg", num("dbp_mmhg"));
                if let (Some(s), Some(d)) = (self.number("sbp_mmhg"), self.number("dbp_mmhg")) {
                    put(
                        "pulse_pressure_mmhg",
                        Some(json!(derived::pulse_pressure(s, d))),
                    );
                }
                put(
                    "hco3_mmol_l",
                    latest_with(&gases, "hco3_mmol_l").and_then(|g| g.get("hco3_mmol_l").cloned()),
                );
            }
            // The VA rules compute the SCAI stage and the VIS from the case itself; the
            // checklist shows neither as a score line.
            Score::Vis | Score::Scai => {}
            Score::Preserve => {
                put("age_years", num("age_years"));
                if let (Some(w), Some(h)) = (self.number("weight_kg"), self.number("height_cm")) {
                    put("bmi", Some(json!(derived::bmi(w, h))));
                }
                put(
                    "immunocompromised",
                    self.immunocompromised().map(|b| json!(b)),
                );
                put(
                    "mv_days",
                    self.hours_since("intubation_at", now_local_ms)
                        .map(|h| json!((h / 24.0).min(365.0))),
                );
                put("sofa", num("sofa"));
                put(
                    "prone_positioning",
                    self.text("prone").map(|p| json!(p.starts_with("done"))),
                );
                put("peep_cmh2o", self.peep().map(|v| json!(v)));
                put("plateau_cmh2o", num("plateau_cmh2o"));
            }
        }
        Value::Object(m)
    }

    fn score_line(&self, score: Score, rules: &RuleSet, now_local_ms: i64) -> ScoreLine {
        let input = self.score_inputs(score, now_local_ms);
        match score.compute(&input, rules) {
            Ok(outcome) => ScoreLine {
                score: score.key().into(),
                result: Some(match outcome.predicted_survival_pct {
                    Some(pct) => format!("{} · {} · {pct} %", outcome.headline, outcome.class),
                    None => outcome.headline.clone(),
                }),
                points: outcome.headline.parse().ok(),
                missing: Vec::new(),
                provisional: outcome.provisional,
            },
            Err(errors) => ScoreLine {
                score: score.key().into(),
                result: None,
                points: None,
                missing: errors.0.keys().cloned().collect(),
                provisional: score == Score::Preserve,
            },
        }
    }

    /// The case the triage rules read. `local_to_utc` turns a wall-clock time of the
    /// centre's zone into an instant.
    pub fn case(
        &self,
        scores: &[ScoreLine],
        now_ms: i64,
        local_to_utc: &dyn Fn(i64) -> i64,
    ) -> Case {
        let at = |key: &str| self.text(key).and_then(parse_local).map(local_to_utc);
        let points = |key: &str| {
            scores
                .iter()
                .find(|s| s.score == key)
                .and_then(|s| s.points)
        };
        let mut gases: Vec<BloodGas> = self
            .gases()
            .iter()
            .filter_map(|g| {
                let taken = g
                    .get("taken_at")
                    .and_then(Value::as_str)
                    .and_then(parse_local)
                    .map(local_to_utc)?;
                let n = |k: &str| g.get(k).and_then(Value::as_f64);
                Some(BloodGas {
                    taken_at_ms: taken,
                    arterial: g.get("site").and_then(Value::as_str) == Some("arterial"),
                    ph: n("ph"),
                    pao2_mmhg: n("pao2_kpa").map(kpa_to_mmhg),
                    paco2_mmhg: n("paco2_kpa").map(kpa_to_mmhg),
                    fio2: n("fio2"),
                    rr: None,
                    lactate: n("lactate_mmol_l"),
                })
            })
            .collect();
        gases.sort_by_key(|g| g.taken_at_ms);
        // The set rate applies to the latest sample, which is what the hypercapnia rule reads.
        if let Some(last) = gases.iter_mut().rev().find(|g| g.arterial) {
            last.rr = self.number("respiratory_rate");
        }
        let lactates: Vec<f64> = gases.iter().filter_map(|g| g.lactate).collect();
        let mut findings: BTreeSet<String> = self
            .list("concerns")
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        findings.extend(self.list("va_causes").iter().map(|s| (*s).to_owned()));
        if matches!(
            self.text("treatment_limitation"),
            Some("dnr" | "limitation_of_therapy")
        ) {
            findings.insert("limitation_of_therapy".into());
        }
        if self.has("comorbidities", "metastatic_malignancy") {
            findings.insert("metastatic_malignancy".into());
        }
        if [
            "haematological_malignancy",
            "transplant",
            "immunosuppressive_drugs",
        ]
        .iter()
        .any(|c| self.has("comorbidities", c))
        {
            findings.insert("immunosuppressed".into());
        }
        if self.has("comorbidities", "ckd_dialysis") {
            findings.insert("chronic_renal_failure".into());
        }
        let ci = self.list("anticoagulation_contraindications");
        if !ci.is_empty() && !ci.contains(&"none") {
            findings.insert("anticoagulation_contraindicated".into());
        }
        if self.text("brain_ct") == Some("haemorrhage") || ci.contains(&"intracranial_haemorrhage")
        {
            findings.insert("cns_haemorrhage".into());
        }
        if self.text("rv_function") == Some("severely_reduced") {
            findings.insert("right_heart_failure".into());
        }
        if self.text("vascular_access") == Some("limited") {
            findings.insert("limited_vascular_access".into());
            findings.insert("severe_pad".into());
        }
        if self.text("aortic_regurgitation") == Some("severe") {
            findings.insert("severe_aortic_regurgitation".into());
        }
        if self.text("aortic_dissection") == Some("present") {
            findings.insert("aortic_dissection".into());
        }
        let vaso = |k: &str| self.number(k).unwrap_or(0.0);
        Case {
            now_ms,
            age_years: self.number("age_years"),
            bmi: self
                .number("weight_kg")
                .zip(self.number("height_cm"))
                .map(|(w, h)| derived::bmi(w, h)),
            clinical_frailty_scale: self.number("clinical_frailty_scale").map(|c| c as u8),
            sofa: self.number("sofa").map(|s| s as u8),
            gcs: self.number("gcs").map(|g| g as u8),
            ventilation_start_ms: at("intubation_at"),
            murray: points("murray"),
            resp_points: points("resp").map(|p| p as i32),
            preserve_points: points("preserve").map(|p| p as i32),
            failed_prone_trial: self.text("prone").map(|p| p == "done_no_response"),
            plateau_cmh2o: self.number("plateau_cmh2o"),
            findings,
            sbp: self.number("sbp_mmhg"),
            map: self.number("map_mmhg").or_else(|| {
                self.number("sbp_mmhg")
                    .zip(self.number("dbp_mmhg"))
                    .map(|(s, d)| derived::mean_arterial_pressure(s, d))
            }),
            heart_rate: self.number("heart_rate"),
            lactate: lactates.last().copied(),
            lactate_previous: lactates.iter().rev().nth(1).copied(),
            hypoperfusion_signs: self.flag("hypoperfusion_signs") == Some(true),
            vasoactives: Vasoactives {
                dopamine: vaso("dopamine"),
                dobutamine: vaso("dobutamine"),
                adrenaline: vaso("adrenaline"),
                noradrenaline: vaso("noradrenaline"),
                milrinone: vaso("milrinone"),
                vasopressin_u_per_min: vaso("vasopressin_u_min"),
                levosimendan: vaso("levosimendan"),
            },
            weight_kg: self.number("weight_kg"),
            mcs: self.text("mcs").is_some_and(|m| m != "none"),
            escalating_support: self.flag("escalating_support") == Some(true),
            maximal_support: self.flag("maximal_support") == Some(true),
            cardiac_arrest: self.flag("cardiac_arrest") == Some(true),
            ami: self.has("va_causes", "ami") || self.text("stemi") == Some("yes"),
            blood_gases: gases,
            ..Case::default()
        }
    }

    /// Scores and rule flags for this checklist on the pathway the caller holds (the
    /// draft's or the referral's: never guessed from the answers). `now_local_ms` is the
    /// wall-clock time of the centre's zone, `now_ms` the instant; `local_to_utc` converts
    /// between them.
    pub fn support(
        &self,
        pathway: Pathway,
        rules: &RuleSet,
        now_ms: i64,
        now_local_ms: i64,
        local_to_utc: &dyn Fn(i64) -> i64,
    ) -> Evaluation {
        let wanted: &[Score] = match pathway {
            Pathway::Va => &[Score::Save],
            _ => &[Score::Murray, Score::Resp, Score::Preserve],
        };
        let scores: Vec<ScoreLine> = wanted
            .iter()
            .map(|s| self.score_line(*s, rules, now_local_ms))
            .collect();
        let case = self.case(&scores, now_ms, local_to_utc);
        let mut evaluation = triage::evaluate(pathway, &case, rules);
        evaluation.scores = scores;
        evaluation
    }
}
