//! The body of `POST /ajo/im/executions/unitary`, parsed into a [`UnitaryTrigger`].
//!
//! The wire shapes (`UnitaryRequest`, `RecipientDto`) mirror the reference API field for field.
//! [`UnitaryTrigger::parse`] checks everything that does not depend on the campaign and reports
//! every problem at once, each naming its field.

use crate::error::{FieldError, ValidationError};
use crate::ids::CampaignId;
use crate::local_time::LocalTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Most recipients one unitary call may carry.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest accepted `requestId` or `Idempotency-Key`.
pub const MAX_REQUEST_ID_LEN: usize = 256;
/// Most bytes of `context` data one call may carry, all recipients together (serialised JSON).
pub const MAX_CONTEXT_BYTES: usize = 200 * 1024;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitaryRequest {
    pub request_id: Option<String>,
    pub campaign_id: Option<String>,
    pub recipients: Option<Vec<RecipientDto>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipientDto {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub namespace: Option<String>,
    pub channel_data: Option<ChannelDataDto>,
    /// Attributes laid over the stored profile for this message only.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub profile: Option<Map<String, Value>>,
    /// Data for this message only (`{{context.…}}`); never stored on the profile.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub context: Option<Map<String, Value>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDataDto {
    pub email_address: Option<String>,
    pub mobile_phone_number: Option<String>,
    pub push_info: Option<PushInfoDto>,
}

/// The device a push message goes to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushInfoDto {
    #[serde(rename = "appID")]
    pub app_id: Option<String>,
    /// `ios` or `android` (any other value is kept as sent).
    pub platform: Option<String>,
    pub token: Option<String>,
}

/// How a recipient is known: a stored profile (`aep`) or only by this call (`external`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    Aep,
    External,
}

/// One recipient of a valid trigger call.
#[derive(Debug, Clone)]
pub struct TriggerRecipient {
    pub kind: RecipientKind,
    pub user_id: String,
    pub namespace: String,
    /// Address overrides from `channelData`, parsed for the campaign's channel later.
    pub email_address: Option<String>,
    pub mobile_phone_number: Option<String>,
    pub push_info: Option<PushInfoDto>,
    pub profile: Map<String, Value>,
    pub context: Map<String, Value>,
}

/// A trigger call whose shape is valid. Campaign-specific rules are checked by the use case.
#[derive(Debug, Clone)]
pub struct UnitaryTrigger {
    pub request_id: String,
    pub campaign_id: CampaignId,
    pub recipients: Vec<TriggerRecipient>,
}

impl UnitaryTrigger {
    pub fn parse(request: UnitaryRequest) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let request_id = match key_text(request.request_id.as_deref()) {
            Ok(id) => id,
            Err(message) => {
                errors.push(FieldError::new("requestId", message));
                String::new()
            }
        };
        let campaign_id = match request.campaign_id.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("campaignId", "is required"));
                None
            }
            Some(raw) => match raw.parse::<CampaignId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new("campaignId", "is not a valid campaign id"));
                    None
                }
            },
        };
        let dtos = request.recipients.unwrap_or_default();
        if dtos.is_empty() {
            errors.push(FieldError::new(
                "recipients",
                "must contain at least one recipient",
            ));
        } else if dtos.len() > MAX_RECIPIENTS {
            errors.push(FieldError::new(
                "recipients",
                "must contain at most 20 recipients",
            ));
        }
        let mut seen = HashSet::new();
        let mut recipients = Vec::with_capacity(dtos.len());
        for (i, dto) in dtos.into_iter().enumerate() {
            match parse_recipient(i, dto) {
                Ok(r) => {
                    if !seen.insert(r.user_id.clone()) {
                        errors.push(FieldError::new(
                            format!("recipients[{i}].userId"),
                            "appears more than once; userIds must be unique within a call",
                        ));
                    }
                    recipients.push(r);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        match campaign_id {
            Some(campaign_id) if errors.is_empty() => Ok(Self {
                request_id,
                campaign_id,
                recipients,
            }),
            _ => Err(ValidationError::new("invalid_request", errors)),
        }
    }
}

impl UnitaryTrigger {
    /// The high-throughput endpoint's rule: every recipient is `external`.
    pub fn externals_only(&self) -> Result<(), ValidationError> {
        let errors: Vec<FieldError> = self
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind != RecipientKind::External)
            .map(|(i, _)| {
                FieldError::new(
                    format!("recipients[{i}].type"),
                    "must be \"external\" on the high-throughput endpoint, which looks up no \
                     profile; send aep recipients to /ajo/im/executions/unitary",
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::new("invalid_recipient", errors))
        }
    }

    /// Size of all recipients' context data, as JSON.
    pub fn context_bytes(&self) -> usize {
        self.recipients
            .iter()
            .map(|r| serde_json::to_vec(&r.context).map_or(0, |v| v.len()))
            .sum()
    }
}

/// The body of `POST /ajo/im/executions/audience`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudienceRequest {
    pub request_id: Option<String>,
    pub campaign_id: Option<String>,
    /// The audience to send to; absent: the campaign's own.
    pub audience: Option<AudienceRef>,
    /// Data for every recipient's message (`{{context.…}}`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub context: Option<Map<String, Value>>,
    /// Send later instead of now.
    pub schedule: Option<ScheduleDto>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AudienceRef {
    pub id: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDto {
    /// RFC 3339, e.g. `2026-12-24T09:00:00Z`.
    pub execute_at: Option<String>,
    /// Herald: instead of `executeAt`, a date and time without an offset
    /// (`2026-12-24T09:00`): each member's message goes out when their own time zone shows it
    /// (profile attribute `timeZone`, else the sandbox's). The send starts when the first zone
    /// reaches it; members whose time had passed by more than the schedule grace period are
    /// excluded (`local_time_passed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
}

/// An audience call whose shape is valid.
#[derive(Debug, Clone)]
pub struct AudienceTrigger {
    /// `None`: the caller sent none; the call is not idempotent.
    pub request_id: Option<String>,
    pub campaign_id: CampaignId,
    /// `None`: the campaign's own audience.
    pub audience_id: Option<String>,
    pub context: Map<String, Value>,
    /// When to send, in ms since the epoch; `None`: now. A local-time send's is when the
    /// first zone reaches its time.
    pub execute_at: Option<i64>,
    /// A local-time send's wall-clock time.
    pub local_time: Option<LocalTime>,
}

impl AudienceTrigger {
    pub fn parse(request: AudienceRequest) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let request_id = match request.request_id.as_deref() {
            None => None,
            Some(raw) => match key_text(Some(raw)) {
                Ok(id) => Some(id),
                Err(message) => {
                    errors.push(FieldError::new("requestId", message));
                    None
                }
            },
        };
        let campaign_id = match request.campaign_id.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("campaignId", "is required"));
                None
            }
            Some(raw) => raw.parse::<CampaignId>().ok().or_else(|| {
                errors.push(FieldError::new("campaignId", "is not a valid campaign id"));
                None
            }),
        };
        let audience_id = match request.audience {
            None => None,
            Some(AudienceRef { id }) => match id.as_deref().map(str::trim) {
                None | Some("") => {
                    errors.push(FieldError::new(
                        "audience.id",
                        "is required when audience is sent (leave audience out for the campaign's own)",
                    ));
                    None
                }
                Some(id) => Some(id.to_owned()),
            },
        };
        let context = request.context.unwrap_or_default();
        if context.contains_key("system") {
            errors.push(FieldError::new(
                "context.system",
                "is reserved and cannot be sent in a payload",
            ));
        }
        if serde_json::to_vec(&context).map_or(0, |v| v.len()) > MAX_CONTEXT_BYTES {
            errors.push(FieldError::new("context", "must be at most 200 KB as JSON"));
        }
        let (execute_at, local_time) = match request.schedule {
            None => (None, None),
            Some(ScheduleDto {
                execute_at: Some(_),
                local_time: Some(_),
            }) => {
                errors.push(FieldError::new(
                    "schedule.localTime",
                    "cannot be sent with schedule.executeAt: send one of them",
                ));
                (None, None)
            }
            Some(ScheduleDto {
                execute_at: None,
                local_time: None,
            }) => {
                errors.push(FieldError::new(
                    "schedule.executeAt",
                    "is required when schedule is sent",
                ));
                (None, None)
            }
            Some(ScheduleDto {
                execute_at: Some(raw),
                ..
            }) => match crate::dates::parse_rfc3339_ms(&raw) {
                Some(at) => (Some(at), None),
                None => {
                    errors.push(FieldError::new(
                        "schedule.executeAt",
                        "must be an RFC 3339 instant such as 2026-12-24T09:00:00Z",
                    ));
                    (None, None)
                }
            },
            Some(ScheduleDto {
                local_time: Some(raw),
                ..
            }) => match LocalTime::parse(&raw) {
                Ok(local) => (Some(local.earliest()), Some(local)),
                Err(message) => {
                    errors.push(FieldError::new("schedule.localTime", message));
                    (None, None)
                }
            },
        };
        match campaign_id {
            Some(campaign_id) if errors.is_empty() => Ok(Self {
                request_id,
                campaign_id,
                audience_id,
                context,
                execute_at,
                local_time,
            }),
            _ => Err(ValidationError::new("invalid_request", errors)),
        }
    }
}

/// Checks an `Idempotency-Key` header value (same rules as `requestId`).
pub fn parse_idempotency_key(raw: &str) -> Result<String, FieldError> {
    key_text(Some(raw)).map_err(|m| FieldError::new("Idempotency-Key", m))
}

fn key_text(raw: Option<&str>) -> Result<String, &'static str> {
    match raw.map(str::trim) {
        None | Some("") => Err("is required"),
        Some(id) if id.len() > MAX_REQUEST_ID_LEN => Err("must be at most 256 characters"),
        Some(id) if id.chars().any(char::is_control) => Err("must not contain control characters"),
        Some(id) => Ok(id.to_owned()),
    }
}

fn parse_recipient(i: usize, dto: RecipientDto) -> Result<TriggerRecipient, Vec<FieldError>> {
    let field = |name: &str| format!("recipients[{i}].{name}");
    let mut errors = Vec::new();
    let kind = match dto.kind.as_deref() {
        Some("aep") => RecipientKind::Aep,
        Some("external") => RecipientKind::External,
        None => {
            errors.push(FieldError::new(
                field("type"),
                "is required (\"aep\" or \"external\")",
            ));
            RecipientKind::Aep
        }
        Some(_) => {
            errors.push(FieldError::new(
                field("type"),
                "must be \"aep\" or \"external\"",
            ));
            RecipientKind::Aep
        }
    };
    let user_id = required_text(dto.user_id, &field("userId"), &mut errors);
    let namespace = required_text(dto.namespace, &field("namespace"), &mut errors);
    let context = dto.context.unwrap_or_default();
    if context.contains_key("system") {
        errors.push(FieldError::new(
            field("context.system"),
            "is reserved and cannot be sent in a payload",
        ));
    }
    let channel_data = dto.channel_data.unwrap_or_default();
    let profile = dto.profile.unwrap_or_default();
    errors.extend(crate::profile::check_attributes(&field("profile"), &profile).err());
    if errors.is_empty() {
        Ok(TriggerRecipient {
            kind,
            user_id,
            namespace,
            email_address: channel_data.email_address,
            mobile_phone_number: channel_data.mobile_phone_number,
            push_info: channel_data.push_info,
            profile,
            context,
        })
    } else {
        Err(errors)
    }
}

fn required_text(value: Option<String>, field: &str, errors: &mut Vec<FieldError>) -> String {
    match value.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(field, "is required"));
            String::new()
        }
        Some(v) if v.len() > 320 || v.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                field,
                "must be at most 320 characters, without control characters",
            ));
            String::new()
        }
        Some(v) => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<UnitaryTrigger, ValidationError> {
        UnitaryTrigger::parse(serde_json::from_value(v).unwrap())
    }

    fn recipient(user: &str) -> Value {
        json!({"type": "aep", "userId": user, "namespace": "email"})
    }

    #[test]
    fn a_minimal_call_is_accepted() {
        let t = parse(json!({
            "requestId": "r1",
            "campaignId": crate::ids::CampaignId::new().to_string(),
            "recipients": [recipient("a@x.org")]
        }))
        .unwrap();
        assert_eq!(t.recipients.len(), 1);
        assert_eq!(t.recipients[0].kind, RecipientKind::Aep);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let err = parse(json!({
            "campaignId": "nope",
            "recipients": [
                recipient("a@x.org"),
                recipient("a@x.org"),
                {"type": "robot", "namespace": "email", "context": {"system": {}}}
            ]
        }))
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "requestId",
                "campaignId",
                "recipients[1].userId",
                "recipients[2].type",
                "recipients[2].userId",
                "recipients[2].context.system"
            ]
        );
        assert_eq!(err.code, "invalid_request");
    }

    #[test]
    fn recipients_must_number_one_to_twenty() {
        let id = crate::ids::CampaignId::new().to_string();
        let none =
            parse(json!({"requestId": "r", "campaignId": id, "recipients": []})).unwrap_err();
        assert_eq!(none.errors[0].field, "recipients");
        let many: Vec<_> = (0..21).map(|i| recipient(&format!("u{i}@x.org"))).collect();
        let err =
            parse(json!({"requestId": "r", "campaignId": id, "recipients": many})).unwrap_err();
        assert_eq!(err.errors[0].message, "must contain at most 20 recipients");
    }
}
