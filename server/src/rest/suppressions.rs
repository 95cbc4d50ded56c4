//! Who Herald will not send to: suppressed addresses and marketing opt-outs; lifting one.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, OptOutList, SuppressionList};
use super::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppressions))
        .routes(routes!(lift_suppression))
        .routes(routes!(list_opt_outs))
        .routes(routes!(lift_opt_out))
}

/// The sandbox's suppressed addresses (hard bounces): messages to them are excluded.
#[utoipa::path(get, path = "/api/v1/suppressions", tag = "management",
    responses(
        (status = 200, body = SuppressionList),
    ))]
pub async fn list_suppressions(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SuppressionList>, ApiError> {
    let items = state.herald.suppressions(&caller.sandbox.id).await?;
    Ok(Json(SuppressionList { items }))
}

/// Lifts a suppression, so the address receives messages again (audited).
#[utoipa::path(delete, path = "/api/v1/suppressions/{channel}/{address}", tag = "management",
    params(("channel" = String, Path), ("address" = String, Path)),
    responses(
        (status = 204, description = "Lifted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn lift_suppression(
    State(state): State<RestState>,
    Path((channel, address)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .lift_suppression(&caller, &channel, &address)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sandbox's marketing opt-outs (unsubscribe links used): marketing campaigns exclude them.
#[utoipa::path(get, path = "/api/v1/opt-outs", tag = "management",
    responses(
        (status = 200, body = OptOutList),
    ))]
pub async fn list_opt_outs(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<OptOutList>, ApiError> {
    let items = state.herald.opt_outs(&caller.sandbox.id).await?;
    Ok(Json(OptOutList { items }))
}

/// Lifts an opt-out, so marketing campaigns reach the address again (audited).
#[utoipa::path(delete, path = "/api/v1/opt-outs/{channel}/{address}", tag = "management",
    params(("channel" = String, Path), ("address" = String, Path)),
    responses(
        (status = 204, description = "Lifted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn lift_opt_out(
    State(state): State<RestState>,
    Path((channel, address)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .lift_opt_out(&caller, &channel, &address)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
