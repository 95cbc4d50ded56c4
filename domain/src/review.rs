//! The review before activation: what would make a campaign fail (errors, which block
//! activation) or fall short (warnings, which do not).

use crate::campaign::{CampaignInput, Window};
use crate::channel::{Category, Channel};
use crate::content::Content;
use crate::parts::Parts;
use crate::sms::sms_length;
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
    /// A change that resolves the finding, which Herald can make itself (as an edit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            fix: None,
        }
    }

    fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
            fix: None,
        }
    }
}

/// A change the review offers to make.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// An unsubscribe link (`{{unsubscribeUrl}}`) at the end of each HTML and text body that
    /// mentions none: the default content's and each language variant's own.
    AddUnsubscribeLink,
}

/// The HTML footer [`Fix::AddUnsubscribeLink`] adds.
pub const UNSUBSCRIBE_HTML: &str =
    "<p style=\"font-size:12px;color:#666\"><a href=\"{{unsubscribeUrl}}\">Unsubscribe</a></p>";
/// The text footer [`Fix::AddUnsubscribeLink`] adds.
pub const UNSUBSCRIBE_TEXT: &str = "Unsubscribe: {{unsubscribeUrl}}";

impl Fix {
    /// What the button that applies it says.
    pub fn label(self) -> &'static str {
        match self {
            Self::AddUnsubscribeLink => "Add an unsubscribe link",
        }
    }

    /// The content with the fix made.
    pub fn apply(self, input: &mut CampaignInput) {
        match self {
            Self::AddUnsubscribeLink => {
                add_unsubscribe(&mut input.html_body, &mut input.text_body);
                for variant in &mut input.variants {
                    add_unsubscribe(&mut variant.html_body, &mut variant.text_body);
                }
            }
        }
    }
}

/// Adds the footers to the bodies that are there and do not mention unsubscribing; the HTML
/// one goes before `</body>` when the document has one.
fn add_unsubscribe(html: &mut String, text: &mut String) {
    let mentions = |part: &str| part.to_lowercase().contains("unsubscribe");
    if !html.trim().is_empty() && !mentions(html) {
        match html.to_ascii_lowercase().rfind("</body>") {
            Some(at) => html.insert_str(at, &format!("{UNSUBSCRIBE_HTML}\n")),
            None => {
                html.truncate(html.trim_end().len());
                html.push('\n');
                html.push_str(UNSUBSCRIBE_HTML);
            }
        }
    }
    if !text.trim().is_empty() && !mentions(text) {
        text.truncate(text.trim_end().len());
        text.push_str("\n\n");
        text.push_str(UNSUBSCRIBE_TEXT);
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
    let default = content.parts();
    findings.extend(review_parts(category, content.channel(), default, ""));
    for variant in content.variants() {
        let missing: Vec<&str> = default
            .named()
            .into_iter()
            .zip(variant.parts.named())
            .filter(|((_, d), (_, v))| !d.trim().is_empty() && v.trim().is_empty())
            .map(|((name, _), _)| part_label(content.channel(), name))
            .collect();
        if !missing.is_empty() {
            findings.push(Finding::warning(format!(
                "The {} variant has no {}: its recipients get the default content's.",
                variant.locale,
                missing.join(", ")
            )));
        }
        let effective = Parts {
            subject: or_default(&variant.parts.subject, &default.subject),
            preheader: or_default(&variant.parts.preheader, &default.preheader),
            html_body: or_default(&variant.parts.html_body, &default.html_body),
            text_body: or_default(&variant.parts.text_body, &default.text_body),
        };
        let prefix = format!("The {} variant: ", variant.locale);
        findings.extend(review_parts(
            category,
            content.channel(),
            &effective,
            &prefix,
        ));
    }
    findings
}

fn or_default(part: &str, default: &str) -> String {
    if part.trim().is_empty() {
        default
    } else {
        part
    }
    .to_owned()
}

/// What the form calls a part on a channel.
pub(crate) fn part_label(channel: Channel, name: &str) -> &'static str {
    match (channel, name) {
        (Channel::Push, "subject") => "title",
        (_, "subject") => "subject",
        (_, "preheader") => "preheader",
        (_, "htmlBody") => "HTML body",
        (Channel::Email, _) => "text body",
        (Channel::Sms, _) => "SMS text",
        (Channel::Push, _) => "body",
    }
}

/// The warnings about one language's parts (the default's, or a variant's with its fallbacks),
/// each message starting with `prefix`.
fn review_parts(category: Category, channel: Channel, parts: &Parts, prefix: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut warn = |message: String, fix: Option<Fix>| {
        findings.push(Finding {
            fix,
            ..Finding::warning(format!("{prefix}{message}"))
        });
    };
    match channel {
        Channel::Email => {
            let mentions_unsubscribe = [&parts.html_body, &parts.text_body]
                .iter()
                .any(|part| part.to_lowercase().contains("unsubscribe"));
            if category == Category::Marketing && !mentions_unsubscribe {
                warn(
                    "A marketing email should offer a way to unsubscribe; none of its parts mentions one.".into(),
                    Some(Fix::AddUnsubscribeLink),
                );
            }
            if parts.text_body.trim().is_empty() {
                warn(
                    "The email has no text part; some mail clients and spam filters expect one."
                        .into(),
                    None,
                );
            }
        }
        Channel::Sms => {
            let length = sms_length(&parts.text_body);
            if length.segments > 3 {
                warn(
                    format!(
                        "The SMS takes {} segments before personalisation; each segment is billed.",
                        length.segments
                    ),
                    None,
                );
            }
        }
        Channel::Push => {
            if parts.subject.chars().count() > PUSH_TITLE_CHARS {
                warn(
                    "The push title is longer than 50 characters; many devices cut it.".into(),
                    None,
                );
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
    use crate::content::{ContentInput, VariantInput};
    #[test]
    fn the_unsubscribe_fix_adds_a_link_where_none_is_and_silences_the_warning() {
        let mut input = CampaignInput {
            title: "Sale".into(),
            category: Category::Marketing,
            subject: "Sale".into(),
            html_body: "<html><body><p>Sale</p></BODY></html>".into(),
            text_body: "Sale\n".into(),
            variants: vec![VariantInput {
                locale: "fr".into(),
                html_body: "<p>Soldes</p> <a href=\"{{unsubscribeUrl}}\">unsubscribe</a>".into(),
                text_body: "Soldes".into(),
                ..VariantInput::default()
            }],
            ..CampaignInput::default()
        };
        let before = crate::campaign::NewCampaign::parse(&input).unwrap();
        let findings = review(Category::Marketing, &before.content, Window::default(), 0);
        assert_eq!(
            findings[0].fix,
            Some(Fix::AddUnsubscribeLink),
            "{findings:?}"
        );
        Fix::AddUnsubscribeLink.apply(&mut input);
        assert_eq!(
            input.html_body,
            format!("<html><body><p>Sale</p>{UNSUBSCRIBE_HTML}\n</BODY></html>")
        );
        assert_eq!(input.text_body, format!("Sale\n\n{UNSUBSCRIBE_TEXT}"));
        let fr = &input.variants[0];
        assert!(
            !fr.html_body.contains(UNSUBSCRIBE_HTML),
            "it had one already"
        );
        assert_eq!(fr.text_body, format!("Soldes\n\n{UNSUBSCRIBE_TEXT}"));
        let after = crate::campaign::NewCampaign::parse(&input).unwrap();
        let findings = review(Category::Marketing, &after.content, Window::default(), 0);
        assert!(findings.iter().all(|f| f.fix.is_none()), "{findings:?}");
    }

    fn content(channel: Channel, subject: &str, html: &str, text: &str) -> Content {
        Content::parse(&ContentInput {
            channel,
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..ContentInput::default()
        })
        .unwrap()
    }

    #[test]
    fn variants_missing_parts_warn_and_are_reviewed_with_their_fallbacks() {
        let content = Content::parse(&ContentInput {
            channel: Channel::Email,
            subject: "Sale".into(),
            html_body: "<p>Unsubscribe</p>".into(),
            text_body: "Sale".into(),
            variants: vec![
                VariantInput {
                    locale: "fr".into(),
                    subject: "Soldes".into(),
                    html_body: "<p>Se désabonner</p>".into(),
                    ..VariantInput::default()
                },
                VariantInput {
                    locale: "de".into(),
                    subject: "Rabatt".into(),
                    html_body: "<p>Unsubscribe</p>".into(),
                    text_body: "Rabatt".into(),
                    ..VariantInput::default()
                },
            ],
            ..ContentInput::default()
        })
        .unwrap();
        let messages: Vec<_> = review(Category::Marketing, &content, Window::default(), 0)
            .into_iter()
            .map(|f| (f.severity, f.message))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    Severity::Warning,
                    "The fr variant has no text body: its recipients get the default content's."
                        .to_owned()
                ),
                (
                    Severity::Warning,
                    "The fr variant: A marketing email should offer a way to unsubscribe; none \
                     of its parts mentions one."
                        .to_owned()
                ),
            ]
        );
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
