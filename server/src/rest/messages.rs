//! Sent messages (`/api/v1/messages`): found by campaign, recipient, status and dates, and read
//! one by one with every delivery attempt, for API keys with the admin scope, in the key's
//! sandbox.

use super::auth::AdminCaller;
use super::dto::{AttemptBody, ErrorBody, MessageBody};
use super::error::ApiError;
use super::{RestState, parse_query};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use backend::Error;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(find_messages))
        .routes(routes!(get_message))
}

/// The key's sandbox's messages matching a search (recipient, requestId, executionId, campaign,
/// status, dates), newest first, 50 a page.
#[utoipa::path(get, path = "/api/v1/messages", tag = "management",
    params(domain::message_query::MessageQueryInput),
    responses(
        (status = 200, body = domain::views::MessagePage),
        (status = 400, body = ErrorBody),
    ))]
pub async fn find_messages(
    State(state): State<RestState>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<domain::views::MessagePage>, ApiError> {
    let input: domain::message_query::MessageQueryInput = parse_query(raw.as_deref())?;
    let query = domain::message_query::MessageQuery::parse(&input).map_err(Error::from)?;
    Ok(Json(
        state
            .herald
            .find_messages(&caller.sandbox.id, &query)
            .await?,
    ))
}

/// One message: recipient, rendered content, status and every delivery attempt.
#[utoipa::path(get, path = "/api/v1/messages/{messageId}", tag = "management",
    params(("messageId" = String, Path)),
    responses(
        (status = 200, body = MessageBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_message(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<MessageBody>, ApiError> {
    let (message, attempts) = state.herald.message(&caller.sandbox.id, &id).await?;
    let attempts = attempts.iter().map(AttemptBody::from).collect();
    Ok(Json(MessageBody { message, attempts }))
}
