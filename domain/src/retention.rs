//! How long a sandbox keeps what Herald stores, and what the housekeeping removes after that.
//!
//! Three ages, in days, each a sandbox's own or the server's default:
//! - **content**: a message's rendered subject, bodies and push payload. After it, they are
//!   emptied; the message keeps its recipient, status, attempts and events.
//! - **messages**: the message itself with its attempts, events and tracked links (and its
//!   execution once none of its messages is left).
//! - **webhook deliveries**: the record of each event POSTed to a webhook.
//!
//! Only finished messages (sent, failed, excluded) age out: one still queued or sending is
//! kept whole. Report counters are never removed, so a year-old campaign still reports its
//! totals. Content may not be kept longer than the messages it belongs to.

use crate::error::{FieldError, ValidationError};
use serde::{Deserialize, Serialize};

/// The longest any age may be: ten years.
pub const MAX_DAYS: u32 = 3_650;

/// The ages in force, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    pub content_days: u32,
    pub message_days: u32,
    pub webhook_days: u32,
}

impl Default for Retention {
    /// The server's defaults unless its settings say otherwise.
    fn default() -> Self {
        Self {
            content_days: 30,
            message_days: 400,
            webhook_days: 30,
        }
    }
}

/// A sandbox's own ages; `None` takes the server's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetentionOverrides {
    pub content_days: Option<u32>,
    pub message_days: Option<u32>,
    pub webhook_days: Option<u32>,
}

impl RetentionOverrides {
    /// The ages in force with these overrides over `defaults`.
    pub fn over(self, defaults: Retention) -> Retention {
        Retention {
            content_days: self.content_days.unwrap_or(defaults.content_days),
            message_days: self.message_days.unwrap_or(defaults.message_days),
            webhook_days: self.webhook_days.unwrap_or(defaults.webhook_days),
        }
    }

    /// Checks each age (1 to [`MAX_DAYS`]) and that content is not kept longer than messages.
    pub fn check(self, defaults: Retention) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let fields = [
            ("contentDays", self.content_days),
            ("messageDays", self.message_days),
            ("webhookDays", self.webhook_days),
        ];
        for (field, days) in fields {
            if days.is_some_and(|d| !(1..=MAX_DAYS).contains(&d)) {
                errors.push(FieldError::new(
                    field,
                    format!("must be a number of days from 1 to {MAX_DAYS}"),
                ));
            }
        }
        let ages = self.over(defaults);
        if errors.is_empty() && ages.content_days > ages.message_days {
            errors.push(FieldError::new(
                "contentDays",
                format!(
                    "cannot be longer than messages are kept ({} days)",
                    ages.message_days
                ),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ValidationError::new("invalid_retention", errors))
        }
    }
}

/// A sandbox's retention as its settings page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RetentionView {
    /// The ages in force.
    pub effective: Retention,
    /// The sandbox's own ages (absent: the server's default).
    pub overrides: RetentionOverrides,
    /// The server's defaults.
    pub defaults: Retention,
}

/// What one pass of the housekeeping removed in a sandbox (or, in a dry run, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionSweep {
    /// Messages whose content was emptied.
    pub contents: u64,
    /// Messages deleted (with their attempts, events and links).
    pub messages: u64,
    pub webhook_deliveries: u64,
}

impl RetentionSweep {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_take_the_defaults_where_absent_and_are_checked() {
        let defaults = Retention::default();
        let own = RetentionOverrides {
            content_days: Some(7),
            ..Default::default()
        };
        assert_eq!(
            own.over(defaults),
            Retention {
                content_days: 7,
                message_days: 400,
                webhook_days: 30
            }
        );
        assert!(own.check(defaults).is_ok());
        let fields = |o: RetentionOverrides| -> Vec<String> {
            o.check(defaults)
                .unwrap_err()
                .errors
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let zero = RetentionOverrides {
            message_days: Some(0),
            webhook_days: Some(MAX_DAYS + 1),
            ..Default::default()
        };
        assert_eq!(fields(zero), ["messageDays", "webhookDays"]);
        let longer = RetentionOverrides {
            message_days: Some(20),
            ..Default::default()
        };
        assert_eq!(
            fields(longer),
            ["contentDays"],
            "the default 30 days of content outlive 20 days of messages"
        );
    }
}
