//! Campaigns: what a marketer designs and activates, and the rules of its lifecycle.

use crate::error::{FieldError, ValidationError};
use crate::profile::Namespace;
use crate::template::{self, Need, TemplateInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The channel a campaign sends on. One channel per campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// Where a campaign is in its life. Only a `Live` campaign accepts trigger calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Draft,
    Live,
    Stopped,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Live => "live",
            CampaignStatus::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(CampaignStatus::Draft),
            "live" => Some(CampaignStatus::Live),
            "stopped" => Some(CampaignStatus::Stopped),
            _ => None,
        }
    }

    /// Activation is allowed from Draft only; a stopped campaign is duplicated, not revived.
    pub fn activate(self) -> Result<CampaignStatus, &'static str> {
        match self {
            CampaignStatus::Draft => Ok(CampaignStatus::Live),
            CampaignStatus::Live => Err("the campaign is already live"),
            CampaignStatus::Stopped => {
                Err("a stopped campaign cannot be reactivated; duplicate it instead")
            }
        }
    }

    /// Only a live campaign can be stopped; it then refuses trigger calls for good. Messages
    /// already accepted are still delivered.
    pub fn stop(self) -> Result<CampaignStatus, &'static str> {
        match self {
            CampaignStatus::Live => Ok(CampaignStatus::Stopped),
            CampaignStatus::Draft => Err("a draft is not live, so it cannot be stopped"),
            CampaignStatus::Stopped => Err("the campaign is already stopped"),
        }
    }
}

/// The identity namespace that says how a trigger call's `userId` identifies a person.
pub const EMAIL_NAMESPACE: &str = "email";

/// A campaign title: 1 to 200 characters, no line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTitle(String);

impl CampaignTitle {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(FieldError::new("title", "is required"));
        }
        if title.chars().count() > 200 {
            return Err(FieldError::new("title", "must be at most 200 characters"));
        }
        if title.contains(['\r', '\n']) {
            return Err(FieldError::new("title", "must be on one line"));
        }
        Ok(Self(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The content of an email campaign: three Handlebars templates that all compile, use no
/// reserved variable, and whose subject stays on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailContent {
    subject: String,
    html_body: String,
    text_body: String,
}

/// Most bytes a single template may hold.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

impl EmailContent {
    pub fn parse(subject: &str, html_body: &str, text_body: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let subject = subject.trim();
        if subject.is_empty() {
            errors.push(FieldError::new("subject", "is required"));
        } else if subject.contains(['\r', '\n']) {
            errors.push(FieldError::new("subject", "must be on one line"));
        }
        if html_body.trim().is_empty() && text_body.trim().is_empty() {
            errors.push(FieldError::new(
                "htmlBody",
                "an HTML or a text body is required",
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
                subject: subject.to_owned(),
                html_body: html_body.to_owned(),
                text_body: text_body.to_owned(),
            })
        } else {
            Err(errors)
        }
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

    /// Every `profile.*` and `context.*` variable the content uses, across its three parts,
    /// with whether a trigger call must send it.
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

/// A campaign as a form or an API client submits it, before validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignInput {
    pub title: String,
    /// The identity namespace of the recipients' `userId`s.
    #[serde(default = "email_namespace")]
    pub namespace: String,
    /// Whether a trigger call may create a profile for an unknown `aep` recipient.
    #[serde(default)]
    pub create_profiles: bool,
    pub subject: String,
    #[serde(default)]
    pub html_body: String,
    #[serde(default)]
    pub text_body: String,
}

fn email_namespace() -> String {
    EMAIL_NAMESPACE.to_owned()
}

/// Everything needed to create a draft email campaign, validated.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub title: CampaignTitle,
    pub namespace: Namespace,
    pub create_profiles: bool,
    pub content: EmailContent,
}

impl NewCampaign {
    pub fn parse(input: &CampaignInput) -> Result<Self, ValidationError> {
        let title = CampaignTitle::parse(&input.title);
        let namespace = Namespace::parse(&input.namespace);
        let content = EmailContent::parse(&input.subject, &input.html_body, &input.text_body);
        match (title, namespace, content) {
            (Ok(title), Ok(namespace), Ok(content)) => Ok(Self {
                title,
                namespace,
                create_profiles: input.create_profiles,
                content,
            }),
            (title, namespace, content) => {
                let mut errors: Vec<FieldError> = title.err().into_iter().collect();
                errors.extend(namespace.err());
                errors.extend(content.err().unwrap_or_default());
                Err(ValidationError::new("invalid_campaign", errors))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str, subject: &str, html_body: &str) -> CampaignInput {
        CampaignInput {
            title: title.into(),
            namespace: EMAIL_NAMESPACE.into(),
            create_profiles: false,
            subject: subject.into(),
            html_body: html_body.into(),
            text_body: String::new(),
        }
    }

    #[test]
    fn a_campaign_needs_a_valid_namespace() {
        let mut bad = input("Reset", "Hi", "<p>x</p>");
        bad.namespace = "e mail".into();
        let err = NewCampaign::parse(&bad).unwrap_err();
        assert_eq!(err.errors[0].field, "namespace");
    }

    #[test]
    fn only_a_draft_can_be_activated() {
        assert_eq!(CampaignStatus::Draft.activate(), Ok(CampaignStatus::Live));
        assert!(CampaignStatus::Live.activate().is_err());
        assert!(CampaignStatus::Stopped.activate().is_err());
    }

    #[test]
    fn only_a_live_campaign_can_be_stopped() {
        assert_eq!(CampaignStatus::Live.stop(), Ok(CampaignStatus::Stopped));
        assert!(CampaignStatus::Draft.stop().is_err());
        assert!(CampaignStatus::Stopped.stop().is_err());
        assert!(
            CampaignStatus::Stopped.activate().is_err(),
            "stopping is for good"
        );
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in [
            CampaignStatus::Draft,
            CampaignStatus::Live,
            CampaignStatus::Stopped,
        ] {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CampaignStatus::parse("paused"), None);
    }

    #[test]
    fn a_campaign_needs_a_title_and_a_one_line_subject() {
        let err = NewCampaign::parse(&input(" ", "Hi\nthere", "<p>x</p>")).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "subject"]);
    }

    #[test]
    fn a_template_error_names_the_part_and_position() {
        let err =
            NewCampaign::parse(&input("Reset", "Hi", "<p>{{#if context.x}}</p>")).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].field, "htmlBody");
        assert!(
            err.errors[0].message.contains("line 1"),
            "{}",
            err.errors[0].message
        );
    }

    #[test]
    fn variables_are_collected_from_every_part() {
        let c = EmailContent::parse(
            "Hi {{profile.person.name.firstName}}",
            "<a href=\"{{context.resetUrl}}\">reset</a>",
            "{{context.resetUrl}} {{context.code}}",
        )
        .unwrap();
        let vars: Vec<_> = c.variables().into_keys().collect();
        assert_eq!(
            vars,
            [
                "context.code",
                "context.resetUrl",
                "profile.person.name.firstName"
            ]
        );
        assert_eq!(c.required_context(), ["context.code", "context.resetUrl"]);
    }
}
