//! The JSON API under `/api/v1`.
pub mod accounts;
pub mod error;
pub mod openapi;
pub mod referrals;
pub mod scores;
pub mod workspace;

use crate::state::AppState;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use http::Method;

/// Every API endpoint: path, methods and handler, in one table that both builds the
/// router and lists the routes for the access-control test.
fn endpoints() -> Vec<(&'static str, Vec<Method>, MethodRouter<AppState>)> {
    vec![
        (
            "/api/v1/openapi.json",
            vec![Method::GET],
            get(openapi::serve),
        ),
        (
            "/api/v1/scores/{score}",
            vec![Method::POST],
            post(scores::calculate),
        ),
        (
            "/api/v1/hospitals",
            vec![Method::GET],
            get(accounts::hospitals),
        ),
        (
            "/api/v1/session",
            vec![Method::POST, Method::DELETE],
            post(accounts::sign_in).delete(accounts::sign_out),
        ),
        ("/api/v1/me", vec![Method::GET], get(accounts::me)),
        (
            "/api/v1/referrals",
            vec![Method::GET, Method::POST],
            get(referrals::list).post(referrals::submit),
        ),
        (
            "/api/v1/referrals/{id}",
            vec![Method::GET],
            get(referrals::get),
        ),
        (
            "/api/v1/referrals/{id}/updates",
            vec![Method::POST],
            post(referrals::add_update),
        ),
        (
            "/api/v1/referrals/{id}/messages",
            vec![Method::POST],
            post(referrals::post_message),
        ),
        (
            "/api/v1/referrals/{id}/transitions",
            vec![Method::POST],
            post(workspace::transition),
        ),
        (
            "/api/v1/queue/events",
            vec![Method::GET],
            get(workspace::events),
        ),
        (
            "/api/v1/referrals/{id}/events",
            vec![Method::GET],
            get(workspace::referral_events),
        ),
    ]
}

pub fn routes() -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |router, (path, _, handler)| {
            router.route(path, handler)
        })
}

pub fn route_list() -> Vec<(Method, String)> {
    endpoints()
        .into_iter()
        .flat_map(|(path, methods, _)| methods.into_iter().map(move |m| (m, path.to_owned())))
        .collect()
}
