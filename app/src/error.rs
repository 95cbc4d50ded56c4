//! The one error every server function answers with: a stable code, a sentence for a person,
//! and the fields it is about, so a form can show each problem under its field. It crosses the
//! server-function boundary as JSON (Leptos's `FromServerFnError`), with the HTTP status of the
//! backend error's kind (set by [`crate::session::to_server_error`]).

use domain::FieldError;
use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// The backend's stable code (`invalid_campaign`, `role_forbidden`, …); `refused` for the
    /// server functions' own refusals, `unreachable` when the request never got an answer.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The fields the refusal is about (form names such as `title` or `settings.sender`).
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

impl AppError {
    /// A refusal of the server functions' own (a malformed id, a missing session).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            code: "refused".into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// What the refusal says about `field`, if anything.
    pub fn about(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => Self {
                code: "unreachable".into(),
                message: "Herald could not be reached: check the connection, then try again."
                    .into(),
                fields: Vec::new(),
            },
            ServerFnErrorErr::ServerError(message) => Self::new(message),
            other => Self::new(other.to_string()),
        }
    }
}

impl From<ServerFnErrorErr> for AppError {
    fn from(e: ServerFnErrorErr) -> Self {
        Self::from_server_fn_error(e)
    }
}
