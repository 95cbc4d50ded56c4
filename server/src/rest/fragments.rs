//! `/api/v1/fragments`: the pieces of content the sandbox's campaigns include with
//! `{{> name}}`, each listed with the campaigns that include it, for admin keys. An edit reaches
//! a campaign in its next version; a fragment some campaign includes cannot be deleted.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, FragmentList};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::fragment::FragmentInput;
use domain::ids::FragmentId;
use domain::views::FragmentView;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_fragments, create_fragment))
        .routes(routes!(get_fragment, update_fragment, delete_fragment))
}

/// A fragment id from a path; anything else is an unknown fragment.
fn fragment_id(raw: &str) -> Result<FragmentId, ApiError> {
    raw.parse()
        .map_err(|_| backend::fragments::fragment_not_found().into())
}

/// The sandbox's fragments by name, each with the campaigns whose newest version includes it.
#[utoipa::path(get, path = "/api/v1/fragments", tag = "management",
    responses(
        (status = 200, body = FragmentList),
    ))]
pub async fn list_fragments(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<FragmentList>, ApiError> {
    let items = state.herald.fragments(&caller).await?;
    Ok(Json(FragmentList { items }))
}

/// A new fragment, under a name no other fragment of the sandbox has.
#[utoipa::path(post, path = "/api/v1/fragments", tag = "management", request_body = FragmentInput,
    responses(
        (status = 201, body = FragmentView),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn create_fragment(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<FragmentInput>,
) -> Result<Response, ApiError> {
    let fragment = state.herald.create_fragment(&caller, &input).await?;
    Ok(created(
        format!("/api/v1/fragments/{}", fragment.id),
        fragment,
    ))
}

#[utoipa::path(get, path = "/api/v1/fragments/{fragmentId}", tag = "management",
    params(("fragmentId" = String, Path)),
    responses(
        (status = 200, body = FragmentView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_fragment(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<FragmentView>, ApiError> {
    Ok(Json(
        state.herald.fragment(&caller, fragment_id(&id)?).await?,
    ))
}

/// Changes a fragment's description and body (its name cannot change: content includes it by
/// name). The campaigns that include it take the new body in their next version.
#[utoipa::path(put, path = "/api/v1/fragments/{fragmentId}", tag = "management",
    params(("fragmentId" = String, Path)), request_body = FragmentInput,
    responses(
        (status = 200, body = FragmentView),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn update_fragment(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<FragmentInput>,
) -> Result<Json<FragmentView>, ApiError> {
    let id = fragment_id(&id)?;
    Ok(Json(state.herald.edit_fragment(&caller, id, &input).await?))
}

/// Deletes a fragment no campaign includes; while some do, `409` names them.
#[utoipa::path(delete, path = "/api/v1/fragments/{fragmentId}", tag = "management",
    params(("fragmentId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn delete_fragment(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .delete_fragment(&caller, fragment_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
