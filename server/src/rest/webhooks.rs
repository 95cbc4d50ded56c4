//! `/api/v1/webhooks`: delivery feedback endpoints of the key's sandbox, for admin keys. The
//! signing secret is in the creation answer only.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, WebhookCreated, WebhookDeliveryList, WebhookList, WebhookSecret};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::webhook::WebhookInput;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(webhook_deliveries))
        .routes(routes!(rotate_webhook_secret))
}

/// The sandbox's webhooks, with how many events wait and how many failed for good.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "management",
    responses(
        (status = 200, body = WebhookList),
    ))]
pub async fn list_webhooks(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.herald.list_webhooks(&caller.sandbox.id).await?;
    Ok(Json(WebhookList { items }))
}

/// Registers an HTTPS endpoint for events about the sandbox's messages. The answer carries the
/// signing secret, never shown again: verify `Herald-Signature: t=…,v1=…` as
/// HMAC-SHA256(secret, "<t>.<body>") in hex.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "management", request_body = WebhookInput,
    responses(
        (status = 201, body = WebhookCreated),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn create_webhook(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<WebhookInput>,
) -> Result<Response, ApiError> {
    let registered = state.herald.register_webhook(&caller, &input).await?;
    let location = format!("/api/v1/webhooks/{}", registered.webhook.id);
    let body = WebhookCreated {
        webhook: registered.webhook,
        secret: registered.secret,
    };
    Ok(created(location, body))
}

/// Deletes a webhook; its pending events are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{webhookId}", tag = "management",
    params(("webhookId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete_webhook(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state.herald.delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's 50 newest deliveries with their status, attempts and the receiver's last answer.
#[utoipa::path(get, path = "/api/v1/webhooks/{webhookId}/deliveries", tag = "management",
    params(("webhookId" = String, Path)),
    responses(
        (status = 200, body = WebhookDeliveryList),
        (status = 404, body = ErrorBody),
    ))]
pub async fn webhook_deliveries(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<WebhookDeliveryList>, ApiError> {
    let items = state
        .herald
        .webhook_deliveries(&caller.sandbox.id, &id)
        .await?;
    Ok(Json(WebhookDeliveryList { items }))
}

/// Gives a webhook a new signing secret, in this answer only; the old one stops at once.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhookId}/rotate-secret", tag = "management",
    params(("webhookId" = String, Path)),
    responses(
        (status = 200, body = WebhookSecret),
        (status = 404, body = ErrorBody),
    ))]
pub async fn rotate_webhook_secret(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<WebhookSecret>, ApiError> {
    let secret = state.herald.rotate_webhook_secret(&caller, &id).await?;
    Ok(Json(WebhookSecret { secret }))
}
