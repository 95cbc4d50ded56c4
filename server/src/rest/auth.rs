//! API-key authentication, as axum extractors: `Authorization: Bearer <key>` or
//! `x-api-key: <key>`, and the tenant headers `x-gw-ims-org-id` / `x-sandbox-name`, which must
//! name the key's own sandbox if sent.
//!
//! A handler names the door it is behind by the extractor it takes: [`KeyCaller`] (any valid
//! key: the execution API, whose use cases check [`Permission::Trigger`] themselves) or
//! [`AdminCaller`] (the management API: a key whose scope allows more than triggering). What
//! each caller may then do is decided by [`backend::accounts::Caller::require`], the same check
//! the browser's server functions go through.

use super::RestState;
use super::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use backend::accounts::Caller;
use backend::{Error, ErrorKind, Herald};
use domain::tenancy::Permission;
use std::net::SocketAddr;

/// The caller of a valid API key of any scope.
pub struct KeyCaller(pub Caller);

/// The caller of a valid API key whose scope opens the management API.
pub struct AdminCaller(pub Caller);

impl FromRequestParts<RestState> for KeyCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &RestState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(Self(caller.clone()));
        }
        let mut caller = authenticate(&state.herald, &parts.headers).await?;
        caller.address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        parts.extensions.insert(caller.clone());
        Ok(Self(caller))
    }
}

impl FromRequestParts<RestState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &RestState) -> Result<Self, ApiError> {
        let KeyCaller(caller) = KeyCaller::from_request_parts(parts, state).await?;
        caller.require(Permission::Read)?;
        Ok(Self(caller))
    }
}

pub(super) async fn authenticate(herald: &Herald, headers: &HeaderMap) -> Result<Caller, ApiError> {
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
