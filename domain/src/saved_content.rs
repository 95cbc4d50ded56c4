//! Saved content: a campaign's content (every part, push options and language variants) kept
//! under a name, to start new campaigns from. A saved copy is independent of the campaign it
//! came from: editing either changes nothing in the other. Names are unique per sandbox.

use crate::channel::Channel;
use crate::content::ContentInput;
use crate::error::{FieldError, ValidationError};
use serde::{Deserialize, Serialize};

/// The longest name, in characters.
pub const NAME_MAX: usize = 100;

/// What a person gives when saving a campaign's content.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveContentInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A checked [`SaveContentInput`]: the name trimmed, neither field too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSavedContent {
    pub name: String,
    pub description: String,
}

impl NewSavedContent {
    pub fn parse(input: &SaveContentInput) -> Result<Self, ValidationError> {
        let name = input.name.trim();
        let description = input.description.trim();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(FieldError::new("name", "a name is required"));
        } else if name.chars().count() > NAME_MAX {
            errors.push(FieldError::new(
                "name",
                format!("is longer than {NAME_MAX} characters"),
            ));
        }
        if description.chars().count() > 500 {
            errors.push(FieldError::new(
                "description",
                "is longer than 500 characters",
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                name: name.to_owned(),
                description: description.to_owned(),
            })
        } else {
            Err(ValidationError::new("invalid_saved_content", errors))
        }
    }
}

/// Saved content as the list shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct SavedContentSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub channel: Channel,
    /// The title of the campaign it was saved from, when that campaign still exists.
    pub from_campaign: Option<String>,
    /// The person (or API key) who saved it.
    pub saved_by: String,
    pub saved_at: i64,
}

/// Saved content with the content itself, ready to fill a new campaign's form.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedContentView {
    pub summary: SavedContentSummary,
    pub content: ContentInput,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_required_and_bounded_and_trimmed() {
        let parse = |name: &str| {
            NewSavedContent::parse(&SaveContentInput {
                name: name.into(),
                description: " footer ".into(),
            })
        };
        let ok = parse("  Welcome email ").unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.description.as_str()),
            ("Welcome email", "footer")
        );
        let empty = parse("   ").unwrap_err();
        assert_eq!(empty.errors[0].field, "name");
        assert!(parse(&"é".repeat(NAME_MAX)).is_ok());
        assert!(parse(&"é".repeat(NAME_MAX + 1)).is_err());
    }
}
