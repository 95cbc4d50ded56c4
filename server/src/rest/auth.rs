//! API-key authentication: `Authorization: Bearer <key>` or `x-api-key: <key>`, and the tenant
//! headers `x-gw-ims-org-id` / `x-sandbox-name`, which must name the key's own sandbox if sent.

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
        Some(key) => {
            let caller = herald.authenticate_api_key(key).await?;
            let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
            caller.check_tenant(header("x-gw-ims-org-id"), header("x-sandbox-name"))?;
            Ok(caller)
        }
        None => Err(Error::new(
            ErrorKind::Unauthorized,
            "missing_api_key",
            "Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
        )
        .into()),
    }
}
