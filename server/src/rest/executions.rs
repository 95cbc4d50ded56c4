//! `POST /ajo/im/executions/unitary` and `…/highthroughput` (and their dry runs),
//! `GET …/unitary/{id}`, `GET /ajo/im/health`.

use super::RestState;
use super::auth::{KeyCaller, authenticate};
use super::dto::{
    AcceptedBody, AudienceCallBody, AudienceExecutionBody, DryRunBody, ErrorBody,
    ExecutionStatusBody, HealthBody, ScheduledExecutionBody,
};
use super::error::ApiError;
use super::json::{parse_json, read_body};
use axum::Json;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use backend::audience_sends::AudienceAnswer;
use backend::executions::Accepted;
use backend::{Error, ErrorKind};
use domain::trigger::{
    AudienceRequest, AudienceTrigger, UnitaryRequest, UnitaryTrigger, parse_idempotency_key,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(trigger_unitary))
        .routes(routes!(trigger_high_throughput))
        .routes(routes!(trigger_audience))
        .routes(routes!(audience_status))
        .routes(routes!(get_schedule, delete_schedule))
        .routes(routes!(execution_status))
        .routes(routes!(health))
}

/// Triggers a live campaign for 1 to 20 recipients. Answers 202 once the execution and its
/// messages are committed; with `?dryRun=true`, 200 with what would be sent, storing nothing.
/// The headers `x-gw-ims-org-id` and `x-sandbox-name` are optional; if sent, they must name the
/// key's own organisation and sandbox (else 403).
#[utoipa::path(
    post,
    path = "/ajo/im/executions/unitary",
    tag = "execution",
    request_body = UnitaryRequest,
    params(
        ("dryRun" = Option<bool>, Query, description = "Validate and render only: store and send nothing."),
        ("Idempotency-Key" = Option<String>, Header, description = "Takes precedence over requestId as the idempotency key."),
    ),
    responses(
        (status = 202, description = "Accepted: the execution and its messages are stored", body = AcceptedBody,
         headers(("idempotent-replayed" = String, description = "`true` when this answers a repeat of an accepted call"))),
        (status = 200, description = "Dry run: what would be sent", body = DryRunBody),
        (status = 400, description = "Malformed or invalid request", body = ErrorBody),
        (status = 404, description = "Unknown campaign", body = ErrorBody),
        (status = 409, description = "Idempotency key reused with another body", body = ErrorBody),
        (status = 413, description = "Body or context too large", body = ErrorBody),
        (status = 422, description = "Campaign not live, or a recipient without a profile", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
    )
)]
pub async fn trigger_unitary(
    state: State<RestState>,
    query: RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let answer = trigger(Endpoint::Unitary, state, query, headers, request).await;
    count_call("unitary", &answer);
    answer
}

/// The high-throughput variant of the unitary call: the same body, answers, validation,
/// idempotency and durability, for `external` recipients only (no profile is looked up or
/// created; everything the message needs travels in the call).
#[utoipa::path(
    post,
    path = "/ajo/im/executions/highthroughput",
    tag = "execution",
    request_body = UnitaryRequest,
    params(
        ("dryRun" = Option<bool>, Query, description = "Validate and render only: store and send nothing."),
        ("Idempotency-Key" = Option<String>, Header, description = "Takes precedence over requestId as the idempotency key."),
    ),
    responses(
        (status = 202, description = "Accepted: the execution and its messages are stored", body = AcceptedBody,
         headers(("idempotent-replayed" = String, description = "`true` when this answers a repeat of an accepted call"))),
        (status = 200, description = "Dry run: what would be sent", body = DryRunBody),
        (status = 400, description = "Malformed or invalid request, or an `aep` recipient", body = ErrorBody),
        (status = 404, description = "Unknown campaign", body = ErrorBody),
        (status = 409, description = "Idempotency key reused with another body", body = ErrorBody),
        (status = 413, description = "Body or context too large", body = ErrorBody),
        (status = 422, description = "Campaign not live", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
    )
)]
pub async fn trigger_high_throughput(
    state: State<RestState>,
    query: RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let answer = trigger(Endpoint::HighThroughput, state, query, headers, request).await;
    count_call("highthroughput", &answer);
    answer
}

/// Which of the two unitary-shaped endpoints a call came to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Unitary,
    /// `external` recipients only.
    HighThroughput,
}

fn count_call(endpoint: &'static str, answer: &Result<Response, ApiError>) {
    let outcome = match &answer {
        Err(e) => e.error.code,
        Ok(r) if r.status() == StatusCode::OK => "dry_run",
        Ok(r) if r.headers().contains_key("idempotent-replayed") => "replayed",
        Ok(_) => "accepted",
    };
    backend::telemetry::trigger_call(endpoint, outcome);
}

async fn trigger(
    endpoint: Endpoint,
    State(state): State<RestState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let herald = &state.herald;
    // Authenticated here, not by an extractor, so that refused calls are counted too.
    let caller = authenticate(herald, &headers).await?;
    state
        .limiter
        .check(caller.api_key_id)
        .map_err(rate_limited)?;
    let dry_run = dry_run_flag(query.as_deref())?;
    let body = read_body(request, &state).await?;
    let request: UnitaryRequest = parse_json(&body)?;
    let (request_id, campaign_id) = (request.request_id.clone(), request.campaign_id.clone());
    let with_ids = |e: Error| {
        ApiError::from(e)
            .with_context("requestId", request_id.as_deref())
            .with_context("campaignId", campaign_id.as_deref())
    };
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| domain::FieldError::new("Idempotency-Key", "must be visible ASCII"))
                .and_then(parse_idempotency_key)
                .map_err(|f| {
                    with_ids(
                        domain::ValidationError::new("invalid_idempotency_key", vec![f]).into(),
                    )
                })?,
        ),
    };
    let request_hash = backend::executions::request_hash(&request);
    let trigger = UnitaryTrigger::parse(request).map_err(|e| with_ids(e.into()))?;
    if endpoint == Endpoint::HighThroughput {
        trigger.externals_only().map_err(|e| with_ids(e.into()))?;
    }
    if dry_run {
        let request_id = trigger.request_id.clone();
        let result = herald
            .dry_run_unitary(&caller, trigger)
            .await
            .map_err(with_ids)?;
        let body = DryRunBody::new(&request_id, result);
        return Ok((StatusCode::OK, Json(body)).into_response());
    }
    let accepted = herald
        .trigger_unitary(&caller, trigger, &request_hash, idempotency_key)
        .await
        .map_err(with_ids)?;
    let replay = accepted.replay;
    let mut response = (StatusCode::ACCEPTED, Json(AcceptedBody::from(accepted))).into_response();
    if replay {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `dryRun` from the query string: absent, `true` or `false`; anything else is refused.
fn dry_run_flag(query: Option<&str>) -> Result<bool, ApiError> {
    let mut dry_run = false;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "dryRun" {
            dry_run = match value {
                "true" | "" => true,
                "false" => false,
                _ => {
                    return Err(Error::from(domain::ValidationError::single(
                        "invalid_query",
                        "dryRun",
                        "must be true or false",
                    ))
                    .into());
                }
            };
        }
    }
    Ok(dry_run)
}

/// Sends a live campaign to every member of an audience (the request's, else the campaign's
/// own), with one `context` for all. Answers 202 once the send is stored; its messages are
/// queued in the background (follow it with `GET …/audience/{executionId}`). `requestId`
/// makes the call idempotent as for unitary calls.
#[utoipa::path(
    post,
    path = "/ajo/im/executions/audience",
    tag = "execution",
    request_body = AudienceRequest,
    responses(
        (status = 202, description = "Accepted: the send is stored and under way (`AcceptedBody`), or, with a future `schedule.executeAt`, scheduled (`ScheduledExecutionBody`)", body = AudienceCallBody,
         headers(("idempotent-replayed" = String, description = "`true` when this answers a repeat of an accepted call"))),
        (status = 400, description = "Malformed or invalid request", body = ErrorBody),
        (status = 404, description = "Unknown campaign or audience", body = ErrorBody),
        (status = 409, description = "requestId reused with another body", body = ErrorBody),
        (status = 413, description = "Body or context too large", body = ErrorBody),
        (status = 422, description = "Campaign not live", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody),
    )
)]
pub async fn trigger_audience(
    State(state): State<RestState>,
    KeyCaller(caller): KeyCaller,
    request: Request,
) -> Result<Response, ApiError> {
    let herald = &state.herald;
    state
        .limiter
        .check(caller.api_key_id)
        .map_err(rate_limited)?;
    let body = read_body(request, &state).await?;
    let request: AudienceRequest = parse_json(&body)?;
    let (request_id, campaign_id) = (request.request_id.clone(), request.campaign_id.clone());
    let with_ids = |e: Error| {
        ApiError::from(e)
            .with_context("requestId", request_id.as_deref())
            .with_context("campaignId", campaign_id.as_deref())
    };
    let request_hash = backend::executions::request_hash(&request);
    let trigger = AudienceTrigger::parse(request).map_err(|e| with_ids(e.into()))?;
    let answer = herald
        .start_audience_send(&caller, trigger, &request_hash)
        .await
        .map_err(with_ids);
    let replay = matches!(
        &answer,
        Ok(AudienceAnswer::Started(Accepted { replay: true, .. })
            | AudienceAnswer::Scheduled { replay: true, .. })
    );
    backend::telemetry::trigger_call(
        "audience",
        match &answer {
            Ok(_) if replay => "replayed",
            Ok(AudienceAnswer::Scheduled { .. }) => "scheduled",
            Ok(_) => "accepted",
            Err(e) => e.error.code,
        },
    );
    let body = match answer? {
        AudienceAnswer::Started(accepted) => AudienceCallBody::Started(accepted.into()),
        AudienceAnswer::Scheduled { schedule, .. } => {
            AudienceCallBody::Scheduled(Box::new(ScheduledExecutionBody::new(*schedule, None)))
        }
    };
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if replay {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Where an audience send stands: the reference's status and member count, and Herald's
/// counts of its messages so far.
#[utoipa::path(
    get,
    path = "/ajo/im/executions/audience/{executionId}",
    tag = "execution",
    params(("executionId" = String, Path, description = "From the 202 answer of the audience call.")),
    responses(
        (status = 200, description = "The send and its progress", body = AudienceExecutionBody),
        (status = 404, description = "No audience send with this id in the key's sandbox", body = ErrorBody),
    )
)]
pub async fn audience_status(
    State(state): State<RestState>,
    Path(execution_id): Path<String>,
    KeyCaller(caller): KeyCaller,
) -> Result<Json<AudienceExecutionBody>, ApiError> {
    let send = state.herald.audience_send(&caller, &execution_id).await?;
    Ok(Json(send.into()))
}

/// A scheduled audience send: when, and once it fired, its send.
#[utoipa::path(
    get,
    path = "/ajo/im/executions/schedules/{scheduleId}",
    tag = "execution",
    params(("scheduleId" = String, Path, description = "From the answer of the scheduled audience call.")),
    responses(
        (status = 200, description = "The schedule", body = ScheduledExecutionBody),
        (status = 404, description = "No schedule with this id in the key's sandbox", body = ErrorBody),
    )
)]
pub async fn get_schedule(
    State(state): State<RestState>,
    Path(schedule_id): Path<String>,
    KeyCaller(caller): KeyCaller,
) -> Result<Json<ScheduledExecutionBody>, ApiError> {
    let (schedule, send) = state
        .herald
        .audience_schedule(&caller, &schedule_id)
        .await?;
    Ok(Json(ScheduledExecutionBody::new(schedule, send)))
}

/// Deletes a schedule before its time: 200 `{}`. Once it has fired, 409
/// `schedule_already_triggered`.
#[utoipa::path(
    delete,
    path = "/ajo/im/executions/schedules/{scheduleId}",
    tag = "execution",
    params(("scheduleId" = String, Path)),
    responses(
        (status = 200, description = "Deleted: it will not fire", body = Object),
        (status = 404, description = "No schedule with this id in the key's sandbox", body = ErrorBody),
        (status = 409, description = "It has already fired", body = ErrorBody),
    )
)]
pub async fn delete_schedule(
    State(state): State<RestState>,
    Path(schedule_id): Path<String>,
    KeyCaller(caller): KeyCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .herald
        .delete_audience_schedule(&caller, &schedule_id)
        .await?;
    Ok(Json(serde_json::json!({})))
}

fn rate_limited(retry_after_secs: u64) -> Error {
    Error::new(
        ErrorKind::RateLimited { retry_after_secs },
        "rate_limited",
        "This API key sent too many requests. Retry after the time in the Retry-After header.",
    )
}

/// Where an execution's messages stand: status, attempts and timestamps per recipient.
#[utoipa::path(
    get,
    path = "/ajo/im/executions/unitary/{executionId}",
    tag = "execution",
    params(("executionId" = String, Path, description = "From the 202 answer of the trigger call.")),
    responses(
        (status = 200, description = "The execution and its messages", body = ExecutionStatusBody),
        (status = 404, description = "No execution with this id in the key's sandbox", body = ErrorBody),
    )
)]
pub async fn execution_status(
    State(state): State<RestState>,
    Path(execution_id): Path<String>,
    KeyCaller(caller): KeyCaller,
) -> Result<Json<ExecutionStatusBody>, ApiError> {
    let status = state
        .herald
        .execution_status(&caller, &execution_id)
        .await?;
    Ok(Json(status.into()))
}

/// Liveness: the database answers and every background loop (delivery, webhooks,
/// housekeeping) runs. Needs no key (for load balancers) and says nothing else.
#[utoipa::path(
    get,
    path = "/ajo/im/health",
    tag = "execution",
    responses(
        (status = 200, description = "Herald and its database answer (`DEGRADED` with a reason: writes fail for lack of space)", body = HealthBody),
        (status = 503, description = "The database does not answer, or delivery is not running", body = HealthBody),
    )
)]
pub async fn health(State(state): State<RestState>) -> Response {
    let down = state.herald.loops_down();
    let full_since = state.herald.storage_full_since();
    let (status, word) = match state.herald.ping().await {
        Ok(()) if down.is_empty() && full_since.is_some() => (StatusCode::OK, "DEGRADED"),
        Ok(()) if down.is_empty() => (StatusCode::OK, "UP"),
        Ok(()) => {
            tracing::error!(loops = ?down, "health check: background work is not running");
            (StatusCode::SERVICE_UNAVAILABLE, "DOWN")
        }
        Err(e) => {
            tracing::error!(error = ?e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "DOWN")
        }
    };
    let body = HealthBody {
        status: word.into(),
        reason: full_since.map(|at| {
            format!(
                "the database has had no space left since {}: trigger calls are refused (503 \
                 storage_full) until space is freed; stored messages are still delivered",
                domain::dates::format_rfc3339(at)
            )
        }),
    };
    (status, Json(body)).into_response()
}
