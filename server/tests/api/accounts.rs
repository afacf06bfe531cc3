//! Accounts: sessions, throttling, invitations, self-registration, password reset,
//! cross-site protection, the audit trail and the command line.
use crate::helpers::*;
use std::time::Duration;

async fn ten_wrong_passwords_lock_the_account_until_the_window_passes(kind: DbKind) {
    let app = spawn_app(kind, None, &[("ECMO_LOGIN_LOCKOUT_SECS", "2")]).await;
    app.create_user("ana@a.test", &["ecmo_clinician"], None)
        .await;
    let client = app.browser();
    for attempt in 1..=9 {
        assert_eq!(
            app.sign_in(&client, "ana@a.test", "wrong password").await,
            401,
            "attempt {attempt}"
        );
    }
    let tenth = client
        .post(format!("{}/api/v1/session", app.address))
        .json(&serde_json::json!({"email": "ANA@a.test", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tenth.status(), 429);
    let retry_after: u64 = tenth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = tenth.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Too many failed sign-ins"),
        "{body}"
    );
    // Locked: even the right password waits.
    assert_eq!(app.sign_in(&client, "ana@a.test", GOOD_PASSWORD).await, 429);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(app.sign_in(&client, "ana@a.test", GOOD_PASSWORD).await, 200);
    // The success reset the count: one wrong password is an ordinary 401 again.
    assert_eq!(
        app.sign_in(&app.browser(), "ana@a.test", "wrong").await,
        401
    );
    // An unknown email is throttled the same way, so 429 does not reveal accounts.
    let stranger = app.browser();
    for _ in 1..=9 {
        assert_eq!(app.sign_in(&stranger, "nobody@a.test", "x").await, 401);
    }
    assert_eq!(app.sign_in(&stranger, "nobody@a.test", "x").await, 429);
    let actions = app.audit_actions().await;
    assert!(actions.iter().filter(|a| *a == "sign_in_failed").count() >= 20);
    assert!(actions.contains(&"signed_in".to_owned()));
    app.stop().await;
}

async fn one_address_is_slowed_across_accounts(kind: DbKind) {
    let app = spawn_app(
        kind,
        None,
        &[
            ("ECMO_LOGIN_ADDRESS_BURST", "3"),
            ("ECMO_LOGIN_ADDRESS_REFILL_SECS", "60"),
        ],
    )
    .await;
    let client = app.browser();
    for i in 0..3 {
        assert_eq!(
            app.sign_in(&client, &format!("user{i}@a.test"), "x").await,
            401
        );
    }
    let response = app
        .call(
            &client,
            "/api/account/sign-in",
            &[("email", "user9@a.test"), ("password", "x")],
        )
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    app.stop().await;
}

async fn sessions_are_http_only_rotated_and_ended_everywhere(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ana@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let first = app.browser();
    let response = first
        .post(format!("{}/api/v1/session", app.address))
        .json(&serde_json::json!({"email": "ana@a.test", "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("ecmo_session="))
        .expect("a session cookie");
    assert!(cookie.starts_with("ecmo_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http: no Secure flag: {cookie}"
    );
    let me: serde_json::Value = app.me(&first).await.json().await.unwrap();
    assert_eq!(me["email"], "ana@a.test");
    assert_eq!(me["hospital_name"], "SB Celje");
    assert!(me.get("password_hash").is_none() && !me.to_string().contains("argon2"));

    // Signing in again on the same browser gives a new session id.
    let again = first
        .post(format!("{}/api/v1/session", app.address))
        .json(&serde_json::json!({"email": "ana@a.test", "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    let id = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(
        id(&cookie),
        id(again.headers()["set-cookie"].to_str().unwrap())
    );

    let second = app.browser();
    assert_eq!(app.sign_in(&second, "ana@a.test", GOOD_PASSWORD).await, 200);
    assert_eq!(
        app.call(&second, "/api/account/sign-out-everywhere", &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.me(&first).await.status(),
        401,
        "the other device is signed out too"
    );
    assert_eq!(app.me(&second).await.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[("ECMO_PUBLIC_URL", "https://ecmo.test")],
    )
    .await;
    app.create_user("ana@a.test", &["admin"], None).await;
    let response = app
        .browser()
        .post(format!("{}/api/v1/session", app.address))
        .json(&serde_json::json!({"email": "ana@a.test", "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
    app.stop().await;
}

async fn an_invitation_sets_a_password_once(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(kind, Some(sink.url()), &[]).await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let admin = app.browser();
    assert_eq!(
        app.sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let celje = app.hospital_id("SB Celje").await.to_string();
    let response = app
        .call(
            &admin,
            "/api/admin/invite",
            &[
                ("email", "Nova@SB-Celje.si"),
                ("name", "Nova Zdravnica"),
                ("phone", ""),
                ("role", "referrer"),
                ("hospital_id", &celje),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    // The same email again is refused with a field error.
    let again = app
        .call(
            &admin,
            "/api/admin/invite",
            &[
                ("email", "nova@sb-celje.si"),
                ("name", "Nova"),
                ("phone", ""),
                ("role", "referrer"),
                ("hospital_id", &celje),
                ("language", "sl"),
            ],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("already_registered"));

    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails[0].to, vec!["nova@sb-celje.si".to_owned()]);
    assert!(mails[0].data.contains("Your invitation to ECMO Referral"));
    let token = app
        .token_from_mail("nova@sb-celje.si", "account_invitation")
        .await;
    let invitee = app.browser();
    assert_eq!(
        app.sign_in(&invitee, "nova@sb-celje.si", GOOD_PASSWORD)
            .await,
        401,
        "no password yet"
    );
    let weak = app
        .call(
            &invitee,
            "/api/account/accept-invitation",
            &[
                ("token", &token),
                ("password", "password1"),
                ("password_confirm", "password1"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("weak_password"));
    let accepted = app
        .call(
            &invitee,
            "/api/account/accept-invitation",
            &[
                ("token", &token),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let reuse = app
        .call(
            &invitee,
            "/api/account/accept-invitation",
            &[
                ("token", &token),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reuse.status(), 422, "single use");
    assert_eq!(
        app.sign_in(&invitee, "nova@sb-celje.si", GOOD_PASSWORD)
            .await,
        200
    );
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"user_invited".to_owned()));
    assert!(actions.contains(&"invitation_accepted".to_owned()));
    app.stop().await;
}

async fn self_registration_needs_a_hospital_domain_a_confirmed_email_and_approval(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let admin = app.browser();
    assert_eq!(
        app.sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let celje = app.hospital_id("SB Celje").await.to_string();
    let saved = app
        .call(
            &admin,
            "/api/admin/hospital",
            &[
                ("id", &celje),
                ("name", "SB Celje"),
                ("city", "Celje"),
                ("icu_phone", "+386 3 423 3000"),
                ("email_domains", "sb-celje.si"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 200);

    let visitor = app.browser();
    let register = |email: &'static str| {
        let celje = celje.clone();
        let app = &app;
        let visitor = visitor.clone();
        async move {
            app.call(
                &visitor,
                "/api/account/register",
                &[
                    ("email", email),
                    ("name", "Janez Novak"),
                    ("phone", "041 123 456"),
                    ("hospital_id", &celje),
                    ("password", GOOD_PASSWORD),
                    ("password_confirm", GOOD_PASSWORD),
                    ("language", "sl"),
                ],
            )
            .await
        }
    };
    let refused = register("janez@gmail.com").await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("domain_not_accepted"));
    assert_eq!(register("janez@sb-celje.si").await.status(), 200);
    assert_eq!(
        app.sign_in(&visitor, "janez@sb-celje.si", GOOD_PASSWORD)
            .await,
        403,
        "email not confirmed"
    );
    let token = app
        .token_from_mail("janez@sb-celje.si", "account_confirm_email")
        .await;
    let confirmed = app
        .call(&visitor, "/api/account/confirm", &[("token", &token)])
        .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(
        confirmed.text().await.unwrap(),
        "true",
        "still waits for approval"
    );
    assert_eq!(
        app.mail_count("admin@centre.test", "account_approval_needed")
            .await,
        1
    );
    assert_eq!(
        app.sign_in(&visitor, "janez@sb-celje.si", GOOD_PASSWORD)
            .await,
        403,
        "not approved"
    );
    // Registering the same address again answers the same and mails its owner instead.
    assert_eq!(register("janez@sb-celje.si").await.status(), 200);
    assert_eq!(
        app.mail_count("janez@sb-celje.si", "account_already_registered")
            .await,
        1
    );

    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'janez@sb-celje.si'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call(
            &admin,
            "/api/admin/user-approve",
            &[("user_id", &id.to_string())]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.mail_count("janez@sb-celje.si", "account_approved")
            .await,
        1
    );
    assert_eq!(
        app.sign_in(&visitor, "janez@sb-celje.si", GOOD_PASSWORD)
            .await,
        200
    );
    let me: serde_json::Value = app.me(&visitor).await.json().await.unwrap();
    assert_eq!(me["roles"], serde_json::json!(["referrer"]));

    // Deactivation ends the session at once.
    assert_eq!(
        app.call(
            &admin,
            "/api/admin/user-active",
            &[("user_id", &id.to_string()), ("active", "false")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(app.me(&visitor).await.status(), 401);
    assert_eq!(
        app.sign_in(&visitor, "janez@sb-celje.si", GOOD_PASSWORD)
            .await,
        401
    );
    app.stop().await;
}

async fn a_reset_link_works_once_and_never_reveals_accounts(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ana@a.test", &["ecmo_clinician"], None)
        .await;
    let client = app.browser();
    let known = app
        .call(&client, "/api/account/forgot", &[("email", "ana@a.test")])
        .await;
    let unknown = app
        .call(
            &client,
            "/api/account/forgot",
            &[("email", "nobody@a.test")],
        )
        .await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 200);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(
        app.mail_count("nobody@a.test", "account_password_reset")
            .await,
        0
    );
    let token = app
        .token_from_mail("ana@a.test", "account_password_reset")
        .await;
    let new_password = "drugo geslo za Ano 77";
    let differ = app
        .call(
            &client,
            "/api/account/reset",
            &[
                ("token", &token),
                ("password", new_password),
                ("password_confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(differ.status(), 422);
    assert!(differ.text().await.unwrap().contains("passwords_differ"));
    let done = app
        .call(
            &client,
            "/api/account/reset",
            &[
                ("token", &token),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(done.status(), 200);
    assert_eq!(app.sign_in(&client, "ana@a.test", GOOD_PASSWORD).await, 401);
    assert_eq!(app.sign_in(&client, "ana@a.test", new_password).await, 200);
    let again = app
        .call(
            &client,
            "/api/account/reset",
            &[
                ("token", &token),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 422);
    app.stop().await;
}

async fn the_audit_trail_cannot_be_changed(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    app.create_user("ana@a.test", &["admin"], None).await;
    assert_eq!(
        app.sign_in(&app.browser(), "ana@a.test", "wrong").await,
        401
    );
    let detail: (String,) =
        sqlx::query_as("SELECT detail FROM audit_events WHERE action = 'sign_in_failed'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        !detail.0.contains("wrong"),
        "no attempted password in the trail"
    );
    assert!(sqlx::query("UPDATE audit_events SET action = 'x'")
        .execute(&app.db.pool)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_events")
        .execute(&app.db.pool)
        .await
        .is_err());
    assert!(!app.audit_actions().await.is_empty());
    app.stop().await;
}

crate::on_both_databases!(
    ten_wrong_passwords_lock_the_account_until_the_window_passes,
    one_address_is_slowed_across_accounts,
    sessions_are_http_only_rotated_and_ended_everywhere,
    an_invitation_sets_a_password_once,
    self_registration_needs_a_hospital_domain_a_confirmed_email_and_approval,
    a_reset_link_works_once_and_never_reveals_accounts,
    the_audit_trail_cannot_be_changed,
);

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let client = app.browser();
    let url = format!("{}/api/account/forgot", app.address);
    let evil = client
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&[("email", "a@a.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let bare_form = client
        .post(&url)
        .form(&[("email", "a@a.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        bare_form.status(),
        403,
        "a form post without Origin or Referer"
    );
    let referer = client
        .post(&url)
        .header("referer", "http://ecmo.test/account/forgot")
        .form(&[("email", "a@a.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(referer.status(), 200);
    // Scripts without Origin may use the JSON API.
    assert_eq!(app.sign_in(&client, "a@a.test", "x").await, 401);
    app.stop().await;
}

#[tokio::test]
async fn malformed_input_gets_field_errors_never_a_500() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let client = app.browser();
    for body in [
        "",
        "[]",
        "{",
        "{\"email\": 5, \"password\": null}",
        "\"text\"",
    ] {
        let response = client
            .post(format!("{}/api/v1/session", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{body}");
    }
    // A forged or stale session cookie is no session, not an error.
    let forged = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.address))
        .header("cookie", "ecmo_session=not-a-session-id")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let page = reqwest::Client::new()
        .get(format!("{}/", app.address))
        .header("cookie", "ecmo_session=AAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let long = "a".repeat(300);
    let cases: &[&[(&str, &str)]] = &[
        &[
            ("email", "not-an-email"),
            ("name", "J"),
            ("phone", "abc"),
            ("hospital_id", "x"),
            ("password", "p"),
            ("password_confirm", "p"),
            ("language", "xx"),
        ],
        &[
            ("email", &long),
            ("name", &long),
            ("phone", ""),
            ("hospital_id", "999999"),
            ("password", GOOD_PASSWORD),
            ("password_confirm", GOOD_PASSWORD),
            ("language", "sl"),
        ],
        &[("email", "a@a.test")],
    ];
    for form in cases {
        let response = app.call(&client, "/api/account/register", form).await;
        let status = response.status().as_u16();
        assert!(status == 422 || status == 400, "{status} for {form:?}");
    }
    let response = app
        .call(
            &client,
            "/api/account/register",
            &[
                ("email", "not-an-email"),
                ("name", "J"),
                ("phone", "abc"),
                ("hospital_id", ""),
                ("password", "p"),
                ("password_confirm", "p"),
                ("language", "sl"),
            ],
        )
        .await;
    let body = response.text().await.unwrap();
    for code in [
        "invalid_email",
        "too_short",
        "invalid_phone",
        "missing",
        "weak_password",
    ] {
        assert!(body.contains(code), "{code} in {body}");
    }
    app.stop().await;
}

#[test]
fn create_user_reads_the_password_from_stdin_and_refuses_bad_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecmo-referral-server"))
            .arg("create-user")
            .args(args)
            .env_clear()
            .env("ECMO_DATA_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = run(
        &[
            "--email",
            "admin@centre.test",
            "--name",
            "Prva Skrbnica",
            "--role",
            "admin",
        ],
        "password",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("password"), "{out}");
    let (code, out) = run(
        &[
            "--email",
            "r@a.test",
            "--name",
            "Napotni",
            "--role",
            "referrer",
            "--hospital",
            "Nobena bolnišnica",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("hospital"), "{out}");
    let (code, out) = run(
        &[
            "--email", "r@a.test", "--name", "Napotni", "--role", "referrer",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(1), "a referrer needs a hospital: {out}");
    let (code, out) = run(
        &[
            "--email",
            "r@a.test",
            "--name",
            "Napotni",
            "--role",
            "superuser",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(2), "clap refuses an unknown role: {out}");
    let (code, out) = run(
        &[
            "--email",
            "Admin@Centre.test",
            "--name",
            "Prva Skrbnica",
            "--role",
            "admin,ecmo_clinician",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("admin@centre.test"));
    assert!(!out.contains(GOOD_PASSWORD));
    let (code, out) = run(
        &[
            "--email",
            "r@a.test",
            "--name",
            "Napotni",
            "--role",
            "referrer",
            "--hospital",
            "sb celje",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(
        &[
            "--email",
            "admin@centre.test",
            "--name",
            "Spet",
            "--role",
            "admin",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("already has an account"), "{out}");
}

/// A flood of sign-ins takes turns at the password check without holding database
/// connections: every answer is a refusal (401) or "busy, come back" (503 with
/// Retry-After), never a 500, and a referral sent meanwhile is stored at once.
#[tokio::test]
async fn a_sign_in_flood_neither_fails_nor_starves_referrals() {
    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[("ECMO_LOGIN_ADDRESS_BURST", "10000")],
    )
    .await;
    app.create_user("ref.flood@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let referrer = app.browser();
    assert_eq!(
        app.sign_in(&referrer, "ref.flood@a.test", GOOD_PASSWORD)
            .await,
        200
    );

    let flood: Vec<_> = (0..120)
        .map(|i| {
            let (client, address) = (app.client.clone(), app.address.clone());
            tokio::spawn(async move {
                let response = client
                    .post(format!("{address}/api/v1/session"))
                    .json(&serde_json::json!({"email": format!("nobody{i}@flood.test"), "password": "not the password"}))
                    .send()
                    .await
                    .unwrap();
                let retry = response.headers().get("retry-after").is_some();
                (response.status().as_u16(), retry)
            })
        })
        .collect();
    // While the flood is being checked, an ECPR alert goes through.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let body = crate::referrals::ecpr_alert();
    let sent = crate::referrals::submit(&app, &referrer, "key-flood-ecpr-1", &body).await;
    assert_eq!(sent.status(), 201);
    let still_checking = flood.iter().filter(|f| !f.is_finished()).count();
    let mut busy = 0;
    for answer in flood {
        let (status, retry) = answer.await.unwrap();
        assert!(status == 401 || status == 503, "{status}");
        if status == 503 {
            assert!(retry, "503 without Retry-After");
            busy += 1;
        }
    }
    assert!(
        still_checking > 0,
        "the flood was over before the alert was sent"
    );
    eprintln!("{busy} of 120 sign-ins were told to come back");
    app.stop().await;
}

/// A flood of password-reset requests for one account sends one mail: the rest are
/// answered the same, silently, and queue nothing that could stand before an alert.
#[tokio::test]
async fn reset_requests_for_one_account_send_one_mail_per_quarter_hour() {
    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[("ECMO_LOGIN_ADDRESS_BURST", "10000")],
    )
    .await;
    app.create_user("ana.flood@a.test", &["ecmo_clinician"], None)
        .await;
    let client = app.browser();
    for _ in 0..20 {
        let response = app
            .call(
                &client,
                "/api/account/forgot",
                &[("email", "ana.flood@a.test")],
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(
        app.mail_count("ana.flood@a.test", "account_password_reset")
            .await,
        1
    );
    app.stop().await;
}

/// A stranger's wrong passwords lock a named clinician's account against other browsers,
/// but not against the browser the clinician signed in from before (a trusted-device
/// cookie); that browser's own mistakes do not add to the lock.
#[tokio::test]
async fn a_stranger_cannot_lock_a_clinician_out_of_their_own_device() {
    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[("ECMO_LOGIN_ADDRESS_BURST", "10000")],
    )
    .await;
    app.create_user("ana.device@a.test", &["ecmo_clinician"], None)
        .await;
    let own = app.browser();
    assert_eq!(
        app.sign_in(&own, "ana.device@a.test", GOOD_PASSWORD).await,
        200
    );
    let stranger = app.browser();
    for _ in 1..=10 {
        app.sign_in(&stranger, "ana.device@a.test", "guess").await;
    }
    assert_eq!(
        app.sign_in(&stranger, "ana.device@a.test", GOOD_PASSWORD)
            .await,
        429
    );
    assert_eq!(
        app.sign_in(&app.browser(), "ana.device@a.test", GOOD_PASSWORD)
            .await,
        429
    );
    // The clinician's own browser: a typo is an ordinary refusal, the password signs in.
    assert_eq!(app.sign_in(&own, "ana.device@a.test", "typo").await, 401);
    assert_eq!(
        app.sign_in(&own, "ana.device@a.test", GOOD_PASSWORD).await,
        200
    );
    // A made-up device cookie is not trusted.
    let forged = || async {
        app.browser()
            .post(format!("{}/api/v1/session", app.address))
            .header(
                "cookie",
                "ecmo_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            )
            .json(&serde_json::json!({"email": "ana.device@a.test", "password": GOOD_PASSWORD}))
            .send()
            .await
            .unwrap()
    };
    // The lock was cleared by the trusted sign-in above, so lock it again first.
    assert_eq!(forged().await.status(), 200);
    for _ in 1..=10 {
        app.sign_in(&stranger, "ana.device@a.test", "guess").await;
    }
    let response = forged().await;
    assert_eq!(response.status(), 429);
    assert_eq!(
        app.sign_in(&own, "ana.device@a.test", GOOD_PASSWORD).await,
        200
    );
    app.stop().await;
}

/// A referrer typing into a draft is never signed out for idleness: every autosave moves
/// the idle deadline, and only a session left alone past it ends. The idle timeout is
/// seconds here instead of the installation's two hours; the rule is the same.
#[tokio::test]
async fn autosave_moves_the_idle_deadline() {
    let idle = Duration::from_secs(4);
    let app = spawn_app_tuned(DbKind::Sqlite, |s| s.accounts.session_idle = idle).await;
    app.create_user("ana@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let client = app.browser();
    assert_eq!(app.sign_in(&client, "ana@a.test", GOOD_PASSWORD).await, 200);
    let draft = app
        .call(&client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await
        .text()
        .await
        .unwrap();
    // Typing for three times the idle timeout, saved every 1.5 s.
    let started = std::time::Instant::now();
    let mut saves = 0;
    while started.elapsed() < idle * 3 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        saves += 1;
        let form = format!(r#"{{"age_years":["{}"]}}"#, 40 + saves);
        let saved = app
            .call(
                &client,
                "/api/referrals/draft-autosave",
                &[("id", &draft), ("step", "0"), ("form", &form)],
            )
            .await;
        assert_eq!(
            saved.status(),
            200,
            "autosave {saves} after {:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.me(&client).await.status(), 200, "still signed in");
    // Left alone past the deadline: signed out.
    tokio::time::sleep(idle + Duration::from_secs(1)).await;
    assert_eq!(
        app.me(&client).await.status(),
        401,
        "idle past the deadline"
    );
    app.stop().await;
}
