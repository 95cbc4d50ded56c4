//! The external REST API, compatible with the reference product's execution API.

mod audiences;
mod auth;
mod campaigns;
mod dto;
pub mod error;
mod executions;
mod json;
mod messages;
mod namespaces;
pub mod openapi;
pub(crate) mod profiles;
mod reports;
mod retention;
mod sandbox;
mod suppressions;
mod surfaces;
mod webhooks;

use crate::rate_limit::KeyedLimiter;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{any, get, post};
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
            "/ajo/im/executions/audience",
            post(executions::trigger_audience),
        )
        .route(
            "/ajo/im/executions/audience/{execution_id}",
            get(executions::audience_status),
        )
        .route(
            "/ajo/im/executions/schedules/{schedule_id}",
            get(executions::get_schedule).delete(executions::delete_schedule),
        )
        .route(
            "/ajo/im/executions/highthroughput",
            post(executions::trigger_high_throughput),
        )
        .route(
            "/ajo/im/executions/unitary/{execution_id}",
            get(executions::execution_status),
        )
        .route("/ajo/im/health", get(executions::health))
        .route(
            "/api/v1/campaigns",
            get(campaigns::list_campaigns).post(campaigns::create_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}",
            get(campaigns::get_campaign)
                .put(campaigns::update_campaign)
                .delete(campaigns::delete_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}/activate",
            post(campaigns::activate_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}/stop",
            post(campaigns::stop_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}/archive",
            post(campaigns::archive_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}/duplicate",
            post(campaigns::duplicate_campaign),
        )
        .route(
            "/api/v1/campaigns/{campaign_id}/report",
            get(reports::campaign_report),
        )
        .route("/api/v1/reports", get(reports::sandbox_report))
        .route(
            "/api/v1/profiles/{namespace}/{identity}",
            get(profiles::get_profile)
                .put(profiles::put_profile)
                .delete(profiles::delete_profile),
        )
        .route("/api/v1/profile-imports", get(profiles::list_imports))
        .route(
            "/api/v1/profile-imports/{import_id}",
            get(profiles::get_import),
        )
        .route(
            "/api/v1/profile-imports/{import_id}/errors",
            get(profiles::import_errors),
        )
        .route("/api/v1/messages", get(messages::find_messages))
        .route("/api/v1/messages/{message_id}", get(messages::get_message))
        .route("/api/v1/suppressions", get(suppressions::list_suppressions))
        .route(
            "/api/v1/suppressions/{channel}/{address}",
            axum::routing::delete(suppressions::lift_suppression),
        )
        .route("/api/v1/opt-outs", get(suppressions::list_opt_outs))
        .route(
            "/api/v1/opt-outs/{channel}/{address}",
            axum::routing::delete(suppressions::lift_opt_out),
        )
        .route(
            "/api/v1/surfaces",
            get(surfaces::list_surfaces).post(surfaces::create_surface),
        )
        .route(
            "/api/v1/surfaces/{surface_id}",
            get(surfaces::get_surface)
                .put(surfaces::update_surface)
                .delete(surfaces::delete_surface),
        )
        .route(
            "/api/v1/surfaces/{surface_id}/verify",
            post(surfaces::verify_surface),
        )
        .route(
            "/api/v1/namespaces",
            get(namespaces::list_namespaces).post(namespaces::create_namespace),
        )
        .route(
            "/api/v1/namespaces/{name}",
            axum::routing::delete(namespaces::delete_namespace),
        )
        .route(
            "/api/v1/audiences",
            get(audiences::list_audiences).post(audiences::create_audience),
        )
        .route("/api/v1/audiences/count", post(audiences::count_rule))
        .route(
            "/api/v1/audiences/{audience_id}",
            get(audiences::get_audience)
                .put(audiences::update_audience)
                .delete(audiences::delete_audience),
        )
        .route(
            "/api/v1/audiences/{audience_id}/members",
            post(audiences::add_members),
        )
        .route(
            "/api/v1/audiences/{audience_id}/members/remove",
            post(audiences::remove_members),
        )
        .route(
            "/api/v1/audience-sends/{execution_id}/cancel",
            post(audiences::cancel_send),
        )
        .route(
            "/api/v1/audiences/{audience_id}/count",
            get(audiences::count_audience),
        )
        .route("/api/v1/audit", get(sandbox::get_audit))
        .route(
            "/api/v1/sandbox",
            get(sandbox::get_sandbox).put(sandbox::put_sandbox),
        )
        .route(
            "/api/v1/retention",
            get(retention::get_retention).put(retention::put_retention),
        )
        .route(
            "/api/v1/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}",
            axum::routing::delete(webhooks::delete_webhook),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries",
            get(webhooks::webhook_deliveries),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/rotate-secret",
            post(webhooks::rotate_webhook_secret),
        )
        .route("/openapi.json", get(openapi_json))
        // Anything else under the API's prefixes answers in the API's error shape, never with
        // the browser UI's sign-in page.
        .route("/ajo/{*path}", any(unknown_endpoint))
        .route("/api/{*path}", any(unknown_endpoint))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admins_first,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .with_state(state.clone())
        .merge(transfers(state))
}

/// Profile files take as long as they do: no overall timeout (a stalled upload is cut by the
/// import itself; an export's CSV columns take a first pass over the profiles before its first
/// byte), and bodies are streamed, never held whole.
fn transfers(state: RestState) -> Router {
    Router::new()
        .route("/api/v1/profiles/import", post(profiles::import_profiles))
        .route("/api/v1/profiles/export", get(profiles::export_profiles))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// The management API authenticates (an admin key) before anything reads the body.
async fn admins_first(
    axum::extract::State(state): axum::extract::State<RestState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;
    if !request.uri().path().starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // The caller is kept in the request's extensions: the handler's extractor reuses it.
    if let Err(e) = auth::AdminCaller::from_request_parts(&mut parts, &state).await {
        return e.into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// A query string as its typed input; an unreadable one is `invalid_query`.
pub(super) fn parse_query<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
) -> Result<T, error::ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or_default()).map_err(|e| {
        backend::Error::from(domain::ValidationError::single(
            "invalid_query",
            "query",
            e.to_string(),
        ))
        .into()
    })
}

async fn openapi_json() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi::document(),
    )
}

async fn unknown_endpoint() -> error::ApiError {
    backend::error::Error::not_found(
        "endpoint_not_found",
        "No endpoint of Herald's API has this path. The API is described at /openapi.json.",
    )
    .into()
}

async fn method_not_allowed() -> error::ApiError {
    backend::error::Error::new(
        backend::error::ErrorKind::MethodNotAllowed,
        "method_not_allowed",
        "This endpoint does not take this HTTP method. The API is described at /openapi.json.",
    )
    .into()
}
