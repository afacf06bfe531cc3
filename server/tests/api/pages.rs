use crate::helpers::*;
use std::time::Duration;

#[tokio::test]
async fn home_page_shows_the_centre_phone_and_a_nonce_csp() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"href="tel:+38615550100""#),
        "the phone is a tel: link"
    );
    assert!(html.contains("+386 1 555 0100"));
    // Nothing waits in an out-of-order chunk that only JavaScript would reveal (the one
    // template holds the framework's scripts, started only on a page with islands).
    assert_eq!(
        html.matches("<template").count(),
        html.matches(r#"<template id="island-scripts">"#).count(),
        "the page is complete without JavaScript"
    );
    // Every inline script with content carries the nonce named in the header (an empty
    // placeholder is never run, so CSP does not apply to it).
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce");
    let scripts = html.matches("<script").count() - html.matches("<script></script>").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_calculators_render_complete_without_javascript() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let query = "/calculators?score=murray&cxr_quadrants=4&pf_ratio=10%2C7&pf_ratio_unit=kpa&peep_cmh2o=15&compliance_ml_per_cmh2o=18";
    let response = app.get(query).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert_eq!(
        html.matches("<template").count(),
        html.matches(r#"<template id="island-scripts">"#).count(),
        "the page is complete without JavaScript"
    );
    // Attribute order is Leptos's business: find the figure after its test id.
    let figure = html
        .split(r#"data-testid="figure-murray""#)
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|text| text.split('<').next());
    assert_eq!(figure, Some("4.00"), "the server computed the score");
    assert!(html.contains("+386 1 555 0100"));
    app.stop().await;
}

#[tokio::test]
async fn each_page_gets_its_own_nonce() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let a = app.get("/").await.headers()["content-security-policy"].clone();
    let b = app.get("/").await.headers()["content-security-policy"].clone();
    assert_ne!(a, b);
    app.stop().await;
}

#[tokio::test]
async fn language_follows_cookie_and_defaults_to_slovene() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let sl = app.get("/").await.text().await.unwrap();
    assert!(sl.contains("Predstavite kandidata za ECMO zgodaj"));
    assert!(sl.contains(r#"lang="sl""#));

    let en = app
        .client
        .get(format!("{}/", app.address))
        .header("cookie", "i18n_pref_locale=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Present an ECMO candidate early"));
    assert!(en.contains(r#"lang="en""#));
    app.stop().await;
}

#[tokio::test]
async fn language_switch_sets_the_cookie_and_returns_to_the_page() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let response = app.get("/lang/en?next=/some/page").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/some/page");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("i18n_pref_locale=en;"), "{cookie}");

    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let response = app.get(&format!("/lang/sl?next={evil}")).await;
        assert_eq!(response.headers()["location"], "/", "{evil}");
    }
    assert_eq!(app.get("/lang/fr").await.status(), 404);
    // Every byte value, raw and percent-encoded: a redirect on this site, never a 500.
    for byte in 0u8..=255 {
        for next in [
            format!("/%{byte:02X}/evil.example"),
            format!("%{byte:02X}/x"),
        ] {
            let response = app.get(&format!("/lang/en?next={next}")).await;
            assert_eq!(response.status(), 303, "{next}");
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(
                location.starts_with('/')
                    && !location.starts_with("//")
                    && !location.contains(['\\', '\t', '\n', '\r']),
                "{next} -> {location:?}"
            );
        }
    }
    assert_eq!(
        app.get("/lang/en?next=/%09/evil.example").await.headers()["location"],
        "/"
    );
    app.stop().await;
}

/// Responses that depend on the session are never stored by the browser; the bundle and
/// the icon, the same for everyone, may be.
#[tokio::test]
async fn session_pages_are_not_cacheable_and_static_files_are() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let site_root = site.path().to_str().unwrap();
    let app = spawn_app(DbKind::Sqlite, None, &[("LEPTOS_SITE_ROOT", site_root)]).await;
    for path in [
        "/",
        "/calculators",
        "/login",
        "/api/v1/openapi.json",
        "/healthz",
        "/no-such-page",
    ] {
        let response = app.get(path).await;
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap().to_owned()),
            Some("no-store".to_owned()),
            "{path}"
        );
    }
    let icon = app.get("/favicon.svg").await;
    assert_eq!(icon.status(), 200);
    assert_ne!(
        icon.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_way_back() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Strani ni mogoče najti"));
    assert!(html.contains(r#"href="/""#));
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app(DbKind::Sqlite, None, &[("ECMO_MAX_BODY_BYTES", "4096")]).await;
    let response = app
        .client
        .post(format!("{}/api/v1/scores/murray", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 10_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_never_produce_a_500() {
    let app = spawn_app(DbKind::Sqlite, None, &[]).await;
    let probes = [
        ("POST", "/api/v1/scores/murray", "{{{"),
        ("POST", "/api/no_such_function", ""),
        ("GET", "/lang/%ff%fe", ""),
        ("GET", "/%00", ""),
        ("GET", "/pkg/../../Cargo.toml", ""),
    ];
    for (method, path, body) in probes {
        let response = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.address))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{method} {path} gave {}",
            response.status()
        );
    }
    app.stop().await;
}

/// Many pages rendered at once, for three roles, each come back whole — while other
/// servers start in the same process. The page head is written after the body; reading
/// reactive state that late panicked under concurrency (500). And starting a server lists
/// the app's routes by running it with data loading switched off process-wide; a page
/// rendering meanwhile waited for its data until the request timed out (408).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_whole_under_concurrent_requests() {
    let app = spawn_app(DbKind::Sqlite, None, &[("ECMO_REQUEST_TIMEOUT_SECS", "5")]).await;
    app.create_user("ref@a.test", &["referrer"], Some("SB Celje"))
        .await;
    app.create_user("doc@centre.test", &["ecmo_clinician"], None)
        .await;
    app.create_user("admin@centre.test", &["admin"], None).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let starter = tokio::spawn({
        let done = done.clone();
        async move {
            let mut started = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                spawn_app(DbKind::Sqlite, None, &[]).await.stop().await;
                started += 1;
            }
            started
        }
    });
    let mut workers = Vec::new();
    for (email, pages) in [
        ("ref@a.test", &["/", "/referrals", "/referrals/new"][..]),
        ("doc@centre.test", &["/queue", "/kpi", "/roster"][..]),
        (
            "admin@centre.test",
            &["/admin/users", "/notifications", "/"][..],
        ),
    ] {
        let client = app.browser();
        assert_eq!(app.sign_in(&client, email, GOOD_PASSWORD).await, 200);
        for page in pages {
            for _ in 0..2 {
                let (client, url) = (client.clone(), format!("{}{page}", app.address));
                workers.push(tokio::spawn(async move {
                    let mut failures = Vec::new();
                    for _ in 0..100 {
                        // A page streamed in chunks can stall after its headers, where the
                        // server's request timeout no longer applies.
                        let request = client.get(&url).timeout(Duration::from_secs(10));
                        let page = async {
                            let response = request.send().await?;
                            let status = response.status();
                            Ok::<_, reqwest::Error>((status, response.text().await?))
                        };
                        match page.await {
                            Ok((status, html)) if status == 200 && html.contains("</html>") => {}
                            Ok((status, html)) => {
                                failures.push(format!("{url}: {status}, {} bytes", html.len()))
                            }
                            Err(e) => failures.push(format!("{url}: {e}")),
                        }
                    }
                    failures
                }));
            }
        }
    }
    let mut failures = Vec::new();
    for worker in workers {
        failures.extend(worker.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let started = starter.await.unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(started >= 2, "servers started meanwhile: {started}");
    app.stop().await;
}

/// The browser bundle: pages name it by a digest of its contents, served compressed
/// (brotli or gzip, made at build time) and cached for a year; its plain names are
/// revalidated (304); another version, or a path out of the bundle's folder, is not found.
#[tokio::test]
async fn the_bundle_is_named_by_its_contents_and_cached_for_good() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let script = "export function hydrate() {}\n".repeat(50);
    std::fs::write(pkg.join("ecmo-referral.js"), &script).unwrap();
    std::fs::write(pkg.join("ecmo-referral.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("ecmo-referral.js.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("ecmo-referral.css"), "body { margin: 0 }").unwrap();
    let root = site.path().display().to_string();
    let app = spawn_app(DbKind::Sqlite, None, &[("LEPTOS_SITE_ROOT", &root)]).await;

    let html = app.get("/").await.text().await.unwrap();
    let start = html.find("/v/").expect("a versioned bundle path");
    let version: String = html[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(version.len(), 16, "{version}");
    assert!(html.contains(&format!("/v/{version}/pkg/ecmo-referral.css")));
    assert!(html.contains(&format!("/v/{version}/pkg/ecmo-referral.js")));

    let versioned = format!("{}/v/{version}/pkg/ecmo-referral.js", app.address);
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "brotli bytes".to_owned()),
        ("gzip", Some("gzip"), "gzip bytes".to_owned()),
        ("identity", None, script.clone()),
    ] {
        let response = app
            .client
            .get(&versioned)
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{accept}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(response.bytes().await.unwrap(), body.as_bytes(), "{accept}");
    }

    // By its plain name: revalidated, and unchanged is 304 without a body.
    let plain = format!("{}/pkg/ecmo-referral.css", app.address);
    let first = app.client.get(&plain).send().await.unwrap();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let modified = first.headers()["last-modified"].clone();
    let again = app
        .client
        .get(&plain)
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    for path in [
        "/v/0000000000000000/pkg/ecmo-referral.js".to_owned(),
        format!("/v/{version}/pkg/../../pkg/ecmo-referral.js"),
        format!("/v/{version}/pkg/%2e%2e/Cargo.toml"),
        "/pkg/..%2f..%2fCargo.toml".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_ne!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
    }
    app.stop().await;
}
