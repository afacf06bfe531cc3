//! Access control, route by route: every route and server function the server answers,
//! called by an anonymous visitor, a referrer of hospital A, a referrer of hospital B, an
//! ECMO clinician and an administrator, with the status each must get. A route the server
//! answers but this table does not name fails the test.
use crate::helpers::*;
use ecmo_referral_server::startup::route_list;
use std::collections::BTreeSet;

/// Expected status for [anonymous, referrer A, referrer B, clinician, admin].
type Outcomes = [u16; 5];

const ALL_200: Outcomes = [200, 200, 200, 200, 200];
const SIGNED_IN: Outcomes = [401, 200, 200, 200, 200];
const ADMIN_ONLY: Outcomes = [401, 403, 403, 403, 200];
const ADMIN_PAGE: Outcomes = [302, 403, 403, 403, 200];
/// Hospital A's referral: to hospital B it does not exist.
const A_REFERRAL: Outcomes = [401, 200, 404, 200, 200];

struct Case {
    method: &'static str,
    /// The route as the router names it.
    route: &'static str,
    /// What to request.
    path: String,
    form: Vec<(&'static str, String)>,
    json: Option<serde_json::Value>,
    expect: Outcomes,
}

fn case(method: &'static str, route: &'static str, expect: Outcomes) -> Case {
    Case {
        method,
        route,
        path: route.to_owned(),
        form: Vec::new(),
        json: None,
        expect,
    }
}

fn form(route: &'static str, fields: &[(&'static str, &str)], expect: Outcomes) -> Case {
    Case {
        form: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        ..case("POST", route, expect)
    }
}

async fn every_route_answers_each_role_as_the_policy_says(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let a = "SB Celje";
    let b = "SB Izola";
    app.create_user("ref.a@a.test", &["referrer"], Some(a))
        .await;
    app.create_user("ref.b@b.test", &["referrer"], Some(b))
        .await;
    app.create_user("clinician@centre.test", &["ecmo_clinician"], None)
        .await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let spare = app
        .create_user("spare@a.test", &["referrer"], Some(a))
        .await
        .to_string();
    let hospital_a = app.hospital_id(a).await.to_string();
    // A referral of hospital A, for the routes that read one.
    let maker = app.browser();
    app.create_user("maker@a.test", &["referrer"], Some(a))
        .await;
    assert_eq!(
        app.sign_in(&maker, "maker@a.test", GOOD_PASSWORD).await,
        200
    );
    let made: serde_json::Value = crate::referrals::submit(
        &app,
        &maker,
        "key-access-0001",
        &crate::referrals::ecpr_alert(),
    )
    .await
    .json()
    .await
    .unwrap();
    let referral = made["id"].to_string();

    let clients: Vec<reqwest::Client> = (0..5).map(|_| app.browser()).collect();
    for (client, email) in clients[1..].iter().zip([
        "ref.a@a.test",
        "ref.b@b.test",
        "clinician@centre.test",
        "admin@centre.test",
    ]) {
        assert_eq!(
            app.sign_in(client, email, GOOD_PASSWORD).await,
            200,
            "{email}"
        );
    }

    // A draft of referrer A, for the checklist routes.
    let started = app
        .call(
            &clients[1],
            "/api/referrals/draft-start",
            &[("pathway", "vv")],
        )
        .await;
    assert_eq!(started.status(), 200);
    let draft = started.text().await.unwrap();
    const A_DRAFT: Outcomes = [401, 200, 404, 403, 403];

    let mut cases = vec![
        case("GET", "/healthz", ALL_200),
        // Metrics go by address, not by role: the tests run on loopback, which may read
        // them (tests/api/metrics.rs refuses another address).
        case("GET", "/metrics", ALL_200),
        Case {
            path: "/lang/en".into(),
            ..case("GET", "/lang/{locale}", [303; 5])
        },
        Case {
            path: "/api/v1/scores/murray".into(),
            json: Some(
                serde_json::json!({"cxr_quadrants": 2, "pf_ratio_mmhg": 120, "peep_cmh2o": 12}),
            ),
            ..case("POST", "/api/v1/scores/{score}", ALL_200)
        },
        case("GET", "/api/v1/hospitals", ALL_200),
        case("GET", "/api/v1/openapi.json", ALL_200),
        Case {
            json: Some(serde_json::json!({"email": "nobody@x.test", "password": "wrong"})),
            ..case("POST", "/api/v1/session", [401; 5])
        },
        case("GET", "/api/v1/me", SIGNED_IN),
        case("GET", "/api/v1/referrals", SIGNED_IN),
        Case {
            json: Some(crate::referrals::ecpr_alert()),
            ..case("POST", "/api/v1/referrals", [401, 201, 201, 403, 403])
        },
        Case {
            path: format!("/api/v1/referrals/{referral}"),
            ..case("GET", "/api/v1/referrals/{id}", A_REFERRAL)
        },
        Case {
            path: format!("/api/v1/referrals/{referral}/updates"),
            json: Some(serde_json::json!({"note": "Lactate falling."})),
            ..case(
                "POST",
                "/api/v1/referrals/{id}/updates",
                [401, 201, 404, 403, 403],
            )
        },
        Case {
            path: format!("/api/v1/referrals/{referral}/messages"),
            json: Some(serde_json::json!({"body": "Please call back."})),
            ..case(
                "POST",
                "/api/v1/referrals/{id}/messages",
                [401, 201, 404, 201, 201],
            )
        },
        case("GET", "/referrals", [302, 200, 200, 200, 200]),
        case("GET", "/roster", [302, 403, 403, 200, 200]),
        case("GET", "/notifications", [302, 403, 403, 200, 200]),
        Case {
            path: format!("/referrals/{referral}/acknowledge?token=x"),
            ..case(
                "GET",
                "/referrals/{id}/acknowledge",
                [302, 403, 403, 200, 403],
            )
        },
        form("/api/roster/get", &[], [401, 403, 403, 200, 200]),
        form(
            "/api/roster/add",
            &[
                ("starts_local", ""),
                ("ends_local", ""),
                ("primary_user_id", ""),
                ("backup_user_id", ""),
                ("perfusionist", ""),
                ("coordinator", ""),
            ],
            [401, 403, 403, 403, 422],
        ),
        form(
            "/api/roster/delete",
            &[("id", "999999")],
            [401, 403, 403, 403, 404],
        ),
        form("/api/roster/team-email", &[("email", "")], ADMIN_ONLY),
        form("/api/roster/plan", &[], [401, 403, 403, 403, 422]),
        form(
            "/api/roster/copy-week",
            &[("week_start", "")],
            [401, 403, 403, 403, 422],
        ),
        form("/api/roster/calendar-link", &[], [401, 403, 403, 200, 200]),
        form("/api/roster/calendar-renew", &[], [401, 403, 403, 200, 200]),
        // A calendar program has no session: the token is the key, and a wrong one is
        // not found for anyone.
        Case {
            path: "/calendar/not-a-token.ics".to_owned(),
            ..case("GET", "/calendar/{file}", [404, 404, 404, 404, 404])
        },
        form(
            "/api/referrals/acknowledge-view",
            &[("id", &referral)],
            [401, 403, 403, 200, 403],
        ),
        form("/api/notifications/list", &[], [401, 403, 403, 200, 200]),
        form(
            "/api/notifications/resend",
            &[("id", "999999")],
            [401, 403, 403, 409, 409],
        ),
        form(
            "/api/account/notifications",
            &[("messages", "on")],
            SIGNED_IN,
        ),
        form("/api/account/notifications-get", &[], SIGNED_IN),
        case("GET", "/referrals/new", ALL_200),
        case("GET", "/referrals/new/ecpr", [302, 200, 200, 403, 403]),
        Case {
            path: format!("/referrals/{referral}"),
            ..case("GET", "/referrals/{id}", [302, 200, 404, 200, 200])
        },
        // Pages.
        case("GET", "/", ALL_200),
        case("GET", "/calculators", ALL_200),
        case("GET", "/login", ALL_200),
        case("GET", "/register", ALL_200),
        case("GET", "/account/confirm", ALL_200),
        case("GET", "/account/invitation", ALL_200),
        case("GET", "/account/forgot", ALL_200),
        case("GET", "/account/reset", ALL_200),
        case("GET", "/profile", [302, 200, 200, 200, 200]),
        case("GET", "/admin/users", ADMIN_PAGE),
        case("GET", "/admin/hospitals", ADMIN_PAGE),
        case("GET", "/admin/subject-access", ADMIN_PAGE),
        // A patient's data as a download: administrators only; without a session, sign in.
        form(
            "/admin/subject-access",
            &[
                ("patient_number", "123456789"),
                ("reason", "Written request 7/2026"),
            ],
            [303, 403, 403, 403, 200],
        ),
        // Server functions: public ones.
        // Another email than the JSON sign-in above: ten failures would lock it.
        form(
            "/api/account/sign-in",
            &[("email", "nobody2@x.test"), ("password", "wrong")],
            [401; 5],
        ),
        form("/api/account/hospitals", &[], ALL_200),
        form(
            "/api/account/register",
            &[
                ("email", ""),
                ("name", ""),
                ("phone", ""),
                ("hospital_id", ""),
                ("password", ""),
                ("password_confirm", ""),
                ("language", "sl"),
            ],
            [422; 5],
        ),
        form(
            "/api/account/confirm",
            &[("token", "not-a-token")],
            [422; 5],
        ),
        form(
            "/api/account/accept-invitation",
            &[
                ("token", "x"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
            [422; 5],
        ),
        form(
            "/api/account/forgot",
            &[("email", "nobody@x.test")],
            ALL_200,
        ),
        form(
            "/api/account/reset",
            &[
                ("token", "x"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
            [422; 5],
        ),
        // Referrals.
        form(
            "/api/referrals/ecpr",
            &[
                ("idempotency_key", "key-form-00001"),
                ("callback_phone", "041 555 123"),
                ("location", "Celje"),
                ("age_years", "54"),
                ("minutes_since_collapse", "20"),
                ("collapse", "unwitnessed"),
                ("initial_rhythm", "pea"),
            ],
            [401, 200, 200, 403, 403],
        ),
        // The caller's own returned form (none here).
        form("/api/referrals/ecpr/returned", &[], SIGNED_IN),
        form("/api/referrals/list", &[], SIGNED_IN),
        form(
            "/api/referrals/draft-start",
            &[("pathway", "va")],
            [401, 200, 200, 403, 403],
        ),
        form("/api/referrals/draft-get", &[("id", &draft)], A_DRAFT),
        form("/api/referrals/drafts", &[], SIGNED_IN),
        form(
            "/api/referrals/draft-autosave",
            &[
                ("id", &draft),
                ("step", "0"),
                ("form", "{\"callback_phone\": [\"041 555 123\"]}"),
            ],
            A_DRAFT,
        ),
        // Incomplete: refused with what is missing.
        form(
            "/api/referrals/draft-submit",
            &[("id", &draft)],
            [401, 422, 404, 403, 403],
        ),
        Case {
            path: format!("/referrals/drafts/{draft}/step"),
            form: vec![
                ("_step", "0".into()),
                ("_go", "next".into()),
                ("callback_phone", "041 555 123".into()),
            ],
            ..case(
                "POST",
                "/referrals/drafts/{id}/step",
                [303, 303, 404, 403, 403],
            )
        },
        // Completes a post kept across an expired session; with none kept it goes on.
        case("GET", "/resume", [303; 5]),
        Case {
            path: format!("/referrals/drafts/{draft}"),
            ..case("GET", "/referrals/drafts/{id}", [302, 200, 404, 403, 403])
        },
        form("/api/referrals/get", &[("id", &referral)], A_REFERRAL),
        form(
            "/api/referrals/update",
            &[("id", &referral), ("note", "Proned again.")],
            [401, 200, 404, 403, 403],
        ),
        form(
            "/api/referrals/message",
            &[("id", &referral), ("body", "Calling now.")],
            [401, 200, 404, 200, 200],
        ),
        // Before acceptance the checklist is not open yet: a conflict for its hospital.
        form(
            "/api/referrals/transfer-checklist",
            &[("id", &referral), ("items[0]", "blood")],
            [401, 409, 404, 403, 403],
        ),
        form(
            "/api/referrals/follow",
            &[("id", &referral), ("follow", "true")],
            [401, 200, 404, 403, 403],
        ),
        // Signed in.
        form(
            "/api/account/profile",
            &[("name", "Test Person"), ("phone", ""), ("language", "en")],
            SIGNED_IN,
        ),
        // Administration.
        form("/api/admin/users", &[], ADMIN_ONLY),
        form(
            "/api/admin/invite",
            &[
                ("email", ""),
                ("name", ""),
                ("phone", ""),
                ("role", "referrer"),
                ("hospital_id", ""),
                ("language", "sl"),
            ],
            [401, 403, 403, 403, 422],
        ),
        form(
            "/api/admin/user-active",
            &[("user_id", &spare), ("active", "true")],
            ADMIN_ONLY,
        ),
        form(
            "/api/admin/user-approve",
            &[("user_id", &spare)],
            ADMIN_ONLY,
        ),
        form(
            "/api/admin/user-roles",
            &[
                ("user_id", &spare),
                ("role", "referrer"),
                ("hospital_id", &hospital_a),
            ],
            ADMIN_ONLY,
        ),
        form("/api/admin/hospitals", &[], ADMIN_ONLY),
        form(
            "/api/admin/hospital",
            &[
                ("id", ""),
                ("name", "Bolnišnica za test"),
                ("city", ""),
                ("icu_phone", ""),
                ("email_domains", "test.si"),
            ],
            ADMIN_ONLY,
        ),
        form(
            "/api/admin/registration-approval",
            &[("required", "on")],
            ADMIN_ONLY,
        ),
        form("/api/admin/retention", &[], ADMIN_ONLY),
    ];
    // The centre's workspace. A step that does not follow the alert changes nothing.
    cases.extend([
        case("GET", "/queue", [302, 403, 403, 200, 403]),
        case("GET", "/kpi", [302, 403, 403, 200, 200]),
        case("GET", "/kpi.csv", [401, 403, 403, 200, 200]),
        case("GET", "/api/v1/queue/events", [401, 403, 403, 200, 403]),
        Case {
            path: format!("/api/v1/referrals/{referral}/events"),
            ..case("GET", "/api/v1/referrals/{id}/events", A_REFERRAL)
        },
        Case {
            path: format!("/referrals/{referral}/audit.csv"),
            ..case(
                "GET",
                "/referrals/{id}/audit.csv",
                [401, 403, 403, 200, 200],
            )
        },
        Case {
            path: format!("/api/v1/referrals/{referral}/transitions"),
            json: Some(serde_json::json!({"to": "CLOSED"})),
            ..case(
                "POST",
                "/api/v1/referrals/{id}/transitions",
                [401, 403, 404, 409, 403],
            )
        },
        form(
            "/api/referrals/transition",
            &[("id", &referral), ("to", "CLOSED")],
            [401, 403, 404, 409, 403],
        ),
        form("/api/queue/get", &[], [401, 403, 403, 200, 403]),
        form(
            "/api/referrals/assign",
            &[("id", &referral)],
            [401, 403, 403, 200, 403],
        ),
        form("/api/capacity/get", &[], SIGNED_IN),
        form(
            "/api/capacity/set",
            &[("beds_available", "1"), ("team_available", "1")],
            [401, 403, 403, 200, 200],
        ),
        form("/api/kpi/get", &[], [401, 403, 403, 200, 200]),
    ]);
    cases.push(form(
        "/api/referrals/draft-discard",
        &[("id", &draft)],
        A_DRAFT,
    ));
    // Acknowledging changes the referral's state; a clinician may, nobody else.
    cases.push(form(
        "/api/referrals/acknowledge",
        &[("id", &referral), ("token", "")],
        [401, 403, 403, 200, 403],
    ));
    // Withdrawing closes the referral for the cases above, so it runs after them.
    cases.push(form(
        "/api/referrals/withdraw",
        &[
            ("id", &referral),
            ("reason_code", "improved"),
            ("reason", ""),
        ],
        [401, 200, 404, 403, 403],
    ));
    // These end the caller's session, so they run last.
    cases.push(form("/api/account/sign-out-everywhere", &[], SIGNED_IN));
    cases.push(form("/api/account/sign-out", &[], ALL_200));
    cases.push(case("DELETE", "/api/v1/session", [204; 5]));

    let named: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_owned(), c.route.to_owned()))
        .collect();
    let served: BTreeSet<(String, String)> = route_list()
        .into_iter()
        .map(|(m, p)| (m.to_string(), if p.is_empty() { "/".into() } else { p }))
        .collect();
    assert_eq!(
        served.difference(&named).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without an access-control entry"
    );
    assert_eq!(
        named.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "entries for routes the server does not have"
    );

    let roles = [
        "anonymous",
        "referrer A",
        "referrer B",
        "clinician",
        "admin",
    ];
    let mut failures = Vec::new();
    for c in &cases {
        for (i, client) in clients.iter().enumerate() {
            let url = format!("{}{}", app.address, c.path);
            let mut request = match c.method {
                // As a browser asks for a page: a redirect to sign in is then a real 302.
                "GET" => client.get(&url).header("accept", "text/html"),
                "DELETE" => client.delete(&url).header("origin", ORIGIN),
                _ => client.post(&url).header("origin", ORIGIN),
            };
            if c.method == "POST" && c.route == "/api/v1/referrals" {
                request = request.header("idempotency-key", format!("key-access-role-{i}"));
            }
            let request = match &c.json {
                Some(body) => request.json(body),
                None if c.method == "POST" => request.form(&c.form),
                None => request,
            };
            let status = request.send().await.expect("request").status().as_u16();
            if status != c.expect[i] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {status}",
                    c.method, c.path, roles[i], c.expect[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    app.stop().await;
}

crate::on_both_databases!(every_route_answers_each_role_as_the_policy_says);
