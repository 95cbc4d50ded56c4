//! The signed-in user, kept in a server-side session (tower-sessions, stored in SQLite).

use backend::Herald;
use domain::ids::UserId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use domain::views::SandboxView;
use leptos::prelude::*;
use tower_sessions::Session;

/// The session key under which the signed-in user's id is stored.
pub const USER_KEY: &str = "user_id";
/// The session key of the sandbox the user works in (campaign list, new campaigns, API keys).
pub const SANDBOX_KEY: &str = "sandbox_id";

/// The user of this session, if signed in.
pub async fn user_of(session: &Session) -> Option<UserId> {
    session.get::<UserId>(USER_KEY).await.ok().flatten()
}

/// For server functions: the application handle and the signed-in user, or a 401 error.
pub async fn require_user() -> Result<(Herald, UserId), ServerFnError> {
    let herald = use_context::<Herald>()
        .ok_or_else(|| ServerFnError::new("the server is not set up correctly"))?;
    let session: Session = leptos_axum::extract().await?;
    match user_of(&session).await {
        Some(user) => Ok((herald, user)),
        None => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::UNAUTHORIZED);
            }
            Err(ServerFnError::new("Your session has ended. Sign in again."))
        }
    }
}

/// A backend error as the browser may see it: the message, never an internal cause.
pub fn to_server_error(e: backend::Error) -> ServerFnError {
    if e.kind == backend::ErrorKind::Internal {
        tracing::error!(error = ?e, "server function failed");
    }
    ServerFnError::new(answer_text(&e))
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

/// For server functions: like [`require_user`], plus the sandbox the user works in (the
/// install's first sandbox until they switch).
pub async fn require_user_in_sandbox() -> Result<(Herald, UserId, SandboxView), ServerFnError> {
    let (herald, user) = require_user().await?;
    let session: Session = leptos_axum::extract().await?;
    let sandbox = sandbox_of(&herald, &session)
        .await
        .map_err(to_server_error)?;
    Ok((herald, user, sandbox))
}

/// The sandbox a session works in: the one it chose, else (or if that one is gone) the
/// install's first.
pub async fn sandbox_of(herald: &Herald, session: &Session) -> Result<SandboxView, backend::Error> {
    let chosen = session.get::<String>(SANDBOX_KEY).await.ok().flatten();
    match herald
        .sandbox(chosen.as_deref().unwrap_or(DEFAULT_SANDBOX_ID))
        .await
    {
        Ok(s) => Ok(s),
        Err(_) => herald.sandbox(DEFAULT_SANDBOX_ID).await,
    }
}
