//! Providers' delivery receipts: `POST /hooks/twilio/{token}` (Twilio's status callback, form
//! encoded). The token in the URL is signed per message; anything else is 404.

use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use backend::{ErrorKind, Herald};
use serde::Deserialize;

#[derive(Deserialize)]
struct TwilioStatus {
    #[serde(rename = "MessageStatus")]
    status: String,
    #[serde(rename = "ErrorCode")]
    error_code: Option<String>,
}

pub fn router(herald: Herald) -> Router {
    Router::new()
        .route("/hooks/twilio/{token}", post(twilio))
        .with_state(herald)
}

async fn twilio(
    State(herald): State<Herald>,
    Path(token): Path<String>,
    Form(form): Form<TwilioStatus>,
) -> StatusCode {
    let code = form.error_code.as_deref().filter(|c| !c.is_empty());
    match herald.twilio_status(&token, &form.status, code).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(e) if e.kind == ErrorKind::NotFound => StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::error!(error = ?e, "recording a delivery receipt failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
