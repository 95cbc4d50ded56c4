//! `/api/v1/saved-content`: campaigns' content kept under a name to start new campaigns from,
//! for admin keys. Saving copies a campaign's newest content; later edits of the campaign do not
//! change what was saved.

use super::RestState;
use super::auth::AdminCaller;
use super::campaigns::campaign_id;
use super::dto::{ErrorBody, SaveContentRequest, SavedContentList};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::ids::SavedContentId;
use domain::saved_content::{SaveContentInput, SavedContentSummary, SavedContentView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_saved_content, save_content))
        .routes(routes!(get_saved_content, delete_saved_content))
}

/// A saved content id from a path; anything else is unknown saved content.
fn saved_content_id(raw: &str) -> Result<SavedContentId, ApiError> {
    raw.parse()
        .map_err(|_| backend::saved_content::saved_content_not_found().into())
}

/// The sandbox's saved content, by name (without the content itself).
#[utoipa::path(get, path = "/api/v1/saved-content", tag = "management",
    responses(
        (status = 200, body = SavedContentList),
    ))]
pub async fn list_saved_content(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SavedContentList>, ApiError> {
    let items = state.herald.saved_contents(&caller).await?;
    Ok(Json(SavedContentList { items }))
}

/// Saves the newest content of a campaign (its draft version, if it has one) under a name no
/// other saved content of the sandbox has.
#[utoipa::path(post, path = "/api/v1/saved-content", tag = "management",
    request_body = SaveContentRequest,
    responses(
        (status = 201, body = SavedContentSummary),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn save_content(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(request): JsonBody<SaveContentRequest>,
) -> Result<Response, ApiError> {
    let campaign = campaign_id(&request.campaign_id)?;
    let input = SaveContentInput {
        name: request.name,
        description: request.description,
    };
    let saved = state.herald.save_content(&caller, campaign, &input).await?;
    Ok(created(
        format!("/api/v1/saved-content/{}", saved.id),
        saved,
    ))
}

/// One saved content with the content itself: the channel, parts, push options and language
/// variants a new campaign's `content` takes as they are.
#[utoipa::path(get, path = "/api/v1/saved-content/{savedContentId}", tag = "management",
    params(("savedContentId" = String, Path)),
    responses(
        (status = 200, body = SavedContentView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_saved_content(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SavedContentView>, ApiError> {
    let id = saved_content_id(&id)?;
    Ok(Json(state.herald.saved_content(&caller, id).await?))
}

/// Deletes saved content; campaigns started from it keep their own copy.
#[utoipa::path(delete, path = "/api/v1/saved-content/{savedContentId}", tag = "management",
    params(("savedContentId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete_saved_content(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    let id = saved_content_id(&id)?;
    state.herald.delete_saved_content(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
