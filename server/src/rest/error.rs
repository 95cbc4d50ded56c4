//! The one place where errors become HTTP responses, in the reference API's error shape:
//! `{type, title, status, code, errors: [{field, message}], report: {additionalContext}}`.
//! Internal causes are logged here and never sent.

use super::dto::{ErrorBody, ErrorReport};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::{Error, ErrorKind};
use serde_json::{Map, Value};

/// A backend error plus the request's identifiers, echoed back in `report.additionalContext`.
pub struct ApiError {
    pub error: Error,
    pub context: Map<String, Value>,
}

impl ApiError {
    pub fn with_context(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.context
                .insert(key.to_owned(), Value::String(v.to_owned()));
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.error.kind.status_code())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self {
            error: e.into(),
            context: Map::new(),
        }
    }
}

/// A 413 for bodies over the configured cap.
pub fn payload_too_large(limit: usize) -> ApiError {
    ApiError::from(Error::new(
        ErrorKind::TooLarge,
        "payload_too_large",
        format!("The request body is larger than {limit} bytes."),
    ))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self.error.kind {
            ErrorKind::Internal => {
                tracing::error!(error = ?self.error.cause, code = self.error.code, "request failed")
            }
            ErrorKind::Unavailable { .. } => {
                tracing::warn!(error = ?self.error.cause, code = self.error.code, "request refused")
            }
            _ => {}
        }
        let body = ErrorBody {
            kind: format!("urn:herald:error:{}", self.error.code),
            title: self.error.message,
            status: status.as_u16(),
            code: self.error.code.to_owned(),
            errors: self.error.errors,
            report: ErrorReport {
                additional_context: self.context,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ErrorKind::RateLimited { retry_after_secs }
        | ErrorKind::Unavailable { retry_after_secs } = self.error.kind
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}
