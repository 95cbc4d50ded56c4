//! `/api/v1/namespaces`: the identity namespaces of the key's sandbox (standard and custom),
//! for admin keys.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, NamespaceList};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::profile::NamespaceInput;
use domain::views::NamespaceView;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_namespaces, create_namespace))
        .routes(routes!(delete_namespace))
}

/// The sandbox's namespaces, standard ones first, with how many campaigns and profile
/// identities use each.
#[utoipa::path(get, path = "/api/v1/namespaces", tag = "management",
    responses(
        (status = 200, body = NamespaceList),
    ))]
pub async fn list_namespaces(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<NamespaceList>, ApiError> {
    let items = state.herald.list_namespaces(&caller.sandbox.id).await?;
    Ok(Json(NamespaceList { items }))
}

/// Adds a custom namespace; campaigns and profile identities may then use it.
#[utoipa::path(post, path = "/api/v1/namespaces", tag = "management", request_body = NamespaceInput,
    responses(
        (status = 201, body = NamespaceView),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn create_namespace(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<NamespaceInput>,
) -> Result<Response, ApiError> {
    let added = state.herald.add_namespace(&caller, &input).await?;
    let location = format!("/api/v1/namespaces/{}", added.name);
    Ok(created(location, added))
}

/// Deletes a custom namespace that no campaign or profile identity uses.
#[utoipa::path(delete, path = "/api/v1/namespaces/{name}", tag = "management",
    params(("name" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn delete_namespace(
    State(state): State<RestState>,
    Path(name): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state.herald.delete_namespace(&caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
