//! Campaigns: what a marketer designs and activates, and the rules of its lifecycle.

use crate::content::{Content, ContentInput, PushOptions, VariantInput};
use crate::dates::parse_rfc3339_ms;
use crate::error::{FieldError, ValidationError};
use crate::fragment::Fragments;
use crate::ids::{AudienceId, SurfaceId};
use crate::locale::DEFAULT_LOCALE_ATTRIBUTE;
use crate::profile::Namespace;
use serde::{Deserialize, Serialize};

use crate::channel::{Category, Channel};

/// Where a campaign is in its life. `Scheduled` and `Completed` are `Live` campaigns before
/// their start and after their end: they are derived from the dates ([`CampaignStatus::effective`]),
/// never stored. Only an effectively `Live` campaign accepts trigger calls.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Live,
    Stopped,
    Completed,
    Archived,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 6] = [
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Live,
        CampaignStatus::Stopped,
        CampaignStatus::Completed,
        CampaignStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Live => "live",
            CampaignStatus::Stopped => "stopped",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The status as the campaign's dates make it at `now` (ms): a stored `Live` is `Scheduled`
    /// before `starts_at` and `Completed` from `ends_at` on.
    pub fn effective(self, window: Window, now: i64) -> CampaignStatus {
        match self {
            CampaignStatus::Live if window.starts_at.is_some_and(|s| now < s) => {
                CampaignStatus::Scheduled
            }
            CampaignStatus::Live if window.ends_at.is_some_and(|e| now >= e) => {
                CampaignStatus::Completed
            }
            other => other,
        }
    }

    /// Activation is allowed from Draft only (a future start date makes it Scheduled); a
    /// stopped campaign is duplicated, not revived. Returns the status to store.
    pub fn activate(self) -> Result<CampaignStatus, &'static str> {
        match self {
            CampaignStatus::Draft => Ok(CampaignStatus::Live),
            CampaignStatus::Live | CampaignStatus::Scheduled => Err("the campaign is already live"),
            CampaignStatus::Stopped => {
                Err("a stopped campaign cannot be reactivated; duplicate it instead")
            }
            CampaignStatus::Completed => {
                Err("the campaign's end date has passed; duplicate it to send again")
            }
            CampaignStatus::Archived => Err("an archived campaign cannot be reactivated"),
        }
    }

    /// A live or scheduled campaign can be stopped; it then refuses trigger calls for good.
    /// Messages already accepted are still delivered.
    pub fn stop(self) -> Result<CampaignStatus, &'static str> {
        match self {
            CampaignStatus::Live | CampaignStatus::Scheduled => Ok(CampaignStatus::Stopped),
            CampaignStatus::Draft => Err("a draft is not live, so it cannot be stopped"),
            CampaignStatus::Stopped => Err("the campaign is already stopped"),
            CampaignStatus::Completed => Err("the campaign has already completed"),
            CampaignStatus::Archived => Err("the campaign is archived"),
        }
    }

    /// Stopped and completed campaigns can be archived (hidden from the default list, kept
    /// with their history).
    pub fn archive(self) -> Result<CampaignStatus, &'static str> {
        match self {
            CampaignStatus::Stopped | CampaignStatus::Completed => Ok(CampaignStatus::Archived),
            CampaignStatus::Draft => Err("a draft is deleted, not archived"),
            CampaignStatus::Live | CampaignStatus::Scheduled => {
                Err("stop the campaign before archiving it")
            }
            CampaignStatus::Archived => Err("the campaign is already archived"),
        }
    }
}

/// When a campaign accepts trigger calls: from `starts_at` (inclusive) to `ends_at`
/// (exclusive), in ms since the epoch; `None` is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// Most tags a campaign may have, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// The campaign delivery rate limit's range, messages per second.
pub const RATE_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=2000;

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

/// A campaign as a form or an API client submits it, before validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignInput {
    pub title: String,
    /// The identity namespace of the recipients' `userId`s.
    #[serde(default = "email_namespace")]
    pub namespace: String,
    /// Whether a trigger call may create a profile for an unknown `aep` recipient.
    #[serde(default)]
    pub create_profiles: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category: Category,
    #[serde(default)]
    pub tags: Vec<String>,
    /// RFC 3339 date-time from which trigger calls are accepted, e.g. `2026-12-01T09:00:00+01:00`.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// RFC 3339 date-time from which trigger calls are refused.
    #[serde(default)]
    pub ends_at: Option<String>,
    /// Most messages per second, 1 to 2000.
    #[serde(default)]
    pub rate_limit: Option<u32>,
    /// The channel surface (sender and provider) of the campaign's channel and category; none:
    /// the server's default sender.
    #[serde(default)]
    pub surface_id: Option<String>,
    /// The audience an audience send goes to when it names none.
    #[serde(default)]
    pub audience_id: Option<String>,
    /// Engagement tracking: email opens, and clicks on the links of email and SMS.
    #[serde(default)]
    pub tracking: bool,
    #[serde(default)]
    pub channel: Channel,
    /// Email subject or push title; SMS has none.
    #[serde(default)]
    pub subject: String,
    /// Email only: the one-line preview inboxes show after the subject (hidden in the body).
    #[serde(default)]
    pub preheader: String,
    #[serde(default)]
    pub html_body: String,
    /// Email text part, SMS text or push body.
    #[serde(default)]
    pub text_body: String,
    /// Push only: image, link and custom data.
    #[serde(default)]
    pub push: PushOptions,
    /// The profile attribute holding a recipient's language, which picks a variant
    /// (`preferredLanguage` unless given).
    #[serde(default = "locale_attribute")]
    pub locale_attribute: String,
    /// The content in other languages. A recipient gets the variant of their language
    /// (`fr-CA`, else `fr`), else the content above; a variant's empty part uses the content's.
    #[serde(default)]
    pub variants: Vec<VariantInput>,
}

fn email_namespace() -> String {
    EMAIL_NAMESPACE.to_owned()
}

fn locale_attribute() -> String {
    DEFAULT_LOCALE_ATTRIBUTE.to_owned()
}

impl CampaignInput {
    /// The content part of the input.
    pub fn content(&self) -> ContentInput {
        ContentInput {
            channel: self.channel,
            subject: self.subject.clone(),
            preheader: self.preheader.clone(),
            html_body: self.html_body.clone(),
            text_body: self.text_body.clone(),
            push: self.push.clone(),
            locale_attribute: self.locale_attribute.clone(),
            variants: self.variants.clone(),
        }
    }

    /// Replaces the content part of the input.
    pub fn set_content(&mut self, content: ContentInput) {
        self.channel = content.channel;
        self.subject = content.subject;
        self.preheader = content.preheader;
        self.html_body = content.html_body;
        self.text_body = content.text_body;
        self.push = content.push;
        self.locale_attribute = content.locale_attribute;
        self.variants = content.variants;
    }
}

/// An email campaign in the `email` namespace with everything else empty (as a JSON body that
/// omits the optional fields).
impl Default for CampaignInput {
    fn default() -> Self {
        Self {
            title: String::new(),
            namespace: email_namespace(),
            create_profiles: false,
            description: String::new(),
            category: Category::default(),
            tags: Vec::new(),
            starts_at: None,
            ends_at: None,
            rate_limit: None,
            surface_id: None,
            audience_id: None,
            tracking: false,
            channel: Channel::default(),
            subject: String::new(),
            preheader: String::new(),
            html_body: String::new(),
            text_body: String::new(),
            push: PushOptions::default(),
            locale_attribute: locale_attribute(),
            variants: Vec::new(),
        }
    }
}

/// Everything needed to create a draft campaign, validated.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub title: CampaignTitle,
    pub description: String,
    pub category: Category,
    pub tags: Vec<String>,
    pub namespace: Namespace,
    pub create_profiles: bool,
    pub window: Window,
    pub rate_limit: Option<u32>,
    pub surface_id: Option<SurfaceId>,
    pub audience_id: Option<AudienceId>,
    pub tracking: bool,
    pub content: Content,
}

impl NewCampaign {
    /// Parses a campaign whose content includes no fragment.
    pub fn parse(input: &CampaignInput) -> Result<Self, ValidationError> {
        Self::parse_with(input, &Fragments::default())
    }

    /// Parses a campaign whose content may include the fragments in `fragments`.
    pub fn parse_with(
        input: &CampaignInput,
        fragments: &Fragments,
    ) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let title = CampaignTitle::parse(&input.title)
            .map_err(|e| errors.push(e))
            .ok();
        let namespace = Namespace::parse(&input.namespace)
            .map_err(|e| errors.push(e))
            .ok();
        let description = input.description.trim().to_owned();
        if description.chars().count() > 2000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 2,000 characters",
            ));
        }
        let tags = parse_tags(&input.tags).map_err(|e| errors.push(e)).ok();
        let starts_at = parse_instant("startsAt", input.starts_at.as_deref(), &mut errors);
        let ends_at = parse_instant("endsAt", input.ends_at.as_deref(), &mut errors);
        if let (Some(s), Some(e)) = (starts_at, ends_at)
            && e <= s
        {
            errors.push(FieldError::new("endsAt", "must be after startsAt"));
        }
        if input
            .rate_limit
            .is_some_and(|r| !RATE_LIMIT_RANGE.contains(&r))
        {
            errors.push(FieldError::new(
                "rateLimit",
                "must be 1 to 2,000 messages per second",
            ));
        }
        let surface_id = match input.surface_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => raw
                .parse()
                .map_err(|_| errors.push(FieldError::new("surfaceId", "is not a surface id")))
                .ok(),
        };
        let audience_id = match input.audience_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => raw
                .parse()
                .map_err(|_| errors.push(FieldError::new("audienceId", "is not an audience id")))
                .ok(),
        };
        let content = Content::parse_with(&input.content(), fragments)
            .map_err(|e| errors.extend(e))
            .ok();
        match (title, namespace, tags, content) {
            (Some(title), Some(namespace), Some(tags), Some(content)) if errors.is_empty() => {
                Ok(Self {
                    title,
                    description,
                    category: input.category,
                    tags,
                    namespace,
                    create_profiles: input.create_profiles,
                    window: Window { starts_at, ends_at },
                    rate_limit: input.rate_limit,
                    surface_id,
                    audience_id,
                    tracking: input.tracking,
                    content,
                })
            }
            _ => Err(ValidationError::new("invalid_campaign", errors)),
        }
    }
}

/// Trimmed, distinct, non-empty tags of at most [`MAX_TAG_CHARS`], at most [`MAX_TAGS`].
fn parse_tags(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
            return Err(FieldError::new(
                "tags",
                "each tag must be at most 50 characters on one line",
            ));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new(
            "tags",
            "a campaign may have at most 20 tags",
        ));
    }
    Ok(tags)
}

fn parse_instant(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    match parse_rfc3339_ms(raw) {
        Some(ms) => Some(ms),
        None => {
            errors.push(FieldError::new(
                field,
                "must be an RFC 3339 date-time with a time zone, e.g. 2026-12-01T09:00:00+01:00",
            ));
            None
        }
    }
}

#[cfg(feature = "sqlx")]
crate::text_column::text_column!(
    CampaignStatus,
    |v: &CampaignStatus| v.as_str().to_owned(),
    CampaignStatus::parse
);
#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str, subject: &str, html_body: &str) -> CampaignInput {
        CampaignInput {
            title: title.into(),
            namespace: EMAIL_NAMESPACE.into(),
            subject: subject.into(),
            html_body: html_body.into(),
            ..CampaignInput::default()
        }
    }

    #[test]
    fn a_campaign_needs_a_valid_namespace() {
        let mut bad = input("Reset", "Hi", "<p>x</p>");
        bad.namespace = "e mail".into();
        let err = NewCampaign::parse(&bad).unwrap_err();
        assert_eq!(err.errors[0].field, "namespace");
    }

    use CampaignStatus::*;

    /// Every (status, action) pair and whether the lifecycle allows it.
    #[test]
    fn every_transition_is_allowed_or_refused_as_the_lifecycle_says() {
        type Rule = fn(CampaignStatus) -> Result<CampaignStatus, &'static str>;
        type Allowed = &'static [(CampaignStatus, CampaignStatus)];
        let rules: [(&str, Rule, Allowed); 3] = [
            ("activate", CampaignStatus::activate, &[(Draft, Live)]),
            (
                "stop",
                CampaignStatus::stop,
                &[(Live, Stopped), (Scheduled, Stopped)],
            ),
            (
                "archive",
                CampaignStatus::archive,
                &[(Stopped, Archived), (Completed, Archived)],
            ),
        ];
        for (name, rule, allowed) in rules {
            for from in CampaignStatus::ALL {
                let expected = allowed.iter().find(|(f, _)| *f == from).map(|(_, to)| *to);
                assert_eq!(rule(from).ok(), expected, "{name} from {from:?}");
            }
        }
    }

    #[test]
    fn dates_make_a_live_campaign_scheduled_or_completed() {
        let window = Window {
            starts_at: Some(100),
            ends_at: Some(200),
        };
        assert_eq!(Live.effective(window, 99), Scheduled);
        assert_eq!(Live.effective(window, 100), Live);
        assert_eq!(Live.effective(window, 199), Live);
        assert_eq!(Live.effective(window, 200), Completed);
        assert_eq!(Stopped.effective(window, 150), Stopped);
        assert_eq!(Draft.effective(window, 300), Draft);
        assert_eq!(Live.effective(Window::default(), 0), Live);
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CampaignStatus::parse("paused"), None);
    }

    #[test]
    fn properties_are_validated_together() {
        let mut i = input("Promo", "Hi", "<p>x</p>");
        i.starts_at = Some("2026-12-02T00:00:00Z".into());
        i.ends_at = Some("2026-12-01T00:00:00+01:00".into());
        i.rate_limit = Some(5000);
        i.tags = vec!["x".repeat(51)];
        let fields: Vec<_> = NewCampaign::parse(&i)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["tags", "endsAt", "rateLimit"]);

        i.ends_at = Some("tomorrow".into());
        i.rate_limit = Some(2000);
        i.tags = vec![" vip ".into(), "vip".into(), "".into()];
        let err = NewCampaign::parse(&i).unwrap_err();
        assert_eq!(err.errors[0].field, "endsAt");
        i.ends_at = Some("2026-12-03T00:00:00Z".into());
        let ok = NewCampaign::parse(&i).unwrap();
        assert_eq!(ok.tags, ["vip"]);
        assert_eq!(ok.window.starts_at, Some(1_796_169_600_000));
        assert_eq!(ok.category, Category::Transactional);
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
        let c = Content::parse(&ContentInput {
            channel: Channel::Email,
            subject: "Hi {{profile.person.name.firstName}}".into(),
            html_body: "<a href=\"{{context.resetUrl}}\">reset</a>".into(),
            text_body: "{{context.resetUrl}} {{context.code}}".into(),
            ..ContentInput::default()
        })
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
