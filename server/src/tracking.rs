//! Tracked links (`/l/{id}`: record the click, redirect to the stored URL) and the open pixel
//! (`/o/{token}`: record the open, answer a 1×1 GIF). Public: they are in messages.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::Herald;

/// The smallest transparent GIF.
const PIXEL: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";

pub fn router(herald: Herald) -> Router {
    Router::new()
        .route("/l/{id}", get(follow))
        .route("/o/{token}", get(open))
        .with_state(herald)
}

async fn follow(State(herald): State<Herald>, Path(id): Path<String>) -> Response {
    match herald.follow_link(&id).await {
        // A stored URL that cannot be a header value (a line break from a context value) is
        // not followed.
        Ok(Some(url)) => match header::HeaderValue::from_str(&url) {
            Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
            Err(_) => (StatusCode::NOT_FOUND, "This link cannot be followed.").into_response(),
        },
        Ok(None) => (StatusCode::NOT_FOUND, "This link is not known.").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "recording a click failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response()
        }
    }
}

async fn open(State(herald): State<Herald>, Path(token): Path<String>) -> Response {
    // The image is answered whatever happens: a mail client must never show a broken one.
    if let Err(e) = herald.record_open(&token).await {
        tracing::error!(error = ?e, "recording an open failed");
    }
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store, max-age=0"),
        ],
        PIXEL,
    )
        .into_response()
}
