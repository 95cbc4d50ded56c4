//! `/api/v1/retention`: how long the key's sandbox keeps message content, messages and
//! webhook deliveries (see `domain::retention`), for admin keys.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::ErrorBody;
use super::error::ApiError;
use super::json::JsonBody;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use domain::retention::{RetentionOverrides, RetentionView};

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(get_retention, put_retention))
}

/// The sandbox's own ages, the server's defaults and the ages in force.
#[utoipa::path(get, path = "/api/v1/retention", tag = "management",
    responses(
        (status = 200, body = RetentionView),
    ))]
pub async fn get_retention(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<RetentionView>, ApiError> {
    Ok(Json(state.herald.retention(&caller.sandbox.id).await?))
}

/// Sets the sandbox's own ages in days (1 to 3650; absent or null: the server's default).
/// Content may not be kept longer than messages. The housekeeping applies them in its next
/// round.
#[utoipa::path(put, path = "/api/v1/retention", tag = "management",
    request_body = RetentionOverrides,
    responses(
        (status = 200, body = RetentionView),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn put_retention(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<RetentionOverrides>,
) -> Result<Json<RetentionView>, ApiError> {
    Ok(Json(state.herald.set_retention(&caller, input).await?))
}
