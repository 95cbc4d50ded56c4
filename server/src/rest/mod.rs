//! The external REST API, compatible with the reference product's execution API.

mod audiences;
mod auth;
mod campaigns;
mod dto;
pub mod error;
mod executions;
mod fragments;
mod json;
mod messages;
mod namespaces;
pub mod openapi;
pub(crate) mod profiles;
mod reports;
mod retention;
mod sandbox;
mod saved_content;
mod suppressions;
mod surfaces;
mod versions;
mod webhooks;

use crate::rate_limit::KeyedLimiter;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{any, get};
use backend::Herald;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;

/// What the REST handlers share.
#[derive(Clone)]
pub struct RestState {
    pub herald: Herald,
    /// Trigger calls per API key.
    pub limiter: KeyedLimiter,
}

/// Every operation of the API, each declared once in its resource's module with its OpenAPI
/// operation; [`openapi::document`] is generated from the same routers.
pub(crate) fn operations() -> OpenApiRouter<RestState> {
    timed().merge(profiles::transfers())
}

/// The operations under the overall timeout: all but the profile files.
fn timed() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .merge(executions::routes())
        .merge(campaigns::routes())
        .merge(versions::routes())
        .merge(fragments::routes())
        .merge(saved_content::routes())
        .merge(reports::routes())
        .merge(profiles::routes())
        .merge(messages::routes())
        .merge(suppressions::routes())
        .merge(surfaces::routes())
        .merge(namespaces::routes())
        .merge(audiences::routes())
        .merge(sandbox::routes())
        .merge(retention::routes())
        .merge(webhooks::routes())
}

pub fn router(herald: Herald) -> Router {
    let max_body = herald.settings().max_body_bytes;
    let state = RestState {
        limiter: KeyedLimiter::per_second(herald.settings().api_rate_limit),
        herald,
    };
    let (timed, _) = timed().split_for_parts();
    // Profile files take as long as they do: no overall timeout (a stalled upload is cut by the
    // import itself; an export's CSV columns take a first pass over the profiles before its
    // first byte), and bodies are streamed, never held whole.
    let (transfers, _) = profiles::transfers().split_for_parts();
    timed
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
        .merge(
            transfers
                .method_not_allowed_fallback(method_not_allowed)
                .with_state(state),
        )
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
