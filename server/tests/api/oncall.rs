//! On call, escalation and notifications, with a real SMTP server and the application's
//! clock moved forward instead of waiting: the on-call physician is told once, the backup
//! and then the team when nobody acknowledges, an acknowledgement stops it, a restart or a
//! second instance sends each escalation once, an SMTP outage loses and repeats nothing,
//! and shifts across the daylight-saving changes notify the right person.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::{example, format_local, parse_local};
use ecmo_referral_app::domain::triage::Pathway;
use ecmo_referral_app::ssr::time::{from_local, to_local, Clock};
use serde_json::Value;
use std::time::Duration;

const MINUTE: i64 = 60_000;
const WAIT: Duration = Duration::from_secs(20);

struct Centre {
    referrer: reqwest::Client,
    admin: reqwest::Client,
    primary: i64,
    backup: i64,
}

async fn centre(app: &TestApp) -> Centre {
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let primary = app
        .create_user("oncall@centre.test", &["ecmo_clinician"], None)
        .await;
    let backup = app
        .create_user("backup@centre.test", &["ecmo_clinician"], None)
        .await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let referrer = app.browser();
    let admin = app.browser();
    assert_eq!(
        app.sign_in(&referrer, "ref.a@a.test", GOOD_PASSWORD).await,
        200
    );
    assert_eq!(
        app.sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    Centre {
        referrer,
        admin,
        primary,
        backup,
    }
}

/// A shift from local wall-clock times, added as an administrator does.
async fn add_shift(
    app: &TestApp,
    admin: &reqwest::Client,
    starts: &str,
    ends: &str,
    primary: i64,
    backup: Option<i64>,
) {
    let response = app
        .call(
            admin,
            "/api/roster/add",
            &[
                ("starts_local", starts),
                ("ends_local", ends),
                ("primary_user_id", &primary.to_string()),
                (
                    "backup_user_id",
                    &backup.map(|b| b.to_string()).unwrap_or_default(),
                ),
                ("perfusionist", ""),
                ("coordinator", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// A shift around the application's present moment.
async fn shift_around_now(app: &TestApp, c: &Centre) {
    let local = to_local(app.clock.now_ms());
    add_shift(
        app,
        &c.admin,
        &format_local(local - 60 * MINUTE),
        &format_local(local + 12 * 60 * MINUTE),
        c.primary,
        Some(c.backup),
    )
    .await;
}

async fn outbox(app: &TestApp, kind: &str) -> Vec<(String, String, String, String)> {
    sqlx::query_as(&format!(
        "SELECT recipient, subject, body_text, COALESCE(body_html, '') FROM outbox WHERE kind = '{kind}' ORDER BY id"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

fn to(mails: &[ReceivedMail], address: &str) -> usize {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .count()
}

/// The acknowledgement link (its token) from the message queued for `recipient`.
async fn ack_token(app: &TestApp, recipient: &str, kind: &str) -> String {
    let (body,): (String,) = sqlx::query_as(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(recipient)
    .bind(kind)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let start = body.find("token=").expect("a link") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn the_on_call_is_told_then_the_backup_then_the_team_until_acknowledged(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(
        kind,
        Some(sink.url()),
        &[("ECMO_TEAM_EMAIL", "team@centre.test")],
    )
    .await;
    let c = centre(&app).await;
    shift_around_now(&app, &c).await;
    let first: Value =
        crate::referrals::submit(&app, &c.referrer, "key-oncall-0001", &example(Pathway::Vv))
            .await
            .json()
            .await
            .unwrap();
    let second: Value =
        crate::referrals::submit(&app, &c.referrer, "key-oncall-0002", &example(Pathway::Vv))
            .await
            .json()
            .await
            .unwrap();

    // Each: the on-call physician, the team address and the referrer's receipt.
    let mails = sink.wait_for(6, WAIT).await;
    assert_eq!(to(&mails, "oncall@centre.test"), 2);
    assert_eq!(to(&mails, "team@centre.test"), 2);
    assert_eq!(to(&mails, "ref.a@a.test"), 2);
    assert_eq!(to(&mails, "backup@centre.test"), 0);
    // No patient identifier anywhere, in either language or part.
    for kind in ["referral_submitted", "referral_receipt"] {
        for (recipient, subject, text, html) in outbox(&app, kind).await {
            for private in ["Janez", "Primer", "181"] {
                assert!(
                    !subject.contains(private)
                        && !text.contains(private)
                        && !html.contains(private),
                    "{private} in a mail to {recipient}"
                );
            }
            assert!(!html.is_empty(), "an HTML part");
        }
    }
    let (subject, text) = {
        let row = outbox(&app, "referral_submitted")
            .await
            .into_iter()
            .find(|r| r.0 == "oncall@centre.test")
            .unwrap();
        (row.1, row.2)
    };
    assert!(
        subject.contains("VV-ECMO")
            && subject.contains("SB Celje")
            && subject.contains(first["reference"].as_str().unwrap()),
        "{subject}"
    );
    assert!(
        text.contains("15 min") && text.contains("/acknowledge?token="),
        "{text}"
    );
    // Whom to call and where, so the physician can phone before signing in; the
    // referrer's own receipt does not repeat it.
    assert!(
        text.contains("+386 3 423 3000 (SB Celje, enota intenzivne terapije (EIT))"),
        "{text}"
    );
    for (recipient, _, text, _) in outbox(&app, "referral_receipt").await {
        assert!(
            !text.contains("423 3000"),
            "callback phone in the receipt to {recipient}"
        );
    }

    // Fifteen minutes pass: the backup is told about each, once.
    app.clock.advance(15 * MINUTE + 1_000);
    let mails = sink.wait_for(8, WAIT).await;
    assert_eq!(to(&mails, "backup@centre.test"), 2);

    // The backup acknowledges the first from the link in the mail.
    let backup = app.browser();
    assert_eq!(
        app.sign_in(&backup, "backup@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let token = ack_token(&app, "backup@centre.test", "referral_escalated").await;
    let id_of = |v: &Value| v["id"].to_string();
    // The latest escalation mail to the backup may be either referral's: use the matching one.
    let mut acknowledged = None;
    for candidate in [&first, &second] {
        let response = app
            .call(
                &backup,
                "/api/referrals/acknowledge",
                &[("id", &id_of(candidate)), ("token", &token)],
            )
            .await;
        if response.status() == 200 {
            acknowledged = Some(candidate.clone());
            break;
        }
        assert_eq!(
            response.status(),
            422,
            "a link works for its own referral only"
        );
    }
    let acknowledged = acknowledged.expect("the link acknowledged its referral");
    let other = if acknowledged["id"] == first["id"] {
        &second
    } else {
        &first
    };
    // A used link does not work again.
    let again = app
        .call(
            &backup,
            "/api/referrals/acknowledge",
            &[("id", &id_of(&acknowledged)), ("token", &token)],
        )
        .await;
    assert_eq!(again.status(), 422);

    // Another interval: only the unacknowledged one goes to the whole team.
    app.clock.advance(15 * MINUTE + 1_000);
    let mails = sink.wait_for(10, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    let escalated = outbox(&app, "referral_escalated").await;
    assert_eq!(
        escalated.len(),
        3,
        "backup twice, team once: {:?}",
        escalated.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    assert_eq!(escalated[2].0, "team@centre.test");
    assert!(escalated[2]
        .1
        .contains(other["reference"].as_str().unwrap()));
    // The referrer heard of the acknowledgement.
    assert_eq!(outbox(&app, "referral_acknowledged").await.len(), 1);
    assert_eq!(to(&mails, "ref.a@a.test"), 3);

    let detail: Value = c
        .referrer
        .get(format!(
            "{}/api/v1/referrals/{}",
            app.address, acknowledged["id"]
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["summary"]["status"], "ACKNOWLEDGED");
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["submitted", "escalated", "acknowledged"]);
    let detail = app.referral(&c.referrer, &other["id"]).await;
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["submitted", "escalated", "escalated"]);
    // Hours later, nothing more is sent about either.
    app.clock.advance(120 * MINUTE);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(outbox(&app, "referral_escalated").await.len(), 3);
    app.stop().await;
}

async fn a_restart_and_a_second_instance_escalate_once(kind: DbKind) {
    let sink = MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(kind, dir.path()).await;
    let first =
        spawn_app_with_clock(&url, dir.path(), Some(sink.url()), &[], Clock::default()).await;
    let c = centre(&first).await;
    shift_around_now(&first, &c).await;
    let made = crate::referrals::submit(
        &first,
        &c.referrer,
        "key-restart-0001",
        &crate::referrals::ecpr_alert(),
    )
    .await;
    assert_eq!(made.status(), 201);
    sink.wait_for(2, WAIT).await;
    first.stop().await;

    // Two instances come up after the two-minute ECPR window has passed.
    let later = Clock::default();
    later.advance(3 * MINUTE);
    let a = spawn_app_with_clock(&url, dir.path(), Some(sink.url()), &[], later.clone()).await;
    let b = spawn_app_with_clock(&url, dir.path(), Some(sink.url()), &[], later.clone()).await;
    let mails = sink.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    assert_eq!(
        to(&mails, "backup@centre.test"),
        1,
        "escalated once, not once per instance"
    );
    assert_eq!(outbox(&a, "referral_escalated").await.len(), 1);
    b.stop().await;
    a.stop().await;
}

async fn mail_queued_while_smtp_is_down_arrives_once_when_it_returns(kind: DbKind) {
    let reserved = MailSink::reserve_port();
    let port = reserved.port;
    let smtp = format!("smtp://127.0.0.1:{port}?tls=none");
    let app = spawn_app(
        kind,
        Some(smtp),
        &[
            ("ECMO_MAIL_BACKOFF_MS", "50"),
            ("ECMO_MAIL_MAX_ATTEMPTS", "12"),
        ],
    )
    .await;
    let c = centre(&app).await;
    shift_around_now(&app, &c).await;
    let made = crate::referrals::submit(
        &app,
        &c.referrer,
        "key-outage-0001",
        &crate::referrals::ecpr_alert(),
    )
    .await;
    assert_eq!(made.status(), 201);
    // The whole escalation window passes with the SMTP server down.
    app.clock.advance(3 * MINUTE);
    wait_until(WAIT, || async {
        outbox(&app, "referral_escalated").await.len() == 1
    })
    .await;
    wait_until(WAIT, || async {
        let (retrying,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts > 0")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        retrying >= 3
    })
    .await;
    let sink = MailSink::start_on(reserved);
    // On call, receipt, backup: each exactly once.
    let mails = sink.wait_for(3, Duration::from_secs(40)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mails = if sink.messages().len() > mails.len() {
        sink.messages()
    } else {
        mails
    };
    assert_eq!(
        mails.len(),
        3,
        "{:?}",
        mails.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    for address in ["oncall@centre.test", "ref.a@a.test", "backup@centre.test"] {
        assert_eq!(to(&mails, address), 1, "{address}");
    }
    let (unsent,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
    app.stop().await;
}

async fn shifts_across_daylight_saving_changes_notify_the_right_physician(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(kind, Some(sink.url()), &[]).await;
    let c = centre(&app).await;
    let (night, day) = (c.primary, c.backup);
    // 29 March 2026: clocks go from 02:00 to 03:00. 25 October 2026: from 03:00 back to 02:00.
    add_shift(
        &app,
        &c.admin,
        "2026-03-28T20:00",
        "2026-03-29T08:00",
        night,
        None,
    )
    .await;
    add_shift(
        &app,
        &c.admin,
        "2026-03-29T08:00",
        "2026-03-29T20:00",
        day,
        None,
    )
    .await;
    add_shift(
        &app,
        &c.admin,
        "2026-10-24T20:00",
        "2026-10-25T08:00",
        night,
        None,
    )
    .await;
    add_shift(
        &app,
        &c.admin,
        "2026-10-25T08:00",
        "2026-10-25T20:00",
        day,
        None,
    )
    .await;
    let utc = |text: &str| parse_local(text).unwrap(); // a UTC instant written as a civil time
                                                       // The night shift is 11 hours in March and 13 in October.
    let (spring_start, spring_end) = (
        from_local(utc("2026-03-28T20:00")),
        from_local(utc("2026-03-29T08:00")),
    );
    assert_eq!(spring_end - spring_start, 11 * 60 * MINUTE);
    let (autumn_start, autumn_end) = (
        from_local(utc("2026-10-24T20:00")),
        from_local(utc("2026-10-25T08:00")),
    );
    assert_eq!(autumn_end - autumn_start, 13 * 60 * MINUTE);
    // (instant in UTC, who is on call, key)
    let cases = [
        ("2026-03-29T05:30", "oncall@centre.test", "key-dst-0001"), // 07:30 CEST: night shift
        ("2026-03-29T06:30", "backup@centre.test", "key-dst-0002"), // 08:30 CEST: day shift
        ("2026-03-29T00:30", "oncall@centre.test", "key-dst-0003"), // 01:30 CET, before the change
        ("2026-10-25T06:30", "oncall@centre.test", "key-dst-0004"), // 07:30 CET: still the night
        ("2026-10-25T07:30", "backup@centre.test", "key-dst-0005"), // 08:30 CET: day shift
        ("2026-10-25T00:30", "oncall@centre.test", "key-dst-0006"), // 02:30 CEST, the first 02:30
    ];
    for (i, (instant, who, key)) in cases.iter().enumerate() {
        app.clock.set(utc(instant));
        let made =
            crate::referrals::submit(&app, &c.referrer, key, &crate::referrals::ecpr_alert()).await;
        assert_eq!(made.status(), 201);
        let (recipient,): (String,) = sqlx::query_as(
            "SELECT recipient FROM outbox WHERE kind = 'referral_submitted' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(&recipient, who, "case {i}: {instant}Z");
    }
    app.stop().await;
}

async fn with_nobody_on_call_the_team_is_told_and_the_admins_warned(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(
        kind,
        Some(sink.url()),
        &[("ECMO_TEAM_EMAIL", "team@centre.test")],
    )
    .await;
    let c = centre(&app).await;
    let made = crate::referrals::submit(
        &app,
        &c.referrer,
        "key-gap-00001",
        &crate::referrals::ecpr_alert(),
    )
    .await;
    assert_eq!(made.status(), 201);
    let mails = sink.wait_for(3, WAIT).await;
    assert_eq!(to(&mails, "team@centre.test"), 1);
    assert_eq!(to(&mails, "admin@centre.test"), 1);
    assert_eq!(to(&mails, "oncall@centre.test"), 0);
    assert_eq!(outbox(&app, "roster_gap").await.len(), 1);
    // The roster shows the gap to administrators, and an administrator can change the team address.
    let roster: Value = app
        .call(&c.admin, "/api/roster/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(roster["now"].is_null());
    assert_eq!(roster["gaps"].as_array().unwrap().len(), 1);
    assert_eq!(roster["team_email"], "team@centre.test");
    let set = app
        .call(
            &c.admin,
            "/api/roster/team-email",
            &[("email", "ecmo-tim@centre.test")],
        )
        .await;
    assert_eq!(set.status(), 200);
    let bad = app
        .call(
            &c.admin,
            "/api/roster/team-email",
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let refused = app
        .call(
            &c.referrer,
            "/api/roster/team-email",
            &[("email", "x@y.test")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    crate::referrals::submit(
        &app,
        &c.referrer,
        "key-gap-00002",
        &crate::referrals::ecpr_alert(),
    )
    .await;
    let mails = sink.wait_for(6, WAIT).await;
    assert_eq!(to(&mails, "ecmo-tim@centre.test"), 1);
    app.stop().await;
}

/// With nobody on call the roster page says where alerts go, as the server sends them: the
/// team address, else every active ECMO clinician, else (a warning) nobody.
#[test]
fn the_roster_says_where_alerts_go_when_nobody_is_on_call() {
    // On the runtime the server's own tests use (two workers), not a single thread
    // shared by the server and the test.
    runtime().block_on(roster_notice_without_anyone_on_call());
}

async fn roster_notice_without_anyone_on_call() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let admin = app.browser();
    assert_eq!(
        app.sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let notice = || async {
        let html = admin
            .get(format!("{}/roster", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        html.split("data-testid=\"nobody-on-call\"")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or_default()
            .to_owned()
    };
    let nobody = notice().await;
    assert!(nobody.contains("ne dosežejo nikogar"), "{nobody}");
    app.create_user("clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    let everyone = notice().await;
    assert!(
        everyone.contains("vsem aktivnim zdravnikom ECMO") && !everyone.contains("naslov ekipe "),
        "{everyone}"
    );
    let set = app
        .call(
            &admin,
            "/api/roster/team-email",
            &[("email", "ecmo-tim@centre.test")],
        )
        .await;
    assert_eq!(set.status(), 200);
    let team = notice().await;
    assert!(team.contains("ecmo-tim@centre.test"), "{team}");
    app.stop().await;
}

async fn shift_count(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oncall_shifts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    n
}

/// A month of a day-and-night pattern in one form (previewed first, with its overlaps and
/// gaps), last week copied, and each clinician's shifts as an iCalendar feed that a
/// calendar parser reads back.
async fn a_month_is_planned_in_one_form_and_read_from_a_calendar(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let c = centre(&app).await;
    app.clock
        .set(from_local(parse_local("2026-11-25T12:00").unwrap()));
    let (a, b) = (c.primary.to_string(), c.backup.to_string());
    let plan = |save: bool, to_date: &'static str| {
        let (a, b) = (a.clone(), b.clone());
        let app = &app;
        let admin = &c.admin;
        async move {
            let mut form = vec![
                ("from_date", "2026-12-01".to_owned()),
                ("to_date", to_date.to_owned()),
                ("day_start", "08:00".to_owned()),
                ("night_start", "20:00".to_owned()),
                ("day[0]", a.clone()),
                ("night[0]", b.clone()),
                ("day[1]", b),
                ("night[1]", a),
                ("day[2]", String::new()),
            ];
            if save {
                form.push(("save", "1".to_owned()));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(admin, "/api/roster/plan", &form).await
        }
    };
    // The preview writes nothing: 31 days, two shifts each, back to back; the first
    // night, before the first 08:00, is nobody's.
    let preview = plan(false, "2026-12-31").await;
    assert_eq!(preview.status(), 200);
    let view: Value = preview.json().await.unwrap();
    assert_eq!(view["shifts"].as_array().unwrap().len(), 62);
    assert_eq!(view["saved"], false);
    assert_eq!(view["overlaps"].as_array().unwrap().len(), 0);
    assert_eq!(
        view["gaps"],
        serde_json::json!(["1. 12. 2026 00:00 – 1. 12. 2026 08:00"])
    );
    assert_eq!(
        view["shifts"][0]["label"],
        "1. 12. 2026 08:00 – 1. 12. 2026 20:00"
    );
    assert_eq!(
        view["shifts"][1]["label"],
        "1. 12. 2026 20:00 – 2. 12. 2026 08:00"
    );
    assert_eq!(shift_count(&app).await, 0);
    // A period too long, or a week with a night and no day, is refused field by field.
    let refused = plan(false, "2027-03-01").await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("to_date"), "{body}");
    let half = app
        .call(
            &c.admin,
            "/api/roster/plan",
            &[
                ("from_date", "2026-12-01"),
                ("to_date", "2026-12-07"),
                ("day_start", "8"),
                ("night[0]", &b),
            ],
        )
        .await;
    assert_eq!(half.status(), 422);
    let body: Value = half.json().await.unwrap();
    assert!(body.to_string().contains("day_start"), "{body}");
    assert!(body.to_string().contains("day[0]"), "{body}");
    assert_eq!(shift_count(&app).await, 0);
    // Someone who is not an ECMO clinician is named as such, not as "one of: (nothing)".
    let stranger = app
        .call(
            &c.admin,
            "/api/roster/plan",
            &[
                ("from_date", "2026-12-01"),
                ("to_date", "2026-12-07"),
                ("day[0]", "999999"),
            ],
        )
        .await;
    assert_eq!(stranger.status(), 422);
    let body: Value = stranger.json().await.unwrap();
    assert!(body.to_string().contains("unknown_clinician"), "{body}");
    assert!(body.to_string().contains("day[0]"), "{body}");
    assert_eq!(shift_count(&app).await, 0);

    // Saved in one post; the same plan again overlaps every shift.
    assert_eq!(plan(true, "2026-12-31").await.status(), 200);
    assert_eq!(shift_count(&app).await, 62);
    assert!(app
        .audit_actions()
        .await
        .contains(&"shifts_planned".to_owned()));
    let again: Value = plan(false, "2026-12-31").await.json().await.unwrap();
    assert_eq!(again["overlaps"].as_array().unwrap().len(), 62);
    // The week rotates: week 2 (8 December) has the second physician by day.
    let (primary,): (i64,) = sqlx::query_as(
        "SELECT primary_user_id FROM oncall_shifts WHERE starts_local = '2026-12-08T08:00'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(primary, c.backup);
    // After the saved month a 24-h pattern from 09:00 leaves the hour after its last
    // night uncovered, and says so.
    let gap: Value = app
        .call(
            &c.admin,
            "/api/roster/plan",
            &[
                ("from_date", "2027-01-01"),
                ("to_date", "2027-01-02"),
                ("day_start", "09:00"),
                ("day[0]", &a),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        gap["gaps"],
        serde_json::json!(["1. 1. 2027 08:00 – 1. 1. 2027 09:00"]),
        "{gap}"
    );
    assert_eq!(gap["shifts"].as_array().unwrap().len(), 2);

    // Last week copied one week on: the 14 shifts of 8–14 December to 15–21 December.
    let copied = app
        .call(
            &c.admin,
            "/api/roster/copy-week",
            &[("week_start", "2026-12-15")],
        )
        .await;
    assert_eq!(copied.status(), 200);
    assert_eq!(copied.json::<Value>().await.unwrap(), 14);
    assert_eq!(shift_count(&app).await, 76);
    let bad = app
        .call(
            &c.admin,
            "/api/roster/copy-week",
            &[("week_start", "next week")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(shift_count(&app).await, 76);

    // The physician's calendar: every shift of theirs, as on call or as backup.
    let physician = app.browser();
    assert_eq!(
        app.sign_in(&physician, "oncall@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    // None until it is made (a page view never writes); made by a post.
    let none: Option<String> = app
        .call(&physician, "/api/roster/calendar-link", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, None);
    let link: String = app
        .call(&physician, "/api/roster/calendar-renew", &[])
        .await
        .json()
        .await
        .unwrap();
    let path = link.strip_prefix(ORIGIN).expect("an address on this site");
    assert!(
        path.starts_with("/calendar/") && path.ends_with(".ics"),
        "{path}"
    );
    let feed = reqwest::get(format!("{}{path}", app.address))
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = feed.text().await.unwrap();
    let calendar: icalendar::Calendar = text.parse().expect("a calendar that parses");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    let (mine,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM oncall_shifts WHERE primary_user_id = $1 OR backup_user_id = $1",
    )
    .bind(c.primary)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(events.len() as i64, mine);
    {
        use icalendar::Component;
        let first = events
            .iter()
            .min_by_key(|e| format!("{:?}", e.get_start()))
            .unwrap();
        assert_eq!(first.get_summary(), Some("Dežurstvo ECMO / ECMO on call"));
        // 1 December 08:00 in Ljubljana is 07:00 UTC.
        assert!(text.contains("DTSTART:20261201T070000Z"), "{text}");
        assert!(first.get_uid().is_some_and(|u| u.starts_with("shift-")));
    }
    // The same address again; a new one stops the old.
    let same: Option<String> = app
        .call(&physician, "/api/roster/calendar-link", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same.as_deref(), Some(link.as_str()));
    assert_eq!(
        app.call(&physician, "/api/roster/calendar-renew", &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        reqwest::get(format!("{}{path}", app.address))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        reqwest::get(format!("{}/calendar/nothing.ics", app.address))
            .await
            .unwrap()
            .status(),
        404
    );
    // A referrer has no roster and no calendar.
    assert_eq!(
        app.call(&c.referrer, "/api/roster/calendar-link", &[])
            .await
            .status(),
        403
    );
    app.stop().await;
}

/// The notifications page reads each email's state as a type; a state this version does
/// not know cannot be stored (the database's own check refuses it), so the page never has
/// to guess one.
async fn a_delivery_state_is_one_the_database_allows(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let c = centre(&app).await;
    enqueue_mails(&app.db, 1, "someone@centre.test").await;
    let list = app.call(&c.admin, "/api/notifications/list", &[]).await;
    assert_eq!(list.status(), 200);
    let rows: Value = list.json().await.unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == "someone@centre.test")
        .cloned()
        .unwrap();
    assert!(
        matches!(row["status"].as_str(), Some("queued" | "retrying" | "sent")),
        "{row}"
    );
    let refused =
        sqlx::query("UPDATE outbox SET status = 'lost' WHERE recipient = 'someone@centre.test'")
            .execute(&app.db.pool)
            .await;
    assert!(refused.is_err(), "an unknown state was stored");
    app.stop().await;
}

crate::on_both_databases!(
    a_delivery_state_is_one_the_database_allows,
    a_month_is_planned_in_one_form_and_read_from_a_calendar,
    the_on_call_is_told_then_the_backup_then_the_team_until_acknowledged,
    a_restart_and_a_second_instance_escalate_once,
    mail_queued_while_smtp_is_down_arrives_once_when_it_returns,
    shifts_across_daylight_saving_changes_notify_the_right_physician,
    with_nobody_on_call_the_team_is_told_and_the_admins_warned,
);
