//! What every handler can reach.
use crate::config::Settings;
use crate::mail::WorkerHealth;
use axum::extract::FromRef;
use ecmo_referral_app::domain::rules::RuleSet;
use ecmo_referral_app::site::SiteInfo;
use ecmo_referral_app::ssr::accounts::service::Accounts;
use ecmo_referral_app::ssr::db::Db;
use ecmo_referral_app::ssr::referrals::Referrals;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub site: SiteInfo,
    pub settings: Arc<Settings>,
    pub mail_health: WorkerHealth,
    pub worker_stale_after: Duration,
    /// The clinical rule set in force (the embedded default or the centre's file).
    pub rules: Arc<RuleSet>,
    pub accounts: Accounts,
    pub referrals: Referrals,
    /// The session store, for live streams that re-read their session while open.
    pub sessions: Arc<ecmo_referral_app::ssr::session::SessionDb>,
    /// The browser bundle and the version pages name it by.
    pub assets: Arc<crate::assets::Assets>,
    /// Idempotency keys of API submissions being processed by this instance.
    pub keys_in_flight: crate::api::referrals::KeysInFlight,
    /// What is deleted when, and when the purge runs next.
    pub retention: ecmo_referral_app::ssr::retention::Retention,
}
