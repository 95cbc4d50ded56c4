//! `POST /ajo/im/executions/unitary` and `GET /ajo/im/health`.

use super::auth::authenticate;
use super::error::{ApiError, payload_too_large};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use backend::clock::rfc3339;
use backend::{Error, ErrorKind, Herald};
use domain::trigger::{UnitaryRequest, UnitaryTrigger};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Triggers a live campaign for 1 to 20 recipients. Answers 202 once the execution and its
/// messages are committed.
pub async fn trigger_unitary(
    State(herald): State<Herald>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&herald, &headers).await?;
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
    let with_ids = |e: ApiError| {
        e.with_context("requestId", request_id.as_deref())
            .with_context("campaignId", campaign_id.as_deref())
    };
    // The hash of the parsed request (maps are key-sorted) tells a replay from a reused requestId.
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&request).expect("a parsed request serialises"),
    ));
    let trigger = UnitaryTrigger::parse(request).map_err(|e| with_ids(e.into()))?;
    let accepted = herald
        .trigger_unitary(&caller, trigger, &request_hash)
        .await
        .map_err(|e| with_ids(e.into()))?;
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
pub async fn health(State(herald): State<Herald>) -> Response {
    match herald.ping().await {
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
