//! The external REST API, compatible with the reference product's execution API.

mod auth;
pub mod error;
mod executions;

use crate::rate_limit::KeyedLimiter;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use backend::Herald;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

/// What the REST handlers share.
#[derive(Clone)]
pub struct RestState {
    pub herald: Herald,
    /// Trigger calls per API key.
    pub limiter: KeyedLimiter,
}

pub fn router(herald: Herald) -> Router {
    let max_body = herald.settings().max_body_bytes;
    let state = RestState {
        limiter: KeyedLimiter::per_second(herald.settings().api_rate_limit),
        herald,
    };
    Router::new()
        .route(
            "/ajo/im/executions/unitary",
            post(executions::trigger_unitary),
        )
        .route(
            "/ajo/im/executions/unitary/{execution_id}",
            get(executions::execution_status),
        )
        .route("/ajo/im/health", get(executions::health))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .with_state(state)
}
