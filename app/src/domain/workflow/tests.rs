use super::*;

/// The edges of spec §6.1 written out by hand, one line per arrow of the diagram, so the
/// table in `next_states` is checked against an independent reading.
const VV_VA_EDGES: &[(&str, &str)] = &[
    ("SUBMITTED", "ACKNOWLEDGED"),
    ("ACKNOWLEDGED", "UNDER_CONSULTATION"),
    ("ACKNOWLEDGED", "INFO_REQUESTED"),
    ("UNDER_CONSULTATION", "INFO_REQUESTED"),
    ("INFO_REQUESTED", "UNDER_CONSULTATION"),
    ("UNDER_CONSULTATION", "ACCEPTED_TRANSFER"),
    ("UNDER_CONSULTATION", "ACCEPTED_MOBILE_TEAM"),
    ("UNDER_CONSULTATION", "DEFERRED_REASSESS"),
    ("UNDER_CONSULTATION", "DECLINED_WITH_ADVICE"),
    ("UNDER_CONSULTATION", "DECLINED_CONTRAINDICATED"),
    ("UNDER_CONSULTATION", "REFERRED_ONWARD"),
    ("DEFERRED_REASSESS", "UNDER_CONSULTATION"),
    ("ACCEPTED_TRANSFER", "TRANSFER_SCHEDULED"),
    ("TRANSFER_SCHEDULED", "IN_TRANSIT"),
    ("IN_TRANSIT", "ARRIVED"),
    ("ACCEPTED_MOBILE_TEAM", "TEAM_DISPATCHED"),
    ("TEAM_DISPATCHED", "TEAM_ON_SITE"),
    ("TEAM_ON_SITE", "CANNULATED"),
    ("TEAM_ON_SITE", "NOT_CANNULATED_ON_SITE"),
    ("CANNULATED", "IN_TRANSIT"),
    ("ARRIVED", "FOLLOW_UP_PENDING"),
    ("NOT_CANNULATED_ON_SITE", "FOLLOW_UP_PENDING"),
    ("DECLINED_WITH_ADVICE", "FOLLOW_UP_PENDING"),
    ("DECLINED_CONTRAINDICATED", "FOLLOW_UP_PENDING"),
    ("REFERRED_ONWARD", "FOLLOW_UP_PENDING"),
    ("WITHDRAWN", "FOLLOW_UP_PENDING"),
    ("FOLLOW_UP_PENDING", "CLOSED"),
    // Any open state may be withdrawn.
    ("SUBMITTED", "WITHDRAWN"),
    ("ACKNOWLEDGED", "WITHDRAWN"),
    ("UNDER_CONSULTATION", "WITHDRAWN"),
    ("INFO_REQUESTED", "WITHDRAWN"),
    ("DEFERRED_REASSESS", "WITHDRAWN"),
    ("ACCEPTED_TRANSFER", "WITHDRAWN"),
    ("TRANSFER_SCHEDULED", "WITHDRAWN"),
    ("ACCEPTED_MOBILE_TEAM", "WITHDRAWN"),
    ("TEAM_DISPATCHED", "WITHDRAWN"),
];

const ECPR_EDGES: &[(&str, &str)] = &[
    ("ECPR_ALERT", "ACKNOWLEDGED"),
    ("ECPR_ALERT", "ACCEPTED_ECPR"),
    ("ECPR_ALERT", "DECLINED_ECPR"),
    ("ACKNOWLEDGED", "ACCEPTED_ECPR"),
    ("ACKNOWLEDGED", "DECLINED_ECPR"),
    ("ACCEPTED_ECPR", "ARRIVED"),
    ("ARRIVED", "ECMO_STARTED"),
    ("ARRIVED", "NOT_STARTED"),
    ("ECMO_STARTED", "FOLLOW_UP_PENDING"),
    ("NOT_STARTED", "FOLLOW_UP_PENDING"),
    ("DECLINED_ECPR", "FOLLOW_UP_PENDING"),
    ("WITHDRAWN", "FOLLOW_UP_PENDING"),
    ("FOLLOW_UP_PENDING", "CLOSED"),
    ("ECPR_ALERT", "WITHDRAWN"),
    ("ACKNOWLEDGED", "WITHDRAWN"),
    ("ACCEPTED_ECPR", "WITHDRAWN"),
];

#[test]
fn every_pair_of_states_follows_the_diagram() {
    for (pathway, edges) in [
        (Pathway::Vv, VV_VA_EDGES),
        (Pathway::Va, VV_VA_EDGES),
        (Pathway::Ecpr, ECPR_EDGES),
    ] {
        let mut allowed = 0;
        for from in STATES {
            for to in STATES {
                let expected = edges.contains(&(from.as_str(), to.as_str()));
                assert_eq!(
                    may_follow(pathway, *from, *to),
                    expected,
                    "{pathway:?}: {from} -> {to}"
                );
                allowed += usize::from(expected);
            }
        }
        assert_eq!(allowed, edges.len());
    }
}

#[test]
fn a_state_is_stored_and_sent_by_its_name_and_an_unknown_name_is_none() {
    let mut names: Vec<&str> = STATES.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), STATES.len(), "every state once");
    for state in STATES {
        assert_eq!(Status::parse(state.as_str()), Some(*state));
        let json = serde_json::to_value(state).unwrap();
        assert_eq!(json, state.as_str());
        assert_eq!(serde_json::from_value::<Status>(json).unwrap(), *state);
    }
    assert_eq!(Status::parse("UNDER CONSULTATION"), None);
    assert_eq!(Status::parse("submitted"), None);
    assert!(serde_json::from_value::<Status>(json!("LOST")).is_err());
}

#[test]
fn every_state_can_reach_closed_and_closed_is_final() {
    for pathway in [Pathway::Vv, Pathway::Ecpr] {
        let start = if pathway == Pathway::Ecpr {
            Status::EcprAlert
        } else {
            Status::Submitted
        };
        let mut seen = vec![start];
        let mut i = 0;
        while i < seen.len() {
            for next in next_states(pathway, seen[i]) {
                if !seen.contains(&next) {
                    seen.push(next);
                }
            }
            i += 1;
        }
        assert!(seen.contains(&Status::Closed), "{pathway:?}");
        assert!(next_states(pathway, Status::Closed).is_empty());
    }
}

fn to(state: impl std::fmt::Display) -> TransitionInput {
    TransitionInput {
        to: state.to_string(),
        ..TransitionInput::default()
    }
}

const NOW: i64 = 1_795_132_800_000;

fn field_errors(result: Result<Map<String, Value>, Refusal>) -> Vec<String> {
    match result {
        Err(Refusal::Invalid(errors)) => errors
            .messages(Lang::En)
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn an_invalid_target_names_the_allowed_ones() {
    let refused = check(
        Pathway::Vv,
        Status::InTransit,
        &to(Status::AcceptedTransfer),
        NOW,
    );
    assert_eq!(
        refused,
        Err(Refusal::NotAllowed {
            allowed: vec![Status::Arrived]
        })
    );
    assert_eq!(
        field_errors(check(Pathway::Vv, Status::Submitted, &to("LOST"), NOW)),
        ["to"]
    );
}

#[test]
fn a_stale_view_is_a_conflict_not_an_overwrite() {
    let mut input = to(Status::AcceptedTransfer);
    input.from = Some("UNDER_CONSULTATION".into());
    assert!(check(Pathway::Vv, Status::UnderConsultation, &input, NOW).is_ok());
    assert_eq!(
        check(Pathway::Vv, Status::DeclinedWithAdvice, &input, NOW),
        Err(Refusal::Changed)
    );
}

#[test]
fn decisions_carry_what_they_need() {
    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &to(Status::DeclinedWithAdvice),
            NOW
        )),
        ["advice", "reason_code"]
    );
    let mut decline = to(Status::DeclinedWithAdvice);
    decline.reason_code = Some("OPTIMISE_FIRST".into());
    decline.advice = "Prone for 16 h, then call again.".into();
    decline.note = "Discussed with Dr X.".into();
    let detail = check(Pathway::Vv, Status::UnderConsultation, &decline, NOW).unwrap();
    assert_eq!(detail["reason_code"], "OPTIMISE_FIRST");
    assert_eq!(detail["from"], "UNDER_CONSULTATION");
    // The referrer sees the advice, never the internal note.
    let shown = for_referrer(detail);
    assert!(shown.get("note").is_none());
    assert_eq!(shown["advice"], "Prone for 16 h, then call again.");

    decline.reason_code = Some("BORED".into());
    assert_eq!(
        field_errors(check(Pathway::Vv, Status::UnderConsultation, &decline, NOW)),
        ["reason_code"]
    );

    assert_eq!(
        field_errors(check(
            Pathway::Va,
            Status::UnderConsultation,
            &to(Status::AcceptedMobileTeam),
            NOW
        )),
        ["eta_min", "team"]
    );
    let mut mobile = to(Status::AcceptedMobileTeam);
    mobile.eta_min = Some(45.4);
    mobile.team = "Dr A, perfusionist B".into();
    let detail = check(Pathway::Va, Status::UnderConsultation, &mobile, NOW).unwrap();
    assert_eq!(detail["eta_min"], 45);
    mobile.eta_min = Some(-1.0);
    assert_eq!(
        field_errors(check(Pathway::Va, Status::UnderConsultation, &mobile, NOW)),
        ["eta_min"]
    );

    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &to(Status::InfoRequested),
            NOW
        )),
        ["fields"]
    );
    let mut info = to(Status::InfoRequested);
    info.fields = vec!["blood_gas".into(), "echo".into()];
    assert!(check(Pathway::Vv, Status::Acknowledged, &info, NOW).is_ok());

    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::TeamOnSite,
            &to(Status::Cannulated),
            NOW
        )),
        ["mode"]
    );
    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &to(Status::ReferredOnward),
            NOW
        )),
        ["centre", "reason_code"]
    );
    // Acceptance needs no reason code.
    assert!(check(
        Pathway::Vv,
        Status::UnderConsultation,
        &to(Status::AcceptedTransfer),
        NOW
    )
    .is_ok());
    // Withdrawal takes the withdrawal reasons.
    let mut withdraw = to(Status::Withdrawn);
    withdraw.reason_code = Some("improved".into());
    assert!(check(Pathway::Ecpr, Status::EcprAlert, &withdraw, NOW).is_ok());
    withdraw.reason_code = Some("CAPACITY".into());
    assert_eq!(
        field_errors(check(Pathway::Ecpr, Status::EcprAlert, &withdraw, NOW)),
        ["reason_code"]
    );
}

#[test]
fn a_deferral_has_triggers_and_a_review_time_ahead() {
    let local_now = crate::domain::checklist::parse_local("2026-11-21T10:00").unwrap();
    let mut defer = to(Status::DeferredReassess);
    defer.reason_code = Some("NOT_YET_INDICATED".into());
    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &defer,
            local_now
        )),
        ["review_at", "triggers"]
    );
    defer.triggers = vec!["pf_below_80".into()];
    defer.review_at = Some("2026-11-21T09:59".into());
    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &defer,
            local_now
        )),
        ["review_at"]
    );
    defer.review_at = Some("2026-11-29T10:01".into());
    assert_eq!(
        field_errors(check(
            Pathway::Vv,
            Status::UnderConsultation,
            &defer,
            local_now
        )),
        ["review_at"]
    );
    defer.review_at = Some("2026-11-21T16:00".into());
    let detail = check(Pathway::Vv, Status::UnderConsultation, &defer, local_now).unwrap();
    assert_eq!(detail["triggers"], json!(["pf_below_80"]));
    assert_eq!(detail["review_at"], "2026-11-21T16:00");
}

#[test]
fn every_state_and_code_has_words_in_both_languages() {
    for lang in [Lang::Sl, Lang::En] {
        for state in STATES {
            assert!(!state_label(*state, lang).contains('_'), "{state}");
            assert!(!action_label(*state, lang).contains('_'), "{state}");
        }
        for code in REASON_CODES.iter().chain(WITHDRAW_REASONS) {
            assert!(!reason_label(code, lang).contains('_'), "{code}");
        }
        for item in INFO_ITEMS {
            assert!(!info_label(item, lang).contains('_'), "{item}");
        }
        for item in TRIGGERS {
            assert!(!trigger_label(item, lang).contains('_'), "{item}");
        }
    }
    assert_ne!(
        state_label(Status::DeclinedWithAdvice, Lang::Sl),
        state_label(Status::DeclinedWithAdvice, Lang::En)
    );
}

#[test]
fn a_decision_on_a_new_or_acknowledged_referral_is_one_step() {
    use Status::*;
    assert_eq!(
        route(Pathway::Vv, Submitted, AcceptedMobileTeam),
        Some(vec![Acknowledged, UnderConsultation, AcceptedMobileTeam])
    );
    assert_eq!(
        route(Pathway::Va, Acknowledged, DeclinedWithAdvice),
        Some(vec![UnderConsultation, DeclinedWithAdvice])
    );
    assert_eq!(
        route(Pathway::Vv, Submitted, InfoRequested),
        Some(vec![Acknowledged, InfoRequested])
    );
    // The diagram's own step stays one state.
    assert_eq!(
        route(Pathway::Vv, Acknowledged, UnderConsultation),
        Some(vec![UnderConsultation])
    );
    assert_eq!(
        route(Pathway::Ecpr, EcprAlert, AcceptedEcpr),
        Some(vec![AcceptedEcpr])
    );
    // Only from a new or acknowledged referral, only through states that carry nothing.
    assert_eq!(route(Pathway::Vv, InfoRequested, AcceptedTransfer), None);
    assert_eq!(route(Pathway::Vv, Submitted, TransferScheduled), None);
    assert_eq!(route(Pathway::Vv, Submitted, EcmoStarted), None);
    assert_eq!(route(Pathway::Ecpr, Submitted, AcceptedEcpr), None);
    // Every reachable state has a route, and the diagram's steps come first.
    for pathway in [Pathway::Vv, Pathway::Va, Pathway::Ecpr] {
        for from in STATES {
            let reach = reachable(pathway, *from);
            let direct = next_states(pathway, *from);
            assert_eq!(&reach[..direct.len()], &direct[..]);
            for to in &reach {
                let steps = route(pathway, *from, *to).unwrap();
                assert_eq!(steps.last(), Some(to));
                let mut at = *from;
                for step in steps {
                    assert!(
                        may_follow(pathway, at, step),
                        "{from} -> {to} via {at} -> {step}"
                    );
                    at = step;
                }
            }
        }
    }
    // A one-step decision is checked as the decision.
    assert_eq!(
        field_errors(check(Pathway::Vv, Submitted, &to(DeclinedWithAdvice), NOW)),
        ["advice", "reason_code"]
    );
}
