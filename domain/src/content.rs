//! What a campaign sends, per channel: Handlebars templates that all compile, use no reserved
//! variable, and fit the channel.
//!
//! One shape serves the three channels, so versions, messages and the renderer stay uniform:
//! - email: `subject` (one line), `html_body` and/or `text_body`;
//! - SMS: `text_body` only;
//! - push: `subject` is the title (one line), `text_body` the body, plus [`PushOptions`].

use crate::campaign::Channel;
use crate::error::FieldError;
use crate::template::{self, Need, TemplateInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most bytes a single template may hold.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;
/// Longest SMS template, in characters (ten concatenated segments).
pub const MAX_SMS_CHARS: usize = 1_600;

/// Push settings beyond title and body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOptions {
    /// An https image shown with the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Where a tap leads: a deep link (`myapp://…`) or a web URL; none opens the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Custom key-values delivered to the app.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

/// Valid content for one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    channel: Channel,
    subject: String,
    html_body: String,
    text_body: String,
    push: PushOptions,
}

impl Content {
    pub fn parse(
        channel: Channel,
        subject: &str,
        html_body: &str,
        text_body: &str,
        push: &PushOptions,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let subject = subject.trim();
        let subject_name = if channel == Channel::Push {
            "title"
        } else {
            "subject"
        };
        match channel {
            Channel::Email | Channel::Push if subject.is_empty() => {
                errors.push(FieldError::new(
                    "subject",
                    format!("the {subject_name} is required"),
                ));
            }
            Channel::Sms if !subject.is_empty() => {
                errors.push(FieldError::new("subject", "an SMS has no subject"));
            }
            _ if subject.contains(['\r', '\n']) => {
                errors.push(FieldError::new(
                    "subject",
                    format!("the {subject_name} must be on one line"),
                ));
            }
            _ => {}
        }
        if channel == Channel::Email {
            if html_body.trim().is_empty() && text_body.trim().is_empty() {
                errors.push(FieldError::new(
                    "htmlBody",
                    "an HTML or a text body is required",
                ));
            }
        } else {
            if !html_body.trim().is_empty() {
                let message = format!("a {} message has no HTML body", channel.as_str());
                errors.push(FieldError::new("htmlBody", message));
            }
            if text_body.trim().is_empty() {
                errors.push(FieldError::new("textBody", "the text is required"));
            }
        }
        if channel == Channel::Sms && text_body.chars().count() > MAX_SMS_CHARS {
            let message = "an SMS template may have at most 1,600 characters";
            errors.push(FieldError::new("textBody", message));
        }
        if channel == Channel::Push {
            errors.extend(check_push(push));
        } else if *push != PushOptions::default() {
            errors.push(FieldError::new(
                "push",
                "only push campaigns have push options",
            ));
        }
        for (field, source) in [
            ("subject", subject),
            ("htmlBody", html_body),
            ("textBody", text_body),
        ] {
            if source.len() > MAX_TEMPLATE_BYTES {
                errors.push(FieldError::new(field, "is larger than 256 KB"));
            } else if let Err(e) = template::analyse(source) {
                errors.push(FieldError::new(field, e.to_string()));
            }
        }
        if errors.is_empty() {
            Ok(Self {
                channel,
                subject: subject.to_owned(),
                html_body: html_body.to_owned(),
                text_body: text_body.to_owned(),
                push: push.clone(),
            })
        } else {
            Err(errors)
        }
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn html_body(&self) -> &str {
        &self.html_body
    }

    pub fn text_body(&self) -> &str {
        &self.text_body
    }

    pub fn push(&self) -> &PushOptions {
        &self.push
    }

    /// Every `profile.*` and `context.*` variable the content uses, across its parts, with
    /// whether a trigger call must send it.
    pub fn variables(&self) -> BTreeMap<String, Need> {
        let mut all = TemplateInfo::default();
        [&self.subject, &self.html_body, &self.text_body]
            .into_iter()
            .filter_map(|source| template::analyse(source).ok())
            .for_each(|info| all.merge(info));
        all.variables
    }

    /// The context attributes every trigger call must carry for each recipient: the campaign's
    /// trigger contract.
    pub fn required_context(&self) -> Vec<String> {
        self.variables()
            .into_iter()
            .filter(|(path, need)| *need == Need::Required && path.starts_with("context."))
            .map(|(path, _)| path)
            .collect()
    }
}

fn check_push(push: &PushOptions) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(url) = &push.image_url
        && !(url.starts_with("https://") && url.len() <= 2048 && !url.contains(char::is_whitespace))
    {
        errors.push(FieldError::new("push.imageUrl", "must be an https URL"));
    }
    if let Some(link) = &push.link
        && (link.len() > 2048 || link.contains(char::is_whitespace) || !link.contains(':'))
    {
        errors.push(FieldError::new(
            "push.link",
            "must be a deep link (myapp://…) or a web URL",
        ));
    }
    if push.data.len() > 50
        || push
            .data
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > 100 || v.len() > 1024)
    {
        errors.push(FieldError::new(
            "push.data",
            "at most 50 keys of 1 to 100 characters, values of at most 1,024",
        ));
    }
    errors
}

/// How an SMS text is encoded and how many segments it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsLength {
    /// `true`: GSM-7 (160 per single message, 153 per segment); `false`: UCS-2 (70 / 67).
    pub gsm7: bool,
    /// Length in the encoding's units (GSM-7 extension characters count twice; UCS-2 counts
    /// UTF-16 code units).
    pub units: usize,
    pub segments: usize,
}

/// The GSM 03.38 basic character set.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM 03.38 extension table (two units each).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// Counts the segments an SMS text takes.
pub fn sms_length(text: &str) -> SmsLength {
    let gsm7 = text
        .chars()
        .all(|c| GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c));
    let (units, single, multi) = if gsm7 {
        let units = text
            .chars()
            .map(|c| if GSM7_EXTENSION.contains(c) { 2 } else { 1 })
            .sum();
        (units, 160, 153)
    } else {
        (text.encode_utf16().count(), 70, 67)
    };
    let segments = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(multi),
    };
    SmsLength {
        gsm7,
        units,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        channel: Channel,
        subject: &str,
        html: &str,
        text: &str,
    ) -> Result<Content, Vec<String>> {
        Content::parse(channel, subject, html, text, &PushOptions::default()).map_err(|e| {
            e.into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect()
        })
    }

    #[test]
    fn each_channel_has_its_parts() {
        assert!(parse(Channel::Email, "Hi", "<p>x</p>", "").is_ok());
        assert!(parse(Channel::Sms, "", "", "Code {{context.code}}").is_ok());
        assert!(parse(Channel::Push, "Shipped", "", "On its way").is_ok());
        assert_eq!(parse(Channel::Sms, "Hi", "<p/>", "").unwrap_err().len(), 3);
        assert_eq!(
            parse(Channel::Push, "", "", "x").unwrap_err(),
            ["subject: the title is required"]
        );
        assert_eq!(
            parse(Channel::Email, "a\nb", "", "").unwrap_err(),
            [
                "subject: the subject must be on one line",
                "htmlBody: an HTML or a text body is required"
            ]
        );
    }

    #[test]
    fn push_options_are_checked_and_only_for_push() {
        let bad = PushOptions {
            image_url: Some("http://x.test/a.png".into()),
            link: Some("not a link".into()),
            data: BTreeMap::new(),
        };
        let errors = Content::parse(Channel::Push, "T", "", "B", &bad).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["push.imageUrl", "push.link"]);
        let errors = Content::parse(Channel::Email, "T", "", "B", &bad).unwrap_err();
        assert_eq!(errors[0].field, "push");
    }

    #[test]
    fn sms_segments_follow_gsm7_and_ucs2() {
        assert_eq!(
            sms_length(""),
            SmsLength {
                gsm7: true,
                units: 0,
                segments: 0
            }
        );
        assert_eq!(sms_length(&"a".repeat(160)).segments, 1);
        assert_eq!(sms_length(&"a".repeat(161)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(307)).segments, 3);
        let euro = sms_length("€");
        assert_eq!(
            (euro.gsm7, euro.units),
            (true, 2),
            "extension characters count twice"
        );
        let emoji = sms_length("Hi 👋");
        assert_eq!((emoji.gsm7, emoji.units, emoji.segments), (false, 5, 1));
        assert_eq!(sms_length(&"é".repeat(70)).segments, 1, "é is GSM-7");
        assert_eq!(
            sms_length(&"ł".repeat(71)).segments,
            2,
            "ł is not: UCS-2, 70 per SMS"
        );
        assert_eq!(sms_length(&"ł".repeat(134)).segments, 2);
        assert_eq!(sms_length(&"ł".repeat(135)).segments, 3);
    }
}
