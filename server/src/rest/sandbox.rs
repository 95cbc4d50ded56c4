//! `/api/v1/sandbox`: the key's sandbox and its own settings (the default phone region), and
//! `/api/v1/audit`, its audit log, for admin keys.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::ErrorBody;
use super::error::ApiError;
use super::json::JsonBody;
use axum::Json;
use axum::extract::{Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use domain::views::{AuditEventView, SandboxSettingsInput, SandboxSettingsView};

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only changes whose actor, action, subject or detail contain this text (any case).
    q: Option<String>,
}

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(get_audit))
        .routes(routes!(get_sandbox, put_sandbox))
}

/// The sandbox's audit log: the newest 500 changes (campaigns, people, keys, webhooks,
/// suppressions, profiles …), newest first, with who made them.
#[utoipa::path(get, path = "/api/v1/audit", tag = "management",
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEventView>),
        (status = 400, body = ErrorBody),
    ))]
pub async fn get_audit(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEventView>>, ApiError> {
    let search = query.q.unwrap_or_default();
    Ok(Json(state.herald.audit_log(&caller, &search).await?))
}

/// The sandbox, its own settings and the server's defaults.
#[utoipa::path(get, path = "/api/v1/sandbox", tag = "management",
    responses(
        (status = 200, body = SandboxSettingsView),
    ))]
pub async fn get_sandbox(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<SandboxSettingsView>, ApiError> {
    Ok(Json(
        state.herald.sandbox_settings(&caller.sandbox.id).await?,
    ))
}

/// Sets the sandbox's own settings. `phoneRegion`: the two-letter country national phone
/// numbers are read in when the campaign's surface names none (null or empty: the server's).
#[utoipa::path(put, path = "/api/v1/sandbox", tag = "management",
    request_body = SandboxSettingsInput,
    responses(
        (status = 200, body = SandboxSettingsView),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
    ))]
pub async fn put_sandbox(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<SandboxSettingsInput>,
) -> Result<Json<SandboxSettingsView>, ApiError> {
    let view = state.herald.set_sandbox_settings(&caller, &input).await?;
    Ok(Json(view))
}
