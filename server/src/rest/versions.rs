//! `/api/v1/campaigns/{campaignId}/versions`: a campaign's content versions, for admin keys:
//! listed, read one by one, compared, rolled back to (an earlier version's content becomes the
//! pending draft of a live or scheduled campaign) and the pending draft discarded. Versions that
//! have been live never change (see `domain::version`).

use super::auth::AdminCaller;
use super::campaigns::campaign_id;
use super::dto::ErrorBody;
use super::error::ApiError;
use super::json::created;
use super::{RestState, parse_query};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use backend::versions::version_not_found;
use backend::{Error, ErrorKind};
use domain::version::{VersionComparison, VersionView, VersionsView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions))
        .routes(routes!(compare_versions))
        .routes(routes!(get_version, delete_version))
        .routes(routes!(roll_back))
}

/// A version number from a path; anything else is an unknown version.
fn version_number(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| version_not_found(raw).into())
}

/// The campaign's versions, newest first, with the live one marked.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaignId}/versions", tag = "management",
    params(("campaignId" = String, Path)),
    responses(
        (status = 200, body = VersionsView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn list_versions(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<VersionsView>, ApiError> {
    Ok(Json(
        state.herald.versions(&caller, campaign_id(&id)?).await?,
    ))
}

/// One version's content.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaignId}/versions/{version}", tag = "management",
    params(("campaignId" = String, Path), ("version" = i64, Path)),
    responses(
        (status = 200, body = VersionView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_version(
    State(state): State<RestState>,
    Path((id, version)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<VersionView>, ApiError> {
    let (id, version) = (campaign_id(&id)?, version_number(&version)?);
    Ok(Json(state.herald.version(&caller, id, version).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The older side (default: the version before the newest).
    from: Option<i64>,
    /// The newer side (default: the newest version).
    to: Option<i64>,
}

/// What changed from one version to another, part by part, as side-by-side rows; without
/// `from` and `to`, the newest version against the one before. `409` while the campaign has a
/// single version.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaignId}/versions/compare", tag = "management",
    params(("campaignId" = String, Path), CompareQuery),
    responses(
        (status = 200, body = VersionComparison),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn compare_versions(
    State(state): State<RestState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<VersionComparison>, ApiError> {
    let id = campaign_id(&id)?;
    let query: CompareQuery = parse_query(query.as_deref())?;
    let listed = state.herald.versions(&caller, id).await?;
    for asked in [query.from, query.to].into_iter().flatten() {
        if !listed.versions.iter().any(|v| v.version == asked) {
            return Err(version_not_found(asked).into());
        }
    }
    state
        .herald
        .compare_versions(&caller, id, query.from, query.to)
        .await?
        .map(Json)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Conflict,
                "single_version",
                "The campaign has a single version: there is nothing to compare it with.",
            )
            .into()
        })
}

/// Makes an earlier version's content the pending draft of a live or scheduled campaign
/// (replacing any pending draft; a pending approval request is withdrawn). Trigger calls keep
/// the live version until the draft is activated. Answers the new draft version.
#[utoipa::path(post, path = "/api/v1/campaigns/{campaignId}/versions/{version}/rollback", tag = "management",
    params(("campaignId" = String, Path), ("version" = i64, Path)),
    responses(
        (status = 201, body = VersionView),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn roll_back(
    State(state): State<RestState>,
    Path((raw_id, version)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<Response, ApiError> {
    let (id, version) = (campaign_id(&raw_id)?, version_number(&version)?);
    let draft = state.herald.roll_back(&caller, id, version).await?;
    let view = state.herald.version(&caller, id, draft).await?;
    Ok(created(
        format!("/api/v1/campaigns/{raw_id}/versions/{draft}"),
        view,
    ))
}

/// Discards the pending draft version of a campaign that has been live (with its approval
/// request). Only that version can be deleted: `409` for any other.
#[utoipa::path(delete, path = "/api/v1/campaigns/{campaignId}/versions/{version}", tag = "management",
    params(("campaignId" = String, Path), ("version" = i64, Path)),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn delete_version(
    State(state): State<RestState>,
    Path((id, version)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    let (id, version) = (campaign_id(&id)?, version_number(&version)?);
    let listed = state.herald.versions(&caller, id).await?;
    if !listed.versions.iter().any(|v| v.version == version) {
        return Err(version_not_found(version).into());
    }
    if listed.discardable() != Some(version) {
        return Err(Error::new(
            ErrorKind::Conflict,
            "not_a_draft_version",
            format!(
                "Version {version} is not a pending draft: only the draft version of a campaign \
                 that has been live can be deleted; versions that were live are kept."
            ),
        )
        .into());
    }
    state.herald.discard_draft_version(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
