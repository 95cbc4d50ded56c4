//! Reading JSON bodies with errors in the API's shape, naming the field where parsing failed.

use super::RestState;
use super::error::{ApiError, payload_too_large};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use backend::{Error, ErrorKind};
use serde::de::DeserializeOwned;

/// A JSON body parsed into `T`; malformed JSON and wrong types are `malformed_request` (400).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<RestState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &RestState) -> Result<Self, ApiError> {
        let body = read_body(req, state).await?;
        parse_json(&body).map(JsonBody)
    }
}

/// The raw body, with the size cap turned into a 413 in the API's shape.
pub async fn read_body(req: Request, state: &RestState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                payload_too_large(state.herald.settings().max_body_bytes)
            }
            _ => Error::new(
                ErrorKind::Invalid,
                "unreadable_body",
                "The request body could not be read.",
            )
            .into(),
        })
}

/// Parses JSON, naming the field where it went wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (field, message) = if inner.is_syntax() || inner.is_eof() {
            let at = format!("line {}, column {}", inner.line(), inner.column());
            ("body".to_owned(), format!("is not valid JSON ({at})"))
        } else if path == "." {
            ("body".to_owned(), inner.to_string())
        } else {
            (path, inner.to_string())
        };
        Error::from(domain::ValidationError::single(
            "malformed_request",
            field,
            message,
        ))
        .into()
    })
}

/// `201 Created` with the new resource at `location` and as the body.
pub fn created(location: String, body: impl serde::Serialize) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(body),
    )
        .into_response()
}
