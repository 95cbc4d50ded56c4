//! The review before activation: what would make a campaign fail (errors, which block
//! activation) or fall short (warnings, which do not).

use crate::campaign::{Category, Channel, Window};
use crate::content::{Content, sms_length};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding of the review.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
        }
    }

    fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// Longest push title most devices show whole.
const PUSH_TITLE_CHARS: usize = 50;

/// Reviews a campaign's content and dates at `now` (ms). Content that does not parse never
/// gets here: it is refused when saved.
pub fn review(category: Category, content: &Content, window: Window, now: i64) -> Vec<Finding> {
    let mut findings = Vec::new();
    if window.ends_at.is_some_and(|end| end <= now) {
        findings.push(Finding::error(
            "The end date has passed: the campaign would never accept a call. Change or remove it.",
        ));
    }
    match content.channel() {
        Channel::Email => {
            let mentions_unsubscribe = [content.html_body(), content.text_body()]
                .iter()
                .any(|part| part.to_lowercase().contains("unsubscribe"));
            if category == Category::Marketing && !mentions_unsubscribe {
                findings.push(Finding::warning(
                    "A marketing email should offer a way to unsubscribe; none of its parts mentions one.",
                ));
            }
            if content.text_body().trim().is_empty() {
                findings.push(Finding::warning(
                    "The email has no text part; some mail clients and spam filters expect one.",
                ));
            }
        }
        Channel::Sms => {
            let length = sms_length(content.text_body());
            if length.segments > 3 {
                findings.push(Finding::warning(format!(
                    "The SMS takes {} segments before personalisation; each segment is billed.",
                    length.segments
                )));
            }
        }
        Channel::Push => {
            if content.subject().chars().count() > PUSH_TITLE_CHARS {
                findings.push(Finding::warning(
                    "The push title is longer than 50 characters; many devices cut it.",
                ));
            }
        }
    }
    findings
}

/// Whether any finding blocks activation.
pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PushOptions;

    fn content(channel: Channel, subject: &str, html: &str, text: &str) -> Content {
        Content::parse(channel, subject, html, text, &PushOptions::default()).unwrap()
    }

    #[test]
    fn a_past_end_date_blocks_and_the_rest_only_warns() {
        let email = content(Channel::Email, "Sale", "<p>50% off</p>", "");
        let past = Window {
            starts_at: None,
            ends_at: Some(10),
        };
        let findings = review(Category::Marketing, &email, past, 20);
        let severities: Vec<_> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(
            severities,
            [Severity::Error, Severity::Warning, Severity::Warning]
        );
        assert!(blocks(&findings));
        let fine = content(
            Channel::Email,
            "Sale",
            "<a href=\"{{context.u}}\">Unsubscribe</a>",
            "x",
        );
        assert!(review(Category::Marketing, &fine, Window::default(), 20).is_empty());
        assert!(
            review(
                Category::Transactional,
                &content(Channel::Email, "Reset", "<p/>", "t"),
                past,
                5
            )
            .is_empty()
        );
    }

    #[test]
    fn long_sms_and_push_titles_warn() {
        let sms = content(Channel::Sms, "", "", &"a".repeat(460));
        assert_eq!(
            review(Category::Transactional, &sms, Window::default(), 0).len(),
            1
        );
        let push = content(Channel::Push, &"t".repeat(51), "", "b");
        let findings = review(Category::Transactional, &push, Window::default(), 0);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(!blocks(&findings));
    }
}
