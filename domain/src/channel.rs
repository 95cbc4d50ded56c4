//! The channel a campaign sends on and its category: the two facts about a campaign that
//! content, surfaces, reviews and listings all depend on, kept apart from the campaign itself.

use serde::{Deserialize, Serialize};

/// The channel a campaign sends on. One channel per campaign.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Email,
    Sms,
    Push,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "push" => Some(Channel::Push),
            _ => None,
        }
    }

    /// The identity namespace a new campaign on this channel starts with: what its recipients
    /// are usually known by.
    pub fn usual_namespace(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "phone",
            Channel::Push => "ecid",
        }
    }
}

/// Transactional (recipients come in the call; marketing opt-outs do not apply) or marketing
/// (consent and opt-out are enforced).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    #[default]
    Transactional,
    Marketing,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Transactional => "transactional",
            Category::Marketing => "marketing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "transactional" => Some(Category::Transactional),
            "marketing" => Some(Category::Marketing),
            _ => None,
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "sqlx")]
crate::text_column::text_column!(Channel, |v: &Channel| v.as_str().to_owned(), Channel::parse);
#[cfg(feature = "sqlx")]
crate::text_column::text_column!(
    Category,
    |v: &Category| v.as_str().to_owned(),
    Category::parse
);
