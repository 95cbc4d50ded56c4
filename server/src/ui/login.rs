//! Sign-in and sign-out: plain form posts, so they work before the wasm bundle loads.

use crate::rate_limit::KeyedLimiter;
use app::session::USER_KEY;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use backend::Herald;
use serde::Deserialize;
use std::num::NonZeroU32;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// What sign-in needs: the backend, and a limit on attempts per account.
#[derive(Clone)]
pub struct SignIn {
    pub herald: Herald,
    /// Attempts per email address (whether or not it exists), so a password cannot be guessed
    /// at speed.
    pub attempts: KeyedLimiter,
}

impl SignIn {
    pub fn new(herald: Herald) -> Self {
        Self {
            herald,
            attempts: KeyedLimiter::per_minute(NonZeroU32::new(10).expect("10 is not zero")),
        }
    }
}

pub async fn sign_in(
    State(state): State<SignIn>,
    session: Session,
    Form(c): Form<Credentials>,
) -> Response {
    if state
        .attempts
        .check(&c.email.trim().to_lowercase())
        .is_err()
    {
        tracing::warn!("sign-in throttled");
        return Redirect::to("/login?error=throttled").into_response();
    }
    match state.herald.verify_login(&c.email, &c.password).await {
        Ok(Some(user)) => {
            // A new session id at sign-in defeats session fixation.
            let stored = async {
                session.cycle_id().await?;
                session.insert(USER_KEY, user).await
            };
            match stored.await {
                Ok(()) => {
                    tracing::info!(user_id = %user, "signed in");
                    Redirect::to("/").into_response()
                }
                Err(e) => {
                    tracing::error!(error = ?e, "cannot store the session");
                    Redirect::to("/login?error=session").into_response()
                }
            }
        }
        Ok(None) => {
            tracing::info!("sign-in refused");
            Redirect::to("/login?error=credentials").into_response()
        }
        Err(e) => {
            tracing::error!(error = ?e, "sign-in failed");
            Redirect::to("/login?error=server").into_response()
        }
    }
}

pub async fn sign_out(session: Session) -> Redirect {
    if let Err(e) = session.flush().await {
        tracing::error!(error = ?e, "cannot end the session");
    }
    Redirect::to("/login")
}
