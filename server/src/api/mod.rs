//! The JSON API under `/api/v1`.
pub mod error;
pub mod scores;

use crate::state::AppState;
use axum::{routing::post, Router};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/scores/{score}", post(scores::calculate))
}
