//! `/api/v1/audiences`: the key's sandbox's audiences and their members, for admin keys.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{AudienceList, ErrorBody};
use super::error::ApiError;
use super::json::{JsonBody, created};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::audience::{AudienceCount, AudienceInput, AudienceView, MembersChange, MembersInput};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_audiences, create_audience))
        .routes(routes!(get_audience, update_audience, delete_audience))
        .routes(routes!(add_members))
        .routes(routes!(remove_members))
        .routes(routes!(count_audience))
        .routes(routes!(count_rule))
        .routes(routes!(cancel_send))
}

/// The sandbox's audiences by name; static ones with their member count.
#[utoipa::path(get, path = "/api/v1/audiences", tag = "management",
    responses(
        (status = 200, body = AudienceList),
    ))]
pub async fn list_audiences(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<AudienceList>, ApiError> {
    let items = state.herald.list_audiences(&caller.sandbox.id).await?;
    Ok(Json(AudienceList { items }))
}

/// Creates an audience: with a `rule`, rule-based (whoever passes it when it is sent);
/// without, static (add members by identity).
#[utoipa::path(post, path = "/api/v1/audiences", tag = "management", request_body = AudienceInput,
    responses(
        (status = 201, body = AudienceView),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn create_audience(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<AudienceInput>,
) -> Result<Response, ApiError> {
    let audience = state
        .herald
        .save_audience(&caller.sandbox.id, None, &input)
        .await?;
    let location = format!("/api/v1/audiences/{}", audience.id);
    Ok(created(location, audience))
}

#[utoipa::path(get, path = "/api/v1/audiences/{audienceId}", tag = "management",
    params(("audienceId" = String, Path)),
    responses(
        (status = 200, body = AudienceView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_audience(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<AudienceView>, ApiError> {
    Ok(Json(state.herald.audience(&caller.sandbox.id, &id).await?))
}

/// Renames an audience or changes its rule (an audience keeps its kind).
#[utoipa::path(put, path = "/api/v1/audiences/{audienceId}", tag = "management",
    params(("audienceId" = String, Path)), request_body = AudienceInput,
    responses(
        (status = 200, body = AudienceView),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn update_audience(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<AudienceInput>,
) -> Result<Json<AudienceView>, ApiError> {
    let audience = state
        .herald
        .save_audience(&caller.sandbox.id, Some(&id), &input)
        .await?;
    Ok(Json(audience))
}

/// Deletes an audience. Sends already accepted still reach its members as they were.
#[utoipa::path(delete, path = "/api/v1/audiences/{audienceId}", tag = "management",
    params(("audienceId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete_audience(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .delete_audience(&caller.sandbox.id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds profiles, by identity, to a static audience. Identities no profile has are listed
/// back, not added.
#[utoipa::path(post, path = "/api/v1/audiences/{audienceId}/members", tag = "management",
    params(("audienceId" = String, Path)), request_body = MembersInput,
    responses(
        (status = 200, body = MembersChange),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "A rule-based audience", body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn add_members(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<MembersInput>,
) -> Result<Json<MembersChange>, ApiError> {
    let change = state
        .herald
        .change_members(&caller.sandbox.id, &id, &input, true)
        .await?;
    Ok(Json(change))
}

/// Removes profiles, by identity, from a static audience.
#[utoipa::path(post, path = "/api/v1/audiences/{audienceId}/members/remove", tag = "management",
    params(("audienceId" = String, Path)), request_body = MembersInput,
    responses(
        (status = 200, body = MembersChange),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "A rule-based audience", body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn remove_members(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<MembersInput>,
) -> Result<Json<MembersChange>, ApiError> {
    let change = state
        .herald
        .change_members(&caller.sandbox.id, &id, &input, false)
        .await?;
    Ok(Json(change))
}

/// How many profiles the audience holds now (a rule-based one is evaluated).
#[utoipa::path(get, path = "/api/v1/audiences/{audienceId}/count", tag = "management",
    params(("audienceId" = String, Path)),
    responses(
        (status = 200, body = AudienceCount),
        (status = 404, body = ErrorBody),
    ))]
pub async fn count_audience(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<AudienceCount>, ApiError> {
    Ok(Json(
        state.herald.count_audience(&caller.sandbox.id, &id).await?,
    ))
}

/// A rule to count, before it is saved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// E.g. `preferredLanguage = fr AND consents.marketing.email.val = y`.
    pub rule: String,
}

/// How many profiles of the sandbox pass a rule now.
#[utoipa::path(post, path = "/api/v1/audiences/count", tag = "management", request_body = RuleBody,
    responses(
        (status = 200, body = AudienceCount),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn count_rule(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(body): JsonBody<RuleBody>,
) -> Result<Json<AudienceCount>, ApiError> {
    Ok(Json(
        state
            .herald
            .count_rule(&caller.sandbox.id, &body.rule)
            .await?,
    ))
}

/// What a cancel did.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CancelledBody {
    /// Messages that were waiting to go out and are now excluded (`cancelled`).
    pub excluded: u64,
}

/// Cancels an audience send that is queueing members or has messages waiting: no more members
/// are queued, and its messages still waiting are excluded (`cancelled`); those already handed
/// to a provider go on. Otherwise 409 `send_not_running`.
#[utoipa::path(post, path = "/api/v1/audience-sends/{executionId}/cancel", tag = "management",
    params(("executionId" = String, Path)),
    responses(
        (status = 200, body = CancelledBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn cancel_send(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<CancelledBody>, ApiError> {
    let excluded = state.herald.cancel_audience_send(&caller, &id).await?;
    Ok(Json(CancelledBody { excluded }))
}
