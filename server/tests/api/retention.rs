//! Retention: unsent drafts past their days are deleted by the server (at start-up and
//! every hour), sent drafts and recent ones stay, and each purge is one audit event with
//! the count. Administrators see the policy.
use crate::checklist::signed_in_referrer;
use crate::helpers::*;
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::triage::Pathway;
use serde_json::Value;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

async fn start_draft(app: &TestApp, client: &reqwest::Client) -> i64 {
    let started = app
        .call(client, "/api/referrals/draft-start", &[("pathway", "vv")])
        .await;
    assert_eq!(started.status(), 200);
    started.text().await.unwrap().trim().parse().unwrap()
}

async fn drafts(app: &TestApp) -> Vec<i64> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM referral_drafts ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

async fn unsent_drafts_are_deleted_after_their_days(kind: DbKind) {
    let app = spawn_app(kind, None, &[]).await;
    let client = signed_in_referrer(&app, "ref.a@a.test", "SB Celje").await;
    let (old, fresh, discarded, sent) = (
        start_draft(&app, &client).await,
        start_draft(&app, &client).await,
        start_draft(&app, &client).await,
        start_draft(&app, &client).await,
    );
    let response =
        crate::referrals::submit(&app, &client, "key-retention-0001", &example(Pathway::Vv)).await;
    assert_eq!(response.status(), 201);
    let referral = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let long_ago = ecmo_referral_app::ssr::time::now_ms() - 31 * DAY_MS;
    for (id, submitted, discarded_at) in [
        (old, None, None),
        (discarded, None, Some(long_ago)),
        (sent, Some(referral), None),
    ] {
        sqlx::query(
            "UPDATE referral_drafts SET updated_at = $1, submitted_referral_id = $2, discarded_at = $3 WHERE id = $4",
        )
        .bind(long_ago)
        .bind(submitted)
        .bind(discarded_at)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }

    // A second instance with the policy set purges at start-up.
    let purging = spawn_app_on(
        &app.database_url,
        &app.data_dir,
        None,
        &[("ECMO_RETENTION_DRAFT_DAYS", "30")],
    )
    .await;
    wait_until(Duration::from_secs(10), || async {
        drafts(&app).await == vec![fresh, sent]
    })
    .await;
    let events: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_events WHERE action = 'drafts_purged'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let detail: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(detail["count"], 2);
    assert_eq!(detail["older_than_days"], 30);
    assert!(
        !events[0].1.contains("patient"),
        "counts only, never contents"
    );
    // Nothing left to purge: no second event.
    let again = ecmo_referral_app::ssr::retention::purge_drafts(
        &app.db,
        ecmo_referral_app::ssr::time::now_ms(),
        30,
    )
    .await
    .unwrap();
    assert_eq!(again, 0);
    assert_eq!(drafts(&app).await, vec![fresh, sent]);

    // Administrators see the policy and the next run; others may not ask.
    app.create_user("admin@centre.test", &["admin"], None).await;
    let admin = purging.browser();
    assert_eq!(
        purging
            .sign_in(&admin, "admin@centre.test", GOOD_PASSWORD)
            .await,
        200
    );
    let policy: Value = purging
        .call(&admin, "/api/admin/retention", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["draft_days"], 30, "{policy}");
    assert!(policy["next_run_local"].is_string(), "{policy}");
    let referrer = purging.browser();
    assert_eq!(
        purging
            .sign_in(&referrer, "ref.a@a.test", GOOD_PASSWORD)
            .await,
        200
    );
    assert_eq!(
        purging
            .call(&referrer, "/api/admin/retention", &[])
            .await
            .status(),
        403
    );
    let page = purging
        .page(&admin, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"retention-drafts\""), "{page}");
    purging.stop().await;
    app.stop().await;
}

crate::on_both_databases!(unsent_drafts_are_deleted_after_their_days);
