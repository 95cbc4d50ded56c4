//! `/api/v1/surfaces`: a sandbox's channel surfaces as code, for admin keys. Credentials go in
//! `secrets` and never come back out: answers list only which are set (`secretsSet`).

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, SurfaceList};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::surface::SurfaceInput;
use domain::views::{SurfaceCheck, SurfaceView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_surfaces, create_surface))
        .routes(routes!(get_surface, update_surface, delete_surface))
        .routes(routes!(verify_surface))
}

/// The key's sandbox's surfaces, by channel and name.
#[utoipa::path(get, path = "/api/v1/surfaces", tag = "management",
    responses(
        (status = 200, body = SurfaceList),
    ))]
pub async fn list_surfaces(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SurfaceList>, ApiError> {
    let items = state.herald.list_surfaces(&caller.sandbox.id).await?;
    Ok(Json(SurfaceList { items }))
}

/// Creates a surface: a sender and the provider that carries its messages.
#[utoipa::path(post, path = "/api/v1/surfaces", tag = "management", request_body = SurfaceInput,
    responses(
        (status = 201, body = SurfaceView),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn create_surface(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<SurfaceInput>,
) -> Result<Response, ApiError> {
    let surface = state.herald.save_surface(&caller, None, &input).await?;
    let location = format!("/api/v1/surfaces/{}", surface.id);
    Ok(created(location, surface))
}

/// One surface, without its secrets.
#[utoipa::path(get, path = "/api/v1/surfaces/{surfaceId}", tag = "management",
    params(("surfaceId" = String, Path)),
    responses(
        (status = 200, body = SurfaceView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_surface(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SurfaceView>, ApiError> {
    Ok(Json(state.herald.surface(&caller.sandbox.id, &id).await?))
}

/// Replaces a surface's name, category and settings; secrets left out are kept. The channel
/// cannot change, nor the category while campaigns use the surface.
#[utoipa::path(put, path = "/api/v1/surfaces/{surfaceId}", tag = "management",
    params(("surfaceId" = String, Path)), request_body = SurfaceInput,
    responses(
        (status = 200, body = SurfaceView),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn update_surface(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<SurfaceInput>,
) -> Result<Json<SurfaceView>, ApiError> {
    let surface = state
        .herald
        .save_surface(&caller, Some(&id), &input)
        .await?;
    Ok(Json(surface))
}

/// Deletes a surface no campaign or message refers to (else 409 `surface_in_use`).
#[utoipa::path(delete, path = "/api/v1/surfaces/{surfaceId}", tag = "management",
    params(("surfaceId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn delete_surface(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state.herald.delete_surface(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Connects to the surface's provider as a send would (connection, TLS, credentials), sending
/// no message, and reports what it answered (`ok` false: it refused or could not be reached).
#[utoipa::path(post, path = "/api/v1/surfaces/{surfaceId}/verify", tag = "management",
    params(("surfaceId" = String, Path)),
    responses(
        (status = 200, body = SurfaceCheck, description = "What the provider answered"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn verify_surface(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SurfaceCheck>, ApiError> {
    Ok(Json(state.herald.verify_surface(&caller, &id).await?))
}
