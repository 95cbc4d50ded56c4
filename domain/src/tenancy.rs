//! Organisations, sandboxes, people's roles in them and what an API key may do.
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

/// What a caller may do in a sandbox. Every door (server function, REST route) names the one
/// it needs; [`Role::allows`] and [`ApiScope::allows`] are the only places that decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// See anything in the sandbox: campaigns, messages, reports, settings.
    Read,
    /// Create and edit campaigns, send tests, manage profiles and audiences.
    Edit,
    /// Activate, stop and archive campaigns.
    Launch,
    /// Send: trigger campaigns, and start, schedule and cancel audience sends.
    Trigger,
    /// Surfaces, namespaces, API keys, webhooks, suppressions, retention, sandbox settings.
    Configure,
    /// People and their roles, and sandboxes.
    Own,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Read,
        Permission::Edit,
        Permission::Launch,
        Permission::Trigger,
        Permission::Configure,
        Permission::Own,
    ];

    /// The permission as a person reads it in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Read => "see this sandbox",
            Permission::Edit => "edit campaigns, profiles and audiences",
            Permission::Launch => "activate, stop or archive campaigns",
            Permission::Trigger => "send campaigns",
            Permission::Configure => "change the sandbox's configuration",
            Permission::Own => "manage people and sandboxes",
        }
    }
}

/// A person's role in one sandbox; the same person may hold other roles in other sandboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including people and sandboxes.
    Owner,
    /// Everything in the sandbox except people: also its configuration.
    Admin,
    /// Writes campaigns and manages profiles and audiences; cannot activate or send.
    Editor,
    /// Activates, stops and sends what editors wrote (audience sends too); cannot change it.
    Approver,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Editor,
        Role::Approver,
        Role::Viewer,
    ];

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Admin => permission != Own,
            Role::Editor => matches!(permission, Read | Edit),
            Role::Approver => matches!(permission, Read | Launch | Trigger),
            Role::Viewer => permission == Read,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Approver => "approver",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "sqlx")]
crate::text_column::text_column!(Role, |v: &Role| v.as_str().to_owned(), Role::parse);

impl ApiScope {
    /// Keys map onto the roles' permissions: an admin key may do what an admin may; a trigger
    /// key only triggers (`trigger` ⊂ `admin`).
    pub fn allows(self, permission: Permission) -> bool {
        match self {
            ApiScope::Trigger => permission == Permission::Trigger,
            ApiScope::Admin => Role::Admin.allows(permission),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_as_documented() {
        use Permission::*;
        for p in Permission::ALL {
            assert!(Role::Owner.allows(p));
            // Every role may read; whatever a smaller role may, admin may.
            assert!(Role::Viewer.allows(p) <= Role::Editor.allows(p));
            assert!(Role::Editor.allows(p) <= Role::Admin.allows(p));
            assert!(Role::Approver.allows(p) <= Role::Admin.allows(p));
            assert_eq!(ApiScope::Admin.allows(p), Role::Admin.allows(p));
            assert!(ApiScope::Trigger.allows(p) <= ApiScope::Admin.allows(p));
        }
        assert!(!Role::Editor.allows(Launch) && !Role::Approver.allows(Edit));
        assert!(!Role::Admin.allows(Own) && !Role::Viewer.allows(Edit));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

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
