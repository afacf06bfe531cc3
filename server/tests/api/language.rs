//! Every page a user can reach, in Slovene, reads as Slovene: no English word of the
//! interface and no internal code (a state, a mail kind, a score key, a variable name, an
//! ISO timestamp). The lists are kept here; a page that shows one of them fails.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;

/// English words of the interface that must not appear on a Slovene page (whole words).
const ENGLISH: &[&str] = &[
    "years", "ETA", "Submit", "Send", "Referral", "Queue", "Status", "Save", "Cancel", "Next",
    "Back", "unknown", "Unknown", "none", "None", "pending", "Sign in", "Sign out",
];

/// Codes that must never reach a user's screen.
const CODES: &[&str] = &[
    "referral_submitted",
    "referral_escalated",
    "roster_gap",
    "ventilation_start",
    "blood_pressure",
    "ECMO_TEAM_EMAIL",
    "murray",
    "resp_diagnosis",
    "SUBMITTED",
    "ACKNOWLEDGED",
    "IN_CONSULTATION",
    "§",
];

/// The text a person reads: tags, scripts and styles removed.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag = &rest[start..];
        let skip_to = ["script", "style"].iter().find_map(|name| {
            tag.get(1..=name.len())
                .filter(|t| t.eq_ignore_ascii_case(name))
                .map(|_| format!("</{name}>"))
        });
        rest = match skip_to {
            Some(close) => tag.find(&close).map_or("", |i| &tag[i + close.len()..]),
            None => tag.find('>').map_or("", |i| &tag[i + 1..]),
        };
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
}

fn whole_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
        boundary(before) && boundary(after)
    })
}

fn iso_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(16).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[13] == b':'
    })
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = app.page(client, path).await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

/// Rendering the checklist's pages needs the server's worker stack (see `runtime`).
#[test]
fn slovene_pages_show_no_english_and_no_codes() {
    runtime().block_on(scan_slovene_pages());
}

async fn scan_slovene_pages() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    app.create_user("ref.lang@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("ecmo.lang@centre.test", &["admin", "ecmo_clinician"], None)
        .await;
    let referrer = app.browser();
    assert_eq!(
        app.sign_in(&referrer, "ref.lang@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    let vv = crate::referrals::submit(
        &app,
        &referrer,
        "0b5f2a1c-lang-vv-0001",
        &example(Pathway::Vv),
    )
    .await;
    let vv: serde_json::Value = vv.json().await.unwrap();
    let ecpr = crate::referrals::submit(
        &app,
        &referrer,
        "0b5f2a1c-lang-ecpr-01",
        &crate::referrals::ecpr_alert(),
    )
    .await;
    let ecpr: serde_json::Value = ecpr.json().await.unwrap();
    let centre = app.browser();
    assert_eq!(
        app.sign_in(&centre, "ecmo.lang@centre.test", GOOD_PASSWORD)
            .await,
        200
    );

    let (vv, ecpr) = (vv["id"].to_string(), ecpr["id"].to_string());
    let referrer_pages = [
        "/".to_owned(),
        "/calculators".into(),
        "/referrals".into(),
        "/referrals/new".into(),
        "/referrals/new/ecpr".into(),
        format!("/referrals/{vv}"),
        format!("/referrals/{ecpr}"),
        "/profile".into(),
    ];
    let centre_pages = [
        "/queue".to_owned(),
        "/kpi".into(),
        "/roster".into(),
        "/notifications".into(),
        "/admin/users".into(),
        "/admin/hospitals".into(),
        format!("/referrals/{vv}"),
        format!("/referrals/{ecpr}"),
    ];
    let anonymous = app.browser();
    let mut found = Vec::new();
    for (client, paths) in [
        (
            &anonymous,
            &[
                "/".to_owned(),
                "/login".into(),
                "/register".into(),
                "/account/forgot".into(),
            ][..],
        ),
        (&referrer, &referrer_pages[..]),
        (&centre, &centre_pages[..]),
    ] {
        for path in paths {
            let text = visible_text(&page(client, &app, path).await);
            for word in ENGLISH.iter().chain(CODES) {
                if whole_word(&text, word) {
                    found.push(format!("{path}: {word}"));
                }
            }
            if iso_timestamp(&text) {
                found.push(format!("{path}: an ISO timestamp"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}
