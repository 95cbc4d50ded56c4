//! Searching messages (the message explorer and `GET /api/v1/messages`): by recipient, the
//! caller's requestId, executionId, campaign, status and its reason, engagement, clicked link,
//! version, language variant, push platform and creation date, 50 a page, newest first. Every
//! number of a report has a query here that lists the messages it counts.

use crate::dates::{DAY_OR_INSTANT, day_or_instant, utc_offset_ms};
use crate::delivery::MessageStatus;
use crate::error::{FieldError, ValidationError};
use crate::report::{Exclusion, Failure, PLATFORM_GROUPS};
use serde::{Deserialize, Serialize};

pub const MESSAGE_PAGE_SIZE: u32 = 50;

/// The query as it arrives: every field optional text (a form or a URL).
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageQueryInput {
    /// The exact email address, E.164 number or push token.
    pub recipient: Option<String>,
    /// The `requestId` of the trigger call.
    pub request_id: Option<String>,
    pub execution_id: Option<String>,
    pub campaign_id: Option<String>,
    /// queued, sending, sent, failed or excluded.
    pub status: Option<String>,
    /// Why they failed (rejected, gave_up, undelivered) or were excluded (suppressed,
    /// opted_out, no_consent, past_end_date, invalid_recipient, cancelled, send_window,
    /// local_time_passed).
    pub reason: Option<String>,
    /// opened, clicked or unsubscribed: messages opened (or clicked) at least once, or whose
    /// unsubscribe link was used.
    pub engagement: Option<String>,
    /// Messages in which this link (its URL as the report lists it) was clicked.
    pub link: Option<String>,
    /// The campaign version the messages were rendered from (`1`, `2`…).
    pub version: Option<String>,
    /// The language variant they were rendered in (a locale such as `fr-FR`; `default` for the
    /// default content).
    pub language: Option<String>,
    /// Push messages to this platform: ios, android, web, other or unknown.
    pub platform: Option<String>,
    /// Created on or after this day (`2026-11-29`) or instant (RFC 3339).
    pub from: Option<String>,
    /// Created on or before this day (the whole day) or instant.
    pub to: Option<String>,
    /// The days' time zone as minutes east of UTC (`-300` for New York in winter); UTC if absent.
    pub utc_offset: Option<String>,
    /// 1-based page of 50.
    pub page: Option<String>,
}

/// A valid message query; instants in ms since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageQuery {
    pub recipient: Option<String>,
    pub request_id: Option<String>,
    pub execution_id: Option<String>,
    pub campaign_id: Option<String>,
    pub status: Option<MessageStatus>,
    pub reason: Option<Reason>,
    pub engagement: Option<Engagement>,
    pub link: Option<String>,
    pub version: Option<i64>,
    /// The variant's locale; `Some("")` for the default content.
    pub language: Option<String>,
    /// One of [`PLATFORM_GROUPS`].
    pub platform: Option<&'static str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub page: u32,
}

const DAY_MS: i64 = 86_400_000;

crate::delivery::status_enum!(
    /// What a recipient did with a message, as the reports count it (unique opens and clicks,
    /// unsubscribes).
    Engagement {
        Opened => "opened",
        Clicked => "clicked",
        Unsubscribed => "unsubscribed",
    }
);

/// Why a message ended failed or excluded: the reasons the report breaks them down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Failed(Failure),
    Excluded(Exclusion),
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed(f) => f.as_str(),
            Self::Excluded(e) => e.as_str(),
        }
    }

    /// Every reason: the failures, then the exclusions.
    pub fn all() -> Vec<Self> {
        let failures = Failure::ALL.iter().map(|&f| Self::Failed(f));
        failures
            .chain(Exclusion::ALL.iter().map(|&e| Self::Excluded(e)))
            .collect()
    }
}

/// The value of `all` that `raw` names, if any; otherwise an error for `field` listing them.
fn one_of<T: Copy>(
    errors: &mut Vec<FieldError>,
    field: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    raw: Option<String>,
) -> Option<T> {
    let raw = raw?;
    let found = all.iter().copied().find(|v| name(*v) == raw);
    if found.is_none() {
        let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
        errors.push(FieldError::new(
            field,
            format!("\"{raw}\" is not one of {}", names.join(", ")),
        ));
    }
    found
}

/// The longest link URL a query compares (the tracked links' own limit is lower).
const MAX_LINK_CHARS: usize = 4096;

impl MessageQuery {
    pub fn parse(input: &MessageQueryInput) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(300).collect::<String>())
        };
        let status = one_of(
            &mut errors,
            "status",
            MessageStatus::ALL,
            |s| s.as_str(),
            text(&input.status),
        );
        let reason = one_of(
            &mut errors,
            "reason",
            &Reason::all(),
            Reason::as_str,
            text(&input.reason),
        );
        let engagement = one_of(
            &mut errors,
            "engagement",
            Engagement::ALL,
            |e| e.as_str(),
            text(&input.engagement),
        );
        let platform = one_of(
            &mut errors,
            "platform",
            PLATFORM_GROUPS,
            |p| p,
            text(&input.platform),
        );
        let link = input
            .link
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| l.chars().take(MAX_LINK_CHARS).collect::<String>());
        let version = text(&input.version).and_then(|v| match v.parse::<i64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "version",
                    "must be a version number from 1",
                ));
                None
            }
        });
        let language =
            text(&input.language).map(|l| if l == "default" { String::new() } else { l });
        let offset_ms = utc_offset_ms(text(&input.utc_offset).as_deref()).unwrap_or_else(|e| {
            errors.push(e);
            0
        });
        let mut instant = |field: &str, raw: Option<String>, end_of_day: bool| {
            let raw = raw?;
            let parsed = day_or_instant(&raw, offset_ms).map(|(at, day)| {
                if day && end_of_day {
                    at + DAY_MS - 1
                } else {
                    at
                }
            });
            if parsed.is_none() {
                errors.push(FieldError::new(field, DAY_OR_INSTANT));
            }
            parsed
        };
        let from = instant("from", text(&input.from), false);
        let to = instant("to", text(&input.to), true);
        let page = match text(&input.page).map(|p| p.parse::<u32>()) {
            None => 1,
            Some(Ok(p)) if (1..=100_000).contains(&p) => p,
            Some(_) => {
                errors.push(FieldError::new("page", "must be a page number from 1"));
                1
            }
        };
        if !errors.is_empty() {
            return Err(ValidationError::new("invalid_query", errors));
        }
        Ok(Self {
            recipient: text(&input.recipient),
            request_id: text(&input.request_id),
            execution_id: text(&input.execution_id),
            campaign_id: text(&input.campaign_id),
            status,
            reason,
            engagement,
            link,
            version,
            language,
            platform,
            from,
            to,
            page,
        })
    }

    pub fn is_filtered(&self) -> bool {
        *self
            != MessageQuery {
                page: self.page,
                ..MessageQuery::default()
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_the_whole_utc_day_and_bad_values_are_named() {
        let q = MessageQuery::parse(&MessageQueryInput {
            from: Some("2026-11-29".into()),
            to: Some("2026-11-29".into()),
            status: Some("sent".into()),
            engagement: Some("clicked".into()),
            reason: Some("gave_up".into()),
            link: Some(" https://example.com/a?b=c ".into()),
            platform: Some("ios".into()),
            version: Some("2".into()),
            language: Some("default".into()),
            recipient: Some(" jane@example.com ".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(q.from, Some(1_795_910_400_000));
        assert_eq!(q.to, Some(1_795_910_400_000 + DAY_MS - 1));
        assert_eq!(q.recipient.as_deref(), Some("jane@example.com"));
        assert!(q.is_filtered());
        assert_eq!(q.status, Some(MessageStatus::Sent));
        assert_eq!(q.engagement, Some(Engagement::Clicked));
        assert_eq!((q.version, q.language.as_deref()), (Some(2), Some("")));
        assert_eq!(q.reason, Some(Reason::Failed(Failure::GaveUp)));
        assert_eq!(q.link.as_deref(), Some("https://example.com/a?b=c"));
        assert_eq!(q.platform, Some("ios"));
        let err = MessageQuery::parse(&MessageQueryInput {
            status: Some("lost".into()),
            reason: Some("bored".into()),
            engagement: Some("liked".into()),
            platform: Some("tv".into()),
            version: Some("0".into()),
            from: Some("yesterday".into()),
            page: Some("0".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "status",
                "reason",
                "engagement",
                "platform",
                "version",
                "from",
                "page"
            ]
        );
        assert!(
            err.errors[1]
                .message
                .contains("rejected, gave_up, undelivered, suppressed")
        );
        let toronto = MessageQuery::parse(&MessageQueryInput {
            from: Some("2026-11-29".into()),
            utc_offset: Some("-300".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            toronto.from,
            Some(1_795_910_400_000 + 5 * 3_600_000),
            "a day in the caller's zone starts at its midnight there"
        );
        let err = MessageQuery::parse(&MessageQueryInput {
            utc_offset: Some("900".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.errors[0].field, "utcOffset");
        assert!(
            !MessageQuery::parse(&MessageQueryInput::default())
                .unwrap()
                .is_filtered()
        );
    }
}
