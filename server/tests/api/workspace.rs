//! The centre's workspace: every step of the state machine over HTTP (valid and invalid),
//! two clinicians at once, what the referrer is told, the audit trail, capacity, the queue
//! with its live events, and the quality figures.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use ecmo_referral_app::domain::workflow::{self as wf, next_states, STATES};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

struct Cast {
    app: TestApp,
    referrer: reqwest::Client,
    other_hospital: reqwest::Client,
    clinician: reqwest::Client,
    colleague: reqwest::Client,
}

async fn cast(kind: DbKind) -> Cast {
    cast_with(kind, &[]).await
}

async fn cast_with(kind: DbKind, env: &[(&str, &str)]) -> Cast {
    let app = spawn_app(kind, None, env).await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("ref.b@b.test", &["referrer"], Some("SB Izola"))
        .await;
    app.create_user("one@centre.test", &["ecmo_clinician"], None)
        .await;
    app.create_user("two@centre.test", &["ecmo_clinician"], None)
        .await;
    let (referrer, other_hospital, clinician, colleague) =
        (app.browser(), app.browser(), app.browser(), app.browser());
    for (client, email) in [
        (&referrer, "ref.a@a.test"),
        (&other_hospital, "ref.b@b.test"),
        (&clinician, "one@centre.test"),
        (&colleague, "two@centre.test"),
    ] {
        assert_eq!(app.sign_in(client, email, GOOD_PASSWORD).await, 200);
    }
    Cast {
        app,
        referrer,
        other_hospital,
        clinician,
        colleague,
    }
}

fn ecpr_alert() -> Value {
    json!({
        "pathway": "ecpr", "callback_phone": "+386 41 123 456", "location": "NMP Celje",
        "age_years": 50, "minutes_since_collapse": 15, "collapse": "witnessed_bystander_cpr",
        "initial_rhythm": "vf_pvt", "eta_min": 20, "known": []
    })
}

async fn submit(c: &Cast, pathway: Pathway, key: &str) -> i64 {
    let body = match pathway {
        Pathway::Ecpr => ecpr_alert(),
        other => example(other),
    };
    let response = crate::referrals::submit(&c.app, &c.referrer, key, &body).await;
    assert_eq!(response.status(), 201, "{key}");
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn step(c: &Cast, who: &reqwest::Client, id: i64, mut body: Value) -> (u16, Value) {
    if body["review_at"] == "set by the caller" {
        body["review_at"] = json!(review_time(&c.app));
    }
    let response = who
        .post(format!(
            "{}/api/v1/referrals/{id}/transitions",
            c.app.address
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn detail(c: &Cast, who: &reqwest::Client, id: i64) -> Value {
    who.get(format!("{}/api/v1/referrals/{id}", c.app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A review time two hours ahead of the application's clock, in the centre's wall clock.
fn review_time(app: &TestApp) -> String {
    use ecmo_referral_app::domain::checklist::format_local;
    use ecmo_referral_app::ssr::time::to_local;
    format_local(to_local(app.clock.now_ms()) + 2 * 3_600_000)
}

/// A request that carries what the step needs.
fn body_for(to: &str) -> Value {
    let mut body = json!({ "to": to, "note": format!("internal note for {to}") });
    match to {
        "INFO_REQUESTED" => body["fields"] = json!(["blood_gas", "echo"]),
        "ACCEPTED_MOBILE_TEAM" => {
            body["eta_min"] = json!(45);
            body["team"] = json!("Dr Novak, perfusionist Kos");
            body["advice"] = json!("Keep the right femoral vein free.");
        }
        "DEFERRED_REASSESS" => {
            body["reason_code"] = json!("NOT_YET_INDICATED");
            body["triggers"] = json!(["pf_below_80"]);
            body["review_at"] = json!("set by the caller");
        }
        "DECLINED_WITH_ADVICE" => {
            body["reason_code"] = json!("OPTIMISE_FIRST");
            body["advice"] = json!("Prone for 16 h and call again.");
        }
        "DECLINED_CONTRAINDICATED" | "DECLINED_ECPR" | "NOT_CANNULATED_ON_SITE" | "NOT_STARTED" => {
            body["reason_code"] = json!("IRREVERSIBLE")
        }
        "REFERRED_ONWARD" => {
            body["reason_code"] = json!("CAPACITY");
            body["centre"] = json!("UKC Maribor");
        }
        "WITHDRAWN" => body["reason_code"] = json!("improved"),
        "CANNULATED" => body["mode"] = json!("VA"),
        _ => {}
    }
    body
}

/// Walks referrals along paths that together take every edge of §6.1, and at every state
/// tries every target that does not follow: each valid step is 200, each invalid one 409
/// naming the allowed states. The edges taken are compared with the state machine's.
async fn every_transition_over_http(kind: DbKind) {
    let c = cast(kind).await;
    let vv: &[&[&str]] = &[
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "INFO_REQUESTED",
            "UNDER_CONSULTATION",
            "ACCEPTED_TRANSFER",
            "TRANSFER_SCHEDULED",
            "IN_TRANSIT",
            "ARRIVED",
            "FOLLOW_UP_PENDING",
            "CLOSED",
        ],
        &[
            "ACKNOWLEDGED",
            "INFO_REQUESTED",
            "UNDER_CONSULTATION",
            "ACCEPTED_MOBILE_TEAM",
            "TEAM_DISPATCHED",
            "TEAM_ON_SITE",
            "CANNULATED",
            "IN_TRANSIT",
            "ARRIVED",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "DEFERRED_REASSESS",
            "UNDER_CONSULTATION",
            "DECLINED_WITH_ADVICE",
            "FOLLOW_UP_PENDING",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "DECLINED_CONTRAINDICATED",
            "FOLLOW_UP_PENDING",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "REFERRED_ONWARD",
            "FOLLOW_UP_PENDING",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "ACCEPTED_MOBILE_TEAM",
            "TEAM_DISPATCHED",
            "TEAM_ON_SITE",
            "NOT_CANNULATED_ON_SITE",
            "FOLLOW_UP_PENDING",
        ],
        &["WITHDRAWN", "FOLLOW_UP_PENDING"],
        &["ACKNOWLEDGED", "WITHDRAWN"],
        &["ACKNOWLEDGED", "UNDER_CONSULTATION", "WITHDRAWN"],
        &["ACKNOWLEDGED", "INFO_REQUESTED", "WITHDRAWN"],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "DEFERRED_REASSESS",
            "WITHDRAWN",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "ACCEPTED_TRANSFER",
            "WITHDRAWN",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "ACCEPTED_TRANSFER",
            "TRANSFER_SCHEDULED",
            "WITHDRAWN",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "ACCEPTED_MOBILE_TEAM",
            "WITHDRAWN",
        ],
        &[
            "ACKNOWLEDGED",
            "UNDER_CONSULTATION",
            "ACCEPTED_MOBILE_TEAM",
            "TEAM_DISPATCHED",
            "WITHDRAWN",
        ],
    ];
    let ecpr: &[&[&str]] = &[
        &[
            "ACKNOWLEDGED",
            "ACCEPTED_ECPR",
            "ARRIVED",
            "ECMO_STARTED",
            "FOLLOW_UP_PENDING",
            "CLOSED",
        ],
        &[
            "ACCEPTED_ECPR",
            "ARRIVED",
            "NOT_STARTED",
            "FOLLOW_UP_PENDING",
        ],
        &["DECLINED_ECPR", "FOLLOW_UP_PENDING"],
        &["ACKNOWLEDGED", "DECLINED_ECPR"],
        &["WITHDRAWN", "FOLLOW_UP_PENDING"],
        &["ACKNOWLEDGED", "WITHDRAWN"],
        &["ACCEPTED_ECPR", "WITHDRAWN"],
    ];
    for (pathway, paths) in [(Pathway::Vv, vv), (Pathway::Ecpr, ecpr)] {
        let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
        let mut probed: BTreeSet<String> = BTreeSet::new();
        for (n, path) in paths.iter().enumerate() {
            let id = submit(&c, pathway, &format!("key-walk-{pathway:?}-{n:03}")).await;
            let mut state = if pathway == Pathway::Ecpr {
                wf::Status::EcprAlert.as_str()
            } else {
                wf::Status::Submitted.as_str()
            }
            .to_owned();
            for to in path.iter() {
                if probed.insert(state.clone()) {
                    // Decisions reached through the states that carry nothing are allowed
                    // too (see `a_decision_is_one_step`).
                    let allowed = wf::reachable(pathway, wf::Status::parse(&state).unwrap());
                    for wrong in STATES.iter().filter(|s| !allowed.contains(s)) {
                        let (status, body) =
                            step(&c, &c.clinician, id, body_for(wrong.as_str())).await;
                        assert_eq!(status, 409, "{pathway:?} {state} -> {wrong}: {body}");
                        assert_eq!(body["status"], state.as_str());
                        assert_eq!(body["allowed"], json!(allowed), "{state}");
                        assert_eq!(body["changed"], false);
                    }
                }
                let (status, body) = step(&c, &c.clinician, id, body_for(to)).await;
                assert_eq!(status, 200, "{pathway:?} {state} -> {to}: {body}");
                assert_eq!(body["status"], *to);
                taken.insert((state.clone(), (*to).to_owned()));
                state = (*to).to_owned();
            }
            assert_eq!(
                detail(&c, &c.clinician, id).await["summary"]["status"],
                state.as_str()
            );
        }
        let every: BTreeSet<(String, String)> = STATES
            .iter()
            .flat_map(|from| {
                next_states(pathway, *from)
                    .into_iter()
                    .map(move |to| (from.as_str().to_owned(), to.as_str().to_owned()))
            })
            .filter(|(from, _)| pathway == Pathway::Ecpr || from != wf::Status::EcprAlert.as_str())
            .collect();
        assert_eq!(taken, every, "{pathway:?}: edges not exercised over HTTP");
        // A closed referral goes nowhere.
        assert!(probed.contains(wf::Status::FollowUpPending.as_str()));
    }
    c.app.stop().await;
}

/// The journey's checks in detail: who may act, what each step must carry, what the
/// referrer sees (never the centre's note), the notices, and the measured instants.
async fn decisions_reach_the_referrer(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-journey-0001").await;
    // Only the centre decides; another hospital does not see the referral at all.
    let (status, _) = step(&c, &c.referrer, id, json!({ "to": "ACKNOWLEDGED" })).await;
    assert_eq!(status, 403);
    let (status, _) = step(
        &c,
        &c.other_hospital,
        id,
        json!({ "to": "WITHDRAWN", "reason_code": "improved" }),
    )
    .await;
    assert_eq!(status, 404);
    // Malformed requests are named field by field and change nothing.
    let (status, body) = step(
        &c,
        &c.clinician,
        id,
        json!({ "to": "LOST", "colour": "red", "eta_min": "soon" }),
    )
    .await;
    assert_eq!(status, 422);
    for field in ["to", "colour", "eta_min"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (status, _) = step(&c, &c.clinician, id, json!("ACKNOWLEDGED")).await;
    assert_eq!(status, 422);
    assert_eq!(
        detail(&c, &c.clinician, id).await["summary"]["status"],
        "SUBMITTED"
    );

    c.app.clock.advance(4 * 60_000);
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    assert_eq!(
        c.app
            .mail_count("ref.a@a.test", "referral_acknowledged")
            .await,
        1
    );
    let (status, body) = step(&c, &c.clinician, id, json!({ "to": "INFO_REQUESTED" })).await;
    assert_eq!(
        (status, body["errors"]["fields"].is_array()),
        (422, true),
        "{body}"
    );
    let request = json!({ "to": "INFO_REQUESTED", "fields": ["blood_gas", "echo"], "advice": "A gas after 1 h prone, please.", "note": "sounds late" });
    assert_eq!(step(&c, &c.clinician, id, request).await.0, 200);
    assert_eq!(
        c.app
            .mail_count("ref.a@a.test", "referral_info_requested")
            .await,
        1
    );
    let seen = detail(&c, &c.referrer, id).await;
    assert_eq!(
        seen["workflow"]["info_request"]["fields"],
        json!(["blood_gas", "echo"])
    );
    assert_eq!(
        seen["workflow"]["info_request"]["advice"],
        "A gas after 1 h prone, please."
    );
    assert_eq!(seen["workflow"]["next"], json!(["WITHDRAWN"]));
    let text = seen.to_string();
    assert!(
        !text.contains("sounds late"),
        "the centre's note reached the referrer"
    );
    assert!(detail(&c, &c.clinician, id)
        .await
        .to_string()
        .contains("sounds late"));

    // The referrer's update answers the request: back under consultation, the asker told.
    let update = json!({ "note": "Prone since 06:00.", "blood_gases": [
        {"taken_at": "2026-11-21T07:00", "site": "arterial", "ph": 7.28, "pao2_kpa": 7.5, "paco2_kpa": 7.0, "fio2": 1.0}
    ]});
    let response = c
        .referrer
        .post(format!("{}/api/v1/referrals/{id}/updates", c.app.address))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        detail(&c, &c.clinician, id).await["summary"]["status"],
        "UNDER_CONSULTATION"
    );
    assert_eq!(
        c.app
            .mail_count("one@centre.test", "referral_info_provided")
            .await,
        1
    );

    c.app.clock.advance(6 * 60_000);
    let (status, body) = step(
        &c,
        &c.clinician,
        id,
        json!({ "to": "ACCEPTED_MOBILE_TEAM" }),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["errors"]["eta_min"].is_array() && body["errors"]["team"].is_array(),
        "{body}"
    );
    assert_eq!(
        step(
            &c,
            &c.clinician,
            id,
            body_for(wf::Status::AcceptedMobileTeam.as_str())
        )
        .await
        .0,
        200
    );
    assert_eq!(
        c.app.mail_count("ref.a@a.test", "referral_decision").await,
        1
    );
    let seen = detail(&c, &c.referrer, id).await;
    let decision = &seen["workflow"]["decision"];
    assert_eq!(decision["state"], "ACCEPTED_MOBILE_TEAM");
    assert_eq!(decision["eta_min"], 45);
    assert_eq!(decision["team"], "Dr Novak, perfusionist Kos");
    assert_eq!(seen["workflow"]["show_pre_transfer"], true);
    // No mail carries the advice or anything about the patient, only the reference.
    let (mail,): (String,) = sqlx::query_as(
        "SELECT body_text FROM outbox WHERE kind = 'referral_decision' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&c.app.db.pool)
    .await
    .unwrap();
    assert!(
        !mail.contains("femoral") && mail.contains("ECMO-"),
        "{mail}"
    );

    c.app.clock.advance(20 * 60_000);
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "TEAM_DISPATCHED" }))
            .await
            .0,
        200
    );
    let (ack, decided, departed, decision): (Option<i64>, Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT acknowledged_at - submitted_at, decided_at - submitted_at, departed_at - submitted_at, decision FROM referrals WHERE id = $1")
            .bind(id)
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
    assert_eq!(ack.map(|ms| ms / 60_000), Some(4));
    assert_eq!(decided.map(|ms| ms / 60_000), Some(10));
    assert_eq!(departed.map(|ms| ms / 60_000), Some(30));
    assert_eq!(decision.as_deref(), Some("ACCEPTED_MOBILE_TEAM"));

    // The quality figures see the same intervals.
    let kpis: Value = c
        .app
        .call(&c.clinician, "/api/kpi/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kpis["total"], 1);
    assert_eq!(kpis["accepted"], 1);
    assert_eq!(kpis["mobile_team"], 1);
    // The clock was moved by whole minutes; the requests themselves take milliseconds.
    let near = |v: &Value, expected: f64| (v.as_f64().unwrap() - expected).abs() < 0.1;
    assert!(near(&kpis["to_acknowledge"]["median_min"], 4.0), "{kpis}");
    assert!(near(&kpis["to_decision"]["p90_min"], 10.0), "{kpis}");
    assert_eq!(kpis["to_departure"]["n"], 1);
    let csv = c
        .clinician
        .get(format!("{}/kpi.csv", c.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("ACCEPTED_MOBILE_TEAM,0,4.0,10.0,30.0"),
        "{csv}"
    );
    let bad = c
        .app
        .call(&c.clinician, "/api/kpi/get", &[("from", "yesterday")])
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        c.app.call(&c.referrer, "/api/kpi/get", &[]).await.status(),
        403
    );
    c.app.stop().await;
}

/// The quality figures are kept between views, and drawn again after any change they
/// count: a new referral, a decision, an escalation (which changes no referral row).
async fn figures_follow_every_change(kind: DbKind) {
    let c = cast(kind).await;
    let figures = || async {
        let kpis: Value = c
            .app
            .call(&c.clinician, "/api/kpi/get", &[])
            .await
            .json()
            .await
            .unwrap();
        kpis
    };
    assert_eq!(figures().await["total"], 0);
    let first = submit(&c, Pathway::Vv, "key-figures-0001").await;
    assert_eq!(figures().await["total"], 1);
    assert_eq!(
        figures().await["total"],
        1,
        "the same figures, from the kept copy"
    );
    submit(&c, Pathway::Va, "key-figures-0002").await;
    assert_eq!(figures().await["total"], 2);
    assert_eq!(
        step(&c, &c.clinician, first, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    assert_eq!(figures().await["to_acknowledge"]["n"], 1);
    // The second referral is not acknowledged in time: the team is told.
    assert_eq!(figures().await["escalated"], 0);
    c.app.clock.advance(3 * 3_600_000);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if figures().await["escalated"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the escalation is not in the figures"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.app.stop().await;
}

/// Page views are written to the audit trail in batches: the referral's page lists them
/// before their batch is written, lists the newest 50 of a longer trail with the count of
/// all, and none is lost when the server stops.
/// A decision made on the phone is recorded in one step from a new referral: the states
/// passed through are written with the same time, the figures count it acknowledged and
/// decided at once, and the referrer hears of the decision alone.
async fn a_decision_is_one_step(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-onestep-0001").await;
    let (status, body) = step(
        &c,
        &c.clinician,
        id,
        json!({ "to": "ACCEPTED_MOBILE_TEAM", "eta_min": 40, "team": "Dr Novak" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let shown = detail(&c, &c.referrer, id).await;
    assert_eq!(shown["summary"]["status"], "ACCEPTED_MOBILE_TEAM");
    let steps: Vec<(String, i64)> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] != "submitted")
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_owned(),
                e["at"].as_i64().unwrap(),
            )
        })
        .collect();
    let states: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        states,
        ["ACKNOWLEDGED", "UNDER_CONSULTATION", "ACCEPTED_MOBILE_TEAM"]
    );
    assert!(steps.iter().all(|(_, at)| *at == steps[0].1));
    let (acknowledged, decided, decision): (Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT acknowledged_at, decided_at, decision FROM referrals WHERE id = $1")
            .bind(id)
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
    assert!(acknowledged.is_some());
    assert_eq!(acknowledged, decided);
    assert_eq!(decision.as_deref(), Some("ACCEPTED_MOBILE_TEAM"));
    let kinds: Vec<(String,)> = sqlx::query_as(
        "SELECT kind FROM outbox WHERE kind IN ('referral_acknowledged', 'referral_decision') ORDER BY id",
    )
    .fetch_all(&c.app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds.into_iter().map(|k| k.0).collect::<Vec<_>>(),
        ["referral_decision"]
    );
    // A decision that needs more than it was given is refused whole: nothing moves.
    let other = submit(&c, Pathway::Vv, "key-onestep-0002").await;
    let (status, _) = step(
        &c,
        &c.clinician,
        other,
        json!({ "to": "DECLINED_WITH_ADVICE" }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        detail(&c, &c.clinician, other).await["summary"]["status"],
        "SUBMITTED"
    );
    c.app.stop().await;
}

/// The case clock: on the referral's page, for the referrer and the centre alike, the time
/// since the collapse (ECPR), the referral, the acknowledgement and the decision, counted
/// by the server at page load (right without scripts); the timeline says how long after
/// the referral each step came.
async fn the_case_clock_counts_from_collapse_referral_acknowledgement_and_decision(kind: DbKind) {
    // Escalation looks once at start-up and then not for a minute: the clock is moved past
    // the acknowledgement target, and an escalation would add its own timeline entry.
    let c = cast_with(kind, &[("ECMO_ESCALATION_POLL_MS", "60000")]).await;
    let id = submit(&c, Pathway::Ecpr, "key-clock-0001").await;
    let clock = |who: reqwest::Client, app_address: String| async move {
        let html = who
            .get(format!("{app_address}/referrals/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let read = |mark: &str| {
            html.split(&format!("data-testid=\"clock-{mark}\">"))
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .map(str::to_owned)
        };
        let after: Vec<String> = html
            .split("data-testid=\"after-referral\"")
            .skip(1)
            .filter_map(|rest| {
                let text = rest.split_once('>')?.1;
                text.split('<').next().map(str::to_owned)
            })
            .collect();
        (
            [
                read("collapse"),
                read("referral"),
                read("acknowledged"),
                read("decided"),
            ],
            after,
        )
    };
    let (marks, _) = clock(c.referrer.clone(), c.app.address.clone()).await;
    assert_eq!(
        marks,
        [Some("15 min".into()), Some("0 min".into()), None, None]
    );
    c.app.clock.advance(12 * 60_000);
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    c.app.clock.advance(3 * 60_000);
    assert_eq!(
        step(
            &c,
            &c.clinician,
            id,
            json!({ "to": "ACCEPTED_ECPR", "eta_min": 20 })
        )
        .await
        .0,
        200
    );
    c.app.clock.advance(60 * 60_000);
    let (marks, after) = clock(c.clinician.clone(), c.app.address.clone()).await;
    assert_eq!(
        marks,
        [
            Some("1 h 30 min".into()),
            Some("1 h 15 min".into()),
            Some("1 h 03 min".into()),
            Some("1 h 00 min".into()),
        ]
    );
    assert_eq!(after, ["(+12 min)", "(+15 min)"]);
    c.app.stop().await;
}

/// The figures page draws no bar where there is no data: an interval nobody has reached
/// says so instead of a "0" bar.
async fn a_figure_without_data_has_no_bar(kind: DbKind) {
    let c = cast(kind).await;
    let page = |c: &Cast| {
        let (client, url) = (c.clinician.clone(), format!("{}/kpi", c.app.address));
        async move {
            let html = client.get(url).send().await.unwrap().text().await.unwrap();
            let times = html
                .split("class=\"kpi-times\"")
                .nth(1)
                .and_then(|rest| rest.split("</figure>").next())
                .unwrap_or_default()
                .to_owned();
            (
                times.matches("chart-no-data").count(),
                times.matches("class=\"chart-bar\"").count(),
            )
        }
    };
    // Nothing yet: three intervals, median and P90 each, all without data; the counts
    // say so instead of drawing an empty chart.
    assert_eq!(page(&c).await, (6, 0));
    let html = c
        .clinician
        .get(format!("{}/kpi", c.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("data-testid=\"chart-empty\"").count(), 3);
    let id = submit(&c, Pathway::Vv, "key-nodata-0001").await;
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    // Acknowledged, not decided, no team sent: two bars, four without data.
    assert_eq!(page(&c).await, (4, 2));
    c.app.stop().await;
}

async fn views_are_kept_and_listed(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-views-0001").await;
    for _ in 0..54 {
        detail(&c, &c.colleague, id).await;
    }
    let d = detail(&c, &c.clinician, id).await;
    let audit = d["workflow"]["audit"].as_array().unwrap();
    assert_eq!(d["workflow"]["audit_total"], 56, "submitted and 55 views");
    assert_eq!(audit.len(), 50);
    assert_eq!(audit.last().unwrap()["action"], "referral_viewed");
    let page = c
        .clinician
        .get(format!("{}/referrals/{id}", c.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("The latest 50 of 57 entries are shown")
            || page.contains("Prikazanih je zadnjih 50 od 57"),
        "the page says the trail is longer than the list: {}",
        page.split("audit-trail")
            .nth(1)
            .unwrap_or("no trail")
            .chars()
            .take(400)
            .collect::<String>()
    );
    let db = c.app.db.clone();
    c.app.stop().await;
    let (views,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'referral_viewed' AND subject_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        views, 56,
        "every view written by the time the server stopped"
    );
}

/// Two clinicians decide at once: one decision is recorded, the other is told it lost.
async fn two_clinicians_at_once(kind: DbKind) {
    let c = cast(kind).await;
    for round in 0..5 {
        let id = submit(&c, Pathway::Vv, &format!("key-race-{round:05}")).await;
        for to in ["ACKNOWLEDGED", "UNDER_CONSULTATION"] {
            assert_eq!(step(&c, &c.clinician, id, json!({ "to": to })).await.0, 200);
        }
        let mut accept = body_for(wf::Status::AcceptedTransfer.as_str());
        accept["from"] = json!("UNDER_CONSULTATION");
        let mut decline = body_for(wf::Status::DeclinedWithAdvice.as_str());
        decline["from"] = json!("UNDER_CONSULTATION");
        let (a, b) = tokio::join!(
            step(&c, &c.clinician, id, accept),
            step(&c, &c.colleague, id, decline)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {a:?} {b:?}");
        let (winner, loser) = if a.0 == 200 { (a, b) } else { (b, a) };
        assert_eq!(loser.1["changed"], true, "{loser:?}");
        assert_eq!(loser.1["status"], winner.1["status"]);
        assert!(loser.1["error"].as_str().unwrap().contains("colleague"));
        let d = detail(&c, &c.clinician, id).await;
        assert_eq!(d["summary"]["status"], winner.1["status"]);
        let decisions = d["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["detail"]["from"] == "UNDER_CONSULTATION")
            .count();
        assert_eq!(decisions, 1, "one decision recorded");
        // A page drawn before the decision cannot act on it any more.
        let mut stale = body_for(wf::Status::ReferredOnward.as_str());
        stale["from"] = json!("UNDER_CONSULTATION");
        let (status, body) = step(&c, &c.clinician, id, stale).await;
        assert_eq!((status, &body["changed"]), (409, &json!(true)));
    }
    c.app.stop().await;
}

/// Views and changes are audited; the trail cannot be changed and is exported per referral.
async fn the_audit_trail_stands(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-audit-0001").await;
    detail(&c, &c.clinician, id).await;
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    let d = detail(&c, &c.colleague, id).await;
    let actions: Vec<String> = d["workflow"]["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.starts_with(&[
            "referral_submitted".to_owned(),
            "referral_viewed".to_owned(),
            "referral_acknowledged".to_owned()
        ]),
        "{actions:?}"
    );
    // The referrer does not see the trail.
    assert_eq!(
        detail(&c, &c.referrer, id).await["workflow"]["audit"],
        json!([])
    );
    for statement in [
        "UPDATE audit_events SET action = 'nothing' WHERE subject_type = 'referral'",
        "DELETE FROM audit_events WHERE subject_type = 'referral'",
    ] {
        let refused = sqlx::query(statement).execute(&c.app.db.pool).await;
        assert!(refused.is_err(), "{statement} succeeded");
    }
    let csv = c
        .clinician
        .get(format!("{}/referrals/{id}/audit.csv", c.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("-audit.csv"));
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("event,at_utc_ms,at_local,actor,actor_email,action,client_address,detail")
    );
    assert!(
        text.contains("two@centre.test") && text.contains("referral_viewed"),
        "{text}"
    );
    let referrer = c
        .referrer
        .get(format!("{}/referrals/{id}/audit.csv", c.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(referrer.status(), 403);
    let missing = c
        .clinician
        .get(format!("{}/referrals/999999/audit.csv", c.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // The export itself is on the record.
    assert!(c
        .app
        .audit_actions()
        .await
        .contains(&"referral_audit_exported".to_owned()));
    // A later rename does not rewrite the trail: each row keeps the name of its time.
    sqlx::query("UPDATE users SET name = 'Renamed Later' WHERE email = 'two@centre.test'")
        .execute(&c.app.db.pool)
        .await
        .unwrap();
    let text = c
        .clinician
        .get(format!("{}/referrals/{id}/audit.csv", c.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("Renamed Later"), "{text}");
    assert!(text.contains("Test Person,two@centre.test"), "{text}");
    c.app.stop().await;
}

/// The queue: urgency order, filters, assignment, and change events while it is open.
async fn the_queue_is_ordered_and_live(kind: DbKind) {
    let c = cast(kind).await;
    let vv = submit(&c, Pathway::Vv, "key-queue-0001").await;
    c.app.clock.advance(60_000);
    let va = submit(&c, Pathway::Va, "key-queue-0002").await;
    c.app.clock.advance(60_000);
    let ecpr = submit(&c, Pathway::Ecpr, "key-queue-0003").await;
    let va_stage = detail(&c, &c.clinician, va).await["evaluation"]["scai"]["stage"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let queue = |form: Vec<(&'static str, String)>| {
        let c = &c;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = c.app.call(&c.clinician, "/api/queue/get", &form).await;
            assert_eq!(response.status(), 200);
            let view: Value = response.json().await.unwrap();
            view["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    let expected = if matches!(va_stage.as_str(), "D" | "E") {
        vec![ecpr, va, vv]
    } else {
        vec![ecpr, vv, va]
    };
    assert_eq!(queue(vec![]).await, expected, "VA stage {va_stage}");
    // Each row carries its triage line: age, sex, reason and the pathway's figure.
    let view: Value = c
        .app
        .call(&c.clinician, "/api/queue/get", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = |id: i64| {
        view["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    let vv_line = &row(vv)["triage"];
    assert_eq!(vv_line["age_years"], 46.0);
    assert_eq!(vv_line["sex"], "male");
    assert_eq!(vv_line["reason"], "Severe influenza A pneumonia with ARDS");
    // P/F 55.5, 53.3 and 52 mmHg at 06:00, 10:00 and 14:00: under 80 for 8 h, steady.
    assert_eq!(vv_line["figure"]["kind"], "oxygenation");
    assert_eq!(vv_line["figure"]["pf_mmhg"], 52.0);
    assert_eq!(vv_line["figure"]["trend"], "steady");
    assert_eq!(vv_line["figure"]["under_80_h"], 8.0);
    assert_eq!(vv_line["figure"]["under_50_h"], Value::Null);
    let va_line = &row(va)["triage"];
    assert_eq!(va_line["sex"], "female");
    assert_eq!(va_line["figure"]["kind"], "perfusion");
    assert_eq!(va_line["figure"]["lactate_mmol_l"], 6.3);
    assert_eq!(va_line["figure"]["trend"], "rising");
    assert_eq!(va_line["figure"]["vasoactives"], 2);
    assert_eq!(va_line["figure"]["vis"], 47.5);
    let ecpr_row = row(ecpr);
    assert_eq!(ecpr_row["triage"]["figure"]["kind"], "arrest");
    assert_eq!(ecpr_row["triage"]["figure"]["rhythm"], "vf_pvt");
    assert_eq!(ecpr_row["since_collapse_min"], 15);
    assert_eq!(ecpr_row["since_acknowledged_min"], Value::Null);
    assert_eq!(row(vv)["since_collapse_min"], Value::Null);
    // Needing a decision now: the ECPR alert, and the VA referral in SCAI D or E.
    let urgent_first = queue(vec![("urgent", "1".into())]).await;
    assert_eq!(urgent_first[0], ecpr);
    assert_eq!(
        urgent_first.contains(&va),
        matches!(va_stage.as_str(), "D" | "E")
    );
    assert!(!urgent_first.contains(&vv));
    assert_eq!(queue(vec![("pathway", "vv".into())]).await, vec![vv]);
    let celje = c.app.hospital_id("SB Celje").await;
    assert_eq!(queue(vec![("hospital", celje.to_string())]).await.len(), 3);
    assert_eq!(queue(vec![("mine", "1".into())]).await, Vec::<i64>::new());
    let bad = c
        .app
        .call(
            &c.clinician,
            "/api/queue/get",
            &[("status", "LOST"), ("pathway", "xx")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        c.app
            .call(&c.referrer, "/api/queue/get", &[])
            .await
            .status(),
        403
    );
    assert_eq!(
        c.app
            .call(
                &c.clinician,
                "/api/referrals/assign",
                &[("id", &vv.to_string())]
            )
            .await
            .status(),
        200
    );
    assert_eq!(queue(vec![("mine", "1".into())]).await, vec![vv]);
    // Waiting against the target: the VV referral waits 15 min for acknowledgement.
    c.app.clock.advance(20 * 60_000);
    let view: Value = c
        .app
        .call(&c.clinician, "/api/queue/get", &[("pathway", "vv")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["rows"][0]["overdue"], true);
    assert_eq!(view["rows"][0]["target_min"], 15);
    assert_eq!(view["rows"][0]["assignee"], "Test Person");
    // Overdue, it needs a decision now; the collapse is 20 min further back.
    assert!(queue(vec![("urgent", "1".into())]).await.contains(&vv));
    let view: Value = c
        .app
        .call(&c.clinician, "/api/queue/get", &[("pathway", "ecpr")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["rows"][0]["since_collapse_min"], 35);
    // The case clock on the queue: minutes since the acknowledgement.
    assert_eq!(
        step(&c, &c.clinician, ecpr, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    c.app.clock.advance(3 * 60_000);
    let view: Value = c
        .app
        .call(&c.clinician, "/api/queue/get", &[("pathway", "ecpr")])
        .await
        .json()
        .await
        .unwrap();
    let acked = view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == ecpr)
        .cloned()
        .unwrap();
    assert_eq!(acked["since_acknowledged_min"], 3);
    assert_eq!(acked["since_decided_min"], Value::Null);
    // A withdrawn referral leaves the open queue but stays findable.
    assert_eq!(
        step(
            &c,
            &c.referrer,
            vv,
            json!({ "to": "WITHDRAWN", "reason_code": "improved" })
        )
        .await
        .0,
        200
    );
    assert!(!queue(vec![]).await.contains(&vv));
    assert_eq!(queue(vec![("status", "WITHDRAWN".into())]).await, vec![vv]);

    // Change events: only for the centre, and one arrives when a referral comes in.
    let refused = queue_events(&c.referrer, &c.app.address).await;
    assert_eq!(refused.status(), 403);
    let mut events = queue_events(&c.clinician, &c.app.address).await;
    assert_eq!(events.status(), 200);
    assert!(events.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    submit(&c, Pathway::Ecpr, "key-queue-0004").await;
    assert!(
        queue_event_within(&mut events, Duration::from_secs(5)).await,
        "a queue event"
    );
    // The server stops even with the stream open.
    tokio::time::timeout(Duration::from_secs(10), c.app.stop())
        .await
        .expect("shutdown with an open event stream");
}

/// A change on another instance reaches this instance's open queue within its poll.
async fn changes_on_another_instance_arrive(kind: DbKind) {
    let c = cast(kind).await;
    let second = spawn_app_on(
        &c.app.database_url,
        &c.app.data_dir,
        None,
        &[("ECMO_QUEUE_POLL_MS", "50")],
    )
    .await;
    let watcher = second.browser();
    assert_eq!(
        second
            .sign_in(&watcher, "two@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let mut events = queue_events(&watcher, &second.address).await;
    // Let the second instance read the newest change before the new one is made.
    tokio::time::sleep(Duration::from_millis(300)).await;
    submit(&c, Pathway::Vv, "key-other-0001").await;
    assert!(
        queue_event_within(&mut events, Duration::from_secs(5)).await,
        "a queue event"
    );
    drop(events);
    second.stop().await;
    c.app.stop().await;
}

/// Opens the centre's change events (`/api/v1/queue/events`) as `client`.
async fn queue_events(client: &reqwest::Client, address: &str) -> reqwest::Response {
    client
        .get(format!("{address}/api/v1/queue/events"))
        .send()
        .await
        .unwrap()
}

/// Whether a `queue` event arrives on the stream within `timeout`.
async fn queue_event_within(events: &mut reqwest::Response, timeout: Duration) -> bool {
    let mut received = String::new();
    tokio::time::timeout(timeout, async {
        while let Ok(Some(chunk)) = events.chunk().await {
            received.push_str(&String::from_utf8_lossy(&chunk));
            if received.contains("event: queue") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

/// Reads the event stream for `window` and counts its `queue` events.
async fn queue_events_within(events: &mut reqwest::Response, window: Duration) -> usize {
    let mut received = String::new();
    let _ = tokio::time::timeout(window, async {
        while let Ok(Some(chunk)) = events.chunk().await {
            received.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    received.matches("event: queue").count()
}

/// After acceptance the referring doctor ticks the pre-transfer checklist; the centre's
/// page shows each ticked item with when and by whom; unticking removes it; an item that
/// is not on the list is refused, and another hospital cannot reach it.
async fn the_pre_transfer_checklist_reaches_the_centre(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-prep-0001").await;
    for to in [
        wf::Status::Acknowledged.as_str(),
        wf::Status::UnderConsultation.as_str(),
        wf::Status::AcceptedMobileTeam.as_str(),
    ] {
        let (status, body) = step(&c, &c.clinician, id, body_for(to)).await;
        assert_eq!(status, 200, "{to}: {body}");
    }
    let tick = |client: &reqwest::Client, items: &[&str]| {
        let mut form = vec![("id".to_owned(), id.to_string())];
        for (i, item) in items.iter().enumerate() {
            form.push((format!("items[{i}]"), (*item).to_owned()));
        }
        let client = client.clone();
        let url = format!("{}/api/referrals/transfer-checklist", c.app.address);
        async move {
            client
                .post(url)
                .header("origin", ORIGIN)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(tick(&c.referrer, &["blood", "lines"]).await, 200);
    assert_eq!(tick(&c.other_hospital, &["blood"]).await, 404);
    assert_eq!(tick(&c.clinician, &["blood"]).await, 403);
    assert_eq!(tick(&c.referrer, &["blood", "a_helicopter"]).await, 422);

    let page = c
        .app
        .page(&c.clinician, &format!("/referrals/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let item = |key: &str| {
        let start = page
            .find(&format!("data-testid=\"prep-{key}\""))
            .unwrap_or_else(|| panic!("no item {key}"));
        page[start..start + page[start..].find("</li>").unwrap()].to_owned()
    };
    assert!(item("blood").contains("prep-when"), "{}", item("blood"));
    assert!(item("lines").contains("prep-when"));
    assert!(!item("urinary").contains("prep-when"));
    // The centre reads the ticks; it does not tick for the hospital.
    assert!(!item("blood").contains("type=\"checkbox\""));

    assert_eq!(tick(&c.referrer, &["lines"]).await, 200);
    let (ticked,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM transfer_checks WHERE referral_id = $1")
            .bind(id)
            .fetch_one(&c.app.db.pool)
            .await
            .unwrap();
    assert_eq!(ticked, 1);
    c.app.stop().await;
}

/// Whether the stream ends (the server closes it) within `timeout`.
async fn stream_ends_within(events: &mut reqwest::Response, timeout: Duration) -> bool {
    tokio::time::timeout(timeout, async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await
    .is_ok()
}

/// The referring doctor's page follows its referral: the centre's acknowledgement arrives
/// on the referral's event stream within seconds, which another hospital cannot open. Live
/// streams re-check their reader: after signing out, or after a move to another hospital,
/// the next change ends the stream instead of announcing it.
async fn the_referrers_page_follows_and_streams_end_with_access(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-follow-0001").await;
    let url = format!("{}/api/v1/referrals/{id}/events", c.app.address);
    let mut followed = c.referrer.get(&url).send().await.unwrap();
    assert_eq!(followed.status(), 200);
    let elsewhere = c.other_hospital.get(&url).send().await.unwrap();
    assert_eq!(elsewhere.status(), 404);

    let (status, _) = step(
        &c,
        &c.clinician,
        id,
        body_for(wf::Status::Acknowledged.as_str()),
    )
    .await;
    assert_eq!(status, 200);
    let mut received = String::new();
    let announced = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = followed.chunk().await {
            received.push_str(&String::from_utf8_lossy(&chunk));
            if received.contains("event: referral") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(announced, "no referral event: {received:?}");

    // The clinician signs out; the queue's stream ends at the next change.
    let mut queue = queue_events(&c.clinician, &c.app.address).await;
    assert_eq!(queue.status(), 200);
    c.app.call(&c.clinician, "/api/account/sign-out", &[]).await;
    // The referrer moves to another hospital; their stream of hospital A's referral ends.
    let izola = c.app.hospital_id("SB Izola").await;
    sqlx::query("UPDATE users SET hospital_id = $1 WHERE email = $2")
        .bind(izola)
        .bind("ref.a@a.test")
        .execute(&c.app.db.pool)
        .await
        .unwrap();
    let (status, _) = step(
        &c,
        &c.colleague,
        id,
        body_for(wf::Status::UnderConsultation.as_str()),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        stream_ends_within(&mut queue, Duration::from_secs(5)).await,
        "the queue stream outlived the sign-out"
    );
    assert!(
        stream_ends_within(&mut followed, Duration::from_secs(5)).await,
        "the referral stream outlived the move to another hospital"
    );
    c.app.stop().await;
}

/// One change, one event: the instance that wrote a referral announces it, and its own
/// poller, reading the same change from the database, does not announce it again (each
/// event makes every open queue page fetch the queue).
async fn one_change_is_announced_once(kind: DbKind) {
    let c = cast_with(kind, &[("ECMO_QUEUE_POLL_MS", "50")]).await;
    let mut events = queue_events(&c.clinician, &c.app.address).await;
    // Let the poller read the newest change before the new one is made.
    assert_eq!(
        queue_events_within(&mut events, Duration::from_millis(300)).await,
        0
    );
    let id = submit(&c, Pathway::Vv, "key-once-0001").await;
    // Twenty poll intervals.
    assert_eq!(
        queue_events_within(&mut events, Duration::from_secs(1)).await,
        1,
        "a submission"
    );
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    assert_eq!(
        queue_events_within(&mut events, Duration::from_secs(1)).await,
        1,
        "an acknowledgement"
    );
    drop(events);
    c.app.stop().await;
}

/// Capacity is set by the centre, apart from any decision; referrers see only the flag.
async fn capacity_is_kept_apart(kind: DbKind) {
    let c = cast(kind).await;
    let before: Value = c
        .app
        .call(&c.referrer, "/api/capacity/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            before["beds_available"].clone(),
            before["team_available"].clone()
        ),
        (json!(true), json!(true))
    );
    let home = c
        .referrer
        .get(format!("{}/", c.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("capacity-banner"));
    assert_eq!(
        c.app
            .call(&c.referrer, "/api/capacity/set", &[("note", "x")])
            .await
            .status(),
        403
    );
    let set = c
        .app
        .call(
            &c.clinician,
            "/api/capacity/set",
            &[
                ("team_available", "1"),
                ("note", "Both ECMO beds taken until tomorrow"),
            ],
        )
        .await;
    assert_eq!(set.status(), 200);
    let now: Value = c
        .app
        .call(&c.referrer, "/api/capacity/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["beds_available"], false);
    assert_eq!(now["note"], "", "the centre's note stays inside");
    let staff: Value = c
        .app
        .call(&c.colleague, "/api/capacity/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["note"], "Both ECMO beds taken until tomorrow");
    for page in ["/", "/referrals/new"] {
        let res = c
            .referrer
            .get(format!("{}{page}", c.app.address))
            .send()
            .await
            .unwrap();
        let head = format!("{} {:?}", res.status(), res.headers());
        let html = res.text().await.unwrap();
        assert!(html.contains("capacity-banner"), "{page}: {head}\n{html}");
    }
    // Capacity is not a decision: a referral still goes through and nothing is declined.
    let id = submit(&c, Pathway::Vv, "key-capacity-01").await;
    assert_eq!(
        detail(&c, &c.clinician, id).await["summary"]["status"],
        "SUBMITTED"
    );
    assert!(c
        .app
        .audit_actions()
        .await
        .contains(&"capacity_set".to_owned()));
    c.app.stop().await;
}

/// A deferral: an update meanwhile reaches the clinician who deferred; at the review time
/// that clinician is reminded, once.
async fn a_deferral_is_reviewed_on_time(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-defer-0001").await;
    for to in ["ACKNOWLEDGED", "UNDER_CONSULTATION"] {
        assert_eq!(step(&c, &c.colleague, id, json!({ "to": to })).await.0, 200);
    }
    assert_eq!(
        step(
            &c,
            &c.clinician,
            id,
            body_for(wf::Status::DeferredReassess.as_str())
        )
        .await
        .0,
        200
    );
    let seen = detail(&c, &c.referrer, id).await;
    assert_eq!(
        seen["workflow"]["decision"]["triggers"],
        json!(["pf_below_80"])
    );
    let response = c
        .referrer
        .post(format!("{}/api/v1/referrals/{id}/updates", c.app.address))
        .json(&json!({ "note": "P/F 75 after 3 h prone." }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        detail(&c, &c.clinician, id).await["summary"]["status"],
        "DEFERRED_REASSESS"
    );
    assert_eq!(
        c.app
            .mail_count("one@centre.test", "referral_deferred_updated")
            .await,
        1
    );
    assert_eq!(
        c.app
            .mail_count("two@centre.test", "referral_deferred_updated")
            .await,
        0
    );

    // Not before the review time…
    c.app.clock.advance(119 * 60_000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        c.app
            .mail_count("one@centre.test", "referral_review_due")
            .await,
        0
    );
    // …then once.
    c.app.clock.advance(2 * 60_000);
    let app = &c.app;
    wait_until(Duration::from_secs(5), || async {
        app.mail_count("one@centre.test", "referral_review_due")
            .await
            == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        c.app
            .mail_count("one@centre.test", "referral_review_due")
            .await,
        1
    );
    let events = detail(&c, &c.clinician, id).await["events"].clone();
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "review_due"));
    c.app.stop().await;
}

/// The page's form: ticked boxes arrive as indexed fields with gaps; a number with a
/// decimal comma; an unknown target is a field error, not a failed request.
async fn the_page_form_is_read_like_the_api(kind: DbKind) {
    let c = cast(kind).await;
    let id = submit(&c, Pathway::Vv, "key-form-00001").await;
    assert_eq!(
        step(&c, &c.clinician, id, json!({ "to": "ACKNOWLEDGED" }))
            .await
            .0,
        200
    );
    let id_text = id.to_string();
    let form = |fields: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("id", id_text.as_str())];
        all.extend(fields);
        all
    };
    let asked = c
        .app
        .call(
            &c.clinician,
            "/api/referrals/transition",
            &form(vec![
                ("to", "INFO_REQUESTED"),
                ("from", "ACKNOWLEDGED"),
                ("fields[2]", "chest_imaging"),
                ("fields[5]", "haemodynamics"),
                ("advice", "CT if possible."),
            ]),
        )
        .await;
    assert_eq!(asked.status(), 200, "{}", asked.text().await.unwrap());
    let seen = detail(&c, &c.referrer, id).await;
    assert_eq!(
        seen["workflow"]["info_request"]["fields"],
        json!(["chest_imaging", "haemodynamics"])
    );
    for (fields, status) in [
        (vec![("to", "UNDER_CONSULTATION")], 200),
        (
            vec![
                ("to", "ACCEPTED_MOBILE_TEAM"),
                ("eta_min", "soon"),
                ("team", "A"),
            ],
            422,
        ),
        (vec![("to", "NOWHERE")], 422),
        (
            vec![
                ("to", "ACCEPTED_MOBILE_TEAM"),
                ("eta_min", "42,5"),
                ("team", "Dr A"),
            ],
            200,
        ),
    ] {
        let response = c
            .app
            .call(
                &c.clinician,
                "/api/referrals/transition",
                &form(fields.clone()),
            )
            .await;
        assert_eq!(response.status(), status, "{fields:?}");
    }
    assert_eq!(
        detail(&c, &c.referrer, id).await["workflow"]["decision"]["eta_min"],
        43
    );
    c.app.stop().await;
}

crate::on_both_databases!(
    the_page_form_is_read_like_the_api,
    a_deferral_is_reviewed_on_time,
    every_transition_over_http,
    decisions_reach_the_referrer,
    two_clinicians_at_once,
    the_audit_trail_stands,
    the_queue_is_ordered_and_live,
    changes_on_another_instance_arrive,
    one_change_is_announced_once,
    capacity_is_kept_apart,
    the_referrers_page_follows_and_streams_end_with_access,
    the_pre_transfer_checklist_reaches_the_centre,
    figures_follow_every_change,
    a_figure_without_data_has_no_bar,
    a_decision_is_one_step,
    the_case_clock_counts_from_collapse_referral_acknowledgement_and_decision,
    views_are_kept_and_listed,
);
