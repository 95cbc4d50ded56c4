//! Sign-in and sign-out: plain form posts, so they work before the wasm bundle loads.

use app::session::USER_KEY;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use backend::Herald;
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

pub async fn sign_in(
    State(herald): State<Herald>,
    session: Session,
    Form(c): Form<Credentials>,
) -> Response {
    match herald.verify_login(&c.email, &c.password).await {
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
