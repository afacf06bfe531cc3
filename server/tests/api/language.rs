//! Every page a user can reach reads in the language chosen: a Slovene page shows no
//! English word of the interface, an English page no Slovene one, and neither an internal
//! code (a state, a mail kind, a score key, a variable name, an ISO timestamp). Referrers
//! never see the rules' ids (the centre's shorthand). The lists are kept here; a page that
//! shows one of them fails.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::{example, STEPS};
use ecmo_referral_app::domain::triage::Pathway;

/// English words of the interface that must not appear on a Slovene page (whole words).
const ENGLISH: &[&str] = &[
    "years", "ETA", "Submit", "Send", "Referral", "Queue", "Status", "Save", "Cancel", "Next",
    "Back", "unknown", "Unknown", "none", "None", "pending", "Sign in", "Sign out", "Hospital",
    "Missing", "minutes", "Print", "Profile", "viewed", "opened",
];

/// Slovene words of the interface that must not appear on an English page (whole words;
/// "Bolnišnica" is left out: it begins hospitals' names, which are data).
const SLOVENE: &[&str] = &[
    "Napotitev",
    "napotitev",
    "napotitve",
    "Pošlji",
    "Shrani",
    "Prekliči",
    "Naprej",
    "Nazaj",
    "Odjava",
    "Prijava",
    "Prijavite",
    "bolnišnica",
    "Stanje",
    "znano",
    "Zastavice",
    "Razpored",
    "Nič",
    "Čakalna",
    "bolnika",
    "Potrdi",
    "Osveži",
    "let",
    "Poslano",
    "ura",
    "dni",
    "Pot",
    "Odziv",
    "Manjkajoči",
    "podatki",
    "izmerjeno",
    "Kazalniki",
    "Dežurstva",
    "Uporabniki",
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

/// A rule id as the rule set writes them (`VV-EOL-2`, `VA-T1`, `ECPR-PHONE`); the
/// pathways' own names (`VV-ECMO`) are not ids.
fn rule_id(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|word| {
            ["VV-", "VA-", "ECPR-"].iter().any(|p| {
                word.strip_prefix(p)
                    .is_some_and(|rest| !rest.is_empty() && rest != "ECMO")
            })
        })
        .map(str::to_owned)
}

/// Rendering the checklist's pages needs the server's worker stack (see `runtime`).
#[test]
fn pages_show_only_their_language_and_no_codes() {
    runtime().block_on(scan_pages());
}

async fn scan_pages() {
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
    // A VA draft filled in to its review, so that every step and the decision support
    // are read as the referrer reads them.
    let draft = app
        .call(
            &referrer,
            "/api/referrals/draft-start",
            &[("pathway", "va")],
        )
        .await
        .text()
        .await
        .unwrap();
    for pairs in crate::checklist::step_forms(&example(Pathway::Va)) {
        let saved = crate::checklist::post_step(&app, &referrer, &draft, &pairs).await;
        assert_eq!(saved.status(), 303);
    }
    let centre = app.browser();
    assert_eq!(
        app.sign_in(&centre, "ecmo.lang@centre.test", GOOD_PASSWORD)
            .await,
        200
    );

    let (vv, ecpr) = (vv["id"].to_string(), ecpr["id"].to_string());
    let mut referrer_pages = vec![
        "/".to_owned(),
        "/calculators".into(),
        "/referrals".into(),
        "/referrals/new".into(),
        "/referrals/new/ecpr".into(),
        format!("/referrals/{vv}"),
        format!("/referrals/{ecpr}"),
        "/profile".into(),
    ];
    referrer_pages.extend((0..STEPS.len()).map(|i| format!("/referrals/drafts/{draft}?step={i}")));
    referrer_pages.push(format!("/referrals/drafts/{draft}?step=review"));
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
    let anonymous_pages = [
        "/".to_owned(),
        "/login".into(),
        "/register".into(),
        "/account/forgot".into(),
        "/calculators".into(),
    ];
    let mut found = Vec::new();
    for (lang, foreign) in [("sl", ENGLISH), ("en", SLOVENE)] {
        for (client, paths, is_referrer) in [
            (&anonymous, &anonymous_pages[..], false),
            (&referrer, &referrer_pages[..], true),
            (&centre, &centre_pages[..], false),
        ] {
            let chosen = client
                .get(format!("{}/lang/{lang}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(chosen.status(), 303);
            for path in paths {
                let raw = page(client, &app, path).await;
                let text = visible_text(&raw);
                for word in foreign.iter().chain(CODES) {
                    if whole_word(&text, word) {
                        found.push(format!("{lang} {path}: {word}"));
                    }
                }
                if iso_timestamp(&text) {
                    found.push(format!("{lang} {path}: an ISO timestamp"));
                }
                if is_referrer {
                    if let Some(id) = rule_id(&text) {
                        found.push(format!("{lang} {path}: rule id {id}"));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
    app.stop().await;
}

#[test]
fn a_rule_id_is_told_from_a_pathway_name() {
    assert_eq!(rule_id("Napotitev VV-ECMO, VA-ECMO"), None);
    assert_eq!(rule_id("ok VV-EOL-2 text").as_deref(), Some("VV-EOL-2"));
    assert_eq!(rule_id("(ECPR-PHONE)").as_deref(), Some("ECPR-PHONE"));
}

/// A copy of the language cookie scoped to a directory (written by an earlier version, or
/// by the i18n library while rendering) must not hold those pages in the old language.
#[test]
fn a_switch_of_language_reaches_every_directory() {
    runtime().block_on(async {
        let app = spawn_app(DbKind::Sqlite, None, &[]).await;
        let client = reqwest::Client::new();
        let response = client
            .get(format!("{}/account/forgot", app.address))
            .header("accept", "text/html")
            // As a browser sends them: the directory's copy first, the site-wide one last.
            .header("cookie", "i18n_pref_locale=sl; i18n_pref_locale=en")
            .send()
            .await
            .unwrap();
        let language_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .filter(|v| v.starts_with("i18n_pref_locale"))
            .collect();
        assert_eq!(language_cookies, Vec::<String>::new());
        let html = response.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\""), "{}", &html[..200]);
        app.stop().await;
    });
}
