//! Campaigns as code (`/api/v1/campaigns`): list, create, read, edit and their lifecycle, for
//! API keys with the admin scope. Same use cases and validation as the browser UI; everything is
//! scoped to the key's sandbox (another sandbox's campaign is simply not found).

use super::auth::AdminCaller;
use super::dto::ErrorBody;
use super::error::ApiError;
use super::json::{self, JsonBody};
use super::{RestState, parse_query};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use backend::Error;
use domain::campaign::CampaignInput;
use domain::ids::CampaignId;
use domain::listing::{CampaignQuery, CampaignQueryInput};
use domain::views::{CampaignPage, CampaignView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A campaign id from a path; anything else is an unknown campaign.
pub(super) fn campaign_id(raw: &str) -> Result<CampaignId, ApiError> {
    raw.parse()
        .map_err(|_| backend::campaigns::campaign_not_found().into())
}

fn created(campaign: CampaignView) -> Response {
    json::created(format!("/api/v1/campaigns/{}", campaign.id), campaign)
}

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(activate_campaign))
        .routes(routes!(stop_campaign))
        .routes(routes!(archive_campaign))
        .routes(routes!(duplicate_campaign))
}

/// The key's sandbox's campaigns: search by title, filter by status, channel, category and
/// tag, sort, 25 a page. Archived campaigns are listed only when asked for by status.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "management",
    params(CampaignQueryInput),
    responses(
        (status = 200, body = CampaignPage),
        (status = 400, body = ErrorBody),
    ))]
pub async fn list_campaigns(
    State(state): State<RestState>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<CampaignPage>, ApiError> {
    let input: CampaignQueryInput = parse_query(raw.as_deref())?;
    let query = CampaignQuery::parse(&input).map_err(Error::from)?;
    let page = state
        .herald
        .find_campaigns(&caller.sandbox.id, &query)
        .await?;
    Ok(Json(page))
}

/// Creates a draft campaign in the key's sandbox.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "management", request_body = CampaignInput,
    responses(
        (status = 201, body = CampaignView),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn create_campaign(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<CampaignInput>,
) -> Result<Response, ApiError> {
    let herald = &state.herald;
    let campaign = herald.parse_campaign(&caller, &input).await?;
    let id = herald.create_campaign(&caller, campaign).await?;
    Ok(created(herald.campaign(id).await?))
}

/// A campaign with its newest content, variables and (once live) its cURL request.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaignId}", tag = "management",
    params(("campaignId" = String, Path)),
    responses(
        (status = 200, body = CampaignView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_campaign(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<CampaignView>, ApiError> {
    let id = campaign_id(&id)?;
    Ok(Json(
        state
            .herald
            .sandbox_campaign(caller.sandbox_id(), id)
            .await?,
    ))
}

/// Edits a campaign: a draft in place; a live one gets a new draft version of its content (used
/// once activated) and its properties at once (not its channel or namespace). Others: 409.
#[utoipa::path(put, path = "/api/v1/campaigns/{campaignId}", tag = "management",
    params(("campaignId" = String, Path)), request_body = CampaignInput,
    responses(
        (status = 200, body = CampaignView),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn update_campaign(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<CampaignInput>,
) -> Result<Json<CampaignView>, ApiError> {
    let id = campaign_id(&id)?;
    let campaign = state.herald.parse_campaign(&caller, &input).await?;
    state.herald.edit_campaign(&caller, id, campaign).await?;
    Ok(Json(state.herald.campaign(id).await?))
}

/// Deletes a draft. Other campaigns are kept for their history: 409.
#[utoipa::path(delete, path = "/api/v1/campaigns/{campaignId}", tag = "management",
    params(("campaignId" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn delete_campaign(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .delete_draft(&caller, campaign_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The lifecycle actions on a campaign, each answered with the campaign as it now is.
macro_rules! lifecycle_action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $use_case:ident) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "management",
            params(("campaignId" = String, Path)),
            responses(
                (status = 200, body = CampaignView),
                (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
            ))]
        pub async fn $name(
            State(state): State<RestState>,
            Path(id): Path<String>,
            AdminCaller(caller): AdminCaller,
        ) -> Result<Json<CampaignView>, ApiError> {
            let id = campaign_id(&id)?;
            state.herald.$use_case(&caller, id).await?;
            Ok(Json(state.herald.campaign(id).await?))
        }
    };
}

lifecycle_action!(
    /// Draft → Live (Scheduled while its start date is ahead).
    activate_campaign, "/api/v1/campaigns/{campaignId}/activate", activate_campaign
);
lifecycle_action!(
    /// Live or Scheduled → Stopped, for good.
    stop_campaign, "/api/v1/campaigns/{campaignId}/stop", stop_campaign
);
lifecycle_action!(
    /// Stopped or Completed → Archived.
    archive_campaign, "/api/v1/campaigns/{campaignId}/archive", archive_campaign
);

/// Copies a campaign of any status into a new draft ("Copy of …").
#[utoipa::path(post, path = "/api/v1/campaigns/{campaignId}/duplicate", tag = "management",
    params(("campaignId" = String, Path)),
    responses(
        (status = 201, body = CampaignView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn duplicate_campaign(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Response, ApiError> {
    let copy = state
        .herald
        .duplicate_campaign(&caller, campaign_id(&id)?)
        .await?;
    Ok(created(state.herald.campaign(copy).await?))
}
