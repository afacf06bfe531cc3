//! Fills a database with a history of referrals for the workspace benchmark (not a test):
//!
//!     cargo run --release -p ecmo-referral-server --example seed_referrals -- <database url> <count>
//!
//! The referrals are the OpenAPI examples (VV, VA and ECPR in turn), checked and evaluated
//! by the application's own rules, spread over the two years before now with the instants
//! the quality figures read (acknowledged, decided, team departure) and one timeline event
//! each. All but the newest 40 have been decided and closed; those 40 stand in the queue in
//! its open states. Every referral comes from the referrer account given by email in
//! `SEED_REFERRER_EMAIL` (default `bench@sb-celje.si`), which must exist.
use ecmo_referral_app::domain::checklist::example;
use ecmo_referral_app::domain::referral::{self, pathway_code};
use ecmo_referral_app::domain::rules::RuleSet;
use ecmo_referral_app::domain::triage::Pathway;
use ecmo_referral_app::domain::workflow as wf;
use ecmo_referral_app::ssr::referrals::{ReferralConfig, Referrals};
use ecmo_referral_app::ssr::time::now_ms;
use serde_json::json;
use std::sync::Arc;

const MINUTE: i64 = 60_000;
const OPEN_STATES: &[wf::Status] = &[
    wf::Status::Submitted,
    wf::Status::Acknowledged,
    wf::Status::UnderConsultation,
    wf::Status::InfoRequested,
    wf::Status::DeferredReassess,
    wf::Status::AcceptedTransfer,
    wf::Status::AcceptedMobileTeam,
    wf::Status::TeamDispatched,
];
const DECIDED: &[wf::Status] = &[
    wf::Status::AcceptedTransfer,
    wf::Status::AcceptedMobileTeam,
    wf::Status::DeclinedWithAdvice,
    wf::Status::DeclinedContraindicated,
    wf::Status::DeferredReassess,
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: seed_referrals <database url> <count>"))?;
    let count: i64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let referrer =
        std::env::var("SEED_REFERRER_EMAIL").unwrap_or_else(|_| "bench@sb-celje.si".into());
    let db = ecmo_referral_server::db::open(&url).await?;
    let (user_id, hospital_id): (i64, i64) =
        sqlx::query_as("SELECT id, hospital_id FROM users WHERE email = $1")
            .bind(&referrer)
            .fetch_one(&db.pool)
            .await?;
    let hospitals: Vec<(i64,)> = sqlx::query_as("SELECT id FROM hospitals ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let service = Referrals {
        db: db.clone(),
        rules: Arc::new(RuleSet::embedded().clone()),
        config: Arc::new(ReferralConfig {
            public_url: String::new(),
            message_id_domain: "bench.test".into(),
            team_email: None,
            timeouts: Default::default(),
            outbox_signal: None,
        }),
        clock: Default::default(),
        changes: Default::default(),
        views: Default::default(),
        read_caches: Default::default(),
    };
    let now = now_ms();
    // One prepared referral per pathway: what the rules make of the OpenAPI examples.
    let mut prepared = Vec::new();
    for pathway in [Pathway::Vv, Pathway::Va, Pathway::Ecpr] {
        let body = match pathway {
            Pathway::Ecpr => json!({
                "pathway": "ecpr", "callback_phone": "+386 41 123 456", "location": "NMP Celje",
                "age_years": 50, "minutes_since_collapse": 15, "collapse": "witnessed_bystander_cpr",
                "initial_rhythm": "vf_pvt", "eta_min": 20, "known": []
            }),
            other => example(other),
        };
        let p = service
            .prepare(&body, now)
            .map_err(|e| anyhow::anyhow!("example refused: {e:?}"))?;
        prepared.push((
            p.pathway,
            serde_json::to_string(&p.data)?,
            serde_json::to_string(&p.evaluation)?,
            p.evaluation.rule_set_version.clone(),
            referral::urgency(p.pathway, p.evaluation.scai.map(|s| s.stage)),
            p.target,
        ));
    }
    let span = 730 * 24 * 60 * MINUTE;
    let mut tx = db.pool.begin().await?;
    let (start,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM referrals")
        .fetch_one(&mut *tx)
        .await?;
    for i in 0..count {
        let n = start + i + 1;
        let (pathway, data, evaluation, version, urgency, target) = &prepared[(i % 3) as usize];
        let open = i >= count - 40;
        let submitted = if open {
            now - (count - i) * 3 * MINUTE
        } else {
            now - span + span * i / count
        };
        let spread = (n * 7919) % 97;
        let ack = submitted + (1 + spread % 25) * MINUTE;
        let decided = ack + (5 + spread % 60) * MINUTE;
        let (status, decision) = if open {
            let state = OPEN_STATES[(i as usize) % OPEN_STATES.len()];
            (state, DECIDED.contains(&state).then_some(state))
        } else if *pathway == Pathway::Ecpr {
            let d = if spread % 3 == 0 {
                wf::Status::DeclinedEcpr
            } else {
                wf::Status::AcceptedEcpr
            };
            (wf::Status::Closed, Some(d))
        } else {
            (
                wf::Status::Closed,
                Some(DECIDED[(spread as usize) % DECIDED.len()]),
            )
        };
        let acknowledged = (status != wf::Status::Submitted).then_some(ack);
        let decided_at = decision.map(|_| decided);
        let departed = (decision == Some(wf::Status::AcceptedMobileTeam)
            && status != wf::Status::AcceptedMobileTeam)
            .then_some(decided + (10 + spread % 40) * MINUTE);
        let hospital = if n % 4 == 0 {
            hospital_id
        } else {
            hospitals[(n as usize) % hospitals.len()].0
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO referrals (reference, pathway, status, hospital_id, created_by, idempotency_key, data, \
             evaluation, rule_set_version, acknowledge_target_min, decision_target_min, submitted_at, updated_at, \
             urgency, acknowledged_at, decided_at, decision, departed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(format!("SEED-{n:06}"))
        .bind(pathway_code(*pathway))
        .bind(status.as_str())
        .bind(hospital)
        .bind(user_id)
        .bind(format!("seed-{n:012}"))
        .bind(data)
        .bind(evaluation)
        .bind(version)
        .bind(i64::from(target.acknowledge_min))
        .bind(i64::from(target.decision_min))
        .bind(submitted)
        .bind(urgency)
        .bind(acknowledged)
        .bind(decided_at)
        .bind(decision.map(wf::Status::as_str))
        .bind(departed)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO referral_events (referral_id, at, actor_user_id, kind, status, detail) \
             VALUES ($1, $2, $3, 'submitted', $4, '{}')",
        )
        .bind(id)
        .bind(submitted)
        .bind(user_id)
        .bind(if *pathway == Pathway::Ecpr {
            wf::Status::EcprAlert.as_str()
        } else {
            wf::Status::Submitted.as_str()
        })
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO referral_escalations (referral_id, level, next_at, acknowledged_at) VALUES ($1, $2, NULL, $3)",
        )
        .bind(id)
        .bind(i64::from(spread % 10 == 0))
        .bind(acknowledged)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    println!("{count} referrals added ({} open)", count.min(40));
    Ok(())
}
