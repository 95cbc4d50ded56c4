//! `POST /ajo/im/executions/unitary` (and its dry run), `GET …/unitary/{id}`, `GET /ajo/im/health`.

use super::RestState;
use super::auth::authenticate;
use super::error::{ApiError, payload_too_large};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use backend::clock::rfc3339;
use backend::executions::{DryRun, ExecutionStatus};
use backend::{Error, ErrorKind};
use domain::trigger::{UnitaryRequest, UnitaryTrigger, parse_idempotency_key};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Triggers a live campaign for 1 to 20 recipients. Answers 202 once the execution and its
/// messages are committed; with `?dryRun=true`, 200 with what would be sent, storing nothing.
pub async fn trigger_unitary(
    State(state): State<RestState>,
    Query(query): Query<TriggerQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let herald = &state.herald;
    let caller = authenticate(herald, &headers).await?;
    state.limiter.check(&caller.api_key_id).map_err(|retry_after_secs| {
        Error::new(
            ErrorKind::RateLimited { retry_after_secs },
            "rate_limited",
            "This API key sent too many requests. Retry after the time in the Retry-After header.",
        )
    })?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(herald.settings().max_body_bytes),
        _ => Error::new(
            ErrorKind::Invalid,
            "unreadable_body",
            "The request body could not be read.",
        )
        .into(),
    })?;
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
    // The hash of the parsed request (maps are key-sorted) tells a replay from a reused key.
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&request).expect("a parsed request serialises"),
    ));
    let trigger = UnitaryTrigger::parse(request).map_err(|e| with_ids(e.into()))?;
    if query.dry_run {
        let dry_run = herald
            .dry_run_unitary(&caller, &trigger)
            .await
            .map_err(with_ids)?;
        return Ok((
            StatusCode::OK,
            Json(dry_run_json(&trigger.request_id, dry_run)),
        )
            .into_response());
    }
    let accepted = herald
        .trigger_unitary(&caller, trigger, &request_hash, idempotency_key)
        .await
        .map_err(with_ids)?;
    let created_at = rfc3339(accepted.created_at);
    let body = json!({
        "executionId": accepted.execution_id,
        "requestId": accepted.request_id,
        "createdAt": created_at,
        "createdBy": accepted.created_by,
        "modifiedAt": created_at,
        "modifiedBy": accepted.created_by,
    });
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if accepted.replay {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

fn dry_run_json(request_id: &str, d: DryRun) -> Value {
    json!({
        "dryRun": true,
        "requestId": request_id,
        "campaignId": d.campaign_id,
        "campaignVersion": d.campaign_version,
        "recipients": d.recipients.into_iter().enumerate().map(|(i, r)| json!({
            "index": i,
            "userId": r.user_id,
            "outcome": "would_send",
            "createsProfile": r.creates_profile,
            "channel": "email",
            "address": r.address,
            "rendered": {"subject": r.subject, "htmlBody": r.html_body, "textBody": r.text_body},
        })).collect::<Vec<_>>(),
    })
}

/// Where an execution's messages stand: status, attempts and timestamps per recipient.
pub async fn execution_status(
    State(state): State<RestState>,
    Path(execution_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let caller = authenticate(&state.herald, &headers).await?;
    let status = state
        .herald
        .execution_status(&caller, &execution_id)
        .await?;
    Ok(Json(status_json(status)))
}

fn status_json(s: ExecutionStatus) -> Value {
    let e = s.execution;
    let recipients: Vec<Value> = s
        .messages
        .iter()
        .map(|m| {
            let attempts: Vec<Value> = s
                .attempts
                .iter()
                .filter(|a| a.message_id == m.id)
                .map(|a| {
                    json!({
                        "attempt": a.attempt,
                        "startedAt": rfc3339(a.started_at),
                        "finishedAt": rfc3339(a.finished_at),
                        "provider": a.provider,
                        "outcome": a.outcome,
                        "detail": a.detail,
                    })
                })
                .collect();
            json!({
                "index": m.recipient_index,
                "userId": m.user_id,
                "messageId": m.id,
                "channel": m.channel,
                "status": m.status,
                "statusReason": m.status_reason,
                "attemptCount": m.attempts,
                "attempts": attempts,
                "createdAt": rfc3339(m.created_at),
                "updatedAt": rfc3339(m.updated_at),
            })
        })
        .collect();
    json!({
        "executionId": e.id,
        "requestId": e.request_id,
        "campaignId": e.campaign_id,
        "campaignVersion": e.campaign_version,
        "createdAt": rfc3339(e.created_at),
        "createdBy": e.api_key_id,
        "recipients": recipients,
    })
}

/// Parses JSON, naming the field where it went wrong.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (field, message) = if inner.is_syntax() || inner.is_eof() {
            let at = format!("line {}, column {}", inner.line(), inner.column());
            ("body".to_owned(), format!("is not valid JSON ({at})"))
        } else if path == "." {
            ("body".to_owned(), inner.to_string())
        } else {
            (path, inner.to_string())
        };
        Error::from(domain::ValidationError::single(
            "malformed_request",
            field,
            message,
        ))
        .into()
    })
}

/// Liveness and database reachability.
pub async fn health(State(state): State<RestState>) -> Response {
    match state.herald.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "UP"}))).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "DOWN"})),
            )
                .into_response()
        }
    }
}
