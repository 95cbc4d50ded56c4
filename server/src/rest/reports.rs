//! Campaign and sandbox reports: JSON, or CSV with `Accept: text/csv`.

use super::RestState;
use super::auth::AdminCaller;
use super::campaigns::campaign_id;
use super::dto::ErrorBody;
use super::error::ApiError;
use super::parse_query;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use domain::report::{Report, ReportQueryInput, SandboxReport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Whether the caller asked for CSV.
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

fn csv(report: &Report, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        report.to_csv(),
    )
        .into_response()
}

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(campaign_report))
        .routes(routes!(sandbox_report))
}

/// What a campaign did: totals, rates, a time series, and breakdowns by failure and exclusion
/// reason, link, version, language and push platform. Counters are kept as messages change, so
/// a report costs the same at any number of messages. Minute buckets cover the last 48 hours.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaignId}/report", tag = "reports",
    params(("campaignId" = String, Path), ReportQueryInput),
    responses(
        (status = 200, body = Report, description = "JSON, or CSV (one line per bucket, then the totals) with `Accept: text/csv`"),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn campaign_report(
    State(state): State<RestState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = campaign_id(&id)?;
    let input: ReportQueryInput = parse_query(raw.as_deref())?;
    let report = state
        .herald
        .campaign_report(&caller.sandbox.id, id, &input)
        .await?;
    Ok(if wants_csv(&headers) {
        csv(&report, &format!("campaign-{id}-report"))
    } else {
        Json(report).into_response()
    })
}

/// What the whole sandbox did (every campaign), and the campaigns that failed most.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(ReportQueryInput),
    responses(
        (status = 200, body = SandboxReport, description = "JSON, or CSV of the sandbox's numbers with `Accept: text/csv`"),
        (status = 400, body = ErrorBody),
    ))]
pub async fn sandbox_report(
    State(state): State<RestState>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let input: ReportQueryInput = parse_query(raw.as_deref())?;
    let report = state
        .herald
        .sandbox_report(&caller.sandbox.id, &input)
        .await?;
    Ok(if wants_csv(&headers) {
        csv(&report.report, "sandbox-report")
    } else {
        Json(report).into_response()
    })
}
