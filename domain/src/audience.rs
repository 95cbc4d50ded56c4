//! Audiences: the people a campaign is sent to in one go.
//!
//! An audience belongs to one sandbox and is either *static* (a list of profiles, added by
//! identity) or *rule-based* (every profile of the sandbox whose attributes pass an
//! [`AudienceRule`], evaluated when it is counted or sent, never stored per member).
//!
//! A rule is conditions joined by `AND`, each on an attribute path (dots walk into objects, so
//! consents read as `consents.marketing.email.val`):
//!
//! | condition | passes when the attribute … |
//! |---|---|
//! | `path = value` | equals the value (a string, or the number or boolean it spells) |
//! | `path != value` | is missing, or does not equal the value |
//! | `path exists` | is present and not null |
//! | `path missing` | is absent or null |
//!
//! A value may be quoted (`city = "New York"`); unquoted, it runs to the end of the condition.

use crate::error::{FieldError, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most conditions in one rule.
pub const MAX_CONDITIONS: usize = 20;
/// Deepest attribute path of a condition.
pub const MAX_PATH_DEPTH: usize = 8;
/// Longest rule text.
pub const MAX_RULE_LEN: usize = 2000;
/// Most identities one request may add to or remove from a static audience.
pub const MAX_MEMBERS_PER_CALL: usize = 10_000;

/// What one condition asks of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    Equals(String),
    NotEquals(String),
    Exists,
    Missing,
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The attribute's path, one segment per object level (letters, digits, `_`, `-`).
    pub path: Vec<String>,
    pub test: Test,
}

impl Condition {
    /// The JSON values (as compact JSON text) an attribute may hold to equal `value`: the
    /// string itself and, when it spells one, the number or boolean.
    pub fn json_candidates(value: &str) -> Vec<String> {
        let mut candidates = vec![serde_json::Value::String(value.to_owned()).to_string()];
        if let Ok(literal) = serde_json::from_str::<serde_json::Value>(value)
            && (literal.is_number() || literal.is_boolean())
        {
            candidates.push(literal.to_string());
        }
        candidates
    }
}

/// Conditions that all have to pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceRule {
    pub conditions: Vec<Condition>,
}

impl AudienceRule {
    /// Reads a rule's text; every problem is a message for the `rule` field.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("is required: at least one condition, e.g. preferredLanguage = fr".into());
        }
        if text.len() > MAX_RULE_LEN {
            return Err(format!("must be at most {MAX_RULE_LEN} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let parts = split_and(text);
        if parts.len() > MAX_CONDITIONS {
            return Err(format!("must have at most {MAX_CONDITIONS} conditions"));
        }
        let conditions = parts
            .iter()
            .enumerate()
            .map(|(i, part)| parse_condition(part).map_err(|e| format!("condition {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Self { conditions })
    }

    /// Whether a profile with these attributes passes.
    pub fn matches(&self, attributes: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.conditions.iter().all(|c| {
            let mut node = attributes.get(&c.path[0]);
            for segment in &c.path[1..] {
                node = node.and_then(|n| n.get(segment));
            }
            let node = node.filter(|n| !n.is_null());
            let equals = |value: &str| {
                node.is_some_and(|n| Condition::json_candidates(value).contains(&n.to_string()))
            };
            match &c.test {
                Test::Exists => node.is_some(),
                Test::Missing => node.is_none(),
                Test::Equals(v) => equals(v),
                Test::NotEquals(v) => !equals(v),
            }
        })
    }
}

impl fmt::Display for AudienceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(" AND ")?;
            }
            let path = c.path.join(".");
            let quoted = |v: &str| {
                if v.is_empty() || v.contains(char::is_whitespace) || v.contains('"') {
                    serde_json::Value::String(v.to_owned()).to_string()
                } else {
                    v.to_owned()
                }
            };
            match &c.test {
                Test::Equals(v) => write!(f, "{path} = {}", quoted(v))?,
                Test::NotEquals(v) => write!(f, "{path} != {}", quoted(v))?,
                Test::Exists => write!(f, "{path} exists")?,
                Test::Missing => write!(f, "{path} missing")?,
            }
        }
        Ok(())
    }
}

/// Splits on the word `AND` (any case) outside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        if !in_quotes && word.eq_ignore_ascii_case("and") {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        in_quotes ^= word.matches('"').count() % 2 == 1;
    }
    parts.push(current);
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

fn parse_condition(text: &str) -> Result<Condition, String> {
    if text.is_empty() {
        return Err("is empty (two ANDs in a row?)".into());
    }
    let path_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '!')
        .unwrap_or(text.len());
    let path = parse_path(&text[..path_end])?;
    let rest = text[path_end..].trim_start();
    let test = if let Some(value) = rest.strip_prefix("!=") {
        Test::NotEquals(parse_value(value)?)
    } else if let Some(value) = rest.strip_prefix('=') {
        Test::Equals(parse_value(value)?)
    } else if rest.eq_ignore_ascii_case("exists") {
        Test::Exists
    } else if rest.eq_ignore_ascii_case("missing") {
        Test::Missing
    } else {
        return Err(format!(
            "after \"{}\" comes = value, != value, exists or missing",
            &text[..path_end]
        ));
    };
    Ok(Condition { path, test })
}

fn parse_path(raw: &str) -> Result<Vec<String>, String> {
    let segments: Vec<String> = raw.split('.').map(str::to_owned).collect();
    let valid = |s: &String| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if raw.is_empty() || !segments.iter().all(valid) {
        return Err(format!(
            "\"{raw}\" is not an attribute path (letters, digits, _ and -, joined by dots)"
        ));
    }
    if segments.len() > MAX_PATH_DEPTH {
        return Err(format!("the path is deeper than {MAX_PATH_DEPTH} levels"));
    }
    Ok(segments)
}

fn parse_value(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.starts_with('"') {
        return serde_json::from_str::<String>(raw)
            .map_err(|_| format!("{raw} is not a quoted value (\"…\", with \\\" inside)"));
    }
    if raw.is_empty() {
        return Err("has no value after the operator (quote an empty value: \"\")".into());
    }
    Ok(raw.to_owned())
}

crate::delivery::status_enum!(
    /// Where an audience send stands. The reference API shows `cancelled` as `Failed`.
    SendStatus {
        InProgress => "in_progress",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

impl SendStatus {
    /// The reference API's word: `InProgress`, `Succeeded` or `Failed`.
    pub fn reference(self) -> &'static str {
        match self {
            SendStatus::InProgress => "InProgress",
            SendStatus::Succeeded => "Succeeded",
            SendStatus::Failed | SendStatus::Cancelled => "Failed",
        }
    }
}

crate::delivery::status_enum!(
    /// Where a scheduled audience send stands.
    ScheduleStatus {
        Scheduled => "scheduled",
        /// Started at its time: an audience send exists.
        Triggered => "triggered",
        /// Found later than the grace period allows (Herald was down at its time): not sent.
        Missed => "missed",
        /// Could not start at its time (e.g. the campaign was no longer live).
        Failed => "failed",
    }
);

impl ScheduleStatus {
    /// The reference API's word (`Scheduled`, `Triggered`); Herald's own for the others.
    pub fn reference(self) -> &'static str {
        match self {
            ScheduleStatus::Scheduled => "Scheduled",
            ScheduleStatus::Triggered => "Triggered",
            ScheduleStatus::Missed => "Missed",
            ScheduleStatus::Failed => "Failed",
        }
    }
}

/// An audience as created or edited: a name and either a rule or nothing (static).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AudienceInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A rule (e.g. `preferredLanguage = fr AND consents.marketing.email.val = y`) makes a
    /// rule-based audience; absent or null, a static one whose members are added by identity.
    #[serde(default)]
    pub rule: Option<String>,
}

/// A valid [`AudienceInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudience {
    pub name: String,
    pub description: String,
    pub rule: Option<AudienceRule>,
}

impl NewAudience {
    pub fn parse(input: &AudienceInput) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                "is required: 1 to 100 characters, without control characters",
            ));
        }
        if input.description.chars().count() > 1000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 1000 characters",
            ));
        }
        let rule = match input.rule.as_deref() {
            None => None,
            Some(text) => match AudienceRule::parse(text) {
                Ok(rule) => Some(rule),
                Err(message) => {
                    errors.push(FieldError::new("rule", message));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self {
                name: name.to_owned(),
                description: input.description.trim().to_owned(),
                rule,
            })
        } else {
            Err(ValidationError::new("invalid_audience", errors))
        }
    }
}

/// An audience as shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AudienceView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `static` or `rule`.
    pub kind: String,
    /// The rule's canonical text (rule-based audiences).
    pub rule: Option<String>,
    /// Static audiences: their members; rule-based: `null` until counted (`…/count`).
    pub members: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Profiles to add to or remove from a static audience, by identity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembersInput {
    /// Up to 10,000 identities, e.g. `{"namespace": "email", "id": "jane@example.com"}`.
    pub identities: Vec<crate::views::IdentityView>,
}

/// What a change of members did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MembersChange {
    /// Profiles added (or removed) now; ones already in (or not in) are not counted.
    pub changed: u64,
    /// Identities no profile of the sandbox has: nothing was done for them.
    pub unknown: Vec<crate::views::IdentityView>,
    /// The audience's members after the change.
    pub members: i64,
}

/// How many profiles an audience (or a rule being written) holds now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AudienceCount {
    pub count: i64,
}

/// An audience send as the campaign page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AudienceSendSummary {
    pub execution_id: String,
    pub request_id: String,
    pub audience_name: String,
    pub status: SendStatus,
    /// Members when it started; `None` while they are counted.
    pub targeted: Option<i64>,
    /// Messages queued (not excluded) and excluded so far.
    pub queued: i64,
    pub excluded: i64,
    /// Of its messages: sent and failed so far.
    pub sent: i64,
    pub failed: i64,
    /// Of its messages: waiting to be sent or being sent now.
    pub waiting: i64,
    pub failure: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// The person's email, or `API key <name>`.
    pub started_by: String,
}

/// A scheduled audience send as the campaign page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleSummary {
    pub schedule_id: String,
    /// `None`: the audience was deleted (the schedule fails at its time).
    pub audience_name: Option<String>,
    pub execute_at: i64,
    pub status: ScheduleStatus,
    /// Why it was missed or failed.
    pub failure: Option<String>,
    /// The person's email, or `API key <name>`.
    pub started_by: String,
    /// A local-time send's time as people read it ("09:00 on 24 Dec 2026"); `execute_at` is
    /// then when the first zone reaches it.
    pub local_time: Option<String>,
}

/// A campaign's newest audience sends and its schedules, as its page shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CampaignSends {
    pub sends: Vec<AudienceSendSummary>,
    pub schedules: Vec<ScheduleSummary>,
}

/// What a person asks for when they send a campaign to an audience in the browser.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BrowserSend {
    pub campaign_id: String,
    /// Empty: the campaign's own audience.
    pub audience_id: String,
    /// The JSON object every recipient's `context` is; empty: `{}`.
    pub context: String,
    /// RFC 3339; `None`: now.
    pub execute_at: Option<String>,
    /// Instead of `execute_at`: a date and time without an offset, reached in each member's
    /// time zone (see [`crate::local_time`]).
    pub local_time: Option<String>,
    /// Made when the person reviews the send, so that submitting twice sends once.
    pub request_id: String,
}

impl AudienceSendSummary {
    /// Whether cancelling would still stop something: members being queued, or messages not
    /// yet handed to a provider.
    pub fn cancellable(&self) -> bool {
        match self.status {
            SendStatus::InProgress => true,
            SendStatus::Succeeded => self.queued > self.sent + self.failed,
            SendStatus::Failed | SendStatus::Cancelled => false,
        }
    }

    /// Whether its counts may still change: members being queued, or messages still to send.
    pub fn changing(&self) -> bool {
        self.status == SendStatus::InProgress || self.waiting > 0
    }

    /// How far the members are queued, 0 to 100 (100 once it has ended).
    pub fn percent_queued(&self) -> u32 {
        match (self.status, self.targeted) {
            (SendStatus::InProgress, Some(t)) if t > 0 => {
                (((self.queued + self.excluded) * 100) / t).clamp(0, 99) as u32
            }
            (SendStatus::InProgress, _) => 0,
            _ => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attributes(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_send_changes_until_its_last_message_is_sent() {
        let mut send = AudienceSendSummary {
            execution_id: String::new(),
            request_id: String::new(),
            audience_name: String::new(),
            status: SendStatus::InProgress,
            targeted: Some(2),
            queued: 1,
            excluded: 0,
            sent: 0,
            failed: 0,
            waiting: 1,
            failure: None,
            created_at: 0,
            finished_at: None,
            started_by: String::new(),
        };
        assert!(send.changing());
        (send.status, send.queued, send.waiting) = (SendStatus::Succeeded, 2, 2);
        assert!(send.changing(), "every member queued, nothing sent yet");
        (send.sent, send.waiting) = (2, 0);
        assert!(!send.changing());
    }

    #[test]
    fn the_issues_example_reads_and_matches() {
        let rule =
            AudienceRule::parse("preferredLanguage = fr AND consents.marketing.email.val = y")
                .unwrap();
        assert_eq!(rule.conditions.len(), 2);
        assert_eq!(
            rule.conditions[1].path,
            ["consents", "marketing", "email", "val"]
        );
        let french = attributes(json!({"preferredLanguage": "fr",
            "consents": {"marketing": {"email": {"val": "y"}}}}));
        let no_consent = attributes(json!({"preferredLanguage": "fr"}));
        assert!(rule.matches(&french));
        assert!(!rule.matches(&no_consent));
        assert_eq!(
            rule.to_string(),
            "preferredLanguage = fr AND consents.marketing.email.val = y"
        );
    }

    #[test]
    fn numbers_booleans_quotes_and_presence() {
        let rule = AudienceRule::parse(
            "age = 30 and vip = true and city = \"New York\" and email exists and phone missing",
        )
        .unwrap();
        let yes = attributes(json!({"age": 30, "vip": true, "city": "New York",
                                    "email": "a@b.c", "phone": null}));
        assert!(rule.matches(&yes));
        let text_age = attributes(json!({"age": "30", "vip": "true", "city": "New York",
                                         "email": "a@b.c"}));
        assert!(rule.matches(&text_age));
        assert!(!rule.matches(&attributes(json!({"age": 31}))));
        let not = AudienceRule::parse("tier != gold").unwrap();
        assert!(not.matches(&attributes(json!({}))));
        assert!(!not.matches(&attributes(json!({"tier": "gold"}))));
        // The canonical text reads back to the same rule.
        assert_eq!(AudienceRule::parse(&rule.to_string()).unwrap(), rule);
    }

    #[test]
    fn bad_rules_say_which_condition_is_wrong() {
        for (text, part) in [
            ("", "is required"),
            ("a = 1 AND", "condition 2: is empty"),
            ("a.b c", "condition 1: after \"a.b\""),
            ("a..b = 1", "not an attribute path"),
            ("$where = 1", "not an attribute path"),
            ("a = ", "no value"),
            ("a = \"open", "not a quoted value"),
        ] {
            let err = AudienceRule::parse(text).unwrap_err();
            assert!(err.contains(part), "{text:?}: {err}");
        }
        let many = vec!["a = 1"; MAX_CONDITIONS + 1].join(" AND ");
        assert!(AudienceRule::parse(&many).is_err());
    }

    #[test]
    fn an_and_inside_quotes_is_a_value() {
        let rule = AudienceRule::parse("shop = \"Salt and Pepper\" AND x exists").unwrap();
        assert_eq!(rule.conditions.len(), 2);
        assert_eq!(
            rule.conditions[0].test,
            Test::Equals("Salt and Pepper".into())
        );
    }
}

/// An audience send and where it stands (the reference API's audience execution status).
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceSendStatus {
    pub execution_id: crate::ids::ExecutionId,
    pub request_id: String,
    pub campaign_id: crate::ids::CampaignId,
    /// `None` once the audience was deleted.
    pub audience_id: Option<crate::ids::AudienceId>,
    /// The audience's name when the send started.
    pub audience_name: String,
    pub status: SendStatus,
    /// Members when the send started; `None` while they are being counted.
    pub targeted: Option<i64>,
    pub created_at: i64,
    /// Messages queued so far (excluded ones not counted).
    pub queued: i64,
    /// Of all the send's messages: how many were sent, failed or were excluded.
    pub sent: i64,
    pub failed: i64,
    pub excluded: i64,
    /// Why the send failed.
    pub failure: Option<String>,
    /// When every member was queued (or the send failed).
    pub finished_at: Option<i64>,
    /// A local-time send's date and time without an offset.
    pub local_time: Option<String>,
}

/// An audience send to start later.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceSchedule {
    pub id: crate::ids::ScheduleId,
    pub campaign_id: crate::ids::CampaignId,
    /// `None`: the audience was deleted (the schedule then fails at its time).
    pub audience_id: Option<crate::ids::AudienceId>,
    pub execute_at: i64,
    /// A local-time send's wall-clock time; `execute_at` is then when the first zone reaches it.
    pub local_time: Option<String>,
    pub status: ScheduleStatus,
    pub request_id: String,
    pub created_at: i64,
    pub failure: Option<String>,
}
