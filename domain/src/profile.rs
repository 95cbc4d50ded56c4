//! Profiles: people known by identities in namespaces, with attributes used as `profile.*`.
//!
//! Attributes follow the reference product's field names where it has them: the email address
//! is `personalEmail.address`, the mobile number `mobilePhone.number`.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The identity namespaces every install knows; admins may use others (see [`Namespace`]).
pub const STANDARD_NAMESPACES: [&str; 4] = ["email", "phone", "ecid", "crmId"];

/// Most bytes a profile's attributes may take, as JSON.
pub const MAX_ATTRIBUTE_BYTES: usize = 64 * 1024;

/// Where a profile keeps its email address.
pub const EMAIL_ATTRIBUTE: &str = "personalEmail.address";
/// Where a profile keeps its mobile number.
pub const PHONE_ATTRIBUTE: &str = "mobilePhone.number";

/// An identity namespace: a standard one or a custom name of 1 to 64 letters, digits or `_`,
/// starting with a letter (case matters, as in `crmId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace(String);

impl Namespace {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ns = raw.trim();
        let valid = (1..=64).contains(&ns.len())
            && ns.starts_with(|c: char| c.is_ascii_alphabetic())
            && ns.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            Ok(Self(ns.to_owned()))
        } else {
            Err(FieldError::new(
                "namespace",
                "must be 1 to 64 letters, digits or '_', starting with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `name` is one of the standard namespaces.
pub fn is_standard(name: &str) -> bool {
    STANDARD_NAMESPACES.contains(&name)
}

/// A custom identity namespace as an admin submits it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceInput {
    /// 1 to 64 letters, digits or `_`, starting with a letter, e.g. `loyaltyId`.
    pub name: String,
    /// What the identities are, for the people choosing it (at most 200 characters).
    #[serde(default)]
    pub description: String,
}

/// A valid custom namespace: not a standard one, even in another case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNamespace {
    pub name: Namespace,
    pub description: String,
}

impl NewNamespace {
    pub fn parse(input: &NamespaceInput) -> Result<Self, crate::ValidationError> {
        let mut errors = Vec::new();
        let name = Namespace::parse(&input.name)
            .map_err(|e| errors.push(FieldError::new("name", e.message)))
            .ok();
        if let Some(n) = &name
            && STANDARD_NAMESPACES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(n.as_str()))
        {
            errors.push(FieldError::new("name", "is a standard namespace already"));
        }
        let description = input.description.trim();
        if description.chars().count() > 200 || description.contains(['\r', '\n']) {
            errors.push(FieldError::new(
                "description",
                "must be one line of at most 200 characters",
            ));
        }
        match name {
            Some(name) if errors.is_empty() => Ok(Self {
                name,
                description: description.to_owned(),
            }),
            _ => Err(crate::ValidationError::new("invalid_namespace", errors)),
        }
    }
}

/// An identity's value as a caller wrote it, trimmed: 1 to 320 characters without control
/// characters.
pub fn identity_value(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() || v.len() > 320 || v.chars().any(char::is_control) {
        Err("must be 1 to 320 characters, without control characters")
    } else {
        Ok(v.to_owned())
    }
}

/// Checks profile attributes given by a caller: at most [`MAX_ATTRIBUTE_BYTES`] as JSON.
pub fn check_attributes(field: &str, attributes: &Map<String, Value>) -> Result<(), FieldError> {
    let size = serde_json::to_vec(attributes).map_or(usize::MAX, |v| v.len());
    if size > MAX_ATTRIBUTE_BYTES {
        return Err(FieldError::new(field, "is larger than 64 KB"));
    }
    Ok(())
}

/// `base` with `overlay` laid over it: objects merge key by key, any other value replaces.
pub fn overlay(base: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(Value::Object(b)), Value::Object(o)) => self::overlay(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The string at a dotted path, if there is one.
pub fn text_at<'a>(attributes: &'a Map<String, Value>, path: &str) -> Option<&'a str> {
    let mut parts = path.split('.');
    let mut node = attributes.get(parts.next()?)?;
    for part in parts {
        node = node.get(part)?;
    }
    node.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_namespaces_are_names_that_are_not_standard() {
        let parse = |name: &str, description: &str| {
            NewNamespace::parse(&NamespaceInput {
                name: name.into(),
                description: description.into(),
            })
            .map_err(|e| e.errors.into_iter().map(|f| f.field).collect::<Vec<_>>())
        };
        let ok = parse(" loyaltyId ", " Loyalty card number ").unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.description.as_str()),
            ("loyaltyId", "Loyalty card number")
        );
        assert_eq!(parse("Email", "").unwrap_err(), ["name"]);
        assert_eq!(parse("1x", "").unwrap_err(), ["name"]);
        assert_eq!(parse("x", "a\nb").unwrap_err(), ["description"]);
        assert!(is_standard("crmId") && !is_standard("crmid"));
    }
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn namespaces_are_standard_or_custom_names() {
        for ok in STANDARD_NAMESPACES.into_iter().chain(["loyalty_id", "X1"]) {
            assert!(Namespace::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "crm id", "e-mail", &"a".repeat(65)] {
            assert!(Namespace::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn an_overlay_merges_objects_and_replaces_values() {
        let mut base = map(json!({
            "person": {"name": {"firstName": "Jane", "lastName": "Doe"}},
            "tier": "gold",
            "tags": ["a"]
        }));
        overlay(
            &mut base,
            &map(json!({"person": {"name": {"firstName": "Janet"}}, "tags": ["b"], "new": 1})),
        );
        assert_eq!(
            Value::Object(base),
            json!({
                "person": {"name": {"firstName": "Janet", "lastName": "Doe"}},
                "tier": "gold",
                "tags": ["b"],
                "new": 1
            })
        );
    }

    #[test]
    fn text_is_read_at_a_dotted_path() {
        let p = map(json!({"personalEmail": {"address": "a@b.org"}, "n": 1}));
        assert_eq!(text_at(&p, EMAIL_ATTRIBUTE), Some("a@b.org"));
        assert_eq!(text_at(&p, "n"), None);
        assert_eq!(text_at(&p, "missing.path"), None);
    }

    #[test]
    fn attributes_are_bounded() {
        let big = map(json!({"x": "y".repeat(MAX_ATTRIBUTE_BYTES)}));
        assert!(check_attributes("profile", &big).is_err());
        assert!(check_attributes("profile", &map(json!({"x": 1}))).is_ok());
    }
}
