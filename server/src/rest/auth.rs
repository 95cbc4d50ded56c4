//! API-key authentication: `Authorization: Bearer <key>` or `x-api-key: <key>`.

use super::error::ApiError;
use axum::http::HeaderMap;
use backend::accounts::ApiCaller;
use backend::{Error, ErrorKind, Herald};

pub async fn authenticate(herald: &Herald, headers: &HeaderMap) -> Result<ApiCaller, ApiError> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let key = bearer.or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()));
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Ok(herald.authenticate_api_key(key).await?),
        None => Err(Error::new(
            ErrorKind::Unauthorized,
            "missing_api_key",
            "Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
        )
        .into()),
    }
}
