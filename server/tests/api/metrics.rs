//! `/metrics`: Prometheus text that a Prometheus parser reads, with requests by route
//! template, the outbox by lane, alert latency to the SMTP server, refused sign-ins and the
//! pool; refused to clients outside `ECMO_METRICS_ALLOW` without the token.
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// One sample as the Prometheus client library for Python reads it.
#[derive(Debug, serde::Deserialize)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

impl Sample {
    fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

/// Parses the text with `prometheus_client.parser` (the Prometheus project's parser for
/// Python, installed in `end2end/.venv` by the test command); a text it refuses fails.
fn parse(text: &str) -> Vec<Sample> {
    use std::io::Write;
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/.venv/bin/python");
    let script = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        for family in text_string_to_metric_families(sys.stdin.read()):\n\
        \x20   for s in family.samples:\n\
        \x20       print(json.dumps({'name': s.name, 'labels': s.labels, 'value': s.value}))\n";
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("end2end/.venv/bin/python: run scripts/install-tools.sh --test first");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "not Prometheus text: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one sample per line"))
        .collect()
}

fn samples<'a>(scrape: &'a [Sample], name: &str) -> Vec<&'a Sample> {
    scrape.iter().filter(|s| s.name == name).collect()
}

async fn the_figures_are_read_by_a_prometheus_parser(kind: DbKind) {
    let sink = MailSink::start();
    let app = spawn_app(
        kind,
        Some(sink.url()),
        &[("ECMO_TEAM_EMAIL", "ecmo-team@centre.test")],
    )
    .await;
    app.create_user("ref.a@a.test", &["referrer"], Some("SB Celje"))
        .await;
    let referrer = app.browser();
    assert_eq!(
        app.sign_in(&referrer, "ref.a@a.test", "not the password")
            .await,
        401
    );
    assert_eq!(
        app.sign_in(&referrer, "ref.a@a.test", GOOD_PASSWORD).await,
        200
    );
    let response =
        crate::referrals::submit(&app, &referrer, "key-metrics-0001", &example(Pathway::Vv)).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"].clone();
    let page = referrer
        .get(format!("{}/api/v1/referrals/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    sink.wait_for(1, Duration::from_secs(20)).await;
    // The worker records the delivery after the SMTP server has it.
    wait_until(Duration::from_secs(10), || async {
        let text = scrape(&app, None).await.1;
        samples(&parse(&text), "ecmo_mail_commit_to_smtp_seconds_count")
            .iter()
            .any(|s| s.label("lane") == Some("alert") && s.value >= 1.0)
    })
    .await;

    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, 200);
    let scrape = parse(&text);

    let requests = samples(&scrape, "ecmo_http_requests_total");
    let routes: Vec<&str> = requests.iter().filter_map(|s| s.label("route")).collect();
    assert!(
        routes.contains(&"/api/v1/referrals/{id}"),
        "a referral's route by its template: {routes:?}"
    );
    assert!(
        routes
            .iter()
            .all(|r| !r.split('/').any(|part| part.parse::<i64>().is_ok())),
        "no id in a route label: {routes:?}"
    );
    assert!(requests.iter().any(|s| {
        s.label("route") == Some("/api/v1/referrals")
            && s.label("method") == Some("POST")
            && s.label("status") == Some("201")
    }));
    assert!(
        !samples(&scrape, "ecmo_http_request_duration_seconds_count").is_empty(),
        "latency histograms"
    );
    assert!(samples(&scrape, "ecmo_sign_in_failures_total")
        .iter()
        .any(|s| s.value >= 1.0));
    let pending = samples(&scrape, "ecmo_outbox_pending");
    for lane in ["alert", "clinical", "account"] {
        assert!(
            pending.iter().any(|s| s.label("lane") == Some(lane)),
            "backlog of the {lane} lane"
        );
        assert!(samples(&scrape, "ecmo_outbox_oldest_pending_seconds")
            .iter()
            .any(|s| s.label("lane") == Some(lane)));
    }
    assert!(samples(&scrape, "ecmo_db_pool_max")
        .iter()
        .any(|s| s.value >= 1.0));
    assert!(samples(&scrape, "ecmo_database_up")
        .iter()
        .any(|s| s.value == 1.0));
    assert!(
        !text.contains("ref.a@a.test") && !text.contains("SB Celje"),
        "no account or hospital in the figures"
    );
    app.stop().await;
}

crate::on_both_databases!(the_figures_are_read_by_a_prometheus_parser);

/// Outside the allowed addresses only the token opens the figures, and it is compared
/// whole; a token too short to be safe is a configuration error.
#[tokio::test]
async fn metrics_are_refused_outside_the_allowed_addresses_without_the_token() {
    let app = spawn_app(
        DbKind::Sqlite,
        None,
        &[
            ("ECMO_METRICS_ALLOW", "10.0.0.0/8, 192.0.2.7"),
            ("ECMO_METRICS_TOKEN", TOKEN),
        ],
    )
    .await;
    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, 403);
    assert!(text.contains("ECMO_METRICS_ALLOW"), "{text}");
    assert!(!text.contains("ecmo_http_requests_total"));
    assert_eq!(scrape(&app, Some(&TOKEN[..TOKEN.len() - 1])).await.0, 403);
    assert_eq!(scrape(&app, Some("x")).await.0, 403);
    let (status, text) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(!parse(&text).is_empty());
    app.stop().await;

    let short = ecmo_referral_server::config::Settings::from_lookup(|name| match name {
        "ECMO_METRICS_TOKEN" => Some("short".into()),
        "ECMO_DEMO" => Some("1".into()),
        _ => None,
    });
    assert_eq!(short.unwrap_err().variable, "ECMO_METRICS_TOKEN");
    let bad = ecmo_referral_server::config::Settings::from_lookup(|name| match name {
        "ECMO_METRICS_ALLOW" => Some("everyone".into()),
        "ECMO_DEMO" => Some("1".into()),
        _ => None,
    });
    assert_eq!(bad.unwrap_err().variable, "ECMO_METRICS_ALLOW");
}
