//! The REST API's response bodies. Typed, so the OpenAPI document is generated from the very
//! structs that are serialised.

use backend::clock::rfc3339;
use backend::executions::{Accepted, DryRun};
use domain::FieldError;
use domain::delivery::{AttemptOutcome, ReportedStatus};
use domain::views::{AttemptView, ExecutionStatusView, IdentityView, MessageView, SuppressionView};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The answer to an accepted trigger call (the reference API's shape).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedBody {
    pub execution_id: String,
    pub request_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The id of the API key that made the call.
    pub created_by: String,
    pub modified_at: String,
    pub modified_by: String,
}

impl From<Accepted> for AcceptedBody {
    fn from(a: Accepted) -> Self {
        let at = rfc3339(a.created_at);
        Self {
            execution_id: a.execution_id.to_string(),
            request_id: a.request_id,
            created_at: at.clone(),
            created_by: a.created_by.to_string(),
            modified_at: at,
            modified_by: a.created_by.to_string(),
        }
    }
}

/// Every error: the reference API's `type`, `title`, `status` and `report`, plus a stable
/// `code` and the offending fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `urn:herald:error:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong and what to do, for a person.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A stable snake_case code to match on, e.g. `campaign_not_live`.
    pub code: String,
    pub errors: Vec<FieldError>,
    pub report: ErrorReport,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    /// The request's `requestId` and `campaignId` when known.
    #[schema(value_type = Object)]
    pub additional_context: Map<String, Value>,
}

/// An execution and where each of its messages stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStatusBody {
    pub execution_id: String,
    pub request_id: String,
    pub campaign_id: String,
    /// The campaign version the messages were rendered with.
    pub campaign_version: i64,
    pub created_at: String,
    pub created_by: String,
    pub recipients: Vec<RecipientStatusBody>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientStatusBody {
    pub index: i64,
    pub user_id: String,
    pub message_id: String,
    pub channel: String,
    /// Where the message stands; `excluded` comes with `statusReason`, `delivered` is a sent
    /// message whose provider confirmed delivery.
    pub status: ReportedStatus,
    pub status_reason: Option<String>,
    pub attempt_count: i64,
    pub attempts: Vec<AttemptBody>,
    pub created_at: String,
    pub updated_at: String,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptBody {
    pub attempt: i64,
    pub started_at: String,
    pub finished_at: String,
    pub provider: String,
    pub outcome: AttemptOutcome,
    pub detail: Option<String>,
}

impl From<&AttemptView> for AttemptBody {
    fn from(a: &AttemptView) -> Self {
        Self {
            attempt: a.attempt,
            started_at: rfc3339(a.started_at),
            finished_at: rfc3339(a.finished_at),
            provider: a.provider.clone(),
            outcome: a.outcome,
            detail: a.detail.clone(),
        }
    }
}

impl From<ExecutionStatusView> for ExecutionStatusBody {
    fn from(e: ExecutionStatusView) -> Self {
        let recipients = e
            .recipients
            .into_iter()
            .map(|r| RecipientStatusBody {
                attempts: r.attempts.iter().map(AttemptBody::from).collect(),
                index: r.index,
                user_id: r.user_id,
                message_id: r.message_id.to_string(),
                channel: r.channel.to_string(),
                status: r.status,
                status_reason: r.status_reason,
                attempt_count: r.attempt_count,
                created_at: rfc3339(r.created_at),
                updated_at: rfc3339(r.updated_at),
            })
            .collect();
        Self {
            execution_id: e.execution_id.to_string(),
            request_id: e.request_id,
            campaign_id: e.campaign_id.to_string(),
            campaign_version: e.campaign_version,
            created_at: rfc3339(e.created_at),
            created_by: e.created_by.to_string(),
            recipients,
        }
    }
}

/// What a call would do, per recipient; nothing was stored or sent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DryRunBody {
    /// Always true.
    pub dry_run: bool,
    pub request_id: String,
    pub campaign_id: String,
    pub campaign_version: i64,
    pub recipients: Vec<DryRunRecipientBody>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DryRunRecipientBody {
    pub index: usize,
    pub user_id: String,
    /// `would_send` or `excluded`.
    pub outcome: String,
    /// Why it would be excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The recipient has no profile yet; the campaign would create one.
    pub creates_profile: bool,
    pub channel: String,
    /// Email address, E.164 number or push token.
    pub address: String,
    pub rendered: RenderedBody,
}

/// The rendered parts: email subject, HTML and text; SMS text (`textBody`); push title
/// (`subject`), body (`textBody`) and `push` settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RenderedBody {
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// The language variant rendered (e.g. `fr-CA`); absent: the default content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub push: Option<Value>,
}

impl DryRunBody {
    pub fn new(request_id: &str, d: DryRun) -> Self {
        Self {
            dry_run: true,
            request_id: request_id.to_owned(),
            campaign_id: d.campaign_id.to_string(),
            campaign_version: d.campaign_version,
            recipients: d
                .recipients
                .into_iter()
                .enumerate()
                .map(|(index, r)| DryRunRecipientBody {
                    index,
                    user_id: r.user_id,
                    outcome: if r.excluded.is_some() {
                        "excluded"
                    } else {
                        "would_send"
                    }
                    .into(),
                    reason: r.excluded,
                    creates_profile: r.creates_profile,
                    channel: r.channel.as_str().into(),
                    address: r.address,
                    rendered: RenderedBody {
                        subject: r.subject,
                        html_body: r.html_body,
                        text_body: r.text_body,
                        locale: r.locale,
                        push: r.payload.and_then(|p| serde_json::from_str(&p).ok()),
                    },
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    /// `UP`, `DEGRADED` (serving, but writes fail: see `reason`) or `DOWN`.
    pub status: String,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A profile to store: its attributes (replacing the stored ones) and more identities to link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub identities: Vec<IdentityView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportList {
    pub items: Vec<domain::profile_import::ImportView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryList {
    pub items: Vec<domain::views::WebhookDeliveryView>,
}

/// A webhook's new signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecret {
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptOutList {
    pub items: Vec<domain::views::OptOutView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionList {
    pub items: Vec<SuppressionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamespaceList {
    pub items: Vec<domain::views::NamespaceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurfaceList {
    pub items: Vec<domain::views::SurfaceView>,
}

/// The answer to an accepted audience call: the send (started now), or its schedule.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AudienceCallBody {
    Started(AcceptedBody),
    Scheduled(Box<ScheduledExecutionBody>),
}

/// An audience send to start later (the reference API's `ScheduledExecutionResponse`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledExecutionBody {
    pub schedule_id: String,
    pub audience: AudienceRefBody,
    pub campaign_id: String,
    /// RFC 3339, UTC. A local-time send's is when the first zone reaches its time.
    pub execute_at: String,
    /// Herald: a local-time send's date and time without an offset (`2026-12-24T09:00:00`),
    /// reached in each member's time zone; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
    /// `Scheduled`, `Triggered`; Herald also says `Missed` (found too late, not sent) and
    /// `Failed` (could not start: `failure` says why).
    pub schedule_status: String,
    /// Herald: the request id (the idempotency key).
    pub request_id: String,
    pub created_at: String,
    /// Herald: why it was missed or failed.
    pub failure: Option<String>,
    /// Once triggered: the send and its progress.
    pub execution_details: Option<AudienceExecutionBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceRefBody {
    /// `null` once the audience was deleted.
    pub id: Option<String>,
}

impl ScheduledExecutionBody {
    pub fn new(
        s: domain::audience::AudienceSchedule,
        send: Option<domain::audience::AudienceSendStatus>,
    ) -> Self {
        Self {
            schedule_id: s.id.to_string(),
            audience: AudienceRefBody {
                id: s.audience_id.map(|a| a.to_string()),
            },
            campaign_id: s.campaign_id.to_string(),
            execute_at: rfc3339(s.execute_at),
            local_time: s.local_time,
            schedule_status: s.status.reference().into(),
            request_id: s.request_id,
            created_at: rfc3339(s.created_at),
            failure: s.failure,
            execution_details: send.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceList {
    pub items: Vec<domain::audience::AudienceView>,
}

/// An audience send (the reference API's `AudienceExecutionStatus`, plus Herald's progress).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AudienceExecutionBody {
    pub execution_id: String,
    pub request_id: String,
    pub campaign_id: String,
    pub audience_id: Option<String>,
    /// `InProgress`, `Succeeded` or `Failed`.
    pub status: String,
    /// Members when the send started; `null` while they are being counted.
    pub targeted_profile_count: Option<i64>,
    pub created_at: String,
    /// Herald: the audience's name when the send started.
    pub audience_name: String,
    /// Herald: messages queued so far (excluded ones not counted) …
    pub queued: i64,
    /// … and, of all the send's messages, how many were sent, failed or were excluded.
    pub sent: i64,
    pub failed: i64,
    pub excluded: i64,
    /// Herald: why the send failed (`status` Failed).
    pub failure: Option<String>,
    /// Herald: when every member was queued (or the send failed).
    pub finished_at: Option<String>,
    /// Herald: a local-time send's date and time without an offset, reached in each member's
    /// time zone (its messages wait until then); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
}

impl From<domain::audience::AudienceSendStatus> for AudienceExecutionBody {
    fn from(v: domain::audience::AudienceSendStatus) -> Self {
        Self {
            execution_id: v.execution_id.to_string(),
            request_id: v.request_id,
            campaign_id: v.campaign_id.to_string(),
            audience_id: v.audience_id.map(|a| a.to_string()),
            status: v.status.reference().into(),
            targeted_profile_count: v.targeted,
            created_at: rfc3339(v.created_at),
            audience_name: v.audience_name,
            queued: v.queued,
            sent: v.sent,
            failed: v.failed,
            excluded: v.excluded,
            failure: v.failure,
            finished_at: v.finished_at.map(rfc3339),
            local_time: v.local_time,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<domain::views::WebhookView>,
}

/// A registered webhook and its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: domain::views::WebhookView,
    /// HMAC-SHA256 key of `Herald-Signature`; store it now, it is never shown again.
    pub secret: String,
}

/// A message with every delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageBody {
    #[serde(flatten)]
    pub message: MessageView,
    pub attempts: Vec<AttemptBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FragmentList {
    pub items: Vec<domain::views::FragmentView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedContentList {
    pub items: Vec<domain::saved_content::SavedContentSummary>,
}

/// Which campaign's newest content to save, and under what name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SaveContentRequest {
    pub campaign_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}
