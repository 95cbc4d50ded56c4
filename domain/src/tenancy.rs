//! Organisations, sandboxes and what an API key may do.
//!
//! An organisation (the `x-gw-ims-org-id` header) holds sandboxes (the `x-sandbox-name` header),
//! e.g. `prod` and `dev`. Campaigns, profiles and API keys live in exactly one sandbox; a key
//! sees nothing outside its own.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// The sandbox every install starts with (organisation `herald`, sandbox `prod`).
pub const DEFAULT_SANDBOX_ID: &str = "00000000-0000-7000-8000-000000000001";
pub const DEFAULT_ORG_ID: &str = "herald";
pub const DEFAULT_SANDBOX_NAME: &str = "prod";

/// A sandbox name: 1 to 64 of `a-z`, `0-9` and `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxName(String);

impl SandboxName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let valid = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(FieldError::new(
                "sandbox",
                "must be 1 to 64 lowercase letters, digits or '-', starting with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation id: 1 to 128 ASCII letters, digits and `@ . _ -` (e.g. `ABC123@AdobeOrg`),
/// so it is safe in a header and a shell command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgId(String);

impl OrgId {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let org = raw.trim();
        let valid_char = |c: char| c.is_ascii_alphanumeric() || "@._-".contains(c);
        if (1..=128).contains(&org.len()) && org.chars().all(valid_char) {
            Ok(Self(org.to_owned()))
        } else {
            Err(FieldError::new(
                "org",
                "must be 1 to 128 ASCII letters, digits, '@', '.', '_' or '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an API key may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiScope {
    /// The execution API only: trigger campaigns and read what it triggered.
    Trigger,
    /// The execution API and the management API (`/api/v1/*`).
    Admin,
}

impl ApiScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::Trigger => "trigger",
            ApiScope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "trigger" => Some(ApiScope::Trigger),
            "admin" => Some(ApiScope::Admin),
            _ => None,
        }
    }
}

#[cfg(feature = "sqlx")]
crate::text_column::text_column!(
    ApiScope,
    |v: &ApiScope| v.as_str().to_owned(),
    ApiScope::parse
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_names_are_lowercase_slugs() {
        assert_eq!(SandboxName::parse(" dev ").unwrap().as_str(), "dev");
        assert!(SandboxName::parse("eu-prod-2").is_ok());
        for bad in ["", "Dev", "2dev", "dev sandbox", "dév", &"a".repeat(65)] {
            assert!(SandboxName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn org_ids_are_visible_ascii() {
        assert!(OrgId::parse("ABC123@AdobeOrg").is_ok());
        assert!(OrgId::parse("a b").is_err());
        assert!(OrgId::parse("it's").is_err());
        assert!(OrgId::parse("").is_err());
    }

    #[test]
    fn scopes_round_trip() {
        for s in [ApiScope::Trigger, ApiScope::Admin] {
            assert_eq!(ApiScope::parse(s.as_str()), Some(s));
        }
        assert_eq!(ApiScope::parse("root"), None);
    }
}
