//! Read models shown by both doors (UI pages and REST answers). Plain serialisable data; with
//! the `sqlx` feature (server side only) they load straight from query rows.

use crate::campaign::CampaignStatus;
use crate::channel::Category;
use crate::dates::format_rfc3339;
use crate::delivery::{AttemptOutcome, ReportedStatus};
use serde::{Deserialize, Serialize};

/// A campaign with its newest content.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub category: Category,
    pub channel: String,
    pub namespace: String,
    /// Whether trigger calls may create profiles for unknown `aep` recipients.
    pub create_profiles: bool,
    pub sandbox_id: String,
    /// Trigger calls are accepted from this instant (ms since the epoch, UTC)…
    pub starts_at: Option<i64>,
    /// …until this one.
    pub ends_at: Option<i64>,
    /// Most messages per second.
    pub rate_limit: Option<i64>,
    /// The channel surface; none: the server's default sender.
    pub surface_id: Option<String>,
    pub surface_name: Option<String>,
    /// The audience audience sends go to when they name none.
    pub audience_id: Option<String>,
    pub audience_name: Option<String>,
    /// Engagement tracking (opens, clicks) is on.
    pub tracking: bool,
    /// As the dates make it now (scheduled before the start, completed after the end).
    pub status: CampaignStatus,
    /// Who created it: `user:<id>` or `key:<id>`.
    pub created_by: String,
    pub version: i64,
    pub live_version: Option<i64>,
    pub subject: String,
    /// Email only: the inbox preview line.
    pub preheader: String,
    pub html_body: String,
    pub text_body: String,
    /// Push campaigns only.
    pub push: Option<crate::content::PushOptions>,
    /// The profile attribute whose value picks a language variant.
    pub locale_attribute: String,
    /// The content in other languages (empty parts use the default content's).
    pub variants: Vec<crate::content::VariantInput>,
    /// The fragments the content includes (`{{> name}}`), with the bodies the newest version
    /// holds (as they were when it was written).
    #[serde(default, skip_serializing_if = "crate::fragment::Fragments::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, String>))]
    pub fragments: crate::fragment::Fragments,
    /// Every `profile.*` / `context.*` variable the content uses.
    pub variables: Vec<VariableView>,
    /// The ready-to-run trigger request (only once the campaign is live).
    pub curl: Option<String>,
    /// Every change, newest first.
    pub history: Vec<AuditEntryView>,
    /// The review of the newest version: errors block activation, warnings do not.
    pub review: Vec<crate::review::Finding>,
    /// Its sandbox requires approval before a version of this (marketing) campaign goes live.
    pub approval_required: bool,
    /// The newest version's request for approval, if one was made.
    pub approval: Option<crate::approval::ApprovalView>,
    /// Who last wrote the newest version's content (an email, or "API key …"); `None` for
    /// versions written before Herald recorded it.
    pub last_editor: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CampaignView {
    /// The campaign as its edit form starts: every property and the newest content.
    pub fn to_input(&self) -> crate::campaign::CampaignInput {
        crate::campaign::CampaignInput {
            title: self.title.clone(),
            namespace: self.namespace.clone(),
            create_profiles: self.create_profiles,
            description: self.description.clone(),
            category: self.category,
            tags: self.tags.clone(),
            starts_at: self.starts_at.map(format_rfc3339),
            ends_at: self.ends_at.map(format_rfc3339),
            rate_limit: self.rate_limit.map(|r| r as u32),
            surface_id: self.surface_id.clone(),
            audience_id: self.audience_id.clone(),
            tracking: self.tracking,
            channel: crate::channel::Channel::parse(&self.channel).unwrap_or_default(),
            subject: self.subject.clone(),
            preheader: self.preheader.clone(),
            html_body: self.html_body.clone(),
            text_body: self.text_body.clone(),
            push: self.push.clone().unwrap_or_default(),
            locale_attribute: self.locale_attribute.clone(),
            variants: self.variants.clone(),
        }
    }

    /// The newest content as its version holds it, fragments included.
    pub fn content(&self) -> Result<crate::content::Content, Vec<crate::FieldError>> {
        crate::content::Content::parse_with(&self.to_input().content(), &self.fragments)
    }

    /// A newer version than the live one is waiting to be activated.
    pub fn has_pending_version(&self) -> bool {
        self.live_version.is_some_and(|live| self.version > live)
    }
}

/// One change to a campaign: when, who (an email or an API key's name), what.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub at: i64,
    pub actor: String,
    /// `created`, `edited`, `activated`, `stopped`, `archived`, `duplicated`.
    pub action: String,
    pub detail: String,
}

/// A change in a sandbox, as its audit log shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct AuditEventView {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// The person's email, `API key <name>`, or the recorded actor.
    pub actor: String,
    pub action: String,
    /// What changed: `campaign <title>`, a webhook's id, `user`, …
    pub subject: String,
    pub detail: String,
    /// The network address the change came from; empty for the command line and Herald itself.
    pub address: String,
}

/// A variable of a campaign's content and whether trigger calls must send it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VariableView {
    pub path: String,
    pub required: bool,
}

/// A line of the campaign list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CampaignSummary {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub tags: Vec<String>,
    pub channel: String,
    pub status: CampaignStatus,
    pub updated_at: i64,
    /// When its newest message was accepted.
    pub last_triggered_at: Option<i64>,
    /// Messages sent in the last 24 hours (from the start of the hour 24 hours ago).
    pub sent_24h: i64,
    /// Failed ÷ finished in the same hours (see `report::Rates`); absent with nothing finished.
    pub failure_rate_24h: Option<f64>,
}

/// One page of campaigns and how many match in all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CampaignPage {
    pub items: Vec<CampaignSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// One message as the "Sent messages" page shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub execution_id: String,
    /// The trigger call's `requestId`.
    pub request_id: String,
    pub campaign_id: String,
    pub campaign_title: String,
    /// `email`, `sms` or `push`.
    pub channel: String,
    /// Email address, E.164 number or push token.
    pub recipient: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    pub status: ReportedStatus,
    pub status_reason: Option<String>,
    pub attempts: i64,
    pub provider: Option<String>,
    /// Tracked campaigns: how many times it was opened (email) and its links clicked.
    pub opens: i64,
    pub clicks: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the subject, bodies and payload were emptied, past the sandbox's content retention.
    pub content_dropped_at: Option<i64>,
}

/// An API key as its list shows it (never the secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// `trigger` or `admin` (see [`crate::tenancy::ApiScope`]).
    pub scope: String,
    pub org_id: String,
    pub sandbox_name: String,
    /// Whether the key may trigger only the campaigns in `campaigns`.
    pub restricted: bool,
    /// Titles of the campaigns a restricted key may trigger.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub campaigns: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A sandbox of an organisation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    pub id: String,
    pub org_id: String,
    pub name: String,
}

/// A sandbox's own settings next to the server's defaults they override.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SandboxSettingsView {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// The country national phone numbers (no leading `+`) are read in, e.g. `US`, unless the
    /// campaign's surface names one; `null`: the server's.
    pub phone_region: Option<String>,
    /// The server's (`HERALD_DEFAULT_PHONE_REGION`); `null`: none, such numbers are refused.
    pub server_phone_region: Option<String>,
    /// The time zone (IANA name) of local-time sends' recipients whose profile names none
    /// (attribute `timeZone`); `UTC` unless set.
    pub time_zone: String,
    /// Marketing campaigns go live only once an approver approved them (set by an owner).
    pub approval_required: bool,
}

/// What an admin may set on a sandbox.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SandboxSettingsInput {
    /// A two-letter country code; `null` or empty: the server's default.
    #[serde(default)]
    pub phone_region: Option<String>,
    /// An IANA time zone name (`Europe/Paris`); `null` or empty: UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// An address Herald will not send to, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct SuppressionView {
    pub channel: String,
    pub address: String,
    pub reason: String,
    pub created_at: i64,
}

/// An address that opted out of marketing on a channel, and how.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct OptOutView {
    pub channel: String,
    pub address: String,
    /// `unsubscribe_link`: the link in a message or the mail client's one-click button.
    pub source: String,
    pub created_at: i64,
}

/// A stored profile.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub id: String,
    pub identities: Vec<IdentityView>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An identity namespace of a sandbox: a standard one or one an admin added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceView {
    pub name: String,
    pub description: String,
    /// Standard namespaces exist in every sandbox and cannot be deleted.
    pub standard: bool,
    /// Campaigns of the sandbox in this namespace (one in use cannot be deleted).
    pub campaigns: i64,
    /// Profile identities of the sandbox in this namespace.
    pub identities: i64,
}

/// One identity of a profile, e.g. `{"namespace": "email", "id": "jane@example.com"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityView {
    pub namespace: String,
    pub id: String,
}

/// A channel surface as shown to people and API clients: never its secrets, only which are set.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SurfaceView {
    pub id: String,
    pub name: String,
    pub channel: crate::channel::Channel,
    pub category: Category,
    pub settings: crate::surface::SurfaceSettings,
    /// The names of the credentials that are set (`smtpUrl`, `authToken`, `serviceAccount`,
    /// `privateKey`); their values are never shown.
    pub secrets_set: Vec<String>,
    /// For SMTP: the relay without its password, e.g. `smtp://user@host:587`.
    pub smtp_server: Option<String>,
    /// How many campaigns use it (a surface in use cannot be deleted).
    pub campaigns: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl SurfaceView {
    /// The surface as its edit form starts: settings, and no secrets (left out = kept).
    pub fn to_input(&self) -> crate::surface::SurfaceInput {
        crate::surface::SurfaceInput {
            name: self.name.clone(),
            channel: self.channel,
            category: self.category,
            settings: self.settings.clone(),
            secrets: Default::default(),
        }
    }
}

/// One page of messages matching a search, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub items: Vec<MessageView>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// One delivery attempt of a message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: i64,
    pub provider: String,
    pub outcome: AttemptOutcome,
    /// The provider's answer (its id for the message, or the error), never personal data.
    pub detail: Option<String>,
}

/// An accepted call and where each of its messages stands, in recipient order.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionStatusView {
    pub execution_id: crate::ids::ExecutionId,
    pub request_id: String,
    pub campaign_id: crate::ids::CampaignId,
    pub campaign_version: i64,
    pub created_at: i64,
    /// The API key that made the call.
    pub created_by: crate::ids::ApiKeyId,
    pub recipients: Vec<RecipientStatus>,
}

/// One recipient of an accepted call: its message's status, with every delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientStatus {
    pub index: i64,
    pub user_id: String,
    pub message_id: crate::ids::MessageId,
    pub channel: crate::channel::Channel,
    pub status: ReportedStatus,
    pub status_reason: Option<String>,
    pub attempt_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub attempts: Vec<AttemptView>,
}

/// A registered webhook (its signing secret is shown once, at creation).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: i64,
    /// Events waiting to be delivered or retried.
    pub pending: i64,
    /// Events that could not be delivered after every retry.
    pub failed: i64,
}

/// One event sent (or being sent) to a webhook.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct WebhookDeliveryView {
    /// Sent as `Herald-Delivery`, the same on every retry.
    pub id: String,
    pub event: String,
    pub status: crate::delivery::WebhookDeliveryStatus,
    pub attempts: i64,
    /// The receiver's last HTTP status, or the network error.
    pub last_result: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the database holds, for the System page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SystemView {
    /// `SQLite` or `PostgreSQL`.
    pub engine: String,
    pub database_bytes: i64,
    /// When the oldest message kept was accepted.
    pub oldest_message_at: Option<i64>,
    /// Rows of the tables that grow with use.
    pub tables: Vec<(String, i64)>,
    /// Since when this node's writes fail for lack of space, if they do.
    pub storage_full_since: Option<i64>,
    /// The server's default retention (sandboxes may set their own).
    pub retention: crate::retention::Retention,
}

/// A profile in a list: who it is at a glance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    pub id: String,
    pub identities: Vec<IdentityView>,
    /// `person.name.firstName` and `lastName`, if it has them.
    pub name: String,
    pub updated_at: i64,
}

/// A page of profiles, newest first; `next` continues after the last one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProfilePage {
    pub items: Vec<ProfileSummary>,
    pub next: Option<String>,
}

/// An address a profile is reached at, and whether Herald may use it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AddressState {
    pub channel: String,
    pub address: String,
    /// Why it is suppressed (every campaign skips it), if it is.
    pub suppressed: Option<String>,
    /// Whether it opted out of marketing (its unsubscribe link).
    pub opted_out: bool,
}

/// One profile with what a marketer checks: its addresses' states and its consents.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDetail {
    pub profile: ProfileView,
    pub addresses: Vec<AddressState>,
    /// Marketing consent per channel (`email`, `sms`, `push`, `any`): `y`, `n` or not given.
    pub consents: Vec<(String, Option<String>)>,
}

/// What erasing a profile did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    /// Stored messages to its addresses whose address and content were removed.
    pub messages_redacted: u64,
    /// Its messages still queued or being sent: they finish as sent or failed and are not
    /// redacted (erase again afterwards).
    pub messages_unfinished: u64,
}

/// One "Send a test", as the campaign page lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TestSendSummary {
    pub id: String,
    /// The campaign version rendered.
    pub version: i64,
    pub address: String,
    pub subject: String,
    /// The provider that carried it (`capture`: kept locally, not delivered).
    pub provider: String,
    pub provider_id: Option<String>,
    /// What the provider answered when it refused; none: it took the message.
    pub error: Option<String>,
    /// The person (or API key) who sent it.
    pub sent_by: String,
    pub sent_at: i64,
}

/// One "Send a test" with what was sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestSendView {
    pub summary: TestSendSummary,
    pub campaign_id: String,
    pub campaign_title: String,
    pub channel: crate::channel::Channel,
    pub html_body: String,
    pub text_body: String,
    /// Push options as sent (JSON); none for email and SMS.
    pub payload: Option<String>,
}

/// What a surface's provider answered when Herald connected to it as a send would (sending no
/// message).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SurfaceCheck {
    pub provider: String,
    /// Whether the provider accepted the connection and credentials.
    pub ok: bool,
    /// What it answered, in a sentence.
    pub answer: String,
    /// How long the check took, in milliseconds.
    pub took_ms: u64,
}

/// A campaign whose newest version includes a fragment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentUse {
    pub campaign_id: String,
    pub title: String,
    pub status: CampaignStatus,
    pub version: i64,
    /// Whether that version holds the fragment's body as it is now; if not, the campaign takes
    /// it in its next version.
    pub current: bool,
}

/// A fragment as people see it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub body: String,
    /// Who last wrote it (an email or an API key's name).
    pub updated_by: String,
    pub updated_at: i64,
    pub used_by: Vec<FragmentUse>,
}
