//! The signed-in user, kept in a server-side session (tower-sessions, stored in SQLite).

use backend::Herald;
use domain::ids::UserId;
use leptos::prelude::*;
use tower_sessions::Session;

/// The session key under which the signed-in user's id is stored.
pub const USER_KEY: &str = "user_id";

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
    let mut message = e.message;
    if e.errors.len() > 1 {
        let details: Vec<String> = e
            .errors
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect();
        message = details.join("; ");
    }
    ServerFnError::new(message)
}
