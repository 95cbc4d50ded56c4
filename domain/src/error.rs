//! Validation errors that name the offending field, so every rejection says what to fix.

use serde::{Deserialize, Serialize};

/// One problem with one input field. `field` is a JSON-path-like name such as
/// `recipients[3].context.resetUrl`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A rejected input: a stable snake_case `code` clients can match on, and every field problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {}", summary(.errors))]
pub struct ValidationError {
    pub code: &'static str,
    pub errors: Vec<FieldError>,
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    pub fn new(code: &'static str, errors: Vec<FieldError>) -> Self {
        Self { code, errors }
    }

    pub fn single(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(code, vec![FieldError::new(field, message)])
    }
}
