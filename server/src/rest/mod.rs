//! The external REST API, compatible with the reference product's execution API.

mod auth;
pub mod error;
mod executions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use backend::Herald;

pub fn router(herald: Herald) -> Router {
    let max_body = herald.settings().max_body_bytes;
    Router::new()
        .route(
            "/ajo/im/executions/unitary",
            post(executions::trigger_unitary),
        )
        .route("/ajo/im/health", get(executions::health))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(herald)
}
