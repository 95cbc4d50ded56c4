//! The signed-in user, kept in a server-side session (tower-sessions, stored in SQLite).

use crate::error::AppError;
use axum::extract::ConnectInfo;
use backend::Herald;
use backend::accounts::Caller;
use domain::ids::UserId;
use domain::tenancy::Permission;
use leptos::prelude::*;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use tower_sessions::Session;
use tower_sessions::session::Id;

/// The session key under which the signed-in user's id is stored.
const USER_KEY: &str = "user_id";
/// The session key of the sandbox the user works in (campaign list, new campaigns, API keys).
pub const SANDBOX_KEY: &str = "sandbox_id";
/// The session key of the session's own row key, which marks it in the person's session list.
const ROW_KEY: &str = "row_key";

/// The key a session is stored under: the first 128 bits of the SHA-256 of the cookie's id, so
/// the session table (or a copy of it) holds no value a browser could present as a cookie.
pub fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

/// Signs `user` in on this session: a new id (which defeats session fixation), the user, and
/// an entry in the person's list of sessions with the browser and address it came from.
pub async fn begin(
    herald: &Herald,
    session: &Session,
    user: UserId,
    browser: &str,
    address: &str,
) -> anyhow::Result<()> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user).await?;
    // Saved now, so the session has the id its row is listed under.
    session.save().await?;
    let id = session
        .id()
        .ok_or_else(|| anyhow::anyhow!("a saved session has an id"))?;
    let key = stored_id(&id).to_string();
    session.insert(ROW_KEY, &key).await?;
    herald.record_session(user, &key, browser, address).await?;
    Ok(())
}

/// This session's key in the person's list of sessions (empty for sessions older than it).
pub async fn row_key(session: &Session) -> String {
    session
        .get::<String>(ROW_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The user of this session, if signed in.
pub async fn user_of(session: &Session) -> Option<UserId> {
    session.get::<UserId>(USER_KEY).await.ok().flatten()
}

/// For server functions: the application handle and the signed-in user, or a 401 error.
pub async fn require_user() -> Result<(Herald, UserId), AppError> {
    let herald = use_context::<Herald>()
        .ok_or_else(|| AppError::new("the server is not set up correctly"))?;
    let session: Session = leptos_axum::extract().await?;
    match user_of(&session).await {
        Some(user) => Ok((herald, user)),
        None => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::UNAUTHORIZED);
            }
            Err(AppError::new("Your session has ended. Sign in again."))
        }
    }
}

/// A backend error as the browser sees it: its code, message and fields (never an internal
/// cause), with its kind's HTTP status (a refused input is a 400, not a 500).
pub fn to_server_error(e: backend::Error) -> AppError {
    if e.kind == backend::ErrorKind::Internal {
        tracing::error!(error = ?e, "server function failed");
    }
    // Only a server function's own request: one called while a page renders must not turn
    // the page into an error page.
    let called_by_browser = use_context::<http::request::Parts>()
        .is_some_and(|request| request.uri.path().starts_with("/api/"));
    if let (true, Ok(status), Some(response)) = (
        called_by_browser,
        http::StatusCode::from_u16(e.kind.status_code()),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        response.set_status(status);
    }
    AppError {
        code: e.code.to_owned(),
        message: answer_text(&e),
        fields: e.errors,
    }
}

/// A server function's own refusal (a malformed id, an unknown choice), answered like a backend
/// refusal of that kind: its HTTP status, a stable code and the sentence.
pub fn refuse(
    kind: backend::ErrorKind,
    code: &'static str,
    message: impl Into<String>,
) -> AppError {
    to_server_error(backend::Error::new(kind, code, message))
}

/// What a refusal says to a person: its message, or with several fields, each field's.
pub fn answer_text(e: &backend::Error) -> String {
    if e.errors.len() > 1 {
        let details: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect();
        return details.join("; ");
    }
    e.message.clone()
}

/// For server functions: the application handle and the signed-in person's caller in the
/// sandbox they work in (the one they chose, else the first they may enter), once their role
/// there allows `permission`. Refused as 401 without a session or for a disabled account, as
/// 403 when the role does not allow it.
pub async fn require(permission: Permission) -> Result<(Herald, Caller), AppError> {
    let (herald, _) = require_user().await?;
    let session: Session = leptos_axum::extract().await?;
    let mut caller = session_caller(&herald, &session, permission)
        .await
        .map_err(to_server_error)?;
    // Where the request came from, for the audit log.
    caller.address = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|c| c.0.ip());
    Ok((herald, caller))
}

/// The session's caller, checked as [`require`] does (for handlers outside server functions).
pub async fn session_caller(
    herald: &Herald,
    session: &Session,
    permission: Permission,
) -> Result<Caller, backend::Error> {
    let user = user_of(session).await.ok_or_else(|| {
        backend::Error::new(
            backend::ErrorKind::Unauthorized,
            "signed_out",
            "Your session has ended. Sign in again.",
        )
    })?;
    let chosen = session.get::<String>(SANDBOX_KEY).await.ok().flatten();
    let caller = herald.member_caller(user, chosen.as_deref()).await?;
    caller.require(permission)?;
    Ok(caller)
}
