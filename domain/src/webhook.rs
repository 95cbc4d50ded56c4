//! Delivery feedback webhooks: HTTPS endpoints that receive signed events about messages.

use crate::error::{FieldError, ValidationError};
use serde::{Deserialize, Serialize};

/// The events a webhook may subscribe to.
pub const WEBHOOK_EVENTS: [&str; 6] = [
    "sent",
    "failed",
    "excluded",
    "unsubscribed",
    "opened",
    "clicked",
];

/// A webhook as an admin registers it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// `https://…` (plain `http://` only where the operator allows private targets).
    pub url: String,
    /// Any of sent, delivered, failed, excluded, unsubscribed, opened, clicked; empty: all.
    #[serde(default)]
    pub events: Vec<String>,
}

/// A validated webhook: its URL and the events it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
}

impl NewWebhook {
    /// `allow_http`: the operator allows private targets (tests, internal receivers).
    pub fn parse(input: &WebhookInput, allow_http: bool) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let url = input.url.trim().to_owned();
        let scheme_ok = url.starts_with("https://") || (allow_http && url.starts_with("http://"));
        if !scheme_ok || url.len() > 2000 || url.contains(char::is_whitespace) {
            errors.push(FieldError::new("url", "must be an https:// URL"));
        }
        let mut events: Vec<String> = Vec::new();
        for e in &input.events {
            let e = e.trim();
            if !WEBHOOK_EVENTS.contains(&e) {
                errors.push(FieldError::new(
                    "events",
                    format!("\"{e}\" is not one of {}", WEBHOOK_EVENTS.join(", ")),
                ));
            } else if !events.iter().any(|x| x == e) {
                events.push(e.to_owned());
            }
        }
        if events.is_empty() {
            events = WEBHOOK_EVENTS.iter().map(|e| e.to_string()).collect();
        }
        if errors.is_empty() {
            Ok(Self { url, events })
        } else {
            Err(ValidationError::new("invalid_webhook", errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_need_https_and_known_events() {
        let input = |url: &str, events: &[&str]| WebhookInput {
            url: url.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
        };
        let all = NewWebhook::parse(&input("https://crm.example/hooks", &[]), false).unwrap();
        assert_eq!(all.events.len(), WEBHOOK_EVENTS.len());
        let some = NewWebhook::parse(
            &input("https://x.example", &["sent", "sent", "failed"]),
            false,
        )
        .unwrap();
        assert_eq!(some.events, ["sent", "failed"]);
        let err = NewWebhook::parse(&input("http://x.example", &["bounced"]), false).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events"]);
        assert!(NewWebhook::parse(&input("http://127.0.0.1:9/h", &[]), true).is_ok());
    }
}
